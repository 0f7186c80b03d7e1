/**
 * The Prometheus endpoint (`metrics-port`, `metrics-bind`) of data nodes and sentinels,
 * scraped with fetch() the way Prometheus does: values follow traffic, the keyspace gauge
 * matches DBSIZE, replication and sentinel state show up, certificates report their days
 * left, and the endpoint is off by default, loopback-bound, closed by SHUTDOWN.
 *
 * Child processes run dist/ (npm run build first).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadSentinelConfig } from '../../src/sentinel/config.js';
import { Sentinel } from '../../src/sentinel/server.js';
import { startSentinelMetrics } from '../../src/observe/metrics-sentinel.js';
import { createCA, createClientCert, createServerCert } from '../../src/security/pki.js';
import { freePort, startDssm, waitForPort, type TestServer } from '../helpers/servers.js';
import { plain, RawClient } from '../helpers/resp.js';

const ROOT = path.join(import.meta.dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'dssm.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------
// A strict reader of the text exposition format: every line must be a HELP, a TYPE or a
// sample of the family the last TYPE opened, each series at most once.

interface Family {
  type: string;
  help: string;
}

interface Scrape {
  text: string;
  families: Map<string, Family>;
  /** `name{a="1",b="2"}` (labels sorted) → value. */
  series: Map<string, number>;
}

function seriesKey(name: string, labels: Record<string, string> = {}): string {
  const keys = Object.keys(labels).sort();
  return keys.length ? `${name}{${keys.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}` : name;
}

function parseLabels(s: string, line: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < s.length) {
    const m = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(s.slice(i));
    assert.ok(m, `bad label in: ${line}`);
    i += m[0].length;
    let v = '';
    for (;;) {
      assert.ok(i < s.length, `unterminated label value in: ${line}`);
      const ch = s[i]!;
      if (ch === '\\') {
        const nx = s[i + 1];
        assert.ok(nx === '\\' || nx === '"' || nx === 'n', `bad escape in: ${line}`);
        v += nx === 'n' ? '\n' : nx;
        i += 2;
      } else if (ch === '"') {
        i++;
        break;
      } else {
        assert.notEqual(ch, '\n');
        v += ch;
        i++;
      }
    }
    assert.ok(!(m[1]! in out), `label ${m[1]} twice in: ${line}`);
    out[m[1]!] = v;
    if (s[i] === ',') i++;
  }
  return out;
}

function parseExposition(text: string): Scrape {
  assert.ok(text.endsWith('\n'), 'the exposition ends with a line feed');
  const families = new Map<string, Family>();
  const series = new Map<string, number>();
  let open: string | null = null;
  let help = '';
  for (const line of text.slice(0, -1).split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line))) {
      assert.ok(!families.has(m[1]!), `family ${m[1]} described twice`);
      help = m[2]!;
      open = null;
      continue;
    }
    if ((m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line))) {
      assert.ok(!families.has(m[1]!), `family ${m[1]} typed twice`);
      families.set(m[1]!, { type: m[2]!, help });
      open = m[1]!;
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample line: ${JSON.stringify(line)}`);
    const [, name, labelText, raw] = m;
    assert.ok(open, `sample before any TYPE: ${line}`);
    const fam = families.get(open)!;
    const allowed = fam.type === 'histogram' ? [`${open}_bucket`, `${open}_sum`, `${open}_count`] : [open];
    assert.ok(allowed.includes(name!), `sample ${name} inside family ${open}`);
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    assert.ok(raw === 'NaN' || !Number.isNaN(value), `bad value in: ${line}`);
    const key = seriesKey(name!, labelText ? parseLabels(labelText, line) : {});
    assert.ok(!series.has(key), `series ${key} twice`);
    series.set(key, value);
  }
  return { text, families, series };
}

async function scrape(port: number): Promise<Scrape> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(await res.text());
}

/** A sample's value; fails when the series is absent. */
function val(s: Scrape, name: string, labels?: Record<string, string>): number {
  const v = s.series.get(seriesKey(name, labels));
  assert.ok(
    v !== undefined,
    `no series ${seriesKey(name, labels)} in:\n${s.text
      .split('\n')
      .filter((l) => l.startsWith(name))
      .join('\n')}`,
  );
  return v;
}

/** Scrape until `cond` holds (sentinel and replication state converge over seconds). */
async function scrapeUntil(port: number, what: string, cond: (s: Scrape) => boolean, timeoutMs = 20000): Promise<Scrape> {
  const deadline = Date.now() + timeoutMs;
  let last: Scrape | null = null;
  for (;;) {
    last = await scrape(port);
    if (cond(last)) return last;
    if (Date.now() > deadline)
      assert.fail(
        `timed out waiting for ${what}; last scrape:\n${last.text
          .split('\n')
          .filter((l) => !l.startsWith('#'))
          .join('\n')}`,
      );
    await sleep(100);
  }
}

/** TCP ports a process listens on, with their local address (Linux /proc). */
function listeningSockets(pid: number): { host: string; port: number }[] {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      /* closed meanwhile */
    }
  }
  const out: { host: string; port: number }[] = [];
  for (const table of ['tcp', 'tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A' || !inodes.has(f[9]!)) continue;
      const [addrHex, portHex] = f[1]!.split(':');
      const host =
        addrHex!.length === 8
          ? addrHex!
              .match(/../g)!
              .reverse()
              .map((h) => parseInt(h, 16))
              .join('.')
          : `[${addrHex}]`;
      out.push({ host, port: parseInt(portHex!, 16) });
    }
  }
  return out.sort((a, b) => a.port - b.port);
}

interface Proc {
  proc: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

function run(args: string[]): Proc {
  const proc = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DSSM_LOG_LEVEL: 'info' } });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, output: () => out, exited };
}

const children: ChildProcess[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const f of cleanups.reverse()) await f();
});

function tmpdir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanups.push(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

// ---------------------------------------------------------------------------------------

describe('metrics endpoint of a data node (dssm server)', () => {
  it('is off by default: CONFIG GET metrics-port is 0 and the process listens on its data port only', async () => {
    const port = await freePort();
    const p = run(['server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', tmpdir('dssm-metrics-')]);
    children.push(p.proc);
    await waitForPort(port);
    const c = await RawClient.connect(port);
    const cfg = plain(await c.call('CONFIG', 'GET', 'metrics-port')) as string[];
    assert.deepEqual(cfg, ['metrics-port', '0']);
    assert.deepEqual(listeningSockets(p.proc.pid!), [{ host: '127.0.0.1', port }]);
    assert.doesNotMatch(p.output(), /metrics endpoint listening/);
    await c.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
    c.close();
    assert.equal(await p.exited, 0);
  });

  it('listens on loopback only by default, answers /healthz, 404 and 405, and SHUTDOWN closes it with the process', async () => {
    const port = await freePort();
    const mport = await freePort();
    const p = run(['server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', tmpdir('dssm-metrics-'), '--metrics-port', String(mport)]);
    children.push(p.proc);
    await waitForPort(port);
    const c = await RawClient.connect(port);
    assert.deepEqual(plain(await c.call('CONFIG', 'GET', 'metrics-port')), ['metrics-port', String(mport)]);
    assert.deepEqual(
      listeningSockets(p.proc.pid!),
      [port, mport].sort((a, b) => a - b).map((x) => ({ host: '127.0.0.1', port: x })),
    );
    const health = await fetch(`http://127.0.0.1:${mport}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(await health.text(), 'ok\n');
    const missing = await fetch(`http://127.0.0.1:${mport}/metricz`);
    assert.equal(missing.status, 404);
    await missing.text();
    const post = await fetch(`http://127.0.0.1:${mport}/metrics`, { method: 'POST', body: 'x' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    await post.text();
    const head = await fetch(`http://127.0.0.1:${mport}/metrics`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    const s = await scrape(mport);
    assert.equal(val(s, 'dssm_up'), 1);
    // A scraper connection kept alive must not hold the process up after SHUTDOWN.
    const keptAlive = net.connect(mport, '127.0.0.1');
    await new Promise((r) => keptAlive.once('connect', r));
    keptAlive.write(`GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n`);
    await new Promise((r) => keptAlive.once('data', r));
    await c.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
    c.close();
    assert.equal(await p.exited, 0);
    keptAlive.destroy();
    await assert.rejects(fetch(`http://127.0.0.1:${mport}/metrics`));
  });

  it('refuses to start when metrics-port is in use, with an error naming metrics-port', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => taken.close(() => r())));
    const mport = (taken.address() as net.AddressInfo).port;
    const port = await freePort();
    const p = run(['server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', tmpdir('dssm-metrics-'), '--metrics-port', String(mport)]);
    children.push(p.proc);
    assert.equal(await p.exited, 1);
    assert.match(p.output(), new RegExp(`dssm server: metrics-port ${mport}: address 127.0.0.1:${mport} already in use`));
  });

  it('counts traffic: N SETs add N to the set counter, keys gauges match DBSIZE, hits, misses and errors', async () => {
    const mport = await freePort();
    const srv = await startDssm(['--metrics-port', String(mport)]);
    cleanups.push(() => srv.stop());
    const c = await srv.client();
    await c.call('SET', 'warm', 'up');
    const before = await scrape(mport);
    const setsBefore = val(before, 'dssm_commands_total', { cmd: 'set' });
    const N = 37;
    for (let i = 0; i < N; i++) await c.call('SET', `k${i}`, 'v', ...(i < 5 ? ['EX', '1000'] : []));
    await c.call('SELECT', 3);
    for (let i = 0; i < 4; i++) await c.call('HSET', `h${i}`, 'f', 'v');
    await c.call('GET', 'missing');
    await c.call('SELECT', 0);
    await c.call('GET', 'k1');
    assert.deepEqual(plain(await c.call('HGET', 'k2', 'f')), { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' });
    const s = await scrape(mport);
    assert.equal(val(s, 'dssm_commands_total', { cmd: 'set' }) - setsBefore, N);
    assert.equal(val(s, 'dssm_command_latency_seconds_count', { cmd: 'set' }) - val(before, 'dssm_command_latency_seconds_count', { cmd: 'set' }), N);
    assert.equal(val(s, 'dssm_command_latency_seconds_bucket', { cmd: 'set', le: '+Inf' }), val(s, 'dssm_command_latency_seconds_count', { cmd: 'set' }));
    // Between the two scrapes: N SET, 2 SELECT, 4 HSET, 2 GET and 1 HGET.
    assert.equal(val(s, 'dssm_commands_processed_total') - val(before, 'dssm_commands_processed_total'), N + 2 + 4 + 2 + 1);
    assert.equal(s.families.get('dssm_commands_total')!.type, 'counter');
    assert.equal(s.families.get('dssm_keyspace_keys')!.type, 'gauge');
    const dbsize0 = plain(await c.call('DBSIZE')) as number;
    await c.call('SELECT', 3);
    const dbsize3 = plain(await c.call('DBSIZE')) as number;
    assert.equal(dbsize0, N + 1);
    assert.equal(val(s, 'dssm_keyspace_keys', { db: '0' }), dbsize0);
    assert.equal(val(s, 'dssm_keyspace_keys', { db: '3' }), dbsize3);
    assert.equal(val(s, 'dssm_keyspace_keys', { db: '3' }), 4);
    assert.equal(val(s, 'dssm_keyspace_expires', { db: '0' }), 5);
    // GET k1 and the WRONGTYPE HGET both found their key (Redis counts a hit before the type check).
    assert.equal(val(s, 'dssm_keyspace_hits_total') - val(before, 'dssm_keyspace_hits_total'), 2);
    assert.equal(val(s, 'dssm_keyspace_misses_total') - val(before, 'dssm_keyspace_misses_total'), 1);
    assert.equal(val(s, 'dssm_errors_total', { prefix: 'WRONGTYPE' }), 1);
    assert.equal(val(s, 'dssm_commands_failed_total', { cmd: 'hget' }), 1);
    assert.ok(val(s, 'dssm_net_input_bytes_total') > val(before, 'dssm_net_input_bytes_total'));
    assert.equal(val(s, 'dssm_connected_clients'), 1);
    assert.equal(val(s, 'dssm_replication_role', { role: 'master' }), 1);
    // No TLS configured: no certificate metrics.
    assert.equal(s.families.has('dssm_tls_cert_days_left'), false);
  });

  it('shows replication: roles, connected replicas, and offsets that agree once the replica has acknowledged', async () => {
    const pm = await freePort();
    const primary = await startDssm(['--metrics-port', String(pm)]);
    cleanups.push(() => primary.stop());
    const rm = await freePort();
    const replica = await startDssm(['--metrics-port', String(rm)]);
    cleanups.push(() => replica.stop());
    const pc = await primary.client();
    const rc = await replica.client();
    await rc.call('REPLICAOF', '127.0.0.1', primary.port);
    await scrapeUntil(rm, 'the replica link up', (s) => s.series.get('dssm_master_link_up') === 1);
    for (let i = 0; i < 20; i++) await pc.call('SET', `r${i}`, String(i));
    assert.equal(plain(await pc.call('WAIT', 1, 5000)), 1);
    const who = `127.0.0.1:${replica.port}`;
    const ps = await scrapeUntil(pm, 'the acknowledged offset', (s) => s.series.get(seriesKey('dssm_replica_offset', { replica: who })) === s.series.get('dssm_master_repl_offset'));
    assert.equal(val(ps, 'dssm_replication_role', { role: 'master' }), 1);
    assert.equal(val(ps, 'dssm_replication_role', { role: 'slave' }), 0);
    assert.equal(val(ps, 'dssm_connected_replicas'), 1);
    assert.equal(val(ps, 'dssm_replica_online', { replica: who }), 1);
    assert.ok(val(ps, 'dssm_master_repl_offset') > 0);
    const rs = await scrapeUntil(rm, 'the replica caught up', (s) => s.series.get('dssm_replica_repl_offset') === val(ps, 'dssm_master_repl_offset'));
    assert.equal(val(rs, 'dssm_replication_role', { role: 'slave' }), 1);
    assert.equal(val(rs, 'dssm_replication_role', { role: 'master' }), 0);
    assert.equal(val(rs, 'dssm_keyspace_keys', { db: '0' }), plain(await rc.call('DBSIZE')));
    assert.equal(val(rs, 'dssm_keyspace_keys', { db: '0' }), 20);
    assert.match(rs.text, /^dssm_info\{[^}]*role="slave"/m);
  });

  it('reports the days left of the server, CA and client certificates of a TLS node', async () => {
    const dir = tmpdir('dssm-metrics-tls-');
    const ca = await createCA({ days: 100 });
    const server = await createServerCert(ca, { dns: ['localhost'], ips: ['127.0.0.1'], days: 20 });
    const client = await createClientCert(ca, 'replicator', { days: 50 });
    const f = (name: string, text: string) => {
      const p = path.join(dir, name);
      fs.writeFileSync(p, text);
      return p;
    };
    const files = { ca: f('ca.crt', ca.cert), cert: f('server.crt', server.cert), key: f('server.key', server.key), ccert: f('client.crt', client.cert), ckey: f('client.key', client.key) };
    const mport = await freePort();
    const tlsPort = await freePort();
    const srv = await startDssm([
      '--tls-port',
      String(tlsPort),
      '--tls-cert-file',
      files.cert,
      '--tls-key-file',
      files.key,
      '--tls-ca-cert-file',
      files.ca,
      '--tls-client-cert-file',
      files.ccert,
      '--tls-client-key-file',
      files.ckey,
      '--metrics-port',
      String(mport),
      '--tls-reload-interval-ms',
      '100',
    ]);
    cleanups.push(() => srv.stop());
    const s = await scrape(mport);
    // Certificates start 5 minutes in the past (pki's clock-skew margin): 20 days of validity
    // leave 19 whole days.
    assert.equal(val(s, 'dssm_tls_cert_days_left', { role: 'server', file: files.cert }), 19);
    assert.equal(val(s, 'dssm_tls_cert_days_left', { role: 'ca', file: files.ca }), 99);
    assert.equal(val(s, 'dssm_tls_cert_days_left', { role: 'client', file: files.ccert }), 49);
    assert.equal(val(s, 'dssm_tls_min_days_left'), 19);
    assert.equal(s.families.get('dssm_tls_cert_days_left')!.type, 'gauge');
    const notAfter = Math.floor(new Date(new (await import('node:crypto')).X509Certificate(server.cert).validTo).getTime() / 1000);
    assert.equal(val(s, 'dssm_tls_cert_expiry_timestamp_seconds', { role: 'server', file: files.cert }), notAfter);
    // The same figure INFO tls gives.
    const info = plain(await (await srv.client()).call('INFO', 'tls')) as string;
    assert.match(info, /tls_cert_days_left:19\r\n/);

    // A rotated certificate (hot reload) shows its own days left, with no restart.
    const renewed = await createServerCert(ca, { dns: ['localhost'], ips: ['127.0.0.1'], days: 60 });
    fs.writeFileSync(files.key, renewed.key);
    fs.writeFileSync(files.cert, renewed.cert);
    const r = await scrapeUntil(mport, 'the renewed certificate in use', (x) => x.series.get(seriesKey('dssm_tls_cert_days_left', { role: 'server', file: files.cert })) === 59);
    assert.equal(val(r, 'dssm_tls_min_days_left'), 49);
    assert.equal(val(r, 'dssm_tls_reloads_total'), 1);
  });
});

describe('metrics endpoint of a sentinel (dssm sentinel)', () => {
  it('shows the monitored primary, its replicas and sentinels, then sdown and odown when it fails (metrics-port from a file and from arguments)', async () => {
    const dir = tmpdir('dssm-metrics-sentinel-');
    const primary = await startDssm();
    let primaryUp = true;
    cleanups.push(() => (primaryUp ? primary.stop() : undefined));
    const replica = await startDssm(['--replicaof', '127.0.0.1', String(primary.port)]);
    let replicaUp = true;
    cleanups.push(() => (replicaUp ? replica.stop() : undefined));
    const monitor = (name: string) => [`sentinel monitor ${name} 127.0.0.1 ${primary.port} 2`, `sentinel down-after-milliseconds ${name} 1000`, `sentinel failover-timeout ${name} 60000`];

    // Sentinel A, in this process, metrics-port in its sentinel.conf.
    const aPort = await freePort();
    const aMetrics = await freePort();
    const file = path.join(dir, 'sentinel-a.conf');
    fs.writeFileSync(file, [`port ${aPort}`, 'bind 127.0.0.1', `metrics-port ${aMetrics}`, ...monitor('mymaster')].join('\n') + '\n');
    const a = new Sentinel(loadSentinelConfig(file));
    const aEndpoint = await startSentinelMetrics(a);
    assert.ok(aEndpoint);
    await a.start();
    cleanups.push(async () => {
      await a.stop();
      await aEndpoint.close();
    });
    // The directive survives the sentinel's rewrite of its file.
    await sleep(50);
    assert.match(fs.readFileSync(file, 'utf8'), new RegExp(`^metrics-port ${aMetrics}$`, 'm'));

    // Sentinel B, a `dssm sentinel` process, metrics-port as an argument.
    const bPort = await freePort();
    const bMetrics = await freePort();
    const b = run([
      'sentinel',
      '--port',
      String(bPort),
      '--bind',
      '127.0.0.1',
      '--sentinel',
      'monitor',
      'mymaster',
      '127.0.0.1',
      String(primary.port),
      '2',
      '--sentinel',
      'down-after-milliseconds',
      'mymaster',
      '1000',
      '--sentinel',
      'failover-timeout',
      'mymaster',
      '60000',
      '--metrics-port',
      String(bMetrics),
    ]);
    children.push(b.proc);
    await waitForPort(bPort, 20000);

    const known = (s: Scrape) =>
      s.series.get(seriesKey('dssm_sentinel_master_replicas', { master: 'mymaster' })) === 1 && s.series.get(seriesKey('dssm_sentinel_master_sentinels', { master: 'mymaster' })) === 2;
    for (const port of [aMetrics, bMetrics]) {
      const s = await scrapeUntil(port, 'the replica and the other sentinel discovered', known);
      assert.equal(val(s, 'dssm_sentinel_up'), 1);
      assert.equal(val(s, 'dssm_sentinel_masters'), 1);
      assert.equal(val(s, 'dssm_sentinel_master_info', { master: 'mymaster', address: `127.0.0.1:${primary.port}` }), 1);
      assert.equal(val(s, 'dssm_sentinel_master_ok', { master: 'mymaster' }), 1);
      assert.equal(val(s, 'dssm_sentinel_master_sdown', { master: 'mymaster' }), 0);
      assert.equal(val(s, 'dssm_sentinel_master_odown', { master: 'mymaster' }), 0);
      assert.equal(val(s, 'dssm_sentinel_master_replicas_ok', { master: 'mymaster' }), 1);
      assert.equal(val(s, 'dssm_sentinel_master_quorum', { master: 'mymaster' }), 2);
      assert.equal(s.families.get('dssm_sentinel_failovers_total')!.type, 'counter');
      const h = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(h.status, 200);
      await h.text();
    }

    // The replica goes first (so that no failover can follow), then the primary.
    await replica.stop();
    replicaUp = false;
    await scrapeUntil(aMetrics, 'the replica seen down', (s) => s.series.get(seriesKey('dssm_sentinel_master_replicas_ok', { master: 'mymaster' })) === 0);
    await primary.stop();
    primaryUp = false;
    for (const port of [aMetrics, bMetrics]) {
      const s = await scrapeUntil(port, 'the primary objectively down', (x) => x.series.get(seriesKey('dssm_sentinel_master_odown', { master: 'mymaster' })) === 1);
      assert.equal(val(s, 'dssm_sentinel_master_sdown', { master: 'mymaster' }), 1);
      assert.equal(val(s, 'dssm_sentinel_master_ok', { master: 'mymaster' }), 0);
      assert.ok(val(s, 'dssm_sentinel_events_total', { type: '+odown' }) >= 1);
      assert.ok(val(s, 'dssm_sentinel_events_total', { type: '+sdown' }) >= 2);
      assert.equal(val(s, 'dssm_sentinel_failovers_total', { master: 'mymaster' }), 0);
    }

    // SIGTERM ends the process and its endpoint.
    b.proc.kill('SIGTERM');
    assert.equal(await b.exited, 0);
    await assert.rejects(fetch(`http://127.0.0.1:${bMetrics}/metrics`));
  });

  it("reports the days left of a TLS sentinel's certificates (made with dssm certs)", async () => {
    const dir = tmpdir('dssm-metrics-sentinel-tls-');
    for (const args of [
      ['certs', 'ca', '-o', dir, '--days', '200'],
      ['certs', 'server', '-o', dir, '--days', '30', '--ip', '127.0.0.1', '--dns', 'localhost'],
    ]) {
      const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    }
    const cert = path.join(dir, 'dssm-cert.crt');
    const caFile = path.join(dir, 'dssm-ca.crt');
    const port = await freePort();
    const tlsPort = await freePort();
    const mport = await freePort();
    const s = new Sentinel(
      loadSentinelConfig(null, [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--tls-port',
        String(tlsPort),
        '--tls-cert-file',
        cert,
        '--tls-key-file',
        path.join(dir, 'dssm-key.key'),
        '--tls-ca-cert-file',
        caFile,
        '--tls-replication',
        'yes',
        '--metrics-port',
        String(mport),
      ]),
    );
    const ep = await startSentinelMetrics(s);
    assert.ok(ep);
    await s.start();
    cleanups.push(async () => {
      await s.stop();
      await ep.close();
    });
    const m = await scrape(mport);
    assert.equal(val(m, 'dssm_tls_cert_days_left', { role: 'server', file: cert }), 29);
    assert.equal(val(m, 'dssm_tls_cert_days_left', { role: 'ca', file: caFile }), 199);
    assert.equal(val(m, 'dssm_tls_min_days_left'), 29);
    assert.equal(val(m, 'dssm_sentinel_masters'), 0);
  });
});

// Values that the exposition must escape reach the scrape intact.
describe('metrics exposition format', () => {
  it('escapes label values with backslashes, quotes and line feeds', async () => {
    const mport = await freePort();
    const dir = tmpdir('dssm-metrics-esc-');
    const ca = await createCA({ days: 10 });
    const server = await createServerCert(ca, { dns: ['localhost'], days: 10 });
    const weird = path.join(dir, 'a "quoted"\\dir\nname');
    fs.mkdirSync(weird);
    const cert = path.join(weird, 'server.crt');
    fs.writeFileSync(cert, server.cert);
    fs.writeFileSync(path.join(weird, 'server.key'), server.key);
    fs.writeFileSync(path.join(weird, 'ca.crt'), ca.cert);
    const srv: TestServer = await startDssm([
      '--tls-port',
      String(await freePort()),
      '--tls-cert-file',
      cert,
      '--tls-key-file',
      path.join(weird, 'server.key'),
      '--tls-ca-cert-file',
      path.join(weird, 'ca.crt'),
      '--metrics-port',
      String(mport),
    ]);
    cleanups.push(() => srv.stop());
    const s = await scrape(mport);
    assert.equal(val(s, 'dssm_tls_cert_days_left', { role: 'server', file: cert }), 9);
    assert.ok(s.text.includes('a \\"quoted\\"\\\\dir\\nname'));
  });
});
