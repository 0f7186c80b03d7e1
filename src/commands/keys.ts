/**
 * Generic key commands (Redis's "generic" group): DEL EXISTS TYPE and the expiry family.
 */
import { typeOf } from '../keyspace/keyspace.js';
import type { Client } from './context.js';
import { defineCommand, type CommandSpec } from './spec.js';

function del(c: Client, argv: string[]): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) {
    if (c.db.delete(argv[i]!)) {
      n++;
      c.server.notify('generic', 'del', argv[i]!, c.db.id);
    }
  }
  c.reply.int(n);
}

function exists(c: Client, argv: string[]): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (c.db.read(argv[i]!) !== undefined) n++;
  c.reply.int(n);
}

function type(c: Client, argv: string[]): void {
  const v = c.db.get(argv[1]!);
  c.reply.simple(v === undefined ? 'none' : typeOf(v));
}

const G = { group: 'generic' as const };
export const keyCommands: CommandSpec[] = [
  defineCommand({ ...G, name: 'del', arity: -2, flags: 'write', keys: [1, -1, 1], handler: del, summary: 'Delete a key', since: '1.0.0', complexity: 'O(N) where N is the number of keys that will be removed.' }),
  defineCommand({ ...G, name: 'exists', arity: -2, flags: 'readonly fast', keys: [1, -1, 1], handler: exists, summary: 'Determine if a key exists', since: '1.0.0', complexity: 'O(N) where N is the number of keys to check.' }),
  defineCommand({ ...G, name: 'type', arity: 2, flags: 'readonly fast', keys: [1, 1, 1], handler: type, summary: 'Determine the type stored at key', since: '1.0.0' }),
];
