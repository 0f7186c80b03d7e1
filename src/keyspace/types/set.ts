/**
 * Set values. (Skeleton: the set command group owns and refines this file; the static
 * constructor and iterator below are the contract that DUMP/RESTORE and RDB rely on.)
 */
import type { RObject } from '../keyspace.js';

export class RSet implements RObject {
  readonly type = 'set' as const;
  readonly set = new Set<string>();

  static fromMembers(members: Iterable<string>): RSet {
    const s = new RSet();
    for (const m of members) s.set.add(m);
    return s;
  }

  members(): IterableIterator<string> {
    return this.set.values();
  }

  size(): number {
    return this.set.size;
  }

  encoding(): string {
    return 'hashtable';
  }

  clone(): RSet {
    return RSet.fromMembers(this.set);
  }

  memoryUsage(): number {
    let n = 64;
    for (const m of this.set) n += m.length + 32;
    return n;
  }
}
