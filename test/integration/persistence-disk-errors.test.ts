/**
 * Disk errors as a user sees them: when the AOF or a BGSAVE cannot be written (a full disk,
 * a read-only file system), writes get MISCONF as from Redis, reads keep working, the error
 * is logged, a write whose AOF record could not be written is not acknowledged, and
 * everything resumes once the disk recovers.
 *
 * The failing disk is a real one: a 1 MB tmpfs mounted for the test (needs root and mount
 * privileges; skipped otherwise), filled up to ENOSPC or remounted read-only (EROFS).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDssm } from '../helpers/servers.js';
import { plain, type RawClient } from '../helpers/resp.js';
import { channels, type LogEvent } from '../../src/observe/events.js';

const mounts: string[] = [];

/** A fresh 1 MB tmpfs, or null when this process may not mount one. */
function mountTmpfs(): string | null {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dssm-diskerr-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    fs.rmdirSync(dir);
    return null;
  }
  mounts.push(dir);
  return dir;
}

function canMount(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const d = mountTmpfs();
  if (d === null) return false;
  unmount(d);
  return true;
}

function unmount(dir: string): void {
  spawnSync('umount', [dir]);
  const i = mounts.indexOf(dir);
  if (i >= 0) mounts.splice(i, 1);
  try {
    fs.rmdirSync(dir);
  } catch {
    /* still mounted (busy): left for after() */
  }
}

after(() => {
  for (const d of [...mounts]) {
    spawnSync('umount', ['-l', d]);
    fs.rmSync(d, { recursive: true, force: true });
  }
});

/** Fill the file system holding `dir` until ENOSPC; returns the filler's path. */
function fillUp(dir: string): string {
  const file = path.join(dir, 'filler');
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.alloc(16 * 1024, 7);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (err) {
    assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
  }
  // Finish with single bytes so that not even a partial page is left.
  try {
    for (;;) fs.writeSync(fd, chunk, 0, 1);
  } catch {
    /* full */
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

const logs: LogEvent[] = [];
const onLog = (m: unknown) => logs.push(m as LogEvent);
channels.log.subscribe(onLog);
after(() => channels.log.unsubscribe(onLog));

function logged(text: string): boolean {
  return logs.some((l) => l.msg.includes(text));
}

async function until<T>(what: string, f: () => Promise<T | null | undefined | false>, timeoutMs = 15000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function info(c: RawClient, field: string): Promise<string> {
  const text = plain(await c.call('INFO', 'persistence')) as string;
  return new RegExp(`\\r\\n${field}:([^\\r]*)`).exec(text)?.[1] ?? '';
}

function resp(...args: string[]): string {
  return `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`).join('');
}

const RDB_MISCONF =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

describe('disk errors', { skip: canMount() ? false : 'needs root and mount privileges for a tmpfs' }, () => {
  test('a full disk under the AOF: MISCONF for writes and PING, reads served, unlogged write held, recovery', async () => {
    const dir = mountTmpfs()!;
    let srv = await startDssm(['--appendonly', 'yes', '--appendfsync', 'everysec'], { dir, keepDir: true });
    try {
      const writer = await srv.client();
      const other = await srv.client();
      assert.equal(plain(await writer.call('SET', 'before', '1')), 'OK');
      const filler = fillUp(dir);

      // This write cannot reach the AOF: its reply must not arrive while the disk is full.
      const big = 'x'.repeat(64 * 1024);
      writer.writeRaw(resp('SET', 'big', big));
      const pending = writer.read(60_000);
      let acked = false;
      void pending.then(() => (acked = true));

      // (A client that wrote in the same event-loop turn as the failed write would be held
      // too; `other` sends nothing until the failure is logged.)
      await until('the AOF error log', async () => logged('Error writing to the AOF file'));
      const err = await until('MISCONF', async () => {
        const r = plain(await other.call('SET', 'k', 'v')) as { error?: string };
        return r.error?.startsWith('MISCONF') ? r.error : null;
      });
      assert.equal(err, 'MISCONF Errors writing to the AOF file: No space left on device');
      assert.deepEqual(plain(await other.call('PING')), { error: 'MISCONF Errors writing to the AOF file: No space left on device' });
      assert.deepEqual(plain(await other.call('INCR', 'n')), { error: 'MISCONF Errors writing to the AOF file: No space left on device' });
      // Reads keep working (the failed SET did run in memory, as in Redis).
      assert.equal(plain(await other.call('GET', 'before')), '1');
      assert.equal(plain(await other.call('DBSIZE')), 2);
      assert.equal(await info(other, 'aof_last_write_status'), 'err');
      assert.ok(logged('Error writing to the AOF file: No space left on device'), 'the error is logged');
      // A transaction with writes is discarded at EXEC, as Redis does.
      assert.equal(plain(await other.call('MULTI')), 'OK');
      assert.deepEqual(plain(await other.call('GET', 'before')), 'QUEUED');
      assert.deepEqual(plain(await other.call('EXEC')), ['1']);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(acked, false, 'the write that could not be logged is not acknowledged');

      // The disk recovers: the held reply goes, writes are accepted again.
      fs.rmSync(filler);
      assert.equal(plain(await pending), 'OK');
      await until('writes accepted', async () => plain(await other.call('SET', 'k', 'v')) === 'OK');
      assert.equal(plain(await other.call('PING')), 'PONG');
      assert.equal(await info(other, 'aof_last_write_status'), 'ok');
      assert.ok(logged('AOF write error looks solved, Redis can write again.'));

      // Everything acknowledged is in the AOF: restart and look.
      await srv.stop();
      srv = await startDssm(['--appendonly', 'yes'], { dir, keepDir: true });
      const c = await srv.client();
      assert.equal(plain(await c.call('GET', 'before')), '1');
      assert.equal(plain(await c.call('STRLEN', 'big')), big.length);
      assert.equal(plain(await c.call('GET', 'k')), 'v');
    } finally {
      await srv.stop();
      unmount(dir);
    }
  });

  test('BGSAVE on a full disk: MISCONF with save rules, reads served, cleared by a successful save', async () => {
    const dir = mountTmpfs()!;
    const srv = await startDssm(['--save', '3600', '1'], { dir, keepDir: true });
    try {
      const c = await srv.client();
      assert.equal(plain(await c.call('SET', 'k', 'v'.repeat(1000))), 'OK');
      const filler = fillUp(dir);
      assert.equal(plain(await c.call('BGSAVE')), 'Background saving started');
      await until('bgsave failure', async () => (await info(c, 'rdb_last_bgsave_status')) === 'err' && (await info(c, 'rdb_bgsave_in_progress')) === '0');
      assert.deepEqual(plain(await c.call('SET', 'a', 'b')), { error: RDB_MISCONF });
      assert.deepEqual(plain(await c.call('PING')), { error: RDB_MISCONF });
      assert.equal(plain(await c.call('STRLEN', 'k')), 1000);
      assert.ok(logged('Background saving error'), 'the error is logged');
      // stop-writes-on-bgsave-error no lets writes through even while saving fails.
      assert.equal(plain(await c.call('CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'no')), 'OK');
      assert.equal(plain(await c.call('SET', 'a', 'b')), 'OK');
      assert.equal(plain(await c.call('CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'yes')), 'OK');
      assert.deepEqual(plain(await c.call('SET', 'a', 'b')), { error: RDB_MISCONF });

      fs.rmSync(filler);
      assert.equal(plain(await c.call('BGSAVE')), 'Background saving started');
      await until('bgsave success', async () => (await info(c, 'rdb_last_bgsave_status')) === 'ok');
      assert.equal(plain(await c.call('SET', 'a', 'c')), 'OK');
      assert.ok(fs.existsSync(path.join(dir, 'dump.rdb')));
    } finally {
      await srv.stop();
      unmount(dir);
    }
  });

  test('a read-only file system: BGSAVE fails with MISCONF until the directory is writable again', async () => {
    const dir = mountTmpfs()!;
    const srv = await startDssm(['--save', '3600', '1'], { dir, keepDir: true });
    try {
      const c = await srv.client();
      assert.equal(plain(await c.call('SET', 'k', 'v')), 'OK');
      assert.equal(spawnSync('mount', ['-o', 'remount,ro', dir]).status, 0);
      assert.equal(plain(await c.call('BGSAVE')), 'Background saving started');
      await until('bgsave failure', async () => (await info(c, 'rdb_last_bgsave_status')) === 'err');
      assert.deepEqual(plain(await c.call('DEL', 'k')), { error: RDB_MISCONF });
      assert.equal(plain(await c.call('GET', 'k')), 'v');
      assert.ok(logs.some((l) => l.msg === 'Background saving error' && String((l as { error?: string }).error).includes('Read-only file system')));

      assert.equal(spawnSync('mount', ['-o', 'remount,rw', dir]).status, 0);
      assert.equal(plain(await c.call('BGSAVE')), 'Background saving started');
      await until('bgsave success', async () => (await info(c, 'rdb_last_bgsave_status')) === 'ok');
      assert.equal(plain(await c.call('DEL', 'k')), 1);
    } finally {
      await srv.stop();
      unmount(dir);
    }
  });
});
