/**
 * maxmemory, differential against redis-server: the same policy and load give the same
 * outcome. dssm holds a key in more bytes than Redis, and starts from a larger baseline,
 * so each server's limit is set for the same number of keys: its own used_memory when
 * empty plus its own measured cost per key times a capacity. Outcomes are then compared
 * in relative terms (which keys survive, fractions kept), with sampling tolerance.
 *
 * Redis's LRU clock ticks once a second, so the LRU scenario spaces its rounds by
 * 1.5 s: keys touched in the same second are equally old to both.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RawClient, plain, type Reply } from '../helpers/resp.js';
import { skipWithoutRedis, startDssm, startRedis, type RedisServer, type TestServer } from '../helpers/servers.js';

const VALUE = 'v'.repeat(400);

function infoField(r: Reply, name: string): number {
  const text = String(plain(r));
  const m = new RegExp(`^${name}:(\\d+)`, 'm').exec(text);
  assert.ok(m, `INFO has ${name}`);
  return Number(m[1]);
}

function errorText(r: Reply): string {
  return r.t === 'error' ? r.v : '';
}

/** Send commands pipelined, in chunks, and return the replies in order. */
async function pipeline(c: RawClient, cmds: (string | number)[][], chunk = 200): Promise<Reply[]> {
  const out: Reply[] = [];
  for (let i = 0; i < cmds.length; i += chunk) {
    out.push(...(await Promise.all(cmds.slice(i, i + chunk).map((a) => c.call(...a)))));
  }
  return out;
}

interface Side {
  name: string;
  c: RawClient;
}

/**
 * Set this server's maxmemory so that about `capacity` keys like `sample(i)` fit: its
 * empty used_memory plus its measured cost per key. The policy is set first (dssm keeps
 * access stamps only under LRU/LFU policies, and they count).
 */
async function limitToKeys(s: Side, policy: string, capacity: number, sample: (i: number) => (string | number)[]): Promise<number> {
  await s.c.call('CONFIG', 'SET', 'maxmemory', '0');
  await s.c.call('CONFIG', 'SET', 'maxmemory-policy', policy);
  await s.c.call('FLUSHALL');
  const empty = infoField(await s.c.call('INFO', 'memory'), 'used_memory');
  const n = 500;
  await pipeline(
    s.c,
    Array.from({ length: n }, (_, i) => sample(1_000_000 + i)),
  );
  const full = infoField(await s.c.call('INFO', 'memory'), 'used_memory');
  await s.c.call('FLUSHALL');
  const perKey = (full - empty) / n;
  const limit = Math.round(infoField(await s.c.call('INFO', 'memory'), 'used_memory') + perKey * capacity);
  await s.c.call('CONFIG', 'RESETSTAT');
  assert.equal(plain(await s.c.call('CONFIG', 'SET', 'maxmemory', String(limit))), 'OK');
  return limit;
}

async function exists(s: Side, keys: string[]): Promise<number> {
  const r = await pipeline(
    s.c,
    keys.map((k) => ['EXISTS', k]),
  );
  return r.filter((x) => plain(x) === 1).length;
}

describe('maxmemory (differential)', { skip: skipWithoutRedis() }, () => {
  let dssm: TestServer;
  let redis: RedisServer;
  let sides: Side[];
  before(async () => {
    [dssm, redis] = await Promise.all([startDssm(), startRedis()]);
    sides = [
      { name: 'dssm', c: await dssm.client() },
      { name: 'redis', c: await redis.client() },
    ];
  });
  after(async () => {
    await Promise.all([dssm?.stop(), redis?.stop()]);
  });

  const each = <T>(fn: (s: Side) => Promise<T>): Promise<T[]> => Promise.all(sides.map(fn));

  it('noeviction: writes get the OOM error past the limit, reads and DEL still work', async () => {
    const capacity = 1000;
    const results = await each(async (s) => {
      await limitToKeys(s, 'noeviction', capacity, (i) => ['SET', `key:${i}`, VALUE]);
      const replies = await pipeline(
        s.c,
        Array.from({ length: 2 * capacity }, (_, i) => ['SET', `key:${i}`, VALUE]),
      );
      const firstOom = replies.findIndex((r) => r.t === 'error');
      const errors = new Set(replies.filter((r) => r.t === 'error').map(errorText));
      // Pipelined requests wait in the query buffer, which counts as memory (more of it in
      // dssm, which reads 64 KB at a time where Redis reads 16 KB): once it drains, the
      // dataset alone may be just under the limit. Fill up to it one write at a time.
      for (let i = 0; i < 500; i++) if ((await s.c.call('SET', `fill:${i}`, VALUE)).t === 'error') break;
      const get = plain(await s.c.call('GET', 'key:0'));
      const append = plain(await s.c.call('APPEND', 'key:0', 'x'));
      const multi = [await s.c.call('MULTI'), await s.c.call('SET', 'x', 'y'), await s.c.call('EXEC')].map(plain);
      const del = plain(await s.c.call('DEL', 'key:0', 'key:1'));
      const info = await s.c.call('INFO', 'stats');
      return { firstOom, errors: [...errors], get, append, multi, del, evicted: infoField(info, 'evicted_keys') };
    });
    const [d, r] = results;
    for (const [i, x] of results.entries()) {
      assert.ok(x.firstOom > capacity * 0.7 && x.firstOom < capacity * 1.4, `${sides[i]!.name}: first OOM at write ${x.firstOom} for a capacity of ${capacity}`);
      assert.equal(x.evicted, 0);
    }
    assert.deepEqual(d!.errors, r!.errors);
    assert.deepEqual(d!.errors, ["OOM command not allowed when used memory > 'maxmemory'."]);
    assert.equal(d!.get, VALUE);
    assert.deepEqual([d!.get, d!.append, d!.multi, d!.del], [r!.get, r!.append, r!.multi, r!.del]);
  });

  it('allkeys-lru: a hot subset read every round survives while cold keys are evicted', { timeout: 60_000 }, async () => {
    const capacity = 1000;
    const hot = Array.from({ length: 150 }, (_, i) => `hot:${i}`);
    const results = await each(async (s) => {
      const limit = await limitToKeys(s, 'allkeys-lru', capacity, (i) => ['SET', `cold:${i}`, VALUE]);
      await pipeline(
        s.c,
        hot.map((k) => ['SET', k, VALUE]),
      );
      const cold: string[] = [];
      for (let round = 0; round < 6; round++) {
        await sleep(1500);
        await pipeline(
          s.c,
          hot.map((k) => ['GET', k]),
        );
        const batch = Array.from({ length: 300 }, (_, i) => `cold:${round}:${i}`);
        cold.push(...batch);
        const replies = await pipeline(
          s.c,
          batch.map((k) => ['SET', k, VALUE]),
        );
        assert.ok(
          replies.every((r) => r.t !== 'error'),
          `${s.name}: a write failed under allkeys-lru`,
        );
      }
      const mem = await s.c.call('INFO', 'memory');
      return {
        hotKept: (await exists(s, hot)) / hot.length,
        oldColdKept: (await exists(s, cold.slice(0, 600))) / 600,
        evicted: infoField(await s.c.call('INFO', 'stats'), 'evicted_keys'),
        usedRatio: infoField(mem, 'used_memory') / limit,
        dbsize: Number(plain(await s.c.call('DBSIZE'))),
      };
    });
    for (const [i, x] of results.entries()) {
      const name = sides[i]!.name;
      assert.ok(x.evicted > 0, `${name}: evicted_keys ${x.evicted}`);
      assert.ok(x.hotKept >= 0.9, `${name}: ${x.hotKept * 100}% of the hot keys kept`);
      assert.ok(x.oldColdKept <= 0.2, `${name}: ${x.oldColdKept * 100}% of the oldest cold keys kept`);
      assert.ok(x.usedRatio <= 1.02 && x.usedRatio > 0.85, `${name}: used_memory at ${x.usedRatio} of maxmemory`);
      assert.ok(x.dbsize > capacity * 0.8 && x.dbsize < capacity * 1.2, `${name}: ${x.dbsize} keys for a capacity of ${capacity}`);
    }
  });

  it('volatile-lru evicts only keys with a TTL, then refuses writes when none is left', async () => {
    const capacity = 1000;
    const persistent = Array.from({ length: 500 }, (_, i) => `p:${i}`);
    const results = await each(async (s) => {
      await limitToKeys(s, 'volatile-lru', capacity, (i) => ['SET', `t:${i}`, VALUE, 'EX', 100000]);
      await pipeline(
        s.c,
        persistent.map((k) => ['SET', k, VALUE]),
      );
      const volatile = await pipeline(
        s.c,
        Array.from({ length: 1000 }, (_, i) => ['SET', `t:${i}`, VALUE, 'EX', 100000]),
      );
      const more = await pipeline(
        s.c,
        Array.from({ length: 1000 }, (_, i) => ['SET', `q:${i}`, VALUE]),
      );
      const info = await s.c.call('INFO', 'keyspace');
      return {
        volatileErrors: volatile.filter((r) => r.t === 'error').length,
        oom: more.some((r) => r.t === 'error' && errorText(r).startsWith('OOM ')),
        persistentKept: await exists(s, persistent),
        evicted: infoField(await s.c.call('INFO', 'stats'), 'evicted_keys'),
        expires: Number(/expires=(\d+)/.exec(String(plain(info)))?.[1] ?? 0),
      };
    });
    for (const [i, x] of results.entries()) {
      const name = sides[i]!.name;
      assert.equal(x.volatileErrors, 0, `${name}: volatile writes refused`);
      assert.equal(x.persistentKept, persistent.length, `${name}: persistent keys evicted`);
      assert.ok(x.evicted > 0, `${name}: nothing evicted`);
      assert.ok(x.oom, `${name}: no OOM once only persistent keys were left`);
      assert.equal(x.expires, 0, `${name}: keys with a TTL left`);
    }
  });

  it('volatile-ttl evicts the keys that expire soonest first', async () => {
    const capacity = 1000;
    const results = await each(async (s) => {
      await limitToKeys(s, 'volatile-ttl', capacity, (i) => ['SET', `x:${i}`, VALUE, 'EX', 100000]);
      const cmds: (string | number)[][] = [];
      for (let i = 0; i < 800; i++) {
        cmds.push(['SET', `long:${i}`, VALUE, 'EX', 200000 + i]);
        cmds.push(['SET', `short:${i}`, VALUE, 'EX', 5000 + i]);
      }
      await pipeline(s.c, cmds);
      const long = Array.from({ length: 800 }, (_, i) => `long:${i}`);
      const short = Array.from({ length: 800 }, (_, i) => `short:${i}`);
      return { long: (await exists(s, long)) / 800, short: (await exists(s, short)) / 800 };
    });
    for (const [i, x] of results.entries()) {
      const name = sides[i]!.name;
      assert.ok(x.long >= 0.9, `${name}: ${x.long * 100}% of the long-TTL keys kept`);
      assert.ok(x.short <= 0.5, `${name}: ${x.short * 100}% of the short-TTL keys kept`);
    }
  });

  it('allkeys-lfu keeps the frequently used keys', async () => {
    const capacity = 1000;
    const hot = Array.from({ length: 200 }, (_, i) => `hot:${i}`);
    const results = await each(async (s) => {
      await limitToKeys(s, 'allkeys-lfu', capacity, (i) => ['SET', `cold:${i}`, VALUE]);
      await pipeline(
        s.c,
        hot.map((k) => ['SET', k, VALUE]),
      );
      for (let r = 0; r < 30; r++)
        await pipeline(
          s.c,
          hot.map((k) => ['GET', k]),
        );
      await pipeline(
        s.c,
        Array.from({ length: 2000 }, (_, i) => ['SET', `cold:${i}`, VALUE]),
      );
      const freqs = await pipeline(
        s.c,
        hot.slice(0, 20).map((k) => ['OBJECT', 'FREQ', k]),
      );
      return {
        hotKept: (await exists(s, hot)) / hot.length,
        minHotFreq: Math.min(...freqs.filter((f) => f.t === 'int').map((f) => Number(plain(f)))),
        evicted: infoField(await s.c.call('INFO', 'stats'), 'evicted_keys'),
      };
    });
    for (const [i, x] of results.entries()) {
      const name = sides[i]!.name;
      assert.ok(x.evicted > 0, `${name}: nothing evicted`);
      assert.ok(x.hotKept >= 0.9, `${name}: ${x.hotKept * 100}% of the hot keys kept`);
      assert.ok(x.minHotFreq > 5, `${name}: a hot key's OBJECT FREQ is ${x.minHotFreq}`);
    }
  });

  it('OBJECT FREQ and IDLETIME answer alike, errors included', async () => {
    const run = (s: Side) => async () => {
      const out: unknown[] = [];
      const c = s.c;
      await c.call('CONFIG', 'SET', 'maxmemory', '0');
      await c.call('FLUSHALL');
      await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
      await c.call('SET', 'k', 'abc');
      out.push(plain(await c.call('OBJECT', 'FREQ', 'k')));
      out.push(plain(await c.call('OBJECT', 'IDLETIME', 'k')));
      out.push(plain(await c.call('OBJECT', 'FREQ', 'missing')));
      await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu');
      await c.call('SET', 'f', 'abc');
      await c.call('RPUSH', 'l', 'a', 'b');
      out.push(plain(await c.call('OBJECT', 'FREQ', 'f')));
      out.push(plain(await c.call('OBJECT', 'FREQ', 'l')));
      await c.call('GET', 'f');
      await c.call('LRANGE', 'l', 0, -1);
      out.push(plain(await c.call('OBJECT', 'FREQ', 'f')));
      out.push(plain(await c.call('OBJECT', 'FREQ', 'l')));
      out.push(plain(await c.call('OBJECT', 'FREQ', 'f'))); // OBJECT itself does not count
      out.push(plain(await c.call('OBJECT', 'IDLETIME', 'f')));
      await c.call('CONFIG', 'SET', 'maxmemory-policy', 'volatile-ttl');
      out.push(plain(await c.call('OBJECT', 'FREQ', 'f')));
      await c.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      return out;
    };
    const [d, r] = await Promise.all(sides.map((s) => run(s)()));
    assert.deepEqual(d, r);
  });

  it('evicted keys fire the evicted keyspace event and count evicted_keys', async () => {
    const results = await each(async (s) => {
      await limitToKeys(s, 'allkeys-random', 500, (i) => ['SET', `k:${i}`, VALUE]);
      await s.c.call('CONFIG', 'SET', 'notify-keyspace-events', 'Ee');
      const port = s.name === 'dssm' ? dssm.port : redis.port;
      const sub = await RawClient.connect(port);
      await sub.call('SUBSCRIBE', '__keyevent@0__:evicted');
      await pipeline(
        s.c,
        Array.from({ length: 1000 }, (_, i) => ['SET', `k:${i}`, VALUE]),
      );
      // No more evictions (a subscriber's output buffer counts as memory too), then count.
      await s.c.call('CONFIG', 'SET', 'maxmemory', '0');
      // call() takes the oldest unread reply: an event if any is waiting, else the PONG.
      const isEvent = (r: Reply) => r.t === 'array' && r.v !== null && plain(r.v[0]!) === 'message';
      const first = await sub.call('PING');
      if (isEvent(first)) while (!sub.unsolicited.some((r) => !isEvent(r))) await sleep(10);
      const events = sub.unsolicited.filter(isEvent).length + (isEvent(first) ? 1 : 0);
      sub.close();
      await s.c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
      const evicted = infoField(await s.c.call('INFO', 'stats'), 'evicted_keys');
      const dbsize = Number(plain(await s.c.call('DBSIZE')));
      return { events, evicted, dbsize };
    });
    for (const [i, x] of results.entries()) {
      const name = sides[i]!.name;
      assert.ok(x.evicted > 0, `${name}: nothing evicted`);
      assert.equal(x.events, x.evicted, `${name}: ${x.events} evicted events for ${x.evicted} evictions`);
      assert.equal(x.dbsize + x.evicted, 1000, `${name}: keys left plus evicted`);
    }
  });

  it('INFO memory reports maxmemory, maxmemory_human and maxmemory_policy as Redis', async () => {
    const fields = await each(async (s) => {
      await s.c.call('CONFIG', 'SET', 'maxmemory', '0');
      await s.c.call('FLUSHALL');
      await s.c.call('CONFIG', 'SET', 'maxmemory', '100mb');
      await s.c.call('CONFIG', 'SET', 'maxmemory-policy', 'volatile-lfu');
      const text = String(plain(await s.c.call('INFO', 'memory')));
      await s.c.call('CONFIG', 'SET', 'maxmemory', '0');
      await s.c.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      const pick = (n: string) => new RegExp(`^${n}:(.*)$`, 'm').exec(text)?.[1]?.trim();
      return {
        maxmemory: pick('maxmemory'),
        human: pick('maxmemory_human'),
        policy: pick('maxmemory_policy'),
        notCounted: pick('mem_not_counted_for_evict'),
        names: [...text.matchAll(/^([a-z_]+):/gm)].map((m) => m[1]),
      };
    });
    const [d, r] = fields;
    assert.deepEqual([d!.maxmemory, d!.human, d!.policy, d!.notCounted], [r!.maxmemory, r!.human, r!.policy, r!.notCounted]);
    assert.deepEqual(d!.names, r!.names);
  });
});
