/**
 * Transactions: MULTI EXEC DISCARD WATCH UNWATCH, with Redis 7.0's semantics.
 *
 * Queueing is the dispatcher's (it queues while c.flags.multi and flags dirtyExec when a
 * command fails to queue). EXEC runs the queue through dispatch.call inside its own
 * top-level command, so the writes propagate as one MULTI/EXEC unit.
 *
 * WATCH keeps, per database, watched key → the clients watching it (with Redis 7.0's
 * "already expired when watched" mark), and mirrors the watcher count into
 * Database.watched, which the keyspace reads to decide whether to report modifications.
 * Any change to a watched key (writes, deletion, expiry, FLUSHDB/FLUSHALL, SWAPDB) flags
 * the watchers dirtyCas; a watched key that is found logically expired at EXEC time fails
 * the EXEC too (isWatchedKeyExpired in Redis 7.0).
 */
import { CommandError, Err } from '../errors.js';
import type { Clock, Database } from '../keyspace/keyspace.js';
import type { Client } from './context.js';
import { defineCommand, type CommandSpec } from './spec.js';

interface WatchEntry {
  readonly client: Client;
  readonly db: Database;
  readonly key: string;
  /** The key was already (logically) expired when WATCH was called. */
  expired: boolean;
}

/** WATCH bookkeeping for one server. */
export class WatchRegistry {
  /** db → key → client → entry. */
  private readonly index = new Map<Database, Map<string, Map<Client, WatchEntry>>>();
  /** client → its entries (the Client's watchedKeys set mirrors the "db\0key" names). */
  private readonly byClient = new Map<Client, WatchEntry[]>();

  constructor(private readonly clock: Clock) {}

  watch(c: Client, db: Database, key: string): void {
    const id = `${db.id}\0${key}`;
    if (c.watchedKeys.has(id)) return;
    let keys = this.index.get(db);
    if (keys === undefined) this.index.set(db, (keys = new Map()));
    let clients = keys.get(key);
    if (clients === undefined) keys.set(key, (clients = new Map()));
    const entry: WatchEntry = { client: c, db, key, expired: isExpired(db, key, this.clock.now) };
    clients.set(c, entry);
    db.watched.set(key, clients.size);
    c.watchedKeys.add(id);
    let list = this.byClient.get(c);
    if (list === undefined) this.byClient.set(c, (list = []));
    list.push(entry);
  }

  unwatchAll(c: Client): void {
    const list = this.byClient.get(c);
    if (list === undefined) return;
    this.byClient.delete(c);
    c.watchedKeys.clear();
    for (const e of list) {
      const keys = this.index.get(e.db);
      const clients = keys?.get(e.key);
      if (clients === undefined) continue;
      clients.delete(c);
      if (clients.size === 0) {
        keys!.delete(e.key);
        e.db.watched.delete(e.key);
      } else {
        e.db.watched.set(e.key, clients.size);
      }
    }
  }

  /** A key changed (keyspace hooks.modified): its watchers' EXEC will fail. */
  touched(db: Database, key: string): void {
    const clients = this.index.get(db)?.get(key);
    if (clients === undefined) return;
    for (const e of [...clients.values()]) {
      if (e.expired) {
        // Watched while already expired: its deletion is no logical change.
        if (!db.dict.has(key)) e.expired = false;
        continue;
      }
      e.client.flags.dirtyCas = true;
      // Nothing more to learn for a dirty client; stop tracking its keys (as Redis does).
      this.unwatchAll(e.client);
    }
  }

  /** Whether a watched key (not expired when watched) is logically expired now. */
  anyExpired(c: Client): boolean {
    const list = this.byClient.get(c);
    if (list === undefined) return false;
    for (const e of list) if (!e.expired && isExpired(e.db, e.key, this.clock.now)) return true;
    return false;
  }
}

/** keyIsExpired: the key is still stored but its time has passed (lazy expiry pending). */
function isExpired(db: Database, key: string, now: number): boolean {
  if (!db.dict.has(key)) return false;
  const when = db.getExpire(key);
  return when !== undefined && when <= now;
}

declare module './context.js' {
  interface ServerExtensions {
    watch?: WatchRegistry;
  }
}

/** Leave MULTI and forget the queue and the watched keys (discardTransaction). */
export function discardTransaction(c: Client): void {
  c.multiQueue = [];
  c.flags.multi = false;
  c.flags.dirtyCas = false;
  c.flags.dirtyExec = false;
  c.server.ext.watch?.unwatchAll(c);
}

function multi(c: Client): void {
  if (c.flags.multi) throw new CommandError(Err.MULTI_NESTED);
  c.flags.multi = true;
  c.reply.ok();
}

function discard(c: Client): void {
  if (!c.flags.multi) throw new CommandError(Err.DISCARD_WITHOUT_MULTI);
  discardTransaction(c);
  c.reply.ok();
}

function exec(c: Client): void {
  if (!c.flags.multi) throw new CommandError(Err.EXEC_WITHOUT_MULTI);
  const registry = c.server.ext.watch;
  if (registry?.anyExpired(c)) c.flags.dirtyCas = true;
  if (c.flags.dirtyExec) {
    discardTransaction(c);
    throw new CommandError(Err.EXECABORT);
  }
  if (c.flags.dirtyCas) {
    discardTransaction(c);
    c.reply.nilArray();
    return;
  }
  registry?.unwatchAll(c);
  const queue = c.multiQueue;
  c.multiQueue = [];
  const dispatch = c.server.dispatch;
  c.reply.arrayHeader(queue.length);
  // c.flags.multi stays set while the queue runs, as in Redis (blocking commands see it
  // and do not block).
  try {
    for (const { spec, argv } of queue) dispatch.call(c, spec, argv);
  } finally {
    discardTransaction(c);
  }
}

function watch(c: Client, argv: string[]): void {
  if (c.flags.multi) throw new CommandError(Err.WATCH_IN_MULTI);
  // No point in watching more once a watched key changed (Redis 7.0).
  if (!c.flags.dirtyCas) {
    const registry = c.server.ext.watch;
    if (registry) for (let i = 1; i < argv.length; i++) registry.watch(c, c.db, argv[i]!);
  }
  c.reply.ok();
}

function unwatch(c: Client): void {
  c.server.ext.watch?.unwatchAll(c);
  c.flags.dirtyCas = false;
  c.reply.ok();
}

/** Installer: the WATCH registry, keyspace modification hook, cleanup on close and RESET. */
export function installTransactions(node: {
  ext: import('./context.js').ServerExtensions;
  clock: Clock;
  closeHooks: ((c: Client) => void)[];
  modifiedHooks: ((db: Database, key: string) => void)[];
}): void {
  const registry = new WatchRegistry(node.clock);
  node.ext.watch = registry;
  node.modifiedHooks.push((db, key) => registry.touched(db, key));
  node.closeHooks.push((c) => discardTransaction(c));
  (node.ext.resetClient ??= []).push((c) => discardTransaction(c));
}

export const transactionCommands: CommandSpec[] = [
  defineCommand({
    name: 'multi',
    arity: 1,
    flags: 'noscript loading stale fast allow_busy',
    group: 'transactions',
    handler: multi,
    summary: 'Mark the start of a transaction block',
    since: '1.2.0',
  }),
  defineCommand({
    name: 'exec',
    arity: 1,
    flags: 'noscript loading stale skip_slowlog',
    group: 'transactions',
    handler: exec,
    summary: 'Execute all commands issued after MULTI',
    since: '1.2.0',
    complexity: 'Depends on commands in the transaction',
  }),
  defineCommand({
    name: 'discard',
    arity: 1,
    flags: 'noscript loading stale fast allow_busy',
    group: 'transactions',
    handler: discard,
    summary: 'Discard all commands issued after MULTI',
    since: '2.0.0',
    complexity: 'O(N), when N is the number of queued commands',
  }),
  defineCommand({
    name: 'watch',
    keySpecs: ['RO | index 1 | range -1 1 0'],
    arity: -2,
    flags: 'noscript loading stale fast allow_busy',
    keys: [1, -1, 1],
    group: 'transactions',
    handler: watch,
    summary: 'Watch the given keys to determine execution of the MULTI/EXEC block',
    since: '2.2.0',
    complexity: 'O(1) for every key.',
  }),
  defineCommand({
    name: 'unwatch',
    arity: 1,
    flags: 'noscript loading stale fast allow_busy',
    group: 'transactions',
    handler: unwatch,
    summary: 'Forget about all watched keys',
    since: '2.2.0',
  }),
];
