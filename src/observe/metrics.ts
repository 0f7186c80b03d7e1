/**
 * Prometheus metrics for a data node, on their own HTTP port (`metrics-port`, 0 = off,
 * `metrics-bind`, loopback by default): `GET /metrics` and `GET /healthz`.
 *
 * Nothing in the core imports this module. Values are read at scrape time from what the
 * node already exposes (its stats counters, the command table's per-command stats and the
 * INFO section providers that subsystems register: persistence, replication, tls), so a
 * scrape costs one pass over that state and nothing between scrapes. The one hot-path
 * metric, the command latency histogram, subscribes to the `dssm:command` diagnostics
 * channel only when the endpoint is enabled; with metrics off the dispatcher publishes
 * nothing (it tests hasSubscribers).
 */
import { registerDirectives } from '../config/schema.js';
import type { NodeHost } from '../commands/host.js';
import type { CommandSpec } from '../commands/spec.js';
import { channels, log } from './events.js';
import { Exposition, Histogram } from './metrics-format.js';
import { serveMetrics, type MetricsEndpoint } from './metrics-http.js';
import { renderCertExpiry, type CertExpiry } from './metrics-tls.js';

registerDirectives([
  { name: 'metrics-port', type: 'int', default: '0', mutable: false, min: 0, max: 65535 },
  { name: 'metrics-bind', type: 'string', default: '127.0.0.1', mutable: false },
]);

/** What tests and other subsystems can see of the endpoint. */
export interface MetricsApi {
  /** The port bound (0 until listening, or when disabled). */
  port: number;
  /** The exposition text, as GET /metrics serves it. */
  render(): string;
}

declare module '../commands/context.js' {
  interface ServerExtensions {
    metrics?: MetricsApi;
  }
}

type Fields = Map<string, string | number>;

/** An INFO section's fields, or an empty map when the section does not exist. */
export function infoFields(node: Pick<NodeHost, 'infoSections'>, name: string): Fields {
  const provider = node.infoSections.get(name);
  if (!provider) return new Map();
  const v = provider();
  if (typeof v !== 'string') return new Map(v);
  const out: Fields = new Map();
  for (const line of v.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) out.set(line.slice(0, at), line.slice(at + 1));
  }
  return out;
}

function num(f: Fields, k: string, dflt = 0): number {
  const v = f.get(k);
  if (v === undefined) return dflt;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : dflt;
}

/** "k1=v1,k2=v2" (INFO's slaveN and keyspace values). */
function subFields(s: string | number | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (typeof s !== 'string') return out;
  for (const part of s.split(',')) {
    const at = part.indexOf('=');
    if (at > 0) out.set(part.slice(0, at), part.slice(at + 1));
  }
  return out;
}

/** Latency histograms by command, fed by the dssm:command channel. */
class CommandLatency {
  readonly byCommand = new Map<string, Histogram>();
  private readonly listener: (msg: unknown) => void;

  constructor(private readonly node: NodeHost) {
    this.listener = (msg) => {
      const m = msg as { name: string; client: number; micros?: number; durationMicros?: number };
      // The channel is process-wide: count only this node's clients (and its internal ones,
      // AOF replay and the replication stream, which have ids <= 0).
      if (m.client > 0 && !this.node.sessions.has(m.client)) return;
      let h = this.byCommand.get(m.name);
      if (h === undefined) this.byCommand.set(m.name, (h = new Histogram()));
      h.observe((m.micros ?? m.durationMicros ?? 0) / 1e6);
    };
  }

  start(): void {
    channels.command.subscribe(this.listener);
  }

  stop(): void {
    channels.command.unsubscribe(this.listener);
  }
}

/** Every command and subcommand spec, once. */
function allSpecs(node: NodeHost): CommandSpec[] {
  const seen = new Set<CommandSpec>();
  const out: CommandSpec[] = [];
  for (const spec of node.commands.values()) {
    if (seen.has(spec)) continue;
    seen.add(spec);
    out.push(spec);
    if (spec.subcommands) for (const sub of spec.subcommands.values()) if (!seen.has(sub)) seen.add(sub), out.push(sub);
  }
  return out;
}

/** Render every data-node metric. */
export function renderNodeMetrics(node: NodeHost, latency: CommandLatency | null): string {
  const e = new Exposition();
  const server = infoFields(node, 'server');
  const repl = infoFields(node, 'replication');
  const role = String(repl.get('role') ?? 'master');

  e.single('dssm_up', 'gauge', 'Whether the node is up (always 1 when this answers).', 1);
  e.single('dssm_info', 'gauge', 'Node version, Redis compatibility version and replication role (value is always 1).', 1, {
    version: String(server.get('dssm_version') ?? ''),
    redis_version: String(server.get('redis_version') ?? ''),
    role,
    run_id: node.runId,
  });
  e.single('dssm_uptime_seconds', 'gauge', 'Seconds since the node started.', Math.floor((Date.now() - node.stats.startTime) / 1000));
  e.single('dssm_start_time_seconds', 'gauge', 'Start time of the node, seconds since the Unix epoch.', Math.floor(node.stats.startTime / 1000));
  e.single('dssm_loading', 'gauge', 'Whether the node is loading its dataset at start (commands answer LOADING).', node.loading ? 1 : 0);

  // Clients and traffic.
  let blocked = 0;
  for (const s of node.sessions.values()) if (s.flags.blocked) blocked++;
  const st = node.stats;
  e.single('dssm_connected_clients', 'gauge', 'Client connections open (replicas included).', node.sessions.size);
  e.single('dssm_blocked_clients', 'gauge', 'Clients blocked in a blocking command (BLPOP and similar).', blocked);
  e.single('dssm_maxclients', 'gauge', 'The maxclients limit.', node.config.int('maxclients'));
  e.single('dssm_connections_received_total', 'counter', 'Connections accepted.', st.totalConnections);
  e.single('dssm_rejected_connections_total', 'counter', 'Connections refused because of maxclients.', st.rejectedConnections);
  e.single(
    'dssm_client_output_buffer_limit_disconnections_total',
    'counter',
    'Clients closed for overcoming client-output-buffer-limit (or the 16 KB cap of unauthenticated clients).',
    node.ext.outputLimits?.disconnections ?? 0,
  );
  e.single('dssm_net_input_bytes_total', 'counter', 'Bytes read from clients.', st.netInputBytes);
  e.single('dssm_net_output_bytes_total', 'counter', 'Bytes written to clients.', st.netOutputBytes);

  // Commands.
  e.single('dssm_commands_processed_total', 'counter', 'Commands processed (all commands).', st.totalCommands);
  const specs = allSpecs(node).filter((s) => s.stats.calls > 0 || s.stats.rejected > 0 || s.stats.failed > 0);
  e.family('dssm_commands_total', 'counter', 'Calls by command (INFO commandstats calls).');
  for (const s of specs) e.sample(s.stats.calls, { cmd: s.fullName });
  e.family('dssm_command_duration_seconds_total', 'counter', 'Time spent executing each command, in seconds (INFO commandstats usec).');
  for (const s of specs) e.sample(s.stats.usec / 1e6, { cmd: s.fullName });
  e.family('dssm_commands_rejected_total', 'counter', 'Calls refused before execution by command (arity, ACL, OOM, READONLY...).');
  for (const s of specs) e.sample(s.stats.rejected, { cmd: s.fullName });
  e.family('dssm_commands_failed_total', 'counter', 'Calls that ran and replied with an error, by command.');
  for (const s of specs) e.sample(s.stats.failed, { cmd: s.fullName });
  e.family('dssm_errors_total', 'counter', 'Error replies by their first word (INFO errorstats).');
  for (const [prefix, n] of st.errorsByPrefix) e.sample(n, { prefix });
  e.single('dssm_error_replies_total', 'counter', 'Error replies (all kinds).', st.errorReplies);
  if (latency) {
    e.family('dssm_command_latency_seconds', 'histogram', 'Command execution time in seconds, by command (measured since metrics were enabled).');
    const names = [...latency.byCommand.keys()].sort();
    for (const cmd of names) e.histogram(latency.byCommand.get(cmd)!, { cmd });
  }

  // Keyspace.
  const ks = node.keyspace;
  e.family('dssm_keyspace_keys', 'gauge', 'Keys by database.');
  for (const db of ks.dbs) e.sample(db.dict.size, { db: db.id });
  e.family('dssm_keyspace_expires', 'gauge', 'Keys with a time to live, by database.');
  for (const db of ks.dbs) e.sample(db.expires.size, { db: db.id });
  e.single('dssm_expired_keys_total', 'counter', 'Keys removed because their time to live passed.', ks.stats.expiredKeys);
  e.single('dssm_evicted_keys_total', 'counter', 'Keys evicted because of maxmemory.', st.evictedKeys);
  e.single('dssm_keyspace_hits_total', 'counter', 'Successful key lookups by read commands.', ks.stats.keyspaceHits);
  e.single('dssm_keyspace_misses_total', 'counter', 'Failed key lookups by read commands.', ks.stats.keyspaceMisses);

  // Memory and process.
  const mem = process.memoryUsage();
  e.single('dssm_memory_rss_bytes', 'gauge', 'Resident set size of the process.', mem.rss);
  e.single('dssm_memory_heap_used_bytes', 'gauge', 'V8 heap in use.', mem.heapUsed);
  e.single('dssm_memory_heap_total_bytes', 'gauge', 'V8 heap reserved.', mem.heapTotal);
  const used = node.ext.memory?.usage().used ?? mem.heapUsed + mem.external + mem.arrayBuffers;
  e.single('dssm_memory_used_bytes', 'gauge', 'Memory in use as INFO used_memory counts it (startup heap, dataset estimate, client buffers, backlog).', used);
  e.single('dssm_maxmemory_bytes', 'gauge', 'The maxmemory limit (0: none).', node.config.int('maxmemory'));
  const cpu = process.cpuUsage();
  e.single('dssm_cpu_user_seconds_total', 'counter', 'User CPU time of the process.', cpu.user / 1e6);
  e.single('dssm_cpu_sys_seconds_total', 'counter', 'System CPU time of the process.', cpu.system / 1e6);

  // Persistence (from INFO persistence, whoever provides it).
  const p = infoFields(node, 'persistence');
  e.single('dssm_rdb_changes_since_last_save', 'gauge', 'Writes since the last snapshot.', num(p, 'rdb_changes_since_last_save'));
  e.single('dssm_rdb_bgsave_in_progress', 'gauge', 'Whether a snapshot is being written.', num(p, 'rdb_bgsave_in_progress'));
  e.single('dssm_rdb_last_save_timestamp_seconds', 'gauge', 'Time of the last successful snapshot, seconds since the Unix epoch.', num(p, 'rdb_last_save_time'));
  e.single('dssm_rdb_last_bgsave_ok', 'gauge', 'Whether the last snapshot succeeded (1) or failed (0).', p.get('rdb_last_bgsave_status') === 'err' ? 0 : 1);
  e.single('dssm_rdb_saves_total', 'counter', 'Snapshots written since start.', num(p, 'rdb_saves'));
  e.single('dssm_aof_enabled', 'gauge', 'Whether the append-only file is on.', num(p, 'aof_enabled'));
  e.single('dssm_aof_rewrite_in_progress', 'gauge', 'Whether an AOF rewrite is running.', num(p, 'aof_rewrite_in_progress'));
  e.single('dssm_aof_last_write_ok', 'gauge', 'Whether the last AOF write succeeded (1) or failed (0).', p.get('aof_last_write_status') === 'err' ? 0 : 1);
  e.single('dssm_aof_last_bgrewrite_ok', 'gauge', 'Whether the last AOF rewrite succeeded (1) or failed (0).', p.get('aof_last_bgrewrite_status') === 'err' ? 0 : 1);
  if (p.has('aof_current_size')) e.single('dssm_aof_current_size_bytes', 'gauge', 'Size of the append-only file.', num(p, 'aof_current_size'));

  // Replication (from INFO replication).
  const isReplica = role === 'slave';
  e.family('dssm_replication_role', 'gauge', 'Replication role: 1 for the current one (master or slave, as INFO names them).');
  e.sample(isReplica ? 0 : 1, { role: 'master' });
  e.sample(isReplica ? 1 : 0, { role: 'slave' });
  e.single('dssm_connected_replicas', 'gauge', 'Replicas connected to this node.', num(repl, 'connected_slaves'));
  e.single('dssm_master_repl_offset', 'gauge', 'Replication offset of this node (bytes of the replication stream).', num(repl, 'master_repl_offset'));
  const replicas: { name: string; lag: number; offset: number; online: number }[] = [];
  for (const [k, v] of repl) {
    if (!/^slave\d+$/.test(k)) continue;
    const f = subFields(v);
    replicas.push({ name: `${f.get('ip') ?? ''}:${f.get('port') ?? ''}`, lag: Number(f.get('lag') ?? 0), offset: Number(f.get('offset') ?? 0), online: f.get('state') === 'online' ? 1 : 0 });
  }
  e.family('dssm_replica_lag_seconds', 'gauge', "Seconds since each replica's last acknowledgement (on a primary).");
  for (const r of replicas) e.sample(r.lag, { replica: r.name });
  e.family('dssm_replica_offset', 'gauge', 'Replication offset each replica acknowledged (on a primary).');
  for (const r of replicas) e.sample(r.offset, { replica: r.name });
  e.family('dssm_replica_online', 'gauge', 'Whether each replica is online (streaming) rather than syncing (on a primary).');
  for (const r of replicas) e.sample(r.online, { replica: r.name });
  if (isReplica) {
    e.single('dssm_master_link_up', 'gauge', "Whether this replica's link to its primary is up.", repl.get('master_link_status') === 'up' ? 1 : 0);
    e.single('dssm_master_last_io_seconds', 'gauge', 'Seconds since this replica last heard from its primary (-1 while the link is down).', num(repl, 'master_last_io_seconds_ago', -1));
    e.single('dssm_master_sync_in_progress', 'gauge', 'Whether this replica is receiving a full sync.', num(repl, 'master_sync_in_progress'));
    e.single('dssm_replica_repl_offset', 'gauge', 'Replication offset this replica has applied.', num(repl, 'slave_repl_offset'));
  }

  // TLS (when configured): days left for every certificate in use.
  const tlsInfo = infoFields(node, 'tls');
  if (tlsInfo.size > 0) renderTls(e, tlsInfo, node);

  return e.text();
}

/** TLS: certificate expiry from the material in use (hot rotation included), INFO tls counters. */
function renderTls(e: Exposition, info: Fields, node: NodeHost): void {
  // Structural: metrics does not import the security subsystem (src/security/install.ts's TlsApi).
  const material = (node.ext as { tls?: { material(): { certs: CertExpiry[] } | null } }).tls?.material();
  renderCertExpiry(e, material?.certs ?? []);
  e.single('dssm_tls_reloads_total', 'counter', 'Certificate material reloads (hot rotation).', num(info, 'tls_reloads'));
  e.single('dssm_tls_reload_failures_total', 'counter', 'Certificate reloads refused (broken replacement files).', num(info, 'tls_reload_failures'));
  e.single('dssm_tls_connected_clients', 'gauge', 'Client connections over TLS.', num(info, 'tls_connected_clients'));
}

/** Installer (src/features.ts): start the endpoint when metrics-port is set. */
export function installMetrics(node: NodeHost): void {
  const port = node.config.int('metrics-port');
  if (port === 0) return;
  const latency = new CommandLatency(node);
  let endpoint: MetricsEndpoint | null = null;
  let stopped = false;
  const api: MetricsApi = { port: 0, render: () => renderNodeMetrics(node, latency) };
  node.ext.metrics = api;
  // First of the start-up tasks, so that /healthz answers 503 while the dataset loads.
  node.startupTasks.unshift(async () => {
    endpoint = await serveMetrics(node.config.get('metrics-bind'), port, {
      render: api.render,
      unhealthy: () => (stopped ? 'shutting down' : node.loading ? 'loading' : null),
    });
    api.port = endpoint.port;
    latency.start();
  });
  // Probes see 503 from the start of a shutdown (while the AOF is flushed and the final
  // snapshot written); the endpoint closes last.
  node.shutdownHooks.unshift(() => {
    stopped = true;
    latency.stop();
  });
  node.shutdownHooks.push(async () => {
    const ep = endpoint;
    endpoint = null;
    if (ep) await ep.close().catch((err: Error) => log('warn', 'closing the metrics endpoint failed', { error: err.message }));
  });
}
