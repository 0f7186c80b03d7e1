/**
 * A kubelet stand-in for the "manifests run" tests: it runs the pods of rendered StatefulSets
 * as local processes, each with its container's exact command, args and env, its Secret,
 * ConfigMap, emptyDir and PVC volumes at their exact mount paths, as uid 1001.
 *
 * How:
 * - Each pod gets its own loopback address (127.x.y.z), its "pod IP"; every pod FQDN
 *   (pod.headless-service.ns.svc.cluster.local) and every ClusterIP Service name is written
 *   to /etc/hosts (a block between markers, removed in stop()), so the dssm processes, their
 *   probes and the test's clients resolve them as cluster DNS would.
 * - Each pod process runs in its own mount namespace (`unshare -m`): a tmpfs on /etc/dssm,
 *   then every volume bind-mounted at its mountPath (/etc/dssm/config, /etc/dssm/tls/certs,
 *   /etc/dssm/tls/keys, /data, /tmp), then `setpriv` to the pod's runAsUser/runAsGroup and
 *   `env -i` with the container's env (fieldRef values filled in as the downward API would).
 *   The image's `dssm` is a wrapper on PATH that runs this checkout's bin/dssm.js.
 * - Exec probes and the preStop hook run inside the pod's mount namespace (`nsenter -m`),
 *   with the same user and env.
 * - A ClusterIP Service is a TCP forwarder on its own loopback address, spreading
 *   connections over the live pods that match its selector, as kube-proxy does.
 * Mount points that do not exist on this machine (/etc/dssm, /data) are created empty and
 * removed again.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmdirSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';

type Obj = Record<string, any>;
const ROOT = new URL('../..', import.meta.url).pathname;
/** Where a pod sees this checkout and the `dssm` wrapper (bind mounts in its own /etc/dssm tmpfs). */
const POD_APP = '/etc/dssm/.app';
const POD_BIN = '/etc/dssm/.bin';
const HOSTS = '/etc/hosts';

export interface RunnableCheck {
  ok: boolean;
  why?: string;
}

/** Whether this machine can run the pods (root, util-linux, a writable /etc/hosts). */
export async function canRunPods(): Promise<RunnableCheck> {
  if (process.getuid?.() !== 0) return { ok: false, why: 'needs root (mount namespaces, setpriv, /etc/hosts)' };
  for (const tool of ['unshare', 'setpriv', 'nsenter']) {
    const ok = await new Promise<boolean>((r) => execFile('sh', ['-c', `command -v ${tool}`], (e) => r(!e)));
    if (!ok) return { ok: false, why: `${tool} (util-linux) is not installed` };
  }
  const probe = await new Promise<string | null>((r) =>
    execFile('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs tmpfs /mnt && echo ok'], (e, out) => r(e ? e.message : out.trim() === 'ok' ? null : out)),
  );
  if (probe) return { ok: false, why: `cannot create a mount namespace with a tmpfs: ${probe}` };
  return { ok: true };
}

export interface Pod {
  name: string;
  ip: string;
  fqdn: string;
  sts: Obj;
  container: Obj;
  /** Volume name → directory standing in for it. */
  volumes: Map<string, string>;
  proc: ChildProcess | null;
  log: string;
  starts: number;
}

export class Cluster {
  readonly dir: string;
  readonly objects: Obj[];
  readonly pods = new Map<string, Pod>();
  private readonly secrets = new Map<string, Obj>();
  private readonly services: net.Server[] = [];
  private readonly createdDirs: string[] = [];
  private readonly marker: string;
  private readonly binDir: string;
  private hostsWritten = false;
  readonly serviceIps = new Map<string, string>();

  constructor(
    manifests: string,
    secrets: string[],
    readonly namespace: string,
    private readonly subnet: string,
  ) {
    // Not under /tmp: each pod mounts its own /tmp over it.
    this.dir = mkdtempSync('/var/tmp/dssm-k8s-pods-');
    chmodSync(this.dir, 0o755);
    this.objects = parseAllDocuments(manifests)
      .map((d) => d.toJSON() as Obj)
      .filter(Boolean);
    for (const s of secrets) {
      const o = parseYaml(s) as Obj;
      this.secrets.set(o.metadata.name, o);
    }
    this.marker = `# dssm k8s test ${this.dir}`;
    this.binDir = join(this.dir, 'bin');
    mkdirSync(this.binDir);
    // Inside a pod the checkout and this wrapper are seen at fixed paths under the pod's own
    // /etc/dssm tmpfs (see podShell): the pod's volumes (its /tmp emptyDir) may hide the
    // places they really are, e.g. a checkout under /tmp.
    writeFileSync(join(this.binDir, 'dssm'), `#!/bin/sh\nexec ${process.execPath} ${POD_APP}/bin/dssm.js "$@"\n`, { mode: 0o755 });
  }

  statefulSets(): Obj[] {
    return this.objects.filter((o) => o.kind === 'StatefulSet');
  }

  get(kind: string, name: string): Obj {
    const o = this.objects.find((x) => x.kind === kind && x.metadata.name === name);
    if (!o) throw new Error(`no ${kind} ${name} in the manifests`);
    return o;
  }

  private fqdnOf(pod: string, sts: Obj): string {
    return `${pod}.${sts.spec.serviceName}.${this.namespace}.svc.cluster.local`;
  }

  /** Lay out the pods of every StatefulSet (addresses, volumes) and the cluster DNS. */
  async setUp(): Promise<void> {
    let host = 10;
    const hosts: string[] = [];
    for (const sts of this.statefulSets()) {
      host = Math.ceil((host + 1) / 10) * 10;
      for (let i = 0; i < sts.spec.replicas; i++) {
        const name = `${sts.metadata.name}-${i}`;
        const ip = `${this.subnet}.${host + i}`;
        const pod: Pod = {
          name,
          ip,
          fqdn: this.fqdnOf(name, sts),
          sts,
          container: sts.spec.template.spec.containers[0],
          volumes: new Map(),
          proc: null,
          log: join(this.dir, `${name}.log`),
          starts: 0,
        };
        this.makeVolumes(pod);
        this.pods.set(name, pod);
        hosts.push(`${ip} ${pod.fqdn}`);
      }
    }
    let svcHost = 2;
    for (const svc of this.objects.filter((o) => o.kind === 'Service' && o.spec.clusterIP !== 'None')) {
      const ip = `${this.subnet}.${svcHost++}`;
      this.serviceIps.set(svc.metadata.name, ip);
      hosts.push(`${ip} ${svc.metadata.name}.${this.namespace}.svc.cluster.local ${svc.metadata.name}.${this.namespace}.svc`);
      await this.serviceForwarder(svc, ip);
    }
    writeFileSync(HOSTS, readFileSync(HOSTS, 'utf8') + `${this.marker} begin\n${hosts.join('\n')}\n${this.marker} end\n`);
    this.hostsWritten = true;
    for (const p of ['/etc/dssm', '/data', '/var/log/dssm']) {
      if (!existsSync(p)) {
        mkdirSync(p, { recursive: true });
        this.createdDirs.push(p);
      }
    }
  }

  private makeVolumes(pod: Pod): void {
    const spec = pod.sts.spec.template.spec;
    const uid = spec.securityContext.runAsUser as number;
    const fsGroup = spec.securityContext.fsGroup as number;
    const base = join(this.dir, pod.name);
    const claims: Obj[] = pod.sts.spec.volumeClaimTemplates ?? [];
    const all: Obj[] = [...spec.volumes, ...claims.map((c) => ({ name: c.metadata.name, pvc: true }))];
    for (const v of all) {
      // A PVC (data-<pod>) outlives the pod's restarts, as its emptyDirs do within one pod.
      const d = join(base, v.pvc ? `pvc-${v.name}-${pod.name}` : v.name);
      mkdirSync(d, { recursive: true });
      if (v.configMap) {
        const cm = this.get('ConfigMap', v.configMap.name);
        for (const [k, text] of Object.entries(cm.data as Record<string, string>)) writeFileSync(join(d, k), text, { mode: 0o644 });
        chmodSync(d, 0o755);
      } else if (v.secret) {
        const s = this.secrets.get(v.secret.secretName);
        if (!s) throw new Error(`Secret ${v.secret.secretName} (volume ${v.name}) not found`);
        for (const [k, b64] of Object.entries(s.data as Record<string, string>)) {
          const f = join(d, k);
          writeFileSync(f, Buffer.from(b64, 'base64'));
          chownSync(f, 0, fsGroup);
          chmodSync(f, v.secret.defaultMode ?? 0o644);
        }
        chmodSync(d, 0o755);
      } else {
        // emptyDir or PVC: writable by the pod's fsGroup.
        chownSync(d, uid, fsGroup);
        chmodSync(d, 0o2770);
      }
      pod.volumes.set(v.name, d);
    }
  }

  /** The sh script that sets up a pod's mount namespace, then execs the command as the pod's user. */
  private podShell(pod: Pod): string {
    const c = pod.container;
    const lines = ['set -e', 'mount -t tmpfs -o mode=755 tmpfs /etc/dssm'];
    lines.push(`mkdir -p ${POD_APP} ${POD_BIN}`, `mount --bind ${ROOT} ${POD_APP}`, `mount --bind ${this.binDir} ${POD_BIN}`);
    for (const m of c.volumeMounts as Obj[]) {
      const src = pod.volumes.get(m.name);
      if (!src) throw new Error(`${pod.name}: volume ${m.name} is not defined`);
      lines.push(`mkdir -p ${m.mountPath}`, `mount --bind ${src} ${m.mountPath}`);
      if (m.readOnly) lines.push(`mount -o remount,bind,ro ${m.mountPath}`);
    }
    lines.push('cd /', 'exec "$@"');
    return lines.join('\n');
  }

  /** setpriv + env -i: the container's user and exactly its env (downward API values filled in). */
  private asContainer(pod: Pod, argv: string[]): string[] {
    const sc = { ...pod.sts.spec.template.spec.securityContext, ...pod.container.securityContext };
    const env = [`PATH=${POD_BIN}:/usr/local/bin:/usr/bin:/bin`, `HOSTNAME=${pod.name}`, 'HOME=/tmp'];
    for (const e of (pod.container.env ?? []) as Obj[]) {
      if (e.value !== undefined) env.push(`${e.name}=${e.value}`);
      else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env.push(`${e.name}=${pod.name}`);
      else if (e.valueFrom?.fieldRef?.fieldPath === 'status.podIP') env.push(`${e.name}=${pod.ip}`);
      else throw new Error(`${pod.name}: env ${e.name}: unsupported source ${JSON.stringify(e.valueFrom)}`);
    }
    return ['setpriv', `--reuid=${sc.runAsUser}`, `--regid=${sc.runAsGroup}`, `--groups=${sc.fsGroup}`, '--no-new-privs', 'env', '-i', ...env, ...argv];
  }

  start(name: string): Pod {
    const pod = this.pods.get(name)!;
    if (pod.proc && pod.proc.exitCode === null && pod.proc.signalCode === null) throw new Error(`${name} is running`);
    const argv = [...pod.container.command, ...pod.container.args];
    const fd = openSync(pod.log, 'a');
    writeFileSync(fd, `--- start ${++pod.starts}: ${argv.join(' ')}\n`);
    pod.proc = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', this.podShell(pod), pod.name, ...this.asContainer(pod, argv)], { stdio: ['ignore', fd, fd], detached: true });
    closeSync(fd);
    return pod;
  }

  alive(name: string): boolean {
    const p = this.pods.get(name)!.proc;
    return p !== null && p.exitCode === null && p.signalCode === null;
  }

  /** Run an exec handler (probe, preStop) inside the pod, as its container would. */
  execIn(name: string, command: string[], timeoutMs: number): Promise<{ code: number; out: string }> {
    const pod = this.pods.get(name)!;
    if (!this.alive(name)) return Promise.resolve({ code: -1, out: `${name} is not running` });
    const argv = ['-t', String(pod.proc!.pid), '-m', '--', ...this.asContainer(pod, command)];
    return new Promise((resolve) => {
      execFile('nsenter', argv, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
        resolve({ code, out: (stdout + stderr).trim() });
      });
    });
  }

  probe(name: string, which: 'readinessProbe' | 'livenessProbe'): Promise<{ code: number; out: string }> {
    const p = this.pods.get(name)!.container[which];
    return this.execIn(name, p.exec.command, p.timeoutSeconds * 1000);
  }

  async waitReady(name: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      const r = await this.probe(name, 'readinessProbe');
      if (r.code === 0) return;
      last = r.out;
      await new Promise((res) => setTimeout(res, 500));
    }
    throw new Error(`${name} not ready after ${timeoutMs} ms: ${last}\n--- log tail:\n${this.logTail(name)}`);
  }

  logTail(name: string, lines = 15): string {
    try {
      return readFileSync(this.pods.get(name)!.log, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** Stop a pod: SIGTERM, SIGKILL after the grace period (or at once with kill). */
  async stop(name: string, how: 'term' | 'kill'): Promise<void> {
    const pod = this.pods.get(name)!;
    const p = pod.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    const grace = (pod.sts.spec.template.spec.terminationGracePeriodSeconds ?? 30) * 1000;
    try {
      process.kill(-p.pid!, how === 'kill' ? 'SIGKILL' : 'SIGTERM');
    } catch {
      /* gone */
    }
    const t = setTimeout(
      () => {
        try {
          process.kill(-p.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      },
      how === 'kill' ? 0 : grace,
    );
    await exited;
    clearTimeout(t);
  }

  /** A ClusterIP Service: connections to ip:port go to a live pod matching the selector. */
  private async serviceForwarder(svc: Obj, ip: string): Promise<void> {
    const sel = svc.spec.selector as Record<string, string>;
    let next = 0;
    for (const port of svc.spec.ports as Obj[]) {
      const server = net.createServer((client) => {
        client.pause();
        const backends = [...this.pods.values()].filter((p) => Object.entries(sel).every(([k, v]) => p.sts.spec.template.metadata.labels[k] === v) && this.alive(p.name));
        const tryAt = (i: number) => {
          if (i >= backends.length) return client.destroy();
          const b = backends[(next + i) % backends.length]!;
          const cport = (b.container.ports as Obj[]).find((x) => x.name === port.targetPort || x.containerPort === port.targetPort)!.containerPort;
          const up = net.connect(cport, b.ip);
          up.once('connect', () => {
            next++;
            client.pipe(up).pipe(client);
            client.resume();
            up.on('error', () => client.destroy());
            client.on('error', () => up.destroy());
          });
          up.once('error', () => (up.remoteAddress ? client.destroy() : tryAt(i + 1)));
        };
        tryAt(0);
      });
      await new Promise<void>((res, rej) => {
        server.once('error', rej);
        server.listen(port.port, ip, () => res());
      });
      this.services.push(server);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.pods.keys()].map((n) => this.stop(n, 'kill')));
    for (const s of this.services) s.close();
    if (this.hostsWritten) {
      const text = readFileSync(HOSTS, 'utf8');
      const b = text.indexOf(`${this.marker} begin\n`);
      const e = text.indexOf(`${this.marker} end\n`);
      if (b >= 0 && e > b) writeFileSync(HOSTS, text.slice(0, b) + text.slice(e + `${this.marker} end\n`.length));
    }
    for (const d of this.createdDirs.reverse()) {
      try {
        rmdirSync(d);
      } catch {
        /* not empty: leave it */
      }
    }
    if (!process.env.DSSM_KEEP_PODS) rmSync(this.dir, { recursive: true, force: true });
  }
}
