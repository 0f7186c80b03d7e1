/**
 * Replication commands: REPLICAOF/SLAVEOF, ROLE, REPLCONF, PSYNC, SYNC, WAIT, FAILOVER.
 * They reach the replication subsystem through c.server.ext.replication
 * (installed by src/replication/install.ts).
 */
import { CommandError } from '../errors.js';
import { parseInteger } from '../commands/args.js';
import type { Client } from '../commands/context.js';
import { defineCommand, type CommandSpec } from '../commands/spec.js';
import type { Replication } from './manager.js';

function replication(c: Client): Replication {
  const r = c.server.ext.replication;
  if (!r) throw new CommandError('ERR replication is not available');
  return r;
}

function replicaof(c: Client, argv: string[]): void {
  const repl = replication(c);
  if (argv[1]!.toLowerCase() === 'no' && argv[2]!.toLowerCase() === 'one') {
    if (repl.isReplica) repl.promote();
    c.reply.ok();
    return;
  }
  if (c.flags.replica) throw new CommandError('ERR Command is not valid when client is a replica.');
  const port = Number(argv[2]);
  if (!/^-?\d+$/.test(argv[2]!)) throw new CommandError('ERR value is not an integer or out of range');
  if (port < 0 || port > 65535) throw new CommandError('ERR Invalid master port');
  if (!repl.replicaOf(argv[1]!, port)) {
    c.reply.simple('OK Already connected to specified master');
    return;
  }
  c.reply.ok();
}

function role(c: Client): void {
  const repl = replication(c);
  const r = c.reply;
  if (!repl.isReplica) {
    const online = repl.peers.filter((p) => p.state === 'online');
    r.arrayHeader(3);
    r.bulk('master');
    r.int(repl.offset);
    r.arrayHeader(online.length);
    for (const p of online) {
      r.arrayHeader(3);
      r.bulk(p.ip);
      r.bulk(String(p.port));
      r.bulk(String(p.ackOffset));
    }
    return;
  }
  const link = repl.link!;
  r.arrayHeader(5);
  r.bulk('slave');
  r.bulk(repl.primaryHost);
  r.int(repl.primaryPort);
  r.bulk(link.state === 'sync' ? 'sync' : link.state);
  r.int(link.state === 'connected' ? repl.offset : -1);
}

function replconf(c: Client, argv: string[]): void {
  const err = replication(c).replconf(c, argv);
  if (err === '') return;
  if (err !== null) throw new CommandError(err);
  c.reply.ok();
}

function psync(c: Client, argv: string[]): void {
  const err = replication(c).psync(c, argv);
  if (err === '' || err === null) return;
  throw new CommandError(err);
}

function wait(c: Client, argv: string[]): void {
  const repl = replication(c);
  if (repl.isReplica) {
    throw new CommandError(
      'ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.',
    );
  }
  const n = parseInteger(argv[1]!);
  const timeout = parseInteger(argv[2]!);
  if (timeout < 0) throw new CommandError('ERR timeout is negative');
  const target = repl.offset;
  const acked = repl.countAcked(target);
  if (acked >= n || c.flags.multi || c.id < 0) {
    c.reply.int(acked);
    return;
  }
  c.flags.blocked = true;
  const finish = (reply: () => void) => {
    waiting.delete(c);
    c.flags.blocked = false;
    reply();
    c.flushSoon();
    c.resume();
  };
  const cancel = repl.waitAcks(target, n, timeout, (k) => finish(() => c.reply.int(k)));
  waiting.set(c, {
    cancel,
    // CLIENT UNBLOCK: as a timeout, the replicas that acknowledged so far; or the error.
    unblock: (withError) => {
      cancel();
      finish(() => (withError ? c.reply.error('UNBLOCKED client unblocked via CLIENT UNBLOCK') : c.reply.int(repl.countAcked(target))));
    },
  });
}

/** Clients blocked in WAIT, so that a closing client stops waiting and CLIENT UNBLOCK releases one. */
const waiting = new Map<Client, { cancel: () => void; unblock: (withError: boolean) => void }>();
export function cancelWait(c: Client): void {
  const w = waiting.get(c);
  if (w) {
    waiting.delete(c);
    w.cancel();
  }
}

/** CLIENT UNBLOCK of a client blocked in WAIT (Redis 7.0 releases WAIT too); false if c is not in WAIT. */
export function unblockWait(c: Client, withError: boolean): boolean {
  const w = waiting.get(c);
  if (!w) return false;
  w.unblock(withError);
  return true;
}

function failover(c: Client, argv: string[]): void {
  const repl = replication(c);
  const fo = c.server.ext.failover;
  if (!fo) throw new CommandError('ERR FAILOVER is not available');
  fo(c, argv, repl);
}

declare module '../commands/context.js' {
  interface ServerExtensions {
    failover?: (c: Client, argv: string[], repl: Replication) => void;
  }
}

const S = { group: 'server' as const };
export const replicationCommands: CommandSpec[] = [
  defineCommand({
    ...S,
    name: 'replicaof',
    arity: 3,
    flags: 'admin noscript stale no_async_loading',
    handler: replicaof,
    summary: 'Make the server a replica of another instance, or promote it as master.',
    since: '5.0.0',
    complexity: 'O(1)',
  }),
  defineCommand({
    ...S,
    name: 'slaveof',
    docs: { docFlags: ['deprecated'], deprecatedSince: '5.0.0', replacedBy: '`REPLICAOF`' },
    arity: 3,
    flags: 'admin noscript stale no_async_loading',
    handler: replicaof,
    summary: 'Make the server a replica of another instance, or promote it as master.',
    since: '1.0.0',
    complexity: 'O(1)',
  }),
  defineCommand({
    ...S,
    name: 'role',
    arity: 1,
    flags: 'noscript loading stale fast',
    acl: 'admin dangerous',
    handler: role,
    summary: 'Return the role of the instance in the context of replication',
    since: '2.8.12',
    complexity: 'O(1)',
  }),
  defineCommand({
    ...S,
    name: 'replconf',
    docs: { docFlags: ['syscmd'] },
    arity: -1,
    flags: 'admin noscript loading stale allow_busy',
    handler: replconf,
    summary: 'An internal command for configuring the replication stream',
    since: '3.0.0',
    complexity: 'O(1)',
  }),
  defineCommand({
    ...S,
    name: 'psync',
    arity: -3,
    flags: 'admin noscript no_async_loading no_multi',
    handler: psync,
    summary: 'Internal command used for replication',
    since: '2.8.0',
    complexity: '',
  }),
  defineCommand({ ...S, name: 'sync', arity: 1, flags: 'admin noscript no_async_loading no_multi', handler: psync, summary: 'Internal command used for replication', since: '1.0.0', complexity: '' }),
  defineCommand({
    group: 'generic',
    name: 'wait',
    arity: 3,
    flags: 'noscript',
    acl: '-keyspace connection',
    handler: wait,
    summary: 'Wait for the synchronous replication of all the write commands sent in the context of the current connection',
    since: '3.0.0',
    complexity: 'O(1)',
  }),
  defineCommand({
    ...S,
    name: 'failover',
    arity: -1,
    flags: 'admin noscript stale',
    handler: failover,
    summary: 'Start a coordinated failover between this server and one of its replicas.',
    since: '6.2.0',
    complexity: 'O(1)',
  }),
];
