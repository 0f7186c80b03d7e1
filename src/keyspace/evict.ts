/**
 * maxmemory: choosing and removing keys when the memory in use passes the limit, as
 * Redis 7.0's evict.c does (performEvictions, the eviction pool, the eight policies).
 *
 * - LRU and LFU are approximated as in Redis: each round samples `maxmemory-samples` keys
 *   of every database into a pool of the 16 best candidates kept across rounds (largest
 *   idle time, lowest decayed LFU counter, or soonest expiry for volatile-ttl), and the
 *   best that still exists is evicted.
 * - A JS Map has no random access, so sampling continues a persistent walk over each
 *   database's dictionary (or its TTL map for volatile-*) with random strides of up to
 *   64 keys, like RANDOMKEY on large keyspaces: every key is reachable and a round costs
 *   O(samples × 32) iterator steps.
 * - Memory freed by a deletion is the estimate the keyspace keeps (keyspace/memory.ts),
 *   so a round stops once it has freed what was over, not at the next GC.
 * - A round is bounded in time by maxmemory-eviction-tenacity (Redis's formula); when the
 *   time runs out with memory still over, the rest continues in later event-loop turns
 *   (evictionTimeProc) and commands meanwhile are not refused.
 *
 * The evictor knows nothing about clients or propagation: what it needs (the limit,
 * the memory in use, whether evicting is allowed now, what to do with an evicted key)
 * comes through {@link EvictionHost}, wired by commands/maxmemory.ts.
 */
import type { Database, Keyspace } from './keyspace.js';
import { AccessMode } from './memory.js';

export type MaxmemoryPolicy = 'noeviction' | 'allkeys-lru' | 'volatile-lru' | 'allkeys-lfu' | 'volatile-lfu' | 'allkeys-random' | 'volatile-random' | 'volatile-ttl';

/** The access stamping a policy needs. */
export function accessModeOf(policy: string): AccessMode {
  if (policy.endsWith('-lru')) return AccessMode.Lru;
  if (policy.endsWith('-lfu')) return AccessMode.Lfu;
  return AccessMode.Off;
}

/** What the evictor asks of the server. */
export interface EvictionHost {
  maxmemory(): number;
  policy(): MaxmemoryPolicy;
  samples(): number;
  tenacity(): number;
  /** Memory in use as maxmemory counts it (used_memory minus what is not counted for eviction). */
  countedMemory(): number;
  /** False on a replica ignoring maxmemory, while loading or paused: evicting is skipped. */
  mayEvict(): boolean;
  /** A key was evicted: count it, notify `evicted`, propagate DEL. */
  evicted(db: Database, key: string): void;
}

export enum EvictResult {
  /** Memory is within the limit, or evicting is not possible now. */
  Ok = 0,
  /** Still over the limit; evicting continues in the next event-loop turns. */
  Running = 1,
  /** Over the limit with nothing (more) to evict: commands that add memory are refused. */
  Fail = 2,
}

const POOL_SIZE = 16;

interface PoolEntry {
  /** The larger, the better a candidate (idle ms, 255 - LFU counter, or a reversed expiry time). */
  score: number;
  key: string;
  db: number;
}

interface Walker {
  map: Map<string, unknown>;
  it: Iterator<string>;
}

export class Evictor {
  /** Candidates in ascending score order (the best at the end), at most POOL_SIZE. */
  private pool: PoolEntry[] = [];
  private readonly walkers = new WeakMap<Database, Walker>();
  private nextDb = 0;
  private timeProc: NodeJS.Immediate | null = null;
  /** When used memory last rose above maxmemory (performance.now ms; 0: not above), and the time above before that. */
  private overSince = 0;
  private overTotalMs = 0;

  constructor(
    private readonly ks: Keyspace,
    private readonly host: EvictionHost,
  ) {}

  /** Whether evictions are continuing in the background (Redis's isEvictionProcRunning). */
  get running(): boolean {
    return this.timeProc !== null;
  }

  /** INFO stats current_eviction_exceeded_time: ms since used memory rose above maxmemory (0: not above). */
  currentExceededMs(): number {
    return this.overSince === 0 ? 0 : Math.round(performance.now() - this.overSince);
  }

  /** INFO stats total_eviction_exceeded_time: ms spent above maxmemory since start. */
  totalExceededMs(): number {
    return Math.round(this.overTotalMs) + this.currentExceededMs();
  }

  /** Get memory under the limit if allowed (performEvictions); see {@link EvictResult}. */
  perform(): EvictResult {
    const host = this.host;
    const max = host.maxmemory();
    if (max === 0 || !host.mayEvict()) return EvictResult.Ok;
    const used = host.countedMemory();
    if (used <= max) {
      if (this.overSince !== 0) {
        this.overTotalMs += performance.now() - this.overSince;
        this.overSince = 0;
      }
      return EvictResult.Ok;
    }
    if (this.overSince === 0) this.overSince = performance.now();
    const policy = host.policy();
    if (policy === 'noeviction') return EvictResult.Fail;
    const toFree = used - max;
    const start = performance.now();
    const limitUs = timeLimitUs(host.tenacity());
    let freed = 0;
    let keys = 0;
    let result = EvictResult.Ok;
    while (freed < toFree) {
      const pick = policy.endsWith('-random') ? this.pickRandom(policy) : this.pickFromPool(policy);
      if (pick === null) {
        result = EvictResult.Fail;
        break;
      }
      freed += pick.db.evict(pick.key);
      keys++;
      host.evicted(pick.db, pick.key);
      if (keys % 16 === 0 && (performance.now() - start) * 1000 > limitUs) {
        this.startTimeProc();
        break;
      }
    }
    if (result === EvictResult.Ok && this.timeProc !== null) result = EvictResult.Running;
    return result;
  }

  /** Keep evicting in later event-loop turns until under the limit or out of keys. */
  private startTimeProc(): void {
    if (this.timeProc !== null) return;
    const step = () => {
      this.timeProc = null;
      const r = this.perform();
      if (r === EvictResult.Running && this.timeProc === null) this.timeProc = setImmediate(step);
    };
    this.timeProc = setImmediate(step);
  }

  /** Forget the candidates (their scores mean nothing under another policy). */
  resetPool(): void {
    this.pool = [];
  }

  /** Stop the background evictions (shutdown). */
  stop(): void {
    if (this.timeProc !== null) clearImmediate(this.timeProc);
    this.timeProc = null;
  }

  private pickFromPool(policy: MaxmemoryPolicy): { db: Database; key: string } | null {
    const allkeys = policy.startsWith('allkeys');
    for (let round = 0; round < 64; round++) {
      let total = 0;
      for (const db of this.ks.dbs) {
        const map = allkeys ? db.dict : db.expires;
        if (map.size === 0) continue;
        total += map.size;
        this.populate(db, map, policy);
      }
      if (total === 0) return null;
      // From best to worst; entries whose key is gone since are ghosts and skipped.
      const pool = this.pool;
      while (pool.length !== 0) {
        const e = pool.pop()!;
        const db = this.ks.dbs[e.db]!;
        if ((allkeys ? db.dict : db.expires).has(e.key)) return { db, key: e.key };
      }
    }
    return null;
  }

  /** evictionPoolPopulate: sample keys of one database into the pool by score. */
  private populate(db: Database, map: Map<string, unknown>, policy: MaxmemoryPolicy): void {
    const access = this.ks.access;
    const n = Math.min(this.host.samples(), map.size);
    const lfu = policy.endsWith('-lfu');
    const ttl = policy === 'volatile-ttl';
    const pool = this.pool;
    // Keys next to each other in insertion order were often written (and read) together:
    // random strides of up to 64 keys spread one round's samples over the dictionary.
    const maxStride = Math.max(1, Math.min(64, Math.floor(map.size / n)));
    for (let i = 0; i < n; i++) {
      const key = this.walk(db, map, 1 + Math.floor(Math.random() * maxStride));
      if (key === undefined) break;
      let score: number;
      if (ttl) {
        score = Number.MAX_SAFE_INTEGER - (db.expires.get(key) ?? 0);
      } else {
        const v = db.dict.get(key);
        if (v === undefined) continue;
        const stamp = db.dict.stampOf(key, v);
        score = lfu ? 255 - access.lfuDecay(stamp) : access.idleMs(stamp);
      }
      // Already a candidate (the walk came round): refresh rather than duplicate.
      const dup = pool.findIndex((e) => e.key === key && e.db === db.id);
      if (dup >= 0) pool.splice(dup, 1);
      let k = 0;
      while (k < pool.length && pool[k]!.score < score) k++;
      if (pool.length >= POOL_SIZE) {
        if (k === 0) continue; // worse than every candidate of a full pool
        pool.splice(k, 0, { score, key, db: db.id });
        pool.shift();
      } else {
        pool.splice(k, 0, { score, key, db: db.id });
      }
    }
  }

  private pickRandom(policy: MaxmemoryPolicy): { db: Database; key: string } | null {
    const dbs = this.ks.dbs;
    for (let i = 0; i < dbs.length; i++) {
      const j = ++this.nextDb % dbs.length;
      const db = dbs[j]!;
      const map = policy === 'allkeys-random' ? db.dict : db.expires;
      if (map.size === 0) continue;
      const key = this.walk(db, map, 1 + Math.floor(Math.random() * Math.min(64, map.size)));
      if (key !== undefined) return { db, key };
    }
    return null;
  }

  /** The key `stride` steps further along the persistent walk over map (wrapping round). */
  private walk(db: Database, map: Map<string, unknown>, stride: number): string | undefined {
    let w = this.walkers.get(db);
    if (w === undefined || w.map !== map) this.walkers.set(db, (w = { map, it: map.keys() }));
    let last: string | undefined;
    let restarted = false;
    while (stride > 0) {
      const r = w.it.next();
      if (r.done) {
        if (restarted) break;
        restarted = true;
        w.it = map.keys();
        continue;
      }
      last = r.value;
      stride--;
    }
    return last;
  }
}

/** maxmemory-eviction-tenacity to a time limit per round (evictionTimeLimitUs). */
function timeLimitUs(tenacity: number): number {
  if (tenacity <= 10) return 50 * tenacity;
  if (tenacity < 100) return 500 * 1.15 ** (tenacity - 10);
  return Infinity;
}
