/**
 * List values: a double-ended queue on a growable ring buffer.
 *
 * Redis keeps lists in a quicklist (a linked list of listpacks); what commands rely on is
 * its costs: O(1) push and pop at both ends, O(1) access near the ends, O(n) for work in
 * the middle. A ring buffer gives all of that with one array: index i of the list lives
 * at `buf[(head + i) & mask]`, the capacity is a power of two, and it doubles when full
 * and halves when a quarter full (so a drained queue gives its memory back).
 *
 * OBJECT ENCODING: Redis 7.0 stores every list as a quicklist, however small (listpack
 * encoding for small lists came in 7.2), so encoding() is always "quicklist".
 */
import type { RObject } from '../keyspace.js';

const MIN_CAPACITY = 8;

export class RList implements RObject {
  readonly type = 'list' as const;
  /** Access stamp and memory estimate, kept by the keyspace (keyspace/memory.ts). */
  lru = 0;
  mem = 0;
  memCount = 0;
  private buf: (string | undefined)[] = new Array<string | undefined>(MIN_CAPACITY);
  private mask = MIN_CAPACITY - 1;
  private head = 0;
  private len = 0;

  static fromItems(items: Iterable<string>): RList {
    const l = new RList();
    for (const it of items) l.pushTail(it);
    return l;
  }

  /** Elements from head to tail. */
  *items(): IterableIterator<string> {
    for (let i = 0; i < this.len; i++) yield this.buf[(this.head + i) & this.mask]!;
  }

  get length(): number {
    return this.len;
  }

  size(): number {
    return this.len;
  }

  encoding(): string {
    return 'quicklist';
  }

  clone(): RList {
    return RList.fromItems(this.items());
  }

  memoryUsage(): number {
    // A quicklist node per ~8 KB listpack, plus each entry's header and bytes.
    let bytes = 0;
    for (let i = 0; i < this.len; i++) bytes += this.buf[(this.head + i) & this.mask]!.length + 2;
    return 48 + 32 * Math.ceil(bytes / 8192 || 1) + bytes;
  }

  // ---- ends ----

  pushHead(v: string): void {
    if (this.len === this.buf.length) this.resize(this.buf.length * 2);
    this.head = (this.head - 1) & this.mask;
    this.buf[this.head] = v;
    this.len++;
  }

  pushTail(v: string): void {
    if (this.len === this.buf.length) this.resize(this.buf.length * 2);
    this.buf[(this.head + this.len) & this.mask] = v;
    this.len++;
  }

  popHead(): string | undefined {
    if (this.len === 0) return undefined;
    const v = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.len--;
    this.maybeShrink();
    return v;
  }

  popTail(): string | undefined {
    if (this.len === 0) return undefined;
    const i = (this.head + this.len - 1) & this.mask;
    const v = this.buf[i];
    this.buf[i] = undefined;
    this.len--;
    this.maybeShrink();
    return v;
  }

  /** Push at the head (`left`) or the tail. */
  push(v: string, head: boolean): void {
    if (head) this.pushHead(v);
    else this.pushTail(v);
  }

  pop(head: boolean): string | undefined {
    return head ? this.popHead() : this.popTail();
  }

  // ---- by index (0 ≤ i < length; callers normalise negative indexes) ----

  get(i: number): string {
    return this.buf[(this.head + i) & this.mask]!;
  }

  set(i: number, v: string): void {
    this.buf[(this.head + i) & this.mask] = v;
  }

  /** Elements start..end inclusive (already clamped to the list). */
  range(start: number, end: number): string[] {
    const out = new Array<string>(end - start + 1);
    for (let i = start, j = 0; i <= end; i++, j++) out[j] = this.buf[(this.head + i) & this.mask]!;
    return out;
  }

  /** Insert v so that it becomes element i (0 ≤ i ≤ length), shifting the shorter side. */
  insertAt(i: number, v: string): void {
    if (i === 0) return this.pushHead(v);
    if (i === this.len) return this.pushTail(v);
    if (this.len === this.buf.length) this.resize(this.buf.length * 2);
    const m = this.mask;
    if (i < this.len / 2) {
      // Move elements 0..i-1 one slot towards the head.
      this.head = (this.head - 1) & m;
      for (let k = 0; k < i; k++) this.buf[(this.head + k) & m] = this.buf[(this.head + k + 1) & m];
    } else {
      for (let k = this.len; k > i; k--) this.buf[(this.head + k) & m] = this.buf[(this.head + k - 1) & m];
    }
    this.buf[(this.head + i) & m] = v;
    this.len++;
  }

  /** Keep only elements start..end inclusive (clamped); start > end empties the list. */
  trim(start: number, end: number): void {
    if (start > end || start >= this.len) {
      this.clear();
      return;
    }
    for (let k = this.len - 1; k > end; k--) this.buf[(this.head + k) & this.mask] = undefined;
    for (let k = 0; k < start; k++) this.buf[(this.head + k) & this.mask] = undefined;
    this.head = (this.head + start) & this.mask;
    this.len = end - start + 1;
    this.maybeShrink();
  }

  /**
   * LREM: remove up to `count` elements equal to v (0 = all), from the head when
   * fromHead, else from the tail. Returns how many were removed.
   */
  remove(v: string, count: number, fromHead: boolean): number {
    const items = Array.from(this.items());
    let removed = 0;
    const keep: string[] = [];
    if (fromHead) {
      for (const it of items) {
        if (it === v && (count === 0 || removed < count)) removed++;
        else keep.push(it);
      }
    } else {
      for (let k = items.length - 1; k >= 0; k--) {
        const it = items[k]!;
        if (it === v && (count === 0 || removed < count)) removed++;
        else keep.push(it);
      }
      keep.reverse();
    }
    if (removed !== 0) this.replaceAll(keep);
    return removed;
  }

  private replaceAll(items: string[]): void {
    let cap = MIN_CAPACITY;
    while (cap < items.length) cap *= 2;
    this.buf = new Array<string | undefined>(cap);
    for (let k = 0; k < items.length; k++) this.buf[k] = items[k];
    this.mask = cap - 1;
    this.head = 0;
    this.len = items.length;
  }

  private clear(): void {
    this.replaceAll([]);
  }

  private maybeShrink(): void {
    const cap = this.buf.length;
    if (cap > MIN_CAPACITY && this.len < cap / 4) this.resize(cap / 2);
  }

  private resize(cap: number): void {
    const next = new Array<string | undefined>(cap);
    for (let k = 0; k < this.len; k++) next[k] = this.buf[(this.head + k) & this.mask];
    this.buf = next;
    this.mask = cap - 1;
    this.head = 0;
  }
}
