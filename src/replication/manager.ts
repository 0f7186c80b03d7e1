/**
 * Replication state of a data node, both roles:
 *
 * - As a primary: the backlog is a propagation sink (effects arrive as (db, argv); SELECT is
 *   emitted when the database changes), replicas attach with PSYNC (+CONTINUE from the
 *   backlog, or +FULLRESYNC with an RDB image made from a KeyspaceSnapshot while serving),
 *   then receive the stream on their socket. They acknowledge with REPLCONF ACK.
 * - As a replica: a PrimaryLink (replica.ts) applies the primary's stream and hands the
 *   exact bytes to feedStream(), so the replica's offset and backlog equal the primary's
 *   and sub-replicas (chaining) get the same bytes.
 *
 * Offsets follow Redis: master_repl_offset is the offset of the last stream byte.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Client } from '../commands/context.js';
import type { NodeHost } from '../commands/host.js';
import { log } from '../observe/events.js';
import { runAsync, writeRdbSnapshot } from '../persistence/rdb-file.js';
import { activeSnapshot, KeyspaceSnapshot } from '../persistence/snapshot.js';
import { Backlog } from './backlog.js';
import { PrimaryLink } from './replica.js';
import { commandLength, encodeCommand, writeCommand } from '../protocol/resp-command.js';

export const NO_REPLID = '0000000000000000000000000000000000000000';

export function newReplId(): string {
  return randomBytes(20).toString('hex');
}

const CHUNK = 64 * 1024;
/**
 * Stream writes coalesce over event-loop turns for up to COALESCE_MS, or until
 * COALESCE_BYTES are queued: at -P 1 a turn serves a handful of clients, and a write per
 * turn costs the primary a send and the replica a wake-up for a few commands each.
 * Someone waiting for acknowledgements (WAIT, synchronous mode, FAILOVER) flushes at once.
 */
const COALESCE_MS = 1;
const COALESCE_BYTES = 16 * 1024;
const GETACK = ['REPLCONF', 'GETACK', '*'];

export type PeerState = 'wait_bgsave' | 'send_bulk' | 'online';

/** A replica attached to us. */
export interface Peer {
  client: Client;
  socket: Socket;
  ip: string;
  port: number;
  state: PeerState;
  ackOffset: number;
  /** performance.now() of the last ACK (monotonic). */
  ackAt: number;
  capaEof: boolean;
  capaPsync2: boolean;
  /** After an EOF-marked transfer, the stream starts at the replica's first ACK (as Redis). */
  waitFirstAck: boolean;
  held: Buffer[];
  /** Sent the payload header (EOF streaming) already. */
  headerSent: boolean;
  lastNewline: number;
  /** Stream bytes handed to the socket so far (after the RDB payload: see streamPending()). */
  streamQueued: number;
}

interface PeerInfo {
  port: number;
  ip: string;
  capa: Set<string>;
}

interface FullSyncJob {
  replId: string;
  offset: number;
  chunks: Buffer[];
  bytes: number;
  tail: Buffer[];
  /** Bytes in tail. */
  tailBytes: number;
  peers: Peer[];
  mark: string;
  diskless: boolean;
}

interface AckWaiter {
  target: number;
  n: number;
  done: (acked: number, timedOut: boolean) => void;
  timer: NodeJS.Timeout | null;
}

export class Replication {
  replId = newReplId();
  replId2 = NO_REPLID;
  offset = 0;
  secondOffset = -1;
  private bl: Backlog | null = null;
  /** Stream bytes are encoded into this chunk; [chunkStart, chunkEnd) is not committed yet. */
  private chunk: Buffer = Buffer.allocUnsafe(CHUNK);
  private chunkStart = 0;
  private chunkEnd = 0;
  /** The database the stream last selected (-1: emit SELECT before the next command). */
  private seldb = -1;
  readonly peers: Peer[] = [];
  private readonly peerInfo = new WeakMap<Client, PeerInfo>();
  link: PrimaryLink | null = null;
  primaryHost = '';
  primaryPort = 0;
  private job: FullSyncJob | null = null;
  private waitingFull: Peer[] = [];
  private noReplicasSince = Date.now();
  readonly stats = { syncFull: 0, syncPartialOk: 0, syncPartialErr: 0 };
  private outQ: Buffer[] = [];
  /** Bytes in outQ. */
  private outBytes = 0;
  private outScheduled = false;
  /** The coalescing timer (see COALESCE_MS), while armed. */
  private coalesceTimer: NodeJS.Timeout | null = null;
  private readonly ackWaiters = new Set<AckWaiter>();
  /** Send REPLCONF GETACK at the next flush (WAIT). */
  private ackWanted = false;
  private lastPing = performance.now();
  private lastSecond = performance.now();
  /** Told after every ACK (synchronous mode releases held replies). */
  onAck: (() => void) | null = null;
  /**
   * A replica's position restored from disk at start (restore.ts), until replicaOf() starts
   * the link: the db the primary's stream continues in.
   */
  restored: { streamDb: number } | null = null;

  constructor(readonly node: NodeHost) {}

  get isReplica(): boolean {
    return this.primaryHost !== '';
  }

  /** Propagation sink: a write's effect on a primary. Replicas forward their primary's bytes instead. */
  propagate(dbIndex: number, argv: readonly string[]): void {
    if (this.bl === null || this.isReplica) return;
    if (dbIndex !== this.seldb) {
      this.seldb = dbIndex;
      this.offset += this.encode(['SELECT', String(dbIndex)]);
    }
    this.offset += this.encode(argv);
    if (this.peers.length !== 0 && !this.outScheduled) this.scheduleFlush();
  }

  /**
   * Encode a command as RESP into the current chunk (no intermediate string); returns its
   * length. The bytes join the backlog and the replicas' queue at the next commit().
   */
  private encode(argv: readonly string[]): number {
    const n = commandLength(argv);
    if (this.chunkEnd + n > this.chunk.length) this.newChunk(n);
    this.chunkEnd = writeCommand(this.chunk, this.chunkEnd, argv);
    return n;
  }

  /** Start a fresh chunk (regions of the old one may still be queued on sockets: never reused). */
  private newChunk(need: number): void {
    this.commit();
    this.chunk = Buffer.allocUnsafe(Math.max(CHUNK, need));
    this.chunkStart = this.chunkEnd = 0;
  }

  /** Move the encoded bytes not yet committed into the backlog, the full-sync tail and the replicas' queue. */
  private commit(): void {
    const s = this.chunkStart;
    const e = this.chunkEnd;
    if (e === s) return;
    this.chunkStart = e;
    this.append(this.chunk.subarray(s, e));
  }

  private append(b: Buffer): void {
    if (this.bl === null) this.bl = new Backlog(this.backlogSize());
    this.bl.append(b);
    if (this.job !== null) {
      this.job.tail.push(b);
      this.job.tailBytes += b.length;
    }
    if (this.peers.length !== 0) {
      this.outQ.push(b);
      this.outBytes += b.length;
    }
  }

  /** Whether there is a backlog (a replication history), without committing pending bytes. */
  get hasBacklog(): boolean {
    return this.bl !== null;
  }

  /** The database the stream last selected (-1: none yet), as Redis's slaveseldb. */
  get streamDb(): number {
    return this.seldb;
  }

  /** The backlog, with every byte produced so far (commits pending bytes first). */
  get backlog(): Backlog | null {
    this.commit();
    return this.bl;
  }

  set backlog(b: Backlog | null) {
    this.commit();
    this.bl = b;
  }

  /** Append bytes (not to be modified afterwards) to the stream: backlog, offset, replicas. */
  feedStream(b: Buffer): void {
    this.commit();
    this.offset += b.length;
    this.append(b);
    if (this.peers.length !== 0 && !this.outScheduled) this.scheduleFlush();
  }

  private scheduleFlush(): void {
    this.outScheduled = true;
    // One write per event-loop turn carries the stream of every client served in it.
    setImmediate(this.flushBound);
  }

  private readonly flushBound = () => this.endOfTurn();
  private readonly coalescedBound = () => {
    this.coalesceTimer = null;
    this.flushOut();
  };

  /** After a turn that produced stream bytes: write them now, or let the next turns add theirs. */
  private endOfTurn(): void {
    this.outScheduled = false;
    const urgent = this.ackWanted || this.outBytes + (this.chunkEnd - this.chunkStart) >= COALESCE_BYTES || this.node.ext.replicationSync?.holding() === true;
    if (urgent) this.flushOut();
    else if (this.coalesceTimer === null) this.coalesceTimer = setTimeout(this.coalescedBound, COALESCE_MS);
  }

  /** Write queued stream bytes to the replicas that are online. */
  flushOut(): void {
    this.outScheduled = false;
    if (this.coalesceTimer !== null) {
      clearTimeout(this.coalesceTimer);
      this.coalesceTimer = null;
    }
    // Replicas acknowledge when asked (REPLCONF GETACK), not after every batch: asked here
    // once per turn while WAIT or synchronous mode waits for this turn's writes.
    if (this.peers.length !== 0 && !this.isReplica && (this.ackWanted || ((this.chunkEnd !== this.chunkStart || this.outQ.length !== 0) && this.node.ext.replicationSync?.holding()))) {
      this.ackWanted = false;
      this.offset += this.encode(GETACK);
    }
    this.commit();
    const q = this.outQ;
    if (q.length === 0) return;
    this.outQ = [];
    this.outBytes = 0;
    const data = q.length === 1 ? q[0]! : Buffer.concat(q);
    for (const p of this.peers) {
      if (p.state !== 'online') continue;
      if (p.waitFirstAck) p.held.push(data);
      else this.writeStream(p, data);
    }
    this.enforceOutputLimits();
  }

  private writeStream(p: Peer, data: Buffer): void {
    p.streamQueued += data.length;
    p.socket.write(data);
  }

  /**
   * A replica's replication stream not yet taken by its socket, as Redis counts a
   * replica's share of the replication buffer for client-output-buffer-limit replica
   * (the RDB payload is not counted): during a full sync, the stream since the snapshot;
   * then what waits for the first ACK and what its socket still queues. The socket's queue
   * is first in, first out and the stream follows the payload, so of its queued bytes at
   * most the stream bytes ever written are stream.
   */
  streamPending(p: Peer): number {
    let n = 0;
    const job = this.job;
    if (p.state !== 'online' && job !== null && job.peers.includes(p)) n += job.tailBytes;
    for (const b of p.held) n += b.length;
    return n + Math.min(p.socket.writableLength, p.streamQueued);
  }

  /** Close the replicas whose unsent stream is over their output limit (checked as it grows). */
  private enforceOutputLimits(): void {
    if (this.peers.length === 0) return;
    for (const p of [...this.peers]) {
      (p.client as Client & { enforceOutputLimits?: () => boolean }).enforceOutputLimits?.();
    }
  }

  /** The session of a new replica counts its unsent stream as its output (CLIENT LIST omem, limits). */
  private attachPeer(peer: Peer): void {
    this.peers.push(peer);
    const session = peer.client as Client & { replicaOutput?: (() => number) | null };
    if ('replicaOutput' in session) session.replicaOutput = () => this.streamPending(peer);
  }

  backlogSize(): number {
    return Math.max(16 * 1024, this.node.config.int('repl-backlog-size'));
  }

  // ---------------------------------------------------------------- primary side

  replconf(c: Client, argv: string[]): string | null {
    if ((argv.length - 1) % 2 !== 0) return 'ERR syntax error';
    // dssm: REPLCONF FENCE <ms> (sent by a sentinel before it chooses a replica to promote):
    // stop following the primary for <ms> (0: resume), until then or the next REPLICAOF.
    if (argv.length === 3 && argv[1]!.toLowerCase() === 'fence') {
      const ms = Number(argv[2]);
      if (!Number.isInteger(ms) || ms < 0) return 'ERR value is not an integer or out of range';
      if (this.link === null) return 'ERR REPLCONF FENCE: not a replica';
      this.link.fence(Math.min(ms, 600_000));
      return null;
    }
    let info = this.peerInfo.get(c);
    if (!info) this.peerInfo.set(c, (info = { port: 0, ip: '', capa: new Set() }));
    for (let i = 1; i < argv.length; i += 2) {
      const opt = argv[i]!.toLowerCase();
      const val = argv[i + 1]!;
      switch (opt) {
        case 'listening-port': {
          const n = Number(val);
          if (!Number.isInteger(n)) return 'ERR value is not an integer or out of range';
          info.port = n;
          break;
        }
        case 'ip-address':
          info.ip = val;
          break;
        case 'capa':
          info.capa.add(val.toLowerCase());
          break;
        case 'ack': {
          const p = this.peers.find((x) => x.client === c);
          if (p) this.ack(p, Number(val));
          return ''; // no reply, as Redis
        }
        case 'getack':
          if (this.link !== null && c.flags.primary) this.link.sendAck();
          return '';
        case 'rdb-only':
        case 'rdb-filter-only':
          break;
        default:
          return `ERR Unrecognized REPLCONF option: ${argv[i]}`;
      }
    }
    return null;
  }

  private ack(p: Peer, off: number): void {
    if (!Number.isFinite(off)) return;
    if (off > p.ackOffset) p.ackOffset = off;
    p.ackAt = performance.now();
    if (p.waitFirstAck) {
      p.waitFirstAck = false;
      const held = p.held;
      p.held = [];
      for (const b of held) this.writeStream(p, b);
    }
    if (this.ackWaiters.size !== 0) this.checkWaiters();
    this.onAck?.();
  }

  /** Replicas online whose acknowledged offset reaches target. */
  countAcked(target: number): number {
    let n = 0;
    for (const p of this.peers) if (p.state === 'online' && p.ackOffset >= target) n++;
    return n;
  }

  /** Replicas online with an ACK within maxLagMs (monotonic). */
  countGood(maxLagMs: number): number {
    const now = performance.now();
    let n = 0;
    for (const p of this.peers) if (p.state === 'online' && now - p.ackAt <= maxLagMs) n++;
    return n;
  }

  /** PSYNC / SYNC from a client that becomes a replica. Returns an error text or null. */
  psync(c: Client, argv: string[]): string | null {
    if (c.flags.replica) return '';
    if (this.isReplica && (this.link === null || this.link.state !== 'connected')) return "NOMASTERLINK Can't SYNC while not connected with my master";
    const socket = (c as unknown as { socket?: Socket }).socket;
    if (!socket) return 'ERR replication needs a network connection';
    const info = this.peerInfo.get(c) ?? { port: 0, ip: '', capa: new Set<string>() };
    // Replies queued before PSYNC go first; from here on we write the socket ourselves.
    const pending = c.reply.take();
    if (pending !== null) socket.write(pending);
    c.flags.replica = true;
    this.flushOut();
    const ip = info.ip || c.addr.slice(0, c.addr.lastIndexOf(':'));
    const peer: Peer = {
      client: c,
      socket,
      ip,
      port: info.port,
      state: 'wait_bgsave',
      ackOffset: 0,
      ackAt: performance.now(),
      capaEof: info.capa.has('eof'),
      capaPsync2: info.capa.has('psync2'),
      waitFirstAck: false,
      held: [],
      headerSent: false,
      lastNewline: performance.now(),
      streamQueued: 0,
    };
    const isPsync = argv[0]!.toLowerCase() === 'psync';
    if (isPsync && argv.length > 3 && argv[3]!.toLowerCase() === 'failover') {
      // FAILOVER from our primary: promote first, then the PSYNC continues partially.
      if (argv[1] !== this.replId) {
        c.flags.replica = false;
        return 'ERR PSYNC FAILOVER replid must match my replid.';
      }
      if (this.isReplica) this.promote();
    }
    if (isPsync) {
      const reqId = argv[1]!;
      const reqOff = Number(argv[2]);
      if (reqId !== '?' && this.backlog !== null && Number.isInteger(reqOff)) {
        const idOk = reqId === this.replId || (reqId === this.replId2 && reqOff <= this.secondOffset);
        const first = this.backlog.firstOffset(this.offset);
        if (idOk && reqOff >= first && reqOff <= this.offset + 1) {
          const data = this.backlog.since(reqOff, this.offset)!;
          socket.write(peer.capaPsync2 ? `+CONTINUE ${this.replId}\r\n` : '+CONTINUE\r\n');
          peer.state = 'online';
          if (data.length) this.writeStream(peer, data);
          this.attachPeer(peer);
          this.stats.syncPartialOk++;
          log('info', 'Partial resynchronization request accepted', { replica: c.addr, bytes: data.length });
          return null;
        }
      }
      if (reqId !== '?') this.stats.syncPartialErr++;
    }
    this.stats.syncFull++;
    if (this.backlog === null && !this.isReplica) {
      // A new history starts: Redis changes the ID when it creates the backlog.
      this.replId = newReplId();
      this.replId2 = NO_REPLID;
      this.secondOffset = -1;
    }
    if (this.backlog === null) this.backlog = new Backlog(this.backlogSize());
    this.attachPeer(peer);
    if (!isPsync) peer.capaEof = false;
    (peer as Peer & { legacySync?: boolean }).legacySync = !isPsync;
    this.fullSync(peer);
    return null;
  }

  private fullSync(peer: Peer): void {
    const job = this.job;
    if (job !== null) {
      // Join the transfer under way: it keeps every chunk, and the stream since its offset.
      job.peers.push(peer);
      this.fullResyncLine(peer, job);
      if (peer.capaEof && job.diskless) {
        peer.socket.write(`$EOF:${job.mark}\r\n`);
        for (const ch of job.chunks) peer.socket.write(ch);
        peer.headerSent = true;
        peer.state = 'send_bulk';
      }
      return;
    }
    if (activeSnapshot() !== null) {
      // A BGSAVE or AOF rewrite holds the snapshot: start when it ends.
      this.waitingFull.push(peer);
      return;
    }
    this.startJob([peer]);
  }

  private fullResyncLine(peer: Peer, job: FullSyncJob): void {
    if ((peer as Peer & { legacySync?: boolean }).legacySync) return;
    peer.socket.write(`+FULLRESYNC ${job.replId} ${job.offset}\r\n`);
  }

  private startJob(peers: Peer[]): void {
    this.flushOut();
    const snapshot = new KeyspaceSnapshot(this.node.keyspace);
    const diskless = this.node.config.get('repl-diskless-sync') === 'yes';
    const job: FullSyncJob = {
      replId: this.replId,
      offset: this.offset,
      chunks: [],
      bytes: 0,
      tail: [],
      tailBytes: 0,
      peers: [...peers],
      mark: randomBytes(20).toString('hex'),
      diskless,
    };
    this.job = job;
    const streamDb = this.isReplica && this.link ? this.link.client.db.id : 0;
    // The stream after the snapshot starts with a SELECT (on a primary).
    if (!this.isReplica) this.seldb = -1;
    for (const p of job.peers) {
      this.fullResyncLine(p, job);
      if (p.capaEof && diskless) {
        p.socket.write(`$EOF:${job.mark}\r\n`);
        p.headerSent = true;
        p.state = 'send_bulk';
      }
    }
    log('info', 'Starting full synchronization', { replicas: peers.length, keys: snapshot.totalKeys, diskless });
    const sink = (b: Buffer) => {
      job.chunks.push(b);
      job.bytes += b.length;
      for (const p of job.peers) if (p.headerSent) p.socket.write(b);
    };
    void runAsync(writeRdbSnapshot(this.node, snapshot, sink, { aofBase: false, repl: { replId: job.replId, offset: job.offset, streamDb } }))
      .then(() => this.finishJob(job))
      .catch((err) => {
        snapshot.finish();
        log('error', 'full synchronization failed', { error: (err as Error).message });
        this.job = null;
        for (const p of job.peers) this.dropPeer(p);
      });
  }

  private finishJob(job: FullSyncJob): void {
    this.flushOut();
    this.job = null;
    const tail = job.tail.length ? Buffer.concat(job.tail) : null;
    for (const p of job.peers) {
      if (!this.peers.includes(p)) continue;
      if (p.headerSent) {
        p.socket.write(job.mark);
        p.waitFirstAck = true;
        if (tail) p.held.push(tail);
      } else {
        p.socket.write(`$${job.bytes}\r\n`);
        for (const ch of job.chunks) p.socket.write(ch);
        if (tail) this.writeStream(p, tail);
      }
      p.state = 'online';
      p.ackAt = performance.now();
    }
    log('info', 'Synchronization with replicas succeeded', { replicas: job.peers.length, bytes: job.bytes });
    this.startWaiting();
  }

  private startWaiting(): void {
    if (this.waitingFull.length === 0 || this.job !== null || activeSnapshot() !== null) return;
    const w = this.waitingFull.filter((p) => this.peers.includes(p));
    this.waitingFull = [];
    if (w.length) this.startJob(w);
  }

  dropPeer(p: Peer): void {
    const i = this.peers.indexOf(p);
    if (i >= 0) this.peers.splice(i, 1);
    if (this.job) {
      const j = this.job.peers.indexOf(p);
      if (j >= 0) this.job.peers.splice(j, 1);
    }
    if (this.peers.length === 0) this.noReplicasSince = Date.now();
    p.socket.destroy();
  }

  onClientClosed(c: Client): void {
    if (!c.flags.replica) return;
    const p = this.peers.find((x) => x.client === c);
    if (p) this.dropPeer(p);
    this.waitingFull = this.waitingFull.filter((x) => x.client !== c);
  }

  disconnectPeers(): void {
    for (const p of [...this.peers]) {
      const kill = (p.client as unknown as { kill?: (r: string) => void }).kill;
      if (kill) kill.call(p.client, 'replication ID changed');
      this.dropPeer(p);
    }
  }

  /** Ask replicas for an ACK (REPLCONF GETACK with the next flush, in this event-loop turn). */
  requestAcks(): void {
    if (this.isReplica || this.peers.length === 0) return;
    this.ackWanted = true;
    if (!this.outScheduled) this.scheduleFlush();
  }

  /** WAIT: call done once n replicas acknowledged target, or at the timeout (0 = none). */
  waitAcks(target: number, n: number, timeoutMs: number, done: (acked: number, timedOut: boolean) => void): () => void {
    const w: AckWaiter = { target, n, done, timer: null };
    this.ackWaiters.add(w);
    if (timeoutMs > 0) {
      w.timer = setTimeout(() => {
        this.ackWaiters.delete(w);
        done(this.countAcked(target), true);
      }, timeoutMs);
    }
    this.requestAcks();
    return () => {
      if (w.timer) clearTimeout(w.timer);
      this.ackWaiters.delete(w);
    };
  }

  private checkWaiters(): void {
    for (const w of [...this.ackWaiters]) {
      const k = this.countAcked(w.target);
      if (k >= w.n) {
        this.ackWaiters.delete(w);
        if (w.timer) clearTimeout(w.timer);
        w.done(k, false);
      }
    }
  }

  // ---------------------------------------------------------------- role changes

  /** REPLICAOF host port. Returns false when already replicating from it. */
  replicaOf(host: string, port: number, failover = false): boolean {
    if (this.isReplica && this.primaryHost === host && this.primaryPort === port) return false;
    this.link?.stop();
    this.link = null;
    this.primaryHost = host;
    this.primaryPort = port;
    this.node.keyspace.replicaMode = true;
    if (this.backlog === null) this.backlog = new Backlog(this.backlogSize());
    this.link = new PrimaryLink(this, host, port, failover);
    if (this.restored !== null) {
      // A position restored from disk (restore.ts): continue it, as Redis's cached primary.
      this.link.continueRestored(this.restored.streamDb);
      this.restored = null;
    }
    this.link.start();
    log('info', 'Connecting to MASTER', { host, port });
    return true;
  }

  /** REPLICAOF NO ONE: become a primary; the old history stays reachable as replid2. */
  promote(): void {
    if (!this.isReplica) return;
    this.link?.stop();
    this.link = null;
    this.primaryHost = '';
    this.primaryPort = 0;
    this.node.keyspace.replicaMode = false;
    this.shiftReplId();
    this.disconnectPeers();
    this.seldb = -1;
    this.noReplicasSince = Date.now();
    log('info', 'MASTER MODE enabled', { replid: this.replId, replid2: this.replId2 });
  }

  shiftReplId(): void {
    this.replId2 = this.replId;
    this.secondOffset = this.offset + 1;
    this.replId = newReplId();
  }

  /** A replica adopted its primary's snapshot: the history restarts at the primary's ID and offset. */
  adoptPrimary(replId: string, offset: number): void {
    this.replId = replId;
    this.offset = offset;
    this.replId2 = NO_REPLID;
    this.secondOffset = -1;
    this.chunkStart = this.chunkEnd;
    this.bl = new Backlog(this.backlogSize());
    this.outQ = [];
    this.outBytes = 0;
  }

  /** +CONTINUE <id> with another ID than ours: the primary was promoted; keep ours as replid2. */
  continued(newId: string | null): void {
    if (newId && newId !== this.replId) {
      this.replId2 = this.replId;
      this.secondOffset = this.offset + 1;
      this.replId = newId;
      this.disconnectPeers();
    }
  }

  // ---------------------------------------------------------------- cron

  cron(): void {
    const now = performance.now();
    if (now - this.lastSecond < 1000) return;
    this.lastSecond = now;
    const cfg = this.node.config;
    const timeoutMs = cfg.int('repl-timeout') * 1000;
    if (!this.isReplica && this.peers.length !== 0) {
      const period = cfg.int('repl-ping-replica-period') * 1000;
      if (now - this.lastPing >= period) {
        this.lastPing = now;
        this.feedStream(encodeCommand(['PING']));
      }
    }
    for (const p of [...this.peers]) {
      if (p.state !== 'online' && !p.headerSent) {
        if (now - p.lastNewline >= 1000) {
          p.lastNewline = now;
          p.socket.write('\n');
        }
      } else if (p.state === 'online' && now - p.ackAt > timeoutMs) {
        log('warn', 'Disconnecting timedout replica', { replica: p.client.addr });
        this.dropPeer(p);
      }
    }
    this.startWaiting();
    const ttl = cfg.int('repl-backlog-ttl');
    if (!this.isReplica && this.peers.length === 0 && this.backlog !== null && ttl > 0 && Date.now() - this.noReplicasSince > ttl * 1000) {
      this.backlog = null;
      this.replId = newReplId();
      this.replId2 = NO_REPLID;
      this.secondOffset = -1;
      log('info', 'Replication backlog freed after timeout', { seconds: ttl });
    }
    this.link?.cron(timeoutMs);
  }
}

declare module '../commands/context.js' {
  interface ServerExtensions {
    replication?: Replication;
    replicationSync?: { holding(): boolean };
  }
}
