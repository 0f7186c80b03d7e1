/**
 * Failover time: from SIGKILL of the primary to the first successful write through
 * ioredis in sentinel mode. Three redis-server data nodes (1 primary + 2 replicas) and
 * three sentinels as separate processes, all on loopback, down-after-milliseconds 1000,
 * failover-timeout 4000, quorum 2. Each run starts a fresh deployment.
 *
 *   node --import tsx bench/failover.ts [--runs 10] [--mode both|full,dssm,redis]
 *
 * both (the default) runs the three set-ups: full (dssm sentinels + dssm data nodes), dssm
 * (dssm sentinels + redis-server data nodes), redis (redis-sentinel + redis-server).
 *
 * Prints every run, then median and max for dssm sentinels and for redis-sentinel.
 */
import { Redis } from 'ioredis';
import { MASTER_NAME, startDataNodes, startSentinelProcess, waitForDiscovery, type SentinelProc } from '../test/integration/sentinel-fixture.js';
import { startGroup } from '../test/integration/sentinel-faults-fixture.js';

/**
 * Set-ups: `dssm` = dssm sentinels managing redis-server data nodes, `redis` =
 * redis-sentinel managing redis-server (the two differ only in the sentinels), `full` =
 * dssm sentinels managing dssm data nodes (the whole dssm system, plain TCP, no persistence).
 */
type Kind = 'dssm' | 'redis' | 'full';
const LABEL: Record<Kind, string> = { dssm: 'dssm sentinel + redis-server', redis: 'redis-sentinel + redis-server', full: 'dssm sentinel + dssm server  ' };

/** Data nodes for a run: a primary and two replicas, with the primary's port and a killer. */
async function dataNodes(kind: Kind, dir?: string): Promise<{ port: number; dir: string; killPrimary(): Promise<void>; stop(): Promise<void> }> {
  if (kind === 'full') {
    const g = await startGroup({ replicas: 2 });
    const p = g.nodes[0]!;
    return { port: p.port, dir: dir ?? p.dir, killPrimary: () => p.kill('SIGKILL'), stop: () => g.stop() };
  }
  const dep = await startDataNodes(2);
  return { port: dep.primary.port, dir: dep.dir, killPrimary: () => dep.primary.kill('SIGKILL'), stop: () => dep.stop() };
}

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}

const runs = Number(arg('runs', '10'));
const mode = arg('mode', 'both');

async function oneRun(kind: Kind): Promise<number> {
  const dep = await dataNodes(kind);
  const sentinels: SentinelProc[] = [];
  let redis: Redis | null = null;
  try {
    sentinels.push(...(await Promise.all([0, 1, 2].map(() => startSentinelProcess(kind === 'redis' ? 'redis' : 'dssm', dep.port, dep.dir, { downAfter: 1000, failoverTimeout: 4000 })))));
    await waitForDiscovery(
      sentinels.map((s) => s.port),
      2,
    );
    redis = new Redis({ sentinels: sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })), name: MASTER_NAME, maxRetriesPerRequest: null });
    redis.on('error', () => {});
    await redis.set('warmup', '1');
    let killAt = 0;
    let firstOkAfterKill = 0;
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const started = performance.now();
        try {
          await redis!.set(`k${i}`, String(i));
          if (killAt > 0 && started >= killAt && firstOkAfterKill === 0) firstOkAfterKill = performance.now();
        } catch {
          /* retried by the loop */
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    // A random moment, so the kill does not fall at the same point of the 1 s PING cycle every run.
    await new Promise((r) => setTimeout(r, 300 + Math.random() * 1000));
    killAt = performance.now();
    await dep.killPrimary();
    const deadline = killAt + 60000;
    while (firstOkAfterKill === 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    stop = true;
    await writer;
    if (firstOkAfterKill === 0) throw new Error('no successful write within 60 s');
    return firstOkAfterKill - killAt;
  } finally {
    redis?.disconnect();
    for (const s of sentinels) await s.stop();
    await dep.stop();
  }
}

function summary(xs: number[]): { median: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  return { median: mid, max: s[s.length - 1]! };
}

const kinds: Kind[] = mode === 'both' ? ['full', 'dssm', 'redis'] : (mode.split(',') as Kind[]);
const results: Record<string, number[]> = {};
for (const kind of kinds) {
  results[kind] = [];
  for (let i = 0; i < runs; i++) {
    const ms = await oneRun(kind);
    results[kind]!.push(ms);
    console.log(`${LABEL[kind]} run ${i + 1}/${runs}: ${(ms / 1000).toFixed(3)} s`);
  }
}
console.log('\nSIGKILL of the primary -> first successful write through ioredis (sentinel mode), down-after-milliseconds 1000');
for (const kind of kinds) {
  const { median, max } = summary(results[kind]!);
  console.log(`${LABEL[kind]}: median ${(median / 1000).toFixed(3)} s, max ${(max / 1000).toFixed(3)} s over ${runs} runs`);
}
process.exit(0);
