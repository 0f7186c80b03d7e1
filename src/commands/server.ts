/**
 * Server commands: INFO DBSIZE FLUSHDB FLUSHALL CONFIG TIME SHUTDOWN and friends.
 */
import { CommandError, Err } from '../errors.js';
import { directiveNames, findDirective } from '../config/schema.js';
import { globMatch } from '../util/glob.js';
import { is, parseIntOrNull } from './args.js';
import { replyHelp } from './client.js';
import { protectedAllowed } from './debug.js';
import { rewriteConfigFile } from '../config/load.js';
import type { Client } from './context.js';
import { defineCommand, type CommandSpec } from './spec.js';

/** INFO's default sections, in Redis 7.0's order. */
const DEFAULT_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'errorstats', 'cluster', 'keyspace'];
const ALL_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'commandstats', 'errorstats', 'latencystats', 'cluster', 'keyspace'];

/** Render INFO text for the requested section names (lower case), Redis's way. */
export function renderInfo(c: Client, requested: string[]): string {
  const wanted = new Set<string>();
  if (requested.length === 0) for (const n of DEFAULT_SECTIONS) wanted.add(n);
  for (const r of requested) {
    if (r === 'all' || r === 'everything') for (const n of ALL_SECTIONS) wanted.add(n);
    else if (r === 'default') for (const n of DEFAULT_SECTIONS) wanted.add(n);
    else wanted.add(r);
  }
  const names = [...wanted];
  // Keep Redis's order regardless of the order asked for.
  const order = new Map(ALL_SECTIONS.map((n, i) => [n, i]));
  names.sort((a, b) => (order.get(a) ?? 100) - (order.get(b) ?? 100));
  const parts: string[] = [];
  for (const name of names) {
    const provider = c.server.infoSections.get(name);
    if (!provider) continue;
    const body = provider();
    const title =
      name === 'commandstats' ? 'Commandstats' : name === 'errorstats' ? 'Errorstats' : name === 'latencystats' ? 'Latencystats' : name === 'cpu' ? 'CPU' : name[0]!.toUpperCase() + name.slice(1);
    let text = `# ${title}\r\n`;
    if (typeof body === 'string') text += body;
    else for (const [k, v] of body) text += `${k}:${v}\r\n`;
    parts.push(text);
  }
  return parts.join('\r\n');
}

function info(c: Client, argv: string[]): void {
  const requested = argv.slice(1).map((s) => s.toLowerCase());
  c.reply.verbatim(renderInfo(c, requested));
}

function dbsize(c: Client): void {
  c.reply.int(c.db.size);
}

function flushArgs(argv: string[], cmd: string): void {
  if (argv.length > 2) throw new CommandError(Err.SYNTAX);
  if (argv.length === 2 && !is(argv[1], 'async') && !is(argv[1], 'sync')) throw new CommandError(Err.SYNTAX);
  void cmd;
}

function flushdb(c: Client, argv: string[]): void {
  flushArgs(argv, 'flushdb');
  c.db.flush();
  c.server.keyspace.dirty++;
  c.reply.ok();
}

function flushall(c: Client, argv: string[]): void {
  flushArgs(argv, 'flushall');
  for (const db of c.server.keyspace.dbs) db.flush();
  c.server.keyspace.dirty++;
  c.reply.ok();
}

function time(c: Client): void {
  const ns = process.hrtime.bigint();
  const now = Date.now();
  void ns;
  const usec = (performance.timeOrigin + performance.now()) * 1000;
  const sec = Math.floor(now / 1000);
  c.reply.arrayHeader(2);
  c.reply.bulk(String(sec));
  c.reply.bulk(String(Math.floor(usec % 1_000_000)));
}

// ---- CONFIG -------------------------------------------------------------------------

/** Directives that CONFIG SET refuses unless enable-protected-configs allows it. */
const PROTECTED_CONFIGS = new Set(['dir', 'dbfilename', 'appenddirname', 'appendfilename']);

function configGet(c: Client, argv: string[]): void {
  const out = new Map<string, string>();
  for (let i = 2; i < argv.length; i++) {
    const pattern = argv[i]!.toLowerCase();
    const hasGlob = /[*?[]/.test(pattern);
    if (!hasGlob) {
      const d = findDirective(pattern);
      if (d && !out.has(pattern)) out.set(pattern, c.server.config.get(d.name));
      continue;
    }
    for (const [name, d] of directiveNames()) {
      if (d.hidden) continue;
      if (globMatch(pattern, name) && !out.has(name)) out.set(name, c.server.config.get(d.name));
    }
  }
  c.reply.mapHeader(out.size);
  for (const [k, v] of out) {
    c.reply.bulk(k);
    c.reply.bulk(v);
  }
}

function configSet(c: Client, argv: string[]): void {
  if (argv.length % 2 !== 0) throw new CommandError(Err.WRONG_ARITY('config|set'));
  const pairs: [string, string, string][] = [];
  const seen = new Set<string>();
  const fail = (arg: string, why: string) => new CommandError(`ERR CONFIG SET failed (possibly related to argument '${arg}') - ${why}`);
  for (let i = 2; i < argv.length; i += 2) {
    const d = findDirective(argv[i]!);
    if (!d) throw new CommandError(`ERR Unknown option or number of arguments for CONFIG SET - '${argv[i]}'`);
    if (!d.mutable) throw fail(argv[i]!, "can't set immutable config");
    if (PROTECTED_CONFIGS.has(d.name) && !protectedAllowed(c, c.server.config.get('enable-protected-configs'))) {
      throw fail(argv[i]!, "can't set protected config");
    }
    if (seen.has(d.name)) throw fail(argv[i]!, 'duplicate parameter');
    seen.add(d.name);
    pairs.push([d.name, argv[i + 1]!, argv[i]!]);
  }
  // All or nothing, as Redis 7: on any failure, every value goes back to what it was.
  const config = c.server.config;
  const previous = pairs.map(([name]) => [name, config.get(name)] as const);
  for (const [name, value, arg] of pairs) {
    const d = findDirective(name)!;
    const words = d.multiWord ? value.split(/\s+/).filter((w) => w !== '') : [value];
    if (d.multiWord && words.length === 0) words.push('');
    const r = config.set(name, words);
    if (!r.ok) {
      for (const [pn, pv] of previous) config.setRaw(pn, pv);
      throw fail(arg, r.error);
    }
  }
  c.reply.ok();
}

function configResetStat(c: Client): void {
  const st = c.server.stats;
  st.totalCommands = 0;
  st.totalConnections = 0;
  st.rejectedConnections = 0;
  st.netInputBytes = 0;
  st.netOutputBytes = 0;
  st.errorReplies = 0;
  st.unexpectedErrorReplies = 0;
  st.errorsByPrefix.clear();
  st.evictedKeys = 0;
  st.evictedClients = 0;
  st.totalReads = 0;
  st.totalWrites = 0;
  const ks = c.server.keyspace.stats;
  ks.expiredKeys = 0;
  ks.keyspaceHits = 0;
  ks.keyspaceMisses = 0;
  for (const spec of new Set(c.server.commands.values())) {
    for (const s of [spec, ...(spec.subcommands?.values() ?? [])]) {
      s.stats.calls = 0;
      s.stats.usec = 0;
      s.stats.rejected = 0;
      s.stats.failed = 0;
    }
  }
  for (const fn of c.server.ext.resetStats ?? []) fn();
  c.reply.ok();
}

function configRewrite(c: Client): void {
  const file = c.server.config.configFile;
  if (!file) throw new CommandError('ERR The server is running without a config file');
  try {
    rewriteConfigFile(c.server.config, file);
  } catch (err) {
    throw new CommandError(`ERR Rewriting config file: ${(err as NodeJS.ErrnoException).message}`);
  }
  c.reply.ok();
}

function configHelp(c: Client): void {
  replyHelp(c, 'CONFIG', [
    'GET <pattern>',
    '    Return parameters matching the glob-like <pattern> and their values.',
    'SET <directive> <value>',
    '    Set the configuration <directive> to <value>.',
    'RESETSTAT',
    '    Reset statistics reported by the INFO command.',
    'REWRITE',
    '    Rewrite the configuration file.',
  ]);
}

// ---- SHUTDOWN -----------------------------------------------------------------------

function shutdown(c: Client, argv: string[]): void {
  const opts: { save?: boolean; now?: boolean; force?: boolean } = {};
  let abort = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (is(a, 'nosave') && opts.save === undefined) opts.save = false;
    else if (is(a, 'save') && opts.save === undefined) opts.save = true;
    else if (is(a, 'now')) opts.now = true;
    else if (is(a, 'force')) opts.force = true;
    else if (is(a, 'abort')) abort = true;
    else throw new CommandError(Err.SYNTAX);
  }
  if (abort) {
    if (argv.length > 2) throw new CommandError(Err.SYNTAX);
    throw new CommandError('ERR No shutdown in progress.');
  }
  // The connection closes with the server; Redis sends no reply on success.
  void c.server.shutdown(opts);
}

// ---- SLOWLOG ------------------------------------------------------------------------

function slowlogGet(c: Client, argv: string[]): void {
  let count = 10;
  if (argv.length === 3) {
    const n = parseIntOrNull(argv[2]!);
    if (n === null || n < -1) throw new CommandError('ERR count should be greater than or equal to -1');
    count = n === -1 ? Infinity : n;
  }
  const entries = c.server.ext.slowlog?.entries ?? [];
  const list = entries.slice(0, Math.min(count, entries.length));
  const r = c.reply;
  r.arrayHeader(list.length);
  for (const e of list) {
    r.arrayHeader(6);
    r.int(e.id);
    r.int(e.time);
    r.int(e.micros);
    r.bulkArray(e.argv);
    r.bulk(e.addr);
    r.bulk(e.name);
  }
}

function slowlogLen(c: Client): void {
  c.reply.int(c.server.ext.slowlog?.entries.length ?? 0);
}

function slowlogReset(c: Client): void {
  c.server.ext.slowlog?.reset();
  c.reply.ok();
}

function slowlogHelp(c: Client): void {
  replyHelp(c, 'SLOWLOG', [
    'GET [<count>]',
    '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
    '    Entries are made of:',
    '    id, timestamp, time in microseconds, arguments array, client IP and port,',
    '    client name',
    'LEN',
    '    Return the length of the slowlog.',
    'RESET',
    '    Reset the slowlog.',
  ]);
}

// ---- LATENCY ------------------------------------------------------------------------

function latencyLatest(c: Client): void {
  const events = c.server.ext.latency?.events ?? new Map();
  c.reply.arrayHeader(events.size);
  for (const [name, s] of events) {
    const last = s.samples[s.samples.length - 1]!;
    c.reply.arrayHeader(4);
    c.reply.bulk(name);
    c.reply.int(last[0]);
    c.reply.int(last[1]);
    c.reply.int(s.max);
  }
}

function latencyHistory(c: Client, argv: string[]): void {
  const s = c.server.ext.latency?.events.get(argv[2]!);
  const samples = s?.samples ?? [];
  c.reply.arrayHeader(samples.length);
  for (const [t, ms] of samples) {
    c.reply.arrayHeader(2);
    c.reply.int(t);
    c.reply.int(ms);
  }
}

function latencyReset(c: Client, argv: string[]): void {
  c.reply.int(c.server.ext.latency?.reset(argv.slice(2)) ?? 0);
}

function latencyGraph(c: Client, argv: string[]): void {
  const s = c.server.ext.latency?.events.get(argv[2]!);
  if (!s) throw new CommandError(`ERR No samples available for event '${argv[2]}'`);
  let text = `${argv[2]} - high ${s.max} ms, low ${Math.min(...s.samples.map((x) => x[1]))} ms (all time high ${s.max} ms)\n`;
  text += '-'.repeat(80) + '\n';
  for (const [t, ms] of s.samples) text += `${new Date(t * 1000).toISOString()} ${ms} ms\n`;
  c.reply.verbatim(text);
}

/**
 * LATENCY DOCTOR: for each event the latency monitor recorded, its spikes (count, average,
 * mean deviation, average period between them, worst, latest), then advice drawn from what
 * was measured: the slowest commands in the SLOWLOG, and the configuration that limits
 * what is recorded. In the spirit of Redis's latency doctor (latency.c).
 */
function latencyDoctor(c: Client): void {
  const threshold = c.server.config.int('latency-monitor-threshold');
  const events = c.server.ext.latency?.events ?? new Map();
  let text: string;
  if (threshold === 0 && events.size === 0) {
    text =
      // Redis's words, byte for byte: nothing is measured, so there is nothing of ours to add.
      "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n";
  } else if (events.size === 0) {
    text = `Dave, no latency spike was observed during the lifetime of this instance (latency-monitor-threshold is ${threshold} ms: no event took that long). I honestly think you ought to sleep tonight.\n`;
  } else {
    const now = Math.floor(Date.now() / 1000);
    text = `Dave, I have observed latency spikes in this instance (latency-monitor-threshold ${threshold} ms). You don't mind talking about it, do you Dave?\n\n`;
    let i = 1;
    for (const [name, s] of events as Map<string, { samples: [number, number][]; max: number }>) {
      const n = s.samples.length;
      const avg = s.samples.reduce((a, x) => a + x[1], 0) / n;
      const mad = s.samples.reduce((a, x) => a + Math.abs(x[1] - avg), 0) / n;
      // The average time between spikes, over the span from the first one until now.
      const period = (now - s.samples[0]![0]) / n;
      const [lastT, lastMs] = s.samples[n - 1]!;
      text += `${i++}. ${name}: ${n} latency spike${n === 1 ? '' : 's'} (average ${Math.round(avg)}ms, mean deviation ${Math.round(mad)}ms, period ${period.toFixed(2)} sec). Worst all time event ${s.max}ms. Latest ${lastMs}ms, ${now - lastT} sec ago.\n`;
    }
    const advice: string[] = [];
    if (events.has('command')) {
      const slowlog = c.server.ext.slowlog?.entries ?? [];
      const slowerThan = c.server.config.int('slowlog-log-slower-than');
      if (slowlog.length > 0) {
        const byName = new Map<string, { calls: number; worst: number }>();
        for (const e of slowlog) {
          const k = (e.argv[0] ?? '').toLowerCase();
          const cur = byName.get(k) ?? { calls: 0, worst: 0 };
          cur.calls++;
          cur.worst = Math.max(cur.worst, e.micros);
          byName.set(k, cur);
        }
        const top = [...byName].sort((x, y) => y[1].worst - x[1].worst).slice(0, 3);
        advice.push(
          `- The SLOWLOG holds ${slowlog.length} entr${slowlog.length === 1 ? 'y' : 'ies'}; the slowest commands: ${top.map(([k, v]) => `${k.toUpperCase()} (${v.calls}x, worst ${(v.worst / 1000).toFixed(1)}ms)`).join(', ')}. Commands on big keys (KEYS, SMEMBERS, LRANGE 0 -1, HGETALL, DEL of a large aggregate) take time proportional to their size: use SCAN-family commands and UNLINK.`,
        );
      } else if (slowerThan < 0 || slowerThan > threshold * 1000) {
        advice.push(
          `- The SLOWLOG does not record commands as slow as the spikes (slowlog-log-slower-than is ${slowerThan} us): CONFIG SET slowlog-log-slower-than ${threshold * 1000} to see which commands they are.`,
        );
      } else {
        advice.push('- The SLOWLOG is empty (it was reset since): the next spikes will show there which commands cause them.');
      }
    }
    for (const name of events.keys()) {
      if (name !== 'command') advice.push(`- Event '${name}': see LATENCY HISTORY ${name} for when it happened.`);
    }
    text += advice.length > 0 ? `\nI have a few advices for you:\n\n${advice.join('\n')}\n` : '\nI have no advice to offer for now.\n';
  }
  c.reply.verbatim(text);
}

function latencyHistogram(c: Client, argv: string[]): void {
  // Per-command latency histograms are not tracked: an empty map, as for unknown commands.
  void argv;
  c.reply.mapHeader(0);
}

function latencyHelp(c: Client): void {
  replyHelp(c, 'LATENCY', [
    'DOCTOR',
    '    Return a human readable latency analysis report.',
    'GRAPH <event>',
    '    Return an ASCII latency graph for the <event> class.',
    'HISTORY <event>',
    '    Return time-latency samples for the <event> class.',
    'LATEST',
    '    Return the latest latency samples for all events.',
    'RESET [<event> ...]',
    '    Reset latency data of one or more <event> classes.',
    '    (default: reset all data for all event classes)',
    'HISTOGRAM [COMMAND ...]',
    '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
    '    If no commands are specified then all histograms are replied.',
  ]);
}

// ---- MONITOR ------------------------------------------------------------------------

const monitors = new WeakMap<object, Set<Client>>();

/** Redis's sdscatrepr: a quoted string with C escapes. */
export function reprArg(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    switch (ch) {
      case 0x5c:
        out += '\\\\';
        break;
      case 0x22:
        out += '\\"';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x07:
        out += '\\a';
        break;
      case 0x08:
        out += '\\b';
        break;
      default:
        if (ch >= 0x20 && ch < 0x7f) out += s[i];
        else out += `\\x${ch.toString(16).padStart(2, '0')}`;
    }
  }
  return out + '"';
}

function monitor(c: Client): void {
  if (c.flags.monitor || c.flags.replica) return; // Redis answers nothing then
  const server = c.server;
  let set = monitors.get(server);
  if (!set) {
    const watchers = new Set<Client>();
    set = watchers;
    monitors.set(server, watchers);
    server.dispatch.hooks.monitorFeed = (from, argv) => {
      if (watchers.size === 0) return;
      const t = performance.timeOrigin + performance.now();
      const sec = Math.floor(t / 1000);
      const usec = Math.floor((t * 1000) % 1_000_000);
      const where = from.addr.startsWith('?') ? 'lua' : from.addr;
      const line = `${sec}.${String(usec).padStart(6, '0')} [${from.db.id} ${where}] ${argv.map(reprArg).join(' ')}`;
      for (const m of watchers) {
        if ((m as { isClosed?: boolean }).isClosed) {
          watchers.delete(m);
          continue;
        }
        m.reply.simple(line);
        m.flushSoon();
      }
    };
  }
  c.flags.monitor = true;
  set.add(c);
  c.reply.ok();
}

// ---- LASTSAVE, MEMORY, FUNCTION -----------------------------------------------------

declare module './context.js' {
  interface ServerExtensions {
    /** Unix time (seconds) of the last successful save (persistence provides it). */
    lastSave?: () => number;
    /** Extra work for CONFIG RESETSTAT (subsystems' own counters). */
    resetStats?: (() => void)[];
  }
}

function lastsave(c: Client): void {
  const fn = c.server.ext.lastSave;
  c.reply.int(fn ? fn() : Math.floor(c.server.stats.startTime / 1000));
}

/** jemalloc's size class for an allocation of n bytes (what zmalloc_size reports). */
export function allocSize(n: number): number {
  if (n <= 8) return 8;
  if (n <= 128) return Math.ceil(n / 16) * 16;
  const k = Math.floor(Math.log2(n - 1));
  const spacing = 2 ** (k - 2);
  return Math.ceil(n / spacing) * spacing;
}

function sdsAlloc(len: number): number {
  const hdr = len < 32 ? 1 : len < 256 ? 3 : len < 65536 ? 5 : 9;
  return allocSize(hdr + len + 1);
}

/** MEMORY USAGE's estimate, following Redis's objectComputeSize for strings. */
export function keyMemoryUsage(key: string, v: import('../keyspace/keyspace.js').RValue): number {
  const DICT_ENTRY = 24;
  const ROBJ = 16;
  let value: number;
  if (typeof v === 'string') {
    if (v.length <= 20 && /^(0|-?[1-9]\d*)$/.test(v) && BigInt(v) >= -(2n ** 63n) && BigInt(v) < 2n ** 63n) value = ROBJ;
    else if (v.length <= 44) value = allocSize(ROBJ + 3 + v.length + 1);
    else value = ROBJ + allocSize((v.length < 256 ? 3 : v.length < 65536 ? 5 : 9) + v.length + 1);
  } else {
    value = ROBJ + v.memoryUsage();
  }
  return value + sdsAlloc(key.length) + DICT_ENTRY;
}

function memoryUsage(c: Client, argv: string[]): void {
  if (argv.length === 5 && is(argv[3], 'samples')) {
    if (parseIntOrNull(argv[4]!) === null) throw new CommandError(Err.NOT_INTEGER);
  } else if (argv.length !== 3) {
    throw new CommandError(Err.SYNTAX);
  }
  const v = c.db.get(argv[2]!);
  if (v === undefined) return c.reply.nil();
  c.reply.int(keyMemoryUsage(argv[2]!, v));
}

function memoryStats(c: Client): void {
  const m = process.memoryUsage();
  const ks = c.server.keyspace;
  let keys = 0;
  for (const db of ks.dbs) keys += db.dict.size;
  // dssm's own count (commands/maxmemory.ts), the figures INFO memory shows; the V8 heap
  // only where a node was built without the memory feature.
  const u = c.server.ext.memory?.usage();
  const used = u ? u.used : m.heapUsed + m.external + m.arrayBuffers;
  const startup = u ? u.startup : 0;
  const dataset = u ? u.dataset : used;
  const overhead = Math.max(0, used - dataset);
  const pct = (n: number, d: number) => (d > 0 ? ((n * 100) / d).toFixed(2) : '0');
  const fields: [string, number | string][] = [
    ['peak.allocated', used],
    ['total.allocated', used],
    ['startup.allocated', startup],
    ['replication.backlog', u ? u.backlog : 0],
    ['clients.slaves', u ? u.clientsReplicas : 0],
    ['clients.normal', u ? u.clientsNormal : 0],
    ['aof.buffer', u ? u.aofBuffer : 0],
    ['lua.caches', 0],
    ['functions.caches', 0],
    ['overhead.total', overhead],
    ['keys.count', keys],
    ['keys.bytes-per-key', keys ? Math.floor(Math.max(0, used - startup) / keys) : 0],
    ['dataset.bytes', dataset],
    ['dataset.percentage', pct(dataset, used - startup)],
    ['peak.percentage', '100'],
    ['allocator.allocated', m.heapUsed],
    ['allocator.active', m.heapTotal],
    ['allocator.resident', m.rss],
    ['fragmentation', (m.rss / Math.max(1, used)).toFixed(2)],
  ];
  c.reply.mapHeader(fields.length);
  for (const [k, v] of fields) {
    c.reply.bulk(k);
    if (typeof v === 'number') c.reply.int(v);
    else c.reply.double(Number(v));
  }
}

/** INFO memory's fields, as INFO computes them (one source for both). */
function memoryInfo(c: Client): Map<string, string> {
  const provider = c.server.infoSections.get('memory');
  const body = provider ? provider() : [];
  const out = new Map<string, string>();
  if (typeof body !== 'string') for (const [k, v] of body) out.set(k, String(v));
  return out;
}

/** Keys counted as big by MEMORY DOCTOR: strings of 1 MB or more, aggregates of 10000+ elements. */
const BIG_STRING = 1024 * 1024;
const BIG_AGGREGATE = 10_000;
/** RSS beyond used memory that a Node process has anyway (see memoryDoctor). */
const RUNTIME_RSS_ALLOWANCE = 128 * 1024 * 1024;
/** Above this many keys the doctor does not walk the keyspace (it would stall the server). */
const BIG_KEY_SCAN_LIMIT = 200_000;

/**
 * MEMORY DOCTOR: what the instance measures (used, peak, RSS, fragmentation, clients'
 * buffers, maxmemory, big keys when the keyspace is small enough to walk), then the
 * problems those figures show, in the spirit of Redis's memory doctor.
 */
function memoryDoctor(c: Client): void {
  const m = memoryInfo(c);
  const num = (k: string) => Number(m.get(k) ?? 0);
  const used = num('used_memory');
  const peak = Math.max(used, num('used_memory_peak'));
  const rss = num('used_memory_rss');
  const frag = num('mem_fragmentation_ratio');
  const maxmemory = num('maxmemory');
  const clientsNormal = num('mem_clients_normal');
  const clientsReplicas = num('mem_clients_slaves');
  let keys = 0;
  for (const db of c.server.keyspace.dbs) keys += db.dict.size;
  let big: { count: number; largest: string } | null = null;
  if (keys <= BIG_KEY_SCAN_LIMIT) {
    big = { count: 0, largest: '' };
    let largestSize = -1;
    for (const db of c.server.keyspace.dbs) {
      for (const [key, v] of db.dict) {
        const isBig = typeof v === 'string' ? v.length >= BIG_STRING : v.size() >= BIG_AGGREGATE;
        if (!isBig) continue;
        big.count++;
        // Ranked by MEMORY USAGE's estimate (only big keys are measured, so this stays cheap).
        const bytes = keyMemoryUsage(key, v);
        if (bytes > largestSize) {
          largestSize = bytes;
          const what = typeof v === 'string' ? `a string of ${v.length} bytes` : `a ${v.type} of ${v.size()} elements`;
          big.largest = `'${key}' in db ${db.id} (${what}, about ${bytes} bytes in memory)`;
        }
      }
    }
  }
  const lines: string[] = [];
  lines.push('Sam, this is what I measure in this instance:', '');
  lines.push(
    ` * Used memory: ${m.get('used_memory_human') ?? used} (${used} bytes); peak ${m.get('used_memory_peak_human') ?? peak} (${peak} bytes), now at ${((used / Math.max(1, peak)) * 100).toFixed(1)}% of it.`,
  );
  lines.push(` * Process RSS: ${m.get('used_memory_rss_human') ?? rss} (${rss} bytes); fragmentation ratio (RSS / used) ${frag.toFixed(2)}.`);
  lines.push(` * Client buffers: ${clientsNormal} bytes for normal clients, ${clientsReplicas} bytes for replicas.`);
  lines.push(
    maxmemory > 0
      ? ` * maxmemory: ${m.get('maxmemory_human') ?? maxmemory} (${maxmemory} bytes), ${((used / maxmemory) * 100).toFixed(1)}% used, policy ${m.get('maxmemory_policy') ?? '?'}.`
      : ` * maxmemory: not set (no limit), policy ${m.get('maxmemory_policy') ?? '?'}.`,
  );
  if (big === null) lines.push(` * Keys: ${keys}; big keys not counted (more than ${BIG_KEY_SCAN_LIMIT} keys to walk: use MEMORY USAGE or redis-cli --bigkeys).`);
  else if (big.count === 0) lines.push(` * Keys: ${keys}; none is big (strings of 1 MB or more, aggregates of ${BIG_AGGREGATE} elements or more).`);
  else lines.push(` * Keys: ${keys}; ${big.count} big (strings of 1 MB or more, aggregates of ${BIG_AGGREGATE} elements or more), the largest ${big.largest}.`);
  lines.push('');
  const issues: string[] = [];
  // Below 5 MB of data the ratios say more about the runtime than about the data (Redis's
  // rule, applied to the dataset: the JavaScript runtime alone uses more than that).
  const tiny = num('used_memory_dataset') < 5 * 1024 * 1024;
  if (tiny) {
    lines.push('This instance is empty or uses very little memory: fragmentation and peak ratios mean little at this size, so I looked for nothing more. Fill it with some data and ask me again.');
  } else {
    if (peak > used * 1.5) {
      issues.push(
        ` * Peak memory: the instance used ${((peak / used) * 100 - 100).toFixed(0)}% more memory at its peak (${peak} bytes) than now. Memory that was freed is not always returned to the system, which the RSS and the fragmentation ratio then show.`,
      );
    }
    // A Node process has some 50-100 MB of RSS that no data accounts for (code, runtime,
    // young generation): fragmentation is an issue only beyond that.
    if (frag > 1.4 && rss - used > RUNTIME_RSS_ALLOWANCE) {
      issues.push(
        ` * High fragmentation: the process holds ${rss - used} bytes more than the data accounts for (ratio ${frag.toFixed(2)}). In dssm that is the JavaScript heap's free space and the runtime's own memory; it shrinks as the heap is compacted, and is large after a peak or many deletions.`,
      );
    }
    if (maxmemory > 0 && used > maxmemory * 0.9) {
      issues.push(
        ` * Near maxmemory: ${((used / maxmemory) * 100).toFixed(1)}% of the limit is used; under policy ${m.get('maxmemory_policy') ?? '?'} writes will ${m.get('maxmemory_policy') === 'noeviction' ? 'be refused with OOM errors' : 'evict keys'} once it is reached.`,
      );
    }
    if (clientsNormal > used / 4 && clientsNormal > 16 * 1024 * 1024) {
      issues.push(
        ` * Big client buffers: normal clients hold ${clientsNormal} bytes of query and output buffers. A client that does not read its replies (or pipelines a lot) is the usual cause; see CLIENT LIST (qbuf, omem) and client-output-buffer-limit.`,
      );
    }
    if (clientsReplicas > 64 * 1024 * 1024) {
      issues.push(` * Big replica buffers: replicas hold ${clientsReplicas} bytes of output buffers; a slow or disconnected replica is the usual cause.`);
    }
    if (big !== null && big.count > 0) {
      issues.push(
        ` * Big keys: ${big.count} keys are big; deleting or reading one whole blocks the server for a time proportional to its size (use UNLINK, and SCAN-family commands to read it in parts).`,
      );
    }
    if (issues.length === 0) lines.push("I can't find any memory issue in this instance from these figures.");
    else lines.push('I detected these issues:', '', ...issues, '', "I'm here to keep you safe, Sam. I want to help you.");
  }
  c.reply.verbatim(lines.join('\n') + '\n');
}

function memoryMallocStats(c: Client): void {
  c.reply.verbatim('Stats not supported for the current allocator');
}

function memoryHelp(c: Client): void {
  replyHelp(c, 'MEMORY', [
    'DOCTOR',
    '    Return memory problems reports.',
    'MALLOC-STATS',
    '    Return internal statistics report from the memory allocator.',
    'PURGE',
    '    Attempt to purge dirty pages for reclamation by the allocator.',
    'STATS',
    '    Return information about the memory usage of the server.',
    'USAGE <key> [SAMPLES <count>]',
    '    Return memory in bytes used by <key> and its value. Nested values are',
    '    sampled up to <count> times (default: 5, 0 means sample all).',
  ]);
}

const S = { group: 'server' as const };
const ADMIN = 'admin noscript loading stale';
export const serverCommands: CommandSpec[] = [
  defineCommand({
    ...S,
    name: 'info',
    docs: { history: [['7.0.0', 'Added support for taking multiple section arguments.']] },
    arity: -1,
    flags: 'loading stale',
    handler: info,
    acl: 'dangerous',
    summary: 'Get information and statistics about the server',
    since: '1.0.0',
  }),
  defineCommand({ ...S, name: 'dbsize', arity: 1, flags: 'readonly fast', handler: dbsize, acl: 'keyspace', summary: 'Return the number of keys in the selected database', since: '1.0.0' }),
  defineCommand({
    ...S,
    name: 'flushdb',
    docs: {
      history: [
        ['4.0.0', 'Added the `ASYNC` flushing mode modifier.'],
        ['6.2.0', 'Added the `SYNC` flushing mode modifier.'],
      ],
    },
    arity: -1,
    flags: 'write',
    handler: flushdb,
    acl: 'keyspace dangerous',
    summary: 'Remove all keys from the current database',
    since: '1.0.0',
    complexity: 'O(N) where N is the number of keys in the selected database',
  }),
  defineCommand({
    ...S,
    name: 'flushall',
    docs: {
      history: [
        ['4.0.0', 'Added the `ASYNC` flushing mode modifier.'],
        ['6.2.0', 'Added the `SYNC` flushing mode modifier.'],
      ],
    },
    arity: -1,
    flags: 'write',
    handler: flushall,
    acl: 'keyspace dangerous',
    summary: 'Remove all keys from all databases',
    since: '1.0.0',
    complexity: 'O(N) where N is the total number of keys in all databases',
  }),
  defineCommand({ ...S, name: 'time', arity: 1, flags: 'loading stale fast', handler: time, summary: 'Return the current server time', since: '2.6.0' }),
  defineCommand({
    ...S,
    name: 'shutdown',
    docs: { history: [['7.0.0', 'Added the `NOW`, `FORCE` and `ABORT` modifiers.']] },
    arity: -1,
    flags: 'admin noscript loading stale no_multi sentinel allow_busy',
    handler: shutdown,
    summary: 'Synchronously save the dataset to disk and then shut down the server',
    since: '1.0.0',
    complexity: 'O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)',
  }),
  defineCommand({
    ...S,
    name: 'config',
    arity: -2,
    summary: 'A container for server configuration commands',
    since: '2.0.0',
    complexity: 'Depends on subcommand.',
    subcommands: [
      {
        ...S,
        name: 'get',
        docs: { history: [['7.0.0', 'Added the ability to pass multiple pattern parameters in one call']] },
        arity: -3,
        flags: ADMIN,
        handler: configGet,
        summary: 'Get the values of configuration parameters',
        since: '2.0.0',
        complexity: 'O(N) when N is the number of configuration parameters provided',
      },
      {
        ...S,
        name: 'set',
        docs: { history: [['7.0.0', 'Added the ability to set multiple parameters in one call.']] },
        arity: -4,
        flags: ADMIN,
        handler: configSet,
        summary: 'Set configuration parameters to the given values',
        since: '2.0.0',
        complexity: 'O(N) when N is the number of configuration parameters provided',
      },
      { ...S, name: 'resetstat', arity: 2, flags: ADMIN, handler: configResetStat, summary: 'Reset the stats returned by INFO', since: '2.0.0' },
      { ...S, name: 'rewrite', arity: 2, flags: ADMIN, handler: configRewrite, summary: 'Rewrite the configuration file with the in memory configuration', since: '2.8.0' },
      { ...S, name: 'help', arity: 2, flags: 'loading stale', handler: configHelp, summary: 'Show helpful text about the different subcommands', since: '5.0.0' },
    ],
  }),
  defineCommand({
    ...S,
    name: 'slowlog',
    arity: -2,
    summary: 'A container for slow log commands',
    since: '2.2.12',
    complexity: 'Depends on subcommand.',
    subcommands: [
      {
        ...S,
        name: 'get',
        docs: { history: [['4.0.0', 'Added client IP address, port and name to the reply.']] },
        arity: -2,
        flags: 'admin loading stale',
        handler: slowlogGet,
        summary: "Get the slow log's entries",
        since: '2.2.12',
        complexity: 'O(N) where N is the number of entries returned',
      },
      { ...S, name: 'len', arity: 2, flags: 'admin loading stale', handler: slowlogLen, summary: "Get the slow log's length", since: '2.2.12' },
      {
        ...S,
        name: 'reset',
        arity: 2,
        flags: 'admin loading stale',
        handler: slowlogReset,
        summary: 'Clear all entries from the slow log',
        since: '2.2.12',
        complexity: 'O(N) where N is the number of entries in the slowlog',
      },
      { ...S, name: 'help', arity: 2, flags: 'loading stale', handler: slowlogHelp, summary: 'Show helpful text about the different subcommands', since: '6.2.0' },
    ],
  }),
  defineCommand({
    ...S,
    name: 'latency',
    arity: -2,
    summary: 'A container for latency diagnostics commands',
    since: '2.8.13',
    complexity: 'Depends on subcommand.',
    subcommands: [
      { ...S, name: 'latest', arity: 2, flags: ADMIN, handler: latencyLatest, summary: 'Return the latest latency samples for all events.', since: '2.8.13' },
      { ...S, name: 'history', arity: 3, flags: ADMIN, handler: latencyHistory, summary: 'Return timestamp-latency samples for the event.', since: '2.8.13' },
      { ...S, name: 'reset', arity: -2, flags: ADMIN, handler: latencyReset, summary: 'Reset latency data for one or more events.', since: '2.8.13' },
      { ...S, name: 'graph', arity: 3, flags: ADMIN, handler: latencyGraph, summary: 'Return a latency graph for the event.', since: '2.8.13' },
      { ...S, name: 'doctor', arity: 2, flags: ADMIN, handler: latencyDoctor, summary: 'Return a human readable latency analysis report.', since: '2.8.13' },
      {
        ...S,
        name: 'histogram',
        arity: -2,
        flags: ADMIN,
        handler: latencyHistogram,
        summary: 'Return the cumulative distribution of latencies of a subset of commands or all.',
        since: '7.0.0',
        complexity: 'O(N) where N is the number of commands with latency information being retrieved.',
      },
      { ...S, name: 'help', arity: 2, flags: 'loading stale', handler: latencyHelp, summary: 'Show helpful text about the different subcommands.', since: '2.8.13' },
    ],
  }),
  defineCommand({ ...S, name: 'monitor', arity: 1, flags: ADMIN, handler: monitor, summary: 'Listen for all requests received by the server in real time', since: '1.0.0', complexity: '' }),
  defineCommand({
    ...S,
    name: 'lastsave',
    arity: 1,
    flags: 'loading stale fast',
    acl: 'admin dangerous',
    handler: lastsave,
    summary: 'Get the UNIX time stamp of the last successful save to disk',
    since: '1.0.0',
  }),
  defineCommand({
    ...S,
    name: 'memory',
    arity: -2,
    summary: 'A container for memory diagnostics commands',
    since: '4.0.0',
    complexity: 'Depends on subcommand.',
    subcommands: [
      {
        ...S,
        name: 'usage',
        keySpecs: ['RO | index 2 | range 0 1 0'],
        arity: -3,
        flags: 'readonly',
        keys: [2, 2, 1],
        handler: memoryUsage,
        summary: 'Estimate the memory usage of a key',
        since: '4.0.0',
        complexity: 'O(N) where N is the number of samples.',
      },
      { ...S, name: 'stats', arity: 2, handler: memoryStats, summary: 'Show memory usage details', since: '4.0.0' },
      { ...S, name: 'doctor', arity: 2, handler: memoryDoctor, summary: 'Outputs memory problems report', since: '4.0.0' },
      {
        ...S,
        name: 'malloc-stats',
        arity: 2,
        handler: memoryMallocStats,
        summary: 'Show allocator internal stats',
        since: '4.0.0',
        complexity: 'Depends on how much memory is allocated, could be slow',
      },
      {
        ...S,
        name: 'purge',
        arity: 2,
        handler: (c) => c.reply.ok(),
        summary: 'Ask the allocator to release memory',
        since: '4.0.0',
        complexity: 'Depends on how much memory is allocated, could be slow',
      },
      { ...S, name: 'help', arity: 2, flags: 'loading stale', handler: memoryHelp, summary: 'Show helpful text about the different subcommands', since: '4.0.0' },
    ],
  }),
];
