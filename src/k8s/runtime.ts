/**
 * What runs inside a dssm pod: `dssm k8s start` (the container's command), `dssm k8s probe`
 * (readiness and liveness) and `dssm k8s prestop` (the data pods' preStop hook). Each reads
 * the release's runtime.json (ConfigMap <release>-config) and the pod's POD_NAME and POD_IP
 * (downward API).
 *
 * start, data node: the first role comes from the sentinels (SENTINEL get-master-addr-by-name
 * on every sentinel pod); if none answers (first install, or all sentinels restarting), from
 * the data pods themselves (one reporting role master); else pod 0 is the primary and the
 * others replicate from it. The node binds the pod IP and announces its pod FQDN
 * (replica-announce-ip), which survives a restart where the pod IP does not.
 * start, sentinel: /data/sentinel.conf (an emptyDir, so a container restart keeps the
 * sentinel's rewritten state) is created on the pod's first start from the ConfigMap's
 * sentinel.conf, monitoring the primary the other sentinels name, or the data pod reporting
 * role master, or pod 0. The sentinel announces its pod FQDN (announce-ip + announce-hostnames).
 *
 * Probes mean something: a replica is ready once its link to the primary is up and the
 * initial sync is over (so a rolling update waits for it before restarting the next pod); a
 * primary when it answers INFO; a sentinel when it names the primary. Live: the process
 * answers PING (LOADING counts: a large AOF takes time to load).
 *
 * prestop: on the pod the sentinels name as primary, the lossless switchover of
 * `dssm failover` (src/deploy/switchover.ts): writes held, the best replica catches up, the
 * sentinels switch; so a rolling update or a voluntary eviction loses no acknowledged write.
 */
import { appendFileSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { call, infoMap, ReplyError, sameAddr, sleep, useClientTls, type Addr, type LinkOptions } from '../deploy/link.js';
import { primaryFromSentinels } from '../deploy/topology.js';
import { switchover } from '../deploy/switchover.js';
import type { Target } from '../deploy/deployment.js';
import { channels } from '../observe/events.js';
import { podFqdn, type RuntimeConfig } from './render.js';

export type Role = 'db' | 'sentinel' | 'ephemeral';

export function readRuntime(file: string): RuntimeConfig {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RuntimeConfig;
  } catch (e) {
    throw new Error(`cannot read the runtime configuration ${file}: ${(e as Error).message}`);
  }
}

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (the pod spec sets it from the downward API)`);
  return v;
}

/** Everything a pod-side command needs: the pod's identity and links to its peers. */
export class PodContext {
  readonly pod: string;
  readonly link: LinkOptions;

  constructor(
    readonly r: RuntimeConfig,
    readonly role: Role,
  ) {
    this.pod = env('POD_NAME');
    if (r.tls) useClientTls({ ca: r.tls.ca, cert: r.tls.cert, key: r.tls.key });
    this.link = { tls: r.tls ? { ca: r.tls.ca, cert: r.tls.cert, key: r.tls.key } : null, timeoutMs: 2000 };
  }

  /** This pod's stable name. */
  get me(): Addr {
    if (this.role === 'sentinel') return { host: podFqdn(this.pod, this.r.sentinel!.service, this.r), port: this.r.sentinel!.port };
    return { host: podFqdn(this.pod, this.r.db.service, this.r), port: this.r.db.port };
  }

  dataPods(): Addr[] {
    return Array.from({ length: this.r.db.replicas }, (_, i) => ({ host: podFqdn(`${this.r.db.statefulSet}-${i}`, this.r.db.service, this.r), port: this.r.db.port }));
  }

  sentinelPods(): Addr[] {
    const s = this.r.sentinel;
    if (!s) return [];
    return Array.from({ length: s.replicas }, (_, i) => ({ host: podFqdn(`${s.statefulSet}-${i}`, s.service, this.r), port: s.port }));
  }

  /** The primary the sentinels name (majority of those answering), or null if none answers. */
  async primaryFromSentinels(exclude?: Addr): Promise<Addr | null> {
    const sentinels = this.sentinelPods().filter((a) => !sameAddr(a, exclude));
    if (sentinels.length === 0) return null;
    return (await primaryFromSentinels(sentinels, this.r.masterName, this.link)).primary;
  }

  /** A data pod (other than this one) that reports role master. */
  async primaryFromDataPods(exclude?: Addr): Promise<Addr | null> {
    const infos = await Promise.all(
      this.dataPods()
        .filter((a) => !sameAddr(a, exclude))
        .map(async (a) => ({ a, info: infoMap(await call(a, this.link, 'INFO', 'replication').catch(() => null)) })),
    );
    return infos.find((x) => x.info.get('role') === 'master')?.a ?? null;
  }
}

/** Copy dssm's JSON log lines to a file as well (the fluent-bit sidecar tails it). */
function teeLogsTo(file: string): void {
  const MAX = 64 * 1024 * 1024;
  let size = existsSync(file) ? statSync(file).size : 0;
  const write = (obj: Record<string, unknown>) => {
    const line = JSON.stringify({ time: new Date().toISOString(), pid: process.pid, ...obj }) + '\n';
    if (size + line.length > MAX) {
      renameSync(file, file + '.1');
      size = 0;
    }
    appendFileSync(file, line);
    size += line.length;
  };
  channels.log.subscribe((m) => {
    try {
      write(m as Record<string, unknown>);
    } catch {
      /* a full log volume must not stop the store */
    }
  });
  channels.listening.subscribe((m) => write({ level: 'info', msg: 'listening', ...(m as object) }));
}

/** The arguments of `dssm server` for a data pod, deciding its first role. */
export async function dataNodeArgs(ctx: PodContext, log: (s: string) => void): Promise<string[]> {
  const r = ctx.r;
  const ip = env('POD_IP');
  const args = [r.serverConf, '--bind', ip, '--replica-announce-ip', ctx.me.host];
  if (r.metrics) args.push('--metrics-bind', ip);
  if (ctx.role === 'ephemeral') return args;
  let primary = await ctx.primaryFromSentinels();
  let why = 'the sentinels name it';
  if (!primary) {
    primary = await ctx.primaryFromDataPods(ctx.me);
    why = 'no sentinel answered; that data pod reports role master';
  }
  if (!primary) {
    const ordinal = Number(/-(\d+)$/.exec(ctx.pod)?.[1] ?? '0');
    primary = ordinal === 0 ? ctx.me : ctx.dataPods()[0]!;
    why = 'no sentinel answered and no data pod is primary: pod 0 starts as primary';
  }
  if (sameAddr(primary, ctx.me)) log(`starting as primary (${why})`);
  else {
    log(`starting as a replica of ${primary.host}:${primary.port} (${why})`);
    args.push('--replicaof', primary.host, String(primary.port));
  }
  return args;
}

/** The arguments of `dssm sentinel`, writing /data/sentinel.conf on the pod's first start. */
export async function sentinelArgs(ctx: PodContext, log: (s: string) => void): Promise<string[]> {
  const r = ctx.r;
  const ip = env('POD_IP');
  const conf = join(r.dataDir, 'sentinel.conf');
  if (!existsSync(conf)) {
    let text = readFileSync(r.sentinelConf!, 'utf8');
    const primary = (await ctx.primaryFromSentinels(ctx.me)) ?? (await ctx.primaryFromDataPods());
    if (primary) {
      text = text.replace(/^sentinel monitor (\S+) \S+ \d+ (\d+)$/m, `sentinel monitor $1 ${primary.host} ${primary.port} $2`);
      log(`first start: monitoring ${primary.host}:${primary.port}, the primary the ${'other sentinels or data pods'} name`);
    } else log('first start: no sentinel or data pod answered; monitoring pod 0');
    writeFileSync(conf, text, { mode: 0o640 });
  }
  const args = [conf, '--bind', ip, '--sentinel', 'announce-ip', ctx.me.host];
  if (r.metrics) args.push('--metrics-bind', ip);
  return args;
}

/** `dssm k8s start`: decide the role's arguments, then run it in this process. */
export async function start(role: Role, configFile: string): Promise<void> {
  const r = readRuntime(configFile);
  const ctx = new PodContext(r, role);
  const say = (s: string) => process.stdout.write(JSON.stringify({ level: 30, time: new Date().toISOString(), name: 'dssm-k8s', pod: ctx.pod, msg: s }) + '\n');
  if (r.logFile) teeLogsTo(r.logFile);
  if (role === 'sentinel') {
    const args = await sentinelArgs(ctx, say);
    const { runSentinel } = await import('../cli/sentinel.js');
    await runSentinel(args);
  } else {
    const args = await dataNodeArgs(ctx, say);
    const { runServer } = await import('../cli/server.js');
    await runServer(args);
  }
}

export interface ProbeResult {
  ok: boolean;
  detail: string;
}

/** A probe: readiness or liveness of this pod's process. */
export async function probe(kind: 'ready' | 'live', role: Role, configFile: string): Promise<ProbeResult> {
  const ctx = new PodContext(readRuntime(configFile), role);
  const me = ctx.me;
  const answer = async (...cmd: string[]) => call(me, ctx.link, ...cmd).catch((e: Error) => e);
  if (kind === 'live' || role === 'ephemeral') {
    const r = await answer('PING');
    if (r === 'PONG') return { ok: true, detail: 'PONG' };
    // LOADING: alive, loading its data. NOAUTH: an ephemeral store without a default user answers.
    if (r instanceof ReplyError && /^(LOADING|NOAUTH)/.test(r.message)) return { ok: true, detail: r.message };
    return { ok: false, detail: `PING: ${r instanceof Error ? r.message : String(r)}` };
  }
  if (role === 'sentinel') {
    const r = await answer('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', ctx.r.masterName);
    if (Array.isArray(r) && r.length === 2) return { ok: true, detail: `primary ${String(r[0])}:${String(r[1])}` };
    return { ok: false, detail: `no primary known for ${ctx.r.masterName}: ${r instanceof Error ? r.message : JSON.stringify(r)}` };
  }
  const r = await answer('INFO', 'replication');
  if (r instanceof Error) return { ok: false, detail: `INFO: ${r.message}` };
  const info = infoMap(r);
  if (info.get('role') === 'master') return { ok: true, detail: `primary, ${info.get('connected_slaves')} replicas` };
  const link = info.get('master_link_status');
  const syncing = info.get('master_sync_in_progress');
  if (link === 'up' && syncing === '0') return { ok: true, detail: `replica of ${info.get('master_host')}:${info.get('master_port')}, link up` };
  return { ok: false, detail: `replica of ${info.get('master_host')}:${info.get('master_port')}: link ${link}, sync in progress ${syncing}` };
}

/**
 * The data pods' preStop hook: if this pod is the primary, switch over to the best replica
 * without losing an acknowledged write; a replica has nothing to hand over.
 */
export async function preStop(configFile: string, log: (s: string) => void): Promise<boolean> {
  const r = readRuntime(configFile);
  if (r.mode !== 'persistent') return true;
  const ctx = new PodContext(r, 'db');
  const target: Target = { sentinels: ctx.sentinelPods(), masterName: r.masterName, link: ctx.link, sentinelLink: ctx.link, source: 'k8s', metrics: null };
  for (let attempt = 1; attempt <= 3; attempt++) {
    const primary = await ctx.primaryFromSentinels();
    if (!primary) {
      log('no sentinel answered: nothing to hand over');
      return false;
    }
    if (!sameAddr(primary, ctx.me)) {
      log(`this pod is a replica (primary ${primary.host}:${primary.port}): nothing to hand over`);
      return true;
    }
    try {
      const res = await switchover(target, { timeoutMs: 5000, settleMs: 30_000, log });
      log(`switched over ${res.from} → ${res.to} (writes held ${res.switchMs.toFixed(0)} ms)`);
      return true;
    } catch (e) {
      log(`switchover attempt ${attempt} failed: ${(e as Error).message}`);
      await sleep(1000);
    }
  }
  return false;
}
