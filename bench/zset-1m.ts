/**
 * Sorted sets at scale, dssm beside redis-server: load a 1M-member sorted set into each
 * (pipelined), then measure single-client latency (p50/p99) of
 *   ZADD of a new member, ZRANK, ZRANGE by rank (10 elements at a random offset) and
 *   ZRANGEBYSCORE (10 elements from a random score),
 * and print dssm/redis ratios. The bar: dssm within 3× of redis at p50 and p99.
 *
 * Run: node --import tsx bench/zset-1m.ts [members=1000000] [calls=10000]
 * dssm runs from source in a child process (so that the client here does not share its
 * event loop); redis-server must be installed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeCommand, parseReply, type Reply } from '../test/helpers/resp.js';
import { freePort, waitForPort } from '../test/helpers/servers.js';

const MEMBERS = Number(process.argv[2] ?? 1_000_000);
const CALLS = Number(process.argv[3] ?? 10_000);
const ROOT = join(import.meta.dirname, '..');
const KEY = 'bench:zset';

/** A lean client: one request in flight for latency, or a window of them for loading. */
class Conn {
  private buf: Buffer = Buffer.alloc(0);
  private expect = 0;
  private got = 0;
  private last: Reply | null = null;
  private done: (() => void) | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      let pos = 0;
      for (;;) {
        const r = parseReply(this.buf, pos);
        if (!r) break;
        if (r[0].t === 'error') throw new Error(`server error: ${r[0].v}`);
        this.last = r[0];
        pos = r[1];
        this.got++;
      }
      this.buf = pos === this.buf.length ? Buffer.alloc(0) : this.buf.subarray(pos);
      if (this.got >= this.expect && this.done) {
        const f = this.done;
        this.done = null;
        f();
      }
    });
  }

  static connect(port: number): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => resolve(new Conn(s)));
      s.once('error', reject);
    });
  }

  /** Send a batch of encoded commands and wait for all their replies; returns the last. */
  send(batch: Buffer, count: number): Promise<Reply> {
    this.expect = count;
    this.got = 0;
    return new Promise((resolve) => {
      this.done = () => resolve(this.last!);
      this.socket.write(batch);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

interface Server {
  name: string;
  port: number;
  proc: ChildProcess;
  stop(): void;
}

async function startRedisServer(): Promise<Server> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-redis-'));
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  await waitForPort(port);
  return { name: 'redis', port, proc, stop: () => (proc.kill('SIGKILL'), rmSync(dir, { recursive: true, force: true })) };
}

async function startDssmServer(): Promise<Server> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-dssm-'));
  const launcher = `const { run } = await import(${JSON.stringify(join(ROOT, 'src/cli/main.ts'))}); await run(['node', 'dssm', ...process.argv.slice(1)]);`;
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', launcher, 'server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  await waitForPort(port, 60_000);
  return { name: 'dssm', port, proc, stop: () => (proc.kill('SIGKILL'), rmSync(dir, { recursive: true, force: true })) };
}

/** A deterministic PRNG so both servers get the same data and the same queries. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SCORE_SPAN = 1_000_000;

async function load(c: Conn): Promise<number> {
  const r = prng(1);
  const perCommand = 100;
  const window = 50;
  const t0 = performance.now();
  for (let base = 0; base < MEMBERS; ) {
    const cmds: Buffer[] = [];
    for (let w = 0; w < window && base < MEMBERS; w++) {
      const args = ['ZADD', KEY];
      for (let i = 0; i < perCommand && base < MEMBERS; i++, base++) args.push(String(Math.floor(r() * SCORE_SPAN * 1000) / 1000), `member:${base}`);
      cmds.push(encodeCommand(args));
    }
    await c.send(Buffer.concat(cmds), cmds.length);
  }
  const card = await c.send(encodeCommand(['ZCARD', KEY]), 1);
  if (card.t !== 'int' || Number(card.v) !== MEMBERS) throw new Error(`loaded ${JSON.stringify(card)}`);
  return performance.now() - t0;
}

type Op = { name: string; make: (r: () => number, i: number) => string[] };
const OPS: Op[] = [
  { name: 'ZADD new member', make: (r, i) => ['ZADD', KEY, String(Math.floor(r() * SCORE_SPAN)), `new:${i}`] },
  { name: 'ZRANK', make: (r) => ['ZRANK', KEY, `member:${Math.floor(r() * MEMBERS)}`] },
  {
    name: 'ZRANGE 10 by rank',
    make: (r) => {
      const off = Math.floor(r() * (MEMBERS - 10));
      return ['ZRANGE', KEY, String(off), String(off + 9)];
    },
  },
  { name: 'ZRANGEBYSCORE 10', make: (r) => ['ZRANGEBYSCORE', KEY, String(Math.floor(r() * SCORE_SPAN * 0.99)), '+inf', 'LIMIT', '0', '10'] },
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(c: Conn, op: Op): Promise<{ p50: number; p99: number }> {
  const r = prng(2);
  // Warm-up (JIT, caches), not counted.
  for (let i = 0; i < 500; i++) await c.send(encodeCommand(op.make(r, CALLS + i)), 1);
  const times: number[] = [];
  const rr = prng(3);
  for (let i = 0; i < CALLS; i++) {
    const cmd = encodeCommand(op.make(rr, i));
    const t0 = process.hrtime.bigint();
    await c.send(cmd, 1);
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

async function main(): Promise<void> {
  console.log(`zset-1m: ${MEMBERS} members, ${CALLS} calls per operation, one client, latency in µs`);
  const servers = [await startDssmServer(), await startRedisServer()];
  const results = new Map<string, Map<string, { p50: number; p99: number }>>();
  try {
    for (const s of servers) {
      const c = await Conn.connect(s.port);
      const loadMs = await load(c);
      console.log(`${s.name}: loaded ${MEMBERS} members in ${(loadMs / 1000).toFixed(1)} s`);
      const byOp = new Map<string, { p50: number; p99: number }>();
      for (const op of OPS) byOp.set(op.name, await measure(c, op));
      results.set(s.name, byOp);
      c.close();
      s.stop();
    }
  } finally {
    for (const s of servers) if (s.proc.exitCode === null) s.stop();
  }
  const pad = (s: string, n: number) => s.padEnd(n);
  console.log(`\n${pad('operation', 20)} ${pad('dssm p50', 10)} ${pad('redis p50', 10)} ${pad('ratio', 7)} ${pad('dssm p99', 10)} ${pad('redis p99', 10)} ${pad('ratio', 7)}`);
  let worst = 0;
  for (const op of OPS) {
    const d = results.get('dssm')!.get(op.name)!;
    const r = results.get('redis')!.get(op.name)!;
    const r50 = d.p50 / r.p50;
    const r99 = d.p99 / r.p99;
    worst = Math.max(worst, r50, r99);
    console.log(
      `${pad(op.name, 20)} ${pad(d.p50.toFixed(1), 10)} ${pad(r.p50.toFixed(1), 10)} ${pad(r50.toFixed(2) + '×', 7)} ${pad(d.p99.toFixed(1), 10)} ${pad(r.p99.toFixed(1), 10)} ${pad(r99.toFixed(2) + '×', 7)}`,
    );
  }
  console.log(`\nworst ratio ${worst.toFixed(2)}× (bar: within 3×) → ${worst <= 3 ? 'PASS' : 'FAIL'}`);
}

await main();
