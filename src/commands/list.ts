/**
 * List commands, as Redis 7.0's t_list.c answers them: argument checks in Redis's order,
 * the same error texts, RESP2/RESP3 nulls, keyspace events and propagation (a served
 * BLPOP propagates as LPOP, BLMOVE as LMOVE, LMPOP as LPOP key count).
 *
 * Blocking commands try to serve at once; otherwise they block through blocking.ts, and
 * pushes signal the key so that blocked clients are served after the pushing command.
 */
import { CommandError, Err } from '../errors.js';
import type { Database } from '../keyspace/keyspace.js';
import { RList } from '../keyspace/types/list.js';
import { is, parseI64, parseIntOrNull, parseInteger } from './args.js';
import { blockClient, parseTimeout, signalKeyAsReady } from './blocking.js';
import type { Client } from './context.js';
import { defineCommand, type CommandSpec } from './spec.js';

const LONG_MIN = -9223372036854775808n;
const POSITIVE = 'ERR value is out of range, must be positive';

/** The list at key, undefined if missing; WRONGTYPE for other types. */
function lookupList(db: Database, key: string, read = false): RList | undefined {
  const v = read ? db.read(key) : db.get(key);
  if (v === undefined) return undefined;
  if (v instanceof RList) return v;
  throw new CommandError(Err.WRONGTYPE);
}

/** The list at key, created (and announced) when missing. */
function listForPush(c: Client, key: string): RList {
  let l = lookupList(c.db, key);
  if (l === undefined) {
    l = new RList();
    c.db.add(key, l);
    c.server.notify('new', 'new', key, c.db.id);
    signalKeyAsReady(c.db, key);
  }
  return l;
}

/** A non-negative count (LPOP count): Redis's getPositiveLongFromObjectOrReply. */
function parsePositiveLong(s: string, error: string): number {
  const v = parseIntOrNull(s);
  if (v === null || v < 0) throw new CommandError(error);
  return v;
}

/** LEFT / RIGHT → true for the head. */
function parseWhere(s: string): boolean {
  if (is(s, 'left')) return true;
  if (is(s, 'right')) return false;
  throw new CommandError(Err.SYNTAX);
}

/**
 * After removing n elements from the end `head`: notify, delete the key when empty (Redis's
 * listElementsRemoved), and mark the key modified.
 */
function elementsRemoved(c: Client, db: Database, key: string, l: RList, head: boolean): void {
  c.server.notify('list', head ? 'lpop' : 'rpop', key, db.id);
  if (l.length === 0) {
    db.delete(key);
    c.server.notify('generic', 'del', key, db.id);
  } else {
    db.modified(key);
  }
}

/** Pop up to count elements from one end, replying with them (tail pops in tail-first order). */
function popRange(c: Client, l: RList, head: boolean, count: number): number {
  const n = Math.min(count, l.length);
  c.reply.arrayHeader(n);
  for (let i = 0; i < n; i++) c.reply.bulk(l.pop(head)!);
  return n;
}

// ---- push --------------------------------------------------------------------------

function pushGeneric(c: Client, argv: string[], head: boolean, onlyExisting: boolean): void {
  const key = argv[1]!;
  let l = lookupList(c.db, key);
  if (l === undefined) {
    if (onlyExisting) return c.reply.int(0);
    l = listForPush(c, key);
  }
  for (let j = 2; j < argv.length; j++) l.push(argv[j]!, head);
  c.db.modified(key);
  c.reply.int(l.length);
  c.server.notify('list', head ? 'lpush' : 'rpush', key, c.db.id);
  signalKeyAsReady(c.db, key);
}

// ---- pop ---------------------------------------------------------------------------

function popGeneric(c: Client, argv: string[], head: boolean): void {
  if (argv.length > 3) throw new CommandError(Err.WRONG_ARITY(head ? 'lpop' : 'rpop'));
  const hasCount = argv.length === 3;
  const count = hasCount ? parsePositiveLong(argv[2]!, POSITIVE) : 1;
  const key = argv[1]!;
  const l = lookupList(c.db, key);
  if (l === undefined) return hasCount ? c.reply.nilArray() : c.reply.nil();
  if (hasCount && count === 0) return c.reply.arrayHeader(0);
  if (!hasCount) c.reply.bulk(l.pop(head)!);
  else popRange(c, l, head, count);
  elementsRemoved(c, c.db, key, l, head);
}

// ---- read --------------------------------------------------------------------------

function llen(c: Client, argv: string[]): void {
  const l = lookupList(c.db, argv[1]!, true);
  c.reply.int(l === undefined ? 0 : l.length);
}

function lrange(c: Client, argv: string[]): void {
  let start = parseInteger(argv[2]!);
  let end = parseInteger(argv[3]!);
  const l = lookupList(c.db, argv[1]!, true);
  if (l === undefined) return c.reply.arrayHeader(0);
  const n = l.length;
  if (start < 0) start += n;
  if (end < 0) end += n;
  if (start < 0) start = 0;
  if (start > end || start >= n) return c.reply.arrayHeader(0);
  if (end >= n) end = n - 1;
  c.reply.arrayHeader(end - start + 1);
  for (let i = start; i <= end; i++) c.reply.bulk(l.get(i));
}

function lindex(c: Client, argv: string[]): void {
  const l = lookupList(c.db, argv[1]!, true);
  if (l === undefined) return c.reply.nil();
  let i = parseInteger(argv[2]!);
  if (i < 0) i += l.length;
  if (i < 0 || i >= l.length) return c.reply.nil();
  c.reply.bulk(l.get(i));
}

function lpos(c: Client, argv: string[]): void {
  const element = argv[2]!;
  let rank = 1;
  let count = -1;
  let maxlen = 0;
  let rankIsLongMin = false;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j]!;
    const more = j + 1 < argv.length;
    if (is(opt, 'rank') && more) {
      const r = parseI64(argv[++j]!);
      if (r === null) throw new CommandError(Err.NOT_INTEGER);
      if (r === 0n) {
        throw new CommandError("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list");
      }
      // Redis negates LONG_MIN into itself: the first match from the tail, without a COUNT limit.
      rankIsLongMin = r === LONG_MIN;
      rank = Number(r);
    } else if (is(opt, 'count') && more) {
      count = parsePositiveLong(argv[++j]!, "ERR COUNT can't be negative");
    } else if (is(opt, 'maxlen') && more) {
      maxlen = parsePositiveLong(argv[++j]!, "ERR MAXLEN can't be negative");
    } else {
      throw new CommandError(Err.SYNTAX);
    }
  }
  let fromTail = false;
  if (rank < 0) {
    rank = -rank;
    fromTail = true;
  }
  let countLimit = count;
  if (rankIsLongMin) {
    rank = 1;
    countLimit = 0;
  }
  const l = lookupList(c.db, argv[1]!, true);
  if (l === undefined) return count !== -1 ? c.reply.arrayHeader(0) : c.reply.nil();
  const n = l.length;
  const found: number[] = [];
  let matches = 0;
  for (let index = 0; index < n && (maxlen === 0 || index < maxlen); index++) {
    const pos = fromTail ? n - index - 1 : index;
    if (l.get(pos) !== element) continue;
    matches++;
    if (matches >= rank) {
      found.push(pos);
      if (count === -1) break;
      if (countLimit !== 0 && matches - rank + 1 >= countLimit) break;
    }
  }
  if (count !== -1) {
    c.reply.arrayHeader(found.length);
    for (const p of found) c.reply.int(p);
  } else if (found.length !== 0) {
    c.reply.int(found[0]!);
  } else {
    c.reply.nil();
  }
}

// ---- modify in the middle ----------------------------------------------------------

function lset(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const l = lookupList(c.db, key);
  if (l === undefined) throw new CommandError(Err.NO_SUCH_KEY);
  let i = parseInteger(argv[2]!);
  if (i < 0) i += l.length;
  if (i < 0 || i >= l.length) throw new CommandError(Err.INDEX_OUT_OF_RANGE);
  l.set(i, argv[3]!);
  c.db.modified(key);
  c.reply.ok();
  c.server.notify('list', 'lset', key, c.db.id);
}

function linsert(c: Client, argv: string[]): void {
  const key = argv[1]!;
  let after: boolean;
  if (is(argv[2], 'after')) after = true;
  else if (is(argv[2], 'before')) after = false;
  else throw new CommandError(Err.SYNTAX);
  const l = lookupList(c.db, key);
  if (l === undefined) return c.reply.int(0);
  const pivot = argv[3]!;
  const n = l.length;
  let at = -1;
  for (let i = 0; i < n; i++) {
    if (l.get(i) === pivot) {
      at = i;
      break;
    }
  }
  if (at < 0) return c.reply.int(-1);
  l.insertAt(after ? at + 1 : at, argv[4]!);
  c.db.modified(key);
  c.server.notify('list', 'linsert', key, c.db.id);
  c.reply.int(l.length);
}

function lrem(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const toRemove = parseInteger(argv[2]!);
  const l = lookupList(c.db, key);
  if (l === undefined) return c.reply.int(0);
  const removed = l.remove(argv[3]!, Math.abs(toRemove), toRemove >= 0);
  if (removed !== 0) {
    c.server.notify('list', 'lrem', key, c.db.id);
    if (l.length === 0) {
      c.db.delete(key);
      c.server.notify('generic', 'del', key, c.db.id);
    } else {
      c.db.modified(key);
    }
  }
  c.reply.int(removed);
}

function ltrim(c: Client, argv: string[]): void {
  const key = argv[1]!;
  let start = parseInteger(argv[2]!);
  let end = parseInteger(argv[3]!);
  const l = lookupList(c.db, key);
  if (l === undefined) return c.reply.ok();
  const n = l.length;
  if (start < 0) start += n;
  if (end < 0) end += n;
  if (start < 0) start = 0;
  if (start > end || start >= n) {
    l.trim(1, 0);
  } else {
    if (end >= n) end = n - 1;
    l.trim(start, end);
  }
  c.server.notify('list', 'ltrim', key, c.db.id);
  if (l.length === 0) {
    c.db.delete(key);
    c.server.notify('generic', 'del', key, c.db.id);
  } else {
    // Like Redis's signalModifiedKey, even when nothing was trimmed (WATCH sees it); the
    // difference is that a no-op LTRIM is then propagated, where Redis skips it.
    c.db.modified(key);
  }
  c.reply.ok();
}

// ---- move --------------------------------------------------------------------------

/**
 * Move one element from src (non-empty) to dst, replying with it (Redis's
 * lmoveGenericCommand after its source checks). Throws WRONGTYPE, changing nothing, when
 * dst holds another type. Events in Redis's order: push on dst, then pop on src.
 */
function moveOne(c: Client, db: Database, src: string, l: RList, dst: string, fromHead: boolean, toHead: boolean): void {
  const dl = lookupList(db, dst);
  const value = l.pop(fromHead)!;
  let target = dl;
  if (target === undefined) {
    target = new RList();
    db.add(dst, target);
    c.server.notify('new', 'new', dst, db.id);
  }
  target.push(value, toHead);
  db.modified(dst);
  c.server.notify('list', toHead ? 'lpush' : 'rpush', dst, db.id);
  c.reply.bulk(value);
  c.server.notify('list', fromHead ? 'lpop' : 'rpop', src, db.id);
  if (l.length === 0) {
    db.delete(src);
    c.server.notify('generic', 'del', src, db.id);
  } else {
    db.modified(src);
  }
  signalKeyAsReady(db, dst);
}

function lmoveGeneric(c: Client, src: string, dst: string, fromHead: boolean, toHead: boolean): void {
  const l = lookupList(c.db, src);
  if (l === undefined) return c.reply.nil();
  moveOne(c, c.db, src, l, dst, fromHead, toHead);
}

function lmove(c: Client, argv: string[]): void {
  const fromHead = parseWhere(argv[3]!);
  const toHead = parseWhere(argv[4]!);
  lmoveGeneric(c, argv[1]!, argv[2]!, fromHead, toHead);
}

function rpoplpush(c: Client, argv: string[]): void {
  lmoveGeneric(c, argv[1]!, argv[2]!, false, true);
}

// ---- multi-key pops ----------------------------------------------------------------

interface MpopArgs {
  keys: string[];
  head: boolean;
  count: number;
}

/** LMPOP/BLMPOP arguments from numkeys at argv[at]. */
function parseMpop(argv: string[], at: number): MpopArgs {
  const nk = parseIntOrNull(argv[at]!);
  if (nk === null || nk < 1) throw new CommandError('ERR numkeys should be greater than 0');
  const whereIdx = at + nk + 1;
  if (whereIdx >= argv.length) throw new CommandError(Err.SYNTAX);
  const head = parseWhere(argv[whereIdx]!);
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    if (count === -1 && is(argv[j], 'count') && j + 1 < argv.length) {
      const v = parseIntOrNull(argv[++j]!);
      if (v === null || v < 1) throw new CommandError('ERR count should be greater than 0');
      count = v;
    } else {
      throw new CommandError(Err.SYNTAX);
    }
  }
  return { keys: argv.slice(at + 1, at + 1 + nk), head, count: count === -1 ? 1 : count };
}

/** Reply [key, [elements]] popping up to count, and propagate as [LR]POP key n. */
function mpopFrom(c: Client, db: Database, key: string, l: RList, head: boolean, count: number): void {
  c.reply.arrayHeader(2);
  c.reply.bulk(key);
  const n = popRange(c, l, head, count);
  elementsRemoved(c, db, key, l, head);
  c.propagateAs([head ? 'LPOP' : 'RPOP', key, String(n)]);
}

function lmpop(c: Client, argv: string[]): void {
  const { keys, head, count } = parseMpop(argv, 1);
  for (const key of keys) {
    const l = lookupList(c.db, key);
    if (l === undefined || l.length === 0) continue;
    return mpopFrom(c, c.db, key, l, head, count);
  }
  c.reply.nilArray();
}

function mpopKeys(at: number) {
  return (argv: readonly string[]): number[] => {
    const nk = parseIntOrNull(argv[at] ?? '');
    if (nk === null || nk < 1 || at + nk >= argv.length) return [];
    const out: number[] = [];
    for (let i = 0; i < nk; i++) out.push(at + 1 + i);
    return out;
  };
}

// ---- blocking ----------------------------------------------------------------------

/** BLPOP / BRPOP / BLMPOP: serve from the first non-empty key, else block on all. */
function blockingPop(c: Client, keys: string[], head: boolean, timeoutMs: number, count: number): void {
  for (const key of keys) {
    const l = lookupList(c.db, key);
    if (l === undefined || l.length === 0) continue;
    if (count !== -1) return mpopFrom(c, c.db, key, l, head, count);
    c.reply.arrayHeader(2);
    c.reply.bulk(key);
    c.reply.bulk(l.pop(head)!);
    elementsRemoved(c, c.db, key, l, head);
    c.propagateAs([head ? 'LPOP' : 'RPOP', key]);
    return;
  }
  const db = c.db;
  blockClient(
    c,
    keys,
    timeoutMs,
    (key) => {
      const v = db.get(key);
      if (!(v instanceof RList) || v.length === 0) return false;
      if (count !== -1) {
        mpopFrom(c, db, key, v, head, count);
      } else {
        c.reply.arrayHeader(2);
        c.reply.bulk(key);
        c.reply.bulk(v.pop(head)!);
        elementsRemoved(c, db, key, v, head);
        c.propagateAs([head ? 'LPOP' : 'RPOP', key]);
      }
      return true;
    },
    () => c.reply.nilArray(),
  );
}

function blpopGeneric(c: Client, argv: string[], head: boolean): void {
  const timeout = parseTimeout(argv[argv.length - 1]!);
  blockingPop(c, argv.slice(1, -1), head, timeout, -1);
}

function blmpop(c: Client, argv: string[]): void {
  const timeout = parseTimeout(argv[1]!);
  const { keys, head, count } = parseMpop(argv, 2);
  blockingPop(c, keys, head, timeout, count);
}

/** BLMOVE / BRPOPLPUSH. */
function blmoveGeneric(c: Client, src: string, dst: string, fromHead: boolean, toHead: boolean, timeoutArg: string, asRpoplpush: boolean): void {
  const timeout = parseTimeout(timeoutArg);
  const l = lookupList(c.db, src);
  const propagated = asRpoplpush ? ['RPOPLPUSH', src, dst] : ['LMOVE', src, dst, fromHead ? 'LEFT' : 'RIGHT', toHead ? 'LEFT' : 'RIGHT'];
  if (l !== undefined) {
    moveOne(c, c.db, src, l, dst, fromHead, toHead);
    c.propagateAs(propagated);
    return;
  }
  const db = c.db;
  let immediate = true;
  blockClient(
    c,
    [src],
    timeout,
    (key) => {
      const v = db.get(key);
      if (!(v instanceof RList) || v.length === 0) return false;
      // A destination of another type answers WRONGTYPE (thrown) and unblocks, as Redis does.
      moveOne(c, db, key, v, dst, fromHead, toHead);
      c.propagateAs(propagated);
      return true;
    },
    // Inside MULTI (not blocking) Redis answers a null bulk; after a real timeout, a null array.
    () => (immediate ? c.reply.nil() : c.reply.nilArray()),
  );
  immediate = false;
}

function blmove(c: Client, argv: string[]): void {
  const fromHead = parseWhere(argv[3]!);
  const toHead = parseWhere(argv[4]!);
  blmoveGeneric(c, argv[1]!, argv[2]!, fromHead, toHead, argv[5]!, false);
}

function brpoplpush(c: Client, argv: string[]): void {
  blmoveGeneric(c, argv[1]!, argv[2]!, false, true, argv[3]!, true);
}

// ---- table -------------------------------------------------------------------------

const g = 'list' as const;

export const listCommands: CommandSpec[] = [
  defineCommand({
    name: 'lpush',
    keySpecs: ['RW insert | index 1 | range 0 1 0'],
    docs: { history: [['2.4.0', 'Accepts multiple `element` arguments.']] },
    arity: -3,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    group: g,
    handler: (c, a) => pushGeneric(c, a, true, false),
    summary: 'Prepend one or multiple elements to a list',
    since: '1.0.0',
    complexity: 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.',
  }),
  defineCommand({
    name: 'rpush',
    keySpecs: ['RW insert | index 1 | range 0 1 0'],
    docs: { history: [['2.4.0', 'Accepts multiple `element` arguments.']] },
    arity: -3,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    group: g,
    handler: (c, a) => pushGeneric(c, a, false, false),
    summary: 'Append one or multiple elements to a list',
    since: '1.0.0',
    complexity: 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.',
  }),
  defineCommand({
    name: 'lpushx',
    keySpecs: ['RW insert | index 1 | range 0 1 0'],
    docs: { history: [['4.0.0', 'Accepts multiple `element` arguments.']] },
    arity: -3,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    group: g,
    handler: (c, a) => pushGeneric(c, a, true, true),
    summary: 'Prepend an element to a list, only if the list exists',
    since: '2.2.0',
    complexity: 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.',
  }),
  defineCommand({
    name: 'rpushx',
    keySpecs: ['RW insert | index 1 | range 0 1 0'],
    docs: { history: [['4.0.0', 'Accepts multiple `element` arguments.']] },
    arity: -3,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    group: g,
    handler: (c, a) => pushGeneric(c, a, false, true),
    summary: 'Append an element to a list, only if the list exists',
    since: '2.2.0',
    complexity: 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.',
  }),
  defineCommand({
    name: 'lpop',
    keySpecs: ['RW access delete | index 1 | range 0 1 0'],
    docs: { history: [['6.2.0', 'Added the `count` argument.']] },
    arity: -2,
    flags: 'write fast',
    keys: [1, 1, 1],
    group: g,
    handler: (c, a) => popGeneric(c, a, true),
    summary: 'Remove and get the first elements in a list',
    since: '1.0.0',
    complexity: 'O(N) where N is the number of elements returned',
  }),
  defineCommand({
    name: 'rpop',
    keySpecs: ['RW access delete | index 1 | range 0 1 0'],
    docs: { history: [['6.2.0', 'Added the `count` argument.']] },
    arity: -2,
    flags: 'write fast',
    keys: [1, 1, 1],
    group: g,
    handler: (c, a) => popGeneric(c, a, false),
    summary: 'Remove and get the last elements in a list',
    since: '1.0.0',
    complexity: 'O(N) where N is the number of elements returned',
  }),
  defineCommand({
    name: 'llen',
    keySpecs: ['RO | index 1 | range 0 1 0'],
    arity: 2,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    group: g,
    handler: llen,
    summary: 'Get the length of a list',
    since: '1.0.0',
  }),
  defineCommand({
    name: 'lrange',
    arity: 4,
    flags: 'readonly',
    keys: [1, 1, 1],
    group: g,
    handler: lrange,
    summary: 'Get a range of elements from a list',
    since: '1.0.0',
    complexity: 'O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.',
  }),
  defineCommand({
    name: 'lindex',
    arity: 3,
    flags: 'readonly',
    keys: [1, 1, 1],
    group: g,
    handler: lindex,
    summary: 'Get an element from a list by its index',
    since: '1.0.0',
    complexity: 'O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).',
  }),
  defineCommand({
    name: 'lset',
    arity: 4,
    flags: 'write denyoom',
    keys: [1, 1, 1],
    group: g,
    handler: lset,
    summary: 'Set the value of an element in a list by its index',
    since: '1.0.0',
    complexity: 'O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).',
  }),
  defineCommand({
    name: 'linsert',
    keySpecs: ['RW insert | index 1 | range 0 1 0'],
    arity: 5,
    flags: 'write denyoom',
    keys: [1, 1, 1],
    group: g,
    handler: linsert,
    summary: 'Insert an element before or after another element in a list',
    since: '2.2.0',
    complexity:
      'O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).',
  }),
  defineCommand({
    name: 'lrem',
    keySpecs: ['RW delete | index 1 | range 0 1 0'],
    arity: 4,
    flags: 'write',
    keys: [1, 1, 1],
    group: g,
    handler: lrem,
    summary: 'Remove elements from a list',
    since: '1.0.0',
    complexity: 'O(N+M) where N is the length of the list and M is the number of elements removed.',
  }),
  defineCommand({
    name: 'ltrim',
    keySpecs: ['RW delete | index 1 | range 0 1 0'],
    arity: 4,
    flags: 'write',
    keys: [1, 1, 1],
    group: g,
    handler: ltrim,
    summary: 'Trim a list to the specified range',
    since: '1.0.0',
    complexity: 'O(N) where N is the number of elements to be removed by the operation.',
  }),
  defineCommand({
    name: 'lpos',
    arity: -3,
    flags: 'readonly',
    keys: [1, 1, 1],
    group: g,
    handler: lpos,
    summary: 'Return the index of matching elements on a list',
    since: '6.0.6',
    complexity:
      'O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.',
  }),
  defineCommand({
    name: 'lmove',
    keySpecs: ['RW access delete | index 1 | range 0 1 0', 'RW insert | index 2 | range 0 1 0'],
    arity: 5,
    flags: 'write denyoom',
    keys: [1, 2, 1],
    group: g,
    handler: lmove,
    summary: 'Pop an element from a list, push it to another list and return it',
    since: '6.2.0',
  }),
  defineCommand({
    name: 'rpoplpush',
    keySpecs: ['RW access delete | index 1 | range 0 1 0', 'RW insert | index 2 | range 0 1 0'],
    docs: { docFlags: ['deprecated'], deprecatedSince: '6.2.0', replacedBy: '`LMOVE` with the `RIGHT` and `LEFT` arguments' },
    arity: 3,
    flags: 'write denyoom',
    keys: [1, 2, 1],
    group: g,
    handler: rpoplpush,
    summary: 'Remove the last element in a list, prepend it to another list and return it',
    since: '1.2.0',
  }),
  defineCommand({
    name: 'lmpop',
    keySpecs: ['RW access delete | index 1 | keynum 0 1 1'],
    arity: -4,
    flags: 'write',
    group: g,
    getKeys: mpopKeys(1),
    handler: lmpop,
    summary: 'Pop elements from a list',
    since: '7.0.0',
    complexity: 'O(N+M) where N is the number of provided keys and M is the number of elements returned.',
  }),
  defineCommand({
    name: 'blpop',
    keySpecs: ['RW access delete | index 1 | range -2 1 0'],
    docs: { history: [['6.0.0', '`timeout` is interpreted as a double instead of an integer.']] },
    arity: -3,
    flags: 'write noscript blocking',
    keys: [1, -2, 1],
    group: g,
    handler: (c, a) => blpopGeneric(c, a, true),
    summary: 'Remove and get the first element in a list, or block until one is available',
    since: '2.0.0',
    complexity: 'O(N) where N is the number of provided keys.',
  }),
  defineCommand({
    name: 'brpop',
    keySpecs: ['RW access delete | index 1 | range -2 1 0'],
    docs: { history: [['6.0.0', '`timeout` is interpreted as a double instead of an integer.']] },
    arity: -3,
    flags: 'write noscript blocking',
    keys: [1, -2, 1],
    group: g,
    handler: (c, a) => blpopGeneric(c, a, false),
    summary: 'Remove and get the last element in a list, or block until one is available',
    since: '2.0.0',
    complexity: 'O(N) where N is the number of provided keys.',
  }),
  defineCommand({
    name: 'blmove',
    keySpecs: ['RW access delete | index 1 | range 0 1 0', 'RW insert | index 2 | range 0 1 0'],
    arity: 6,
    flags: 'write denyoom noscript blocking',
    keys: [1, 2, 1],
    group: g,
    handler: blmove,
    summary: 'Pop an element from a list, push it to another list and return it; or block until one is available',
    since: '6.2.0',
  }),
  defineCommand({
    name: 'brpoplpush',
    keySpecs: ['RW access delete | index 1 | range 0 1 0', 'RW insert | index 2 | range 0 1 0'],
    docs: {
      docFlags: ['deprecated'],
      deprecatedSince: '6.2.0',
      replacedBy: '`BLMOVE` with the `RIGHT` and `LEFT` arguments',
      history: [['6.0.0', '`timeout` is interpreted as a double instead of an integer.']],
    },
    arity: 4,
    flags: 'write denyoom noscript blocking',
    keys: [1, 2, 1],
    group: g,
    handler: brpoplpush,
    summary: 'Pop an element from a list, push it to another list and return it; or block until one is available',
    since: '2.2.0',
  }),
  defineCommand({
    name: 'blmpop',
    keySpecs: ['RW access delete | index 2 | keynum 0 1 1'],
    arity: -5,
    flags: 'write blocking',
    group: g,
    getKeys: mpopKeys(2),
    handler: blmpop,
    summary: 'Pop elements from a list, or block until one is available',
    since: '7.0.0',
    complexity: 'O(N+M) where N is the number of provided keys and M is the number of elements returned.',
  }),
];
