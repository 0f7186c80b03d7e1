/**
 * Real redis-sentinel 7.0 processes and dssm sentinels monitor the same redis-server
 * group: they discover each other through hello messages, and after SIGKILL of the
 * primary they all agree on the same new primary and configuration epoch, whichever
 * of them leads the failover.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import type { Sentinel } from '../../src/sentinel/server.js';
import { skipWithoutRedis } from '../helpers/servers.js';
import { RawClient, plain } from '../helpers/resp.js';
import {
  MASTER_NAME,
  fields,
  masterPortFrom,
  sentinelCall,
  startDataNodes,
  startDssmSentinel,
  startSentinelProcess,
  until,
  waitForDiscovery,
  type SentinelProc,
} from '../integration/sentinel-fixture.js';

function skip(): string | false {
  const base = skipWithoutRedis();
  if (base) return base;
  return spawnSync('redis-sentinel', ['--version']).status === 0 ? false : 'redis-sentinel is not installed';
}

async function mixedFailover(realCount: number, dssmCount: number): Promise<void> {
  const dep = await startDataNodes(2);
  const real: SentinelProc[] = [];
  const ours: Sentinel[] = [];
  try {
    for (let i = 0; i < realCount; i++) real.push(await startSentinelProcess('redis', dep.primary.port, dep.dir));
    for (let i = 0; i < dssmCount; i++) ours.push(await startDssmSentinel(dep.primary.port));
    const ports = [...real.map((r) => r.port), ...ours.map((s) => s.port)];
    await waitForDiscovery(ports, 2);
    // redis-sentinel sees the dssm sentinels with their ids, and the other way round.
    const peers = ((await sentinelCall(real[0]!.port, 'SENTINEL', 'sentinels', MASTER_NAME)) as unknown[]).map(fields);
    for (const s of ours) assert.ok(peers.some((p) => p.runid === s.myid && p.port === String(s.port)));
    assert.equal(await sentinelCall(real[0]!.port, 'SENTINEL', 'ckquorum', MASTER_NAME), `OK ${ports.length} usable Sentinels. Quorum and failover authorization can be reached`);

    const old = dep.primary.port;
    await dep.primary.kill('SIGKILL');
    const newPort = await until(
      'every sentinel agreeing on a new primary',
      async () => {
        const seen = await Promise.all(ports.map(masterPortFrom));
        return seen.every((x) => x === seen[0] && x !== old) ? seen[0] : undefined;
      },
      60000,
      200,
    );
    assert.ok(dep.replicas.some((r) => r.port === newPort));
    // Known defect (docs/sentinel.md, "Open defects"): in mixed deployments a second failover
    // sometimes follows the first (seen about 1 run in 10 beside other tests), moving the primary
    // to the other replica at the next epoch. What must hold is that every sentinel ends on the
    // same replica at the same epoch with no failover running; a second failover is printed.
    let lastSeen = '';
    let finalPort = '';
    await until(
      'the failover finished everywhere with one configuration epoch',
      async () => {
        const ms = await Promise.all(ports.map(async (p) => fields(await sentinelCall(p, 'SENTINEL', 'master', MASTER_NAME))));
        lastSeen = ms.map((m, i) => `${ports[i]}${i < realCount ? ' (redis)' : ' (dssm)'}: port=${m.port} epoch=${m['config-epoch']} flags=${m.flags}`).join('; ');
        finalPort = ms[0]!.port ?? '';
        return ms.every(
          (m) => m.port === ms[0]!.port && m.port !== String(old) && m['config-epoch'] === ms[0]!['config-epoch'] && Number(m['config-epoch']) >= 1 && !m.flags!.includes('failover_in_progress'),
        );
      },
      60000,
      200,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; first agreed primary ${newPort}; last seen: ${lastSeen}`);
    });
    assert.ok(
      dep.replicas.some((r) => String(r.port) === finalPort),
      `the sentinels settled on ${finalPort}, which is not one of the replicas`,
    );
    if (finalPort !== String(newPort)) console.log(`# second failover (known defect): first agreed primary ${newPort}, final ${lastSeen}`);
    const c = await RawClient.connect(Number(finalPort));
    assert.match(plain(await c.call('INFO', 'replication')) as string, /role:master/);
    c.close();
  } finally {
    for (const s of ours) await s.stop();
    for (const r of real) await r.stop();
    await dep.stop();
  }
}

describe('redis-sentinel and dssm sentinels together', { skip: skip() }, () => {
  it('two redis-sentinel and one dssm sentinel agree on a failover', async () => {
    await mixedFailover(2, 1);
  });

  it('one redis-sentinel and two dssm sentinels agree on a failover', async () => {
    await mixedFailover(1, 2);
  });
});
