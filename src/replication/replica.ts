/**
 * The replica's link to its primary, as a Redis 7 replica speaks it:
 *
 *   PING, [AUTH [masteruser] masterauth], REPLCONF listening-port, REPLCONF capa eof capa psync2,
 *   PSYNC <replid> <offset+1> (or ? -1)
 *   → +FULLRESYNC <replid> <offset>, then the RDB as `$<len>\r\n<bytes>` or `$EOF:<mark>\r\n...<mark>`
 *   → +CONTINUE [<replid>], then the stream from the requested offset
 *
 * The stream is parsed by the RespReader that serves clients and applied command by
 * command through the dispatcher, with a connectionless client flagged as the primary. The
 * bytes applied then go, as received (no copy but the backlog's), to our own stream in one
 * piece per batch: offset, backlog, sub-replicas. REPLCONF ACK goes back every second and,
 * promptly, at the end of every batch that holds a REPLCONF GETACK (the primary asks when
 * WAIT or synchronous mode waits), so that a plain write stream costs no ACK traffic.
 */
import type { Socket } from 'node:net';
import { connectTo } from '../net/connect.js';
import { findDirective } from '../config/schema.js';
import { log } from '../observe/events.js';
import { loadRdb, runAsync } from '../persistence/rdb-file.js';
import { RdbReader } from '../persistence/rdb-value.js';
import { ReplayClient } from '../persistence/replay-client.js';
import { activeSnapshot } from '../persistence/snapshot.js';
import type { NodeHost } from '../commands/host.js';
import { encodeCommand } from '../protocol/resp-command.js';
import type { Backlog } from './backlog.js';
import { RespReader } from '../protocol/resp-reader.js';

/** The primary's stream is trusted: no authentication limits, any bulk length. */
const STREAM_LIMITS = { maxBulkLen: Number.MAX_SAFE_INTEGER, authRequired: () => false };

export type LinkState = 'connect' | 'connecting' | 'handshake' | 'sync' | 'connected';

class LinkClosed extends Error {}

/** We refused the primary's full sync (replica-refuse-stale-primary): already logged. */
class SyncRefused extends Error {}

/** Line reading for the handshake. */
class HandshakeReader {
  buf: Buffer = Buffer.alloc(0);
  private wake: (() => void) | null = null;
  closed = false;
  private readonly onData = (d: Buffer) => {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    this.wake?.();
  };
  private readonly onClose = () => {
    this.closed = true;
    this.wake?.();
  };

  constructor(private readonly sock: Socket) {
    sock.on('data', this.onData);
    sock.on('close', this.onClose);
  }

  async line(): Promise<string> {
    for (;;) {
      const nl = this.buf.indexOf(0x0a);
      if (nl >= 0) {
        const s = this.buf.toString('latin1', 0, nl).replace(/\r$/, '');
        this.buf = this.buf.subarray(nl + 1);
        return s;
      }
      if (this.closed) throw new LinkClosed('connection closed by the primary');
      await new Promise<void>((r) => (this.wake = r));
      this.wake = null;
    }
  }

  /** Stop reading lines; returns what was received beyond them. */
  detach(): Buffer {
    this.sock.off('data', this.onData);
    this.sock.off('close', this.onClose);
    return this.buf;
  }
}

/**
 * What the link needs of the replication state it feeds (the Replication manager implements
 * it; the link never imports the manager, which owns the link).
 */
export interface ReplicationState {
  readonly node: NodeHost;
  replId: string;
  offset: number;
  readonly backlog: Backlog | null;
  /** Append bytes applied from our primary to our own stream (backlog, sub-replicas). */
  feedStream(b: Buffer): void;
  disconnectPeers(): void;
  /** Take the primary's replication ID and offset after a full sync. */
  adoptPrimary(replId: string, offset: number): void;
  /** A partial resync continued (+CONTINUE), possibly under a new replication ID. */
  continued(newId: string | null): void;
}

export class PrimaryLink {
  state: LinkState = 'connect';
  private socket: Socket | null = null;
  private stopped = false;
  /** Date.now() of the last bytes from the primary. */
  lastIo = 0;
  /** Seconds (unix) since the link is down; 0 once connected. */
  downSince = Math.floor(Date.now() / 1000);
  /** Applies the primary's stream; kept across reconnections (its selected db persists). */
  readonly client: ReplayClient;
  /** Parses the stream; `fed` bytes went in, of which `fed - reader.buffered` are consumed. */
  private reader = new RespReader(STREAM_LIMITS);
  private fed = 0;
  /** Received chunks not yet all forwarded to our stream; qHead bytes of q[0] are. */
  private q: Buffer[] = [];
  private qHead = 0;
  /** Bytes forwarded to our stream (≤ consumed). */
  private fwd = 0;
  private loadingRdb = false;
  /** This link reached the stream once: the primary at host:port holds a history we follow. */
  private synced = false;
  /** Full syncs refused from this primary since the link last worked (replica-refuse-stale-primary). */
  refusedSyncs = 0;
  /**
   * Stream offset before the MULTI whose commands the client has queued but not run: the
   * applied offset (Redis's reploff) stays there until EXEC (see appliedOffset).
   */
  private multiStart = 0;
  /** Transfer progress for INFO (master_sync_*). */
  transfer: { total: number; read: number; lastIo: number } | null = null;
  private wake: (() => void) | null = null;
  /**
   * dssm: Date.now() until which the link is fenced (REPLCONF FENCE, sent by a sentinel
   * about to choose a replica to promote): no connection to the primary, no ACK, nothing
   * applied, so our offset stays put and the old primary cannot count us for its writes.
   * A new REPLICAOF replaces the link (and the fence).
   */
  fencedUntil = 0;

  constructor(
    private readonly repl: ReplicationState,
    readonly host: string,
    readonly port: number,
    /** Ask the target to promote itself (FAILOVER): PSYNC ... FAILOVER. */
    private failover = false,
  ) {
    this.client = new ReplayClient(repl.node);
    this.client.flags.primary = true;
    this.client.name = '';
  }

  /** Offset of the stream bytes read (slave_read_repl_offset): applied, plus received and not yet applied. */
  get readOffset(): number {
    return this.repl.offset + (this.fed - this.fwd);
  }

  /**
   * The offset whose effects are all applied (Redis's reploff): the stream offset, except
   * inside a MULTI from the primary, whose queued commands run only at EXEC. What the data
   * corresponds to, hence what persistence records (restore.ts).
   */
  get appliedOffset(): number {
    return this.client.flags.multi ? this.multiStart : this.repl.offset;
  }

  /**
   * The replication position was restored from disk (restore.ts): the stream continues in
   * `streamDb`, and this link counts as having synced (replica-refuse-stale-primary guards
   * the data we restored).
   */
  continueRestored(streamDb: number): void {
    this.client.db = this.repl.node.keyspace.db(streamDb);
    this.synced = true;
  }

  start(): void {
    void this.run();
  }

  /** Fence the link for `ms` milliseconds (0 lifts the fence). */
  fence(ms: number): void {
    this.fencedUntil = ms > 0 ? Date.now() + ms : 0;
    if (ms > 0) {
      log('warn', 'replication link fenced', { host: this.host, port: this.port, ms });
      this.socket?.destroy();
    } else {
      this.wake?.();
    }
  }

  get fenced(): boolean {
    return Date.now() < this.fencedUntil;
  }

  stop(): void {
    this.stopped = true;
    this.socket?.destroy();
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.session();
      } catch (err) {
        if (!this.stopped && !(err instanceof SyncRefused)) log('warn', 'replication link failed', { host: this.host, port: this.port, error: (err as Error).message });
      }
      this.socket?.destroy();
      this.socket = null;
      if (this.state === 'connected' || this.state === 'sync') this.downSince = Math.floor(Date.now() / 1000);
      this.state = 'connect';
      this.transfer = null;
      if (this.stopped) break;
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, Math.max(1000, this.fencedUntil - Date.now())).unref();
      });
      this.wake = null;
      while (this.fenced && !this.stopped) {
        await new Promise<void>((r) => {
          this.wake = r;
          setTimeout(r, Math.max(10, this.fencedUntil - Date.now())).unref();
        });
        this.wake = null;
      }
    }
  }

  private send(sock: Socket, argv: string[]): void {
    sock.write(encodeCommand(argv));
  }

  /** One connection: handshake, transfer, stream until it closes. */
  private async session(): Promise<void> {
    const cfg = this.repl.node.config;
    this.state = 'connecting';
    const sock = await connectTo({ host: this.host, port: this.port, tls: tlsReplication(cfg), timeoutMs: cfg.int('repl-timeout') * 1000 });
    if (this.stopped || this.fenced) {
      sock.destroy();
      return;
    }
    this.socket = sock;
    sock.on('error', () => {});
    this.state = 'handshake';
    this.lastIo = Date.now();
    const rd = new HandshakeReader(sock);
    const ask = async (argv: string[]): Promise<string> => {
      this.send(sock, argv);
      for (;;) {
        const l = await rd.line();
        this.lastIo = Date.now();
        if (l !== '') return l;
      }
    };
    let r = await ask(['PING']);
    if (r.startsWith('-') && !/^-(NOAUTH|NOPERM|ERR operation not permitted)/.test(r)) throw new Error(`Error reply to PING from master: '${r}'`);
    const pass = cfg.get('masterauth');
    if (pass !== '') {
      const user = cfg.get('masteruser');
      r = await ask(user !== '' ? ['AUTH', user, pass] : ['AUTH', pass]);
      if (r.startsWith('-')) throw new Error(`Unable to AUTH to MASTER: ${r}`);
    }
    const announcePort = announcedPort(cfg);
    await ask(['REPLCONF', 'listening-port', String(announcePort)]);
    const announceIp = cfg.get('replica-announce-ip');
    if (announceIp !== '') await ask(['REPLCONF', 'ip-address', announceIp]);
    await ask(['REPLCONF', 'capa', 'eof', 'capa', 'psync2']);
    const repl = this.repl;
    const psyncArgs = this.canContinue() ? [repl.replId, String(repl.offset + 1)] : ['?', '-1'];
    r = await ask(['PSYNC', ...psyncArgs, ...(this.failover ? ['FAILOVER'] : [])]);
    this.failover = false;
    let rest: Buffer;
    if (r.startsWith('+FULLRESYNC')) {
      const [, id, off] = r.split(' ');
      if (this.refuseFullSync(id!, Number(off))) throw new SyncRefused();
      this.state = 'sync';
      const [rdb] = await this.receiveRdb(sock, rd);
      await this.loadSnapshot(rdb, id!, Number(off));
      sock.removeAllListeners('data');
      rest = Buffer.alloc(0);
    } else if (r.startsWith('+CONTINUE')) {
      const id = r.split(' ')[1] ?? null;
      rest = rd.detach();
      this.resetStream();
      repl.continued(id);
      log('info', 'Successful partial resynchronization with master', { replid: repl.replId, offset: repl.offset });
    } else {
      throw new Error(`Unexpected reply to PSYNC from master: ${r}`);
    }
    this.state = 'connected';
    this.synced = true;
    this.refusedSyncs = 0;
    this.downSince = 0;
    this.sendAck();
    await new Promise<void>((resolve) => {
      sock.on('data', (d: Buffer) => this.onStream(d));
      sock.on('close', () => resolve());
      if (sock.destroyed) resolve();
      if (rest.length) this.onStream(rest);
      else this.applyStream();
    });
  }

  /**
   * dssm's guard against a primary that lost its history (replica-refuse-stale-primary):
   * the primary we were replicating over this link answers our PSYNC with another
   * replication ID and an offset below ours, so it restarted without (or with older) data;
   * loading its snapshot would drop writes that only we now hold. Redis 7 loads it. We keep
   * our data and retry every second: the sentinels fence such a primary and promote us, or
   * an operator decides (REPLICAOF elsewhere, or the directive set to no).
   */
  private refuseFullSync(replId: string, offset: number): boolean {
    const repl = this.repl;
    if (!this.synced || repl.node.config.get('replica-refuse-stale-primary') !== 'yes') return false;
    if (replId === repl.replId || !(offset < repl.offset)) return false;
    this.refusedSyncs++;
    log('warn', 'Refusing a full sync from a primary that lost its history (restarted empty or stale): keeping our data; replica-refuse-stale-primary no would load it', {
      host: this.host,
      port: this.port,
      primaryReplid: replId,
      primaryOffset: offset,
      replid: repl.replId,
      offset: repl.offset,
      refused: this.refusedSyncs,
    });
    return true;
  }

  /** Whether our history may continue the primary's: we had synced, or were a primary. */
  private canContinue(): boolean {
    return this.repl.backlog !== null || this.repl.offset > 0;
  }

  private receiveRdb(sock: Socket, rd: HandshakeReader): Promise<[Buffer, Buffer]> {
    return (async () => {
      let header = '';
      while (header === '') header = await rd.line();
      this.lastIo = Date.now();
      if (header.startsWith('-')) throw new Error(`MASTER aborted replication with an error: ${header}`);
      if (header[0] !== '$') throw new Error(`Bad protocol from MASTER, the first byte is not '$': ${header}`);
      const first = rd.detach();
      const eof = header.startsWith('$EOF:');
      const mark = eof ? Buffer.from(header.slice(5), 'latin1') : null;
      const len = eof ? -1 : Number(header.slice(1));
      this.transfer = { total: len, read: 0, lastIo: Date.now() };
      const chunks: Buffer[] = [];
      let total = 0;
      let tail: Buffer = Buffer.alloc(0);
      return await new Promise<[Buffer, Buffer]>((resolve, reject) => {
        const onData = (d: Buffer): void => {
          this.lastIo = Date.now();
          this.transfer!.lastIo = this.lastIo;
          if (mark) {
            const win = Buffer.concat([tail, d]);
            const at = win.indexOf(mark);
            if (at >= 0) {
              // The mark ends the payload; bytes after it are the stream.
              const inD = at - tail.length; // where the mark starts within d (may be negative)
              const body = Buffer.concat(chunks);
              const keep = body.subarray(0, body.length + Math.min(0, inD));
              const last = inD > 0 ? d.subarray(0, inD) : Buffer.alloc(0);
              done(Buffer.concat([keep, last]), d.subarray(inD + mark.length));
              return;
            }
            chunks.push(d);
            total += d.length;
            this.transfer!.read = total;
            tail = win.subarray(Math.max(0, win.length - mark.length));
          } else {
            const need = len - total;
            if (d.length >= need) {
              chunks.push(d.subarray(0, need));
              done(Buffer.concat(chunks), d.subarray(need));
              return;
            }
            chunks.push(d);
            total += d.length;
            this.transfer!.read = total;
          }
        };
        const onClose = () => {
          cleanup();
          reject(new LinkClosed('connection lost during the transfer'));
        };
        const cleanup = () => {
          sock.off('data', onData);
          sock.off('close', onClose);
        };
        const done = (rdb: Buffer, rest: Buffer) => {
          cleanup();
          // Stream bytes that arrive while the snapshot loads wait in the reader.
          this.resetStream();
          if (rest.length) this.receive(rest);
          this.loadingRdb = true;
          sock.on('data', (x: Buffer) => {
            this.lastIo = Date.now();
            this.receive(x);
          });
          resolve([rdb, Buffer.alloc(0)]);
        };
        sock.on('close', onClose);
        sock.on('data', onData);
        if (first.length) onData(first);
      });
    })();
  }

  private async loadSnapshot(rdb: Buffer, replId: string, offset: number): Promise<void> {
    const repl = this.repl;
    const node = repl.node;
    log('info', 'MASTER <-> REPLICA sync: Loading DB in memory', { bytes: rdb.length });
    // Our own replicas must resync from the new history.
    repl.disconnectPeers();
    const persistence = node.ext.persistence;
    // The AOF keeps the previous dataset and its position until its rewrite below.
    persistence?.aof?.suspendStamps();
    // Clearing the keyspace below bypasses the snapshots' copy-on-write: stop an AOF rewrite
    // in progress (as Redis 7.0 kills its rewrite child before loading; the rewrite after
    // the load gives the AOF the new dataset), and let any other snapshot (BGSAVE, a
    // BGREWRITEAOF without appendonly) keep the values it has not written yet.
    const rewriteAborted = persistence?.abortRewrite('a full sync from the primary replaces the dataset') ?? Promise.resolve();
    activeSnapshot()?.detach();
    // INFO's loading_* fields, as for a load from disk.
    const progress = persistence?.loading;
    progress?.start('RDB from the primary', rdb.length, () => progress.rdbKeysLoaded);
    node.loading = true;
    try {
      for (const db of node.keyspace.dbs) {
        db.dict.clear();
        db.expires.clear();
      }
      await runAsync(loadRdb(node, rdb, 'the primary', progress));
      this.client.db = node.keyspace.db(streamDbOf(rdb));
    } finally {
      node.loading = false;
      progress?.finish();
    }
    repl.adoptPrimary(replId, offset);
    this.loadingRdb = false;
    this.transfer = null;
    log('info', 'MASTER <-> REPLICA sync: Finished with success', { replid: replId, offset });
    // The aborted rewrite has unwound (aof_rewrite_in_progress 0) before another starts.
    await rewriteAborted;
    if (persistence?.aof) {
      // Another snapshot being written (BGSAVE, a rewrite started before the sync): the cron
      // starts the rewrite once it is done; positions stay unrecorded until then.
      if (persistence.snapshotBusy()) persistence.scheduleRewrite();
      else persistence.rewriteAof().catch(() => {});
    }
  }

  private onStream(d: Buffer): void {
    this.lastIo = Date.now();
    this.receive(d);
    if (!this.loadingRdb) this.applyStream();
  }

  private resetStream(): void {
    this.reader = new RespReader(STREAM_LIMITS);
    this.fed = 0;
    this.fwd = 0;
    this.q = [];
    this.qHead = 0;
  }

  private receive(d: Buffer): void {
    if (d.length === 0 || this.fenced) return;
    this.reader.feed(d);
    this.fed += d.length;
    this.q.push(d);
  }

  /** Forward the received bytes up to `upTo` (count since resetStream) to our stream, as received. */
  private forward(upTo: number): void {
    let n = upTo - this.fwd;
    if (n <= 0) return;
    this.fwd = upTo;
    const q = this.q;
    const repl = this.repl;
    while (n > 0) {
      const head = q[0]!;
      const avail = head.length - this.qHead;
      if (n >= avail) {
        repl.feedStream(this.qHead === 0 ? head : head.subarray(this.qHead));
        q.shift();
        this.qHead = 0;
        n -= avail;
      } else {
        repl.feedStream(head.subarray(this.qHead, this.qHead + n));
        this.qHead += n;
        n = 0;
      }
    }
  }

  /** Apply every complete command received, then forward the batch's bytes in one piece. */
  private applyStream(): void {
    const node = this.repl.node;
    const ks = node.keyspace;
    const reader = this.reader;
    const client = this.client;
    const reply = client.reply;
    const dispatch = node.dispatch;
    const stats = node.stats;
    let applied = this.fwd;
    let ackWanted = false;
    ks.applyingPrimary = true;
    try {
      for (;;) {
        let argv: string[] | null;
        try {
          argv = reader.next();
        } catch (err) {
          log('warn', 'protocol error in the replication stream', { error: (err as Error).message });
          this.socket?.destroy();
          return;
        }
        if (argv === null) {
          // Everything consumed, newlines between commands included.
          applied = this.fed - reader.buffered;
          break;
        }
        const name = argv[0]!;
        if (name.length === 8 && name.toLowerCase() === 'replconf') {
          if (argv.length > 1 && argv[1]!.toLowerCase() === 'getack') ackWanted = true;
        } else if (!(name.length === 4 && name.toLowerCase() === 'ping')) {
          // The applied offset stays before a MULTI until its EXEC (appliedOffset).
          if (name.length === 5 && !client.flags.multi && name.toLowerCase() === 'multi') this.multiStart = this.repl.offset + (applied - this.fwd);
          const errorsBefore = stats.errorReplies;
          dispatch.execute(client, argv);
          if (reply.pendingBytes !== 0) {
            if (stats.errorReplies !== errorsBefore) {
              const out = reply.take()!;
              if (out[0] === 45 /* '-' */) log('warn', 'command from the primary failed', { command: name, error: out.toString('latin1', 1, out.indexOf(13)) });
            } else reply.discard();
          }
        }
        applied = this.fed - reader.buffered;
      }
    } finally {
      ks.applyingPrimary = false;
      this.forward(applied);
    }
    // After the whole batch: the ACK covers the GETACK and everything before it.
    if (ackWanted) this.sendAck();
  }

  sendAck(): void {
    const s = this.socket;
    if (s === null || this.state !== 'connected' || s.destroyed || this.fenced) return;
    // Acknowledge only what is in our AOF (as Redis writes the AOF before replies in
    // beforeSleep): with sync-replicas the primary acknowledges its client on this ACK.
    const aof = this.repl.node.ext.persistence?.aof;
    if (aof) {
      aof.flush();
      if (aof.hasPending) return;
    }
    s.write(encodeCommand(['REPLCONF', 'ACK', String(this.repl.offset)]));
  }

  cron(timeoutMs: number): void {
    if (this.state === 'connected') this.sendAck();
    if (this.socket !== null && this.state !== 'connect' && this.state !== 'connecting' && Date.now() - this.lastIo > timeoutMs) {
      log('warn', 'MASTER timeout: no data nor PING received', {});
      this.socket.destroy();
    }
  }
}

type Config = NodeHost['config'];

/** Whether replication links use TLS (tls-replication yes; the directive exists only with TLS support). */
function tlsReplication(cfg: Config): boolean {
  return findDirective('tls-replication') !== undefined && cfg.get('tls-replication') === 'yes';
}

/**
 * The port we announce to our primary (REPLCONF listening-port), as Redis 7 chooses it:
 * replica-announce-port if set, else the TLS port when replication runs over TLS (a
 * TLS-only node has port 0, and sentinels reach replicas at the announced port), else port.
 */
export function announcedPort(cfg: Config): number {
  const announced = cfg.int('replica-announce-port');
  if (announced !== 0) return announced;
  if (tlsReplication(cfg) && findDirective('tls-port') !== undefined) {
    const tlsPort = cfg.int('tls-port');
    if (tlsPort !== 0) return tlsPort;
  }
  return cfg.int('port');
}

/** The repl-stream-db aux field of an RDB image (the db the stream continues in), else 0. */
function streamDbOf(rdb: Buffer): number {
  try {
    const r = new RdbReader(rdb, 9);
    while (r.pos < rdb.length && rdb[r.pos] === 0xfa) {
      r.pos++;
      const k = r.string();
      const v = r.string();
      if (k === 'repl-stream-db') return Number(v) || 0;
    }
  } catch {
    /* no aux */
  }
  return 0;
}
