/**
 * String commands against the real redis-server: the same requests to both, replies
 * compared byte for byte (type and value), errors included.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { usePair, pick, rng } from '../helpers/differential.js';
import type { Reply } from '../helpers/resp.js';
import { skipWithoutRedis } from '../helpers/servers.js';

type Cmd = (string | number)[];

/** Far-future absolute times, so EXPIRETIME comparisons do not depend on the clock. */
const FAR_S = 4102444800; // 2100-01-01
const FAR_MS = FAR_S * 1000 + 123;

describe('strings: dssm answers as redis-server 7.0', { skip: skipWithoutRedis() }, () => {
  const pair = usePair();

  async function run(cmds: Cmd[]): Promise<void> {
    await pair.both(['FLUSHALL']);
    for (const cmd of cmds) await pair.both(cmd);
  }

  /** TTL/PTTL differ by the milliseconds between the two servers: compare their sign only. */
  async function sameTtlClass(key: string): Promise<void> {
    const [a, b] = await pair.send(['PTTL', key]);
    const cls = (r: Reply) => (r.t === 'int' ? (Number(r.v) > 0 ? 'ttl' : r.v) : JSON.stringify(r));
    assert.equal(cls(a), cls(b), `PTTL ${key}`);
  }

  test('GET, SET and their options', async () => {
    await run([
      ['GET', 'k'],
      ['SET', 'k', 'v'],
      ['GET', 'k'],
      ['SET', 'k', 'v2', 'NX'],
      ['SET', 'k', 'v2', 'XX'],
      ['SET', 'n', 'v', 'XX'],
      ['SET', 'n', 'v', 'NX', 'GET'],
      ['SET', 'n', 'w', 'GET'],
      ['SET', 'n', 'x', 'nx', 'get'],
      ['SET', 'n', 'x', 'xx', 'get'],
      ['SET', 'k', 'v', 'NX', 'XX'],
      ['SET', 'k', 'v', 'XX', 'NX'],
      ['SET', 'k', 'v', 'NX', 'NX'],
      ['SET', 'k', 'v', 'EX'],
      ['SET', 'k', 'v', 'EX', 'abc'],
      ['SET', 'k', 'v', 'EX', '0'],
      ['SET', 'k', 'v', 'EX', '-5'],
      ['SET', 'k', 'v', 'PX', '0'],
      ['SET', 'k', 'v', 'EX', '9223372036854775807'],
      ['SET', 'k', 'v', 'PX', '9223372036854775807'],
      ['SET', 'k', 'v', 'EXAT', '9223372036854775807'],
      ['SET', 'k', 'v', 'PXAT', '9223372036854775807'],
      ['SET', 'k', 'v', 'EX', '10', 'PX', '100'],
      ['SET', 'k', 'v', 'EX', '10', 'KEEPTTL'],
      ['SET', 'k', 'v', 'KEEPTTL', 'EX', '10'],
      ['SET', 'k', 'v', 'EX', 'abc', 'EX', '100'],
      ['SET', 'k', 'v', 'PERSIST'],
      ['SET', 'k', 'v', 'foo'],
      ['SET', 'k', 'v', 'EXAT', FAR_S],
      ['PEXPIRETIME', 'k'],
      ['SET', 'k', 'v', 'PXAT', FAR_MS],
      ['PEXPIRETIME', 'k'],
      ['SET', 'k', 'v2', 'KEEPTTL'],
      ['PEXPIRETIME', 'k'],
      ['SET', 'k', 'v3', 'KEEPTTL', 'KEEPTTL', 'GET'],
      ['PEXPIRETIME', 'k'],
      ['SET', 'k', 'v4'],
      ['PEXPIRETIME', 'k'],
      ['SET', 'k', 'v', 'PXAT', '1'],
      ['GET', 'k'],
      ['EXISTS', 'k'],
      ['LPUSH', 'list', 'a'],
      ['GET', 'list'],
      ['SET', 'list', 'x', 'GET'],
      ['SET', 'list', 'x', 'NX', 'GET'],
      ['SET', 'list', 'x', 'EX', '0', 'GET'],
      ['SET', 'list', 'x', 'XX'],
      ['TYPE', 'list'],
      ['SET', 'bin', '\x00\xff\r\n'],
      ['GET', 'bin'],
      ['STRLEN', 'bin'],
    ]);
    await pair.both(['SET', 'e', 'v', 'EX', '1000', 'GET']);
    await sameTtlClass('e');
    await pair.both(['SET', 'e', 'v', 'px', '1000000', 'ex', '1000000']);
  });

  test('SETNX, SETEX, PSETEX, GETSET, MGET, MSET, MSETNX', async () => {
    await run([
      ['SETNX', 'k', 'a'],
      ['SETNX', 'k', 'b'],
      ['GET', 'k'],
      ['SETEX', 'k', '100', 'v'],
      ['SETEX', 'k', '0', 'v'],
      ['SETEX', 'k', '-1', 'v'],
      ['SETEX', 'k', 'x', 'v'],
      ['SETEX', 'k', '9223372036854775807', 'v'],
      ['PSETEX', 'k', '0', 'v'],
      ['PSETEX', 'k', 'x', 'v'],
      ['PSETEX', 'k', '100000', 'v'],
      ['GET', 'k'],
      ['GETSET', 'k', 'new'],
      ['GETSET', 'nokey', 'new'],
      ['LPUSH', 'list', 'a'],
      ['GETSET', 'list', 'x'],
      ['SETNX', 'list', 'x'],
      ['MGET', 'k', 'nokey', 'list', 'k'],
      ['MSET', 'a', '1', 'b', '2'],
      ['MSET', 'a', '1', 'b'],
      ['MSET', 'list', 'x'],
      ['TYPE', 'list'],
      ['MGET', 'a', 'b', 'list'],
      ['MSETNX', 'a', '1', 'c', '3'],
      ['MSETNX', 'c', '3', 'd', '4'],
      ['MSETNX', 'e', '3', 'e', '4'],
      ['MSETNX', 'f', '3', 'g'],
      ['MGET', 'a', 'b', 'c', 'd', 'e'],
    ]);
    await pair.both(['SETEX', 't', '1000', 'v']);
    await sameTtlClass('t');
    await pair.both(['GETSET', 't', 'w']);
    await sameTtlClass('t');
  });

  test('INCR, DECR, INCRBY, DECRBY', async () => {
    await run([
      ['INCR', 'n'],
      ['INCR', 'n'],
      ['DECR', 'n'],
      ['DECR', 'm'],
      ['INCRBY', 'n', '100'],
      ['INCRBY', 'n', '-1000'],
      ['DECRBY', 'n', '-7'],
      ['INCRBY', 'n', 'abc'],
      ['INCRBY', 'n', '1.5'],
      ['INCRBY', 'n', ' 1'],
      ['INCRBY', 'n', '+1'],
      ['INCRBY', 'n', '01'],
      ['INCRBY', 'n', '-0'],
      ['INCRBY', 'n', '9223372036854775808'],
      ['DECRBY', 'n', '-9223372036854775808'],
      ['SET', 'big', '9223372036854775806'],
      ['INCR', 'big'],
      ['INCR', 'big'],
      ['INCRBY', 'big', '-1'],
      ['SET', 'small', '-9223372036854775807'],
      ['DECR', 'small'],
      ['DECR', 'small'],
      ['DECRBY', 'small', '9223372036854775807'],
      ['INCRBY', 'small', '9223372036854775807'],
      ['SET', 's', 'foo'],
      ['INCR', 's'],
      ['SET', 's', ' 1'],
      ['INCR', 's'],
      ['SET', 's', '1 '],
      ['INCR', 's'],
      ['SET', 's', '0x10'],
      ['INCR', 's'],
      ['SET', 's', '1e3'],
      ['INCR', 's'],
      ['SET', 's', ''],
      ['INCR', 's'],
      ['SET', 's', '12345678901234567890123'],
      ['INCR', 's'],
      ['LPUSH', 'list', 'a'],
      ['INCR', 'list'],
      ['INCRBY', 'list', 'x'],
      ['DECRBY', 'list', '1'],
      ['SET', 'ttl', '5', 'PXAT', FAR_MS],
      ['INCR', 'ttl'],
      ['PEXPIRETIME', 'ttl'],
    ]);
  });

  test('INCRBYFLOAT in long double, as Redis prints it', async () => {
    const values = [
      '10.5',
      '0',
      '-0',
      '3.0e3',
      '5.0e3',
      '1e400',
      '1.18e4932',
      '0x1p3',
      '1.5',
      '-1.5',
      '.5',
      '5.',
      '123456789012345678',
      '9223372036854775807',
      '-9223372036854775808',
      '1e-400',
      '0.1',
      '1e308',
      '0e99999',
      'inf',
      '-inf',
      'nan',
      'abc',
      ' 1',
      '1 ',
      '1e',
      '',
      '1.5\x00junk',
      '\x00',
      '0x',
      '1e4933',
      '1e-4951',
      '2e-4951',
      '3.14159265358979323846264338327950288',
    ];
    const incrs = ['0.1', '0.2', '1', '-1', '-10.5', '1e-17', '1e17', '1.0000000000000001', '1e-5', 'inf', '-inf', 'nan', 'abc', '', ' 1', '1e400', '-1e400', '0x10', '5e-324', '1.18e4932', '7'];
    await pair.both(['FLUSHALL']);
    for (const v of values) {
      for (const d of incrs) {
        await pair.both(['SET', 'f', v]);
        await pair.both(['INCRBYFLOAT', 'f', d]);
        await pair.both(['GET', 'f']);
      }
    }
    await run([
      ['INCRBYFLOAT', 'nokey', '10.5'],
      ['INCRBYFLOAT', 'nokey', '0.1'],
      ['INCRBYFLOAT', 'nokey', '0.1'],
      ['INCRBYFLOAT', 'nokey', '-10.7'],
      ['GET', 'nokey'],
      ['LPUSH', 'list', 'a'],
      ['INCRBYFLOAT', 'list', '1'],
      ['INCRBYFLOAT', 'list', 'abc'],
      ['SET', 'ttl', '1.5', 'PXAT', FAR_MS],
      ['INCRBYFLOAT', 'ttl', '1'],
      ['PEXPIRETIME', 'ttl'],
      ['SET', 'i', '5'],
      ['INCRBYFLOAT', 'i', '5'],
      ['INCR', 'i'],
      ['INCRBYFLOAT', 'i', '0.5'],
      ['INCR', 'i'],
    ]);
  });

  test('APPEND, STRLEN, GETRANGE, SUBSTR', async () => {
    await run([
      ['APPEND', 'k', 'Hello'],
      ['APPEND', 'k', ' World'],
      ['APPEND', 'k', ''],
      ['APPEND', 'e', ''],
      ['EXISTS', 'e'],
      ['STRLEN', 'k'],
      ['STRLEN', 'nokey'],
      ['SET', 'num', '12345'],
      ['APPEND', 'num', '6'],
      ['STRLEN', 'num'],
      ['LPUSH', 'list', 'a'],
      ['APPEND', 'list', 'x'],
      ['STRLEN', 'list'],
      ['SET', 'ttl', 'a', 'PXAT', FAR_MS],
      ['APPEND', 'ttl', 'b'],
      ['PEXPIRETIME', 'ttl'],
    ]);
    const ranges: [string, string][] = [];
    for (const s of ['0', '1', '3', '10', '11', '100', '-1', '-3', '-11', '-12', '-100', '9223372036854775807', '-9223372036854775808']) {
      for (const e of ['0', '1', '4', '10', '11', '100', '-1', '-2', '-11', '-12', '-100', '9223372036854775807', '-9223372036854775808']) ranges.push([s, e]);
    }
    for (const [s, e] of ranges) {
      await pair.both(['GETRANGE', 'k', s, e]);
      await pair.both(['SUBSTR', 'num', s, e]);
    }
    for (const cmd of [
      ['GETRANGE', 'nokey', '0', '-1'],
      ['GETRANGE', 'nokey', 'a', '-1'],
      ['GETRANGE', 'k', 'a', '-1'],
      ['GETRANGE', 'k', '0', '1.5'],
      ['GETRANGE', 'k', '9223372036854775808', '1'],
      ['GETRANGE', 'list', '0', '-1'],
      ['GETRANGE', 'list', 'x', '-1'],
      ['SUBSTR', 'list', '0', '-1'],
      ['SET', 'empty', ''],
      ['GETRANGE', 'empty', '0', '-1'],
      ['GETRANGE', 'empty', '-1', '0'],
    ]) {
      await pair.both(cmd);
    }
  });

  test('SETRANGE', async () => {
    await run([
      ['SETRANGE', 'k', '0', 'Hello'],
      ['SETRANGE', 'k', '6', 'World'],
      ['GET', 'k'],
      ['SETRANGE', 'k', '2', 'XY'],
      ['SETRANGE', 'k', '11', '!'],
      ['SETRANGE', 'k', '20', 'end'],
      ['GET', 'k'],
      ['SETRANGE', 'k', '3', ''],
      ['SETRANGE', 'k', '300', ''],
      ['STRLEN', 'k'],
      ['SETRANGE', 'nokey', '5', ''],
      ['EXISTS', 'nokey'],
      ['SETRANGE', 'nokey', '5', 'x'],
      ['GET', 'nokey'],
      ['SETRANGE', 'k', '-1', 'x'],
      ['SETRANGE', 'k', 'a', 'x'],
      ['SETRANGE', 'k', '1.0', 'x'],
      ['SETRANGE', 'k', '536870911', 'xy'],
      ['SETRANGE', 'k', '536870912', 'x'],
      ['SETRANGE', 'k', '9223372036854775807', 'x'],
      ['SETRANGE', 'k', '9223372036854775808', 'x'],
      ['SETRANGE', 'k', '-1', ''],
      ['SETRANGE', 'nokey2', '536870912', ''],
      ['SETRANGE', 'nokey2', '536870912', 'x'],
      ['SET', 'num', '12345'],
      ['SETRANGE', 'num', '1', '0'],
      ['GET', 'num'],
      ['INCR', 'num'],
      ['LPUSH', 'list', 'a'],
      ['SETRANGE', 'list', '0', 'x'],
      ['SETRANGE', 'list', '0', ''],
      ['SETRANGE', 'list', '-1', 'x'],
      ['SET', 'ttl', 'abc', 'PXAT', FAR_MS],
      ['SETRANGE', 'ttl', '1', 'Z'],
      ['PEXPIRETIME', 'ttl'],
      ['GET', 'ttl'],
    ]);
  });

  test('GETDEL and GETEX', async () => {
    await run([
      ['SET', 'k', 'v'],
      ['GETDEL', 'k'],
      ['GETDEL', 'k'],
      ['EXISTS', 'k'],
      ['LPUSH', 'list', 'a'],
      ['GETDEL', 'list'],
      ['EXISTS', 'list'],
      ['GETEX', 'nokey'],
      ['GETEX', 'nokey', 'EX', 'abc'],
      ['GETEX', 'nokey', 'EX', '0'],
      ['GETEX', 'nokey', 'EX'],
      ['GETEX', 'nokey', 'NX'],
      ['GETEX', 'list'],
      ['GETEX', 'list', 'EX', 'abc'],
      ['GETEX', 'list', 'FOO'],
      ['SET', 'k', 'v'],
      ['GETEX', 'k'],
      ['GETEX', 'k', 'EX', 'abc'],
      ['GETEX', 'k', 'EX', '0'],
      ['GETEX', 'k', 'PX', '-1'],
      ['GETEX', 'k', 'EXAT', '0'],
      ['GETEX', 'k', 'EX', '9223372036854775807'],
      ['GETEX', 'k', 'PXAT', '9223372036854775807'],
      ['GETEX', 'k', 'EX', '10', 'PX', '10'],
      ['GETEX', 'k', 'EX', '10', 'PERSIST'],
      ['GETEX', 'k', 'PERSIST', 'EX', '10'],
      ['GETEX', 'k', 'KEEPTTL'],
      ['GETEX', 'k', 'GET'],
      ['GETEX', 'k', 'XX'],
      ['GETEX', 'k', 'EXAT', FAR_S],
      ['PEXPIRETIME', 'k'],
      ['GETEX', 'k', 'PXAT', FAR_MS],
      ['PEXPIRETIME', 'k'],
      ['GETEX', 'k', 'PERSIST'],
      ['PEXPIRETIME', 'k'],
      ['GETEX', 'k', 'PERSIST', 'PERSIST'],
      ['GETEX', 'k', 'EXAT', '1'],
      ['EXISTS', 'k'],
      ['SET', 'k', 'v'],
      ['GETEX', 'k', 'PXAT', '1000'],
      ['EXISTS', 'k'],
    ]);
    await pair.both(['SET', 'k', 'v']);
    await pair.both(['GETEX', 'k', 'EX', '1000']);
    await sameTtlClass('k');
    await pair.both(['GETEX', 'k', 'PX', '1000000', 'PX', '2000000']);
    await sameTtlClass('k');
  });

  test('GETEX PXAT and SET PXAT: PTTL never answers more than was set', async () => {
    // The server's clock must be the wall clock of the moment, not a cached one lagging it:
    // a client that sets PXAT now+10000 must never read back a PTTL above 10000.
    for (const client of [pair.a, pair.b]) {
      const seen: number[] = [];
      for (let i = 0; i < 1000; i++) {
        await client.call('SET', 'pxat', 'v');
        const at = Date.now() + 10000;
        // Pipelined, so that the PTTL runs within the same millisecond as the commands before it.
        const [, t1, , t2] = await Promise.all([
          client.call('GETEX', 'pxat', 'PXAT', String(at)),
          client.call('PTTL', 'pxat'),
          client.call('SET', 'pxat2', 'v', 'PXAT', String(at)),
          client.call('PTTL', 'pxat2'),
        ]);
        const ttl = Number((t1 as { v: string }).v);
        const ttl2 = Number((t2 as { v: string }).v);
        if (ttl > 10000 || ttl2 > 10000) seen.push(Math.max(ttl, ttl2));
      }
      assert.deepEqual(seen, [], client === pair.a ? 'dssm' : 'redis-server');
    }
    await pair.send(['DEL', 'pxat', 'pxat2']);
  });

  test('LCS with LEN, IDX, MINMATCHLEN and WITHMATCHLEN', async () => {
    await run([
      ['MSET', 'a', 'ohmytext', 'b', 'mynewtext'],
      ['LCS', 'a', 'b'],
      ['LCS', 'a', 'b', 'LEN'],
      ['LCS', 'a', 'b', 'IDX'],
      ['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '4'],
      ['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'],
      ['LCS', 'a', 'b', 'IDX', 'WITHMATCHLEN'],
      ['LCS', 'a', 'b', 'idx', 'minmatchlen', '-5', 'withmatchlen'],
      ['LCS', 'a', 'b', 'LEN', 'IDX'],
      ['LCS', 'a', 'b', 'MINMATCHLEN'],
      ['LCS', 'a', 'b', 'MINMATCHLEN', 'x'],
      ['LCS', 'a', 'b', 'MINMATCHLEN', '2'],
      ['LCS', 'a', 'b', 'LEN', 'MINMATCHLEN', '2'],
      ['LCS', 'a', 'b', 'FOO'],
      ['LCS', 'a', 'nokey'],
      ['LCS', 'a', 'nokey', 'IDX'],
      ['LCS', 'nokey', 'nokey2', 'LEN'],
      ['LCS', 'a', 'a', 'IDX', 'WITHMATCHLEN'],
      ['LPUSH', 'list', 'x'],
      ['LCS', 'a', 'list'],
      ['LCS', 'list', 'a', 'FOO'],
      ['MSET', 'x', 'AGGTABQWERTY', 'y', 'GXTXAYBQWRTY'],
      ['LCS', 'x', 'y', 'IDX', 'WITHMATCHLEN'],
      ['MSET', 'p', '\x00\x01\x02abc\xff', 'q', '\x01\xffabc\x02'],
      ['LCS', 'p', 'q'],
      ['LCS', 'p', 'q', 'IDX'],
    ]);
    const r = rng(7);
    for (let i = 0; i < 40; i++) {
      const word = () => Array.from({ length: Math.floor(r() * 30) }, () => pick(r, ['a', 'b', 'c', 'd'])).join('');
      await pair.both(['MSET', 'a', word(), 'b', word()]);
      await pair.both(['LCS', 'a', 'b']);
      await pair.both(['LCS', 'a', 'b', 'IDX', 'WITHMATCHLEN', 'MINMATCHLEN', Math.floor(r() * 3)]);
    }
  });

  test('RESP3 replies: LCS IDX is a map', async () => {
    await pair.send(['HELLO', '3']);
    try {
      await run([
        ['MSET', 'a', 'ohmytext', 'b', 'mynewtext'],
        ['LCS', 'a', 'b', 'IDX', 'WITHMATCHLEN'],
        ['GET', 'nokey'],
        ['GETEX', 'nokey'],
        ['INCRBYFLOAT', 'f', '1.5'],
      ]);
    } finally {
      await pair.send(['HELLO', '2']);
    }
  });

  test('COMMAND INFO of the string commands', async () => {
    for (const name of [
      'get',
      'set',
      'setnx',
      'setex',
      'psetex',
      'mget',
      'mset',
      'msetnx',
      'getset',
      'getdel',
      'getex',
      'incr',
      'decr',
      'incrby',
      'decrby',
      'incrbyfloat',
      'append',
      'strlen',
      'getrange',
      'substr',
      'setrange',
      'lcs',
    ]) {
      const [a, b] = await pair.send(['COMMAND', 'INFO', name]);
      // name, arity, flags, first, last, step, ACL categories: the first seven fields.
      const head = (r: Reply) => JSON.stringify(r.t === 'array' && r.v?.[0]?.t === 'array' ? r.v[0].v!.slice(0, 7) : r);
      assert.equal(head(a), head(b), name);
    }
  });

  test('arity errors', async () => {
    for (const cmd of [
      ['GET'],
      ['SET', 'k'],
      ['GETEX'],
      ['GETDEL'],
      ['GETDEL', 'a', 'b'],
      ['MSETNX', 'a'],
      ['INCRBYFLOAT', 'a'],
      ['GETRANGE', 'a', '0'],
      ['SETRANGE', 'a', '0'],
      ['LCS', 'a'],
      ['SUBSTR', 'a', '1', '2', '3'],
    ]) {
      await pair.both(cmd);
    }
  });

  test('keyspace notifications carry Redis event names', async () => {
    const events = async (cmds: Cmd[]): Promise<void> => {
      await pair.both(['FLUSHALL']);
      await pair.both(['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']);
      const subA = await pair.dssm.client();
      const subB = await pair.redis.client();
      await Promise.all([subA.call('PSUBSCRIBE', '__key*__:*'), subB.call('PSUBSCRIBE', '__key*__:*')]);
      for (const cmd of cmds) await pair.both(cmd);
      // The event of a last marker key tells that every earlier event has arrived.
      await pair.both(['SET', 'end-marker', '1']);
      const done = (c: typeof subA) => c.unsolicited.some((r) => JSON.stringify(r).includes('__keyevent@0__:set"},{"t":"bulk","v":"end-marker"'));
      for (let i = 0; i < 200 && !(done(subA) && done(subB)); i++) await new Promise((res) => setTimeout(res, 10));
      const msgs = (c: typeof subA) => c.unsolicited.map((r) => JSON.stringify(r));
      assert.deepEqual(msgs(subA), msgs(subB));
      subA.close();
      subB.close();
      await pair.both(['CONFIG', 'SET', 'notify-keyspace-events', '']);
    };
    await events([
      ['SET', 'k', 'v'],
      ['SET', 'k', 'v', 'EX', '100'],
      ['SETNX', 'n', '1'],
      ['SETEX', 'e', '100', 'v'],
      ['PSETEX', 'e', '100000', 'v'],
      ['MSET', 'a', '1', 'b', '2'],
      ['MSETNX', 'c', '1', 'd', '2'],
      ['GETSET', 'a', '5'],
      ['INCR', 'a'],
      ['DECRBY', 'a', '2'],
      ['INCRBYFLOAT', 'a', '1.5'],
      ['APPEND', 'a', 'x'],
      ['SETRANGE', 'a', '1', 'yy'],
      ['SETRANGE', 'a', '1', ''],
      ['GETDEL', 'a'],
      ['GETDEL', 'a'],
      ['GETEX', 'b', 'EX', '100'],
      ['GETEX', 'b', 'PERSIST'],
      ['GETEX', 'b', 'PERSIST'],
      ['GETEX', 'b', 'PXAT', '1'],
      ['SET', 'z', 'v', 'PXAT', FAR_MS],
      ['INCRBYFLOAT', 'nofloat', '1'],
    ]);
  });

  test('random command sequences match reply by reply', async () => {
    const keys = ['k0', 'k1', 'k2', 'k3', 'k4', 'list'];
    const ints = ['0', '1', '-1', '7', '100', '-100', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '1.5', 'abc', '', '007', '+3'];
    const floats = ['0.1', '-0.1', '1.5', '10.5', '3.0e3', '1e-5', '1e20', 'inf', 'abc', '1e400', '-2.25', '0'];
    const values = ['', 'a', 'hello', 'x\x00y', '\xff\xfe', '42', '-7', '3.5', '9223372036854775807', 'abcdefghijklmnopqrstuvwxyz'];
    const offsets = ['0', '1', '3', '5', '10', '-1', '-3', '30', 'x'];
    for (const seed of [1, 2, 3]) {
      const r = rng(seed);
      const n = () => pick(r, ints);
      const k = () => pick(r, keys);
      const val = () => pick(r, values);
      const off = () => pick(r, offsets);
      await pair.both(['FLUSHALL']);
      await pair.both(['RPUSH', 'list', 'a', 'b']);
      for (let i = 0; i < 1500; i++) {
        const gens: (() => Cmd)[] = [
          () => ['GET', k()],
          () => ['SET', k(), val()],
          () => ['SET', k(), val(), pick(r, ['NX', 'XX', 'GET', 'KEEPTTL', 'PX', 'EX'])].concat(r() < 0.5 ? [] : [pick(r, ['100000000', '0', 'x'])]),
          () => ['SET', k(), val(), 'PX', '100000000', 'GET'],
          () => ['SETNX', k(), val()],
          () => ['SETEX', k(), pick(r, ['100000', '0', 'a']), val()],
          () => ['PSETEX', k(), pick(r, ['100000000', '-1']), val()],
          () => ['MGET', k(), k(), k()],
          () => ['MSET', k(), val(), k(), val()],
          () => ['MSETNX', k(), val(), k(), val()],
          () => ['GETSET', k(), val()],
          () => ['GETDEL', k()],
          () => ['GETEX', k()].concat(pick(r, [[], ['PERSIST'], ['PX', '100000000'], ['EX', '0'], ['PXAT', String(FAR_MS)], ['EXAT', '1'], ['FOO']])),
          () => ['INCR', k()],
          () => ['DECR', k()],
          () => ['INCRBY', k(), n()],
          () => ['DECRBY', k(), n()],
          () => ['INCRBYFLOAT', k(), pick(r, floats)],
          () => ['APPEND', k(), val()],
          () => ['STRLEN', k()],
          () => ['GETRANGE', k(), off(), off()],
          () => ['SUBSTR', k(), off(), off()],
          () => ['SETRANGE', k(), off(), val()],
          () => ['LCS', k(), k()].concat(pick(r, [[], ['LEN'], ['IDX'], ['IDX', 'WITHMATCHLEN', 'MINMATCHLEN', '2']])),
          () => ['SETBIT', k(), pick(r, ['0', '7', '13', '40', '-1']), pick(r, ['0', '1', '2'])],
          () => ['GETBIT', k(), pick(r, ['0', '7', '13', '40', '1000'])],
          () => ['BITCOUNT', k()].concat(r() < 0.5 ? [] : [off(), off()]),
          () => ['BITPOS', k(), pick(r, ['0', '1'])].concat(r() < 0.5 ? [] : [off()]),
          () => ['EXISTS', k()],
          () => ['PTTL', k()],
        ];
        const cmd = pick(r, gens)();
        // Relative expiry times differ by a millisecond or so between the servers.
        if (cmd[0] === 'PTTL') await sameTtlClass(String(cmd[1]));
        else await pair.both(cmd);
      }
      for (const key of keys) {
        await pair.both(['GET', key]);
        await sameTtlClass(key);
      }
    }
  });
});
