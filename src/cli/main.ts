/**
 * The dssm command line: one executable, one subcommand per role.
 */
import { Command } from 'commander';
import { DSSM_VERSION } from '../version.js';
import { runServer } from './server.js';

export async function run(argv: string[]): Promise<void> {
  const program = new Command();
  program
    .name('dssm')
    .description('Session-state store for service proxies: Redis-compatible data nodes, sentinels and mutual TLS')
    .version(DSSM_VERSION);

  program
    .command('server')
    .description('Run a data node. Takes a redis.conf-style file and/or --directive value arguments, as redis-server does.')
    .argument('[config-and-directives...]', 'optional config file, then --name value directives (e.g. --port 6380 --save "")')
    .allowUnknownOption(true)
    .helpOption('-h, --help', 'show help')
    .action(async (args: string[]) => {
      await runServer(args);
    });

  await program.parseAsync(argv);
}
