/**
 * Hash commands, dssm against redis-server 7.0: the same commands to both, replies compared
 * in type and value (RESP2 and RESP3), errors included. Order is compared exactly while
 * Redis keeps the hash as a listpack (insertion order), and as a multiset otherwise.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { usePair, pick, rng } from '../helpers/differential.js';
import type { Reply } from '../helpers/resp.js';
import { skipWithoutRedis } from '../helpers/servers.js';
import { bothScanAll, bothUnordered, captureEvents, readRedisAof, recordDssmPropagation } from './hash-set-helpers.js';

const SMALL = ['--hash-max-listpack-entries', '16', '--hash-max-listpack-value', '24'];

describe('hashes against redis-server', { skip: skipWithoutRedis() }, () => {
  const p = usePair(SMALL, [...SMALL, '--appendonly', 'yes', '--appendfsync', 'always']);

  async function all(cmds: (string | number)[][]): Promise<void> {
    for (const cmd of cmds) await p.both(cmd);
  }

  async function resp3<T>(fn: () => Promise<T>): Promise<T> {
    await p.send(['HELLO', '3']);
    try {
      return await fn();
    } finally {
      await p.send(['HELLO', '2']);
    }
  }

  it('HSET, HSETNX, HMSET, HGET, HMGET, HDEL, HLEN, HSTRLEN, HEXISTS and their errors', async () => {
    await p.send(['FLUSHALL']);
    await all([
      ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3'],
      ['HSET', 'h', 'a', '10', 'd', '4'],
      ['HSET', 'h', 'a'],
      ['HSET', 'h', 'a', '1', 'b'],
      ['HSET', 'h'],
      ['HMSET', 'h', 'e', '5', 'f'],
      ['HMSET', 'h', 'e', '5', 'f', '6'],
      ['HSETNX', 'h', 'a', 'x'],
      ['HSETNX', 'h', 'z', 'x'],
      ['HSETNX', 'new', 'z', 'x'],
      ['HSETNX', 'h', 'z'],
      ['HGET', 'h', 'a'],
      ['HGET', 'h', 'nope'],
      ['HGET', 'nokey', 'a'],
      ['HMGET', 'h', 'a', 'nope', 'b', 'a'],
      ['HMGET', 'nokey', 'a', 'b'],
      ['HMGET', 'h'],
      ['HLEN', 'h'],
      ['HLEN', 'nokey'],
      ['HSTRLEN', 'h', 'a'],
      ['HSTRLEN', 'h', 'nope'],
      ['HSTRLEN', 'nokey', 'a'],
      ['HEXISTS', 'h', 'a'],
      ['HEXISTS', 'h', 'nope'],
      ['HEXISTS', 'nokey', 'a'],
      ['HDEL', 'h', 'a', 'a', 'nope', 'b'],
      ['HDEL', 'nokey', 'a'],
      ['HDEL', 'h'],
      ['HGETALL', 'h'],
      ['HKEYS', 'h'],
      ['HVALS', 'h'],
      ['HDEL', 'new', 'z'],
      ['EXISTS', 'new'],
      ['HDEL', 'h', 'c', 'd', 'e', 'f', 'z', 'extra'],
      ['EXISTS', 'h'],
      ['HGETALL', 'nokey'],
      ['HKEYS', 'nokey'],
      ['HVALS', 'nokey'],
      ['HSET', 'bin', '\u0000\u00ff', '\r\n', '', ''],
      ['HGETALL', 'bin'],
      ['HSTRLEN', 'bin', '\u0000\u00ff'],
    ]);
  });

  it('every hash command answers WRONGTYPE on another type, and arity errors as Redis', async () => {
    await p.send(['FLUSHALL']);
    await p.send(['SET', 's', 'x']);
    await all([
      ['HSET', 's', 'a', '1'],
      ['HSETNX', 's', 'a', '1'],
      ['HMSET', 's', 'a', '1'],
      ['HGET', 's', 'a'],
      ['HMGET', 's', 'a'],
      ['HDEL', 's', 'a'],
      ['HLEN', 's'],
      ['HSTRLEN', 's', 'a'],
      ['HEXISTS', 's', 'a'],
      ['HKEYS', 's'],
      ['HVALS', 's'],
      ['HGETALL', 's'],
      ['HINCRBY', 's', 'a', '1'],
      ['HINCRBYFLOAT', 's', 'a', '1'],
      ['HSCAN', 's', '0'],
      ['HRANDFIELD', 's'],
      ['HRANDFIELD', 's', '1'],
      ['HRANDFIELD', 's', 'x'],
      ['HINCRBY', 's', 'a', 'x'],
      ['HGET', 's'],
      ['HLEN'],
      ['HGETALL', 's', 'x'],
      ['HINCRBY', 's', 'a'],
      ['HSCAN', 's'],
      ['HRANDFIELD'],
    ]);
  });

  it('HINCRBY: overflow, non-integer values and increments', async () => {
    await p.send(['FLUSHALL']);
    await all([
      ['HINCRBY', 'h', 'n', '5'],
      ['HINCRBY', 'h', 'n', '-10'],
      ['HINCRBY', 'h', 'n', '0'],
      ['HSET', 'h', 's', 'abc', 'sp', ' 1', 'f', '1.5', 'z', '0', 'lead', '01', 'neg0', '-0'],
      ['HINCRBY', 'h', 's', '1'],
      ['HINCRBY', 'h', 'sp', '1'],
      ['HINCRBY', 'h', 'f', '1'],
      ['HINCRBY', 'h', 'lead', '1'],
      ['HINCRBY', 'h', 'neg0', '1'],
      ['HINCRBY', 'h', 'z', '1'],
      ['HINCRBY', 'h', 'n', 'x'],
      ['HINCRBY', 'h', 'n', '1.0'],
      ['HINCRBY', 'h', 'n', ' 1'],
      ['HINCRBY', 'h', 'n', '9223372036854775808'],
      ['HINCRBY', 'h', 'big', '9223372036854775807'],
      ['HINCRBY', 'h', 'big', '1'],
      ['HINCRBY', 'h', 'big', '-9223372036854775807'],
      ['HINCRBY', 'h', 'small', '-9223372036854775808'],
      ['HINCRBY', 'h', 'small', '-1'],
      ['HINCRBY', 'h', 'small', '9223372036854775807'],
      ['HGETALL', 'h'],
    ]);
  });

  it('HINCRBYFLOAT: long double results formatted as Redis 7.0, and its errors', async () => {
    await p.send(['FLUSHALL']);
    const cmds: string[][] = [];
    const incs = [
      '0.1',
      '0.2',
      '1e20',
      '-1e20',
      '3.0e3',
      '-0',
      '0',
      '1.5',
      '10.5',
      '-0.00000000000000001',
      '1e-17',
      '5e-18',
      '0x10',
      '0X1.8p1',
      '3.14159265358979323846264338327950288',
      '1e-300',
      '123456789012345678901234567890',
      '.5',
      '5.',
      '+2',
      '7E2',
    ];
    for (const inc of incs) cmds.push(['HINCRBYFLOAT', 'h', 'acc', inc]);
    for (const inc of incs) cmds.push(['HINCRBYFLOAT', 'h', `f${inc}`, inc]);
    cmds.push(
      ['HSET', 'h', 'int', '42', 'str', 'abc', 'big', '1e4000', 'huge', '1.1e4932', 'sp', '1 ', 'inf', 'inf', 'hex', '0x1p3', 'nan', 'nan'],
      ['HINCRBYFLOAT', 'h', 'int', '0.5'],
      ['HINCRBYFLOAT', 'h', 'str', '1'],
      ['HINCRBYFLOAT', 'h', 'sp', '1'],
      ['HINCRBYFLOAT', 'h', 'big', '1'],
      ['HINCRBYFLOAT', 'h', 'huge', '1.1e4932'],
      ['HINCRBYFLOAT', 'h', 'inf', '1'],
      ['HINCRBYFLOAT', 'h', 'hex', '1'],
      ['HINCRBYFLOAT', 'h', 'nan', '1'],
      ['HINCRBYFLOAT', 'h', 'x', 'abc'],
      ['HINCRBYFLOAT', 'h', 'x', 'inf'],
      ['HINCRBYFLOAT', 'h', 'x', '-Infinity'],
      ['HINCRBYFLOAT', 'h', 'x', 'nan'],
      ['HINCRBYFLOAT', 'h', 'x', ' 1'],
      ['HINCRBYFLOAT', 'h', 'x', '1 '],
      ['HINCRBYFLOAT', 'h', 'x', ''],
      ['HINCRBYFLOAT', 'h', 'x', '1e5000'],
      ['HINCRBYFLOAT', 'h', 'x', '1e-5000'],
      ['HINCRBYFLOAT', 'h', 'x', '1e'],
      ['HINCRBYFLOAT', 'h', 'x', '0x'],
      ['HINCRBYFLOAT', 'h', 'x', '1e-4940'],
      ['HINCRBYFLOAT', 'h', 'x', '-1e-4940'],
      ['HINCRBYFLOAT', 'h', 'y', '1.18e4932'],
      ['HINCRBYFLOAT', 'h', 'y', '1.18e4932'],
      ['EXISTS', 'nokey'],
      ['HINCRBYFLOAT', 'nokey', 'f', 'x'],
      ['EXISTS', 'nokey'],
    );
    await all(cmds);
    await bothUnordered(p, ['HGETALL', 'h'], true);
    // Accumulating many decimal steps exercises the 64-bit rounding on every addition.
    const r = rng(7);
    for (let i = 0; i < 300; i++) {
      const inc = `${r() < 0.5 ? '-' : ''}${Math.floor(r() * 1000)}.${Math.floor(r() * 1e6)}${r() < 0.2 ? 'e' + Math.floor(r() * 40 - 20) : ''}`;
      await p.both(['HINCRBYFLOAT', 'acc', pick(r, ['a', 'b', 'c']), inc]);
    }
  });

  it('HINCRBYFLOAT agrees on random stored values and increments: exponents to the limits, hex, long digit strings', async () => {
    await p.send(['FLUSHALL']);
    const r = rng(12345);
    const num = (): string => {
      const k = r();
      const sign = r() < 0.4 ? '-' : '';
      if (k < 0.2) return sign + Math.floor(r() * 1e6);
      if (k < 0.4) return sign + (r() * 10 ** Math.floor(r() * 30 - 15)).toPrecision(1 + Math.floor(r() * 20));
      if (k < 0.5) return `${sign}1e${Math.floor(r() * 9900 - 4950)}`;
      if (k < 0.6) return `${sign}0x${Math.floor(r() * 1e9).toString(16)}.${Math.floor(r() * 1e6).toString(16)}p${Math.floor(r() * 200 - 100)}`;
      if (k < 0.7) return `${sign}${Math.floor(r() * 1e9)}${Math.floor(r() * 1e9)}.${Math.floor(r() * 1e9)}`;
      if (k < 0.8) return `${sign}0.${'0'.repeat(Math.floor(r() * 20))}${Math.floor(r() * 1e6)}`;
      if (k < 0.9) return sign + String(r() * 2 ** 64);
      return `${sign}${Math.floor(r() * 100)}e${Math.floor(r() * 60 - 30)}`;
    };
    for (let i = 0; i < 400; i++) {
      await p.both(['HSET', 'h', 'f', num()]);
      await p.both(['HINCRBYFLOAT', 'h', 'f', num()]);
    }
  });

  it('HINCRBYFLOAT propagates HSET with the result; HINCRBY propagates itself', async () => {
    await p.send(['FLUSHALL']);
    const log = recordDssmPropagation(p);
    const before = readRedisAof(p.redis.dir).length;
    const mark = log.length;
    await all([
      ['HINCRBYFLOAT', 'pf', 'a', '0.1'],
      ['HINCRBYFLOAT', 'pf', 'a', '0.2'],
      ['HINCRBYFLOAT', 'pf', 'a', 'x'],
      ['HINCRBY', 'pf', 'b', '3'],
      ['HDEL', 'pf', 'zz'],
      ['HSETNX', 'pf', 'a', '1'],
    ]);
    const ours = log.slice(mark).map((a) => a.join(' '));
    const theirs = readRedisAof(p.redis.dir)
      .slice(before)
      .map((a) => a.join(' '));
    assert.deepEqual(ours, theirs);
    assert.deepEqual(ours, ['HSET pf a 0.1', 'HSET pf a 0.3', 'HINCRBY pf b 3']);
  });

  it('HGETALL is a map in RESP3; HRANDFIELD WITHVALUES pairs are nested arrays in RESP3', async () => {
    await p.send(['FLUSHALL']);
    await p.send(['HSET', 'h', 'a', '1', 'b', '2', 'c', '3']);
    await resp3(async () => {
      await all([
        ['HGETALL', 'h'],
        ['HGETALL', 'nokey'],
        ['HKEYS', 'h'],
        ['HVALS', 'h'],
        ['HMGET', 'h', 'a', 'x'],
        ['HGET', 'h', 'x'],
      ]);
      await all([
        ['HRANDFIELD', 'h', '3', 'WITHVALUES'],
        ['HRANDFIELD', 'h', '10', 'withvalues'],
        ['HRANDFIELD', 'nokey'],
        ['HRANDFIELD', 'nokey', '3', 'WITHVALUES'],
      ]);
      await all([
        ['HRANDFIELD', 'h', '0'],
        ['HRANDFIELD', 'h', '0', 'WITHVALUES'],
        ['HSCAN', 'h', '0'],
        ['HSCAN', 'nokey', '0'],
      ]);
      await checkRandfield('h', true);
    });
    await all([
      ['HRANDFIELD', 'h', '3', 'WITHVALUES'],
      ['HRANDFIELD', 'h', '10', 'WITHVALUES'],
    ]);
    await checkRandfield('h', false);
  });

  /** HRANDFIELD's deterministic parts: reply type, length, membership, distinctness. */
  async function checkRandfield(key: string, nested: boolean): Promise<void> {
    const full = (await p.a.call('HGETALL', key)) as Reply;
    const map = new Map<string, string>();
    if (full.t === 'map') for (const [k, v] of full.v) map.set((k as { v: string }).v, (v as { v: string }).v);
    else for (let i = 0; i < (full.v as Reply[]).length; i += 2) map.set(((full.v as Reply[])[i] as { v: string }).v, ((full.v as Reply[])[i + 1] as { v: string }).v);
    const size = map.size;
    for (const count of [1, 2, size - 1, size, size + 5, -1, -2, -size, -size * 3]) {
      for (const withValues of [false, true]) {
        const args = ['HRANDFIELD', key, String(count), ...(withValues ? ['WITHVALUES'] : [])];
        const [a, b] = await p.send(args);
        assert.equal(a.t, b.t, `${args.join(' ')} reply types differ`);
        const la = a.v as Reply[];
        const lb = b.v as Reply[];
        assert.equal(la.length, lb.length, `${args.join(' ')} lengths differ`);
        const fields: string[] = [];
        if (withValues && nested) {
          for (const pair of la) {
            assert.equal(pair.t, 'array');
            const [f, v] = pair.v as [Reply, Reply];
            fields.push((f as { v: string }).v);
            assert.equal(map.get((f as { v: string }).v), (v as { v: string }).v);
          }
        } else if (withValues) {
          for (let i = 0; i < la.length; i += 2) {
            fields.push((la[i] as { v: string }).v);
            assert.equal(map.get((la[i] as { v: string }).v), (la[i + 1] as { v: string }).v);
          }
        } else {
          for (const f of la) fields.push((f as { v: string }).v);
        }
        for (const f of fields) assert.ok(map.has(f), `${f} is not a field`);
        if (count > 0) assert.equal(new Set(fields).size, fields.length, 'a positive count gives distinct fields');
        assert.equal(fields.length, count > 0 ? Math.min(count, size) : -count);
      }
    }
    const [a, b] = await p.send(['HRANDFIELD', key]);
    assert.equal(a.t, b.t);
    assert.ok(map.has((a as { v: string }).v));
  }

  it('HRANDFIELD count errors and limits', async () => {
    await p.send(['FLUSHALL']);
    await p.send(['HSET', 'h', 'a', '1', 'b', '2']);
    await all([
      ['HRANDFIELD', 'h', 'x'],
      ['HRANDFIELD', 'h', '1.5'],
      ['HRANDFIELD', 'h', '1', 'foo'],
      ['HRANDFIELD', 'h', '1', 'withvalues', 'x'],
      ['HRANDFIELD', 'h', '-9223372036854775808'],
      ['HRANDFIELD', 'h', '-9223372036854775807', 'WITHVALUES'],
      ['HRANDFIELD', 'h', '9223372036854775807', 'WITHVALUES'],
      ['HRANDFIELD', 'h', '4611686018427387904', 'WITHVALUES'],
      ['HRANDFIELD', 'h', '-4611686018427387904', 'WITHVALUES'],
      ['HRANDFIELD', 'h', '99999999999999999999'],
      ['HRANDFIELD', 'nokey', 'x'],
      ['HRANDFIELD', 'nokey', '1', 'foo'],
      ['HRANDFIELD', 'h', '9223372036854775807'],
      ['HRANDFIELD', 'h', '4611686018427387903', 'WITHVALUES'],
    ]);
    for (const size of [5, 40]) {
      await p.send(['DEL', 'r']);
      const args = ['HSET', 'r'];
      for (let i = 0; i < size; i++) args.push(`f${i}`, `v${i}`);
      await p.send(args);
      await p.both(['OBJECT', 'ENCODING', 'r']);
      await checkRandfield('r', false);
    }
  });

  it('HSCAN: a complete iteration finds every field, with MATCH and COUNT, and its errors', async () => {
    await p.send(['FLUSHALL']);
    const big = ['HSET', 'big'];
    for (let i = 0; i < 300; i++) big.push(`field:${i}`, `value:${i}`);
    await p.send(big);
    await p.send(['HSET', 'small', 'a', '1', 'b', '2', 'ab', '3']);
    for (const key of ['big', 'small', 'nokey']) {
      for (const opts of [[], ['COUNT', '1'], ['COUNT', '7'], ['COUNT', '1000'], ['MATCH', 'field:1*'], ['MATCH', '*b*', 'COUNT', '3'], ['match', '*'], ['MATCH', 'x', 'MATCH', 'a*']]) {
        await bothScanAll(p, 'HSCAN', key, opts);
      }
    }
    await all([
      ['HSCAN', 'small', '0'],
      ['HSCAN', 'small', '0', 'MATCH', 'a*'],
      ['HSCAN', 'small', '12345'],
      ['HSCAN', 'small', 'x'],
      ['HSCAN', 'small', '-1'],
      ['HSCAN', 'small', '18446744073709551616'],
      ['HSCAN', 'small', ' 0'],
      ['HSCAN', 'small', '0', 'COUNT', '0'],
      ['HSCAN', 'small', '0', 'COUNT', '-1'],
      ['HSCAN', 'small', '0', 'COUNT', 'x'],
      ['HSCAN', 'small', '0', 'COUNT'],
      ['HSCAN', 'small', '0', 'MATCH'],
      ['HSCAN', 'small', '0', 'TYPE', 'string'],
      ['HSCAN', 'small', '0', 'NOVALUES'],
      ['HSCAN', 'nokey', '0', 'COUNT', '0'],
      ['HSCAN', 'nokey', 'x'],
    ]);
    // Fields present for the whole iteration are found even while the hash changes.
    const seen = new Set<string>();
    let cursor = '0';
    let step = 0;
    do {
      const r = (await p.a.call('HSCAN', 'big', cursor, 'COUNT', '13')) as { v: [Reply, Reply] };
      cursor = (r.v[0] as { v: string }).v;
      const items = (r.v[1].v as Reply[]).map((x) => (x as { v: string }).v);
      for (let i = 0; i < items.length; i += 2) seen.add(items[i]!);
      step++;
      await p.a.call('HDEL', 'big', `field:${((step * 7) % 150) + 150}`);
      await p.a.call('HSET', 'big', `new:${step}`, 'x');
    } while (cursor !== '0');
    for (let i = 0; i < 150; i++) assert.ok(seen.has(`field:${i}`), `field:${i} was missed`);
  });

  it('OBJECT ENCODING: listpack within the limits, hashtable after, one-way', async () => {
    await p.send(['FLUSHALL']);
    const cmds: (string | number)[][] = [];
    const fill = ['HSET', 'h'];
    for (let i = 0; i < 16; i++) fill.push(`f${i}`, 'v');
    cmds.push(fill, ['OBJECT', 'ENCODING', 'h'], ['HSET', 'h', 'f16', 'v'], ['OBJECT', 'ENCODING', 'h']);
    cmds.push(['HDEL', 'h', 'f0', 'f1', 'f2', 'f3'], ['OBJECT', 'ENCODING', 'h']);
    cmds.push(['HSET', 'v', 'a', 'x'.repeat(24)], ['OBJECT', 'ENCODING', 'v'], ['HSET', 'v', 'b', 'x'.repeat(25)], ['OBJECT', 'ENCODING', 'v']);
    cmds.push(['HSET', 'k', 'k'.repeat(25), '1'], ['OBJECT', 'ENCODING', 'k']);
    cmds.push(['HSET', 'n', 'a', '1'], ['HSETNX', 'n', 'a', 'x'.repeat(30)], ['OBJECT', 'ENCODING', 'n'], ['HSETNX', 'n', 'b', 'x'.repeat(30)], ['OBJECT', 'ENCODING', 'n']);
    cmds.push(['HINCRBYFLOAT', 'fl', 'a', '1e30'], ['OBJECT', 'ENCODING', 'fl'], ['HINCRBYFLOAT', 'fl', 'a', '0.1'], ['OBJECT', 'ENCODING', 'fl']);
    cmds.push(['HMSET', 'm', 'a', '1', 'b', 'y'.repeat(100)], ['OBJECT', 'ENCODING', 'm'], ['HDEL', 'm', 'b'], ['OBJECT', 'ENCODING', 'm']);
    cmds.push(['CONFIG', 'SET', 'hash-max-listpack-entries', '0'], ['HSET', 'z', 'a', '1'], ['OBJECT', 'ENCODING', 'z'], ['CONFIG', 'SET', 'hash-max-listpack-entries', '16']);
    await all(cmds);
    await bothUnordered(p, ['HGETALL', 'h'], true);
  });

  it('keyspace notifications name the same events in the same order', async () => {
    await p.send(['FLUSHALL']);
    const [ours, theirs] = await captureEvents(p, async () => {
      await all([
        ['HSET', 'h', 'a', '1', 'b', '2'],
        ['HSET', 'h', 'a', '1'],
        ['HMSET', 'h', 'c', '3'],
        ['HSETNX', 'h', 'a', '1'],
        ['HSETNX', 'h', 'd', '1'],
        ['HINCRBY', 'h', 'a', '1'],
        ['HINCRBY', 'h', 'c', 'x'],
        ['HINCRBYFLOAT', 'h', 'a', '1.5'],
        ['HDEL', 'h', 'zz'],
        ['HDEL', 'h', 'a', 'b'],
        ['HDEL', 'h', 'c', 'd'],
        ['HSET', 'h', 'x', 'y'],
        ['HGET', 'h', 'x'],
        ['DEL', 'h'],
      ]);
    });
    assert.deepEqual(ours, theirs);
    assert.ok(theirs.length > 5);
  });

  for (const [seed, proto] of [
    [3, 2],
    [17, 2],
    [29, 3],
    [88, 2],
  ] as const) {
    it(`random command sequences agree (seed ${seed}, RESP${proto})`, async () => {
      await p.send(['FLUSHALL']);
      await p.send(['HELLO', String(proto)]);
      const r = rng(seed);
      const keys = ['h1', 'h2', 'h3', 'str'];
      await p.send(['SET', 'str', 'x']);
      const field = (): string => (r() < 0.05 ? 'F'.repeat(20 + Math.floor(r() * 10)) : `f${Math.floor(r() * 24)}`);
      const value = (): string => {
        const k = r();
        if (k < 0.3) return String(Math.floor(r() * 200) - 100);
        if (k < 0.45) return (r() * 100 - 50).toFixed(Math.floor(r() * 5));
        if (k < 0.5) return 'v'.repeat(20 + Math.floor(r() * 10));
        if (k < 0.55) return '';
        return `v${Math.floor(r() * 50)}`;
      };
      for (let i = 0; i < 1500; i++) {
        const key = pick(r, keys);
        const op = Math.floor(r() * 22);
        switch (op) {
          case 0:
          case 1: {
            const args = ['HSET', key];
            const n = 1 + Math.floor(r() * 4);
            for (let j = 0; j < n; j++) args.push(field(), value());
            await p.both(args);
            break;
          }
          case 2:
            await p.both(['HSETNX', key, field(), value()]);
            break;
          case 3:
            await p.both(['HGET', key, field()]);
            break;
          case 4:
            await p.both(['HMGET', key, field(), field(), field()]);
            break;
          case 5:
          case 6:
            await p.both(['HDEL', key, field(), field()]);
            break;
          case 7:
            await p.both(['HLEN', key]);
            break;
          case 8:
            await p.both(['HSTRLEN', key, field()]);
            break;
          case 9:
            await p.both(['HEXISTS', key, field()]);
            break;
          case 10:
          case 11: {
            // Listpack hashes keep insertion order in Redis: compare exactly then.
            const [enc] = await p.send(['OBJECT', 'ENCODING', key]);
            const ordered = enc.t === 'bulk' && enc.v === 'listpack';
            const cmd = pick(r, ['HGETALL', 'HKEYS', 'HVALS']);
            if (ordered) await p.both([cmd, key]);
            else await bothUnordered(p, [cmd, key], cmd === 'HGETALL' && proto === 2);
            break;
          }
          case 12:
            await p.both(['HINCRBY', key, field(), String(Math.floor(r() * 20) - 10)]);
            break;
          case 13:
            await p.both(['HINCRBYFLOAT', key, field(), pick(r, ['0.1', '-1.5', '3', '1e3', '2.5e-3', 'x', '7.77'])]);
            break;
          case 14:
            await bothScanAll(p, 'HSCAN', key, r() < 0.5 ? [] : ['MATCH', 'f1*', 'COUNT', '3']);
            break;
          case 15:
            await p.both(['OBJECT', 'ENCODING', key]);
            break;
          case 16: {
            const [a, b] = await p.send(['HRANDFIELD', key, String(Math.floor(r() * 10) - 5)]);
            assert.equal(a.t, b.t);
            if (a.t === 'array') assert.equal((a.v as Reply[]).length, (b.v as Reply[]).length);
            else assert.deepEqual(a, b);
            break;
          }
          case 17:
            if (r() < 0.2) await p.both(['DEL', key]);
            else await p.both(['EXISTS', key]);
            break;
          case 18:
            await p.both(['TYPE', key]);
            break;
          default:
            await p.both(['HSET', key, field(), value()]);
        }
      }
      for (const key of keys) {
        await p.both(['OBJECT', 'ENCODING', key]);
        await bothUnordered(p, ['HGETALL', key], proto === 2);
      }
      await p.send(['HELLO', '2']);
    });
  }
});
