/**
 * Shared helpers for the benchmarks: free ports, starting dssm (built, from dist/) and
 * redis-server as child processes, and a minimal RESP request/reply over a raw socket.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const RESULTS = join(ROOT, 'bench', 'results');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

export interface Served {
  name: 'dssm' | 'redis';
  port: number;
  pid: number;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** Newest mtime under a directory (to warn when dist/ is older than src/). */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export function checkBuild(): void {
  const main = join(ROOT, 'dist', 'cli', 'main.js');
  if (!existsSync(main)) {
    console.error('dist/ is missing: run `npm run build` first (the benchmark builds nothing).');
    process.exit(1);
  }
  if (newest(join(ROOT, 'src')) > newest(join(ROOT, 'dist'))) {
    console.error('warning: src/ is newer than dist/; run `npm run build` to benchmark the current code.');
  }
}

export function requireTool(name: string): void {
  if (spawnSync('sh', ['-c', `command -v ${name}`]).status !== 0) {
    console.error(`${name} is not installed`);
    process.exit(1);
  }
}

async function waitPing(port: number, proc: ChildProcess, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server on port ${port} exited with ${proc.exitCode}`);
    try {
      const r = await command(port, ['PING']);
      if (r === '+PONG') return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`nothing answered on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stopper(proc: ChildProcess, dir: string): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      const done = () => {
        rmSync(dir, { recursive: true, force: true });
        resolve();
      };
      if (proc.exitCode !== null || proc.signalCode !== null) return done();
      proc.once('exit', done);
      proc.kill('SIGKILL');
    });
}

/**
 * `node bin/dssm.js server` without persistence; extra node flags (e.g. --cpu-prof) go first.
 * With `dist`, runs that compiled tree instead of dist/ (through bench/launch.mjs).
 */
export async function startDssm(nodeArgs: string[] = [], dist?: string): Promise<Served> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'dssm-bench-'));
  const entry = dist === undefined ? join(ROOT, 'bin', 'dssm.js') : join(ROOT, 'bench', 'launch.mjs');
  const proc = spawn(process.execPath, [...nodeArgs, entry, 'server', '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: dist === undefined ? process.env : { ...process.env, DSSM_DIST: dist },
  });
  await waitPing(port, proc);
  return { name: 'dssm', port, pid: proc.pid!, proc, stop: stopper(proc, dir) };
}

export async function startRedis(): Promise<Served> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'redis-bench-'));
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  await waitPing(port, proc);
  return { name: 'redis', port, pid: proc.pid!, proc, stop: stopper(proc, dir) };
}

/** Encode a request as a RESP multibulk (latin1 strings). */
export function encode(argv: string[]): string {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${a.length}\r\n${a}\r\n`;
  return s;
}

/**
 * Send one command on a fresh connection and return the reply's first line (for simple
 * replies and errors) or the whole reply text for bulk/array replies. Enough for probes.
 */
export function command(port: number, argv: string[], timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('timeout'));
    }, timeoutMs);
    sock.setEncoding('latin1');
    sock.on('connect', () => sock.write(encode(argv), 'latin1'));
    sock.on('data', (d: string) => {
      data += d;
      if (complete(data)) {
        clearTimeout(timer);
        sock.destroy();
        resolve(data.startsWith('$') || data.startsWith('*') ? data : data.slice(0, data.indexOf('\r\n')));
      }
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** Whether `s` holds one complete RESP reply (RESP2 types only). */
function complete(s: string): boolean {
  let pos = 0;
  const one = (): boolean => {
    const nl = s.indexOf('\r\n', pos);
    if (nl < 0) return false;
    const t = s[pos];
    const n = Number(s.slice(pos + 1, nl));
    pos = nl + 2;
    if (t === '$') {
      if (n < 0) return true;
      if (s.length < pos + n + 2) return false;
      pos += n + 2;
      return true;
    }
    if (t === '*') {
      for (let i = 0; i < n; i++) if (!one()) return false;
      return true;
    }
    return true;
  };
  return one();
}

export function ensureResults(): void {
  mkdirSync(RESULTS, { recursive: true });
}

export function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}

export function geomean(xs: number[]): number {
  if (xs.length === 0) return NaN;
  return Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const TICK_US = 1e6 / Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

/** CPU time (user + system) a process has used so far, in microseconds (Linux /proc); NaN once it is gone. */
export function cpuTime(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_US;
  } catch {
    return NaN;
  }
}
