/**
 * Pub/sub reply shapes, dssm vs redis-server 7.0, in RESP2 and RESP3: subscription
 * confirmations, messages, pattern and shard messages, PUBSUB introspection, the RESP2
 * subscribed context, RESET, and keyspace notifications as a subscriber sees them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDssm, startRedis, skipWithoutRedis, type RedisServer, type TestServer } from '../helpers/servers.js';
import { encodeCommand, type RawClient, type Reply } from '../helpers/resp.js';

const encode = (args: string[]) => encodeCommand(args);

/** One connection to each server; every step goes to both and the replies must match. */
class Duo {
  constructor(
    readonly d: RawClient,
    readonly r: RawClient,
  ) {}

  /** Send a command and read n replies (a SUBSCRIBE of n channels answers n pushes). */
  async both(args: string[], n = 1, unordered = false): Promise<Reply[]> {
    let [a, b] = await Promise.all([callN(this.d, args, n), callN(this.r, args, n)]);
    if (unordered) [a, b] = [sorted(a), sorted(b)];
    assert.deepEqual(a, b, `replies differ for ${JSON.stringify(args)}:\n dssm:  ${JSON.stringify(a)}\n redis: ${JSON.stringify(b)}`);
    return a;
  }

  /** Read n more replies (messages pushed by the servers) and compare. */
  async read(n = 1): Promise<Reply[]> {
    const [a, b] = await Promise.all([readN(this.d, n), readN(this.r, n)]);
    assert.deepEqual(a, b, `pushed messages differ:\n dssm:  ${JSON.stringify(a)}\n redis: ${JSON.stringify(b)}`);
    return a;
  }

  /** Send to both without comparing (HELLO, whose reply names the server). */
  async send(args: string[]): Promise<void> {
    await Promise.all([this.d.call(...args), this.r.call(...args)]);
  }
}

/** Arrays (channel lists, whose order is Redis's hash order) compared as multisets. */
function sorted(replies: Reply[]): Reply[] {
  return replies.map((r) => (r.t === 'array' && r.v ? { t: 'array', v: [...r.v].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))) } : r));
}

async function callN(c: RawClient, args: string[], n: number): Promise<Reply[]> {
  const out = [await c.call(...args)];
  for (let i = 1; i < n; i++) out.push(await c.read());
  return out;
}

async function readN(c: RawClient, n: number): Promise<Reply[]> {
  const out: Reply[] = [];
  for (let i = 0; i < n; i++) out.push(await c.read());
  return out;
}

describe('pub/sub vs redis-server', { skip: skipWithoutRedis() }, () => {
  let dssm: TestServer;
  let redis: RedisServer;
  const duo = async (proto: 2 | 3 = 2): Promise<Duo> => {
    const d = new Duo(await dssm.client(), await redis.client());
    if (proto === 3) await d.send(['HELLO', '3']);
    return d;
  };

  before(async () => {
    [dssm, redis] = await Promise.all([startDssm(), startRedis()]);
  });
  after(async () => {
    await Promise.all([dssm.stop(), redis.stop()]);
  });

  for (const proto of [2, 3] as const) {
    test(`RESP${proto}: subscribe, unsubscribe and the counts they report`, async () => {
      const s = await duo(proto);
      await s.both(['SUBSCRIBE', 'a', 'b', 'a'], 3);
      await s.both(['PSUBSCRIBE', 'p*'], 1);
      await s.both(['SSUBSCRIBE', 's1', 's2'], 2);
      await s.both(['PING']);
      await s.both(['PING', 'hello']);
      await s.both(['UNSUBSCRIBE', 'b', 'zz'], 2);
      await s.both(['SUNSUBSCRIBE', 's1'], 1);
      // With several channels Redis unsubscribes in hash order; with one it is determined.
      await s.both(['SUNSUBSCRIBE'], 1);
      await s.both(['SUNSUBSCRIBE'], 1);
      await s.both(['PUNSUBSCRIBE', 'p*', 'q*'], 2);
      await s.both(['UNSUBSCRIBE'], 1);
      await s.both(['UNSUBSCRIBE'], 1);
      await s.both(['PUNSUBSCRIBE'], 1);
      await s.both(['PING']);
    });

    test(`RESP${proto}: messages, pattern messages and shard messages`, async () => {
      const sub = await duo(proto);
      const pub = await duo(2);
      await sub.both(['SUBSCRIBE', 'news'], 1);
      await sub.both(['PSUBSCRIBE', 'n*', 'x?z'], 2);
      await sub.both(['SSUBSCRIBE', 'shard'], 1);
      await pub.both(['PUBLISH', 'news', 'hello']);
      await sub.read(2);
      await pub.both(['PUBLISH', 'xyz', 'bin\x00\xff']);
      await sub.read(1);
      await pub.both(['PUBLISH', 'nothing-here', 'm']);
      await sub.read(1);
      await pub.both(['PUBLISH', 'other', 'm']);
      await pub.both(['SPUBLISH', 'shard', 'sm']);
      await sub.read(1);
      await pub.both(['SPUBLISH', 'news', 'not to shard subscribers of news']);
      await pub.both(['PUBSUB', 'NUMSUB', 'news', 'shard', 'none']);
      await pub.both(['PUBSUB', 'SHARDNUMSUB', 'news', 'shard']);
      await pub.both(['PUBSUB', 'NUMPAT']);
      await pub.both(['PUBSUB', 'CHANNELS'], 1, true);
      await pub.both(['PUBSUB', 'CHANNELS', 'n*'], 1, true);
      await pub.both(['PUBSUB', 'SHARDCHANNELS']);
      await pub.both(['PUBSUB', 'SHARDCHANNELS', 'x*']);
      await sub.both(['RESET']);
      await pub.both(['PUBSUB', 'NUMSUB', 'news']);
      await pub.both(['PUBSUB', 'NUMPAT']);
      await pub.both(['PUBLISH', 'news', 'after reset']);
    });

    test(`RESP${proto}: a subscriber publishing to itself gets the message before the count`, async () => {
      const s = await duo(proto);
      await s.both(['SUBSCRIBE', 'self'], 1);
      if (proto === 3) {
        await s.both(['PUBLISH', 'self', 'hi'], 2);
        await s.both(['GET', 'nokey']);
        await s.both(['UNSUBSCRIBE'], 1);
      } else {
        await s.both(['GET', 'nokey']);
        await s.both(['UNSUBSCRIBE'], 1);
      }
    });

    test(`RESP${proto}: SUBSCRIBE inside MULTI`, async () => {
      const s = await duo(proto);
      await s.both(['MULTI']);
      await s.both(['SUBSCRIBE', 'm1']);
      await s.both(['PING']);
      await s.both(['EXEC']);
      await s.both(['PING']);
      await s.both(['RESET']);
      await s.both(['PING']);
    });
  }

  test('CLIENT REPLY OFF/SKIP drops replies but not pushes: confirmations and messages still arrive', async () => {
    // What each server sends a client that turns replies off and then uses pub/sub; the
    // final CLIENT REPLY ON and PING end the exchange, so everything before them is compared.
    const run = async (server: TestServer | RedisServer, proto: 2 | 3, steps: string[][]) => {
      const c = await server.client();
      const other = await server.client();
      if (proto === 3) await c.call('HELLO', '3');
      for (const step of [...steps, ['SET', 'steps-done', '1']]) c.writeRaw(encode(step));
      // Wait (by asking, not by time) until every step ran.
      while (((await other.call('EXISTS', 'steps-done')) as { v: string }).v !== '1');
      await other.call('DEL', 'steps-done');
      await other.call('PUBLISH', 'ch', 'from-other');
      c.writeRaw(encode(['CLIENT', 'REPLY', 'ON']));
      c.writeRaw(encode(['PING', 'end']));
      const seen: Reply[] = [];
      for (;;) {
        const r = await c.read();
        seen.push(r);
        if (r.t === 'bulk' && r.v === 'end') break;
      }
      c.close();
      other.close();
      return seen;
    };
    const cases: [2 | 3, string[][]][] = [
      [3, [['CLIENT', 'REPLY', 'OFF'], ['SUBSCRIBE', 'ch'], ['PUBLISH', 'ch', 'own'], ['PING']]],
      [3, [['SUBSCRIBE', 'ch'], ['CLIENT', 'REPLY', 'OFF'], ['PUBLISH', 'ch', 'own'], ['PING']]],
      [3, [['CLIENT', 'REPLY', 'SKIP'], ['SUBSCRIBE', 'ch'], ['PUBLISH', 'ch', 'own'], ['PING']]],
      [
        3,
        [
          ['CLIENT', 'REPLY', 'OFF'],
          ['PSUBSCRIBE', 'c*'],
          ['PUBLISH', 'ch', 'own'],
        ],
      ],
    ];
    for (const [proto, steps] of cases) {
      const [a, b] = await Promise.all([run(dssm, proto, steps), run(redis, proto, steps)]);
      assert.deepEqual(a, b, `RESP${proto} ${JSON.stringify(steps)}`);
      assert.ok(
        a.some((r) => r.t !== 'error' && JSON.stringify(r).includes('from-other')),
        'the message from another client arrived',
      );
    }
    // RESP2: the subscribed context refuses CLIENT REPLY ON, so read the confirmation and one message.
    const resp2 = async (server: TestServer | RedisServer) => {
      const c = await server.client();
      const other = await server.client();
      c.writeRaw(encode(['CLIENT', 'REPLY', 'OFF']));
      c.writeRaw(encode(['SUBSCRIBE', 'ch']));
      while (Number((((await other.call('PUBSUB', 'NUMSUB', 'ch')) as { v: Reply[] }).v[1] as { v: string }).v) === 0);
      await other.call('PUBLISH', 'ch', 'from-other');
      const seen = [await c.read(), await c.read()];
      c.close();
      other.close();
      return seen;
    };
    const [a2, b2] = await Promise.all([resp2(dssm), resp2(redis)]);
    assert.deepEqual(a2, b2, 'RESP2 CLIENT REPLY OFF then SUBSCRIBE');
  });

  test('PUBSUB errors and HELP', async () => {
    const c = await duo();
    await c.both(['PUBSUB']);
    await c.both(['PUBSUB', 'HELP']);
    await c.both(['PUBSUB', 'help']);
    await c.both(['PUBSUB', 'FOO']);
    await c.both(['PUBSUB', 'NUMPAT', 'x']);
    await c.both(['PUBSUB', 'CHANNELS', 'a', 'b']);
    await c.both(['PUBSUB', 'shardchannels', 'a', 'b']);
    await c.both(['PUBSUB', 'NUMSUB']);
    await c.both(['PUBSUB', 'SHARDNUMSUB']);
    await c.both(['PUBLISH', 'a']);
    await c.both(['SUBSCRIBE']);
    await c.both(['PSUBSCRIBE']);
    await c.both(['SSUBSCRIBE']);
  });

  test('RESP2 subscribed context refuses other commands; RESP3 does not', async () => {
    const c2 = await duo(2);
    await c2.both(['SUBSCRIBE', 'ctx'], 1);
    await c2.both(['GET', 'x']);
    await c2.both(['SET', 'x', '1']);
    await c2.both(['PUBSUB', 'NUMSUB', 'ctx']);
    await c2.both(['MULTI']);
    // A refused EXEC aborts (execCommandAbort), naming the reason.
    await c2.both(['EXEC']);
    await c2.both(['QUIT']);
    const c3 = await duo(3);
    await c3.both(['SUBSCRIBE', 'ctx'], 1);
    await c3.both(['GET', 'x']);
    await c3.both(['PUBSUB', 'NUMSUB', 'ctx']);
    await c3.both(['QUIT']);
  });

  test('two subscribers of one channel both get each message, in order', async () => {
    const s1 = await duo();
    const s2 = await duo(3);
    const pub = await duo();
    await s1.both(['SUBSCRIBE', 'ch'], 1);
    await s2.both(['SUBSCRIBE', 'ch'], 1);
    await s2.both(['PSUBSCRIBE', 'c*'], 1);
    for (let i = 0; i < 5; i++) await pub.both(['PUBLISH', 'ch', `m${i}`]);
    await s1.read(5);
    await s2.read(10);
    await pub.both(['PUBSUB', 'NUMSUB', 'ch']);
  });

  test('keyspace notifications reach a subscriber (CONFIG SET at run time)', async () => {
    const admin = await duo();
    const sub = await duo();
    await admin.both(['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']);
    await admin.both(['CONFIG', 'GET', 'notify-keyspace-events']);
    await sub.both(['PSUBSCRIBE', '__key*@0__:*'], 1);
    await admin.both(['SET', 'kn', 'v']);
    await sub.read(2);
    await admin.both(['INCRBY', 'kn2', '5']);
    await sub.read(2);
    await admin.both(['SET', 'kn3', 'v', 'EX', '100']);
    await sub.read(4);
    await admin.both(['SELECT', '1']);
    await admin.both(['SET', 'other-db', 'v']);
    await admin.both(['SELECT', '0']);
    await admin.both(['CONFIG', 'SET', 'notify-keyspace-events', 'E$']);
    await admin.both(['CONFIG', 'GET', 'notify-keyspace-events']);
    await admin.both(['SET', 'kn4', 'v']);
    await sub.read(1);
    await admin.both(['CONFIG', 'SET', 'notify-keyspace-events', '']);
    await admin.both(['SET', 'kn5', 'v']);
    await admin.both(['PUBLISH', '__keyevent@0__:set', 'marker']);
    // Nothing pushed for kn5: the next message is the marker.
    await sub.read(1);
  });
});
