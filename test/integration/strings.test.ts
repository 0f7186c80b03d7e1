/**
 * String and bitmap commands as replicas and the AOF see them: what each write
 * propagates (the effect, with absolute times), and what real clients get back.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import Redis from 'ioredis';
import type { RawClient } from '../helpers/resp.js';
import { startDssm, type TestServer } from '../helpers/servers.js';

let server: TestServer;
let c: RawClient;
let propagated: string[][] = [];

before(async () => {
  server = await startDssm();
  server.node.addPropagationSink({ propagate: (_db, argv) => propagated.push([...argv]) });
  c = await server.client();
});
after(() => server.stop());
beforeEach(async () => {
  await c.call('FLUSHALL');
  propagated = [];
});

/** Run a command and return what it propagated. */
async function effect(...args: string[]): Promise<string[][]> {
  propagated = [];
  await c.call(...args);
  return propagated;
}

function near(actual: string | undefined, expected: number): void {
  assert.ok(actual !== undefined && Math.abs(Number(actual) - expected) < 5000, `${actual} should be close to ${expected}`);
}

describe('what string writes propagate', () => {
  test('SET with a relative expiry propagates SET ... PXAT with the absolute time', async () => {
    const [e] = await effect('SET', 'k', 'v', 'EX', '100', 'NX');
    assert.deepEqual(e!.slice(0, 4), ['SET', 'k', 'v', 'PXAT']);
    near(e![4], Date.now() + 100_000);
    const [p] = await effect('SET', 'k', 'w', 'PX', '5000', 'GET');
    assert.deepEqual(p!.slice(0, 4), ['SET', 'k', 'w', 'PXAT']);
    near(p![4], Date.now() + 5000);
  });

  test('SET ... GET propagates without GET; an aborted SET propagates nothing', async () => {
    assert.deepEqual(await effect('SET', 'k', 'v', 'get', 'KEEPTTL', 'GET'), [['SET', 'k', 'v', 'KEEPTTL']]);
    assert.deepEqual(await effect('SET', 'k', 'v', 'NX', 'GET'), []);
    assert.deepEqual(await effect('SET', 'k', 'v', 'EX', '0'), []);
  });

  test('SETEX and PSETEX propagate SET ... PXAT; GETSET propagates SET', async () => {
    const [e] = await effect('SETEX', 'k', '100', 'v');
    assert.deepEqual(e!.slice(0, 4), ['SET', 'k', 'v', 'PXAT']);
    near(e![4], Date.now() + 100_000);
    const [p] = await effect('PSETEX', 'k', '100000', 'v');
    near(p![4], Date.now() + 100_000);
    assert.deepEqual(await effect('GETSET', 'k', 'x'), [['SET', 'k', 'x']]);
  });

  test('GETDEL propagates DEL, only when a key was deleted', async () => {
    await c.call('SET', 'k', 'v');
    assert.deepEqual(await effect('GETDEL', 'k'), [['DEL', 'k']]);
    assert.deepEqual(await effect('GETDEL', 'k'), []);
  });

  test('GETEX propagates PEXPIREAT, PERSIST or DEL', async () => {
    await c.call('SET', 'k', 'v');
    assert.deepEqual(await effect('GETEX', 'k'), []);
    const [e] = await effect('GETEX', 'k', 'EX', '100');
    assert.deepEqual(e!.slice(0, 2), ['PEXPIREAT', 'k']);
    near(e![2], Date.now() + 100_000);
    const [x] = await effect('GETEX', 'k', 'EXAT', '4102444800');
    assert.deepEqual(x, ['PEXPIREAT', 'k', '4102444800000']);
    // PXAT is already absolute: Redis propagates the command as it came.
    assert.deepEqual(await effect('GETEX', 'k', 'PXAT', '4102444800123'), [['GETEX', 'k', 'PXAT', '4102444800123']]);
    assert.deepEqual(await effect('GETEX', 'k', 'PERSIST'), [['PERSIST', 'k']]);
    assert.deepEqual(await effect('GETEX', 'k', 'PERSIST'), []);
    assert.deepEqual(await effect('GETEX', 'k', 'EXAT', '1'), [['DEL', 'k']]);
    assert.deepEqual(await c.call('EXISTS', 'k'), { t: 'int', v: '0' });
  });

  test('INCRBYFLOAT propagates the result as SET ... KEEPTTL', async () => {
    await c.call('SET', 'f', '10.5');
    assert.deepEqual(await effect('INCRBYFLOAT', 'f', '0.1'), [['SET', 'f', '10.6', 'KEEPTTL']]);
    assert.deepEqual(await effect('INCRBYFLOAT', 'f', 'x'), []);
  });

  test('MSETNX propagates only when it sets; writes that change nothing propagate nothing', async () => {
    assert.deepEqual(await effect('MSETNX', 'a', '1', 'b', '2'), [['MSETNX', 'a', '1', 'b', '2']]);
    assert.deepEqual(await effect('MSETNX', 'a', '1', 'c', '2'), []);
    assert.deepEqual(await effect('SETRANGE', 'a', '0', ''), []);
    assert.deepEqual(await effect('SETBIT', 'bits', '3', '1'), [['SETBIT', 'bits', '3', '1']]);
    assert.deepEqual(await effect('SETBIT', 'bits', '3', '1'), []);
    assert.deepEqual(await effect('BITFIELD', 'bits', 'GET', 'u8', '0'), []);
    assert.deepEqual(await effect('BITFIELD', 'bits', 'SET', 'u4', '0', '1'), []);
    assert.deepEqual(await effect('BITFIELD', 'bits', 'SET', 'u4', '0', '2'), [['BITFIELD', 'bits', 'SET', 'u4', '0', '2']]);
    assert.deepEqual(await effect('BITOP', 'AND', 'dest', 'nokey'), []);
  });
});

describe('real clients', () => {
  test('ioredis reads string and bitmap replies', async () => {
    const r = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true });
    await r.connect();
    try {
      await r.set('f', '10.5');
      assert.equal(await r.incrbyfloat('f', '0.1'), '10.6');
      assert.equal(await r.getex('f', 'PX', 100000), '10.6');
      assert.ok((await r.pttl('f')) > 0);
      assert.equal(await r.msetnx('a', '1', 'b', '2'), 1);
      assert.equal(await r.setrange('a', 3, 'xyz'), 6);
      assert.equal(await r.getrange('a', 0, -1), '1\x00\x00xyz');
      assert.equal(await r.getdel('b'), '2');
      assert.equal(await r.setbit('bits', 7, 1), 0);
      assert.equal(await r.bitcount('bits'), 1);
      assert.equal(await r.bitpos('bits', 1), 7);
      assert.deepEqual(await r.bitfield('bits', 'INCRBY', 'u8', 0, 10, 'GET', 'i8', 0), [11, 11]);
      await r.mset('s1', 'ohmytext', 's2', 'mynewtext');
      assert.equal(await r.call('LCS', 's1', 's2'), 'mytext');
      assert.deepEqual(await r.call('LCS', 's1', 's2', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'), ['matches', [[[4, 7], [5, 8], 4]], 'len', 6]);
    } finally {
      r.disconnect();
    }
  });

  test('binary values survive SETRANGE, APPEND and BITOP byte for byte', async () => {
    await c.call('SET', 'b', '\x00\xff');
    await c.call('APPEND', 'b', '\x80');
    await c.call('SETRANGE', 'b', '4', '\x01');
    await c.call('BITOP', 'NOT', 'n', 'b');
    assert.deepEqual(await c.call('GET', 'n'), { t: 'bulk', v: '\xff\x00\x7f\xff\xfe' });
  });
});
