/**
 * Hash values.
 *
 * Fields live in {@link Slots}: insertion-ordered (as a listpack is, so small hashes reply
 * in Redis's order), O(1) random field for HRANDFIELD, and stable SCAN cursors.
 *
 * OBJECT ENCODING follows Redis 7.0: "listpack" while the hash has at most
 * hash-max-listpack-entries fields and no field or value longer than
 * hash-max-listpack-value bytes, then "hashtable" for good (the conversion is one-way,
 * even if the hash shrinks again).
 */
import type { RObject } from '../keyspace.js';
import { Slots } from './slots.js';

/** Redis 7.0's defaults, for values built without a config at hand (RESTORE, RDB). */
export const DEFAULT_HASH_LIMITS: HashLimits = { maxEntries: 128, maxValue: 64 };

/** hash-max-listpack-entries and hash-max-listpack-value. */
export interface HashLimits {
  maxEntries: number;
  maxValue: number;
}

export class RHash implements RObject {
  readonly type = 'hash' as const;
  /** Access stamp and memory estimate, kept by the keyspace (keyspace/memory.ts). */
  lru = 0;
  mem = 0;
  memCount = 0;
  readonly slots = new Slots(true);
  /** Still "listpack" encoded (small); becomes false once, never true again. */
  private compact = true;

  /** A hash from field/value pairs (later duplicates overwrite), encoded as Redis would. */
  static fromEntries(entries: Iterable<[string, string]>, limits: HashLimits = DEFAULT_HASH_LIMITS): RHash {
    const h = new RHash();
    for (const [f, v] of entries) h.set(f, v, limits);
    return h;
  }

  /** Field/value pairs, in insertion order. */
  entries(): IterableIterator<[string, string]> {
    return this.slots.entries();
  }

  fields(): IterableIterator<string> {
    return this.slots.members();
  }

  size(): number {
    return this.slots.size;
  }

  get(field: string): string | undefined {
    return this.slots.get(field);
  }

  has(field: string): boolean {
    return this.slots.has(field);
  }

  /**
   * Set a field; returns true when it is new. Converts to "hashtable" when the field or
   * value is too long for a listpack, or the hash grows past the entry limit.
   */
  set(field: string, value: string, limits: HashLimits): boolean {
    if (this.compact && (field.length > limits.maxValue || value.length > limits.maxValue)) this.compact = false;
    const added = this.slots.set(field, value);
    if (this.compact && this.slots.size > limits.maxEntries) this.compact = false;
    return added;
  }

  delete(field: string): boolean {
    return this.slots.delete(field);
  }

  /** Whether OBJECT ENCODING says "listpack" (SCAN then returns everything at once). */
  isListpack(): boolean {
    return this.compact;
  }

  encoding(): string {
    return this.compact ? 'listpack' : 'hashtable';
  }

  clone(): RHash {
    const h = new RHash();
    for (const [f, v] of this.slots.entries()) h.slots.set(f, v);
    h.compact = this.compact;
    return h;
  }

  /**
   * Approximate bytes, shaped like Redis's numbers: a listpack costs its entries' bytes
   * plus a few bytes of header each; a hashtable costs a dict entry and two sds strings
   * per field.
   */
  memoryUsage(): number {
    let n = 0;
    if (this.compact) {
      n = 16 + 7;
      for (const [f, v] of this.slots.entries()) n += f.length + v.length + 4;
      return n;
    }
    n = 16 + 56 + 8 * nextPow2(this.slots.size);
    for (const [f, v] of this.slots.entries()) n += 24 + sdsSize(f.length) + sdsSize(v.length);
    return n;
  }
}

function nextPow2(n: number): number {
  let p = 4;
  while (p < n) p *= 2;
  return p;
}

/** sds header + bytes + NUL, rounded to the allocator's size classes (8-byte steps). */
export function sdsSize(len: number): number {
  const header = len < 256 ? 3 : len < 65536 ? 5 : 9;
  return (header + len + 1 + 7) & ~7;
}
