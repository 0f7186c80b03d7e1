/**
 * The composition root of a data node: builds the configuration-driven parts (keyspace,
 * dispatcher, listeners, cron) and wires subsystems to the command context. Nothing
 * below this file imports a concrete subsystem; they meet here.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { Keyspace, type Clock, type Database } from './keyspace/keyspace.js';
import { activeExpireCycle } from './keyspace/expiry.js';
import { Dispatcher } from './commands/dispatch.js';
import { buildCommandTable } from './commands/table.js';
import { persistenceCommands } from './persistence/commands.js';
import { replicationCommands } from './replication/commands.js';
import { aclCommands } from './security/acl-commands.js';
import type { Client, ClientRegistry, InfoSection, NotifyClass, PropagationSink, ServerExtensions, ServerStats } from './commands/context.js';
import type { ConfigStore } from './config/store.js';
import type { NodeHost, ShutdownOptions } from './commands/host.js';
import { isLoopback, Session } from './net/session.js';
import { listenAll, type BoundListener } from './net/listener.js';
import { channels, log } from './observe/events.js';
import { installServerFeatures } from './features.js';
import { F } from './commands/spec.js';
import { Err } from './errors.js';

export { DSSM_VERSION, REDIS_COMPAT_VERSION } from './version.js';

const PROTECTED_MODE_DENIED =
  "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

/** Keyspace event class letters (notify-keyspace-events). */
const NOTIFY_LETTER: Record<NotifyClass, string> = {
  generic: 'g',
  string: '$',
  list: 'l',
  set: 's',
  hash: 'h',
  zset: 'z',
  expired: 'x',
  evicted: 'e',
  stream: 't',
  keymiss: 'm',
  new: 'n',
};

export class DataNode implements NodeHost {
  readonly clock: Clock = { now: Date.now() };
  readonly keyspace: Keyspace;
  readonly runId = randomBytes(20).toString('hex');
  readonly commands;
  readonly dispatch: Dispatcher;
  readonly infoSections = new Map<string, InfoSection>();
  readonly ext: ServerExtensions = {};
  readonly stats: ServerStats = {
    startTime: Date.now(),
    totalConnections: 0,
    rejectedConnections: 0,
    totalCommands: 0,
    netInputBytes: 0,
    netOutputBytes: 0,
    errorReplies: 0,
    unexpectedErrorReplies: 0,
    errorsByPrefix: new Map(),
    evictedKeys: 0,
    evictedClients: 0,
    totalReads: 0,
    totalWrites: 0,
  };
  readonly sessions = new Map<number, Session>();
  readonly clients: ClientRegistry;
  private readonly sinks: PropagationSink[] = [];
  private listeners: BoundListener[] = [];
  private cron: NodeJS.Timeout | null = null;
  private pausedUntil = 0;
  private pauseWritesOnly = false;
  private readonly pausedSessions = new Set<Session>();
  private readonly limits = { maxBulkLen: 512 * 1024 * 1024, queryBufferLimit: 1024 * 1024 * 1024 };
  private notifyFlags = '';
  private stopping: Promise<void> | null = null;
  /** Called when the node has shut down (SHUTDOWN command); the CLI exits the process. */
  onShutdown: (() => void) | null = null;
  /** Loading the dataset at start: commands without the `loading` flag get LOADING. */
  loading = false;
  /** Work before serving data (loading the AOF or RDB), in order; subsystems add theirs. */
  readonly startupTasks: (() => Promise<void>)[] = [];
  /** Tasks run by the server cron, every 1000/hz ms (subsystems add theirs). */
  readonly cronTasks: (() => void)[] = [];

  constructor(readonly config: ConfigStore) {
    this.keyspace = new Keyspace(config.int('databases'), this.clock);
    this.commands = buildCommandTable([persistenceCommands, replicationCommands, aclCommands]);
    this.dispatch = new Dispatcher(this, this.commands);
    this.keyspace.hooks = {
      expired: (db, key) => {
        this.dispatch.propagateNow(db.id, ['DEL', key]);
        this.notify('expired', 'expired', key, db.id);
      },
      modified: (db, key) => {
        const hooks = this.modifiedHooks;
        for (let i = 0; i < hooks.length; i++) hooks[i]!(db, key);
      },
    };
    config.watch('proto-max-bulk-len', (v) => (this.limits.maxBulkLen = Number(v)));
    config.watch('client-query-buffer-limit', (v) => (this.limits.queryBufferLimit = Number(v)));
    config.watch('notify-keyspace-events', (v) => (this.notifyFlags = v));
    this.clients = {
      all: () => this.sessions.values(),
      get: (id) => this.sessions.get(id),
      count: () => this.sessions.size,
      pause: (untilMs, writesOnly) => {
        this.pausedUntil = Math.max(this.pausedUntil, untilMs);
        this.pauseWritesOnly = writesOnly;
      },
      unpause: () => this.unpause(),
    };
    // Connectionless internal clients (AOF replay, replication stream) have negative ids
    // and are the ones doing the loading.
    this.dispatch.hooks.guards.push((c, spec) => (this.loading && c.id > 0 && !(spec.bits & F.loading) ? Err.LOADING : null));
    installServerFeatures(this);
  }

  /** Open the listeners and start the cron. Returns the TCP port actually bound (0 when disabled). */
  async start(): Promise<number> {
    const port = this.config.int('port');
    if (port !== 0) {
      const binds = this.config.get('bind').split(/\s+/).filter(Boolean);
      this.listeners = await listenAll(binds, port, () => net.createServer((s) => this.accept(s, false)), {
        backlog: this.config.int('tcp-backlog'),
        tls: false,
      });
      this.config.setRaw('port', String(this.listeners[0]?.port ?? port));
    }
    // Like redis-server: listen first, then load; clients get LOADING meanwhile.
    this.loading = true;
    try {
      for (const task of this.startupTasks) await task();
    } finally {
      this.loading = false;
    }
    this.startCron();
    log('info', 'Ready to accept connections', { port: this.port, runId: this.runId });
    return this.port;
  }

  /** The plain TCP port in use (0 if disabled). */
  get port(): number {
    return this.listeners[0]?.port ?? 0;
  }

  /** Accept a connection from any listener (plain or TLS). */
  accept(socket: net.Socket, tls: boolean): Session | null {
    this.stats.totalConnections++;
    if (this.sessions.size >= this.config.int('maxclients')) {
      this.stats.rejectedConnections++;
      // Close the descriptor once the error is written, as Redis frees the client: a
      // half-closed socket would hold it until the peer closes, and descriptors are what
      // maxclients protects (net/fd-limit.ts).
      socket.on('error', () => {});
      socket.end('-ERR max number of clients reached\r\n', () => socket.destroy());
      return null;
    }
    // Protected mode refuses before anything of the connection is read: the session (which
    // reads and runs requests) is created only for connections that are served.
    if (this.config.get('protected-mode') === 'yes' && !this.authRequired() && !isLoopback(socket.remoteAddress)) {
      socket.on('error', () => {});
      // Read and drop what the client sends, so that closing sends a FIN after the reply
      // rather than a reset that could discard it.
      socket.on('data', () => {});
      socket.end(PROTECTED_MODE_DENIED);
      setTimeout(() => socket.destroy(), 5000).unref();
      return null;
    }
    const session = new Session(
      socket,
      this,
      this.dispatch,
      {
        limits: this.limits,
        authRequired: () => this.authRequired(),
        isPaused: (c) => this.isPaused(c),
        onClose: (c) => this.onSessionClosed(c),
      },
      tls,
    );
    this.sessions.set(session.id, session);
    if (channels.clientConnected.hasSubscribers) channels.clientConnected.publish({ id: session.id, addr: session.addr, tls });
    return session;
  }

  /** Whether a new connection must authenticate before running commands. */
  authRequired(): boolean {
    const acl = (this.ext as { acl?: { defaultUserNeedsAuth(): boolean } }).acl;
    if (acl) return acl.defaultUserNeedsAuth();
    return this.config.get('requirepass') !== '';
  }

  private onSessionClosed(c: Session): void {
    this.sessions.delete(c.id);
    this.pausedSessions.delete(c);
    for (const fn of this.closeHooks) fn(c);
  }

  /** Subsystems that keep per-client state (pub/sub, WATCH, blocking) clean up here. */
  readonly closeHooks: ((c: Client) => void)[] = [];

  /** Told of every change to a key the keyspace reports (WATCH; see Database.watched). */
  readonly modifiedHooks: ((db: Database, key: string) => void)[] = [];

  private isPaused(c: Session): boolean {
    if (this.pausedUntil === 0) return false;
    if (c.flags.replica || c.flags.primary) return false;
    if (performance.now() >= this.pausedUntil) {
      this.unpause();
      return false;
    }
    // With WRITE pauses, Redis still serves reads; we look at the next request's
    // command only when it arrives, so a writes-only pause holds the client at its first
    // write (checked by the dispatcher guard) rather than here.
    if (this.pauseWritesOnly) return false;
    this.pausedSessions.add(c);
    return true;
  }

  private unpause(): void {
    this.pausedUntil = 0;
    const held = [...this.pausedSessions];
    this.pausedSessions.clear();
    for (const s of held) s.resume();
  }

  propagate(dbIndex: number, argv: readonly string[]): void {
    for (let i = 0; i < this.sinks.length; i++) this.sinks[i]!.propagate(dbIndex, argv);
  }

  addPropagationSink(sink: PropagationSink): void {
    this.sinks.push(sink);
  }

  notify(type: NotifyClass, event: string, key: string, dbIndex: number): void {
    const flags = this.notifyFlags;
    if (flags === '') return;
    const letter = NOTIFY_LETTER[type];
    const all = flags.includes('A') && 'g$lshzxet'.includes(letter);
    if (!all && !flags.includes(letter)) return;
    const pubsub = (this.ext as { pubsub?: { publish(channel: string, message: string): number } }).pubsub;
    if (!pubsub) return;
    if (flags.includes('K')) pubsub.publish(`__keyspace@${dbIndex}__:${key}`, event);
    if (flags.includes('E')) pubsub.publish(`__keyevent@${dbIndex}__:${event}`, key);
  }

  private startCron(): void {
    const hz = Math.max(1, Math.min(500, this.config.int('hz')));
    const period = 1000 / hz;
    this.cron = setInterval(() => this.serverCron(period), period);
  }

  /** Periodic work: active expiry, idle client timeouts, subsystem tasks. */
  private serverCron(period: number): void {
    // Redis gives active expiry up to 25% of each cron period.
    activeExpireCycle(this.keyspace, period * 0.25, this.config.int('active-expire-effort'));
    const timeout = this.config.int('timeout') * 1000;
    if (timeout > 0) {
      const now = Date.now();
      for (const s of this.sessions.values()) {
        const f = s.flags;
        if (f.replica || f.primary || f.blocked || f.pubsub) continue;
        if (now - s.lastInteraction > timeout) s.kill('idle timeout');
      }
    }
    for (const task of this.cronTasks) task();
  }

  /** Stop accepting, close clients, run shutdown hooks (persistence), stop the cron. */
  shutdown(opts: ShutdownOptions = {}): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      log('info', 'shutting down', {});
      if (this.cron) clearInterval(this.cron);
      for (const hook of this.shutdownHooks) await hook(opts);
      // Stop accepting, then end the open connections: server.close() only calls back once
      // every connection is gone, so waiting for it first would wait for the clients.
      const closed = Promise.all(this.listeners.map((l) => new Promise<void>((r) => l.server.close(() => r()))));
      for (const s of this.sessions.values()) s.kill('server shutdown');
      this.sessions.clear();
      await closed;
      log('info', 'shutdown complete', {});
      this.onShutdown?.();
    })();
    return this.stopping;
  }

  /** Work to finish before exit (flush AOF, final save); run in order. */
  readonly shutdownHooks: ((opts: ShutdownOptions) => Promise<void> | void)[] = [];
}
