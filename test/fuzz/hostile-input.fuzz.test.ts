/**
 * Hostile input through a real server (a dssm child process from dist/), beside
 * redis-server 7.0.15:
 *
 * 1. The random-member commands at the int64 bounds (once a process exit) answer what
 *    redis-server answers where it answers at all, and an error where it would stream
 *    elements until it runs out of memory; the server answers PING afterwards.
 * 2. Random hostile glob patterns (many stars, ?, classes, escapes) against long keys: KEYS
 *    and SCAN MATCH give the same keys as redis-server. Every answer must come back within
 *    the client's timeout (the failure signal; no timing threshold).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { plain, RawClient, type Reply } from '../helpers/resp.js';
import { rng } from '../helpers/differential.js';
import { int, type Rand } from '../helpers/random-resp.js';
import { skipWithoutRedis, startDssmProcess, startRedis, type ChildServer, type RedisServer } from '../helpers/servers.js';

const skip = skipWithoutRedis();
if (skip) console.log(`# skipped: ${skip}`);

let dssm: ChildServer;
let redis: RedisServer;
let d: RawClient;
let r: RawClient;

describe('hostile input through a live server', { skip }, () => {
  before(async () => {
    dssm = await startDssmProcess(['--appendonly', 'no']);
    redis = await startRedis();
    d = await RawClient.connect(dssm.port);
    r = await redis.client();
  });
  after(async () => {
    d?.close();
    await dssm?.stop('SIGKILL');
    await redis?.stop();
  });

  test('SRANDMEMBER, ZRANDMEMBER and HRANDFIELD at the int64 bounds answer, and PING still answers', async () => {
    for (const c of [d, r]) {
      await c.call('ZADD', 'z', '1', 'a');
      await c.call('SADD', 's', 'a');
      await c.call('HSET', 'h', 'a', '1');
    }
    // Redis answers these itself: compare byte for byte.
    const same = [
      ['ZRANDMEMBER', 'z', '-9223372036854775808'],
      ['ZRANDMEMBER', 'z', '9223372036854775808'],
      ['ZRANDMEMBER', 'z', '9223372036854775807'],
      ['ZRANDMEMBER', 'z', '-9223372036854775807', 'WITHSCORES'],
      ['ZRANDMEMBER', 'z', '-4611686018427387904', 'WITHSCORES'],
      ['ZRANDMEMBER', 'z', '4611686018427387904', 'WITHSCORES'],
      ['ZRANDMEMBER', 'z', '4611686018427387903', 'WITHSCORES'],
      ['ZRANDMEMBER', 'nokey', '-9223372036854775807'],
      ['SRANDMEMBER', 's', '-9223372036854775808'],
      ['SRANDMEMBER', 's', '9223372036854775807'],
      ['HRANDFIELD', 'h', '-9223372036854775808'],
      ['HRANDFIELD', 'h', '-4611686018427387904', 'WITHVALUES'],
      ['HRANDFIELD', 'h', '9223372036854775807'],
      ['ZRANDMEMBER', 'z', '-5', 'WITHSCORES'],
      ['HRANDFIELD', 'h', '-3'],
    ];
    for (const argv of same) assert.deepEqual(plain(await d.call(...argv)), plain(await r.call(...argv)), argv.join(' '));
    // redis-server 7.0.15 streams these until it runs out of memory; dssm refuses them.
    for (const argv of [
      ['ZRANDMEMBER', 'z', '-9223372036854775807'],
      ['ZRANDMEMBER', 'z', '-4611686018427387903', 'WITHSCORES'],
      ['SRANDMEMBER', 's', '-9223372036854775807'],
      ['HRANDFIELD', 'h', '-9223372036854775807'],
      ['HRANDFIELD', 'h', '-4611686018427387903', 'WITHVALUES'],
    ]) {
      const reply = await d.call(...argv);
      assert.equal(reply.t, 'error', argv.join(' '));
      assert.match((reply as { v: string }).v, /^ERR value is out of range, the reply to this count would exceed \d+ bytes$/);
    }
    assert.deepEqual(plain(await d.call('PING')), 'PONG');
    assert.equal(dssm.proc.exitCode, null);
    const info = (await d.call('INFO', 'stats')) as { v: string };
    assert.match(info.v, /unexpected_error_replies:0\r\n/);
  });

  test('KEYS a*a*…*b (20 stars) against a 40-byte key answers, as redis-server does', async () => {
    const key = 'a'.repeat(40);
    const pattern = 'a*'.repeat(20) + 'b';
    for (const c of [d, r]) await c.call('SET', key, '1');
    assert.deepEqual(plain(await d.call('KEYS', pattern)), plain(await r.call('KEYS', pattern)));
    assert.deepEqual(plain(await d.call('PING')), 'PONG');
  });

  test('random hostile patterns: KEYS and SCAN MATCH as redis-server (fixed seeds)', async () => {
    const ALPHABET = ['a', 'b', 'A', '*', '*', '*', '?', '[', ']', '^', '-', '\\', 'z', '\xff'];
    const randomPattern = (g: Rand): string => {
      let p = '';
      const n = 5 + int(g, 60);
      for (let i = 0; i < n; i++) p += ALPHABET[int(g, ALPHABET.length)];
      return p;
    };
    for (const seed of [1, 2, 3]) {
      const g = rng(seed);
      const keys: string[] = [];
      for (let i = 0; i < 40; i++) {
        const n = 1 + int(g, 120);
        let k = '';
        for (let j = 0; j < n; j++) k += 'aab-Az\\[]'[int(g, 9)];
        keys.push(k);
      }
      keys.push('a'.repeat(300), 'ab'.repeat(200) + 'c');
      for (const c of [d, r]) {
        await c.call('FLUSHALL');
        for (const k of keys) await c.call('SET', Buffer.from(k, 'latin1'), '1');
      }
      for (let i = 0; i < 150; i++) {
        const p = i % 10 === 0 ? '*a'.repeat(int(g, 40)) + '*b' : randomPattern(g);
        const pat = Buffer.from(p, 'latin1');
        const fromKeys = async (c: RawClient): Promise<string[]> => ((await c.call('KEYS', pat)) as { v: Reply[] }).v.map((x) => (x as { v: string }).v).sort();
        const fromScan = async (c: RawClient): Promise<string[]> => {
          const out: string[] = [];
          let cursor = '0';
          do {
            const rep = (await c.call('SCAN', cursor, 'MATCH', pat, 'COUNT', '1000')) as { v: [{ v: string }, { v: Reply[] }] };
            cursor = rep.v[0].v;
            for (const x of rep.v[1].v) out.push((x as { v: string }).v);
          } while (cursor !== '0');
          return out.sort();
        };
        const want = await fromKeys(r);
        assert.deepEqual(await fromKeys(d), want, `seed ${seed} KEYS ${JSON.stringify(p)}`);
        assert.deepEqual(await fromScan(d), want, `seed ${seed} SCAN MATCH ${JSON.stringify(p)}`);
      }
    }
    assert.deepEqual(plain(await d.call('PING')), 'PONG');
  });
});
