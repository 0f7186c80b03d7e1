/**
 * Fault-test deployments for dssm sentinel, all on loopback: dssm data nodes as child
 * processes (so they can be SIGKILLed, SIGSTOPped and restarted), optionally TLS-only,
 * three in-process dssm sentinels, and a userland TCP proxy that can blackhole a link.
 * Needs `npm run build` (the data nodes run bin/dssm.js).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSentinelConfig } from '../../src/sentinel/config.js';
import { Sentinel, type SentinelEvent } from '../../src/sentinel/server.js';
import { RawClient, plain } from '../helpers/resp.js';
import { freePort } from '../helpers/servers.js';
import { MASTER_NAME, until } from './sentinel-fixture.js';
import { makePki, tlsClient } from './tls-fixtures.js';

export { MASTER_NAME, until };

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'dssm.js');

export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

export async function makeTlsFiles(): Promise<TlsFiles & { dir: string }> {
  const pki = await makePki([]);
  return { dir: pki.dir, ca: pki.files['ca.crt']!, cert: pki.files['server.crt']!, key: pki.files['server.key']! };
}

export function tlsArgs(t: TlsFiles): string[] {
  return ['--tls-cert-file', t.cert, '--tls-key-file', t.key, '--tls-ca-cert-file', t.ca, '--tls-replication', 'yes'];
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface NodeProc {
  /** The port clients and sentinels use (the TLS port for TLS-only nodes). */
  port: number;
  proc: ChildProcess;
  dir: string;
  args: string[];
  alive(): boolean;
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Start again with the same port and arguments (plus extra, minus replicaof when fresh). */
  restart(args?: string[]): Promise<void>;
  client(): Promise<RawClient>;
  call(...args: string[]): Promise<unknown>;
}

async function waitExit(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  await new Promise<void>((r) => p.once('exit', () => r()));
}

async function connect(port: number, tls: TlsFiles | null): Promise<RawClient> {
  if (!tls) return RawClient.connect(port);
  const fs = await import('node:fs');
  return tlsClient(port, { ca: fs.readFileSync(tls.ca), cert: fs.readFileSync(tls.cert), key: fs.readFileSync(tls.key) });
}

/** A dssm data node as a child process; TLS-only (`--port 0 --tls-port`) when tls is given. */
export async function startNode(extra: string[], tls: TlsFiles | null, dir?: string, fixedPort?: number): Promise<NodeProc> {
  const port = fixedPort ?? (await freePort());
  const d = dir ?? mkdtempSync(join(tmpdir(), 'dssm-fault-'));
  const base = tls ? ['--port', '0', '--tls-port', String(port), ...tlsArgs(tls), '--replica-announce-port', String(port)] : ['--port', String(port)];
  const spawnIt = (args: string[]) =>
    spawn(process.execPath, [BIN, 'server', '--bind', '127.0.0.1', '--dir', d, '--save', '', '--appendonly', 'no', ...base, ...args], {
      stdio: 'ignore',
      env: { ...process.env, DSSM_LOG_LEVEL: 'warn' },
    });
  const n: NodeProc = {
    port,
    dir: d,
    args: extra,
    proc: spawnIt(extra),
    alive: () => n.proc.exitCode === null && n.proc.signalCode === null,
    async kill(signal = 'SIGKILL') {
      if (!n.alive()) return;
      if (signal === 'SIGSTOP' || signal === 'SIGCONT') {
        n.proc.kill(signal);
        return;
      }
      n.proc.kill(signal);
      await waitExit(n.proc);
    },
    async restart(args = extra) {
      n.args = args;
      n.proc = spawnIt(args);
      await waitReady(port, tls);
    },
    client: () => connect(port, tls),
    async call(...args: string[]) {
      const c = await connect(port, tls);
      try {
        return plain(await c.call(...args));
      } finally {
        c.close();
      }
    },
  };
  await waitReady(port, tls);
  return n;
}

async function waitReady(port: number, tls: TlsFiles | null, timeoutMs = 20000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      const c = await connect(port, tls);
      const r = await c.call('PING');
      c.close();
      if (r.t === 'simple') return;
    } catch {
      /* not yet */
    }
    if (performance.now() > deadline) throw new Error(`data node on ${port} did not start`);
    await sleep(50);
  }
}

/** INFO field of a node (null when unreachable). */
export async function infoField(n: NodeProc, field: string): Promise<string | null> {
  try {
    const text = String(await n.call('INFO', 'replication'));
    const m = new RegExp(`^${field}:(.*)$`, 'm').exec(text.replace(/\r/g, ''));
    return m ? m[1]! : null;
  } catch {
    return null;
  }
}

export interface Group {
  nodes: NodeProc[];
  tls: (TlsFiles & { dir: string }) | null;
  stop(): Promise<void>;
}

/** One primary and `replicas` replicas (dssm, child processes); `primaryVia` replaces the primary's port in --replicaof. */
export async function startGroup(o: { replicas?: number; tls?: boolean; extra?: string[]; primaryVia?: (port: number) => Promise<number> } = {}): Promise<Group & { replicaOfPort: number }> {
  const tls = o.tls ? await makeTlsFiles() : null;
  const extra = o.extra ?? [];
  const primary = await startNode(extra, tls);
  const via = o.primaryVia ? await o.primaryVia(primary.port) : primary.port;
  const nodes = [primary];
  for (let i = 0; i < (o.replicas ?? 2); i++) nodes.push(await startNode([...extra, '--replicaof', '127.0.0.1', String(via)], tls));
  for (const r of nodes.slice(1)) await until('replica link up', async () => (await infoField(r, 'master_link_status')) === 'up', 20000);
  return { ...groupOf(nodes, tls), replicaOfPort: via };
}

/** A Group over nodes started by hand (stop() kills them and removes their directories). */
export function groupOf(nodes: NodeProc[], tls: (TlsFiles & { dir: string }) | null = null): Group {
  return {
    nodes,
    tls,
    async stop() {
      for (const n of nodes) {
        if (n.alive()) {
          n.proc.kill('SIGCONT');
          await n.kill('SIGKILL');
        }
        rmSync(n.dir, { recursive: true, force: true });
      }
      if (tls) rmSync(tls.dir, { recursive: true, force: true });
    },
  };
}

export interface SentinelGroup {
  sentinels: Sentinel[];
  /** Every event of every sentinel, in order: [sentinel index, event]. */
  events: [number, SentinelEvent][];
  ports: number[];
  stop(): Promise<void>;
  /** Wait for an event (type, optional message filter) after index `from` of `events`. */
  waitEvent(type: string, from?: number, timeoutMs?: number, match?: (e: SentinelEvent, i: number) => boolean): Promise<[number, SentinelEvent]>;
  masterAddr(i?: number): Promise<number>;
}

/** Three (n) in-process dssm sentinels monitoring 127.0.0.1:masterPort. */
export async function startSentinels(
  masterPort: number,
  o: { n?: number; tls?: TlsFiles | null; downAfter?: number; failoverTimeout?: number; quorum?: number; links?: LinkNet } = {},
): Promise<SentinelGroup> {
  const sentinels: Sentinel[] = [];
  const events: [number, SentinelEvent][] = [];
  const n = o.n ?? 3;
  for (let i = 0; i < n; i++) {
    const port = await freePort();
    const args = ['--bind', '127.0.0.1'];
    if (o.tls) args.push('--port', '0', '--tls-port', String(port), ...tlsArgs(o.tls));
    else args.push('--port', String(port));
    args.push('--sentinel', 'monitor', MASTER_NAME, '127.0.0.1', String(masterPort), String(o.quorum ?? 2));
    args.push('--sentinel', 'down-after-milliseconds', MASTER_NAME, String(o.downAfter ?? 1000));
    args.push('--sentinel', 'failover-timeout', MASTER_NAME, String(o.failoverTimeout ?? 3000));
    if (o.links) {
      // Reached through its proxy; its outgoing links come from its own loopback address.
      const proxy = await o.links.add(`s${i}`, port);
      args.push('--bind-source-addr', o.links.sentinelSource(i));
      args.push('--sentinel', 'announce-ip', '127.0.0.1', '--sentinel', 'announce-port', String(proxy));
    }
    const s = new Sentinel(loadSentinelConfig(null, args));
    const idx = i;
    s.on('sentinel-event', (e: SentinelEvent) => events.push([idx, e]));
    await s.start();
    sentinels.push(s);
  }
  const g: SentinelGroup = {
    sentinels,
    events,
    ports: sentinels.map((s) => s.port),
    async stop() {
      for (const s of sentinels) await s.stop();
    },
    async waitEvent(type, from = 0, timeoutMs = 20000, match) {
      try {
        return await until(`sentinel event ${type}`, async () => events.slice(from).find(([i, e]) => e.type === type && (!match || match(e, i))) ?? null, timeoutMs, 20);
      } catch (err) {
        // Show what happened instead (the test fails anyway).
        process.stderr.write(
          events
            .slice(from)
            .map(([i, e]) => `sentinel ${i}: ${e.type} ${e.message}`)
            .join('\n') + '\n',
        );
        throw err;
      }
    },
    async masterAddr(i = 0) {
      const s = sentinels[i]!;
      const m = s.masters.get(MASTER_NAME)!;
      return m.port;
    },
  };
  // Discovery: every sentinel knows the replicas and the other sentinels.
  await until(
    'sentinel discovery',
    async () =>
      sentinels.every((s) => {
        const m = s.masters.get(MASTER_NAME)!;
        return m.sentinels.size >= n - 1 && m.slaves.size >= 1;
      }),
    20000,
  );
  return g;
}

/** A userland TCP proxy to 127.0.0.1:target; `blackhole(true)` stops forwarding (both ways) without closing. */
export interface Proxy {
  port: number;
  target: number;
  blackhole(on: boolean): void;
  /** Reset every open connection (new ones are still accepted). */
  dropAll(): void;
  close(): Promise<void>;
}

export async function startProxy(target: number): Promise<Proxy> {
  let holed = false;
  const pairs = new Set<[net.Socket, net.Socket]>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: target });
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (d) => {
      if (!holed) upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (!holed) client.write(d);
    });
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    target,
    blackhole(on) {
      holed = on;
    },
    dropAll() {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      pairs.clear();
    },
    async close() {
      this.dropAll();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * A writer that counts acknowledged writes: SET <prefix>:<i> <i> in a loop through `write`,
 * keeping the indexes whose write was acknowledged (OK). `missing(node)` lists acknowledged
 * ones absent from a node. Use one prefix per checker when several run on one deployment.
 */
export class AckChecker {
  acked: number[] = [];
  failed = 0;
  private i = 0;
  private running = false;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly write: (key: string, value: string) => Promise<unknown>,
    private readonly prefix = 'w',
  ) {}

  start(pauseMs = 5): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const i = this.i++;
        try {
          const r = await this.write(`${this.prefix}:${i}`, String(i));
          if (r === 'OK') this.acked.push(i);
          else this.failed++;
        } catch {
          this.failed++;
          await sleep(20);
        }
        await sleep(pauseMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** Acknowledged indexes not present on `node` (checked with MGET in batches). */
  async missing(n: NodeProc): Promise<number[]> {
    const out: number[] = [];
    const c = await n.client();
    try {
      for (let k = 0; k < this.acked.length; k += 500) {
        const batch = this.acked.slice(k, k + 500);
        const r = plain(await c.call('MGET', ...batch.map((i) => `${this.prefix}:${i}`))) as (string | null)[];
        batch.forEach((i, j) => {
          if (r[j] !== String(i)) out.push(i);
        });
      }
    } finally {
      c.close();
    }
    return out;
  }
}

/** `args` with its --replicaof replaced: by `port` on 127.0.0.1, or removed (null). */
export function withReplicaOf(args: string[], port: number | null): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--replicaof') {
      i += 2;
      continue;
    }
    out.push(args[i]!);
  }
  if (port !== null) out.push('--replicaof', '127.0.0.1', String(port));
  return out;
}

/** SET through a raw connection as the checker's write: 'OK', or the error text. */
export function rawWriter(c: RawClient): (k: string, v: string) => Promise<string | null> {
  return async (k, v) => {
    const r = await c.call('SET', k, v);
    return r.t === 'simple' || r.t === 'error' ? r.v : null;
  };
}

/** The node serving as primary according to the sentinels' view. */
export async function currentPrimary(g: Group, sg: SentinelGroup, i = 0): Promise<NodeProc | undefined> {
  const port = await sg.masterAddr(i);
  return g.nodes.find((n) => n.port === port);
}

/**
 * A userland network for partitions, on loopback: every process is reached through its own
 * proxy (its announced address: `replica-announce-port` for data nodes, `sentinel
 * announce-port` for sentinels), and the proxies tell callers apart by source address:
 * sentinel i connects from 127.0.0.(11+i) (`bind-source-addr`), data nodes from 127.0.0.1.
 * `partition(side)` cuts every link between the named processes and the others: a cut link
 * forwards nothing (existing connections go silent, new ones are held without reaching the
 * target), as when packets are dropped. `heal()` resets the connections that lost bytes and
 * forwards again. Clients that connect to a node's own port are not affected.
 *
 * Data nodes share one source address, so a data node's outgoing links count as coming from
 * the side `dataSource` names (the replicas' side by default): a partitioned primary does not
 * open links of its own, replicas do.
 */
export class LinkNet {
  private readonly proxies = new Map<string, GuardedProxy>();
  private side: Set<string> | null = null;

  sentinelSource(i: number): string {
    return `127.0.0.${11 + i}`;
  }

  /** Name of the process connecting from `addr`; data nodes all come from `dataSource`. */
  private nameOf(addr: string, dataSource: string): string {
    const m = /^(?:::ffff:)?127\.0\.0\.(\d+)$/.exec(addr);
    const last = m ? Number(m[1]) : 1;
    return last >= 11 ? `s${last - 11}` : dataSource;
  }

  /** Put a proxy in front of 127.0.0.1:target for the process `name`; returns the proxy's port. */
  async add(name: string, target: number): Promise<number> {
    const px = await startGuardedProxy(target, (from) => this.blocked(name, from));
    this.proxies.set(name, px);
    return px.port;
  }

  portOf(name: string): number {
    return this.proxies.get(name)!.port;
  }

  private dataSide = '';

  private blocked(to: string, fromAddr: string): boolean {
    if (!this.side) return false;
    const from = this.nameOf(fromAddr, this.dataSide);
    return this.side.has(from) !== this.side.has(to);
  }

  /** Cut `side` (process names) off from everything else. */
  partition(side: string[], dataSource: string): void {
    this.side = new Set(side);
    this.dataSide = dataSource;
    for (const p of this.proxies.values()) p.recheck();
  }

  heal(): void {
    this.side = null;
    for (const p of this.proxies.values()) p.recheck();
  }

  async close(): Promise<void> {
    for (const p of this.proxies.values()) await p.close();
  }
}

interface GuardedProxy {
  port: number;
  /** Apply the current rule to open connections (cut ones go silent, healed ones reset). */
  recheck(): void;
  close(): Promise<void>;
}

/** A TCP proxy to 127.0.0.1:target that forwards a connection only while `isBlocked(source)` is false. */
async function startGuardedProxy(target: number, isBlocked: (from: string) => boolean): Promise<GuardedProxy> {
  interface Conn {
    client: net.Socket;
    upstream: net.Socket | null;
    from: string;
    /** Bytes were dropped: the stream is broken and must be reset once forwarding resumes. */
    lost: boolean;
    end(): void;
  }
  const conns = new Set<Conn>();
  const open = (c: Conn) => {
    const up = net.connect({ host: '127.0.0.1', port: target });
    c.upstream = up;
    up.on('data', (d) => {
      if (isBlocked(c.from)) c.lost = true;
      else c.client.write(d);
    });
    up.on('error', c.end);
    up.on('close', c.end);
  };
  const server = net.createServer((client) => {
    const c: Conn = {
      client,
      upstream: null,
      from: client.remoteAddress ?? '',
      lost: false,
      end() {
        conns.delete(c);
        client.destroy();
        c.upstream?.destroy();
      },
    };
    conns.add(c);
    client.on('data', (d) => {
      if (isBlocked(c.from) || !c.upstream) c.lost = true;
      else c.upstream.write(d);
    });
    client.on('error', c.end);
    client.on('close', c.end);
    // A caller cut off at connect time is held: the target never sees the connection.
    if (!isBlocked(c.from)) open(c);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    recheck() {
      for (const c of [...conns]) {
        if (isBlocked(c.from)) continue;
        if (c.lost || !c.upstream) c.end();
      }
    },
    async close() {
      for (const c of [...conns]) c.end();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
