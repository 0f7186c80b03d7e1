/**
 * A consistent view of the whole keyspace, read a slice at a time while the server keeps
 * serving: what Redis gets from fork() for BGSAVE and AOF rewrites, done here without a
 * second process.
 *
 * At creation the snapshot records the key names of every database. It then visits them in
 * slices. Before any write command touches a key (the dispatcher knows each command's keys
 * from the command table), `preserve` keeps that key's value as it was at creation, unless
 * the key was already saved: copy-on-write at the granularity of a key. Commands that touch
 * keys the table cannot name (FLUSHALL, FLUSHDB, SWAPDB) first drain the whole snapshot.
 *
 * The result is the dataset exactly as it was at the instant of creation, whatever runs
 * meanwhile. Keys that expire during the snapshot are saved if they had not expired at
 * creation (a loader drops keys whose time has passed, as Redis's does).
 */
import type { Keyspace, RObject, RValue } from '../keyspace/keyspace.js';

export interface SnapshotEntry {
  db: number;
  key: string;
  value: RValue;
  /** Absolute expiry in ms, or -1. */
  expireAt: number;
}

/** Marker for a key that did not exist when it was preserved. */
const ABSENT = Symbol('absent');

interface DbCursor {
  db: number;
  keys: string[];
  next: number;
  preserved: Map<string, { value: RValue; expireAt: number } | typeof ABSENT>;
}

let active: KeyspaceSnapshot | null = null;

/** Thrown by nextSlice() once the snapshot was aborted (abort()): its writer stops. */
export class SnapshotAborted extends Error {
  constructor(reason: string) {
    super(`snapshot aborted: ${reason}`);
  }
}

/** The snapshot in progress, if any (the dispatcher calls preserve() on it). */
export function activeSnapshot(): KeyspaceSnapshot | null {
  return active;
}

export class KeyspaceSnapshot {
  private readonly cursors: DbCursor[] = [];
  private current = 0;
  readonly totalKeys: number;
  visited = 0;
  private done = false;
  /** Why the snapshot was aborted, or null. */
  aborted: string | null = null;

  constructor(private readonly ks: Keyspace) {
    if (active) throw new Error('a snapshot is already in progress');
    let total = 0;
    for (const db of ks.dbs) {
      if (db.dict.size === 0) continue;
      const keys = [...db.dict.keys()];
      total += keys.length;
      this.cursors.push({ db: db.id, keys, next: 0, preserved: new Map() });
    }
    this.totalKeys = total;
    active = this;
  }

  /** Keep key's value as of the snapshot, before a write changes it. */
  preserve(dbIndex: number, key: string): void {
    const cur = this.cursors.find((c) => c.db === dbIndex);
    if (!cur || cur.preserved.has(key)) return;
    const db = this.ks.db(dbIndex);
    const value = db.dict.get(key);
    if (value === undefined) {
      cur.preserved.set(key, ABSENT);
      return;
    }
    const exp = db.expires.get(key);
    cur.preserved.set(key, { value: typeof value === 'string' ? value : (value as RObject).clone(), expireAt: exp ?? -1 });
  }

  /** Preserve everything not yet visited (before FLUSHALL and the like). */
  preserveAll(): void {
    for (const cur of this.cursors) {
      for (let i = cur.next; i < cur.keys.length; i++) this.preserve(cur.db, cur.keys[i]!);
    }
  }

  /**
   * Up to max entries of the snapshot, in database order. Returns an empty array when the
   * whole keyspace has been visited.
   */
  nextSlice(max: number): SnapshotEntry[] {
    if (this.aborted !== null) throw new SnapshotAborted(this.aborted);
    const out: SnapshotEntry[] = [];
    while (out.length < max && this.current < this.cursors.length) {
      const cur = this.cursors[this.current]!;
      if (cur.next >= cur.keys.length) {
        cur.preserved.clear();
        this.current++;
        continue;
      }
      const key = cur.keys[cur.next++]!;
      this.visited++;
      const kept = cur.preserved.get(key);
      if (kept === ABSENT) continue;
      if (kept !== undefined) {
        out.push({ db: cur.db, key, value: kept.value, expireAt: kept.expireAt });
        cur.preserved.delete(key);
        continue;
      }
      const db = this.ks.db(cur.db);
      const value = db.dict.get(key);
      if (value === undefined) continue;
      out.push({ db: cur.db, key, value, expireAt: db.expires.get(key) ?? -1 });
    }
    if (out.length === 0) this.finish();
    return out;
  }

  /**
   * The whole keyspace is about to be replaced without going through the dispatcher (a
   * replica loading a full sync clears every database): keep the values of the keys not yet
   * visited. By reference: the cleared objects are never changed afterwards.
   */
  detach(): void {
    for (const cur of this.cursors) {
      const db = this.ks.db(cur.db);
      for (let i = cur.next; i < cur.keys.length; i++) {
        const key = cur.keys[i]!;
        if (cur.preserved.has(key)) continue;
        const value = db.dict.get(key);
        cur.preserved.set(key, value === undefined ? ABSENT : { value, expireAt: db.expires.get(key) ?? -1 });
      }
    }
  }

  /**
   * Stop the snapshot at once: it no longer follows writes, and its writer's next slice
   * throws SnapshotAborted (the writer removes what it wrote).
   */
  abort(reason: string): void {
    if (this.aborted === null) this.aborted = reason;
    this.finish();
  }

  /** End the snapshot (also on failure), so writes stop paying for it. */
  finish(): void {
    if (this.done) return;
    this.done = true;
    if (active === this) active = null;
  }
}
