/**
 * One client connection: socket in, requests through the reader to the dispatcher,
 * replies out in one write per batch.
 *
 * Flow: every 'data' event feeds the reader, then runs every complete request in order,
 * then flushes all replies with a single socket write. A blocked client (BLPOP) or a
 * paused one (CLIENT PAUSE) stops running requests; its input stays buffered until
 * resume().
 *
 * Output limits and backpressure (see output-limits.ts). socket.write() never refuses
 * bytes: what the kernel does not take waits in JS memory, so a client that does not read
 * would grow the process without bound. After each command the session compares its
 * unsent output (reply buffer + socket queue) with its limits: over one, the client is
 * closed at once and its output dropped, as Redis does. Below them, once the unsent output
 * reaches the hold threshold (64 MB, or the class's limits if higher), the session holds
 * its requests until the socket drains: replies that cannot be sent are not produced. It
 * keeps reading while held (a client that writes its whole pipeline before reading, as
 * redis-py does, must not deadlock), but keeps those bytes aside, unparsed, and stops
 * reading once they reach HELD_INPUT_MAX; client-query-buffer-limit counts them.
 */
import type { Socket } from 'node:net';
import { channels, log } from '../observe/events.js';
import type { OutputLimits } from './output-limits.js';
import { ProtocolError, RespReader } from '../protocol/resp-reader.js';
import { ReplyWriter } from '../protocol/resp-writer.js';
import type { Client, ClientFlags, ReplyMode, ServerContext } from '../commands/context.js';
import type { Database } from '../keyspace/keyspace.js';
import type { Dispatcher } from '../commands/dispatch.js';

/** Sessions with replies produced outside their own request processing, flushed together. */
const flushQueue = new Set<Session>();
let flushScheduled = false;
function flushAll(): void {
  flushScheduled = false;
  for (const s of flushQueue) s.flush();
  flushQueue.clear();
}

export interface SessionOptions {
  /** Current limits, read at each use so CONFIG SET applies to live connections. */
  limits: { maxBulkLen: number; queryBufferLimit: number };
  /** Whether clients must authenticate (requirepass or a default user with a password). */
  authRequired: () => boolean;
  /** Whether commands are paused for this client right now (CLIENT PAUSE). */
  isPaused: (c: Session) => boolean;
  onClose: (c: Session) => void;
}

let nextClientId = 1;

/** Input kept aside while requests are held for output backpressure, before reading pauses. */
const HELD_INPUT_MAX = 64 * 1024 * 1024;

/**
 * A gate every reply passes before it is written. The AOF installs one: when writes are
 * buffered, it returns true and calls flush() again once they are in the file, so no write
 * is acknowledged before it is logged (and fsynced under appendfsync always).
 */
let replyGate: ((s: Session) => boolean) | null = null;
export function setReplyGate(gate: ((s: Session) => boolean) | null): void {
  replyGate = gate;
}
/** The gate in place, so that another subsystem (synchronous replication) can chain to it. */
export function getReplyGate(): ((s: Session) => boolean) | null {
  return replyGate;
}

/**
 * One read buffer for every plain-TCP connection. Node reads into it (instead of a new
 * 64 KB allocation per read that then goes through the Readable stream machinery) and
 * calls the session synchronously; the reader parses requests in place and copies only
 * an incomplete tail before the next read can overwrite it.
 */
const sharedReadBuffer = Buffer.allocUnsafe(64 * 1024);

interface ReadSymbols {
  buffer: symbol;
  callback: symbol;
  gen: symbol;
}
let readSymbols: ReadSymbols | null | undefined;

/**
 * Make an accepted socket read into sharedReadBuffer and call `onRead(bytes)`, as a socket
 * created with net.Socket's documented `onread` option does. net.Server offers no such
 * option for the sockets it accepts, so this sets the same two internal fields that option
 * sets and tells the handle to use the buffer (what net.Socket does itself). It checks
 * every piece it relies on and returns false, leaving the socket untouched (the caller
 * listens to 'data' then), when Node's internals are not the expected ones.
 */
function readIntoSharedBuffer(socket: Socket, onRead: (n: number) => void): boolean {
  if (readSymbols === undefined) {
    const find = (name: string) => Object.getOwnPropertySymbols(socket).find((s) => s.description === name);
    const buffer = find('kBuffer');
    const callback = find('kBufferCb');
    const gen = find('kBufferGen');
    readSymbols = buffer && callback && gen ? { buffer, callback, gen } : null;
  }
  const handle = (socket as unknown as { _handle?: { useUserBuffer?: (b: Buffer) => void } })._handle;
  if (readSymbols === null || !handle || typeof handle.useUserBuffer !== 'function') return false;
  const fields = socket as unknown as Record<symbol, unknown>;
  if (fields[readSymbols.buffer] !== null || fields[readSymbols.callback] !== null || fields[readSymbols.gen] !== null) return false;
  handle.useUserBuffer(sharedReadBuffer);
  fields[readSymbols.buffer] = sharedReadBuffer;
  fields[readSymbols.callback] = (n: number): boolean => {
    onRead(n);
    return true;
  };
  return true;
}

export class Session implements Client {
  readonly id = nextClientId++;
  readonly addr: string;
  readonly laddr: string;
  readonly local: boolean;
  name = '';
  user = 'default';
  authenticated: boolean;
  db: Database;
  readonly reply = new ReplyWriter();
  readonly flags: ClientFlags = {
    multi: false,
    dirtyExec: false,
    dirtyCas: false,
    closeAfterReply: false,
    pubsub: false,
    replica: false,
    primary: false,
    monitor: false,
    blocked: false,
    noEvict: false,
  };
  replyMode: ReplyMode = 'on';
  /** CLIENT REPLY SKIP applies to the next command only. */
  skipNext = false;
  libName = '';
  libVer = '';
  readonly createdAt = Date.now();
  lastInteraction = Date.now();
  lastCommand = 'NULL';
  multiQueue: Client['multiQueue'] = [];
  readonly watchedKeys = new Set<string>();
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  readonly shardChannels = new Set<string>();
  private readonly reader: RespReader;
  private closed = false;
  private processing = false;
  /** Set when the client is closed by the server; the reason goes to the log. */
  closeReason = '';
  /** Unix seconds when the output first reached its class's soft limit; 0 while below it. */
  obufSoftLimitReachedTime = 0;
  /**
   * For a replica (set by replication): its unsent replication stream bytes, which its
   * output limit applies to (the stream is written to the socket outside the reply buffer).
   */
  replicaOutput: (() => number) | null = null;
  /** Requests held until the socket drains (output backpressure). */
  private outputHeld = false;
  /** Input received while held, not given to the reader yet. */
  private heldInput: Buffer[] = [];
  private heldInputBytes = 0;
  private readPaused = false;

  constructor(
    readonly socket: Socket,
    readonly server: ServerContext,
    private readonly dispatcher: Dispatcher,
    private readonly opts: SessionOptions,
    readonly tls: boolean,
  ) {
    this.addr = formatAddr(socket.remoteAddress, socket.remotePort);
    this.laddr = formatAddr(socket.localAddress, socket.localPort);
    this.local = isLoopback(socket.remoteAddress);
    this.authenticated = !opts.authRequired();
    this.db = server.keyspace.db(0);
    this.reader = new RespReader({
      get maxBulkLen() {
        return opts.limits.maxBulkLen;
      },
      authRequired: () => !this.authenticated,
    });
    socket.setNoDelay(true);
    if (tls || !readIntoSharedBuffer(socket, (n) => this.onData(sharedReadBuffer.subarray(0, n), true))) {
      socket.on('data', (chunk: Buffer) => this.onData(chunk, false));
    }
    socket.on('error', () => {}); // 'close' follows; resets are routine for a server
    socket.on('close', () => this.onSocketClosed());
    socket.on('drain', () => this.onDrain());
  }

  /** Bytes received; `borrowed` when they sit in the shared read buffer (see feed()). */
  private onData(chunk: Buffer, borrowed: boolean): void {
    this.server.stats.netInputBytes += chunk.length;
    this.lastInteraction = Date.now();
    if (this.outputHeld) {
      this.holdInput(chunk, borrowed);
      return;
    }
    const reader = this.reader;
    try {
      reader.feed(chunk, borrowed);
      if (reader.buffered > this.opts.limits.queryBufferLimit) {
        this.closeForQueryBuffer();
        return;
      }
      this.process();
    } catch (err) {
      // process() has its own net; this catches the reader and the flush.
      this.failed(err);
      this.kill('internal error');
    } finally {
      // The next read (of any connection) overwrites the shared buffer.
      if (borrowed) reader.detach();
    }
  }

  /** Input that arrives while requests are held: kept as is (copied off the shared buffer). */
  private holdInput(chunk: Buffer, borrowed: boolean): void {
    this.heldInput.push(borrowed ? Buffer.from(chunk) : chunk);
    this.heldInputBytes += chunk.length;
    if (this.queryBufferBytes() > this.opts.limits.queryBufferLimit) {
      this.closeForQueryBuffer();
      return;
    }
    if (this.heldInputBytes >= HELD_INPUT_MAX && !this.readPaused) {
      this.readPaused = true;
      this.socket.pause();
    }
  }

  /** The socket drained (or nearly): run the held requests again. */
  private releaseHold(): void {
    if (!this.outputHeld || this.closed) return;
    this.outputHeld = false;
    if (this.heldInput.length !== 0) {
      const held = this.heldInput.length === 1 ? this.heldInput[0]! : Buffer.concat(this.heldInput, this.heldInputBytes);
      this.heldInput = [];
      this.heldInputBytes = 0;
      this.reader.feed(held, false);
    }
    if (this.readPaused) {
      this.readPaused = false;
      this.socket.resume();
    }
    setImmediate(() => this.process());
  }

  private closeForQueryBuffer(): void {
    log('warn', 'Closing client that reached max query buffer length', { client: this.id, addr: this.addr, qbuf: this.queryBufferBytes() });
    this.heldInput = [];
    this.heldInputBytes = 0;
    this.close('query buffer limit');
    this.socket.destroy();
  }

  /**
   * Close the client now if its output is over a limit (checked when replies are queued
   * and by the cron); true when it is closed.
   */
  enforceOutputLimits(): boolean {
    if (this.closed) return true;
    const limits = this.server.ext.outputLimits;
    if (limits === undefined) return false;
    const used = this.outputBufferBytes();
    if (!limits.reached(this, used)) return false;
    this.closeForOutput(limits, used);
    return true;
  }

  private closeForOutput(limits: OutputLimits, used: number): void {
    limits.closing(this, used);
    this.reply.discard();
    this.heldInput = [];
    this.heldInputBytes = 0;
    this.kill('output buffer limit');
  }

  /** Run every complete buffered request, then flush the replies once. */
  process(): void {
    if (this.processing) return;
    this.processing = true;
    const limits = this.server.ext.outputLimits;
    try {
      const flags = this.flags;
      while (!flags.blocked && !flags.closeAfterReply && !this.closed && !this.outputHeld) {
        if (this.opts.isPaused(this)) break;
        let argv: string[] | null;
        try {
          argv = this.reader.next();
        } catch (err) {
          if (!(err instanceof ProtocolError)) throw err;
          this.dispatcher.replyError(this, `ERR Protocol error: ${err.message}`);
          this.closeReason = `protocol error: ${err.message}`;
          flags.closeAfterReply = true;
          break;
        }
        if (argv === null) break;
        if (this.replyMode === 'on' && !this.skipNext) {
          this.dispatcher.execute(this, argv);
        } else {
          this.executeQuietly(argv);
        }
        if (limits !== undefined) {
          const used = this.outputBufferBytes();
          if (used !== 0) {
            if (limits.reached(this, used)) {
              this.closeForOutput(limits, used);
              break;
            }
            if (used >= limits.holdAt(this)) this.outputHeld = true;
          }
        }
      }
    } catch (err) {
      this.failed(err);
    } finally {
      this.processing = false;
    }
    this.flush();
  }

  /**
   * The safety net under one client's request handling: an exception that escaped the
   * dispatcher (a bug outside any handler) ends this client, with an error reply where the
   * reply stream allows one and a log line, never the process.
   */
  private failed(err: unknown): void {
    this.server.stats.unexpectedErrorReplies++;
    if (channels.log.hasSubscribers) channels.log.publish({ level: 'error', msg: 'client request handling failed', client: this.id, addr: this.addr, err: String((err as Error)?.stack ?? err) });
    this.closeReason ||= 'internal error';
    this.flags.closeAfterReply = true;
    try {
      this.reply.error('ERR internal error');
    } catch {
      this.reply.discard();
    }
  }

  /** Byte ranges of pushes written while a command runs quietly (see executeQuietly). */
  private quietPushes: number[] | null = null;

  keepPush(start: number): void {
    if (this.quietPushes !== null) this.quietPushes.push(start, this.reply.mark());
  }

  /** CLIENT REPLY OFF/SKIP: run the command but drop its reply, keeping the pushes it caused. */
  private executeQuietly(argv: string[]): void {
    const mark = this.reply.mark();
    const skipping = this.skipNext;
    const pushes: number[] = [];
    this.quietPushes = pushes;
    try {
      this.dispatcher.execute(this, argv);
    } finally {
      this.quietPushes = null;
    }
    // CLIENT REPLY ON's own +OK must be seen; anything else but pushes is dropped.
    if (this.replyMode !== 'on' || skipping) {
      if (pushes.length === 0) this.reply.truncate(mark);
      else {
        const all = this.reply.take()!;
        this.reply.writeRaw(all.subarray(0, mark));
        for (let i = 0; i < pushes.length; i += 2) this.reply.writeRaw(all.subarray(pushes[i], pushes[i + 1]));
      }
    }
    if (skipping) this.skipNext = false;
  }

  /** Write pending replies in one socket write. */
  flush(): void {
    if (this.closed) return;
    // Persistence may hold replies until the writes they acknowledge are in the AOF.
    if (replyGate?.(this)) return;
    const out = this.reply.takeView();
    if (out !== null) {
      this.server.stats.netOutputBytes += out.length;
      const socket = this.socket;
      socket.write(out);
      // A write the kernel took at once has left the socket's queue by now (Writable
      // accounts synchronously completed writes before returning); otherwise the socket
      // still holds the view and the reply buffer must not be reused.
      this.reply.released(socket.writableLength !== 0);
      // Replies queued outside the client's own requests (pub/sub, unblocked commands)
      // are checked here; its own requests are checked as they run.
      if (!this.processing && socket.writableLength !== 0 && this.enforceOutputLimits()) return;
    }
    // Held for backpressure but the kernel took (nearly) everything: no 'drain' will come.
    if (this.outputHeld && this.socket.writableLength < this.socket.writableHighWaterMark) this.releaseHold();
    if (this.flags.closeAfterReply) this.endSoon();
  }

  flushSoon(): void {
    flushQueue.add(this);
    if (!flushScheduled) {
      flushScheduled = true;
      queueMicrotask(flushAll);
    }
  }

  resume(): void {
    if (this.closed) return;
    setImmediate(() => this.process());
  }

  propagateAs(argv: string[]): void {
    this.dispatcher.propagateAs(argv);
  }

  close(reason = 'closed by server'): void {
    if (this.closed) return;
    this.closeReason ||= reason;
    this.flags.closeAfterReply = true;
    if (!this.processing) this.flush();
  }

  private endSoon(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
    // A peer that never reads must not keep the socket (and its buffers) forever.
    setTimeout(() => this.socket.destroy(), 5000).unref();
    this.opts.onClose(this);
  }

  private onSocketClosed(): void {
    if (!this.closed) {
      this.closed = true;
      this.opts.onClose(this);
    }
    if (channels.clientClosed.hasSubscribers) channels.clientClosed.publish({ id: this.id, addr: this.addr, reason: this.closeReason || 'peer closed' });
  }

  private onDrain(): void {
    if (this.outputHeld) this.releaseHold();
  }

  /** Kill now, without waiting for replies (CLIENT KILL, output buffer limits). */
  kill(reason: string): void {
    this.closeReason ||= reason;
    this.heldInput = [];
    this.heldInputBytes = 0;
    if (!this.closed) {
      this.closed = true;
      this.opts.onClose(this);
    }
    this.socket.destroy();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Received bytes not yet run: the reader's buffer and input held aside (qbuf). */
  queryBufferBytes(): number {
    return this.reader.buffered + this.heldInputBytes;
  }

  /**
   * Output not yet taken by the kernel: replies not yet flushed plus what the socket
   * queues in JS memory (for a replica: its unsent replication stream).
   */
  outputBufferBytes(): number {
    if (this.replicaOutput !== null) return this.replicaOutput();
    return this.reply.pendingBytes + this.socket.writableLength;
  }

  /**
   * CLIENT LIST's output fields: obl = replies not yet handed to the socket (Redis's fixed
   * reply buffer), oll = writes queued in the socket (its reply list), omem = bytes queued
   * in the socket (or a replica's unsent stream), rbs = the reply buffer's size.
   */
  outputBuffers(): { obl: number; oll: number; omem: number; rbs: number } {
    const socket = this.socket;
    const queued = socket.writableLength;
    let oll = 0;
    if (queued !== 0) {
      const pendingWrites = (socket as unknown as { writableBuffer?: unknown[] }).writableBuffer;
      oll = (Array.isArray(pendingWrites) ? pendingWrites.length : 0) + 1;
    }
    const omem = this.replicaOutput !== null ? this.replicaOutput() : queued;
    return { obl: this.reply.pendingBytes, oll, omem, rbs: this.reply.capacity };
  }
}

/** Whether a peer address is loopback (or a unix socket, which has none). */
export function isLoopback(address: string | undefined): boolean {
  const ra = address ?? '';
  return ra === '127.0.0.1' || ra === '::1' || ra.startsWith('::ffff:127.') || ra.startsWith('127.') || ra === '';
}

function formatAddr(ip: string | undefined, port: number | undefined): string {
  if (!ip) return '?:0';
  const a = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return `${a}:${port ?? 0}`;
}
