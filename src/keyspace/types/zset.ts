/**
 * Sorted set values: Redis's design, a skip list whose links carry span counts (so rank
 * and by-rank lookups are O(log n)) plus a map member → score for O(1) ZSCORE.
 *
 * Order is by score, then by member bytes. Members are latin1 strings (one char per byte),
 * so JS `<` on them compares exactly as Redis's memcmp-then-length does.
 *
 * The static constructor {@link RZSet.fromEntries} and {@link RZSet.entries} (rank order)
 * are the contract that DUMP/RESTORE and RDB code rely on.
 */
import type { RObject } from '../keyspace.js';

const MAX_LEVEL = 32;
const P = 0.25;

/** A skip list node. `next[i]`/`span[i]`: the link at level i and how many nodes it jumps. */
export class ZNode {
  backward: ZNode | null = null;
  readonly next: (ZNode | null)[];
  readonly span: number[];
  constructor(
    readonly member: string,
    public score: number,
    level: number,
  ) {
    this.next = new Array<ZNode | null>(level).fill(null);
    this.span = new Array<number>(level).fill(0);
  }
}

/** A score interval as ZRANGEBYSCORE takes it: `(` makes a bound exclusive. */
export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/**
 * A lexicographic bound: kind -1 is `-` (below everything), 1 is `+` (above everything),
 * 0 a string `s` (inclusive with `[`, exclusive with `(`).
 */
export interface LexBound {
  kind: -1 | 0 | 1;
  s: string;
}
export interface LexRange {
  min: LexBound;
  max: LexBound;
  minex: boolean;
  maxex: boolean;
}

/** Redis's sdscmplex: the infinite bounds compare below/above every string. */
function cmpBounds(a: LexBound, b: LexBound): number {
  if (a.kind === b.kind && a.kind !== 0) return 0;
  if (a.kind === -1 || b.kind === 1) return -1;
  if (a.kind === 1 || b.kind === -1) return 1;
  return a.s < b.s ? -1 : a.s > b.s ? 1 : 0;
}

function cmpValue(v: string, b: LexBound): number {
  if (b.kind === -1) return 1;
  if (b.kind === 1) return -1;
  return v < b.s ? -1 : v > b.s ? 1 : 0;
}

export function scoreGteMin(v: number, r: ScoreRange): boolean {
  return r.minex ? v > r.min : v >= r.min;
}
export function scoreLteMax(v: number, r: ScoreRange): boolean {
  return r.maxex ? v < r.max : v <= r.max;
}
export function lexGteMin(v: string, r: LexRange): boolean {
  return r.minex ? cmpValue(v, r.min) > 0 : cmpValue(v, r.min) >= 0;
}
export function lexLteMax(v: string, r: LexRange): boolean {
  return r.maxex ? cmpValue(v, r.max) < 0 : cmpValue(v, r.max) <= 0;
}
/** Whether a score range can hold anything at all. */
export function scoreRangeEmpty(r: ScoreRange): boolean {
  return r.min > r.max || (r.min === r.max && (r.minex || r.maxex));
}
export function lexRangeEmpty(r: LexRange): boolean {
  const c = cmpBounds(r.min, r.max);
  return c > 0 || (c === 0 && (r.minex || r.maxex));
}

/** (score, member) strictly before (score2, member2) in rank order. */
function before(node: ZNode, score: number, member: string): boolean {
  return node.score < score || (node.score === score && node.member < member);
}

function randomLevel(): number {
  let level = 1;
  while (Math.random() < P && level < MAX_LEVEL) level++;
  return level;
}

// Scratch arrays for insert/delete paths (the server is single-threaded; never re-entered).
const update: ZNode[] = new Array<ZNode>(MAX_LEVEL);
const rankAt: number[] = new Array<number>(MAX_LEVEL).fill(0);

/** Redis's zskiplist with span counts. Ranks here are 1-based, as in Redis's C code. */
export class SkipList {
  readonly header = new ZNode('', 0, MAX_LEVEL);
  tail: ZNode | null = null;
  length = 0;
  level = 1;

  /** Insert a member known to be absent. */
  insert(score: number, member: string): ZNode {
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      rankAt[i] = i === this.level - 1 ? 0 : rankAt[i + 1]!;
      let f = x.next[i]!;
      while (f !== null && before(f, score, member)) {
        rankAt[i]! += x.span[i]!;
        x = f;
        f = x.next[i]!;
      }
      update[i] = x;
    }
    const level = randomLevel();
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rankAt[i] = 0;
        update[i] = this.header;
        this.header.span[i] = this.length;
      }
      this.level = level;
    }
    const node = new ZNode(member, score, level);
    for (let i = 0; i < level; i++) {
      const u = update[i]!;
      node.next[i] = u.next[i]!;
      u.next[i] = node;
      node.span[i] = u.span[i]! - (rankAt[0]! - rankAt[i]!);
      u.span[i] = rankAt[0]! - rankAt[i]! + 1;
    }
    for (let i = level; i < this.level; i++) update[i]!.span[i]!++;
    node.backward = update[0] === this.header ? null : update[0]!;
    if (node.next[0]) node.next[0].backward = node;
    else this.tail = node;
    this.length++;
    return node;
  }

  /** Unlink x given the update vector filled by a search. */
  private unlink(x: ZNode): void {
    for (let i = 0; i < this.level; i++) {
      const u = update[i]!;
      if (u.next[i] === x) {
        u.span[i]! += x.span[i]! - 1;
        u.next[i] = x.next[i]!;
      } else {
        u.span[i]!--;
      }
    }
    if (x.next[0]) x.next[0].backward = x.backward;
    else this.tail = x.backward;
    while (this.level > 1 && this.header.next[this.level - 1] === null) this.level--;
    this.length--;
  }

  /** Remove (score, member); returns whether it was there. */
  delete(score: number, member: string): boolean {
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.next[i]!;
      while (f !== null && before(f, score, member)) {
        x = f;
        f = x.next[i]!;
      }
      update[i] = x;
    }
    const t = x.next[0]!;
    if (t !== null && t.score === score && t.member === member) {
      this.unlink(t);
      return true;
    }
    return false;
  }

  /**
   * Change the score of (score, member). Moves the node only when its neighbours no longer
   * bracket it (Redis's zslUpdateScore); returns the node holding the member.
   */
  updateScore(score: number, member: string, newScore: number): ZNode {
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.next[i]!;
      while (f !== null && before(f, score, member)) {
        x = f;
        f = x.next[i]!;
      }
      update[i] = x;
    }
    const node = x.next[0]!;
    const prev = node.backward;
    const next = node.next[0]!;
    if (
      (prev === null || prev.score < newScore || (prev.score === newScore && prev.member < member)) &&
      (next === null || next.score > newScore || (next.score === newScore && next.member > member))
    ) {
      node.score = newScore;
      return node;
    }
    this.unlink(node);
    return this.insert(newScore, member);
  }

  /** 1-based rank of (score, member), 0 when absent. */
  rank(score: number, member: string): number {
    let rank = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.next[i]!;
      while (f !== null && (f.score < score || (f.score === score && f.member <= member))) {
        rank += x.span[i]!;
        x = f;
        f = x.next[i]!;
      }
      if (x !== this.header && x.member === member) return rank;
    }
    return 0;
  }

  /** The node at 1-based rank, or null. */
  byRank(rank: number): ZNode | null {
    if (rank < 1 || rank > this.length) return null;
    let traversed = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.next[i] !== null && traversed + x.span[i]! <= rank) {
        traversed += x.span[i]!;
        x = x.next[i]!;
      }
      if (traversed === rank) return x;
    }
    return null;
  }

  first(): ZNode | null {
    return this.header.next[0]!;
  }

  /** Whether some part of the range overlaps the list (Redis's zslIsInRange). */
  private inScoreRange(r: ScoreRange): boolean {
    if (scoreRangeEmpty(r)) return false;
    const t = this.tail;
    if (t === null || !scoreGteMin(t.score, r)) return false;
    const f = this.header.next[0]!;
    return f !== null && scoreLteMax(f.score, r);
  }

  firstInScoreRange(r: ScoreRange): ZNode | null {
    if (!this.inScoreRange(r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.next[i] !== null && !scoreGteMin(x.next[i]!.score, r)) x = x.next[i]!;
    }
    const n = x.next[0]!;
    return n !== null && scoreLteMax(n.score, r) ? n : null;
  }

  lastInScoreRange(r: ScoreRange): ZNode | null {
    if (!this.inScoreRange(r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.next[i] !== null && scoreLteMax(x.next[i]!.score, r)) x = x.next[i]!;
    }
    return x !== this.header && scoreGteMin(x.score, r) ? x : null;
  }

  private inLexRange(r: LexRange): boolean {
    if (lexRangeEmpty(r)) return false;
    const t = this.tail;
    if (t === null || !lexGteMin(t.member, r)) return false;
    const f = this.header.next[0]!;
    return f !== null && lexLteMax(f.member, r);
  }

  firstInLexRange(r: LexRange): ZNode | null {
    if (!this.inLexRange(r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.next[i] !== null && !lexGteMin(x.next[i]!.member, r)) x = x.next[i]!;
    }
    const n = x.next[0]!;
    return n !== null && lexLteMax(n.member, r) ? n : null;
  }

  lastInLexRange(r: LexRange): ZNode | null {
    if (!this.inLexRange(r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.next[i] !== null && lexLteMax(x.next[i]!.member, r)) x = x.next[i]!;
    }
    return x !== this.header && lexGteMin(x.member, r) ? x : null;
  }

  /** Fill `update` with the predecessors of the first node for which `skip` is false; return that node. */
  private seek(skip: (n: ZNode) => boolean): ZNode | null {
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.next[i] !== null && skip(x.next[i]!)) x = x.next[i]!;
      update[i] = x;
    }
    return x.next[0]!;
  }

  /** Delete nodes from x on while `inRange` holds; calls onDelete for each. */
  private deleteRun(x: ZNode | null, inRange: (n: ZNode) => boolean, onDelete: (n: ZNode) => void): number {
    let removed = 0;
    while (x !== null && inRange(x)) {
      const next = x.next[0]!;
      this.unlink(x);
      onDelete(x);
      removed++;
      x = next;
    }
    return removed;
  }

  deleteRangeByScore(r: ScoreRange, onDelete: (n: ZNode) => void): number {
    const x = this.seek((n) => !scoreGteMin(n.score, r));
    return this.deleteRun(x, (n) => scoreLteMax(n.score, r), onDelete);
  }

  deleteRangeByLex(r: LexRange, onDelete: (n: ZNode) => void): number {
    const x = this.seek((n) => !lexGteMin(n.member, r));
    return this.deleteRun(x, (n) => lexLteMax(n.member, r), onDelete);
  }

  /** Delete 1-based ranks start..end inclusive. */
  deleteRangeByRank(start: number, end: number, onDelete: (n: ZNode) => void): number {
    let traversed = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.next[i] !== null && traversed + x.span[i]! < start) {
        traversed += x.span[i]!;
        x = x.next[i]!;
      }
      update[i] = x;
    }
    let rank = traversed + 1;
    let n = x.next[0]!;
    let removed = 0;
    while (n !== null && rank <= end) {
      const next = n.next[0]!;
      this.unlink(n);
      onDelete(n);
      removed++;
      rank++;
      n = next;
    }
    return removed;
  }
}

/** Encoding limits (zset-max-listpack-entries / -value). */
export interface ZSetLimits {
  entries: number;
  value: number;
}

const DEFAULT_LIMITS: ZSetLimits = { entries: 128, value: 64 };

export class RZSet implements RObject {
  readonly type = 'zset' as const;
  /** Access stamp and memory estimate, kept by the keyspace (keyspace/memory.ts). */
  lru = 0;
  mem = 0;
  memCount = 0;
  /** member → score. */
  readonly scores = new Map<string, number>();
  readonly zsl = new SkipList();
  /**
   * Whether Redis would hold this value as a listpack. Like Redis, a value converts to a
   * skiplist when it outgrows the limits and does not convert back (except the results of
   * store commands, see {@link RZSet.fitEncoding}).
   */
  listpack = true;

  /** A sorted set from member/score pairs (later duplicates overwrite earlier ones). */
  static fromEntries(entries: Iterable<[string, number]>, limits: ZSetLimits = DEFAULT_LIMITS): RZSet {
    const z = new RZSet();
    for (const [m, s] of entries) z.set(m, s);
    z.fitEncoding(limits);
    return z;
  }

  /** Member/score pairs in rank order (score, then member bytes). */
  *entries(): IterableIterator<[string, number]> {
    for (let n = this.zsl.first(); n !== null; n = n.next[0]!) yield [n.member, n.score];
  }

  size(): number {
    return this.scores.size;
  }

  encoding(): string {
    return this.listpack ? 'listpack' : 'skiplist';
  }

  /** Choose the encoding from scratch (as zsetConvertToListpackIfNeeded, for new values). */
  fitEncoding(limits: ZSetLimits): void {
    this.listpack = this.scores.size <= limits.entries && this.maxMemberLength() <= limits.value;
    if (!this.listpack) return;
    // As a listpack holds it: -0 reads back as 0 (equal in order, so nodes stay put).
    for (let n = this.zsl.first(); n !== null; n = n.next[0]!) {
      if (n.score === 0 && Object.is(n.score, -0)) {
        n.score = 0;
        this.scores.set(n.member, 0);
      }
    }
  }

  private maxMemberLength(): number {
    let max = 0;
    for (const m of this.scores.keys()) if (m.length > max) max = m.length;
    return max;
  }

  clone(): RZSet {
    const z = new RZSet();
    for (let n = this.zsl.first(); n !== null; n = n.next[0]!) {
      z.scores.set(n.member, n.score);
      z.zsl.insert(n.score, n.member);
    }
    z.listpack = this.listpack;
    return z;
  }

  memoryUsage(): number {
    let n = 96;
    if (this.listpack) {
      for (const m of this.scores.keys()) n += m.length + 12;
      return n;
    }
    for (const m of this.scores.keys()) n += m.length + 112;
    return n;
  }

  score(member: string): number | undefined {
    return this.scores.get(member);
  }

  /**
   * Set member's score, inserting it if absent. Returns 1 when added, 0 otherwise.
   * With limits given, a new member converts a listpack-sized value that outgrows them.
   */
  set(member: string, score: number, limits?: ZSetLimits): 0 | 1 {
    const old = this.scores.get(member);
    if (old === undefined) {
      // Redis decides on conversion before inserting, so a member that outgrows the
      // listpack lands in the skiplist with its score exactly as given.
      if (limits !== undefined && this.listpack && (this.scores.size + 1 > limits.entries || member.length > limits.value)) {
        this.listpack = false;
      }
      // A listpack stores scores as text that reads back -0 as 0.
      if (this.listpack && score === 0) score = 0;
      this.scores.set(member, score);
      this.zsl.insert(score, member);
      return 1;
    }
    if (old !== score) {
      this.scores.set(member, score);
      this.zsl.updateScore(old, member, score);
    }
    return 0;
  }

  /** Remove member; returns whether it was there. */
  remove(member: string): boolean {
    const s = this.scores.get(member);
    if (s === undefined) return false;
    this.scores.delete(member);
    this.zsl.delete(s, member);
    return true;
  }

  /** 0-based rank of member (from the highest score when rev), or null. */
  rank(member: string, rev = false): number | null {
    const s = this.scores.get(member);
    if (s === undefined) return null;
    const r = this.zsl.rank(s, member);
    return rev ? this.zsl.length - r : r - 1;
  }

  /** Node at 0-based rank. */
  nodeAt(rank: number): ZNode | null {
    return this.zsl.byRank(rank + 1);
  }

  /** Number of elements in a score range. */
  countInScoreRange(r: ScoreRange): number {
    const first = this.zsl.firstInScoreRange(r);
    if (first === null) return 0;
    const last = this.zsl.lastInScoreRange(r)!;
    return this.zsl.rank(last.score, last.member) - this.zsl.rank(first.score, first.member) + 1;
  }

  countInLexRange(r: LexRange): number {
    const first = this.zsl.firstInLexRange(r);
    if (first === null) return 0;
    const last = this.zsl.lastInLexRange(r)!;
    return this.zsl.rank(last.score, last.member) - this.zsl.rank(first.score, first.member) + 1;
  }

  private removed = (n: ZNode): void => {
    this.scores.delete(n.member);
  };

  removeRangeByScore(r: ScoreRange): number {
    return this.zsl.deleteRangeByScore(r, this.removed);
  }

  removeRangeByLex(r: LexRange): number {
    return this.zsl.deleteRangeByLex(r, this.removed);
  }

  /** Remove 0-based ranks start..end inclusive (already clamped). */
  removeRangeByRank(start: number, end: number): number {
    return this.zsl.deleteRangeByRank(start + 1, end + 1, this.removed);
  }
}
