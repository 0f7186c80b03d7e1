/**
 * `dssm status`: the topology of a deployment through its sentinels (SENTINEL MASTER /
 * REPLICAS / SENTINELS) and INFO from each data node, as a table or JSON.
 *
 *   dssm status                                  # the `dssm up` deployment in ./.dssm
 *   dssm status --sentinel 10.0.0.5:26379 --tls --cacert ca.crt --cert c.crt --key c.key --json
 */
import type { Command } from 'commander';
import { DEFAULT_DIR, resolveTarget, type TargetOptions } from '../deploy/deployment.js';
import { gatherTopology, renderTopology } from '../deploy/topology.js';

const collect = (v: string, prev: string[]) => [...prev, ...v.split(',').filter(Boolean)];

/** The flags `status` and `failover` share to reach a deployment. */
export function targetOptions(cmd: Command): Command {
  return cmd
    .option('--sentinel <host:port>', 'a sentinel (repeatable); default: the `dssm up` deployment in --dir, else 127.0.0.1:26379', collect, [])
    .option('--master-name <name>', 'the name the sentinels monitor (default dssm)')
    .option('--dir <dir>', 'a `dssm up` directory to take ports and certificates from', DEFAULT_DIR)
    .option('--tls', 'use TLS (with --cacert, --cert, --key)')
    .option('--cacert <file>', 'CA certificate to verify the servers')
    .option('--cert <file>', 'client certificate')
    .option('--key <file>', 'client key')
    .option('--no-sentinel-tls', 'the sentinels listen on plain TCP although the data nodes use TLS');
}

export function registerStatus(program: Command): void {
  targetOptions(program.command('status').description('Show the topology (primary, replicas, offsets, lag, sentinels, epoch) through the sentinels'))
    .option('--json', 'print JSON')
    .action(async (o: TargetOptions & { json?: boolean }) => {
      let target;
      try {
        target = resolveTarget(o);
      } catch (e) {
        process.stderr.write(`dssm status: ${(e as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
      const t = await gatherTopology(target.sentinels, target.masterName, target.sentinelLink, target.link);
      if (o.json) process.stdout.write(JSON.stringify(target.metrics ? { ...t, metrics: target.metrics } : t, null, 2) + '\n');
      else process.stdout.write(renderTopology(t));
      // Exit 1 when no sentinel answered, so scripts can tell.
      process.exitCode = t.counts.sentinels === 0 ? 1 : 0;
    });
}
