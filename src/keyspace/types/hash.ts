/**
 * Hash values. (Skeleton: the hash command group owns and refines this file; the static
 * constructor and iterator below are the contract that DUMP/RESTORE and RDB rely on.)
 */
import type { RObject } from '../keyspace.js';

export class RHash implements RObject {
  readonly type = 'hash' as const;
  readonly map = new Map<string, string>();

  static fromEntries(entries: Iterable<[string, string]>): RHash {
    const h = new RHash();
    for (const [f, v] of entries) h.map.set(f, v);
    return h;
  }

  /** Field/value pairs, in insertion order. */
  entries(): IterableIterator<[string, string]> {
    return this.map.entries();
  }

  size(): number {
    return this.map.size;
  }

  encoding(): string {
    return 'hashtable';
  }

  clone(): RHash {
    return RHash.fromEntries(this.map);
  }

  memoryUsage(): number {
    let n = 64;
    for (const [f, v] of this.map) n += f.length + v.length + 48;
    return n;
  }
}
