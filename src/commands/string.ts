/**
 * String commands. Values are latin1 JS strings (see keyspace.ts); integers are stored as
 * their decimal text, as Redis stores them (its "int" encoding is an internal detail that
 * OBJECT ENCODING reports, see encodingOfString).
 */
import { CommandError, Err } from '../errors.js';
import type { Database, RValue } from '../keyspace/keyspace.js';
import { is, parseI64, parseIntOrNull } from './args.js';
import type { Client } from './context.js';
import { defineCommand, type CommandSpec } from './spec.js';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** The string value at key, undefined if missing; WRONGTYPE for other types. */
export function getString(db: Database, key: string): string | undefined {
  const v = db.read(key);
  if (v === undefined || typeof v === 'string') return v;
  throw new CommandError(Err.WRONGTYPE);
}

/** Max size a string may grow to by APPEND/SETRANGE/SETBIT (proto-max-bulk-len). */
export function checkStringLength(c: Client, size: number): void {
  if (size > c.server.config.int('proto-max-bulk-len')) throw new CommandError(Err.STRING_TOO_LONG);
}

/** OBJECT ENCODING for a string: "int" for a canonical int64 fitting in a long, "embstr" up to 44 bytes, else "raw". */
export function encodingOfString(v: string): string {
  if (v.length <= 20 && parseI64(v) !== null) return 'int';
  return v.length <= 44 ? 'embstr' : 'raw';
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
const SET_EXPIRE = SET_EX | SET_PX | SET_EXAT | SET_PXAT;

/**
 * Parse SET's options (also used by GETEX-style callers). Returns flags and the absolute
 * expiry time in ms (or -1). Follows Redis's parseExtendedStringArgumentsOrReply.
 */
function parseSetOptions(c: Client, argv: string[], cmd: string): { flags: number; at: number } {
  let flags = 0;
  let expireArg: string | null = null;
  for (let j = 3; j < argv.length; j++) {
    const a = argv[j]!;
    const next = j + 1 < argv.length ? argv[j + 1] : undefined;
    if (is(a, 'nx') && !(flags & SET_XX)) flags |= SET_NX;
    else if (is(a, 'xx') && !(flags & SET_NX)) flags |= SET_XX;
    else if (is(a, 'get')) flags |= SET_GET;
    else if (is(a, 'keepttl') && !(flags & SET_EXPIRE)) flags |= SET_KEEPTTL;
    else if (is(a, 'ex') && !(flags & (SET_KEEPTTL | SET_EXPIRE)) && next !== undefined) {
      flags |= SET_EX;
      expireArg = next;
      j++;
    } else if (is(a, 'px') && !(flags & (SET_KEEPTTL | SET_EXPIRE)) && next !== undefined) {
      flags |= SET_PX;
      expireArg = next;
      j++;
    } else if (is(a, 'exat') && !(flags & (SET_KEEPTTL | SET_EXPIRE)) && next !== undefined) {
      flags |= SET_EXAT;
      expireArg = next;
      j++;
    } else if (is(a, 'pxat') && !(flags & (SET_KEEPTTL | SET_EXPIRE)) && next !== undefined) {
      flags |= SET_PXAT;
      expireArg = next;
      j++;
    } else throw new CommandError(Err.SYNTAX);
  }
  let at = -1;
  if (expireArg !== null) at = expireTimeFrom(c, expireArg, flags, cmd);
  return { flags, at };
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
  if (argv.length === 3) {
    // The common case, without option parsing.
    c.db.set(key, value);
    c.server.notify('string', 'set', key, c.db.id);
    c.reply.ok();
    return;
  }
  const { flags, at } = parseSetOptions(c, argv, 'set');
  const db = c.db;
  const old: RValue | undefined = flags & SET_GET ? db.read(key) : db.get(key);
  if (flags & SET_GET && old !== undefined && typeof old !== 'string') throw new CommandError(Err.WRONGTYPE);
  if ((flags & SET_NX && old !== undefined) || (flags & SET_XX && old === undefined)) {
    if (flags & SET_GET) c.reply.bulk(old as string | undefined);
    else c.reply.nil();
    return;
  }
  db.set(key, value, (flags & SET_KEEPTTL) !== 0);
  c.server.notify('string', 'set', key, db.id);
  if (at >= 0) {
    db.setExpire(key, at);
    c.server.notify('generic', 'expire', key, db.id);
    // Replicas and the AOF get the absolute time, so a reload or a lagging replica
    // expires the key at the same instant.
    if (!(flags & SET_PXAT)) c.propagateAs(['SET', key, value, 'PXAT', String(at)]);
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
  c.db.setExpire(key, at);
  c.server.notify('string', 'set', key, c.db.id);
  c.server.notify('generic', 'expire', key, c.db.id);
  c.propagateAs(['SET', key, value, 'PXAT', String(at)]);
  c.reply.ok();
}

function mget(c: Client, argv: string[]): void {
  c.reply.arrayHeader(argv.length - 1);
  for (let i = 1; i < argv.length; i++) {
    const v = c.db.read(argv[i]!);
    c.reply.bulk(typeof v === 'string' ? v : null);
  }
}

function mset(c: Client, argv: string[]): void {
  if (argv.length % 2 === 0) throw new CommandError(Err.WRONG_ARITY('mset'));
  for (let i = 1; i < argv.length; i += 2) {
    c.db.set(argv[i]!, argv[i + 1]!);
    c.server.notify('string', 'set', argv[i]!, c.db.id);
  }
  c.reply.ok();
}

function getset(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const old = getString(c.db, key);
  c.db.set(key, argv[2]!);
  c.server.notify('string', 'set', key, c.db.id);
  c.reply.bulk(old);
}

/**
 * INCRBY's core: the stored value must be an int64 in Redis's strict syntax; the result
 * must not overflow. Uses doubles while exact, BigInt beyond 2^53.
 */
export function incrBy(c: Client, key: string, delta: bigint | number): void {
  const db = c.db;
  const v = db.get(key);
  let cur: number | bigint = 0;
  if (v !== undefined) {
    if (typeof v !== 'string') throw new CommandError(Err.WRONGTYPE);
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

function append(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const old = getString(c.db, key);
  let result: string;
  if (old === undefined) {
    result = argv[2]!;
    c.db.add(key, result);
  } else {
    checkStringLength(c, old.length + argv[2]!.length);
    result = old + argv[2]!;
    c.db.replace(key, result);
  }
  c.server.notify('string', 'append', key, c.db.id);
  c.reply.int(result.length);
}

function strlen(c: Client, argv: string[]): void {
  const v = getString(c.db, argv[1]!);
  c.reply.int(v === undefined ? 0 : v.length);
}

const S = { group: 'string' as const };
export const stringCommands: CommandSpec[] = [
  defineCommand({ ...S, name: 'get', arity: 2, flags: 'readonly fast', keys: [1, 1, 1], handler: get, summary: 'Get the value of a key', since: '1.0.0' }),
  defineCommand({
    ...S,
    name: 'set',
    arity: -3,
    flags: 'write denyoom',
    keys: [1, 1, 1],
    handler: set,
    summary: 'Set the string value of a key',
    since: '1.0.0',
  }),
  defineCommand({ ...S, name: 'setnx', arity: 3, flags: 'write denyoom fast', keys: [1, 1, 1], handler: setnx, summary: 'Set the value of a key, only if the key does not exist', since: '1.0.0' }),
  defineCommand({
    ...S,
    name: 'setex',
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
    arity: 4,
    flags: 'write denyoom',
    keys: [1, 1, 1],
    handler: (c, a) => setexGeneric(c, a, true, 'psetex'),
    summary: 'Set the value and expiration in milliseconds of a key',
    since: '2.6.0',
  }),
  defineCommand({ ...S, name: 'mget', arity: -2, flags: 'readonly fast', keys: [1, -1, 1], handler: mget, summary: 'Get the values of all the given keys', since: '1.0.0', complexity: 'O(N) where N is the number of keys to retrieve.' }),
  defineCommand({ ...S, name: 'mset', arity: -3, flags: 'write denyoom', keys: [1, -1, 2], handler: mset, summary: 'Set multiple keys to multiple values', since: '1.0.1', complexity: 'O(N) where N is the number of keys to set.' }),
  defineCommand({ ...S, name: 'getset', arity: 3, flags: 'write denyoom fast', keys: [1, 1, 1], handler: getset, summary: 'Set the string value of a key and return its old value', since: '1.0.0' }),
  defineCommand({ ...S, name: 'incr', arity: 2, flags: 'write denyoom fast', keys: [1, 1, 1], handler: (c, a) => incrBy(c, a[1]!, 1), summary: 'Increment the integer value of a key by one', since: '1.0.0' }),
  defineCommand({ ...S, name: 'decr', arity: 2, flags: 'write denyoom fast', keys: [1, 1, 1], handler: (c, a) => incrBy(c, a[1]!, -1), summary: 'Decrement the integer value of a key by one', since: '1.0.0' }),
  defineCommand({ ...S, name: 'incrby', arity: 3, flags: 'write denyoom fast', keys: [1, 1, 1], handler: (c, a) => incrBy(c, a[1]!, incrArg(a[2]!)), summary: 'Increment the integer value of a key by the given amount', since: '1.0.0' }),
  defineCommand({
    ...S,
    name: 'decrby',
    arity: 3,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    handler: (c, a) => incrBy(c, a[1]!, negate(incrArg(a[2]!))),
    summary: 'Decrement the integer value of a key by the given number',
    since: '1.0.0',
  }),
  defineCommand({ ...S, name: 'append', arity: 3, flags: 'write denyoom fast', keys: [1, 1, 1], handler: append, summary: 'Append a value to a key', since: '2.0.0' }),
  defineCommand({ ...S, name: 'strlen', arity: 2, flags: 'readonly fast', keys: [1, 1, 1], handler: strlen, summary: 'Get the length of the value stored in a key', since: '2.2.0' }),
];
