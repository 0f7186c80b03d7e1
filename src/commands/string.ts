/**
 * String commands. Values are latin1 JS strings (see keyspace.ts); integers are stored as
 * their decimal text, as Redis stores them (its "int" encoding is an internal detail that
 * OBJECT ENCODING reports, see encodingOfString).
 *
 * Each handler follows the order of checks of Redis 7.0's t_string.c (which argument is
 * parsed before the key is looked up decides which error a user sees), and propagates the
 * effect Redis propagates (SET ... PXAT, PEXPIREAT, DEL, SET ... KEEPTTL).
 */
import { CommandError, Err } from '../errors.js';
import type { Database, RValue } from '../keyspace/keyspace.js';
import { is, parseI64, parseIntOrNull } from './args.js';
import type { Client } from './context.js';
import { defineCommand, type CommandSpec } from './spec.js';
import { addLongDouble, formatLongDouble, parseLongDouble } from './string-longdouble.js';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** The string value at key, undefined if missing; WRONGTYPE for other types. Counts hits/misses. */
export function getString(db: Database, key: string): string | undefined {
  const v = db.read(key);
  if (v === undefined || typeof v === 'string') return v;
  throw new CommandError(Err.WRONGTYPE);
}

/** Like getString, for write commands (Redis's lookupKeyWrite: no hit/miss statistics). */
export function getStringForWrite(db: Database, key: string): string | undefined {
  const v = db.get(key);
  if (v === undefined || typeof v === 'string') return v;
  throw new CommandError(Err.WRONGTYPE);
}

/** Max size a string may grow to by APPEND/SETRANGE/SETBIT (proto-max-bulk-len). */
export function checkStringLength(c: Client, size: number): void {
  if (size > c.server.config.int('proto-max-bulk-len')) throw new CommandError(Err.STRING_TOO_LONG);
}

/**
 * Build a string that may be very large. V8 caps strings near 2^29 bytes, just under
 * Redis's default proto-max-bulk-len; past that cap, answer as if the limit was reached
 * rather than failing with an internal error.
 */
export function buildLargeString(build: () => string): string {
  try {
    return build();
  } catch (err) {
    if (err instanceof RangeError) throw new CommandError(Err.STRING_TOO_LONG);
    throw err;
  }
}

/** OBJECT ENCODING for a string: "int" for a canonical int64 fitting in a long, "embstr" up to 44 bytes, else "raw". */
export function encodingOfString(v: string): string {
  if (v.length <= 20 && parseI64(v) !== null) return 'int';
  // PFADD/PFMERGE create HyperLogLogs as raw strings in Redis, even the short sparse ones.
  if (v.length >= 16 && v.charCodeAt(0) === 72 && v.startsWith('HYLL')) return 'raw';
  return v.length <= 44 ? 'embstr' : 'raw';
}

/** An int64 argument as a JS number (exact to 2^53, enough for offsets and ranges). */
function longLongArg(s: string, error: string = Err.NOT_INTEGER): number {
  const n = parseIntOrNull(s);
  if (n === null) throw new CommandError(error);
  return n;
}

function get(c: Client, argv: string[]): void {
  const v = c.db.read(argv[1]!);
  if (v === undefined) return c.reply.nil();
  if (typeof v !== 'string') throw new CommandError(Err.WRONGTYPE);
  c.reply.bulk(v);
}

const SET_NX = 1;
const SET_XX = 2;
const SET_GET = 4;
const SET_KEEPTTL = 8;
const SET_EX = 16;
const SET_PX = 32;
const SET_EXAT = 64;
const SET_PXAT = 128;
const SET_PERSIST = 256;
const SET_EXPIRE = SET_EX | SET_PX | SET_EXAT | SET_PXAT;

interface ExtendedOptions {
  flags: number;
  /** The last EX/PX/EXAT/PXAT argument, not yet validated. */
  expireArg: string | null;
}

/**
 * Parse SET's or GETEX's options, as Redis's parseExtendedStringArgumentsOrReply: an
 * option may repeat (the last expire value wins) but not combine with a conflicting one;
 * NX, XX, GET and KEEPTTL are SET's only, PERSIST is GETEX's only.
 */
function parseExtendedOptions(argv: string[], from: number, forSet: boolean): ExtendedOptions {
  let flags = 0;
  let expireArg: string | null = null;
  for (let j = from; j < argv.length; j++) {
    const a = argv[j]!;
    const hasNext = j + 1 < argv.length;
    const expireExcept = (own: number) => !(flags & (SET_KEEPTTL | SET_PERSIST | (SET_EXPIRE & ~own))) && hasNext;
    if (forSet && is(a, 'nx') && !(flags & SET_XX)) flags |= SET_NX;
    else if (forSet && is(a, 'xx') && !(flags & SET_NX)) flags |= SET_XX;
    else if (forSet && is(a, 'get')) flags |= SET_GET;
    else if (forSet && is(a, 'keepttl') && !(flags & (SET_PERSIST | SET_EXPIRE))) flags |= SET_KEEPTTL;
    else if (!forSet && is(a, 'persist') && !(flags & (SET_EXPIRE | SET_KEEPTTL))) flags |= SET_PERSIST;
    else if (is(a, 'ex') && expireExcept(SET_EX)) {
      flags |= SET_EX;
      expireArg = argv[++j]!;
    } else if (is(a, 'px') && expireExcept(SET_PX)) {
      flags |= SET_PX;
      expireArg = argv[++j]!;
    } else if (is(a, 'exat') && expireExcept(SET_EXAT)) {
      flags |= SET_EXAT;
      expireArg = argv[++j]!;
    } else if (is(a, 'pxat') && expireExcept(SET_PXAT)) {
      flags |= SET_PXAT;
      expireArg = argv[++j]!;
    } else throw new CommandError(Err.SYNTAX);
  }
  return { flags, expireArg };
}

/** Absolute ms from an EX/PX/EXAT/PXAT argument, with Redis's validation and errors. */
function expireTimeFrom(c: Client, arg: string, flags: number, cmd: string): number {
  const v = parseI64(arg);
  if (v === null) throw new CommandError(Err.NOT_INTEGER);
  if (v <= 0n) throw new CommandError(Err.INVALID_EXPIRE(cmd));
  let ms = v;
  if (flags & (SET_EX | SET_EXAT)) {
    if (v > INT64_MAX / 1000n) throw new CommandError(Err.INVALID_EXPIRE(cmd));
    ms = v * 1000n;
  }
  if (flags & (SET_EX | SET_PX)) {
    ms += BigInt(c.server.clock.now);
    if (ms > INT64_MAX) throw new CommandError(Err.INVALID_EXPIRE(cmd));
  }
  return Number(ms);
}

function set(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const value = argv[2]!;
  const db = c.db;
  if (argv.length === 3) {
    // The common case, without option parsing.
    db.set(key, value);
    c.server.notify('string', 'set', key, db.id);
    c.reply.ok();
    return;
  }
  const { flags, expireArg } = parseExtendedOptions(argv, 3, true);
  // The expire time is validated before anything else, GET's type check included.
  const at = expireArg === null ? -1 : expireTimeFrom(c, expireArg, flags, 'set');
  let old: RValue | undefined;
  if (flags & SET_GET) {
    old = db.read(key);
    if (old !== undefined && typeof old !== 'string') throw new CommandError(Err.WRONGTYPE);
  } else {
    old = db.get(key);
  }
  if ((flags & SET_NX && old !== undefined) || (flags & SET_XX && old === undefined)) {
    if (flags & SET_GET) c.reply.bulk(old as string | undefined);
    else c.reply.nil();
    return;
  }
  db.set(key, value, (flags & SET_KEEPTTL) !== 0);
  c.server.notify('string', 'set', key, db.id);
  if (at >= 0) {
    db.setExpire(key, at);
    // Replicas and the AOF get the absolute time, so a reload or a lagging replica
    // expires the key at the same instant.
    c.propagateAs(['SET', key, value, 'PXAT', String(at)]);
    c.server.notify('generic', 'expire', key, db.id);
  } else if (flags & SET_GET) {
    // Replicas need not read the old value: propagate without the GET arguments.
    c.propagateAs(argv.filter((a, i) => i < 3 || !is(a, 'get')));
  }
  if (flags & SET_GET) c.reply.bulk(old as string | undefined);
  else c.reply.ok();
}

function setnx(c: Client, argv: string[]): void {
  const key = argv[1]!;
  if (c.db.get(key) !== undefined) return c.reply.int(0);
  c.db.set(key, argv[2]!);
  c.server.notify('string', 'set', key, c.db.id);
  c.reply.int(1);
}

function setexGeneric(c: Client, argv: string[], unitMs: boolean, cmd: string): void {
  const key = argv[1]!;
  const at = expireTimeFrom(c, argv[2]!, unitMs ? SET_PX : SET_EX, cmd);
  const value = argv[3]!;
  c.db.set(key, value);
  c.server.notify('string', 'set', key, c.db.id);
  c.db.setExpire(key, at);
  c.propagateAs(['SET', key, value, 'PXAT', String(at)]);
  c.server.notify('generic', 'expire', key, c.db.id);
  c.reply.ok();
}

function mget(c: Client, argv: string[]): void {
  c.reply.arrayHeader(argv.length - 1);
  for (let i = 1; i < argv.length; i++) {
    const v = c.db.read(argv[i]!);
    c.reply.bulk(typeof v === 'string' ? v : null);
  }
}

function msetGeneric(c: Client, argv: string[], nx: boolean): void {
  if (argv.length % 2 === 0) throw new CommandError(Err.WRONG_ARITY(nx ? 'msetnx' : 'mset'));
  const db = c.db;
  if (nx) {
    for (let i = 1; i < argv.length; i += 2) {
      if (db.get(argv[i]!) !== undefined) return c.reply.int(0);
    }
  }
  for (let i = 1; i < argv.length; i += 2) {
    db.set(argv[i]!, argv[i + 1]!);
    c.server.notify('string', 'set', argv[i]!, db.id);
  }
  if (nx) c.reply.int(1);
  else c.reply.ok();
}

function getset(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const old = getString(c.db, key);
  c.db.set(key, argv[2]!);
  c.server.notify('string', 'set', key, c.db.id);
  c.propagateAs(['SET', key, argv[2]!]);
  c.reply.bulk(old);
}

function getdel(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const v = getString(c.db, key);
  c.reply.bulk(v);
  if (v !== undefined && c.db.delete(key)) {
    c.propagateAs(['DEL', key]);
    c.server.notify('generic', 'del', key, c.db.id);
  }
}

/**
 * GETEX: options are parsed first, the expire value only after the key is found to be a
 * string. The effect is propagated as PEXPIREAT, PERSIST or DEL (never as GETEX with a
 * relative time), as Redis does.
 */
function getex(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const { flags, expireArg } = parseExtendedOptions(argv, 2, false);
  const db = c.db;
  const v = getString(db, key);
  if (v === undefined) return c.reply.nil();
  const at = expireArg === null ? -1 : expireTimeFrom(c, expireArg, flags, 'getex');
  c.reply.bulk(v);
  const server = c.server;
  if (flags & (SET_EXAT | SET_PXAT) && at <= server.clock.now && !server.keyspace.replicaMode) {
    // An absolute time already past deletes the key now.
    db.delete(key);
    c.propagateAs([server.config.bool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key]);
    server.notify('generic', 'del', key, db.id);
  } else if (at >= 0) {
    db.setExpire(key, at);
    // Redis leaves a PXAT form as it is and rewrites the others to PEXPIREAT.
    if (!(flags & SET_PXAT)) c.propagateAs(['PEXPIREAT', key, String(at)]);
    server.notify('generic', 'expire', key, db.id);
  } else if (flags & SET_PERSIST) {
    if (db.persist(key)) {
      c.propagateAs(['PERSIST', key]);
      server.notify('generic', 'persist', key, db.id);
    }
  }
}

/**
 * INCRBY's core: the stored value must be an int64 in Redis's strict syntax; the result
 * must not overflow. Uses doubles while exact, BigInt beyond 2^53.
 */
export function incrBy(c: Client, key: string, delta: bigint | number): void {
  const db = c.db;
  const v = getStringForWrite(db, key);
  let cur: number | bigint = 0;
  if (v !== undefined) {
    const n = parseIntOrNull(v);
    if (n === null) throw new CommandError(Err.NOT_INTEGER);
    cur = Number.isSafeInteger(n) ? n : parseI64(v)!;
  }
  let result: string;
  if (typeof cur === 'number' && typeof delta === 'number' && Number.isSafeInteger(cur + delta)) {
    result = String(cur + delta);
  } else {
    const r = BigInt(cur) + BigInt(delta);
    if (r > INT64_MAX || r < INT64_MIN) throw new CommandError(Err.OVERFLOW);
    result = r.toString();
  }
  if (v === undefined) db.add(key, result);
  else db.replace(key, result);
  c.server.notify('string', 'incrby', key, db.id);
  c.reply.intText(result);
}

function incrArg(s: string): number | bigint {
  const n = parseIntOrNull(s);
  if (n === null) throw new CommandError(Err.NOT_INTEGER);
  return Number.isSafeInteger(n) ? n : parseI64(s)!;
}

function negate(d: number | bigint): number | bigint {
  if (typeof d === 'number') return -d;
  // DECRBY of LLONG_MIN cannot be negated (Redis's own check).
  if (d === INT64_MIN) throw new CommandError('ERR decrement would overflow');
  return -d;
}

/**
 * INCRBYFLOAT in C long double (see string-longdouble.ts), printed as Redis prints it.
 * Propagated as `SET key <result> KEEPTTL` so that replicas never redo float arithmetic.
 */
function incrbyfloat(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const db = c.db;
  const old = getStringForWrite(db, key);
  const value = old === undefined ? { neg: false, m: 0n, e: 0 } : parseLongDouble(old);
  if (value === null) throw new CommandError(Err.NOT_FLOAT);
  const incr = parseLongDouble(argv[2]!);
  if (incr === null) throw new CommandError(Err.NOT_FLOAT);
  if (value === 'inf' || incr === 'inf') throw new CommandError(Err.NAN_OR_INF);
  const sum = addLongDouble(value, incr);
  if (sum === 'inf') throw new CommandError(Err.NAN_OR_INF);
  const result = formatLongDouble(sum);
  if (old === undefined) db.add(key, result);
  else db.replace(key, result);
  c.server.notify('string', 'incrbyfloat', key, db.id);
  c.propagateAs(['SET', key, result, 'KEEPTTL']);
  c.reply.bulk(result);
}

function append(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const old = getStringForWrite(c.db, key);
  const tail = argv[2]!;
  let result: string;
  if (old === undefined) {
    result = tail;
    c.db.add(key, result);
  } else {
    checkStringLength(c, old.length + tail.length);
    result = buildLargeString(() => old + tail);
    c.db.replace(key, result);
  }
  c.server.notify('string', 'append', key, c.db.id);
  c.reply.int(result.length);
}

function strlen(c: Client, argv: string[]): void {
  const v = getString(c.db, argv[1]!);
  c.reply.int(v === undefined ? 0 : v.length);
}

/** GETRANGE/SUBSTR: both indexes are parsed before the key is looked up. */
function getrange(c: Client, argv: string[]): void {
  let start = longLongArg(argv[2]!);
  let end = longLongArg(argv[3]!);
  const v = getString(c.db, argv[1]!);
  if (v === undefined) return c.reply.bulk('');
  const len = v.length;
  if (start < 0 && end < 0 && start > end) return c.reply.bulk('');
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) return c.reply.bulk('');
  c.reply.bulk(v.slice(start, end + 1));
}

function setrange(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const value = argv[3]!;
  const offset = longLongArg(argv[2]!);
  if (offset < 0) throw new CommandError(Err.OFFSET_OUT_OF_RANGE);
  const db = c.db;
  const old = getStringForWrite(db, key);
  if (value.length === 0) return c.reply.int(old === undefined ? 0 : old.length);
  checkStringLength(c, offset + value.length);
  const cur = old ?? '';
  const result = buildLargeString(() => {
    const head = cur.length >= offset ? cur.slice(0, offset) : cur + '\0'.repeat(offset - cur.length);
    const rest = cur.length > offset + value.length ? cur.slice(offset + value.length) : '';
    return head + value + rest;
  });
  if (old === undefined) db.add(key, result);
  else db.replace(key, result);
  c.server.notify('string', 'setrange', key, db.id);
  c.reply.int(result.length);
}

/**
 * LCS by the classic dynamic-programming table, walked back from the end exactly as
 * Redis walks it, so that IDX reports the same ranges in the same order (last first).
 */
function lcs(c: Client, argv: string[]): void {
  const db = c.db;
  const va = db.read(argv[1]!);
  const vb = db.read(argv[2]!);
  if ((va !== undefined && typeof va !== 'string') || (vb !== undefined && typeof vb !== 'string')) {
    throw new CommandError('ERR The specified keys must contain string values');
  }
  const a = va ?? '';
  const b = vb ?? '';
  let getidx = false;
  let getlen = false;
  let withmatchlen = false;
  let minmatchlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j]!;
    const moreargs = argv.length - 1 - j;
    if (is(opt, 'idx')) getidx = true;
    else if (is(opt, 'len')) getlen = true;
    else if (is(opt, 'withmatchlen')) withmatchlen = true;
    else if (is(opt, 'minmatchlen') && moreargs > 0) {
      minmatchlen = longLongArg(argv[++j]!);
      if (minmatchlen < 0) minmatchlen = 0;
    } else throw new CommandError(Err.SYNTAX);
  }
  if (getidx && getlen) throw new CommandError('ERR If you want both the length and indexes, please just use IDX.');
  const alen = a.length;
  const blen = b.length;
  if ((alen + 1) * (blen + 1) * 4 > c.server.config.int('proto-max-bulk-len')) {
    throw new CommandError('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
  }
  const w = blen + 1;
  const table = new Uint32Array((alen + 1) * w);
  for (let i = 1; i <= alen; i++) {
    const ca = a.charCodeAt(i - 1);
    const row = i * w;
    const prev = row - w;
    for (let j = 1; j <= blen; j++) {
      if (ca === b.charCodeAt(j - 1)) table[row + j] = table[prev + j - 1]! + 1;
      else {
        const up = table[prev + j]!;
        const left = table[row + j - 1]!;
        table[row + j] = Math.max(up, left);
      }
    }
  }
  const total = table[alen * w + blen]!;
  if (getlen && !getidx) return c.reply.int(total);

  const chars: string[] = new Array<string>(total);
  let idx = total;
  const matches: [number, number, number, number, number][] = [];
  let aStart = alen; // alen means "no range open"
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  let i = alen;
  let j = blen;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      chars[idx - 1] = a[i - 1]!;
      if (aStart === alen) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else {
        emit = true;
      }
      if (aStart === 0 || bStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      if (table[(i - 1) * w + j]! > table[i * w + j - 1]!) i--;
      else j--;
      if (aStart !== alen) emit = true;
    }
    if (emit) {
      const len = aEnd - aStart + 1;
      if (minmatchlen === 0 || len >= minmatchlen) matches.push([aStart, aEnd, bStart, bEnd, len]);
      aStart = alen;
    }
  }
  if (!getidx) return c.reply.bulk(chars.join(''));
  const r = c.reply;
  r.mapHeader(2);
  r.bulk('matches');
  r.arrayHeader(matches.length);
  for (const [as, ae, bs, be, len] of matches) {
    r.arrayHeader(withmatchlen ? 3 : 2);
    r.arrayHeader(2);
    r.int(as);
    r.int(ae);
    r.arrayHeader(2);
    r.int(bs);
    r.int(be);
    if (withmatchlen) r.int(len);
  }
  r.bulk('len');
  r.int(total);
}

const S = { group: 'string' as const };
export const stringCommands: CommandSpec[] = [
  defineCommand({ ...S, name: 'get', arity: 2, flags: 'readonly fast', keys: [1, 1, 1], handler: get, summary: 'Get the value of a key', since: '1.0.0' }),
  defineCommand({
    ...S,
    name: 'set',
    keySpecs: ['RW access update variable_flags | index 1 | range 0 1 0 # RW and ACCESS due to the optional `GET` argument'],
    docs: {
      history: [
        ['2.6.12', 'Added the `EX`, `PX`, `NX` and `XX` options.'],
        ['6.0.0', 'Added the `KEEPTTL` option.'],
        ['6.2.0', 'Added the `GET`, `EXAT` and `PXAT` option.'],
        ['7.0.0', 'Allowed the `NX` and `GET` options to be used together.'],
      ],
    },
    arity: -3,
    flags: 'write denyoom',
    keys: [1, 1, 1],
    handler: set,
    summary: 'Set the string value of a key',
    since: '1.0.0',
  }),
  defineCommand({
    ...S,
    name: 'setnx',
    keySpecs: ['OW insert | index 1 | range 0 1 0'],
    arity: 3,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    handler: setnx,
    summary: 'Set the value of a key, only if the key does not exist',
    since: '1.0.0',
  }),
  defineCommand({
    ...S,
    name: 'setex',
    keySpecs: ['OW update | index 1 | range 0 1 0'],
    arity: 4,
    flags: 'write denyoom',
    keys: [1, 1, 1],
    handler: (c, a) => setexGeneric(c, a, false, 'setex'),
    summary: 'Set the value and expiration of a key',
    since: '2.0.0',
  }),
  defineCommand({
    ...S,
    name: 'psetex',
    keySpecs: ['OW update | index 1 | range 0 1 0'],
    arity: 4,
    flags: 'write denyoom',
    keys: [1, 1, 1],
    handler: (c, a) => setexGeneric(c, a, true, 'psetex'),
    summary: 'Set the value and expiration in milliseconds of a key',
    since: '2.6.0',
  }),
  defineCommand({
    ...S,
    name: 'mget',
    arity: -2,
    flags: 'readonly fast',
    keys: [1, -1, 1],
    handler: mget,
    summary: 'Get the values of all the given keys',
    since: '1.0.0',
    complexity: 'O(N) where N is the number of keys to retrieve.',
  }),
  defineCommand({
    ...S,
    name: 'mset',
    keySpecs: ['OW update | index 1 | range -1 2 0'],
    arity: -3,
    flags: 'write denyoom',
    keys: [1, -1, 2],
    handler: (c, a) => msetGeneric(c, a, false),
    summary: 'Set multiple keys to multiple values',
    since: '1.0.1',
    complexity: 'O(N) where N is the number of keys to set.',
  }),
  defineCommand({
    ...S,
    name: 'msetnx',
    keySpecs: ['OW insert | index 1 | range -1 2 0'],
    arity: -3,
    flags: 'write denyoom',
    keys: [1, -1, 2],
    handler: (c, a) => msetGeneric(c, a, true),
    summary: 'Set multiple keys to multiple values, only if none of the keys exist',
    since: '1.0.1',
    complexity: 'O(N) where N is the number of keys to set.',
  }),
  defineCommand({
    ...S,
    name: 'getset',
    keySpecs: ['RW access update | index 1 | range 0 1 0'],
    docs: { docFlags: ['deprecated'], deprecatedSince: '6.2.0', replacedBy: '`SET` with the `!GET` argument' },
    arity: 3,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    handler: getset,
    summary: 'Set the string value of a key and return its old value',
    since: '1.0.0',
  }),
  defineCommand({
    ...S,
    name: 'getdel',
    keySpecs: ['RW access delete | index 1 | range 0 1 0'],
    arity: 2,
    flags: 'write fast',
    keys: [1, 1, 1],
    handler: getdel,
    summary: 'Get the value of a key and delete the key',
    since: '6.2.0',
  }),
  defineCommand({
    ...S,
    name: 'getex',
    keySpecs: ['RW access update | index 1 | range 0 1 0 # RW and UPDATE because it changes the TTL'],
    arity: -2,
    flags: 'write fast',
    keys: [1, 1, 1],
    handler: getex,
    summary: 'Get the value of a key and optionally set its expiration',
    since: '6.2.0',
  }),
  defineCommand({
    ...S,
    name: 'incr',
    keySpecs: ['RW access update | index 1 | range 0 1 0'],
    arity: 2,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    handler: (c, a) => incrBy(c, a[1]!, 1),
    summary: 'Increment the integer value of a key by one',
    since: '1.0.0',
  }),
  defineCommand({
    ...S,
    name: 'decr',
    keySpecs: ['RW access update | index 1 | range 0 1 0'],
    arity: 2,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    handler: (c, a) => incrBy(c, a[1]!, -1),
    summary: 'Decrement the integer value of a key by one',
    since: '1.0.0',
  }),
  defineCommand({
    ...S,
    name: 'incrby',
    keySpecs: ['RW access update | index 1 | range 0 1 0'],
    arity: 3,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    handler: (c, a) => incrBy(c, a[1]!, incrArg(a[2]!)),
    summary: 'Increment the integer value of a key by the given amount',
    since: '1.0.0',
  }),
  defineCommand({
    ...S,
    name: 'decrby',
    keySpecs: ['RW access update | index 1 | range 0 1 0'],
    arity: 3,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    handler: (c, a) => incrBy(c, a[1]!, negate(incrArg(a[2]!))),
    summary: 'Decrement the integer value of a key by the given number',
    since: '1.0.0',
  }),
  defineCommand({
    ...S,
    name: 'incrbyfloat',
    keySpecs: ['RW access update | index 1 | range 0 1 0'],
    arity: 3,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    handler: incrbyfloat,
    summary: 'Increment the float value of a key by the given amount',
    since: '2.6.0',
  }),
  defineCommand({
    ...S,
    name: 'append',
    keySpecs: ['RW insert | index 1 | range 0 1 0'],
    arity: 3,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    handler: append,
    summary: 'Append a value to a key',
    since: '2.0.0',
    complexity:
      'O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.',
  }),
  defineCommand({
    ...S,
    name: 'strlen',
    keySpecs: ['RO | index 1 | range 0 1 0'],
    arity: 2,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    handler: strlen,
    summary: 'Get the length of the value stored in a key',
    since: '2.2.0',
  }),
  defineCommand({
    ...S,
    name: 'getrange',
    arity: 4,
    flags: 'readonly',
    keys: [1, 1, 1],
    handler: getrange,
    summary: 'Get a substring of the string stored at a key',
    since: '2.4.0',
    complexity:
      'O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.',
  }),
  defineCommand({
    ...S,
    name: 'substr',
    docs: { docFlags: ['deprecated'], deprecatedSince: '2.0.0', replacedBy: '`GETRANGE`' },
    arity: 4,
    flags: 'readonly',
    keys: [1, 1, 1],
    handler: getrange,
    summary: 'Get a substring of the string stored at a key',
    since: '1.0.0',
    complexity:
      'O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.',
  }),
  defineCommand({
    ...S,
    name: 'setrange',
    arity: 4,
    flags: 'write denyoom',
    keys: [1, 1, 1],
    handler: setrange,
    summary: 'Overwrite part of a string at key starting at the specified offset',
    since: '2.2.0',
    complexity:
      'O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.',
  }),
  defineCommand({
    ...S,
    name: 'lcs',
    arity: -3,
    flags: 'readonly',
    keys: [1, 2, 1],
    handler: lcs,
    summary: 'Find longest common substring',
    since: '7.0.0',
    complexity: 'O(N*M) where N and M are the lengths of s1 and s2, respectively',
  }),
];
