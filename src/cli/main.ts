/**
 * The dssm command line: one executable, one subcommand per role. Each subcommand lives in
 * its own file and registers itself on the program (add one entry to `subcommands`).
 *
 * Only the module of the subcommand being run is loaded (a data node does not load the
 * certificate issuer, the deployment supervisor or the sentinel), so processes start fast;
 * help and unknown subcommands load them all.
 */
import { Command } from 'commander';
import { DSSM_VERSION } from '../version.js';

type Register = (program: Command) => void;

const subcommands: Record<string, () => Promise<Register>> = {
  server: async () => (await import('./server.js')).registerServer,
  certs: async () => (await import('./certs.js')).registerCerts,
  sentinel: async () => (await import('./sentinel.js')).registerSentinel,
  up: async () => (await import('./up.js')).registerUp,
  status: async () => (await import('./status.js')).registerStatus,
  failover: async () => (await import('./failover.js')).registerFailover,
  k8s: async () => (await import('./k8s.js')).registerK8s,
  upgrade: async () => (await import('./upgrade.js')).registerUpgrade,
  egress: async () => (await import('./egress.js')).registerEgress,
};

export async function run(argv: string[]): Promise<void> {
  const program = new Command();
  program.name('dssm').description('Session-state store for service proxies: Redis-compatible data nodes, sentinels and mutual TLS').version(DSSM_VERSION);
  const wanted = argv[2];
  const load = wanted !== undefined && Object.hasOwn(subcommands, wanted) ? [subcommands[wanted]!] : Object.values(subcommands);
  for (const register of await Promise.all(load.map((l) => l()))) register(program);
  await program.parseAsync(argv);
}
