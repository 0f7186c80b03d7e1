/**
 * Bitmap commands against the real redis-server, reply by reply, errors included.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { usePair, pick, rng } from '../helpers/differential.js';
import type { Reply } from '../helpers/resp.js';
import { skipWithoutRedis } from '../helpers/servers.js';

type Cmd = (string | number)[];

describe('bitmaps: dssm answers as redis-server 7.0', { skip: skipWithoutRedis() }, () => {
  const pair = usePair();

  async function run(cmds: Cmd[]): Promise<void> {
    await pair.both(['FLUSHALL']);
    for (const cmd of cmds) await pair.both(cmd);
  }

  test('SETBIT and GETBIT', async () => {
    await run([
      ['SETBIT', 'b', '7', '1'],
      ['GET', 'b'],
      ['SETBIT', 'b', '7', '1'],
      ['SETBIT', 'b', '7', '0'],
      ['SETBIT', 'b', '0', '1'],
      ['SETBIT', 'b', '100', '1'],
      ['STRLEN', 'b'],
      ['GET', 'b'],
      ['GETBIT', 'b', '0'],
      ['GETBIT', 'b', '1'],
      ['GETBIT', 'b', '100'],
      ['GETBIT', 'b', '101'],
      ['GETBIT', 'b', '100000'],
      ['GETBIT', 'nokey', '5'],
      ['GETBIT', 'nokey', '-1'],
      ['GETBIT', 'nokey', 'x'],
      ['GETBIT', 'b', '4294967295'],
      ['GETBIT', 'b', '4294967296'],
      ['SETBIT', 'b', '-1', '1'],
      ['SETBIT', 'b', 'x', '1'],
      ['SETBIT', 'b', '4294967296', '1'],
      ['SETBIT', 'b', '9223372036854775807', '1'],
      ['SETBIT', 'b', '9223372036854775808', '1'],
      ['SETBIT', 'b', '1', '2'],
      ['SETBIT', 'b', '1', '-1'],
      ['SETBIT', 'b', '1', 'x'],
      ['SETBIT', 'b', '1', ''],
      ['SETBIT', 'b', '-1', 'x'],
      ['SETBIT', 'nokey', '3', '0'],
      ['GET', 'nokey'],
      ['SET', 'num', '12'],
      ['SETBIT', 'num', '7', '1'],
      ['GET', 'num'],
      ['GETBIT', 'num', '2'],
      ['LPUSH', 'list', 'a'],
      ['SETBIT', 'list', '0', '1'],
      ['SETBIT', 'list', '-1', '1'],
      ['GETBIT', 'list', '0'],
      ['GETBIT', 'list', 'x'],
      ['SET', 'ttl', 'a', 'PXAT', '4102444800123'],
      ['SETBIT', 'ttl', '100', '1'],
      ['PEXPIRETIME', 'ttl'],
    ]);
  });

  test('BITCOUNT with BYTE and BIT ranges', async () => {
    await run([
      ['SET', 's', 'foobar'],
      ['BITCOUNT', 's'],
      ['BITCOUNT', 'nokey'],
      ['BITCOUNT', 'nokey', '0'],
      ['BITCOUNT', 'nokey', 'a', 'b', 'c'],
      ['BITCOUNT', 's', '0'],
      ['BITCOUNT', 's', '0', '1', 'BYTE', 'x'],
      ['BITCOUNT', 's', 'a', '1'],
      ['BITCOUNT', 's', '0', 'a'],
      ['BITCOUNT', 's', '0', '1', 'foo'],
      ['BITCOUNT', 's', 'a', '1', 'foo'],
      ['BITCOUNT', 's', '-1', '-2', 'foo'],
      ['LPUSH', 'list', 'a'],
      ['BITCOUNT', 'list'],
      ['BITCOUNT', 'list', 'x', 'y'],
      ['SET', 'empty', ''],
      ['BITCOUNT', 'empty'],
      ['BITCOUNT', 'empty', '0', '-1', 'BIT'],
      ['SET', 'num', '1234567'],
      ['BITCOUNT', 'num', '1', '3'],
    ]);
    const idx = ['0', '1', '2', '5', '7', '8', '9', '15', '23', '47', '48', '100', '-1', '-2', '-7', '-8', '-9', '-48', '-49', '-100', '9223372036854775807', '-9223372036854775808'];
    for (const a of idx) {
      for (const b of idx) {
        await pair.both(['BITCOUNT', 's', a, b]);
        await pair.both(['BITCOUNT', 's', a, b, 'BIT']);
        await pair.both(['BITCOUNT', 's', a, b, 'byte']);
      }
    }
  });

  test('BITPOS with BYTE and BIT ranges', async () => {
    await run([
      ['BITPOS', 'nokey', '0'],
      ['BITPOS', 'nokey', '1'],
      ['BITPOS', 'nokey', '1', 'x', 'y', 'z', 'w'],
      ['BITPOS', 'nokey', '2'],
      ['BITPOS', 'nokey', 'x'],
      ['SET', 'ff', '\xff\xff\xff'],
      ['SET', 'zz', '\x00\x00\x00'],
      ['SET', 'mix', '\x00\xff\xf0\x0f\x00'],
      ['BITPOS', 'ff', '0'],
      ['BITPOS', 'ff', '1'],
      ['BITPOS', 'zz', '0'],
      ['BITPOS', 'zz', '1'],
      ['BITPOS', 'ff', '0', '0'],
      ['BITPOS', 'ff', '0', '0', '-1'],
      ['BITPOS', 'ff', '0', '0', '-1', 'BIT'],
      ['BITPOS', 'ff', '0', '0', '-1', 'FOO'],
      ['BITPOS', 'ff', '0', 'x', '-1', 'FOO'],
      ['BITPOS', 'ff', '0', '0', 'x', 'FOO'],
      ['BITPOS', 'ff', '0', '0', 'x'],
      ['BITPOS', 'ff', '0', '0', '1', 'BIT', 'extra'],
      ['BITPOS', 'ff', '3'],
      ['LPUSH', 'list', 'a'],
      ['BITPOS', 'list', '1'],
      ['BITPOS', 'list', '5'],
      ['SET', 'empty', ''],
      ['BITPOS', 'empty', '0'],
      ['BITPOS', 'empty', '1'],
      ['BITPOS', 'empty', '0', '0', '-1'],
    ]);
    const idx = ['0', '1', '2', '3', '4', '7', '8', '9', '12', '15', '16', '20', '23', '24', '39', '40', '100', '-1', '-2', '-3', '-8', '-9', '-17', '-40', '-41', '-100'];
    for (const key of ['ff', 'zz', 'mix']) {
      for (const bit of ['0', '1']) {
        for (const a of idx) {
          await pair.both(['BITPOS', key, bit, a]);
          await pair.both(['BITPOS', key, bit, a, 'BIT']);
          for (const b of idx) {
            await pair.both(['BITPOS', key, bit, a, b]);
            await pair.both(['BITPOS', key, bit, a, b, 'BIT']);
          }
        }
      }
    }
  });

  test('BITOP AND OR XOR NOT', async () => {
    await run([
      ['SET', 'a', '\x0f\xf0\xaa'],
      ['SET', 'b', '\xff\x00'],
      ['SET', 'c', 'x'],
      ['BITOP', 'AND', 'd', 'a', 'b'],
      ['GET', 'd'],
      ['BITOP', 'or', 'd', 'a', 'b', 'c'],
      ['GET', 'd'],
      ['BITOP', 'XOR', 'd', 'a', 'b', 'nokey'],
      ['GET', 'd'],
      ['BITOP', 'AND', 'd', 'a', 'nokey'],
      ['GET', 'd'],
      ['BITOP', 'NOT', 'd', 'a'],
      ['GET', 'd'],
      ['BITOP', 'NOT', 'd', 'a', 'b'],
      ['BITOP', 'NOT', 'd', 'nokey'],
      ['EXISTS', 'd'],
      ['BITOP', 'AND', 'd', 'nokey', 'nokey2'],
      ['BITOP', 'FOO', 'd', 'a'],
      ['BITOP', 'NOT', 'd', 'd'],
      ['LPUSH', 'list', 'x'],
      ['BITOP', 'AND', 'd', 'a', 'list'],
      ['BITOP', 'AND', 'list', 'a', 'b'],
      ['TYPE', 'list'],
      ['GET', 'list'],
      ['SET', 'e', ''],
      ['BITOP', 'OR', 'd2', 'e', 'e'],
      ['EXISTS', 'd2'],
      ['SET', 'ttl', 'v', 'PXAT', '4102444800123'],
      ['BITOP', 'OR', 'ttl', 'a'],
      ['PEXPIRETIME', 'ttl'],
      ['SET', 'n', '123'],
      ['BITOP', 'XOR', 'd', 'n', 'a'],
      ['GET', 'd'],
    ]);
  });

  test('BITFIELD GET SET INCRBY OVERFLOW and BITFIELD_RO', async () => {
    await run([
      ['BITFIELD', 'nokey'],
      ['EXISTS', 'nokey'],
      ['BITFIELD', 'nokey', 'GET', 'u8', '0'],
      ['EXISTS', 'nokey'],
      ['BITFIELD', 'bf', 'SET', 'u8', '0', '255', 'GET', 'u8', '0', 'GET', 'i8', '0', 'GET', 'u4', '4', 'GET', 'i4', '#1'],
      ['BITFIELD', 'bf', 'INCRBY', 'u8', '0', '1', 'INCRBY', 'u8', '0', '-1'],
      ['BITFIELD', 'bf', 'OVERFLOW', 'SAT', 'INCRBY', 'u8', '0', '300', 'INCRBY', 'u8', '0', '-300', 'INCRBY', 'i8', '0', '200', 'INCRBY', 'i8', '0', '-300'],
      ['BITFIELD', 'bf', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '300', 'INCRBY', 'u8', '0', '1', 'OVERFLOW', 'WRAP', 'INCRBY', 'u8', '0', '300'],
      [
        'BITFIELD',
        'bf',
        'SET',
        'u8',
        '0',
        '-1',
        'OVERFLOW',
        'SAT',
        'SET',
        'u8',
        '8',
        '-1',
        'SET',
        'i8',
        '16',
        '1000',
        'SET',
        'i8',
        '24',
        '-1000',
        'OVERFLOW',
        'FAIL',
        'SET',
        'u8',
        '32',
        '256',
        'SET',
        'u8',
        '32',
        '255',
      ],
      ['GET', 'bf'],
      [
        'BITFIELD',
        'bf',
        'SET',
        'i64',
        '0',
        '-9223372036854775808',
        'GET',
        'i64',
        '0',
        'GET',
        'u63',
        '0',
        'GET',
        'u63',
        '1',
        'INCRBY',
        'i64',
        '0',
        '-1',
        'OVERFLOW',
        'SAT',
        'INCRBY',
        'i64',
        '0',
        '-1',
        'INCRBY',
        'i64',
        '0',
        '9223372036854775807',
        'INCRBY',
        'i64',
        '0',
        '9223372036854775807',
      ],
      ['BITFIELD', 'bf', 'SET', 'u63', '0', '9223372036854775807', 'INCRBY', 'u63', '0', '1', 'OVERFLOW', 'SAT', 'INCRBY', 'u63', '0', '1', 'SET', 'u63', '0', '-1'],
      [
        'BITFIELD',
        'bf',
        'OVERFLOW',
        'WRAP',
        'SET',
        'i64',
        '0',
        '9223372036854775807',
        'INCRBY',
        'i64',
        '0',
        '1',
        'INCRBY',
        'i64',
        '0',
        '-1',
        'SET',
        'u1',
        '3',
        '5',
        'SET',
        'i1',
        '3',
        '-1',
        'GET',
        'i1',
        '3',
      ],
      ['BITFIELD', 'bf', 'SET', 'i5', '#3', '-7', 'GET', 'i5', '#3', 'GET', 'u5', '15', 'INCRBY', 'i5', '#3', '20', 'GET', 'u16', '#1000'],
      ['STRLEN', 'bf'],
      ['BITFIELD', 'bf', 'GET', 'u8', '100000'],
      ['BITFIELD', 'bf2', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '80', '1000'],
      ['GET', 'bf2'],
      ['BITFIELD', 'bf', 'GET', 'u64', '0'],
      ['BITFIELD', 'bf', 'GET', 'i65', '0'],
      ['BITFIELD', 'bf', 'GET', 'i0', '0'],
      ['BITFIELD', 'bf', 'GET', 'U8', '0'],
      ['BITFIELD', 'bf', 'GET', 'u', '0'],
      ['BITFIELD', 'bf', 'GET', 'u08', '0'],
      ['BITFIELD', 'bf', 'GET', '', '0'],
      ['BITFIELD', 'bf', 'GET', 'u8', '-1'],
      ['BITFIELD', 'bf', 'GET', 'u8', '#-1'],
      ['BITFIELD', 'bf', 'GET', 'u8', '#'],
      ['BITFIELD', 'bf', 'GET', 'u8', 'x'],
      ['BITFIELD', 'bf', 'GET', 'u8', '4294967296'],
      ['BITFIELD', 'bf', 'GET', 'u8', '#536870912'],
      ['BITFIELD', 'bf', 'GET', 'i64', '#1152921504606846976'],
      ['BITFIELD', 'bf', 'GET', 'i64', '#9223372036854775807'],
      ['BITFIELD', 'bf', 'GET', 'u8'],
      ['BITFIELD', 'bf', 'SET', 'u8', '0'],
      ['BITFIELD', 'bf', 'SET', 'u8', '0', 'x'],
      ['BITFIELD', 'bf', 'INCRBY', 'u8', '0', '1.5'],
      ['BITFIELD', 'bf', 'OVERFLOW', 'FOO', 'GET', 'u8', '0'],
      ['BITFIELD', 'bf', 'OVERFLOW'],
      ['BITFIELD', 'bf', 'FOO', 'u8', '0'],
      ['BITFIELD', 'bf', 'GET', 'u8', '0', 'SET', 'x8', '0', '1'],
      ['BITFIELD', 'bf', 'overflow', 'sat', 'get', 'u8', '0', 'incrby', 'u2', '100', '1'],
      ['BITFIELD_RO', 'bf', 'GET', 'u8', '0', 'GET', 'i16', '#1'],
      ['BITFIELD_RO', 'bf', 'SET', 'u8', '0', '1'],
      ['BITFIELD_RO', 'bf', 'INCRBY', 'u8', '0', 'x'],
      ['BITFIELD_RO', 'bf', 'OVERFLOW', 'SAT'],
      ['BITFIELD_RO', 'nokey', 'GET', 'u8', '0'],
      ['BITFIELD_RO', 'bf'],
      ['LPUSH', 'list', 'a'],
      ['BITFIELD', 'list', 'GET', 'u8', '0'],
      ['BITFIELD', 'list', 'SET', 'u8', '0', '1'],
      ['BITFIELD', 'list'],
      ['BITFIELD', 'list', 'GET', 'x8', '0'],
      ['BITFIELD_RO', 'list', 'GET', 'u8', '0'],
      ['SET', 'ttl', 'v', 'PXAT', '4102444800123'],
      ['BITFIELD', 'ttl', 'SET', 'u8', '0', '65'],
      ['PEXPIRETIME', 'ttl'],
      ['GET', 'ttl'],
    ]);
  });

  test('BITFIELD arithmetic over every width and policy', async () => {
    const r = rng(11);
    await pair.both(['FLUSHALL']);
    const big = [
      '0',
      '1',
      '-1',
      '2',
      '-2',
      '127',
      '-128',
      '255',
      '256',
      '32767',
      '-32768',
      '65535',
      '4294967295',
      '-4294967296',
      '9223372036854775807',
      '-9223372036854775808',
      '4611686018427387904',
      '12345678901234',
    ];
    for (let i = 0; i < 600; i++) {
      const signed = r() < 0.5;
      const bits = signed ? 1 + Math.floor(r() * 64) : 1 + Math.floor(r() * 63);
      const type = `${signed ? 'i' : 'u'}${bits}`;
      const offset = r() < 0.2 ? `#${Math.floor(r() * 5)}` : String(Math.floor(r() * 80));
      const args: Cmd = ['BITFIELD', 'f', 'OVERFLOW', pick(r, ['WRAP', 'SAT', 'FAIL'])];
      args.push(pick(r, ['SET', 'INCRBY', 'GET']), type, offset);
      if (args[4] !== 'GET') args.push(pick(r, big));
      args.push('GET', type, offset);
      await pair.both(args);
    }
    await pair.both(['GET', 'f']);
  });

  test('COMMAND INFO of the bitmap commands', async () => {
    for (const name of ['setbit', 'getbit', 'bitcount', 'bitpos', 'bitop', 'bitfield', 'bitfield_ro']) {
      const [a, b] = await pair.send(['COMMAND', 'INFO', name]);
      const head = (x: Reply) => JSON.stringify(x.t === 'array' && x.v?.[0]?.t === 'array' ? x.v[0].v!.slice(0, 7) : x);
      assert.equal(head(a), head(b), name);
    }
  });

  test('arity errors', async () => {
    for (const cmd of [['SETBIT', 'a', '1'], ['GETBIT', 'a'], ['BITCOUNT'], ['BITPOS', 'a'], ['BITOP', 'AND', 'd'], ['BITOP', 'NOT', 'd'], ['BITFIELD'], ['BITFIELD_RO']]) {
      await pair.both(cmd);
    }
  });

  test('keyspace notifications and dirty counting as Redis', async () => {
    await pair.both(['FLUSHALL']);
    await pair.both(['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']);
    const subA = await pair.dssm.client();
    const subB = await pair.redis.client();
    await Promise.all([subA.call('PSUBSCRIBE', '__key*__:*'), subB.call('PSUBSCRIBE', '__key*__:*')]);
    for (const cmd of [
      ['SETBIT', 'b', '3', '1'],
      ['SETBIT', 'b', '3', '1'],
      ['SETBIT', 'b', '2', '0'],
      ['SETBIT', 'b', '20', '0'],
      ['BITFIELD', 'b', 'GET', 'u8', '0'],
      ['BITFIELD', 'b', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '100'],
      ['BITFIELD', 'c', 'SET', 'u8', '0', '1'],
      ['BITOP', 'AND', 'd', 'b', 'c'],
      ['BITOP', 'AND', 'd', 'nokey'],
      ['BITOP', 'AND', 'd', 'nokey'],
      ['SET', 'end-marker', '1'],
    ]) {
      await pair.both(cmd);
    }
    const done = (c: typeof subA) => c.unsolicited.some((x) => JSON.stringify(x).includes('__keyevent@0__:set"},{"t":"bulk","v":"end-marker"'));
    for (let i = 0; i < 200 && !(done(subA) && done(subB)); i++) await new Promise((res) => setTimeout(res, 10));
    const msgs = (c: typeof subA) => c.unsolicited.map((x) => JSON.stringify(x));
    assert.deepEqual(msgs(subA), msgs(subB));
    subA.close();
    subB.close();
    await pair.both(['CONFIG', 'SET', 'notify-keyspace-events', '']);
  });

  test('random bitmap sequences match reply by reply', async () => {
    const keys = ['b0', 'b1', 'b2', 'b3', 'list'];
    const idx = ['0', '1', '2', '7', '8', '13', '-1', '-2', '-9', '20', '-30', '100', 'x'];
    for (const seed of [21, 22, 23]) {
      const r = rng(seed);
      const k = () => pick(r, keys);
      const i = () => pick(r, idx);
      await pair.both(['FLUSHALL']);
      await pair.both(['RPUSH', 'list', 'a']);
      for (let n = 0; n < 1200; n++) {
        const gens: (() => Cmd)[] = [
          () => ['SETBIT', k(), String(Math.floor(r() * 64)), pick(r, ['0', '1', '1', '2'])],
          () => ['GETBIT', k(), String(Math.floor(r() * 80))],
          () => ['BITCOUNT', k()].concat(r() < 0.3 ? [] : [i(), i()], r() < 0.5 ? [] : [pick(r, ['BIT', 'BYTE', 'bit', 'FOO'])]),
          () => ['BITPOS', k(), pick(r, ['0', '1', '1', '0', '2'])].concat(r() < 0.3 ? [] : [i()], r() < 0.4 ? [] : [i()], r() < 0.5 ? [] : [pick(r, ['BIT', 'BYTE', 'FOO'])]),
          () => ['BITOP', pick(r, ['AND', 'OR', 'XOR', 'NOT', 'NOT']), k(), k()].concat(r() < 0.5 ? [] : [k()]),
          () => [
            'BITFIELD',
            k(),
            'OVERFLOW',
            pick(r, ['WRAP', 'SAT', 'FAIL']),
            pick(r, ['SET', 'INCRBY']),
            pick(r, ['u4', 'i7', 'u8', 'i16', 'u31', 'i64', 'i3']),
            pick(r, ['0', '5', '#1', '#3', '17']),
            pick(r, ['1', '-1', '100', '-100', '1000000', '9223372036854775807']),
          ],
          () => ['BITFIELD_RO', k(), 'GET', pick(r, ['u4', 'i7', 'u8', 'i16', 'u63', 'i64']), pick(r, ['0', '3', '#1', '40'])],
          () => ['SET', k(), pick(r, ['', 'a', '\xff', '\x00\x01', 'foobar', '12'])],
          () => ['APPEND', k(), pick(r, ['\x00', '\xff\xf0', 'z'])],
          () => ['SETRANGE', k(), pick(r, ['0', '3', '9']), pick(r, ['\x80', 'ab'])],
          () => ['PEXPIRE', k(), '100000000'],
          () => ['GET', k()],
          () => ['DEL', k()],
        ];
        await pair.both(pick(r, gens)());
      }
      for (const key of keys) await pair.both(['GET', key]);
    }
  });
});
