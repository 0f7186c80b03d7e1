/**
 * The on-disk layout of a `dssm up` deployment and what the operator commands need to reach
 * one:
 *
 *   <dir>/up.json                 ports (metrics too), master name, TLS on/off (a second run reuses them)
 *   <dir>/tls/                    dssm-ca.crt/.key, dssm-cert.crt, dssm-key.key, client.crt/.key
 *   <dir>/node-<i>/               data node i (AOF, RDB)
 *   <dir>/sentinel-<i>/sentinel.conf   rewritten by the sentinel (current primary, epochs)
 *   <dir>/logs/<name>.log         child output
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createCA, createClientCert, createServerCert } from '../security/pki.js';
import { loadSentinelConfig } from '../sentinel/config.js';
import { parseAddr, useClientTls, type Addr, type LinkOptions, type TlsFiles } from './link.js';

export const DEFAULT_DIR = './.dssm';
export const DEFAULT_MASTER_NAME = 'dssm';

export interface UpSettings {
  version: 1;
  basePort: number;
  sentinelPort: number;
  masterName: string;
  /** TLS on the data nodes (and replication). */
  tls: boolean;
  /** TLS on the sentinels' listeners too (needs a sentinel with tls-port). */
  sentinelTls: boolean;
  syncReplicas: number;
  downAfterMs: number;
  /**
   * First Prometheus /metrics port: data node i on metricsPort + i, sentinel i on
   * metricsPort + 10 + i (see metricsPorts). 0 = off. Absent in up.json files written
   * before metrics existed: the default then applies.
   */
  metricsPort?: number;
}

export const DEFAULT_METRICS_PORT = 9121;
/** Sentinel i serves /metrics on the metrics base + SENTINEL_METRICS_OFFSET + i (9131...). */
export const SENTINEL_METRICS_OFFSET = 10;

/** The /metrics ports of a deployment, or null when metrics are off. */
export function metricsPorts(s: Pick<UpSettings, 'metricsPort'>): { dataNodes: number[]; sentinels: number[] } | null {
  const base = s.metricsPort ?? DEFAULT_METRICS_PORT;
  if (base === 0) return null;
  return { dataNodes: [0, 1, 2].map((i) => base + i), sentinels: [0, 1, 2].map((i) => base + SENTINEL_METRICS_OFFSET + i) };
}

export interface Layout {
  dir: string;
  settingsFile: string;
  tlsDir: string;
  tls: { ca: string; caKey: string; cert: string; key: string; clientCert: string; clientKey: string };
  nodeDir(i: number): string;
  sentinelDir(i: number): string;
  sentinelConf(i: number): string;
  log(name: string): string;
}

export function layout(dirArg: string): Layout {
  const dir = resolve(dirArg);
  const tlsDir = join(dir, 'tls');
  return {
    dir,
    settingsFile: join(dir, 'up.json'),
    tlsDir,
    tls: {
      ca: join(tlsDir, 'dssm-ca.crt'),
      caKey: join(tlsDir, 'dssm-ca.key'),
      cert: join(tlsDir, 'dssm-cert.crt'),
      key: join(tlsDir, 'dssm-key.key'),
      clientCert: join(tlsDir, 'client.crt'),
      clientKey: join(tlsDir, 'client.key'),
    },
    nodeDir: (i) => join(dir, `node-${i}`),
    sentinelDir: (i) => join(dir, `sentinel-${i}`),
    sentinelConf: (i) => join(dir, `sentinel-${i}`, 'sentinel.conf'),
    log: (name) => join(dir, 'logs', `${name}.log`),
  };
}

export function readSettings(l: Layout): UpSettings | null {
  if (!existsSync(l.settingsFile)) return null;
  try {
    return JSON.parse(readFileSync(l.settingsFile, 'utf8')) as UpSettings;
  } catch {
    return null;
  }
}

export function writeSettings(l: Layout, s: UpSettings): void {
  mkdirSync(l.dir, { recursive: true });
  writeFileSync(l.settingsFile, JSON.stringify(s, null, 2) + '\n');
}

/** Create the CA, server and client certificates on first run; keep existing ones. */
export async function ensureCertificates(l: Layout): Promise<boolean> {
  const t = l.tls;
  if ([t.ca, t.cert, t.key, t.clientCert, t.clientKey].every((f) => existsSync(f))) return false;
  mkdirSync(l.tlsDir, { recursive: true, mode: 0o700 });
  const ca = await createCA({ commonName: 'dssm up CA', days: 3650 });
  const server = await createServerCert(ca, { dns: ['localhost'], ips: ['127.0.0.1', '::1'], commonName: 'localhost', days: 825 });
  const client = await createClientCert(ca, 'dssm-client', { days: 825 });
  writeFileSync(t.ca, ca.cert, { mode: 0o644 });
  writeFileSync(t.caKey, ca.key, { mode: 0o600 });
  writeFileSync(t.cert, server.cert, { mode: 0o644 });
  writeFileSync(t.key, server.key, { mode: 0o600 });
  writeFileSync(t.clientCert, client.cert, { mode: 0o644 });
  writeFileSync(t.clientKey, client.key, { mode: 0o600 });
  return true;
}

/** Whether `dssm sentinel` understands tls-port (a TLS listener) in this build. */
export function sentinelTlsSupported(): boolean {
  try {
    const cfg = loadSentinelConfig(null, ['--tls-port', '1']) as unknown as { tlsPort?: number };
    return cfg.tlsPort === 1;
  } catch {
    return false;
  }
}

/**
 * The primary recorded in the sentinels' rewritten configs (the one with the highest
 * config epoch), so a second run starts the primary the sentinels last agreed on.
 */
export function primaryFromSentinelConfs(l: Layout, masterName: string): Addr | null {
  let best: { addr: Addr; epoch: number } | null = null;
  for (let i = 0; i < 3; i++) {
    const f = l.sentinelConf(i);
    if (!existsSync(f)) continue;
    try {
      const m = loadSentinelConfig(f).masters.find((x) => x.name === masterName);
      if (m && (!best || m.configEpoch > best.epoch)) best = { addr: { host: m.host, port: m.port }, epoch: m.configEpoch };
    } catch {
      /* unreadable: ignore */
    }
  }
  return best?.addr ?? null;
}

/** Options shared by `dssm status` and `dssm failover` to reach a deployment. */
export interface TargetOptions {
  sentinel?: string[];
  masterName?: string;
  dir?: string;
  tls?: boolean;
  cacert?: string;
  cert?: string;
  key?: string;
  timeout?: string;
  /** false: the sentinels listen on plain TCP although the data nodes use TLS. */
  sentinelTls?: boolean;
}

export interface Target {
  sentinels: Addr[];
  masterName: string;
  /** Links to the data nodes. */
  link: LinkOptions;
  /** Links to the sentinels. */
  sentinelLink: LinkOptions;
  /** Where the settings came from (for messages). */
  source: string;
  /** The `dssm up` deployment's /metrics URLs by process address (null: not a `dssm up` one, or metrics off). */
  metrics: Record<string, string> | null;
}

/**
 * Sentinel addresses and TLS from the flags; without --sentinel, from the deployment that
 * `dssm up` runs in --dir (default ./.dssm) when there is one, else 127.0.0.1:26379.
 */
export function resolveTarget(o: TargetOptions): Target {
  const l = layout(o.dir ?? DEFAULT_DIR);
  const s = readSettings(l);
  let sentinels: Addr[];
  let masterName = o.masterName;
  let tls: TlsFiles | null = null;
  let source = 'flags';
  if (o.sentinel && o.sentinel.length > 0) {
    sentinels = o.sentinel.map((x) => parseAddr(x, 26379));
  } else if (s) {
    sentinels = [0, 1, 2].map((i) => ({ host: '127.0.0.1', port: s.sentinelPort + i }));
    masterName ??= s.masterName;
    source = l.settingsFile;
  } else {
    sentinels = [{ host: '127.0.0.1', port: 26379 }];
  }
  if (o.tls || o.cacert) {
    if (!o.cacert && !s?.tls) throw new Error('--tls needs --cacert (and --cert/--key when the servers require client certificates)');
    tls = o.cacert ? { ca: o.cacert, cert: o.cert, key: o.key } : { ca: l.tls.ca, cert: l.tls.clientCert, key: l.tls.clientKey };
  } else if (s?.tls && source !== 'flags') {
    tls = { ca: l.tls.ca, cert: l.tls.clientCert, key: l.tls.clientKey };
  }
  if (tls) useClientTls(tls);
  const sentinelTls = tls !== null && o.sentinelTls !== false && (source === 'flags' || s?.sentinelTls !== false);
  const timeoutMs = Number(o.timeout ?? 2000) || 2000;
  let metrics: Record<string, string> | null = null;
  const mp = s && source !== 'flags' ? metricsPorts(s) : null;
  if (s && mp) {
    metrics = {};
    for (let i = 0; i < 3; i++) {
      metrics[`127.0.0.1:${s.basePort + i}`] = `http://127.0.0.1:${mp.dataNodes[i]}/metrics`;
      metrics[`127.0.0.1:${s.sentinelPort + i}`] = `http://127.0.0.1:${mp.sentinels[i]}/metrics`;
    }
  }
  return { sentinels, masterName: masterName ?? DEFAULT_MASTER_NAME, link: { tls, timeoutMs }, sentinelLink: { tls: sentinelTls ? tls : null, timeoutMs }, source, metrics };
}
