/**
 * A node restarted from disk keeps its replication ID and offset (as Redis 7 does from the
 * RDB's repl-id/repl-offset aux fields): a replica continues with a partial resync, a
 * primary keeps the old ID as replid2 so its replicas continue partially.
 * Runs dssm processes from dist/: `npm run build`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDssm, startDssmProcess, type ChildServer } from '../helpers/servers.js';
import { RawClient } from '../helpers/resp.js';
import { caughtUp, info, until } from '../interop/replication-helpers.js';

const built = existsSync(join(import.meta.dirname, '..', '..', 'dist', 'replication', 'restore.js'));
const skip = built ? false : 'needs npm run build';

async function stats(c: RawClient): Promise<{ full: number; ok: number }> {
  return { full: Number(await info(c, 'sync_full', 'stats')), ok: Number(await info(c, 'sync_partial_ok', 'stats')) };
}

describe('a node restarted from its RDB keeps its replication ID and offset', () => {
  it('a replica killed after SAVE comes back with the same replid and offset and continues with a partial resync', { skip }, async () => {
    const primary = await startDssm(['--repl-ping-replica-period', '60']);
    const args = ['--save', '3600', '1', '--appendonly', 'no', '--replicaof', '127.0.0.1', String(primary.port)];
    let replica: ChildServer | null = await startDssmProcess(args);
    const clients: RawClient[] = [];
    try {
      const pc = await primary.client();
      let rc = await RawClient.connect(replica.port);
      clients.push(rc);
      for (let i = 0; i < 50; i++) await pc.call('SET', `a${i}`, i);
      // The stream ends in db 3: the restored replica must continue there (repl-stream-db).
      await pc.call('SELECT', 3);
      for (let i = 0; i < 10; i++) await pc.call('SET', `d3:${i}`, i);
      await caughtUp(pc, rc);
      assert.equal((await rc.call('SAVE')).v, 'OK');
      const replid = await info(rc, 'master_replid');
      const offset = await info(rc, 'slave_repl_offset');
      assert.equal(replid, await info(pc, 'master_replid'));
      const before = await stats(pc);

      await replica.stop('SIGKILL');
      const port = replica.port;
      const dir = replica.dir;
      replica = null;
      // Written while the replica is down, in db 3 without a new SELECT in the stream.
      for (let i = 0; i < 5; i++) await pc.call('SET', `down:${i}`, i);
      replica = await startDssmProcess(args, { dir, port });
      rc = await RawClient.connect(replica.port);
      clients.push(rc);
      await until('the restore logged', async () => replica!.output().includes('Restored the replication ID and offset'));
      const restored = replica
        .output()
        .split('\n')
        .filter((l) => l.includes('Restored the replication ID and offset'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.equal(restored.length, 1, replica.output());
      assert.equal(restored[0]!.replid, replid);
      assert.equal(String(restored[0]!.offset), offset);
      await caughtUp(pc, rc);
      assert.equal(await info(rc, 'master_replid'), replid);
      const after = await stats(pc);
      assert.equal(after.full, before.full, 'no full sync');
      assert.equal(after.ok, before.ok + 1, 'one partial resync accepted');
      await rc.call('SELECT', 3);
      assert.equal((await rc.call('GET', 'down:4')).v, '4');
      assert.equal((await rc.call('DBSIZE')).v, '15');
      await rc.call('SELECT', 0);
      assert.equal((await rc.call('DBSIZE')).v, '50');
    } finally {
      for (const c of clients) c.close();
      await replica?.stop('SIGKILL');
      await primary.stop();
    }
  });

  it('a primary killed after SAVE keeps its offset, the old ID as replid2, and its replica continues partially', { skip }, async () => {
    const args = ['--save', '3600', '1', '--appendonly', 'no', '--repl-ping-replica-period', '60'];
    let primary: ChildServer | null = await startDssmProcess(args);
    const replica = await startDssm(['--replicaof', '127.0.0.1', String(primary.port)]);
    const clients: RawClient[] = [];
    try {
      let pc = await RawClient.connect(primary.port);
      clients.push(pc);
      const rc = await replica.client();
      for (let i = 0; i < 50; i++) await pc.call('SET', `k${i}`, i);
      await caughtUp(pc, rc);
      assert.equal((await pc.call('SAVE')).v, 'OK');
      const oldId = await info(pc, 'master_replid');
      const offset = await info(pc, 'master_repl_offset');
      const { port, dir } = primary;
      await primary.stop('SIGKILL');
      primary = await startDssmProcess(args, { dir, port });
      pc = await RawClient.connect(primary.port);
      clients.push(pc);
      assert.equal(await info(pc, 'master_repl_offset'), offset);
      assert.equal(await info(pc, 'master_replid2'), oldId);
      assert.equal(await info(pc, 'second_repl_offset'), String(Number(offset) + 1));
      assert.notEqual(await info(pc, 'master_replid'), oldId);
      await until('replica link up', async () => (await info(rc, 'master_link_status')) === 'up');
      assert.equal((await pc.call('SET', 'after', 'restart')).v, 'OK');
      await caughtUp(pc, rc);
      assert.deepEqual(await stats(pc), { full: 0, ok: 1 });
      assert.equal(await info(rc, 'master_replid'), await info(pc, 'master_replid'));
      assert.equal((await rc.call('GET', 'after')).v, 'restart');
      assert.equal((await rc.call('DBSIZE')).v, '51');
    } finally {
      for (const c of clients) c.close();
      await replica.stop();
      await primary?.stop('SIGKILL');
    }
  });
});

describe('a node restarted from its AOF keeps its replication ID and offset (#dssm-repl annotations)', () => {
  it('a replica SIGKILLed with appendfsync always continues partially, and drops a torn tail written after its last annotation', { skip }, async () => {
    const primary = await startDssm(['--repl-ping-replica-period', '60']);
    const args = ['--appendonly', 'yes', '--appendfsync', 'always', '--replicaof', '127.0.0.1', String(primary.port)];
    let replica: ChildServer | null = await startDssmProcess(args);
    const clients: RawClient[] = [];
    try {
      const pc = await primary.client();
      let rc = await RawClient.connect(replica.port);
      clients.push(rc);
      await pc.call('SELECT', 2);
      for (let i = 0; i < 40; i++) await pc.call('SET', `k${i}`, i);
      // A transaction from the primary: recorded whole, after its EXEC.
      await pc.call('MULTI');
      await pc.call('INCR', 'n');
      await pc.call('INCR', 'n');
      await pc.call('EXEC');
      await caughtUp(pc, rc);
      const replid = await info(rc, 'master_replid');
      const offset = await info(rc, 'slave_repl_offset');
      const before = await stats(pc);
      await replica.stop('SIGKILL');
      const { port, dir } = replica;
      replica = null;
      // A write torn after the last annotation: a command the offset does not cover.
      const manifest = readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1');
      const incr = /file (\S+\.incr\.aof) seq \d+ type i\s*$/.exec(manifest)![1]!;
      appendFileSync(join(dir, 'appendonlydir', incr), '*3\r\n$3\r\nSET\r\n$4\r\ntorn\r\n$1\r\n1\r\n');
      for (let i = 0; i < 5; i++) await pc.call('SET', `down:${i}`, i);
      replica = await startDssmProcess(args, { dir, port });
      rc = await RawClient.connect(replica.port);
      clients.push(rc);
      await until('the restore logged', async () => replica!.output().includes('Restored the replication ID and offset'));
      const out = replica.output();
      assert.match(out, /Dropping AOF commands written after the last replication position/);
      const restored = out
        .split('\n')
        .filter((l) => l.includes('Restored the replication ID and offset'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.equal(restored.length, 1, out);
      assert.equal(restored[0]!.replid, replid);
      assert.equal(String(restored[0]!.offset), offset);
      assert.equal(restored[0]!.streamDb, 2);
      await caughtUp(pc, rc);
      assert.equal(await info(rc, 'master_replid'), replid);
      const after = await stats(pc);
      assert.equal(after.full, before.full, 'no full sync');
      assert.equal(after.ok, before.ok + 1, 'one partial resync accepted');
      await rc.call('SELECT', 2);
      assert.equal((await rc.call('GET', 'torn')).v, null);
      assert.equal((await rc.call('GET', 'n')).v, '2');
      assert.equal((await rc.call('GET', 'down:4')).v, '4');
      assert.equal((await rc.call('DBSIZE')).v, '46');
    } finally {
      for (const c of clients) c.close();
      await replica?.stop('SIGKILL');
      await primary.stop();
    }
  });
});

describe('an idle primary records the replication position its PINGs move (annotation-only AOF lines)', () => {
  for (const how of ['SHUTDOWN', 'SIGTERM'] as const) {
    it(`a primary stopped with ${how} after idle PINGs comes back at its replica's offset, which continues partially`, { skip }, async () => {
      const args = ['--appendonly', 'yes', '--repl-ping-replica-period', '1'];
      let primary: ChildServer | null = await startDssmProcess(args);
      const replica = await startDssm(['--replicaof', '127.0.0.1', String(primary.port)]);
      const clients: RawClient[] = [];
      try {
        let pc = await RawClient.connect(primary.port);
        clients.push(pc);
        const rc = await replica.client();
        for (let i = 0; i < 20; i++) await pc.call('SET', `k${i}`, i);
        await caughtUp(pc, rc);
        const afterWrites = Number(await info(pc, 'master_repl_offset'));
        // No writes: only PINGs (one a second) move the offset; wait for two of them.
        await until('two PINGs streamed', async () => Number(await info(pc, 'master_repl_offset')) >= afterWrites + 2 * 14);
        await caughtUp(pc, rc);
        const oldId = await info(pc, 'master_replid');
        const { port, dir } = primary;
        if (how === 'SHUTDOWN') {
          const proc = primary.proc;
          const exited = new Promise<number | null>((r) => (proc.exitCode !== null ? r(proc.exitCode) : proc.once('exit', (code) => r(code))));
          await pc.call('SHUTDOWN').catch(() => null);
          assert.equal(await exited, 0);
        } else {
          assert.equal(await primary.stop('SIGTERM'), 0);
        }
        await until('replica sees the link down', async () => (await info(rc, 'master_link_status')) === 'down');
        const replicaOffset = await info(rc, 'slave_repl_offset');
        assert.ok(Number(replicaOffset) > afterWrites, 'the PINGs reached the replica');
        primary = await startDssmProcess(args, { dir, port });
        pc = await RawClient.connect(primary.port);
        clients.push(pc);
        assert.equal(await info(pc, 'master_repl_offset'), replicaOffset);
        assert.equal(await info(pc, 'master_replid2'), oldId);
        await until('replica link up', async () => (await info(rc, 'master_link_status')) === 'up');
        assert.equal((await pc.call('SET', 'after', 'restart')).v, 'OK');
        await caughtUp(pc, rc);
        assert.deepEqual(await stats(pc), { full: 0, ok: 1 });
        assert.equal((await rc.call('GET', 'after')).v, 'restart');
        assert.equal((await rc.call('DBSIZE')).v, '21');
      } finally {
        for (const c of clients) c.close();
        await replica.stop();
        await primary?.stop('SIGKILL');
      }
    });
  }
});
