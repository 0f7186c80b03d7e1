/**
 * FAILOVER (Redis 6.2+): a coordinated switch from this primary to one of its replicas.
 *
 *   FAILOVER [TO host port [FORCE]] [TIMEOUT ms] [ABORT]
 *
 * Writes are held (state waiting-for-sync) until the target replica's acknowledged offset
 * reaches ours; then (failover-in-progress) we become its replica and connect with
 * `PSYNC <replid> <offset> FAILOVER`, which tells the target to promote itself first, so
 * the handshake continues partially (+CONTINUE with its new ID). Held writes then run, and
 * get READONLY as on Redis. On timeout without FORCE the failover is aborted.
 */
import { CommandError } from '../errors.js';
import type { Client } from '../commands/context.js';
import { F } from '../commands/spec.js';
import type { NodeHost } from '../commands/host.js';
import { log } from '../observe/events.js';
import { encodeCommand } from '../protocol/resp-command.js';
import type { Peer, Replication } from './manager.js';

export type FailoverState = 'no-failover' | 'waiting-for-sync' | 'failover-in-progress';

export function installFailover(node: NodeHost, repl: Replication): { state(): FailoverState } {
  let state: FailoverState = 'no-failover';
  let held: { c: Client; argv: string[] }[] = [];
  let poll: NodeJS.Timeout | null = null;

  node.dispatch.hooks.guards.push((c, spec, argv) => {
    if (state === 'no-failover' || c.flags.replica || c.flags.primary || c.id < 0) return null;
    if (!(spec.bits & (F.write | F.may_replicate)) && !(spec.name === 'exec' && c.multiQueue.some((q) => q.spec.bits & F.write))) return null;
    if (c.flags.multi && spec.name !== 'exec') return null;
    held.push({ c, argv });
    c.flags.blocked = true;
    return '';
  });

  const release = () => {
    const h = held;
    held = [];
    for (const { c, argv } of h) {
      c.flags.blocked = false;
      if ((c as { isClosed?: boolean }).isClosed) continue;
      node.dispatch.execute(c, argv);
      c.flushSoon();
      c.resume();
    }
  };

  const end = (why: string) => {
    if (poll) clearInterval(poll);
    poll = null;
    state = 'no-failover';
    log('info', 'FAILOVER ended', { why });
    release();
  };

  node.ext.failover = (c: Client, argv: string[]) => {
    let host: string | null = null;
    let port = 0;
    let force = false;
    let abort = false;
    let timeout = 0;
    for (let i = 1; i < argv.length; i++) {
      const a = argv[i]!.toLowerCase();
      if (a === 'to' && i + 2 < argv.length && host === null) {
        host = argv[++i]!;
        port = Number(argv[++i]);
        if (!Number.isInteger(port)) throw new CommandError('ERR value is not an integer or out of range');
      } else if (a === 'force') force = true;
      else if (a === 'abort') abort = true;
      else if (a === 'timeout' && i + 1 < argv.length && timeout === 0) {
        timeout = Number(argv[++i]);
        if (!Number.isInteger(timeout)) throw new CommandError('ERR value is not an integer or out of range');
        if (timeout <= 0) throw new CommandError('ERR FAILOVER timeout must be greater than 0');
      } else throw new CommandError('ERR syntax error');
    }
    if (abort) {
      if (force || timeout || host) throw new CommandError('ERR syntax error');
      if (state === 'no-failover') throw new CommandError('ERR No failover in progress.');
      end('aborted');
      c.reply.ok();
      return;
    }
    if (repl.isReplica) throw new CommandError('ERR FAILOVER is not valid when server is a replica.');
    if (repl.peers.length === 0) throw new CommandError('ERR FAILOVER requires connected replicas.');
    if (state !== 'no-failover') throw new CommandError('ERR FAILOVER already in progress.');
    if (force && (!timeout || host === null)) throw new CommandError('ERR FAILOVER with force option requires both a timeout and target HOST and IP.');
    let target: Peer | undefined;
    if (host !== null) {
      target = repl.peers.find((p) => p.state === 'online' && p.ip === host && p.port === port);
      if (!target) throw new CommandError('ERR FAILOVER target HOST and PORT is not a replica.');
    } else {
      target = repl.peers.find((p) => p.state === 'online');
      if (!target) throw new CommandError('ERR FAILOVER requires connected replicas.');
    }
    const chosen = target;
    state = 'waiting-for-sync';
    const started = performance.now();
    log('info', 'FAILOVER requested', { to: `${chosen.ip}:${chosen.port}` });
    repl.feedStream(encodeCommand(['REPLCONF', 'GETACK', '*']));
    poll = setInterval(() => {
      if (!repl.peers.includes(chosen)) return end('target disconnected');
      const synced = chosen.ackOffset >= repl.offset;
      const late = timeout > 0 && performance.now() - started > timeout;
      if (!synced && !late) return;
      if (!synced && !force) return end('timed out');
      clearInterval(poll!);
      poll = null;
      state = 'failover-in-progress';
      repl.replicaOf(chosen.ip, chosen.port, true);
      const check = setInterval(() => {
        const link = repl.link;
        if (link && link.state === 'connected') {
          clearInterval(check);
          end('done');
        } else if (performance.now() - started > Math.max(timeout, 10000) + 5000) {
          clearInterval(check);
          end('no link to the new primary');
        }
      }, 10);
    }, 10);
    c.reply.ok();
  };
  return { state: () => state };
}
