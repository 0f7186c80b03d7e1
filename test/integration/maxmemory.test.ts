/**
 * maxmemory beyond one node: evicted keys reach replicas and the AOF as DELs, replicas
 * do not evict on their own (replica-ignore-maxmemory yes), CONFIG SET maxmemory lower
 * evicts at once, and a node restarted from its AOF has the same keys as before.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDssm } from '../helpers/servers.js';
import { plain, type RawClient } from '../helpers/resp.js';
import { caughtUp, info, until } from '../interop/replication-helpers.js';

const VALUE = 'v'.repeat(500);

async function used(c: RawClient): Promise<number> {
  return Number(await info(c, 'used_memory', 'memory'));
}

async function keys(c: RawClient): Promise<string[]> {
  return (plain(await c.call('KEYS', '*')) as string[]).sort();
}

describe('maxmemory with replicas and the AOF', () => {
  it('evictions reach the replica as DELs; the replica, over its own limit, evicts nothing', async () => {
    const primary = await startDssm(['--maxmemory-policy', 'allkeys-lru']);
    const replica = await startDssm(['--replicaof', '127.0.0.1', String(primary.port), '--maxmemory-policy', 'allkeys-lru']);
    try {
      const pc = await primary.client();
      const rc = await replica.client();
      await until('replica link up', async () => (await info(rc, 'master_link_status')) === 'up');
      const limit = (await used(pc)) + 400 * 1024;
      await pc.call('CONFIG', 'SET', 'maxmemory', String(limit));
      // The replica's limit is far below what it will hold: it must ignore it.
      await rc.call('CONFIG', 'SET', 'maxmemory', String((await used(rc)) + 100 * 1024));
      for (let i = 0; i < 2000; i++) assert.equal(plain(await pc.call('SET', `k:${i}`, VALUE)), 'OK');
      await caughtUp(pc, rc);
      const evicted = Number(await info(pc, 'evicted_keys', 'stats'));
      assert.ok(evicted > 0, 'the primary evicted');
      assert.equal(await info(rc, 'evicted_keys', 'stats'), '0');
      assert.deepEqual(await keys(rc), await keys(pc));
      assert.equal(Number(plain(await pc.call('DBSIZE'))) + evicted, 2000);
      assert.ok((await used(pc)) <= limit, 'the primary is within its limit');
    } finally {
      await replica.stop();
      await primary.stop();
    }
  });

  it('MEMORY STATS shows the figures INFO memory counts: total.allocated is used_memory, dataset.bytes grows with keys', async () => {
    const server = await startDssm();
    try {
      const c = await server.client();
      const stats = async () => {
        const flat = plain(await c.call('MEMORY', 'STATS')) as (string | number)[];
        const m = new Map<string, number>();
        for (let i = 0; i < flat.length; i += 2) m.set(String(flat[i]), Number(flat[i + 1]));
        return m;
      };
      const before = await stats();
      for (let i = 0; i < 2000; i++) await c.call('SET', `k:${i}`, VALUE);
      const after = await stats();
      const usedNow = await used(c);
      assert.ok(after.get('dataset.bytes')! - before.get('dataset.bytes')! >= 2000 * VALUE.length, 'dataset.bytes counts the values added');
      // The two replies are a command apart: client buffers may differ by a few KB.
      assert.ok(Math.abs(after.get('total.allocated')! - usedNow) < 64 * 1024, `total.allocated ${after.get('total.allocated')} is used_memory ${usedNow}`);
      assert.equal(after.get('startup.allocated'), Number(await info(c, 'used_memory_startup', 'memory')));
      assert.equal(after.get('keys.count'), 2000);
    } finally {
      await server.stop();
    }
  });

  it('CONFIG SET maxmemory lower evicts at once, and the AOF replays to the same keys', async () => {
    const first = await startDssm(['--appendonly', 'yes', '--maxmemory-policy', 'allkeys-random'], { keepDir: true });
    const dir = first.dir;
    let second: Awaited<ReturnType<typeof startDssm>> | null = null;
    try {
      const c = await first.client();
      for (let i = 0; i < 1000; i++) await c.call('SET', `k:${i}`, VALUE);
      const before = await used(c);
      const limit = before - 200 * 1024;
      assert.equal(plain(await c.call('CONFIG', 'SET', 'maxmemory', String(limit))), 'OK');
      const evicted = Number(await info(c, 'evicted_keys', 'stats'));
      assert.ok(evicted > 0, 'evicted by CONFIG SET');
      assert.ok((await used(c)) <= limit);
      const kept = await keys(c);
      await c.call('CONFIG', 'SET', 'maxmemory', '0');
      await first.stop();
      const aofDir = join(dir, 'appendonlydir');
      const text = readdirSync(aofDir)
        .filter((f) => f.includes('.incr.'))
        .map((f) => readFileSync(join(aofDir, f), 'latin1'))
        .join('');
      assert.ok(text.includes('$3\r\nDEL\r\n'), 'the AOF has the DELs of evicted keys');
      second = await startDssm(['--appendonly', 'yes'], { dir });
      const c2 = await second.client();
      assert.deepEqual(await keys(c2), kept);
    } finally {
      await second?.stop();
    }
  });
});
