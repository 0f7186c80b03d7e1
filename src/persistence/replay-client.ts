/**
 * A connectionless client that replays commands into the keyspace: the AOF loader, and
 * (later) a replica applying its primary's stream. It is authenticated, never blocks, and
 * its replies are dropped, except that the last error is kept so the loader can refuse a
 * file whose commands fail.
 */
import type { Client, ClientFlags, ReplyMode, ServerContext } from '../commands/context.js';
import type { Database } from '../keyspace/keyspace.js';
import { ReplyWriter } from '../protocol/resp-writer.js';

let nextId = -1;

export class ReplayClient implements Client {
  readonly id = nextId--;
  readonly addr = 'replay:0';
  readonly laddr = 'replay:0';
  readonly tls = false;
  readonly local = true;
  name = '';
  user = 'default';
  authenticated = true;
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

  constructor(readonly server: ServerContext) {
    this.db = server.keyspace.db(0);
  }

  /** Run one command; returns the error reply text if it failed, else null. */
  run(argv: string[]): string | null {
    this.server.dispatch.execute(this, argv);
    const out = this.reply.take();
    if (out === null || out[0] !== 45 /* '-' */) return null;
    // A transaction's replies may hold several; report the first error line.
    return out.toString('latin1', 1, out.indexOf(13));
  }

  propagateAs(argv: string[]): void {
    this.server.dispatch.propagateAs(argv);
  }
  resume(): void {}
  flushSoon(): void {
    this.reply.discard();
  }
  close(): void {}
  queryBufferBytes(): number {
    return 0;
  }
  outputBufferBytes(): number {
    return 0;
  }
}
