/**
 * Three dssm sentinels manage real redis-server data nodes (1 primary + 2 replicas):
 * discovery, the command surface seen by clients, a failover after SIGKILL of the
 * primary with ioredis in sentinel mode writing throughout, the old primary coming back
 * as a replica, and the state persisted in sentinel.conf.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { loadSentinelConfig } from '../../src/sentinel/config.js';
import type { Sentinel, SentinelEvent } from '../../src/sentinel/server.js';
import { skipWithoutRedis } from '../helpers/servers.js';
import { RawClient, plain } from '../helpers/resp.js';
import { MASTER_NAME, fields, masterPortFrom, sentinelCall, startDataNodes, startDssmSentinel, until, waitForDiscovery, type Deployment } from './sentinel-fixture.js';

describe('dssm sentinels managing redis-server', { skip: skipWithoutRedis() }, () => {
  let dep: Deployment;
  const sentinels: Sentinel[] = [];
  let ports: number[] = [];
  let confFile: string;

  before(async () => {
    dep = await startDataNodes(2);
    confFile = join(dep.dir, 'sentinel-0.conf');
    sentinels.push(await startDssmSentinel(dep.primary.port, { file: confFile }));
    sentinels.push(await startDssmSentinel(dep.primary.port));
    sentinels.push(await startDssmSentinel(dep.primary.port));
    ports = sentinels.map((s) => s.port);
    await waitForDiscovery(ports, 2);
  });

  after(async () => {
    for (const s of sentinels) await s.stop();
    await dep?.stop();
  });

  it('answers the discovery commands clients use', async () => {
    const p = ports[0]!;
    assert.deepEqual(await sentinelCall(p, 'SENTINEL', 'get-master-addr-by-name', MASTER_NAME), ['127.0.0.1', String(dep.primary.port)]);
    assert.equal(await sentinelCall(p, 'SENTINEL', 'get-master-addr-by-name', 'nope'), null);
    const m = fields(await sentinelCall(p, 'SENTINEL', 'master', MASTER_NAME));
    assert.deepEqual(Object.keys(m), [
      'name',
      'ip',
      'port',
      'runid',
      'flags',
      'link-pending-commands',
      'link-refcount',
      'last-ping-sent',
      'last-ok-ping-reply',
      'last-ping-reply',
      'down-after-milliseconds',
      'info-refresh',
      'role-reported',
      'role-reported-time',
      'config-epoch',
      'num-slaves',
      'num-other-sentinels',
      'quorum',
      'failover-timeout',
      'parallel-syncs',
    ]);
    assert.equal(m.flags, 'master');
    assert.equal(m.quorum, '2');
    const replicas = (await sentinelCall(p, 'SENTINEL', 'replicas', MASTER_NAME)) as unknown[];
    assert.equal(replicas.length, 2);
    const r0 = fields(replicas[0]);
    assert.equal(r0.flags, 'slave');
    assert.equal(r0['master-port'], String(dep.primary.port));
    assert.ok('slave-repl-offset' in r0 && 'replica-announced' in r0);
    const peers = ((await sentinelCall(p, 'SENTINEL', 'sentinels', MASTER_NAME)) as unknown[]).map(fields);
    assert.deepEqual(peers.map((x) => Number(x.port)).sort(), ports.slice(1).sort());
    assert.equal(await sentinelCall(p, 'SENTINEL', 'myid'), sentinels[0]!.myid);
    assert.equal(await sentinelCall(p, 'SENTINEL', 'ckquorum', MASTER_NAME), 'OK 3 usable Sentinels. Quorum and failover authorization can be reached');
    assert.deepEqual(await sentinelCall(p, 'SENTINEL', 'master', 'nope'), { error: 'ERR No such master with that name' });
    assert.deepEqual(await sentinelCall(p, 'ROLE'), ['sentinel', [MASTER_NAME]]);
    const info = (await sentinelCall(p, 'INFO', 'sentinel')) as string;
    assert.match(info, new RegExp(`master0:name=${MASTER_NAME},status=ok,address=127.0.0.1:${dep.primary.port},slaves=2,sentinels=3`));
    assert.deepEqual(await sentinelCall(p, 'SET', 'a', 'b'), { error: "ERR unknown command 'SET', with args beginning with: 'a' 'b' " });
    assert.deepEqual(await sentinelCall(p, 'PUBLISH', 'x', 'y'), { error: 'ERR Only HELLO messages are accepted by Sentinel instances.' });
  });

  it('answers redis-cli', async () => {
    // Asynchronously: the sentinels run in this process and must keep answering.
    const r = await promisify(execFile)('redis-cli', ['-p', String(ports[1]), 'SENTINEL', 'get-master-addr-by-name', MASTER_NAME], { encoding: 'utf8' });
    assert.equal(r.stdout, `127.0.0.1\n${dep.primary.port}\n`);
  });

  it('SENTINEL SET and CONFIG validate, apply and announce', async () => {
    const p = ports[2]!;
    assert.deepEqual(await sentinelCall(p, 'SENTINEL', 'SET', MASTER_NAME, 'parallel-syncs', 'x'), { error: "ERR Invalid argument 'x' for SENTINEL SET 'parallel-syncs'" });
    assert.equal(await sentinelCall(p, 'SENTINEL', 'SET', MASTER_NAME, 'parallel-syncs', '2'), 'OK');
    assert.equal(fields(await sentinelCall(p, 'SENTINEL', 'master', MASTER_NAME))['parallel-syncs'], '2');
    assert.deepEqual(await sentinelCall(p, 'SENTINEL', 'CONFIG', 'GET', 'resolve-hostnames'), ['resolve-hostnames', 'no']);
  });

  it('fails over after SIGKILL of the primary while ioredis in sentinel mode keeps writing', async () => {
    const seen: SentinelEvent[] = [];
    for (const s of sentinels) s.on('sentinel-event', (e: SentinelEvent) => seen.push(e));
    const events = await RawClient.connect(ports[0]!);
    await events.call('SUBSCRIBE', '+switch-master', '+odown', '+elected-leader', '+promoted-slave');
    const redis = new Redis({ sentinels: ports.map((port) => ({ host: '127.0.0.1', port })), name: MASTER_NAME, maxRetriesPerRequest: null, enableOfflineQueue: true });
    redis.on('error', () => {});
    let okBefore = 0;
    let okAfter = 0;
    let _failed = 0;
    let killed = false;
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        try {
          await redis.set(`k${i}`, String(i));
          if (killed) okAfter++;
          else okBefore++;
        } catch {
          _failed++;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await until('writes before the failure', async () => okBefore > 5);
    const old = dep.primary.port;
    await dep.primary.kill('SIGKILL');
    killed = true;
    const newPort = await until('a new primary on every sentinel', async () => {
      const seen = await Promise.all(ports.map(masterPortFrom));
      return seen.every((x) => x === seen[0] && x !== old) ? seen[0] : undefined;
    });
    assert.ok(dep.replicas.some((r) => r.port === newPort));
    await until('writes through ioredis after the failover', async () => okAfter > 5);
    stop = true;
    await writer;
    redis.disconnect();
    // Events, as Redis publishes them.
    const pushes = events.unsolicited.map((r) => plain(r) as string[]);
    const sw = pushes.find((m) => m[0] === 'message' && m[1] === '+switch-master');
    assert.ok(sw, 'a +switch-master message');
    assert.equal(sw![2], `${MASTER_NAME} 127.0.0.1 ${old} 127.0.0.1 ${newPort}`);
    assert.ok(seen.some((e) => e.type === '+odown' && e.message.startsWith(`master ${MASTER_NAME} 127.0.0.1 ${old} #quorum `)));
    const leaders = seen.filter((e) => e.type === '+elected-leader');
    assert.ok(leaders.length >= 1);
    assert.ok(seen.some((e) => e.type === '+promoted-slave' && e.message.startsWith(`slave 127.0.0.1:${newPort} 127.0.0.1 ${newPort} @ ${MASTER_NAME} 127.0.0.1 ${old}`)));
    events.close();
    // The other replica follows the new primary.
    const other = dep.replicas.find((r) => r.port !== newPort)!;
    await until('the other replica replicating from the new primary', async () => {
      const c = await RawClient.connect(other.port);
      const info = plain(await c.call('INFO', 'replication')) as string;
      c.close();
      return info.includes(`master_port:${newPort}`) && info.includes('master_link_status:up');
    });
    // Every sentinel ends the failover with the same configuration epoch.
    await until('the same config epoch everywhere', async () => {
      const eps = await Promise.all(ports.map(async (p) => fields(await sentinelCall(p, 'SENTINEL', 'master', MASTER_NAME))['config-epoch']));
      return eps.every((e) => e === eps[0] && Number(e) >= 1) && fields(await sentinelCall(ports[0]!, 'SENTINEL', 'master', MASTER_NAME)).port === String(newPort);
    });
    // State persisted in sentinel.conf, and loadable.
    await until('sentinel.conf rewritten', async () => readFileSync(confFile, 'utf8').includes(`sentinel monitor ${MASTER_NAME} 127.0.0.1 ${newPort} 2`));
    const text = readFileSync(confFile, 'utf8');
    assert.match(text, /sentinel current-epoch [1-9]/);
    assert.match(text, new RegExp(`sentinel known-replica ${MASTER_NAME} 127.0.0.1 ${old}`));
    assert.match(text, new RegExp(`sentinel known-sentinel ${MASTER_NAME} 127.0.0.1 ${ports[1]} [0-9a-f]{40}`));
    const reloaded = loadSentinelConfig(confFile);
    assert.equal(reloaded.myid, sentinels[0]!.myid);
    assert.equal(reloaded.masters[0]!.port, newPort);
    assert.equal(reloaded.masters[0]!.knownSentinels.length, 2);

    // The old primary comes back (empty, as a primary) and is turned into a replica.
    await dep.primary.restart();
    await until(
      'the old primary reconfigured as a replica of the new one',
      async () => {
        const c = await RawClient.connect(old);
        const info = plain(await c.call('INFO', 'replication')) as string;
        c.close();
        return info.includes('role:slave') && info.includes(`master_port:${newPort}`);
      },
      40000,
      250,
    );
  });
});
