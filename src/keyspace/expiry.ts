/**
 * Active expiry, after Redis's activeExpireCycle: keys with a TTL that nobody reads are
 * still removed, by sampling the expires map in bounded slices of time.
 *
 * Redis samples random buckets; a JS Map has no random access, so each database keeps a
 * live iterator over its expires map and continues where the last slice stopped (Map
 * iterators stay valid while entries are added and removed). Over successive slices every
 * key with a TTL is visited, which is the property that matters: an expired key is found
 * within a bounded number of cycles. A slice repeats while more than a quarter of the
 * sampled keys had expired (the dataset is "stale"), up to its time budget.
 */
import type { Database, Keyspace } from './keyspace.js';

const KEYS_PER_LOOP = 20;
const ACCEPTABLE_STALE = 0.25;

const cursors = new WeakMap<Database, { map: Map<string, number>; it: Iterator<[string, number]> }>();

/**
 * Run one slice of active expiry over all databases, for at most budgetMs.
 * Returns the number of keys expired.
 */
export function activeExpireCycle(ks: Keyspace, budgetMs: number, effort = 1): number {
  if (ks.replicaMode) return 0;
  const start = performance.now();
  const perLoop = KEYS_PER_LOOP + Math.round((KEYS_PER_LOOP / 4) * (effort - 1));
  let expiredTotal = 0;
  let sampledTotal = 0;
  for (const db of ks.dbs) {
    if (db.expires.size === 0) continue;
    for (;;) {
      ks.clock.now = Date.now();
      let sampled = 0;
      let expired = 0;
      let cur = cursors.get(db);
      if (!cur || cur.map !== db.expires) {
        cur = { map: db.expires, it: db.expires.entries() };
        cursors.set(db, cur);
      }
      while (sampled < perLoop) {
        const r = cur.it.next();
        if (r.done) {
          cur.it = db.expires.entries();
          break;
        }
        sampled++;
        const [key, when] = r.value;
        if (when <= ks.clock.now) {
          db.expire(key);
          expired++;
        }
      }
      expiredTotal += expired;
      sampledTotal += sampled;
      if (sampled === 0 || expired / sampled <= ACCEPTABLE_STALE) break;
      if (performance.now() - start > budgetMs) {
        ks.stats.expiredTimeCapReachedCount++;
        return expiredTotal;
      }
    }
  }
  if (sampledTotal > 0) {
    const current = expiredTotal / sampledTotal;
    ks.stats.expiredStalePerc = current * 0.05 + ks.stats.expiredStalePerc * 0.95;
  }
  return expiredTotal;
}
