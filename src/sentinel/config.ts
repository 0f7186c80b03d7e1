/**
 * sentinel.conf, read and rewritten as redis-sentinel does. The file holds both what the
 * operator wrote (`sentinel monitor`, timeouts, ...) and the state the sentinel learns
 * (`sentinel known-replica`, `known-sentinel`, epochs, `myid`), so a restarted sentinel
 * resumes where it stopped. Rewrites are atomic: write a temporary file, fsync, rename.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, parseArgDirectives, parseConfigText, type ConfigLine } from '../config/load.js';
import { findDirective } from '../config/schema.js';
import { ConfigStore } from '../config/store.js';
// Registers the tls-* directives (the same names and checks as a data node's).
import '../security/tls.js';
import { DEFAULT_DOWN_AFTER, DEFAULT_FAILOVER_TIMEOUT, DEFAULT_PARALLEL_SYNCS } from './state.js';

export interface MasterConfig {
  name: string;
  host: string;
  port: number;
  quorum: number;
  downAfter: number;
  failoverTimeout: number;
  parallelSyncs: number;
  authPass: string | null;
  authUser: string | null;
  notificationScript: string | null;
  clientReconfigScript: string | null;
  configEpoch: number;
  leaderEpoch: number;
  knownReplicas: { host: string; port: number }[];
  knownSentinels: { host: string; port: number; runid: string }[];
  renameCommands: [string, string][];
}

export interface SentinelConfig {
  /** The file state is persisted to; null runs without persistence (tests, embedding). */
  file: string | null;
  port: number;
  bind: string[];
  myid: string | null;
  currentEpoch: number;
  announceIp: string | null;
  announcePort: number;
  /** bind-source-addr: the local address of outgoing links (data nodes, other sentinels); null lets the OS choose. */
  bindSourceAddr: string | null;
  resolveHostnames: boolean;
  announceHostnames: boolean;
  denyScriptsReconfig: boolean;
  requirepass: string | null;
  sentinelUser: string | null;
  sentinelPass: string | null;
  /** tls-replication: use TLS on links to data nodes and other sentinels. */
  tlsLinks: boolean;
  /** tls-port: the TLS listener (0: none). With `port 0`, the sentinel listens on TLS only. */
  tlsPort: number;
  /** The tls-* directives, validated as a data node validates them (for src/security/tls.ts). */
  tls: ConfigStore;
  masters: MasterConfig[];
  /** Directives that are not sentinel state (port, dir, logfile, tls-*, ...), kept verbatim on rewrite. */
  otherLines: string[];
  /** Raw values of non-sentinel directives (for CONFIG-like lookups). */
  directives: Map<string, string[]>;
}

export function defaultConfig(): SentinelConfig {
  return {
    file: null,
    port: 26379,
    bind: ['*', '-::*'],
    myid: null,
    currentEpoch: 0,
    announceIp: null,
    announcePort: 0,
    bindSourceAddr: null,
    resolveHostnames: false,
    announceHostnames: false,
    denyScriptsReconfig: true,
    requirepass: null,
    sentinelUser: null,
    sentinelPass: null,
    tlsLinks: false,
    tlsPort: 0,
    tls: new ConfigStore(),
    masters: [],
    otherLines: [],
    directives: new Map(),
  };
}

export function newMasterConfig(name: string, host: string, port: number, quorum: number): MasterConfig {
  return {
    name,
    host,
    port,
    quorum,
    downAfter: DEFAULT_DOWN_AFTER,
    failoverTimeout: DEFAULT_FAILOVER_TIMEOUT,
    parallelSyncs: DEFAULT_PARALLEL_SYNCS,
    authPass: null,
    authUser: null,
    notificationScript: null,
    clientReconfigScript: null,
    configEpoch: 0,
    leaderEpoch: 0,
    knownReplicas: [],
    knownSentinels: [],
    renameCommands: [],
  };
}

function yesno(v: string | undefined, l: ConfigLine): boolean {
  const s = (v ?? '').toLowerCase();
  if (s === 'yes') return true;
  if (s === 'no') return false;
  throw new ConfigError(l.source, l.line, l.text, "argument must be 'yes' or 'no'");
}

/**
 * An integer argument of `name` (the directive or its field, e.g. "port" or "sentinel
 * monitor <quorum>"); the error names it and the range it takes.
 */
function int(v: string | undefined, l: ConfigLine, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const n = v !== undefined && /^-?\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    throw new ConfigError(l.source, l.line, l.text, `Bad value for '${name}': expected ${range}, got '${v ?? ''}'`);
  }
  return n;
}

export function isValidRunId(s: string): boolean {
  return /^[0-9a-fA-F]{40}$/.test(s);
}

/** Apply one `sentinel ...` line (words without the leading "sentinel"). */
function applySentinelDirective(cfg: SentinelConfig, w: string[], l: ConfigLine): void {
  const sub = (w[0] ?? '').toLowerCase();
  const bad = (reason: string) => new ConfigError(l.source, l.line, l.text, reason);
  const master = (name: string | undefined): MasterConfig => {
    const m = cfg.masters.find((x) => x.name === name);
    if (!m) throw bad('No such master with specified name.');
    return m;
  };
  switch (sub) {
    case 'monitor': {
      if (w.length !== 5) throw bad('Wrong number of arguments for sentinel monitor');
      const quorum = int(w[4], l, 'sentinel monitor <quorum>', 0);
      if (quorum <= 0) throw bad('Quorum must be 1 or greater.');
      if (cfg.masters.some((m) => m.name === w[1])) throw bad('Duplicated master name.');
      const port = int(w[3], l, 'sentinel monitor <port>', 0, 65535);
      if (port <= 0 || port > 65535) throw bad('Invalid port number');
      cfg.masters.push(newMasterConfig(w[1]!, w[2]!, port, quorum));
      return;
    }
    case 'down-after-milliseconds':
      master(w[1]).downAfter = int(w[2], l, 'sentinel down-after-milliseconds', 1);
      return;
    case 'failover-timeout':
      master(w[1]).failoverTimeout = int(w[2], l, 'sentinel failover-timeout', 1);
      return;
    case 'parallel-syncs':
      master(w[1]).parallelSyncs = int(w[2], l, 'sentinel parallel-syncs');
      return;
    case 'auth-pass':
      master(w[1]).authPass = w[2] ?? '';
      return;
    case 'auth-user':
      master(w[1]).authUser = w[2] ?? '';
      return;
    case 'notification-script':
      master(w[1]).notificationScript = w[2] ?? null;
      return;
    case 'client-reconfig-script':
      master(w[1]).clientReconfigScript = w[2] ?? null;
      return;
    case 'rename-command':
      master(w[1]).renameCommands.push([w[2] ?? '', w[3] ?? '']);
      return;
    case 'config-epoch':
      master(w[1]).configEpoch = int(w[2], l, 'sentinel config-epoch');
      return;
    case 'leader-epoch':
      master(w[1]).leaderEpoch = int(w[2], l, 'sentinel leader-epoch');
      return;
    case 'known-slave':
    case 'known-replica': {
      const m = master(w[1]);
      m.knownReplicas.push({ host: w[2]!, port: int(w[3], l, 'sentinel known-replica <port>', 1, 65535) });
      return;
    }
    case 'known-sentinel': {
      const m = master(w[1]);
      if (w.length !== 5 || !isValidRunId(w[4]!)) throw bad('Wrong hostname or port for sentinel.');
      m.knownSentinels.push({ host: w[2]!, port: int(w[3], l, 'sentinel known-sentinel <port>', 1, 65535), runid: w[4]! });
      return;
    }
    case 'current-epoch':
      cfg.currentEpoch = int(w[1], l, 'sentinel current-epoch');
      return;
    case 'myid':
      if (!isValidRunId(w[1] ?? '')) throw bad('Malformed Sentinel id in myid option.');
      cfg.myid = w[1]!.toLowerCase();
      return;
    case 'announce-ip':
      cfg.announceIp = w[1] && w[1].length > 0 ? w[1] : null;
      return;
    case 'announce-port':
      cfg.announcePort = int(w[1], l, 'sentinel announce-port', 0, 65535);
      return;
    case 'deny-scripts-reconfig':
      cfg.denyScriptsReconfig = yesno(w[1], l);
      return;
    case 'resolve-hostnames':
      cfg.resolveHostnames = yesno(w[1], l);
      return;
    case 'announce-hostnames':
      cfg.announceHostnames = yesno(w[1], l);
      return;
    case 'sentinel-user':
      cfg.sentinelUser = w[1] ?? null;
      return;
    case 'sentinel-pass':
      cfg.sentinelPass = w[1] ?? null;
      return;
    case 'master-reboot-down-after-period':
      master(w[1]);
      return;
    default:
      throw bad('Unrecognized sentinel configuration statement.');
  }
}

/** Build the sentinel configuration from a file (optional) and `--name value` arguments. */
export function loadSentinelConfig(file: string | null, args: readonly string[] = []): SentinelConfig {
  const cfg = defaultConfig();
  const lines: ConfigLine[] = [];
  if (file) {
    cfg.file = resolve(file);
    let text: string;
    try {
      text = readFileSync(cfg.file, 'utf8');
    } catch (err) {
      throw new ConfigError(file, 0, '', `Can't open config file: ${(err as Error).message}`);
    }
    lines.push(...parseConfigText(text, file));
  }
  const argLines = parseArgDirectives(args);
  // redis-sentinel also accepts `--sentinel` alone (the mode switch); drop it.
  lines.push(...argLines.filter((l) => !(l.words[0]?.toLowerCase() === 'sentinel' && l.words.length <= 2 && (l.words[1] ?? '') === '')));
  const otherNames: string[] = [];
  const tlsSeen = new Set<string>();
  for (const l of lines) {
    const name = l.words[0]!.toLowerCase();
    if (name === 'sentinel') {
      applySentinelDirective(cfg, l.words.slice(1), l);
      continue;
    }
    switch (name) {
      case 'port':
        cfg.port = int(l.words[1], l, 'port', 0, 65535);
        break;
      case 'bind':
        cfg.bind = l.words.slice(1);
        break;
      case 'bind-source-addr':
        cfg.bindSourceAddr = l.words[1] ? l.words[1] : null;
        break;
      case 'requirepass':
        cfg.requirepass = l.words[1] ? l.words[1] : null;
        break;
      case 'tls-replication':
        cfg.tlsLinks = yesno(l.words[1], l);
        break;
      default:
        break;
    }
    if (name.startsWith('tls-')) {
      const d = findDirective(name);
      if (!d) throw new ConfigError(l.source, l.line, l.text, 'Bad directive or wrong number of arguments');
      const r = cfg.tls.load(d, l.words.slice(1), tlsSeen);
      if (!r.ok) throw new ConfigError(l.source, l.line, l.text, r.error);
      if (d.name === 'tls-port') cfg.tlsPort = cfg.tls.int('tls-port');
    }
    cfg.directives.set(name, l.words.slice(1));
    // Argument directives are written to the file too, as redis-sentinel's rewrite does;
    // a later line for the same single-valued directive replaces the earlier one.
    const text = l.source === 'command line' ? l.words.map(quote).join(' ') : l.text;
    const multi = name === 'user' || name === 'rename-command' || name === 'include' || name === 'loadmodule';
    const at = multi ? -1 : otherNames.indexOf(name);
    if (at >= 0) cfg.otherLines[at] = text;
    else {
      otherNames.push(multi ? '' : name);
      cfg.otherLines.push(text);
    }
  }
  return cfg;
}

/** Quote a word for the config file when needed (Redis's sdscatrepr style). */
export function quote(s: string): string {
  if (s !== '' && /^[A-Za-z0-9_.:/@*+,=-]+$/.test(s)) return s;
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r') + '"';
}

/** Write text to path atomically: temporary file in the same directory, fsync, rename. */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = resolve(dirname(path), `.${randomBytes(6).toString('hex')}.tmp-sentinel`);
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  try {
    const dfd = openSync(dirname(path), 'r');
    fsyncSync(dfd);
    closeSync(dfd);
  } catch {
    /* directory fsync is best effort */
  }
}
