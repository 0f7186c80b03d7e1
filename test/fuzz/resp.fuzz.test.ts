/**
 * Fuzzing the protocol layer.
 *
 * 1. The RespReader alone: a valid request stream (multibulk with binary arguments, big
 *    bulks, inline requests, empty requests) cut at random points yields exactly the
 *    argument vectors it encodes.
 * 2. A live server: random bytes and random truncations/mutations of valid RESP and inline
 *    requests, over many connections at once, for a bounded time and a fixed seed list.
 *    Afterwards the server still answers PING, a key written before still has its value,
 *    and no command failed with an internal error.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { ProtocolError, RespReader } from '../../src/protocol/resp-reader.js';
import { startDssm, type TestServer } from '../helpers/servers.js';
import { pick, rng } from '../helpers/differential.js';
import { int, multibulk, randomArg, randomBytes, type Rand } from '../helpers/random-resp.js';
import { channels } from '../../src/observe/events.js';

const WORD_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_-.';

function randomWord(r: Rand): string {
  let s = '';
  const n = 1 + int(r, 10);
  for (let i = 0; i < n; i++) s += WORD_CHARS[int(r, WORD_CHARS.length)];
  return s;
}

/** One request as bytes plus the argv the reader must produce (null: produces nothing). */
function randomRequest(r: Rand): { bytes: string; argv: string[] | null } {
  const x = r();
  if (x < 0.6) {
    const argv = Array.from({ length: 1 + int(r, 6) }, () => randomArg(r));
    return { bytes: multibulk(argv), argv };
  }
  if (x < 0.85) {
    // Inline: plain words, or a quoted word with escapes, ending with \r\n or a bare \n.
    const argv = Array.from({ length: 1 + int(r, 5) }, () => randomWord(r));
    const words = argv.map((w) => w);
    if (r() < 0.3) {
      argv.push('a b\n"\x01');
      words.push('"a b\\n\\"\\x01"');
    }
    return { bytes: words.join(' '.repeat(1 + int(r, 2))) + (r() < 0.5 ? '\r\n' : '\n'), argv };
  }
  if (x < 0.9) return { bytes: '\r\n', argv: null }; // empty inline line
  if (x < 0.95) return { bytes: '*0\r\n', argv: null };
  return { bytes: '*-1\r\n', argv: null };
}

const limits = { maxBulkLen: 512 * 1024 * 1024, authRequired: () => false };

describe('RespReader: any split of a valid stream yields the same argv sequence', () => {
  for (const seed of [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233]) {
    test(`seed ${seed}`, () => {
      const r = rng(seed);
      const reqs = Array.from({ length: 60 }, () => randomRequest(r));
      const expected = reqs.flatMap((q) => (q.argv ? [q.argv] : []));
      const stream = Buffer.from(reqs.map((q) => q.bytes).join(''), 'latin1');
      for (let round = 0; round < 8; round++) {
        const reader = new RespReader(limits);
        const got: string[][] = [];
        let pos = 0;
        while (pos < stream.length) {
          // Mostly tiny pieces (every boundary matters), sometimes big ones.
          const size = r() < 0.7 ? 1 + int(r, 8) : 1 + int(r, 40000);
          const end = Math.min(stream.length, pos + size);
          // Copy: the reader must not depend on chunks being views of one buffer.
          reader.feed(Buffer.from(stream.subarray(pos, end)));
          pos = end;
          for (let a = reader.next(); a !== null; a = reader.next()) got.push(a);
        }
        assert.equal(reader.buffered, 0);
        assert.equal(got.length, expected.length, `round ${round}: request count`);
        for (let i = 0; i < expected.length; i++) assert.deepEqual(got[i], expected[i], `round ${round}: request ${i}`);
      }
    });
  }

  test('byte-at-a-time feeding of every header form', () => {
    const argvs = [['SET', 'k', 'v'], ['GET', ''], ['x'.repeat(40)], ['ECHO', 'y'.repeat(1048577)], ['a', 'b'.repeat(9)]];
    const stream = Buffer.from(argvs.map(multibulk).join('') + 'PING\r\n', 'latin1');
    const reader = new RespReader(limits);
    const got: string[][] = [];
    // Bytes one at a time for the small part, then the rest at once.
    for (let i = 0; i < stream.length; i++) {
      const big = i > 40 && i < stream.length - 100;
      const end = big ? stream.length - 100 : i + 1;
      reader.feed(stream.subarray(i, end));
      i = end - 1;
      for (let a = reader.next(); a !== null; a = reader.next()) got.push(a);
    }
    assert.deepEqual(got, [...argvs, ['PING']]);
  });

  test('malformed headers are protocol errors, never silent misparses', () => {
    const bad = ['*1\r\n$-2\r\n', '*1\r\n$01\r\nab\r\n', '*1\r\n$x\r\n', '*1\r\nfoo\r\n', '*a\r\n', '*1\r\n$' + '9'.repeat(21) + '\r\n'];
    for (const b of bad) {
      const reader = new RespReader(limits);
      reader.feed(Buffer.from(b, 'latin1'));
      assert.throws(() => reader.next(), ProtocolError, JSON.stringify(b));
    }
    // proto-max-bulk-len applies above the reader's fast path.
    const small = new RespReader({ maxBulkLen: 1024 * 1024, authRequired: () => false });
    small.feed(Buffer.from('*1\r\n$1048577\r\n', 'latin1'));
    assert.throws(() => small.next(), ProtocolError);
    const ok = new RespReader({ maxBulkLen: 1024 * 1024, authRequired: () => false });
    ok.feed(Buffer.from('*1\r\n$1048576\r\n', 'latin1'));
    assert.equal(ok.next(), null);
  });
});

/** Valid requests the server fuzz starts from: safe commands on fz:* keys only. */
function validServerRequest(r: Rand): string {
  const k = `fz:${int(r, 20)}`;
  const v = randomArg(r).slice(0, 2000);
  const cmds: string[][] = [
    ['PING'],
    ['ECHO', v],
    ['SET', k, v],
    ['GET', k],
    ['INCR', k],
    ['APPEND', k, v],
    ['STRLEN', k],
    ['GETRANGE', k, String(int(r, 10) - 5), String(int(r, 10) - 5)],
    ['MSET', k, v, `fz:${int(r, 20)}`, v],
    ['DEL', k],
    ['EXISTS', k, k],
    ['LPUSH', k, v],
    ['RPOP', k],
    ['HSET', k, randomWord(r), v],
    ['SADD', k, v],
    ['ZADD', k, String(r() * 100), v],
    ['TYPE', k],
  ];
  const argv = pick(r, cmds);
  if (r() < 0.25) return argv.map((a) => a.replace(/[\s"'\\]/g, '_') || 'x').join(' ') + '\r\n';
  return multibulk(argv);
}

/** A random truncation or mutation of some valid requests, or plain noise. */
function fuzzPayload(r: Rand): string {
  const x = r();
  if (x < 0.15) return randomBytes(r, int(r, 2000));
  let s = '';
  const n = 1 + int(r, 10);
  for (let i = 0; i < n; i++) s += validServerRequest(r);
  const edits = int(r, 4);
  for (let e = 0; e < edits; e++) {
    const at = int(r, s.length + 1);
    switch (int(r, 7)) {
      case 0: // truncate
        s = s.slice(0, at);
        break;
      case 1: // flip a byte
        s = s.slice(0, at) + String.fromCharCode(int(r, 256)) + s.slice(at + 1);
        break;
      case 2: // insert noise
        s = s.slice(0, at) + randomBytes(r, 1 + int(r, 8)) + s.slice(at);
        break;
      case 3: // delete a range
        s = s.slice(0, at) + s.slice(at + 1 + int(r, 10));
        break;
      case 4: // a different digit (lengths and counts go wrong)
        s = s.slice(0, at) + String(int(r, 10)) + s.slice(at + 1);
        break;
      case 5: // stray line ends
        s = s.slice(0, at) + pick(r, ['\r\n', '\n', '\r', '*', '$', '"', "'"]) + s.slice(at);
        break;
      default: // huge or negative counts
        s = s.slice(0, at) + pick(r, ['*2147483648\r\n', '*99999\r\n', '$536870913\r\n', '$-5\r\n', '*-3\r\n', '$100000\r\nab']) + s.slice(at);
    }
  }
  return s;
}

/** Send a payload in random pieces, read until the server closes or a short deadline. */
function fuzzConnection(port: number, r: Rand): Promise<void> {
  const payload = Buffer.from(fuzzPayload(r), 'latin1');
  const cuts: number[] = [];
  for (let p = 0; p < payload.length; ) {
    p = Math.min(payload.length, p + 1 + int(r, 300));
    cuts.push(p);
  }
  const endAfter = r() < 0.5;
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve();
    };
    // A request left incomplete (or a blocking command) keeps the connection open: give up.
    const timer = setTimeout(done, 300);
    sock.on('error', done);
    sock.on('close', done);
    sock.on('data', () => {});
    sock.on('connect', async () => {
      let from = 0;
      for (const to of cuts) {
        if (sock.destroyed) return;
        sock.write(payload.subarray(from, to));
        from = to;
        if (r() < 0.3) await new Promise((res) => setImmediate(res));
      }
      if (endAfter && !sock.destroyed) sock.end();
    });
  });
}

describe('server fuzz: random and mutated requests on many connections', () => {
  let server: TestServer;
  const internalErrors: string[] = [];
  const onLog = (m: unknown) => {
    const e = m as { level?: string; msg?: string; command?: string; err?: string };
    if (e.level === 'error') internalErrors.push(`${e.msg}: ${e.command ?? ''} ${e.err ?? ''}`);
  };
  before(async () => {
    server = await startDssm();
    channels.log.subscribe(onLog);
  });
  after(async () => {
    channels.log.unsubscribe(onLog);
    await server.stop();
  });

  test('the server survives and keeps its data', async (t) => {
    const sentinel = 'before\x00\xff\r\nfuzz';
    const c = await server.client();
    assert.deepEqual(await c.call('SET', 'fuzz:sentinel', sentinel), { t: 'simple', v: 'OK' });

    const deadline = Date.now() + 10_000;
    const seeds = Array.from({ length: 64 }, (_, i) => 1000 + i * 7919);
    let ran = 0;
    for (const seed of seeds) {
      if (Date.now() > deadline) break;
      const r = rng(seed);
      await Promise.all(Array.from({ length: 24 }, () => fuzzConnection(server.port, r)));
      ran++;
    }
    assert.ok(ran > 0);
    // The mutations leave plenty of requests intact: the fuzz reached the commands too.
    assert.ok(server.node.stats.totalCommands > 100, `only ${server.node.stats.totalCommands} commands ran`);
    t.diagnostic(`fuzz: ${ran} seeds x 24 connections, ${server.node.stats.totalCommands} commands, ${server.node.stats.errorReplies} error replies`);

    const d = await server.client();
    assert.deepEqual(await d.call('PING'), { t: 'simple', v: 'PONG' });
    assert.deepEqual(await d.call('GET', 'fuzz:sentinel'), { t: 'bulk', v: sentinel });
    // The connection opened before the fuzzing still works too.
    assert.deepEqual(await c.call('ECHO', 'still here'), { t: 'bulk', v: 'still here' });
    assert.deepEqual(internalErrors, []);
    assert.equal(server.node.stats.unexpectedErrorReplies, 0);
  });
});
