/**
 * Wires persistence into a data node: load at start (AOF when enabled, else RDB, as Redis),
 * the AOF as a propagation sink with the reply gate, snapshots' copy-on-write hook, the
 * `save` rules, INFO persistence and MISCONF refusals.
 */
import fs from 'node:fs';
import path from 'node:path';
import './directives.js';
import type { NodeHost } from '../commands/host.js';
import { F } from '../commands/spec.js';
import { keyPositions } from '../commands/spec.js';
import { log } from '../observe/events.js';
import { setReplyGate, type Session } from '../net/session.js';
import { AppendOnlyFile } from './aof.js';
import { discardTransaction } from '../commands/transaction.js';
import { activeSnapshot, SnapshotAborted } from './snapshot.js';
import { Snapshots } from './rdb-file.js';
import type { LoadingProgress } from './loading.js';

/** What persistence commands (SAVE, BGSAVE, BGREWRITEAOF, LASTSAVE) reach through the context. */
export interface PersistenceApi {
  aof: AppendOnlyFile | null;
  snapshots: Snapshots;
  /**
   * The dataset load in progress: INFO persistence shows its loading_* fields whenever the
   * node is loading. Whatever loads a dataset (the AOF, dump.rdb, a full sync) reports here.
   */
  loading: LoadingProgress;
  /** Start AOF logging at run time (CONFIG SET appendonly yes): rewrite, then append. */
  enableAof(): Promise<void>;
  disableAof(): void;
  rewriteAof(): Promise<void>;
  /** Whether a snapshot (BGSAVE, AOF rewrite, full sync) is being written: a rewrite must wait. */
  snapshotBusy(): boolean;
  /** BGREWRITEAOF while busy: the cron starts the rewrite once the snapshot is done. */
  scheduleRewrite(): void;
  /**
   * Stop the rewrite of the AOF in use (a replica about to replace its dataset with a full
   * sync, as Redis 7.0's readSyncBulkPayload kills its rewrite child when appendonly is on):
   * resolves once it has unwound. A rewrite scheduled meanwhile stays scheduled.
   */
  abortRewrite(reason: string): Promise<void>;
}

declare module '../commands/context.js' {
  interface ServerExtensions {
    persistence?: PersistenceApi;
  }
}

/** Commands that change keys the command table cannot name: the snapshot must be drained first. */
const MASS_WRITES = new Set(['flushall', 'flushdb', 'swapdb', 'debug']);

export function installPersistence(node: NodeHost): void {
  const snapshots = new Snapshots(node);
  let aof: AppendOnlyFile | null = null;

  // Replies wait for the AOF: collect the sessions that flushed while writes were buffered,
  // write the buffer once, then let all their replies go (one AOF write per turn). When the
  // write fails (ENOSPC, EIO...), those replies stay held ("stuck") until the server cron
  // manages to write the data: nothing is acknowledged that is not in the file. Meanwhile
  // writes get MISCONF and other sessions' reads are answered.
  const held = new Set<Session>();
  const stuck = new Set<Session>();
  let scheduled = false;
  const releaseStuck = () => {
    const sessions = [...stuck];
    stuck.clear();
    for (const s of sessions) s.flush();
  };
  const release = () => {
    scheduled = false;
    aof?.flush();
    if (aof?.hasPending) {
      for (const s of held) stuck.add(s);
      held.clear();
      return;
    }
    const sessions = [...held];
    held.clear();
    for (const s of sessions) s.flush();
  };
  setReplyGate((s) => {
    if (aof === null || !aof.hasPending) return false;
    // The disk is failing: only replies that wait for the unwritten data are held (writes
    // get MISCONF meanwhile, so later replies acknowledge nothing unlogged).
    if (aof.status.lastWriteStatus === 'err') return stuck.has(s);
    held.add(s);
    if (!scheduled) {
      scheduled = true;
      setImmediate(release);
    }
    return true;
  });

  node.dispatch.hooks.beforeWrite = (c, spec, argv) => {
    const snap = activeSnapshot();
    if (snap === null) return;
    const name = spec.parent?.name ?? spec.name;
    if (MASS_WRITES.has(name)) return snap.preserveAll();
    for (const i of keyPositions(spec, argv)) snap.preserve(c.db.id, argv[i]!);
    // MOVE and COPY write into another database too.
    if (name === 'move' || name === 'copy') {
      for (let i = 0; i < node.keyspace.dbs.length; i++) for (const k of keyPositions(spec, argv)) snap.preserve(i, argv[k]!);
    }
  };

  // Writes (and PING, so that monitors notice) are refused while the data cannot be
  // persisted (MISCONF), as Redis does on a primary; the RDB error is reported first.
  const diskError = (): string | null => {
    if (snapshots.lastBgsaveFailed && node.config.get('stop-writes-on-bgsave-error') === 'yes' && node.config.get('save') !== '') {
      return "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";
    }
    if (aof !== null && aof.status.lastWriteStatus === 'err') return `MISCONF Errors writing to the AOF file: ${aof.status.lastWriteError}`;
    return null;
  };
  node.dispatch.hooks.guards.push((c, spec) => {
    if (c.id < 0 || node.keyspace.replicaMode) return null;
    if (spec.bits & F.write || spec.name === 'ping') return diskError();
    // EXEC counts as a write when it would run queued writes; it then discards the
    // transaction (EXECABORT), as Redis 7's processCommand/execCommandAbort do.
    if (spec.name === 'exec' && c.flags.multi && c.multiQueue.some((q) => (q.spec.bits & F.write) !== 0)) {
      const err = diskError();
      if (err === null) return null;
      discardTransaction(c);
      return `EXECABORT Transaction discarded because of: ${err}`;
    }
    return null;
  });

  let rewriteScheduled = false;
  const api: PersistenceApi = {
    get aof() {
      return aof;
    },
    snapshots,
    loading: snapshots.loading,
    async enableAof() {
      if (aof) return;
      const a = new AppendOnlyFile(node);
      a.rdb = snapshots.codec;
      aof = a;
      try {
        await a.rewrite();
      } catch (err) {
        // A full sync replaced the dataset meanwhile: its own rewrite gives the new base.
        if (!(err instanceof SnapshotAborted)) throw err;
      }
      await a.open();
      node.addPropagationSink(a);
    },
    disableAof() {
      if (!aof) return;
      aof.close();
      aof = null;
      releaseStuck();
    },
    async rewriteAof() {
      if (!aof) {
        // Without appendonly, BGREWRITEAOF still writes a full AOF set, as Redis does.
        const a = new AppendOnlyFile(node);
        a.rdb = snapshots.codec;
        try {
          await a.rewrite();
        } finally {
          a.close();
        }
        return;
      }
      await aof.rewrite();
    },
    snapshotBusy: () => activeSnapshot() !== null || snapshots.inProgress || aof?.status.rewriteInProgress === true,
    scheduleRewrite() {
      rewriteScheduled = true;
      if (aof) aof.status.rewriteScheduled = true;
    },
    abortRewrite: (reason) => aof?.abortRewrite(reason) ?? Promise.resolve(),
  };
  node.ext.persistence = api;

  node.startupTasks.push(async () => {
    const started = performance.now();
    if (node.config.get('appendonly') === 'yes') {
      const a = new AppendOnlyFile(node);
      a.rdb = snapshots.codec;
      // Set before loading so that INFO shows aof_enabled:1 meanwhile, as Redis does; it
      // appends nothing until open().
      aof = a;
      if (a.exists()) {
        const r = await a.load(snapshots.loading);
        log('info', 'DB loaded from append only file', { seconds: ((performance.now() - started) / 1000).toFixed(3), keys: r.keys, commands: r.commands });
        // dssm beyond Redis 7 (which restores nothing from an AOF): the last recorded
        // replication position, unless commands follow it (the data is ahead of it).
        if (r.stamp !== null && r.commandsAfterStamp === 0) node.ext.replicationState?.restore(r.stamp, a.manifestPath);
        else if (r.stamp !== null) {
          log('warn', 'Not restoring the replication position from the AOF: commands follow the last recorded position', {
            replid: r.stamp.replId,
            offset: r.stamp.offset,
            commandsAfter: r.commandsAfterStamp,
          });
        }
      }
      await a.open();
      node.addPropagationSink(a);
    } else {
      const file = path.join(node.config.get('dir'), node.config.get('dbfilename'));
      if (fs.existsSync(file)) {
        const { keys, stamp } = await snapshots.load(file);
        log('info', 'DB loaded from disk', { seconds: ((performance.now() - started) / 1000).toFixed(3), keys });
        // The file's repl-id/repl-offset: continue that history (PSYNC) as Redis 7 does.
        if (stamp !== null) node.ext.replicationState?.restore(stamp, file);
      }
    }
    snapshots.markLoaded();
    serving = true;
  });

  // Run-time changes only (watch also calls back at once with the configured value,
  // which the startup task handles after loading).
  let serving = false;
  node.config.watch('appendonly', (v) => {
    if (!serving || node.loading) return;
    if (v === 'yes' && !aof) api.enableAof().catch((err) => log('error', 'could not enable the AOF', { error: (err as Error).message }));
    if (v === 'no' && aof) api.disableAof();
  });

  node.cronTasks.push(() => {
    // After a write error, retry every cron tick; the held replies go once the data is in.
    if (aof !== null && aof.status.lastWriteStatus === 'err' && aof.retry()) releaseStuck();
    // The replication position moved without data (PINGs, GETACKs): record it once a second.
    aof?.recordPosition(1000);
    // No snapshot of a dataset being loaded (a replica's full sync yields while it loads).
    if (node.loading) return;
    if (rewriteScheduled && !api.snapshotBusy()) {
      rewriteScheduled = false;
      api.rewriteAof().catch(() => {});
    }
    aof?.maybeAutoRewrite();
    snapshots.cron();
  });

  node.shutdownHooks.push(async (opts) => {
    aof?.close();
    await snapshots.onShutdown(opts);
  });

  // INFO persistence: the core section with the real values of what exists.
  const core = node.infoSections.get('persistence');
  node.infoSections.set('persistence', () => {
    const base = core ? core() : [];
    const fields = new Map(typeof base === 'string' ? [] : base);
    for (const [k, v] of snapshots.infoFields()) fields.set(k, v);
    const st = aof?.status;
    fields.set('aof_enabled', aof ? 1 : 0);
    if (st) {
      fields.set('aof_rewrite_in_progress', st.rewriteInProgress ? 1 : 0);
      fields.set('aof_rewrite_scheduled', st.rewriteScheduled ? 1 : 0);
      fields.set('aof_last_rewrite_time_sec', st.lastRewriteSeconds);
      fields.set('aof_current_rewrite_time_sec', st.rewriteInProgress ? Math.round((Date.now() - st.rewriteStartedAt) / 1000) : -1);
      fields.set('aof_last_bgrewrite_status', st.lastRewriteStatus);
      fields.set('aof_rewrites', st.rewrites);
      fields.set('aof_rewrites_consecutive_failures', st.consecutiveFailures);
      fields.set('aof_last_write_status', st.lastWriteStatus);
      fields.set('aof_current_size', st.currentSize);
      fields.set('aof_base_size', st.baseSize);
      fields.set('aof_pending_rewrite', 0);
      fields.set('aof_buffer_length', 0);
      fields.set('aof_pending_bio_fsync', 0);
      fields.set('aof_delayed_fsync', st.delayedFsync);
    }
    fields.set('loading', node.loading ? 1 : 0);
    // Redis appends these after the AOF fields, and only while loading.
    if (node.loading) for (const [k, v] of snapshots.loading.infoFields()) fields.set(k, v);
    return [...fields];
  });
}
