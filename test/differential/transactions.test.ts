/**
 * Transactions, dssm vs redis-server 7.0: queueing, queue-time errors (EXECABORT), runtime
 * errors inside EXEC, the MULTI/EXEC/DISCARD/WATCH error texts, and WATCH invalidation
 * by other clients, by FLUSHDB/FLUSHALL and by expiry.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDssm, startRedis, skipWithoutRedis, type RedisServer, type TestServer } from '../helpers/servers.js';
import type { RawClient, Reply } from '../helpers/resp.js';

class Duo {
  constructor(
    readonly d: RawClient,
    readonly r: RawClient,
  ) {}

  async both(...args: string[]): Promise<Reply> {
    const [a, b] = await Promise.all([this.d.call(...args), this.r.call(...args)]);
    assert.deepEqual(a, b, `replies differ for ${JSON.stringify(args)}:\n dssm:  ${JSON.stringify(a)}\n redis: ${JSON.stringify(b)}`);
    return a;
  }

  async send(...args: string[]): Promise<void> {
    await Promise.all([this.d.call(...args), this.r.call(...args)]);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('transactions vs redis-server', { skip: skipWithoutRedis() }, () => {
  let dssm: TestServer;
  let redis: RedisServer;
  const duo = async (): Promise<Duo> => new Duo(await dssm.client(), await redis.client());

  before(async () => {
    [dssm, redis] = await Promise.all([startDssm(), startRedis()]);
  });
  after(async () => {
    await Promise.all([dssm.stop(), redis.stop()]);
  });

  test('MULTI queues, EXEC answers every reply in order', async () => {
    const c = await duo();
    await c.both('MULTI');
    await c.both('SET', 't1', 'a');
    await c.both('APPEND', 't1', 'b');
    await c.both('GET', 't1');
    await c.both('INCR', 't1');
    await c.both('GET', 'missing');
    await c.both('EXEC');
    await c.both('GET', 't1');
    await c.both('MULTI');
    await c.both('EXEC');
  });

  test('queue-time errors abort EXEC with EXECABORT', async () => {
    const c = await duo();
    await c.both('MULTI');
    await c.both('SET', 't2', '1');
    await c.both('NOSUCHCOMMAND', 'x');
    await c.both('INCR', 't2', 'extra');
    await c.both('SET', 't2', '2');
    await c.both('EXEC');
    await c.both('GET', 't2');
    await c.both('EXEC');
    await c.both('DISCARD');
  });

  test('runtime errors inside EXEC do not stop the rest', async () => {
    const c = await duo();
    await c.both('SET', 't3', 'text');
    await c.both('MULTI');
    await c.both('INCR', 't3');
    await c.both('SET', 't3b', 'ok');
    await c.both('INCRBY', 't3', 'notanumber');
    await c.both('GET', 't3b');
    await c.both('EXEC');
  });

  test('error texts: nested MULTI, WATCH inside MULTI, EXEC/DISCARD without MULTI, EXEC with arguments', async () => {
    const c = await duo();
    await c.both('EXEC');
    await c.both('DISCARD');
    await c.both('MULTI');
    await c.both('MULTI');
    await c.both('WATCH', 'x');
    await c.both('SET', 'nested', '1');
    await c.both('EXEC');
    await c.both('GET', 'nested');
    await c.both('MULTI');
    await c.both('SET', 'nested', '2');
    await c.both('EXEC', 'extra');
    await c.both('GET', 'nested');
    await c.both('EXEC');
    await c.both('EXEC', 'extra');
    await c.both('MULTI');
    await c.both('SET', 'nested', '3');
    await c.both('DISCARD');
    await c.both('GET', 'nested');
    await c.both('EXEC');
    await c.both('WATCH');
  });

  test('WATCH: another client touching the key fails EXEC with a null array', async () => {
    const c = await duo();
    const other = await duo();
    await c.both('SET', 'w1', '1');
    await c.both('WATCH', 'w1');
    await other.both('SET', 'w1', '2');
    await c.both('MULTI');
    await c.both('SET', 'w1', 'mine');
    await c.both('EXEC');
    await c.both('GET', 'w1');
    // After a failed EXEC the watch is gone: the next transaction runs.
    await c.both('MULTI');
    await c.both('SET', 'w1', 'mine');
    await c.both('EXEC');
  });

  test('WATCH: untouched keys, UNWATCH, own changes, missing keys, DEL of a missing key', async () => {
    const c = await duo();
    const other = await duo();
    await c.both('WATCH', 'w2', 'w2b');
    await other.both('SET', 'unrelated', '1');
    await c.both('MULTI');
    await c.both('GET', 'w2');
    await c.both('EXEC');

    await c.both('WATCH', 'w2');
    await other.both('SET', 'w2', 'x');
    await c.both('UNWATCH');
    await c.both('MULTI');
    await c.both('GET', 'w2');
    await c.both('EXEC');

    await c.both('WATCH', 'w2');
    await c.both('SET', 'w2', 'self');
    await c.both('MULTI');
    await c.both('GET', 'w2');
    await c.both('EXEC');

    await c.both('WATCH', 'w-missing');
    await other.both('SET', 'w-missing', 'now here');
    await c.both('MULTI');
    await c.both('PING');
    await c.both('EXEC');

    await c.both('WATCH', 'w-never');
    await other.both('GET', 'w-never');
    await c.both('MULTI');
    await c.both('PING');
    await c.both('EXEC');

    // A failed write (wrong type) changes nothing and leaves the watch intact.
    await c.both('WATCH', 'w2');
    await other.both('INCR', 'w2');
    await c.both('MULTI');
    await c.both('PING');
    await c.both('EXEC');
  });

  test('WATCH: a key of the same name in another database is another key', async () => {
    const c = await duo();
    const other = await duo();
    await c.both('WATCH', 'samename');
    await other.both('SELECT', '1');
    await other.both('SET', 'samename', 'x');
    await c.both('MULTI');
    await c.both('PING');
    await c.both('EXEC');
    await c.both('SELECT', '1');
    await c.both('WATCH', 'samename');
    await c.both('SELECT', '0');
    await other.both('SET', 'samename', 'y');
    await c.both('MULTI');
    await c.both('PING');
    await c.both('EXEC');
  });

  test('WATCH: FLUSHDB and FLUSHALL fail EXEC only when a watched key existed', async () => {
    const c = await duo();
    const other = await duo();
    await c.both('SET', 'f1', '1');
    await c.both('WATCH', 'f1');
    await other.both('FLUSHDB');
    await c.both('MULTI');
    await c.both('PING');
    await c.both('EXEC');

    await c.both('WATCH', 'f-missing');
    await other.both('FLUSHALL');
    await c.both('MULTI');
    await c.both('PING');
    await c.both('EXEC');

    await c.both('SET', 'f2', '1');
    await c.both('WATCH', 'f2');
    await other.both('FLUSHALL');
    await c.both('MULTI');
    await c.both('PING');
    await c.both('EXEC');

    // A watched key in another database than the one flushed.
    await c.both('SET', 'f3', '1');
    await c.both('WATCH', 'f3');
    await other.both('SELECT', '2');
    await other.both('FLUSHDB');
    await other.both('SELECT', '0');
    await c.both('MULTI');
    await c.both('PING');
    await c.both('EXEC');
  });

  test('WATCH: SWAPDB fails EXEC only when the key exists in either database', async () => {
    const c = await duo();
    const other = await duo();
    await c.both('WATCH', 'sw-absent');
    await other.both('SWAPDB', '0', '1');
    await c.both('MULTI');
    await c.both('PING');
    await c.both('EXEC');

    await c.both('SET', 'sw-here', '1');
    await c.both('WATCH', 'sw-here');
    await other.both('SWAPDB', '0', '1');
    await c.both('MULTI');
    await c.both('PING');
    await c.both('EXEC');

    // Present only in the other database: it arrives in ours.
    await other.both('SELECT', '1');
    await other.both('SET', 'sw-incoming', '1');
    await other.both('SELECT', '0');
    await c.both('WATCH', 'sw-incoming');
    await other.both('SWAPDB', '0', '1');
    await c.both('MULTI');
    await c.both('PING');
    await c.both('EXEC');
    await other.both('SWAPDB', '0', '1');
  });

  test('WATCH: a watched key that expires before EXEC fails it', async () => {
    const c = await duo();
    await c.both('SET', 'e1', 'v', 'PX', '30');
    await c.both('WATCH', 'e1');
    await sleep(120);
    await c.both('MULTI');
    await c.both('PING');
    await c.both('EXEC');
    await c.both('EXISTS', 'e1');
  });

  test('WATCH: a key that had already expired when watched does not fail EXEC', async () => {
    const c = await duo();
    await c.both('SET', 'e2', 'v', 'PX', '1');
    await sleep(30);
    await c.both('WATCH', 'e2');
    await c.both('MULTI');
    await c.both('PING');
    await c.both('EXEC');
  });

  test('RESP3: a failed EXEC is a null, a run one an array', async () => {
    const c = await duo();
    const other = await duo();
    await c.send('HELLO', '3');
    await c.both('WATCH', 'r3');
    await other.both('SET', 'r3', '1');
    await c.both('MULTI');
    await c.both('GET', 'r3');
    await c.both('EXEC');
    await c.both('MULTI');
    await c.both('GET', 'r3');
    await c.both('EXEC');
  });

  test('RESET leaves MULTI and drops the watched keys', async () => {
    const c = await duo();
    const other = await duo();
    await c.both('WATCH', 'rs');
    await c.both('MULTI');
    await c.both('SET', 'rs', '1');
    await c.both('RESET');
    await c.both('EXEC');
    await other.both('SET', 'rs', '2');
    await c.both('MULTI');
    await c.both('GET', 'rs');
    await c.both('EXEC');
  });

  test('SELECT inside a transaction applies to the commands after it', async () => {
    const c = await duo();
    await c.both('MULTI');
    await c.both('SELECT', '3');
    await c.both('SET', 'in3', 'x');
    await c.both('SELECT', '0');
    await c.both('GET', 'in3');
    await c.both('EXEC');
    await c.both('SELECT', '3');
    await c.both('GET', 'in3');
    await c.both('SELECT', '0');
  });
});
