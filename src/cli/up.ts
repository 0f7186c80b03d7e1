/**
 * `dssm up` (and `npm start`): the whole system on loopback from one command: three data
 * nodes (one primary, two replicas, persistence on) and three sentinels, as child processes
 * of this one, restarted when they die, each with a Prometheus /metrics port (9121-9123,
 * 9131-9133 by default); TLS with certificates created on first run; a live
 * status table (JSON lines of changes when stdout is not a terminal); Ctrl-C stops it all.
 */
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import {
  DEFAULT_DIR,
  DEFAULT_MASTER_NAME,
  DEFAULT_METRICS_PORT,
  SENTINEL_METRICS_OFFSET,
  ensureCertificates,
  layout,
  metricsPorts,
  primaryFromSentinelConfs,
  readSettings,
  sentinelTlsSupported,
  writeSettings,
  type Layout,
  type UpSettings,
} from '../deploy/deployment.js';
import { addrText, call, sameAddr, sleep, useClientTls, type Addr, type LinkOptions } from '../deploy/link.js';
import { Supervisor, type Child } from '../deploy/supervisor.js';
import { gatherTopology, primaryFromSentinels, table, type Topology } from '../deploy/topology.js';

interface UpOptions {
  dir: string;
  basePort?: string;
  sentinelPort?: string;
  tls: boolean;
  syncReplicas?: string;
  masterName?: string;
  downAfter?: string;
  json?: boolean;
  interval: string;
  metricsPort?: string;
  /** false with --no-metrics. */
  metrics: boolean;
}

const NODES = 3;
const SENTINELS = 3;
const HOST = '127.0.0.1';
const BIN = fileURLToPath(new URL('../../bin/dssm.js', import.meta.url));

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('Run 3 data nodes and 3 sentinels on loopback (TLS, persistence, restarts) with a live status table; Ctrl-C stops everything')
    .option('--dir <dir>', 'data, certificates, sentinel configs and logs', DEFAULT_DIR)
    .option('--base-port <port>', 'first data node port (the nodes use port, port+1, port+2; default 6379)')
    .option('--sentinel-port <port>', 'first sentinel port (default 26379)')
    .option('--no-tls', 'plain TCP instead of mutual TLS')
    .option('--sync-replicas <n>', 'synchronous mode: a write is acknowledged once n replicas have it')
    .option('--master-name <name>', `the name the sentinels monitor (default ${DEFAULT_MASTER_NAME})`)
    .option('--down-after <ms>', 'sentinel down-after-milliseconds (default 1000)')
    .option(
      '--metrics-port <port>',
      `first Prometheus /metrics port: data nodes on port..port+2, sentinels on port+${SENTINEL_METRICS_OFFSET}..port+${SENTINEL_METRICS_OFFSET + 2} (default ${DEFAULT_METRICS_PORT})`,
    )
    .option('--no-metrics', 'no /metrics endpoints')
    .option('--json', 'print JSON lines of status changes even on a terminal')
    .option('--interval <ms>', 'status refresh period', '1000')
    .action(async (o: UpOptions) => {
      process.exitCode = await runUp(o);
    });
}

function intOpt(v: string | undefined, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = /^-?\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got '${v}'`);
  return n;
}

/** Merge the flags with the settings of an earlier run in the same directory. */
function settingsFor(o: UpOptions, l: Layout): UpSettings {
  const prev = readSettings(l);
  const basePort = intOpt(o.basePort, '--base-port', 1, 65533) ?? prev?.basePort ?? 6379;
  const sentinelPort = intOpt(o.sentinelPort, '--sentinel-port', 1, 65533) ?? prev?.sentinelPort ?? 26379;
  const masterName = o.masterName ?? prev?.masterName ?? DEFAULT_MASTER_NAME;
  if (prev && (prev.basePort !== basePort || prev.sentinelPort !== sentinelPort || prev.masterName !== masterName)) {
    throw new Error(
      `${l.dir} holds a deployment on ports ${prev.basePort}/${prev.sentinelPort} (master name ${prev.masterName}); ` + 'the sentinels remember those addresses. Use the same ports, or another --dir.',
    );
  }
  if (prev && prev.tls !== o.tls) throw new Error(`${l.dir} holds a deployment with TLS ${prev.tls ? 'on' : 'off'}; ${prev.tls ? 'drop --no-tls' : 'add --no-tls'}, or use another --dir.`);
  return {
    version: 1,
    basePort,
    sentinelPort,
    masterName,
    tls: o.tls,
    sentinelTls: o.tls && (prev ? prev.sentinelTls : sentinelTlsSupported()),
    syncReplicas: intOpt(o.syncReplicas, '--sync-replicas', 0, NODES - 1) ?? prev?.syncReplicas ?? 0,
    downAfterMs: intOpt(o.downAfter, '--down-after', 100, 600_000) ?? prev?.downAfterMs ?? 1000,
    // Unlike the data and sentinel ports, nothing remembers the metrics ports: a flag may
    // change them on any run. Without one, the previous run's choice (off included) stays.
    metricsPort: o.metrics === false ? 0 : (intOpt(o.metricsPort, '--metrics-port', 1, 65535 - SENTINEL_METRICS_OFFSET - 2) ?? prev?.metricsPort ?? DEFAULT_METRICS_PORT),
  };
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, HOST, () => s.close(() => resolve(true)));
  });
}

function sentinelConfText(l: Layout, s: UpSettings, i: number, primary: Addr): string {
  const port = s.sentinelPort + i;
  const lines = ['# Written by `dssm up` on first run; the sentinel rewrites it (current primary, epochs, peers).', `bind ${HOST}`, `dir ${JSON.stringify(l.sentinelDir(i))}`];
  if (s.tls) {
    lines.push(`tls-cert-file ${JSON.stringify(l.tls.cert)}`, `tls-key-file ${JSON.stringify(l.tls.key)}`, `tls-ca-cert-file ${JSON.stringify(l.tls.ca)}`, 'tls-replication yes');
    if (s.sentinelTls) lines.push('port 0', `tls-port ${port}`, 'tls-auth-clients yes');
    else lines.push(`port ${port}`);
  } else lines.push(`port ${port}`);
  lines.push(
    `sentinel monitor ${s.masterName} ${primary.host} ${primary.port} 2`,
    `sentinel down-after-milliseconds ${s.masterName} ${s.downAfterMs}`,
    `sentinel failover-timeout ${s.masterName} 10000`,
    `sentinel parallel-syncs ${s.masterName} 1`,
  );
  return lines.join('\n') + '\n';
}

function dataNodeArgs(l: Layout, s: UpSettings, i: number, primary: Addr | null): string[] {
  const port = s.basePort + i;
  const a = ['server', '--bind', HOST, '--dir', l.nodeDir(i), '--appendonly', 'yes'];
  if (s.tls) {
    a.push('--port', '0', '--tls-port', String(port), '--tls-cert-file', l.tls.cert, '--tls-key-file', l.tls.key, '--tls-ca-cert-file', l.tls.ca);
    a.push('--tls-auth-clients', 'yes', '--tls-replication', 'yes', '--replica-announce-port', String(port));
  } else a.push('--port', String(port));
  if (s.syncReplicas > 0) a.push('--sync-replicas', String(s.syncReplicas));
  a.push('--metrics-port', String(metricsPorts(s)?.dataNodes[i] ?? 0));
  if (primary) a.push('--replicaof', primary.host, String(primary.port));
  return a;
}

/**
 * The metrics port goes on the command line, not only in the conf written on first run:
 * a sentinel.conf from before metrics existed, or from a run with other metrics ports,
 * must follow this run's settings (the sentinel then writes it into its conf, as
 * redis-sentinel does with argument directives; 0 turns it off again).
 */
function sentinelArgs(l: Layout, s: UpSettings, i: number): string[] {
  return ['sentinel', l.sentinelConf(i), '--metrics-port', String(metricsPorts(s)?.sentinels[i] ?? 0)];
}

function connectHelp(l: Layout, s: UpSettings): string {
  const rel = (p: string) => {
    const r = relative(process.cwd(), p);
    return r.startsWith('..') ? p : r;
  };
  const sp = s.sentinelPort;
  const sentinels = [0, 1, 2].map((i) => `{ host: '${HOST}', port: ${sp + i} }`).join(', ');
  const tlsFlags = `--tls --cacert ${rel(l.tls.ca)} --cert ${rel(l.tls.clientCert)} --key ${rel(l.tls.clientKey)}`;
  const sFlags = s.sentinelTls ? tlsFlags + ' ' : '';
  const nFlags = s.tls ? tlsFlags + ' ' : '';
  let out =
    `\ndssm is up: data nodes ${HOST}:${s.basePort}-${s.basePort + 2}, sentinels ${HOST}:${sp}-${sp + 2} (master name ${s.masterName}), ` +
    `TLS ${s.tls ? (s.sentinelTls ? 'on' : 'on for data nodes (sentinels on plain TCP)') : 'off'}, data in ${l.dir}\n\n`;
  out += `  Find the primary and talk to it with redis-cli:\n`;
  out += `    redis-cli ${sFlags}-p ${sp} SENTINEL get-master-addr-by-name ${s.masterName}\n`;
  out += `    redis-cli ${nFlags}-p <port from above> SET hello world\n\n`;
  out += `  ioredis in sentinel mode:\n`;
  if (s.tls) {
    out += `    const tls = { ca: fs.readFileSync('${rel(l.tls.ca)}'), cert: fs.readFileSync('${rel(l.tls.clientCert)}'), key: fs.readFileSync('${rel(l.tls.clientKey)}') };\n`;
    out += `    const redis = new Redis({ sentinels: [${sentinels}], name: '${s.masterName}', tls${s.sentinelTls ? ', sentinelTLS: tls, enableTLSForSentinelMode: true' : ''} });\n\n`;
  } else out += `    const redis = new Redis({ sentinels: [${sentinels}], name: '${s.masterName}' });\n\n`;
  const mp = metricsPorts(s);
  if (mp) {
    const range = (p: number[]) => `${p[0]}-${p[p.length - 1]}`;
    out += `  Prometheus metrics (and /healthz): data nodes http://${HOST}:${range(mp.dataNodes)}/metrics, sentinels http://${HOST}:${range(mp.sentinels)}/metrics\n`;
    out += `    curl -s http://${HOST}:${mp.dataNodes[0]}/metrics | grep dssm_replication_role\n\n`;
  }
  out += `  Elsewhere: dssm status --dir ${rel(l.dir)}   dssm failover --dir ${rel(l.dir)}   Logs: ${rel(join(l.dir, 'logs'))}/   Ctrl-C stops everything.\n\n`;
  return out;
}

/** One row per process for the live table and the JSON lines. */
interface ProcRow {
  name: string;
  kind: 'data' | 'sentinel';
  port: number;
  metricsPort: number | null;
  pid: number | null;
  state: string;
  restarts: number;
  health: 'up' | 'down';
  role: string;
  offset: number | null;
  lag: number | null;
  /** Sentinels: the primary they name and their config epoch. */
  primary: string | null;
  epoch: number | null;
}

function rowsOf(sup: Supervisor, t: Topology | null): ProcRow[] {
  return sup.children.map((c) => {
    const addr = addrText({ host: HOST, port: c.spec.port });
    const base = { name: c.spec.name, kind: c.spec.kind, port: c.spec.port, metricsPort: c.spec.metricsPort ?? null, pid: c.alive ? (c.pid ?? null) : null, state: c.state, restarts: c.restarts };
    if (c.spec.kind === 'data') {
      const n = t?.nodes.find((x) => x.addr === addr);
      return {
        ...base,
        health: n?.ok && c.alive ? 'up' : 'down',
        role: n?.ok ? (n.role === 'master' ? 'primary' : 'replica') : '-',
        offset: n?.ok ? (n.offset ?? null) : null,
        lag: n?.ok && n.role === 'slave' ? (n.lag ?? null) : null,
        primary: n?.ok ? (n.role === 'slave' ? (n.primary ?? null) : addr) : null,
        epoch: null,
      };
    }
    const s = t?.sentinels.find((x) => x.addr === addr);
    return {
      ...base,
      health: s?.ok && c.alive ? 'up' : 'down',
      role: 'sentinel',
      offset: null,
      lag: null,
      primary: s?.ok ? (s.primary ?? null) : null,
      epoch: s?.ok ? (s.configEpoch ?? null) : null,
    };
  });
}

function renderTable(rows: ProcRow[], t: Topology | null, events: string[]): string {
  const head = t
    ? `primary ${t.primary ?? '(unknown)'}${t.agreed ? '' : t.counts.sentinels === 0 ? ' (no sentinel answered)' : ' (sentinels disagree)'}   config epoch ${t.epoch}   ${new Date().toLocaleTimeString()}\n`
    : 'waiting for the first status...\n';
  const body = table(
    ['PROCESS', 'ROLE', 'PORT', 'METRICS', 'PID', 'STATE', 'HEALTH', 'OFFSET', 'LAG', 'RESTARTS', 'SEES PRIMARY', 'EPOCH'],
    rows.map((r) => [
      r.name,
      r.role,
      String(r.port),
      r.metricsPort !== null ? String(r.metricsPort) : '-',
      r.pid ? String(r.pid) : '-',
      r.state,
      r.health,
      r.offset !== null ? String(r.offset) : '-',
      r.lag !== null ? String(r.lag) : '-',
      String(r.restarts),
      r.primary ?? '-',
      r.epoch !== null ? String(r.epoch) : '-',
    ]),
  );
  const tail = events.length ? '\nrecent events:\n' + events.map((e) => '  ' + e).join('\n') + '\n' : '';
  return head + body + tail;
}

export async function runUp(o: UpOptions): Promise<number> {
  const started = performance.now();
  const l = layout(o.dir);
  let s: UpSettings;
  let interval: number;
  try {
    s = settingsFor(o, l);
    interval = intOpt(o.interval, '--interval (ms)', 200, 3_600_000) ?? 1000;
  } catch (e) {
    process.stderr.write(`dssm up: ${(e as Error).message}\n`);
    return 1;
  }
  const jsonMode = o.json === true || !process.stdout.isTTY;
  const human = (text: string) => (jsonMode ? process.stderr : process.stdout).write(text);
  const emit = (event: string, fields: Record<string, unknown> = {}) => {
    if (jsonMode) process.stdout.write(JSON.stringify({ ts: new Date().toISOString(), event, ...fields }) + '\n');
  };

  const mp = metricsPorts(s);
  const ports = [
    ...Array.from({ length: NODES }, (_, i) => ({ port: s.basePort + i, what: `node-${i}`, flag: '--base-port' })),
    ...Array.from({ length: SENTINELS }, (_, i) => ({ port: s.sentinelPort + i, what: `sentinel-${i}`, flag: '--sentinel-port' })),
    ...(mp?.dataNodes ?? []).map((port, i) => ({ port, what: `node-${i} metrics`, flag: '--metrics-port' })),
    ...(mp?.sentinels ?? []).map((port, i) => ({ port, what: `sentinel-${i} metrics`, flag: '--metrics-port' })),
  ];
  const clash = ports.filter((p, i) => ports.findIndex((q) => q.port === p.port) !== i);
  if (clash.length) {
    const c = clash[0]!;
    const other = ports.find((q) => q.port === c.port)!;
    process.stderr.write(`dssm up: port ${c.port} would serve both ${other.what} and ${c.what}; pick non-overlapping ranges with --base-port/--sentinel-port/--metrics-port (or --no-metrics).\n`);
    return 1;
  }
  const busy: typeof ports = [];
  for (const p of ports) if (!(await portFree(p.port))) busy.push(p);
  if (busy.length) {
    const flags = [...new Set(busy.map((b) => b.flag))];
    const hint = flags.join('/') + (flags.includes('--metrics-port') ? ' (or --no-metrics)' : '');
    process.stderr.write(
      `dssm up: port${busy.length > 1 ? 's' : ''} ${busy.map((b) => `${b.port} (${b.what})`).join(', ')} already in use on ${HOST} (another dssm up or redis-server?). Stop it, or pick others with ${hint}.\n`,
    );
    return 1;
  }

  mkdirSync(join(l.dir, 'logs'), { recursive: true });
  if (s.tls) {
    if (await ensureCertificates(l)) human(`created a CA, a server certificate (localhost, 127.0.0.1, ::1) and a client certificate in ${l.tlsDir}\n`);
    useClientTls({ ca: l.tls.ca, cert: l.tls.clientCert, key: l.tls.clientKey });
  }
  writeSettings(l, s);
  if (s.tls && !s.sentinelTls) human('note: this build of `dssm sentinel` has no TLS listener (tls-port); sentinels listen on plain TCP on loopback, with TLS links to the data nodes.\n');

  const nodeLink: LinkOptions = { tls: s.tls ? { ca: l.tls.ca } : null, timeoutMs: 1500 };
  const sentinelLink: LinkOptions = { tls: s.sentinelTls ? { ca: l.tls.ca } : null, timeoutMs: 1500 };
  const nodeAddr = (i: number): Addr => ({ host: HOST, port: s.basePort + i });
  const sentinelAddrs = Array.from({ length: SENTINELS }, (_, i) => ({ host: HOST, port: s.sentinelPort + i }));

  // The primary: the one the sentinels last agreed on (second run), else node 0.
  const recorded = primaryFromSentinelConfs(l, s.masterName);
  let primaryIndex = 0;
  for (let i = 0; i < NODES; i++) if (recorded && sameAddr(recorded, nodeAddr(i))) primaryIndex = i;
  let lastKnownPrimary: Addr = nodeAddr(primaryIndex);

  for (let i = 0; i < SENTINELS; i++) {
    mkdirSync(l.sentinelDir(i), { recursive: true });
    if (!existsSync(l.sentinelConf(i))) writeFileSync(l.sentinelConf(i), sentinelConfText(l, s, i, nodeAddr(primaryIndex)));
  }

  const sup = new Supervisor(process.execPath, [BIN]);
  const dataChildren: Child[] = [];
  for (let i = 0; i < NODES; i++) {
    mkdirSync(l.nodeDir(i), { recursive: true });
    let first = true;
    const me = nodeAddr(i);
    const child: Child = sup.add({
      name: `node-${i}`,
      kind: 'data',
      port: me.port,
      metricsPort: mp?.dataNodes[i] ?? null,
      logFile: l.log(`node-${i}`),
      args: async () => {
        if (first) {
          first = false;
          return dataNodeArgs(l, s, i, i === primaryIndex ? null : nodeAddr(primaryIndex));
        }
        // A restart: join the primary the sentinels name now. If they still name this node,
        // wait for them to fail over (a restarted primary may have lost its last writes)
        // unless nobody else can take over for a long time.
        const asked = await primaryFromSentinels(sentinelAddrs, s.masterName, sentinelLink);
        const primary = asked.primary ?? lastKnownPrimary;
        if (sameAddr(primary, me)) {
          const down = Date.now() - (child.lastExit?.at ?? 0);
          if (down < 20_000) return null;
          return dataNodeArgs(l, s, i, null);
        }
        return dataNodeArgs(l, s, i, primary);
      },
    });
    dataChildren.push(child);
  }
  const sentinelChildren: Child[] = [];
  for (let i = 0; i < SENTINELS; i++) {
    sentinelChildren.push(
      sup.add({ name: `sentinel-${i}`, kind: 'sentinel', port: s.sentinelPort + i, metricsPort: mp?.sentinels[i] ?? null, logFile: l.log(`sentinel-${i}`), args: async () => sentinelArgs(l, s, i) }),
    );
  }

  const events: string[] = [];
  const note = (text: string) => {
    events.push(`${new Date().toLocaleTimeString()} ${text}`);
    if (events.length > 6) events.shift();
  };
  sup.on('start', (c: Child) => {
    emit('child-start', { name: c.spec.name, pid: c.pid, port: c.spec.port, metricsPort: c.spec.metricsPort ?? null, restarts: c.restarts });
    if (c.restarts > 0) note(`${c.spec.name} restarted (pid ${c.pid})`);
  });
  sup.on('exit', (c: Child, code: number | null, signal: string | null, delay?: number) => {
    emit('child-exit', { name: c.spec.name, code, signal, restartInMs: delay ?? null });
    if (delay !== undefined) note(`${c.spec.name} exited (${signal ?? 'code ' + code}); restart in ${delay} ms`);
  });

  let shuttingDown: Promise<void> | null = null;
  const shutdown = (why: string) => {
    if (shuttingDown) {
      sup.killAllNow();
      return shuttingDown;
    }
    emit('stopping', { reason: why });
    human(`\n${why}: stopping sentinels, then data nodes...\n`);
    shuttingDown = sup.stopAll([sentinelChildren, dataChildren], 10_000).then(() => {
      emit('stopped', {});
      human('all processes stopped.\n');
    });
    return shuttingDown;
  };
  let stopRequested: ((why: string) => void) | null = null;
  const stopSignal = new Promise<string>((resolve) => (stopRequested = resolve));
  let stopping = false;
  void stopSignal.then(() => (stopping = true));
  // A second signal while stopping: SIGKILL whatever is left.
  const onSignal = (sig: string) => (shuttingDown ? void shutdown(sig) : stopRequested!(sig));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  process.on('uncaughtException', (err) => {
    process.stderr.write(`dssm up: ${err.stack ?? err.message}\n`);
    sup.killAllNow();
    process.exit(1);
  });

  // Data nodes (primary first), then the sentinels.
  human(`starting 3 data nodes and 3 sentinels (logs in ${join(l.dir, 'logs')})...\n`);
  await sup.start(dataChildren[primaryIndex]!);
  for (let i = 0; i < NODES; i++) if (i !== primaryIndex) await sup.start(dataChildren[i]!);
  const ready = async (a: Addr, link: LinkOptions, deadline: number) => {
    while (performance.now() < deadline) {
      try {
        await call(a, link, 'PING');
        return true;
      } catch {
        await sleep(100);
      }
    }
    return false;
  };
  const waitAll = Promise.race([
    (async () => {
      const deadline = performance.now() + 30_000;
      for (let i = 0; i < NODES; i++) await ready(nodeAddr(i), nodeLink, deadline);
      for (const c of sentinelChildren) await sup.start(c);
      for (const a of sentinelAddrs) await ready(a, sentinelLink, deadline);
      // Ready: the sentinels agree on a primary that has both replicas linked.
      while (performance.now() < deadline) {
        const t = await gatherTopology(sentinelAddrs, s.masterName, sentinelLink, nodeLink, [0, 1, 2].map(nodeAddr)).catch(() => null);
        const p = t?.nodes.find((n) => n.ok && n.role === 'master' && n.addr === t.primary);
        if (t?.agreed && t.counts.sentinels === SENTINELS && p && (p.connectedReplicas ?? 0) >= NODES - 1) return t;
        await sleep(200);
      }
      return null;
    })(),
    stopSignal.then(() => null),
  ]);
  const first = await waitAll;
  if (!stopping) {
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    if (!first) human(`warning: the deployment did not settle within 30 s; see ${join(l.dir, 'logs')}/\n`);
    if (first?.primary) lastKnownPrimary = { host: HOST, port: Number(first.primary.split(':').pop()) };
    human(connectHelp(l, s));
    emit('ready', {
      startupSeconds: Number(secs),
      settled: first !== null,
      primary: first?.primary ?? null,
      dataNodes: [0, 1, 2].map((i) => addrText(nodeAddr(i))),
      sentinels: sentinelAddrs.map(addrText),
      metrics: mp ? { dataNodes: mp.dataNodes.map((p) => `http://${HOST}:${p}/metrics`), sentinels: mp.sentinels.map((p) => `http://${HOST}:${p}/metrics`) } : null,
      masterName: s.masterName,
      tls: s.tls,
      sentinelTls: s.sentinelTls,
      dir: l.dir,
      files: s.tls ? { ca: l.tls.ca, cert: l.tls.clientCert, key: l.tls.clientKey } : null,
    });
    if (!jsonMode) human(`(started in ${secs} s)\n\n`);
  }

  // The live status loop.
  let drawn = 0;
  const last = new Map<string, string>();
  let lastPrimary = '';
  const statusLoop = (async () => {
    while (!stopping) {
      const t = await gatherTopology(sentinelAddrs, s.masterName, sentinelLink, nodeLink, [0, 1, 2].map(nodeAddr)).catch(() => null);
      if (stopping) break;
      if (t?.primary && t.agreed) lastKnownPrimary = { host: HOST, port: Number(t.primary.split(':').pop()) };
      const rows = rowsOf(sup, t);
      if (jsonMode) {
        const p = t ? JSON.stringify({ primary: t.primary, epoch: t.epoch, agreed: t.agreed }) : '';
        if (t && p !== lastPrimary) {
          lastPrimary = p;
          emit('primary', { primary: t.primary, epoch: t.epoch, agreed: t.agreed });
        }
        for (const r of rows) {
          const sig = JSON.stringify([r.role, r.health, r.pid, r.state, r.primary, r.epoch]);
          if (last.get(r.name) === sig) continue;
          last.set(r.name, sig);
          emit('status', { ...r });
        }
      } else {
        const text = renderTable(rows, t, events);
        process.stdout.write((drawn ? `\x1b[${drawn}F\x1b[J` : '') + text);
        drawn = text.split('\n').length - 1;
      }
      await Promise.race([sleep(interval), stopSignal]);
    }
  })();

  const why = await stopSignal;
  await statusLoop;
  await shutdown(why);
  return 0;
}
