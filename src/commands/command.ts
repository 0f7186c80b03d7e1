/**
 * COMMAND and its subcommands, generated from the command table.
 */
import type { Client } from './context.js';
import { defineCommand, type CommandSpec } from './spec.js';

function unique(c: Client): CommandSpec[] {
  return [...new Set(c.server.commands.values())];
}

function count(c: Client): void {
  c.reply.int(unique(c).length);
}

export const introspectionCommands: CommandSpec[] = [
  defineCommand({
    name: 'command',
    arity: -1,
    flags: 'loading stale',
    group: 'server',
    acl: 'connection',
    summary: 'Get array of Redis command details',
    since: '2.8.13',
    complexity: 'O(N) where N is the total number of Redis commands',
    subcommands: [
      { name: 'count', arity: 2, flags: 'loading stale', group: 'server', acl: 'connection', handler: count, summary: 'Get total number of Redis commands', since: '2.8.13' },
    ],
  }),
];
