/**
 * RDB files (dump.rdb and RDB-format AOF bases), version 10 as Redis 7.0 writes them, so
 * that a dump.rdb moves between redis-server and dssm in both directions.
 *
 * Layout: "REDIS0010", aux fields (0xFA), then per database SELECTDB (0xFE) and RESIZEDB
 * (0xFB) followed by entries ([EXPIRETIME_MS 0xFC] type key value), then EOF (0xFF) and an
 * 8-byte CRC-64 of everything before it. Values are encoded by rdb-value.ts (shared with
 * DUMP/RESTORE).
 *
 * BGSAVE writes from a KeyspaceSnapshot in slices, yielding to the event loop between
 * slices: the server keeps serving while the file is written, and the file holds the
 * dataset as it was when BGSAVE started.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ServerContext } from '../commands/context.js';
import { log } from '../observe/events.js';
import { REDIS_COMPAT_VERSION } from '../version.js';
import { crc64Update, type Crc64State } from './crc64.js';
import { ByteSink, DEFAULT_LIMITS, RDB_VERSION, RdbFormatError, RdbReader, readObject, writeLength, writeString, writeValue, type EncodingLimits } from './rdb-value.js';
import { KeyspaceSnapshot, activeSnapshot } from './snapshot.js';
import { fsyncDir, openFileSize, strerror, type RdbCodec } from './aof.js';
import { LoadingProgress, reportSnapshotProgress } from './loading.js';
import { parseStamp, type ReplicationStamp } from './repl-stamp.js';

export type { ReplicationStamp } from './repl-stamp.js';

const OP_FUNCTION2 = 0xf5;
const OP_FUNCTION_PRE_GA = 0xf6;
const OP_MODULE_AUX = 0xf7;
const OP_IDLE = 0xf8;
const OP_FREQ = 0xf9;
const OP_AUX = 0xfa;
const OP_RESIZEDB = 0xfb;
const OP_EXPIRETIME_MS = 0xfc;
const OP_EXPIRETIME = 0xfd;
const OP_SELECTDB = 0xfe;
const OP_EOF = 0xff;

export class RdbLoadError extends Error {}

function limitsFrom(server: ServerContext): EncodingLimits {
  const cfg = server.config;
  return {
    hashMaxListpackEntries: cfg.int('hash-max-listpack-entries'),
    hashMaxListpackValue: cfg.int('hash-max-listpack-value'),
    zsetMaxListpackEntries: cfg.int('zset-max-listpack-entries'),
    zsetMaxListpackValue: cfg.int('zset-max-listpack-value'),
    setMaxIntsetEntries: cfg.int('set-max-intset-entries'),
    listMaxListpackSize: cfg.int('list-max-listpack-size'),
    compress: cfg.get('rdbcompression') === 'yes',
  };
}

/** Where an RDB stream goes: a file descriptor, or a byte sink (diskless replication). */
export type RdbOutput = number | ((b: Buffer) => void);

/** Writes an RDB stream to a file descriptor or a sink, keeping the running CRC. */
class RdbFileWriter {
  private crc: Crc64State = { lo: 0, hi: 0 };
  bytes = 0;

  constructor(
    private readonly fd: RdbOutput,
    private readonly checksum: boolean,
  ) {}

  write(b: Buffer): void {
    if (this.checksum) crc64Update(this.crc, b);
    this.out(b);
  }

  private out(b: Buffer): void {
    if (typeof this.fd !== 'number') {
      this.fd(b);
    } else {
      let off = 0;
      while (off < b.length) off += fs.writeSync(this.fd, b, off);
    }
    this.bytes += b.length;
  }

  finish(): void {
    const end = Buffer.from([OP_EOF]);
    this.write(end);
    const crc = Buffer.alloc(8);
    if (this.checksum) {
      crc.writeUInt32LE(this.crc.lo, 0);
      crc.writeUInt32LE(this.crc.hi, 4);
    }
    this.out(crc);
  }
}

function aux(w: ByteSink, key: string, value: string): void {
  w.u8(OP_AUX);
  writeString(w, key, { ...DEFAULT_LIMITS, compress: false });
  writeString(w, value, { ...DEFAULT_LIMITS, compress: false });
}

/** Drive a step generator to completion, yielding to the event loop between steps. */
export async function runAsync<T>(steps: Generator<void, T>): Promise<T> {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await new Promise((res) => setImmediate(res));
  }
}

/** Drive a step generator to completion without yielding (SAVE, AOF bases inside a load). */
export function runSync<T>(steps: Generator<void, T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * Serialize a snapshot into fd as a complete RDB file, one slice per step (the driver
 * decides whether to yield to the event loop between steps). Returns the keys written.
 */
export function* writeRdbSnapshot(server: ServerContext, snapshot: KeyspaceSnapshot, fd: RdbOutput, opts: { aofBase: boolean; repl?: ReplicationStamp | null }): Generator<void, number> {
  const limits = limitsFrom(server);
  const out = new RdbFileWriter(fd, server.config.get('rdbchecksum') === 'yes');
  const head = new ByteSink();
  head.latin1(`REDIS${String(RDB_VERSION).padStart(4, '0')}`);
  aux(head, 'redis-ver', REDIS_COMPAT_VERSION);
  aux(head, 'redis-bits', '64');
  aux(head, 'ctime', String(Math.floor(Date.now() / 1000)));
  aux(head, 'used-mem', String(process.memoryUsage().heapUsed));
  if (opts.repl) {
    aux(head, 'repl-stream-db', String(opts.repl.streamDb));
    aux(head, 'repl-id', opts.repl.replId);
    aux(head, 'repl-offset', String(opts.repl.offset));
  }
  aux(head, 'aof-base', opts.aofBase ? '1' : '0');
  out.write(Buffer.from(head.view()));
  let db = -1;
  let keys = 0;
  for (;;) {
    const slice = snapshot.nextSlice(2000);
    if (slice.length === 0) break;
    const w = new ByteSink();
    for (const e of slice) {
      if (e.db !== db) {
        db = e.db;
        const d = server.keyspace.db(db);
        w.u8(OP_SELECTDB);
        writeLength(w, db);
        w.u8(OP_RESIZEDB);
        writeLength(w, d.dict.size);
        writeLength(w, d.expires.size);
      }
      if (e.expireAt >= 0) {
        w.u8(OP_EXPIRETIME_MS);
        w.i64le(BigInt(e.expireAt));
      }
      // writeValue writes the type byte; the key goes between type and value.
      const v = new ByteSink();
      writeValue(v, e.value, limits);
      const vb = v.view();
      w.u8(vb[0]!);
      writeString(w, e.key, limits);
      w.bytes(vb.subarray(1));
      keys++;
    }
    out.write(Buffer.from(w.view()));
    yield;
  }
  out.finish();
  return keys;
}

/**
 * Load an RDB image into the keyspace. Keys already expired are skipped (as a primary
 * does). Returns [keys loaded, bytes consumed]. Throws RdbLoadError naming the offset.
 * `progress` (INFO's loading fields) is told the position, plus `offset` when the image is
 * part of something larger (an AOF), every thousand keys or so.
 */
/** The replication aux fields of a loaded RDB (repl-id, repl-offset, repl-stream-db), when all are valid. */
export interface RdbReplAux {
  stamp: ReplicationStamp | null;
}

export function* loadRdb(server: ServerContext, data: Buffer, source: string, progress?: LoadingProgress, offset = 0, replAux?: RdbReplAux): Generator<void, [number, number]> {
  if (data.length < 9 || data.toString('latin1', 0, 5) !== 'REDIS') throw new RdbLoadError(`Wrong signature trying to load DB from file ${source}`);
  const version = Number(data.toString('latin1', 5, 9));
  if (!Number.isInteger(version) || version < 1 || version > 10) {
    throw new RdbLoadError(`Can't handle RDB format version ${data.toString('latin1', 5, 9)} in ${source}`);
  }
  const r = new RdbReader(data, 9);
  const now = Date.now();
  let db = server.keyspace.db(0);
  let expireAt = -1;
  let loaded = 0;
  let expired = 0;
  let lastYield = performance.now();
  let n = 0;
  const repl: Record<string, string> = {};
  try {
    for (;;) {
      const op = r.u8();
      if (op === OP_EOF) break;
      switch (op) {
        case OP_AUX: {
          const name = r.string();
          const value = r.string();
          if (name === 'used-mem' && progress) progress.rdbUsedMem = Number(value) || 0;
          else if (name === 'repl-id' || name === 'repl-offset' || name === 'repl-stream-db') repl[name] = value;
          continue;
        }
        case OP_SELECTDB: {
          const id = r.length();
          if (id >= server.keyspace.dbs.length) {
            throw new RdbLoadError(`FATAL: Data file was created with a Redis server configured to handle more than ${server.keyspace.dbs.length} databases. Exiting`);
          }
          db = server.keyspace.db(id);
          continue;
        }
        case OP_RESIZEDB:
          r.length();
          r.length();
          continue;
        case OP_EXPIRETIME_MS: {
          const b = r.bytes(8);
          expireAt = Number(b.readBigInt64LE(0));
          continue;
        }
        case OP_EXPIRETIME: {
          const b = r.bytes(4);
          expireAt = b.readInt32LE(0) * 1000;
          continue;
        }
        case OP_IDLE:
          r.length();
          continue;
        case OP_FREQ:
          r.u8();
          continue;
        case OP_MODULE_AUX:
          throw new RdbLoadError('module data in RDB is not supported');
        case OP_FUNCTION2:
        case OP_FUNCTION_PRE_GA:
          // Function libraries (Redis 7 scripting): dssm has no scripting; refuse rather than drop.
          throw new RdbLoadError('the RDB holds function libraries, which dssm does not support');
        default: {
          const key = r.string();
          const value = readObject(r, op);
          if (expireAt >= 0 && expireAt <= now && !server.keyspace.replicaMode) {
            expireAt = -1;
            expired++;
            continue;
          }
          db.dict.set(key, value);
          if (expireAt >= 0) db.expires.set(key, expireAt);
          expireAt = -1;
          loaded++;
          if ((++n & 1023) === 0) {
            if (progress) {
              progress.loadedBytes = offset + r.pos;
              progress.rdbKeysLoaded = loaded;
              progress.rdbKeysExpired = expired;
            }
            if (performance.now() - lastYield > 50) {
              yield;
              lastYield = performance.now();
            }
          }
        }
      }
    }
  } catch (err) {
    if (err instanceof RdbFormatError) throw new RdbLoadError(`Short read or corrupt data loading ${source} at offset ${r.pos}: ${err.message}`);
    throw err;
  }
  // The checksum covers everything up to and including EOF.
  if (version >= 5 && r.pos + 8 <= data.length) {
    const stored = data.subarray(r.pos, r.pos + 8);
    const zero = stored.every((b) => b === 0);
    if (!zero && server.config.get('rdbchecksum') === 'yes') {
      const s = crc64Update({ lo: 0, hi: 0 }, data, 0, r.pos);
      if (stored.readUInt32LE(0) !== s.lo || stored.readUInt32LE(4) !== s.hi) {
        throw new RdbLoadError(`Wrong RDB checksum in ${source}. Aborting now.`);
      }
    }
    r.pos += 8;
  }
  if (progress) {
    progress.loadedBytes = offset + r.pos;
    progress.rdbKeysLoaded = loaded;
    progress.rdbKeysExpired = expired;
  }
  server.keyspace.dirty = 0;
  // As Redis's loadDataFromDisk: all three fields, valid (repl-stream-db -1 from old writers is not).
  if (replAux) replAux.stamp = parseStamp(repl['repl-id'], repl['repl-offset'], repl['repl-stream-db']);
  return [loaded, r.pos];
}

/**
 * dump.rdb management: SAVE, BGSAVE, `save` rules, load at start, INFO fields.
 */
export class Snapshots {
  inProgress = false;
  lastBgsaveFailed = false;
  private lastSave = Math.floor(Date.now() / 1000);
  private lastAttempt = 0;
  private dirtyAtSave = 0;
  private saves = 0;
  private lastBgsaveSeconds = -1;
  private currentStart = 0;
  private current: KeyspaceSnapshot | null = null;
  private scheduled = false;
  private waiters: (() => void)[] = [];
  /** The load in progress (or the last one): INFO's loading_* and rdb_last_load_* fields. */
  readonly loading = new LoadingProgress();

  constructor(private readonly server: ServerContext) {}

  /** The codec an AOF uses for RDB-format bases. */
  readonly codec: RdbCodec = {
    loadInto: async (server, data, source, offset, replAux) => (await runAsync(loadRdb(server, data, source, this.loading, offset, replAux)))[1],
    writeSnapshot: async (server, snapshot, fd, opts) => {
      await runAsync(writeRdbSnapshot(server, snapshot, fd, { aofBase: opts.aofBase, repl: opts.repl }));
    },
  };

  /**
   * What SAVE, BGSAVE and shutdown record in repl-id/repl-offset/repl-stream-db: the node's
   * real replication position when it has a history (Redis's rdbPopulateSaveInfo), so that
   * a restart from this file continues with PSYNC.
   */
  private replicationStamp(): ReplicationStamp | null {
    return this.server.ext.replicationState?.stamp() ?? null;
  }

  get file(): string {
    return path.join(this.server.config.get('dir'), this.server.config.get('dbfilename'));
  }

  get lastSaveTime(): number {
    return this.lastSave;
  }

  markLoaded(): void {
    this.dirtyAtSave = this.server.keyspace.dirty;
  }

  /**
   * Load dump.rdb (at start), reporting progress through `loading`. Returns the keys loaded
   * and the replication position the file records (null without one).
   */
  async load(file: string): Promise<{ keys: number; stamp: ReplicationStamp | null }> {
    const data = fs.readFileSync(file);
    this.loading.start('RDB', data.length, () => this.loading.rdbKeysLoaded);
    try {
      const aux: RdbReplAux = { stamp: null };
      const [keys] = await runAsync(loadRdb(this.server, data, file, this.loading, 0, aux));
      log('info', `Done loading RDB, keys loaded: ${keys}, keys expired: ${this.loading.rdbKeysExpired}.`, { keys, expired: this.loading.rdbKeysExpired });
      this.dirtyAtSave = this.server.keyspace.dirty;
      return { keys, stamp: aux.stamp };
    } finally {
      this.loading.finish();
    }
  }

  /** SAVE: write synchronously (blocks, as Redis's SAVE does). */
  saveSync(): void {
    const snapshot = new KeyspaceSnapshot(this.server.keyspace);
    const dirtyBefore = this.server.keyspace.dirty;
    const tmp = path.join(this.server.config.get('dir'), `temp-${process.pid}.rdb`);
    try {
      const fd = fs.openSync(tmp, 'w');
      try {
        runSync(writeRdbSnapshot(this.server, snapshot, fd, { aofBase: false, repl: this.replicationStamp() }));
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, this.file);
      fsyncDir(path.dirname(this.file));
      this.saved(dirtyBefore, true);
      log('info', 'DB saved on disk', {});
    } catch (err) {
      snapshot.finish();
      fs.rmSync(tmp, { force: true });
      this.lastBgsaveFailed = true;
      log('error', `Failed saving the DB: ${strerror(err)}`, { error: strerror(err), detail: (err as Error).message });
      throw err;
    }
  }

  private saved(dirtyBefore: number, ok: boolean): void {
    if (ok) {
      this.dirtyAtSave = dirtyBefore;
      this.lastSave = Math.floor(Date.now() / 1000);
      this.saves++;
      this.lastBgsaveFailed = false;
    }
  }

  /** BGSAVE: write from a snapshot while serving. */
  background(): void {
    if (this.inProgress) return;
    this.inProgress = true;
    this.scheduled = false;
    this.lastAttempt = Date.now();
    this.currentStart = performance.now();
    const dirtyBefore = this.server.keyspace.dirty;
    const snapshot = new KeyspaceSnapshot(this.server.keyspace);
    // The replication position at the instant of the snapshot (the file holds that dataset).
    const repl = this.replicationStamp();
    this.current = snapshot;
    const tmp = path.join(this.server.config.get('dir'), `temp-bg-${process.pid}.rdb`);
    log('info', 'Background saving started', { keys: snapshot.totalKeys });
    void (async () => {
      let ok = false;
      let stopReports = () => {};
      try {
        const fd = fs.openSync(tmp, 'w');
        stopReports = reportSnapshotProgress('Background saving', () => ({ keysDone: snapshot.visited, keysTotal: snapshot.totalKeys, bytes: openFileSize(fd) }));
        try {
          await runAsync(writeRdbSnapshot(this.server, snapshot, fd, { aofBase: false, repl }));
          fs.fsyncSync(fd);
        } finally {
          stopReports();
          fs.closeSync(fd);
        }
        fs.renameSync(tmp, this.file);
        fsyncDir(path.dirname(this.file));
        ok = true;
        log('info', 'Background saving terminated with success', {});
      } catch (err) {
        snapshot.finish();
        fs.rmSync(tmp, { force: true });
        log('warn', `Write error saving DB on disk: ${strerror(err)}`, { detail: (err as Error).message });
        log('error', 'Background saving error', { error: strerror(err) });
      } finally {
        stopReports();
        this.inProgress = false;
        this.current = null;
        this.lastBgsaveSeconds = Math.round((performance.now() - this.currentStart) / 1000);
        this.lastBgsaveFailed = !ok;
        this.saved(dirtyBefore, ok);
        const w = this.waiters;
        this.waiters = [];
        for (const f of w) f();
      }
    })();
  }

  schedule(): void {
    this.scheduled = true;
  }

  /** The `save <seconds> <changes>` rules and scheduled BGSAVEs, checked by the server cron. */
  cron(): void {
    // One snapshot at a time: an AOF rewrite or a full sync in progress makes the rules wait.
    if (this.inProgress || activeSnapshot() !== null) return;
    const aof = this.server.ext.persistence?.aof;
    if (aof?.status.rewriteInProgress) return;
    if (this.scheduled) return this.background();
    const rules = this.server.config.get('save').split(/\s+/).filter(Boolean).map(Number);
    if (rules.length === 0) return;
    const changes = this.server.keyspace.dirty - this.dirtyAtSave;
    const now = Date.now();
    const since = now / 1000 - this.lastSave;
    // After a failed save, retry no sooner than 5 s (CONFIG_BGSAVE_RETRY_DELAY).
    if (this.lastBgsaveFailed && now - this.lastAttempt < 5000) return;
    for (let i = 0; i + 1 < rules.length; i += 2) {
      if (changes >= rules[i + 1]! && since >= rules[i]!) {
        log('info', `${rules[i + 1]} changes in ${rules[i]} seconds. Saving...`, {});
        return this.background();
      }
    }
  }

  /** On shutdown, save if save rules are configured (as Redis does unless NOSAVE). */
  async onShutdown(opts: { save?: boolean } = {}): Promise<void> {
    const rules = this.server.config.get('save');
    if (opts.save === false) return;
    if (rules === '' && opts.save !== true) return;
    if (this.inProgress) await new Promise<void>((r) => this.waiters.push(r));
    try {
      this.saveSync();
    } catch {
      /* logged */
    }
  }

  infoFields(): [string, string | number][] {
    const processed = this.current ? this.current.visited : 0;
    return [
      ['rdb_changes_since_last_save', this.server.keyspace.dirty - this.dirtyAtSave],
      ['rdb_bgsave_in_progress', this.inProgress ? 1 : 0],
      ['rdb_last_save_time', this.lastSave],
      ['rdb_last_bgsave_status', this.lastBgsaveFailed ? 'err' : 'ok'],
      ['rdb_last_bgsave_time_sec', this.lastBgsaveSeconds],
      ['rdb_current_bgsave_time_sec', this.inProgress ? Math.round((performance.now() - this.currentStart) / 1000) : -1],
      ['rdb_saves', this.saves],
      ['rdb_last_load_keys_expired', this.loading.rdbKeysExpired],
      ['rdb_last_load_keys_loaded', this.loading.rdbKeysLoaded],
      ['current_save_keys_processed', processed],
      ['current_save_keys_total', this.current ? this.current.totalKeys : 0],
    ];
  }
}
