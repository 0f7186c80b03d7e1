/**
 * Wires replication into a data node: directives, the backlog as a propagation sink,
 * INFO replication (field for field as Redis 7.0) and the sync_* stats, the READONLY /
 * MASTERDOWN / NOREPLICAS guards, and dssm's synchronous mode.
 *
 * Synchronous mode (`sync-replicas <n>`, `sync-replicas-timeout <ms>`): after a command
 * that wrote, the client's reply is held (the client stops reading further requests) until
 * n replicas have acknowledged the stream offset that holds the write; after the timeout
 * the reply is replaced by a NOREPLICAS error. Writes are refused up front when fewer than
 * n replicas have acknowledged anything within the timeout (fencing: a primary cut off from
 * its replicas never acknowledges a write). Times are monotonic (performance.now()).
 */
import { registerDirectives } from '../config/schema.js';
import type { Client } from '../commands/context.js';
import { F } from '../commands/spec.js';
import type { NodeHost } from '../commands/host.js';
import { getReplyGate, setReplyGate, type Session } from '../net/session.js';
import { NO_REPLID, Replication } from './manager.js';
import { cancelWait, unblockWait } from './commands.js';
import { installFailover } from './failover.js';
import { installReplicationRestore } from './restore.js';

const b = (name: string, def: 'yes' | 'no', aliases?: string[]) => ({ name, aliases, type: 'bool' as const, default: def, mutable: true });
const i = (name: string, def: string, min: number, aliases?: string[], max?: number) => ({ name, aliases, type: 'int' as const, default: def, mutable: true, min, max });

registerDirectives([
  {
    name: 'replicaof',
    aliases: ['slaveof'],
    type: 'special',
    default: '',
    mutable: false,
    multiWord: true,
    parse: (w) => {
      if (w.length === 2 && w[0]!.toLowerCase() === 'no' && w[1]!.toLowerCase() === 'one') return '';
      if (w.length !== 2) return { error: 'wrong number of arguments' };
      const port = Number(w[1]);
      if (!Number.isInteger(port) || port < 0 || port > 65535) return { error: 'Invalid master port' };
      return `${w[0]} ${port}`;
    },
  },
  { name: 'masterauth', type: 'string', default: '', mutable: true, hidden: false },
  { name: 'masteruser', type: 'string', default: '', mutable: true },
  b('replica-read-only', 'yes', ['slave-read-only']),
  b('replica-serve-stale-data', 'yes', ['slave-serve-stale-data']),
  i('replica-priority', '100', 0, ['slave-priority']),
  { name: 'replica-announce-ip', aliases: ['slave-announce-ip'], type: 'string', default: '', mutable: true },
  i('replica-announce-port', '0', 0, ['slave-announce-port'], 65535),
  b('replica-announced', 'yes'),
  i('repl-timeout', '60', 1),
  i('repl-ping-replica-period', '10', 1, ['repl-ping-slave-period']),
  { name: 'repl-backlog-size', type: 'memory', default: '1048576', mutable: true, min: 1 },
  i('repl-backlog-ttl', '3600', 0),
  b('repl-diskless-sync', 'yes'),
  i('repl-diskless-sync-delay', '5', 0),
  i('repl-diskless-sync-max-replicas', '0', 0),
  { name: 'repl-diskless-load', type: 'enum', default: 'disabled', mutable: true, values: ['disabled', 'on-empty-db', 'swapdb'] },
  b('repl-disable-tcp-nodelay', 'no'),
  i('min-replicas-to-write', '0', 0, ['min-slaves-to-write']),
  i('min-replicas-max-lag', '10', 0, ['min-slaves-max-lag']),
  i('sync-replicas', '0', 0),
  i('sync-replicas-timeout', '1000', 1),
  /**
   * dssm only (Redis 7 has no such safety): when the primary a replica was streaming from
   * comes back (same host and port) answering its PSYNC with +FULLRESYNC under another
   * replication ID and an offset below the replica's, it restarted empty or from older data.
   * With `yes` (default) the replica refuses that full sync, keeps its dataset, logs a
   * warning and retries every second, so the sentinels can fence that primary and promote
   * the replica that holds the data. With `no` it loads the primary's snapshot as Redis does.
   * An explicit REPLICAOF (a new link) and a primary that is ahead always sync normally.
   */
  b('replica-refuse-stale-primary', 'yes'),
]);

/** Commands a replica with replica-serve-stale-data no still serves while its link is down (CMD_STALE in Redis). */
const STALE_OK = new Set([
  'info',
  'replicaof',
  'slaveof',
  'ping',
  'auth',
  'hello',
  'shutdown',
  'replconf',
  'role',
  'config',
  'subscribe',
  'unsubscribe',
  'psubscribe',
  'punsubscribe',
  'publish',
  'command',
  'latency',
  'client',
  'debug',
  'multi',
  'exec',
  'discard',
  'quit',
  'reset',
  'select',
  'monitor',
  'failover',
  'acl',
  'slowlog',
  'memory',
  'module',
  'lastsave',
  'save',
  'bgsave',
  'bgrewriteaof',
  'time',
  'sync',
  'psync',
  'wait',
  'echo',
  'readonly',
  'readwrite',
  'cluster',
  'asking',
]);

export function installReplication(node: NodeHost): void {
  const repl = new Replication(node);
  node.ext.replication = repl;
  installReplicationRestore(node, repl);
  node.addPropagationSink(repl);
  node.closeHooks.push((c) => {
    repl.onClientClosed(c);
    cancelWait(c);
    releaseHeld(c as Session, null);
  });
  node.cronTasks.push(() => repl.cron());
  // CLIENT UNBLOCK releases WAIT too; other blocking commands are the blocking machinery's.
  const unblockOther = node.ext.unblockClient;
  node.ext.unblockClient = (c, withError) => unblockWait(c, withError) || (unblockOther?.(c, withError) ?? false);
  const failover = installFailover(node, repl);
  (node.ext as { role?: () => string }).role = () => (repl.isReplica ? 'slave' : 'master');

  node.config.watch('repl-backlog-size', () => {
    if (repl.backlog !== null) repl.backlog = repl.backlog.resized(repl.backlogSize(), repl.offset);
  });

  node.startupTasks.push(async () => {
    const v = node.config.get('replicaof');
    if (v !== '') {
      const [host, port] = v.split(' ');
      repl.replicaOf(host!, Number(port));
    }
  });
  node.shutdownHooks.push(() => {
    repl.link?.stop();
    // Stream bytes already counted in the offset (the AOF's final position) reach the
    // replicas before their links close: a restart from disk continues at their offset.
    repl.flushOut();
    for (const p of [...repl.peers]) repl.dropPeer(p);
  });

  // ---------------------------------------------------------------- guards
  let cur: Client | null = null;
  let curMark = 0;
  let offBefore = 0;
  // Read on every write command: cached (following CONFIG SET) instead of looked up.
  let minReplicasToWrite = 0;
  node.config.watch('min-replicas-to-write', (v) => (minReplicasToWrite = Number(v)));
  node.dispatch.hooks.guards.push((c, spec) => {
    const syncN = syncReplicas;
    if (syncN > 0) {
      cur = c;
      curMark = c.reply.mark();
      offBefore = repl.offset;
    }
    const write = spec.bits & F.write;
    if (repl.isReplica) {
      if (c.flags.primary || c.id < 0) return null;
      const link = repl.link;
      if ((link === null || link.state !== 'connected') && node.config.get('replica-serve-stale-data') === 'no' && !STALE_OK.has(spec.parent?.name ?? spec.name)) {
        return "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
      }
      if (write && node.config.get('replica-read-only') === 'yes') return "READONLY You can't write against a read only replica.";
      return null;
    }
    if (!write || c.id < 0) return null;
    const minN = minReplicasToWrite;
    if (minN > 0) {
      const lag = node.config.int('min-replicas-max-lag');
      if (lag > 0 && repl.countGood(lag * 1000 + 999) < minN) return 'NOREPLICAS Not enough good replicas to write.';
    }
    if (syncN > 0 && repl.countGood(syncTimeout + 1000) < syncN) {
      return 'NOREPLICAS Not enough replicas acknowledging writes for sync-replicas (fenced).';
    }
    return null;
  });

  // ---------------------------------------------------------------- synchronous mode
  let syncReplicas = node.config.int('sync-replicas');
  let syncTimeout = node.config.int('sync-replicas-timeout');
  node.config.watch('sync-replicas', (v) => (syncReplicas = Number(v)));
  node.config.watch('sync-replicas-timeout', (v) => (syncTimeout = Number(v)));
  interface Hold {
    target: number;
    mark: number;
    deadline: number;
    timer: NodeJS.Timeout;
  }
  const holds = new Map<Session, Hold>();
  const stats = { held: 0, timedOut: 0, lastLagMs: 0 };

  const releaseHeld = (s: Session, error: string | null): void => {
    const h = holds.get(s);
    if (!h) return;
    holds.delete(s);
    clearTimeout(h.timer);
    s.flags.blocked = false;
    if (error !== null) {
      s.reply.truncate(h.mark);
      node.dispatch.replyError(s, error);
    }
    if (s.isClosed) return;
    s.flush();
    s.resume();
  };

  node.dispatch.hooks.after.push(() => {
    const c = cur;
    cur = null;
    if (c === null || syncReplicas <= 0 || repl.isReplica) return;
    if (repl.offset === offBefore || c.id < 0 || c.flags.primary || c.flags.replica) return;
    const s = c as Session;
    if (typeof s.flush !== 'function' || !s.socket) return;
    const target = repl.offset;
    if (repl.countAcked(target) >= syncReplicas) return;
    const started = performance.now();
    const timer = setTimeout(() => {
      stats.timedOut++;
      releaseHeld(s, `NOREPLICAS Not enough replicas acknowledged the write within sync-replicas-timeout (${syncTimeout} ms)`);
    }, syncTimeout);
    holds.set(s, { target, mark: curMark, deadline: started + syncTimeout, timer });
    stats.held++;
    s.flags.blocked = true;
  });

  repl.onAck = () => {
    if (holds.size === 0) return;
    for (const [s, h] of holds) {
      if (repl.countAcked(h.target) >= syncReplicas) {
        stats.lastLagMs = Math.max(0, performance.now() - (h.deadline - syncTimeout));
        releaseHeld(s, null);
      }
    }
  };
  node.ext.replicationSync = { holding: () => holds.size !== 0 };

  const prevGate = getReplyGate();
  setReplyGate((s) => prevGate?.(s) || holds.has(s));

  // ---------------------------------------------------------------- INFO
  node.infoSections.set('replication', () => {
    const out: [string, string | number][] = [];
    const cfg = node.config;
    const nowSec = Math.floor(Date.now() / 1000);
    if (repl.isReplica) {
      const link = repl.link!;
      out.push(['role', 'slave']);
      out.push(['master_host', repl.primaryHost]);
      out.push(['master_port', repl.primaryPort]);
      out.push(['master_link_status', link.state === 'connected' ? 'up' : 'down']);
      out.push(['master_last_io_seconds_ago', link.state === 'connected' ? Math.floor((Date.now() - link.lastIo) / 1000) : -1]);
      out.push(['master_sync_in_progress', link.state === 'sync' ? 1 : 0]);
      out.push(['slave_read_repl_offset', link.state === 'connected' ? link.readOffset : repl.offset]);
      out.push(['slave_repl_offset', repl.offset]);
      const t = link.transfer;
      if (link.state === 'sync' && t) {
        out.push(['master_sync_total_bytes', t.total]);
        out.push(['master_sync_read_bytes', t.read]);
        out.push(['master_sync_left_bytes', t.total < 0 ? -1 : t.total - t.read]);
        out.push(['master_sync_perc', t.total > 0 ? ((t.read * 100) / t.total).toFixed(2) : '-0.00']);
        out.push(['master_sync_last_io_seconds_ago', Math.floor((Date.now() - t.lastIo) / 1000)]);
      }
      if (link.state !== 'connected') out.push(['master_link_down_since_seconds', link.downSince ? nowSec - link.downSince : -1]);
      out.push(['slave_priority', cfg.int('replica-priority')]);
      out.push(['slave_read_only', cfg.get('replica-read-only') === 'yes' ? 1 : 0]);
      out.push(['replica_announced', cfg.get('replica-announced') === 'yes' ? 1 : 0]);
    } else {
      out.push(['role', 'master']);
    }
    out.push(['connected_slaves', repl.peers.length]);
    const minN = cfg.int('min-replicas-to-write');
    if (minN > 0 && cfg.int('min-replicas-max-lag') > 0) out.push(['min_slaves_good_slaves', repl.countGood(cfg.int('min-replicas-max-lag') * 1000 + 999)]);
    const now = performance.now();
    repl.peers.forEach((p, k) => {
      out.push([`slave${k}`, `ip=${p.ip},port=${p.port},state=${p.state},offset=${p.ackOffset},lag=${Math.floor((now - p.ackAt) / 1000)}`]);
    });
    out.push(['master_failover_state', failover.state()]);
    out.push(['master_replid', repl.replId]);
    out.push(['master_replid2', repl.replId2 || NO_REPLID]);
    out.push(['master_repl_offset', repl.offset]);
    out.push(['second_repl_offset', repl.secondOffset]);
    out.push(['repl_backlog_active', repl.backlog ? 1 : 0]);
    out.push(['repl_backlog_size', cfg.int('repl-backlog-size')]);
    out.push(['repl_backlog_first_byte_offset', repl.backlog ? repl.backlog.firstOffset(repl.offset) : 0]);
    out.push(['repl_backlog_histlen', repl.backlog ? repl.backlog.histlen : 0]);
    if (syncReplicas > 0) {
      // dssm's synchronous mode (not in Redis).
      out.push(['sync_replicas', syncReplicas]);
      out.push(['sync_replicas_timeout', syncTimeout]);
      out.push(['sync_replicas_good', repl.countGood(syncTimeout + 1000)]);
      out.push(['sync_writes_waiting', holds.size]);
      out.push(['sync_writes_timed_out', stats.timedOut]);
      out.push(['sync_last_ack_lag_ms', stats.lastLagMs.toFixed(3)]);
    }
    return out;
  });

  const coreStats = node.infoSections.get('stats');
  node.infoSections.set('stats', () => {
    const base = coreStats ? coreStats() : [];
    if (typeof base === 'string') return base;
    return base.map(([k, v]): [string, string | number] => {
      if (k === 'sync_full') return [k, repl.stats.syncFull];
      if (k === 'sync_partial_ok') return [k, repl.stats.syncPartialOk];
      if (k === 'sync_partial_err') return [k, repl.stats.syncPartialErr];
      return [k, v];
    });
  });
}
