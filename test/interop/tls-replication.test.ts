/**
 * Replication over mutual TLS with redis-server 7.0: a real redis-server replica
 * (tls-replication yes) replicating from a dssm primary's TLS port, and a dssm replica
 * replicating from a redis-server primary's TLS port. The same CA signs both sides.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { freePort, skipWithoutRedis, startDssm, startRedis } from '../helpers/servers.js';
import { makePki, serverDirectives } from '../integration/tls-fixtures.js';
import { datasetOf, info, sleep, until } from './replication-helpers.js';

const skip = skipWithoutRedis();

describe('replication over TLS with redis-server', { skip }, () => {
  it('redis-server replica of a dssm primary over TLS (tls-replication yes)', async () => {
    const pki = await makePki([]);
    const tlsPort = await freePort();
    const primary = await startDssm(serverDirectives(pki.files, tlsPort));
    const redis = await startRedis(['--tls-replication', 'yes', '--tls-cert-file', pki.files['server.crt']!, '--tls-key-file', pki.files['server.key']!, '--tls-ca-cert-file', pki.files['ca.crt']!]);
    try {
      const p = await primary.client();
      for (let i = 0; i < 200; i++) await p.call('SET', `k:${i}`, `v${i}`);
      await p.call('HSET', 'h', 'a', '1');
      const r = await redis.client();
      assert.equal((await r.call('REPLICAOF', '127.0.0.1', tlsPort)).v, 'OK');
      await until('link up', async () => (await info(r, 'master_link_status')) === 'up');
      for (let i = 200; i < 300; i++) await p.call('SET', `k:${i}`, `v${i}`);
      await p.call('DEL', 'k:0');
      await until('caught up', async () => (await r.call('DBSIZE')).v === (await p.call('DBSIZE')).v && (await r.call('EXISTS', 'k:0')).v === '0');
      await sleep(100);
      assert.deepEqual(await datasetOf(r), await datasetOf(p));
      // The replica's link is a TLS client of dssm.
      const clients = String((await p.call('CLIENT', 'LIST')).v);
      assert.match(clients, /flags=S/);
      assert.equal(await info(p, 'connected_slaves'), '1');
    } finally {
      await redis.stop();
      await primary.stop();
      fs.rmSync(pki.dir, { recursive: true, force: true });
    }
  });

  it('dssm replica of a redis-server primary over TLS', async () => {
    const pki = await makePki([]);
    const redisTls = await freePort();
    const redis = await startRedis([
      '--tls-port',
      String(redisTls),
      '--tls-cert-file',
      pki.files['server.crt']!,
      '--tls-key-file',
      pki.files['server.key']!,
      '--tls-ca-cert-file',
      pki.files['ca.crt']!,
      '--repl-diskless-sync-delay',
      '0',
    ]);
    const replica = await startDssm(['--tls-replication', 'yes', '--tls-cert-file', pki.files['server.crt']!, '--tls-key-file', pki.files['server.key']!, '--tls-ca-cert-file', pki.files['ca.crt']!]);
    try {
      const p = await redis.client();
      for (let i = 0; i < 100; i++) await p.call('SET', `r:${i}`, `v${i}`);
      const r = await replica.client();
      assert.equal((await r.call('REPLICAOF', '127.0.0.1', redisTls)).v, 'OK');
      await until('link up', async () => (await info(r, 'master_link_status')) === 'up');
      await p.call('SET', 'after', 'x');
      await until('caught up', async () => (await r.call('GET', 'after')).v === 'x');
      assert.deepEqual(await datasetOf(r), await datasetOf(p));
    } finally {
      await replica.stop();
      await redis.stop();
      fs.rmSync(pki.dir, { recursive: true, force: true });
    }
  });
});
