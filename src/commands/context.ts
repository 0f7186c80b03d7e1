/**
 * What command handlers see: the client that sent the command, and the server's parts
 * through small interfaces. Handlers never import subsystems (replication, persistence,
 * ACL, pub/sub); the composition root (src/node.ts) builds the concrete parts and puts
 * them here. This keeps the import graph a ladder: cli → node → commands → subsystems →
 * keyspace and protocol → errors and events.
 */
import type { Database, Keyspace, Clock } from '../keyspace/keyspace.js';
import type { ReplyWriter } from '../protocol/resp-writer.js';
import type { ConfigStore } from '../config/store.js';
import type { CommandSpec } from './spec.js';

/** Client flags, as CLIENT LIST's `flags=` letters describe them. */
export interface ClientFlags {
  /** In MULTI. */
  multi: boolean;
  /** A queued command failed to queue: EXEC will abort. */
  dirtyExec: boolean;
  /** A watched key was touched: EXEC will return null. */
  dirtyCas: boolean;
  /** Close once the pending replies are written (QUIT, protocol errors). */
  closeAfterReply: boolean;
  /** Subscribed to channels or patterns (RESP2 restricts the commands then). */
  pubsub: boolean;
  /** This connection is the replication link of a replica (REPLCONF/PSYNC). */
  replica: boolean;
  /** This connection is our link to our primary: its writes are applied, not answered. */
  primary: boolean;
  /** MONITOR. */
  monitor: boolean;
  /** Blocked in BLPOP and similar. */
  blocked: boolean;
  /** CLIENT NO-EVICT */
  noEvict: boolean;
}

/** CLIENT REPLY mode. */
export type ReplyMode = 'on' | 'off' | 'skip';

/** One connection, as command handlers see it. */
export interface Client {
  readonly id: number;
  /** The connection's peer, "ip:port", and our side. */
  readonly addr: string;
  readonly laddr: string;
  /** The connection came over TLS / a unix socket / loopback. */
  readonly tls: boolean;
  readonly local: boolean;
  name: string;
  /** Authenticated user name (default user until AUTH says otherwise). */
  user: string;
  authenticated: boolean;
  /** The selected database. */
  db: Database;
  readonly reply: ReplyWriter;
  readonly server: ServerContext;
  readonly flags: ClientFlags;
  replyMode: ReplyMode;
  /**
   * Called after a push (pub/sub message or subscription confirmation) was written from
   * `start` (a reply mark): under CLIENT REPLY OFF/SKIP pushes are still delivered, as in
   * Redis, where they are not replies to the command that produced them.
   */
  keepPush?(start: number): void;
  /** Library name and version from CLIENT SETINFO. */
  libName: string;
  libVer: string;
  readonly createdAt: number;
  lastInteraction: number;
  /** The last command this client ran, for CLIENT LIST's cmd=. */
  lastCommand: string;
  /** Queued commands in MULTI. */
  multiQueue: { spec: CommandSpec; argv: string[] }[];
  /** Keys this client watches, as "db\0key". */
  readonly watchedKeys: Set<string>;
  /** Channels and patterns this client subscribes to (pub/sub). */
  readonly channels: Set<string>;
  readonly patterns: Set<string>;
  readonly shardChannels: Set<string>;
  /**
   * Replace what is propagated for the current command (to AOF and replicas), e.g.
   * `SET k v PXAT t` for `SET k v EX s`. Several calls propagate several commands.
   */
  propagateAs(argv: string[]): void;
  /** Process buffered requests again after being blocked or paused. */
  resume(): void;
  /** Send pending replies soon (for replies produced outside this client's own requests). */
  flushSoon(): void;
  /** Close the connection after the pending replies are written. */
  close(reason?: string): void;
  /** Bytes buffered but not yet read / not yet written, for CLIENT LIST. */
  queryBufferBytes(): number;
  outputBufferBytes(): number;
}

/** Counters for INFO stats. */
export interface ServerStats {
  startTime: number;
  totalConnections: number;
  rejectedConnections: number;
  totalCommands: number;
  netInputBytes: number;
  netOutputBytes: number;
  errorReplies: number;
  unexpectedErrorReplies: number;
  /** Error replies by their first word, for INFO errorstats. */
  errorsByPrefix: Map<string, number>;
  evictedKeys: number;
  evictedClients: number;
  totalReads: number;
  totalWrites: number;
}

/** Connected clients, for CLIENT LIST/KILL/PAUSE and INFO clients. */
export interface ClientRegistry {
  all(): Iterable<Client>;
  get(id: number): Client | undefined;
  count(): number;
  /** CLIENT PAUSE: hold commands (all, or writes only) until the given monotonic time. */
  pause(untilMs: number, writesOnly: boolean): void;
  unpause(): void;
}

/** A sink for the effects of write commands (AOF, replication backlog). */
export interface PropagationSink {
  propagate(dbIndex: number, argv: readonly string[]): void;
}

/** A provider of one INFO section. */
export type InfoSection = () => [string, string | number][] | string;

export interface ServerContext {
  readonly keyspace: Keyspace;
  readonly clock: Clock;
  readonly config: ConfigStore;
  readonly clients: ClientRegistry;
  readonly stats: ServerStats;
  readonly runId: string;
  /** The command table (COMMAND, dispatch). */
  readonly commands: ReadonlyMap<string, CommandSpec>;
  /** Propagate a write's effect to AOF and replicas, in order. */
  propagate(dbIndex: number, argv: readonly string[]): void;
  addPropagationSink(sink: PropagationSink): void;
  /** Keyspace notification (notify-keyspace-events), by Redis's class letters. */
  notify(type: NotifyClass, event: string, key: string, dbIndex: number): void;
  /** INFO sections by name; subsystems add theirs. */
  readonly infoSections: Map<string, InfoSection>;
  /** Start a clean shutdown (SHUTDOWN, SIGTERM). */
  shutdown(opts: { save?: boolean; now?: boolean; force?: boolean }): Promise<void>;
  /** The dispatcher, for EXEC (run queued commands) and COMMAND GETKEYS (resolve argv). */
  readonly dispatch: DispatchApi;
  /** Subsystem hooks, present once the subsystem exists. */
  readonly ext: ServerExtensions;
}

/** What handlers may ask of the dispatcher. */
export interface DispatchApi {
  lookup(name: string): CommandSpec | undefined;
  /** Run a request with every check, as if a client had sent it (AOF replay, replication stream). */
  execute(c: Client, argv: string[]): void;
  /** Propagate argv instead of the current command's own argv. */
  propagateAs(argv: string[]): void;
  /** The spec that would run argv, or the error text Redis would answer. */
  resolve(c: Client | null, argv: string[]): CommandSpec | string;
  /** Run a command with accounting and propagation, without the pre-checks (EXEC). */
  call(c: Client, spec: CommandSpec, argv: string[]): void;
  /** Reply with an error and count it in errorstats. */
  replyError(c: Client, error: string): void;
  /** Register work to run after every top-level command (e.g. serving blocked clients). */
  readonly hooks: import('./dispatch.js').DispatchHooks;
}

/**
 * Optional subsystems that handlers reach through the context. Each is a small interface;
 * a handler that needs one checks it exists and otherwise answers as Redis would without
 * the feature.
 */
export interface ServerExtensions {
  /**
   * Subsystems add typed fields here by module augmentation from their own files:
   *   declare module '../commands/context.js' { interface ServerExtensions { pubsub?: PubSubHub } }
   * so that adding a subsystem never edits this file.
   */
  readonly _brand?: never;
}

/** Keyspace event classes (notify-keyspace-events letters). */
export type NotifyClass =
  | 'generic' // g
  | 'string' // $
  | 'list' // l
  | 'set' // s
  | 'hash' // h
  | 'zset' // z
  | 'expired' // x
  | 'evicted' // e
  | 'stream' // t
  | 'keymiss' // m
  | 'new'; // n
