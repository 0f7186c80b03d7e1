/**
 * dssm ↔ dssm replication: a consistency run with a replica killed and restarted at
 * random, chained replicas, promotion keeping the second replication ID (replicas of the
 * old primary continue partially), WAIT, min-replicas-to-write, READONLY, and the
 * synchronous mode (sync-replicas) with its fencing.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startDssm, type TestServer } from '../helpers/servers.js';
import { rng } from '../helpers/differential.js';
import type { RawClient } from '../helpers/resp.js';
import { caughtUp, datasetOf, info, sleep, until, writeLoad } from '../interop/replication-helpers.js';

async function sameData(primary: RawClient, replica: RawClient): Promise<number> {
  let a: string[] = [];
  let b: string[] = [];
  for (let attempt = 0; attempt < 40; attempt++) {
    await caughtUp(primary, replica);
    a = await datasetOf(primary);
    b = await datasetOf(replica);
    if (a.join('\n') === b.join('\n')) return a.length;
    await sleep(100);
  }
  assert.fail(
    `datasets differ: primary only ${a
      .filter((l) => !b.includes(l))
      .slice(0, 5)
      .join('; ')} | replica only ${b
      .filter((l) => !a.includes(l))
      .slice(0, 5)
      .join('; ')}`,
  );
}

async function linkUp(c: RawClient): Promise<void> {
  await until('link up', async () => (await info(c, 'master_link_status')) === 'up');
}

describe('replication between dssm nodes', () => {
  it('stays exact under random writes with a replica killed and restarted at random', async () => {
    const p = await startDssm();
    const servers: TestServer[] = [p];
    try {
      const pc = await p.client();
      const load = writeLoad(await p.client(), 21);
      const load2 = writeLoad(await p.client(), 22);
      const r = rng(5);
      let replica = await startDssm();
      servers.push(replica);
      let rc = await replica.client();
      await rc.call('REPLICAOF', '127.0.0.1', p.port);
      for (let round = 0; round < 4; round++) {
        await linkUp(rc);
        await sleep(100 + Math.floor(r() * 400));
        if (r() < 0.5) {
          // Kill the replica process state entirely (new node: full sync).
          await replica.stop();
          servers.splice(servers.indexOf(replica), 1);
          replica = await startDssm();
          servers.push(replica);
          rc = await replica.client();
          await rc.call('REPLICAOF', '127.0.0.1', p.port);
        } else {
          // Cut the link (partial resync).
          await pc.call('CLIENT', 'KILL', 'TYPE', 'replica');
        }
      }
      await linkUp(rc);
      await sleep(200);
      const n = (await load.stop()) + (await load2.stop());
      assert.ok(n > 200);
      await sameData(pc, rc);
      assert.ok(Number(await info(pc, 'sync_full', 'stats')) >= 1);
    } finally {
      for (const s of servers) await s.stop();
    }
  });

  it('chains replicas and keeps replid2 on promotion so replicas continue partially', async () => {
    const a = await startDssm();
    const b = await startDssm();
    const c = await startDssm();
    try {
      const ac = await a.client();
      const bc = await b.client();
      const cc = await c.client();
      for (let i = 0; i < 50; i++) await ac.call('SET', `k${i}`, i);
      await bc.call('REPLICAOF', '127.0.0.1', a.port);
      await linkUp(bc);
      await cc.call('REPLICAOF', '127.0.0.1', b.port); // chained: a -> b -> c
      await linkUp(cc);
      const load = writeLoad(await a.client(), 31);
      await sleep(400);
      await load.stop();
      await caughtUp(ac, bc);
      await caughtUp(bc, cc);
      await sameData(ac, cc);
      assert.equal(await info(cc, 'master_repl_offset'), await info(ac, 'master_repl_offset'));
      // Promote b; a becomes its replica; c stays on b.
      const oldId = await info(ac, 'master_replid');
      const offset = await info(bc, 'master_repl_offset');
      assert.equal((await bc.call('REPLICAOF', 'NO', 'ONE')).v, 'OK');
      assert.equal(await info(bc, 'master_replid2'), oldId);
      assert.equal(await info(bc, 'second_repl_offset'), String(Number(offset) + 1));
      const fullBefore = await info(bc, 'sync_full', 'stats');
      await ac.call('REPLICAOF', '127.0.0.1', b.port);
      await linkUp(ac);
      await linkUp(cc);
      await bc.call('SET', 'after-promotion', '1');
      await caughtUp(bc, ac);
      await caughtUp(bc, cc);
      assert.equal(await info(bc, 'sync_full', 'stats'), fullBefore, 'no full sync after promotion');
      assert.ok(Number(await info(bc, 'sync_partial_ok', 'stats')) >= 2);
      assert.equal(await info(cc, 'master_replid'), await info(bc, 'master_replid'));
      await sameData(bc, ac);
      await sameData(bc, cc);
    } finally {
      await c.stop();
      await b.stop();
      await a.stop();
    }
  });

  it('WAIT, min-replicas-to-write, READONLY, ROLE, MASTERDOWN', async () => {
    const p = await startDssm(['--min-replicas-to-write', '1', '--min-replicas-max-lag', '10']);
    const r = await startDssm(['--replica-serve-stale-data', 'no']);
    try {
      const pc = await p.client();
      const rc = await r.client();
      assert.equal((await pc.call('SET', 'a', '1')).v, 'NOREPLICAS Not enough good replicas to write.');
      assert.deepEqual(await pc.call('WAIT', 0, 0), { t: 'int', v: '0' });
      assert.equal((await rc.call('REPLICAOF', '127.0.0.1', 'x')).v, 'ERR value is not an integer or out of range');
      assert.equal((await rc.call('REPLICAOF', '127.0.0.1', '70000')).v, 'ERR Invalid master port');
      await rc.call('REPLICAOF', '127.0.0.1', p.port);
      assert.equal((await rc.call('REPLICAOF', '127.0.0.1', String(p.port))).v, 'OK Already connected to specified master');
      await linkUp(rc);
      assert.equal((await pc.call('SET', 'a', '1')).v, 'OK');
      assert.deepEqual(await pc.call('WAIT', 1, 5000), { t: 'int', v: '1' });
      assert.deepEqual(await pc.call('WAIT', 2, 100), { t: 'int', v: '1' });
      assert.equal((await rc.call('SET', 'b', '1')).v, "READONLY You can't write against a read only replica.");
      assert.match(String((await rc.call('WAIT', 1, 0)).v), /^ERR WAIT cannot be used with replica instances/);
      const role = (await rc.call('ROLE')) as { v: { v: string }[] };
      assert.deepEqual(role.v.map((x) => x.v).slice(0, 4), ['slave', '127.0.0.1', String(p.port), 'connected']);
      assert.equal(await info(rc, 'slave_read_only'), '1');
      assert.equal(await info(rc, 'slave_priority'), '100');
      assert.equal(await info(pc, 'min_slaves_good_slaves'), '1');
      await p.stop();
      await until('link down', async () => (await info(rc, 'master_link_status')) === 'down');
      assert.match(String((await rc.call('GET', 'a')).v), /^MASTERDOWN/);
      assert.equal((await rc.call('REPLICAOF', 'NO', 'ONE')).v, 'OK');
      assert.deepEqual(await rc.call('GET', 'a'), { t: 'bulk', v: '1' });
    } finally {
      await r.stop();
      await p.stop().catch(() => {});
    }
  });

  it('synchronous mode: replies wait for the replica, time out with an error, and a cut-off primary is fenced', async () => {
    const p = await startDssm(['--sync-replicas', '1', '--sync-replicas-timeout', '300']);
    const r = await startDssm();
    try {
      const pc = await p.client();
      const rc = await r.client();
      assert.match(String((await pc.call('SET', 'a', '1')).v), /^NOREPLICAS/);
      await rc.call('REPLICAOF', '127.0.0.1', p.port);
      await linkUp(rc);
      for (let i = 0; i < 200; i++) {
        assert.equal((await pc.call('SET', `k${i}`, i)).v, 'OK');
        // Acknowledged means applied on the replica already.
        assert.deepEqual(await rc.call('GET', `k${i}`), { t: 'bulk', v: String(i) });
      }
      const tx = await (async () => {
        await pc.call('MULTI');
        await pc.call('INCR', 'n');
        return pc.call('EXEC');
      })();
      assert.equal(tx.t, 'array');
      assert.deepEqual(await rc.call('GET', 'n'), { t: 'bulk', v: '1' });
      assert.equal(await info(pc, 'sync_replicas'), '1');
      // Replica stops applying (link cut and not coming back): the primary stops acknowledging.
      await rc.call('REPLICAOF', 'NO', 'ONE');
      const res = await pc.call('SET', 'late', '1');
      assert.equal(res.t, 'error');
      assert.match(String(res.v), /^NOREPLICAS/);
      await sleep(1400);
      assert.match(String((await pc.call('SET', 'later', '1')).v), /^NOREPLICAS/);
      assert.deepEqual(await pc.call('GET', 'k5'), { t: 'bulk', v: '5' }, 'reads still served');
    } finally {
      await r.stop();
      await p.stop();
    }
  });
  it('FAILOVER switches roles with a partial resync and no lost write', async () => {
    const a = await startDssm();
    const b = await startDssm();
    try {
      const ac = await a.client();
      const bc = await b.client();
      assert.equal((await ac.call('FAILOVER')).v, 'ERR FAILOVER requires connected replicas.');
      await bc.call('REPLICAOF', '127.0.0.1', a.port);
      await linkUp(bc);
      const load = writeLoad(await a.client(), 41);
      await sleep(200);
      assert.equal((await ac.call('FAILOVER', 'TO', '127.0.0.1', '1')).v, 'ERR FAILOVER target HOST and PORT is not a replica.');
      assert.equal((await ac.call('FAILOVER', 'TIMEOUT', '5000')).v, 'OK');
      await until('roles switched', async () => (await info(ac, 'role')) === 'slave' && (await info(ac, 'master_link_status')) === 'up');
      await load.stop().catch(() => 0); // the writer's last write gets READONLY
      assert.equal(await info(bc, 'role'), 'master');
      assert.equal(await info(bc, 'sync_partial_ok', 'stats'), '1');
      assert.equal(await info(ac, 'master_failover_state'), 'no-failover');
      await bc.call('SET', 'after', '1');
      await sameData(bc, ac);
    } finally {
      await b.stop();
      await a.stop();
    }
  });
});
