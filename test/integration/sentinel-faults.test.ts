/**
 * Fault tests for dssm sentinel with dssm data nodes (child processes) and three
 * in-process dssm sentinels (down-after 1000 ms): a hung primary (SIGSTOP, then SIGCONT:
 * it comes back as a replica), the leader crashing right after its election (another
 * sentinel completes the failover), and a primary cut off from the sentinels and its
 * replicas but not from its clients (userland proxy) in synchronous mode: no acknowledged
 * write is missing afterwards. Needs `npm run build`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AckChecker, MASTER_NAME, infoField, sleep, startGroup, startProxy, startSentinels, until, type NodeProc } from './sentinel-faults-fixture.js';

/** Each fault runs this many times, on a fresh deployment each time. */
const ROUNDS = 2;

describe('dssm sentinel faults', { timeout: 170_000 }, () => {
  it('primary SIGSTOP: failover; after SIGCONT the old primary is a replica (repeated)', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const g = await startGroup();
      const sg = await startSentinels(g.nodes[0]!.port);
      try {
        const p = g.nodes[0]!;
        await p.call('SET', 'a', '1');
        for (const r of g.nodes.slice(1)) await until('replicated', async () => (await r.call('GET', 'a')) === '1');
        const from = sg.events.length;
        await p.kill('SIGSTOP');
        const [, sw] = await sg.waitEvent('+switch-master', from);
        const np = g.nodes.find((n) => n.port === Number(sw.message.split(' ')[4]))!;
        assert.notEqual(np, p);
        await until('new primary has the data', async () => (await np.call('GET', 'a')) === '1');
        await p.kill('SIGCONT');
        await until('old primary turned into a replica of the new one', async () => (await infoField(p, 'role')) === 'slave' && (await infoField(p, 'master_port')) === String(np.port), 30000);
        assert.equal(await np.call('SET', 'b', '2'), 'OK');
        await until('old primary replicates', async () => (await p.call('GET', 'b')) === '2');
      } finally {
        await sg.stop();
        await g.stop();
      }
    }
  });

  it('the leader crashes right after its election: another sentinel completes the failover (repeated)', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const g = await startGroup();
      const sg = await startSentinels(g.nodes[0]!.port, { failoverTimeout: 2000 });
      try {
        // Whoever is elected first crashes (SENTINEL SIMULATE-FAILURE crash-after-election).
        for (const s of sg.sentinels) s.simFailure.crashAfterElection = true;
        let crashed = -1;
        sg.sentinels.forEach((s, i) =>
          s.on('sentinel-event', (e: { type: string }) => {
            if (e.type === '+elected-leader' && crashed < 0) {
              crashed = i;
              for (const o of sg.sentinels) if (o !== s) o.simFailure.crashAfterElection = false;
            }
          }),
        );
        const p = g.nodes[0]!;
        await p.call('SET', 'a', '1');
        for (const r of g.nodes.slice(1)) await until('replicated', async () => (await r.call('GET', 'a')) === '1');
        const from = sg.events.length;
        await p.kill('SIGKILL');
        await sg.waitEvent('+elected-leader', from);
        const [who, sw] = await sg.waitEvent('+switch-master', from, 30000, (_e, i) => i !== crashed);
        assert.notEqual(who, crashed);
        const np = g.nodes.find((n) => n.port === Number(sw.message.split(' ')[4]))!;
        assert.equal(await infoField(np, 'role'), 'master');
        assert.equal(await np.call('GET', 'a'), '1');
      } finally {
        await sg.stop();
        await g.stop();
      }
    }
  });

  it('sync-replicas 1: primary cut off from sentinels and replicas but not clients: no acknowledged write missing (repeated)', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      let proxy: Awaited<ReturnType<typeof startProxy>> | null = null;
      const g = await startGroup({
        extra: ['--sync-replicas', '1', '--sync-replicas-timeout', '500'],
        primaryVia: async (port) => {
          proxy = await startProxy(port);
          return proxy.port;
        },
      });
      const px = proxy!;
      const sg = await startSentinels(px.port);
      const p = g.nodes[0]!;
      const c = await p.client();
      const checker = new AckChecker(async (k, v) => {
        const r = await c.call('SET', k, v);
        return r.t === 'simple' ? r.v : null;
      });
      try {
        await until('sentinels know sync_replicas', async () => sg.sentinels.every((s) => s.masters.get(MASTER_NAME)!.syncReplicas === 1));
        checker.start(1);
        await sleep(300);
        const from = sg.events.length;
        px.blackhole(true);
        const [, sw] = await sg.waitEvent('+switch-master', from, 30000);
        await sleep(300);
        await checker.stop();
        const np = g.nodes.find((n) => n.port === Number(sw.message.split(' ')[4])) as NodeProc;
        assert.notEqual(np, p);
        // The old primary fenced itself: its clients got NOREPLICAS, not acknowledgements.
        assert.ok(checker.failed > 0);
        assert.deepEqual(await checker.missing(np), []);
        process.stderr.write(`# partition, sync mode, round ${round}: ${checker.acked.length} acknowledged, ${checker.failed} refused, 0 missing\n`);
      } finally {
        await checker.stop();
        c.close();
        await sg.stop();
        await g.stop();
        await px.close();
      }
    }
  });
});
