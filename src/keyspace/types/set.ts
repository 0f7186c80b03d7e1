/**
 * Set values, with Redis 7.0's two encodings:
 * - "intset": every member is a canonical int64 and there are at most
 *   set-max-intset-entries of them. Kept, as Redis keeps it, as a sorted array, so
 *   SMEMBERS and SSCAN answer in ascending numeric order exactly as Redis does.
 * - "hashtable": anything else, in {@link Slots} (O(1) membership, O(1) expected random
 *   member for SPOP/SRANDMEMBER, stable SCAN cursors). Conversion is one-way, as in Redis.
 */
import type { RObject } from '../keyspace.js';
import { Slots } from './slots.js';

/** set-max-intset-entries's default, for values built without a config (RESTORE, RDB). */
export const DEFAULT_MAX_INTSET_ENTRIES = 512;

/** Whether s is how Redis writes an int64 (string2ll accepts exactly these). */
export function isCanonicalInt(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 20) return false;
  let i = 0;
  if (s.charCodeAt(0) === 45) {
    if (n === 1) return false;
    i = 1;
  }
  const first = s.charCodeAt(i);
  if (first === 48) return n === 1;
  for (let j = i; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return false;
  }
  if (n - i < 19) return true;
  if (n - i > 19) return false;
  return i === 1 ? s.slice(1) <= '9223372036854775808' : s <= '9223372036854775807';
}

/** Numeric order of two canonical integers, without parsing them. */
function compareInts(a: string, b: string): number {
  const na = a.charCodeAt(0) === 45;
  const nb = b.charCodeAt(0) === 45;
  if (na !== nb) return na ? -1 : 1;
  const sign = na ? -1 : 1;
  if (a.length !== b.length) return a.length < b.length ? -sign : sign;
  return a < b ? -sign : a > b ? sign : 0;
}

export class RSet implements RObject {
  readonly type = 'set' as const;
  /** Access stamp and memory estimate, kept by the keyspace (keyspace/memory.ts). */
  lru = 0;
  mem = 0;
  memCount = 0;
  /** The intset encoding: sorted canonical integers; null once converted. */
  private ints: string[] | null = [];
  /** The hashtable encoding; null while an intset. */
  private table: Slots | null = null;

  /** A set of the given members, encoded as Redis would create it. */
  static fromMembers(members: Iterable<string>, maxIntsetEntries = DEFAULT_MAX_INTSET_ENTRIES): RSet {
    const s = new RSet();
    for (const m of members) s.add(m, maxIntsetEntries);
    return s;
  }

  /** Members: ascending for an intset, insertion order for a hashtable. */
  members(): IterableIterator<string> {
    return this.ints ? this.ints.values() : this.table!.members();
  }

  size(): number {
    return this.ints ? this.ints.length : this.table!.size;
  }

  isIntset(): boolean {
    return this.ints !== null;
  }

  encoding(): string {
    return this.ints ? 'intset' : 'hashtable';
  }

  private search(m: string): number {
    const a = this.ints!;
    let lo = 0;
    let hi = a.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareInts(a[mid]!, m);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -(lo + 1);
  }

  /** Read-only view with a JS Set's `has`, for code written against the skeleton's `set` field. */
  get set(): { has(m: string): boolean } {
    return this;
  }

  has(m: string): boolean {
    if (this.ints) return isCanonicalInt(m) && this.search(m) >= 0;
    return this.table!.has(m);
  }

  /** Add a member; returns whether it was new. Converts to a hashtable as Redis does. */
  add(m: string, maxIntsetEntries: number): boolean {
    if (this.ints) {
      if (isCanonicalInt(m)) {
        const at = this.search(m);
        if (at >= 0) return false;
        this.ints.splice(-at - 1, 0, m);
        if (this.ints.length > maxIntsetEntries) this.toTable();
        return true;
      }
      this.toTable();
    }
    return this.table!.set(m);
  }

  remove(m: string): boolean {
    if (this.ints) {
      if (!isCanonicalInt(m)) return false;
      const at = this.search(m);
      if (at < 0) return false;
      this.ints.splice(at, 1);
      return true;
    }
    return this.table!.delete(m);
  }

  private toTable(): void {
    const t = new Slots(false);
    for (const m of this.ints!) t.set(m);
    this.ints = null;
    this.table = t;
  }

  /** A uniformly random member; the set must not be empty. */
  random(): string {
    if (this.ints) return this.ints[Math.floor(Math.random() * this.ints.length)]!;
    const t = this.table!;
    return t.keys[t.randomSlot()]!;
  }

  /** Remove and return a uniformly random member; the set must not be empty. */
  pop(): string {
    if (this.ints) {
      const i = Math.floor(Math.random() * this.ints.length);
      const m = this.ints[i]!;
      this.ints.splice(i, 1);
      return m;
    }
    const t = this.table!;
    const i = t.randomSlot();
    const m = t.keys[i]!;
    t.removeAt(i);
    return m;
  }

  /** `count` distinct random members (count < size), in no particular order. */
  randomDistinct(count: number): string[] {
    if (this.ints) {
      const all = this.ints;
      const n = all.length;
      if (count * 3 > n) {
        const copy = [...all];
        for (let i = 0; i < count; i++) {
          const j = i + Math.floor(Math.random() * (n - i));
          const t = copy[i]!;
          copy[i] = copy[j]!;
          copy[j] = t;
        }
        copy.length = count;
        return copy;
      }
      const picked = new Set<string>();
      while (picked.size < count) picked.add(this.random());
      return [...picked];
    }
    const t = this.table!;
    return t.randomDistinctSlots(count).map((i) => t.keys[i]!);
  }

  /**
   * SSCAN: an intset answers everything at once (cursor 0), as Redis's small encodings do;
   * a hashtable visits `count` members from the cursor.
   */
  scan(cursor: number, count: number): { members: string[]; next: number } {
    if (this.ints) return { members: [...this.ints], next: 0 };
    const t = this.table!;
    const { slots, next } = t.scan(cursor, count);
    return { members: slots.map((i) => t.keys[i]!), next };
  }

  clone(): RSet {
    const s = new RSet();
    if (this.ints) s.ints = [...this.ints];
    else {
      s.ints = null;
      s.table = new Slots(false);
      for (const m of this.table!.members()) s.table.set(m);
    }
    return s;
  }

  /** Approximate bytes: an intset is a packed array; a hashtable a dict of sds keys. */
  memoryUsage(): number {
    if (this.ints) {
      let width = 2;
      for (const m of this.ints) {
        const v = BigInt(m);
        if (v < -2147483648n || v > 2147483647n) width = 8;
        else if ((v < -32768n || v > 32767n) && width < 4) width = 4;
      }
      return 16 + 8 + width * this.ints.length;
    }
    const t = this.table!;
    let p = 4;
    while (p < t.size) p *= 2;
    let n = 16 + 56 + 8 * p;
    for (const m of t.members()) {
      const header = m.length < 256 ? 3 : m.length < 65536 ? 5 : 9;
      n += 24 + ((header + m.length + 1 + 7) & ~7);
    }
    return n;
  }
}
