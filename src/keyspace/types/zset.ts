/**
 * Sorted set values. (Skeleton: the sorted-set command group owns and refines this file;
 * the static constructor and iterator below are the contract that DUMP/RESTORE and RDB
 * rely on.)
 */
import type { RObject } from '../keyspace.js';

export class RZSet implements RObject {
  readonly type = 'zset' as const;
  readonly scores = new Map<string, number>();

  static fromEntries(entries: Iterable<[string, number]>): RZSet {
    const z = new RZSet();
    for (const [m, s] of entries) z.scores.set(m, s);
    return z;
  }

  /** Member/score pairs in rank order (score, then member bytes). */
  entries(): IterableIterator<[string, number]> {
    return [...this.scores].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).values();
  }

  size(): number {
    return this.scores.size;
  }

  encoding(): string {
    return 'skiplist';
  }

  clone(): RZSet {
    return RZSet.fromEntries(this.scores);
  }

  memoryUsage(): number {
    let n = 64;
    for (const m of this.scores.keys()) n += m.length + 64;
    return n;
  }
}
