/**
 * The values of `dssm k8s render`: what `helm show values` would print for a dssm chart.
 *
 * Names follow the seeds' chart where it has them (`affinity_type`,
 * `pod_disruption_budget.min_available`, `tls.certsSecret`, `fluentd.host`) and Bitnami's
 * redis chart otherwise (`image.repository`, `persistence.size`, `sentinel.quorum`,
 * `resources`, `metrics.enabled`). Every object is strict: an unknown key or a value of the
 * wrong type stops the render with the key named, because a typo in a values file that
 * silently falls back to a default is how a production store ends up without persistence.
 */
import { parse as parseYaml, Document, isMap, isScalar, type Pair, Scalar, type YAMLMap } from 'yaml';
import { z } from 'zod';
import { DSSM_VERSION } from '../version.js';

/** A Kubernetes resource quantity ("250m", "1", "512Mi", "8Gi"). */
const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti|P|Pi|E|Ei)?$/, 'expected a Kubernetes quantity such as 250m, 1, 512Mi or 8Gi');
const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'expected a DNS label (lower-case letters, digits and -)')
  .max(63);
const port = z.number().int().min(1).max(65535);

const resourceList = z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() });
const resources = (requests: { cpu: string; memory: string }, limits: { cpu?: string; memory?: string }) =>
  z.strictObject({ requests: resourceList.prefault(requests), limits: resourceList.prefault(limits) }).prefault({});

export const ValuesSchema = z
  .strictObject({
    mode: z.enum(['persistent', 'ephemeral']).default('persistent'),
    image: z
      .strictObject({
        repository: z.string().min(1).default('dssm'),
        tag: z.string().min(1).default(DSSM_VERSION),
        pullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent'),
      })
      .prefault({}),
    clusterDomain: z.string().min(1).default('cluster.local'),
    masterName: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, 'expected letters, digits, _ . -')
      .default('dssm'),
    replicas: z.number().int().min(1).max(9).default(3),
    affinity_type: z.enum(['required', 'preferred', 'custom']).default('required'),
    affinity: z.record(z.string(), z.unknown()).optional(),
    pod_disruption_budget: z.strictObject({ min_available: z.number().int().min(0).default(2) }).prefault({}),
    persistence: z.strictObject({ size: quantity.default('8Gi'), storageClass: z.string().default('') }).prefault({}),
    sentinel: z
      .strictObject({
        replicas: z.number().int().min(1).max(9).default(3),
        quorum: z.number().int().min(1).default(2),
        downAfterMilliseconds: z.number().int().min(100).default(5000),
        failoverTimeout: z.number().int().min(1000).default(60000),
        resources: resources({ cpu: '100m', memory: '128Mi' }, { memory: '256Mi' }),
      })
      .prefault({}),
    tls: z
      .strictObject({
        enabled: z.boolean().default(true),
        certsSecret: dnsLabel.default('dssm-certs-secret'),
        keysSecret: dnsLabel.default('dssm-keys-secret'),
      })
      .prefault({}),
    resources: resources({ cpu: '250m', memory: '256Mi' }, { memory: '1Gi' }),
    syncReplicas: z.number().int().min(0).default(1),
    metrics: z.strictObject({ enabled: z.boolean().default(true), port: port.default(9121), sentinelPort: port.default(9131) }).prefault({}),
    fluentd: z
      .strictObject({
        host: z.string().default(''),
        port: port.default(24224),
        image: z.string().min(1).default('fluent/fluent-bit:3.0.7'),
        tag: z.string().min(1).default('dssm'),
      })
      .prefault({}),
    ephemeral: z
      .strictObject({
        replicas: z.number().int().min(1).max(99).default(5),
        users: z
          .array(z.strictObject({ cn: z.string().regex(/^[A-Za-z0-9._@-]+$/, 'expected a certificate CN (letters, digits, . _ @ -)'), rules: z.string().default('on ~* &* +@all') }))
          .default([{ cn: 'proxy', rules: 'on ~* &* +@all' }]),
        resources: resources({ cpu: '1', memory: '1Gi' }, { memory: '1Gi' }),
      })
      .prefault({}),
  })
  .superRefine((v, ctx) => {
    if (v.affinity_type === 'custom' && !v.affinity) ctx.addIssue({ code: 'custom', path: ['affinity'], message: "required when affinity_type is 'custom'" });
    if (v.affinity_type !== 'custom' && v.affinity) ctx.addIssue({ code: 'custom', path: ['affinity'], message: 'only used with affinity_type: custom' });
    if (v.mode === 'persistent') {
      if (v.syncReplicas > v.replicas - 1) ctx.addIssue({ code: 'custom', path: ['syncReplicas'], message: `at most replicas - 1 (${v.replicas - 1})` });
      if (v.sentinel.quorum > v.sentinel.replicas) ctx.addIssue({ code: 'custom', path: ['sentinel', 'quorum'], message: `at most sentinel.replicas (${v.sentinel.replicas})` });
      if (v.pod_disruption_budget.min_available > v.replicas)
        ctx.addIssue({ code: 'custom', path: ['pod_disruption_budget', 'min_available'], message: `at most replicas (${v.replicas}), or no pod could ever be evicted` });
    }
  });

export type Values = z.output<typeof ValuesSchema>;

/** What each value means: printed as comments by `dssm k8s values`. */
export const VALUE_DOCS: Record<string, string> = {
  mode: 'persistent: data nodes (StatefulSet <release>-db, a PVC each) + sentinels (<release>-sentinel).\nephemeral: the ASP ephemeral store: independent in-memory nodes, no volumes, users by certificate CN.',
  image: 'The image built from deploy/Containerfile.',
  clusterDomain: "The cluster's DNS domain (pod and Service names are announced as FQDNs under it).",
  masterName: 'The name the sentinels monitor (clients ask SENTINEL get-master-addr-by-name <masterName>).',
  replicas: 'Data nodes (persistent mode): one primary, the others replicas.',
  affinity_type: 'Anti-affinity of pods of one StatefulSet: required (each on its own node), preferred, or custom (the affinity block below).',
  affinity: 'With affinity_type: custom, the pod affinity block used as is (Kubernetes Affinity).',
  pod_disruption_budget: 'PodDisruptionBudgets: how many pods of each StatefulSet voluntary evictions must leave running.',
  persistence: 'The volumeClaimTemplate `data` of <release>-db (PVCs data-<release>-db-N); storageClass "" uses the default class.',
  sentinel: 'Sentinels: count, quorum, how long a primary may be unreachable before it is down, failover timeout, resources.',
  tls: 'Mutual TLS with the Secrets `dssm certs` writes: certsSecret (dssm-ca.crt, dssm-cert.crt, dhparam2048.pem) is mounted at /etc/dssm/tls/certs, keysSecret (dssm-key.key) at /etc/dssm/tls/keys.',
  resources: 'Requests and limits of each data node container.',
  syncReplicas: 'Synchronous mode: a write is acknowledged once this many replicas hold it (0: asynchronous).',
  metrics: 'Prometheus /metrics and /healthz on the pod IP (data nodes on port, sentinels on sentinelPort), with prometheus.io annotations.',
  fluentd: 'host set: a fluent-bit sidecar tails the JSON logs and forwards them to fluentd at host:port with this tag.',
  ephemeral: 'mode: ephemeral only: pod count, the ACL users named by client certificate CN, resources per pod.',
};

export class ValuesError extends Error {}

function keyPath(path: readonly PropertyKey[]): string {
  return (
    path
      .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
      .join('.')
      .replace(/\.\[/g, '[') || '(top level)'
  );
}

/** Validate parsed values (an object from YAML); throws ValuesError naming every bad key. */
export function validateValues(input: unknown): Values {
  const r = ValuesSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => {
    if (i.code === 'unrecognized_keys') return i.keys.map((k) => `unknown key '${keyPath([...i.path, k])}'`).join('\n');
    return `'${keyPath(i.path)}': ${i.message}`;
  });
  throw new ValuesError(lines.join('\n'));
}

/** Parse a values file's text (YAML or JSON). */
export function parseValues(text: string, source = 'values'): Values {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new ValuesError(`${source}: not valid YAML: ${(e as Error).message}`);
  }
  if (raw !== null && raw !== undefined && (typeof raw !== 'object' || Array.isArray(raw))) throw new ValuesError(`${source}: expected a mapping of values at the top level`);
  try {
    return validateValues(raw);
  } catch (e) {
    throw new ValuesError(`${source}: ${(e as Error).message}`);
  }
}

/** The defaults as a YAML document with each top-level value documented. */
export function defaultValuesYaml(): string {
  const doc = new Document(validateValues({}));
  doc.commentBefore = ' dssm k8s values: the defaults of `dssm k8s render`. Unknown keys and ill-typed values stop the render.';
  const root = doc.contents as YAMLMap;
  if (isMap(root)) {
    for (const item of root.items as Pair[]) {
      const key = isScalar(item.key) ? (item.key as Scalar) : new Scalar(item.key);
      item.key = key;
      const text = VALUE_DOCS[String(key.value)];
      if (text)
        key.commentBefore = text
          .split('\n')
          .map((l) => ' ' + l)
          .join('\n');
    }
  }
  // A custom affinity is absent by default; show its shape.
  return doc.toString({ lineWidth: 0 }) + '# affinity:            # with affinity_type: custom\n#   podAntiAffinity: {...}\n';
}
