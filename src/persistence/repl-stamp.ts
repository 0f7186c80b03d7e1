/**
 * The replication position that persisted data corresponds to, so that a node restarted
 * from disk keeps its replication ID and offset (PSYNC continues instead of a full sync, and
 * sentinels rank a restarted replica by the data it really holds).
 *
 * - An RDB file records it in the aux fields repl-id, repl-offset, repl-stream-db, as Redis
 *   7 does (rdbPopulateSaveInfo / loadDataFromDisk).
 * - An AOF records it (dssm only) in annotation lines after each write batch:
 *   `#dssm-repl:<replid> <offset> <db>\r\n`. Redis 7's AOF loader skips lines that start
 *   with '#' (its own `#TS:` annotations), so such an AOF still loads in redis-server.
 *
 * Persistence only records and returns the stamp; replication (replication/restore.ts)
 * says what the current stamp is and applies a restored one, through `ext.replicationState`.
 */

/** The replication position an RDB or an AOF annotation records. */
export interface ReplicationStamp {
  replId: string;
  /** Offset of the last stream byte whose effect is in the data. */
  offset: number;
  /** The database the stream continues in (a replica's primary stream). */
  streamDb: number;
}

/** What replication offers persistence (installed by replication/restore.ts). */
export interface ReplicationStateApi {
  /**
   * The position the data in memory corresponds to now, or null when the node has no
   * replication history worth recording (a primary without a backlog, a replica that never
   * synced). Called at every AOF write batch: must be cheap.
   */
  stamp(): ReplicationStamp | null;
  /** Whether the node starts as a replica (`replicaof` configured): decides what a torn AOF tail means. */
  startsAsReplica(): boolean;
  /** At start, after loading: adopt the position the loaded data corresponds to. */
  restore(stamp: ReplicationStamp, source: string): void;
}

declare module '../commands/context.js' {
  interface ServerExtensions {
    replicationState?: ReplicationStateApi;
  }
}

export const ANNOTATION_PREFIX = '#dssm-repl:';

/** The AOF annotation line for a stamp. */
export function annotationLine(s: ReplicationStamp): string {
  return `${ANNOTATION_PREFIX}${s.replId} ${s.offset} ${s.streamDb}\r\n`;
}

const REPLID = /^[0-9a-f]{40}$/;

/** Parse a replication ID, offset and stream db (annotation words or RDB aux values); null if malformed. */
export function parseStamp(replId: string | undefined, offset: string | undefined, db: string | undefined): ReplicationStamp | null {
  if (replId === undefined || offset === undefined || db === undefined || !REPLID.test(replId)) return null;
  const o = Number(offset);
  const d = Number(db);
  if (!Number.isSafeInteger(o) || o < 0 || !Number.isSafeInteger(d) || d < 0) return null;
  return { replId, offset: o, streamDb: d };
}
