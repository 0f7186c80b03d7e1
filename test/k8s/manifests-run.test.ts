/**
 * The manifests run: `dssm certs` makes the Secrets, `dssm k8s render` the manifests, and the
 * kubelet stand-in (kubelet.ts) starts every pod's exact command, args, env and volumes as
 * local processes (one loopback address per pod, cluster DNS in /etc/hosts, the Service as a
 * TCP forwarder). Then: the cluster forms and serves through the sentinel Service name; the
 * primary pod is killed and the sentinels fail over; each data pod's preStop hook runs in
 * turn as a rolling update would (highest ordinal first, each pod restarted and ready
 * before the next) under a writer in synchronous mode: no acknowledged write is lost.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { canRunPods, Cluster } from './kubelet.js';
import { lost, Writer } from './writer.js';

const BIN = new URL('../../bin/dssm.js', import.meta.url).pathname;
const NS = 'dssmtest';
const dssm = (...args: string[]) => execFileSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr = '';
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      lastErr = (e as Error).message;
    }
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what} ${lastErr}`);
}

export function sentinelClient(tlsDir: string, release: string): Redis {
  const tls = { ca: readFileSync(join(tlsDir, 'dssm-ca.crt')), cert: readFileSync(join(tlsDir, 'proxy.crt')), key: readFileSync(join(tlsDir, 'proxy.key')) };
  return new Redis({
    sentinels: [{ host: `${release}-sentinel.${NS}.svc.cluster.local`, port: 26379 }],
    name: 'dssm',
    tls,
    sentinelTLS: tls,
    enableTLSForSentinelMode: true,
    // During a switchover the old primary answers READONLY: rediscover and resend.
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
    maxRetriesPerRequest: null,
    sentinelRetryStrategy: () => 200,
    retryStrategy: () => 100,
    lazyConnect: false,
  }).on('error', () => {});
}

export interface Deployed {
  cluster: Cluster;
  release: string;
  tlsDir: string;
  tmp: string;
}

/** Certificates, manifests and pods of a release, up and ready. */
export async function deploy(valuesYaml: string): Promise<Deployed> {
  const release = `k8st-${randomBytes(2).toString('hex')}`;
  const tmp = mkdtempSync(join(tmpdir(), 'dssm-k8s-run-'));
  const tlsDir = join(tmp, 'tls');
  // As the README says: the certificates and Secret manifests for the release's names.
  dssm(
    'certs',
    'all',
    '--out',
    tlsDir,
    '--headless',
    `${release}-db-headless`,
    '--headless',
    `${release}-sentinel-headless`,
    '--service',
    `${release}-sentinel`,
    '--namespace',
    NS,
    '--secret-namespace',
    NS,
    '--client',
    'proxy',
  );
  writeFileSync(join(tmp, 'values.yaml'), valuesYaml);
  const manifests = dssm('k8s', 'render', '--values', join(tmp, 'values.yaml'), '--release', release, '--namespace', NS);
  const subnet = `127.${100 + Math.floor(Math.random() * 150)}.${Math.floor(Math.random() * 250)}`;
  const cluster = new Cluster(manifests, [readFileSync(join(tlsDir, 'dssm-certs-secret.yaml'), 'utf8'), readFileSync(join(tlsDir, 'dssm-keys-secret.yaml'), 'utf8')], NS, subnet);
  try {
    await cluster.setUp();
    // Both StatefulSets are created at once: the sentinels (Parallel) all start, the data
    // pods (OrderedReady) one after the other, each once the previous one is ready.
    const sentinels = cluster.get('StatefulSet', `${release}-sentinel`);
    const db = cluster.get('StatefulSet', `${release}-db`);
    for (let i = 0; i < sentinels.spec.replicas; i++) cluster.start(`${release}-sentinel-${i}`);
    for (let i = 0; i < db.spec.replicas; i++) {
      cluster.start(`${release}-db-${i}`);
      await cluster.waitReady(`${release}-db-${i}`);
    }
    for (let i = 0; i < sentinels.spec.replicas; i++) await cluster.waitReady(`${release}-sentinel-${i}`);
  } catch (e) {
    await cluster.close();
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return { cluster, release, tlsDir, tmp };
}

/** The primary as the sentinels behind the Service name it, with its replica count. */
export async function topology(d: Deployed): Promise<{ primary: string; replicas: number; sentinels: number }> {
  const tls = { ca: readFileSync(join(d.tlsDir, 'dssm-ca.crt')), cert: readFileSync(join(d.tlsDir, 'proxy.crt')), key: readFileSync(join(d.tlsDir, 'proxy.key')) };
  const s = new Redis({ host: `${d.release}-sentinel.${NS}.svc.cluster.local`, port: 26379, tls, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null }).on('error', () => {});
  try {
    await s.connect();
    const m = (await s.call('SENTINEL', 'MASTER', 'dssm')) as string[];
    const f = new Map<string, string>();
    for (let i = 0; i + 1 < m.length; i += 2) f.set(m[i]!, m[i + 1]!);
    return { primary: `${f.get('ip')}:${f.get('port')}`, replicas: Number(f.get('num-slaves')), sentinels: Number(f.get('num-other-sentinels')) + 1 };
  } finally {
    s.disconnect();
  }
}

test('the rendered manifests run: the cluster forms, fails over, and a rolling update through preStop loses no acknowledged write', { timeout: 420_000 }, async (t) => {
  const can = await canRunPods();
  if (!can.ok) return t.skip(`cannot run pods here: ${can.why}`);
  const d = await deploy('syncReplicas: 1\nsentinel:\n  downAfterMilliseconds: 1500\n  failoverTimeout: 10000\n');
  const { cluster, release } = d;
  const client = sentinelClient(d.tlsDir, release);
  try {
    // Formed: the sentinels behind the Service name db-0's FQDN, with 2 replicas and 3 sentinels.
    const t0 = await until('the sentinels to see 2 replicas and 3 sentinels', async () => {
      const x = await topology(d);
      return x.replicas === 2 && x.sentinels === 3 ? x : null;
    });
    assert.equal(t0.primary, `${release}-db-0.${release}-db-headless.${NS}.svc.cluster.local:6379`);
    assert.equal(await client.set('hello', 'world'), 'OK');
    assert.equal(await client.get('hello'), 'world');
    // The PVC of db-0 holds its AOF.
    const info = await client.info('persistence');
    assert.match(info, /aof_enabled:1/);

    // Kill the primary pod: the sentinels promote a replica.
    await cluster.stop(`${release}-db-0`, 'kill');
    const t1 = await until('a failover', async () => {
      const x = await topology(d);
      return x.primary !== t0.primary ? x : null;
    });
    process.stdout.write(`# failover after killing ${release}-db-0: primary now ${t1.primary}\n`);
    assert.equal(await client.get('hello'), 'world');
    // The StatefulSet recreates the pod: it rejoins as a replica of the new primary.
    cluster.start(`${release}-db-0`);
    await cluster.waitReady(`${release}-db-0`);
    await until('3 data nodes again', async () => (await topology(d)).replicas === 2);

    // Rolling update under a writer: preStop, stop, start, ready; db-2, db-1, db-0.
    const writer = new Writer(client, 'roll');
    await until('writes flowing', async () => writer.acked.length > 50);
    for (let i = 2; i >= 0; i--) {
      const pod = `${release}-db-${i}`;
      const preStop = cluster.pods.get(pod)!.container.lifecycle.preStop.exec.command as string[];
      const r = await cluster.execIn(pod, preStop, 60_000);
      process.stdout.write(`# ${pod} preStop (exit ${r.code}):\n${r.out.replace(/^/gm, '#   ')}\n`);
      assert.equal(r.code, 0, r.out);
      await cluster.stop(pod, 'term');
      cluster.start(pod);
      await cluster.waitReady(pod);
      await until(`${pod} back among the replicas`, async () => (await topology(d)).replicas === 2);
    }
    const before = writer.acked.length;
    await until('writes after the update', async () => writer.acked.length > before + 50);
    await writer.stop();
    const missing = await lost(client, writer.acked);
    process.stdout.write(`# rolling update through preStop: acknowledged=${writer.acked.length} lost=${missing} errors=${writer.errors} longest write pause=${writer.longestPauseMs.toFixed(0)} ms\n`);
    assert.equal(missing, 0);
  } catch (e) {
    for (const name of cluster.pods.keys()) process.stdout.write(`# --- ${name}\n${cluster.logTail(name, 8).replace(/^/gm, '# ')}\n`);
    throw e;
  } finally {
    client.disconnect();
    await cluster.close();
    rmSync(d.tmp, { recursive: true, force: true });
  }
});

test('the ephemeral store runs: 5 pods without volumes, clients authenticated by certificate CN through the client Service', { timeout: 180_000 }, async (t) => {
  const can = await canRunPods();
  if (!can.ok) return t.skip(`cannot run pods here: ${can.why}`);
  const release = `k8se-${randomBytes(2).toString('hex')}`;
  const tmp = mkdtempSync(join(tmpdir(), 'dssm-k8s-eph-'));
  const tlsDir = join(tmp, 'tls');
  dssm('certs', 'all', '--out', tlsDir, '--headless', `${release}-ephemeral-info`, '--service', `${release}-ephemeral`, '--namespace', NS, '--secret-namespace', NS, '--client', 'proxy,stranger');
  writeFileSync(join(tmp, 'values.yaml'), 'mode: ephemeral\nephemeral:\n  users:\n    - cn: proxy\n      rules: on ~* &* +@all\n');
  const manifests = dssm('k8s', 'render', '--values', join(tmp, 'values.yaml'), '--release', release, '--namespace', NS);
  const subnet = `127.${100 + Math.floor(Math.random() * 150)}.${Math.floor(Math.random() * 250)}`;
  const cluster = new Cluster(manifests, [readFileSync(join(tlsDir, 'dssm-certs-secret.yaml'), 'utf8'), readFileSync(join(tlsDir, 'dssm-keys-secret.yaml'), 'utf8')], NS, subnet);
  const clients: Redis[] = [];
  let step = 'setup';
  try {
    await cluster.setUp();
    const sts = cluster.get('StatefulSet', `${release}-ephemeral`);
    assert.equal(sts.spec.replicas, 5);
    for (let i = 0; i < 5; i++) cluster.start(`${release}-ephemeral-${i}`);
    for (let i = 0; i < 5; i++) await cluster.waitReady(`${release}-ephemeral-${i}`);
    const tlsOf = (cn: string) => ({ ca: readFileSync(join(tlsDir, 'dssm-ca.crt')), cert: readFileSync(join(tlsDir, `${cn}.crt`)), key: readFileSync(join(tlsDir, `${cn}.key`)) });
    const connect = (cn: string) => {
      const c = new Redis({
        host: `${release}-ephemeral.${NS}.svc.cluster.local`,
        port: 6379,
        tls: tlsOf(cn),
        lazyConnect: true,
        enableReadyCheck: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      }).on('error', () => {});
      clients.push(c);
      return c;
    };
    // The certificate's CN names the ACL user: proxy is let in, an unknown CN is not.
    const proxy = connect('proxy');
    step = 'proxy connect';
    await proxy.connect();
    step = 'proxy whoami';
    assert.equal(await proxy.call('ACL', 'WHOAMI'), 'proxy');
    assert.equal(await proxy.set('session', 'x'), 'OK');
    assert.equal(await proxy.get('session'), 'x');
    step = 'stranger connect';
    const stranger = connect('stranger');
    await stranger.connect();
    step = 'stranger get';
    await assert.rejects(stranger.get('session'), /NOAUTH/);
    // Nothing on disk: no PVC, and the data directory is not written.
    assert.equal(sts.spec.volumeClaimTemplates, undefined);
    assert.match(await proxy.info('persistence'), /aof_enabled:0/);
  } catch (e) {
    process.stdout.write(`# failed at: ${step}\n`);
    for (const name of cluster.pods.keys()) process.stdout.write(`# --- ${name}\n${cluster.logTail(name, 6).replace(/^/gm, '# ')}\n`);
    throw e;
  } finally {
    for (const c of clients) c.disconnect();
    await cluster.close();
    rmSync(tmp, { recursive: true, force: true });
  }
});
