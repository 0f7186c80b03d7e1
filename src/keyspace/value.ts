/**
 * What a key holds: a latin1 JS string for a Redis string, an RObject for every other
 * type. Its own module so that the keyspace and its memory accounting (memory.ts) both
 * depend on it rather than on each other.
 */

/** The types a key can hold, as TYPE reports them. */
export type RType = 'string' | 'list' | 'set' | 'zset' | 'hash' | 'stream';

/** A value of any non-string type. Implemented in keyspace/types/. */
export interface RObject {
  readonly type: Exclude<RType, 'string'>;
  /** OBJECT ENCODING's answer, by Redis's rules for this value's size. */
  encoding(): string;
  /** Number of elements (for INFO, MEMORY USAGE and lazy-free decisions). */
  size(): number;
  /** Deep copy, for COPY. */
  clone(): RObject;
  /** Approximate bytes used, for MEMORY USAGE. */
  memoryUsage(): number;
  /** Access stamp (LRU clock or LFU counter; 0: never stamped), see keyspace/memory.ts. */
  lru: number;
  /** Cached estimate of the bytes this value holds in dssm, and the element count it was made at. */
  mem: number;
  memCount: number;
}

export type RValue = string | RObject;

export function typeOf(v: RValue): RType {
  return typeof v === 'string' ? 'string' : v.type;
}
