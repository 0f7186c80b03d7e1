/**
 * List values. (Skeleton: the list command group owns and refines this file; the static
 * constructor and iterator below are the contract that DUMP/RESTORE and RDB rely on.)
 */
import type { RObject } from '../keyspace.js';

export class RList implements RObject {
  readonly type = 'list' as const;
  protected data: string[] = [];

  static fromItems(items: Iterable<string>): RList {
    const l = new RList();
    for (const it of items) l.data.push(it);
    return l;
  }

  /** Elements from head to tail. */
  items(): IterableIterator<string> {
    return this.data.values();
  }

  get length(): number {
    return this.data.length;
  }

  size(): number {
    return this.data.length;
  }

  encoding(): string {
    return 'quicklist';
  }

  clone(): RList {
    return RList.fromItems(this.items());
  }

  memoryUsage(): number {
    let n = 64;
    for (const v of this.data) n += v.length + 16;
    return n;
  }
}
