/**
 * Keyspace notifications end to end, as a subscribed client sees them: configuration at
 * startup and by CONFIG SET, __keyspace@<db>__ and __keyevent@<db>__ channels, class
 * filtering, and `expired` events from lazy and active expiry (with WATCH invalidated
 * by an expiry).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDssm, type TestServer } from '../helpers/servers.js';
import { plain, type RawClient } from '../helpers/resp.js';

let server: TestServer;
before(async () => {
  server = await startDssm(['--notify-keyspace-events', 'KEA']);
});
after(() => server.stop());

/** A client subscribed to every keyspace channel; next() gives [channel, message]. */
async function listener(): Promise<{ next(): Promise<[string, string]>; c: RawClient }> {
  const c = await server.client();
  assert.deepEqual(plain(await c.call('PSUBSCRIBE', '__key*__:*')), ['psubscribe', '__key*__:*', 1]);
  return {
    c,
    async next() {
      const m = plain(await c.read()) as string[];
      assert.equal(m[0], 'pmessage');
      return [m[2]!, m[3]!];
    },
  };
}

describe('keyspace notifications', () => {
  test('notify-keyspace-events from the startup configuration', async () => {
    const admin = await server.client();
    assert.deepEqual(plain(await admin.call('CONFIG', 'GET', 'notify-keyspace-events')), ['notify-keyspace-events', 'AKE']);
    const l = await listener();
    await admin.call('SET', 'n:a', '1');
    assert.deepEqual(await l.next(), ['__keyspace@0__:n:a', 'set']);
    assert.deepEqual(await l.next(), ['__keyevent@0__:set', 'n:a']);
    await admin.call('SELECT', '5');
    await admin.call('INCRBY', 'n:b', '3');
    assert.deepEqual(await l.next(), ['__keyspace@5__:n:b', 'incrby']);
    assert.deepEqual(await l.next(), ['__keyevent@5__:incrby', 'n:b']);
    l.c.close();
  });

  test('CONFIG SET changes classes and channel kinds at run time', async () => {
    const admin = await server.client();
    const l = await listener();
    await admin.call('CONFIG', 'SET', 'notify-keyspace-events', 'E$');
    await admin.call('SET', 'n:c', '1', 'EX', '100'); // set ($) and expire (g, not selected)
    await admin.call('CONFIG', 'SET', 'notify-keyspace-events', 'Kg');
    await admin.call('SET', 'n:c', '2', 'EX', '100');
    assert.deepEqual(await l.next(), ['__keyevent@0__:set', 'n:c']);
    assert.deepEqual(await l.next(), ['__keyspace@0__:n:c', 'expire']);
    await admin.call('CONFIG', 'SET', 'notify-keyspace-events', '');
    await admin.call('SET', 'n:c', '3');
    await admin.call('PUBLISH', '__keyspace@0__:marker', 'end');
    assert.deepEqual(await l.next(), ['__keyspace@0__:marker', 'end']);
    await admin.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
    l.c.close();
  });

  test('`expired` from lazy expiry (a read finds the key past its time)', async () => {
    const admin = await server.client();
    await admin.call('SET', 'n:lazy', 'v');
    const l = await listener();
    // Make the key due without waiting, so that the read (not the cron) expires it.
    server.node.keyspace.db(0).setExpire('n:lazy', Date.now() - 1000);
    assert.deepEqual(plain(await admin.call('GET', 'n:lazy')), null);
    assert.deepEqual(await l.next(), ['__keyspace@0__:n:lazy', 'expired']);
    assert.deepEqual(await l.next(), ['__keyevent@0__:expired', 'n:lazy']);
    l.c.close();
  });

  test('`expired` from active expiry, and a WATCH that the expiry invalidates', async () => {
    const admin = await server.client();
    const watcher = await server.client();
    const l = await listener();
    await admin.call('SET', 'n:active', 'v', 'PX', '100');
    assert.deepEqual(await l.next(), ['__keyspace@0__:n:active', 'set']);
    assert.deepEqual(await l.next(), ['__keyevent@0__:set', 'n:active']);
    assert.deepEqual(await l.next(), ['__keyspace@0__:n:active', 'expire']);
    assert.deepEqual(await l.next(), ['__keyevent@0__:expire', 'n:active']);
    assert.deepEqual(plain(await watcher.call('WATCH', 'n:active')), 'OK');
    // Nobody touches the key: the server cron expires it.
    assert.deepEqual(await l.next(), ['__keyspace@0__:n:active', 'expired']);
    assert.deepEqual(await l.next(), ['__keyevent@0__:expired', 'n:active']);
    assert.deepEqual(plain(await watcher.call('MULTI')), 'OK');
    assert.deepEqual(plain(await watcher.call('SET', 'n:active', 'again')), 'QUEUED');
    assert.deepEqual(await watcher.call('EXEC'), { t: 'array', v: null });
    assert.deepEqual(plain(await admin.call('EXISTS', 'n:active')), 0);
    l.c.close();
  });

  test('notifications from commands inside MULTI/EXEC arrive when EXEC runs', async () => {
    const admin = await server.client();
    const l = await listener();
    await admin.call('MULTI');
    await admin.call('SET', 'n:tx', '1');
    await admin.call('INCRBY', 'n:tx', '2');
    await admin.call('PUBLISH', 'before-exec', 'x');
    assert.equal(l.c.unsolicited.length, 0);
    const r = plain(await admin.call('EXEC'));
    assert.deepEqual(r, ['OK', 3, 0]);
    assert.deepEqual(await l.next(), ['__keyspace@0__:n:tx', 'set']);
    assert.deepEqual(await l.next(), ['__keyevent@0__:set', 'n:tx']);
    assert.deepEqual(await l.next(), ['__keyspace@0__:n:tx', 'incrby']);
    assert.deepEqual(await l.next(), ['__keyevent@0__:incrby', 'n:tx']);
    l.c.close();
  });
});
