/**
 * Persistence benchmarks, dssm beside redis-server (issue 4's bars).
 *
 *   npm run build && node --import tsx bench/persistence.ts [--quick] [--keys N] [--rounds R]
 *        [--skip-load] [--skip-throughput] [-n N]
 *
 * (a) Load time. One dataset (N keys: mostly small strings, plus hashes, lists, sets and
 *     sorted sets of 10 elements each, ~5% of the keys) is written once into each server
 *     with redis-cli --pipe. Each server then writes it three ways: SAVE (dump.rdb),
 *     BGREWRITEAOF with aof-use-rdb-preamble no (pure RESP AOF) and BGREWRITEAOF with the
 *     default RDB preamble. For each way the server is restarted on the files and the time
 *     is measured from spawn until PING stops answering LOADING and DBSIZE is complete
 *     (the figure that matters to a user), beside the load time the server itself logs.
 *     Bar: dssm within 3x of redis-server.
 * (b) Throughput with `appendonly yes appendfsync everysec` against dssm without
 *     persistence, redis-benchmark -c 50 -P 1 and -P 16 -t set,incr,lpush, alternating
 *     runs. Bar: >= 0.9x. redis-server's own ratio is printed for reference.
 *
 * The machine is shared: compare ratios from the same run, never absolute numbers.
 * Results go to bench/results/persistence-<time>.json.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkBuild, command, encode, ensureResults, freePort, median, requireTool, RESULTS, ROOT, stamp } from './common.js';

type Kind = 'dssm' | 'redis';

interface Opts {
  keys: number;
  rounds: number;
  n: number;
  load: boolean;
  throughput: boolean;
}

function parseOpts(argv: string[]): Opts {
  const o: Opts = { keys: 1_000_000, rounds: 2, n: 200_000, load: true, throughput: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === '--quick') {
      o.keys = 200_000;
      o.rounds = 1;
      o.n = 50_000;
    } else if (a === '--keys') o.keys = Number(v());
    else if (a === '--rounds') o.rounds = Math.max(1, Number(v()));
    else if (a === '-n') o.n = Number(v());
    else if (a === '--skip-load') o.load = false;
    else if (a === '--skip-throughput') o.throughput = false;
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

interface Proc {
  kind: Kind;
  port: number;
  proc: ChildProcess;
  spawnedAt: number;
  /** Everything the server printed on stdout (its log). */
  out: string[];
}

function spawnServer(kind: Kind, dir: string, port: number, directives: string[]): Proc {
  const base = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...directives];
  const spawnedAt = performance.now();
  const proc =
    kind === 'dssm'
      ? spawn(process.execPath, [join(ROOT, 'bin', 'dssm.js'), 'server', ...base], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, DSSM_LOG_LEVEL: 'info' } })
      : spawn('redis-server', [...base, '--loglevel', 'notice'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const out: string[] = [];
  proc.stdout!.setEncoding('utf8');
  let partial = '';
  proc.stdout!.on('data', (d: string) => {
    const lines = (partial + d).split('\n');
    partial = lines.pop()!;
    out.push(...lines);
  });
  return { kind, port, proc, spawnedAt, out };
}

/** One persistent connection; reconnects until the server listens. */
async function connect(port: number, proc: ChildProcess, deadline: number): Promise<net.Socket> {
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server on port ${port} exited with ${proc.exitCode}`);
    try {
      return await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect(port, '127.0.0.1');
        s.once('connect', () => resolve(s));
        s.once('error', reject);
      });
    } catch {
      if (performance.now() > deadline) throw new Error(`nothing listening on ${port}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

function ask(sock: net.Socket, argv: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    const onData = (d: Buffer) => {
      data += d.toString('latin1');
      if (data.endsWith('\r\n')) {
        sock.off('data', onData);
        sock.off('error', reject);
        resolve(data.slice(0, -2));
      }
    };
    sock.on('data', onData);
    sock.once('error', reject);
    sock.write(encode(argv), 'latin1');
  });
}

/** Milliseconds from spawn until PING answers PONG (not LOADING) and DBSIZE is `keys`. */
async function timeToReady(p: Proc, keys: number): Promise<number> {
  const deadline = performance.now() + 600_000;
  const sock = await connect(p.port, p.proc, deadline);
  try {
    for (;;) {
      const r = await ask(sock, ['PING']);
      if (r === '+PONG') break;
      if (!r.startsWith('-LOADING')) throw new Error(`${p.kind}: unexpected PING reply ${r}`);
      if (performance.now() > deadline) throw new Error(`${p.kind}: still loading`);
      await new Promise((r) => setTimeout(r, 2));
    }
    const t = performance.now() - p.spawnedAt;
    const n = await ask(sock, ['DBSIZE']);
    if (n !== `:${keys}`) throw new Error(`${p.kind}: DBSIZE ${n} after load, expected ${keys}`);
    return t;
  } finally {
    sock.destroy();
  }
}

/** The load time the server logs itself, in ms (NaN if not found). */
function loggedLoadMs(p: Proc): number {
  for (const line of p.out) {
    if (p.kind === 'redis') {
      const m = /DB loaded from (?:disk|append only file|base file [^:]*|incr file [^:]*): ([\d.]+) seconds/.exec(line);
      if (m && /DB loaded from (disk|append only file):/.test(line)) return Number(m[1]) * 1000;
    } else if (line.includes('DB loaded from')) {
      try {
        const j = JSON.parse(line) as { seconds?: string };
        if (j.seconds !== undefined) return Number(j.seconds) * 1000;
      } catch {
        /* not JSON */
      }
    }
  }
  return NaN;
}

async function stop(p: Proc): Promise<void> {
  if (p.proc.exitCode !== null || p.proc.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    p.proc.once('exit', () => resolve());
    p.proc.kill('SIGKILL');
  });
}

/** SHUTDOWN NOSAVE (flushes and fsyncs the AOF), then wait for the exit. */
async function shutdown(p: Proc): Promise<void> {
  const exited = new Promise<void>((resolve) => {
    if (p.proc.exitCode !== null) resolve();
    else p.proc.once('exit', () => resolve());
  });
  // The connection just closes as the server exits: don't wait for a reply.
  command(p.port, ['SHUTDOWN', 'NOSAVE'], 30_000).catch(() => {});
  const t = setTimeout(() => p.proc.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(t);
}

async function waitReady(p: Proc): Promise<void> {
  const deadline = performance.now() + 600_000;
  const sock = await connect(p.port, p.proc, deadline);
  try {
    for (;;) {
      if ((await ask(sock, ['PING'])) === '+PONG') return;
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    sock.destroy();
  }
}

async function infoField(port: number, field: string): Promise<string> {
  const text = await command(port, ['INFO', 'persistence'], 30_000);
  const m = new RegExp(`\\r\\n${field}:([^\\r]*)`).exec(text);
  return m ? m[1]! : '';
}

async function waitRewriteDone(port: number): Promise<void> {
  for (;;) {
    const inProgress = await infoField(port, 'aof_rewrite_in_progress');
    const scheduled = await infoField(port, 'aof_rewrite_scheduled');
    if (inProgress === '0' && scheduled !== '1') return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The dataset as a RESP command file for redis-cli --pipe; returns its path. */
async function writeDataset(dir: string, keys: number): Promise<string> {
  const file = join(dir, 'dataset.resp');
  const out = createWriteStream(file, { encoding: 'latin1' });
  const aggregates = Math.floor(keys / 20);
  const strings = keys - aggregates;
  const write = (s: string) => (out.write(s, 'latin1') ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
  let batch: string[] = ['MSET'];
  for (let i = 0; i < strings; i++) {
    batch.push(`key:${i}`, `value-${(i * 2654435761) % 1000000007}`);
    if (batch.length >= 201) {
      await write(encode(batch));
      batch = ['MSET'];
    }
  }
  if (batch.length > 1) await write(encode(batch));
  for (let i = 0; i < aggregates; i++) {
    const els = Array.from({ length: 10 }, (_, j) => `el-${i}-${j}`);
    switch (i % 4) {
      case 0:
        await write(encode(['HSET', `hash:${i}`, ...els.flatMap((e, j) => [`f${j}`, e])]));
        break;
      case 1:
        await write(encode(['RPUSH', `list:${i}`, ...els]));
        break;
      case 2:
        await write(encode(['SADD', `set:${i}`, ...els]));
        break;
      default:
        await write(encode(['ZADD', `zset:${i}`, ...els.flatMap((e, j) => [String(j * 1.5), e])]));
    }
  }
  await new Promise<void>((r) => out.end(() => r()));
  return file;
}

function fill(port: number, dataset: string): void {
  const r = spawnSync('sh', ['-c', `redis-cli -h 127.0.0.1 -p ${port} --pipe < '${dataset}'`], { encoding: 'utf8', timeout: 1_200_000 });
  if (r.status !== 0 || !/errors: 0,/.test(r.stdout)) throw new Error(`redis-cli --pipe failed: ${r.stdout}${r.stderr}`);
}

type Mode = 'rdb' | 'aof' | 'aof-preamble';
const MODES: Mode[] = ['rdb', 'aof', 'aof-preamble'];
const MODE_ARGS: Record<Mode, string[]> = {
  rdb: ['--appendonly', 'no'],
  aof: ['--appendonly', 'yes', '--aof-use-rdb-preamble', 'no'],
  'aof-preamble': ['--appendonly', 'yes', '--aof-use-rdb-preamble', 'yes'],
};

interface LoadResult {
  mode: Mode;
  kind: Kind;
  readyMs: number[];
  loggedMs: number[];
  fileBytes: number;
}

function dirBytes(dir: string, mode: Mode): number {
  const r = spawnSync('sh', ['-c', mode === 'rdb' ? `stat -c %s '${dir}/dump.rdb'` : `du -sb '${dir}/appendonlydir' | cut -f1`], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

/** Build the dataset in one server and write it in `mode`; returns the directory. */
async function build(kind: Kind, mode: Mode, dataset: string): Promise<{ dir: string; bytes: number }> {
  const dir = mkdtempSync(join(tmpdir(), `persist-bench-${kind}-`));
  const port = await freePort();
  // The dataset goes in with the AOF off, then SAVE or an AOF rewrite writes the files.
  const builder = spawnServer(kind, dir, port, ['--appendonly', 'no', '--aof-use-rdb-preamble', mode === 'aof' ? 'no' : 'yes']);
  await waitReady(builder);
  const t0 = performance.now();
  fill(port, dataset);
  const fillMs = performance.now() - t0;
  if (mode === 'rdb') {
    const r = await command(port, ['SAVE'], 600_000);
    if (r !== '+OK') throw new Error(`${kind} SAVE: ${r}`);
  } else {
    // CONFIG SET appendonly yes rewrites the dataset into a new AOF (base + empty incr).
    const r = await command(port, ['CONFIG', 'SET', 'appendonly', 'yes'], 600_000);
    if (r !== '+OK') throw new Error(`${kind} CONFIG SET appendonly yes: ${r}`);
    await new Promise((r) => setTimeout(r, 200));
    await waitRewriteDone(port);
  }
  await shutdown(builder);
  const bytes = dirBytes(dir, mode);
  console.log(`  ${kind} ${mode}: filled in ${(fillMs / 1000).toFixed(1)} s, ${(bytes / 1e6).toFixed(1)} MB on disk`);
  return { dir, bytes };
}

/**
 * Write the dataset in every mode in both servers, then time restarts, alternating
 * redis-server and dssm so that both see the same machine load.
 */
async function loadBench(dataset: string, keys: number, rounds: number): Promise<LoadResult[]> {
  const results: LoadResult[] = [];
  const dirs: string[] = [];
  try {
    for (const mode of MODES) {
      for (const kind of ['redis', 'dssm'] as Kind[]) {
        const { dir, bytes } = await build(kind, mode, dataset);
        dirs.push(dir);
        results.push({ mode, kind, readyMs: [], loggedMs: [], fileBytes: bytes, dir } as LoadResult & { dir: string });
      }
    }
    for (let r = 0; r < rounds; r++) {
      for (const res of results) {
        const p = spawnServer(res.kind, (res as LoadResult & { dir: string }).dir, await freePort(), MODE_ARGS[res.mode]);
        try {
          res.readyMs.push(await timeToReady(p, keys));
          // The log line may still be on its way through the pipe.
          for (let i = 0; i < 40 && !Number.isFinite(loggedLoadMs(p)); i++) await new Promise((r) => setTimeout(r, 50));
          res.loggedMs.push(loggedLoadMs(p));
        } finally {
          await stop(p);
        }
      }
    }
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
  for (const res of results) delete (res as Partial<LoadResult & { dir: string }>).dir;
  return results;
}

// ---------------------------------------------------------------------------------------
// (b) throughput with the AOF on

interface TpRow {
  pipeline: number;
  test: string;
  server: Kind;
  plain: number[];
  aof: number[];
  ratio: number;
}

function bench(port: number, test: string, n: number, pipeline: number): number {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-c', '50', '-n', String(n), '-P', String(pipeline), '-t', test, '--csv'];
  const r = spawnSync('redis-benchmark', args, { encoding: 'utf8', timeout: 600_000 });
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith(`"${test.toUpperCase()}",`)) return Number(line.split(',')[1]!.replace(/"/g, ''));
  }
  throw new Error(`redis-benchmark ${args.join(' ')}: no row\n${r.stdout}${r.stderr}`);
}

async function throughputBench(o: Opts): Promise<TpRow[]> {
  const tests = ['set', 'incr', 'lpush'];
  const rows: TpRow[] = [];
  const dirs: string[] = [];
  const procs: Proc[] = [];
  try {
    const start = async (kind: Kind, aof: boolean) => {
      const dir = mkdtempSync(join(tmpdir(), `persist-tp-${kind}-`));
      dirs.push(dir);
      const p = spawnServer(kind, dir, await freePort(), aof ? ['--appendonly', 'yes', '--appendfsync', 'everysec'] : ['--appendonly', 'no']);
      procs.push(p);
      await waitReady(p);
      return p;
    };
    const servers: Record<Kind, { plain: Proc; aof: Proc }> = {
      dssm: { plain: await start('dssm', false), aof: await start('dssm', true) },
      redis: { plain: await start('redis', false), aof: await start('redis', true) },
    };
    // Warm-up (dssm's JIT), then measure alternating plain / aof.
    for (const kind of ['dssm', 'redis'] as Kind[]) {
      for (const p of [servers[kind].plain, servers[kind].aof]) {
        for (const pl of [1, 16])
          spawnSync('redis-benchmark', ['-h', '127.0.0.1', '-p', String(p.port), '-c', '50', '-n', String(Math.min(o.n, 50_000)), '-P', String(pl), '-t', tests.join(','), '-q'], { stdio: 'ignore' });
        await command(p.port, ['FLUSHALL']);
      }
    }
    for (const pipeline of [1, 16]) {
      for (const kind of ['dssm', 'redis'] as Kind[]) {
        for (const test of tests) {
          const row: TpRow = { pipeline, test, server: kind, plain: [], aof: [], ratio: NaN };
          // Each run adds keys; start every test from an empty dataset in both.
          await command(servers[kind].plain.port, ['FLUSHALL']);
          await command(servers[kind].aof.port, ['FLUSHALL']);
          for (let r = 0; r < o.rounds; r++) {
            row.plain.push(bench(servers[kind].plain.port, test, o.n, pipeline));
            row.aof.push(bench(servers[kind].aof.port, test, o.n, pipeline));
          }
          row.ratio = median(row.aof) / median(row.plain);
          rows.push(row);
        }
      }
    }
  } finally {
    for (const p of procs) await stop(p);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
  return rows;
}

function fmt(n: number, digits = 0): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

async function main(): Promise<void> {
  const o = parseOpts(process.argv.slice(2));
  checkBuild();
  for (const t of ['redis-server', 'redis-cli', 'redis-benchmark']) requireTool(t);
  const out: Record<string, unknown> = { date: new Date().toISOString(), options: o, node: process.version };
  let failed = false;

  if (o.load) {
    const work = mkdtempSync(join(tmpdir(), 'persist-bench-data-'));
    try {
      console.log(`(a) load time, ${o.keys} keys (${o.keys - Math.floor(o.keys / 20)} strings, ${Math.floor(o.keys / 20)} aggregates of 10), ${o.rounds} restart(s) each`);
      const dataset = await writeDataset(work, o.keys);
      const all = await loadBench(dataset, o.keys, o.rounds);
      console.log(
        `\n${'mode'.padEnd(14)}${'dssm ready ms'.padStart(15)}${'redis ready ms'.padStart(16)}${'ratio'.padStart(8)}${'dssm log ms'.padStart(13)}${'redis log ms'.padStart(14)}${'ratio'.padStart(8)}${'dssm MB'.padStart(9)}${'redis MB'.padStart(10)}`,
      );
      const table = [];
      for (const mode of MODES) {
        const d = all.find((r) => r.kind === 'dssm' && r.mode === mode)!;
        const r = all.find((x) => x.kind === 'redis' && x.mode === mode)!;
        const ready = { dssm: median(d.readyMs), redis: median(r.readyMs) };
        const logged = { dssm: median(d.loggedMs), redis: median(r.loggedMs) };
        const ratio = ready.dssm / ready.redis;
        const met = ratio <= 3;
        if (!met) failed = true;
        table.push({ mode, ready, logged, ratio, loggedRatio: logged.dssm / logged.redis, bytes: { dssm: d.fileBytes, redis: r.fileBytes }, samples: { dssm: d, redis: r }, barMet: met });
        console.log(
          `${mode.padEnd(14)}${fmt(ready.dssm).padStart(15)}${fmt(ready.redis).padStart(16)}${fmt(ratio, 2).padStart(8)}` +
            `${fmt(logged.dssm).padStart(13)}${fmt(logged.redis).padStart(14)}${fmt(logged.dssm / logged.redis, 2).padStart(8)}` +
            `${fmt(d.fileBytes / 1e6, 1).padStart(9)}${fmt(r.fileBytes / 1e6, 1).padStart(10)}  ${met ? 'bar 3x: met' : 'bar 3x: NOT met'}`,
        );
      }
      console.log('ready = spawn until PING answers PONG and DBSIZE is complete; log = the load time the server logs itself');
      out.load = table;
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  if (o.throughput) {
    console.log(`\n(b) throughput, appendonly yes appendfsync everysec vs no persistence; redis-benchmark -c 50 -n ${o.n}, ${o.rounds} round(s)`);
    const rows = await throughputBench(o);
    console.log(`${'-P'.padEnd(4)}${'server'.padEnd(8)}${'test'.padEnd(8)}${'no persist rps'.padStart(16)}${'aof rps'.padStart(12)}${'ratio'.padStart(8)}`);
    for (const r of rows) {
      const bar = r.server === 'dssm' ? (r.ratio >= 0.9 ? '  bar 0.9: met' : '  bar 0.9: NOT met') : '  (reference)';
      if (r.server === 'dssm' && r.ratio < 0.9) failed = true;
      console.log(`${String(r.pipeline).padEnd(4)}${r.server.padEnd(8)}${r.test.padEnd(8)}${fmt(median(r.plain)).padStart(16)}${fmt(median(r.aof)).padStart(12)}${fmt(r.ratio, 3).padStart(8)}${bar}`);
    }
    out.throughput = rows;
  }

  ensureResults();
  const file = join(RESULTS, `persistence-${stamp()}.json`);
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  console.log(`\nwritten ${file}${failed ? ' (a bar is not met)' : ''}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
