/**
 * The topology of a deployment as its sentinels see it (SENTINEL MASTER / REPLICAS /
 * SENTINELS), checked against the data nodes themselves (INFO): who is primary, replication
 * offsets and lag, health, epochs. Shared by `dssm status`, `dssm failover` and `dssm up`.
 */
import { addrText, call, commaFields, fieldMap, infoMap, parseAddr, sameAddr, type Addr, type LinkOptions, type RespValue } from './link.js';

export interface SentinelView {
  addr: string;
  ok: boolean;
  error?: string;
  /** The primary this sentinel monitors under the name, as host:port. */
  primary?: string;
  flags?: string;
  configEpoch?: number;
  quorum?: number;
  numReplicas?: number;
  numOtherSentinels?: number;
  failoverState?: string;
  replicas?: { addr: string; flags: string; offset: number; linkStatus: string; priority: number }[];
  sentinels?: { addr: string; runid: string; flags: string }[];
  myid?: string;
}

export interface NodeView {
  addr: string;
  ok: boolean;
  error?: string;
  role?: 'master' | 'slave';
  /** Replication offset: master_repl_offset on a primary, the processed offset on a replica. */
  offset?: number;
  /** Bytes behind the primary (replicas), from both offsets. */
  lag?: number;
  primary?: string;
  linkStatus?: string;
  connectedReplicas?: number;
  failoverState?: string;
  pid?: number;
  runId?: string;
  replicas?: { addr: string; state: string; offset: number; lag: number }[];
}

export interface Topology {
  masterName: string;
  /** The primary named by the most sentinels (null when none answered). */
  primary: string | null;
  /** Whether every sentinel that answered names the same primary. */
  agreed: boolean;
  /** Highest config epoch among the sentinels. */
  epoch: number;
  sentinels: SentinelView[];
  nodes: NodeView[];
  counts: { primaries: number; replicas: number; sentinels: number; nodesDown: number; sentinelsDown: number };
}

function num(v: string | undefined, d = 0): number {
  const n = Number(v);
  return Number.isFinite(n) ? n : d;
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export async function querySentinel(addr: Addr, name: string, opts: LinkOptions): Promise<SentinelView> {
  const view: SentinelView = { addr: addrText(addr), ok: false };
  try {
    const m = fieldMap(await call(addr, opts, 'SENTINEL', 'MASTER', name));
    const reps = (await call(addr, opts, 'SENTINEL', 'REPLICAS', name)) as RespValue[];
    const sens = (await call(addr, opts, 'SENTINEL', 'SENTINELS', name)) as RespValue[];
    const myid = await call(addr, opts, 'SENTINEL', 'MYID').catch(() => null);
    view.ok = true;
    view.primary = addrText({ host: m.get('ip') ?? '?', port: num(m.get('port')) });
    view.flags = m.get('flags') ?? '';
    view.configEpoch = num(m.get('config-epoch'));
    view.quorum = num(m.get('quorum'));
    view.numReplicas = num(m.get('num-slaves'));
    view.numOtherSentinels = num(m.get('num-other-sentinels'));
    if (m.has('failover-state')) view.failoverState = m.get('failover-state');
    view.replicas = reps.map((r) => {
      const f = fieldMap(r);
      return {
        addr: addrText({ host: f.get('ip') ?? '?', port: num(f.get('port')) }),
        flags: f.get('flags') ?? '',
        offset: num(f.get('slave-repl-offset')),
        linkStatus: f.get('master-link-status') ?? '',
        priority: num(f.get('slave-priority'), 100),
      };
    });
    view.sentinels = sens.map((r) => {
      const f = fieldMap(r);
      return { addr: addrText({ host: f.get('ip') ?? '?', port: num(f.get('port')) }), runid: f.get('runid') ?? '', flags: f.get('flags') ?? '' };
    });
    if (typeof myid === 'string') view.myid = myid;
  } catch (e) {
    view.error = errText(e);
  }
  return view;
}

export async function queryNode(addr: Addr, opts: LinkOptions): Promise<NodeView> {
  const view: NodeView = { addr: addrText(addr), ok: false };
  try {
    const f = infoMap(await call(addr, opts, 'INFO'));
    view.ok = true;
    view.role = f.get('role') === 'slave' ? 'slave' : 'master';
    view.pid = num(f.get('process_id')) || undefined;
    view.runId = f.get('run_id');
    if (view.role === 'slave') {
      view.primary = addrText({ host: f.get('master_host') ?? '?', port: num(f.get('master_port')) });
      view.linkStatus = f.get('master_link_status');
      view.offset = num(f.get('slave_repl_offset') ?? f.get('master_repl_offset'));
    } else {
      view.offset = num(f.get('master_repl_offset'));
      view.connectedReplicas = num(f.get('connected_slaves'));
      view.failoverState = f.get('master_failover_state');
      view.replicas = [];
      for (const [k, v] of f) {
        if (!/^slave\d+$/.test(k)) continue;
        const s = commaFields(v);
        view.replicas.push({ addr: addrText({ host: s.get('ip') ?? '?', port: num(s.get('port')) }), state: s.get('state') ?? '', offset: num(s.get('offset')), lag: num(s.get('lag')) });
      }
    }
  } catch (e) {
    view.error = errText(e);
  }
  return view;
}

/**
 * Ask every sentinel, then every data node they know of (and `extraNodes`, e.g. the
 * nodes `dssm up` runs even while the sentinels do not list them).
 */
export async function gatherTopology(sentinels: Addr[], masterName: string, sopts: LinkOptions, nopts: LinkOptions, extraNodes: Addr[] = []): Promise<Topology> {
  const sviews = await Promise.all(sentinels.map((s) => querySentinel(s, masterName, sopts)));
  const votes = new Map<string, number>();
  for (const s of sviews) if (s.ok && s.primary) votes.set(s.primary, (votes.get(s.primary) ?? 0) + 1);
  let primary: string | null = null;
  let best = 0;
  for (const [p, n] of votes) if (n > best) [primary, best] = [p, n];
  const addrs: Addr[] = [];
  const add = (a: Addr) => {
    if (!addrs.some((x) => sameAddr(x, a))) addrs.push(a);
  };
  if (primary) add(parseAddr(primary, 0));
  for (const s of sviews) {
    if (s.primary) add(parseAddr(s.primary, 0));
    for (const r of s.replicas ?? []) add(parseAddr(r.addr, 0));
  }
  for (const a of extraNodes) add(a);
  const nodes = await Promise.all(addrs.map((a) => queryNode(a, nopts)));
  const primaryNode = nodes.find((n) => n.ok && n.role === 'master' && sameAddr(parseAddr(n.addr, 0), primary ? parseAddr(primary, 0) : null));
  for (const n of nodes) {
    if (n.ok && n.role === 'slave' && primaryNode?.offset !== undefined && n.offset !== undefined) n.lag = Math.max(0, primaryNode.offset - n.offset);
  }
  const okS = sviews.filter((s) => s.ok);
  return {
    masterName,
    primary,
    agreed: okS.length > 0 && votes.size === 1,
    epoch: Math.max(0, ...okS.map((s) => s.configEpoch ?? 0)),
    sentinels: sviews,
    nodes,
    counts: {
      primaries: nodes.filter((n) => n.ok && n.role === 'master').length,
      replicas: nodes.filter((n) => n.ok && n.role === 'slave').length,
      sentinels: okS.length,
      nodesDown: nodes.filter((n) => !n.ok).length,
      sentinelsDown: sviews.length - okS.length,
    },
  };
}

/** The current primary according to the sentinels (majority of those answering). */
export async function primaryFromSentinels(sentinels: Addr[], masterName: string, opts: LinkOptions): Promise<{ primary: Addr | null; answers: number; agreeing: number }> {
  const replies = await Promise.all(
    sentinels.map((s) =>
      call(s, opts, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName).then(
        (r) => (Array.isArray(r) && r.length === 2 ? addrText({ host: String(r[0]), port: Number(r[1]) }) : null),
        () => null,
      ),
    ),
  );
  const votes = new Map<string, number>();
  for (const r of replies) if (r) votes.set(r, (votes.get(r) ?? 0) + 1);
  let primary: string | null = null;
  let best = 0;
  for (const [p, n] of votes) if (n > best) [primary, best] = [p, n];
  return { primary: primary ? parseAddr(primary, 0) : null, answers: replies.filter(Boolean).length, agreeing: best };
}

/** Plain-text table with left-aligned columns. */
export function table(header: string[], rows: string[][]): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (c ?? '').padEnd(w[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** `dssm status`'s human-readable form. */
export function renderTopology(t: Topology): string {
  let out = `master name: ${t.masterName}   primary: ${t.primary ?? '(unknown)'}${t.agreed ? '' : t.counts.sentinels === 0 ? '  (no sentinel answered)' : '  (sentinels disagree)'}   config epoch: ${t.epoch}\n\n`;
  out += table(
    ['DATA NODE', 'ROLE', 'HEALTH', 'PID', 'OFFSET', 'LAG', 'PRIMARY/LINK'],
    t.nodes.map((n) => [
      n.addr,
      n.ok ? (n.role === 'master' ? 'primary' : 'replica') : '-',
      n.ok ? 'up' : `down (${n.error ?? ''})`,
      n.pid ? String(n.pid) : '-',
      n.offset !== undefined ? String(n.offset) : '-',
      n.lag !== undefined ? String(n.lag) : '-',
      n.role === 'slave' ? `${n.primary} ${n.linkStatus}` : n.ok ? `${n.connectedReplicas} replicas${n.failoverState && n.failoverState !== 'no-failover' ? ' ' + n.failoverState : ''}` : '',
    ]),
  );
  out += '\n';
  out += table(
    ['SENTINEL', 'HEALTH', 'PRIMARY', 'EPOCH', 'FLAGS', 'REPLICAS', 'SENTINELS'],
    t.sentinels.map((s) => [
      s.addr,
      s.ok ? 'up' : `down (${s.error ?? ''})`,
      s.primary ?? '-',
      s.configEpoch !== undefined ? String(s.configEpoch) : '-',
      s.flags ?? '-',
      s.numReplicas !== undefined ? String(s.numReplicas) : '-',
      s.numOtherSentinels !== undefined ? String(s.numOtherSentinels + 1) : '-',
    ]),
  );
  return out;
}
