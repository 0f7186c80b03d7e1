/**
 * Prometheus metrics for `dssm sentinel`: the same endpoint as a data node's (GET /metrics,
 * GET /healthz) on `metrics-port` / `metrics-bind` from sentinel.conf or the command line.
 *
 * Values are read from the sentinel's state at scrape time (masters, their replicas and
 * peer sentinels, flags, epochs); failovers are counted from the sentinel's own events
 * (`+switch-master`), which it emits whether or not anyone listens.
 */
import type { Sentinel, SentinelEvent } from '../sentinel/server.js';
import { Flag, FailoverState } from '../sentinel/state.js';
import { DSSM_VERSION, REDIS_COMPAT_VERSION } from '../version.js';
import { Exposition } from './metrics-format.js';
import { serveMetrics, type MetricsEndpoint } from './metrics-http.js';
import { renderCertExpiry, type CertExpiry } from './metrics-tls.js';

/** The certificate material the sentinel's TLS uses, or null without TLS. */
function sentinelTlsState(s: Sentinel): { certs: CertExpiry[]; reloads: number; failures: number } | null {
  const st = s.tls.state();
  return st === null ? null : { certs: st.material.certs, reloads: st.reloads, failures: st.failures };
}

/** Counts of the sentinel's events since the endpoint started. */
export class SentinelEventCounts {
  readonly byType = new Map<string, number>();
  readonly failovers = new Map<string, number>();
  private readonly onEvent = (ev: SentinelEvent) => {
    this.byType.set(ev.type, (this.byType.get(ev.type) ?? 0) + 1);
    // `+switch-master <name> <old ip> <old port> <new ip> <new port>`
    if (ev.type === '+switch-master') {
      const name = ev.message.split(' ')[0] ?? '';
      this.failovers.set(name, (this.failovers.get(name) ?? 0) + 1);
    }
  };

  constructor(private readonly sentinel: Sentinel) {
    sentinel.on('sentinel-event', this.onEvent);
  }

  stop(): void {
    this.sentinel.off('sentinel-event', this.onEvent);
  }
}

export function renderSentinelMetrics(s: Sentinel, events: SentinelEventCounts): string {
  const e = new Exposition();
  e.single('dssm_sentinel_up', 'gauge', 'Whether the sentinel is running (1) or stopped (0).', s.stopped ? 0 : 1);
  e.single('dssm_sentinel_info', 'gauge', 'Sentinel version and id (value is always 1).', 1, { version: DSSM_VERSION, redis_version: REDIS_COMPAT_VERSION, sentinel_id: s.myid });
  e.single('dssm_sentinel_uptime_seconds', 'gauge', 'Seconds since the sentinel started.', Math.floor((Date.now() - s.startTime) / 1000));
  e.single('dssm_sentinel_current_epoch', 'gauge', 'The current epoch (raised by each failover election).', s.currentEpoch);
  e.single('dssm_sentinel_masters', 'gauge', 'Primaries this sentinel monitors.', s.masters.size);
  e.single('dssm_sentinel_connected_clients', 'gauge', 'Client connections open to the sentinel.', s.sessions.size);
  e.single('dssm_sentinel_connections_received_total', 'counter', 'Connections accepted.', s.stats.connectionsReceived);
  e.single('dssm_sentinel_commands_processed_total', 'counter', 'Commands processed.', s.stats.commandsProcessed);

  const masters = [...s.masters.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  e.family('dssm_sentinel_master_info', 'gauge', 'The address each monitored primary has now (value is always 1).');
  for (const m of masters) e.sample(1, { master: m.name, address: `${m.host}:${m.port}` });
  e.family('dssm_sentinel_master_ok', 'gauge', 'Whether each primary is neither subjectively nor objectively down.');
  for (const m of masters) e.sample(m.is(Flag.S_DOWN) || m.is(Flag.O_DOWN) ? 0 : 1, { master: m.name });
  e.family('dssm_sentinel_master_sdown', 'gauge', 'Whether this sentinel sees each primary as down (subjectively).');
  for (const m of masters) e.sample(m.is(Flag.S_DOWN) ? 1 : 0, { master: m.name });
  e.family('dssm_sentinel_master_odown', 'gauge', 'Whether a quorum agrees each primary is down (objectively).');
  for (const m of masters) e.sample(m.is(Flag.O_DOWN) ? 1 : 0, { master: m.name });
  e.family('dssm_sentinel_master_replicas', 'gauge', 'Replicas known for each primary.');
  for (const m of masters) e.sample(m.slaves.size, { master: m.name });
  e.family('dssm_sentinel_master_replicas_ok', 'gauge', 'Replicas of each primary that are not down.');
  for (const m of masters) {
    let ok = 0;
    for (const r of m.slaves.values()) if (!r.is(Flag.S_DOWN) && !r.is(Flag.O_DOWN)) ok++;
    e.sample(ok, { master: m.name });
  }
  e.family('dssm_sentinel_master_sentinels', 'gauge', 'Sentinels known for each primary, this one included.');
  for (const m of masters) e.sample(m.sentinels.size + 1, { master: m.name });
  e.family('dssm_sentinel_master_quorum', 'gauge', 'The configured quorum for each primary.');
  for (const m of masters) e.sample(m.quorum, { master: m.name });
  e.family('dssm_sentinel_master_config_epoch', 'gauge', "Each primary's configuration epoch.");
  for (const m of masters) e.sample(m.configEpoch, { master: m.name });
  e.family('dssm_sentinel_master_failover_in_progress', 'gauge', 'Whether a failover of each primary is in progress.');
  for (const m of masters) e.sample(m.is(Flag.FAILOVER_IN_PROGRESS) && m.failoverState !== FailoverState.NONE ? 1 : 0, { master: m.name });
  e.family('dssm_sentinel_failovers_total', 'counter', 'Failovers seen by this sentinel since it started (+switch-master events), by primary name.');
  for (const m of masters) e.sample(events.failovers.get(m.name) ?? 0, { master: m.name });
  e.family('dssm_sentinel_events_total', 'counter', 'Sentinel events (+sdown, +odown, +switch-master...) since start, by type.');
  for (const [type, n] of [...events.byType].sort()) e.sample(n, { type });

  const tls = sentinelTlsState(s);
  if (tls) {
    renderCertExpiry(e, tls.certs);
    e.single('dssm_tls_reloads_total', 'counter', 'Certificate material reloads (hot rotation).', tls.reloads);
    e.single('dssm_tls_reload_failures_total', 'counter', 'Certificate reloads refused (broken replacement files).', tls.failures);
  }
  return e.text();
}

/**
 * Start the endpoint if the sentinel's configuration sets `metrics-port` (a directive kept
 * among its other directives). Returns null when metrics are off.
 */
export async function startSentinelMetrics(s: Sentinel): Promise<MetricsEndpoint | null> {
  const portWords = s.cfg.directives.get('metrics-port');
  const port = portWords ? Number(portWords[0]) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`metrics-port: invalid port '${portWords?.[0] ?? ''}'`);
  if (port === 0) return null;
  const bind = (s.cfg.directives.get('metrics-bind') ?? ['127.0.0.1']).join(' ');
  const events = new SentinelEventCounts(s);
  const ep = await serveMetrics(bind, port, {
    render: () => renderSentinelMetrics(s, events),
    unhealthy: () => (s.stopped ? 'stopped' : null),
  });
  const close = ep.close;
  return {
    ...ep,
    close: () => {
      events.stop();
      return close();
    },
  };
}
