/**
 * Generic key commands (Redis's "generic" group), as Redis 7.0's db.c, expire.c,
 * object.c and cluster.c (DUMP/RESTORE) answer them: DEL UNLINK EXISTS TYPE TOUCH, the
 * expiry family, RENAME RENAMENX MOVE COPY SWAPDB, KEYS SCAN RANDOMKEY, OBJECT, DUMP
 * and RESTORE.
 *
 * SCAN cursors. Redis's cursor is a reverse-binary bucket index into its hash table;
 * dssm's keyspace is a JS Map, which has no buckets but whose iterators are robust: an
 * iterator visits, exactly once, every entry present from its creation to the end of
 * the iteration, whatever is added or deleted meanwhile (entries are kept in insertion
 * order and deletion leaves a hole the iterator skips). So a scan keeps a live iterator:
 * - a cursor is `position * 2^20 + token`: position = keys the iterator has passed,
 *   token = a counter value that makes the cursor unique;
 * - the live iterators wait in a small per-database cache keyed by cursor (bounded, the
 *   oldest evicted first). A call with a cached cursor continues that iterator, so every
 *   key present for the whole scan is returned, exactly once;
 * - a cursor not in the cache (evicted, repeated, from before a restart or SWAPDB)
 *   falls back to position: a fresh iterator skips `position` keys. That is exact when
 *   no key before the position was deleted in between; otherwise some keys may be missed
 *   or returned twice. With the cache, this only happens past 1024 concurrent scans of
 *   one database.
 * COUNT is the number of keys examined per call (Redis: buckets), so a call returns at
 * most COUNT keys; the cursor is 0 exactly when the iteration is complete.
 *
 * OBJECT IDLETIME / FREQ read the access stamps the keyspace keeps while the
 * maxmemory-policy is an LRU or LFU one (keyspace/memory.ts). Under other policies dssm
 * stamps nothing (a stamp per string key costs a Map entry, ~37 bytes, and a Map.set per
 * lookup), so IDLETIME answers 0 there (an aggregate stamped under an earlier LRU policy
 * keeps its last stamp). RESTORE accepts and validates IDLETIME/FREQ and ignores their values.
 */
import { CommandError, Err } from '../errors.js';
import { typeOf, type Database, type RValue } from '../keyspace/keyspace.js';
import { createDumpPayload, decodeDumpPayload, DEFAULT_LIMITS, RdbFormatError, verifyDumpPayload, type EncodingLimits } from '../persistence/rdb-value.js';
import { globMatch } from '../util/glob.js';
import { AccessMode } from '../keyspace/memory.js';
import { is, parseI64, parseIntOrNull } from './args.js';
import { signalKeyAsReady } from './blocking.js';
import { encodingOfString } from './string.js';
import type { Client } from './context.js';
import { defineCommand, type CommandSpec } from './spec.js';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const INT32_MAX = 2147483647;

// ---------------------------------------------------------------------------------------
// DEL UNLINK EXISTS TYPE TOUCH

function del(c: Client, argv: string[]): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) {
    if (c.db.delete(argv[i]!)) {
      n++;
      c.server.notify('generic', 'del', argv[i]!, c.db.id);
    }
  }
  c.reply.int(n);
}

function exists(c: Client, argv: string[]): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (c.db.read(argv[i]!) !== undefined) n++;
  c.reply.int(n);
}

function type(c: Client, argv: string[]): void {
  const v = c.db.read(argv[1]!);
  c.reply.simple(v === undefined ? 'none' : typeOf(v));
}

function touch(c: Client, argv: string[]): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (c.db.read(argv[i]!) !== undefined) n++;
  c.reply.int(n);
}

// ---------------------------------------------------------------------------------------
// Expiry

const EXPIRE_NX = 1;
const EXPIRE_XX = 2;
const EXPIRE_GT = 4;
const EXPIRE_LT = 8;

/** EXPIRE's NX/XX/GT/LT options, as parseExtendedExpireArgumentsOrReply. */
function parseExpireFlags(argv: string[]): number {
  let flags = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j]!;
    if (is(opt, 'nx')) flags |= EXPIRE_NX;
    else if (is(opt, 'xx')) flags |= EXPIRE_XX;
    else if (is(opt, 'gt')) flags |= EXPIRE_GT;
    else if (is(opt, 'lt')) flags |= EXPIRE_LT;
    else throw new CommandError(`ERR Unsupported option ${opt}`);
  }
  if (flags & EXPIRE_NX && flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)) {
    throw new CommandError('ERR NX and XX, GT or LT options at the same time are not compatible');
  }
  if (flags & EXPIRE_GT && flags & EXPIRE_LT) throw new CommandError('ERR GT and LT options at the same time are not compatible');
  return flags;
}

/** Whether an absolute time (ms) has passed; never on a replica (the primary sends DEL). */
function alreadyExpired(c: Client, when: number): boolean {
  return when <= Date.now() && !c.server.keyspace.replicaMode;
}

/** Delete a key whose new expire time is in the past, as Redis: propagated as DEL/UNLINK. */
function deleteExpiredNow(c: Client, key: string): void {
  c.db.delete(key);
  const lazy = c.server.config.bool('lazyfree-lazy-expire');
  c.propagateAs([lazy ? 'UNLINK' : 'DEL', key]);
  c.server.notify('generic', 'del', key, c.db.id);
}

function expireGeneric(c: Client, argv: string[], basetime: number, seconds: boolean): void {
  const key = argv[1]!;
  const flags = parseExpireFlags(argv);
  let when = parseI64(argv[2]!);
  if (when === null) throw new CommandError(Err.NOT_INTEGER);
  const name = argv[0]!.toLowerCase();
  if (seconds) {
    if (when > INT64_MAX / 1000n || when < INT64_MIN / 1000n) throw new CommandError(Err.INVALID_EXPIRE(name));
    when *= 1000n;
  }
  if (when > INT64_MAX - BigInt(basetime)) throw new CommandError(Err.INVALID_EXPIRE(name));
  when += BigInt(basetime);
  const whenMs = Number(when);
  if (c.db.get(key) === undefined) return c.reply.int(0);
  if (flags !== 0) {
    const current = c.db.getExpire(key);
    if (flags & EXPIRE_NX && current !== undefined) return c.reply.int(0);
    if (flags & EXPIRE_XX && current === undefined) return c.reply.int(0);
    if (flags & EXPIRE_GT && (current === undefined || whenMs <= current)) return c.reply.int(0);
    if (flags & EXPIRE_LT && current !== undefined && whenMs >= current) return c.reply.int(0);
  }
  if (alreadyExpired(c, whenMs)) {
    deleteExpiredNow(c, key);
    return c.reply.int(1);
  }
  c.db.setExpire(key, whenMs);
  // Propagate the absolute time, keeping the options, as Redis rewrites argv.
  c.propagateAs(['PEXPIREAT', key, String(when), ...argv.slice(3)]);
  c.server.notify('generic', 'expire', key, c.db.id);
  c.reply.int(1);
}

const expire = (c: Client, argv: string[]): void => expireGeneric(c, argv, c.server.clock.now, true);
const pexpire = (c: Client, argv: string[]): void => expireGeneric(c, argv, c.server.clock.now, false);
const expireat = (c: Client, argv: string[]): void => expireGeneric(c, argv, 0, true);
const pexpireat = (c: Client, argv: string[]): void => expireGeneric(c, argv, 0, false);

function ttlGeneric(c: Client, argv: string[], ms: boolean, absolute: boolean): void {
  const key = argv[1]!;
  if (c.db.read(key) === undefined) return c.reply.int(-2);
  const when = c.db.getExpire(key);
  if (when === undefined) return c.reply.int(-1);
  let ttl = absolute ? when : when - c.server.clock.now;
  if (ttl < 0) ttl = 0;
  c.reply.int(ms ? ttl : Math.floor((ttl + 500) / 1000));
}

function persist(c: Client, argv: string[]): void {
  const key = argv[1]!;
  if (c.db.get(key) === undefined) return c.reply.int(0);
  if (!c.db.persist(key)) return c.reply.int(0);
  c.server.notify('generic', 'persist', key, c.db.id);
  c.reply.int(1);
}

// ---------------------------------------------------------------------------------------
// RENAME MOVE COPY SWAPDB

function renameGeneric(c: Client, argv: string[], nx: boolean): void {
  const src = argv[1]!;
  const dst = argv[2]!;
  const db = c.db;
  const v = db.get(src);
  if (v === undefined) throw new CommandError(Err.NO_SUCH_KEY);
  if (src === dst) return nx ? c.reply.int(0) : c.reply.ok();
  const expireAt = db.getExpire(src);
  if (db.get(dst) !== undefined) {
    if (nx) return c.reply.int(0);
    db.delete(dst);
  }
  db.delete(src);
  db.add(dst, v);
  // As Redis's dbAdd: a list or sorted set arriving under a waited key serves its blocked
  // clients, in the order the keys became ready (not after the command, in table order).
  signalKeyAsReady(db, dst);
  if (expireAt !== undefined) db.setExpire(dst, expireAt);
  c.server.notify('generic', 'rename_from', src, db.id);
  c.server.notify('generic', 'rename_to', dst, db.id);
  if (nx) c.reply.int(1);
  else c.reply.ok();
}

/** A database index argument, as getIntFromObjectOrReply then selectDb. */
function parseDbIndex(c: Client, s: string): Database {
  const n = parseIntOrNull(s);
  if (n === null) throw new CommandError(Err.NOT_INTEGER);
  if (n > INT32_MAX || n < -INT32_MAX - 1) throw new CommandError('ERR value is out of range, value must between -2147483648 and 2147483647');
  if (n < 0 || n >= c.server.keyspace.dbs.length) throw new CommandError(Err.INVALID_DB_INDEX);
  return c.server.keyspace.db(n);
}

function move(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const src = c.db;
  const dst = parseDbIndex(c, argv[2]!);
  if (src === dst) throw new CommandError(Err.SAME_OBJECT);
  const v = src.get(key);
  if (v === undefined) return c.reply.int(0);
  const expireAt = src.getExpire(key);
  if (dst.get(key) !== undefined) return c.reply.int(0);
  dst.add(key, v);
  signalKeyAsReady(dst, key);
  if (expireAt !== undefined) dst.setExpire(key, expireAt);
  src.delete(key);
  c.server.notify('generic', 'move_from', key, src.id);
  c.server.notify('generic', 'move_to', key, dst.id);
  c.reply.int(1);
}

function copy(c: Client, argv: string[]): void {
  const srcKey = argv[1]!;
  const dstKey = argv[2]!;
  const src = c.db;
  let dst = c.db;
  let replace = false;
  for (let j = 3; j < argv.length; j++) {
    const more = argv.length - j - 1;
    if (is(argv[j]!, 'replace')) replace = true;
    else if (is(argv[j]!, 'db') && more >= 1) {
      dst = parseDbIndex(c, argv[j + 1]!);
      j++;
    } else throw new CommandError(Err.SYNTAX);
  }
  if (src === dst && srcKey === dstKey) throw new CommandError(Err.SAME_OBJECT);
  const v = src.read(srcKey);
  if (v === undefined) return c.reply.int(0);
  const expireAt = src.getExpire(srcKey);
  if (dst.get(dstKey) !== undefined) {
    if (!replace) return c.reply.int(0);
    dst.delete(dstKey);
  }
  dst.add(dstKey, typeof v === 'string' ? v : v.clone());
  signalKeyAsReady(dst, dstKey);
  if (expireAt !== undefined) dst.setExpire(dstKey, expireAt);
  c.server.notify('generic', 'copy_to', dstKey, dst.id);
  c.reply.int(1);
}

function swapdb(c: Client, argv: string[]): void {
  const a = parseIntOrNull(argv[1]!);
  if (a === null || a > INT32_MAX || a < -INT32_MAX - 1) throw new CommandError('ERR invalid first DB index');
  const b = parseIntOrNull(argv[2]!);
  if (b === null || b > INT32_MAX || b < -INT32_MAX - 1) throw new CommandError('ERR invalid second DB index');
  const n = c.server.keyspace.dbs.length;
  if (a < 0 || a >= n || b < 0 || b >= n) throw new CommandError(Err.INVALID_DB_INDEX);
  if (a !== b) c.server.keyspace.swap(a, b);
  else c.server.keyspace.dirty++; // Redis counts a no-op swap as a write too
  c.reply.ok();
}

// ---------------------------------------------------------------------------------------
// KEYS SCAN RANDOMKEY

function keys(c: Client, argv: string[]): void {
  const pattern = argv[1]!;
  const all = pattern === '*';
  const out: string[] = [];
  for (const key of c.db.liveKeys()) if (all || globMatch(pattern, key, false)) out.push(key);
  c.reply.bulkArray(out);
}

interface ScanState {
  dict: Map<string, RValue>;
  it: Iterator<string>;
  /** Keys taken from the iterator so far. */
  position: number;
  /** A key taken from the iterator but not yet examined (lookahead for the end). */
  peeked: string | undefined;
}

const SCAN_CACHE_LIMIT = 1024;
const TOKEN_BITS = 20n;
const TOKEN_MASK = (1n << TOKEN_BITS) - 1n;
const scanCaches = new WeakMap<Database, Map<string, ScanState>>();
let scanToken = 0;

/** Redis's parseScanCursorOrReply: strtoul, no leading space, whole string, in range. */
function parseCursor(s: string): bigint {
  if (s === '') return 0n;
  if (!/^[+-]?\d+$/.test(s)) throw new CommandError('ERR invalid cursor');
  const neg = s.charCodeAt(0) === 45;
  let v = BigInt(neg || s.charCodeAt(0) === 43 ? s.slice(1) : s);
  if (v > 0xffffffffffffffffn) throw new CommandError('ERR invalid cursor');
  if (neg) v = (0x10000000000000000n - v) & 0xffffffffffffffffn;
  return v;
}

/** Take the scan state a cursor names: the cached live iterator, or a positional fallback. */
function scanStateFor(db: Database, cursorText: string, cursor: bigint): ScanState {
  const cache = scanCaches.get(db);
  const cached = cache?.get(cursorText);
  if (cached !== undefined) {
    cache!.delete(cursorText);
    if (cached.dict === db.dict) return cached;
  }
  const st: ScanState = { dict: db.dict, it: db.dict.keys(), position: 0, peeked: undefined };
  const skip = cursor >> TOKEN_BITS;
  for (let i = 0n; i < skip; i++) {
    if (st.it.next().done) break;
    st.position++;
  }
  return st;
}

function nextKey(st: ScanState): string | undefined {
  if (st.peeked !== undefined) {
    const k = st.peeked;
    st.peeked = undefined;
    return k;
  }
  const r = st.it.next();
  if (r.done) return undefined;
  st.position++;
  return r.value;
}

function saveScanState(db: Database, st: ScanState): string {
  let cache = scanCaches.get(db);
  if (cache === undefined) scanCaches.set(db, (cache = new Map()));
  let cursorText: string;
  do {
    scanToken = (scanToken + 1) & Number(TOKEN_MASK);
    if (scanToken === 0) scanToken = 1;
    cursorText = ((BigInt(st.position) << TOKEN_BITS) | BigInt(scanToken)).toString();
  } while (cache.has(cursorText));
  cache.set(cursorText, st);
  if (cache.size > SCAN_CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  return cursorText;
}

function scan(c: Client, argv: string[]): void {
  const cursor = parseCursor(argv[1]!);
  let count = 10;
  let pattern: string | null = null;
  let typeName: string | null = null;
  for (let i = 2; i < argv.length; i++) {
    const more = argv.length - i - 1;
    const opt = argv[i]!;
    if (is(opt, 'count') && more >= 1) {
      const n = parseIntOrNull(argv[++i]!);
      if (n === null) throw new CommandError(Err.NOT_INTEGER);
      if (n < 1) throw new CommandError(Err.SYNTAX);
      count = n;
    } else if (is(opt, 'match') && more >= 1) {
      pattern = argv[++i]!;
      if (pattern === '*') pattern = null;
    } else if (is(opt, 'type') && more >= 1) {
      typeName = argv[++i]!.toLowerCase();
    } else throw new CommandError(Err.SYNTAX);
  }
  const db = c.db;
  const st = scanStateFor(db, argv[1]!, cursor);
  const out: string[] = [];
  for (let examined = 0; examined < count; examined++) {
    const key = nextKey(st);
    if (key === undefined) break;
    if (pattern !== null && !globMatch(pattern, key, false)) continue;
    const v = db.get(key); // expires the key if its time has passed, as Redis's scan does
    if (v === undefined) continue;
    if (typeName !== null && typeOf(v) !== typeName) continue;
    out.push(key);
  }
  let next = '0';
  if (st.peeked === undefined) {
    const r = st.it.next();
    if (!r.done) {
      st.position++;
      st.peeked = r.value;
    }
  }
  if (st.peeked !== undefined) {
    // The peeked key is not yet examined: the saved position must not count it.
    st.position--;
    next = saveScanState(db, st);
    st.position++;
  }
  c.reply.arrayHeader(2);
  c.reply.bulk(next);
  c.reply.bulkArray(out);
}

/** Per database, an iterator that RANDOMKEY advances by random steps on large keyspaces. */
const randomWalkers = new WeakMap<Database, { dict: Map<string, RValue>; it: Iterator<string> }>();

function pickRandomKey(db: Database): string | undefined {
  const size = db.dict.size;
  if (size === 0) return undefined;
  if (size <= 1024) {
    let i = Math.floor(Math.random() * size);
    for (const k of db.dict.keys()) if (i-- === 0) return k;
    return undefined;
  }
  // Large keyspaces: no random access into a Map, so continue a persistent walk with a
  // random stride. Not uniform, but O(1) amortized and every key is reachable.
  let w = randomWalkers.get(db);
  if (w === undefined || w.dict !== db.dict) randomWalkers.set(db, (w = { dict: db.dict, it: db.dict.keys() }));
  let steps = 1 + Math.floor(Math.random() * 64);
  let last: string | undefined;
  while (steps > 0) {
    const r = w.it.next();
    if (r.done) {
      w.it = db.dict.keys();
      if (last !== undefined) break;
      continue;
    }
    last = r.value;
    steps--;
  }
  return last;
}

function randomkey(c: Client): void {
  const db = c.db;
  // Expired keys found on the way are removed (lazily), as Redis's dbRandomKey does; on a
  // replica they are returned after enough tries rather than looping forever.
  for (let tries = 0; tries < 100; tries++) {
    const key = pickRandomKey(db);
    if (key === undefined) return c.reply.nil();
    if (db.get(key) !== undefined) return c.reply.bulk(key);
    if (c.server.keyspace.replicaMode && tries >= 99) return c.reply.bulk(key);
  }
  for (const key of db.liveKeys()) return c.reply.bulk(key);
  c.reply.nil();
}

// ---------------------------------------------------------------------------------------
// OBJECT

const OBJ_SHARED_INTEGERS = 10000;

/** OBJECT looks keys up without counting an access (Redis's LOOKUP_NOTOUCH). */
function objectLookup(c: Client, argv: string[]): RValue | undefined {
  const v = c.db.peek(argv[2]!);
  const stats = c.server.keyspace.stats;
  if (v === undefined) stats.keyspaceMisses++;
  else stats.keyspaceHits++;
  return v;
}

function objectEncoding(c: Client, argv: string[]): void {
  const v = objectLookup(c, argv);
  if (v === undefined) return c.reply.nil();
  c.reply.bulk(typeof v === 'string' ? encodingOfString(v) : v.encoding());
}

function lfuPolicy(c: Client): boolean {
  return c.server.config.get('maxmemory-policy').includes('lfu');
}

function objectFreq(c: Client, argv: string[]): void {
  const v = objectLookup(c, argv);
  if (v === undefined) return c.reply.nil();
  if (!lfuPolicy(c)) {
    throw new CommandError(
      'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
    );
  }
  c.reply.int(c.server.keyspace.access.lfuDecay(c.db.dict.stampOf(argv[2]!, v)));
}

function objectIdletime(c: Client, argv: string[]): void {
  const v = objectLookup(c, argv);
  if (v === undefined) return c.reply.nil();
  if (lfuPolicy(c)) {
    throw new CommandError(
      'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
    );
  }
  const access = c.server.keyspace.access;
  const stamp = c.db.dict.stampOf(argv[2]!, v);
  c.reply.int(access.mode === AccessMode.Off && stamp === 0 ? 0 : Math.floor(access.idleMs(stamp) / 1000));
}

function objectRefcount(c: Client, argv: string[]): void {
  const v = objectLookup(c, argv);
  if (v === undefined) return c.reply.nil();
  if (typeof v === 'string' && sharedIntegersAllowed(c)) {
    const n = v.length <= 4 ? parseIntOrNull(v) : null;
    if (n !== null && n >= 0 && n < OBJ_SHARED_INTEGERS) return c.reply.int(INT32_MAX);
  }
  c.reply.int(1);
}

function sharedIntegersAllowed(c: Client): boolean {
  if (c.server.config.int('maxmemory') === 0) return true;
  const policy = c.server.config.get('maxmemory-policy');
  return !(policy.includes('lru') || policy.includes('lfu'));
}

const OBJECT_HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Prints this help.',
];

function objectHelp(c: Client): void {
  c.reply.arrayHeader(OBJECT_HELP.length);
  for (const line of OBJECT_HELP) c.reply.simple(line);
}

// ---------------------------------------------------------------------------------------
// DUMP RESTORE

function encodingLimits(c: Client): EncodingLimits {
  const cfg = c.server.config;
  return {
    hashMaxListpackEntries: cfg.int('hash-max-listpack-entries'),
    hashMaxListpackValue: cfg.int('hash-max-listpack-value'),
    zsetMaxListpackEntries: cfg.int('zset-max-listpack-entries'),
    zsetMaxListpackValue: cfg.int('zset-max-listpack-value'),
    setMaxIntsetEntries: cfg.int('set-max-intset-entries'),
    listMaxListpackSize: cfg.int('list-max-listpack-size'),
    compress: optionalBool(c, 'rdbcompression', DEFAULT_LIMITS.compress),
  };
}

/** A directive registered by another subsystem (persistence), with a default without it. */
function optionalBool(c: Client, name: string, dflt: boolean): boolean {
  try {
    return c.server.config.bool(name);
  } catch {
    return dflt;
  }
}

function dump(c: Client, argv: string[]): void {
  const v = c.db.read(argv[1]!);
  if (v === undefined) return c.reply.nil();
  c.reply.bulk(createDumpPayload(v, encodingLimits(c)));
}

function restore(c: Client, argv: string[]): void {
  const key = argv[1]!;
  let replace = false;
  let absttl = false;
  let idle = -1;
  let freq = -1;
  for (let j = 4; j < argv.length; j++) {
    const more = argv.length - j - 1;
    const opt = argv[j]!;
    if (is(opt, 'replace')) replace = true;
    else if (is(opt, 'absttl')) absttl = true;
    else if (is(opt, 'idletime') && more >= 1 && freq === -1) {
      const v = parseI64(argv[++j]!);
      if (v === null) throw new CommandError(Err.NOT_INTEGER);
      if (v < 0n) throw new CommandError('ERR Invalid IDLETIME value, must be >= 0');
      idle = Number(v);
    } else if (is(opt, 'freq') && more >= 1 && idle === -1) {
      const v = parseI64(argv[++j]!);
      if (v === null) throw new CommandError(Err.NOT_INTEGER);
      if (v < 0n || v > 255n) throw new CommandError('ERR Invalid FREQ value, must be >= 0 and <= 255');
      freq = Number(v);
    } else throw new CommandError(Err.SYNTAX);
  }
  const db = c.db;
  if (!replace && db.get(key) !== undefined) throw new CommandError('BUSYKEY Target key name already exists.');
  const ttlBig = parseI64(argv[2]!);
  if (ttlBig === null) throw new CommandError(Err.NOT_INTEGER);
  if (ttlBig < 0n) throw new CommandError('ERR Invalid TTL value, must be >= 0');
  const payload = Buffer.from(argv[3]!, 'latin1');
  if (!verifyDumpPayload(payload)) throw new CommandError('ERR DUMP payload version or checksum are wrong');
  let value: RValue;
  try {
    value = decodeDumpPayload(payload);
  } catch (err) {
    if (err instanceof RdbFormatError) throw new CommandError('ERR Bad data format');
    throw err;
  }
  let ttl = Number(ttlBig);
  if (ttl !== 0 && !absttl) ttl += Date.now();
  const deleted = replace ? db.delete(key) : false;
  if (ttl !== 0 && alreadyExpired(c, ttl)) {
    if (deleted) {
      c.propagateAs(['DEL', key]);
      c.server.notify('generic', 'del', key, db.id);
    }
    return c.reply.ok();
  }
  db.add(key, value);
  signalKeyAsReady(db, key);
  if (ttl !== 0) {
    db.setExpire(key, ttl);
    if (!absttl) {
      const rewritten = [...argv];
      rewritten[2] = String(ttl);
      rewritten.push('ABSTTL');
      c.propagateAs(rewritten);
    }
  }
  c.server.notify('generic', 'restore', key, db.id);
  c.reply.ok();
}

// ---------------------------------------------------------------------------------------

const G = { group: 'generic' as const };
const K1 = [1, 1, 1] as [number, number, number];
export const keyCommands: CommandSpec[] = [
  defineCommand({
    ...G,
    name: 'del',
    keySpecs: ['RM delete | index 1 | range -1 1 0'],
    arity: -2,
    flags: 'write',
    keys: [1, -1, 1],
    handler: del,
    summary: 'Delete a key',
    since: '1.0.0',
    complexity:
      'O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).',
  }),
  defineCommand({
    ...G,
    name: 'unlink',
    keySpecs: ['RM delete | index 1 | range -1 1 0'],
    arity: -2,
    flags: 'write fast',
    keys: [1, -1, 1],
    handler: del,
    summary: 'Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.',
    since: '4.0.0',
    complexity:
      'O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.',
  }),
  defineCommand({
    ...G,
    name: 'exists',
    keySpecs: ['RO | index 1 | range -1 1 0'],
    docs: { history: [['3.0.3', 'Accepts multiple `key` arguments.']] },
    arity: -2,
    flags: 'readonly fast',
    keys: [1, -1, 1],
    handler: exists,
    summary: 'Determine if a key exists',
    since: '1.0.0',
    complexity: 'O(N) where N is the number of keys to check.',
  }),
  defineCommand({
    ...G,
    name: 'type',
    keySpecs: ['RO | index 1 | range 0 1 0'],
    arity: 2,
    flags: 'readonly fast',
    keys: K1,
    handler: type,
    summary: 'Determine the type stored at key',
    since: '1.0.0',
  }),
  defineCommand({
    ...G,
    name: 'touch',
    keySpecs: ['RO | index 1 | range -1 1 0'],
    arity: -2,
    flags: 'readonly fast',
    keys: [1, -1, 1],
    handler: touch,
    summary: 'Alters the last access time of a key(s). Returns the number of existing keys specified.',
    since: '3.2.1',
    complexity: 'O(N) where N is the number of keys that will be touched.',
  }),
  defineCommand({
    ...G,
    name: 'expire',
    docs: { history: [['7.0.0', 'Added options: `NX`, `XX`, `GT` and `LT`.']] },
    arity: -3,
    flags: 'write fast',
    keys: K1,
    handler: expire,
    summary: "Set a key's time to live in seconds",
    since: '1.0.0',
  }),
  defineCommand({
    ...G,
    name: 'pexpire',
    docs: { history: [['7.0.0', 'Added options: `NX`, `XX`, `GT` and `LT`.']] },
    arity: -3,
    flags: 'write fast',
    keys: K1,
    handler: pexpire,
    summary: "Set a key's time to live in milliseconds",
    since: '2.6.0',
  }),
  defineCommand({
    ...G,
    name: 'expireat',
    docs: { history: [['7.0.0', 'Added options: `NX`, `XX`, `GT` and `LT`.']] },
    arity: -3,
    flags: 'write fast',
    keys: K1,
    handler: expireat,
    summary: 'Set the expiration for a key as a UNIX timestamp',
    since: '1.2.0',
  }),
  defineCommand({
    ...G,
    name: 'pexpireat',
    docs: { history: [['7.0.0', 'Added options: `NX`, `XX`, `GT` and `LT`.']] },
    arity: -3,
    flags: 'write fast',
    keys: K1,
    handler: pexpireat,
    summary: 'Set the expiration for a key as a UNIX timestamp specified in milliseconds',
    since: '2.6.0',
  }),
  defineCommand({
    ...G,
    name: 'ttl',
    docs: { history: [['2.8.0', 'Added the -2 reply.']] },
    arity: 2,
    flags: 'readonly fast',
    keys: K1,
    handler: (c, a) => ttlGeneric(c, a, false, false),
    summary: 'Get the time to live for a key in seconds',
    since: '1.0.0',
  }),
  defineCommand({
    ...G,
    name: 'pttl',
    docs: { history: [['2.8.0', 'Added the -2 reply.']] },
    arity: 2,
    flags: 'readonly fast',
    keys: K1,
    handler: (c, a) => ttlGeneric(c, a, true, false),
    summary: 'Get the time to live for a key in milliseconds',
    since: '2.6.0',
  }),
  defineCommand({
    ...G,
    name: 'expiretime',
    arity: 2,
    flags: 'readonly fast',
    keys: K1,
    handler: (c, a) => ttlGeneric(c, a, false, true),
    summary: 'Get the expiration Unix timestamp for a key',
    since: '7.0.0',
  }),
  defineCommand({
    ...G,
    name: 'pexpiretime',
    arity: 2,
    flags: 'readonly fast',
    keys: K1,
    handler: (c, a) => ttlGeneric(c, a, true, true),
    summary: 'Get the expiration Unix timestamp for a key in milliseconds',
    since: '7.0.0',
  }),
  defineCommand({ ...G, name: 'persist', arity: 2, flags: 'write fast', keys: K1, handler: persist, summary: 'Remove the expiration from a key', since: '2.2.0' }),
  defineCommand({
    ...G,
    name: 'rename',
    keySpecs: ['RW access delete | index 1 | range 0 1 0', 'OW update | index 2 | range 0 1 0'],
    arity: 3,
    flags: 'write',
    keys: [1, 2, 1],
    handler: (c, a) => renameGeneric(c, a, false),
    summary: 'Rename a key',
    since: '1.0.0',
  }),
  defineCommand({
    ...G,
    name: 'renamenx',
    keySpecs: ['RW access delete | index 1 | range 0 1 0', 'OW insert | index 2 | range 0 1 0'],
    docs: { history: [['3.2.0', 'The command no longer returns an error when source and destination names are the same.']] },
    arity: 3,
    flags: 'write fast',
    keys: [1, 2, 1],
    handler: (c, a) => renameGeneric(c, a, true),
    summary: 'Rename a key, only if the new key does not exist',
    since: '1.0.0',
  }),
  defineCommand({
    ...G,
    name: 'move',
    keySpecs: ['RW access update | index 1 | range 0 1 0'],
    arity: 3,
    flags: 'write fast',
    keys: K1,
    handler: move,
    summary: 'Move a key to another database',
    since: '1.0.0',
  }),
  defineCommand({
    ...G,
    name: 'copy',
    keySpecs: ['RO access | index 1 | range 0 1 0', 'OW update | index 2 | range 0 1 0'],
    arity: -3,
    flags: 'write denyoom',
    keys: [1, 2, 1],
    handler: copy,
    summary: 'Copy a key',
    since: '6.2.0',
    complexity: 'O(N) worst case for collections, where N is the number of nested items. O(1) for string values.',
  }),
  defineCommand({
    ...G,
    group: 'server',
    name: 'swapdb',
    arity: 3,
    flags: 'write fast',
    handler: swapdb,
    acl: 'keyspace dangerous',
    summary: 'Swaps two Redis databases',
    since: '4.0.0',
    complexity: 'O(N) where N is the count of clients watching or blocking on keys from both databases.',
  }),
  defineCommand({
    ...G,
    name: 'keys',
    arity: 2,
    flags: 'readonly',
    handler: keys,
    acl: 'dangerous',
    summary: 'Find all keys matching the given pattern',
    since: '1.0.0',
    complexity: 'O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.',
  }),
  defineCommand({
    ...G,
    name: 'scan',
    docs: { history: [['6.0.0', 'Added the `TYPE` subcommand.']] },
    arity: -2,
    flags: 'readonly',
    handler: scan,
    summary: 'Incrementally iterate the keys space',
    since: '2.8.0',
    complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.',
  }),
  defineCommand({ ...G, name: 'randomkey', arity: 1, flags: 'readonly', handler: randomkey, summary: 'Return a random key from the keyspace', since: '1.0.0' }),
  defineCommand({
    ...G,
    name: 'dump',
    arity: 2,
    flags: 'readonly',
    keys: K1,
    handler: dump,
    summary: 'Return a serialized version of the value stored at the specified key.',
    since: '2.6.0',
    complexity:
      'O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).',
  }),
  defineCommand({
    ...G,
    name: 'restore',
    keySpecs: ['OW update | index 1 | range 0 1 0'],
    docs: {
      history: [
        ['3.0.0', 'Added the `REPLACE` modifier.'],
        ['5.0.0', 'Added the `ABSTTL` modifier.'],
        ['5.0.0', 'Added the `IDLETIME` and `FREQ` options.'],
      ],
    },
    arity: -4,
    flags: 'write denyoom',
    keys: K1,
    handler: restore,
    acl: 'dangerous',
    summary: 'Create a key using the provided serialized value, previously obtained using DUMP.',
    since: '2.6.0',
    complexity:
      'O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).',
  }),
  defineCommand({
    ...G,
    name: 'object',
    arity: -2,
    summary: 'A container for object introspection commands',
    since: '2.2.3',
    complexity: 'Depends on subcommand.',
    subcommands: [
      {
        ...G,
        name: 'encoding',
        keySpecs: ['RO | index 2 | range 0 1 0'],
        arity: 3,
        flags: 'readonly',
        keys: [2, 2, 1],
        handler: objectEncoding,
        summary: 'Inspect the internal encoding of a Redis object',
        since: '2.2.3',
      },
      {
        ...G,
        name: 'freq',
        keySpecs: ['RO | index 2 | range 0 1 0'],
        arity: 3,
        flags: 'readonly',
        keys: [2, 2, 1],
        handler: objectFreq,
        summary: 'Get the logarithmic access frequency counter of a Redis object',
        since: '4.0.0',
      },
      {
        ...G,
        name: 'idletime',
        keySpecs: ['RO | index 2 | range 0 1 0'],
        arity: 3,
        flags: 'readonly',
        keys: [2, 2, 1],
        handler: objectIdletime,
        summary: 'Get the time since a Redis object was last accessed',
        since: '2.2.3',
      },
      {
        ...G,
        name: 'refcount',
        keySpecs: ['RO | index 2 | range 0 1 0'],
        arity: 3,
        flags: 'readonly',
        keys: [2, 2, 1],
        handler: objectRefcount,
        summary: 'Get the number of references to the value of the key',
        since: '2.2.3',
      },
      { ...G, name: 'help', arity: 2, flags: 'loading stale', handler: objectHelp, summary: 'Show helpful text about the different subcommands', since: '6.2.0', complexity: 'O(1)' },
    ],
  }),
];
