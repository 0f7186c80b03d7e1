/**
 * The dssm command line: one executable, one subcommand per role. Each subcommand lives in
 * its own file and registers itself on the program (add one line to `subcommands`).
 */
import { Command } from 'commander';
import { DSSM_VERSION } from '../version.js';
import { registerSentinel } from './sentinel.js';
import { registerServer } from './server.js';
import { registerCerts } from './certs.js';
import { registerUp } from './up.js';
import { registerStatus } from './status.js';
import { registerFailover } from './failover.js';

type Register = (program: Command) => void;

const subcommands: Register[] = [registerServer, registerCerts, registerSentinel, registerUp, registerStatus, registerFailover];

export async function run(argv: string[]): Promise<void> {
  const program = new Command();
  program
    .name('dssm')
    .description('Session-state store for service proxies: Redis-compatible data nodes, sentinels and mutual TLS')
    .version(DSSM_VERSION);
  for (const register of subcommands) register(program);
  await program.parseAsync(argv);
}
