/**
 * The keyspace: numbered databases of keys, each holding a Redis value, with expiry.
 *
 * It is synchronous by design: the event loop gives Redis's atomicity, and a command
 * handler never awaits while it holds the keyspace.
 *
 * Representation, chosen for memory and speed:
 * - keys are latin1 strings (one char per byte, binary safe; see protocol/resp-reader.ts);
 * - a Redis string value is a latin1 JS string, so the common case stores no wrapper
 *   object at all; other types are objects implementing {@link RObject};
 * - expiry times live in a second map, as Redis's `expires` dict, holding only keys with
 *   a TTL, as absolute Unix times in milliseconds.
 */
import { channels } from '../observe/events.js';
import { AccessMode, AccessTracking, KeyDict, MAP_ENTRY_BYTES } from './memory.js';

export { typeOf, type RObject, type RType, type RValue } from './value.js';
import type { RValue } from './value.js';

/**
 * What the keyspace tells the rest of the server. The composition root wires these to
 * propagation (AOF, replicas), keyspace notifications and WATCH.
 */
export interface KeyspaceHooks {
  /** A key was removed because its time ran out (propagate a DEL, notify `expired`). */
  expired(db: Database, key: string): void;
  /** A key was changed in any way (WATCH, client-side caching). */
  modified(db: Database, key: string): void;
}

const noHooks: KeyspaceHooks = { expired() {}, modified() {} };

/** The clock: Redis caches the time once per command so a command sees one instant. */
export interface Clock {
  now: number;
}

export class Database {
  /** Keys and values, with their byte estimate and access stamps. Not readonly: SWAPDB exchanges whole maps. */
  dict: KeyDict;
  /** Absolute expiry times (ms) of the keys that have one. */
  expires = new Map<string, number>();
  /** Keys watched by clients (WATCH), with a count of watchers; empty means nothing to do. */
  readonly watched = new Map<string, number>();
  /** Statistics for INFO stats. */
  expiredKeys = 0;

  constructor(
    readonly id: number,
    private readonly ks: Keyspace,
  ) {
    this.dict = new KeyDict(ks.access);
  }

  get size(): number {
    return this.dict.size;
  }

  /**
   * The value at key, expiring it first if its time has passed (lazy expiry).
   * On a replica, an expired key reads as missing but is not deleted: the primary
   * sends the DEL, so replicas stay exact copies.
   */
  get(key: string): RValue | undefined {
    const v = this.dict.get(key);
    if (v === undefined) return undefined;
    if (this.expires.size !== 0 && this.isExpired(key)) {
      if (this.ks.replicaMode) return this.ks.applyingPrimary ? v : undefined;
      this.expire(key);
      return undefined;
    }
    const access = this.ks.access;
    if (access.mode !== AccessMode.Off) this.dict.touch(key, v, access);
    return v;
  }

  /** The value at key without counting an access (OBJECT, eviction): lazy expiry still applies. */
  peek(key: string): RValue | undefined {
    const access = this.ks.access;
    const mode = access.mode;
    access.mode = AccessMode.Off;
    try {
      return this.get(key);
    } finally {
      access.mode = mode;
    }
  }

  /** Lookup for reading: like get(), and counts keyspace hits and misses (INFO stats). */
  read(key: string): RValue | undefined {
    const v = this.get(key);
    if (v === undefined) this.ks.stats.keyspaceMisses++;
    else this.ks.stats.keyspaceHits++;
    return v;
  }

  /** Whether key exists (after lazy expiry). */
  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  private isExpired(key: string): boolean {
    const when = this.expires.get(key);
    return when !== undefined && when <= this.ks.clock.now;
  }

  /** Remove an expired key and tell the hooks (propagates DEL, notifies `expired`). */
  expire(key: string): void {
    this.dict.delete(key);
    this.expires.delete(key);
    this.expiredKeys++;
    this.ks.stats.expiredKeys++;
    this.ks.dirty++;
    if (channels.expired.hasSubscribers) channels.expired.publish({ db: this.id, key });
    this.ks.hooks.expired(this, key);
    this.touched(key);
  }

  /**
   * Set key to value. Like Redis's setKey: the TTL is removed unless keepTtl, and
   * watchers are told.
   */
  set(key: string, value: RValue, keepTtl = false): void {
    this.dict.set(key, value);
    if (!keepTtl && this.expires.size !== 0) this.expires.delete(key);
    this.ks.dirty++;
    this.touched(key);
  }

  /** Replace the value of an existing key, keeping its TTL (e.g. APPEND, INCR). */
  replace(key: string, value: RValue): void {
    this.dict.set(key, value);
    this.ks.dirty++;
    this.touched(key);
  }

  /**
   * Add a new key that the caller knows is absent (e.g. LPUSH creating a list).
   */
  add(key: string, value: RValue): void {
    this.dict.set(key, value);
    this.ks.dirty++;
    this.touched(key);
  }

  /** Delete key; returns whether it existed (after lazy expiry, so expired keys count 0). */
  delete(key: string): boolean {
    if (this.get(key) === undefined) return false;
    this.dict.delete(key);
    if (this.expires.size !== 0) this.expires.delete(key);
    this.ks.dirty++;
    this.touched(key);
    return true;
  }

  /** Signal that a value was modified in place (list push, hash set, ...). */
  modified(key: string): void {
    this.dict.resized(key);
    this.ks.dirty++;
    this.touched(key);
  }

  private touched(key: string): void {
    if (this.watched.size !== 0 || this.ks.trackAllModifications) this.ks.hooks.modified(this, key);
  }

  /** Absolute expiry time in ms, or undefined when the key has none. */
  getExpire(key: string): number | undefined {
    return this.expires.size === 0 ? undefined : this.expires.get(key);
  }

  /** Set an absolute expiry time (ms) on an existing key. */
  setExpire(key: string, when: number): void {
    this.expires.set(key, when);
    this.ks.dirty++;
    this.touched(key);
  }

  /** Remove the TTL; returns whether there was one. */
  persist(key: string): boolean {
    if (!this.expires.delete(key)) return false;
    this.ks.dirty++;
    this.touched(key);
    return true;
  }

  /** Remove every key (FLUSHDB). Watchers of existing keys are told. */
  flush(): number {
    const n = this.dict.size;
    if (this.watched.size !== 0) {
      for (const key of this.watched.keys()) if (this.dict.has(key)) this.ks.hooks.modified(this, key);
    }
    this.dict.clear();
    this.expires.clear();
    this.ks.dirty += n;
    return n;
  }

  /** Number of keys with a TTL, and the average TTL, for INFO keyspace. */
  keyspaceInfo(): { keys: number; expires: number; avgTtl: number } {
    return { keys: this.dict.size, expires: this.expires.size, avgTtl: 0 };
  }

  /**
   * Remove key for maxmemory (evict.c's dbSyncDelete): no lazy-expiry check, no
   * notification here (the evictor sends `evicted` and propagates the DEL). Returns the
   * estimated bytes freed.
   */
  evict(key: string): number {
    const before = this.dict.bytes;
    const hadKey = this.dict.delete(key);
    // Both maps, always: a TTL without its key would otherwise be picked again and again.
    const hadTtl = this.expires.size !== 0 && this.expires.delete(key);
    if (!hadKey) return hadTtl ? MAP_ENTRY_BYTES : 0;
    this.ks.dirty++;
    this.touched(key);
    return before - this.dict.bytes + (hadTtl ? MAP_ENTRY_BYTES : 0);
  }

  /** Estimated bytes this database holds: entries, TTLs and access stamps. */
  memoryBytes(): number {
    return this.dict.bytes + (this.expires.size + (this.dict.stamps?.size ?? 0)) * MAP_ENTRY_BYTES;
  }

  /** Iterate over live (unexpired) keys without expiring them. */
  *liveKeys(): IterableIterator<string> {
    const now = this.ks.clock.now;
    const hasTtl = this.expires.size !== 0;
    for (const key of this.dict.keys()) {
      if (hasTtl) {
        const when = this.expires.get(key);
        if (when !== undefined && when <= now) continue;
      }
      yield key;
    }
  }
}

/** Counters the keyspace keeps for INFO stats. */
export interface KeyspaceStats {
  expiredKeys: number;
  expiredStalePerc: number;
  expiredTimeCapReachedCount: number;
  keyspaceHits: number;
  keyspaceMisses: number;
}

export class Keyspace {
  readonly dbs: Database[];
  /** Count of changes since the last save; also how dispatch detects that a write happened. */
  dirty = 0;
  hooks: KeyspaceHooks = noHooks;
  /** True on replicas: keys are not expired locally (the primary sends DELs). */
  replicaMode = false;
  /** Set while a replica applies its primary's stream: keys read as the primary saw them (expired or not). */
  applyingPrimary = false;
  /** When true, every modification reaches hooks.modified (not only watched keys). */
  trackAllModifications = false;
  /** Access stamping for LRU/LFU eviction (mode from maxmemory-policy). */
  readonly access: AccessTracking;
  readonly stats: KeyspaceStats = {
    expiredKeys: 0,
    expiredStalePerc: 0,
    expiredTimeCapReachedCount: 0,
    keyspaceHits: 0,
    keyspaceMisses: 0,
  };

  constructor(
    databases: number,
    readonly clock: Clock,
  ) {
    this.access = new AccessTracking(clock);
    this.dbs = [];
    for (let i = 0; i < databases; i++) this.dbs.push(new Database(i, this));
  }

  db(index: number): Database {
    return this.dbs[index]!;
  }

  /** Exchange two databases' contents (SWAPDB); O(1). Watchers of both are told. */
  swap(a: number, b: number): void {
    const da = this.dbs[a]!;
    const dbb = this.dbs[b]!;
    // As touchAllWatchedKeysInDb: only keys that exist in either database changed.
    const touch = () => {
      for (const db of [da, dbb]) for (const key of db.watched.keys()) if (da.dict.has(key) || dbb.dict.has(key)) this.hooks.modified(db, key);
    };
    touch();
    [da.dict, dbb.dict] = [dbb.dict, da.dict];
    [da.expires, dbb.expires] = [dbb.expires, da.expires];
    touch();
    this.dirty++;
  }

  /**
   * Switch access stamping (maxmemory-policy changed family). Stamps of the old kind mean
   * nothing to the new one: string keys' stamps are dropped, and every key reads as
   * accessed when tracking started (aggregates' fields are left, as Redis leaves `lru`).
   */
  setAccessMode(mode: AccessMode): void {
    const access = this.access;
    if (access.mode === mode) return;
    access.mode = mode;
    access.defaultStamp = mode === AccessMode.Off ? 0 : access.fresh();
    for (const db of this.dbs) db.dict.stamps = null;
  }

  /** Estimated bytes of the whole dataset (used_memory_dataset's basis). */
  memoryBytes(): number {
    let n = 0;
    for (const db of this.dbs) n += db.memoryBytes();
    return n;
  }

  totalKeys(): number {
    let n = 0;
    for (const db of this.dbs) n += db.dict.size;
    return n;
  }
}
