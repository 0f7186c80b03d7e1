/**
 * `dssm server`: parse configuration as redis-server does, start a data node, and shut
 * down cleanly on SIGTERM/SIGINT.
 */
import type { Command } from 'commander';
import { ConfigError, loadConfig, parseArgDirectives } from '../config/load.js';
import { DataNode } from '../node.js';
import { installLogger } from '../observe/log.js';
import { log } from '../observe/events.js';

export function registerServer(program: Command): void {
  program
    .command('server')
    .description('Run a data node. Takes a redis.conf-style file and/or --directive value arguments, as redis-server does.')
    .argument('[config-and-directives...]', 'optional config file, then --name value directives (e.g. --port 6380 --save ""); --ephemeral keeps nothing on disk')
    .allowUnknownOption(true)
    .helpOption('-h, --help', 'show help')
    .action(async (args: string[]) => {
      await runServer(args);
    });
}

export async function runServer(args: string[]): Promise<void> {
  const logger = installLogger({ name: 'dssm-server' });
  let file: string | null = null;
  // --ephemeral: keep nothing on disk (no RDB save rules, no AOF), in one word.
  let rest = args.flatMap((a) => (a === '--ephemeral' ? ['--save', '', '--appendonly', 'no'] : [a]));
  if (rest.length > 0 && !rest[0]!.startsWith('--')) {
    // The first argument is a config file, as for redis-server.
    file = rest[0]!;
    rest = rest.slice(1);
  }
  let node: DataNode;
  try {
    const { store, ignored } = loadConfig(file, parseArgDirectives(rest));
    if (ignored.length) log('warn', 'directives accepted for compatibility have no effect in dssm', { directives: ignored });
    node = new DataNode(store);
  } catch (err) {
    if (err instanceof ConfigError) {
      const where = err.line > 0 ? `${err.source}, line ${err.line}` : err.source;
      process.stderr.write(`*** FATAL CONFIG ERROR ***\nReading the configuration (${where})\n>>> '${err.text}'\n${err.reason}\n`);
      logger.fatal({ source: err.source, line: err.line, directive: err.text }, err.reason);
      process.exit(1);
    }
    throw err;
  }
  node.onShutdown = () => process.exit(0);
  const stop = (signal: string) => {
    log('info', `received ${signal}, scheduling shutdown`, {});
    void node.shutdown({});
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  try {
    await node.start();
  } catch (err) {
    log('fatal', (err as Error).message, {});
    process.stderr.write(`dssm server: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
