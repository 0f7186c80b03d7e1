/**
 * Expiry awareness: a certificate in use that expires within 30 days is logged at start
 * (and daily), and INFO tls reports the days left.
 */
import assert from 'node:assert/strict';
import diagnostics_channel from 'node:diagnostics_channel';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createServerCert } from '../../src/security/pki.js';
import { freePort, startDssm } from '../helpers/servers.js';
import { plain } from '../helpers/resp.js';
import { makePki, serverDirectives, tlsClient } from './tls-fixtures.js';

describe('certificate expiry', () => {
  it('warns at start when the server certificate expires within 30 days; INFO tls shows days left', async () => {
    const pki = await makePki(['proxy']);
    const soon = await createServerCert(pki.ca, { dns: ['localhost'], ips: ['127.0.0.1'], days: 10 });
    fs.writeFileSync(path.join(pki.dir, 'server.crt'), soon.cert);
    fs.writeFileSync(path.join(pki.dir, 'server.key'), soon.key);
    const logs: { level: string; msg: string }[] = [];
    const sub = (m: unknown) => logs.push(m as { level: string; msg: string });
    diagnostics_channel.subscribe('dssm:log', sub);
    const tlsPort = await freePort();
    const srv = await startDssm(serverDirectives(pki.files, tlsPort));
    try {
      const warn = logs.find((l) => l.level === 'warn' && /TLS server certificate CN=localhost .* expires in 9 days/.test(l.msg));
      assert.ok(warn, JSON.stringify(logs.filter((l) => l.level === 'warn')));
      const c = await tlsClient(tlsPort, { ca: pki.ca.cert, cert: pki.clients.proxy!.cert, key: pki.clients.proxy!.key });
      const info = plain(await c.call('INFO', 'tls')) as string;
      assert.match(info, /^# Tls\r\n/);
      assert.match(info, /tls_cert_days_left:9\r\n/);
      assert.match(info, /tls_min_days_left:9\r\n/);
      assert.match(info, /tls_min_days_left_cert:server:CN=localhost\r\n/);
      c.close();
    } finally {
      diagnostics_channel.unsubscribe('dssm:log', sub);
      await srv.stop();
      fs.rmSync(pki.dir, { recursive: true, force: true });
    }
  });
});
