/**
 * A nemesis in the manner of Jepsen: a dssm deployment (3 data nodes, 3 sentinels, each in
 * its own network namespace), clients writing through sentinel discovery, and faults drawn
 * at random from a seeded generator; then everything is healed and a checker compares what
 * was acknowledged with what is there.
 *
 * One run: start the cluster, start the workload, then until the duration is over: wait a
 * little, draw a fault, apply it, hold it, undo it. Faults:
 *   partition-primary   the primary cut off from everyone (clients included)
 *   partition-majority  the primary and one sentinel on one side, the rest on the other,
 *                       clients with the minority (they can still reach the old primary)
 *   partition-bridge    a random node and a random sentinel cut off
 *   kill-primary        kill -9 of the primary, restarted after the hold
 *   kill-replica        kill -9 of a replica, restarted after the hold
 *   pause-primary       SIGSTOP of the primary for the hold, then SIGCONT
 *   wipe-replica        kill -9 of a replica, restarted with an empty data directory
 *   wipe-primary        kill -9 of the primary, restarted with an empty data directory
 *   degrade-primary     delay and loss (netem) or a starved rate (tbf) on the primary's link
 *   kill-leader         kill -9 of the primary, then kill -9 of the sentinel leading the failover
 */
import { mkdirSync } from 'node:fs';
import { rng as seeded } from '../helpers/differential.js';
import { check, type Verdict } from './checker.js';
import { Cluster, MASTER, sleep, type Proc } from './cluster.js';
import { readFinal, Workload } from './workload.js';

export const FAULTS = [
  'partition-primary',
  'partition-majority',
  'partition-bridge',
  'kill-primary',
  'kill-replica',
  'pause-primary',
  'wipe-replica',
  'wipe-primary',
  'degrade-primary',
  'kill-leader',
] as const;
export type Fault = (typeof FAULTS)[number];

/** Faults that only stop, restart or slow processes (no network partition). */
export const PROCESS_FAULTS: readonly Fault[] = ['kill-primary', 'kill-replica', 'pause-primary', 'wipe-replica', 'wipe-primary', 'degrade-primary', 'kill-leader'];

export interface RunOptions {
  seed: number;
  /** The faults to draw from (default: all of FAULTS). */
  faults?: readonly Fault[];
  durationSec: number;
  mode: 'sync' | 'async';
  clients?: number;
  /** Keep the logs directory (printed) when a run fails. */
  logDir?: string;
  log?: (line: string) => void;
}

export interface RunResult extends Verdict {
  seed: number;
  mode: 'sync' | 'async';
  faults: string[];
  longestUnavailableMs: number;
  logDir: string;
}

/** Clusters running now, torn down if the process is interrupted (namespaces outlive it). */
const running = new Set<Cluster>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void Promise.all([...running].map((c) => c.destroy(true))).finally(() => process.exit(130));
  });
}

export async function runOnce(o: RunOptions): Promise<RunResult> {
  const rand = seeded(o.seed);
  const log = o.log ?? (() => {});
  const logDir = o.logDir ?? '';
  if (logDir) mkdirSync(logDir, { recursive: true });
  const cluster = new Cluster({ mode: o.mode, logDir: logDir || undefined });
  running.add(cluster);
  const faults: string[] = [];
  let keep = false;
  try {
    await cluster.start();
    const clients = o.clients ?? 4;
    const workload = new Workload(cluster, clients, seeded(o.seed ^ 0x9e3779b9));
    workload.start();
    const end = Date.now() + o.durationSec * 1000;
    while (Date.now() < end - 2000) {
      await sleep(500 + rand() * 2000);
      const pool = o.faults ?? FAULTS;
      const fault = pool[Math.floor(rand() * pool.length)]!;
      const holdMs = 1500 + Math.floor(rand() * 3500);
      const primary = await cluster.agreedPrimary();
      if (!primary) {
        // The sentinels have not settled since the last fault; let them.
        await sleep(500);
        continue;
      }
      const what = await apply(cluster, fault, primary, holdMs, rand);
      faults.push(what);
      log(`  fault ${what}`);
    }
    const history = await workload.stop();
    const final = await readFinal(cluster, clients);
    const verdict = check(history.ops, final);
    keep = verdict.lost > 0 || verdict.anomalies.length > 0;
    return { ...verdict, seed: o.seed, mode: o.mode, faults, longestUnavailableMs: history.longestGapMs, logDir: logDir || cluster.root };
  } catch (err) {
    keep = true;
    throw new Error(`seed ${o.seed}: ${(err as Error).message} (logs in ${logDir || cluster.root})`);
  } finally {
    running.delete(cluster);
    await cluster.destroy(keep);
  }
}

const replicaOf = (cluster: Cluster, primary: Proc, rand: () => number): Proc => {
  const others = cluster.dataNodes.filter((n) => n !== primary);
  return others[Math.floor(rand() * others.length)]!;
};

/** The sentinel that has a failover in progress (the leader), polled for a while. */
async function failoverLeader(cluster: Cluster, timeoutMs: number): Promise<Proc | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const s of cluster.sentinels) {
      const r = (await cluster.call(s, ['SENTINEL', 'MASTER', MASTER], 300)) as string[] | null;
      if (Array.isArray(r)) {
        const i = r.indexOf('flags');
        if (i >= 0 && String(r[i + 1]).includes('failover_in_progress')) return s;
      }
    }
    await sleep(50);
  }
  return null;
}

async function apply(cluster: Cluster, fault: Fault, primary: Proc, holdMs: number, rand: () => number): Promise<string> {
  const net = cluster.net;
  switch (fault) {
    case 'partition-primary':
      net.isolate(primary.name);
      await sleep(holdMs);
      net.heal();
      return `${fault}(${primary.name},${holdMs}ms)`;
    case 'partition-majority': {
      const s = cluster.sentinels[Math.floor(rand() * 3)]!;
      const minority = [primary.name, s.name, 'client'];
      const majority = [...cluster.procs.keys()].filter((n) => !minority.includes(n));
      net.partition([minority, majority]);
      await sleep(holdMs);
      net.heal();
      return `${fault}(${minority.join('+')},${holdMs}ms)`;
    }
    case 'partition-bridge': {
      const n = cluster.dataNodes[Math.floor(rand() * 3)]!;
      const s = cluster.sentinels[Math.floor(rand() * 3)]!;
      const cut = [n.name, s.name];
      net.partition([cut, [...cluster.procs.keys()].filter((x) => !cut.includes(x)).concat('client')]);
      await sleep(holdMs);
      net.heal();
      return `${fault}(${cut.join('+')},${holdMs}ms)`;
    }
    case 'kill-primary':
    case 'wipe-primary':
      await cluster.kill(primary);
      await sleep(holdMs);
      await cluster.restart(primary, { wipe: fault === 'wipe-primary' });
      return `${fault}(${primary.name},${holdMs}ms)`;
    case 'kill-replica':
    case 'wipe-replica': {
      const r = replicaOf(cluster, primary, rand);
      await cluster.kill(r);
      await sleep(holdMs);
      await cluster.restart(r, { wipe: fault === 'wipe-replica' });
      return `${fault}(${r.name},${holdMs}ms)`;
    }
    case 'pause-primary':
      cluster.pause(primary);
      await sleep(holdMs);
      cluster.resume(primary);
      return `${fault}(${primary.name},${holdMs}ms)`;
    case 'degrade-primary':
      net.degrade(primary.name);
      await sleep(holdMs);
      net.heal();
      return `${fault}(${primary.name},${net.degradeKind},${holdMs}ms)`;
    case 'kill-leader': {
      await cluster.kill(primary);
      const leader = await failoverLeader(cluster, 4000);
      if (leader) await cluster.kill(leader);
      await sleep(holdMs);
      if (leader) await cluster.restart(leader);
      await cluster.restart(primary);
      return `${fault}(${primary.name},leader ${leader?.name ?? 'not seen'},${holdMs}ms)`;
    }
  }
}

/** One line per run, as `npm run nemesis` prints it. */
export function formatRun(i: number, r: RunResult): string {
  const kinds = new Map<string, number>();
  for (const f of r.faults) {
    const k = f.slice(0, f.indexOf('('));
    kinds.set(k, (kinds.get(k) ?? 0) + 1);
  }
  const faultSummary = [...kinds].map(([k, n]) => `${k}x${n}`).join(',') || 'none';
  return `run=${i + 1} seed=${r.seed} mode=${r.mode} faults=${r.faults.length} [${faultSummary}] acknowledged=${r.acknowledged} attempted=${r.attempted} lost=${r.lost} anomalies=${r.anomalies.length} longest_unavailable_ms=${r.longestUnavailableMs}`;
}
