/**
 * Set commands, following Redis 7.0's t_set.c: reply shapes (SMEMBERS, SINTER, SPOP with a
 * count are RESP3 sets; SRANDMEMBER with a count is an array), error texts, keyspace
 * events, and propagation (SPOP as SREM of each popped member, or DEL when it takes the
 * whole set).
 */
import { CommandError, Err } from '../errors.js';
import type { Database } from '../keyspace/keyspace.js';
import { RSet } from '../keyspace/types/set.js';
import { globMatch } from '../util/glob.js';
import { bulkReplyBytes, checkRandomReplySize, is, parseIntOrNull, parseRandomCount } from './args.js';
import { parseScanCursor, parseScanOptions } from './collection-scan.js';
import type { Client, ServerContext } from './context.js';
import { defineCommand, type CommandSpec } from './spec.js';

/** Elements drawn to estimate the reply size of a random pick with repetitions. */
const RANDOM_SAMPLE = 8;
const MUST_BE_POSITIVE = 'ERR value is out of range, must be positive';
/** Redis's SPOP_MOVE_STRATEGY_MUL: above this ratio SPOP rebuilds the set from the rest. */
const SPOP_MOVE_STRATEGY_MUL = 5;

/** The set at key for reading (counts hits/misses); undefined if missing; WRONGTYPE otherwise. */
function readSet(db: Database, key: string): RSet | undefined {
  const v = db.read(key);
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== 'set') throw new CommandError(Err.WRONGTYPE);
  return v as RSet;
}

/** The set at key for writing (no hit/miss accounting). */
function writeSet(db: Database, key: string): RSet | undefined {
  const v = db.get(key);
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== 'set') throw new CommandError(Err.WRONGTYPE);
  return v as RSet;
}

/** set-max-intset-entries per server, kept current by CONFIG SET (read by every SADD). */
const maxIntsetByServer = new WeakMap<ServerContext, { value: number }>();

function maxIntset(c: Client): number {
  let m = maxIntsetByServer.get(c.server);
  if (m === undefined) {
    const cur = { value: 0 };
    c.server.config.watch('set-max-intset-entries', (v) => (cur.value = Number(v)));
    maxIntsetByServer.set(c.server, cur);
    m = cur;
  }
  return m.value;
}

function sadd(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const existing = writeSet(c.db, key);
  const s = existing ?? new RSet();
  const max = maxIntset(c);
  let added = 0;
  for (let i = 2; i < argv.length; i++) if (s.add(argv[i]!, max)) added++;
  if (existing === undefined) c.db.add(key, s);
  else if (added > 0) c.db.modified(key);
  if (added > 0) c.server.notify('set', 'sadd', key, c.db.id);
  c.reply.int(added);
}

function srem(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const s = writeSet(c.db, key);
  if (s === undefined) return c.reply.int(0);
  let removed = 0;
  for (let i = 2; i < argv.length; i++) {
    if (s.remove(argv[i]!)) {
      removed++;
      if (s.size() === 0) break;
    }
  }
  if (removed > 0) {
    const emptied = s.size() === 0;
    if (emptied) c.db.delete(key);
    else c.db.modified(key);
    c.server.notify('set', 'srem', key, c.db.id);
    if (emptied) c.server.notify('generic', 'del', key, c.db.id);
  }
  c.reply.int(removed);
}

function replySet(c: Client, members: Iterable<string>, n: number): void {
  c.reply.setHeader(n);
  for (const m of members) c.reply.bulk(m);
}

function smembers(c: Client, argv: string[]): void {
  const s = readSet(c.db, argv[1]!);
  if (s === undefined) return c.reply.setHeader(0);
  replySet(c, s.members(), s.size());
}

function sismember(c: Client, argv: string[]): void {
  c.reply.int(readSet(c.db, argv[1]!)?.has(argv[2]!) ? 1 : 0);
}

function smismember(c: Client, argv: string[]): void {
  const s = readSet(c.db, argv[1]!);
  c.reply.arrayHeader(argv.length - 2);
  for (let i = 2; i < argv.length; i++) c.reply.int(s?.has(argv[i]!) ? 1 : 0);
}

function scard(c: Client, argv: string[]): void {
  c.reply.int(readSet(c.db, argv[1]!)?.size() ?? 0);
}

function spop(c: Client, argv: string[]): void {
  if (argv.length === 3) return spopWithCount(c, argv);
  if (argv.length > 3) throw new CommandError(Err.SYNTAX);
  const key = argv[1]!;
  const s = writeSet(c.db, key);
  if (s === undefined) return c.reply.nil();
  const m = s.pop();
  c.server.notify('set', 'spop', key, c.db.id);
  c.propagateAs(['SREM', key, m]);
  c.reply.bulk(m);
  if (s.size() === 0) {
    c.db.delete(key);
    c.server.notify('generic', 'del', key, c.db.id);
  } else {
    c.db.modified(key);
  }
}

function spopWithCount(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const n = parseIntOrNull(argv[2]!);
  if (n === null || n < 0) throw new CommandError(MUST_BE_POSITIVE);
  const s = writeSet(c.db, key);
  if (s === undefined || n === 0) return c.reply.setHeader(0);
  const size = s.size();
  if (n >= size) {
    // The whole set: reply with it, delete the key, propagate a DEL.
    replySet(c, s.members(), size);
    c.db.delete(key);
    c.server.notify('set', 'spop', key, c.db.id);
    c.propagateAs(['DEL', key]);
    c.server.notify('generic', 'del', key, c.db.id);
    return;
  }
  const remaining = size - n;
  let popped: string[];
  if (remaining * SPOP_MOVE_STRATEGY_MUL > n) {
    popped = new Array<string>(n);
    for (let i = 0; i < n; i++) popped[i] = s.pop();
    c.db.modified(key);
  } else {
    // Most of the set goes: keep the few that stay in a new set (which may be an intset
    // again, as in Redis, since it is built like a new set) and return the rest.
    const keep = s.randomDistinct(remaining);
    for (const m of keep) s.remove(m);
    popped = [...s.members()];
    c.db.replace(key, RSet.fromMembers(keep, maxIntset(c)));
  }
  replySet(c, popped, n);
  for (const m of popped) c.propagateAs(['SREM', key, m]);
  c.server.notify('set', 'spop', key, c.db.id);
}

function srandmember(c: Client, argv: string[]): void {
  if (argv.length === 3) return srandmemberWithCount(c, argv);
  if (argv.length > 3) throw new CommandError(Err.SYNTAX);
  const s = readSet(c.db, argv[1]!);
  if (s === undefined) return c.reply.nil();
  c.reply.bulk(s.random());
}

function srandmemberWithCount(c: Client, argv: string[]): void {
  const big = parseRandomCount(argv[2]!);
  const s = readSet(c.db, argv[1]!);
  if (s === undefined || big === 0n) return c.reply.arrayHeader(0);
  if (big < 0n) {
    const n = Number(-big);
    let sample = 0;
    for (let i = 0; i < RANDOM_SAMPLE; i++) sample += bulkReplyBytes(s.random().length);
    checkRandomReplySize(n, sample, RANDOM_SAMPLE);
    c.reply.arrayHeader(n);
    for (let i = 0; i < n; i++) c.reply.bulk(s.random());
    return;
  }
  const n = Number(big);
  const size = s.size();
  if (n >= size) {
    c.reply.arrayHeader(size);
    for (const m of s.members()) c.reply.bulk(m);
    return;
  }
  c.reply.bulkArray(s.randomDistinct(n));
}

function smove(c: Client, argv: string[]): void {
  const [, srcKey, dstKey, member] = argv as [string, string, string, string];
  const srcVal = c.db.get(srcKey);
  const dstVal = c.db.get(dstKey);
  if (srcVal === undefined) return c.reply.int(0);
  const isSet = (v: unknown): boolean => typeof v !== 'string' && (v as RSet).type === 'set';
  if (!isSet(srcVal) || (dstVal !== undefined && !isSet(dstVal))) throw new CommandError(Err.WRONGTYPE);
  const src = srcVal as RSet;
  const dst = dstVal as RSet | undefined;
  if (src === dst) return c.reply.int(src.has(member) ? 1 : 0);
  if (!src.remove(member)) return c.reply.int(0);
  c.server.notify('set', 'srem', srcKey, c.db.id);
  if (src.size() === 0) {
    c.db.delete(srcKey);
    c.server.notify('generic', 'del', srcKey, c.db.id);
  } else {
    c.db.modified(srcKey);
  }
  const max = maxIntset(c);
  if (dst === undefined) {
    c.db.add(dstKey, RSet.fromMembers([member], max));
    c.server.notify('set', 'sadd', dstKey, c.db.id);
  } else if (dst.add(member, max)) {
    c.db.modified(dstKey);
    c.server.notify('set', 'sadd', dstKey, c.db.id);
  }
  c.reply.int(1);
}

/**
 * Look up every source key first (WRONGTYPE wins over a missing key anywhere). The STORE
 * variants look keys up for writing, as Redis does (no hit/miss accounting).
 */
function sources(c: Client, keys: readonly string[], forWrite = false): (RSet | undefined)[] {
  return keys.map((k) => (forWrite ? writeSet(c.db, k) : readSet(c.db, k)));
}

/** Members of the intersection, stopping after `limit` when limit > 0. */
function intersect(sets: (RSet | undefined)[], limit = 0): string[] {
  if (sets.some((s) => s === undefined)) return [];
  const sorted = (sets as RSet[]).slice().sort((a, b) => a.size() - b.size());
  const [first, ...rest] = sorted as [RSet, ...RSet[]];
  const out: string[] = [];
  for (const m of first.members()) {
    let all = true;
    for (const other of rest) {
      if (other !== first && !other.has(m)) {
        all = false;
        break;
      }
    }
    if (all) {
      out.push(m);
      if (limit > 0 && out.length >= limit) break;
    }
  }
  return out;
}

function union(sets: (RSet | undefined)[]): Iterable<string> {
  const out = new Set<string>();
  for (const s of sets) if (s) for (const m of s.members()) out.add(m);
  return out;
}

function difference(sets: (RSet | undefined)[]): string[] {
  const [first, ...rest] = sets;
  if (first === undefined) return [];
  const out: string[] = [];
  for (const m of first.members()) {
    let keep = true;
    for (const other of rest) {
      if (other !== undefined && (other === first || other.has(m))) {
        keep = false;
        break;
      }
    }
    if (keep) out.push(m);
  }
  return out;
}

type SetOp = 'inter' | 'union' | 'diff';

function compute(op: SetOp, sets: (RSet | undefined)[]): string[] {
  if (op === 'inter') return intersect(sets);
  if (op === 'union') return [...union(sets)];
  return difference(sets);
}

function setOpReply(c: Client, argv: string[], op: SetOp): void {
  const result = compute(op, sources(c, argv.slice(1)));
  replySet(c, result, result.length);
}

function setOpStore(c: Client, argv: string[], op: SetOp): void {
  const dstKey = argv[1]!;
  const result = compute(op, sources(c, argv.slice(2), true));
  if (result.length > 0) {
    c.db.set(dstKey, RSet.fromMembers(result, maxIntset(c)));
    c.server.notify('set', op === 'inter' ? 'sinterstore' : op === 'union' ? 'sunionstore' : 'sdiffstore', dstKey, c.db.id);
    return c.reply.int(result.length);
  }
  if (c.db.delete(dstKey)) c.server.notify('generic', 'del', dstKey, c.db.id);
  c.reply.int(0);
}

function sintercard(c: Client, argv: string[]): void {
  const numkeys = parseIntOrNull(argv[1]!);
  if (numkeys === null || numkeys < 1) throw new CommandError('ERR numkeys should be greater than 0');
  if (numkeys > argv.length - 2) throw new CommandError("ERR Number of keys can't be greater than number of args");
  let limit = 0;
  for (let j = 2 + numkeys; j < argv.length; j++) {
    if (is(argv[j]!, 'limit') && j + 1 < argv.length) {
      j++;
      const v = parseIntOrNull(argv[j]!);
      if (v === null || v < 0) throw new CommandError("ERR LIMIT can't be negative");
      limit = v;
    } else {
      throw new CommandError(Err.SYNTAX);
    }
  }
  c.reply.int(intersect(sources(c, argv.slice(2, 2 + numkeys)), limit).length);
}

function sintercardKeys(argv: readonly string[]): number[] {
  const n = parseIntOrNull(argv[1] ?? '');
  if (n === null || n < 1 || n > argv.length - 2) return [];
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(2 + i);
  return out;
}

function sscan(c: Client, argv: string[]): void {
  const cursor = parseScanCursor(argv[2]!);
  const s = readSet(c.db, argv[1]!);
  if (s === undefined) {
    c.reply.arrayHeader(2);
    c.reply.bulk('0');
    return c.reply.arrayHeader(0);
  }
  const { count, pattern } = parseScanOptions(argv, 3);
  const { members, next } = s.scan(cursor, count);
  c.reply.arrayHeader(2);
  c.reply.bulk(String(next));
  c.reply.bulkArray(pattern === null ? members : members.filter((m) => globMatch(pattern, m)));
}

const S = { group: 'set' as const };
const K1 = [1, 1, 1] as const;
const KALL = [1, -1, 1] as const;
export const setCommands: CommandSpec[] = [
  defineCommand({
    ...S,
    name: 'sadd',
    keySpecs: ['RW insert | index 1 | range 0 1 0'],
    docs: { history: [['2.4.0', 'Accepts multiple `member` arguments.']] },
    arity: -3,
    flags: 'write denyoom fast',
    keys: K1,
    handler: sadd,
    summary: 'Add one or more members to a set',
    since: '1.0.0',
    complexity: 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.',
  }),
  defineCommand({
    ...S,
    name: 'srem',
    keySpecs: ['RW delete | index 1 | range 0 1 0'],
    docs: { history: [['2.4.0', 'Accepts multiple `member` arguments.']] },
    arity: -3,
    flags: 'write fast',
    keys: K1,
    handler: srem,
    summary: 'Remove one or more members from a set',
    since: '1.0.0',
    complexity: 'O(N) where N is the number of members to be removed.',
  }),
  defineCommand({
    ...S,
    name: 'smembers',
    arity: 2,
    flags: 'readonly',
    keys: K1,
    handler: smembers,
    summary: 'Get all the members in a set',
    since: '1.0.0',
    complexity: 'O(N) where N is the set cardinality.',
  }),
  defineCommand({
    ...S,
    name: 'sismember',
    keySpecs: ['RO | index 1 | range 0 1 0'],
    arity: 3,
    flags: 'readonly fast',
    keys: K1,
    handler: sismember,
    summary: 'Determine if a given value is a member of a set',
    since: '1.0.0',
  }),
  defineCommand({
    ...S,
    name: 'smismember',
    arity: -3,
    flags: 'readonly fast',
    keys: K1,
    handler: smismember,
    summary: 'Returns the membership associated with the given elements for a set',
    since: '6.2.0',
    complexity: 'O(N) where N is the number of elements being checked for membership',
  }),
  defineCommand({
    ...S,
    name: 'scard',
    keySpecs: ['RO | index 1 | range 0 1 0'],
    arity: 2,
    flags: 'readonly fast',
    keys: K1,
    handler: scard,
    summary: 'Get the number of members in a set',
    since: '1.0.0',
  }),
  defineCommand({
    ...S,
    name: 'spop',
    keySpecs: ['RW access delete | index 1 | range 0 1 0'],
    docs: { history: [['3.2.0', 'Added the `count` argument.']] },
    arity: -2,
    flags: 'write fast',
    keys: K1,
    handler: spop,
    summary: 'Remove and return one or multiple random members from a set',
    since: '1.0.0',
    complexity: 'Without the count argument O(1), otherwise O(N) where N is the value of the passed count.',
  }),
  defineCommand({
    ...S,
    name: 'srandmember',
    docs: { history: [['2.6.0', 'Added the optional `count` argument.']] },
    arity: -2,
    flags: 'readonly',
    keys: K1,
    handler: srandmember,
    summary: 'Get one or multiple random members from a set',
    since: '1.0.0',
    complexity: 'Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.',
  }),
  defineCommand({
    ...S,
    name: 'smove',
    keySpecs: ['RW access delete | index 1 | range 0 1 0', 'RW insert | index 2 | range 0 1 0'],
    arity: 4,
    flags: 'write fast',
    keys: [1, 2, 1],
    handler: smove,
    summary: 'Move a member from one set to another',
    since: '1.0.0',
  }),
  defineCommand({
    ...S,
    name: 'sinter',
    arity: -2,
    flags: 'readonly',
    keys: KALL,
    handler: (c, a) => setOpReply(c, a, 'inter'),
    summary: 'Intersect multiple sets',
    since: '1.0.0',
    complexity: 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.',
  }),
  defineCommand({
    ...S,
    name: 'sintercard',
    keySpecs: ['RO access | index 1 | keynum 0 1 1'],
    arity: -3,
    flags: 'readonly',
    getKeys: sintercardKeys,
    handler: sintercard,
    summary: 'Intersect multiple sets and return the cardinality of the result',
    since: '7.0.0',
    complexity: 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.',
  }),
  defineCommand({
    ...S,
    name: 'sinterstore',
    keySpecs: ['RW update | index 1 | range 0 1 0', 'RO access | index 2 | range -1 1 0'],
    arity: -3,
    flags: 'write denyoom',
    keys: KALL,
    handler: (c, a) => setOpStore(c, a, 'inter'),
    summary: 'Intersect multiple sets and store the resulting set in a key',
    since: '1.0.0',
    complexity: 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.',
  }),
  defineCommand({
    ...S,
    name: 'sunion',
    arity: -2,
    flags: 'readonly',
    keys: KALL,
    handler: (c, a) => setOpReply(c, a, 'union'),
    summary: 'Add multiple sets',
    since: '1.0.0',
    complexity: 'O(N) where N is the total number of elements in all given sets.',
  }),
  defineCommand({
    ...S,
    name: 'sunionstore',
    keySpecs: ['OW update | index 1 | range 0 1 0', 'RO access | index 2 | range -1 1 0'],
    arity: -3,
    flags: 'write denyoom',
    keys: KALL,
    handler: (c, a) => setOpStore(c, a, 'union'),
    summary: 'Add multiple sets and store the resulting set in a key',
    since: '1.0.0',
    complexity: 'O(N) where N is the total number of elements in all given sets.',
  }),
  defineCommand({
    ...S,
    name: 'sdiff',
    arity: -2,
    flags: 'readonly',
    keys: KALL,
    handler: (c, a) => setOpReply(c, a, 'diff'),
    summary: 'Subtract multiple sets',
    since: '1.0.0',
    complexity: 'O(N) where N is the total number of elements in all given sets.',
  }),
  defineCommand({
    ...S,
    name: 'sdiffstore',
    keySpecs: ['OW update | index 1 | range 0 1 0', 'RO access | index 2 | range -1 1 0'],
    arity: -3,
    flags: 'write denyoom',
    keys: KALL,
    handler: (c, a) => setOpStore(c, a, 'diff'),
    summary: 'Subtract multiple sets and store the resulting set in a key',
    since: '1.0.0',
    complexity: 'O(N) where N is the total number of elements in all given sets.',
  }),
  defineCommand({
    ...S,
    name: 'sscan',
    arity: -3,
    flags: 'readonly',
    keys: K1,
    handler: sscan,
    summary: 'Incrementally iterate Set elements',
    since: '2.8.0',
    complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..',
  }),
];
