/**
 * What a subsystem sees of the data node when it installs itself: the command context
 * (ServerContext) plus the node's registries (cron and start-up tasks, close, modified and
 * shutdown hooks, INFO sections, the dispatcher's hooks) and its connections.
 *
 * Subsystems (persistence, replication, security, pub/sub, observe) receive a NodeHost and
 * register into it; they never import the concrete DataNode (src/node.ts), which implements
 * this interface and is the one place where everything is wired together. This keeps the
 * import graph a ladder: node → subsystems → commands → keyspace/protocol.
 */
import type net from 'node:net';
import type { Database } from '../keyspace/keyspace.js';
import type { Client, ServerContext } from './context.js';
import type { Dispatcher } from './dispatch.js';

export type ShutdownOptions = { save?: boolean; now?: boolean; force?: boolean };

export interface NodeHost extends ServerContext {
  readonly dispatch: Dispatcher;
  /** Open connections by client id. */
  readonly sessions: ReadonlyMap<number, Client>;
  /** Loading the dataset at start: commands without the `loading` flag get LOADING. */
  loading: boolean;
  /** Work before serving data (loading the AOF or RDB), in order. */
  readonly startupTasks: (() => Promise<void>)[];
  /** Tasks run by the server cron, every 1000/hz ms. */
  readonly cronTasks: (() => void)[];
  /** Per-client state (pub/sub, WATCH, blocking) is cleaned up here when a client goes. */
  readonly closeHooks: ((c: Client) => void)[];
  /** Told of every change to a key the keyspace reports (WATCH). */
  readonly modifiedHooks: ((db: Database, key: string) => void)[];
  /** Run in order by a clean shutdown (SHUTDOWN, SIGTERM). */
  readonly shutdownHooks: ((opts: ShutdownOptions) => Promise<void> | void)[];
  /** The plain TCP port in use (0 if disabled). */
  readonly port: number;
  /**
   * Take a connection from any listener (the TLS listener hands its sockets here). Returns
   * the client it became, or null when it was refused (maxclients, protected mode).
   */
  accept(socket: net.Socket, tls: boolean): Client | null;
  /** Whether a new connection must authenticate before running commands. */
  authRequired(): boolean;
}
