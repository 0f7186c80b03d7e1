/**
 * The directives dssm understands, with Redis 7.0's names, defaults, value syntax and
 * CONFIG GET spelling. One table drives parsing of redis.conf files and command-line
 * arguments, CONFIG GET/SET/REWRITE and validation errors.
 *
 * Subsystems add their directives with {@link registerDirectives} from their own module,
 * so this file holds only the server core's.
 */

export type DirectiveType = 'bool' | 'int' | 'memory' | 'string' | 'enum' | 'special';

export interface Directive {
  name: string;
  aliases?: string[];
  type: DirectiveType;
  /** Default, in CONFIG GET's canonical spelling. */
  default: string;
  /** CONFIG SET may change it at run time. */
  mutable: boolean;
  min?: number;
  max?: number;
  values?: readonly string[];
  /** Takes several words (e.g. save, client-output-buffer-limit). */
  multiWord?: boolean;
  /** Several lines accumulate (e.g. `save 900 1` twice), instead of the last one winning. */
  accumulates?: boolean;
  /**
   * For 'special': turn the words into the canonical value or return an error text
   * (Redis's wording where it has one).
   */
  parse?: (words: string[], current: string) => string | { error: string };
  /** Accepted for compatibility with redis.conf files but not acted on (logged at start). */
  noEffect?: boolean;
  /** Hidden from CONFIG GET * (still readable by name). */
  hidden?: boolean;
}

const table = new Map<string, Directive>();
const aliasTo = new Map<string, string>();

export function registerDirectives(list: Directive[]): void {
  for (const d of list) {
    table.set(d.name, d);
    for (const a of d.aliases ?? []) aliasTo.set(a, d.name);
  }
}

export function findDirective(name: string): Directive | undefined {
  const n = name.toLowerCase();
  return table.get(n) ?? table.get(aliasTo.get(n) ?? '');
}

export function allDirectives(): Directive[] {
  return [...table.values()];
}

/** All names including aliases, for CONFIG GET pattern matching. */
export function directiveNames(): [string, Directive][] {
  const out: [string, Directive][] = [];
  for (const d of table.values()) {
    out.push([d.name, d]);
    for (const a of d.aliases ?? []) out.push([a, d]);
  }
  return out;
}

/** Redis's memtoull: 1k = 1000, 1kb = 1024, likewise m/mb and g/gb; case-insensitive. */
export function parseMemory(s: string): number | null {
  const m = /^(-?\d+)(b|k|kb|m|mb|g|gb)?$/i.exec(s.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = (m[2] ?? 'b').toLowerCase();
  const mult: Record<string, number> = { b: 1, k: 1e3, kb: 1024, m: 1e6, mb: 1024 * 1024, g: 1e9, gb: 1024 ** 3 };
  return n * mult[unit]!;
}

const NOTIFY_FLAGS = 'g$lshzxetdmnKEA';
/** The classes that A stands for. */
const NOTIFY_ALL = 'g$lshzxetd';

/**
 * notify-keyspace-events: letters in any order; A = g$lshzxetd. Canonical form as Redis's
 * keyspaceEventsFlagsToString: A (or the class letters), n, K, E, then m.
 */
export function parseNotifyFlags(s: string): string | null {
  const set = new Set<string>();
  for (const ch of s) {
    if (!NOTIFY_FLAGS.includes(ch)) return null;
    if (ch === 'A') for (const c of NOTIFY_ALL) set.add(c);
    else set.add(ch);
  }
  let out = '';
  if ([...NOTIFY_ALL].every((c) => set.has(c))) out += 'A';
  else for (const c of NOTIFY_ALL) if (set.has(c)) out += c;
  if (set.has('n')) out += 'n';
  if (set.has('K')) out += 'K';
  if (set.has('E')) out += 'E';
  if (set.has('m')) out += 'm';
  return out;
}

/** client-output-buffer-limit <class> <hard> <soft> <soft-seconds> [...], merged into the current value. */
function parseOutputBufferLimit(words: string[], current: string): string | { error: string } {
  if (words.length % 4 !== 0 || words.length === 0) return { error: 'Wrong number of arguments in buffer limit configuration.' };
  const classes = new Map<string, string[]>();
  const cur = current.split(/\s+/);
  for (let i = 0; i + 3 < cur.length; i += 4) classes.set(cur[i]!, cur.slice(i + 1, i + 4));
  for (let i = 0; i < words.length; i += 4) {
    let cls = words[i]!.toLowerCase();
    if (cls === 'replica') cls = 'slave';
    if (!['normal', 'slave', 'pubsub'].includes(cls)) return { error: 'Invalid client class specified in buffer limit configuration.' };
    const hard = parseMemory(words[i + 1]!);
    const soft = parseMemory(words[i + 2]!);
    const secs = Number(words[i + 3]);
    if (hard === null || soft === null || !Number.isInteger(secs) || hard < 0 || soft < 0 || secs < 0) {
      return { error: 'Error in hard, soft or soft_seconds setting in buffer limit configuration.' };
    }
    classes.set(cls, [String(hard), String(soft), String(secs)]);
  }
  return ['normal', 'slave', 'pubsub'].map((c) => `${c} ${classes.get(c)!.join(' ')}`).join(' ');
}

function parseBind(words: string[]): string | { error: string } {
  if (words.length === 0) return { error: 'wrong number of arguments' };
  if (words.length > 16) return { error: 'Too many bind addresses specified.' };
  return words.join(' ');
}

function parseSave(words: string[]): string | { error: string } {
  if (words.length === 1 && words[0] === '') return '';
  if (words.length % 2 !== 0) return { error: 'Invalid save parameters' };
  for (const w of words) if (!/^\d+$/.test(w)) return { error: 'Invalid save parameters' };
  return words.join(' ');
}

/** Directives of the server core (network, clients, limits, logging, keyspace). */
registerDirectives([
  { name: 'port', type: 'int', default: '6379', mutable: true, min: 0, max: 65535 },
  { name: 'bind', type: 'special', default: '* -::*', mutable: true, multiWord: true, parse: parseBind },
  { name: 'protected-mode', type: 'bool', default: 'yes', mutable: true },
  { name: 'tcp-backlog', type: 'int', default: '511', mutable: false, min: 0 },
  { name: 'tcp-keepalive', type: 'int', default: '300', mutable: true, min: 0 },
  { name: 'timeout', type: 'int', default: '0', mutable: true, min: 0, max: 2147483647 },
  { name: 'unixsocket', type: 'string', default: '', mutable: false },
  { name: 'unixsocketperm', type: 'int', default: '0', mutable: false },
  { name: 'dir', type: 'special', default: '', mutable: true, parse: (w) => (w.length === 1 ? w[0]! : { error: 'wrong number of arguments' }) },
  { name: 'databases', type: 'int', default: '16', mutable: false, min: 1, max: 2147483647 },
  { name: 'requirepass', type: 'string', default: '', mutable: true },
  { name: 'maxclients', type: 'int', default: '10000', mutable: true, min: 1, max: 4294967295 },
  { name: 'maxmemory', type: 'memory', default: '0', mutable: true, min: 0 },
  {
    name: 'maxmemory-policy',
    type: 'enum',
    default: 'noeviction',
    mutable: true,
    values: ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'],
  },
  { name: 'maxmemory-samples', type: 'int', default: '5', mutable: true, min: 1, max: 64 },
  { name: 'maxmemory-eviction-tenacity', type: 'int', default: '10', mutable: true, min: 0, max: 100 },
  { name: 'lfu-log-factor', type: 'int', default: '10', mutable: true, min: 0, max: 2147483647 },
  { name: 'lfu-decay-time', type: 'int', default: '1', mutable: true, min: 0, max: 2147483647 },
  { name: 'replica-ignore-maxmemory', aliases: ['slave-ignore-maxmemory'], type: 'bool', default: 'yes', mutable: true },
  { name: 'proto-max-bulk-len', type: 'memory', default: '536870912', mutable: true, min: 1024 * 1024, max: 9223372036854775807 },
  { name: 'client-query-buffer-limit', type: 'memory', default: '1073741824', mutable: true, min: 1024 * 1024, max: 9223372036854775807 },
  {
    name: 'client-output-buffer-limit',
    type: 'special',
    default: 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60',
    mutable: true,
    multiWord: true,
    accumulates: true,
    parse: parseOutputBufferLimit,
  },
  { name: 'enable-debug-command', type: 'enum', default: 'no', mutable: false, values: ['no', 'yes', 'local'] },
  { name: 'enable-protected-configs', type: 'enum', default: 'no', mutable: false, values: ['no', 'yes', 'local'] },
  {
    name: 'notify-keyspace-events',
    type: 'special',
    default: '',
    mutable: true,
    parse: (w) => {
      const v = parseNotifyFlags(w.join(''));
      return v === null ? { error: "Invalid event class character. Use 'Ag$lshzxeKEtmdn'." } : v;
    },
  },
  { name: 'hz', type: 'int', default: '10', mutable: true, min: 0, max: 2147483647 },
  { name: 'dynamic-hz', type: 'bool', default: 'yes', mutable: true },
  { name: 'active-expire-effort', type: 'int', default: '1', mutable: true, min: 1, max: 10 },
  { name: 'loglevel', type: 'enum', default: 'notice', mutable: true, values: ['debug', 'verbose', 'notice', 'warning', 'nothing'] },
  { name: 'logfile', type: 'string', default: '', mutable: false },
  { name: 'daemonize', type: 'bool', default: 'no', mutable: false, values: ['no'] },
  { name: 'pidfile', type: 'string', default: '', mutable: false },
  { name: 'slowlog-log-slower-than', type: 'int', default: '10000', mutable: true, min: -1 },
  { name: 'slowlog-max-len', type: 'int', default: '128', mutable: true, min: 0 },
  { name: 'latency-monitor-threshold', type: 'int', default: '0', mutable: true, min: 0 },
  { name: 'latency-tracking', type: 'bool', default: 'yes', mutable: true },
  { name: 'save', type: 'special', default: '3600 1 300 100 60 10000', mutable: true, multiWord: true, accumulates: true, parse: parseSave },
  { name: 'lua-time-limit', aliases: ['busy-reply-threshold'], type: 'int', default: '5000', mutable: true, min: 0 },
  { name: 'list-max-listpack-size', aliases: ['list-max-ziplist-size'], type: 'int', default: '-2', mutable: true },
  { name: 'list-compress-depth', type: 'int', default: '0', mutable: true, min: 0 },
  { name: 'hash-max-listpack-entries', aliases: ['hash-max-ziplist-entries'], type: 'int', default: '512', mutable: true, min: 0 },
  { name: 'hash-max-listpack-value', aliases: ['hash-max-ziplist-value'], type: 'int', default: '64', mutable: true, min: 0 },
  { name: 'set-max-intset-entries', type: 'int', default: '512', mutable: true, min: 0 },
  { name: 'zset-max-listpack-entries', aliases: ['zset-max-ziplist-entries'], type: 'int', default: '128', mutable: true, min: 0 },
  { name: 'zset-max-listpack-value', aliases: ['zset-max-ziplist-value'], type: 'int', default: '64', mutable: true, min: 0 },
  { name: 'hll-sparse-max-bytes', type: 'memory', default: '3000', mutable: true, min: 0 },
  { name: 'stream-node-max-bytes', type: 'memory', default: '4096', mutable: true, min: 0 },
  { name: 'stream-node-max-entries', type: 'int', default: '100', mutable: true, min: 0 },
  // Accepted so that stock redis.conf files load; they tune C-specific machinery that
  // dssm does not have. Each is logged at start when set.
  ...(
    [
      // [name, default, mutable]
      ['io-threads', '1', false],
      ['io-threads-do-reads', 'no', false],
      ['lazyfree-lazy-eviction', 'no', true],
      ['lazyfree-lazy-expire', 'no', true],
      ['lazyfree-lazy-server-del', 'no', true],
      ['lazyfree-lazy-user-del', 'no', true],
      ['lazyfree-lazy-user-flush', 'no', true],
      ['replica-lazy-flush', 'no', true],
      ['activerehashing', 'yes', true],
      ['activedefrag', 'no', true],
      ['jemalloc-bg-thread', 'yes', true],
      ['always-show-logo', 'no', false],
      ['set-proc-title', 'yes', false],
      ['supervised', 'no', false],
      ['syslog-enabled', 'no', false],
      ['crash-log-enabled', 'yes', true],
      ['crash-memcheck-enabled', 'yes', true],
      ['oom-score-adj', 'no', true],
      ['disable-thp', 'yes', false],
      ['rdb-del-sync-files', 'no', true],
      ['active-defrag-cycle-max', '25', true],
      ['active-defrag-cycle-min', '1', true],
      ['active-defrag-ignore-bytes', '104857600', true],
      ['active-defrag-max-scan-fields', '1000', true],
      ['active-defrag-threshold-lower', '10', true],
      ['active-defrag-threshold-upper', '100', true],
      ['maxmemory-clients', '0', true],
      ['latency-tracking-info-percentiles', '50 99 99.9', true],
      ['enable-module-command', 'no', false],
      ['ignore-warnings', '', true],
      ['shutdown-on-sigint', 'default', true],
      ['shutdown-on-sigterm', 'default', true],
      ['shutdown-timeout', '10', true],
      ['socket-mark-id', '0', true],
      ['bind-source-addr', '', true],
      ['tracking-table-max-keys', '1000000', true],
      ['server_cpulist', '', false],
      ['bio_cpulist', '', false],
      ['aof_rewrite_cpulist', '', false],
      ['bgsave_cpulist', '', false],
      ['cluster-enabled', 'no', false],
      ['cluster-config-file', 'nodes.conf', false],
      ['cluster-port', '0', false],
      ['cluster-node-timeout', '15000', true],
      ['cluster-require-full-coverage', 'yes', true],
      ['cluster-allow-reads-when-down', 'no', true],
      ['cluster-allow-pubsubshard-when-down', 'yes', true],
      ['cluster-allow-replica-migration', 'yes', true],
      ['cluster-migration-barrier', '1', true],
      ['cluster-replica-validity-factor', '10', true],
      ['cluster-replica-no-failover', 'no', true],
      ['cluster-announce-ip', '', true],
      ['cluster-announce-hostname', '', true],
      ['cluster-announce-port', '0', true],
      ['cluster-announce-bus-port', '0', true],
      ['cluster-announce-tls-port', '0', true],
      ['cluster-link-sendbuf-limit', '0', true],
      ['cluster-preferred-endpoint-type', 'ip', true],
    ] as const
  ).map(
    ([name, def, mutable]): Directive => ({
      name,
      aliases:
        name === 'cluster-replica-validity-factor'
          ? ['cluster-slave-validity-factor']
          : name === 'cluster-replica-no-failover'
            ? ['cluster-slave-no-failover']
            : name === 'replica-lazy-flush'
              ? ['slave-lazy-flush']
              : undefined,
      type: 'special',
      default: def,
      mutable,
      multiWord: true,
      noEffect: true,
      parse: (w) => w.join(' '),
    }),
  ),
  { name: 'proc-title-template', type: 'string', default: '{title} {listen-addr} {server-mode}', mutable: true, noEffect: true },
  { name: 'oom-score-adj-values', type: 'special', default: '0 200 800', mutable: true, multiWord: true, noEffect: true, parse: (w) => w.join(' ') },
  { name: 'syslog-ident', type: 'string', default: 'redis', mutable: false, noEffect: true },
  { name: 'syslog-facility', type: 'string', default: 'local0', mutable: false, noEffect: true },
  { name: 'locale-collate', type: 'string', default: '', mutable: true, noEffect: true, hidden: true },
]);
