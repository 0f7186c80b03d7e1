/**
 * SHUTDOWN and SIGTERM end the process promptly, even with clients connected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDssmProcess } from '../helpers/servers.js';
import { RawClient } from '../helpers/resp.js';

test('SHUTDOWN NOSAVE closes the connection and the process exits 0 while other clients are connected', async () => {
  const server = await startDssmProcess(['--save', '']);
  const idle = await RawClient.connect(server.port);
  const c = await RawClient.connect(server.port);
  const exited = new Promise<number | null>((r) => server.proc.once('exit', (code) => r(code)));
  c.writeRaw('SHUTDOWN NOSAVE\r\n');
  assert.ok(await c.waitClosed(5000), 'the client saw the connection close');
  assert.ok(await idle.waitClosed(5000), 'an idle client was disconnected too');
  assert.equal(await exited, 0);
});

test('SIGTERM with connected clients exits 0', async () => {
  const server = await startDssmProcess(['--save', '']);
  const c = await RawClient.connect(server.port);
  await c.call('SET', 'k', 'v');
  assert.equal(await server.stop('SIGTERM'), 0);
  assert.ok(await c.waitClosed(5000));
});
