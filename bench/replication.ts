/**
 * Replication cost, dssm beside redis-server (issue 5's bars).
 *
 *   npm run build && node --import tsx bench/replication.ts [--quick] [-n N] [--rounds R]
 *        [--tests set,incr] [--pipelines 1,16] [--clients 50] [--keys K]
 *        [--no-throughput] [--no-sync] [--prof DIR]
 *
 * Throughput: four set-ups run side by side, alternating a, b, c, d in every round so that
 * all see the same machine load:
 *   (a) a dssm primary alone (never had a replica),
 *   (b) a dssm primary with one dssm replica attached (online),
 *   (c) redis-server alone,
 *   (d) redis-server with one redis-server replica attached.
 * redis-benchmark -c 50 -P p -t <test> against each primary; after each run in (b)/(d) the
 * script waits until the replica's offset reaches the primary's, so that no replication
 * work spills into the next measurement. Prints requests/s, the ratios b/a and d/c, and the
 * CPU time per request of the primary and of the replica (from /proc). Bar: b/a ≥ 0.9 at -P 1.
 *
 * Full sync: a primary filled with K keys (1M; 200k with --quick) by pipelined MSETs, then a
 * fresh replica process gets REPLICAOF; the time is from REPLICAOF until the replica's INFO
 * shows master_link_status:up and master_sync_in_progress:0 (polled every 5 ms). Both
 * transfers are diskless (redis: repl-diskless-sync yes, repl-diskless-sync-delay 0).
 * Bar: dssm's time ≤ 3× redis-server's.
 *
 * --prof DIR runs the dssm processes of (b) under `node --cpu-prof` and writes their
 * profiles to DIR at the end (primary and replica, *.cpuprofile).
 *
 * Results go to bench/results/replication-<time>.json. The machine is shared: only ratios
 * from the same run mean anything.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkBuild, command, ensureResults, freePort, median, requireTool, RESULTS, ROOT, stamp, cpuTime, type Served } from './common.js';

interface Opts {
  n: number;
  rounds: number;
  clients: number;
  tests: string[];
  pipelines: number[];
  keys: number;
  throughput: boolean;
  sync: boolean;
  syncRounds: number;
  prof: string | null;
}

function parseOpts(argv: string[]): Opts {
  const o: Opts = { n: 100000, rounds: 3, clients: 50, tests: ['set', 'incr'], pipelines: [1, 16], keys: 1_000_000, throughput: true, sync: true, syncRounds: 2, prof: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === '--quick') {
      o.n = 50000;
      o.rounds = 2;
      o.keys = 200_000;
      o.syncRounds = 1;
    } else if (a === '-n') o.n = Number(v());
    else if (a === '--rounds') o.rounds = Math.max(1, Number(v()));
    else if (a === '--clients' || a === '-c') o.clients = Number(v());
    else if (a === '--tests' || a === '-t') o.tests = v().split(',');
    else if (a === '--pipelines' || a === '-P') o.pipelines = v().split(',').map(Number);
    else if (a === '--keys') o.keys = Number(v());
    else if (a === '--sync-rounds') o.syncRounds = Math.max(1, Number(v()));
    else if (a === '--no-throughput') o.throughput = false;
    else if (a === '--no-sync') o.sync = false;
    else if (a === '--prof') o.prof = resolve(v());
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

// ---------------------------------------------------------------- processes

interface Proc extends Served {
  /** Stop so that --cpu-prof writes its profile (SIGUSR2 through exit-on-signal.mjs). */
  stopGracefully(): Promise<void>;
}

async function waitPong(port: number, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + 15000;
  for (;;) {
    if (exited()) throw new Error(`server on port ${port} exited`);
    try {
      if ((await command(port, ['PING'])) === '+PONG') return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`nothing answered on port ${port}`);
    await sleep(50);
  }
}

async function spawnServer(name: 'dssm' | 'redis', profDir: string | null = null): Promise<Proc> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `${name}-replbench-`));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'];
  const proc =
    name === 'dssm'
      ? spawn(
          process.execPath,
          [
            ...(profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir, '--import', join(ROOT, 'bench', 'exit-on-signal.mjs')] : []),
            join(ROOT, 'bin', 'dssm.js'),
            'server',
            ...args,
            '--loglevel',
            'warning',
          ],
          { stdio: ['ignore', 'ignore', 'inherit'] },
        )
      : spawn('redis-server', [...args, '--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0'], { stdio: 'ignore' });
  await waitPong(port, () => proc.exitCode !== null);
  const stopWith = (sig: NodeJS.Signals) => () =>
    new Promise<void>((res) => {
      const done = () => {
        rmSync(dir, { recursive: true, force: true });
        res();
      };
      if (proc.exitCode !== null || proc.signalCode !== null) return done();
      proc.once('exit', done);
      proc.kill(sig);
    });
  return { name, port, pid: proc.pid!, proc, stop: stopWith('SIGKILL'), stopGracefully: stopWith(profDir ? 'SIGUSR2' : 'SIGKILL') };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function info(port: number, section = 'replication'): Promise<Map<string, string>> {
  const text = await command(port, ['INFO', section]);
  const m = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

/** Attach `replica` to `primary` and wait until its link is up and its offset caught up. */
async function attach(replica: Served, primary: Served, timeoutMs = 120_000): Promise<void> {
  const r = await command(replica.port, ['REPLICAOF', '127.0.0.1', String(primary.port)]);
  if (!r.startsWith('+OK')) throw new Error(`REPLICAOF: ${r}`);
  await waitSynced(replica, timeoutMs);
  await waitCaughtUp(primary, replica, timeoutMs);
}

async function waitSynced(replica: Served, timeoutMs: number, pollMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = await info(replica.port);
    if (m.get('master_link_status') === 'up' && m.get('master_sync_in_progress') === '0') return;
    if (Date.now() > deadline) throw new Error(`replica on ${replica.port} did not sync`);
    await sleep(pollMs);
  }
}

/** Wait until the replica applied everything the primary produced. */
async function waitCaughtUp(primary: Served, replica: Served, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = Number((await info(primary.port)).get('master_repl_offset'));
    const r = Number((await info(replica.port)).get('slave_repl_offset'));
    if (r >= p) return;
    if (Date.now() > deadline) throw new Error(`replica on ${replica.port} stays behind (${r} < ${p})`);
    await sleep(20);
  }
}

// ---------------------------------------------------------------- throughput

interface Setup {
  key: 'a' | 'b' | 'c' | 'd';
  label: string;
  primary: Proc;
  replica: Proc | null;
}

interface Sample {
  rps: number;
  /** CPU µs per request: primary, replica (NaN without one). */
  cpuPrimary: number;
  cpuReplica: number;
}

async function runBenchmark(s: Setup, test: string, o: Opts, pipeline: number, n = o.n): Promise<Sample | null> {
  const args = ['-h', '127.0.0.1', '-p', String(s.primary.port), '-c', String(o.clients), '-n', String(n), '-P', String(pipeline), '-t', test, '--csv'];
  const p0 = cpuTime(s.primary.pid);
  const r0 = s.replica ? cpuTime(s.replica.pid) : NaN;
  const r = spawnSync('redis-benchmark', args, { encoding: 'utf8', timeout: 600_000 });
  // The replica may still be applying the tail: its CPU counts once it caught up.
  if (s.replica) await waitCaughtUp(s.primary, s.replica);
  const p1 = cpuTime(s.primary.pid);
  const r1 = s.replica ? cpuTime(s.replica.pid) : NaN;
  const want = `"${test.toUpperCase()}"`;
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith(want + ',')) continue;
    const cols = line.split(',').map((c) => c.replace(/"/g, ''));
    return { rps: Number(cols[1]), cpuPrimary: (p1 - p0) / n, cpuReplica: (r1 - r0) / n };
  }
  console.error(`redis-benchmark ${args.join(' ')} produced no ${want} row:\n${r.stdout}${r.stderr}`);
  return null;
}

function fmt(n: number, digits = 0): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

interface ThroughputRow {
  pipeline: number;
  test: string;
  samples: Record<string, Sample[]>;
  rps: Record<string, number>;
  cpuPrimary: Record<string, number>;
  cpuReplica: Record<string, number>;
  ratioDssm: number;
  ratioRedis: number;
}

async function throughput(o: Opts): Promise<ThroughputRow[]> {
  const procs: Proc[] = [];
  const start = async (name: 'dssm' | 'redis', prof: string | null = null) => {
    const p = await spawnServer(name, prof);
    procs.push(p);
    return p;
  };
  const rows: ThroughputRow[] = [];
  try {
    const setups: Setup[] = [
      { key: 'a', label: 'dssm alone', primary: await start('dssm'), replica: null },
      { key: 'b', label: 'dssm + replica', primary: await start('dssm', o.prof), replica: await start('dssm', o.prof) },
      { key: 'c', label: 'redis alone', primary: await start('redis'), replica: null },
      { key: 'd', label: 'redis + replica', primary: await start('redis'), replica: await start('redis') },
    ];
    for (const s of setups) if (s.replica) await attach(s.replica, s.primary);
    // Warm-up: dssm runs on a JIT; measure its steady state (primary and replica).
    for (const s of setups) for (const p of o.pipelines) for (const t of o.tests) await runBenchmark(s, t, o, p, Math.min(o.n, 50000));
    console.log(`redis-benchmark -c ${o.clients} -n ${o.n}, ${o.rounds} rounds alternating a/b/c/d; tests: ${o.tests.join(',')}`);
    console.log('  a = dssm alone, b = dssm + 1 dssm replica, c = redis alone, d = redis + 1 redis replica');
    console.log('  cpu = CPU µs per request of the primary / of the replica');
    for (const pipeline of o.pipelines) {
      console.log(`\n-P ${pipeline}`);
      console.log(
        `${'test'.padEnd(6)}${'a rps'.padStart(10)}${'b rps'.padStart(10)}${'b/a'.padStart(7)}${'c rps'.padStart(10)}${'d rps'.padStart(10)}${'d/c'.padStart(7)}` +
          `${'cpu a'.padStart(8)}${'cpu b p/r'.padStart(13)}${'cpu c'.padStart(8)}${'cpu d p/r'.padStart(13)}`,
      );
      for (const test of o.tests) {
        const samples: Record<string, Sample[]> = { a: [], b: [], c: [], d: [] };
        for (let r = 0; r < o.rounds; r++) {
          for (const s of setups) {
            const x = await runBenchmark(s, test, o, pipeline);
            if (x) samples[s.key]!.push(x);
          }
        }
        const med = (k: string, f: (x: Sample) => number) => median(samples[k]!.map(f));
        const rps: Record<string, number> = {};
        const cpuPrimary: Record<string, number> = {};
        const cpuReplica: Record<string, number> = {};
        for (const k of ['a', 'b', 'c', 'd']) {
          rps[k] = med(k, (x) => x.rps);
          cpuPrimary[k] = med(k, (x) => x.cpuPrimary);
          cpuReplica[k] = med(k, (x) => x.cpuReplica);
        }
        const row: ThroughputRow = { pipeline, test, samples, rps, cpuPrimary, cpuReplica, ratioDssm: rps.b! / rps.a!, ratioRedis: rps.d! / rps.c! };
        rows.push(row);
        console.log(
          `${test.padEnd(6)}${fmt(rps.a!).padStart(10)}${fmt(rps.b!).padStart(10)}${fmt(row.ratioDssm, 3).padStart(7)}` +
            `${fmt(rps.c!).padStart(10)}${fmt(rps.d!).padStart(10)}${fmt(row.ratioRedis, 3).padStart(7)}` +
            `${fmt(cpuPrimary.a!, 2).padStart(8)}${`${fmt(cpuPrimary.b!, 2)}/${fmt(cpuReplica.b!, 2)}`.padStart(13)}` +
            `${fmt(cpuPrimary.c!, 2).padStart(8)}${`${fmt(cpuPrimary.d!, 2)}/${fmt(cpuReplica.d!, 2)}`.padStart(13)}`,
        );
        if (pipeline === 1) console.log(`       bar b/a ≥ 0.9 at -P 1: ${row.ratioDssm >= 0.9 ? 'met' : 'NOT met'}`);
      }
    }
  } finally {
    // Graceful stop of the profiled processes (b) so that --cpu-prof writes the profiles.
    for (const p of procs) await p.stopGracefully();
  }
  return rows;
}

// ---------------------------------------------------------------- full sync

/** Fill a server with `keys` string keys through pipelined MSETs of 1000 keys on one connection. */
function fill(port: number, keys: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const batch = 1000;
    const batches = Math.ceil(keys / batch);
    let replies = 0;
    let pending = '';
    sock.setEncoding('latin1');
    sock.on('error', reject);
    sock.on('data', (d: string) => {
      pending += d;
      let nl: number;
      while ((nl = pending.indexOf('\r\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 2);
        if (line !== '+OK') {
          sock.destroy();
          return reject(new Error(`MSET: ${line}`));
        }
        if (++replies === batches) {
          sock.end();
          resolve();
        }
      }
    });
    sock.on('connect', () => {
      let i = 0;
      const more = (): void => {
        while (i < batches) {
          const from = i * batch;
          const to = Math.min(keys, from + batch);
          const parts: string[] = [`*${1 + 2 * (to - from)}\r\n$4\r\nMSET\r\n`];
          for (let k = from; k < to; k++) {
            const key = `key:${k}`;
            const val = `value:${k}:xxxxxxxx`;
            parts.push(`$${key.length}\r\n${key}\r\n$${val.length}\r\n${val}\r\n`);
          }
          i++;
          if (!sock.write(parts.join(''), 'latin1')) {
            sock.once('drain', more);
            return;
          }
        }
      };
      more();
    });
  });
}

interface SyncSample {
  ms: number;
  keys: number;
}

async function fullSync(name: 'dssm' | 'redis', primary: Served, keys: number): Promise<SyncSample> {
  const replica = await spawnServer(name);
  try {
    const t0 = performance.now();
    const r = await command(replica.port, ['REPLICAOF', '127.0.0.1', String(primary.port)]);
    if (!r.startsWith('+OK')) throw new Error(`REPLICAOF: ${r}`);
    // The link goes up only after the load; before that master_link_status is down.
    await waitSynced(replica, 300_000, 5);
    const ms = performance.now() - t0;
    const dbsize = Number((await command(replica.port, ['DBSIZE'])).slice(1));
    if (dbsize !== keys) throw new Error(`${name} replica has ${dbsize} keys, expected ${keys}`);
    return { ms, keys: dbsize };
  } finally {
    await replica.stop();
  }
}

async function syncBench(o: Opts): Promise<{ dssm: SyncSample[]; redis: SyncSample[]; dssmMs: number; redisMs: number; ratio: number }> {
  const dssm = await spawnServer('dssm');
  const redis = await spawnServer('redis');
  try {
    console.log(`\nfull sync of ${o.keys} keys (REPLICAOF → master_link_status:up, master_sync_in_progress:0), ${o.syncRounds} round(s)`);
    await Promise.all([fill(dssm.port, o.keys), fill(redis.port, o.keys)]);
    const out = { dssm: [] as SyncSample[], redis: [] as SyncSample[] };
    for (let r = 0; r < o.syncRounds; r++) {
      out.dssm.push(await fullSync('dssm', dssm, o.keys));
      out.redis.push(await fullSync('redis', redis, o.keys));
    }
    const dssmMs = median(out.dssm.map((x) => x.ms));
    const redisMs = median(out.redis.map((x) => x.ms));
    const ratio = dssmMs / redisMs;
    console.log(`dssm ${fmt(dssmMs)} ms, redis ${fmt(redisMs)} ms, ratio ${fmt(ratio, 2)} (bar ≤ 3: ${ratio <= 3 ? 'met' : 'NOT met'})`);
    return { ...out, dssmMs, redisMs, ratio };
  } finally {
    await dssm.stop();
    await redis.stop();
  }
}

async function main(): Promise<void> {
  const o = parseOpts(process.argv.slice(2));
  checkBuild();
  requireTool('redis-server');
  requireTool('redis-benchmark');
  if (o.prof) mkdirSync(o.prof, { recursive: true });
  const result: Record<string, unknown> = { date: new Date().toISOString(), options: o, node: process.version };
  if (o.throughput) result.throughput = await throughput(o);
  if (o.sync) result.fullSync = await syncBench(o);
  ensureResults();
  const file = join(RESULTS, `replication-${stamp()}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log(`\nwritten ${file}`);
  if (o.prof) console.log(`profiles of (b)'s primary and replica in ${o.prof}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
