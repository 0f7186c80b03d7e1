/**
 * The dataset estimate behind used_memory stays exact to its own model through every kind
 * of write a client can make (each database's running total equals the sum over its
 * entries), aggregates' cached estimates stay close to a fresh measure, and the LFU
 * counter follows Redis's rules.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDssm } from '../helpers/servers.js';
import { rng, pick } from '../helpers/differential.js';
import { AccessMode, AccessTracking, entryBytes, LFU_INIT_VAL, measureObject } from '../../src/keyspace/memory.js';

test('every database total equals the sum of its entries after random writes of every kind', async () => {
  const s = await startDssm(['--maxmemory-policy', 'allkeys-lfu']);
  try {
    const c = await s.client();
    const r = rng(7);
    const key = () => `k${Math.floor(r() * 60)}`;
    const val = () => 'x'.repeat(Math.floor(r() * 300));
    const ops: (() => (string | number)[])[] = [
      () => ['SET', key(), val()],
      () => ['SET', key(), val(), 'EX', 1000],
      () => ['APPEND', key(), val()],
      () => ['DEL', key(), key()],
      () => ['HSET', key(), `f${Math.floor(r() * 200)}`, val()],
      () => ['HDEL', key(), `f${Math.floor(r() * 200)}`],
      () => ['RPUSH', key(), val(), val(), val()],
      () => ['LPOP', key(), 2],
      () => ['SADD', key(), `m${Math.floor(r() * 500)}`, String(Math.floor(r() * 500))],
      () => ['ZADD', key(), Math.floor(r() * 100), `m${Math.floor(r() * 300)}`],
      () => ['RENAME', key(), key()],
      () => ['COPY', key(), key(), 'REPLACE'],
      () => ['MOVE', key(), 1],
      () => ['SWAPDB', 0, 1],
      () => ['SUNIONSTORE', key(), key(), key()],
      () => ['GET', key()],
      () => ['INCR', 'counter'],
    ];
    const check = () => {
      for (const db of s.node.keyspace.dbs) {
        let sum = 0;
        for (const [k, v] of db.dict) sum += entryBytes(k, v);
        assert.equal(db.dict.bytes, sum, `db${db.id}: running total vs sum of entries`);
      }
    };
    for (let i = 0; i < 4000; i++) {
      await c.call(...pick(r, ops)());
      if (i % 500 === 0) check();
    }
    check();
    // Aggregates' cached figures stay within an eighth (plus element rewrites) of a fresh measure.
    for (const db of s.node.keyspace.dbs) {
      for (const v of db.dict.values()) {
        if (typeof v === 'string') continue;
        const cached = v.mem;
        const fresh = measureObject(v);
        assert.ok(Math.abs(cached - fresh) <= fresh / 4, `${v.type} of ${v.size()}: cached ${cached}, measured ${fresh}`);
      }
    }
    await c.call('FLUSHALL');
    for (const db of s.node.keyspace.dbs) assert.equal(db.dict.bytes, 0);
    assert.equal(s.node.keyspace.memoryBytes(), 0);
  } finally {
    await s.stop();
  }
});

test('LFU: a new key starts at 5, the first access always counts, decay takes one per period', () => {
  const clock = { now: 1_700_000_000_000 };
  const a = new AccessTracking(clock);
  a.mode = AccessMode.Lfu;
  const fresh = a.fresh();
  assert.equal(a.lfuDecay(fresh), LFU_INIT_VAL);
  assert.equal(a.lfuDecay(a.accessed(fresh)), LFU_INIT_VAL + 1);
  let stamp = fresh;
  for (let i = 0; i < 100_000; i++) stamp = a.accessed(stamp);
  const hot = a.lfuDecay(stamp);
  // Redis's table for lfu-log-factor 10: 100K hits → 142.
  assert.ok(hot > 120 && hot < 170, `counter after 100k accesses: ${hot}`);
  clock.now += 3 * 60_000;
  assert.equal(a.lfuDecay(stamp), hot - 3);
  a.lfuDecayTime = 0;
  assert.equal(a.lfuDecay(stamp), hot);
});

test('LRU: idle time counts whole seconds and survives the 24-bit wrap', () => {
  const clock = { now: 0 };
  const a = new AccessTracking(clock);
  a.mode = AccessMode.Lru;
  clock.now = ((1 << 24) - 2) * 1000;
  const stamp = a.fresh();
  clock.now += 5_500;
  // Across the wrap Redis's formula (clock + LRU_CLOCK_MAX - stamp) counts one second less.
  assert.equal(a.idleMs(stamp), 4000);
  clock.now += 10_000;
  assert.equal(a.idleMs(stamp), 14000);
});
