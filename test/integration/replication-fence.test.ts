/**
 * REPLCONF FENCE <ms> (dssm-only; a sentinel sends it to every replica before choosing one
 * to promote in synchronous mode): the replica stops following its primary, so its offset
 * stays put and a primary in synchronous mode can no longer acknowledge writes through it;
 * FENCE 0 or a new REPLICAOF lifts it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startDssm } from '../helpers/servers.js';
import { info, until } from '../interop/replication-helpers.js';

describe('REPLCONF FENCE', () => {
  it('stops the replica following and acknowledging its primary until lifted, then it catches up', async () => {
    const p = await startDssm(['--sync-replicas', '1', '--sync-replicas-timeout', '300']);
    const r = await startDssm();
    try {
      const pc = await p.client();
      const rc = await r.client();
      assert.deepEqual(await pc.call('REPLCONF', 'FENCE', '1000'), { t: 'error', v: 'ERR REPLCONF FENCE: not a replica' });
      assert.deepEqual(await rc.call('REPLCONF', 'FENCE', 'x'), { t: 'error', v: 'ERR value is not an integer or out of range' });
      await rc.call('REPLICAOF', '127.0.0.1', p.port);
      await until('link up', async () => (await info(rc, 'master_link_status')) === 'up');
      assert.equal((await pc.call('SET', 'a', '1')).v, 'OK');

      assert.equal((await rc.call('REPLCONF', 'FENCE', '60000')).v, 'OK');
      const fencedOffset = await info(rc, 'slave_repl_offset');
      // The primary cannot acknowledge through the fenced replica.
      const res = await pc.call('SET', 'b', '2');
      assert.equal(res.t, 'error');
      assert.match(String(res.v), /^NOREPLICAS/);
      assert.equal(await info(rc, 'master_link_status'), 'down');
      assert.equal(await info(rc, 'slave_repl_offset'), fencedOffset, 'the offset stays put');
      assert.deepEqual(await rc.call('GET', 'b'), { t: 'bulk', v: null });

      // Lifted: the replica resyncs and the primary acknowledges again.
      assert.equal((await rc.call('REPLCONF', 'FENCE', '0')).v, 'OK');
      await until('link up again', async () => (await info(rc, 'master_link_status')) === 'up');
      assert.equal((await pc.call('SET', 'c', '3')).v, 'OK');
      assert.deepEqual(await rc.call('GET', 'c'), { t: 'bulk', v: '3' }, 'acknowledged means applied on the replica');

      // A new REPLICAOF replaces a fenced link.
      assert.equal((await rc.call('REPLCONF', 'FENCE', '60000')).v, 'OK');
      await rc.call('REPLICAOF', 'NO', 'ONE');
      await rc.call('REPLICAOF', '127.0.0.1', p.port);
      await until('link up after REPLICAOF', async () => (await info(rc, 'master_link_status')) === 'up');
      assert.equal((await pc.call('SET', 'd', '4')).v, 'OK');
    } finally {
      await r.stop();
      await p.stop();
    }
  });
});
