/**
 * Every object `dssm k8s render` prints, for the default, preferred, custom, ephemeral and
 * fluentd values, is valid Kubernetes, checked offline two ways:
 *
 * - field by field against the Kubernetes 1.30 API models (@kubernetes/client-node 0.22,
 *   generated from the 1.30 OpenAPI): every field must exist in 1.30 with the type 1.30
 *   gives it (the API server would drop or reject an unknown one);
 * - against the OpenAPI JSON schemas compiled by kubernetes-models (required fields, enums,
 *   integer formats). Its 4.5 line is generated from a later release (1.33) that only
 *   adds fields, so the first check is what pins 1.30.
 *
 * The YAML stream the CLI prints is parsed back and must equal the objects.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { renderObjects, type K8sObject } from '../../src/k8s/render.js';
import { parseValues, validateValues, ValuesError } from '../../src/k8s/values.js';

const require = createRequire(import.meta.url);
const k8s = require('@kubernetes/client-node') as Record<string, { getAttributeTypeMap(): { baseName: string; type: string }[] }>;
const models: Record<string, Record<string, new (o: unknown) => { validate(): void }>> = {
  v1: require('kubernetes-models/v1'),
  'apps/v1': require('kubernetes-models/apps/v1'),
  'policy/v1': require('kubernetes-models/policy/v1'),
};
const BIN = new URL('../../bin/dssm.js', import.meta.url).pathname;

const customAffinity = {
  podAntiAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: [
      { labelSelector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['dssm'] }] }, topologyKey: 'topology.kubernetes.io/zone' },
    ],
  },
  nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'node-role.kubernetes.io/dssm', operator: 'Exists' }] }] } },
};

const VARIANTS: Record<string, unknown> = {
  default: {},
  preferred: { affinity_type: 'preferred' },
  custom: { affinity_type: 'custom', affinity: customAffinity, persistence: { storageClass: 'fast-ssd', size: '20Gi' } },
  ephemeral: { mode: 'ephemeral', ephemeral: { users: [{ cn: 'proxy' }, { cn: 'admin', rules: 'on ~* &* +@all -@dangerous' }] } },
  fluentd: { fluentd: { host: 'fluentd.logging.svc.cluster.local' }, metrics: { enabled: false }, tls: { enabled: false }, syncReplicas: 2 },
};

/** Check a value against a client-node 1.30 model type, collecting errors with their paths. */
function checkType(value: unknown, type: string, path: string, errors: string[]): void {
  if (value === undefined || value === null) return;
  const arr = /^Array<(.+)>$/.exec(type);
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (arr) {
    if (!Array.isArray(value)) return void errors.push(`${path}: expected an array`);
    value.forEach((v, i) => checkType(v, arr[1]!, `${path}[${i}]`, errors));
  } else if (map) {
    if (typeof value !== 'object' || Array.isArray(value)) return void errors.push(`${path}: expected a map`);
    for (const [k, v] of Object.entries(value)) checkType(v, map[1]!, `${path}.${k}`, errors);
  } else if (type === 'string' || type === 'Date') {
    if (typeof value !== 'string') errors.push(`${path}: expected a string, got ${JSON.stringify(value)}`);
  } else if (type === 'number') {
    if (typeof value !== 'number') errors.push(`${path}: expected a number, got ${JSON.stringify(value)}`);
  } else if (type === 'boolean') {
    if (typeof value !== 'boolean') errors.push(`${path}: expected a boolean`);
  } else if (type === 'IntOrString') {
    if (typeof value !== 'string' && typeof value !== 'number') errors.push(`${path}: expected an int or a string`);
  } else if (type === 'object' || type === 'any') {
    /* free-form */
  } else {
    const model = k8s[type];
    if (!model) return void errors.push(`${path}: unknown model type ${type}`);
    if (typeof value !== 'object' || Array.isArray(value)) return void errors.push(`${path}: expected an object (${type})`);
    const attrs = model.getAttributeTypeMap();
    for (const [k, v] of Object.entries(value)) {
      const a = attrs.find((x) => x.baseName === k);
      if (!a) errors.push(`${path}.${k}: no such field in Kubernetes 1.30 ${type}`);
      else checkType(v, a.type, `${path}.${k}`, errors);
    }
  }
}

function validateObject(o: K8sObject): string[] {
  const errors: string[] = [];
  const where = `${o.kind}/${o.metadata.name}`;
  checkType(o, `V1${o.kind}`, where, errors);
  const Model = models[o.apiVersion]?.[o.kind];
  if (!Model) errors.push(`${where}: no schema for ${o.apiVersion} ${o.kind}`);
  else {
    try {
      new Model(o).validate();
    } catch (e) {
      errors.push(`${where}: ${(e as Error).message}`);
    }
  }
  return errors;
}

for (const [name, values] of Object.entries(VARIANTS)) {
  test(`the ${name} values render objects that validate against the Kubernetes 1.30 schemas`, () => {
    const v = validateValues(values);
    const objects = renderObjects(v, { release: 'f5-dssm', namespace: 'prod' });
    const errors = objects.flatMap(validateObject);
    assert.deepEqual(errors, []);
    const kinds = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    if (name === 'ephemeral') {
      for (const k of ['ServiceAccount/f5-dssm', 'ConfigMap/f5-dssm-users', 'Service/f5-dssm-ephemeral-info', 'Service/f5-dssm-ephemeral', 'StatefulSet/f5-dssm-ephemeral'])
        assert.ok(kinds.includes(k), `${k} in ${kinds.join(', ')}`);
      const sts = objects.find((o) => o.kind === 'StatefulSet') as any;
      assert.equal(sts.spec.replicas, 5);
      assert.equal(sts.spec.volumeClaimTemplates, undefined);
      assert.ok(sts.spec.template.spec.volumes.every((vol: any) => !vol.persistentVolumeClaim));
      assert.deepEqual(sts.spec.template.spec.containers[0].resources.requests, { cpu: '1', memory: '1Gi' });
      const users = objects.find((o) => o.metadata.name === 'f5-dssm-users') as any;
      assert.match(users.data['users.acl'], /^user proxy on ~\* &\* \+@all$/m);
      assert.match(users.data['users.acl'], /^user admin on ~\* &\* \+@all -@dangerous$/m);
      return;
    }
    for (const k of [
      'ServiceAccount/f5-dssm',
      'StatefulSet/f5-dssm-db',
      'StatefulSet/f5-dssm-sentinel',
      'Service/f5-dssm-sentinel',
      'Service/f5-dssm-db-headless',
      'Service/f5-dssm-sentinel-headless',
      'PodDisruptionBudget/f5-dssm-db',
      'PodDisruptionBudget/f5-dssm-sentinel',
      'ConfigMap/f5-dssm-config',
    ])
      assert.ok(kinds.includes(k), `${k} in ${kinds.join(', ')}`);
    const db = objects.find((o) => o.metadata.name === 'f5-dssm-db') as any;
    assert.equal(db.spec.volumeClaimTemplates[0].metadata.name, 'data');
    assert.equal(db.spec.replicas, 3);
    const pod = db.spec.template.spec;
    assert.deepEqual(pod.containers[0].lifecycle.preStop.exec.command.slice(0, 3), ['dssm', 'k8s', 'prestop']);
    assert.equal(pod.containers[0].securityContext.readOnlyRootFilesystem, true);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    const svc = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'f5-dssm-sentinel') as any;
    assert.deepEqual(svc.spec.ports[0], { name: 'sentinel', port: 26379, targetPort: 'sentinel', protocol: 'TCP' });
    const pdb = objects.find((o) => o.metadata.name === 'f5-dssm-db' && o.kind === 'PodDisruptionBudget') as any;
    assert.equal(pdb.spec.minAvailable, 2);
    const anti = pod.affinity;
    if (name === 'preferred') assert.equal(anti.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector.matchLabels.app, 'f5-dssm-db');
    else if (name === 'custom') assert.deepEqual(anti, customAffinity);
    else assert.equal(anti.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchLabels.app, 'f5-dssm-db');
    if (name === 'fluentd') {
      assert.deepEqual(
        pod.containers.map((c: any) => c.name),
        ['dssm', 'fluent-bit'],
      );
      assert.ok(kinds.includes('ConfigMap/f5-dssm-fluent-bit'));
    }
  });
}

test('the checks catch what the API server would refuse', () => {
  const o = renderObjects(validateValues({}), { release: 'r', namespace: 'n' }).find((x) => x.kind === 'StatefulSet') as any;
  const bad = structuredClone(o);
  bad.spec.template.spec.containers[0].imagePullPolicy = undefined;
  bad.spec.template.spec.containers[0].ports[0].containerPort = '6379';
  bad.spec.template.spec.containers[0].securityContext.readOnlyRootFs = true;
  delete bad.spec.selector;
  const errors = validateObject(bad).join('\n');
  assert.match(errors, /containerPort: expected a number/);
  assert.match(errors, /readOnlyRootFs: no such field in Kubernetes 1.30 V1SecurityContext/);
  assert.match(errors, /data\/spec must have required property selector/);
});

test('the CLI prints one YAML stream that parses back to the rendered objects', () => {
  const text = execFileSync(process.execPath, [BIN, 'k8s', 'render', '--release', 'rel', '--namespace', 'ns'], { encoding: 'utf8' });
  const docs = parseAllDocuments(text).map((d) => d.toJSON());
  assert.deepEqual(docs, renderObjects(validateValues({}), { release: 'rel', namespace: 'ns' }));
  // `dssm k8s values` prints the defaults: rendering with them changes nothing.
  const defaults = execFileSync(process.execPath, [BIN, 'k8s', 'values'], { encoding: 'utf8' });
  assert.deepEqual(parseValues(defaults), validateValues({}));
  assert.match(defaults, /^# Anti-affinity .*\naffinity_type: required$/m);
});

test('unknown or ill-typed values stop the render naming the key', () => {
  const cases: [unknown, RegExp][] = [
    [{ replicas: '3' }, /'replicas': .*expected number/],
    [{ sentinel: { quorm: 2 } }, /unknown key 'sentinel.quorm'/],
    [{ affinity_type: 'spread' }, /'affinity_type': .*"required"\|"preferred"\|"custom"/],
    [{ affinity_type: 'custom' }, /'affinity': required when affinity_type is 'custom'/],
    [{ pod_disruption_budget: { min_available: 'two' } }, /'pod_disruption_budget.min_available'/],
    [{ persistence: { size: 'big' } }, /'persistence.size': expected a Kubernetes quantity/],
    [{ syncReplicas: 3 }, /'syncReplicas': at most replicas - 1 \(2\)/],
    [{ ephemeral: { users: [{ cn: 'bad cn' }] } }, /'ephemeral.users\[0\].cn'/],
    [{ tls: { certsSecret: 'Not_A_Name' } }, /'tls.certsSecret'/],
  ];
  for (const [values, re] of cases)
    assert.throws(
      () => validateValues(values),
      (e: Error) => e instanceof ValuesError && re.test(e.message),
      JSON.stringify(values),
    );
  // Through the CLI: exit 1, the key on stderr, nothing on stdout.
  const dir = mkdtempSync(join(tmpdir(), 'dssm-values-'));
  const file = join(dir, 'values.yaml');
  writeFileSync(file, 'fluentd:\n  hots: x\nmetrics:\n  enabled: "yes"\n');
  const r = spawnSync(process.execPath, [BIN, 'k8s', 'render', '--values', file], { encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /unknown key 'fluentd.hots'/);
  assert.match(r.stderr, /'metrics.enabled': .*expected boolean/);
});
