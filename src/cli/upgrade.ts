/**
 * `dssm upgrade`: a rolling upgrade of a running `dssm up` deployment onto the build that
 * `bin/dssm.js` now runs (rebuild or reinstall first), without losing an acknowledged write.
 *
 *   dssm upgrade [--dir ./.dssm] [--timeout 5000] [--ready-timeout 60000] [--json]
 *
 * As the StatefulSet rolling update with the preStop hook does in Kubernetes:
 * 1. each replica in turn: SIGTERM to its process; `dssm up`'s supervisor restarts it on the
 *    new build; wait until it answers with a new run_id, its link to the primary is up, the
 *    initial sync is over, and the sentinels list it again;
 * 2. switch the primary over to an upgraded replica (`dssm failover`'s lossless switchover:
 *    writes held until the replica has the primary's offset);
 * 3. the old primary, now a replica, the same way as in 1.
 * A node restarts only when the previous one is back, so synchronous mode keeps enough
 * replicas acknowledging, and the one switchover is the only time writes are held.
 */
import type { Command } from 'commander';
import { readSettings, layout, resolveTarget, type Target } from '../deploy/deployment.js';
import { addrText, call, commaFields, infoMap, sameAddr, sleep, type Addr } from '../deploy/link.js';
import { primaryFromSentinels, querySentinel } from '../deploy/topology.js';
import { switchover } from '../deploy/switchover.js';

interface UpgradeOptions {
  dir: string;
  timeout: string;
  readyTimeout: string;
  json?: boolean;
}

interface NodeRun {
  addr: string;
  pid: number;
  runId: string;
  version: string;
}

async function serverInfo(t: Target, a: Addr): Promise<Map<string, string>> {
  return infoMap(await call(a, t.link, 'INFO', 'server'));
}

async function runOf(t: Target, a: Addr): Promise<NodeRun> {
  const i = await serverInfo(t, a);
  return { addr: addrText(a), pid: Number(i.get('process_id')), runId: i.get('run_id') ?? '', version: i.get('dssm_version') ?? '?' };
}

/** Stop one node and wait until the supervisor has it back, synced, and known to the sentinels. */
async function restartReplica(t: Target, a: Addr, readyMs: number, log: (s: string) => void): Promise<{ before: NodeRun; after: NodeRun; ms: number }> {
  const t0 = performance.now();
  const before = await runOf(t, a);
  const info = infoMap(await call(a, t.link, 'INFO', 'replication'));
  if (info.get('role') !== 'slave') throw new Error(`${addrText(a)} is not a replica (role ${info.get('role')}); not restarting it`);
  log(`restarting replica ${addrText(a)} (pid ${before.pid}, dssm ${before.version})`);
  process.kill(before.pid, 'SIGTERM');
  const deadline = performance.now() + readyMs;
  let after: NodeRun | null = null;
  let why = 'no answer';
  while (performance.now() < deadline) {
    await sleep(200);
    try {
      const r = await runOf(t, a);
      if (r.runId === before.runId) {
        why = 'still the old process';
        continue;
      }
      const ri = infoMap(await call(a, t.link, 'INFO', 'replication'));
      if (ri.get('role') !== 'slave' || ri.get('master_link_status') !== 'up' || ri.get('master_sync_in_progress') !== '0') {
        why = `role ${ri.get('role')}, link ${ri.get('master_link_status')}, sync in progress ${ri.get('master_sync_in_progress')}`;
        continue;
      }
      // The primary lists it online again, and every sentinel knows it.
      const primary = { host: ri.get('master_host') ?? '', port: Number(ri.get('master_port')) };
      const pi = infoMap(await call(primary, t.link, 'INFO', 'replication'));
      const online = [...pi].some(
        ([k, v]) => /^slave\d+$/.test(k) && commaFields(v).get('state') === 'online' && sameAddr({ host: commaFields(v).get('ip') ?? '', port: Number(commaFields(v).get('port')) }, a),
      );
      if (!online) {
        why = 'not yet online at the primary';
        continue;
      }
      const views = await Promise.all(t.sentinels.map((s) => querySentinel(s, t.masterName, t.sentinelLink)));
      const missing = views.filter((v) => v.ok && !v.replicas?.some((x) => x.addr === addrText(a) && !/s_down|disconnected/.test(x.flags ?? '')));
      if (missing.length) {
        why = `sentinels ${missing.map((v) => v.addr).join(', ')} do not see it up yet`;
        continue;
      }
      after = r;
      break;
    } catch (e) {
      why = (e as Error).message;
    }
  }
  if (!after) throw new Error(`${addrText(a)} did not come back as a synced replica within ${readyMs} ms (${why}); is \`dssm up\` running on this directory?`);
  const ms = performance.now() - t0;
  log(`${addrText(a)} is back: pid ${after.pid}, dssm ${after.version}, synced (${(ms / 1000).toFixed(1)} s)`);
  return { before, after, ms };
}

export async function upgrade(o: {
  dir: string;
  timeoutMs: number;
  readyMs: number;
  log: (s: string) => void;
}): Promise<{ from: string; to: string; nodes: { before: NodeRun; after: NodeRun; ms: number }[]; switchMs: number }> {
  const l = layout(o.dir);
  const s = readSettings(l);
  if (!s) throw new Error(`${l.dir} holds no \`dssm up\` deployment (no up.json)`);
  const t = resolveTarget({ dir: o.dir });
  const nodes: Addr[] = [0, 1, 2].map((i) => ({ host: '127.0.0.1', port: s.basePort + i }));
  const asked = await primaryFromSentinels(t.sentinels, t.masterName, t.sentinelLink);
  if (!asked.primary) throw new Error(`no sentinel answered for ${t.masterName}; is \`dssm up\` running on ${l.dir}?`);
  const primary = nodes.find((n) => sameAddr(n, asked.primary)) ?? asked.primary;
  const done: { before: NodeRun; after: NodeRun; ms: number }[] = [];
  for (const n of nodes) if (!sameAddr(n, primary)) done.push(await restartReplica(t, n, o.readyMs, o.log));
  // The replica with the highest offset (an upgraded one: every replica is) takes over.
  const sw = await switchover(t, { timeoutMs: o.timeoutMs, log: o.log });
  o.log(`switched over ${sw.from} → ${sw.to} (writes held ${sw.switchMs.toFixed(0)} ms)`);
  done.push(await restartReplica(t, primary, o.readyMs, o.log));
  return { from: sw.from, to: sw.to, nodes: done, switchMs: sw.switchMs };
}

export function registerUpgrade(program: Command): void {
  program
    .command('upgrade')
    .description('Rolling upgrade of a running `dssm up` deployment onto the current build: replicas one at a time, a lossless switchover, then the old primary')
    .option('--dir <dir>', 'the `dssm up` directory', './.dssm')
    .option('--timeout <ms>', 'how long the primary may hold writes for the switchover', '5000')
    .option('--ready-timeout <ms>', 'how long a restarted node may take to be back and synced', '60000')
    .option('--json', 'print the result as JSON')
    .action(async (o: UpgradeOptions) => {
      try {
        const timeoutMs = Number(o.timeout);
        const readyMs = Number(o.readyTimeout);
        if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new Error(`--timeout must be a positive integer (ms), got '${o.timeout}'`);
        if (!Number.isInteger(readyMs) || readyMs <= 0) throw new Error(`--ready-timeout must be a positive integer (ms), got '${o.readyTimeout}'`);
        const r = await upgrade({ dir: o.dir, timeoutMs, readyMs, log: o.json ? () => {} : (s) => process.stdout.write(s + '\n') });
        if (o.json) process.stdout.write(JSON.stringify(r) + '\n');
        else process.stdout.write(`upgraded ${r.nodes.length} data nodes; primary ${r.from} → ${r.to}\n`);
      } catch (e) {
        process.stderr.write(`dssm upgrade: ${(e as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}
