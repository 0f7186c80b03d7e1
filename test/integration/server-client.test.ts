/**
 * CLIENT PAUSE/REPLY/KILL, MONITOR, SLOWLOG, DEBUG and CONFIG REWRITE as a user sees them
 * through real sockets.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { plain } from '../helpers/resp.js';
import { startDssm, type TestServer } from '../helpers/servers.js';

describe('client and server commands', () => {
  let s: TestServer;
  before(async () => {
    s = await startDssm();
  });
  after(async () => {
    await s.stop();
  });

  test('CLIENT REPLY OFF and SKIP drop replies; ON brings them back', async () => {
    const c = await s.client();
    const out = await c.rawExchange('CLIENT REPLY OFF\r\nSET a 1\r\nGET a\r\nCLIENT REPLY ON\r\nGET a\r\n');
    assert.equal(out.toString(), '+OK\r\n$1\r\n1\r\n');
    const out2 = await c.rawExchange('CLIENT REPLY SKIP\r\nGET a\r\nPING\r\n');
    assert.equal(out2.toString(), '+PONG\r\n');
  });

  test('CLIENT PAUSE WRITE holds writes but serves reads; UNPAUSE releases them in order', async () => {
    const admin = await s.client();
    const w = await s.client();
    assert.deepEqual(plain(await admin.call('CLIENT', 'PAUSE', '100000', 'WRITE')), 'OK');
    const held = w.call('SET', 'p', 'v');
    const r = await s.client();
    assert.deepEqual(plain(await r.call('GET', 'p')), null);
    assert.deepEqual(plain(await admin.call('CLIENT', 'UNPAUSE')), 'OK');
    assert.deepEqual(plain(await held), 'OK');
    assert.deepEqual(plain(await r.call('GET', 'p')), 'v');
  });

  test('CLIENT PAUSE ends by itself when its time runs out', async () => {
    const admin = await s.client();
    const w = await s.client();
    await admin.call('CLIENT', 'PAUSE', '50', 'ALL');
    assert.deepEqual(plain(await w.call('SET', 'q', '1')), 'OK');
  });

  test('CLIENT SETNAME/LIST/KILL by id and by addr', async () => {
    const a = await s.client();
    const b = await s.client();
    await b.call('CLIENT', 'SETNAME', 'victim');
    const id = plain(await b.call('CLIENT', 'ID')) as number;
    const list = String(plain(await a.call('CLIENT', 'LIST', 'ID', String(id))));
    assert.match(list, /name=victim /);
    assert.deepEqual(plain(await a.call('CLIENT', 'KILL', 'ID', String(id))), 1);
    assert.equal(await b.waitClosed(), true);
    const c = await s.client();
    const info = String(plain(await c.call('CLIENT', 'INFO')));
    const addr = /addr=(\S+)/.exec(info)![1]!;
    assert.deepEqual(plain(await a.call('CLIENT', 'KILL', addr)), 'OK');
    assert.equal(await c.waitClosed(), true);
  });

  test('MONITOR shows commands in Redis format', async () => {
    const m = await s.client();
    assert.deepEqual(plain(await m.call('MONITOR')), 'OK');
    const c = await s.client();
    await c.call('SET', 'mk', 'a b"\n');
    const line = plain(await m.read()) as string;
    assert.match(line, /^\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "SET" "mk" "a b\\"\\n"$/);
  });

  test('SLOWLOG records commands over the threshold', async () => {
    const c = await s.client();
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await c.call('SLOWLOG', 'RESET');
    await c.call('SET', 'slow', 'x');
    const entries = plain(await c.call('SLOWLOG', 'GET', '-1')) as unknown[][];
    assert.ok(entries.some((e) => JSON.stringify(e[3]) === JSON.stringify(['SET', 'slow', 'x'])));
    assert.ok((plain(await c.call('SLOWLOG', 'LEN')) as number) >= 1);
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
  });

  test('DEBUG is refused unless enable-debug-command allows it', async () => {
    const c = await s.client();
    const r = await c.call('DEBUG', 'SLEEP', '0');
    assert.equal(r.t, 'error');
    assert.match((plain(r) as { error: string }).error, /^ERR DEBUG command not allowed/);
    const d = await startDssm(['--enable-debug-command', 'yes']);
    try {
      const dc = await d.client();
      await dc.call('SET', 'k', 'v');
      assert.deepEqual(plain(await dc.call('DEBUG', 'DIGEST-VALUE', 'k', 'nokey')), ['d79ee9fe5d5ad902d7f6620efc3b07b75ddd742f', '0000000000000000000000000000000000000000']);
      assert.deepEqual(plain(await dc.call('DEBUG', 'SLEEP', '0')), 'OK');
    } finally {
      await d.stop();
    }
  });
});

describe('CONFIG REWRITE', () => {
  test('rewrites the file in place, keeping comments and appending changed directives', async () => {
    const s = await startDssm();
    try {
      const file = join(s.dir, 'dssm.conf');
      writeFileSync(file, '# my comment\nmaxmemory 100mb\n\n# another\nhz 10\nmaxmemory 200mb\n');
      s.node.config.configFile = file;
      const c = await s.client();
      assert.deepEqual(plain(await c.call('CONFIG', 'SET', 'maxmemory', '1gb', 'timeout', '30')), 'OK');
      assert.deepEqual(plain(await c.call('CONFIG', 'REWRITE')), 'OK');
      const text = readFileSync(file, 'utf8');
      // Directives given on the command line (port, bind, dir...) are appended too, as Redis does.
      assert.ok(text.startsWith('# my comment\nmaxmemory 1gb\n\n# another\nhz 10\n# Generated by CONFIG REWRITE\n'), text);
      assert.match(text, /^timeout 30$/m);
      assert.equal(text.match(/^maxmemory/gm)!.length, 1);
    } finally {
      await s.stop();
    }
  });

  test('answers an error without a config file', async () => {
    const s = await startDssm();
    try {
      const c = await s.client();
      assert.deepEqual(plain(await c.call('CONFIG', 'REWRITE')), { error: 'ERR The server is running without a config file' });
    } finally {
      await s.stop();
    }
  });
});
