/**
 * `dssm failover`: a manual, lossless switchover through the sentinels (see
 * src/deploy/switchover.ts): the primary holds writes until the chosen replica has its
 * offset, then the roles swap and the sentinels announce the new primary.
 *
 *   dssm failover                        # the `dssm up` deployment in ./.dssm
 *   dssm failover --to 127.0.0.1:6380 --timeout 5000
 */
import type { Command } from 'commander';
import { resolveTarget, type TargetOptions } from '../deploy/deployment.js';
import { parseAddr } from '../deploy/link.js';
import { switchover } from '../deploy/switchover.js';
import { addrArg, targetOptions } from './status.js';

export function registerFailover(program: Command): void {
  targetOptions(program.command('failover').description('Switch the primary to a replica without losing acknowledged writes (pause writes, wait for the replica, switch)'))
    .option('--to <host:port>', 'the replica to promote (default: the one with the highest offset)', addrArg(6379))
    .option('--timeout <ms>', 'how long the primary may hold writes waiting for the replica', '5000')
    .option('--json', 'print the result as JSON')
    .action(async (o: TargetOptions & { to?: string; timeout: string; json?: boolean }) => {
      const timeoutMs = Number(o.timeout);
      try {
        if (!/^\d+$/.test(o.timeout) || !Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) throw new Error(`--timeout must be a positive integer (ms), got '${o.timeout}'`);
        const target = resolveTarget({ ...o, timeout: undefined });
        const r = await switchover(target, {
          to: o.to ? parseAddr(o.to, 6379) : undefined,
          timeoutMs,
          log: o.json ? undefined : (line) => process.stdout.write(line + '\n'),
        });
        if (o.json) process.stdout.write(JSON.stringify(r) + '\n');
        else process.stdout.write(`${r.from} → ${r.to} in ${(r.totalMs / 1000).toFixed(2)} s (writes held ${r.switchMs.toFixed(0)} ms; ${r.sentinelsAgreeing} sentinels agree)\n`);
      } catch (e) {
        process.stderr.write(`dssm failover: ${(e as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}
