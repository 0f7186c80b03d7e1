/**
 * Server commands: INFO DBSIZE FLUSHDB FLUSHALL CONFIG TIME SHUTDOWN and friends.
 */
import { CommandError, Err } from '../errors.js';
import { directiveNames, findDirective } from '../config/schema.js';
import { globMatch } from '../util/glob.js';
import { is } from './args.js';
import type { Client } from './context.js';
import { defineCommand, type CommandSpec } from './spec.js';

/** INFO's default sections, in Redis 7.0's order. */
const DEFAULT_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'errorstats', 'cluster', 'keyspace'];
const ALL_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'commandstats', 'errorstats', 'latencystats', 'cluster', 'keyspace'];

/** Render INFO text for the requested section names (lower case), Redis's way. */
export function renderInfo(c: Client, requested: string[]): string {
  let names: string[];
  if (requested.length === 0 || requested.includes('default')) names = DEFAULT_SECTIONS.filter((n) => requested.length === 0 || true);
  else names = [];
  const wantAll = requested.includes('all') || requested.includes('everything');
  if (wantAll) names = ALL_SECTIONS.filter((n) => n !== 'modules' || requested.includes('everything'));
  for (const r of requested) if (r !== 'default' && r !== 'all' && r !== 'everything' && !names.includes(r)) names.push(r);
  // Keep Redis's order regardless of the order asked for.
  const order = new Map(ALL_SECTIONS.map((n, i) => [n, i]));
  names.sort((a, b) => (order.get(a) ?? 100) - (order.get(b) ?? 100));
  const parts: string[] = [];
  for (const name of names) {
    const provider = c.server.infoSections.get(name);
    if (!provider) continue;
    const body = provider();
    const title = name === 'commandstats' ? 'Commandstats' : name === 'errorstats' ? 'Errorstats' : name === 'latencystats' ? 'Latencystats' : name === 'cpu' ? 'CPU' : name[0]!.toUpperCase() + name.slice(1);
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
  const pairs: [string, string][] = [];
  const seen = new Set<string>();
  for (let i = 2; i < argv.length; i += 2) {
    const d = findDirective(argv[i]!);
    if (!d || !d.mutable) {
      throw new CommandError(`ERR Unknown option or number of arguments for CONFIG SET - '${argv[i]}'`);
    }
    if (seen.has(d.name)) throw new CommandError(`ERR Duplicate parameter - '${argv[i]}'`);
    seen.add(d.name);
    pairs.push([d.name, argv[i + 1]!]);
  }
  // All or nothing, as Redis 7: validate every value first, then apply.
  const config = c.server.config;
  const previous = pairs.map(([name]) => [name, config.get(name)] as const);
  for (const [name, value] of pairs) {
    const d = findDirective(name)!;
    const words = d.multiWord ? value.split(/\s+/).filter((w) => w !== '') : [value];
    if (d.multiWord && words.length === 0) words.push('');
    const r = config.set(name, words);
    if (!r.ok) {
      for (const [pn, pv] of previous) config.setRaw(pn, pv);
      const arg = argv[2 + 2 * pairs.findIndex(([n]) => n === name)]!;
      throw new CommandError(`ERR CONFIG SET failed (possibly related to argument '${arg}') - ${r.error}`);
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
  c.reply.ok();
}

function shutdown(c: Client, argv: string[]): void {
  const opts: { save?: boolean; now?: boolean; force?: boolean } = {};
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (is(a, 'nosave')) opts.save = false;
    else if (is(a, 'save')) opts.save = true;
    else if (is(a, 'now')) opts.now = true;
    else if (is(a, 'force')) opts.force = true;
    else if (is(a, 'abort')) throw new CommandError('ERR No shutdown in progress.');
    else throw new CommandError(Err.SYNTAX);
  }
  // The connection closes with the server; Redis sends no reply on success.
  void c.server.shutdown(opts);
}

const S = { group: 'server' as const };
export const serverCommands: CommandSpec[] = [
  defineCommand({ ...S, name: 'info', arity: -1, flags: 'loading stale', handler: info, acl: 'dangerous', summary: 'Get information and statistics about the server', since: '1.0.0' }),
  defineCommand({ ...S, name: 'dbsize', arity: 1, flags: 'readonly fast', handler: dbsize, acl: 'keyspace', summary: 'Return the number of keys in the selected database', since: '1.0.0' }),
  defineCommand({ ...S, name: 'flushdb', arity: -1, flags: 'write', handler: flushdb, acl: 'keyspace dangerous', summary: 'Remove all keys from the current database', since: '1.0.0', complexity: 'O(N) where N is the number of keys in the selected database' }),
  defineCommand({ ...S, name: 'flushall', arity: -1, flags: 'write', handler: flushall, acl: 'keyspace dangerous', summary: 'Remove all keys from all databases', since: '1.0.0', complexity: 'O(N) where N is the total number of keys in all databases' }),
  defineCommand({ ...S, name: 'time', arity: 1, flags: 'loading stale fast', handler: time, summary: 'Return the current server time', since: '2.6.0' }),
  defineCommand({ ...S, name: 'shutdown', arity: -1, flags: 'admin noscript loading stale no_multi sentinel allow_busy', handler: shutdown, summary: 'Synchronously save the dataset to disk and then shut down the server', since: '1.0.0', complexity: 'O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)' }),
  defineCommand({
    ...S,
    name: 'config',
    arity: -2,
    summary: 'A container for server configuration commands',
    since: '2.0.0',
    complexity: 'Depends on subcommand.',
    subcommands: [
      { ...S, name: 'get', arity: -3, flags: 'admin noscript loading stale', handler: configGet, summary: 'Get the values of configuration parameters', since: '2.0.0', complexity: 'O(N) when N is the number of configuration parameters provided' },
      { ...S, name: 'set', arity: -4, flags: 'admin noscript loading stale', handler: configSet, summary: 'Set configuration parameters to the given values', since: '2.0.0', complexity: 'O(N) when N is the number of configuration parameters provided' },
      { ...S, name: 'resetstat', arity: 2, flags: 'admin noscript loading stale', handler: configResetStat, summary: 'Reset the stats returned by INFO', since: '2.0.0' },
    ],
  }),
];
