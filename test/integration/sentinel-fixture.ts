/**
 * A sentinel deployment for tests and bench/failover.ts, all on loopback free ports:
 * real redis-server data nodes (1 primary + replicas started with --replicaof) and
 * sentinels (dssm in-process or as processes, or real redis-sentinel processes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadSentinelConfig } from '../../src/sentinel/config.js';
import { Sentinel } from '../../src/sentinel/server.js';
import { freePort, waitForPort } from '../helpers/servers.js';
import { RawClient, plain } from '../helpers/resp.js';

export const MASTER_NAME = 'mymaster';

export interface DataNodeProc {
  port: number;
  proc: ChildProcess;
  kill(signal?: NodeJS.Signals): Promise<void>;
  restart(extra?: string[]): Promise<void>;
}

async function waitExit(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  await new Promise<void>((r) => p.once('exit', () => r()));
}

/** Start a redis-server data node (not daemonized, so it can be SIGKILLed). */
export async function startRedisNode(port: number, replicaOf?: number, dir?: string): Promise<DataNodeProc> {
  const args = (): string[] => {
    const a = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--repl-diskless-sync', 'no'];
    if (dir) a.push('--dir', dir);
    if (replicaOf) a.push('--replicaof', '127.0.0.1', String(replicaOf));
    return a;
  };
  const node: DataNodeProc = {
    port,
    proc: spawn('redis-server', args(), { stdio: 'ignore' }),
    async kill(signal = 'SIGKILL') {
      node.proc.kill(signal);
      await waitExit(node.proc);
    },
    async restart(extra: string[] = []) {
      node.proc = spawn('redis-server', [...args(), ...extra], { stdio: 'ignore' });
      await waitForPort(port);
    },
  };
  await waitForPort(port);
  return node;
}

export interface Deployment {
  primary: DataNodeProc;
  replicas: DataNodeProc[];
  nodes: DataNodeProc[];
  dir: string;
  stop(): Promise<void>;
}

/** One primary and `replicas` replicas of it, all redis-server. */
export async function startDataNodes(replicas = 2): Promise<Deployment> {
  const dir = mkdtempSync(join(tmpdir(), 'dssm-sentinel-'));
  const pp = await freePort();
  const primary = await startRedisNode(pp, undefined, dir);
  const reps: DataNodeProc[] = [];
  for (let i = 0; i < replicas; i++) reps.push(await startRedisNode(await freePort(), pp, dir));
  const nodes = [primary, ...reps];
  return {
    primary,
    replicas: reps,
    nodes,
    dir,
    async stop() {
      for (const n of nodes) {
        if (n.proc.exitCode === null && n.proc.signalCode === null) await n.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface SentinelOptions {
  quorum?: number;
  downAfter?: number;
  failoverTimeout?: number;
  /** Write a sentinel.conf and use it (state persisted there). */
  file?: string;
}

function sentinelLines(masterPort: number, port: number, o: SentinelOptions): string[] {
  return [
    `port ${port}`,
    'bind 127.0.0.1',
    `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${masterPort} ${o.quorum ?? 2}`,
    `sentinel down-after-milliseconds ${MASTER_NAME} ${o.downAfter ?? 1000}`,
    `sentinel failover-timeout ${MASTER_NAME} ${o.failoverTimeout ?? 4000}`,
  ];
}

/** A dssm sentinel in this process. */
export async function startDssmSentinel(masterPort: number, o: SentinelOptions = {}): Promise<Sentinel> {
  const port = await freePort();
  let cfg: ReturnType<typeof loadSentinelConfig>;
  if (o.file) {
    writeFileSync(o.file, sentinelLines(masterPort, port, o).join('\n') + '\n');
    cfg = loadSentinelConfig(o.file);
  } else {
    const args = sentinelLines(masterPort, port, o).flatMap((l) => ['--' + l.split(' ')[0]!, ...l.split(' ').slice(1)]);
    cfg = loadSentinelConfig(null, args);
  }
  const s = new Sentinel(cfg);
  await s.start();
  return s;
}

export interface SentinelProc {
  port: number;
  proc: ChildProcess;
  stop(): Promise<void>;
}

const ROOT = resolve(import.meta.dirname, '../..');

/** A sentinel as a child process: `dssm sentinel` (through tsx) or real `redis-sentinel`. */
export async function startSentinelProcess(kind: 'dssm' | 'redis', masterPort: number, dir: string, o: SentinelOptions = {}): Promise<SentinelProc> {
  const port = await freePort();
  const file = join(dir, `sentinel-${kind}-${port}.conf`);
  writeFileSync(file, sentinelLines(masterPort, port, o).join('\n') + '\n');
  const proc =
    kind === 'redis'
      ? spawn('redis-sentinel', [file], { stdio: 'ignore' })
      : spawn(process.execPath, ['--import', 'tsx', '-e', "import('./src/cli/main.ts').then((m) => m.run(['node', 'dssm', ...process.argv.slice(1)]))", 'sentinel', file], {
          cwd: ROOT,
          stdio: 'ignore',
          env: { ...process.env, DSSM_LOG_LEVEL: 'warn' },
        });
  await waitForPort(port, 20000);
  return {
    port,
    proc,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGKILL');
        await waitExit(proc);
      }
    },
  };
}

/** SENTINEL subcommand through a fresh connection. */
export async function sentinelCall(port: number, ...args: string[]): Promise<unknown> {
  const c = await RawClient.connect(port);
  try {
    return plain(await c.call(...args));
  } finally {
    c.close();
  }
}

/** A SENTINEL MASTER-style flat array as an object. */
export function fields(flat: unknown): Record<string, string> {
  const a = flat as string[];
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < a.length; i += 2) out[a[i]!] = a[i + 1]!;
  return out;
}

export async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 30000, everyMs = 100): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ': ' + String(last) : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The primary's port as a sentinel reports it. */
export async function masterPortFrom(sentinelPort: number): Promise<number> {
  const r = (await sentinelCall(sentinelPort, 'SENTINEL', 'get-master-addr-by-name', MASTER_NAME)) as string[];
  return Number(r[1]);
}

/** Wait until every sentinel knows all replicas and all other sentinels. */
export async function waitForDiscovery(sentinelPorts: number[], replicas: number): Promise<void> {
  for (const p of sentinelPorts) {
    await until(`discovery by sentinel ${p}`, async () => {
      const f = fields(await sentinelCall(p, 'SENTINEL', 'master', MASTER_NAME));
      return Number(f['num-slaves']) >= replicas && Number(f['num-other-sentinels']) >= sentinelPorts.length - 1;
    });
  }
}
