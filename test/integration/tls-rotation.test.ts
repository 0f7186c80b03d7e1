/**
 * Certificate users (tls-auth-clients-user cn) and hot rotation of the TLS material.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createCA, createClientCert, createServerCert } from '../../src/security/pki.js';
import { freePort, startDssm } from '../helpers/servers.js';
import { plain } from '../helpers/resp.js';
import { makePki, serverDirectives, tlsClient, tryPing } from './tls-fixtures.js';

describe('certificate users', () => {
  it('the CN names the ACL user; a disabled or unknown user stays unauthenticated; passwords still work', async () => {
    const pki = await makePki(['proxy', 'blocked', 'stranger', 'reader']);
    const tlsPort = await freePort();
    const srv = await startDssm([
      ...serverDirectives(pki.files, tlsPort),
      '--requirepass',
      'adminpw',
      '--tls-auth-clients-user',
      'cn',
      '--user',
      'proxy',
      'on',
      '~sess:*',
      '+@all',
      '-@dangerous',
      '--user',
      'blocked',
      'off',
      '~*',
      '+@all',
      '--user',
      'reader',
      'on',
      '>rpw',
      '~*',
      '-@all',
      '+get',
    ]);
    const opts = (cn: string) => ({ ca: pki.ca.cert, cert: pki.clients[cn]!.cert, key: pki.clients[cn]!.key });
    try {
      const p = await tlsClient(tlsPort, opts('proxy'));
      assert.deepEqual(plain(await p.call('ACL', 'WHOAMI')), 'proxy');
      assert.deepEqual(plain(await p.call('SET', 'sess:1', 'x')), 'OK');
      assert.deepEqual(plain(await p.call('SET', 'other', 'x')), { error: 'NOPERM this user has no permissions to access one of the keys used as arguments' });
      assert.deepEqual(plain(await p.call('FLUSHALL')), { error: "NOPERM this user has no permissions to run the 'flushall' command" });

      const b = await tlsClient(tlsPort, opts('blocked'));
      assert.deepEqual(plain(await b.call('GET', 'sess:1')), { error: 'NOAUTH Authentication required.' });
      assert.deepEqual(plain(await b.call('AUTH', 'blocked', 'x')), { error: 'WRONGPASS invalid username-password pair or user is disabled.' });
      assert.deepEqual(plain(await b.call('AUTH', 'adminpw')), 'OK');
      assert.deepEqual(plain(await b.call('ACL', 'WHOAMI')), 'default');

      const s = await tlsClient(tlsPort, opts('stranger'));
      assert.deepEqual(plain(await s.call('PING')), { error: 'NOAUTH Authentication required.' });

      // The certificate makes the user; the password path is still there for the others.
      const r = await tlsClient(tlsPort, opts('reader'));
      assert.deepEqual(plain(await r.call('ACL', 'WHOAMI')), { error: "NOPERM this user has no permissions to run the 'acl|whoami' command" });
      assert.deepEqual(plain(await r.call('GET', 'sess:1')), 'x');
      assert.deepEqual(plain(await r.call('AUTH', 'reader', 'bad')), { error: 'WRONGPASS invalid username-password pair or user is disabled.' });

      const admin = await tlsClient(tlsPort, opts('proxy'));
      assert.deepEqual(plain(await admin.call('AUTH', 'adminpw')), 'OK');
      const log = plain(await admin.call('ACL', 'LOG')) as unknown[][];
      assert.ok(
        log.some((e) => e.includes('auth') && e.includes('blocked')),
        JSON.stringify(log),
      );
      assert.deepEqual(plain(await p.call('GET', 'sess:1')), 'x'); // still serving
      for (const c of [p, b, s, r, admin]) c.close();
    } finally {
      await srv.stop();
      fs.rmSync(pki.dir, { recursive: true, force: true });
    }
  });
});

async function until(cond: () => boolean, timeoutMs = 10000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('hot rotation', () => {
  it('new CA bundle: connected clients keep working, new clients with new certs connect, old certs are refused; a corrupt replacement changes nothing', async () => {
    const pki = await makePki(['proxy']);
    const tlsPort = await freePort();
    const srv = await startDssm([...serverDirectives(pki.files, tlsPort), '--tls-reload-interval-ms', '200']);
    const tlsApi = srv.node.ext.tls!;
    try {
      const oldOpts = { ca: pki.ca.cert, cert: pki.clients.proxy!.cert, key: pki.clients.proxy!.key };
      const kept = await tlsClient(tlsPort, oldOpts);
      assert.deepEqual(plain(await kept.call('SET', 'k', 'before')), 'OK');

      // A Kubernetes-style update: a new directory, then the ..data symlink swapped at once.
      const ca2 = await createCA({ commonName: 'dssm CA 2' });
      const server2 = await createServerCert(ca2, { dns: ['localhost'], ips: ['127.0.0.1'] });
      const client2 = await createClientCert(ca2, 'proxy');
      // Files are replaced in place (write + rename), like a Secret update.
      const replace = (name: string, text: string) => {
        const tmp = path.join(pki.dir, `.${name}.tmp`);
        fs.writeFileSync(tmp, text);
        fs.renameSync(tmp, pki.files[name]!);
      };
      // A corrupt replacement first: refused, old material stays.
      replace('server.crt', '-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n');
      await until(() => tlsApi.stats().failures >= 1);
      assert.equal(tlsApi.stats().reloads, 0);
      assert.match(tlsApi.stats().lastError, /certificate|PEM|asn1|No certificate/i);
      assert.equal(await tryPing(tlsPort, oldOpts), 'PONG');

      // A key that does not match the certificate: refused too.
      replace('server.crt', server2.cert);
      await until(() => tlsApi.stats().failures >= 2);
      assert.equal(tlsApi.stats().reloads, 0);
      assert.equal(await tryPing(tlsPort, oldOpts), 'PONG');

      // Now the complete new bundle.
      replace('server.key', server2.key);
      replace('ca.crt', ca2.cert);
      await until(() => tlsApi.stats().reloads >= 1 && tlsApi.material()!.certs.some((c) => c.subject.includes('dssm CA 2')));

      const newOpts = { ca: ca2.cert, cert: client2.cert, key: client2.key };
      assert.equal(await tryPing(tlsPort, newOpts), 'PONG');
      assert.match(await tryPing(tlsPort, oldOpts), /failed/);
      // The connection opened before the rotation is still served.
      assert.deepEqual(plain(await kept.call('GET', 'k')), 'before');
      assert.deepEqual(plain(await kept.call('SET', 'k', 'after')), 'OK');
      const fresh = await tlsClient(tlsPort, newOpts);
      assert.deepEqual(plain(await fresh.call('GET', 'k')), 'after');
      const info = plain(await fresh.call('INFO', 'tls')) as string;
      assert.match(info, /tls_reloads:1/);
      assert.match(info, /tls_reload_failures:2/);
      kept.close();
      fresh.close();
    } finally {
      await srv.stop();
      fs.rmSync(pki.dir, { recursive: true, force: true });
    }
  });

  it('a Kubernetes symlink swap (..data) is picked up', async () => {
    const pki = await makePki(['proxy']);
    const mount = path.join(pki.dir, 'mount');
    const v1 = path.join(mount, '..v1');
    fs.mkdirSync(v1, { recursive: true });
    for (const f of ['server.crt', 'server.key', 'ca.crt']) fs.copyFileSync(pki.files[f]!, path.join(v1, f));
    fs.symlinkSync('..v1', path.join(mount, '..data'));
    for (const f of ['server.crt', 'server.key', 'ca.crt']) fs.symlinkSync(path.join('..data', f), path.join(mount, f));
    const tlsPort = await freePort();
    const files = { 'server.crt': path.join(mount, 'server.crt'), 'server.key': path.join(mount, 'server.key'), 'ca.crt': path.join(mount, 'ca.crt') };
    const srv = await startDssm([...serverDirectives(files, tlsPort), '--tls-reload-interval-ms', '0']); // the directory watch alone
    try {
      const ca2 = await createCA({ commonName: 'dssm CA 2' });
      const server2 = await createServerCert(ca2, { dns: ['localhost'] });
      const client2 = await createClientCert(ca2, 'proxy');
      const v2 = path.join(mount, '..v2');
      fs.mkdirSync(v2);
      fs.writeFileSync(path.join(v2, 'server.crt'), server2.cert);
      fs.writeFileSync(path.join(v2, 'server.key'), server2.key);
      fs.writeFileSync(path.join(v2, 'ca.crt'), ca2.cert);
      fs.symlinkSync('..v2', path.join(mount, '..data_tmp'));
      fs.renameSync(path.join(mount, '..data_tmp'), path.join(mount, '..data'));
      await until(() => srv.node.ext.tls!.stats().reloads >= 1);
      assert.equal(await tryPing(tlsPort, { ca: ca2.cert, cert: client2.cert, key: client2.key }), 'PONG');
    } finally {
      await srv.stop();
      fs.rmSync(pki.dir, { recursive: true, force: true });
    }
  });
});
