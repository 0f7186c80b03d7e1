/**
 * The append-only file, in Redis 7's multi-part layout so that redis-server can load what
 * dssm writes and the other way round:
 *
 *   <dir>/<appenddirname>/<appendfilename>.manifest        which files, in order
 *   <dir>/<appenddirname>/<appendfilename>.<seq>.base.rdb  (or .base.aof) the dataset at the last rewrite
 *   <dir>/<appenddirname>/<appendfilename>.<seq>.incr.aof  every write since, as RESP commands
 *
 * Data-safety contract: a write is acknowledged only after it is in the AOF buffer, and the
 * buffer reaches the file before any reply of the same event-loop turn leaves (see the
 * reply gate in net/session.ts); with `appendfsync always` it is also fsynced first. With
 * `everysec` an fsync runs in the background once a second, so a crash loses at most about
 * the last second.
 */
import fs from 'node:fs';
import path from 'node:path';
import { splitArgs, RespReader, ProtocolError } from '../protocol/resp-reader.js';
import { log } from '../observe/events.js';
import type { ServerContext } from '../commands/context.js';
import { ReplayClient } from './replay-client.js';
import { KeyspaceSnapshot, SnapshotAborted, activeSnapshot, type SnapshotEntry } from './snapshot.js';
import type { RValue } from '../keyspace/keyspace.js';
import type { RList } from '../keyspace/types/list.js';
import type { RSet } from '../keyspace/types/set.js';
import type { RZSet } from '../keyspace/types/zset.js';
import type { RHash } from '../keyspace/types/hash.js';
import { formatDouble } from '../protocol/resp-writer.js';
import { reportSnapshotProgress, type LoadingProgress } from './loading.js';
import { ANNOTATION_PREFIX, annotationLine, parseStamp, type ReplicationStamp } from './repl-stamp.js';
import { commandLength, writeCommand } from '../protocol/resp-command.js';

export type AofFileType = 'b' | 'i' | 'h';

export interface AofFileInfo {
  file: string;
  seq: number;
  type: AofFileType;
}

export interface AofManifest {
  base: AofFileInfo | null;
  incrs: AofFileInfo[];
  history: AofFileInfo[];
}

/** The RESP encoding of a command, as a latin1 string (one char per byte). */
export function encodeCommandText(argv: readonly string[]): string {
  let s = '*' + argv.length + '\r\n';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    s += '$' + a.length + '\r\n' + a + '\r\n';
  }
  return s;
}

/** Parse a manifest file's text; throws with the line on malformed content. */
export function parseManifest(text: string, source: string): AofManifest {
  const m: AofManifest = { base: null, incrs: [], history: [] };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const words = splitArgs(line);
    if (!words || words.length % 2 !== 0) throw new Error(`Invalid AOF manifest file format: ${source} line ${i + 1}`);
    const kv = new Map<string, string>();
    for (let j = 0; j < words.length; j += 2) kv.set(words[j]!, words[j + 1]!);
    const file = kv.get('file');
    const seq = Number(kv.get('seq'));
    const type = kv.get('type') as AofFileType | undefined;
    if (!file || !Number.isInteger(seq) || (type !== 'b' && type !== 'i' && type !== 'h')) {
      throw new Error(`Invalid AOF manifest file format: ${source} line ${i + 1}`);
    }
    const info = { file, seq, type };
    if (type === 'b') {
      if (m.base) throw new Error(`Found duplicate base file information in ${source} line ${i + 1}`);
      m.base = info;
    } else if (type === 'i') m.incrs.push(info);
    else m.history.push(info);
  }
  return m;
}

function quoteIfNeeded(name: string): string {
  return /[\s"'\\]/.test(name) ? JSON.stringify(name) : name;
}

export function renderManifest(m: AofManifest): string {
  const lines: string[] = [];
  const row = (f: AofFileInfo) => `file ${quoteIfNeeded(f.file)} seq ${f.seq} type ${f.type}\n`;
  if (m.base) lines.push(row(m.base));
  for (const h of m.history) lines.push(row(h));
  for (const f of m.incrs) lines.push(row(f));
  return lines.join('');
}

/** Write a file atomically: temp file, fsync, rename, fsync the directory. */
export function writeFileAtomic(file: string, data: string | Buffer): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDir(path.dirname(file));
}

/** Size of an open file (progress reports); 0 if it cannot be read. */
export function openFileSize(fd: number): number {
  try {
    return fs.fstatSync(fd).size;
  } catch {
    return 0;
  }
}

export function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    /* some filesystems refuse fsync on directories */
  }
}

/** Hooks into the RDB codec (persistence/rdb.ts) when present: a base may be an RDB file. */
export interface RdbCodec {
  /**
   * Load an RDB image into the keyspace, yielding to the event loop now and then; returns
   * bytes consumed. `offset` is where the image starts in the whole load (progress). Throws
   * on corruption.
   */
  loadInto(server: ServerContext, data: Buffer, source: string, offset: number, replAux?: { stamp: ReplicationStamp | null }): Promise<number>;
  /**
   * Serialize a snapshot slice by slice into fd; `aofBase` marks it as an AOF base, `repl`
   * is the replication position the snapshot corresponds to (aux fields).
   */
  writeSnapshot(server: ServerContext, snapshot: KeyspaceSnapshot, fd: number, opts: { aofBase: boolean; repl?: ReplicationStamp | null }): Promise<void>;
}

export class AofError extends Error {}

export interface AofLoadResult {
  keys: number;
  commands: number;
  /** The last replication position recorded (base aux fields or annotation), or null. */
  stamp: ReplicationStamp | null;
  /** Commands replayed after that position: the data is ahead of it. */
  commandsAfterStamp: number;
  /** Bytes of commands after the last position dropped from the last file (a replica's torn write). */
  droppedBytes: number;
}

/** Replication annotations met while replaying (see AppendOnlyFile.load). */
interface ReplayAnnotations {
  stamp: ReplicationStamp | null;
  after: number;
  /** Stop replaying (and truncate) at this offset of the current file; -1: never. */
  stopAt: number;
  dropped: number;
}

/**
 * The offset just after the last complete `#dssm-repl:` line of an AOF file (from `start`),
 * or -1. A candidate found inside a binary value is harmless: replay then never lands on it
 * and treats the rest as commands after the last position.
 */
function lastAnnotationEnd(data: Buffer, start: number): number {
  let from = data.length;
  for (;;) {
    const at = data.lastIndexOf(ANNOTATION_PREFIX, from, 'latin1');
    if (at < start) return -1;
    if (at === start || data[at - 1] === 10) {
      const nl = data.indexOf(10, at);
      if (nl >= 0) return nl + 1;
    }
    if (at === 0) return -1;
    from = at - 1;
  }
}

/** strerror(3) texts for the errors a disk gives, as Redis prints them in MISCONF replies and logs. */
const STRERROR: Record<string, string> = {
  ENOSPC: 'No space left on device',
  EIO: 'Input/output error',
  EROFS: 'Read-only file system',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EDQUOT: 'Disk quota exceeded',
  EFBIG: 'File too large',
  EBADF: 'Bad file descriptor',
  ENOENT: 'No such file or directory',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  EMFILE: 'Too many open files',
  ENFILE: 'Too many open files in system',
};

/** The C library's text for a Node.js system error (its message otherwise). */
export function strerror(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code && STRERROR[code]) return STRERROR[code]!;
  return (err as Error)?.message ?? String(err);
}

/** Redis logs a persisting AOF write error at most every 30 seconds (AOF_WRITE_LOG_ERROR_RATE). */
const WRITE_ERROR_LOG_EVERY_MS = 30_000;

const ITEMS_PER_COMMAND = 64; // Redis's AOF_REWRITE_ITEMS_PER_CMD

const BUFFER_INITIAL = 64 * 1024;
const BUFFER_KEEP_MAX = 1024 * 1024;

/** Commands that recreate one key, as an AOF rewrite writes them. */
export function commandsForEntry(key: string, value: RValue, expireAt: number): string[][] {
  const out: string[][] = [];
  if (typeof value === 'string') {
    out.push(['SET', key, value]);
  } else {
    const batch = (cmd: string, items: Iterable<string[]>) => {
      let cur: string[] = [cmd, key];
      let n = 0;
      for (const it of items) {
        cur.push(...it);
        if (++n === ITEMS_PER_COMMAND) {
          out.push(cur);
          cur = [cmd, key];
          n = 0;
        }
      }
      if (n > 0) out.push(cur);
    };
    switch (value.type) {
      case 'list':
        batch(
          'RPUSH',
          map((value as RList).items(), (v) => [v]),
        );
        break;
      case 'set':
        batch(
          'SADD',
          map((value as RSet).members(), (v) => [v]),
        );
        break;
      case 'zset':
        batch(
          'ZADD',
          map((value as RZSet).entries(), ([m, s]) => [formatDouble(s), m]),
        );
        break;
      case 'hash':
        batch(
          'HMSET',
          map((value as RHash).entries(), ([f, v]) => [f, v]),
        );
        break;
      default:
        throw new AofError(`cannot rewrite a value of type ${value.type}`);
    }
  }
  if (expireAt >= 0) out.push(['PEXPIREAT', key, String(expireAt)]);
  return out;
}

function* map<T, U>(it: Iterable<T>, f: (x: T) => U): IterableIterator<U> {
  for (const x of it) yield f(x);
}

export interface AofStatus {
  enabled: boolean;
  rewriteInProgress: boolean;
  rewriteScheduled: boolean;
  lastRewriteSeconds: number;
  rewriteStartedAt: number;
  lastRewriteStatus: 'ok' | 'err';
  rewrites: number;
  consecutiveFailures: number;
  lastWriteStatus: 'ok' | 'err';
  lastWriteError: string;
  currentSize: number;
  baseSize: number;
  delayedFsync: number;
}

export class AppendOnlyFile {
  readonly dir: string;
  readonly manifestPath: string;
  manifest: AofManifest = { base: null, incrs: [], history: [] };
  private fd: number | null = null;
  /** Commands not yet written to the file: buf[0..len), RESP encoded in place. */
  private buf = Buffer.allocUnsafe(BUFFER_INITIAL);
  private len = 0;
  private selectedDb = -1;
  /** Commands in the buffer after its last replication annotation (see annotate()). */
  private unannotated = false;
  /** The last replication position written (or the one the loaded files end with). */
  private lastStamp: ReplicationStamp | null = null;
  /**
   * A replica loading a full sync: the files hold the previous dataset, so no position of
   * the new history may be written until a rewrite started after that gives them a new base
   * (the generation a rewrite must have started in to lift it).
   */
  private stampsSuspendedGen = -1;
  private generation = 0;
  /** When the cron last looked for an unrecorded position (recordPosition). */
  private lastPositionCheck = 0;
  /** The end-of-turn write is scheduled (see propagate()). */
  private flushScheduled = false;
  private readonly flushBound = () => {
    this.flushScheduled = false;
    this.flush();
  };
  private fsyncTimer: NodeJS.Timeout | null = null;
  /** The rewrite in progress: its snapshot (abortRewrite stops it) and its end. */
  private rewriteJob: { snapshot: KeyspaceSnapshot; done: Promise<void> } | null = null;
  private writtenSinceFsync = false;
  private fsyncInFlight = false;
  /** Size of the current incr file and of everything at the last rewrite (auto-rewrite). */
  private incrSize = 0;
  readonly status: AofStatus = {
    enabled: false,
    rewriteInProgress: false,
    rewriteScheduled: false,
    lastRewriteSeconds: -1,
    rewriteStartedAt: 0,
    lastRewriteStatus: 'ok',
    rewrites: 0,
    consecutiveFailures: 0,
    lastWriteStatus: 'ok',
    lastWriteError: '',
    currentSize: 0,
    baseSize: 0,
    delayedFsync: 0,
  };
  rdb: RdbCodec | null = null;

  constructor(private readonly server: ServerContext) {
    const cfg = server.config;
    this.dir = path.join(cfg.get('dir'), cfg.get('appenddirname'));
    this.manifestPath = path.join(this.dir, `${cfg.get('appendfilename')}.manifest`);
  }

  private get fileBase(): string {
    return this.server.config.get('appendfilename');
  }

  /** Whether there is an AOF to load. */
  exists(): boolean {
    return fs.existsSync(this.manifestPath);
  }

  /** True while there are bytes not yet written to the file. */
  get hasPending(): boolean {
    return this.len !== 0;
  }

  /** Append a write's effect to the buffer (the propagation sink). */
  propagate(dbIndex: number, argv: readonly string[]): void {
    if (this.fd === null) return;
    // One write per event-loop turn even when no client reply waits for it (a replica
    // applying its primary's stream): the buffer never outlives the turn that filled it.
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushBound);
    }
    this.unannotated = true;
    if (dbIndex !== this.selectedDb) {
      this.encode(['SELECT', String(dbIndex)]);
      this.selectedDb = dbIndex;
    }
    this.encode(argv);
  }

  /**
   * Encode a command as RESP straight into the buffer: no intermediate strings, which at
   * pipelined write rates were most of the AOF's cost (garbage per command).
   */
  private encode(argv: readonly string[]): void {
    const n = commandLength(argv);
    if (this.len + n > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
      this.buf.copy(grown, 0, 0, this.len);
      this.buf = grown;
    }
    this.len = writeCommand(this.buf, this.len, argv);
  }

  /**
   * Write the buffer to the file (and fsync under `always`). Called before replies leave.
   * On failure the data stays buffered (a partial write is undone with ftruncate, or else
   * dropped from the buffer), writes are refused with MISCONF, the install's reply gate
   * keeps the affected replies, and the server cron retries; with `always` the process
   * exits, as Redis does: it must not acknowledge what it could not log.
   */
  flush(): void {
    if (this.fd === null) return;
    if (this.unannotated) this.annotate();
    if (this.len === 0) return;
    const data = this.buf;
    const len = this.len;
    let off = 0;
    try {
      while (off < len) off += fs.writeSync(this.fd, data, off, len - off);
      this.len = 0;
      // A burst may have grown the buffer: give the memory back.
      if (data.length > BUFFER_KEEP_MAX) this.buf = Buffer.allocUnsafe(BUFFER_INITIAL);
      this.incrSize += len;
      this.status.currentSize += len;
      if (this.server.config.get('appendfsync') === 'always') fs.fsyncSync(this.fd);
      else this.writtenSinceFsync = true;
      if (this.status.lastWriteStatus === 'err') this.recovered();
    } catch (err) {
      if (off > 0) {
        // Undo the partial write so that the retry does not duplicate it; if the file
        // cannot be cut back, keep what reached it and retry only the rest.
        try {
          fs.ftruncateSync(this.fd, this.incrSize);
        } catch {
          data.copyWithin(0, off, len);
          this.len = len - off;
          this.incrSize += off;
          this.status.currentSize += off;
          log('warn', 'Could not remove short write from the append-only file. Redis may refuse to load the AOF the next time it starts. ftruncate: ' + strerror(err), {});
        }
      }
      this.writeFailed(err);
      if (this.server.config.get('appendfsync') === 'always') {
        log('fatal', "Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...", {});
        process.exit(1);
      }
    }
  }

  /**
   * After the commands of a write batch, the replication position they bring the data to
   * (`#dssm-repl:<replid> <offset> <db>`), when the node has a replication history: a
   * restart from this AOF continues that history (replication/restore.ts). One short line
   * per batch (per event-loop turn), in the same write as the commands; Redis's loader
   * skips lines that start with '#'.
   */
  private annotate(): void {
    this.unannotated = false;
    if (this.stampsSuspendedGen >= 0) return;
    const stamp = this.server.ext.replicationState?.stamp();
    if (!stamp) return;
    this.lastStamp = stamp;
    const line = annotationLine(stamp);
    if (this.len + line.length > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + line.length));
      this.buf.copy(grown, 0, 0, this.len);
      this.buf = grown;
    }
    this.len += this.buf.latin1Write(line, this.len);
  }

  /**
   * Record the replication position when it moved without data (the primary's PINGs,
   * REPLCONF GETACK): an annotation-only line, so that a node restarted from this AOF is not
   * a few bytes behind its replicas (which would then refuse its full sync). Called by the
   * cron (`everyMs` apart at most) and, with 0, at close. Anything buffered is written with
   * it; the position is the one the data in memory corresponds to (a replica's applied
   * offset, before a MULTI it has queued), and all of that data is in the buffer or file.
   */
  recordPosition(everyMs = 0): void {
    if (this.fd === null || this.stampsSuspendedGen >= 0 || this.status.lastWriteStatus === 'err') return;
    if (everyMs > 0) {
      const now = performance.now();
      if (now - this.lastPositionCheck < everyMs) return;
      this.lastPositionCheck = now;
    }
    const stamp = this.server.ext.replicationState?.stamp();
    if (!stamp) return;
    const last = this.lastStamp;
    if (last !== null && last.replId === stamp.replId && last.offset === stamp.offset && last.streamDb === stamp.streamDb) return;
    this.unannotated = true;
    this.flush();
  }

  /**
   * A replica is about to replace its dataset with a full sync: the files keep the previous
   * dataset and its position until a rewrite gives them the new one; meanwhile no position is
   * recorded (a crash restores the previous dataset with its own position, and the commands
   * of the new history written after it are dropped as a torn tail).
   */
  suspendStamps(): void {
    this.stampsSuspendedGen = ++this.generation;
  }

  private lastErrorLog = 0;

  private writeFailed(err: unknown): void {
    const text = strerror(err);
    const first = this.status.lastWriteStatus === 'ok';
    this.status.lastWriteStatus = 'err';
    this.status.lastWriteError = text;
    const now = Date.now();
    if (first || now - this.lastErrorLog >= WRITE_ERROR_LOG_EVERY_MS) {
      this.lastErrorLog = now;
      log('error', `Error writing to the AOF file: ${text}`, { code: (err as NodeJS.ErrnoException).code, pending: this.len });
    }
  }

  private recovered(): void {
    log('warn', 'AOF write error looks solved, Redis can write again.', {});
    this.status.lastWriteStatus = 'ok';
    this.status.lastWriteError = '';
  }

  /**
   * Retry after a write or fsync error (the server cron): write what is buffered, or when
   * nothing is (a failed background fsync), fsync again. Returns true when the AOF is
   * healthy again.
   */
  retry(): boolean {
    if (this.status.lastWriteStatus === 'ok') return true;
    if (this.fd === null) return false;
    if (this.len !== 0) {
      this.flush();
      return this.len === 0 && (this.status.lastWriteStatus as string) === 'ok';
    }
    try {
      fs.fsyncSync(this.fd);
      this.recovered();
      return true;
    } catch (err) {
      this.writeFailed(err);
      return false;
    }
  }

  /** Background fsync once a second for `everysec`. */
  private fsyncTick(): void {
    if (this.fd === null || !this.writtenSinceFsync) return;
    if (this.server.config.get('appendfsync') !== 'everysec') return;
    if (this.fsyncInFlight) {
      this.status.delayedFsync++;
      return;
    }
    this.writtenSinceFsync = false;
    this.fsyncInFlight = true;
    fs.fsync(this.fd, (err) => {
      this.fsyncInFlight = false;
      if (err) {
        log('error', `Error trying to fsync the AOF file: ${strerror(err)}`, {});
        this.writeFailed(err);
      }
    });
  }

  private incrName(seq: number): string {
    return `${this.fileBase}.${seq}.incr.aof`;
  }

  private writeManifest(): void {
    writeFileAtomic(this.manifestPath, renderManifest(this.manifest));
  }

  /** Open for appending: the last incr file of the manifest, or a fresh set when there is none. */
  async open(): Promise<void> {
    fs.mkdirSync(this.dir, { recursive: true });
    if (!this.exists()) {
      // First start with appendonly on: the current dataset becomes the base, as Redis does.
      await this.rewrite({ onStart: true });
    } else {
      const last = this.manifest.incrs[this.manifest.incrs.length - 1];
      if (!last) {
        const seq = 1;
        this.manifest.incrs.push({ file: this.incrName(seq), seq, type: 'i' });
        this.writeManifest();
      }
      const incr = this.manifest.incrs[this.manifest.incrs.length - 1]!;
      // Already appending to it when an aborted rewrite opened it (enableAof).
      if (this.fd === null) {
        this.fd = fs.openSync(path.join(this.dir, incr.file), 'a');
        this.selectedDb = -1;
      }
    }
    // What the files end with: the position restored from them, or the base's just written.
    this.lastStamp = this.server.ext.replicationState?.stamp() ?? null;
    this.status.enabled = true;
    this.fsyncTimer = setInterval(() => this.fsyncTick(), 1000);
    this.fsyncTimer.unref();
  }

  /**
   * Load the AOF into the keyspace: base (RDB or AOF format), then each incr file. A
   * truncated tail of the last file is trimmed with a warning (aof-load-truncated yes);
   * anything else refuses to start, naming the file and offset. `progress` gets the total
   * size of the files and the bytes loaded (INFO's loading fields, the progress log).
   */
  async load(progress?: LoadingProgress): Promise<AofLoadResult> {
    this.manifest = parseManifest(fs.readFileSync(this.manifestPath, 'latin1'), this.manifestPath);
    const files: AofFileInfo[] = [...(this.manifest.base ? [this.manifest.base] : []), ...this.manifest.incrs];
    let total = 0;
    for (const f of files) {
      try {
        total += fs.statSync(path.join(this.dir, f.file)).size;
      } catch {
        throw new AofError(`The AOF file ${f.file} doesn't exist`);
      }
    }
    progress?.start('AOF', total, () => this.server.keyspace.totalKeys());
    try {
      const client = new ReplayClient(this.server);
      let commands = 0;
      let loaded = 0;
      const repl: ReplayAnnotations = { stamp: null, after: 0, stopAt: -1, dropped: 0 };
      const asReplica = this.server.ext.replicationState?.startsAsReplica() === true;
      for (let i = 0; i < files.length; i++) {
        const f = files[i]!;
        const full = path.join(this.dir, f.file);
        const data = fs.readFileSync(full);
        const isLast = i === files.length - 1;
        let start = 0;
        if (data.length >= 5 && data.toString('latin1', 0, 5) === 'REDIS') {
          if (!this.rdb) throw new AofError(`${f.file}: an RDB-format base needs the RDB codec`);
          log('info', `Reading RDB base file on AOF loading...`, { file: f.file });
          const aux: { stamp: ReplicationStamp | null } = { stamp: null };
          start = await this.rdb.loadInto(this.server, data, full, loaded, aux);
          // The base's own position (its aux fields) covers the data in it.
          if (aux.stamp !== null) {
            repl.stamp = aux.stamp;
            repl.after = 0;
          }
        }
        // A replica drops commands after the last annotation of the last file (a torn
        // write): the stored offset would be behind them, and its primary sends them again.
        repl.stopAt = -1;
        if (isLast && asReplica && f.type === 'i') {
          const end = lastAnnotationEnd(data, start);
          if (end >= 0) repl.stopAt = end;
          else if (repl.stamp !== null && repl.after === 0) repl.stopAt = start;
        }
        const base = loaded;
        commands += await this.replay(client, data, start, full, isLast, progress ? (at) => (progress.loadedBytes = base + at) : null, repl);
        loaded += data.length;
        if (progress) progress.loadedBytes = loaded;
        if (f.type === 'b') this.status.baseSize = data.length;
      }
      this.status.currentSize = total;
      const last = files[files.length - 1];
      this.incrSize = last && last.type === 'i' ? fs.statSync(path.join(this.dir, last.file)).size : 0;
      return { keys: this.server.keyspace.totalKeys(), commands, stamp: repl.stamp, commandsAfterStamp: repl.after, droppedBytes: repl.dropped };
    } finally {
      progress?.finish();
    }
  }

  /**
   * Replay RESP commands from data[start..]; returns the count. Yields to the event loop
   * every ~50 ms so that clients get LOADING replies rather than silence, and tells
   * `progress` the offset reached every thousand commands or so.
   */
  private async replay(client: ReplayClient, data: Buffer, start: number, file: string, isLast: boolean, progress: ((offset: number) => void) | null, repl: ReplayAnnotations): Promise<number> {
    let lastYield = performance.now();
    const reader = new RespReader({ maxBulkLen: Number.MAX_SAFE_INTEGER, authRequired: () => false });
    reader.feed(data.subarray(start));
    let n = 0;
    let validUpTo = start;
    let beforeMulti = -1;
    for (;;) {
      if (validUpTo === repl.stopAt) {
        if (validUpTo < data.length) {
          repl.dropped = data.length - validUpTo;
          log('warn', 'Dropping AOF commands written after the last replication position (torn write): the primary sends them again', { file, offset: validUpTo, bytes: repl.dropped });
          fs.truncateSync(file, validUpTo);
        }
        return n;
      }
      let argv: string[] | null;
      try {
        argv = reader.next();
      } catch (err) {
        if (err instanceof ProtocolError) {
          throw new AofError(`Bad file format reading the append only file ${file} at offset ${validUpTo}: ${err.message}`);
        }
        throw err;
      }
      if (argv === null) break;
      if (argv[0]!.charCodeAt(0) === 35 /* '#' */) {
        // An annotation line (read as an inline request): ours, or Redis's #TS:, skipped.
        if (argv[0]!.startsWith(ANNOTATION_PREFIX)) {
          const stamp = parseStamp(argv[0]!.slice(ANNOTATION_PREFIX.length), argv[1], argv[2]);
          if (stamp !== null) {
            repl.stamp = stamp;
            repl.after = 0;
          }
        }
        validUpTo = data.length - reader.buffered;
        continue;
      }
      const spec = this.server.dispatch.resolve(client, argv);
      if (typeof spec === 'string') {
        throw new AofError(`Unknown command '${argv[0]}' reading the append only file ${file} at offset ${validUpTo}: ${spec}`);
      }
      const name = argv[0]!.toLowerCase();
      if (name === 'multi') beforeMulti = validUpTo;
      client.run(argv);
      if (name === 'exec') beforeMulti = -1;
      validUpTo = data.length - reader.buffered;
      n++;
      repl.after++;
      if ((n & 1023) === 0) {
        progress?.(validUpTo);
        const t = performance.now();
        if (t - lastYield > 50) {
          await new Promise((r) => setImmediate(r));
          lastYield = performance.now();
        }
      }
    }
    // The reader keeps the complete arguments of a partial request, so the safe cut is the
    // end of the last complete command (or the start of an unfinished MULTI).
    if (validUpTo < data.length || beforeMulti >= 0) {
      const cut = beforeMulti >= 0 ? beforeMulti : validUpTo;
      if (!isLast || this.server.config.get('aof-load-truncated') !== 'yes') {
        throw new AofError(
          `Unexpected end of file reading the append only file ${file} at offset ${cut}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`,
        );
      }
      log('warn', '!!! Warning: short read while loading the AOF file !!!', { file, offset: cut });
      log('warn', `AOF ${file} loaded anyway because aof-load-truncated is enabled; truncated to offset ${cut}`, { file, offset: cut });
      fs.truncateSync(file, cut);
      if (beforeMulti >= 0) {
        // The incomplete transaction was never executed (it was queued): drop its queue.
        client.flags.multi = false;
        client.multiQueue = [];
      }
    }
    return n;
  }

  /**
   * Rewrite: start a new incr file at once (new writes go there), then write a new base from
   * a consistent snapshot in slices, then switch the manifest to [new base, new incr] and
   * delete the old files. A crash at any point leaves a loadable manifest. `onStart`: the
   * first base of a new AOF, which Redis does not count as a rewrite.
   */
  async rewrite(opts: { onStart?: boolean } = {}): Promise<void> {
    if (this.status.rewriteInProgress) throw new AofError('Background append only file rewriting already in progress');
    // One snapshot at a time (BGSAVE, a full sync): callers wait for it (rewriteScheduled).
    if (activeSnapshot() !== null) throw new AofError("Can't rewrite the append only file while a snapshot is being written");
    // Never replace a manifest this object has not read: sequence numbers continue from it.
    if (this.manifest.base === null && this.manifest.incrs.length === 0 && this.exists()) {
      this.manifest = parseManifest(fs.readFileSync(this.manifestPath, 'latin1'), this.manifestPath);
    }
    this.status.rewriteInProgress = true;
    this.status.rewriteScheduled = false;
    const generation = this.generation;
    this.status.rewriteStartedAt = Date.now();
    const started = performance.now();
    fs.mkdirSync(this.dir, { recursive: true });
    const seqBase = (this.manifest.base?.seq ?? 0) + 1;
    const seqIncr = (this.manifest.incrs[this.manifest.incrs.length - 1]?.seq ?? 0) + 1;
    // 1. Open the new incr file and make the manifest name it, so every write from now on
    //    survives a crash even before the new base exists.
    this.flush();
    const newIncr: AofFileInfo = { file: this.incrName(seqIncr), seq: seqIncr, type: 'i' };
    const newFd = fs.openSync(path.join(this.dir, newIncr.file), 'a');
    const oldFd = this.fd;
    const oldFiles = [...(this.manifest.base ? [this.manifest.base] : []), ...this.manifest.incrs];
    this.manifest.incrs.push(newIncr);
    this.writeManifest();
    this.fd = newFd;
    this.selectedDb = -1;
    this.incrSize = 0;
    if (oldFd !== null) {
      try {
        fs.fsyncSync(oldFd);
      } finally {
        fs.closeSync(oldFd);
      }
    }
    // 2. The snapshot is taken now, at the same instant the incr file switched; the base
    //    records the replication position of that instant (RDB aux fields or an annotation).
    const snapshot = new KeyspaceSnapshot(this.server.keyspace);
    let ended = () => {};
    this.rewriteJob = { snapshot, done: new Promise<void>((r) => (ended = r)) };
    const stamp = this.server.ext.replicationState?.stamp() ?? null;
    const useRdb = this.rdb !== null && this.server.config.get('aof-use-rdb-preamble') === 'yes';
    const baseName = `${this.fileBase}.${seqBase}.base.${useRdb ? 'rdb' : 'aof'}`;
    const tmp = path.join(this.dir, `temp-rewriteaof-${process.pid}.aof`);
    if (opts.onStart) log('info', `Creating AOF base file ${baseName} on server start`, { incr: newIncr.file });
    else log('info', 'Background append only file rewriting started', { keys: snapshot.totalKeys, base: baseName, incr: newIncr.file });
    try {
      const fd = fs.openSync(tmp, 'w');
      const stopReports = reportSnapshotProgress('Background AOF rewrite', () => ({ keysDone: snapshot.visited, keysTotal: snapshot.totalKeys, bytes: openFileSize(fd) }));
      try {
        if (useRdb) await this.rdb!.writeSnapshot(this.server, snapshot, fd, { aofBase: true, repl: stamp });
        else {
          await writeAofSnapshot(snapshot, fd);
          if (stamp !== null) fs.writeSync(fd, annotationLine(stamp), null, 'latin1');
        }
        fs.fsyncSync(fd);
      } finally {
        stopReports();
        fs.closeSync(fd);
      }
      // Aborted after its last slice was read: the base must not be used either.
      if (snapshot.aborted !== null) throw new SnapshotAborted(snapshot.aborted);
      const baseSize = fs.statSync(tmp).size;
      fs.renameSync(tmp, path.join(this.dir, baseName));
      // 3. Switch: the new base plus the incr file opened at step 1.
      this.manifest = { base: { file: baseName, seq: seqBase, type: 'b' }, incrs: [newIncr], history: [] };
      this.writeManifest();
      // The base holds the dataset a full sync loaded, with its position: record again.
      if (this.stampsSuspendedGen >= 0 && generation === this.stampsSuspendedGen) {
        this.stampsSuspendedGen = -1;
        this.lastStamp = stamp;
      }
      for (const f of oldFiles) fs.rmSync(path.join(this.dir, f.file), { force: true });
      this.status.baseSize = baseSize;
      this.status.currentSize = baseSize + this.incrSize;
      this.status.lastRewriteStatus = 'ok';
      if (!opts.onStart) {
        this.status.rewrites++;
        log('info', 'Background AOF rewrite finished successfully', { base: baseName, bytes: baseSize, keys: snapshot.totalKeys });
      }
      this.status.consecutiveFailures = 0;
    } catch (err) {
      snapshot.finish();
      fs.rmSync(tmp, { force: true });
      if (err instanceof SnapshotAborted) {
        // Killed on purpose (abortRewrite), as Redis kills its child with SIGUSR1: not a
        // failure. The manifest keeps the old files and the incr file opened at step 1.
        log('info', 'Background AOF rewrite aborted', { reason: snapshot.aborted, removed: path.basename(tmp), incr: newIncr.file });
        throw err;
      }
      this.status.lastRewriteStatus = 'err';
      this.status.consecutiveFailures++;
      log('error', 'Background AOF rewrite failed', { error: (err as Error).message });
      throw err;
    } finally {
      this.status.rewriteInProgress = false;
      this.rewriteJob = null;
      if (!opts.onStart && snapshot.aborted === null) this.status.lastRewriteSeconds = Math.round((performance.now() - started) / 1000);
      ended();
    }
  }

  /**
   * Stop the rewrite in progress, if any (Redis's killAppendOnlyChild): its snapshot stops
   * at once (it no longer reads the keyspace nor follows writes), its temporary base is
   * removed, and the manifest stays as the rewrite's start left it: the previous files plus
   * the new incr file, which keeps receiving writes. Resolves once the rewrite has unwound
   * (aof_rewrite_in_progress 0, another rewrite may start).
   */
  abortRewrite(reason: string): Promise<void> {
    const job = this.rewriteJob;
    if (job === null) return Promise.resolve();
    log('info', 'Killing running AOF rewrite', { reason });
    job.snapshot.abort(reason);
    return job.done;
  }

  /** Automatic rewrite when the incr part grew by auto-aof-rewrite-percentage over the base. */
  maybeAutoRewrite(): void {
    // As Redis waits for its child process: never two snapshots at once; the cron tries again.
    if (this.fd === null || this.status.rewriteInProgress || activeSnapshot() !== null) return;
    const pct = this.server.config.int('auto-aof-rewrite-percentage');
    const min = this.server.config.int('auto-aof-rewrite-min-size');
    if (pct === 0) return;
    const size = this.status.baseSize + this.incrSize;
    if (size < min) return;
    const base = Math.max(1, this.status.baseSize);
    if (((size - base) * 100) / base >= pct) {
      log('info', 'Starting automatic rewriting of AOF', { growthPercent: Math.round(((size - base) * 100) / base) });
      this.rewrite().catch(() => {});
    }
  }

  /** Stop appending: flush, fsync and close (shutdown, CONFIG SET appendonly no). */
  close(): void {
    if (this.fsyncTimer) clearInterval(this.fsyncTimer);
    this.fsyncTimer = null;
    if (this.fd === null) return;
    // The final position, even when only PINGs/GETACKs moved it since the last write.
    this.recordPosition();
    this.flush();
    try {
      fs.fsyncSync(this.fd);
    } catch {
      /* reported by flush */
    }
    fs.closeSync(this.fd);
    this.fd = null;
    this.status.enabled = false;
  }
}

/** Write a snapshot as AOF commands (a .base.aof file), a slice per event-loop turn. */
export async function writeAofSnapshot(snapshot: KeyspaceSnapshot, fd: number): Promise<void> {
  let db = -1;
  for (;;) {
    const slice: SnapshotEntry[] = snapshot.nextSlice(1000);
    if (slice.length === 0) break;
    let text = '';
    for (const e of slice) {
      if (e.db !== db) {
        text += encodeCommandText(['SELECT', String(e.db)]);
        db = e.db;
      }
      for (const cmd of commandsForEntry(e.key, e.value, e.expireAt)) text += encodeCommandText(cmd);
    }
    const data = Buffer.from(text, 'latin1');
    let off = 0;
    while (off < data.length) off += fs.writeSync(fd, data, off);
    await new Promise((r) => setImmediate(r));
  }
}
