/**
 * `dssm sentinel`: a Redis Sentinel–compatible sentinel. Takes a sentinel.conf file and/or
 * `--name value` directives (`--sentinel monitor mymaster 127.0.0.1 6379 2`), as
 * redis-sentinel does; state is written back to the file on change.
 */
import type { Command } from 'commander';
import { ConfigError } from '../config/load.js';
import { log } from '../observe/events.js';
import { installLogger } from '../observe/log.js';
import { loadSentinelConfig } from '../sentinel/config.js';
import { Sentinel } from '../sentinel/server.js';
import { startSentinelMetrics } from '../observe/metrics-sentinel.js';

export function registerSentinel(program: Command): void {
  program
    .command('sentinel')
    .description('Run a sentinel (Redis Sentinel protocol, port 26379). Takes a sentinel.conf file and/or --directive value arguments.')
    .argument('[config-and-directives...]', 'optional sentinel.conf, then --name value directives (e.g. --port 26380 --sentinel monitor mymaster 127.0.0.1 6379 2)')
    .allowUnknownOption(true)
    .helpOption('-h, --help', 'show help')
    .action(async (args: string[]) => {
      await runSentinel(args);
    });
}

export async function runSentinel(args: string[]): Promise<void> {
  const logger = installLogger({ name: 'dssm-sentinel' });
  let file: string | null = null;
  let rest = args;
  if (rest.length > 0 && !rest[0]!.startsWith('--')) {
    file = rest[0]!;
    rest = rest.slice(1);
  }
  let sentinel: Sentinel;
  try {
    sentinel = new Sentinel(loadSentinelConfig(file, rest));
  } catch (err) {
    if (err instanceof ConfigError) {
      const where = err.line > 0 ? `${err.source}, line ${err.line}` : err.source;
      process.stderr.write(`*** FATAL CONFIG ERROR ***\nReading the configuration (${where})\n>>> '${err.text}'\n${err.reason}\n`);
      logger.fatal({ source: err.source, line: err.line, directive: err.text }, err.reason);
      process.exit(1);
    }
    // Unusable TLS material (missing file, key not matching the certificate, ...).
    process.stderr.write(`*** FATAL CONFIG ERROR ***\n${(err as Error).message}\n`);
    log('fatal', (err as Error).message, {});
    process.exit(1);
  }
  sentinel.onShutdown = () => process.exit(0);
  const stop = (signal: string) => {
    log('info', `received ${signal}, shutting down`, {});
    void sentinel.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  try {
    await startSentinelMetrics(sentinel);
    await sentinel.start();
  } catch (err) {
    log('fatal', (err as Error).message, {});
    process.stderr.write(`dssm sentinel: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
