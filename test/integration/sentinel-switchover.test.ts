/**
 * `dssm failover` (src/deploy/switchover.ts) in synchronous mode under a writer through
 * ioredis in sentinel mode: the switch happens, every sentinel names the new primary, the
 * old primary is a replica, and no acknowledged write is missing afterwards. Under writes
 * the sentinels used to refuse with NOGOODSLAVE until their next INFO poll (issue 14);
 * the switchover then failed or took its whole settle time. Needs `npm run build` (dssm
 * data nodes from dist/).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { switchover } from '../../src/deploy/switchover.js';
import { MASTER_NAME, infoField, startGroup, startSentinels, until, type Group, type SentinelGroup } from './sentinel-faults-fixture.js';
import { sentinelCall, waitForDiscovery } from './sentinel-fixture.js';

describe('dssm failover under a writer, synchronous mode', { timeout: 120_000 }, () => {
  let g: Group;
  let sg: SentinelGroup;

  before(async () => {
    g = await startGroup({ replicas: 2, extra: ['--sync-replicas', '1'] });
    sg = await startSentinels(g.nodes[0]!.port, { downAfter: 1000, failoverTimeout: 4000 });
    await waitForDiscovery(sg.ports, 2);
  });

  after(async () => {
    await sg?.stop();
    await g?.stop();
  });

  it('switches twice in a row with every acknowledged write kept and every sentinel naming the new primary', async (t) => {
    const redis = new Redis({ sentinels: sg.ports.map((port) => ({ host: '127.0.0.1', port })), name: MASTER_NAME, maxRetriesPerRequest: null });
    redis.on('error', () => {});
    const acked: number[] = [];
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; ) {
        try {
          await redis.set(`w:${i}`, String(i));
          acked.push(i);
          i++;
        } catch {
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    })();
    const target = { sentinels: sg.ports.map((port) => ({ host: '127.0.0.1', port })), masterName: MASTER_NAME, link: { tls: null }, sentinelLink: { tls: null }, source: 'test', metrics: null };
    try {
      let from = `127.0.0.1:${g.nodes[0]!.port}`;
      for (let round = 0; round < 2; round++) {
        await until('writes flowing', async () => acked.length > 50 * (round + 1));
        const r = await switchover(target, { timeoutMs: 5000 });
        assert.equal(r.from, from);
        assert.notEqual(r.to, r.from);
        // Every sentinel names the new primary to clients; the old primary is a replica.
        for (const port of sg.ports) {
          const a = (await sentinelCall(port, 'SENTINEL', 'get-master-addr-by-name', MASTER_NAME)) as string[];
          assert.equal(`${a[0]}:${a[1]}`, r.to, `sentinel ${port}`);
        }
        const old = g.nodes.find((n) => `127.0.0.1:${n.port}` === r.from)!;
        assert.equal(await infoField(old, 'role'), 'slave');
        const n0 = acked.length;
        await until('writes after the switch', async () => acked.length > n0 + 50, 30_000);
        t.diagnostic(`${r.from} -> ${r.to}: command ${r.totalMs.toFixed(0)} ms`);
        from = r.to;
      }
      stop = true;
      await writer;
      const port = Number(from.split(':')[1]);
      const direct = new Redis({ host: '127.0.0.1', port });
      const values: (string | null)[] = [];
      for (let i = 0; i < acked.length; i += 500) values.push(...(await direct.mget(...acked.slice(i, i + 500).map((k) => `w:${k}`))));
      direct.disconnect();
      const missing = acked.filter((k, j) => values[j] !== String(k));
      assert.deepEqual(missing, [], `${missing.length} of ${acked.length} acknowledged writes missing`);
    } finally {
      stop = true;
      await writer;
      redis.disconnect();
    }
  });
});
