/**
 * Pub/sub with real clients (ioredis in RESP2, node-redis in RESP3), cleanup when a
 * subscriber goes away, INFO stats' pubsub fields, and the pubsub output buffer limit
 * disconnecting a subscriber that never reads.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import diagnostics_channel from 'node:diagnostics_channel';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startDssm, type TestServer } from '../helpers/servers.js';
import { encodeCommand, plain, type RawClient } from '../helpers/resp.js';

let server: TestServer;
before(async () => {
  server = await startDssm();
});
after(() => server.stop());

async function numsub(c: RawClient, channel: string): Promise<number> {
  const r = plain(await c.call('PUBSUB', 'NUMSUB', channel)) as [string, number];
  return Number(r[1]);
}

async function info(c: RawClient, field: string): Promise<string> {
  const text = plain(await c.call('INFO', 'stats')) as string;
  const m = new RegExp(`^${field}:(.*)\\r?$`, 'm').exec(text);
  assert.ok(m, `INFO stats has ${field}`);
  return m[1]!.trim();
}

async function until(what: () => Promise<boolean>, label: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await what()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`timed out waiting for ${label}`);
}

describe('pub/sub with real clients', () => {
  test('ioredis: subscribe, psubscribe, messages, unsubscribe', async () => {
    const sub = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true });
    const pub = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true });
    await sub.connect();
    await pub.connect();
    try {
      const got: string[] = [];
      sub.on('message', (ch: string, msg: string) => got.push(`message ${ch} ${msg}`));
      sub.on('pmessage', (p: string, ch: string, msg: string) => got.push(`pmessage ${p} ${ch} ${msg}`));
      assert.equal(await sub.subscribe('io-a', 'io-b'), 2);
      assert.equal(await sub.psubscribe('io-*'), 3);
      assert.equal(await pub.publish('io-a', 'one'), 2);
      assert.equal(await pub.publish('io-zzz', 'two'), 1);
      assert.equal(await pub.publish('elsewhere', 'three'), 0);
      await until(async () => got.length === 3, 'three messages');
      assert.deepEqual(got, ['message io-a one', 'pmessage io-* io-a one', 'pmessage io-* io-zzz two']);
      assert.deepEqual(await pub.pubsub('NUMSUB', 'io-a', 'io-b'), ['io-a', 1, 'io-b', 1]);
      assert.equal(await pub.pubsub('NUMPAT'), 1);
      await sub.unsubscribe('io-a');
      assert.equal(await pub.publish('io-a', 'four'), 1);
    } finally {
      sub.disconnect();
      pub.disconnect();
    }
  });

  test('node-redis (RESP3): subscribe and sharded subscribe receive push messages', async () => {
    const sub = createClient({ socket: { port: server.port, host: '127.0.0.1' }, RESP: 3 });
    const pub = createClient({ socket: { port: server.port, host: '127.0.0.1' } });
    await sub.connect();
    await pub.connect();
    try {
      const got: string[] = [];
      await sub.subscribe('nr-ch', (msg, ch) => got.push(`${ch}:${msg}`));
      await sub.sSubscribe('nr-shard', (msg, ch) => got.push(`shard ${ch}:${msg}`));
      assert.equal(await pub.publish('nr-ch', 'hello'), 1);
      assert.equal(await pub.sPublish('nr-shard', 'sharded'), 1);
      await until(async () => got.length === 2, 'two messages');
      assert.deepEqual(got, ['nr-ch:hello', 'shard nr-shard:sharded']);
      // RESP3 allows ordinary commands while subscribed.
      assert.equal(await sub.set('nr-key', 'v'), 'OK');
      await sub.unsubscribe('nr-ch');
      await sub.sUnsubscribe('nr-shard');
      assert.equal(await pub.publish('nr-ch', 'after'), 0);
    } finally {
      await sub.quit().catch(() => {});
      await pub.quit().catch(() => {});
    }
  });

  test('a closed subscriber is forgotten; INFO stats counts channels and patterns', async () => {
    const admin = await server.client();
    const sub = await server.client();
    await sub.call('SUBSCRIBE', 'gone-1');
    await sub.call('PSUBSCRIBE', 'gone-*');
    await sub.call('SSUBSCRIBE', 'gone-shard');
    const other = await server.client();
    await other.call('PSUBSCRIBE', 'gone-*');
    assert.equal(await numsub(admin, 'gone-1'), 1);
    assert.equal(await info(admin, 'pubsub_channels'), '1');
    assert.equal(await info(admin, 'pubsub_patterns'), '1');
    assert.equal(await info(admin, 'pubsubshard_channels'), '1');
    sub.close();
    await until(async () => (await numsub(admin, 'gone-1')) === 0, 'the closed subscriber to be dropped');
    assert.equal(await info(admin, 'pubsub_channels'), '0');
    assert.equal(await info(admin, 'pubsub_patterns'), '1');
    assert.equal(await info(admin, 'pubsubshard_channels'), '0');
    assert.deepEqual(plain(await admin.call('PUBLISH', 'gone-1', 'x')), 1);
    other.close();
    await until(async () => (await info(admin, 'pubsub_patterns')) === '0', 'the pattern to go');
  });

  test('a subscriber that never reads is disconnected at the pubsub hard limit', async () => {
    const admin = await server.client();
    assert.deepEqual(plain(await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 262144 131072 60')), 'OK');
    const warnings: string[] = [];
    const onLog = (m: unknown) => {
      const e = m as { level: string; msg: string };
      if (e.level === 'warn') warnings.push(e.msg);
    };
    diagnostics_channel.subscribe('dssm:log', onLog);
    const slow = net.connect({ port: server.port, host: '127.0.0.1' });
    await new Promise<void>((r) => slow.once('connect', () => r()));
    let closed = false;
    slow.on('close', () => (closed = true));
    slow.on('error', () => {});
    slow.write(encodeCommand(['SUBSCRIBE', 'slow-ch']));
    await until(async () => (await numsub(admin, 'slow-ch')) === 1, 'the subscription');
    slow.pause(); // never read again
    try {
      const payload = 'x'.repeat(64 * 1024);
      let receivers = 1;
      // Publish until the server gives up on the subscriber (bounded).
      for (let i = 0; i < 2000 && receivers > 0; i++) {
        receivers = Number(plain(await admin.call('PUBLISH', 'slow-ch', payload)));
      }
      assert.equal(receivers, 0, 'the slow subscriber was dropped');
      assert.equal(await numsub(admin, 'slow-ch'), 0);
      assert.ok(
        warnings.some((w) => w.includes('output buffer limits')),
        `logged: ${JSON.stringify(warnings)}`,
      );
      slow.resume();
      await until(async () => closed, 'the connection to close');
    } finally {
      diagnostics_channel.unsubscribe('dssm:log', onLog);
      slow.destroy();
      await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 33554432 8388608 60');
    }
  });

  test('a subscriber over the soft limit for longer than soft-seconds is disconnected', async () => {
    const admin = await server.client();
    await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 0 65536 0');
    const slow = net.connect({ port: server.port, host: '127.0.0.1' });
    await new Promise<void>((r) => slow.once('connect', () => r()));
    slow.on('error', () => {});
    slow.write(encodeCommand(['SUBSCRIBE', 'soft-ch']));
    await until(async () => (await numsub(admin, 'soft-ch')) === 1, 'the subscription');
    slow.pause();
    try {
      const payload = 'y'.repeat(64 * 1024);
      let receivers = 1;
      for (let i = 0; i < 400 && receivers > 0; i++) {
        receivers = Number(plain(await admin.call('PUBLISH', 'soft-ch', payload)));
        if (i > 100) await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(receivers, 0, 'the slow subscriber was dropped');
    } finally {
      slow.destroy();
      await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 33554432 8388608 60');
    }
  });
});
