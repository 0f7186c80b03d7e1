/**
 * Storage for the members of a hash or a set: an array of slots in insertion order plus a
 * Map from member to slot, so that
 * - lookup, insert and delete are O(1) (delete leaves a hole; holes are compacted away,
 *   keeping order, once they outnumber the live members);
 * - a uniformly random member is O(1) expected (pick a slot, retry on a hole: at most
 *   half the slots are holes), which SPOP, SRANDMEMBER and HRANDFIELD need on big values;
 * - iteration is in insertion order, which is exactly a Redis listpack's order (a field
 *   updated in place keeps its position), so small hashes reply in Redis's order;
 * - SCAN cursors survive changes: every slot carries an increasing sequence number, the
 *   cursor is the next sequence number to visit, and compaction keeps the order. So an
 *   element present for a whole iteration is returned, as Redis guarantees.
 */
export class Slots {
  /** Members by slot; undefined marks a hole. */
  keys: (string | undefined)[] = [];
  /** Values by slot (hashes only). */
  vals: string[] | null;
  /** Sequence number of each slot, strictly increasing. */
  seqs: number[] = [];
  readonly index = new Map<string, number>();
  private holes = 0;
  private nextSeq = 1;

  constructor(withValues: boolean) {
    this.vals = withValues ? [] : null;
  }

  get size(): number {
    return this.index.size;
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  get(key: string): string | undefined {
    const i = this.index.get(key);
    return i === undefined ? undefined : this.vals![i];
  }

  /** Insert or update; returns true when key is new. An update keeps the slot. */
  set(key: string, value = ''): boolean {
    const i = this.index.get(key);
    if (i !== undefined) {
      if (this.vals) this.vals[i] = value;
      return false;
    }
    this.index.set(key, this.keys.length);
    this.keys.push(key);
    this.seqs.push(this.nextSeq++);
    if (this.vals) this.vals.push(value);
    return true;
  }

  delete(key: string): boolean {
    const i = this.index.get(key);
    if (i === undefined) return false;
    this.index.delete(key);
    this.removeSlot(i);
    return true;
  }

  /** Remove the member in slot i (which must be live). */
  removeAt(i: number): void {
    this.index.delete(this.keys[i]!);
    this.removeSlot(i);
  }

  private removeSlot(i: number): void {
    const last = this.keys.length - 1;
    if (i === last) {
      this.keys.pop();
      this.seqs.pop();
      if (this.vals) this.vals.pop();
      // Trailing holes go too, so the array never ends in a hole.
      while (this.keys.length > 0 && this.keys[this.keys.length - 1] === undefined) {
        this.keys.pop();
        this.seqs.pop();
        if (this.vals) this.vals.pop();
        this.holes--;
      }
      return;
    }
    this.keys[i] = undefined;
    if (this.vals) this.vals[i] = '';
    this.holes++;
    if (this.holes > 16 && this.holes > this.index.size) this.compact();
  }

  /** Squeeze out the holes, keeping order (and so cursor validity). */
  private compact(): void {
    const { keys, seqs, vals } = this;
    let w = 0;
    for (let r = 0; r < keys.length; r++) {
      const k = keys[r];
      if (k === undefined) continue;
      if (w !== r) {
        keys[w] = k;
        seqs[w] = seqs[r]!;
        if (vals) vals[w] = vals[r]!;
        this.index.set(k, w);
      }
      w++;
    }
    keys.length = w;
    seqs.length = w;
    if (vals) vals.length = w;
    this.holes = 0;
  }

  /** A uniformly random live slot; the set must not be empty. */
  randomSlot(): number {
    const n = this.keys.length;
    for (;;) {
      const i = Math.floor(Math.random() * n);
      if (this.keys[i] !== undefined) return i;
    }
  }

  /** `count` distinct random live slots (count < size), in no particular order. */
  randomDistinctSlots(count: number): number[] {
    const n = this.index.size;
    if (count * 3 > n) {
      // Many of them: a partial shuffle of all live slots.
      const all = [...this.liveSlots()];
      for (let i = 0; i < count; i++) {
        const j = i + Math.floor(Math.random() * (n - i));
        const t = all[i]!;
        all[i] = all[j]!;
        all[j] = t;
      }
      all.length = count;
      return all;
    }
    const picked = new Set<number>();
    while (picked.size < count) picked.add(this.randomSlot());
    return [...picked];
  }

  *liveSlots(): IterableIterator<number> {
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== undefined) yield i;
  }

  *members(): IterableIterator<string> {
    for (const k of this.keys) if (k !== undefined) yield k;
  }

  *entries(): IterableIterator<[string, string]> {
    const { keys, vals } = this;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (k !== undefined) yield [k, vals![i]!];
    }
  }

  /**
   * Visit up to `count` slots (live ones) starting at cursor; returns their indices and the
   * next cursor (0 when the iteration is complete).
   */
  scan(cursor: number, count: number): { slots: number[]; next: number } {
    const { keys, seqs } = this;
    let lo = 0;
    let hi = seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (seqs[mid]! < cursor) lo = mid + 1;
      else hi = mid;
    }
    const slots: number[] = [];
    let i = lo;
    for (; i < keys.length && slots.length < count; i++) if (keys[i] !== undefined) slots.push(i);
    return { slots, next: i < keys.length ? seqs[i]! : 0 };
  }
}
