/**
 * Lists against redis-server 7.0: every non-blocking command with its edge cases and
 * errors, RESP3 null shapes, keyspace events, blocking commands where they answer at
 * once (non-empty lists, MULTI, short timeouts), and random command sequences.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { usePair, pick, rng } from '../helpers/differential.js';
import { skipWithoutRedis } from '../helpers/servers.js';
import type { RawClient, Reply } from '../helpers/resp.js';

describe('lists (differential)', { skip: skipWithoutRedis() }, () => {
  const pair = usePair();

  async function all(cmds: (string | number)[][]): Promise<void> {
    for (const cmd of cmds) await pair.both(cmd);
  }

  test('push, pop, length and range', async () => {
    await pair.send(['FLUSHALL']);
    await all([
      ['LPUSH', 'l', 'a', 'b', 'c'],
      ['RPUSH', 'l', 'd', 'e'],
      ['LRANGE', 'l', 0, -1],
      ['LLEN', 'l'],
      ['LLEN', 'missing'],
      ['LPUSHX', 'missing', 'x'],
      ['RPUSHX', 'missing', 'x'],
      ['EXISTS', 'missing'],
      ['LPUSHX', 'l', 'x', 'y'],
      ['RPUSHX', 'l', 'z'],
      ['LPOP', 'l'],
      ['RPOP', 'l'],
      ['LPOP', 'l', 2],
      ['RPOP', 'l', 2],
      ['LPOP', 'l', 0],
      ['LPOP', 'l', 100],
      ['EXISTS', 'l'],
      ['LPOP', 'l'],
      ['LPOP', 'l', 2],
      ['LPOP', 'l', 0],
      ['RPOP', 'missing', 3],
      ['LPOP', 'l', -1],
      ['LPOP', 'l', 'abc'],
      ['LPOP', 'l', 1, 2],
      ['LPOP'],
      ['RPUSH', 'l'],
      ['SET', 's', 'str'],
      ['LPUSH', 's', 'x'],
      ['LPUSHX', 's', 'x'],
      ['LPOP', 's'],
      ['LPOP', 's', 0],
      ['LPOP', 's', -1],
      ['LLEN', 's'],
      ['LRANGE', 's', 0, 1],
      ['TYPE', 'l'],
    ]);
  });

  test('LRANGE and LINDEX indexes', async () => {
    await pair.send(['FLUSHALL']);
    await pair.both(['RPUSH', 'l', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const idx = [0, 1, 5, 9, 10, 11, 100, -1, -2, -10, -11, -100];
    for (const a of idx) {
      await pair.both(['LINDEX', 'l', a]);
      for (const b of idx) await pair.both(['LRANGE', 'l', a, b]);
    }
    await all([
      ['LRANGE', 'l', 'x', 1],
      ['LRANGE', 'l', 0, '1.5'],
      ['LRANGE', 'missing', 'x', 1],
      ['LRANGE', 'missing', 0, -1],
      ['LRANGE', 'l', '9223372036854775807', '-9223372036854775808'],
      ['LRANGE', 'l', '-9223372036854775808', '9223372036854775807'],
      ['LRANGE', 'l', '9223372036854775808', 1],
      ['LINDEX', 'l', 'x'],
      ['LINDEX', 'missing', 'x'],
      ['LINDEX', 'missing', 0],
      ['SET', 's', 'v'],
      ['LINDEX', 's', 'x'],
      ['LINDEX', 's', 0],
    ]);
  });

  test('LSET, LINSERT, LREM, LTRIM', async () => {
    await pair.send(['FLUSHALL']);
    await all([
      ['RPUSH', 'l', 'a', 'b', 'a', 'c', 'a', 'b'],
      ['LSET', 'l', 0, 'A'],
      ['LSET', 'l', -1, 'B'],
      ['LSET', 'l', 6, 'x'],
      ['LSET', 'l', -7, 'x'],
      ['LSET', 'l', 'x', 'x'],
      ['LSET', 'missing', 0, 'x'],
      ['LSET', 'missing', 'x', 'x'],
      ['LRANGE', 'l', 0, -1],
      ['LINSERT', 'l', 'BEFORE', 'a', 'before-a'],
      ['LINSERT', 'l', 'after', 'a', 'after-a'],
      ['LINSERT', 'l', 'After', 'B', 'end'],
      ['LINSERT', 'l', 'before', 'A', 'start'],
      ['LINSERT', 'l', 'before', 'nope', 'x'],
      ['LINSERT', 'l', 'middle', 'a', 'x'],
      ['LINSERT', 'missing', 'before', 'a', 'x'],
      ['LINSERT', 'missing', 'middle', 'a', 'x'],
      ['LRANGE', 'l', 0, -1],
      ['LREM', 'l', 1, 'a'],
      ['LREM', 'l', -1, 'a'],
      ['LRANGE', 'l', 0, -1],
      ['RPUSH', 'l', 'a', 'a', 'a'],
      ['LREM', 'l', 0, 'a'],
      ['LREM', 'l', 0, 'zzz'],
      ['LREM', 'l', 'x', 'a'],
      ['LREM', 'missing', 1, 'a'],
      ['LRANGE', 'l', 0, -1],
      ['LTRIM', 'l', 1, -2],
      ['LRANGE', 'l', 0, -1],
      ['LTRIM', 'l', 0, 100],
      ['LTRIM', 'l', -100, 100],
      ['LTRIM', 'l', 'x', 1],
      ['LTRIM', 'missing', 0, 1],
      ['LTRIM', 'missing', 'x', 1],
      ['LRANGE', 'l', 0, -1],
      ['LTRIM', 'l', 5, 1],
      ['EXISTS', 'l'],
      ['RPUSH', 'm', 'x'],
      ['LREM', 'm', 1, 'x'],
      ['EXISTS', 'm'],
      ['SET', 's', 'v'],
      ['LSET', 's', 0, 'x'],
      ['LINSERT', 's', 'before', 'a', 'x'],
      ['LREM', 's', 0, 'a'],
      ['LTRIM', 's', 0, 1],
    ]);
  });

  test('LPOS with RANK, COUNT, MAXLEN and its errors', async () => {
    await pair.send(['FLUSHALL']);
    await pair.both(['RPUSH', 'l', 'a', 'b', 'c', 'a', 'b', 'c', 'a', 'x', 'a']);
    const opts: (string | number)[][] = [[], ['RANK', 1], ['RANK', 2], ['RANK', -1], ['RANK', -3], ['RANK', 10], ['RANK', -10]];
    for (const o of opts) {
      for (const count of [null, 0, 1, 2, 10]) {
        for (const maxlen of [null, 0, 1, 3, 100]) {
          const args: (string | number)[] = ['LPOS', 'l', 'a', ...o];
          if (count !== null) args.push('COUNT', count);
          if (maxlen !== null) args.push('MAXLEN', maxlen);
          await pair.both(args);
        }
      }
    }
    await all([
      ['LPOS', 'l', 'zzz'],
      ['LPOS', 'l', 'zzz', 'COUNT', 0],
      ['LPOS', 'l', 'a', 'rank', 0],
      ['LPOS', 'l', 'a', 'rank', 'x'],
      ['LPOS', 'l', 'a', 'count', -1],
      ['LPOS', 'l', 'a', 'count', 'x'],
      ['LPOS', 'l', 'a', 'maxlen', -1],
      ['LPOS', 'l', 'a', 'maxlen', 'x'],
      ['LPOS', 'l', 'a', 'rank'],
      ['LPOS', 'l', 'a', 'foo'],
      ['LPOS', 'l', 'a', 'rank', 2, 'rank', 1],
      ['LPOS', 'l', 'a', 'rank', '-9223372036854775808'],
      ['LPOS', 'l', 'a', 'rank', '-9223372036854775808', 'count', 0],
      ['LPOS', 'l', 'a', 'rank', '-9223372036854775807'],
      ['LPOS', 'l', 'a', 'rank', '9223372036854775807', 'count', 0],
      ['LPOS', 'missing', 'a'],
      ['LPOS', 'missing', 'a', 'count', 0],
      ['LPOS', 'missing', 'a', 'rank', 0],
      ['SET', 's', 'v'],
      ['LPOS', 's', 'a'],
      ['LPOS', 's', 'a', 'rank', 0],
      ['LPOS', 'l'],
    ]);
  });

  test('LMOVE and RPOPLPUSH', async () => {
    await pair.send(['FLUSHALL']);
    await all([
      ['RPUSH', 'src', 'a', 'b', 'c'],
      ['LMOVE', 'src', 'dst', 'LEFT', 'RIGHT'],
      ['LMOVE', 'src', 'dst', 'right', 'left'],
      ['LMOVE', 'src', 'src', 'left', 'right'],
      ['LMOVE', 'src', 'src', 'left', 'left'],
      ['RPOPLPUSH', 'src', 'dst'],
      ['LRANGE', 'dst', 0, -1],
      ['EXISTS', 'src'],
      ['LMOVE', 'src', 'dst', 'left', 'right'],
      ['RPOPLPUSH', 'missing', 'dst'],
      ['LMOVE', 'dst', 'dst', 'up', 'left'],
      ['LMOVE', 'dst', 'dst', 'left', 'down'],
      ['LMOVE', 'missing', 'dst', 'up', 'left'],
      ['SET', 's', 'v'],
      ['LMOVE', 'dst', 's', 'left', 'left'],
      ['RPOPLPUSH', 'dst', 's'],
      ['LMOVE', 's', 'dst', 'left', 'left'],
      ['LMOVE', 'missing', 's', 'left', 'left'],
      ['LRANGE', 'dst', 0, -1],
      ['RPUSH', 'one', 'x'],
      ['RPOPLPUSH', 'one', 'one'],
      ['LRANGE', 'one', 0, -1],
    ]);
  });

  test('LMPOP and its errors', async () => {
    await pair.send(['FLUSHALL']);
    await all([
      ['RPUSH', 'l1', 'a', 'b', 'c'],
      ['RPUSH', 'l2', 'd', 'e'],
      ['LMPOP', 2, 'missing', 'l1', 'LEFT'],
      ['LMPOP', 2, 'missing', 'l2', 'RIGHT', 'COUNT', 5],
      ['LMPOP', 1, 'l1', 'right', 'count', 1],
      ['LMPOP', 2, 'missing', 'l2', 'left'],
      ['LMPOP', 1, 'missing', 'left'],
      ['LMPOP', 0, 'l1', 'left'],
      ['LMPOP', -1, 'l1', 'left'],
      ['LMPOP', 'x', 'l1', 'left'],
      ['LMPOP', 1, 'l1', 'middle'],
      ['LMPOP', 2, 'l1', 'left'],
      ['LMPOP', 5, 'l1', 'left'],
      ['LMPOP', 1, 'l1', 'left', 'count', 0],
      ['LMPOP', 1, 'l1', 'left', 'count', -1],
      ['LMPOP', 1, 'l1', 'left', 'count', 'x'],
      ['LMPOP', 1, 'l1', 'left', 'count'],
      ['LMPOP', 1, 'l1', 'left', 'count', 1, 'count', 1],
      ['LMPOP', 1, 'l1', 'left', 'foo'],
      ['LMPOP', 1, 'l1'],
      ['SET', 's', 'v'],
      ['LMPOP', 2, 's', 'l1', 'left'],
      ['LMPOP', 2, 'l1', 's', 'left'],
      ['LMPOP', 2, 'missing', 's', 'left'],
      ['EXISTS', 'l1', 'l2'],
    ]);
  });

  test('blocking commands answer at once when they can', async () => {
    await pair.send(['FLUSHALL']);
    await all([
      ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'],
      ['BLPOP', 'missing', 'l', 0],
      ['BRPOP', 'l', 'missing', 1],
      ['BLMOVE', 'l', 'dst', 'left', 'right', 0],
      ['BRPOPLPUSH', 'l', 'dst', 0],
      ['BLMPOP', 0, 2, 'missing', 'l', 'LEFT', 'COUNT', 10],
      ['LRANGE', 'dst', 0, -1],
      ['EXISTS', 'l'],
      ['SET', 's', 'v'],
      ['BLPOP', 's', 0],
      ['BLPOP', 'missing', 's', 0],
      ['BLMOVE', 's', 'dst', 'left', 'left', 0],
      ['BLMOVE', 'dst', 's', 'left', 'left', 0],
      ['BLMPOP', 0, 1, 's', 'left'],
      // Timeouts, parsed before anything else.
      ['BLPOP', 'l', 'abc'],
      ['BLPOP', 'l', -1],
      ['BLPOP', 'l', 'inf'],
      ['BLPOP', 'l', '-inf'],
      ['BLPOP', 'l', 'nan'],
      ['BLPOP', 'l', '1e20'],
      ['BLPOP', 'l', ' 1'],
      ['BLPOP', 's', 'abc'],
      ['BRPOP', 'l', '-0.5'],
      ['BLMOVE', 'l', 'd', 'left', 'left', 'x'],
      ['BLMOVE', 'l', 'd', 'middle', 'left', 'x'],
      ['BRPOPLPUSH', 'l', 'd', -1],
      ['BLMPOP', 'x', 1, 'l', 'left'],
      ['BLMPOP', 0, 0, 'l', 'left'],
      ['BLMPOP', 0, 1, 'l', 'left', 'count', 0],
      ['BLMPOP', 0, 1, 'l', 'up'],
      ['BLMPOP', 0, 1, 'l'],
      // Short timeouts on missing keys: null replies of the right shape.
      ['BLPOP', 'missing', '0.01'],
      ['BRPOP', 'missing', 'missing2', '0.01'],
      ['BLMOVE', 'missing', 'dst', 'left', 'left', '0.01'],
      ['BRPOPLPUSH', 'missing', 'dst', '0.01'],
      ['BLMPOP', '0.01', 1, 'missing', 'left'],
    ]);
  });

  test('blocking commands inside MULTI do not block', async () => {
    await pair.send(['FLUSHALL']);
    await all([
      ['MULTI'],
      ['BLPOP', 'missing', 0],
      ['BRPOP', 'missing', 0],
      ['BLMOVE', 'missing', 'dst', 'left', 'left', 0],
      ['BRPOPLPUSH', 'missing', 'dst', 0],
      ['BLMPOP', 0, 1, 'missing', 'left'],
      ['RPUSH', 'l', 'x', 'y'],
      ['BLPOP', 'l', 0],
      ['BLMOVE', 'l', 'dst', 'left', 'left', 0],
      ['EXEC'],
      ['LRANGE', 'dst', 0, -1],
    ]);
  });

  test('blocking commands inside MULTI ignore their timeout, however long or invalid', async () => {
    await pair.send(['FLUSHALL']);
    await all([
      ['MULTI'],
      ['BLPOP', 'missing', 100000],
      ['BLMPOP', '1e9', 1, 'missing', 'right', 'count', 3],
      ['BZPOPMIN', 'zmissing', 0],
      ['BZPOPMAX', 'zmissing', 50],
      ['BZMPOP', 0, 1, 'zmissing', 'min'],
      ['BLPOP', 'missing', -1],
      ['BZPOPMIN', 'zmissing', 'abc'],
      ['BLMPOP', 'inf', 1, 'missing', 'left'],
      ['ZADD', 'z', 1, 'a', 2, 'b'],
      ['BZMPOP', 100, 1, 'z', 'max', 'count', 5],
      ['EXEC'],
    ]);
  });

  /** Run `block` on a fresh connection to each server, wait until it is blocked, then run `then`. */
  async function whileBlocked(block: (string | number)[], then: (string | number)[][]): Promise<void> {
    const blockedA = await pair.dssm.client();
    const blockedB = await pair.redis.client();
    const ra = blockedA.call(...block);
    const rb = blockedB.call(...block);
    for (const c of [pair.a, pair.b]) {
      // Ask, don't sleep: the other client is blocked once INFO counts it.
      for (;;) {
        const info = (await c.call('INFO', 'clients')) as { v: string };
        if (/blocked_clients:1\r\n/.test(info.v)) break;
      }
    }
    for (const cmd of then) await pair.both(cmd);
    assert.deepEqual(await ra, await rb, `blocked ${JSON.stringify(block)} served differently after ${JSON.stringify(then)}`);
    blockedA.close();
    blockedB.close();
  }

  test('a blocked client is served by keys in the order they became ready (RENAME, MOVE, COPY, RESTORE)', async () => {
    await pair.send(['FLUSHALL']);
    await whileBlocked(
      ['BLMPOP', 0, 2, 'a', 'b', 'right', 'count', 2],
      [['RPUSH', 'src', 'x', 'y', 'z'], ['RPUSH', 'src2', 'p', 'q'], ['MULTI'], ['RENAME', 'src', 'b'], ['RENAME', 'src2', 'a'], ['EXEC'], ['LRANGE', 'a', 0, -1], ['LRANGE', 'b', 0, -1]],
    );
    await pair.send(['FLUSHALL']);
    await whileBlocked(['BLPOP', 'a', 'b', 0], [['RPUSH', 'src', 'x', 'y'], ['MULTI'], ['RENAME', 'src', 'b'], ['RPUSH', 'a', 'k'], ['EXEC'], ['LRANGE', 'a', 0, -1]]);
    await pair.send(['FLUSHALL']);
    await whileBlocked(
      ['BLMPOP', 0, 2, 'a', 'b', 'left'],
      [['SELECT', 1], ['RPUSH', 'b', 'from-db1'], ['SELECT', 0], ['RPUSH', 'c', 'c1'], ['MULTI'], ['SELECT', 1], ['MOVE', 'b', 0], ['SELECT', 0], ['COPY', 'c', 'a'], ['EXEC'], ['LRANGE', 'a', 0, -1]],
    );
    await pair.send(['FLUSHALL']);
    await pair.send(['RPUSH', 'tmp', 'r1', 'r2']);
    const [payloadA, payloadB] = await pair.send(['DUMP', 'tmp']);
    assert.deepEqual(payloadA, payloadB);
    await whileBlocked(['BRPOP', 'a', 'b', 0], [['MULTI'], ['RESTORE', 'b', 0, (payloadA as { v: string }).v], ['RPUSH', 'a', 'pushed'], ['EXEC'], ['LRANGE', 'a', 0, -1]]);
  });

  test('RESP3 null shapes', async () => {
    await pair.send(['FLUSHALL']);
    await pair.send(['HELLO', '3']);
    try {
      await all([
        ['LPOP', 'missing'],
        ['LPOP', 'missing', 2],
        ['LINDEX', 'missing', 0],
        ['LPOS', 'missing', 'a'],
        ['LMPOP', 1, 'missing', 'left'],
        ['RPOPLPUSH', 'missing', 'x'],
        ['BLPOP', 'missing', '0.01'],
        ['BLMOVE', 'missing', 'x', 'left', 'left', '0.01'],
        ['BLMPOP', '0.01', 1, 'missing', 'left'],
        ['RPUSH', 'l', 'a', 'b'],
        ['LPOP', 'l', 5],
        ['LPOP', 'l', 0],
        ['MULTI'],
        ['BLPOP', 'missing', 0],
        ['BLMOVE', 'missing', 'x', 'left', 'left', 0],
        ['EXEC'],
      ]);
    } finally {
      await pair.send(['HELLO', '2']);
    }
  });

  test('OBJECT ENCODING is quicklist at any size', async () => {
    await pair.send(['FLUSHALL']);
    await pair.both(['OBJECT', 'ENCODING', 'nothing']);
    await all([
      ['RPUSH', 'l', 'a'],
      ['OBJECT', 'ENCODING', 'l'],
    ]);
    const big = 'x'.repeat(10000);
    await all([
      ['RPUSH', 'l', big],
      ['OBJECT', 'ENCODING', 'l'],
      ['LTRIM', 'l', 0, 0],
      ['OBJECT', 'ENCODING', 'l'],
    ]);
  });

  test('keyspace events', async () => {
    await pair.send(['FLUSHALL']);
    await pair.send(['CONFIG', 'SET', 'notify-keyspace-events', 'KEAn']);
    const subA = await pair.dssm.client();
    const subB = await pair.redis.client();
    try {
      assert.deepEqual(await subA.call('PSUBSCRIBE', '__key*__:*'), await subB.call('PSUBSCRIBE', '__key*__:*'));
      const cmds: (string | number)[][] = [
        ['LPUSH', 'l', 'a', 'b'],
        ['RPUSH', 'l', 'c', 'd', 'e'],
        ['LPUSHX', 'l', 'f'],
        ['LPOP', 'l'],
        ['RPOP', 'l', 2],
        ['LSET', 'l', 0, 'z'],
        ['LINSERT', 'l', 'before', 'z', 'y'],
        ['LINSERT', 'l', 'before', 'nope', 'y'],
        ['LREM', 'l', 0, 'y'],
        ['LREM', 'l', 0, 'nope'],
        ['LTRIM', 'l', 0, -1],
        ['RPUSH', 'l', 'p', 'q'],
        ['LMOVE', 'l', 'm', 'left', 'right'],
        ['RPOPLPUSH', 'l', 'm'],
        ['LMPOP', 1, 'l', 'right', 'count', 10],
        ['BLPOP', 'm', 0],
        ['BLMOVE', 'm', 'n', 'right', 'left', 0],
        ['LTRIM', 'n', 1, 0],
        ['PING'],
      ];
      for (const cmd of cmds) await pair.both(cmd);
      const events = async (sub: RawClient): Promise<unknown[]> => {
        const out: unknown[] = [];
        for (;;) {
          const r: Reply = await sub.read();
          const v = (r as { v: Reply[] }).v;
          out.push(v.map((x) => (x as { v: unknown }).v));
          // The last command's events end with the del of n from LTRIM.
          if ((v[3] as { v: string }).v === 'n' && (v[2] as { v: string }).v.startsWith('__keyevent') && (v[2] as { v: string }).v.endsWith(':del')) break;
        }
        return out;
      };
      const [ea, eb] = await Promise.all([events(subA), events(subB)]);
      assert.deepEqual(ea, eb);
    } finally {
      subA.close();
      subB.close();
      await pair.send(['CONFIG', 'SET', 'notify-keyspace-events', '']);
    }
  });

  for (const seed of [1, 2, 3, 4, 5]) {
    test(`random command sequence, seed ${seed}`, async () => {
      await pair.send(['FLUSHALL']);
      const r = rng(seed);
      const keys = ['k1', 'k2', 'k3'];
      const vals = ['a', 'b', 'c', 'd', '', 'xyz', '1'];
      const idx = () => Math.floor(r() * 14) - 7;
      const v = () => pick(r, vals);
      const k = () => pick(r, keys);
      const side = () => pick(r, ['LEFT', 'RIGHT']);
      for (let i = 0; i < 400; i++) {
        const op = Math.floor(r() * 19);
        let cmd: (string | number)[];
        switch (op) {
          case 0:
            cmd = ['LPUSH', k(), v(), v()];
            break;
          case 1:
            cmd = ['RPUSH', k(), v()];
            break;
          case 2:
            cmd = ['LPOP', k()];
            break;
          case 3:
            cmd = ['RPOP', k(), Math.floor(r() * 4)];
            break;
          case 4:
            cmd = ['LRANGE', k(), idx(), idx()];
            break;
          case 5:
            cmd = ['LINDEX', k(), idx()];
            break;
          case 6:
            cmd = ['LSET', k(), idx(), v()];
            break;
          case 7:
            cmd = ['LINSERT', k(), pick(r, ['BEFORE', 'AFTER']), v(), v()];
            break;
          case 8:
            cmd = ['LREM', k(), idx(), v()];
            break;
          case 9:
            cmd = ['LTRIM', k(), idx(), idx()];
            break;
          case 10:
            cmd = ['LPOS', k(), v(), 'RANK', pick(r, [1, 2, -1, -2]), 'COUNT', Math.floor(r() * 3)];
            break;
          case 11:
            cmd = ['LMOVE', k(), k(), side(), side()];
            break;
          case 12:
            cmd = ['RPOPLPUSH', k(), k()];
            break;
          case 13:
            cmd = ['LMPOP', 2, k(), k(), side(), 'COUNT', 1 + Math.floor(r() * 3)];
            break;
          case 14:
            cmd = ['BLPOP', k(), k(), '0.001'];
            break;
          case 15:
            cmd = ['LPUSHX', k(), v()];
            break;
          case 16:
            cmd = ['LLEN', k()];
            break;
          case 17:
            cmd = ['LPOS', k(), v()];
            break;
          default:
            cmd = ['LRANGE', k(), 0, -1];
        }
        // BLPOP on empty keys waits up to 1 ms on both sides; its reply is still exact.
        await pair.both(cmd);
      }
      for (const key of keys) await pair.both(['LRANGE', key, 0, -1]);
    });
  }

  test('a long list keeps order through pushes and pops at both ends', async () => {
    await pair.send(['FLUSHALL']);
    const r = rng(99);
    for (let i = 0; i < 300; i++) {
      const n = 1 + Math.floor(r() * 20);
      const items = Array.from({ length: n }, (_, j) => `v${i}-${j}`);
      const op = Math.floor(r() * 4);
      if (op === 0) await pair.both(['LPUSH', 'big', ...items]);
      else if (op === 1) await pair.both(['RPUSH', 'big', ...items]);
      else if (op === 2) await pair.both(['LPOP', 'big', Math.floor(r() * 15)]);
      else await pair.both(['RPOP', 'big', Math.floor(r() * 15)]);
    }
    await pair.both(['LRANGE', 'big', 0, -1]);
    await pair.both(['LINDEX', 'big', 100]);
    await pair.both(['LRANGE', 'big', 50, 120]);
  });
});
