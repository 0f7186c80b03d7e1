/**
 * Memory accounting and access tracking for the keyspace: what `used_memory` counts of
 * the dataset, and the per-key LRU/LFU stamps that eviction samples (Redis's evict.c and
 * the LFU functions of object.c/evict.c, reimplemented; see docs/memory.md).
 *
 * Accounting is incremental: every database's dictionary is a {@link KeyDict}, a Map that
 * keeps a running estimate of the bytes its entries hold. The estimate models V8's real
 * layout (calibrated with `--expose-gc` and heapUsed: a Map entry costs about 37 bytes,
 * a one-byte string 16 bytes of header plus its length, rounded up to 8), so used_memory
 * moves the moment a key is written or deleted, which is what eviction needs: V8's
 * heapUsed only drops at the next major GC, and evicting against it would evict
 * everything before the collector caught up.
 *
 * Aggregates (hash, list, set, zset) cache their estimate on the object (`mem`, with the
 * element count it was made at, `memCount`). A change in place (Database.modified) scales
 * the cached figure by the element count, in O(1); it is recomputed from the elements,
 * O(n), only when the count moved by more than an eighth since, so the walk is amortized
 * over the writes that grew the value.
 *
 * Access stamps, Redis's 24-bit `lru` field: an aggregate carries its stamp in a field
 * (`lru`); a string value is a bare JS string with no room for one, so string keys keep
 * theirs in `KeyDict.stamps`, a Map that exists only while the maxmemory policy is an LRU
 * or LFU one (about 37 bytes a key, counted in used_memory). With any other policy
 * nothing is stamped and the hot path pays one test.
 */
import type { RObject, RValue } from './value.js';

/** Redis's LRU clock: seconds, 24 bits, wrapping (LRU_CLOCK_MAX, LRU_CLOCK_RESOLUTION 1000). */
export const LRU_CLOCK_MAX = (1 << 24) - 1;
/** The LFU counter a new key starts at, so it survives a while before being judged. */
export const LFU_INIT_VAL = 5;

/** What is stamped on access: nothing, the LRU clock, or the LFU counter and decay time. */
export enum AccessMode {
  Off = 0,
  Lru = 1,
  Lfu = 2,
}

/**
 * The shared access-tracking state (one per keyspace): the mode from maxmemory-policy,
 * the LFU tuning, and the clock the keyspace reads (ms, cached per command).
 */
export class AccessTracking {
  mode: AccessMode = AccessMode.Off;
  lfuLogFactor = 10;
  lfuDecayTime = 1;
  /** The stamp of keys never accessed since tracking started (set when the mode changes). */
  defaultStamp = 0;

  constructor(readonly clock: { now: number }) {}

  /** The LRU clock now: seconds since the epoch, modulo 2^24. */
  lruClock(): number {
    return Math.floor(this.clock.now / 1000) & LRU_CLOCK_MAX;
  }

  /** Minutes since the epoch, 16 bits (LFUGetTimeInMinutes). */
  lfuMinutes(): number {
    return Math.floor(this.clock.now / 60000) & 65535;
  }

  /** The stamp of a key created now. */
  fresh(): number {
    return this.mode === AccessMode.Lfu ? (this.lfuMinutes() << 8) | LFU_INIT_VAL : this.lruClock();
  }

  /** The stamp after an access: the clock (LRU) or the decayed, logarithmically incremented counter (LFU). */
  accessed(stamp: number): number {
    if (this.mode !== AccessMode.Lfu) return this.lruClock();
    let counter = this.lfuDecay(stamp);
    if (counter < 255) {
      const base = counter - LFU_INIT_VAL;
      const p = 1 / (Math.max(base, 0) * this.lfuLogFactor + 1);
      if (Math.random() < p) counter++;
    }
    return (this.lfuMinutes() << 8) | counter;
  }

  /** The counter of an LFU stamp after its decay periods have passed (LFUDecrAndReturn). */
  lfuDecay(stamp: number): number {
    const ldt = stamp >>> 8;
    const counter = stamp & 255;
    if (this.lfuDecayTime === 0) return counter;
    const now = this.lfuMinutes();
    const elapsed = now >= ldt ? now - ldt : 65535 - ldt + now;
    const periods = Math.floor(elapsed / this.lfuDecayTime);
    return periods === 0 ? counter : periods > counter ? 0 : counter - periods;
  }

  /** Milliseconds since an LRU stamp (estimateObjectIdleTime). */
  idleMs(stamp: number): number {
    const now = this.lruClock();
    return (now >= stamp ? now - stamp : now + (LRU_CLOCK_MAX - stamp)) * 1000;
  }
}

/** Bytes V8 gives a sequential one-byte string of `len` characters. */
export function stringBytes(len: number): number {
  return (16 + len + 7) & ~7;
}

/** Bytes of one Map entry (key, value, chain slots plus bucket share and growth slack). */
export const MAP_ENTRY_BYTES = 37;
/** Extra bytes per element of an aggregate beyond Redis's own model (JS objects, Map slots). */
const ELEMENT_OVERHEAD = 40;
/** Bytes of an aggregate's own object(s) when empty. */
const OBJECT_BASE = 96;

/** Estimate an aggregate from its elements (O(n)) and cache it on the object. */
export function measureObject(v: RObject): number {
  const n = v.size();
  v.mem = OBJECT_BASE + v.memoryUsage() + n * ELEMENT_OVERHEAD;
  v.memCount = n;
  return v.mem;
}

/** An aggregate's estimate after a change: scaled in O(1) unless the count moved by over 1/8. */
export function refreshObject(v: RObject): number {
  const n = v.size();
  const was = v.memCount;
  if (v.mem === 0 || n < 64 || was === 0 || Math.abs(n - was) * 8 > was) return measureObject(v);
  return v.mem;
}

/** The bytes a key and its value hold, as last estimated (what deleting it frees). */
export function entryBytes(key: string, v: RValue): number {
  return MAP_ENTRY_BYTES + stringBytes(key.length) + (typeof v === 'string' ? stringBytes(v.length) : v.mem);
}

/**
 * A database's dictionary: a Map from key to value that keeps `bytes`, the estimate of
 * what its entries hold, through every way of writing it (the keyspace's methods, RDB
 * loading, a replica's flush), and the access stamps of its string keys.
 */
export class KeyDict extends Map<string, RValue> {
  /** Estimated bytes of the entries (keys, values, Map slots). */
  bytes = 0;
  /** Access stamps of string-valued keys, while tracking is on (aggregates carry theirs). */
  stamps: Map<string, number> | null = null;

  constructor(private readonly access: AccessTracking) {
    super();
  }

  override set(key: string, value: RValue): this {
    const old = super.get(key);
    let bytes = this.bytes;
    if (old !== undefined) bytes -= entryBytes(key, old);
    if (typeof value === 'string') {
      bytes += MAP_ENTRY_BYTES + stringBytes(key.length) + stringBytes(value.length);
    } else {
      bytes += MAP_ENTRY_BYTES + stringBytes(key.length) + (value === old ? refreshObject(value) : measureObject(value));
    }
    this.bytes = bytes;
    const access = this.access;
    if (access.mode !== AccessMode.Off) this.stampWrite(key, value, old, access);
    return super.set(key, value);
  }

  /**
   * A written value's stamp: LRU takes the clock; LFU keeps the counter of the value it
   * replaces (the lookup before the write already counted the access), as dbSetValue.
   */
  private stampWrite(key: string, value: RValue, old: RValue | undefined, access: AccessTracking): void {
    let stamp: number;
    if (access.mode === AccessMode.Lfu && old !== undefined) stamp = this.stampOf(key, old);
    else stamp = access.fresh();
    if (typeof value === 'string') {
      (this.stamps ??= new Map()).set(key, stamp);
    } else {
      value.lru = stamp;
      if (typeof old === 'string') this.stamps?.delete(key);
    }
  }

  override delete(key: string): boolean {
    const old = super.get(key);
    if (old === undefined) return false;
    this.bytes -= entryBytes(key, old);
    if (this.stamps !== null && typeof old === 'string') this.stamps.delete(key);
    return super.delete(key);
  }

  override clear(): void {
    this.bytes = 0;
    this.stamps?.clear();
    super.clear();
  }

  /** After an aggregate changed in place: bring its share of `bytes` up to date. */
  resized(key: string): void {
    const v = super.get(key);
    if (v === undefined || typeof v === 'string') return;
    const before = v.mem;
    this.bytes += refreshObject(v) - before;
  }

  /** Record an access to key (holding v): Redis's lookupKey stamping. */
  touch(key: string, v: RValue, access: AccessTracking): void {
    if (typeof v === 'string') {
      const stamps = (this.stamps ??= new Map());
      const was = stamps.get(key);
      stamps.set(key, access.mode === AccessMode.Lru ? access.lruClock() : access.accessed(was ?? access.defaultStamp));
    } else {
      v.lru = access.mode === AccessMode.Lru ? access.lruClock() : access.accessed(v.lru === 0 ? access.defaultStamp : v.lru);
    }
  }

  /** The stamp of key (holding v); keys not stamped since tracking started have the default. */
  stampOf(key: string, v: RValue): number {
    if (typeof v === 'string') return this.stamps?.get(key) ?? this.access.defaultStamp;
    return v.lru === 0 ? this.access.defaultStamp : v.lru;
  }
}
