/**
 * Byte-exact protocol behaviour: what a client sees on the wire.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDssm, type TestServer } from '../helpers/servers.js';
import { RawClient } from '../helpers/resp.js';

let server: TestServer;
before(async () => {
  server = await startDssm();
});
after(() => server.stop());

async function exchange(data: string | Buffer): Promise<string> {
  const c = await RawClient.connect(server.port);
  try {
    return (await c.rawExchange(data)).toString('latin1');
  } finally {
    c.close();
  }
}

describe('RESP framing', () => {
  test('a multibulk GET of a missing key answers a null bulk', async () => {
    assert.equal(await exchange('*2\r\n$3\r\nGET\r\n$5\r\nhello\r\n'), '$-1\r\n');
  });

  test('inline commands work, with quotes and escapes', async () => {
    assert.equal(await exchange('SET "in line" "a\\x41\\n"\r\nGET "in line"\r\n'), '+OK\r\n$3\r\naA\n\r\n');
  });

  test('an inline command may end with a bare LF', async () => {
    assert.equal(await exchange('PING\n'), '+PONG\r\n');
  });

  test('a pipeline of 1000 commands gets 1000 replies in order', async () => {
    let req = '';
    for (let i = 0; i < 1000; i++) req += `*3\r\n$3\r\nSET\r\n$${String(i).length + 2}\r\nk:${i}\r\n$${String(i).length}\r\n${i}\r\n`;
    for (let i = 0; i < 1000; i++) req += `*2\r\n$3\r\nGET\r\n$${String(i).length + 2}\r\nk:${i}\r\n`;
    const out = await exchange(req);
    let expected = '+OK\r\n'.repeat(1000);
    for (let i = 0; i < 1000; i++) expected += `$${String(i).length}\r\n${i}\r\n`;
    assert.equal(out, expected);
  });

  test('input cut at every byte boundary parses to the same replies', async () => {
    const req = Buffer.from('*3\r\n$3\r\nSET\r\n$2\r\nab\r\n$5\r\nhello\r\n*2\r\n$3\r\nGET\r\n$2\r\nab\r\nPING\r\n');
    for (let cut = 1; cut < req.length; cut++) {
      const c = await RawClient.connect(server.port);
      const chunks: Buffer[] = [];
      c.socket.removeAllListeners('data');
      c.socket.on('data', (d) => chunks.push(d));
      c.socket.write(req.subarray(0, cut));
      await new Promise((r) => setTimeout(r, 2));
      c.socket.write(req.subarray(cut));
      const deadline = Date.now() + 2000;
      while (Buffer.concat(chunks).length < '+OK\r\n$5\r\nhello\r\n+PONG\r\n'.length && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 5));
      }
      assert.equal(Buffer.concat(chunks).toString(), '+OK\r\n$5\r\nhello\r\n+PONG\r\n', `cut at ${cut}`);
      c.close();
    }
  });

  test('binary values round-trip byte for byte', async () => {
    const c = await server.client();
    const value = Buffer.alloc(256);
    for (let i = 0; i < 256; i++) value[i] = i;
    await c.call('SET', 'bin', value);
    const r = await c.call('GET', 'bin');
    assert.equal(r.t, 'bulk');
    assert.deepEqual(Buffer.from((r as { v: string }).v, 'latin1'), value);
  });

  test('a large value arriving in small chunks is assembled', async () => {
    const c = await server.client();
    const big = 'x'.repeat(3 * 1024 * 1024);
    const req = Buffer.from(`*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${big.length}\r\n${big}\r\n`);
    const p = c.read();
    for (let i = 0; i < req.length; i += 65536) c.socket.write(req.subarray(i, i + 65536));
    assert.deepEqual(await p, { t: 'simple', v: 'OK' });
    assert.deepEqual(await c.call('STRLEN', 'big'), { t: 'int', v: String(big.length) });
  });
});

describe('protocol errors', () => {
  test("a bad bulk length answers Redis's error and closes", async () => {
    const c = await RawClient.connect(server.port);
    const out = await c.rawExchange('*1\r\n$x\r\n');
    assert.equal(out.toString(), '-ERR Protocol error: invalid bulk length\r\n');
    assert.ok(await c.waitClosed());
  });

  test("a non-'$' inside a multibulk is named", async () => {
    assert.equal(await exchange('*1\r\n:1\r\n'), "-ERR Protocol error: expected '$', got ':'\r\n");
  });

  test('an invalid multibulk length is refused', async () => {
    assert.equal(await exchange('*3000000000\r\n'), '-ERR Protocol error: invalid multibulk length\r\n');
  });

  test('unbalanced quotes in an inline command are refused', async () => {
    assert.equal(await exchange('SET "abc\r\n'), '-ERR Protocol error: unbalanced quotes in request\r\n');
  });

  test('a bulk beyond proto-max-bulk-len is refused', async () => {
    assert.equal(await exchange('*2\r\n$3\r\nGET\r\n$600000000\r\n'), '-ERR Protocol error: invalid bulk length\r\n');
  });

  test('replies before the bad request are delivered', async () => {
    assert.equal(await exchange('PING\r\n*1\r\n$-5\r\n'), '+PONG\r\n-ERR Protocol error: invalid bulk length\r\n');
  });

  test('the server keeps serving other clients after protocol errors', async () => {
    await exchange('*1\r\n$x\r\n');
    assert.equal(await exchange('PING\r\n'), '+PONG\r\n');
  });
});

describe('dispatch errors', () => {
  test('unknown commands answer as Redis does', async () => {
    assert.equal(await exchange('FOO bar baz\r\n'), "-ERR unknown command 'FOO', with args beginning with: 'bar' 'baz' \r\n");
  });

  test('wrong arity names the command', async () => {
    assert.equal(await exchange('GET\r\n'), "-ERR wrong number of arguments for 'get' command\r\n");
  });

  test('unknown subcommands point at HELP', async () => {
    assert.equal(await exchange('CONFIG NOPE\r\n'), "-ERR unknown subcommand 'NOPE'. Try CONFIG HELP.\r\n");
  });
});

describe('RESP3', () => {
  test('HELLO 3 switches to RESP3 and answers a map', async () => {
    const c = await server.client();
    const r = await c.call('HELLO', '3');
    assert.equal(r.t, 'map');
    const m = new Map((r as { v: [{ v: string }, { v: unknown }][] }).v.map(([k, v]) => [k.v, v.v]));
    assert.equal(m.get('server'), 'redis');
    assert.equal(m.get('proto'), '3');
    assert.deepEqual(await c.call('GET', 'missing-in-resp3'), { t: 'null' });
  });

  test('HELLO 4 is refused', async () => {
    const c = await server.client();
    assert.deepEqual(await c.call('HELLO', '4'), { t: 'error', v: 'NOPROTO unsupported protocol version' });
  });
});
