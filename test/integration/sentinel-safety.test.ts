/**
 * dssm sentinel's safety rules beyond Redis, with dssm data nodes (child processes) and
 * three in-process dssm sentinels (down-after 1000 ms):
 * - a primary restarting empty never stays primary and never makes replicas drop data;
 * - SENTINEL FAILOVER with the primary up is a lossless switchover (FAILOVER TO on the
 *   primary): no acknowledged write goes missing;
 * - synchronous mode (sync-replicas 1): with the primary and one replica unreachable the
 *   sentinels wait (and say why) instead of promoting; once the replica answers again they
 *   promote the replica with the highest offset, and no acknowledged write is missing.
 * Needs `npm run build`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { sentinelCall } from './sentinel-fixture.js';
import { AckChecker, MASTER_NAME, infoField, sleep, startGroup, startSentinels, until, type NodeProc } from './sentinel-faults-fixture.js';

function sentinelClient(ports: number[]): Redis {
  const c = new Redis({
    sentinels: ports.map((port) => ({ host: '127.0.0.1', port })),
    name: MASTER_NAME,
    sentinelRetryStrategy: () => 100,
    retryStrategy: () => 100,
    maxRetriesPerRequest: 1,
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
  });
  c.on('error', () => {});
  return c;
}

async function caughtUp(primary: NodeProc, replicas: NodeProc[]): Promise<void> {
  await until('replicas caught up', async () => {
    const off = await infoField(primary, 'master_repl_offset');
    for (const r of replicas) if ((await infoField(r, 'slave_repl_offset')) !== off) return false;
    return true;
  });
}

describe('dssm sentinel safety', { timeout: 120_000 }, () => {
  // Repeated on fresh deployments: the restart falls at a different point of the PING/INFO cycle.
  for (const round of [1, 2])
    it(`a primary restarting empty is fenced and failed over: no data lost (round ${round})`, async () => {
      const g = await startGroup();
      // down-after 5 s: the restart (1-2 s) is seen before the primary would be down anyway.
      const sg = await startSentinels(g.nodes[0]!.port, { downAfter: 5000 });
      try {
        const [p, ...reps] = g.nodes as [NodeProc, ...NodeProc[]];
        const c = await p.client();
        for (let i = 0; i < 500; i++) await c.call('SET', `k:${i}`, String(i));
        c.close();
        await caughtUp(p, reps);
        // Let every sentinel learn the offsets (INFO), then crash and restart the primary at once.
        await until('sentinels know the offsets', async () => sg.sentinels.every((s) => s.masters.get(MASTER_NAME)!.masterOffset > 0));
        const from = sg.events.length;
        await p.kill('SIGKILL');
        await p.restart();
        const [, stale] = await sg.waitEvent('+reboot-stale', from);
        assert.match(stale.message, /offset \d+ < known \d+/);
        const [, sw] = await sg.waitEvent('+switch-master', from);
        const newPort = Number(sw.message.split(' ')[4]);
        const np = g.nodes.find((n) => n.port === newPort)!;
        assert.ok(reps.includes(np));
        assert.equal(await np.call('DBSIZE'), 500);
        // Every node ends with the 500 keys, the restarted one included (as a replica).
        for (const n of g.nodes) await until(`node ${n.port} has the data`, async () => (await n.call('DBSIZE')) === 500, 20000);
        assert.equal(await infoField(p, 'role'), 'slave');
      } finally {
        await sg.stop();
        await g.stop();
      }
    });

  it('SENTINEL FAILOVER with the primary up loses no acknowledged write', async () => {
    const g = await startGroup();
    const sg = await startSentinels(g.nodes[0]!.port);
    const client = sentinelClient(sg.ports);
    const checker = new AckChecker((k, v) => client.set(k, v));
    try {
      await client.set('x', '1');
      checker.start(2);
      await sleep(500);
      const from = sg.events.length;
      assert.equal(await sentinelCall(sg.ports[0]!, 'SENTINEL', 'FAILOVER', MASTER_NAME), 'OK');
      const [, sw] = await sg.waitEvent('+switch-master', from);
      assert.ok(sg.events.slice(from).some(([, e]) => e.type === '+failover-state-wait-promotion' && e.message.endsWith('coordinated')));
      const newPort = Number(sw.message.split(' ')[4]);
      const np = g.nodes.find((n) => n.port === newPort)!;
      await sg.waitEvent('+failover-end', from);
      const before = checker.acked.length;
      await until('writes acknowledged by the new primary', async () => checker.acked.length > before + 20);
      await checker.stop();
      assert.deepEqual(await checker.missing(np), []);
      assert.equal(await infoField(g.nodes[0]!, 'role'), 'slave');
      process.stderr.write(`# switchover: ${checker.acked.length} acknowledged writes, ${checker.failed} failed, 0 missing\n`);
    } finally {
      await checker.stop();
      client.disconnect();
      await sg.stop();
      await g.stop();
    }
  });

  it('sync-replicas 1: primary and one replica unreachable -> waits; replica back -> safe promotion, nothing lost', async () => {
    const g = await startGroup({ extra: ['--sync-replicas', '1', '--sync-replicas-timeout', '500'] });
    const sg = await startSentinels(g.nodes[0]!.port, { failoverTimeout: 6000 });
    const [p, a, b] = g.nodes as [NodeProc, NodeProc, NodeProc];
    const c = await p.client();
    const checker = new AckChecker(async (k, v) => {
      const r = await c.call('SET', k, v);
      return r.t === 'simple' ? r.v : null;
    });
    try {
      await until('sentinels know sync_replicas', async () => sg.sentinels.every((s) => s.masters.get(MASTER_NAME)!.syncReplicas === 1));
      checker.start(1);
      await sleep(300);
      // Replica b hangs, then the primary dies: an acknowledged write may be on b only.
      await b.kill('SIGSTOP');
      await sleep(200);
      const from = sg.events.length;
      await p.kill('SIGKILL');
      await checker.stop();
      c.close();
      assert.ok(checker.acked.length > 0);
      const [, wait] = await sg.waitEvent('+failover-wait-replicas', from, 15000);
      assert.match(wait.message, /sync-replicas 1: 1 of 2 replicas reachable, 2 needed/);
      await sleep(1500);
      assert.ok(!sg.events.slice(from).some(([, e]) => e.type === '+selected-slave'), 'no promotion while b is unreachable');
      await b.kill('SIGCONT');
      const [, sw] = await sg.waitEvent('+switch-master', from, 30000);
      const np = g.nodes.find((n) => n.port === Number(sw.message.split(' ')[4]))!;
      assert.ok(np === a || np === b);
      assert.deepEqual(await checker.missing(np), []);
      process.stderr.write(`# sync mode: ${checker.acked.length} acknowledged writes, ${checker.failed} refused, 0 missing\n`);
    } finally {
      await checker.stop();
      await sg.stop();
      await g.stop();
    }
  });
});
