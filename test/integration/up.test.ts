/**
 * `dssm up` end to end, as a user runs it (TLS on): it comes up, ioredis in sentinel mode
 * with TLS writes and reads, `dssm status --json` shows 1 primary + 2 replicas + 3
 * sentinels, every child serves Prometheus /metrics, a SIGKILLed primary is replaced and restarted as a replica while ioredis keeps
 * working, SIGTERM stops every child, and a second run in the same directory keeps the data
 * (also from an up.json written before metrics existed). A busy metrics port is refused
 * up front with the port named.
 * Needs `npm run build`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type Redis from 'ioredis';
import { alive, eventually, freeRange, scrape, sentinelClient, startUp, status, upFails, type UpProc } from './up-fixture.js';

describe('dssm up', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dssm-up-'));
  let base = 0;
  let sport = 0;
  /** Metrics base: nodes on mport..mport+2, sentinels on mport+10..mport+12. */
  let mport = 0;
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
    mport = await freeRange(13);
    up = startUp(dir, base, sport, ['--metrics-port', String(mport)]);
    const ready = await up.waitEvent((e) => e.event === 'ready', 60_000);
    assert.equal(ready.tls, true);
    assert.deepEqual(ready.metrics, {
      dataNodes: [0, 1, 2].map((i) => `http://127.0.0.1:${mport + i}/metrics`),
      sentinels: [0, 1, 2].map((i) => `http://127.0.0.1:${mport + 10 + i}/metrics`),
    });
    assert.match(up.stderr(), new RegExp(`data nodes http://127\\.0\\.0\\.1:${mport}-${mport + 2}/metrics, sentinels http://127\\.0\\.0\\.1:${mport + 10}-${mport + 12}/metrics`));
    assert.equal(JSON.parse(readFileSync(join(dir, 'up.json'), 'utf8')).metricsPort, mport);
    assert.deepEqual(
      ready.sentinels,
      [0, 1, 2].map((i) => `127.0.0.1:${sport + i}`),
    );
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
    // The /metrics URL of every process (this deployment runs with --metrics-port).
    assert.equal(s.metrics?.[`127.0.0.1:${base}`], `http://127.0.0.1:${mport}/metrics`);
    assert.equal(Object.keys(s.metrics ?? {}).length, 6);
  });

  it('every child serves /metrics; the primary reports role master, the replicas slave', async () => {
    for (let i = 0; i < 3; i++) {
      const m = await scrape(`http://127.0.0.1:${mport + i}/metrics`);
      assert.equal(m.status, 200, `node-${i} /metrics`);
      // Node 0 is the primary on a first run (the status test above checked it).
      const role = i === 0 ? 'master' : 'slave';
      assert.match(m.body, new RegExp(`^dssm_replication_role\\{role="${role}"\\} 1$`, 'm'), `node-${i} is a ${role}`);
      const s = await scrape(`http://127.0.0.1:${mport + 10 + i}/metrics`);
      assert.equal(s.status, 200, `sentinel-${i} /metrics`);
      assert.match(s.body, /^dssm_sentinel_master_info\{.*\} 1$/m, `sentinel-${i} monitors a primary`);
      assert.equal((await scrape(`http://127.0.0.1:${mport + 10 + i}/healthz`)).status, 200);
    }
  });

  it('a busy metrics port is refused before anything starts, naming the port and the flag', async () => {
    const other = mkdtempSync(join(tmpdir(), 'dssm-up-busy-'));
    const [b, sp, mp] = [await freeRange(3), await freeRange(3), await freeRange(13)];
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(mp + 11, '127.0.0.1', r));
    try {
      const r = await upFails(other, ['--no-tls', '--base-port', String(b), '--sentinel-port', String(sp), '--metrics-port', String(mp)]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`port ${mp + 11} \\(sentinel-1 metrics\\) already in use.*--metrics-port \\(or --no-metrics\\)`));
      assert.ok(!existsSync(join(other, 'logs')), 'nothing was started');
    } finally {
      blocker.close();
      rmSync(other, { recursive: true, force: true });
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

  it('a second run in the same directory keeps the data and the current primary, from an up.json without metrics', async () => {
    const previous = JSON.parse(JSON.stringify(up!.events.filter((e) => e.event === 'primary').at(-1) ?? {})) as { primary?: string };
    // As written before metrics existed.
    const settings = JSON.parse(readFileSync(join(dir, 'up.json'), 'utf8')) as Record<string, unknown>;
    delete settings.metricsPort;
    writeFileSync(join(dir, 'up.json'), JSON.stringify(settings));
    up = startUp(dir, base, sport, ['--metrics-port', String(mport)]);
    const ready = await up.waitEvent((e) => e.event === 'ready', 60_000);
    assert.equal(ready.primary, previous.primary);
    assert.equal(JSON.parse(readFileSync(join(dir, 'up.json'), 'utf8')).metricsPort, mport);
    const primaryMetrics = mport + Number(String(ready.primary).split(':')[1]) - base;
    assert.match((await scrape(`http://127.0.0.1:${primaryMetrics}/metrics`)).body, /^dssm_replication_role\{role="master"\} 1$/m);
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
