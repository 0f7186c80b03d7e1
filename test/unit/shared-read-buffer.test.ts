/**
 * Plain-TCP sessions read into one buffer shared by every connection, and the request
 * reader parses it in place ("borrowed" input), copying only an incomplete tail before the
 * next read overwrites the buffer. These tests check that nothing a request is made of is
 * lost or corrupted when the buffer is reused: the reader alone with a buffer scribbled over
 * after every chunk, and a live server with many connections whose requests arrive cut at
 * arbitrary bytes, interleaved.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { RespReader } from '../../src/protocol/resp-reader.js';
import { startDssm, type TestServer } from '../helpers/servers.js';
import { rng } from '../helpers/differential.js';
import { int, multibulk, randomArg } from '../helpers/random-resp.js';

const limits = { maxBulkLen: 512 * 1024 * 1024, authRequired: () => false };

describe('RespReader with borrowed input', () => {
  for (const seed of [3, 7, 11, 19, 23, 42]) {
    test(`seed ${seed}: requests survive the read buffer being overwritten after each chunk`, () => {
      const r = rng(seed);
      const expected: string[][] = [];
      let text = '';
      for (let i = 0; i < 80; i++) {
        if (r() < 0.15) {
          const words = ['SET', `k${i}`, `v${int(r, 1000)}`];
          expected.push(words);
          text += words.join(' ') + '\r\n';
        } else {
          const argv = Array.from({ length: 1 + int(r, 5) }, () => randomArg(r));
          expected.push(argv);
          text += multibulk(argv);
        }
      }
      const stream = Buffer.from(text, 'latin1');
      const shared = Buffer.alloc(64 * 1024);
      for (let round = 0; round < 6; round++) {
        const reader = new RespReader(limits);
        const got: string[][] = [];
        let pos = 0;
        while (pos < stream.length) {
          const size = r() < 0.6 ? 1 + int(r, 10) : 1 + int(r, shared.length);
          const end = Math.min(stream.length, pos + size);
          stream.copy(shared, 0, pos, end);
          reader.feed(shared.subarray(0, end - pos), true);
          pos = end;
          for (let a = reader.next(); a !== null; a = reader.next()) got.push(a);
          reader.detach();
          shared.fill(0xaa); // the next read of any connection lands here
        }
        assert.equal(reader.buffered, 0);
        assert.equal(got.length, expected.length, `round ${round}: request count`);
        for (let i = 0; i < expected.length; i++) assert.deepEqual(got[i], expected[i], `round ${round}: request ${i}`);
      }
    });
  }
});

describe('a live server with many connections sending cut requests at once', () => {
  let server: TestServer;
  before(async () => {
    server = await startDssm();
  });
  after(async () => {
    await server.stop();
  });

  test('every connection gets exactly its own values back', async () => {
    const CONNS = 24;
    const jobs = Array.from({ length: CONNS }, async (_, ci) => {
      const r = rng(1000 + ci);
      const values = Array.from({ length: 40 }, () => randomArg(r));
      let text = '';
      let expected = '';
      values.forEach((v, i) => {
        text += multibulk(['SET', `c${ci}:${i}`, v]) + multibulk(['GET', `c${ci}:${i}`]);
        expected += `+OK\r\n$${v.length}\r\n${v}\r\n`;
      });
      const bytes = Buffer.from(text, 'latin1');
      const sock = net.connect(server.port, '127.0.0.1');
      sock.setNoDelay(true);
      const received: Buffer[] = [];
      let receivedLen = 0;
      const want = Buffer.byteLength(expected, 'latin1');
      const done = new Promise<void>((resolve, reject) => {
        sock.on('data', (d: Buffer) => {
          received.push(d);
          receivedLen += d.length;
          if (receivedLen >= want) resolve();
        });
        sock.on('error', reject);
        sock.on('close', () => resolve());
      });
      await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
      // Cut at random bytes, yielding to the event loop between pieces so that reads of
      // all connections interleave in the server.
      let pos = 0;
      while (pos < bytes.length) {
        const end = Math.min(bytes.length, pos + (r() < 0.5 ? 1 + int(r, 20) : 1 + int(r, 20000)));
        sock.write(bytes.subarray(pos, end));
        pos = end;
        await new Promise((resolve) => setImmediate(resolve));
      }
      await done;
      sock.destroy();
      assert.equal(Buffer.concat(received).toString('latin1'), expected, `connection ${ci}`);
    });
    await Promise.all(jobs);
  });
});
