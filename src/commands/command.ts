/**
 * COMMAND and its subcommands, generated from the command table (Redis 7.0's layout):
 * COMMAND INFO entries are [name, arity, flags, first, last, step, acl categories, tips,
 * key specs, subcommands]; COMMAND DOCS maps names to summary/since/group/complexity.
 */
import { CommandError, Err } from '../errors.js';
import { globMatch } from '../util/glob.js';
import { is } from './args.js';
import { replyHelp } from './client.js';
import type { Client } from './context.js';
import { ACL_CATEGORIES, aclCategoriesOf, defineCommand, keyPositions, type CommandFlag, type CommandSpec, type KeySpec } from './spec.js';

/** Flags COMMAND INFO shows, in Redis's order (addReplyCommandFlags). */
const FLAG_ORDER: CommandFlag[] = [
  'write',
  'readonly',
  'denyoom',
  'module',
  'admin',
  'pubsub',
  'noscript',
  'blocking',
  'loading',
  'stale',
  'skip_monitor',
  'skip_slowlog',
  'asking',
  'fast',
  'no_auth',
  'may_replicate',
  'no_mandatory_keys',
  'no_async_loading',
  'no_multi',
  'movablekeys',
  'allow_busy',
];

/** Command tips (Redis 7.0's command json "command_tips"), by full name. */
const TIPS: Record<string, string> = {
  'client|info': 'nondeterministic_output',
  'client|list': 'nondeterministic_output',
  'cluster|bumpepoch': 'nondeterministic_output',
  'cluster|count-failure-reports': 'nondeterministic_output',
  'cluster|getkeysinslot': 'nondeterministic_output',
  'cluster|info': 'nondeterministic_output',
  'cluster|links': 'nondeterministic_output',
  'cluster|nodes': 'nondeterministic_output',
  'cluster|replicas': 'nondeterministic_output',
  'cluster|shards': 'nondeterministic_output',
  'cluster|slaves': 'nondeterministic_output',
  'cluster|slots': 'nondeterministic_output',
  command: 'nondeterministic_output_order',
  'command|docs': 'nondeterministic_output_order',
  'command|info': 'nondeterministic_output_order',
  'command|list': 'nondeterministic_output_order',
  'config|set': 'request_policy:all_nodes,response_policy:all_succeeded',
  dbsize: 'request_policy:all_shards,response_policy:agg_sum',
  del: 'request_policy:multi_shard,response_policy:agg_sum',
  dump: 'nondeterministic_output',
  exists: 'request_policy:multi_shard,response_policy:agg_sum',
  flushall: 'request_policy:all_shards,response_policy:all_succeeded',
  flushdb: 'request_policy:all_shards,response_policy:all_succeeded',
  'function|delete': 'request_policy:all_shards,response_policy:all_succeeded',
  'function|flush': 'request_policy:all_shards,response_policy:all_succeeded',
  'function|kill': 'request_policy:all_shards,response_policy:one_succeeded',
  'function|list': 'nondeterministic_output_order',
  'function|load': 'request_policy:all_shards,response_policy:all_succeeded',
  'function|restore': 'request_policy:all_shards,response_policy:all_succeeded',
  'function|stats': 'nondeterministic_output,request_policy:all_shards,response_policy:special',
  hgetall: 'nondeterministic_output_order',
  hkeys: 'nondeterministic_output_order',
  hrandfield: 'nondeterministic_output',
  hscan: 'nondeterministic_output',
  hvals: 'nondeterministic_output_order',
  info: 'nondeterministic_output,request_policy:all_shards,response_policy:special',
  keys: 'request_policy:all_shards,nondeterministic_output_order',
  lastsave: 'nondeterministic_output',
  'latency|doctor': 'nondeterministic_output,request_policy:all_nodes,response_policy:special',
  'latency|graph': 'nondeterministic_output,request_policy:all_nodes,response_policy:special',
  'latency|histogram': 'nondeterministic_output,request_policy:all_nodes,response_policy:special',
  'latency|history': 'nondeterministic_output,request_policy:all_nodes,response_policy:special',
  'latency|latest': 'nondeterministic_output,request_policy:all_nodes,response_policy:special',
  'latency|reset': 'request_policy:all_nodes,response_policy:all_succeeded',
  'memory|doctor': 'nondeterministic_output,request_policy:all_shards,response_policy:special',
  'memory|malloc-stats': 'nondeterministic_output,request_policy:all_shards,response_policy:special',
  'memory|purge': 'request_policy:all_shards,response_policy:all_succeeded',
  'memory|stats': 'nondeterministic_output,request_policy:all_shards,response_policy:special',
  mget: 'request_policy:multi_shard',
  migrate: 'nondeterministic_output',
  'module|list': 'nondeterministic_output_order',
  mset: 'request_policy:multi_shard,response_policy:all_succeeded',
  msetnx: 'request_policy:multi_shard,response_policy:agg_min',
  'object|encoding': 'nondeterministic_output',
  'object|freq': 'nondeterministic_output',
  'object|idletime': 'nondeterministic_output',
  'object|refcount': 'nondeterministic_output',
  ping: 'request_policy:all_shards,response_policy:all_succeeded',
  pttl: 'nondeterministic_output',
  randomkey: 'request_policy:all_shards,nondeterministic_output',
  scan: 'nondeterministic_output,request_policy:special',
  'script|exists': 'request_policy:all_shards,response_policy:agg_logical_and',
  'script|flush': 'request_policy:all_nodes,response_policy:all_succeeded',
  'script|kill': 'request_policy:all_shards,response_policy:one_succeeded',
  'script|load': 'request_policy:all_nodes,response_policy:all_succeeded',
  sdiff: 'nondeterministic_output_order',
  sinter: 'nondeterministic_output_order',
  'slowlog|get': 'request_policy:all_nodes,nondeterministic_output',
  'slowlog|len': 'request_policy:all_nodes,response_policy:agg_sum,nondeterministic_output',
  'slowlog|reset': 'request_policy:all_nodes,response_policy:all_succeeded',
  smembers: 'nondeterministic_output_order',
  spop: 'nondeterministic_output',
  srandmember: 'nondeterministic_output',
  sscan: 'nondeterministic_output',
  sunion: 'nondeterministic_output_order',
  time: 'nondeterministic_output',
  touch: 'request_policy:multi_shard,response_policy:agg_sum',
  ttl: 'nondeterministic_output',
  unlink: 'request_policy:multi_shard,response_policy:agg_sum',
  wait: 'request_policy:all_shards,response_policy:agg_min',
  xadd: 'nondeterministic_output',
  xautoclaim: 'nondeterministic_output',
  xclaim: 'nondeterministic_output',
  'xinfo|consumers': 'nondeterministic_output',
  xpending: 'nondeterministic_output',
  xtrim: 'nondeterministic_output',
  zrandmember: 'nondeterministic_output',
  zscan: 'nondeterministic_output',
};

function unique(c: Client): CommandSpec[] {
  return [...new Set(c.server.commands.values())];
}

function isContainer(spec: CommandSpec): boolean {
  return spec.subcommands !== undefined && !spec.bare;
}

/** ACL categories as COMMAND INFO shows them ("@read"), in Redis's order. */
export function categoriesOf(spec: CommandSpec): string[] {
  if (isContainer(spec)) return ['@slow'];
  const cats = aclCategoriesOf(spec);
  const rank = (s: string) => {
    const i = ACL_CATEGORIES.indexOf(s);
    return i < 0 ? 100 : i;
  };
  return cats.sort((a, b) => rank(a) - rank(b)).map((s) => `@${s}`);
}

export function flagsOf(spec: CommandSpec): string[] {
  return FLAG_ORDER.filter((f) => spec.flags.includes(f));
}

function replyKeySpecs(c: Client, spec: CommandSpec): void {
  const r = c.reply;
  // Redis 7.0 sends key specs, and the DOCS history below, as RESP3 sets.
  r.setHeader(spec.keySpecs.length);
  for (const ks of spec.keySpecs) {
    r.mapHeader(ks.notes !== undefined ? 4 : 3);
    if (ks.notes !== undefined) {
      r.bulk('notes');
      r.bulk(ks.notes);
    }
    r.bulk('flags');
    r.setHeader(ks.flags.length);
    for (const f of ks.flags) r.simple(f);
    r.bulk('begin_search');
    r.mapHeader(2);
    r.bulk('type');
    r.bulk(ks.begin.type);
    r.bulk('spec');
    if (ks.begin.type === 'index') {
      r.mapHeader(1);
      r.bulk('index');
      r.int(ks.begin.index);
    } else if (ks.begin.type === 'keyword') {
      r.mapHeader(2);
      r.bulk('keyword');
      r.bulk(ks.begin.keyword);
      r.bulk('startfrom');
      r.int(ks.begin.startfrom);
    } else {
      r.mapHeader(0);
    }
    r.bulk('find_keys');
    r.mapHeader(2);
    r.bulk('type');
    r.bulk(ks.find.type);
    r.bulk('spec');
    if (ks.find.type === 'range') {
      r.mapHeader(3);
      r.bulk('lastkey');
      r.int(ks.find.lastkey);
      r.bulk('keystep');
      r.int(ks.find.keystep);
      r.bulk('limit');
      r.int(ks.find.limit);
    } else if (ks.find.type === 'keynum') {
      r.mapHeader(3);
      r.bulk('keynumidx');
      r.int(ks.find.keynumidx);
      r.bulk('firstkey');
      r.int(ks.find.firstkey);
      r.bulk('keystep');
      r.int(ks.find.keystep);
    } else {
      r.mapHeader(0);
    }
  }
}

/** One COMMAND INFO entry. */
function replyInfo(c: Client, spec: CommandSpec): void {
  const r = c.reply;
  r.arrayHeader(10);
  r.bulk(spec.fullName);
  r.int(spec.arity);
  const flags = flagsOf(spec);
  r.setHeader(flags.length);
  for (const f of flags) r.simple(f);
  r.int(spec.firstKey);
  r.int(spec.lastKey);
  r.int(spec.step);
  const cats = categoriesOf(spec);
  r.setHeader(cats.length);
  for (const cat of cats) r.simple(cat);
  const tips = TIPS[spec.fullName]?.split(',') ?? [];
  r.setHeader(tips.length);
  for (const t of tips) r.bulk(t);
  replyKeySpecs(c, spec);
  const subs = spec.subcommands ? [...spec.subcommands.values()] : [];
  r.arrayHeader(subs.length);
  for (const s of subs) replyInfo(c, s);
}

function findSpec(c: Client, name: string): CommandSpec | undefined {
  const bar = name.indexOf('|');
  if (bar < 0) return c.server.dispatch.lookup(name);
  const parent = c.server.dispatch.lookup(name.slice(0, bar));
  return parent?.subcommands?.get(name.slice(bar + 1).toLowerCase());
}

function commandAll(c: Client): void {
  const all = unique(c);
  c.reply.arrayHeader(all.length);
  for (const s of all) replyInfo(c, s);
}

function info(c: Client, argv: string[]): void {
  if (argv.length === 2) return commandAll(c);
  c.reply.arrayHeader(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const spec = findSpec(c, argv[i]!);
    if (spec) replyInfo(c, spec);
    else c.reply.nil();
  }
}

function replyDocs(c: Client, spec: CommandSpec): void {
  const r = c.reply;
  const subs = spec.subcommands ? [...spec.subcommands.values()] : [];
  const d = spec.docs;
  const fields = 3 + (spec.complexity ? 1 : 0) + (d.docFlags ? 1 : 0) + (d.deprecatedSince ? 1 : 0) + (d.replacedBy ? 1 : 0) + (d.history ? 1 : 0) + (subs.length > 0 ? 1 : 0);
  r.mapHeader(fields);
  r.bulk('summary');
  r.bulk(spec.summary);
  r.bulk('since');
  r.bulk(spec.since);
  r.bulk('group');
  r.bulk(spec.group);
  if (spec.complexity) {
    r.bulk('complexity');
    r.bulk(spec.complexity);
  }
  if (d.docFlags) {
    r.bulk('doc_flags');
    r.setHeader(d.docFlags.length);
    for (const f of d.docFlags) r.simple(f);
  }
  if (d.deprecatedSince) {
    r.bulk('deprecated_since');
    r.bulk(d.deprecatedSince);
  }
  if (d.replacedBy) {
    r.bulk('replaced_by');
    r.bulk(d.replacedBy);
  }
  if (d.history) {
    r.bulk('history');
    r.setHeader(d.history.length);
    for (const [version, text] of d.history) {
      r.arrayHeader(2);
      r.bulk(version);
      r.bulk(text);
    }
  }
  if (subs.length > 0) {
    r.bulk('subcommands');
    r.mapHeader(subs.length);
    for (const s of subs) {
      r.bulk(s.fullName);
      replyDocs(c, s);
    }
  }
}

function docs(c: Client, argv: string[]): void {
  const found: CommandSpec[] = [];
  if (argv.length === 2) found.push(...unique(c));
  else {
    for (let i = 2; i < argv.length; i++) {
      const spec = findSpec(c, argv[i]!);
      if (spec) found.push(spec);
    }
  }
  c.reply.mapHeader(found.length);
  for (const s of found) {
    c.reply.bulk(s.fullName);
    replyDocs(c, s);
  }
}

function count(c: Client): void {
  c.reply.int(unique(c).length);
}

function list(c: Client, argv: string[]): void {
  let filter: ((s: CommandSpec) => boolean) | null = null;
  if (argv.length === 5 && is(argv[2], 'filterby')) {
    const kind = argv[3]!;
    const value = argv[4]!;
    if (is(kind, 'module')) filter = () => false;
    else if (is(kind, 'aclcat')) filter = (s) => categoriesOf(s).includes(`@${value.toLowerCase()}`);
    else if (is(kind, 'pattern')) filter = (s) => globMatch(value, s.fullName, true);
    else throw new CommandError(Err.SYNTAX);
  } else if (argv.length !== 2) {
    throw new CommandError(Err.SYNTAX);
  }
  const names: string[] = [];
  for (const s of unique(c)) {
    for (const x of [s, ...(s.subcommands?.values() ?? [])]) if (!filter || filter(x)) names.push(x.fullName);
  }
  c.reply.arrayHeader(names.length);
  for (const n of names) c.reply.bulk(n);
}

/** Resolve the command of COMMAND GETKEYS and its key positions, with Redis's error texts. */
function keysOf(c: Client, argv: string[]): { spec: CommandSpec; positions: number[] } {
  const cmd = argv.slice(2);
  const base = c.server.dispatch.lookup(cmd[0]!);
  if (!base) throw new CommandError('ERR Invalid command specified');
  const resolved = c.server.dispatch.resolve(null, cmd);
  if (typeof resolved === 'string') {
    if (resolved.startsWith('ERR unknown subcommand')) throw new CommandError('ERR Invalid command specified');
    throw new CommandError('ERR Invalid number of arguments specified for command');
  }
  const spec = resolved;
  if (spec.firstKey <= 0 && !spec.getKeys) throw new CommandError('ERR The command has no key arguments');
  let positions: number[];
  try {
    positions = keyPositions(spec, cmd);
  } catch {
    throw new CommandError('ERR Invalid arguments specified for command');
  }
  if (positions.length === 0 || positions.some((p) => p >= cmd.length)) {
    if (spec.getKeys) throw new CommandError('ERR Invalid arguments specified for command');
    throw new CommandError('ERR The command has no key arguments');
  }
  return { spec, positions };
}

function getkeys(c: Client, argv: string[]): void {
  const { positions } = keysOf(c, argv);
  c.reply.arrayHeader(positions.length);
  for (const p of positions) c.reply.bulk(argv[p + 2]!);
}

/** The key spec whose begin/find rules cover argument position p of cmd, if one does. */
function keySpecAt(spec: CommandSpec, cmd: readonly string[], p: number): KeySpec | undefined {
  for (const ks of spec.keySpecs) {
    let start: number;
    if (ks.begin.type === 'index') start = ks.begin.index;
    else if (ks.begin.type === 'keyword') {
      const { keyword, startfrom } = ks.begin;
      start = -1;
      const from = startfrom >= 0 ? startfrom : cmd.length + startfrom;
      const step = startfrom >= 0 ? 1 : -1;
      for (let i = from; i > 0 && i < cmd.length; i += step) {
        if (cmd[i]!.toLowerCase() === keyword.toLowerCase()) {
          start = i + 1;
          break;
        }
      }
      if (start < 0) continue;
    } else continue;
    const f = ks.find;
    if (f.type === 'range') {
      const last = f.lastkey >= 0 ? start + f.lastkey : cmd.length + f.lastkey;
      if (p >= start && p <= last && (p - start) % f.keystep === 0) return ks;
    } else if (f.type === 'keynum') {
      const n = Number(cmd[start + f.keynumidx]);
      const first = start + f.firstkey;
      if (Number.isInteger(n) && p >= first && p < first + n * f.keystep && (p - first) % f.keystep === 0) return ks;
    }
  }
  return undefined;
}

/** SET (GET or not) and BITFIELD (only GETs or not): the key flags this call really has. */
function variableKeyFlags(spec: CommandSpec, cmd: readonly string[]): readonly string[] {
  const has = (word: string) => cmd.some((a, i) => i > 1 && a.toLowerCase() === word);
  if (spec.fullName === 'set') return has('get') ? ['RW', 'access', 'update'] : ['OW', 'update'];
  if (spec.fullName === 'bitfield') return has('set') || has('incrby') ? ['RW', 'access', 'update'] : ['RO', 'access'];
  return ['RW', 'access', 'update'];
}

function getkeysandflags(c: Client, argv: string[]): void {
  const { spec, positions } = keysOf(c, argv);
  const cmd = argv.slice(2);
  const fallback = spec.flags.includes('write') ? ['RW', 'update'] : ['RO', 'access'];
  c.reply.arrayHeader(positions.length);
  for (const p of positions) {
    // The flags of the key spec that found the key, as Redis's getKeysFromCommandWithSpecs;
    // a spec with variable flags gets them from the arguments, as the command's getkeys does.
    const ks = keySpecAt(spec, cmd, p);
    const flags = ks === undefined ? fallback : ks.flags.includes('variable_flags') ? variableKeyFlags(spec, cmd) : ks.flags;
    c.reply.arrayHeader(2);
    c.reply.bulk(argv[p + 2]!);
    c.reply.setHeader(flags.length);
    for (const f of flags) c.reply.simple(f);
  }
}

function help(c: Client): void {
  replyHelp(c, 'COMMAND', [
    '(no subcommand)',
    '    Return details about all Redis commands.',
    'COUNT',
    '    Return the total number of commands in this Redis server.',
    'LIST',
    '    Return a list of all commands in this Redis server.',
    'INFO [<command-name> ...]',
    '    Return details about multiple Redis commands.',
    '    If no command names are given, documentation details for all',
    '    commands are returned.',
    'DOCS [<command-name> ...]',
    '    Return documentation details about multiple Redis commands.',
    '    If no command names are given, documentation details for all',
    '    commands are returned.',
    'GETKEYS <full-command>',
    '    Return the keys from a full Redis command.',
    'GETKEYSANDFLAGS <full-command>',
    '    Return the keys and the access flags from a full Redis command.',
  ]);
}

const S = { group: 'server' as const, flags: 'loading stale', acl: 'connection' };
export const introspectionCommands: CommandSpec[] = [
  defineCommand({
    ...S,
    name: 'command',
    arity: -1,
    handler: commandAll,
    summary: 'Get array of Redis command details',
    since: '2.8.13',
    complexity: 'O(N) where N is the total number of Redis commands',
    subcommands: [
      { ...S, name: 'count', arity: 2, handler: count, summary: 'Get total number of Redis commands', since: '2.8.13' },
      {
        ...S,
        name: 'info',
        docs: { history: [['7.0.0', 'Allowed to be called with no argument to get info on all commands.']] },
        arity: -2,
        handler: info,
        summary: 'Get array of specific Redis command details, or all when no argument is given.',
        since: '2.8.13',
        complexity: 'O(N) where N is the number of commands to look up',
      },
      { ...S, name: 'docs', arity: -2, handler: docs, summary: 'Get array of specific Redis command documentation', since: '7.0.0', complexity: 'O(N) where N is the number of commands to look up' },
      { ...S, name: 'list', arity: -2, handler: list, summary: 'Get an array of Redis command names', since: '7.0.0', complexity: 'O(N) where N is the total number of Redis commands' },
      { ...S, name: 'getkeys', arity: -4, handler: getkeys, summary: 'Extract keys given a full Redis command', since: '2.8.13', complexity: 'O(N) where N is the number of arguments to the command' },
      {
        ...S,
        name: 'getkeysandflags',
        arity: -4,
        handler: getkeysandflags,
        summary: 'Extract keys and access flags given a full Redis command',
        since: '7.0.0',
        complexity: 'O(N) where N is the number of arguments to the command',
      },
      { ...S, name: 'help', arity: 2, handler: help, summary: 'Show helpful text about the different subcommands', since: '5.0.0' },
    ],
  }),
];
