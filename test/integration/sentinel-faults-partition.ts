/**
 * The primary cut off together with one sentinel (the minority side: primary + 1 sentinel;
 * the majority: 2 sentinels + 2 replicas), while its clients still reach it, with a writer and
 * the acknowledged-write checker. Every link goes through a userland proxy that tells callers
 * apart by source address (LinkNet in the fixture). The fault is repeated `rounds` times on
 * the same deployment, each time with the current primary and another sentinel cut off.
 *
 * Asserted in both modes: the majority fails over; the lone sentinel cannot (no majority) and
 * keeps the old address; after healing the old primary becomes a replica of the new one, the
 * lone sentinel learns the new address, and every node ends with the new primary's data.
 * Synchronous mode (sync-replicas 1) also: the old primary fences itself (its clients get
 * NOREPLICAS, never an acknowledgement) and no acknowledged write is missing. Asynchronous
 * mode returns how many acknowledged writes each round lost (Redis semantics allow it).
 * Needs `npm run build`.
 */
import assert from 'node:assert/strict';
import { AckChecker, LinkNet, MASTER_NAME, groupOf, infoField, rawWriter, startNode, startSentinels, until, withReplicaOf, type NodeProc } from './sentinel-faults-fixture.js';
import { freePort } from '../helpers/servers.js';

const SYNC = ['--sync-replicas', '1', '--sync-replicas-timeout', '500'];

/** Run the scenario; returns the acknowledged writes lost per round (always 0 when sync). */
export async function primaryPartitionedWithOneSentinel(sync: boolean, rounds: number): Promise<number[]> {
  const links = new LinkNet();
  // Data nodes n0 (primary), n1, n2, each announced through its proxy.
  const names = ['n0', 'n1', 'n2'];
  const ports = [await freePort(), await freePort(), await freePort()];
  const via: number[] = [];
  for (let i = 0; i < 3; i++) via.push(await links.add(names[i]!, ports[i]!));
  const nodes: NodeProc[] = [];
  for (let i = 0; i < 3; i++) {
    const args = [...(sync ? SYNC : []), '--replica-announce-port', String(via[i])];
    nodes.push(await startNode(i === 0 ? args : withReplicaOf(args, via[0]!), null, undefined, ports[i]));
  }
  const g = groupOf(nodes);
  const nameOfVia = (port: number) => names[via.indexOf(port)]!;
  const nodeOfVia = (port: number) => nodes[via.indexOf(port)]!;
  let sg: Awaited<ReturnType<typeof startSentinels>> | null = null;
  const checkers: AckChecker[] = [];
  const lost: number[] = [];
  try {
    for (const r of nodes.slice(1)) await until('replica link up', async () => (await infoField(r, 'master_link_status')) === 'up', 20000);
    sg = await startSentinels(via[0]!, { links, failoverTimeout: 3000 });
    const sgr = sg;
    await until('sentinels know the mode', async () => sgr.sentinels.every((s) => s.masters.get(MASTER_NAME)!.syncReplicas === (sync ? 1 : 0)));
    await until('sentinels see every replica and each other', async () =>
      sgr.sentinels.every((s) => {
        const m = s.masters.get(MASTER_NAME)!;
        return m.slaves.size === 2 && m.sentinels.size === 2;
      }),
    );
    for (let round = 0; round < rounds; round++) {
      const oldVia: number = await sg.masterAddr(0);
      const old = nodeOfVia(oldVia);
      const lone = round % 3; // the sentinel on the primary's side
      const c = await old.client();
      const checker = new AckChecker(rawWriter(c), `r${round}`);
      checkers.push(checker);
      checker.start(1);
      try {
        await until('some writes acknowledged', async () => checker.acked.length >= 20);
        const ackedBefore = checker.acked.length;
        const from = sg.events.length;
        links.partition([nameOfVia(oldVia), `s${lone}`], 'replicas');
        const [who, sw] = await sg.waitEvent('+switch-master', from, 30000);
        assert.notEqual(who, lone, 'the lone sentinel cannot fail over');
        const newVia = Number(sw.message.split(' ')[4]);
        const np = nodeOfVia(newVia);
        assert.notEqual(np, old);
        if (sync) {
          // The old primary keeps serving its clients, and fences: errors, no acknowledgements.
          const failedAt = checker.failed;
          await until('the old primary refuses writes', async () => checker.failed >= failedAt + 5, 10000);
          const acked = checker.acked.length;
          await until('more refusals', async () => checker.failed >= failedAt + 10, 10000);
          assert.equal(checker.acked.length, acked, 'no write acknowledged by the fenced primary');
        } else {
          // Asynchronous: the old primary acknowledges writes that only it holds.
          const acked = checker.acked.length;
          await until('the old primary acknowledges writes after the failover', async () => checker.acked.length >= acked + 20, 10000);
        }
        await checker.stop();
        c.close();
        // The lone sentinel still sees the old primary and has not switched.
        assert.equal(await sg.masterAddr(lone), oldVia);
        assert.ok(!sg.events.slice(from).some(([i, e]) => i === lone && e.type === '+switch-master'));
        const missingOnNew = await checker.missing(np);
        if (sync) assert.deepEqual(missingOnNew, [], 'every acknowledged write is on the new primary');
        else lost.push(missingOnNew.length);
        // Heal: the old primary becomes a replica of the new one; the lone sentinel follows.
        links.heal();
        await until(
          'old primary rejoins as a replica of the new one',
          async () => (await infoField(old, 'role')) === 'slave' && (await infoField(old, 'master_port')) === String(newVia) && (await infoField(old, 'master_link_status')) === 'up',
          40000,
        );
        await until('the lone sentinel learns the new primary', async () => (await sg!.masterAddr(lone)) === newVia, 20000);
        const others = nodes.filter((n) => n !== np);
        await until(
          'replicas caught up',
          async () => {
            const off = await infoField(np, 'master_repl_offset');
            for (const r of others) if ((await infoField(r, 'master_port')) !== String(newVia) || (await infoField(r, 'slave_repl_offset')) !== off) return false;
            return true;
          },
          30000,
        );
        // Every node ends with the same data: the new primary's (what it lacks is lost everywhere).
        for (const n of nodes) for (const ck of checkers) assert.deepEqual(await ck.missing(n), await ck.missing(np), `acknowledged writes on ${names[nodes.indexOf(n)]}`);
        await until(
          'every sentinel sees two healthy replicas',
          async () =>
            sgr.sentinels.every((s) => {
              const m = s.masters.get(MASTER_NAME)!;
              return m.port === newVia && [...m.slaves.values()].filter((r) => r.roleReported === 'slave' && !r.link.disconnected).length === 2;
            }),
          30000,
        );
        process.stderr.write(
          `# ${sync ? 'sync-replicas 1' : 'asynchronous'}, partition with sentinel ${lone}, round ${round}: ${checker.acked.length} acknowledged (${checker.acked.length - ackedBefore} after the cut), ${checker.failed} refused, ${missingOnNew.length} missing\n`,
        );
      } finally {
        await checker.stop();
        c.close();
        links.heal();
      }
    }
    return lost;
  } finally {
    await sg?.stop();
    await g.stop();
    await links.close();
  }
}
