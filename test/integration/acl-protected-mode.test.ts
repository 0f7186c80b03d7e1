/**
 * Protected mode as Redis 7.0: a client from beyond loopback gets Redis's DENIED text when
 * the default user has no password; with a password it gets NOAUTH instead. Byte-compared
 * with redis-server when it is installed.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import os from 'node:os';
import { describe, it } from 'node:test';
import { startDssm, startRedis, redisServerPath } from '../helpers/servers.js';

function externalAddress(): string | null {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return null;
}

function firstReply(port: number, host: string, send: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const s = net.connect({ port, host }, () => s.write(send));
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('close', () => resolve(out));
    s.on('error', reject);
    setTimeout(() => s.destroy(), 1500);
  });
}

const ext = externalAddress();

describe('protected mode', { skip: ext ? false : 'no non-loopback IPv4 address on this machine' }, () => {
  it('DENIED from beyond loopback without a password, NOAUTH with one; loopback is served', async () => {
    const srv = await startDssm(['--bind', `127.0.0.1 ${ext}`]);
    try {
      const denied = await firstReply(srv.port, ext!, '*1\r\n$4\r\nPING\r\n');
      assert.match(denied, /^-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user\./);
      if (redisServerPath()) {
        const redis = await startRedis(['--bind', `127.0.0.1 ${ext}`, '--protected-mode', 'yes']);
        try {
          assert.equal(denied, await firstReply(redis.port, ext!, '*1\r\n$4\r\nPING\r\n'));
        } finally {
          await redis.stop();
        }
      }
      const c = await srv.client();
      // A command sent with the connection is refused, not run behind the DENIED reply.
      assert.match(await firstReply(srv.port, ext!, '*3\r\n$3\r\nSET\r\n$6\r\npwned!\r\n$1\r\n1\r\n'), /^-DENIED /);
      assert.deepEqual(await c.call('EXISTS', 'pwned!'), { t: 'int', v: '0' });
      assert.deepEqual(await c.call('CONFIG', 'SET', 'requirepass', 'pw'), { t: 'simple', v: 'OK' });
      const noauth = await firstReply(srv.port, ext!, '*1\r\n$4\r\nPING\r\n');
      assert.equal(noauth, '-NOAUTH Authentication required.\r\n');
    } finally {
      await srv.stop();
    }
  });
});
