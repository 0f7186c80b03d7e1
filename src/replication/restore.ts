/**
 * A node restarted from disk keeps its replication history, as Redis 7 does when it loads an
 * RDB with repl-id/repl-offset (loadDataFromDisk), and (dssm beyond Redis) from the
 * `#dssm-repl:` annotations of its AOF:
 *
 * - a replica (replicaof configured) takes the stored ID and offset as its own and continues
 *   with PSYNC <replid> <offset+1> (Redis's cached primary made from itself); its stream
 *   continues in the stored database, and it counts as having synced for
 *   replica-refuse-stale-primary. INFO shows the offset of the data it holds, so sentinels
 *   rank it correctly while its primary is still down.
 * - a primary keeps a new ID, remembers the stored one as replid2 (second_repl_offset =
 *   offset+1) and continues the offset with a fresh backlog, so its replicas continue
 *   partially (+CONTINUE <newid>) and sentinels do not see a rebooted primary at offset 0.
 *
 * Persistence calls in through `ext.replicationState` (persistence/repl-stamp.ts): `stamp()`
 * is what SAVE/BGSAVE/AOF rewrites and AOF annotations record, `restore()` applies one.
 */
import type { NodeHost } from '../commands/host.js';
import { log } from '../observe/events.js';
import type { ReplicationStamp } from '../persistence/repl-stamp.js';
import { Backlog } from './backlog.js';
import type { Replication } from './manager.js';

export function installReplicationRestore(node: NodeHost, repl: Replication): void {
  node.ext.replicationState = {
    stamp: () => replicationStamp(repl),
    startsAsReplica: () => node.config.get('replicaof') !== '',
    restore: (stamp, source) => restoreReplication(repl, stamp, source),
  };
}

/**
 * The position the data in memory corresponds to (Redis's rdbPopulateSaveInfo): a primary
 * with a backlog records its ID, offset and the db its stream last selected; a replica
 * records the offset it has applied (not the bytes of a MULTI it has queued but not run) and
 * the db its primary's stream is in. Null without a history.
 */
export function replicationStamp(repl: Replication): ReplicationStamp | null {
  if (!repl.isReplica) {
    if (!repl.hasBacklog) return null;
    // Restored as a replica but replicaof has not started the link yet: the stored db.
    return { replId: repl.replId, offset: repl.offset, streamDb: repl.restored?.streamDb ?? Math.max(0, repl.streamDb) };
  }
  const link = repl.link;
  // A replica that never synced (offset 0 under its own random ID) has nothing to continue.
  if (repl.offset === 0) return null;
  if (link === null) return { replId: repl.replId, offset: repl.offset, streamDb: repl.restored?.streamDb ?? 0 };
  return { replId: repl.replId, offset: link.appliedOffset, streamDb: link.client.db.id };
}

/** Adopt a stored position at start (before `replicaof` starts the link). */
export function restoreReplication(repl: Replication, stamp: ReplicationStamp, source: string): void {
  const node = repl.node;
  if (stamp.streamDb >= node.keyspace.dbs.length) {
    log('warn', 'Not restoring the replication position: its stream database does not exist', { source, streamDb: stamp.streamDb });
    return;
  }
  if (node.config.get('replicaof') !== '') {
    repl.replId = stamp.replId;
    repl.offset = stamp.offset;
    repl.backlog = new Backlog(repl.backlogSize());
    // Honoured by replicaOf(): the link's stream db, and the link counts as synced.
    repl.restored = { streamDb: stamp.streamDb };
    log('info', 'Restored the replication ID and offset: will try a partial resynchronization with the primary', { source, replid: stamp.replId, offset: stamp.offset, streamDb: stamp.streamDb });
  } else {
    // Redis keeps the old ID as replid2 and rebases master_repl_offset on it.
    repl.replId2 = stamp.replId;
    repl.secondOffset = stamp.offset + 1;
    repl.offset = stamp.offset;
    repl.backlog = new Backlog(repl.backlogSize());
    log('info', 'Restored the replication offset: replicas of the previous history can continue partially', { source, replid: repl.replId, replid2: stamp.replId, offset: stamp.offset });
  }
}
