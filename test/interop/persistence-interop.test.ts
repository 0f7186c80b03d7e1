/**
 * Migration paths: a dump.rdb or an AOF directory written by redis-server 7.0 loads into
 * dssm, and the ones dssm writes load into redis-server, with every type and encoding.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { skipWithoutRedis, startDssm, startRedis } from '../helpers/servers.js';
import { type RawClient, plain } from '../helpers/resp.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'dssm-interop-'));
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** Commands that build a dataset covering every type and both encodings of each. */
function datasetCommands(): string[][] {
  const cmds: string[][] = [
    ['SET', 'str', 'hello world'],
    ['SET', 'int', '123456'],
    ['SET', 'neg', '-42'],
    ['SET', 'big', 'x'.repeat(5000)],
    ['SET', 'bin', '\x00\x01\xff\r\n'],
    ['SET', 'ttl', 'v', 'PX', '500000000'],
    ['RPUSH', 'list-small', 'a', 'b', '1', '2'],
    ['SADD', 'set-int', '1', '2', '3', '-7'],
    ['SADD', 'set-str', 'a', 'b', 'c'],
    ['ZADD', 'zset-small', '1.5', 'a', '-2', 'b', 'inf', 'c'],
    ['HSET', 'hash-small', 'f1', 'v1', 'f2', '2'],
    ['SELECT', '2'],
    ['SET', 'in-db-2', 'yes'],
    ['SELECT', '0'],
  ];
  const bigList = ['RPUSH', 'list-big'];
  const bigSet = ['SADD', 'set-big'];
  const bigZset = ['ZADD', 'zset-big'];
  const bigHash = ['HSET', 'hash-big'];
  for (let i = 0; i < 700; i++) {
    bigList.push(`item-${i}-${'y'.repeat(i % 50)}`);
    bigSet.push(`member-${i}`);
    bigZset.push(String(i * 0.25), `m-${i}`);
    bigHash.push(`field-${i}`, `value-${i}`);
  }
  cmds.push(bigList, bigSet, bigZset, bigHash, ['EXPIRE', 'hash-big', '400000']);
  return cmds;
}

/** A comparable picture of databases 0 and 2: every key, its type, value and whether it has a TTL. */
async function dataset(c: RawClient): Promise<string> {
  const out: Record<string, unknown> = {};
  for (const db of ['0', '2']) {
    await c.call('SELECT', db);
    const keys = (plain(await c.call('KEYS', '*')) as string[]).sort();
    for (const k of keys) {
      const type = plain(await c.call('TYPE', k)) as string;
      let value: unknown;
      if (type === 'string') value = plain(await c.call('GET', k));
      else if (type === 'list') value = plain(await c.call('LRANGE', k, '0', '-1'));
      else if (type === 'set') value = (plain(await c.call('SMEMBERS', k)) as string[]).sort();
      else if (type === 'zset') value = plain(await c.call('ZRANGE', k, '0', '-1', 'WITHSCORES'));
      else if (type === 'hash') {
        const flat = plain(await c.call('HGETALL', k)) as string[];
        const pairs: string[] = [];
        for (let i = 0; i < flat.length; i += 2) pairs.push(`${flat[i]}=${flat[i + 1]}`);
        value = pairs.sort();
      }
      const ttl = plain(await c.call('PTTL', k)) as number;
      out[`${db}:${k}`] = { type, value, ttl: ttl > 0 };
    }
  }
  await c.call('SELECT', '0');
  return JSON.stringify(out);
}

async function build(c: RawClient): Promise<void> {
  for (const cmd of datasetCommands()) {
    const r = await c.call(...cmd);
    assert.notEqual(r.t, 'error', `${cmd[0]}: ${JSON.stringify(r)}`);
  }
}

describe('RDB and AOF interoperability with redis-server 7.0', { skip: skipWithoutRedis() }, () => {
  test('a dump.rdb written by redis-server loads into dssm', async () => {
    const redis = await startRedis();
    const rc = await redis.client();
    await build(rc);
    const expected = await dataset(rc);
    assert.equal(plain(await rc.call('SAVE')), 'OK');
    const dir = tempDir();
    fs.copyFileSync(path.join(redis.dir, 'dump.rdb'), path.join(dir, 'dump.rdb'));
    await redis.stop();
    const dssm = await startDssm([], { dir, keepDir: true });
    assert.equal(await dataset(await dssm.client()), expected);
    await dssm.stop();
  });

  test('a dump.rdb written by dssm loads into redis-server', async () => {
    const dssm = await startDssm();
    const dc = await dssm.client();
    await build(dc);
    const expected = await dataset(dc);
    assert.equal(plain(await dc.call('SAVE')), 'OK');
    const dir = tempDir();
    fs.copyFileSync(path.join(dssm.dir, 'dump.rdb'), path.join(dir, 'dump.rdb'));
    await dssm.stop();
    const redis = await startRedis(['--dir', dir]);
    assert.equal(await dataset(await redis.client()), expected);
    await redis.stop();
  });

  test('an AOF directory written by dssm (RDB base + incr) loads into redis-server', async () => {
    const dir = tempDir();
    const dssm = await startDssm(['--appendonly', 'yes'], { dir, keepDir: true });
    const dc = await dssm.client();
    await dc.call('SET', 'before-rewrite', '1');
    await build(dc);
    assert.equal(plain(await dc.call('BGREWRITEAOF')), 'Background append only file rewriting started');
    for (let i = 0; i < 200; i++) {
      if ((plain(await dc.call('INFO', 'persistence')) as string).includes('aof_rewrite_in_progress:0')) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    await dc.call('INCR', 'after-rewrite');
    await dc.call('LPUSH', 'list-small', 'pushed-after');
    const expected = await dataset(dc);
    await dssm.stop();
    const redis = await startRedis(['--dir', dir, '--appendonly', 'yes']);
    assert.equal(await dataset(await redis.client()), expected);
    await redis.stop();
  });

  test('an AOF directory with dssm replication annotations (#dssm-repl lines, repl aux in the base) loads into redis-server', async () => {
    const dir = tempDir();
    const dssm = await startDssm(['--appendonly', 'yes'], { dir, keepDir: true });
    // A replica gives the primary a replication history: its AOF writes annotations.
    const replica = await startDssm(['--replicaof', '127.0.0.1', String(dssm.port)]);
    const dc = await dssm.client();
    const rc = await replica.client();
    for (let i = 0; i < 200 && !(plain(await rc.call('INFO', 'replication')) as string).includes('master_link_status:up'); i++) await new Promise((r) => setTimeout(r, 25));
    await build(dc);
    assert.equal(plain(await dc.call('BGREWRITEAOF')), 'Background append only file rewriting started');
    for (let i = 0; i < 200; i++) {
      if ((plain(await dc.call('INFO', 'persistence')) as string).includes('aof_rewrite_in_progress:0')) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    await dc.call('SELECT', 1);
    await dc.call('SET', 'in-db-1', 'x');
    await dc.call('SELECT', 0);
    await dc.call('INCR', 'after-rewrite');
    const expected = await dataset(dc);
    await replica.stop();
    await dssm.stop();
    const aofDir = path.join(dir, 'appendonlydir');
    const incr = fs.readdirSync(aofDir).find((f) => f.endsWith('.incr.aof'))!;
    assert.match(fs.readFileSync(path.join(aofDir, incr), 'latin1'), /\r\n#dssm-repl:[0-9a-f]{40} \d+ \d+\r\n/);
    const base = fs.readdirSync(aofDir).find((f) => f.includes('.base.'))!;
    assert.ok(fs.readFileSync(path.join(aofDir, base)).includes('repl-offset'), 'the base records its replication position');
    const redis = await startRedis(['--dir', dir, '--appendonly', 'yes']);
    const redisClient = await redis.client();
    assert.equal(await dataset(redisClient), expected);
    await redisClient.call('SELECT', 1);
    assert.equal(plain(await redisClient.call('GET', 'in-db-1')), 'x');
    await redis.stop();
  });

  test('an AOF directory written by redis-server loads into dssm', async () => {
    const dir = tempDir();
    const redis = await startRedis(['--dir', dir, '--appendonly', 'yes']);
    const rc = await redis.client();
    await build(rc);
    await rc.call('INCR', 'int');
    const expected = await dataset(rc);
    await redis.stop(); // SIGKILL: the incr file is as Redis left it
    const dssm = await startDssm(['--appendonly', 'yes'], { dir, keepDir: true });
    assert.equal(await dataset(await dssm.client()), expected);
    await dssm.stop();
  });
});
