/**
 * The INFO sections of the server core, with Redis 7.0's section and field names, because
 * sentinels, exporters and tools parse exactly these. Subsystems (persistence,
 * replication, TLS) register or replace their own sections through node.infoSections.
 */
import os from 'node:os';
import type { NodeHost } from '../commands/host.js';
import { DSSM_VERSION, REDIS_COMPAT_VERSION } from '../version.js';

export function installCoreInfo(node: NodeHost): void {
  const s = node.infoSections;
  s.set('server', () => {
    const now = Date.now();
    const up = Math.floor((now - node.stats.startTime) / 1000);
    return [
      ['redis_version', REDIS_COMPAT_VERSION],
      ['redis_git_sha1', '00000000'],
      ['redis_git_dirty', 0],
      ['redis_build_id', '0'],
      ['dssm_version', DSSM_VERSION],
      ['redis_mode', 'standalone'],
      ['os', `${os.type()} ${os.release()} ${os.arch()}`],
      ['arch_bits', 64],
      ['monotonic_clock', 'POSIX clock_gettime'],
      ['multiplexing_api', 'epoll'],
      ['atomicvar_api', 'c11-builtin'],
      ['gcc_version', '0.0.0'],
      ['process_id', process.pid],
      ['process_supervised', 'no'],
      ['run_id', node.runId],
      ['tcp_port', node.config.int('port')],
      ['server_time_usec', now * 1000],
      ['uptime_in_seconds', up],
      ['uptime_in_days', Math.floor(up / 86400)],
      ['hz', node.config.int('hz')],
      ['configured_hz', node.config.int('hz')],
      ['lru_clock', Math.floor(now / 1000) & 0xffffff],
      ['executable', process.argv[1] ?? ''],
      ['config_file', node.config.configFile ?? ''],
      ['io_threads_active', 0],
    ];
  });
  s.set('clients', () => {
    let blocked = 0;
    for (const c of node.sessions.values()) if (c.flags.blocked) blocked++;
    // Peaks of the last seconds, sampled by the cron as Redis's clientsCron does.
    const recent = node.ext.outputLimits?.recentMax() ?? { input: 0, output: 0 };
    const maxIn = recent.input;
    const maxOut = recent.output;
    return [
      ['connected_clients', node.sessions.size],
      ['cluster_connections', 0],
      ['maxclients', node.config.int('maxclients')],
      ['client_recent_max_input_buffer', maxIn],
      ['client_recent_max_output_buffer', maxOut],
      ['blocked_clients', blocked],
      ['tracking_clients', 0],
      ['clients_in_timeout_table', blocked],
    ];
  });
  s.set('memory', () => {
    const m = process.memoryUsage();
    const maxmemory = node.config.int('maxmemory');
    // used_memory is dssm's own count (commands/maxmemory.ts): the heap at start, the
    // dataset estimate, client buffers and the backlog. Without it (a node built without
    // the maxmemory feature), the V8 figures.
    const u = node.ext.memory?.usage() ?? {
      used: m.heapUsed + m.external + m.arrayBuffers,
      startup: baseline,
      dataset: Math.max(0, m.heapUsed - baseline),
      clientsNormal: 0,
      clientsReplicas: 0,
      backlog: 0,
      aofBuffer: 0,
      notCounted: 0,
    };
    const used = u.used;
    const peakValue = peak.update(used);
    const startup = u.startup;
    const overhead = startup + u.clientsNormal + u.clientsReplicas + u.backlog + u.aofBuffer;
    const dataset = Math.max(0, used - overhead);
    const clientsNormal = u.clientsNormal;
    const lua = 31744;
    return [
      ['used_memory', used],
      ['used_memory_human', human(used)],
      ['used_memory_rss', m.rss],
      ['used_memory_rss_human', human(m.rss)],
      ['used_memory_peak', peakValue],
      ['used_memory_peak_human', human(peakValue)],
      ['used_memory_peak_perc', `${((used / Math.max(1, peakValue)) * 100).toFixed(2)}%`],
      ['used_memory_overhead', overhead],
      ['used_memory_startup', startup],
      ['used_memory_dataset', dataset],
      ['used_memory_dataset_perc', `${((dataset / Math.max(1, used - startup)) * 100).toFixed(2)}%`],
      ['allocator_allocated', m.heapUsed],
      ['allocator_active', m.heapTotal],
      ['allocator_resident', m.rss],
      ['total_system_memory', os.totalmem()],
      ['total_system_memory_human', human(os.totalmem())],
      ['used_memory_lua', lua],
      ['used_memory_vm_eval', lua],
      ['used_memory_lua_human', human(lua)],
      ['used_memory_scripts_eval', 0],
      ['number_of_cached_scripts', 0],
      ['number_of_functions', 0],
      ['number_of_libraries', 0],
      ['used_memory_vm_functions', 32768],
      ['used_memory_vm_total', lua + 32768],
      ['used_memory_vm_total_human', human(lua + 32768)],
      ['used_memory_functions', 184],
      ['used_memory_scripts', 184],
      ['used_memory_scripts_human', '184B'],
      ['maxmemory', maxmemory],
      ['maxmemory_human', human(maxmemory)],
      ['maxmemory_policy', node.config.get('maxmemory-policy')],
      ['allocator_frag_ratio', (m.heapTotal / Math.max(1, m.heapUsed)).toFixed(2)],
      ['allocator_frag_bytes', m.heapTotal - m.heapUsed],
      ['allocator_rss_ratio', (m.rss / Math.max(1, m.heapTotal)).toFixed(2)],
      ['allocator_rss_bytes', m.rss - m.heapTotal],
      ['rss_overhead_ratio', '1.00'],
      ['rss_overhead_bytes', 0],
      ['mem_fragmentation_ratio', (m.rss / Math.max(1, used)).toFixed(2)],
      ['mem_fragmentation_bytes', m.rss - used],
      ['mem_not_counted_for_evict', u.notCounted],
      ['mem_replication_backlog', u.backlog],
      ['mem_total_replication_buffers', u.backlog + u.clientsReplicas],
      ['mem_clients_slaves', u.clientsReplicas],
      ['mem_clients_normal', clientsNormal],
      ['mem_cluster_links', 0],
      ['mem_aof_buffer', u.aofBuffer],
      ['mem_allocator', 'v8'],
      ['active_defrag_running', 0],
      ['lazyfree_pending_objects', 0],
      ['lazyfreed_objects', 0],
    ];
  });
  s.set('stats', () => {
    const st = node.stats;
    const ks = node.keyspace.stats;
    return [
      ['total_connections_received', st.totalConnections],
      ['total_commands_processed', st.totalCommands],
      ['instantaneous_ops_per_sec', rates.ops],
      ['total_net_input_bytes', st.netInputBytes],
      ['total_net_output_bytes', st.netOutputBytes],
      ['total_net_repl_input_bytes', 0],
      ['total_net_repl_output_bytes', 0],
      ['instantaneous_input_kbps', rates.inKbps.toFixed(2)],
      ['instantaneous_output_kbps', rates.outKbps.toFixed(2)],
      ['instantaneous_input_repl_kbps', '0.00'],
      ['instantaneous_output_repl_kbps', '0.00'],
      ['rejected_connections', st.rejectedConnections],
      ['sync_full', 0],
      ['sync_partial_ok', 0],
      ['sync_partial_err', 0],
      ['expired_keys', ks.expiredKeys],
      ['expired_stale_perc', (ks.expiredStalePerc * 100).toFixed(2)],
      ['expired_time_cap_reached_count', ks.expiredTimeCapReachedCount],
      ['expire_cycle_cpu_milliseconds', 0],
      ['evicted_keys', st.evictedKeys],
      ['evicted_clients', st.evictedClients],
      ['total_eviction_exceeded_time', node.ext.memory?.evictor.totalExceededMs() ?? 0],
      ['current_eviction_exceeded_time', node.ext.memory?.evictor.currentExceededMs() ?? 0],
      ['keyspace_hits', ks.keyspaceHits],
      ['keyspace_misses', ks.keyspaceMisses],
      ['pubsub_channels', 0],
      ['pubsub_patterns', 0],
      ['pubsubshard_channels', 0],
      ['latest_fork_usec', 0],
      ['total_forks', 0],
      ['migrate_cached_sockets', 0],
      ['slave_expires_tracked_keys', 0],
      ['active_defrag_hits', 0],
      ['active_defrag_misses', 0],
      ['active_defrag_key_hits', 0],
      ['active_defrag_key_misses', 0],
      ['total_active_defrag_time', 0],
      ['current_active_defrag_time', 0],
      ['tracking_total_keys', 0],
      ['tracking_total_items', 0],
      ['tracking_total_prefixes', 0],
      ['unexpected_error_replies', st.unexpectedErrorReplies],
      ['total_error_replies', st.errorReplies],
      ['dump_payload_sanitizations', 0],
      ['total_reads_processed', st.totalReads],
      ['total_writes_processed', st.totalWrites],
      ['io_threaded_reads_processed', 0],
      ['io_threaded_writes_processed', 0],
      ['reply_buffer_shrinks', 0],
      ['reply_buffer_expands', 0],
    ];
  });
  s.set('cpu', () => {
    const u = process.cpuUsage();
    return [
      ['used_cpu_sys', (u.system / 1e6).toFixed(6)],
      ['used_cpu_user', (u.user / 1e6).toFixed(6)],
      ['used_cpu_sys_children', '0.000000'],
      ['used_cpu_user_children', '0.000000'],
      ['used_cpu_sys_main_thread', (u.system / 1e6).toFixed(6)],
      ['used_cpu_user_main_thread', (u.user / 1e6).toFixed(6)],
    ];
  });
  s.set('keyspace', () => {
    const out: [string, string][] = [];
    const now = Date.now();
    for (const db of node.keyspace.dbs) {
      if (db.dict.size === 0) continue;
      let ttlSum = 0;
      let n = 0;
      for (const when of db.expires.values()) {
        if (n >= 1000) break; // a sample, like Redis's running estimate
        ttlSum += Math.max(0, when - now);
        n++;
      }
      out.push([`db${db.id}`, `keys=${db.dict.size},expires=${db.expires.size},avg_ttl=${n ? Math.round(ttlSum / n) : 0}`]);
    }
    return out;
  });
  s.set('persistence', () => [
    ['loading', 0],
    ['async_loading', 0],
    ['current_cow_peak', 0],
    ['current_cow_size', 0],
    ['current_cow_size_age', 0],
    ['current_fork_perc', '0.00'],
    ['current_save_keys_processed', 0],
    ['current_save_keys_total', 0],
    ['rdb_changes_since_last_save', node.keyspace.dirty],
    ['rdb_bgsave_in_progress', 0],
    ['rdb_last_save_time', Math.floor(node.stats.startTime / 1000)],
    ['rdb_last_bgsave_status', 'ok'],
    ['rdb_last_bgsave_time_sec', -1],
    ['rdb_current_bgsave_time_sec', -1],
    ['rdb_saves', 0],
    ['rdb_last_cow_size', 0],
    ['rdb_last_load_keys_expired', 0],
    ['rdb_last_load_keys_loaded', 0],
    ['aof_enabled', 0],
    ['aof_rewrite_in_progress', 0],
    ['aof_rewrite_scheduled', 0],
    ['aof_last_rewrite_time_sec', -1],
    ['aof_current_rewrite_time_sec', -1],
    ['aof_last_bgrewrite_status', 'ok'],
    ['aof_rewrites', 0],
    ['aof_rewrites_consecutive_failures', 0],
    ['aof_last_write_status', 'ok'],
    ['aof_last_cow_size', 0],
    ['module_fork_in_progress', 0],
    ['module_fork_last_cow_size', 0],
  ]);
  s.set('replication', () => [
    ['role', 'master'],
    ['connected_slaves', 0],
    ['master_failover_state', 'no-failover'],
    ['master_replid', node.runId],
    ['master_replid2', '0000000000000000000000000000000000000000'],
    ['master_repl_offset', 0],
    ['second_repl_offset', -1],
    ['repl_backlog_active', 0],
    ['repl_backlog_size', 1048576],
    ['repl_backlog_first_byte_offset', 0],
    ['repl_backlog_histlen', 0],
  ]);
  s.set('modules', () => []);
  s.set('cluster', () => [['cluster_enabled', 0]]);
  s.set('errorstats', () => [...node.stats.errorsByPrefix].map(([p, n]) => [`errorstat_${p}`, `count=${n}`]));
  s.set('commandstats', () => {
    const out: [string, string][] = [];
    const seen = new Set<object>();
    const add = (spec: import('../commands/spec.js').CommandSpec) => {
      const st = spec.stats;
      if (st.calls === 0 && st.rejected === 0 && st.failed === 0) return;
      const usec = Math.round(st.usec);
      const per = st.calls ? (st.usec / st.calls).toFixed(2) : '0.00';
      out.push([`cmdstat_${spec.fullName}`, `calls=${st.calls},usec=${usec},usec_per_call=${per},rejected_calls=${st.rejected},failed_calls=${st.failed}`]);
    };
    for (const spec of node.commands.values()) {
      if (seen.has(spec)) continue;
      seen.add(spec);
      add(spec);
      if (spec.subcommands) for (const sub of spec.subcommands.values()) add(sub);
    }
    return out;
  });
  s.set('latencystats', () => []);
  // Ops-per-second and bandwidth, sampled by the cron like Redis's trackInstantaneousMetric.
  const rates = { ops: 0, inKbps: 0, outKbps: 0 };
  let last = { t: performance.now(), cmds: 0, inB: 0, outB: 0 };
  const baseline = process.memoryUsage().heapUsed;
  node.cronTasks.push(() => {
    const t = performance.now();
    const dt = (t - last.t) / 1000;
    if (dt < 1) return;
    const st = node.stats;
    rates.ops = Math.round((st.totalCommands - last.cmds) / dt);
    rates.inKbps = (st.netInputBytes - last.inB) / 1024 / dt;
    rates.outKbps = (st.netOutputBytes - last.outB) / 1024 / dt;
    last = { t, cmds: st.totalCommands, inB: st.netInputBytes, outB: st.netOutputBytes };
  });
}

const peak = {
  value: 0,
  update(v: number): number {
    if (v > this.value) this.value = v;
    return this.value;
  },
};

/** Redis's bytesToHuman: B, K, M, G with two decimals. */
export function human(n: number): string {
  if (n < 1024) return `${n}B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(2)}K`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(2)}M`;
  if (n < 1024 ** 4) return `${(n / 1024 ** 3).toFixed(2)}G`;
  return `${(n / 1024 ** 4).toFixed(2)}T`;
}
