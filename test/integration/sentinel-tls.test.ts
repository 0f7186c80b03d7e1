/**
 * dssm sentinel over TLS: three TLS-only dssm data nodes (`--port 0 --tls-port`,
 * tls-replication yes) and three TLS-only dssm sentinels (`port 0`, tls-port, links to
 * data nodes and peers over TLS). ioredis in sentinel mode over TLS (sentinelTLS, tls,
 * enableTLSForSentinelMode) keeps writing across a SIGKILL failover of the primary.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { loadSentinelConfig } from '../../src/sentinel/config.js';
import { Sentinel } from '../../src/sentinel/server.js';
import { plain } from '../helpers/resp.js';
import { freePort } from '../helpers/servers.js';
import { MASTER_NAME, infoField, sleep, startGroup, startSentinels, until, type Group, type SentinelGroup } from './sentinel-faults-fixture.js';
import { tlsClient } from './tls-fixtures.js';

describe('dssm sentinel over TLS', { timeout: 90_000 }, () => {
  let g: Group;
  let sg: SentinelGroup;
  let tlsOpts: { ca: Buffer; cert: Buffer; key: Buffer };

  before(async () => {
    g = await startGroup({ tls: true });
    const t = g.tls!;
    tlsOpts = { ca: fs.readFileSync(t.ca), cert: fs.readFileSync(t.cert), key: fs.readFileSync(t.key) };
    sg = await startSentinels(g.nodes[0]!.port, { tls: t });
  });

  after(async () => {
    await sg?.stop();
    await g?.stop();
  });

  it('listens on TLS only and discovers replicas and peers over TLS links', async () => {
    const s = sg.sentinels[0]!;
    assert.equal(s.tlsPort, s.port);
    // Plain TCP: the handshake never completes, so a plaintext PING gets no RESP reply.
    const reply = await new Promise<string>((resolve) => {
      const c = net.connect({ host: '127.0.0.1', port: s.port }, () => c.write('PING\r\n'));
      let got = '';
      c.on('data', (d) => (got += d.toString('latin1')));
      c.on('close', () => resolve(got));
      c.on('error', () => resolve(got));
      setTimeout(() => c.destroy(), 500);
    });
    assert.ok(!reply.includes('PONG'));
    const c = await tlsClient(s.port, tlsOpts);
    try {
      assert.deepEqual(plain(await c.call('SENTINEL', 'get-master-addr-by-name', MASTER_NAME)), ['127.0.0.1', String(g.nodes[0]!.port)]);
      const m = s.masters.get(MASTER_NAME)!;
      await until('replicas and peers known', async () => m.slaves.size === 2 && m.sentinels.size === 2);
      assert.deepEqual(
        [...m.slaves.values()].map((r) => r.port).sort(),
        g.nodes
          .slice(1)
          .map((n) => n.port)
          .sort(),
      );
      // Peers announce their TLS port.
      assert.deepEqual([...m.sentinels.values()].map((p) => p.port).sort(), sg.ports.slice(1).sort());
    } finally {
      c.close();
    }
  });

  it('refuses to start with unusable TLS material (key file is not a key)', async () => {
    const t = g.tls!;
    await assert.rejects(async () => {
      const s = new Sentinel(loadSentinelConfig(null, ['--port', '0', '--tls-port', String(await freePort()), '--tls-cert-file', t.cert, '--tls-key-file', t.ca, '--tls-ca-cert-file', t.ca]));
      await s.start();
    });
  });

  it('ioredis in sentinel mode over TLS keeps writing across a SIGKILL of the primary', async () => {
    const client = new Redis({
      sentinels: sg.ports.map((port) => ({ host: '127.0.0.1', port })),
      name: MASTER_NAME,
      enableTLSForSentinelMode: true,
      sentinelTLS: { ...tlsOpts },
      tls: { ...tlsOpts },
      sentinelRetryStrategy: () => 100,
      retryStrategy: () => 100,
      maxRetriesPerRequest: 50,
    });
    client.on('error', () => {});
    try {
      let _ok = 0;
      for (let i = 0; i < 50; i++) {
        await client.set(`before:${i}`, String(i));
        _ok++;
      }
      const old = g.nodes[0]!;
      // Let the replicas catch up, then kill the primary.
      await until('replicas caught up', async () => {
        const off = await infoField(old, 'master_repl_offset');
        for (const r of g.nodes.slice(1)) if ((await infoField(r, 'slave_repl_offset')) !== off) return false;
        return true;
      });
      const from = sg.events.length;
      const t0 = performance.now();
      await old.kill('SIGKILL');
      // Writes continue: ioredis retries until it finds the new primary through the sentinels.
      for (let i = 0; i < 20; i++) await client.set(`after:${i}`, String(i));
      const elapsed = performance.now() - t0;
      const [, sw] = await sg.waitEvent('+switch-master', from);
      const newPort = Number(sw.message.split(' ')[4]);
      assert.notEqual(newPort, old.port);
      const np = g.nodes.find((n) => n.port === newPort)!;
      assert.equal(await infoField(np, 'role'), 'master');
      for (let i = 0; i < 50; i++) assert.equal(await np.call('GET', `before:${i}`), String(i));
      for (let i = 0; i < 20; i++) assert.equal(await np.call('GET', `after:${i}`), String(i));
      // The other replica follows the new primary over TLS.
      const other = g.nodes.find((n) => n !== np && n !== old)!;
      await until('other replica follows the new primary', async () => (await infoField(other, 'master_port')) === String(newPort) && (await infoField(other, 'master_link_status')) === 'up');
      process.stderr.write(`# TLS failover: first write after SIGKILL after ${elapsed.toFixed(0)} ms\n`);
      // The old primary comes back (empty: no persistence) and becomes a replica of the new one.
      await old.restart();
      await until('old primary turned into a replica', async () => (await infoField(old, 'role')) === 'slave' && (await infoField(old, 'master_link_status')) === 'up', 30000);
      assert.equal(await old.call('GET', 'after:19'), '19');
      await sleep(10);
    } finally {
      client.disconnect();
    }
  });
});
