/**
 * Persistence commands: SAVE BGSAVE BGREWRITEAOF. They reach the persistence subsystem
 * through c.server.ext.persistence (installed by src/persistence/install.ts).
 */
import { CommandError, Err } from '../errors.js';
import { is } from '../commands/args.js';
import type { Client } from '../commands/context.js';
import { defineCommand, type CommandSpec } from '../commands/spec.js';
import type { PersistenceApi } from './install.js';

function persistence(c: Client): PersistenceApi {
  const p = c.server.ext.persistence;
  if (!p) throw new CommandError('ERR persistence is not available');
  return p;
}

function save(c: Client): void {
  const p = persistence(c);
  if (p.snapshots.inProgress) throw new CommandError('ERR Background save already in progress');
  p.snapshots.saveSync();
  c.reply.ok();
}

function bgsave(c: Client, argv: string[]): void {
  if (argv.length > 2 || (argv.length === 2 && !is(argv[1], 'schedule'))) throw new CommandError(Err.SYNTAX);
  const p = persistence(c);
  if (p.snapshots.inProgress) throw new CommandError('ERR Background save already in progress');
  if (p.aof?.status.rewriteInProgress) {
    if (argv.length === 2) {
      p.snapshots.schedule();
      c.reply.simple('Background saving scheduled');
      return;
    }
    throw new CommandError("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
  }
  p.snapshots.background();
  c.reply.simple('Background saving started');
}

function bgrewriteaof(c: Client): void {
  const p = persistence(c);
  if (p.aof?.status.rewriteInProgress) throw new CommandError('ERR Background append only file rewriting already in progress');
  if (p.snapshotBusy()) {
    p.scheduleRewrite();
    c.reply.simple('Background append only file rewriting scheduled');
    return;
  }
  void p.rewriteAof().catch(() => {});
  c.reply.simple('Background append only file rewriting started');
}

const S = { group: 'server' as const };
export const persistenceCommands: CommandSpec[] = [
  defineCommand({
    ...S,
    name: 'save',
    arity: 1,
    flags: 'admin noscript no_async_loading no_multi',
    handler: save,
    summary: 'Synchronously save the dataset to disk',
    since: '1.0.0',
    complexity: 'O(N) where N is the total number of keys in all databases',
  }),
  defineCommand({
    ...S,
    name: 'bgsave',
    docs: { history: [['3.2.2', 'Added the `SCHEDULE` option.']] },
    arity: -1,
    flags: 'admin noscript no_async_loading',
    handler: bgsave,
    summary: 'Asynchronously save the dataset to disk',
    since: '1.0.0',
    complexity: 'O(1)',
  }),
  defineCommand({
    ...S,
    name: 'bgrewriteaof',
    arity: 1,
    flags: 'admin noscript no_async_loading',
    handler: bgrewriteaof,
    summary: 'Asynchronously rewrite the append-only file',
    since: '1.0.0',
    complexity: 'O(1)',
  }),
];
