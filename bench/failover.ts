/**
 * Failover time: from SIGKILL of the primary to the first successful write through
 * ioredis in sentinel mode. Three redis-server data nodes (1 primary + 2 replicas) and
 * three sentinels as separate processes, all on loopback, down-after-milliseconds 1000,
 * failover-timeout 4000, quorum 2. Each run starts a fresh deployment.
 *
 *   node --import tsx bench/failover.ts [--runs 10] [--mode both|dssm|redis]
 *
 * Prints every run, then median and max for dssm sentinels and for redis-sentinel.
 */
import { Redis } from 'ioredis';
import { MASTER_NAME, startDataNodes, startSentinelProcess, waitForDiscovery, type SentinelProc } from '../test/integration/sentinel-fixture.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}

const runs = Number(arg('runs', '10'));
const mode = arg('mode', 'both');

async function oneRun(kind: 'dssm' | 'redis'): Promise<number> {
  const dep = await startDataNodes(2);
  const sentinels: SentinelProc[] = [];
  let redis: Redis | null = null;
  try {
    sentinels.push(...(await Promise.all([0, 1, 2].map(() => startSentinelProcess(kind, dep.primary.port, dep.dir, { downAfter: 1000, failoverTimeout: 4000 })))));
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
    await dep.primary.kill('SIGKILL');
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

const kinds: ('dssm' | 'redis')[] = mode === 'both' ? ['dssm', 'redis'] : [mode as 'dssm' | 'redis'];
const results: Record<string, number[]> = {};
for (const kind of kinds) {
  results[kind] = [];
  for (let i = 0; i < runs; i++) {
    const ms = await oneRun(kind);
    results[kind]!.push(ms);
    console.log(`${kind === 'dssm' ? 'dssm sentinel ' : 'redis-sentinel'} run ${i + 1}/${runs}: ${(ms / 1000).toFixed(3)} s`);
  }
}
console.log('\nSIGKILL of the primary -> first successful write through ioredis (sentinel mode), down-after-milliseconds 1000');
for (const kind of kinds) {
  const { median, max } = summary(results[kind]!);
  console.log(`${kind === 'dssm' ? 'dssm sentinel ' : 'redis-sentinel'}: median ${(median / 1000).toFixed(3)} s, max ${(max / 1000).toFixed(3)} s over ${runs} runs`);
}
process.exit(0);
