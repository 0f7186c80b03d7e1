/**
 * `dssm up` as a child process for the up/status/failover tests: a temp dir, free ports
 * (never 6379/26379), the JSON lines it prints when stdout is not a terminal, and the
 * `dssm status --json` / `dssm failover` commands against it. Needs `npm run build`.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'dssm.js');
const run = promisify(execFile);

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A base port with n consecutive free ports after it. */
export async function freeRange(n: number): Promise<number> {
  for (;;) {
    const base = 20000 + Math.floor(Math.random() * 30000);
    let ok = true;
    for (let i = 0; i < n && ok; i++) ok = await bindable(base + i);
    if (ok) return base;
  }
}

export interface UpEvent {
  ts: string;
  event: string;
  [k: string]: unknown;
}

export interface UpProc {
  proc: ChildProcess;
  events: UpEvent[];
  stderr(): string;
  /** Resolves with the first event matching (already seen or future). */
  waitEvent(pred: (e: UpEvent) => boolean, timeoutMs?: number): Promise<UpEvent>;
  exited: Promise<number | null>;
}

/**
 * Runs `dssm up` on the given ports. Without a metrics flag in `extra` it adds --no-metrics,
 * since the default /metrics ports (9121...) are fixed and tests run side by side.
 */
export function startUp(dir: string, basePort: number, sentinelPort: number, extra: string[] = []): UpProc {
  const metricsFlag = extra.some((a) => a === '--metrics-port' || a === '--no-metrics') ? [] : ['--no-metrics'];
  const proc = spawn(process.execPath, [BIN, 'up', '--dir', dir, '--base-port', String(basePort), '--sentinel-port', String(sentinelPort), '--interval', '500', ...metricsFlag, ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: UpEvent[] = [];
  const waiters: { pred: (e: UpEvent) => boolean; resolve: (e: UpEvent) => void }[] = [];
  let buf = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (!line.trim()) continue;
      const e = JSON.parse(line) as UpEvent;
      events.push(e);
      for (const w of [...waiters]) {
        if (w.pred(e)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(e);
        }
      }
    }
  });
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return {
    proc,
    events,
    stderr: () => err,
    exited,
    waitEvent(pred, timeoutMs = 30_000) {
      const seen = events.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve: (e: UpEvent) => (clearTimeout(t), resolve(e)) };
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`no matching event within ${timeoutMs} ms; stderr:\n${err}\nevents:\n${events.map((x) => JSON.stringify(x)).join('\n')}`));
        }, timeoutMs);
        waiters.push(w);
      });
    },
  };
}

export interface StatusJson {
  primary: string | null;
  agreed: boolean;
  epoch: number;
  counts: { primaries: number; replicas: number; sentinels: number; nodesDown: number; sentinelsDown: number };
  nodes: { addr: string; ok: boolean; role?: string; pid?: number; offset?: number }[];
  sentinels: { addr: string; ok: boolean; primary?: string; numReplicas?: number; numOtherSentinels?: number }[];
  /** /metrics URL by process address, for a `dssm up` deployment with metrics on. */
  metrics?: Record<string, string>;
}

export async function status(dir: string): Promise<StatusJson> {
  const r = await run(process.execPath, [BIN, 'status', '--dir', dir, '--json'], { timeout: 20_000 }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '{}' }));
  return JSON.parse(r.stdout) as StatusJson;
}

export async function failover(dir: string, args: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, 'failover', '--dir', dir, '--json', ...args], { timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : 1, stdout: x.stdout ?? '', stderr: x.stderr ?? '' };
  }
}

/** Poll until check() returns a value (not undefined), or fail after timeoutMs. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** ioredis in sentinel mode against the deployment (TLS to sentinels and data nodes when tls). */
export function sentinelClient(dir: string, sentinelPort: number, tls: boolean): Redis {
  const files = tls ? { ca: readFileSync(join(dir, 'tls', 'dssm-ca.crt')), cert: readFileSync(join(dir, 'tls', 'client.crt')), key: readFileSync(join(dir, 'tls', 'client.key')) } : undefined;
  const r = new Redis({
    sentinels: [0, 1, 2].map((i) => ({ host: '127.0.0.1', port: sentinelPort + i })),
    name: 'dssm',
    ...(files ? { tls: files, sentinelTLS: files, enableTLSForSentinelMode: true } : {}),
    // A primary turned replica answers READONLY: reconnect through the sentinels.
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
    sentinelRetryStrategy: () => 100,
    retryStrategy: () => 100,
    maxRetriesPerRequest: null,
    lazyConnect: false,
  });
  r.on('error', () => {}); // connection errors during failovers are expected; commands report theirs
  return r;
}

/** `dssm up` that is expected to fail at once: its exit code and stderr. */
export async function upFails(dir: string, args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, [BIN, 'up', '--dir', dir, ...args], { timeout: 20_000 });
    return { code: 0, stderr: '' };
  } catch (e) {
    const x = e as { code?: number; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : -1, stderr: x.stderr ?? '' };
  }
}

/** GET a /metrics URL: status and body. */
export async function scrape(url: string): Promise<{ status: number; body: string }> {
  const r = await fetch(url);
  return { status: r.status, body: await r.text() };
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
