/**
 * FUNCTION: dssm has no scripting yet, so there are never functions to remove; FUNCTION
 * FLUSH is accepted (as Redis 7.0 answers it on a server without functions) so that tools
 * and test suites that reset a server with `FUNCTION FLUSH` + `FLUSHALL` work. Like Redis,
 * it counts as a write (propagated to replicas and the AOF, so a redis-server replica
 * flushes its own functions too). The other FUNCTION subcommands answer as unknown ones.
 */
import { CommandError } from '../errors.js';
import type { Client } from './context.js';
import { defineCommand, type CommandSpec } from './spec.js';

function functionFlush(c: Client, argv: string[]): void {
  if (argv.length > 3) throw new CommandError(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try FUNCTION HELP.`);
  if (argv.length === 3) {
    const mode = argv[2]!.toLowerCase();
    if (mode !== 'sync' && mode !== 'async') throw new CommandError('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
  }
  c.server.keyspace.dirty++;
  c.reply.ok();
}

const G = { group: 'scripting' as const };

export const functionCommands: CommandSpec[] = [
  defineCommand({
    ...G,
    name: 'function',
    arity: -2,
    summary: 'A container for function commands',
    since: '7.0.0',
    complexity: 'Depends on subcommand.',
    subcommands: [
      {
        ...G,
        name: 'flush',
        arity: -2,
        flags: 'write noscript',
        handler: functionFlush,
        summary: 'Deleting all functions',
        since: '7.0.0',
        complexity: 'O(N) where N is the number of functions deleted',
      },
    ],
  }),
];
