/**
 * `dssm k8s render`: the Kubernetes objects of a dssm release as plain objects (what
 * `helm template` would print for a chart), serialized as one YAML stream.
 *
 * Persistent mode (the default):
 *   ServiceAccount <release>
 *   ConfigMap      <release>-config      runtime.json (what `dssm k8s start|probe|prestop` read), dssm.conf, sentinel.conf
 *   Service        <release>-db-headless, <release>-sentinel-headless   stable pod names, also while not ready
 *   Service        <release>-sentinel    port `sentinel` 26379: what proxies connect to
 *   StatefulSet    <release>-db          data nodes, volumeClaimTemplate `data` (PVCs data-<release>-db-N)
 *   StatefulSet    <release>-sentinel    sentinels (an emptyDir for the rewritten sentinel.conf)
 *   PodDisruptionBudget <release>-db, <release>-sentinel
 *   ConfigMap      <release>-fluent-bit  when fluentd.host is set
 * Ephemeral mode: ServiceAccount, ConfigMap <release>-config and <release>-users (ACL users by
 * certificate CN), Services <release>-ephemeral-info (headless) and <release>-ephemeral
 * (clients), StatefulSet <release>-ephemeral (no volumes), PodDisruptionBudget.
 *
 * Every pod runs as a non-root user on a read-only root filesystem; what must be writable
 * (/data, /tmp, the log directory) is a volume. Nodes and sentinels announce their pod FQDNs
 * (pod.headless.ns.svc.domain), which survive restarts, rather than pod IPs, which do not.
 */
import { stringify } from 'yaml';
import { DSSM_VERSION } from '../version.js';
import type { Values } from './values.js';

export interface RenderOptions {
  release: string;
  namespace: string;
}

/** A Kubernetes object as a plain JSON-compatible value. */
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: unknown }; [k: string]: unknown };

/** Where the Secrets, ConfigMaps and volumes are mounted in every dssm container. */
export const MOUNTS = {
  config: '/etc/dssm/config',
  users: '/etc/dssm/users',
  certs: '/etc/dssm/tls/certs',
  keys: '/etc/dssm/tls/keys',
  data: '/data',
  tmp: '/tmp',
  logs: '/var/log/dssm',
} as const;

export const RUNTIME_FILE = `${MOUNTS.config}/runtime.json`;
export const UID = 1001;
export const DB_PORT = 6379;
export const SENTINEL_PORT = 26379;

/**
 * What the in-container commands (`dssm k8s start|probe|prestop`) need to know about the
 * release: written to the ConfigMap as runtime.json.
 */
export interface RuntimeConfig {
  release: string;
  namespace: string;
  clusterDomain: string;
  mode: 'persistent' | 'ephemeral';
  masterName: string;
  db: { statefulSet: string; service: string; replicas: number; port: number };
  sentinel: { statefulSet: string; service: string; replicas: number; port: number; quorum: number } | null;
  tls: { ca: string; cert: string; key: string } | null;
  /** The server's configuration file (redis.conf syntax). */
  serverConf: string;
  /** The sentinels' starting configuration (copied to /data on a pod's first start). */
  sentinelConf: string | null;
  dataDir: string;
  metrics: { db: number; sentinel: number } | null;
  /** The JSON log copy the fluent-bit sidecar tails (null: stdout only). */
  logFile: string | null;
}

export function podFqdn(pod: string, service: string, r: Pick<RuntimeConfig, 'namespace' | 'clusterDomain'>): string {
  return `${pod}.${service}.${r.namespace}.svc.${r.clusterDomain}`;
}

function labels(o: RenderOptions, component: string, app: string): Record<string, string> {
  return {
    app,
    'app.kubernetes.io/name': 'dssm',
    'app.kubernetes.io/instance': o.release,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/version': DSSM_VERSION,
    'app.kubernetes.io/managed-by': 'dssm-k8s-render',
  };
}

function meta(o: RenderOptions, name: string, l: Record<string, string>, extra: Record<string, unknown> = {}) {
  return { name, namespace: o.namespace, labels: l, ...extra };
}

function affinity(v: Values, app: string): Record<string, unknown> {
  const term = { labelSelector: { matchLabels: { app } }, topologyKey: 'kubernetes.io/hostname' };
  if (v.affinity_type === 'custom') return v.affinity!;
  if (v.affinity_type === 'preferred') return { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] } };
  return { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } };
}

function resourcesOf(r: { requests: { cpu?: string; memory?: string }; limits: { cpu?: string; memory?: string } }) {
  const clean = (x: { cpu?: string; memory?: string }) => Object.fromEntries(Object.entries(x).filter(([, v]) => v !== undefined));
  return { requests: clean(r.requests), limits: clean(r.limits) };
}

const containerSecurity = {
  runAsNonRoot: true,
  runAsUser: UID,
  runAsGroup: UID,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
};
const podSecurity = { runAsNonRoot: true, runAsUser: UID, runAsGroup: UID, fsGroup: UID, seccompProfile: { type: 'RuntimeDefault' } };

/** POD_NAME and POD_IP from the downward API: the launcher binds to the pod IP and announces the pod FQDN. */
const podEnv = [
  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
];

function tlsVolumes(v: Values) {
  if (!v.tls.enabled) return { volumes: [], mounts: [] };
  return {
    volumes: [
      { name: 'tls-certs', secret: { secretName: v.tls.certsSecret, defaultMode: 0o444 } },
      { name: 'tls-keys', secret: { secretName: v.tls.keysSecret, defaultMode: 0o440 } },
    ],
    mounts: [
      { name: 'tls-certs', mountPath: MOUNTS.certs, readOnly: true },
      { name: 'tls-keys', mountPath: MOUNTS.keys, readOnly: true },
    ],
  };
}

function exec(...args: string[]) {
  return { exec: { command: ['dssm', ...args] } };
}

function fluentBit(v: Values, o: RenderOptions): { container: Record<string, unknown>; volumes: Record<string, unknown>[] } | null {
  if (!v.fluentd.host) return null;
  return {
    container: {
      name: 'fluent-bit',
      image: v.fluentd.image,
      imagePullPolicy: v.image.pullPolicy,
      args: ['--config=/fluent-bit/etc/fluent-bit.conf'],
      resources: { requests: { cpu: '20m', memory: '32Mi' }, limits: { memory: '64Mi' } },
      securityContext: containerSecurity,
      volumeMounts: [
        { name: 'logs', mountPath: MOUNTS.logs, readOnly: true },
        { name: 'fluent-bit-config', mountPath: '/fluent-bit/etc', readOnly: true },
        { name: 'fluent-bit-state', mountPath: '/fluent-bit/state' },
      ],
    },
    volumes: [
      { name: 'fluent-bit-config', configMap: { name: `${o.release}-fluent-bit` } },
      { name: 'fluent-bit-state', emptyDir: {} },
    ],
  };
}

function fluentBitConfigMap(v: Values, o: RenderOptions): K8sObject {
  const conf = [
    '[SERVICE]',
    '    Flush        1',
    '    Parsers_File /fluent-bit/etc/parsers.conf',
    '    storage.path /fluent-bit/state',
    '',
    '[INPUT]',
    '    Name         tail',
    `    Path         ${MOUNTS.logs}/*.log`,
    '    Parser       dssm-json',
    '    DB           /fluent-bit/state/tail.db',
    `    Tag          ${v.fluentd.tag}`,
    '',
    '[FILTER]',
    '    Name         record_modifier',
    '    Match        *',
    `    Record       release ${o.release}`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: fluent-bit expands ${HOSTNAME} itself
    '    Record       pod ${HOSTNAME}',
    '',
    '[OUTPUT]',
    '    Name         forward',
    '    Match        *',
    `    Host         ${v.fluentd.host}`,
    `    Port         ${v.fluentd.port}`,
    '',
  ].join('\n');
  const parsers = ['[PARSER]', '    Name        dssm-json', '    Format      json', '    Time_Key    time', '    Time_Format %Y-%m-%dT%H:%M:%S.%LZ', ''].join('\n');
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(o, `${o.release}-fluent-bit`, labels(o, 'logging', `${o.release}-fluent-bit`)),
    data: { 'fluent-bit.conf': conf, 'parsers.conf': parsers },
  };
}

function serverConf(v: Values, r: RuntimeConfig, ephemeral: boolean): string {
  const lines = ['# dssm server configuration (redis.conf syntax), rendered by `dssm k8s render`.', '# `dssm k8s start` adds bind <pod IP>, replica-announce-ip <pod FQDN> and replicaof.'];
  if (r.tls) {
    lines.push(
      'port 0',
      `tls-port ${DB_PORT}`,
      `tls-cert-file ${r.tls.cert}`,
      `tls-key-file ${r.tls.key}`,
      `tls-ca-cert-file ${r.tls.ca}`,
      `tls-dh-params-file ${MOUNTS.certs}/dhparam2048.pem`,
      'tls-auth-clients yes',
      'tls-replication yes',
    );
    // Ephemeral stores have no default user: a client certificate's CN names its ACL user.
    if (ephemeral) lines.push('tls-auth-clients-user cn');
  } else lines.push(`port ${DB_PORT}`);
  lines.push(`replica-announce-port ${DB_PORT}`);
  if (ephemeral) {
    lines.push('save ""', 'appendonly no', `aclfile ${MOUNTS.users}/users.acl`);
  } else {
    lines.push(`dir ${MOUNTS.data}`, 'appendonly yes', 'appendfsync everysec');
    if (v.syncReplicas > 0) lines.push(`sync-replicas ${v.syncReplicas}`);
  }
  if (r.metrics) lines.push(`metrics-port ${r.metrics.db}`);
  return lines.join('\n') + '\n';
}

function sentinelConf(v: Values, r: RuntimeConfig): string {
  const s = r.sentinel!;
  const primary = podFqdn(`${r.db.statefulSet}-0`, r.db.service, r);
  const lines = ['# dssm sentinel starting configuration, copied to /data/sentinel.conf on first start (the sentinel rewrites it).', `dir ${MOUNTS.data}`];
  if (r.tls) {
    lines.push('port 0', `tls-port ${SENTINEL_PORT}`, `tls-cert-file ${r.tls.cert}`, `tls-key-file ${r.tls.key}`, `tls-ca-cert-file ${r.tls.ca}`, 'tls-auth-clients yes', 'tls-replication yes');
  } else lines.push(`port ${SENTINEL_PORT}`);
  if (r.metrics) lines.push(`metrics-port ${r.metrics.sentinel}`);
  lines.push(
    'sentinel resolve-hostnames yes',
    'sentinel announce-hostnames yes',
    `sentinel announce-port ${SENTINEL_PORT}`,
    `sentinel monitor ${r.masterName} ${primary} ${DB_PORT} ${s.quorum}`,
    `sentinel down-after-milliseconds ${r.masterName} ${v.sentinel.downAfterMilliseconds}`,
    `sentinel failover-timeout ${r.masterName} ${v.sentinel.failoverTimeout}`,
    `sentinel parallel-syncs ${r.masterName} 1`,
  );
  return lines.join('\n') + '\n';
}

interface PodParts {
  name: string;
  app: string;
  component: string;
  replicas: number;
  service: string;
  role: 'db' | 'sentinel' | 'ephemeral';
  port: { name: string; port: number };
  metricsPort: number | null;
  resources: ReturnType<typeof resourcesOf>;
  extraVolumes: Record<string, unknown>[];
  extraMounts: Record<string, unknown>[];
  preStop: boolean;
  volumeClaim: Record<string, unknown> | null;
  podManagementPolicy: 'OrderedReady' | 'Parallel';
}

function statefulSet(v: Values, o: RenderOptions, p: PodParts): K8sObject {
  const l = labels(o, p.component, p.app);
  const tls = tlsVolumes(v);
  const fb = fluentBit(v, o);
  const probeArgs = (kind: 'ready' | 'live') => ['k8s', 'probe', kind, '--role', p.role, '--config', RUNTIME_FILE];
  const mounts = [
    { name: 'config', mountPath: MOUNTS.config, readOnly: true },
    ...tls.mounts,
    { name: 'tmp', mountPath: MOUNTS.tmp },
    ...p.extraMounts,
    ...(fb ? [{ name: 'logs', mountPath: MOUNTS.logs }] : []),
  ];
  const ports = [{ name: p.port.name, containerPort: p.port.port, protocol: 'TCP' }];
  if (p.metricsPort) ports.push({ name: 'metrics', containerPort: p.metricsPort, protocol: 'TCP' });
  const main: Record<string, unknown> = {
    name: p.role === 'sentinel' ? 'sentinel' : 'dssm',
    image: `${v.image.repository}:${v.image.tag}`,
    imagePullPolicy: v.image.pullPolicy,
    command: ['dssm'],
    args: ['k8s', 'start', '--role', p.role, '--config', RUNTIME_FILE],
    env: podEnv,
    ports,
    resources: p.resources,
    securityContext: containerSecurity,
    volumeMounts: mounts,
    // Exec probes: the process answering is not enough; see src/k8s/runtime.ts for what each checks.
    startupProbe: { ...exec(...probeArgs('live')), periodSeconds: 2, timeoutSeconds: 5, failureThreshold: 150 },
    readinessProbe: { ...exec(...probeArgs('ready')), periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 2 },
    livenessProbe: { ...exec(...probeArgs('live')), periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
  };
  if (p.preStop) main.lifecycle = { preStop: exec('k8s', 'prestop', '--config', RUNTIME_FILE) };
  const volumes = [
    { name: 'config', configMap: { name: `${o.release}-config` } },
    ...tls.volumes,
    { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
    ...p.extraVolumes,
    ...(fb ? [{ name: 'logs', emptyDir: { sizeLimit: '256Mi' } }, ...fb.volumes] : []),
  ];
  const annotations: Record<string, string> = {};
  if (p.metricsPort) Object.assign(annotations, { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(p.metricsPort), 'prometheus.io/path': '/metrics' });
  const spec: Record<string, unknown> = {
    serviceName: p.service,
    replicas: p.replicas,
    podManagementPolicy: p.podManagementPolicy,
    updateStrategy: { type: 'RollingUpdate' },
    selector: { matchLabels: { app: p.app, 'app.kubernetes.io/instance': o.release } },
    template: {
      metadata: { labels: l, ...(Object.keys(annotations).length ? { annotations } : {}) },
      spec: {
        serviceAccountName: o.release,
        automountServiceAccountToken: false,
        securityContext: podSecurity,
        affinity: affinity(v, p.app),
        // The preStop switchover may hold writes up to 5 s and wait for the sentinels.
        terminationGracePeriodSeconds: p.preStop ? 60 : 30,
        containers: [main, ...(fb ? [fb.container] : [])],
        volumes,
      },
    },
  };
  if (p.volumeClaim) spec.volumeClaimTemplates = [p.volumeClaim];
  return { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta(o, p.name, l), spec };
}

function service(o: RenderOptions, name: string, app: string, component: string, port: { name: string; port: number }, headless: boolean): K8sObject {
  const spec: Record<string, unknown> = {
    selector: { app, 'app.kubernetes.io/instance': o.release },
    ports: [{ name: port.name, port: port.port, targetPort: port.name, protocol: 'TCP' }],
  };
  if (headless) Object.assign(spec, { clusterIP: 'None', publishNotReadyAddresses: true });
  else spec.type = 'ClusterIP';
  return { apiVersion: 'v1', kind: 'Service', metadata: meta(o, name, labels(o, component, app)), spec };
}

function pdb(o: RenderOptions, name: string, app: string, component: string, minAvailable: number): K8sObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: meta(o, name, labels(o, component, app)),
    spec: { minAvailable, selector: { matchLabels: { app, 'app.kubernetes.io/instance': o.release } } },
  };
}

export function runtimeConfig(v: Values, o: RenderOptions): RuntimeConfig {
  const ephemeral = v.mode === 'ephemeral';
  const db = ephemeral
    ? { statefulSet: `${o.release}-ephemeral`, service: `${o.release}-ephemeral-info`, replicas: v.ephemeral.replicas, port: DB_PORT }
    : { statefulSet: `${o.release}-db`, service: `${o.release}-db-headless`, replicas: v.replicas, port: DB_PORT };
  const r: RuntimeConfig = {
    release: o.release,
    namespace: o.namespace,
    clusterDomain: v.clusterDomain,
    mode: v.mode,
    masterName: v.masterName,
    db,
    sentinel: ephemeral ? null : { statefulSet: `${o.release}-sentinel`, service: `${o.release}-sentinel-headless`, replicas: v.sentinel.replicas, port: SENTINEL_PORT, quorum: v.sentinel.quorum },
    tls: v.tls.enabled ? { ca: `${MOUNTS.certs}/dssm-ca.crt`, cert: `${MOUNTS.certs}/dssm-cert.crt`, key: `${MOUNTS.keys}/dssm-key.key` } : null,
    serverConf: `${MOUNTS.config}/dssm.conf`,
    sentinelConf: ephemeral ? null : `${MOUNTS.config}/sentinel.conf`,
    dataDir: MOUNTS.data,
    metrics: v.metrics.enabled ? { db: v.metrics.port, sentinel: v.metrics.sentinelPort } : null,
    logFile: v.fluentd.host ? `${MOUNTS.logs}/dssm.log` : null,
  };
  return r;
}

/** Every object of the release, in the order `kubectl apply -f` should create them. */
export function renderObjects(v: Values, o: RenderOptions): K8sObject[] {
  const r = runtimeConfig(v, o);
  const out: K8sObject[] = [];
  const rel = o.release;
  out.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(o, rel, labels(o, 'dssm', rel)), automountServiceAccountToken: false });
  const config: Record<string, string> = { 'runtime.json': JSON.stringify(r, null, 2) + '\n', 'dssm.conf': serverConf(v, r, v.mode === 'ephemeral') };
  if (r.sentinelConf) config['sentinel.conf'] = sentinelConf(v, r);
  out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(o, `${rel}-config`, labels(o, 'dssm', `${rel}-config`)), data: config });
  if (v.fluentd.host) out.push(fluentBitConfigMap(v, o));

  if (v.mode === 'ephemeral') {
    const app = r.db.statefulSet;
    const users = ['# ACL users of the ephemeral store, named by client certificate CN (tls-auth-clients-user cn).', 'user default off', ...v.ephemeral.users.map((u) => `user ${u.cn} ${u.rules}`)];
    out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(o, `${rel}-users`, labels(o, 'ephemeral', `${rel}-users`)), data: { 'users.acl': users.join('\n') + '\n' } });
    out.push(service(o, r.db.service, app, 'ephemeral', { name: 'redis', port: DB_PORT }, true));
    out.push(service(o, `${rel}-ephemeral`, app, 'ephemeral', { name: 'redis', port: DB_PORT }, false));
    out.push(
      statefulSet(v, o, {
        name: app,
        app,
        component: 'ephemeral',
        replicas: v.ephemeral.replicas,
        service: r.db.service,
        role: 'ephemeral',
        port: { name: 'redis', port: DB_PORT },
        metricsPort: r.metrics?.db ?? null,
        resources: resourcesOf(v.ephemeral.resources),
        extraVolumes: [{ name: 'users', configMap: { name: `${rel}-users` } }],
        extraMounts: [{ name: 'users', mountPath: MOUNTS.users, readOnly: true }],
        preStop: false,
        volumeClaim: null,
        podManagementPolicy: 'Parallel',
      }),
    );
    out.push(pdb(o, app, app, 'ephemeral', Math.min(v.pod_disruption_budget.min_available, v.ephemeral.replicas)));
    return out;
  }

  const dbApp = `${rel}-db`;
  const sApp = `${rel}-sentinel`;
  out.push(service(o, r.db.service, dbApp, 'db', { name: 'redis', port: DB_PORT }, true));
  out.push(service(o, r.sentinel!.service, sApp, 'sentinel', { name: 'sentinel', port: SENTINEL_PORT }, true));
  out.push(service(o, sApp, sApp, 'sentinel', { name: 'sentinel', port: SENTINEL_PORT }, false));
  const claim: Record<string, unknown> = {
    metadata: { name: 'data', labels: labels(o, 'db', dbApp) },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: v.persistence.size } }, ...(v.persistence.storageClass ? { storageClassName: v.persistence.storageClass } : {}) },
  };
  out.push(
    statefulSet(v, o, {
      name: dbApp,
      app: dbApp,
      component: 'db',
      replicas: v.replicas,
      service: r.db.service,
      role: 'db',
      port: { name: 'redis', port: DB_PORT },
      metricsPort: r.metrics?.db ?? null,
      resources: resourcesOf(v.resources),
      extraVolumes: [],
      extraMounts: [{ name: 'data', mountPath: MOUNTS.data }],
      preStop: true,
      volumeClaim: claim,
      podManagementPolicy: 'OrderedReady',
    }),
  );
  out.push(
    statefulSet(v, o, {
      name: sApp,
      app: sApp,
      component: 'sentinel',
      replicas: v.sentinel.replicas,
      service: r.sentinel!.service,
      role: 'sentinel',
      port: { name: 'sentinel', port: SENTINEL_PORT },
      metricsPort: r.metrics?.sentinel ?? null,
      resources: resourcesOf(v.sentinel.resources),
      extraVolumes: [{ name: 'sentinel-data', emptyDir: {} }],
      extraMounts: [{ name: 'sentinel-data', mountPath: MOUNTS.data }],
      preStop: false,
      volumeClaim: null,
      podManagementPolicy: 'Parallel',
    }),
  );
  out.push(pdb(o, dbApp, dbApp, 'db', v.pod_disruption_budget.min_available));
  out.push(pdb(o, sApp, sApp, 'sentinel', Math.min(v.pod_disruption_budget.min_available, v.sentinel.replicas)));
  return out;
}

/** The objects as one YAML stream (documents separated by ---), as `helm template` prints. */
export function renderYaml(objects: K8sObject[], header = ''): string {
  return header + objects.map((o) => '---\n' + stringify(o, { lineWidth: 0 })).join('');
}
