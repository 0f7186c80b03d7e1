/**
 * Fault tests for dssm sentinel: two of three data nodes down, in synchronous mode
 * (sync-replicas 1), each fault repeated on the same deployment. dssm data nodes are child
 * processes (AOF with appendfsync always, so a killed node restarts with what it had), three
 * in-process dssm sentinels (down-after 1000 ms).
 * - Both replicas SIGKILLed: the primary stays primary (no failover) and refuses writes with
 *   NOREPLICAS instead of acknowledging them; the replicas restart and rejoin.
 * - The primary and one replica SIGKILLed at once: the surviving replica may lack an
 *   acknowledged write, so the sentinels wait; once the killed replica is back they promote
 *   the best replica, which holds every acknowledged write; the old primary restarts and
 *   rejoins as a replica of the new one.
 * Needs `npm run build`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Flag } from '../../src/sentinel/state.js';
import {
  AckChecker,
  MASTER_NAME,
  groupOf,
  infoField,
  rawWriter,
  sleep,
  startGroup,
  startNode,
  startProxy,
  startSentinels,
  until,
  withReplicaOf,
  type NodeProc,
  type SentinelGroup,
} from './sentinel-faults-fixture.js';

const SYNC = ['--sync-replicas', '1', '--sync-replicas-timeout', '500', '--appendonly', 'yes', '--appendfsync', 'always'];
const ROUNDS = 2;

async function caughtUp(primary: NodeProc, replicas: NodeProc[]): Promise<void> {
  await until(
    'replicas caught up',
    async () => {
      const off = await infoField(primary, 'master_repl_offset');
      for (const r of replicas) if ((await infoField(r, 'master_link_status')) !== 'up' || (await infoField(r, 'slave_repl_offset')) !== off) return false;
      return true;
    },
    30000,
  );
}

/** Run a writer on `primary` for a while; returns the stopped-later checker and its client. */
async function startWriter(primary: NodeProc, prefix: string): Promise<{ checker: AckChecker; close(): Promise<void> }> {
  const c = await primary.client();
  const checker = new AckChecker(rawWriter(c), prefix);
  checker.start(1);
  return {
    checker,
    async close() {
      await checker.stop();
      c.close();
    },
  };
}

async function sentinelsKnowSyncMode(sg: SentinelGroup): Promise<void> {
  await until('sentinels know sync_replicas', async () => sg.sentinels.every((s) => s.masters.get(MASTER_NAME)!.syncReplicas === 1));
}

describe('dssm sentinel faults: two of three data nodes down (sync-replicas 1)', { timeout: 150_000 }, () => {
  it('both replicas killed: the primary stays primary and refuses writes; the replicas rejoin (repeated)', async () => {
    const g = await startGroup({ extra: SYNC });
    const sg = await startSentinels(g.nodes[0]!.port);
    try {
      const [p, a, b] = g.nodes as [NodeProc, NodeProc, NodeProc];
      await sentinelsKnowSyncMode(sg);
      for (let round = 0; round < ROUNDS; round++) {
        const w = await startWriter(p, `r${round}`);
        await until('some writes acknowledged', async () => w.checker.acked.length >= 20);
        const from = sg.events.length;
        await Promise.all([a.kill('SIGKILL'), b.kill('SIGKILL')]);
        await w.close();
        // No replica is alive to acknowledge anything: every write now is refused.
        for (let i = 0; i < 5; i++) {
          const r = (await p.call('SET', `after-kill:${round}:${i}`, 'x')) as { error?: string };
          assert.match(String(r.error), /^NOREPLICAS/, `write ${i} after both replicas died`);
        }
        // The sentinels see the replicas down and leave the primary alone.
        for (const r of [a, b]) await sg.waitEvent('+sdown', from, 10000, (e) => e.message.startsWith(`slave 127.0.0.1:${r.port} `));
        await sleep(1500);
        const failoverEvents = sg.events.slice(from).filter(([, e]) => ['+odown', '+try-failover', '+switch-master'].includes(e.type) || (e.type === '+sdown' && e.message.startsWith('master ')));
        assert.deepEqual(failoverEvents, [], 'no failover while the primary is up');
        assert.equal(await sg.masterAddr(), p.port);
        assert.equal(await infoField(p, 'role'), 'master');
        // The replicas come back (with their AOF) and rejoin; writes are acknowledged again.
        await Promise.all([a.restart(), b.restart()]);
        await caughtUp(p, [a, b]);
        await until('every sentinel sees the replicas up', async () =>
          sg.sentinels.every((s) =>
            [a, b].every((r) => {
              const ri = s.masters.get(MASTER_NAME)!.slaves.get(`127.0.0.1:${r.port}`);
              return ri !== undefined && !ri.is(Flag.S_DOWN);
            }),
          ),
        );
        assert.equal(await p.call('SET', `back:${round}`, '1'), 'OK');
        assert.ok(w.checker.acked.length > 0);
        for (const n of g.nodes) assert.deepEqual(await w.checker.missing(n), [], `acknowledged writes on node ${n.port}`);
        process.stderr.write(`# both replicas down, round ${round}: ${w.checker.acked.length} acknowledged, ${w.checker.failed} refused, 0 missing\n`);
      }
    } finally {
      await sg.stop();
      await g.stop();
    }
  });

  // A replica restarted from its AOF restores its replid/offset (#dssm-repl annotations),
  // so the sentinels rank it by the data it holds and promote it over the lagging survivor.
  it('primary and one replica killed: failover waits for the replica, promotes the one with every acknowledged write, the others rejoin (repeated)', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      // The survivor replicates through a proxy, so it can be made to lag for real (a
      // SIGSTOPped process would still find the stream in its socket buffer).
      const primary = await startNode(SYNC, null);
      const proxy = await startProxy(primary.port);
      const victim = await startNode(withReplicaOf(SYNC, primary.port), null);
      const survivor = await startNode(withReplicaOf(SYNC, proxy.port), null);
      const g = groupOf([primary, victim, survivor]);
      let sg: SentinelGroup | null = null;
      let w: Awaited<ReturnType<typeof startWriter>> | null = null;
      try {
        for (const r of [victim, survivor]) await until('replica link up', async () => (await infoField(r, 'master_link_status')) === 'up', 20000);
        sg = await startSentinels(primary.port, { failoverTimeout: 6000 });
        await sentinelsKnowSyncMode(sg);
        w = await startWriter(primary, 'w');
        await until('some writes acknowledged', async () => w!.checker.acked.length >= 20);
        // The survivor's link goes silent: writes acknowledged from now on are on the victim only.
        proxy.blackhole(true);
        const ackedBefore = w.checker.acked.length;
        await until('writes acknowledged by the victim alone', async () => w!.checker.acked.length >= ackedBefore + 20);
        const from = sg.events.length;
        await Promise.all([primary.kill('SIGKILL'), victim.kill('SIGKILL')]);
        await w.close();
        const [, wait] = await sg.waitEvent('+failover-wait-replicas', from, 15000);
        assert.match(wait.message, /sync-replicas 1: 1 of 2 replicas reachable, 2 needed/);
        await sleep(1000);
        assert.ok(!sg.events.slice(from).some(([, e]) => e.type === '+selected-slave'), 'no promotion while the victim is down');
        // The victim restarts (with its AOF), still pointing at the dead primary.
        await victim.restart();
        const [, sw] = await sg.waitEvent('+switch-master', from, 30000);
        const np = g.nodes.find((n) => n.port === Number(sw.message.split(' ')[4]));
        const missing = np ? await w.checker.missing(np) : [];
        process.stderr.write(
          `# primary + replica down, round ${round}: ${w.checker.acked.length} acknowledged (${w.checker.acked.length - ackedBefore} by the victim alone), ${w.checker.failed} refused, ${missing.length} missing on the promoted ${np === victim ? 'restarted victim' : 'lagging survivor'}\n`,
        );
        assert.equal(np, victim, 'the replica holding every acknowledged write is promoted');
        assert.deepEqual(missing, []);
        // The old primary restarts as a primary (its own AOF) and is turned into a replica.
        await primary.restart();
        await until(
          'old primary rejoins as a replica of the new one',
          async () => (await infoField(primary, 'role')) === 'slave' && (await infoField(primary, 'master_port')) === String(np.port) && (await infoField(primary, 'master_link_status')) === 'up',
          40000,
        );
        await until('the survivor follows the new primary', async () => (await infoField(survivor, 'master_port')) === String(np.port));
        assert.equal(await np.call('SET', 'after', '1'), 'OK');
        await caughtUp(np, [primary, survivor]);
        for (const n of g.nodes) assert.deepEqual(await w.checker.missing(n), [], `acknowledged writes on node ${n.port}`);
      } finally {
        await w?.close();
        await sg?.stop();
        await g.stop();
        await proxy.close();
      }
    }
  });
});
