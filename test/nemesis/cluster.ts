/**
 * The system under test for the nemesis: three dssm data nodes and three dssm sentinels,
 * each a child process in its own network namespace (see net.ts), every one on its
 * standard port (6379 / 26379) at its own address, as pods would be.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, createWriteStream, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { NemesisNet } from './net.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'dssm.js');
export const MASTER = 'dssm';
export const DATA_PORT = 6379;
export const SENTINEL_PORT = 26379;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Proc {
  name: string;
  kind: 'data' | 'sentinel';
  ip: string;
  port: number;
  dir: string;
  child: ChildProcess | null;
  paused: boolean;
}

export interface ClusterOptions {
  mode: 'sync' | 'async';
  downAfterMs?: number;
  /** Where each process's log goes (a directory; kept on failure for reading). */
  logDir?: string;
}

export class Cluster {
  readonly net: NemesisNet;
  readonly procs = new Map<string, Proc>();
  readonly root: string;
  private readonly logs: WriteStream[] = [];

  constructor(readonly opts: ClusterOptions) {
    this.net = NemesisNet.create(['n0', 'n1', 'n2', 's0', 's1', 's2']);
    this.root = mkdtempSync(join(tmpdir(), 'dssm-nemesis-'));
    for (const name of ['n0', 'n1', 'n2', 's0', 's1', 's2']) {
      const kind = name[0] === 'n' ? 'data' : 'sentinel';
      const dir = join(this.root, name);
      mkdirSync(dir, { recursive: true });
      this.procs.set(name, { name, kind, ip: this.net.host(name).ip, port: kind === 'data' ? DATA_PORT : SENTINEL_PORT, dir, child: null, paused: false });
    }
  }

  get dataNodes(): Proc[] {
    return [...this.procs.values()].filter((p) => p.kind === 'data');
  }
  get sentinels(): Proc[] {
    return [...this.procs.values()].filter((p) => p.kind === 'sentinel');
  }
  proc(name: string): Proc {
    return this.procs.get(name)!;
  }

  private dataArgs(p: Proc, primary: Proc | null): string[] {
    const a = ['server', '--bind', p.ip, '--port', String(p.port), '--dir', p.dir, '--appendonly', 'yes', '--save', '', '--protected-mode', 'no'];
    a.push('--repl-ping-replica-period', '1', '--repl-timeout', '5');
    if (this.opts.mode === 'sync') a.push('--sync-replicas', '1', '--sync-replicas-timeout', '2000');
    if (primary) a.push('--replicaof', primary.ip, String(primary.port));
    return a;
  }

  private sentinelArgs(p: Proc, primary: Proc): string[] {
    const conf = join(p.dir, 'sentinel.conf');
    const down = this.opts.downAfterMs ?? 1000;
    writeFileSync(
      conf,
      [
        `bind ${p.ip}`,
        `protected-mode no`,
        `port ${p.port}`,
        `dir ${JSON.stringify(p.dir)}`,
        `sentinel monitor ${MASTER} ${primary.ip} ${primary.port} 2`,
        `sentinel down-after-milliseconds ${MASTER} ${down}`,
        `sentinel failover-timeout ${MASTER} 6000`,
        `sentinel parallel-syncs ${MASTER} 1`,
        '',
      ].join('\n'),
    );
    return ['sentinel', conf];
  }

  private launch(p: Proc, args: string[]): void {
    const out = createWriteStream(join(this.opts.logDir ?? this.root, `${p.name}.log`), { flags: 'a' });
    this.logs.push(out);
    const child = this.net.spawn(p.name, process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DSSM_LOG_LEVEL: 'info' } });
    child.stdout!.pipe(out, { end: false });
    child.stderr!.pipe(out, { end: false });
    p.child = child;
    p.paused = false;
  }

  /** Start everything: n0 primary, n1/n2 its replicas, three sentinels watching n0. */
  async start(): Promise<void> {
    const primary = this.proc('n0');
    this.launch(primary, this.dataArgs(primary, null));
    await this.waitPing(primary);
    for (const n of this.dataNodes.slice(1)) this.launch(n, this.dataArgs(n, primary));
    for (const n of this.dataNodes.slice(1)) await this.until(`${n.name} linked`, async () => (await this.info(n, 'master_link_status')) === 'up', 20000);
    // Sentinels start once both replicas are linked, so their first INFO of the primary
    // lists both (they refresh it only every 10 s): faults start when every sentinel knows
    // every replica and every other sentinel.
    for (const s of this.sentinels) this.launch(s, this.sentinelArgs(s, primary));
    await this.until(
      'every sentinel knows 2 replicas and 2 other sentinels',
      async () => {
        for (const s of this.sentinels) {
          const replicas = (await this.call(s, ['SENTINEL', 'REPLICAS', MASTER])) as unknown[] | null;
          const peers = (await this.call(s, ['SENTINEL', 'SENTINELS', MASTER])) as unknown[] | null;
          if (!Array.isArray(replicas) || replicas.length < 2 || !Array.isArray(peers) || peers.length < 2) return false;
        }
        return true;
      },
      30000,
    );
  }

  alive(p: Proc): boolean {
    return p.child !== null && p.child.exitCode === null && p.child.signalCode === null;
  }

  async kill(p: Proc): Promise<void> {
    const c = p.child;
    if (!c || !this.alive(p)) return;
    if (p.paused) c.kill('SIGCONT');
    c.kill('SIGKILL');
    if (c.exitCode === null && c.signalCode === null) await new Promise((r) => c.once('exit', r));
    p.paused = false;
  }

  pause(p: Proc): void {
    if (this.alive(p) && !p.paused) {
      p.child!.kill('SIGSTOP');
      p.paused = true;
    }
  }

  resume(p: Proc): void {
    if (this.alive(p) && p.paused) {
      p.child!.kill('SIGCONT');
      p.paused = false;
    }
  }

  /**
   * Start a stopped process again. A data node joins the primary the sentinels name; if
   * they still name the node itself, it waits (up to `waitMs`) for them to fail over, as
   * `dssm up` does, then starts as a primary. `wipe` empties its data directory first.
   */
  async restart(p: Proc, o: { wipe?: boolean; waitMs?: number } = {}): Promise<void> {
    if (this.alive(p)) return;
    if (o.wipe) {
      rmSync(p.dir, { recursive: true, force: true });
      mkdirSync(p.dir, { recursive: true });
    }
    if (p.kind === 'sentinel') {
      // Its conf holds what it learned (rewritten by itself); start from it when it exists.
      const conf = join(p.dir, 'sentinel.conf');
      let args = ['sentinel', conf];
      try {
        (await import('node:fs')).statSync(conf);
      } catch {
        args = this.sentinelArgs(p, (await this.agreedPrimary()) ?? this.proc('n0'));
      }
      this.launch(p, args);
      return;
    }
    const deadline = Date.now() + (o.waitMs ?? 15000);
    let primary = await this.agreedPrimary();
    while ((primary === null || primary === p) && Date.now() < deadline) {
      await sleep(200);
      primary = await this.agreedPrimary();
    }
    this.launch(p, this.dataArgs(p, primary === p ? null : primary));
  }

  /** The data node that a majority of the sentinels name, or null. */
  async agreedPrimary(): Promise<Proc | null> {
    const votes = new Map<string, number>();
    await Promise.all(
      this.sentinels.map(async (s) => {
        const r = (await this.call(s, ['SENTINEL', 'get-master-addr-by-name', MASTER])) as string[] | null;
        if (Array.isArray(r)) votes.set(r[0]!, (votes.get(r[0]!) ?? 0) + 1);
      }),
    );
    for (const [ip, n] of votes) if (n >= 2) return this.dataNodes.find((d) => d.ip === ip) ?? null;
    return null;
  }

  /** One command on one process, null when it cannot be reached in time. */
  async call(p: Proc, argv: string[], timeoutMs = 1000): Promise<unknown> {
    const r = new Redis({
      host: p.ip,
      port: p.port,
      lazyConnect: true,
      connectTimeout: timeoutMs,
      commandTimeout: timeoutMs,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    r.on('error', () => {});
    try {
      await r.connect();
      return await r.call(argv[0]!, ...argv.slice(1));
    } catch {
      return null;
    } finally {
      r.disconnect();
    }
  }

  async info(p: Proc, field: string): Promise<string | null> {
    const text = (await this.call(p, ['INFO', 'replication'])) as string | null;
    if (typeof text !== 'string') return null;
    const m = new RegExp(`^${field}:(.*)$`, 'm').exec(text.replace(/\r/g, ''));
    return m ? m[1]! : null;
  }

  async waitPing(p: Proc, timeoutMs = 20000): Promise<void> {
    await this.until(`${p.name} answers`, async () => (await this.call(p, ['PING'])) === 'PONG', timeoutMs);
  }

  async until(what: string, cond: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await cond()) return;
      if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
      await sleep(100);
    }
  }

  /**
   * After the faults: heal the network, resume and restart everything, then wait until the
   * sentinels agree on a primary that is a primary and every other node is its replica in
   * sync (same offset), so the final read sees the settled state.
   */
  async settle(timeoutMs = 60000): Promise<Proc> {
    this.net.heal();
    for (const p of this.procs.values()) this.resume(p);
    for (const s of this.sentinels) if (!this.alive(s)) await this.restart(s);
    for (const n of this.dataNodes) if (!this.alive(n)) await this.restart(n, { waitMs: 20000 });
    const _primary: Proc | null = null;
    try {
      await this.waitSettled(timeoutMs);
    } catch (err) {
      throw new Error(`${(err as Error).message}; state: ${await this.describe()}`);
    }
    return (await this.agreedPrimary())!;
  }

  /** Each process's view, for error messages. */
  async describe(): Promise<string> {
    const parts: string[] = [];
    for (const n of this.dataNodes) {
      const f = async (k: string) => (await this.info(n, k)) ?? '?';
      parts.push(`${n.name}(${this.alive(n) ? '' : 'dead '}role=${await f('role')} master=${await f('master_host')} link=${await f('master_link_status')} off=${await f('master_repl_offset')})`);
    }
    for (const s of this.sentinels) {
      const r = (await this.call(s, ['SENTINEL', 'get-master-addr-by-name', MASTER])) as string[] | null;
      parts.push(`${s.name}(${this.alive(s) ? '' : 'dead '}→${Array.isArray(r) ? r[0] : '?'})`);
    }
    return parts.join(' ');
  }

  private async waitSettled(timeoutMs: number): Promise<void> {
    let primary: Proc | null = null;
    const nudgeAfter = Date.now() + 15000;
    await this.until(
      'the cluster settles (one primary named by the sentinels, every replica linked and caught up)',
      async () => {
        primary = await this.agreedPrimary();
        if (!primary || (await this.info(primary, 'role')) !== 'master') return false;
        const offset = await this.info(primary, 'master_repl_offset');
        for (const n of this.dataNodes) {
          if (n === primary) continue;
          if ((await this.info(n, 'master_host')) !== primary.ip) {
            // The sentinels reconfigure a node left pointing elsewhere (or a stale primary);
            // one they have not fixed after 15 s is told where to go, so a run always ends.
            if (Date.now() > nudgeAfter) await this.call(n, ['REPLICAOF', primary.ip, String(primary.port)]);
            return false;
          }
          if ((await this.info(n, 'master_link_status')) !== 'up') return false;
          if ((await this.info(n, 'slave_repl_offset')) !== offset) return false;
        }
        return true;
      },
      timeoutMs,
    );
  }

  async destroy(keep = false): Promise<void> {
    for (const p of this.procs.values()) await this.kill(p);
    for (const l of this.logs) l.end();
    this.net.destroy();
    if (!keep) rmSync(this.root, { recursive: true, force: true });
  }
}
