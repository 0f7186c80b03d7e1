/**
 * `dssm up` end to end, as a user runs it (TLS on): it comes up, ioredis in sentinel mode
 * with TLS writes and reads, `dssm status --json` shows 1 primary + 2 replicas + 3
 * sentinels, a SIGKILLed primary is replaced and restarted as a replica while ioredis keeps
 * working, SIGTERM stops every child, and a second run in the same directory keeps the data.
 * Needs `npm run build`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type Redis from 'ioredis';
import { alive, eventually, freeRange, sentinelClient, startUp, status, type UpProc } from './up-fixture.js';

describe('dssm up', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dssm-up-'));
  let base = 0;
  let sport = 0;
  let up: UpProc | null = null;
  let redis: Redis | null = null;
  const pids = new Set<number>();

  after(async () => {
    redis?.disconnect();
    if (up && up.proc.exitCode === null) {
      up.proc.kill('SIGTERM');
      await up.exited;
    }
    for (const p of pids) if (alive(p)) process.kill(p, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const collectPids = (u: UpProc) => {
    for (const e of u.events) if (e.event === 'child-start' && typeof e.pid === 'number') pids.add(e.pid);
  };

  it('starts 3 data nodes and 3 sentinels with TLS and prints how to connect', async () => {
    base = await freeRange(3);
    sport = await freeRange(3);
    up = startUp(dir, base, sport);
    const ready = await up.waitEvent((e) => e.event === 'ready', 60_000);
    assert.equal(ready.tls, true);
    assert.deepEqual(ready.sentinels, [0, 1, 2].map((i) => `127.0.0.1:${sport + i}`));
    assert.ok(existsSync(join(dir, 'tls', 'dssm-ca.crt')) && existsSync(join(dir, 'tls', 'client.key')));
    assert.match(up.stderr(), /redis-cli --tls --cacert .*dssm-ca\.crt --cert .*client\.crt --key .*client\.key/);
    assert.match(up.stderr(), /sentinelTLS: tls/);
    for (let i = 0; i < 3; i++) {
      assert.ok(existsSync(join(dir, `sentinel-${i}`, 'sentinel.conf')));
      assert.ok(existsSync(join(dir, 'logs', `node-${i}.log`)));
    }
  });

  it('ioredis in sentinel mode (TLS) can SET and GET', async () => {
    redis = sentinelClient(dir, sport, true);
    assert.equal(await redis.set('greeting', 'hello'), 'OK');
    assert.equal(await redis.get('greeting'), 'hello');
  });

  it('dssm status --json reports 1 primary, 2 replicas, 3 sentinels', async () => {
    const s = await eventually('a settled topology', async () => {
      const x = await status(dir);
      return x.counts?.primaries === 1 && x.counts.replicas === 2 && x.counts.sentinels === 3 && x.agreed ? x : undefined;
    });
    assert.equal(s.primary, `127.0.0.1:${base}`);
    for (const v of s.sentinels) {
      assert.equal(v.numReplicas, 2);
      assert.equal(v.numOtherSentinels, 2);
    }
  });

  it('a SIGKILLed primary is replaced, ioredis keeps working, and the child comes back as a replica', async () => {
    const before = await status(dir);
    const primary = before.nodes.find((n) => n.role === 'master')!;
    assert.ok(primary.pid);
    process.kill(primary.pid!, 'SIGKILL');
    const after1 = await eventually(
      'a new primary',
      async () => {
        const x = await status(dir);
        return x.primary && x.primary !== primary.addr && x.agreed ? x : undefined;
      },
      40_000,
    );
    assert.notEqual(after1.primary, primary.addr);
    // ioredis finds the new primary through the sentinels.
    await eventually('a write through ioredis', async () => ((await redis!.set('after-failover', '1')) === 'OK' ? true : undefined), 30_000);
    assert.equal(await redis!.get('greeting'), 'hello');
    // The supervisor restarted the killed node; it rejoins as a replica.
    const name = `node-${Number(primary.addr.split(':')[1]) - base}`;
    await up!.waitEvent((e) => e.event === 'child-start' && e.name === name && (e.restarts as number) >= 1, 40_000);
    const healed = await eventually(
      'the restarted node as a replica',
      async () => {
        const x = await status(dir);
        const n = x.nodes.find((m) => m.addr === primary.addr);
        return n?.ok && n.role === 'slave' && x.counts.primaries === 1 && x.counts.replicas === 2 ? x : undefined;
      },
      40_000,
    );
    assert.equal(healed.primary, after1.primary);
  });

  it('SIGTERM stops every child process and exits 0', async () => {
    collectPids(up!);
    assert.ok(pids.size >= 7, `child pids seen: ${[...pids].join(', ')}`);
    redis!.disconnect();
    redis = null;
    up!.proc.kill('SIGTERM');
    assert.equal(await up!.exited, 0);
    assert.ok(up!.events.some((e) => e.event === 'stopped'));
    const left = [...pids].filter(alive);
    assert.deepEqual(left, [], `children still running: ${left.join(', ')}`);
  });

  it('a second run in the same directory keeps the data and the current primary', async () => {
    const previous = JSON.parse(JSON.stringify(up!.events.filter((e) => e.event === 'primary').at(-1) ?? {})) as { primary?: string };
    up = startUp(dir, base, sport);
    const ready = await up.waitEvent((e) => e.event === 'ready', 60_000);
    assert.equal(ready.primary, previous.primary);
    redis = sentinelClient(dir, sport, true);
    assert.equal(await redis.get('greeting'), 'hello');
    assert.equal(await redis.get('after-failover'), '1');
    redis.disconnect();
    redis = null;
    up.proc.kill('SIGTERM');
    assert.equal(await up.exited, 0);
    collectPids(up);
    assert.deepEqual([...pids].filter(alive), []);
  });
});
