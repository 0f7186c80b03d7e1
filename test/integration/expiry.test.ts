/**
 * Key expiry as users observe it: lazy expiry when a key is read after its time, active
 * expiry of keys nobody touches, INFO's counters, and what is propagated to the AOF and
 * replicas (absolute times, DEL for expired keys).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { plain, type RawClient } from '../helpers/resp.js';
import { startDssm, type TestServer } from '../helpers/servers.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function info(c: RawClient, section: string): Promise<Map<string, string>> {
  const text = plain(await c.call('INFO', section)) as string;
  const m = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

/** Poll until cond() holds, up to a generous deadline (no timing assertion). */
async function eventually(cond: () => Promise<boolean>, what: string, deadlineMs = 20000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await cond())) {
    if (Date.now() > end) assert.fail(`timed out waiting for: ${what}`);
    await sleep(20);
  }
}

describe('lazy expiry', () => {
  let s: TestServer;
  let c: RawClient;
  before(async () => {
    s = await startDssm();
    c = await s.client();
    // Stop the server cron so that only lazy expiry can remove keys in this suite.
    clearInterval((s.node as unknown as { cron: NodeJS.Timeout }).cron);
  });
  after(async () => {
    await s?.stop();
  });

  it('a key read after its time is gone, counted as expired and as a miss', async () => {
    await c.call('SET', 'k', 'v');
    await c.call('PEXPIRE', 'k', 30);
    await sleep(80);
    // Not yet removed: nobody looked at it and active expiry is off.
    assert.equal(s.node.keyspace.db(0).dict.has('k'), true);
    const before = await info(c, 'stats');
    assert.deepEqual(await c.call('GET', 'k'), { t: 'bulk', v: null });
    assert.equal(s.node.keyspace.db(0).dict.has('k'), false);
    const afterStats = await info(c, 'stats');
    assert.equal(Number(afterStats.get('expired_keys')), Number(before.get('expired_keys')) + 1);
    assert.equal(Number(afterStats.get('keyspace_misses')), Number(before.get('keyspace_misses')) + 1);
    assert.deepEqual(await c.call('TTL', 'k'), { t: 'int', v: '-2' });
    assert.deepEqual(await c.call('DBSIZE'), { t: 'int', v: '0' });
  });

  it('every key command sees an expired key as missing', async () => {
    const plant = async (): Promise<void> => {
      await c.call('SET', 'e', 'v');
      await c.call('SET', 'other', 'x');
      await c.call('PEXPIRE', 'e', 20);
      await sleep(50);
    };
    const checks: [(string | number)[], unknown][] = [
      [['EXISTS', 'e'], 0],
      [['TYPE', 'e'], 'none'],
      [['TTL', 'e'], -2],
      [['PERSIST', 'e'], 0],
      [['EXPIRE', 'e', 100], 0],
      [['RENAMENX', 'e', 'x2'], 'ERR no such key'],
      [['MOVE', 'e', 1], 0],
      [['COPY', 'e', 'x3'], 0],
      [['DUMP', 'e'], null],
      [['OBJECT', 'ENCODING', 'e'], null],
      [['TOUCH', 'e'], 0],
      [['DEL', 'e'], 0],
      [['KEYS', '*'], ['other']],
      [
        ['SCAN', 0],
        ['0', ['other']],
      ],
      [['RANDOMKEY'], 'other'],
      [['COPY', 'other', 'e'], 1],
    ];
    for (const [cmd, want] of checks) {
      await plant();
      const r = await c.call(...cmd);
      assert.deepEqual(r.t === 'error' ? r.v : plain(r), want, JSON.stringify(cmd));
    }
    await c.call('FLUSHALL');
  });
});

describe('active expiry and INFO', () => {
  let s: TestServer;
  let c: RawClient;
  before(async () => {
    s = await startDssm();
    c = await s.client();
  });
  after(async () => {
    await s?.stop();
  });

  it('removes keys nobody touches, and INFO reports them', async () => {
    const base = Number((await info(c, 'stats')).get('expired_keys'));
    for (let i = 0; i < 300; i++) await c.call('SET', `vol:${i}`, 'v');
    for (let i = 0; i < 300; i++) await c.call('PEXPIRE', `vol:${i}`, 50 + (i % 50));
    for (let i = 0; i < 50; i++) await c.call('SET', `keep:${i}`, 'v');
    await c.call('EXPIRE', 'keep:0', 100000);
    assert.match((await info(c, 'keyspace')).get('db0') ?? '', /^keys=\d+,expires=\d+,avg_ttl=\d+$/);
    await eventually(async () => plain(await c.call('DBSIZE')) === 50, 'DBSIZE drops to 50 without any read');
    const stats = await info(c, 'stats');
    assert.equal(Number(stats.get('expired_keys')), base + 300);
    assert.match((await info(c, 'keyspace')).get('db0') ?? '', /^keys=50,expires=1,avg_ttl=\d+$/);
    assert.deepEqual(await c.call('EXISTS', 'keep:0', 'keep:49'), { t: 'int', v: '2' });
  });

  it('propagates absolute times and DELs for expired keys', async () => {
    const seen: string[][] = [];
    s.node.addPropagationSink({ propagate: (_db, argv) => seen.push([...argv]) });
    await c.call('SET', 'p', 'v');
    const t0 = Date.now();
    await c.call('EXPIRE', 'p', 100, 'NX');
    const last = seen[seen.length - 1]!;
    assert.equal(last[0], 'PEXPIREAT');
    assert.equal(last[1], 'p');
    assert.ok(Math.abs(Number(last[2]) - (t0 + 100000)) < 5000);
    assert.equal(last[3], 'NX');
    await c.call('PEXPIREAT', 'p', 12345678901234);
    assert.deepEqual(seen[seen.length - 1], ['PEXPIREAT', 'p', '12345678901234']);
    await c.call('EXPIRE', 'p', -1);
    assert.deepEqual(seen[seen.length - 1], ['DEL', 'p']);
    const n = seen.length;
    await c.call('EXPIRE', 'p', 100);
    assert.equal(seen.length, n, 'a no-op EXPIRE is not propagated');
    await c.call('SET', 'q', 'v');
    await c.call('PEXPIRE', 'q', 20);
    await eventually(async () => seen.some((a) => a[0] === 'DEL' && a[1] === 'q'), 'DEL q propagated by active expiry');
    await c.call('SET', 'r', 'v');
    const payload = (await c.call('DUMP', 'r')) as { v: string };
    await c.call('RESTORE', 'r2', 100000, payload.v);
    const rest = seen[seen.length - 1]!;
    assert.equal(rest[0], 'RESTORE');
    assert.equal(rest[rest.length - 1], 'ABSTTL');
    assert.ok(Number(rest[2]) > Date.now());
  });
});
