/**
 * `dssm status`: the topology of a deployment through its sentinels (SENTINEL MASTER /
 * REPLICAS / SENTINELS) and INFO from each data node, as a table or JSON.
 *
 *   dssm status                                  # the `dssm up` deployment in ./.dssm
 *   dssm status --sentinel 10.0.0.5:26379 --tls --cacert ca.crt --cert c.crt --key c.key --json
 */
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_DIR, resolveTarget, type TargetOptions } from '../deploy/deployment.js';
import { parseAddr } from '../deploy/link.js';
import { gatherTopology, renderTopology, type Topology } from '../deploy/topology.js';

/** An address option's value, checked as it is read so that the error names the option. */
export function addrArg(defaultPort: number): (v: string) => string {
  return (v) => {
    try {
      parseAddr(v, defaultPort);
    } catch {
      throw new InvalidArgumentError(`expected host:port (port 1-65535), [ipv6]:port or a port number`);
    }
    return v;
  };
}

const collect = (v: string, prev: string[]) => {
  const out = [...prev];
  for (const one of v.split(',').filter(Boolean)) out.push(addrArg(26379)(one));
  return out;
};

/**
 * What to tell an operator when no sentinel answered: whether none could be reached at all
 * (nothing running there) or some answered with an error (e.g. another master name).
 */
export function noSentinelMessage(t: Topology): string {
  const reached = t.sentinels.filter((s) => s.error !== undefined && /^[A-Z]+ /.test(s.error));
  const where = t.sentinels.map((s) => `${s.addr} (${s.error ?? 'no answer'})`).join(', ');
  if (reached.length === 0) return `no sentinel reachable at ${where}; is the deployment running? (dssm up, or give --sentinel host:port)`;
  return `no sentinel answered for master '${t.masterName}': ${where}`;
}

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
      let target: ReturnType<typeof resolveTarget>;
      try {
        target = resolveTarget(o);
      } catch (e) {
        process.stderr.write(`dssm status: ${(e as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
      const t = await gatherTopology(target.sentinels, target.masterName, target.sentinelLink, target.link);
      const none = t.counts.sentinels === 0;
      // JSON stays on stdout for scripts either way; a table of nothing is not printed.
      if (o.json) process.stdout.write(JSON.stringify(target.metrics ? { ...t, metrics: target.metrics } : t, null, 2) + '\n');
      else if (!none) process.stdout.write(renderTopology(t));
      // Exit 1 when no sentinel answered, so scripts can tell, and say why on stderr.
      if (none) process.stderr.write(`dssm status: ${noSentinelMessage(t)}\n`);
      process.exitCode = none ? 1 : 0;
    });
}
