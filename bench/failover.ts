/**
 * Failover times, dssm beside redis-sentinel + redis-server in the same run. Three data
 * nodes (1 primary + 2 replicas) and three sentinels as separate processes, all on
 * loopback, down-after-milliseconds 1000, failover-timeout 4000, quorum 2. Each trial
 * starts a fresh deployment.
 *
 *   node --import tsx bench/failover.ts [--runs 10] [--mode sync,redis] [--scenario kill,switch] [--writer both|yes|no]
 *
 * Set-ups (--mode, comma-separated): `sync` = dssm sentinels + dssm data nodes with
 * `sync-replicas 1` (the lossless configuration), `full` = the same without synchronous
 * mode, `dssm` = dssm sentinels + redis-server data nodes, `redis` = redis-sentinel +
 * redis-server. Default: sync,redis.
 *
 * Scenarios:
 * - `kill`: SIGKILL of the primary. With a writer (ioredis in sentinel mode, one SET after
 *   another): time from the kill to the first acknowledged write. Without: time from the
 *   kill until every sentinel names a new primary that accepts a write.
 * - `switch`: `dssm failover` (src/deploy/switchover.ts, in this process) against the
 *   set-up's sentinels. Reported: the command's time (start to return: every sentinel names
 *   the new primary and the old one is a replica) and, with a writer, the longest stall of
 *   the writer (the largest gap between two acknowledged writes) and the acknowledged
 *   writes missing from the new primary afterwards.
 *
 * dssm data nodes and sentinels run from dist/ (`npm run build` first).
 *
 * Prints every trial (--verbose: with the switchover's steps), then median and max per
 * set-up, scenario and writer.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { switchover } from '../src/deploy/switchover.js';
import type { Target } from '../src/deploy/deployment.js';
import { MASTER_NAME, startDataNodes, startSentinelProcess, waitForDiscovery, type SentinelProc } from '../test/integration/sentinel-fixture.js';
import { startGroup } from '../test/integration/sentinel-faults-fixture.js';
import { RawClient, plain } from '../test/helpers/resp.js';
import { freePort, waitForPort } from '../test/helpers/servers.js';
import { ROOT, checkBuild } from './common.js';

type Kind = 'sync' | 'full' | 'dssm' | 'redis';
type Scenario = 'kill' | 'switch';
const LABEL: Record<Kind, string> = {
  sync: 'dssm sentinel + dssm server (sync-replicas 1)',
  full: 'dssm sentinel + dssm server (async)',
  dssm: 'dssm sentinel + redis-server',
  redis: 'redis-sentinel + redis-server',
};

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}

const runs = Number(arg('runs', '10'));
const kinds = arg('mode', 'sync,redis').split(',') as Kind[];
const scenarios = arg('scenario', 'kill,switch').split(',') as Scenario[];
const writerArg = arg('writer', 'both');
const verbose = process.argv.includes('--verbose');
const writers: boolean[] = writerArg === 'both' ? [true, false] : [writerArg === 'yes'];
for (const k of kinds) if (!(k in LABEL)) throw new Error(`unknown --mode ${k}`);
checkBuild();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Data nodes for a trial: a primary and two replicas, with the primary's port and a killer. */
async function dataNodes(kind: Kind): Promise<{ port: number; dir: string; killPrimary(): Promise<void>; stop(): Promise<void> }> {
  if (kind === 'full' || kind === 'sync') {
    const g = await startGroup({ replicas: 2, extra: kind === 'sync' ? ['--sync-replicas', '1'] : [] });
    const p = g.nodes[0]!;
    return { port: p.port, dir: p.dir, killPrimary: () => p.kill('SIGKILL'), stop: () => g.stop() };
  }
  const dep = await startDataNodes(2);
  return { port: dep.primary.port, dir: dep.dir, killPrimary: () => dep.primary.kill('SIGKILL'), stop: () => dep.stop() };
}

async function call(port: number, ...args: string[]): Promise<unknown> {
  const c = await RawClient.connect(port);
  try {
    return plain(await c.call(...args));
  } finally {
    c.close();
  }
}

/** The primary every sentinel names, when they all name the same one and it reports role master. */
async function agreedPrimary(sentinelPorts: number[], notPort: number): Promise<number | null> {
  const ports = await Promise.all(
    sentinelPorts.map(async (p) => {
      const r = (await call(p, 'SENTINEL', 'get-master-addr-by-name', MASTER_NAME).catch(() => null)) as string[] | null;
      return r ? Number(r[1]) : 0;
    }),
  );
  const first = ports[0]!;
  if (first === 0 || first === notPort || ports.some((p) => p !== first)) return null;
  const info = (await call(first, 'INFO', 'replication').catch(() => '')) as string;
  return /role:master/.test(String(info)) ? first : null;
}

/** A dssm sentinel process from the compiled tree (dist/, like the data nodes), with the same settings as redis-sentinel's. */
async function startDssmSentinel(masterPort: number, dir: string): Promise<SentinelProc> {
  const port = await freePort();
  const file = join(dir, `sentinel-dssm-${port}.conf`);
  const lines = [
    `port ${port}`,
    'bind 127.0.0.1',
    `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${masterPort} 2`,
    `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
    `sentinel failover-timeout ${MASTER_NAME} 4000`,
  ];
  writeFileSync(file, lines.join('\n') + '\n');
  const proc = spawn(process.execPath, [join(ROOT, 'bin', 'dssm.js'), 'sentinel', file], { stdio: 'ignore', env: { ...process.env, DSSM_LOG_LEVEL: 'warn' } });
  await waitForPort(port, 30000);
  return {
    port,
    proc,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGKILL');
        await new Promise((r) => proc.once('exit', r));
      }
    },
  };
}

interface Writer {
  acked: Map<number, number>;
  stop(): Promise<void>;
  /** Largest gap between two acknowledged writes after `from` (ms). */
  stallAfter(from: number): number;
  /** When the first write sent after `from` was acknowledged (0: none yet). */
  firstAckAfter(from: number): number;
}

function startWriter(redis: Redis): Writer {
  const acked = new Map<number, number>();
  const times: number[] = [];
  const starts: number[] = [];
  let stop = false;
  const loop = (async () => {
    for (let i = 0; !stop; ) {
      const started = performance.now();
      try {
        await redis.set(`w:${i}`, String(i));
        const t = performance.now();
        acked.set(i, t);
        times.push(t);
        starts.push(started);
        i++;
      } catch {
        await sleep(5);
      }
    }
  })();
  return {
    acked,
    async stop() {
      stop = true;
      await loop;
    },
    stallAfter(from) {
      let prev = from;
      let max = 0;
      for (const t of times) {
        if (t < from) continue;
        max = Math.max(max, t - prev);
        prev = t;
      }
      return max;
    },
    firstAckAfter(from) {
      // A write sent before `from` may be acknowledged just before the primary dies: only
      // writes sent after it count.
      const i = starts.findIndex((t) => t >= from);
      return i >= 0 ? times[i]! : 0;
    },
  };
}

interface Trial {
  /** kill: to the first acknowledged write (writer) or to agreement (no writer); switch: the command's time. */
  ms: number;
  stallMs?: number;
  lost?: number;
  acked?: number;
}

async function oneTrial(kind: Kind, scenario: Scenario, withWriter: boolean): Promise<Trial> {
  const dep = await dataNodes(kind);
  const sentinels: SentinelProc[] = [];
  let redis: Redis | null = null;
  let writer: Writer | null = null;
  try {
    for (let i = 0; i < 3; i++)
      sentinels.push(kind === 'redis' ? await startSentinelProcess('redis', dep.port, dep.dir, { downAfter: 1000, failoverTimeout: 4000 }) : await startDssmSentinel(dep.port, dep.dir));
    const sports = sentinels.map((s) => s.port);
    await waitForDiscovery(sports, 2);
    if (withWriter) {
      redis = new Redis({ sentinels: sports.map((port) => ({ host: '127.0.0.1', port })), name: MASTER_NAME, maxRetriesPerRequest: null });
      redis.on('error', () => {});
      await redis.set('warmup', '1');
      writer = startWriter(redis);
    }
    // A random moment, so the event does not fall at the same point of the 1 s PING cycle every trial.
    await sleep(300 + Math.random() * 1000);
    const t0 = performance.now();
    let result: Trial;
    if (scenario === 'kill') {
      await dep.killPrimary();
      if (writer) {
        const deadline = t0 + 60000;
        while (writer.firstAckAfter(t0) === 0 && performance.now() < deadline) await sleep(5);
        const first = writer.firstAckAfter(t0);
        if (first === 0) throw new Error('no acknowledged write within 60 s');
        result = { ms: first - t0 };
      } else {
        for (;;) {
          const p = await agreedPrimary(sports, dep.port);
          if (p !== null && (await call(p, 'SET', 'probe', '1').catch(() => null)) === 'OK') break;
          if (performance.now() - t0 > 60000) throw new Error('no new primary within 60 s');
          await sleep(5);
        }
        result = { ms: performance.now() - t0 };
      }
    } else {
      const target: Target = {
        sentinels: sports.map((port) => ({ host: '127.0.0.1', port })),
        masterName: MASTER_NAME,
        link: { tls: null },
        sentinelLink: { tls: null },
        source: 'bench',
        metrics: null,
      };
      const r = await switchover(target, { timeoutMs: 5000, log: verbose ? (line) => console.log(`  +${(performance.now() - t0).toFixed(0)} ms ${line}`) : undefined });
      result = { ms: performance.now() - t0 };
      if (writer) {
        // Let the writer get going on the new primary, then count what is missing there.
        const n0 = writer.acked.size;
        const deadline = performance.now() + 30000;
        while (writer.acked.size < n0 + 20 && performance.now() < deadline) await sleep(10);
        const stallMs = writer.stallAfter(t0);
        await writer.stop();
        const port = Number(r.to.split(':').pop());
        const keys = [...writer.acked.keys()];
        let lost = 0;
        for (let i = 0; i < keys.length; i += 500) {
          const part = keys.slice(i, i + 500);
          const vals = (await call(port, 'MGET', ...part.map((k) => `w:${k}`))) as (string | null)[];
          part.forEach((k, j) => {
            if (vals[j] !== String(k)) lost++;
          });
        }
        result.stallMs = stallMs;
        result.lost = lost;
        result.acked = keys.length;
      }
    }
    return result;
  } finally {
    await writer?.stop();
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

const sec = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
const results = new Map<string, Trial[]>();
for (const scenario of scenarios) {
  for (const w of writers) {
    for (const kind of kinds) {
      const key = `${scenario}|${w}|${kind}`;
      results.set(key, []);
      for (let i = 0; i < runs; i++) {
        const t = await oneTrial(kind, scenario, w);
        results.get(key)!.push(t);
        const extra = t.stallMs !== undefined ? `, writer stall ${sec(t.stallMs)}, ${t.lost}/${t.acked} acknowledged writes lost` : '';
        console.log(`${scenario} ${w ? 'with writer' : 'no writer'} | ${LABEL[kind]} | trial ${i + 1}/${runs}: ${sec(t.ms)}${extra}`);
      }
    }
  }
}

console.log(`\nmedian / max over ${runs} trials, down-after-milliseconds 1000`);
const WHAT: Record<Scenario, Record<string, string>> = {
  kill: { true: 'kill -9 of the primary -> first acknowledged write (ioredis, sentinel mode)', false: 'kill -9 of the primary -> every sentinel names a new primary that takes a write' },
  switch: { true: '`dssm failover` under a writer: command time', false: '`dssm failover` without writers: command time' },
};
for (const scenario of scenarios) {
  for (const w of writers) {
    console.log(`\n${WHAT[scenario][String(w)]}`);
    for (const kind of kinds) {
      const ts = results.get(`${scenario}|${w}|${kind}`)!;
      const a = summary(ts.map((t) => t.ms));
      let line = `  ${LABEL[kind].padEnd(46)} median ${sec(a.median)}  max ${sec(a.max)}`;
      if (ts[0]?.stallMs !== undefined) {
        const st = summary(ts.map((t) => t.stallMs!));
        const lost = ts.reduce((n, t) => n + (t.lost ?? 0), 0);
        const acked = ts.reduce((n, t) => n + (t.acked ?? 0), 0);
        line += `  | writer stall median ${sec(st.median)} max ${sec(st.max)} | lost ${lost} of ${acked} acknowledged`;
      }
      console.log(line);
    }
  }
}
process.exit(0);
