/**
 * One client connection to the sentinel: its RESP reader, pending replies, subscriptions
 * and the client fields CLIENT LIST shows.
 */
import type net from 'node:net';
import { RespReader } from '../protocol/resp-reader.js';
import { ReplyWriter } from '../protocol/resp-writer.js';
import { now } from './state.js';

/** What a session needs of the sentinel that accepted it. */
export interface SessionOwner {
  readonly cfg: { readonly requirepass: string | null };
  readonly sessions: Set<SentinelSession>;
}

/** One client connection to the sentinel. */
export class SentinelSession {
  readonly reader: RespReader;
  readonly reply = new ReplyWriter();
  name = '';
  authenticated: boolean;
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  readonly createdAt = now();
  lastInteraction = now();
  lastCommand = 'NULL';
  closed = false;
  closeAfterReply = false;
  /** A command's reply is pending (see Sentinel.accept): the commands behind it wait. */
  waiting = false;

  constructor(
    readonly id: number,
    readonly sock: net.Socket,
    private readonly owner: SessionOwner,
  ) {
    this.authenticated = owner.cfg.requirepass === null;
    this.reader = new RespReader({ maxBulkLen: 512 * 1024 * 1024, authRequired: () => !this.authenticated });
  }

  get addr(): string {
    return `${(this.sock.remoteAddress ?? '').replace(/^::ffff:/, '')}:${this.sock.remotePort}`;
  }

  get laddr(): string {
    return `${(this.sock.localAddress ?? '').replace(/^::ffff:/, '')}:${this.sock.localPort}`;
  }

  get subscriptionCount(): number {
    return this.channels.size + this.patterns.size;
  }

  flush(): void {
    const b = this.reply.take();
    if (b && !this.closed) this.sock.write(b);
    if (this.closeAfterReply) this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sock.end();
    this.sock.destroy();
    this.owner.sessions.delete(this);
  }
}
