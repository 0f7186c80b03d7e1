/**
 * Replication between dssm and redis-server 7.0 in both directions: full sync while a
 * write stream runs, a dropped link and a partial resync (+CONTINUE from the backlog),
 * then the datasets compared key by key.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { skipWithoutRedis, startDssm, startRedis } from '../helpers/servers.js';
import type { RawClient } from '../helpers/resp.js';
import { caughtUp, datasetOf, info, sleep, until, writeLoad } from './replication-helpers.js';

async function assertSameData(primary: RawClient, replica: RawClient): Promise<number> {
  let last: [string[], string[]] = [[], []];
  for (let attempt = 0; attempt < 40; attempt++) {
    await caughtUp(primary, replica);
    const a = await datasetOf(primary);
    const b = await datasetOf(replica);
    if (a.join('\n') === b.join('\n')) return a.length;
    last = [a, b];
    await sleep(100);
  }
  const only = (x: string[], y: string[]) => x.filter((l) => !y.includes(l)).slice(0, 10);
  assert.fail(`datasets differ:\nprimary only: ${only(last[0], last[1]).join('\n')}\nreplica only: ${only(last[1], last[0]).join('\n')}`);
}

async function seed(c: RawClient): Promise<void> {
  for (let i = 0; i < 300; i++) await c.call('SET', `pre:${i}`, `v${i}`);
  await c.call('HSET', 'pre:h', 'a', '1', 'b', '2');
  await c.call('RPUSH', 'pre:l', 'x', 'y', 'z');
  await c.call('ZADD', 'pre:z', '1.5', 'a', '-2', 'b');
  await c.call('SADD', 'pre:s', '1', '2', '3', 'x');
  await c.call('SET', 'pre:ttl', 'v', 'EX', '1000');
  await c.call('SELECT', 2);
  await c.call('SET', 'pre:db2', 'v');
  await c.call('SELECT', 0);
}

describe('replication interop with redis-server 7.0', { skip: skipWithoutRedis() }, () => {
  it('dssm replica of a redis-server primary: full sync under load, disconnect, partial resync', async () => {
    const redis = await startRedis(['--repl-diskless-sync-delay', '0']);
    const dssm = await startDssm();
    try {
      const p = await redis.client();
      const r = await dssm.client();
      await seed(p);
      const load = writeLoad(await redis.client(), 11);
      assert.equal((await r.call('REPLICAOF', '127.0.0.1', redis.port)).v, 'OK');
      await until('link up', async () => (await info(r, 'master_link_status')) === 'up');
      await sleep(300);
      // Drop the link: the replica reconnects and continues from the backlog.
      const killed = await p.call('CLIENT', 'KILL', 'TYPE', 'replica');
      assert.equal(killed.v, '1');
      await sleep(200);
      await until('link up again', async () => (await info(r, 'master_link_status')) === 'up');
      await sleep(300);
      const sent = await load.stop();
      assert.ok(sent > 100, `only ${sent} writes`);
      assert.equal(await info(p, 'sync_partial_ok', 'stats'), '1');
      assert.equal(await info(p, 'sync_full', 'stats'), '1');
      const n = await assertSameData(p, r);
      assert.ok(n > 300);
      // What Redis reports about us and what we report about it.
      assert.match((await info(p, 'slave0'))!, /^ip=127\.0\.0\.1,port=\d+,state=online,offset=\d+,lag=\d+$/);
      assert.equal(await info(r, 'master_replid'), await info(p, 'master_replid'));
      assert.equal((await r.call('SET', 'x', '1')).v, "READONLY You can't write against a read only replica.");
    } finally {
      await dssm.stop();
      await redis.stop();
    }
  });

  it('redis-server replica of a dssm primary: full sync under load, disconnect, partial resync', async () => {
    const dssm = await startDssm();
    const redis = await startRedis();
    try {
      const p = await dssm.client();
      const r = await redis.client();
      await seed(p);
      const load = writeLoad(await dssm.client(), 12);
      assert.equal((await r.call('REPLICAOF', '127.0.0.1', dssm.port)).v, 'OK');
      await until('link up', async () => (await info(r, 'master_link_status')) === 'up');
      await sleep(300);
      const killed = await p.call('CLIENT', 'KILL', 'TYPE', 'replica');
      assert.equal(killed.v, '1');
      await sleep(200);
      await until('link up again', async () => (await info(r, 'master_link_status')) === 'up');
      await sleep(300);
      const sent = await load.stop();
      assert.ok(sent > 100, `only ${sent} writes`);
      assert.equal(await info(p, 'sync_partial_ok', 'stats'), '1');
      assert.equal(await info(p, 'sync_full', 'stats'), '1');
      const n = await assertSameData(p, r);
      assert.ok(n > 300);
      assert.equal(await info(r, 'master_replid'), await info(p, 'master_replid'));
      // WAIT counts the Redis replica's acknowledgement.
      await p.call('SET', 'waited', '1');
      assert.deepEqual(await p.call('WAIT', 1, 5000), { t: 'int', v: '1' });
      const role = await p.call('ROLE');
      assert.equal(role.t, 'array');
    } finally {
      await redis.stop();
      await dssm.stop();
    }
  });
});
