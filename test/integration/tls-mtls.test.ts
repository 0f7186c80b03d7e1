/**
 * Mutual TLS with real clients (redis-cli --tls, ioredis) and the refusals: no client
 * certificate, a certificate from another CA, an expired certificate. After each refusal
 * the server still serves.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import Redis from 'ioredis';
import { freePort, startDssm, type TestServer } from '../helpers/servers.js';
import { makePki, serverDirectives, tlsClient, tryPing } from './tls-fixtures.js';

/** redis-cli, asynchronously (the server runs in this process: a sync spawn would deadlock). */
export function cli(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('redis-cli', args, { encoding: 'utf8', timeout: 10000 }, (_err, stdout, stderr) => resolve({ stdout, stderr }));
  });
}

type P = Awaited<ReturnType<typeof makePki>>;

function hasRedisCli(): boolean {
  return spawnSync('sh', ['-c', 'command -v redis-cli']).status === 0;
}

describe('TLS listener with mutual TLS', () => {
  let pki: P;
  let srv: TestServer;
  let tlsPort: number;
  const ok = () => ({ ca: pki.ca.cert, cert: pki.clients.proxy!.cert, key: pki.clients.proxy!.key });

  before(async () => {
    pki = await makePki(['proxy']);
    tlsPort = await freePort();
    srv = await startDssm(serverDirectives(pki.files, tlsPort));
  });
  after(async () => {
    await srv.stop();
    fs.rmSync(pki.dir, { recursive: true, force: true });
  });

  it('serves RESP over TLS with a valid client certificate', async () => {
    const c = await tlsClient(tlsPort, ok());
    assert.deepEqual(await c.call('SET', 'k', 'v'), { t: 'simple', v: 'OK' });
    assert.deepEqual(await c.call('GET', 'k'), { t: 'bulk', v: 'v' });
    const info = await c.call('INFO', 'tls');
    assert.equal(info.t, 'bulk');
    assert.match(String(info.v), /tls_cert_days_left:36[45]/);
    const list = await c.call('CLIENT', 'INFO');
    assert.equal(list.t, 'bulk');
    c.close();
  });

  it('redis-cli --tls --cacert --cert --key works', { skip: hasRedisCli() ? false : 'redis-cli not installed' }, async () => {
    const withCert = ['--tls', '--cacert', pki.files['ca.crt']!, '--cert', pki.files['proxy.crt']!, '--key', pki.files['proxy.key']!, '-p', String(tlsPort)];
    assert.equal((await cli([...withCert, 'SET', 'cli', 'hello'])).stdout.trim(), 'OK');
    assert.equal((await cli([...withCert, 'GET', 'cli'])).stdout.trim(), 'hello');
    // Without a client certificate, redis-cli cannot talk to the server.
    const r = await cli(['--tls', '--cacert', pki.files['ca.crt']!, '-p', String(tlsPort), 'PING']);
    assert.notEqual(r.stdout.trim(), 'PONG');
    assert.match(r.stdout + r.stderr, /error|certificate|reset|closed/i);
  });

  it('ioredis with TLS options', async () => {
    const r = new Redis({ host: '127.0.0.1', port: tlsPort, tls: { ...ok(), servername: 'localhost' }, lazyConnect: true, maxRetriesPerRequest: 0 });
    await r.connect();
    await r.set('io', '1');
    assert.equal(await r.incr('io'), 2);
    assert.equal(await r.get('io'), '2');
    await r.quit();
  });

  it('refuses a client without a certificate, and keeps serving', async () => {
    const r = await tryPing(tlsPort, { ca: pki.ca.cert });
    assert.match(r, /failed/);
    assert.match(r, /CERTIFICATE_REQUIRED|ECONNRESET|closed|handshake/i);
    assert.equal(await tryPing(tlsPort, ok()), 'PONG');
  });

  it('refuses a certificate from another CA, and keeps serving', async () => {
    const r = await tryPing(tlsPort, { ca: pki.ca.cert, cert: pki.foreign.cert, key: pki.foreign.key });
    assert.match(r, /failed/);
    assert.match(r, /UNKNOWN_CA|DECRYPT|ECONNRESET|closed|handshake/i);
    assert.equal(await tryPing(tlsPort, ok()), 'PONG');
  });

  it('refuses an expired certificate, and keeps serving', async () => {
    const r = await tryPing(tlsPort, { ca: pki.ca.cert, cert: pki.expired.cert, key: pki.expired.key });
    assert.match(r, /failed/);
    assert.match(r, /CERTIFICATE_EXPIRED|ECONNRESET|closed|handshake/i);
    assert.equal(await tryPing(tlsPort, ok()), 'PONG');
  });

  it('the plain port still serves beside the TLS one', async () => {
    const c = await srv.client();
    assert.deepEqual(await c.call('GET', 'k'), { t: 'bulk', v: 'v' });
  });
});

describe('TLS-only (port 0) and tls-auth-clients', () => {
  it('port 0 serves TLS only; tls-auth-clients no admits clients without certificates', async () => {
    const pki = await makePki([]);
    const tlsPort = await freePort();
    const srv = await startDssm([...serverDirectives(pki.files, tlsPort), '--port', '0', '--tls-auth-clients', 'no']);
    try {
      assert.equal(srv.node.port, 0);
      assert.equal(await tryPing(tlsPort, { ca: pki.ca.cert }), 'PONG');
    } finally {
      await srv.stop();
      fs.rmSync(pki.dir, { recursive: true, force: true });
    }
  });

  it('tls-auth-clients optional: no certificate is fine, a foreign one is refused', async () => {
    const pki = await makePki(['proxy']);
    const tlsPort = await freePort();
    const srv = await startDssm([...serverDirectives(pki.files, tlsPort), '--tls-auth-clients', 'optional']);
    try {
      assert.equal(await tryPing(tlsPort, { ca: pki.ca.cert }), 'PONG');
      assert.match(await tryPing(tlsPort, { ca: pki.ca.cert, cert: pki.foreign.cert, key: pki.foreign.key }), /failed/);
      assert.equal(await tryPing(tlsPort, { ca: pki.ca.cert, cert: pki.clients.proxy!.cert, key: pki.clients.proxy!.key }), 'PONG');
    } finally {
      await srv.stop();
      fs.rmSync(pki.dir, { recursive: true, force: true });
    }
  });

  it('a key that does not match its certificate stops the server at start', async () => {
    const pki = await makePki(['proxy']);
    const tlsPort = await freePort();
    await assert.rejects(
      startDssm(['--tls-port', String(tlsPort), '--tls-cert-file', pki.files['server.crt']!, '--tls-key-file', pki.files['proxy.key']!, '--tls-ca-cert-file', pki.files['ca.crt']!]),
      /key values mismatch|Failed to configure TLS/i,
    );
    fs.rmSync(pki.dir, { recursive: true, force: true });
  });
});
