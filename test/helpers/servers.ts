/**
 * Servers for tests: dssm in-process (fast, inspectable) or as a child process (for CLI,
 * signals and crash tests), and the reference redis-server for differential tests.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseArgDirectives } from '../../src/config/load.js';
import { DataNode } from '../../src/node.js';
import { RawClient } from './resp.js';

export interface TestServer {
  port: number;
  node: DataNode;
  dir: string;
  client(): Promise<RawClient>;
  stop(): Promise<void>;
}

/** Start a dssm data node in this process on a free loopback port. */
export async function startDssm(directives: string[] = [], opts: { dir?: string; keepDir?: boolean } = {}): Promise<TestServer> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'dssm-test-'));
  let node: DataNode;
  let port = 0;
  // A free port can be taken between the probe and the bind; try again then.
  for (let attempt = 0; ; attempt++) {
    const probe = await freePort();
    // No save rules unless a test asks: stopping a test server should not write dump.rdb.
    const { store } = loadConfig(null, parseArgDirectives(['--port', String(probe), '--bind', '127.0.0.1', '--dir', opts.dir ?? dir, '--save', '', ...directives]));
    node = new DataNode(store);
    try {
      port = await node.start();
      break;
    } catch (err) {
      await node.shutdown({});
      if (attempt >= 5) throw err;
    }
  }
  const clients: RawClient[] = [];
  return {
    port,
    node,
    dir,
    async client() {
      const c = await RawClient.connect(port);
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) c.close();
      await node.shutdown({});
      if (!opts.keepDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A free TCP port on loopback (for child processes that need a fixed port). */
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

export async function waitForPort(port: number, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const c = await RawClient.connect(port);
      const r = await c.call('PING');
      c.close();
      if (r.t === 'simple' || (r.t === 'error' && r.v.startsWith('NOAUTH'))) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`nothing answered on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface ChildServer {
  port: number;
  proc: ChildProcess;
  dir: string;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'dssm.js');

/** Run `dssm server` as a child process (needs a build in dist/). */
export async function startDssmProcess(args: string[] = [], opts: { dir?: string; port?: number } = {}): Promise<ChildServer> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'dssm-proc-'));
  const port = opts.port ?? (await freePort());
  const proc = spawn(process.execPath, [BIN, 'server', '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  await waitForPort(port);
  return {
    port,
    proc,
    dir,
    output: () => out,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve(proc.exitCode);
        proc.once('exit', (code) => resolve(code));
        proc.kill(signal);
      }),
  };
}

let redisPath: string | null | undefined;
/** Path of redis-server, or null when it is not installed. */
export function redisServerPath(): string | null {
  if (redisPath !== undefined) return redisPath;
  const r = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  redisPath = r.status === 0 ? r.stdout.trim() : null;
  return redisPath;
}

/** Why differential tests are skipped, or false when redis-server is available. */
export function skipWithoutRedis(): string | false {
  return redisServerPath() ? false : 'redis-server is not installed (apt-get install redis-server); differential tests skipped';
}

export interface RedisServer {
  port: number;
  proc: ChildProcess;
  dir: string;
  client(): Promise<RawClient>;
  stop(): Promise<void>;
}

/** Start the reference redis-server on a free port, without persistence unless args say otherwise. */
export async function startRedis(args: string[] = []): Promise<RedisServer> {
  const path = redisServerPath();
  if (!path) throw new Error('redis-server not installed');
  const dir = mkdtempSync(join(tmpdir(), 'redis-ref-'));
  const port = await freePort();
  const proc = spawn(path, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...args], {
    stdio: 'ignore',
  });
  await waitForPort(port);
  const clients: RawClient[] = [];
  return {
    port,
    proc,
    dir,
    async client() {
      const c = await RawClient.connect(port);
      clients.push(c);
      return c;
    },
    stop: () =>
      new Promise((resolve) => {
        for (const c of clients) c.close();
        proc.once('exit', () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        proc.kill('SIGKILL');
      }),
  };
}
