/**
 * Hash commands, following Redis 7.0's t_hash.c: reply shapes (HGETALL is a RESP3 map,
 * HRANDFIELD WITHVALUES pairs are nested arrays in RESP3), error texts, keyspace events,
 * and propagation (HINCRBYFLOAT as HSET with the final value).
 */
import { CommandError, Err } from '../errors.js';
import type { Database } from '../keyspace/keyspace.js';
import { RHash, type HashLimits } from '../keyspace/types/hash.js';
import { formatLongDouble, ldAdd, parseLongDouble } from '../util/long-double.js';
import { globMatch } from '../util/glob.js';
import { bulkReplyBytes, checkPairedRandomCount, checkRandomReplySize, is, parseI64, parseRandomCount } from './args.js';
import { parseScanCursor, parseScanOptions } from './collection-scan.js';
import type { Client, ServerContext } from './context.js';
import { defineCommand, type CommandSpec } from './spec.js';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
/** Elements drawn to estimate the reply size of a random pick with repetitions. */
const RANDOM_SAMPLE = 8;

/** The hash at key for reading (counts hits/misses); undefined if missing; WRONGTYPE otherwise. */
function readHash(db: Database, key: string): RHash | undefined {
  const v = db.read(key);
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== 'hash') throw new CommandError(Err.WRONGTYPE);
  return v as RHash;
}

/** The hash at key for writing (no hit/miss accounting). */
function writeHash(db: Database, key: string): RHash | undefined {
  const v = db.get(key);
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== 'hash') throw new CommandError(Err.WRONGTYPE);
  return v as RHash;
}

/** Per server, kept current by CONFIG SET: read by every HSET, where two config lookups showed in profiles. */
const limitsByServer = new WeakMap<ServerContext, HashLimits>();

/** hash-max-listpack-entries and hash-max-listpack-value of the client's server (do not modify). */
export function hashLimits(c: Client): HashLimits {
  let limits = limitsByServer.get(c.server);
  if (limits === undefined) {
    const l: HashLimits = { maxEntries: 0, maxValue: 0 };
    c.server.config.watch('hash-max-listpack-entries', (v) => (l.maxEntries = Number(v)));
    c.server.config.watch('hash-max-listpack-value', (v) => (l.maxValue = Number(v)));
    limitsByServer.set(c.server, l);
    limits = l;
  }
  return limits;
}

/** Store a hash that was changed in place, or add it if it is new. */
function commit(c: Client, key: string, h: RHash, existed: boolean): void {
  if (existed) c.db.modified(key);
  else c.db.add(key, h);
}

function hsetGeneric(c: Client, argv: string[], name: string): number {
  if (argv.length % 2 === 1) throw new CommandError(Err.WRONG_ARITY(name));
  const key = argv[1]!;
  const existing = writeHash(c.db, key);
  const h = existing ?? new RHash();
  const limits = hashLimits(c);
  let created = 0;
  for (let i = 2; i < argv.length; i += 2) if (h.set(argv[i]!, argv[i + 1]!, limits)) created++;
  commit(c, key, h, existing !== undefined);
  c.server.notify('hash', 'hset', key, c.db.id);
  return created;
}

function hset(c: Client, argv: string[]): void {
  c.reply.int(hsetGeneric(c, argv, 'hset'));
}

function hmset(c: Client, argv: string[]): void {
  hsetGeneric(c, argv, 'hmset');
  c.reply.ok();
}

function hsetnx(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const field = argv[2]!;
  const existing = writeHash(c.db, key);
  if (existing?.has(field)) return c.reply.int(0);
  const h = existing ?? new RHash();
  h.set(field, argv[3]!, hashLimits(c));
  commit(c, key, h, existing !== undefined);
  c.server.notify('hash', 'hset', key, c.db.id);
  c.reply.int(1);
}

function hget(c: Client, argv: string[]): void {
  const h = readHash(c.db, argv[1]!);
  c.reply.bulk(h?.get(argv[2]!) ?? null);
}

function hmget(c: Client, argv: string[]): void {
  const h = readHash(c.db, argv[1]!);
  c.reply.arrayHeader(argv.length - 2);
  for (let i = 2; i < argv.length; i++) c.reply.bulk(h?.get(argv[i]!) ?? null);
}

function hdel(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const h = writeHash(c.db, key);
  if (h === undefined) return c.reply.int(0);
  let deleted = 0;
  for (let i = 2; i < argv.length; i++) {
    if (h.delete(argv[i]!)) {
      deleted++;
      if (h.size() === 0) break;
    }
  }
  if (deleted > 0) {
    const emptied = h.size() === 0;
    if (emptied) c.db.delete(key);
    else c.db.modified(key);
    c.server.notify('hash', 'hdel', key, c.db.id);
    if (emptied) c.server.notify('generic', 'del', key, c.db.id);
  }
  c.reply.int(deleted);
}

function hlen(c: Client, argv: string[]): void {
  c.reply.int(readHash(c.db, argv[1]!)?.size() ?? 0);
}

function hstrlen(c: Client, argv: string[]): void {
  c.reply.int(readHash(c.db, argv[1]!)?.get(argv[2]!)?.length ?? 0);
}

function hexists(c: Client, argv: string[]): void {
  c.reply.int(readHash(c.db, argv[1]!)?.has(argv[2]!) ? 1 : 0);
}

function hkeys(c: Client, argv: string[]): void {
  const h = readHash(c.db, argv[1]!);
  if (h === undefined) return c.reply.arrayHeader(0);
  c.reply.arrayHeader(h.size());
  for (const f of h.fields()) c.reply.bulk(f);
}

function hvals(c: Client, argv: string[]): void {
  const h = readHash(c.db, argv[1]!);
  if (h === undefined) return c.reply.arrayHeader(0);
  c.reply.arrayHeader(h.size());
  for (const [, v] of h.entries()) c.reply.bulk(v);
}

function hgetall(c: Client, argv: string[]): void {
  const h = readHash(c.db, argv[1]!);
  if (h === undefined) return c.reply.mapHeader(0);
  c.reply.mapHeader(h.size());
  for (const [f, v] of h.entries()) {
    c.reply.bulk(f);
    c.reply.bulk(v);
  }
}

function hincrby(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const field = argv[2]!;
  const incr = parseI64(argv[3]!);
  if (incr === null) throw new CommandError(Err.NOT_INTEGER);
  const existing = writeHash(c.db, key);
  let value = 0n;
  const old = existing?.get(field);
  if (old !== undefined) {
    const v = parseI64(old);
    if (v === null) throw new CommandError('ERR hash value is not an integer');
    value = v;
  }
  const sum = value + incr;
  if (sum > INT64_MAX || sum < INT64_MIN) throw new CommandError(Err.OVERFLOW);
  const h = existing ?? new RHash();
  const text = sum.toString();
  h.set(field, text, hashLimits(c));
  commit(c, key, h, existing !== undefined);
  c.server.notify('hash', 'hincrby', key, c.db.id);
  c.reply.intText(text);
}

/**
 * HINCRBYFLOAT computes in x87 long double as Redis does (see util/long-double.ts), and is
 * propagated as HSET with the result so replicas and AOF reloads agree to the last digit.
 */
function hincrbyfloat(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const field = argv[2]!;
  const incr = parseLongDouble(argv[3]!);
  if (incr === null) throw new CommandError(Err.NOT_FLOAT);
  if (incr.inf) throw new CommandError('ERR value is NaN or Infinity');
  const existing = writeHash(c.db, key);
  const old = existing?.get(field);
  let sum = incr;
  if (old !== undefined) {
    const v = parseLongDouble(old);
    if (v === null) throw new CommandError('ERR hash value is not a float');
    const s = ldAdd(v, incr);
    if (s === null || s.inf) throw new CommandError(Err.NAN_OR_INF);
    sum = s;
  }
  const text = formatLongDouble(sum);
  const h = existing ?? new RHash();
  h.set(field, text, hashLimits(c));
  commit(c, key, h, existing !== undefined);
  c.server.notify('hash', 'hincrbyfloat', key, c.db.id);
  c.propagateAs(['HSET', key, field, text]);
  c.reply.bulk(text);
}

function hscan(c: Client, argv: string[]): void {
  const cursor = parseScanCursor(argv[2]!);
  const h = readHash(c.db, argv[1]!);
  if (h === undefined) {
    c.reply.arrayHeader(2);
    c.reply.bulk('0');
    return c.reply.arrayHeader(0);
  }
  const { count, pattern } = parseScanOptions(argv, 3);
  const out: string[] = [];
  let next = 0;
  if (h.isListpack()) {
    // A listpack is returned whole in one call, whatever the cursor, as Redis does.
    for (const [f, v] of h.entries()) if (pattern === null || globMatch(pattern, f)) out.push(f, v);
  } else {
    const res = h.slots.scan(cursor, count);
    next = res.next;
    const { keys, vals } = h.slots;
    for (const i of res.slots) {
      const f = keys[i]!;
      if (pattern === null || globMatch(pattern, f)) out.push(f, vals![i]!);
    }
  }
  c.reply.arrayHeader(2);
  c.reply.bulk(String(next));
  c.reply.bulkArray(out);
}

function hrandfield(c: Client, argv: string[]): void {
  if (argv.length >= 3) {
    const big = parseRandomCount(argv[2]!);
    if (argv.length > 4 || (argv.length === 4 && !is(argv[3]!, 'withvalues'))) throw new CommandError(Err.SYNTAX);
    const withValues = argv.length === 4;
    // WITHVALUES doubles the reply, so Redis bounds the count at LONG_MAX/2.
    if (withValues) checkPairedRandomCount(big);
    const count = Number(big);
    return hrandfieldWithCount(c, argv[1]!, count, withValues);
  }
  const h = readHash(c.db, argv[1]!);
  if (h === undefined) return c.reply.nil();
  c.reply.bulk(h.slots.keys[h.slots.randomSlot()]!);
}

function hrandfieldWithCount(c: Client, key: string, count: number, withValues: boolean): void {
  const h = readHash(c.db, key);
  if (h === undefined || count === 0) return c.reply.arrayHeader(0);
  const { keys, vals } = h.slots;
  const pairsNested = withValues && c.reply.proto === 3;
  const emit = (slots: Iterable<number>, n: number): void => {
    c.reply.arrayHeader(withValues && !pairsNested ? n * 2 : n);
    for (const i of slots) {
      if (pairsNested) c.reply.arrayHeader(2);
      c.reply.bulk(keys[i]!);
      if (withValues) c.reply.bulk(vals![i]!);
    }
  };
  if (count < 0) {
    // Repetitions allowed: |count| independent picks.
    const n = -count;
    const slots = h.slots;
    let sample = 0;
    for (let i = 0; i < RANDOM_SAMPLE; i++) {
      const slot = slots.randomSlot();
      sample += bulkReplyBytes(keys[slot]!.length) + (withValues ? bulkReplyBytes(vals![slot]!.length) : 0);
    }
    checkRandomReplySize(n, sample, RANDOM_SAMPLE);
    const picks = (function* () {
      for (let i = 0; i < n; i++) yield slots.randomSlot();
    })();
    return emit(picks, n);
  }
  const size = h.size();
  if (count >= size) return emit(h.slots.liveSlots(), size);
  emit(h.slots.randomDistinctSlots(count), count);
}

const H = { group: 'hash' as const, keys: [1, 1, 1] as const };
export const hashCommands: CommandSpec[] = [
  defineCommand({
    ...H,
    name: 'hset',
    docs: { history: [['4.0.0', 'Accepts multiple `field` and `value` arguments.']] },
    arity: -4,
    flags: 'write denyoom fast',
    handler: hset,
    summary: 'Set the string value of a hash field',
    since: '2.0.0',
    complexity: 'O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.',
  }),
  defineCommand({
    ...H,
    name: 'hsetnx',
    keySpecs: ['RW insert | index 1 | range 0 1 0'],
    arity: 4,
    flags: 'write denyoom fast',
    handler: hsetnx,
    summary: 'Set the value of a hash field, only if the field does not exist',
    since: '2.0.0',
  }),
  defineCommand({ ...H, name: 'hget', arity: 3, flags: 'readonly fast', handler: hget, summary: 'Get the value of a hash field', since: '2.0.0' }),
  defineCommand({
    ...H,
    name: 'hmget',
    arity: -3,
    flags: 'readonly fast',
    handler: hmget,
    summary: 'Get the values of all the given hash fields',
    since: '2.0.0',
    complexity: 'O(N) where N is the number of fields being requested.',
  }),
  defineCommand({
    ...H,
    name: 'hmset',
    docs: { docFlags: ['deprecated'], deprecatedSince: '4.0.0', replacedBy: '`HSET` with multiple field-value pairs' },
    arity: -4,
    flags: 'write denyoom fast',
    handler: hmset,
    summary: 'Set multiple hash fields to multiple values',
    since: '2.0.0',
    complexity: 'O(N) where N is the number of fields being set.',
  }),
  defineCommand({
    ...H,
    name: 'hdel',
    keySpecs: ['RW delete | index 1 | range 0 1 0'],
    docs: { history: [['2.4.0', 'Accepts multiple `field` arguments.']] },
    arity: -3,
    flags: 'write fast',
    handler: hdel,
    summary: 'Delete one or more hash fields',
    since: '2.0.0',
    complexity: 'O(N) where N is the number of fields to be removed.',
  }),
  defineCommand({ ...H, name: 'hlen', keySpecs: ['RO | index 1 | range 0 1 0'], arity: 2, flags: 'readonly fast', handler: hlen, summary: 'Get the number of fields in a hash', since: '2.0.0' }),
  defineCommand({
    ...H,
    name: 'hstrlen',
    keySpecs: ['RO | index 1 | range 0 1 0'],
    arity: 3,
    flags: 'readonly fast',
    handler: hstrlen,
    summary: 'Get the length of the value of a hash field',
    since: '3.2.0',
  }),
  defineCommand({ ...H, name: 'hexists', keySpecs: ['RO | index 1 | range 0 1 0'], arity: 3, flags: 'readonly fast', handler: hexists, summary: 'Determine if a hash field exists', since: '2.0.0' }),
  defineCommand({ ...H, name: 'hkeys', arity: 2, flags: 'readonly', handler: hkeys, summary: 'Get all the fields in a hash', since: '2.0.0', complexity: 'O(N) where N is the size of the hash.' }),
  defineCommand({ ...H, name: 'hvals', arity: 2, flags: 'readonly', handler: hvals, summary: 'Get all the values in a hash', since: '2.0.0', complexity: 'O(N) where N is the size of the hash.' }),
  defineCommand({
    ...H,
    name: 'hgetall',
    arity: 2,
    flags: 'readonly',
    handler: hgetall,
    summary: 'Get all the fields and values in a hash',
    since: '2.0.0',
    complexity: 'O(N) where N is the size of the hash.',
  }),
  defineCommand({
    ...H,
    name: 'hincrby',
    keySpecs: ['RW access update | index 1 | range 0 1 0'],
    arity: 4,
    flags: 'write denyoom fast',
    handler: hincrby,
    summary: 'Increment the integer value of a hash field by the given number',
    since: '2.0.0',
  }),
  defineCommand({
    ...H,
    name: 'hincrbyfloat',
    keySpecs: ['RW access update | index 1 | range 0 1 0'],
    arity: 4,
    flags: 'write denyoom fast',
    handler: hincrbyfloat,
    summary: 'Increment the float value of a hash field by the given amount',
    since: '2.6.0',
  }),
  defineCommand({
    ...H,
    name: 'hscan',
    arity: -3,
    flags: 'readonly',
    handler: hscan,
    summary: 'Incrementally iterate hash fields and associated values',
    since: '2.8.0',
    complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..',
  }),
  defineCommand({
    ...H,
    name: 'hrandfield',
    arity: -2,
    flags: 'readonly',
    handler: hrandfield,
    summary: 'Get one or multiple random fields from a hash',
    since: '6.2.0',
    complexity: 'O(N) where N is the number of fields returned',
  }),
];
