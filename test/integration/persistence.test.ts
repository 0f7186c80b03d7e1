/**
 * Persistence as a user relies on it: what was acknowledged is there after a restart,
 * damaged files are handled as Redis handles them, and the files are Redis's own formats.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDssm } from '../helpers/servers.js';
import { plain } from '../helpers/resp.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'dssm-persist-'));
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function fill(c: Awaited<ReturnType<Awaited<ReturnType<typeof startDssm>>['client']>>): Promise<void> {
  await c.call('SET', 'str', 'hello');
  await c.call('SET', 'bin', Buffer.from([0, 1, 2, 255, 13, 10]));
  await c.call('SET', 'num', '12345');
  await c.call('SET', 'ttl', 'v', 'PX', '100000000');
  await c.call('SELECT', '3');
  await c.call('SET', 'in3', 'three');
  await c.call('SELECT', '0');
}

async function check(c: Awaited<ReturnType<Awaited<ReturnType<typeof startDssm>>['client']>>): Promise<void> {
  assert.equal(plain(await c.call('GET', 'str')), 'hello');
  assert.deepEqual(Buffer.from(plain(await c.call('GET', 'bin')) as string, 'latin1'), Buffer.from([0, 1, 2, 255, 13, 10]));
  assert.equal(plain(await c.call('GET', 'num')), '12345');
  const ttl = plain(await c.call('PTTL', 'ttl')) as number;
  assert.ok(ttl > 99_000_000 && ttl <= 100_000_000, `ttl kept: ${ttl}`);
  await c.call('SELECT', '3');
  assert.equal(plain(await c.call('GET', 'in3')), 'three');
  await c.call('SELECT', '0');
}

describe('RDB snapshots', () => {
  test('SAVE then restart restores every key, database and TTL', async () => {
    const dir = tempDir();
    const a = await startDssm([], { dir, keepDir: true });
    const c = await a.client();
    await fill(c);
    assert.equal(plain(await c.call('SAVE')), 'OK');
    await a.stop();
    assert.ok(fs.existsSync(path.join(dir, 'dump.rdb')));
    const b = await startDssm([], { dir, keepDir: true });
    await check(await b.client());
    await b.stop();
  });

  test('BGSAVE writes the dataset as of its start while writes continue', async () => {
    const dir = tempDir();
    const a = await startDssm([], { dir, keepDir: true });
    const c = await a.client();
    const pipeline: Promise<unknown>[] = [];
    for (let i = 0; i < 20000; i++) pipeline.push(c.call('SET', `k${i}`, `v${i}`));
    await Promise.all(pipeline);
    assert.equal(plain(await c.call('BGSAVE')), 'Background saving started');
    // Overwrite and delete while the snapshot is being written.
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 20000; i += 2) writes.push(c.call('SET', `k${i}`, 'changed'));
    for (let i = 1; i < 20000; i += 4) writes.push(c.call('DEL', `k${i}`));
    writes.push(c.call('SET', 'new-key', 'x'));
    await Promise.all(writes);
    for (let i = 0; i < 200; i++) {
      const info = plain(await c.call('INFO', 'persistence')) as string;
      if (info.includes('rdb_bgsave_in_progress:0')) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    await a.stop();
    const b = await startDssm([], { dir, keepDir: true });
    const d = await b.client();
    assert.equal(plain(await d.call('DBSIZE')), 20000);
    assert.equal(plain(await d.call('GET', 'k0')), 'v0');
    assert.equal(plain(await d.call('GET', 'k1')), 'v1');
    assert.equal(plain(await d.call('GET', 'k19998')), 'v19998');
    assert.equal(plain(await d.call('EXISTS', 'new-key')), 0);
    await b.stop();
  });

  test('a corrupt dump.rdb refuses to start and names the file', async () => {
    const dir = tempDir();
    const a = await startDssm([], { dir, keepDir: true });
    const c = await a.client();
    await c.call('SET', 'k', 'v'.repeat(100));
    await c.call('SAVE');
    await a.stop();
    const file = path.join(dir, 'dump.rdb');
    const data = fs.readFileSync(file);
    data[data.length - 3] = data[data.length - 3]! ^ 0xff; // damage the checksum
    fs.writeFileSync(file, data);
    await assert.rejects(startDssm([], { dir, keepDir: true }), /checksum.*dump\.rdb|dump\.rdb.*checksum/i);
  });
});

describe('append-only file', () => {
  test('writes survive a restart, and the directory is Redis 7 multi-part', async () => {
    const dir = tempDir();
    const a = await startDssm(['--appendonly', 'yes'], { dir, keepDir: true });
    const c = await a.client();
    await fill(c);
    await c.call('INCR', 'counter');
    await c.call('INCR', 'counter');
    await c.call('DEL', 'num');
    await a.stop();
    const aofDir = path.join(dir, 'appendonlydir');
    const manifest = fs.readFileSync(path.join(aofDir, 'appendonly.aof.manifest'), 'utf8');
    assert.match(manifest, /^file appendonly\.aof\.1\.base\.(rdb|aof) seq 1 type b\nfile appendonly\.aof\.1\.incr\.aof seq 1 type i\n$/);
    const b = await startDssm(['--appendonly', 'yes'], { dir, keepDir: true });
    const d = await b.client();
    assert.equal(plain(await d.call('GET', 'counter')), '2');
    assert.equal(plain(await d.call('EXISTS', 'num')), 0);
    assert.equal(plain(await d.call('GET', 'str')), 'hello');
    await b.stop();
  });

  test('relative expiries are logged as absolute times', async () => {
    const dir = tempDir();
    const a = await startDssm(['--appendonly', 'yes'], { dir, keepDir: true });
    const c = await a.client();
    await c.call('SET', 'k', 'v', 'EX', '1000');
    await a.stop();
    const incr = fs.readFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'), 'latin1');
    assert.match(incr, /PXAT\r\n\$13\r\n\d{13}\r\n/);
    assert.doesNotMatch(incr, /\bEX\b/);
  });

  test('a truncated tail is trimmed with a warning and the rest loads', async () => {
    const dir = tempDir();
    const a = await startDssm(['--appendonly', 'yes'], { dir, keepDir: true });
    const c = await a.client();
    await c.call('SET', 'a', '1');
    await c.call('SET', 'b', '2');
    await a.stop();
    const incr = path.join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof');
    const full = fs.readFileSync(incr);
    fs.writeFileSync(incr, full.subarray(0, full.length - 5)); // cut inside the last SET
    const b = await startDssm(['--appendonly', 'yes'], { dir, keepDir: true });
    const d = await b.client();
    assert.equal(plain(await d.call('GET', 'a')), '1');
    assert.equal(plain(await d.call('GET', 'b')), null);
    await d.call('SET', 'c', '3');
    await b.stop();
    // The trimmed file plus the new write load again.
    const e = await startDssm(['--appendonly', 'yes'], { dir, keepDir: true });
    const f = await e.client();
    assert.equal(plain(await f.call('GET', 'c')), '3');
    await e.stop();
  });

  test('corruption before the tail refuses to start, naming the file and offset', async () => {
    const dir = tempDir();
    const a = await startDssm(['--appendonly', 'yes'], { dir, keepDir: true });
    const c = await a.client();
    await c.call('SET', 'a', '1');
    await c.call('SET', 'b', '2');
    await a.stop();
    const incr = path.join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof');
    const text = fs.readFileSync(incr, 'latin1').replace('$3\r\nSET', '$3\r\nXET');
    fs.writeFileSync(incr, text, 'latin1');
    await assert.rejects(startDssm(['--appendonly', 'yes'], { dir, keepDir: true }), /appendonly\.aof\.1\.incr\.aof at offset \d+/);
  });

  test('BGREWRITEAOF compacts into a new base and keeps the data', async () => {
    const dir = tempDir();
    const a = await startDssm(['--appendonly', 'yes'], { dir, keepDir: true });
    const c = await a.client();
    for (let i = 0; i < 100; i++) await c.call('INCR', 'n');
    assert.equal(plain(await c.call('BGREWRITEAOF')), 'Background append only file rewriting started');
    await c.call('SET', 'after', 'rewrite');
    for (let i = 0; i < 200; i++) {
      const info = plain(await c.call('INFO', 'persistence')) as string;
      if (info.includes('aof_rewrite_in_progress:0')) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    await a.stop();
    const manifest = fs.readFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'utf8');
    assert.match(manifest, /seq 2 type b/);
    assert.ok(!fs.existsSync(path.join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof')), 'old incr file removed');
    const b = await startDssm(['--appendonly', 'yes'], { dir, keepDir: true });
    const d = await b.client();
    assert.equal(plain(await d.call('GET', 'n')), '100');
    assert.equal(plain(await d.call('GET', 'after')), 'rewrite');
    await b.stop();
  });
});
