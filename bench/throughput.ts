/**
 * Throughput of dssm beside redis-server, measured with redis-benchmark.
 *
 *   npm run build && node --import tsx bench/throughput.ts [--quick] [-n N] [--rounds R]
 *        [--tests set,get,...] [--pipelines 1,16] [--clients 50] [--no-warmup] [--dist DIR]
 *
 * Starts `node bin/dssm.js server` (from dist/; this script builds nothing) and
 * `redis-server --save '' --appendonly no` on free ports (with --dist, dssm runs from that
 * compiled tree instead, e.g. one built with `npx tsc -p . --outDir bench/results/build-x`), then for every pipeline depth and
 * test runs redis-benchmark against both, alternating dssm, redis, dssm, redis... for
 * `rounds` rounds, so that both see the same machine load (after a short warm-up run of
 * every test against both, so that dssm's JIT-compiled steady state is measured). The machine is shared, so only
 * ratios from the same run mean anything, never absolute numbers.
 *
 * Prints requests/s per test, the dssm/redis ratio, the geometric mean of ratios per
 * pipeline depth for the issue-2 set (set,get,incr,mset) and the issue-3 set, and p50
 * latency ratios. Results also go to bench/results/throughput-<time>.json.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkBuild, command, ensureResults, geomean, median, requireTool, RESULTS, stamp, startDssm, startRedis, cpuTime, type Served } from './common.js';

const ISSUE2 = ['set', 'get', 'incr', 'mset'];
const ISSUE3 = ['lpush', 'rpop', 'sadd', 'hset', 'spop', 'zadd', 'lrange_100'];

/** A command that shows whether a server supports a redis-benchmark test. */
const PROBES: Record<string, string[]> = {
  set: ['SET', '__bench_probe', 'x'],
  get: ['GET', '__bench_probe'],
  incr: ['INCR', '__bench_probe_n'],
  mset: ['MSET', '__bench_probe', 'x'],
  lpush: ['LPUSH', '__bench_probe_l', 'x'],
  rpop: ['RPOP', '__bench_probe_l'],
  sadd: ['SADD', '__bench_probe_s', 'x'],
  hset: ['HSET', '__bench_probe_h', 'f', 'x'],
  spop: ['SPOP', '__bench_probe_s'],
  zadd: ['ZADD', '__bench_probe_z', '1', 'x'],
  lrange_100: ['LRANGE', '__bench_probe_l', '0', '99'],
};

/** The CSV row name redis-benchmark prints for a test. */
function rowName(test: string): string {
  if (test === 'mset') return 'MSET (10 keys)';
  if (test === 'lrange_100') return 'LRANGE_100 (first 100 elements)';
  return test.toUpperCase();
}

interface Opts {
  n: number;
  rounds: number;
  clients: number;
  tests: string[];
  pipelines: number[];
  warmup: boolean;
  /** A compiled tree to run instead of dist/ (through bench/launch.mjs). */
  dist: string | undefined;
  /** CONFIG SET name value pairs applied to both servers before measuring (--config). */
  config: [string, string][];
  /** redis-benchmark -r: spread keys over this many (0: one key per test, the default). */
  keyspace: number;
}

function parseOpts(argv: string[]): Opts {
  const o: Opts = { n: 200000, rounds: 2, clients: 50, tests: [...ISSUE2, ...ISSUE3], pipelines: [1, 16], warmup: true, dist: undefined, config: [], keyspace: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === '--quick') o.n = 50000;
    else if (a === '-n') o.n = Number(v());
    else if (a === '--no-warmup') o.warmup = false;
    else if (a === '--dist') o.dist = v();
    else if (a === '--rounds') o.rounds = Math.max(1, Number(v()));
    else if (a === '--clients' || a === '-c') o.clients = Number(v());
    else if (a === '--tests' || a === '-t') o.tests = v().split(',');
    else if (a === '--pipelines' || a === '-P') o.pipelines = v().split(',').map(Number);
    else if (a === '--keyspace' || a === '-r') o.keyspace = Number(v());
    else if (a === '--config') {
      const [name, ...rest] = v().split(' ');
      o.config.push([name!, rest.join(' ')]);
    } else throw new Error(`unknown option ${a}`);
  }
  return o;
}

interface Sample {
  rps: number;
  p50: number;
  /** Server CPU time (user + system) per request, in microseconds. */
  cpuUs: number;
}

/** One redis-benchmark run of one test; null if the test produced no row (failed). */
function runBenchmark(s: Served, test: string, o: Opts, pipeline: number): Sample | null {
  const args = ['-h', '127.0.0.1', '-p', String(s.port), '-c', String(o.clients), '-n', String(o.n), '-P', String(pipeline), '-t', test, '--csv'];
  if (o.keyspace > 0) args.push('-r', String(o.keyspace));
  const cpu0 = cpuTime(s.pid);
  const r = spawnSync('redis-benchmark', args, { encoding: 'utf8', timeout: 600_000 });
  const cpu1 = cpuTime(s.pid);
  const want = `"${rowName(test)}"`;
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith(want + ',')) continue;
    const cols = line.split(',').map((c) => c.replace(/"/g, ''));
    // test, rps, avg, min, p50, p95, p99, max
    // lrange_100 also runs an LPUSH fill first; its CPU time is included.
    const requests = test === 'lrange_100' ? 2 * o.n : o.n;
    return { rps: Number(cols[1]), p50: Number(cols[4]), cpuUs: (cpu1 - cpu0) / requests };
  }
  console.error(`redis-benchmark ${args.join(' ')} produced no ${want} row:\n${r.stdout}${r.stderr}`);
  return null;
}

async function supported(port: number, test: string): Promise<boolean> {
  const probe = PROBES[test];
  if (!probe) return true;
  try {
    const reply = await command(port, probe);
    return !reply.startsWith('-ERR unknown command');
  } catch {
    return false;
  }
}

function fmt(n: number, digits = 0): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

async function main(): Promise<void> {
  const o = parseOpts(process.argv.slice(2));
  if (o.dist === undefined) checkBuild();
  requireTool('redis-server');
  requireTool('redis-benchmark');
  const dssm = await startDssm([], o.dist);
  const redis = await startRedis();
  const servers: Served[] = [dssm, redis];
  try {
    for (const s of servers) for (const [name, value] of o.config) await command(s.port, ['CONFIG', 'SET', name, value]);
    const tests: string[] = [];
    const skipped: string[] = [];
    for (const t of o.tests) {
      if ((await supported(dssm.port, t)) && (await supported(redis.port, t))) tests.push(t);
      else skipped.push(t);
    }
    // Warm-up: dssm runs on a JIT; measure its steady state, not its first seconds.
    if (o.warmup) {
      for (const s of servers) {
        for (const p of o.pipelines) {
          spawnSync('redis-benchmark', ['-h', '127.0.0.1', '-p', String(s.port), '-c', String(o.clients), '-n', String(Math.min(o.n, 50000)), '-P', String(p), '-t', tests.join(','), '-q'], {
            stdio: 'ignore',
          });
        }
      }
    }
    for (const s of servers) await command(s.port, ['FLUSHALL']);
    console.log(`redis-benchmark -c ${o.clients} -n ${o.n}, ${o.rounds} rounds alternating dssm/redis; tests: ${tests.join(',')}`);
    if (skipped.length) console.log(`not supported by dssm (skipped): ${skipped.join(',')}`);

    const results: {
      pipeline: number;
      test: string;
      dssm: Sample[];
      redis: Sample[];
      rps: { dssm: number; redis: number };
      ratio: number;
      p50: { dssm: number; redis: number };
      p50Ratio: number;
      cpuUs: { dssm: number; redis: number };
    }[] = [];
    const summary: { pipeline: number; issue2: number; issue3: number; p50issue2: number; p50issue3: number }[] = [];

    for (const pipeline of o.pipelines) {
      console.log(`\n-P ${pipeline}`);
      console.log(
        `${'test'.padEnd(12)}${'dssm rps'.padStart(12)}${'redis rps'.padStart(12)}${'ratio'.padStart(8)}${'p50 dssm'.padStart(10)}${'p50 redis'.padStart(10)}${'p50 ratio'.padStart(10)}${'cpu us/op d'.padStart(12)}${'r'.padStart(6)}`,
      );
      for (const test of tests) {
        const samples: Record<'dssm' | 'redis', Sample[]> = { dssm: [], redis: [] };
        for (let r = 0; r < o.rounds; r++) {
          for (const s of servers) {
            const x = runBenchmark(s, test, o, pipeline);
            if (x) samples[s.name].push(x);
          }
        }
        const rps = { dssm: median(samples.dssm.map((x) => x.rps)), redis: median(samples.redis.map((x) => x.rps)) };
        const p50 = { dssm: median(samples.dssm.map((x) => x.p50)), redis: median(samples.redis.map((x) => x.p50)) };
        const cpuUs = { dssm: median(samples.dssm.map((x) => x.cpuUs)), redis: median(samples.redis.map((x) => x.cpuUs)) };
        const row = { pipeline, test, dssm: samples.dssm, redis: samples.redis, rps, ratio: rps.dssm / rps.redis, p50, p50Ratio: p50.dssm / p50.redis, cpuUs };
        results.push(row);
        console.log(
          `${test.padEnd(12)}${fmt(rps.dssm).padStart(12)}${fmt(rps.redis).padStart(12)}${fmt(row.ratio, 3).padStart(8)}` +
            `${fmt(p50.dssm, 3).padStart(10)}${fmt(p50.redis, 3).padStart(10)}${fmt(row.p50Ratio, 2).padStart(10)}` +
            `${fmt(cpuUs.dssm, 2).padStart(12)}${fmt(cpuUs.redis, 2).padStart(6)}`,
        );
      }
      const rowsOf = (set: string[]) => results.filter((r) => r.pipeline === pipeline && set.includes(r.test) && Number.isFinite(r.ratio));
      const g = (set: string[], key: 'ratio' | 'p50Ratio') => {
        const rows = rowsOf(set);
        return rows.length === set.length ? geomean(rows.map((r) => r[key])) : NaN;
      };
      const s = { pipeline, issue2: g(ISSUE2, 'ratio'), issue3: g(ISSUE3, 'ratio'), p50issue2: g(ISSUE2, 'p50Ratio'), p50issue3: g(ISSUE3, 'p50Ratio') };
      summary.push(s);
      const bar = pipeline === 1 ? 0.95 : pipeline === 16 ? 0.5 : NaN;
      const verdict = Number.isFinite(bar) && Number.isFinite(s.issue2) ? (s.issue2 >= bar ? ` (bar ${bar}: met)` : ` (bar ${bar}: NOT met)`) : '';
      console.log(`geomean dssm/redis -P ${pipeline}: issue-2 set ${fmt(s.issue2, 3)}${verdict}; issue-3 set ${fmt(s.issue3, 3)}`);
      console.log(`geomean p50 dssm/redis -P ${pipeline}: issue-2 set ${fmt(s.p50issue2, 2)}; issue-3 set ${fmt(s.p50issue3, 2)}`);
    }

    ensureResults();
    const file = join(RESULTS, `throughput-${stamp()}.json`);
    writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), options: o, skipped, node: process.version, results, summary }, null, 2) + '\n');
    console.log(`\nwritten ${file}`);
  } finally {
    for (const s of servers) await s.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
