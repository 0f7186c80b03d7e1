/**
 * Sorted set commands (Redis's t_zset.c), over RZSet (keyspace/types/zset.ts): a skip list
 * with span counts and a member → score map, so ranks and range lookups are O(log n + m).
 *
 * Reply shapes follow Redis 7.0 exactly, including RESP3's: WITHSCORES answers nested
 * [member, score] pairs in RESP3 (ZRANGE family, ZUNION/ZINTER/ZDIFF, ZRANDMEMBER, ZPOPMIN
 * with COUNT, ZMPOP), flat lists in RESP2; scores are doubles formatted with `%.17g`.
 */
import { CommandError, Err } from '../errors.js';
import type { Database } from '../keyspace/keyspace.js';
import { RSet } from '../keyspace/types/set.js';
import { RZSet, type LexBound, type LexRange, type ScoreRange, type ZNode, type ZSetLimits, lexGteMin, lexLteMax, scoreGteMin, scoreLteMax } from '../keyspace/types/zset.js';
import { formatDouble } from '../protocol/resp-writer.js';
import { globMatch } from '../util/glob.js';
import { bulkReplyBytes, checkPairedRandomCount, checkRandomReplySize, is, parseDoubleOrNull, parseIntOrNull, parseInteger, parseRandomCount } from './args.js';
import { blockClient, signalKeyAsReady } from './blocking.js';
import type { Client, ServerContext } from './context.js';
import { defineCommand, type CommandSpec } from './spec.js';

const ERR_MINMAX_FLOAT = 'ERR min or max is not a float';
const ERR_MINMAX_LEX = 'ERR min or max not valid string range item';
const ERR_NAN = 'ERR resulting score is not a number (NaN)';
const ERR_POSITIVE = 'ERR value is out of range, must be positive';

// ---------------------------------------------------------------------------------------
// Lookups and argument parsing

/** The sorted set at key (undefined if missing); WRONGTYPE for other types. */
function getZSet(db: Database, key: string, forRead: boolean): RZSet | undefined {
  const v = forRead ? db.read(key) : db.get(key);
  if (v === undefined) return undefined;
  if (v instanceof RZSet) return v;
  throw new CommandError(Err.WRONGTYPE);
}

/** Per server, kept current by CONFIG SET (read by every ZADD; two config lookups otherwise). */
const limitsByServer = new WeakMap<ServerContext, ZSetLimits>();

/** zset-max-listpack-entries and zset-max-listpack-value of the client's server (do not modify). */
function limitsOf(c: Client): ZSetLimits {
  let limits = limitsByServer.get(c.server);
  if (limits === undefined) {
    const l: ZSetLimits = { entries: 0, value: 0 };
    c.server.config.watch('zset-max-listpack-entries', (v) => (l.entries = Number(v)));
    c.server.config.watch('zset-max-listpack-value', (v) => (l.value = Number(v)));
    limitsByServer.set(c.server, l);
    limits = l;
  }
  return limits;
}

/** Elements drawn to estimate the reply size of a random pick with repetitions. */
const RANDOM_SAMPLE = 8;

/** getLongFromObjectOrReply: an integer argument or the standard error. */
function parseLong(s: string): number {
  return parseInteger(s);
}

/**
 * One bound of a score range, parsed as Redis's zslParseRange does with strtod: leading
 * whitespace is skipped, an empty string reads as 0, trailing garbage and NaN are errors.
 */
function parseScoreBound(s: string): number | null {
  let i = 0;
  while (i < s.length && (s.charCodeAt(i) === 32 || (s.charCodeAt(i) >= 9 && s.charCodeAt(i) <= 13))) i++;
  if (s.length === 0) return 0;
  if (i === s.length) return null; // strtod converts nothing and leaves eptr at the spaces
  return parseDoubleOrNull(i === 0 ? s : s.slice(i));
}

function parseScoreRange(minArg: string, maxArg: string): ScoreRange {
  const r: ScoreRange = { min: 0, max: 0, minex: false, maxex: false };
  let min: number | null;
  let max: number | null;
  if (minArg.charCodeAt(0) === 40) {
    r.minex = true;
    min = parseScoreBound(minArg.slice(1));
  } else min = parseScoreBound(minArg);
  if (maxArg.charCodeAt(0) === 40) {
    r.maxex = true;
    max = parseScoreBound(maxArg.slice(1));
  } else max = parseScoreBound(maxArg);
  if (min === null || max === null) throw new CommandError(ERR_MINMAX_FLOAT);
  r.min = min;
  r.max = max;
  return r;
}

function parseLexBound(s: string): { b: LexBound; ex: boolean } | null {
  switch (s.charCodeAt(0)) {
    case 43: // '+'
      return s.length === 1 ? { b: { kind: 1, s: '' }, ex: true } : null;
    case 45: // '-'
      return s.length === 1 ? { b: { kind: -1, s: '' }, ex: true } : null;
    case 40: // '('
      return { b: { kind: 0, s: s.slice(1) }, ex: true };
    case 91: // '['
      return { b: { kind: 0, s: s.slice(1) }, ex: false };
    default:
      return null;
  }
}

function parseLexRange(minArg: string, maxArg: string): LexRange {
  const min = parseLexBound(minArg);
  const max = parseLexBound(maxArg);
  if (min === null || max === null) throw new CommandError(ERR_MINMAX_LEX);
  return { min: min.b, minex: min.ex, max: max.b, maxex: max.ex };
}

/** Redis's getPositiveLongFromObjectOrReply with the default message. */
function parsePositiveLong(s: string, error = ERR_POSITIVE): number {
  const v = parseIntOrNull(s);
  if (v === null || v < 0) throw new CommandError(error);
  return v;
}

/** getRangeLongFromObjectOrReply(min 1) with a message used for both kinds of failure. */
function parseAtLeastOne(s: string, error: string): number {
  const v = parseIntOrNull(s);
  if (v === null || v < 1) throw new CommandError(error);
  return v;
}

/** Blocking timeout as Redis's getTimeoutFromObjectOrReply (seconds, decimals allowed). */
function parseTimeoutMs(arg: string): number {
  const f = parseDoubleOrNull(arg);
  if (f === null) throw new CommandError(Err.TIMEOUT_NOT_FLOAT);
  const ms = f * 1000;
  if (!Number.isFinite(ms) || Math.abs(ms) >= 9223372036854775807) throw new CommandError(Err.TIMEOUT_NEGATIVE);
  const t = Math.trunc(ms);
  if (t < 0) throw new CommandError(Err.TIMEOUT_NEGATIVE);
  return t;
}

// ---------------------------------------------------------------------------------------
// Replies

/** Header for n elements, optionally with scores (flat in RESP2, pairs in RESP3). */
function rangeHeader(c: Client, n: number, withScores: boolean): void {
  c.reply.arrayHeader(withScores && c.reply.proto === 2 ? n * 2 : n);
}

function rangeItem(c: Client, member: string, score: number, withScores: boolean): void {
  if (withScores) {
    if (c.reply.proto === 3) c.reply.arrayHeader(2);
    c.reply.bulk(member);
    c.reply.double(score);
  } else {
    c.reply.bulk(member);
  }
}

function replyNodes(c: Client, nodes: ZNode[], withScores: boolean): void {
  rangeHeader(c, nodes.length, withScores);
  for (const n of nodes) rangeItem(c, n.member, n.score, withScores);
}

// ---------------------------------------------------------------------------------------
// ZADD, ZINCRBY

const Z_NX = 1;
const Z_XX = 2;
const Z_GT = 4;
const Z_LT = 8;
const Z_INCR = 16;

function zaddGeneric(c: Client, argv: string[], inFlags: number): void {
  const key = argv[1]!;
  let flags = inFlags;
  let ch = false;
  let idx = 2;
  // Options come first. Redis parses them for ZINCRBY too (where they only lead to a
  // syntax error, its arity leaving no room for a pair after them).
  for (; idx < argv.length; idx++) {
    const a = argv[idx]!;
    if (is(a, 'nx')) flags |= Z_NX;
    else if (is(a, 'xx')) flags |= Z_XX;
    else if (is(a, 'ch')) ch = true;
    else if (is(a, 'incr')) flags |= Z_INCR;
    else if (is(a, 'gt')) flags |= Z_GT;
    else if (is(a, 'lt')) flags |= Z_LT;
    else break;
  }
  const rest = argv.length - idx;
  if (rest === 0 || rest % 2 !== 0) throw new CommandError(Err.SYNTAX);
  const elements = rest / 2;
  const incr = (flags & Z_INCR) !== 0;
  const nx = (flags & Z_NX) !== 0;
  const xx = (flags & Z_XX) !== 0;
  const gt = (flags & Z_GT) !== 0;
  const lt = (flags & Z_LT) !== 0;
  if (nx && xx) throw new CommandError('ERR XX and NX options at the same time are not compatible');
  if ((gt && nx) || (lt && nx) || (gt && lt)) throw new CommandError('ERR GT, LT, and/or NX options at the same time are not compatible');
  if (incr && elements > 1) throw new CommandError('ERR INCR option supports a single increment-element pair');
  const scores = new Array<number>(elements);
  for (let j = 0; j < elements; j++) {
    const s = parseDoubleOrNull(argv[idx + j * 2]!);
    if (s === null) throw new CommandError(Err.NOT_FLOAT);
    scores[j] = s;
  }
  let z = getZSet(c.db, key, false);
  if (z === undefined && xx) {
    if (incr) c.reply.nil();
    else c.reply.int(0);
    return;
  }
  // With INCR there is one element: check for NaN before changing anything.
  if (incr && z !== undefined) {
    const cur = z.score(argv[idx + 1]!);
    if (cur !== undefined && !nx && Number.isNaN(cur + scores[0]!)) throw new CommandError(ERR_NAN);
  }
  const limits = limitsOf(c);
  let created = false;
  if (z === undefined) {
    z = new RZSet();
    created = true;
  }
  let added = 0;
  let updated = 0;
  let processed = 0;
  let lastScore = 0;
  for (let j = 0; j < elements; j++) {
    const member = argv[idx + j * 2 + 1]!;
    let score = scores[j]!;
    const cur = z.score(member);
    if (cur !== undefined) {
      if (nx) continue;
      if (incr) score += cur;
      if ((lt && score >= cur) || (gt && score <= cur)) continue;
      if (score !== cur) {
        z.set(member, score, limits);
        updated++;
      }
    } else {
      if (xx) continue;
      z.set(member, score, limits);
      added++;
    }
    lastScore = score;
    processed++;
  }
  if (created) {
    if (z.size() > 0) c.db.add(key, z);
  } else if (added + updated > 0) {
    c.db.modified(key);
  }
  if (added + updated > 0) {
    signalKeyAsReady(c.db, key);
    c.server.notify('zset', incr ? 'zincr' : 'zadd', key, c.db.id);
  }
  if (incr) {
    if (processed > 0) c.reply.double(lastScore);
    else c.reply.nil();
  } else {
    c.reply.int(ch ? added + updated : added);
  }
}

function zadd(c: Client, argv: string[]): void {
  zaddGeneric(c, argv, 0);
}

function zincrby(c: Client, argv: string[]): void {
  // ZINCRBY key increment member: the same path as ZADD key INCR increment member.
  zaddGeneric(c, argv, Z_INCR);
}

// ---------------------------------------------------------------------------------------
// Simple reads and removals

function zrem(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const z = getZSet(c.db, key, false);
  if (z === undefined) return c.reply.int(0);
  let deleted = 0;
  for (let i = 2; i < argv.length; i++) {
    if (z.remove(argv[i]!)) deleted++;
    if (z.size() === 0) break;
  }
  if (deleted > 0) {
    c.server.notify('zset', 'zrem', key, c.db.id);
    removeIfEmpty(c, key, z, true);
  }
  c.reply.int(deleted);
}

/** After removals: delete the key when it emptied (notifying `del`), else mark it modified. */
function removeIfEmpty(c: Client, key: string, z: RZSet, changed: boolean): void {
  if (z.size() === 0) {
    c.db.delete(key);
    c.server.notify('generic', 'del', key, c.db.id);
  } else if (changed) {
    c.db.modified(key);
  }
}

function zcard(c: Client, argv: string[]): void {
  const z = getZSet(c.db, argv[1]!, true);
  c.reply.int(z === undefined ? 0 : z.size());
}

function zscore(c: Client, argv: string[]): void {
  const z = getZSet(c.db, argv[1]!, true);
  const s = z?.score(argv[2]!);
  if (s === undefined) return c.reply.nil();
  c.reply.double(s);
}

function zmscore(c: Client, argv: string[]): void {
  const z = getZSet(c.db, argv[1]!, true);
  c.reply.arrayHeader(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const s = z?.score(argv[i]!);
    if (s === undefined) c.reply.nil();
    else c.reply.double(s);
  }
}

function zrankGeneric(c: Client, argv: string[], rev: boolean): void {
  const z = getZSet(c.db, argv[1]!, true);
  const r = z?.rank(argv[2]!, rev) ?? null;
  if (r === null) return c.reply.nil();
  c.reply.int(r);
}

function zcount(c: Client, argv: string[]): void {
  const range = parseScoreRange(argv[2]!, argv[3]!);
  const z = getZSet(c.db, argv[1]!, true);
  c.reply.int(z === undefined ? 0 : z.countInScoreRange(range));
}

function zlexcount(c: Client, argv: string[]): void {
  const range = parseLexRange(argv[2]!, argv[3]!);
  const z = getZSet(c.db, argv[1]!, true);
  c.reply.int(z === undefined ? 0 : z.countInLexRange(range));
}

// ---------------------------------------------------------------------------------------
// The ZRANGE family (Redis's zrangeGenericCommand and its result handlers)

type RangeType = 'auto' | 'rank' | 'score' | 'lex';

/** Elements selected by rank (clamped as Redis does), in reply order. */
function selectByRank(z: RZSet, start: number, end: number, rev: boolean): ZNode[] {
  const llen = z.size();
  if (start < 0) start += llen;
  if (end < 0) end += llen;
  if (start < 0) start = 0;
  if (start > end || start >= llen) return [];
  if (end >= llen) end = llen - 1;
  const n = end - start + 1;
  const out = new Array<ZNode>(n);
  let node = rev ? z.nodeAt(llen - 1 - start) : z.nodeAt(start);
  for (let i = 0; i < n && node !== null; i++) {
    out[i] = node;
    node = rev ? node.backward : node.next[0]!;
  }
  return out;
}

function selectByScore(z: RZSet, range: ScoreRange, offset: number, limit: number, rev: boolean): ZNode[] {
  const out: ZNode[] = [];
  if (offset > 0 && offset >= z.size()) return out;
  let ln = rev ? z.zsl.lastInScoreRange(range) : z.zsl.firstInScoreRange(range);
  // A negative offset skips to the end (Redis's `while (ln && offset--)`).
  while (ln !== null && offset-- !== 0) ln = rev ? ln.backward : ln.next[0]!;
  while (ln !== null && limit-- !== 0) {
    if (rev ? !scoreGteMin(ln.score, range) : !scoreLteMax(ln.score, range)) break;
    out.push(ln);
    ln = rev ? ln.backward : ln.next[0]!;
  }
  return out;
}

function selectByLex(z: RZSet, range: LexRange, offset: number, limit: number, rev: boolean): ZNode[] {
  const out: ZNode[] = [];
  if (offset > 0 && offset >= z.size()) return out;
  let ln = rev ? z.zsl.lastInLexRange(range) : z.zsl.firstInLexRange(range);
  while (ln !== null && offset-- !== 0) ln = rev ? ln.backward : ln.next[0]!;
  while (ln !== null && limit-- !== 0) {
    if (rev ? !lexGteMin(ln.member, range) : !lexLteMax(ln.member, range)) break;
    out.push(ln);
    ln = rev ? ln.backward : ln.next[0]!;
  }
  return out;
}

/**
 * zrangeGenericCommand: `argStart` indexes the source key; `dst` is set for ZRANGESTORE.
 * `rangeType`/`rev` preset by the legacy commands; ZRANGE/ZRANGESTORE leave them to options.
 */
function zrangeGeneric(c: Client, argv: string[], argStart: number, dst: string | null, rangeType: RangeType, rev: boolean | null): void {
  const key = argv[argStart]!;
  let minIdx = argStart + 1;
  let maxIdx = argStart + 2;
  let withScores = false;
  let offset = 0;
  let limit = -1;
  let type = rangeType;
  let direction = rev;
  for (let j = argStart + 3; j < argv.length; j++) {
    const a = argv[j]!;
    const left = argv.length - j - 1;
    if (dst === null && is(a, 'withscores')) withScores = true;
    else if (is(a, 'limit') && left >= 2) {
      offset = parseLong(argv[j + 1]!);
      limit = parseLong(argv[j + 2]!);
      j += 2;
    } else if (direction === null && is(a, 'rev')) direction = true;
    else if (type === 'auto' && is(a, 'bylex')) type = 'lex';
    else if (type === 'auto' && is(a, 'byscore')) type = 'score';
    else throw new CommandError(Err.SYNTAX);
  }
  const reverse = direction === true;
  if (type === 'auto') type = 'rank';
  if (limit !== -1 && type === 'rank') throw new CommandError('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
  if (withScores && type === 'lex') throw new CommandError('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
  if (reverse && type !== 'rank') [minIdx, maxIdx] = [maxIdx, minIdx];

  let start = 0;
  let end = 0;
  let scoreRange: ScoreRange | null = null;
  let lexRange: LexRange | null = null;
  if (type === 'rank') {
    start = parseLong(argv[minIdx]!);
    end = parseLong(argv[maxIdx]!);
  } else if (type === 'score') scoreRange = parseScoreRange(argv[minIdx]!, argv[maxIdx]!);
  else lexRange = parseLexRange(argv[minIdx]!, argv[maxIdx]!);

  const z = getZSet(c.db, key, dst === null);
  let nodes: ZNode[];
  if (z === undefined) nodes = [];
  else if (type === 'rank') nodes = selectByRank(z, start, end, reverse);
  else if (type === 'score') nodes = selectByScore(z, scoreRange!, offset, limit, reverse);
  else nodes = selectByLex(z, lexRange!, offset, limit, reverse);

  if (dst === null) return replyNodes(c, nodes, withScores);
  storeResult(
    c,
    dst,
    nodes.map((n) => [n.member, n.score] as [string, number]),
    'zrangestore',
  );
}

/**
 * Store a computed result at dst (ZRANGESTORE, ZUNIONSTORE, ...): an empty result deletes
 * dst; otherwise dst is replaced (its TTL removed) and `event` notified.
 */
function storeResult(c: Client, dst: string, entries: Iterable<[string, number]>, event: string): void {
  const z = RZSet.fromEntries(entries, limitsOf(c));
  if (z.size() === 0) {
    c.reply.int(0);
    if (c.db.delete(dst)) c.server.notify('generic', 'del', dst, c.db.id);
    return;
  }
  c.db.set(dst, z);
  signalKeyAsReady(c.db, dst);
  c.reply.int(z.size());
  c.server.notify('zset', event, dst, c.db.id);
}

function zrange(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, null, 'auto', null);
}
function zrangestore(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 2, argv[1]!, 'auto', null);
}
function zrevrange(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, null, 'rank', true);
}
function zrangebyscore(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, null, 'score', false);
}
function zrevrangebyscore(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, null, 'score', true);
}
function zrangebylex(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, null, 'lex', false);
}
function zrevrangebylex(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, null, 'lex', true);
}

// ---------------------------------------------------------------------------------------
// ZREMRANGEBY*

function zremrangeGeneric(c: Client, argv: string[], type: 'rank' | 'score' | 'lex'): void {
  const key = argv[1]!;
  let start = 0;
  let end = 0;
  let scoreRange: ScoreRange | null = null;
  let lexRange: LexRange | null = null;
  if (type === 'rank') {
    start = parseLong(argv[2]!);
    end = parseLong(argv[3]!);
  } else if (type === 'score') scoreRange = parseScoreRange(argv[2]!, argv[3]!);
  else lexRange = parseLexRange(argv[2]!, argv[3]!);
  const z = getZSet(c.db, key, false);
  if (z === undefined) return c.reply.int(0);
  let deleted: number;
  if (type === 'rank') {
    const llen = z.size();
    if (start < 0) start += llen;
    if (end < 0) end += llen;
    if (start < 0) start = 0;
    if (start > end || start >= llen) return c.reply.int(0);
    if (end >= llen) end = llen - 1;
    deleted = z.removeRangeByRank(start, end);
  } else if (type === 'score') deleted = z.removeRangeByScore(scoreRange!);
  else deleted = z.removeRangeByLex(lexRange!);
  if (deleted > 0) {
    c.server.notify('zset', `zremrangeby${type}`, key, c.db.id);
    removeIfEmpty(c, key, z, true);
  }
  c.reply.int(deleted);
}

// ---------------------------------------------------------------------------------------
// Pops: ZPOPMIN/ZPOPMAX, ZMPOP, and the blocking BZPOPMIN/BZPOPMAX/BZMPOP

interface PopShape {
  /** Reply with the key first (BZPOP*, ZMPOP). */
  emitKey: boolean;
  /** Pairs as nested arrays (RESP3 ZPOP with COUNT; ZMPOP always). */
  nested: boolean;
}

/**
 * Pop up to count elements (count -1: the single-pop form) from the zset at key and reply,
 * as Redis's genericZpopCommand after it found a non-empty candidate.
 */
function popAndReply(c: Client, key: string, z: RZSet, min: boolean, count: number, shape: PopShape): void {
  if (count === -1) count = 1;
  const n = Math.min(count, z.size());
  if (!shape.nested && !shape.emitKey) c.reply.arrayHeader(n * 2);
  else if (shape.nested && !shape.emitKey) c.reply.arrayHeader(n);
  else if (!shape.nested) {
    c.reply.arrayHeader(n * 2 + 1);
    c.reply.bulk(key);
  } else {
    c.reply.arrayHeader(2);
    c.reply.bulk(key);
    c.reply.arrayHeader(n);
  }
  for (let i = 0; i < n; i++) {
    const node = min ? z.zsl.first()! : z.zsl.tail!;
    const member = node.member;
    const score = node.score;
    z.remove(member);
    if (shape.nested) c.reply.arrayHeader(2);
    c.reply.bulk(member);
    c.reply.double(score);
  }
  c.server.notify('zset', min ? 'zpopmin' : 'zpopmax', key, c.db.id);
  removeIfEmpty(c, key, z, true);
}

function zpopMinMax(c: Client, argv: string[], min: boolean): void {
  if (argv.length > 3) throw new CommandError(Err.SYNTAX);
  const count = argv.length === 3 ? parsePositiveLong(argv[2]!) : -1;
  const key = argv[1]!;
  const z = getZSet(c.db, key, false);
  if (z === undefined || count === 0) return c.reply.arrayHeader(0);
  popAndReply(c, key, z, min, count, { emitKey: false, nested: c.reply.proto === 3 && count !== -1 });
}

/** ZMPOP/BZMPOP arguments from numkeys on: keys, direction, count. */
function parseMpop(argv: string[], numkeysIdx: number): { keys: string[]; min: boolean; count: number } {
  const numkeys = parseAtLeastOne(argv[numkeysIdx]!, 'ERR numkeys should be greater than 0');
  const whereIdx = numkeysIdx + numkeys + 1;
  if (whereIdx >= argv.length) throw new CommandError(Err.SYNTAX);
  let min: boolean;
  if (is(argv[whereIdx], 'min')) min = true;
  else if (is(argv[whereIdx], 'max')) min = false;
  else throw new CommandError(Err.SYNTAX);
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    if (count === -1 && is(argv[j], 'count') && j + 1 < argv.length) {
      count = parseAtLeastOne(argv[++j]!, 'ERR count should be greater than 0');
    } else throw new CommandError(Err.SYNTAX);
  }
  return { keys: argv.slice(numkeysIdx + 1, whereIdx), min, count: count === -1 ? 1 : count };
}

/** The first key holding a sorted set (checking types in order), or null. */
function firstNonEmpty(c: Client, keys: string[]): { key: string; z: RZSet } | null {
  for (const key of keys) {
    const z = getZSet(c.db, key, false);
    if (z !== undefined && z.size() > 0) return { key, z };
  }
  return null;
}

function zmpop(c: Client, argv: string[]): void {
  const { keys, min, count } = parseMpop(argv, 1);
  const found = firstNonEmpty(c, keys);
  if (found === null) return c.reply.nilArray();
  popAndReply(c, found.key, found.z, min, count, { emitKey: true, nested: true });
  c.propagateAs([min ? 'ZPOPMIN' : 'ZPOPMAX', found.key, String(count)]);
}

/**
 * Serve or block a BZPOPMIN/BZPOPMAX (count -1) or BZMPOP (count ≥ 1) client, as Redis's
 * blockingGenericZpopCommand; a served pop propagates as ZPOPMIN/ZPOPMAX.
 */
function blockingPop(c: Client, keys: string[], min: boolean, count: number, timeoutMs: number, mpop: boolean): void {
  const shape: PopShape = { emitKey: true, nested: mpop };
  const effect = (key: string): string[] => (mpop ? [min ? 'ZPOPMIN' : 'ZPOPMAX', key, String(count)] : [min ? 'ZPOPMIN' : 'ZPOPMAX', key]);
  const found = firstNonEmpty(c, keys);
  if (found !== null) {
    popAndReply(c, found.key, found.z, min, count, shape);
    c.propagateAs(effect(found.key));
    return;
  }
  blockClient(
    c,
    keys,
    timeoutMs,
    (key) => {
      const v = c.db.get(key);
      if (!(v instanceof RZSet) || v.size() === 0) return false;
      popAndReply(c, key, v, min, count, shape);
      c.propagateAs(effect(key));
      return true;
    },
    () => c.reply.nilArray(),
  );
}

function bzpopMinMax(c: Client, argv: string[], min: boolean): void {
  const timeoutMs = parseTimeoutMs(argv[argv.length - 1]!);
  blockingPop(c, argv.slice(1, -1), min, -1, timeoutMs, false);
}

function bzmpop(c: Client, argv: string[]): void {
  const { keys, min, count } = parseMpop(argv, 2);
  const timeoutMs = parseTimeoutMs(argv[1]!);
  blockingPop(c, keys, min, count, timeoutMs, true);
}

// ---------------------------------------------------------------------------------------
// ZUNION/ZINTER/ZDIFF[STORE], ZINTERCARD (Redis's zunionInterDiffGenericCommand)

type SetOp = 'union' | 'inter' | 'diff';
type Aggregate = 'sum' | 'min' | 'max';

/** One input: a sorted set, a set (every member scores 1), or nothing (missing key). */
interface OpSource {
  z: RZSet | null;
  s: RSet | null;
  weight: number;
}

function sourceSize(src: OpSource): number {
  return src.z !== null ? src.z.size() : src.s !== null ? src.s.size() : 0;
}

function* sourceEntries(src: OpSource): IterableIterator<[string, number]> {
  if (src.z !== null) yield* src.z.entries();
  else if (src.s !== null) for (const m of src.s.members()) yield [m, 1];
}

function sourceScore(src: OpSource, member: string): number | undefined {
  if (src.z !== null) return src.z.score(member);
  if (src.s !== null) return src.s.set.has(member) ? 1 : undefined;
  return undefined;
}

function aggregate(target: number, val: number, how: Aggregate): number {
  if (how === 'sum') {
    const r = target + val;
    // inf + -inf: Redis keeps the convention that the result is 0.
    return Number.isNaN(r) ? 0 : r;
  }
  if (how === 'min') return Math.min(val, target);
  return Math.max(val, target);
}

function zsetOpGeneric(c: Client, argv: string[], dst: string | null, numkeysIdx: number, op: SetOp, cardinalityOnly: boolean): void {
  const setnum = parseLong(argv[numkeysIdx]!);
  if (setnum < 1) throw new CommandError(`ERR at least 1 input key is needed for '${argv[0]!.toLowerCase()}' command`);
  if (setnum > argv.length - (numkeysIdx + 1)) throw new CommandError(Err.SYNTAX);
  const srcs: OpSource[] = [];
  let j = numkeysIdx + 1;
  for (let i = 0; i < setnum; i++, j++) {
    const v = dst !== null ? c.db.get(argv[j]!) : c.db.read(argv[j]!);
    if (v === undefined) srcs.push({ z: null, s: null, weight: 1 });
    else if (v instanceof RZSet) srcs.push({ z: v, s: null, weight: 1 });
    else if (v instanceof RSet) srcs.push({ z: null, s: v, weight: 1 });
    else throw new CommandError(Err.WRONGTYPE);
  }
  let how: Aggregate = 'sum';
  let withScores = false;
  let limit = 0;
  while (j < argv.length) {
    const remaining = argv.length - j;
    const a = argv[j]!;
    if (op !== 'diff' && !cardinalityOnly && remaining >= setnum + 1 && is(a, 'weights')) {
      j++;
      for (let i = 0; i < setnum; i++, j++) {
        const w = parseDoubleOrNull(argv[j]!);
        if (w === null) throw new CommandError('ERR weight value is not a float');
        srcs[i]!.weight = w;
      }
    } else if (op !== 'diff' && !cardinalityOnly && remaining >= 2 && is(a, 'aggregate')) {
      const h = argv[j + 1]!;
      if (is(h, 'sum')) how = 'sum';
      else if (is(h, 'min')) how = 'min';
      else if (is(h, 'max')) how = 'max';
      else throw new CommandError(Err.SYNTAX);
      j += 2;
    } else if (dst === null && !cardinalityOnly && is(a, 'withscores')) {
      withScores = true;
      j++;
    } else if (cardinalityOnly && remaining >= 2 && is(a, 'limit')) {
      limit = parsePositiveLong(argv[j + 1]!, "ERR LIMIT can't be negative");
      j += 2;
    } else throw new CommandError(Err.SYNTAX);
  }

  // Smallest inputs first (a stable sort, as glibc's qsort is for these sizes): this fixes
  // the order in which SUM adds the scores, which can change the last bits of the result.
  if (op !== 'diff') srcs.sort((a, b) => sourceSize(a) - sourceSize(b));

  const result = new Map<string, number>();
  let cardinality = 0;
  if (op === 'inter') {
    if (sourceSize(srcs[0]!) > 0) {
      for (const [member, s0] of sourceEntries(srcs[0]!)) {
        let score = srcs[0]!.weight * s0;
        if (Number.isNaN(score)) score = 0;
        let i = 1;
        for (; i < setnum; i++) {
          const src = srcs[i]!;
          const v = sourceScore(src, member);
          if (v === undefined) break;
          score = aggregate(score, v * src.weight, how);
        }
        if (i !== setnum) continue;
        if (cardinalityOnly) {
          cardinality++;
          if (limit && cardinality >= limit) break;
        } else result.set(member, score);
      }
    }
  } else if (op === 'union') {
    for (const src of srcs) {
      if (sourceSize(src) === 0) continue;
      for (const [member, s] of sourceEntries(src)) {
        let score = src.weight * s;
        if (Number.isNaN(score)) score = 0;
        const cur = result.get(member);
        result.set(member, cur === undefined ? score : aggregate(cur, score, how));
      }
    }
  } else {
    const first = srcs[0]!;
    for (const [member, s] of sourceEntries(first)) {
      let found = false;
      for (let i = 1; i < setnum && !found; i++) found = sourceScore(srcs[i]!, member) !== undefined;
      if (!found) result.set(member, s);
    }
  }

  if (cardinalityOnly) return c.reply.int(cardinality);
  if (dst !== null) return storeResult(c, dst, result, `z${op}store`);
  // Sorted through a skiplist, as Redis does: scores stay exactly as computed (-0 too).
  const sorted = new RZSet();
  sorted.listpack = false;
  for (const [m, s] of result) sorted.set(m, s);
  rangeHeader(c, sorted.size(), withScores);
  for (const [m, s] of sorted.entries()) rangeItem(c, m, s, withScores);
}

// ---------------------------------------------------------------------------------------
// ZRANDMEMBER, ZSCAN

function zrandmember(c: Client, argv: string[]): void {
  if (argv.length >= 3) {
    const big = parseRandomCount(argv[2]!);
    if (argv.length > 4 || (argv.length === 4 && !is(argv[3], 'withscores'))) throw new CommandError(Err.SYNTAX);
    const withScores = argv.length === 4;
    if (withScores) checkPairedRandomCount(big);
    return zrandmemberWithCount(c, argv[1]!, Number(big), withScores);
  }
  const z = getZSet(c.db, argv[1]!, true);
  if (z === undefined) return c.reply.nil();
  c.reply.bulk(z.nodeAt(Math.floor(Math.random() * z.size()))!.member);
}

function zrandmemberWithCount(c: Client, key: string, l: number, withScores: boolean): void {
  const z = getZSet(c.db, key, true);
  if (z === undefined || l === 0) return c.reply.arrayHeader(0);
  const size = z.size();
  const count = Math.abs(l);
  if (l < 0 || count === 1) {
    // With repetitions: every pick samples the whole set.
    let sample = 0;
    for (let i = 0; i < RANDOM_SAMPLE; i++) {
      const n = z.nodeAt(Math.floor(Math.random() * size))!;
      sample += bulkReplyBytes(n.member.length) + (withScores ? bulkReplyBytes(formatDouble(n.score).length) : 0);
    }
    checkRandomReplySize(count, sample, RANDOM_SAMPLE);
    rangeHeader(c, count, withScores);
    for (let i = 0; i < count; i++) {
      const n = z.nodeAt(Math.floor(Math.random() * size))!;
      rangeItem(c, n.member, n.score, withScores);
    }
    return;
  }
  if (count >= size) {
    // The whole set, which Redis 7.0 sends from the highest rank down.
    rangeHeader(c, size, withScores);
    for (let n = z.zsl.tail; n !== null; n = n.backward) rangeItem(c, n.member, n.score, withScores);
    return;
  }
  const picked = new Set<number>();
  while (picked.size < count) picked.add(Math.floor(Math.random() * size));
  rangeHeader(c, count, withScores);
  for (const rank of picked) {
    const n = z.nodeAt(rank)!;
    rangeItem(c, n.member, n.score, withScores);
  }
}

/**
 * ZSCAN. A listpack-sized set answers whole with cursor 0, as Redis does. A larger one is
 * walked in rank order and the cursor is the next rank: elements present for the whole
 * scan are returned unless elements before the cursor are removed meanwhile (Redis's hash
 * table cursor keeps that guarantee under removals too; this one does not).
 */
function zscan(c: Client, argv: string[]): void {
  const cursorArg = argv[2]!;
  // strtoul's syntax: an optional sign (a negative cursor wraps around to a huge one); "" is 0.
  if (!/^([+-]?[0-9]+)?$/.test(cursorArg) || cursorArg.length > 21) throw new CommandError('ERR invalid cursor');
  let cursor = cursorArg === '' ? 0 : Number(cursorArg);
  if (cursor < 0) cursor = Number.MAX_SAFE_INTEGER;
  const z = getZSet(c.db, argv[1]!, true);
  if (z === undefined) {
    c.reply.arrayHeader(2);
    c.reply.bulk('0');
    c.reply.arrayHeader(0);
    return;
  }
  let count = 10;
  let pattern: string | null = null;
  for (let i = 3; i < argv.length; i += 2) {
    const a = argv[i]!;
    const left = argv.length - i - 1;
    if (is(a, 'count') && left >= 1) {
      count = parseLong(argv[i + 1]!);
      if (count < 1) throw new CommandError(Err.SYNTAX);
    } else if (is(a, 'match') && left >= 1) {
      pattern = argv[i + 1]!;
      if (pattern === '*') pattern = null;
    } else throw new CommandError(Err.SYNTAX);
  }
  const items: [string, number][] = [];
  let next = 0;
  if (z.listpack) {
    for (const e of z.entries()) items.push(e);
  } else {
    let node = z.nodeAt(cursor);
    let taken = 0;
    while (node !== null && taken < count) {
      items.push([node.member, node.score]);
      node = node.next[0]!;
      taken++;
    }
    next = node === null ? 0 : cursor + taken;
  }
  const kept = pattern === null ? items : items.filter(([m]) => globMatch(pattern!, m, false));
  c.reply.arrayHeader(2);
  c.reply.bulk(String(next));
  c.reply.arrayHeader(kept.length * 2);
  for (const [m, s] of kept) {
    c.reply.bulk(m);
    c.reply.bulk(formatDouble(s)); // bulk strings in both protocols
  }
}

// ---------------------------------------------------------------------------------------
// Key positions for commands with numkeys

function numkeysKeys(numkeysIdx: number, extraFirst: number[] = []) {
  return (argv: readonly string[]): number[] => {
    const n = parseIntOrNull(argv[numkeysIdx] ?? '');
    const keys = [...extraFirst];
    if (n === null || n < 1) return keys;
    for (let i = 0; i < n && numkeysIdx + 1 + i < argv.length; i++) keys.push(numkeysIdx + 1 + i);
    return keys;
  };
}

const Z = { group: 'sorted-set' as const };
export const zsetCommands: CommandSpec[] = [
  defineCommand({
    ...Z,
    name: 'zadd',
    docs: {
      history: [
        ['2.4.0', 'Accepts multiple elements.'],
        ['3.0.2', 'Added the `XX`, `NX`, `CH` and `INCR` options.'],
        ['6.2.0', 'Added the `GT` and `LT` options.'],
      ],
    },
    arity: -4,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    handler: zadd,
    summary: 'Add one or more members to a sorted set, or update its score if it already exists',
    since: '1.2.0',
    complexity: 'O(log(N)) for each item added, where N is the number of elements in the sorted set.',
  }),
  defineCommand({
    ...Z,
    name: 'zincrby',
    keySpecs: ['RW access update | index 1 | range 0 1 0'],
    arity: 4,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    handler: zincrby,
    summary: 'Increment the score of a member in a sorted set',
    since: '1.2.0',
    complexity: 'O(log(N)) where N is the number of elements in the sorted set.',
  }),
  defineCommand({
    ...Z,
    name: 'zrem',
    keySpecs: ['RW delete | index 1 | range 0 1 0'],
    docs: { history: [['2.4.0', 'Accepts multiple elements.']] },
    arity: -3,
    flags: 'write fast',
    keys: [1, 1, 1],
    handler: zrem,
    summary: 'Remove one or more members from a sorted set',
    since: '1.2.0',
    complexity: 'O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.',
  }),
  defineCommand({
    ...Z,
    name: 'zcard',
    keySpecs: ['RO | index 1 | range 0 1 0'],
    arity: 2,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    handler: zcard,
    summary: 'Get the number of members in a sorted set',
    since: '1.2.0',
  }),
  defineCommand({
    ...Z,
    name: 'zscore',
    arity: 3,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    handler: zscore,
    summary: 'Get the score associated with the given member in a sorted set',
    since: '1.2.0',
  }),
  defineCommand({
    ...Z,
    name: 'zmscore',
    arity: -3,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    handler: zmscore,
    summary: 'Get the score associated with the given members in a sorted set',
    since: '6.2.0',
    complexity: 'O(N) where N is the number of members being requested.',
  }),
  defineCommand({
    ...Z,
    name: 'zrank',
    arity: 3,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    handler: (c, a) => zrankGeneric(c, a, false),
    summary: 'Determine the index of a member in a sorted set',
    since: '2.0.0',
    complexity: 'O(log(N))',
  }),
  defineCommand({
    ...Z,
    name: 'zrevrank',
    arity: 3,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    handler: (c, a) => zrankGeneric(c, a, true),
    summary: 'Determine the index of a member in a sorted set, with scores ordered from high to low',
    since: '2.0.0',
    complexity: 'O(log(N))',
  }),
  defineCommand({
    ...Z,
    name: 'zcount',
    arity: 4,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    handler: zcount,
    summary: 'Count the members in a sorted set with scores within the given values',
    since: '2.0.0',
    complexity: 'O(log(N)) with N being the number of elements in the sorted set.',
  }),
  defineCommand({
    ...Z,
    name: 'zlexcount',
    arity: 4,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    handler: zlexcount,
    summary: 'Count the number of members in a sorted set between a given lexicographical range',
    since: '2.8.9',
    complexity: 'O(log(N)) with N being the number of elements in the sorted set.',
  }),
  defineCommand({
    ...Z,
    name: 'zrange',
    docs: { history: [['6.2.0', 'Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options.']] },
    arity: -4,
    flags: 'readonly',
    keys: [1, 1, 1],
    handler: zrange,
    summary: 'Return a range of members in a sorted set',
    since: '1.2.0',
    complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.',
  }),
  defineCommand({
    ...Z,
    name: 'zrangestore',
    keySpecs: ['OW update | index 1 | range 0 1 0', 'RO access | index 2 | range 0 1 0'],
    arity: -5,
    flags: 'write denyoom',
    keys: [1, 2, 1],
    handler: zrangestore,
    summary: 'Store a range of members from sorted set into another key',
    since: '6.2.0',
    complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.',
  }),
  defineCommand({
    ...Z,
    name: 'zrevrange',
    docs: { docFlags: ['deprecated'], deprecatedSince: '6.2.0', replacedBy: '`ZRANGE` with the `REV` argument' },
    arity: -4,
    flags: 'readonly',
    keys: [1, 1, 1],
    handler: zrevrange,
    summary: 'Return a range of members in a sorted set, by index, with scores ordered from high to low',
    since: '1.2.0',
    complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.',
  }),
  defineCommand({
    ...Z,
    name: 'zrangebyscore',
    docs: { docFlags: ['deprecated'], deprecatedSince: '6.2.0', replacedBy: '`ZRANGE` with the `BYSCORE` argument', history: [['2.0.0', 'Added the `WITHSCORES` modifier.']] },
    arity: -4,
    flags: 'readonly',
    keys: [1, 1, 1],
    handler: zrangebyscore,
    summary: 'Return a range of members in a sorted set, by score',
    since: '1.0.5',
    complexity:
      'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).',
  }),
  defineCommand({
    ...Z,
    name: 'zrevrangebyscore',
    docs: { docFlags: ['deprecated'], deprecatedSince: '6.2.0', replacedBy: '`ZRANGE` with the `REV` and `BYSCORE` arguments', history: [['2.1.6', '`min` and `max` can be exclusive.']] },
    arity: -4,
    flags: 'readonly',
    keys: [1, 1, 1],
    handler: zrevrangebyscore,
    summary: 'Return a range of members in a sorted set, by score, with scores ordered from high to low',
    since: '2.2.0',
    complexity:
      'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).',
  }),
  defineCommand({
    ...Z,
    name: 'zrangebylex',
    docs: { docFlags: ['deprecated'], deprecatedSince: '6.2.0', replacedBy: '`ZRANGE` with the `BYLEX` argument' },
    arity: -4,
    flags: 'readonly',
    keys: [1, 1, 1],
    handler: zrangebylex,
    summary: 'Return a range of members in a sorted set, by lexicographical range',
    since: '2.8.9',
    complexity:
      'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).',
  }),
  defineCommand({
    ...Z,
    name: 'zrevrangebylex',
    docs: { docFlags: ['deprecated'], deprecatedSince: '6.2.0', replacedBy: '`ZRANGE` with the `REV` and `BYLEX` arguments' },
    arity: -4,
    flags: 'readonly',
    keys: [1, 1, 1],
    handler: zrevrangebylex,
    summary: 'Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.',
    since: '2.8.9',
    complexity:
      'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).',
  }),
  defineCommand({
    ...Z,
    name: 'zremrangebyscore',
    keySpecs: ['RW delete | index 1 | range 0 1 0'],
    arity: 4,
    flags: 'write',
    keys: [1, 1, 1],
    handler: (c, a) => zremrangeGeneric(c, a, 'score'),
    summary: 'Remove all members in a sorted set within the given scores',
    since: '1.2.0',
    complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.',
  }),
  defineCommand({
    ...Z,
    name: 'zremrangebyrank',
    keySpecs: ['RW delete | index 1 | range 0 1 0'],
    arity: 4,
    flags: 'write',
    keys: [1, 1, 1],
    handler: (c, a) => zremrangeGeneric(c, a, 'rank'),
    summary: 'Remove all members in a sorted set within the given indexes',
    since: '2.0.0',
    complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.',
  }),
  defineCommand({
    ...Z,
    name: 'zremrangebylex',
    keySpecs: ['RW delete | index 1 | range 0 1 0'],
    arity: 4,
    flags: 'write',
    keys: [1, 1, 1],
    handler: (c, a) => zremrangeGeneric(c, a, 'lex'),
    summary: 'Remove all members in a sorted set between the given lexicographical range',
    since: '2.8.9',
    complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.',
  }),
  defineCommand({
    ...Z,
    name: 'zpopmin',
    keySpecs: ['RW access delete | index 1 | range 0 1 0'],
    arity: -2,
    flags: 'write fast',
    keys: [1, 1, 1],
    handler: (c, a) => zpopMinMax(c, a, true),
    summary: 'Remove and return members with the lowest scores in a sorted set',
    since: '5.0.0',
    complexity: 'O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.',
  }),
  defineCommand({
    ...Z,
    name: 'zpopmax',
    keySpecs: ['RW access delete | index 1 | range 0 1 0'],
    arity: -2,
    flags: 'write fast',
    keys: [1, 1, 1],
    handler: (c, a) => zpopMinMax(c, a, false),
    summary: 'Remove and return members with the highest scores in a sorted set',
    since: '5.0.0',
    complexity: 'O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.',
  }),
  defineCommand({
    ...Z,
    name: 'zmpop',
    keySpecs: ['RW access delete | index 1 | keynum 0 1 1'],
    arity: -4,
    flags: 'write',
    getKeys: numkeysKeys(1),
    handler: zmpop,
    summary: 'Remove and return members with scores in a sorted set',
    since: '7.0.0',
    complexity: 'O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.',
  }),
  defineCommand({
    ...Z,
    name: 'bzpopmin',
    keySpecs: ['RW access delete | index 1 | range -2 1 0'],
    docs: { history: [['6.0.0', '`timeout` is interpreted as a double instead of an integer.']] },
    arity: -3,
    flags: 'write noscript blocking fast',
    keys: [1, -2, 1],
    handler: (c, a) => bzpopMinMax(c, a, true),
    summary: 'Remove and return the member with the lowest score from one or more sorted sets, or block until one is available',
    since: '5.0.0',
    complexity: 'O(log(N)) with N being the number of elements in the sorted set.',
  }),
  defineCommand({
    ...Z,
    name: 'bzpopmax',
    keySpecs: ['RW access delete | index 1 | range -2 1 0'],
    docs: { history: [['6.0.0', '`timeout` is interpreted as a double instead of an integer.']] },
    arity: -3,
    flags: 'write noscript blocking fast',
    keys: [1, -2, 1],
    handler: (c, a) => bzpopMinMax(c, a, false),
    summary: 'Remove and return the member with the highest score from one or more sorted sets, or block until one is available',
    since: '5.0.0',
    complexity: 'O(log(N)) with N being the number of elements in the sorted set.',
  }),
  defineCommand({
    ...Z,
    name: 'bzmpop',
    keySpecs: ['RW access delete | index 2 | keynum 0 1 1'],
    arity: -5,
    flags: 'write blocking',
    getKeys: numkeysKeys(2),
    handler: bzmpop,
    summary: 'Remove and return members with scores in a sorted set or block until one is available',
    since: '7.0.0',
    complexity: 'O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.',
  }),
  defineCommand({
    ...Z,
    name: 'zunionstore',
    keySpecs: ['OW update | index 1 | range 0 1 0', 'RO access | index 2 | keynum 0 1 1'],
    arity: -4,
    flags: 'write denyoom',
    keys: [1, 1, 1],
    getKeys: numkeysKeys(2, [1]),
    handler: (c, a) => zsetOpGeneric(c, a, a[1]!, 2, 'union', false),
    summary: 'Add multiple sorted sets and store the resulting sorted set in a new key',
    since: '2.0.0',
    complexity: 'O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.',
  }),
  defineCommand({
    ...Z,
    name: 'zinterstore',
    keySpecs: ['OW update | index 1 | range 0 1 0', 'RO access | index 2 | keynum 0 1 1'],
    arity: -4,
    flags: 'write denyoom',
    keys: [1, 1, 1],
    getKeys: numkeysKeys(2, [1]),
    handler: (c, a) => zsetOpGeneric(c, a, a[1]!, 2, 'inter', false),
    summary: 'Intersect multiple sorted sets and store the resulting sorted set in a new key',
    since: '2.0.0',
    complexity: 'O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.',
  }),
  defineCommand({
    ...Z,
    name: 'zdiffstore',
    keySpecs: ['OW update | index 1 | range 0 1 0', 'RO access | index 2 | keynum 0 1 1'],
    arity: -4,
    flags: 'write denyoom',
    keys: [1, 1, 1],
    getKeys: numkeysKeys(2, [1]),
    handler: (c, a) => zsetOpGeneric(c, a, a[1]!, 2, 'diff', false),
    summary: 'Subtract multiple sorted sets and store the resulting sorted set in a new key',
    since: '6.2.0',
    complexity: 'O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.',
  }),
  defineCommand({
    ...Z,
    name: 'zunion',
    keySpecs: ['RO access | index 1 | keynum 0 1 1'],
    arity: -3,
    flags: 'readonly',
    getKeys: numkeysKeys(1),
    handler: (c, a) => zsetOpGeneric(c, a, null, 1, 'union', false),
    summary: 'Add multiple sorted sets',
    since: '6.2.0',
    complexity: 'O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.',
  }),
  defineCommand({
    ...Z,
    name: 'zinter',
    keySpecs: ['RO access | index 1 | keynum 0 1 1'],
    arity: -3,
    flags: 'readonly',
    getKeys: numkeysKeys(1),
    handler: (c, a) => zsetOpGeneric(c, a, null, 1, 'inter', false),
    summary: 'Intersect multiple sorted sets',
    since: '6.2.0',
    complexity: 'O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.',
  }),
  defineCommand({
    ...Z,
    name: 'zintercard',
    keySpecs: ['RO access | index 1 | keynum 0 1 1'],
    arity: -3,
    flags: 'readonly',
    getKeys: numkeysKeys(1),
    handler: (c, a) => zsetOpGeneric(c, a, null, 1, 'inter', true),
    summary: 'Intersect multiple sorted sets and return the cardinality of the result',
    since: '7.0.0',
    complexity: 'O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.',
  }),
  defineCommand({
    ...Z,
    name: 'zdiff',
    keySpecs: ['RO access | index 1 | keynum 0 1 1'],
    arity: -3,
    flags: 'readonly',
    getKeys: numkeysKeys(1),
    handler: (c, a) => zsetOpGeneric(c, a, null, 1, 'diff', false),
    summary: 'Subtract multiple sorted sets',
    since: '6.2.0',
    complexity: 'O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.',
  }),
  defineCommand({
    ...Z,
    name: 'zrandmember',
    arity: -2,
    flags: 'readonly',
    keys: [1, 1, 1],
    handler: zrandmember,
    summary: 'Get one or multiple random elements from a sorted set',
    since: '6.2.0',
    complexity: 'O(N) where N is the number of elements returned',
  }),
  defineCommand({
    ...Z,
    name: 'zscan',
    arity: -3,
    flags: 'readonly',
    keys: [1, 1, 1],
    handler: zscan,
    summary: 'Incrementally iterate sorted sets elements and associated scores',
    since: '2.8.0',
    complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..',
  }),
];
