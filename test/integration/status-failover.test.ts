/**
 * `dssm failover` against a `dssm up` deployment (plain TCP here; up.test.ts covers TLS):
 * under a writer through ioredis in sentinel mode, the primary moves to another node and
 * every acknowledged write is still there afterwards; --to picks the node; bad targets
 * are refused without changing anything. Needs `npm run build`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Redis from 'ioredis';
import { alive, eventually, failover, freeRange, sentinelClient, startUp, status, type UpProc } from './up-fixture.js';

describe('dssm status and dssm failover', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dssm-failover-'));
  let base = 0;
  let sport = 0;
  let up: UpProc;

  before(async () => {
    base = await freeRange(3);
    sport = await freeRange(3);
    up = startUp(dir, base, sport, ['--no-tls']);
    await up.waitEvent((e) => e.event === 'ready', 60_000);
  });

  after(async () => {
    if (up.proc.exitCode === null) {
      up.proc.kill('SIGTERM');
      await up.exited;
    }
    for (const e of up.events) if (e.event === 'child-start' && typeof e.pid === 'number' && alive(e.pid)) process.kill(e.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('status --json: the topology through the sentinels', async () => {
    const s = await eventually('a settled topology', async () => {
      const x = await status(dir);
      return x.counts?.primaries === 1 && x.counts.replicas === 2 && x.counts.sentinels === 3 && x.agreed ? x : undefined;
    });
    assert.equal(s.primary, `127.0.0.1:${base}`);
    assert.equal(s.nodes.length, 3);
    assert.ok(s.nodes.every((n) => n.ok && typeof n.offset === 'number'));
  });

  it('switches the primary under a writer with no acknowledged write lost', async (t) => {
    const redis = sentinelClient(dir, sport, false);
    const acked: number[] = [];
    let stop = false;
    let failures = 0;
    const writer = (async () => {
      for (let i = 0; !stop; ) {
        try {
          await redis.set(`w:${i}`, String(i));
          acked.push(i);
          i++;
        } catch {
          failures++;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    })();
    await eventually('writes flowing', async () => (acked.length > 50 ? true : undefined));
    const r = await failover(dir);
    assert.equal(r.code, 0, r.stderr);
    const res = JSON.parse(r.stdout) as { from: string; to: string; totalMs: number };
    assert.equal(res.from, `127.0.0.1:${base}`);
    assert.notEqual(res.to, res.from);
    const n0 = acked.length;
    await eventually('writes after the switch', async () => (acked.length > n0 + 50 ? true : undefined), 30_000);
    stop = true;
    await writer;

    const s = await status(dir);
    assert.equal(s.primary, res.to);
    assert.equal(s.counts.primaries, 1);
    // Every acknowledged write, read from the new primary directly.
    const [host, port] = [res.to.split(':')[0]!, Number(res.to.split(':')[1])];
    const direct = new Redis({ host, port, lazyConnect: false });
    const keys = acked.map((i) => `w:${i}`);
    const values: (string | null)[] = [];
    for (let i = 0; i < keys.length; i += 500) values.push(...(await direct.mget(...keys.slice(i, i + 500))));
    const missing = acked.filter((i, k) => values[k] !== String(i));
    assert.deepEqual(missing, [], `${missing.length} of ${acked.length} acknowledged writes missing (failures seen: ${failures})`);
    t.diagnostic(`${res.from} -> ${res.to} in ${res.totalMs.toFixed(0)} ms; ${acked.length} writes acknowledged, ${failures} refused or retried, 0 lost`);
    direct.disconnect();
    redis.disconnect();
  });

  it('--to picks the replica; a non-replica target is refused and nothing changes', async () => {
    const s = await status(dir);
    const replica = s.nodes.find((n) => n.role === 'slave')!;
    const bad = await failover(dir, ['--to', `127.0.0.1:${sport}`]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /is not an online replica/);
    assert.equal((await status(dir)).primary, s.primary);

    const r = await failover(dir, ['--to', replica.addr]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { to: string }).to, replica.addr);
    const after1 = await eventually('the new topology', async () => {
      const x = await status(dir);
      return x.primary === replica.addr && x.agreed && x.counts.replicas === 2 ? x : undefined;
    });
    assert.equal(after1.counts.primaries, 1);
  });
});
