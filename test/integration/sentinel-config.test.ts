/**
 * sentinel.conf: the file and `--name value` arguments, errors that name the line, and
 * the state rewritten to the file and read back.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/load.js';
import { loadSentinelConfig } from '../../src/sentinel/config.js';
import { Sentinel } from '../../src/sentinel/server.js';
import { RawClient, plain } from '../helpers/resp.js';

describe('sentinel.conf', () => {
  it('reads the file, then argument directives', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dssm-sconf-'));
    try {
      const file = join(dir, 'sentinel.conf');
      writeFileSync(
        file,
        [
          'port 26999',
          'sentinel monitor m1 10.0.0.1 6379 2',
          'sentinel down-after-milliseconds m1 5000',
          'sentinel failover-timeout m1 60000',
          'sentinel parallel-syncs m1 3',
          'sentinel auth-pass m1 "se cret"',
          'sentinel auth-user m1 app',
          'sentinel announce-ip 192.0.2.1',
          'sentinel announce-port 26000',
          'sentinel resolve-hostnames yes',
          'sentinel known-replica m1 10.0.0.2 6379',
          'sentinel known-sentinel m1 10.0.0.9 26379 0123456789abcdef0123456789abcdef01234567',
          'sentinel config-epoch m1 4',
          'sentinel leader-epoch m1 5',
          'sentinel current-epoch 5',
          'sentinel myid aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
        ].join('\n'),
      );
      const cfg = loadSentinelConfig(file, ['--port', '27000', '--sentinel', 'monitor', 'm2', '127.0.0.1', '7000', '1']);
      assert.equal(cfg.port, 27000);
      assert.equal(cfg.myid, 'a'.repeat(40));
      assert.equal(cfg.currentEpoch, 5);
      assert.equal(cfg.announceIp, '192.0.2.1');
      assert.equal(cfg.announcePort, 26000);
      assert.equal(cfg.resolveHostnames, true);
      const m1 = cfg.masters[0]!;
      assert.deepEqual([m1.name, m1.host, m1.port, m1.quorum, m1.downAfter, m1.failoverTimeout, m1.parallelSyncs], ['m1', '10.0.0.1', 6379, 2, 5000, 60000, 3]);
      assert.equal(m1.authPass, 'se cret');
      assert.equal(m1.authUser, 'app');
      assert.deepEqual(m1.knownReplicas, [{ host: '10.0.0.2', port: 6379 }]);
      assert.equal(m1.knownSentinels[0]!.runid, '0123456789abcdef0123456789abcdef01234567');
      assert.equal(m1.configEpoch, 4);
      assert.equal(cfg.masters[1]!.name, 'm2');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad directives naming the line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dssm-sconf-'));
    try {
      const file = join(dir, 'sentinel.conf');
      writeFileSync(file, 'port 1\nsentinel down-after-milliseconds nope 100\n');
      assert.throws(
        () => loadSentinelConfig(file),
        (e: unknown) => e instanceof ConfigError && e.line === 2 && e.reason === 'No such master with specified name.',
      );
      writeFileSync(file, 'sentinel monitor m 127.0.0.1 6379 0\n');
      assert.throws(
        () => loadSentinelConfig(file),
        (e: unknown) => e instanceof ConfigError && e.reason === 'Quorum must be 1 or greater.',
      );
      writeFileSync(file, 'sentinel bogus x\n');
      assert.throws(
        () => loadSentinelConfig(file),
        (e: unknown) => e instanceof ConfigError && e.reason === 'Unrecognized sentinel configuration statement.',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('persists SENTINEL MONITOR / SET / REMOVE atomically and reads the state back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dssm-sconf-'));
    const file = join(dir, 'sentinel.conf');
    writeFileSync(file, 'port 0\nbind 127.0.0.1\n# a comment\n');
    const s = new Sentinel(loadSentinelConfig(file));
    try {
      const port = await s.start();
      const c = await RawClient.connect(port);
      assert.equal(plain(await c.call('SENTINEL', 'MONITOR', 'm9', '127.0.0.1', '1', '2')), 'OK');
      assert.deepEqual(plain(await c.call('SENTINEL', 'MONITOR', 'm9', '127.0.0.1', '1', '2')), { error: 'ERR Duplicated master name' });
      assert.equal(plain(await c.call('SENTINEL', 'SET', 'm9', 'down-after-milliseconds', '1234', 'quorum', '1')), 'OK');
      assert.equal(plain(await c.call('SENTINEL', 'MONITOR', 'gone', '127.0.0.1', '2', '1')), 'OK');
      assert.equal(plain(await c.call('SENTINEL', 'REMOVE', 'gone')), 'OK');
      assert.equal(plain(await c.call('SENTINEL', 'FLUSHCONFIG')), 'OK');
      c.close();
      const text = readFileSync(file, 'utf8');
      assert.match(text, /^port 0$/m);
      assert.match(text, new RegExp(`^sentinel myid ${s.myid}$`, 'm'));
      assert.match(text, /^sentinel monitor m9 127\.0\.0\.1 1 1$/m);
      assert.match(text, /^sentinel down-after-milliseconds m9 1234$/m);
      assert.doesNotMatch(text, /gone/);
      assert.deepEqual(readdirSync(dir), ['sentinel.conf']); // no temporary file left behind
      await s.stop();
      const again = loadSentinelConfig(file);
      assert.equal(again.myid, s.myid);
      assert.equal(again.masters[0]!.downAfter, 1234);
    } finally {
      await s.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
