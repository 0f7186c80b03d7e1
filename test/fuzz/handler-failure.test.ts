/**
 * A handler that throws something unexpected after writing part of its reply (what the
 * reply writer's RangeError did before): the client gets exactly one error reply, with
 * nothing half-written before it, the next command answers normally, the failure is
 * logged and counted, and the server keeps serving. In-process, so a handler can be made
 * to fail on purpose.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { plain } from '../helpers/resp.js';
import { startDssm, type TestServer } from '../helpers/servers.js';

let server: TestServer;
before(async () => {
  server = await startDssm();
});
after(async () => {
  await server.stop();
});

test('a handler failing mid-reply is rolled back to one error reply, logged and counted', async () => {
  const spec = server.node.commands.get('echo')!;
  const original = spec.handler;
  (spec as { handler: typeof original }).handler = (c) => {
    c.reply.arrayHeader(3);
    c.reply.bulk('partial');
    throw new RangeError('simulated failure inside a reply');
  };
  const logged: unknown[] = [];
  const onLog = (m: unknown): void => void logged.push(m);
  subscribe('dssm:log', onLog);
  try {
    const c = await server.client();
    // Pipelined: the failing command between two good ones.
    const replies = await Promise.all([c.call('SET', 'k', 'v'), c.call('ECHO', 'x'), c.call('GET', 'k'), c.call('PING')]);
    assert.deepEqual(replies.map(plain), ['OK', { error: "ERR internal error while executing 'echo'" }, 'v', 'PONG']);
    assert.equal(c.pendingBytes.length, 0);
    const info = plain(await c.call('INFO', 'stats')) as string;
    assert.match(info, /unexpected_error_replies:1\r\n/);
    assert.ok(logged.some((m) => (m as { msg?: string; command?: string }).msg === 'command handler failed' && (m as { command?: string }).command === 'echo'));
  } finally {
    unsubscribe('dssm:log', onLog);
    (spec as { handler: typeof original }).handler = original;
  }
});
