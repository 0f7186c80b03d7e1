/**
 * A replica that starts loading a full sync while its AOF rewrite runs stops that rewrite
 * (as Redis 7.0's readSyncBulkPayload kills its rewrite child): the load clears the keyspace
 * under the rewrite's snapshot, which would otherwise write a base mixing the old dataset
 * and the cleared one. The rewrite after the load then gives the AOF the new dataset.
 * Runs dssm processes from dist/: `npm run build`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDssmProcess, type ChildServer } from '../helpers/servers.js';
import { RawClient, encodeCommand, plain } from '../helpers/resp.js';
import { caughtUp, info, until } from '../interop/replication-helpers.js';
import { parseManifest } from '../../src/persistence/aof.js';

const built = existsSync(join(import.meta.dirname, '..', '..', 'dist', 'replication', 'restore.js'));
const skip = built ? false : 'needs npm run build';

/** Enough keys that the replica's rewrite of them outlasts the primary's (small) full sync. */
const OLD_KEYS = 300_000;
const NEW_KEYS = 20_000;

/** MSET count keys `prefix:i` in batches, pipelined. */
async function fill(c: RawClient, prefix: string, count: number, size: number): Promise<void> {
  const replies: Promise<unknown>[] = [];
  for (let i = 0; i < count; i += 1000) {
    const args: string[] = ['MSET'];
    for (let k = i; k < Math.min(count, i + 1000); k++) args.push(`${prefix}:${k}`, `${prefix}-${k}-`.padEnd(size, 'x'));
    replies.push(c.call(...args));
  }
  for (const r of await Promise.all(replies)) assert.equal(plain(r as never), 'OK');
}

/** A command whose reply may take longer than call()'s 5 s on a loaded CI machine (a digest or INFO over 300k keys). */
async function slowCall(c: RawClient, ...args: string[]): Promise<unknown> {
  const reply = c.read(60_000);
  c.socket.write(encodeCommand(args));
  return plain(await reply);
}

async function digest(c: RawClient): Promise<string> {
  return String(await slowCall(c, 'DEBUG', 'DIGEST'));
}

/** The JSON log lines of a process whose message includes `text`. */
function logLines(s: ChildServer, text: string): Record<string, unknown>[] {
  return s
    .output()
    .split('\n')
    .filter((l) => l.includes(text))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Every file the AOF manifest names exists, and (unless a rewrite may be running) no rewrite temp file is left. */
function assertAofDirClean(dir: string, rewriteMayRun = false): void {
  const aofDir = join(dir, 'appendonlydir');
  const m = parseManifest(readFileSync(join(aofDir, 'appendonly.aof.manifest'), 'latin1'), 'manifest');
  for (const f of [...(m.base ? [m.base] : []), ...m.incrs]) assert.ok(existsSync(join(aofDir, f.file)), `${f.file} named by the manifest exists`);
  if (!rewriteMayRun)
    assert.deepEqual(
      readdirSync(aofDir).filter((f) => f.startsWith('temp-')),
      [],
      'no temporary rewrite file left',
    );
}

/** SIGKILL a server and forget it (a killed process's stop() would wait forever). */
async function kill(servers: ChildServer[], s: ChildServer): Promise<void> {
  servers.splice(servers.indexOf(s), 1);
  await s.stop('SIGKILL');
}

interface Setup {
  primary: ChildServer;
  replica: ChildServer;
  pc: RawClient;
  rc: RawClient;
  oldDigest: string;
  newDigest: string;
}

/** A primary with NEW_KEYS keys; a standalone node with OLD_KEYS others, rewriting its AOF as it becomes the primary's replica. */
async function setUp(clients: RawClient[], servers: ChildServer[]): Promise<Setup> {
  const primary = await startDssmProcess(['--appendonly', 'no', '--enable-debug-command', 'yes']);
  servers.push(primary);
  const replica = await startDssmProcess(['--appendonly', 'yes', '--enable-debug-command', 'yes']);
  servers.push(replica);
  const pc = await RawClient.connect(primary.port);
  const rc = await RawClient.connect(replica.port);
  clients.push(pc, rc);
  await fill(pc, 'new', NEW_KEYS, 40);
  await pc.call('SELECT', 2);
  await fill(pc, 'db2', 100, 20);
  await pc.call('SELECT', 0);
  await fill(rc, 'old', OLD_KEYS, 100);
  const oldDigest = await digest(rc);
  const newDigest = await digest(pc);
  assert.notEqual(oldDigest, newDigest);
  assert.equal(plain(await rc.call('BGREWRITEAOF')), 'Background append only file rewriting started');
  assert.equal(plain(await rc.call('REPLICAOF', '127.0.0.1', primary.port)), 'OK');
  return { primary, replica, pc, rc, oldDigest, newDigest };
}

describe('a full sync on a replica aborts the AOF rewrite in progress (as Redis)', () => {
  it('the rewrite is aborted cleanly, the one after the load runs, and a SIGKILLed replica restarts with the primary’s data and position', { skip }, async () => {
    const clients: RawClient[] = [];
    const servers: ChildServer[] = [];
    try {
      const { primary, replica, pc, rc, newDigest } = await setUp(clients, servers);
      await until('the link up', async () => (await info(rc, 'master_link_status')) === 'up');
      // Log lines come through the child's stdout pipe and may arrive after INFO's reply.
      await until('the abort logged', async () => logLines(replica, 'Background AOF rewrite aborted').length === 1, 10_000).catch(() => {});
      const killed = logLines(replica, 'Killing running AOF rewrite');
      assert.equal(killed.length, 1, replica.output());
      assert.equal(logLines(replica, 'Background AOF rewrite aborted').length, 1, replica.output());
      assert.equal(logLines(replica, 'Background AOF rewrite failed').length, 0, replica.output());
      // The rewrite after the load, with the new dataset.
      await until(
        'the rewrite after the load',
        async () => logLines(replica, 'Background AOF rewrite finished successfully').length === 1 && (await info(rc, 'aof_rewrite_in_progress', 'persistence')) === '0',
      );
      const done = logLines(replica, 'Background AOF rewrite finished successfully')[0]!;
      assert.equal(done.keys, NEW_KEYS + 100);
      assert.equal(await info(rc, 'aof_last_bgrewrite_status', 'persistence'), 'ok');
      assert.equal(await info(rc, 'aof_rewrites_consecutive_failures', 'persistence'), '0');
      assert.equal(await digest(rc), newDigest);
      assertAofDirClean(replica.dir);
      // Writes after the sync move the position past the full sync's offset (0 here, which
      // records nothing) and go to the AOF with it.
      for (let i = 0; i < 10; i++) await pc.call('SET', `after:${i}`, i);
      await caughtUp(pc, rc);
      const finalDigest = await digest(pc);
      assert.equal(await digest(rc), finalDigest);
      const fullBefore = Number(await info(pc, 'sync_full', 'stats'));

      await kill(servers, replica);
      const restarted = await startDssmProcess(['--appendonly', 'yes', '--enable-debug-command', 'yes', '--replicaof', '127.0.0.1', String(primary.port)], { dir: replica.dir, port: replica.port });
      servers.push(restarted);
      const rc2 = await RawClient.connect(restarted.port);
      clients.push(rc2);
      await caughtUp(pc, rc2);
      assert.equal(await digest(rc2), finalDigest);
      // The post-load base carried the primary's position: the restart continues partially.
      assert.equal(Number(await info(pc, 'sync_full', 'stats')), fullBefore, restarted.output());
      assert.equal(logLines(restarted, 'Restored the replication ID and offset').length, 1, restarted.output());
    } finally {
      for (const c of clients) c.close();
      for (const s of servers) await s.stop('SIGKILL');
    }
  });

  it('a replica SIGKILLed as soon as its link is up restarts with the old dataset or the primary’s, never a mix', { skip }, async () => {
    const clients: RawClient[] = [];
    const servers: ChildServer[] = [];
    try {
      const { replica, rc, oldDigest, newDigest } = await setUp(clients, servers);
      await until('the link up', async () => (await info(rc, 'master_link_status')) === 'up');
      await kill(servers, replica);
      assertAofDirClean(replica.dir, true);
      // Restarted alone: whatever its AOF holds.
      const restarted = await startDssmProcess(['--appendonly', 'yes', '--enable-debug-command', 'yes'], { dir: replica.dir, port: replica.port });
      servers.push(restarted);
      const rc2 = await RawClient.connect(restarted.port);
      clients.push(rc2);
      await until('loaded', async () => /\r\nloading:0\r\n/.test(String(await slowCall(rc2, 'INFO', 'persistence'))));
      const d = await digest(rc2);
      assert.ok(d === oldDigest || d === newDigest, `the restarted dataset (${d}, ${plain(await rc2.call('DBSIZE'))} keys) is the old one (${oldDigest}) or the primary's (${newDigest})`);
    } finally {
      for (const c of clients) c.close();
      for (const s of servers) await s.stop('SIGKILL');
    }
  });
});
