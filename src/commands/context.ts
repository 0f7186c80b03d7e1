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
  readonly hooks: DispatchHooks;
}

/** Hooks run around commands; set by the composition root. */
export interface DispatchHooks {
  /** Refuse a command before it runs (READONLY, LOADING, MISCONF, OOM, NOREPLICAS, ACL). Returns an error or null. */
  guards: ((c: Client, spec: CommandSpec, argv: string[]) => string | null)[];
  /** After every top-level command (serve blocked clients, flush propagation). */
  after: (() => void)[];
  /** Whether MONITOR clients exist (to skip formatting otherwise). */
  monitorFeed: ((c: Client, argv: string[]) => void) | null;
  /** SLOWLOG: called with the duration of every command. */
  slowlog: ((c: Client, argv: string[], micros: number) => void) | null;
  /**
   * Before a write command runs (persistence snapshots keep the old values of its keys:
   * copy-on-write per key). Null when nothing needs it, so the hot path pays one test.
   */
  beforeWrite: ((c: Client, spec: CommandSpec, argv: string[]) => void) | null;
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

// The command table's types live here, beside Client and ServerContext, because they refer
// to each other; spec.ts (defineCommand, flag bits) re-exports them.

/** Redis's command flags (COMMAND INFO spells them the same, lower case). */
export type CommandFlag =
  | 'write'
  | 'readonly'
  | 'denyoom'
  | 'module'
  | 'admin'
  | 'pubsub'
  | 'noscript'
  | 'blocking'
  | 'loading'
  | 'stale'
  | 'skip_monitor'
  | 'skip_slowlog'
  | 'asking'
  | 'fast'
  | 'no_auth'
  | 'may_replicate'
  | 'sentinel'
  | 'only_sentinel'
  | 'no_mandatory_keys'
  | 'protected'
  | 'no_async_loading'
  | 'no_multi'
  | 'movablekeys'
  | 'allow_busy';

/** Command groups as COMMAND DOCS reports them. */
export type CommandGroup =
  | 'generic'
  | 'string'
  | 'list'
  | 'set'
  | 'sorted-set'
  | 'hash'
  | 'pubsub'
  | 'transactions'
  | 'connection'
  | 'server'
  | 'scripting'
  | 'hyperloglog'
  | 'cluster'
  | 'sentinel'
  | 'geo'
  | 'stream'
  | 'bitmap';

export type Handler = (c: Client, argv: string[]) => void;

export interface CommandSpec {
  /** Lower-case name; for subcommands the subcommand alone (e.g. "get"). */
  readonly name: string;
  /** "config|get" for subcommands, else the name: what error texts and stats show. */
  fullName: string;
  /** Redis's rule: n means exactly n arguments (with the name), -n means at least n. */
  readonly arity: number;
  readonly flags: readonly CommandFlag[];
  /** Legacy key positions: first key, last key (negative counts from the end), step. */
  readonly firstKey: number;
  readonly lastKey: number;
  readonly step: number;
  readonly group: CommandGroup;
  /** Extra ACL categories beyond those implied by flags and group (e.g. 'dangerous'); '-x' removes one. */
  readonly aclCategories: readonly string[];
  readonly handler: Handler;
  /** For commands whose keys are not at fixed positions (movablekeys). */
  readonly getKeys?: (argv: readonly string[]) => number[];
  readonly subcommands?: ReadonlyMap<string, CommandSpec>;
  /** A container command that also runs alone (COMMAND without a subcommand). */
  readonly bare: boolean;
  readonly summary: string;
  readonly since: string;
  /** Empty when Redis documents none (COMMAND DOCS then omits the field). */
  readonly complexity: string;
  /** Redis 7 key specifications; derived from the legacy range and flags when not given. */
  readonly keySpecs: readonly KeySpec[];
  /** COMMAND DOCS extras: doc_flags, deprecated_since, replaced_by, history. */
  readonly docs: CommandDocsExtra;
  /** Bit set of flags, for the dispatcher's hot path. */
  readonly bits: number;
  /** The parent for a subcommand. */
  parent?: CommandSpec;
  /** Statistics for INFO commandstats. */
  readonly stats: { calls: number; usec: number; rejected: number; failed: number };
}

/** One Redis 7 key specification (COMMAND INFO's key specs, Redis's keySpec struct). */
export interface KeySpec {
  readonly notes?: string;
  /** e.g. ['RW', 'access', 'update'] in Redis's order. */
  readonly flags: readonly string[];
  readonly begin: { type: 'index'; index: number } | { type: 'keyword'; keyword: string; startfrom: number } | { type: 'unknown' };
  readonly find: { type: 'range'; lastkey: number; keystep: number; limit: number } | { type: 'keynum'; keynumidx: number; firstkey: number; keystep: number } | { type: 'unknown' };
}

export interface CommandDocsExtra {
  readonly docFlags?: readonly string[];
  readonly deprecatedSince?: string;
  readonly replacedBy?: string;
  readonly history?: readonly (readonly [string, string])[];
}
