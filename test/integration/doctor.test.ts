/**
 * MEMORY DOCTOR and LATENCY DOCTOR report what the server measured (memory figures, big
 * keys, latency events and the SLOWLOG), not a fixed text. Through a real client (ioredis).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { startDssm, type TestServer } from '../helpers/servers.js';

describe('MEMORY DOCTOR and LATENCY DOCTOR', () => {
  let server: TestServer;
  let r: Redis;
  before(async () => {
    server = await startDssm(['--enable-debug-command', 'yes']);
    r = new Redis({ port: server.port, lazyConnect: true });
    await r.connect();
  });
  after(async () => {
    r.disconnect();
    await server.stop();
  });

  const infoField = async (name: string): Promise<string> => {
    const m = new RegExp(`^${name}:(.*)\\r$`, 'm').exec(await r.info('memory'));
    assert.ok(m, name);
    return m[1]!;
  };

  test('MEMORY DOCTOR on an almost empty instance: its figures, and that they are too small to judge', async () => {
    await r.flushall();
    await r.set('a', '1');
    const text = String(await r.call('MEMORY', 'DOCTOR'));
    assert.match(text, /^ \* Used memory: \S+ \(\d+ bytes\); peak \S+ \(\d+ bytes\), now at [\d.]+% of it\.$/m);
    assert.match(text, /^ \* Process RSS: \S+ \(\d+ bytes\); fragmentation ratio \(RSS \/ used\) [\d.]+\.$/m);
    assert.match(text, /^ \* maxmemory: not set \(no limit\), policy noeviction\.$/m);
    assert.match(text, /^ \* Keys: 1; none is big/m);
    assert.match(text, /uses very little memory/);
  });

  test('MEMORY DOCTOR counts big keys and follows maxmemory', async () => {
    await r.flushall();
    const big = 'x'.repeat(2 * 1024 * 1024);
    for (let i = 0; i < 4; i++) await r.set(`big:${i}`, big + i);
    await r.rpush('list', ...Array.from({ length: 12000 }, (_, i) => String(i)));
    await r.set('small', 'v');
    await r.config('SET', 'maxmemory', '2gb');
    try {
      const text = String(await r.call('MEMORY', 'DOCTOR'));
      assert.match(
        text,
        /^ \* Keys: 6; 5 big \(strings of 1 MB or more, aggregates of 10000 elements or more\), the largest 'big:\d' in db 0 \(a string of 2097153 bytes, about \d+ bytes in memory\)\.$/m,
      );
      assert.match(text, /^ \* maxmemory: 2\.00G \(2147483648 bytes\), [\d.]+% used, policy noeviction\.$/m);
      assert.doesNotMatch(text, /uses very little memory/);
      assert.match(text, /Big keys: 5 keys are big/);
      // The used figure is INFO's (read just before and after: it lies between).
      const before = Number(await infoField('used_memory'));
      const used = Number(/\* Used memory: \S+ \((\d+) bytes\)/.exec(String(await r.call('MEMORY', 'DOCTOR')))![1]);
      const afterUsed = Number(await infoField('used_memory'));
      assert.ok(used > 8 * 1024 * 1024, `used ${used} counts the 8 MB of strings`);
      assert.ok(Math.abs(used - before) < 4 * 1024 * 1024 || Math.abs(used - afterUsed) < 4 * 1024 * 1024, `${before} ${used} ${afterUsed}`);
    } finally {
      await r.config('SET', 'maxmemory', '0');
      await r.flushall();
    }
  });

  test('LATENCY DOCTOR reports the recorded events and the slow commands behind them', async () => {
    await r.call('LATENCY', 'RESET');
    await r.call('SLOWLOG', 'RESET');
    await r.config('SET', 'latency-monitor-threshold', '0');
    assert.match(String(await r.call('LATENCY', 'DOCTOR')), /Latency monitoring is disabled/);
    // A threshold well above what an ordinary command takes on a loaded machine.
    await r.config('SET', 'slowlog-log-slower-than', '40000');
    await r.config('SET', 'latency-monitor-threshold', '40');
    await r.call('LATENCY', 'RESET');
    try {
      assert.match(String(await r.call('LATENCY', 'DOCTOR')), /no latency spike was observed .*latency-monitor-threshold is 40 ms/);
      await r.call('SLOWLOG', 'RESET');
      await r.call('DEBUG', 'SLEEP', '0.1');
      await r.call('DEBUG', 'SLEEP', '0.06');
      const latest = (await r.call('LATENCY', 'LATEST')) as [string, number, number, number][];
      const command = latest.find((e) => e[0] === 'command');
      assert.ok(command, 'LATENCY LATEST has the command event');
      const text = String(await r.call('LATENCY', 'DOCTOR'));
      // The figures are the monitor's: the worst is LATENCY LATEST's all-time max.
      const m = /^1\. command: (\d+) latency spikes? \(average (\d+)ms, mean deviation (\d+)ms, period ([\d.]+) sec\)\. Worst all time event (\d+)ms\. Latest (\d+)ms, \d+ sec ago\.$/m.exec(text);
      assert.ok(m, text);
      assert.equal(Number(m[5]), command[3]);
      assert.ok(Number(m[5]) >= 100, 'DEBUG SLEEP 0.1 took at least 100 ms');
      assert.ok(Number(m[1]) >= 1);
      assert.match(text, /latency-monitor-threshold 40 ms/);
      assert.match(text, /The SLOWLOG holds \d+ entries; the slowest commands: (.*, )?DEBUG \(2x, worst [\d.]+ms\)/);
    } finally {
      await r.config('SET', 'latency-monitor-threshold', '0');
      await r.config('SET', 'slowlog-log-slower-than', '10000');
    }
  });
});
