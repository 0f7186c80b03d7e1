/**
 * `dssm k8s`: dssm as a Kubernetes workload without helm.
 *
 *   dssm k8s render [--values FILE] [--release f5-dssm] [--namespace NS]   the manifests (helm template)
 *   dssm k8s values                                                         the documented defaults (helm show values)
 *
 * and the commands the rendered pods run (src/k8s/runtime.ts):
 *
 *   dssm k8s start --role db|sentinel|ephemeral --config /etc/dssm/config/runtime.json
 *   dssm k8s probe ready|live --role db|sentinel|ephemeral --config ...
 *   dssm k8s prestop --config ...
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { MOUNTS, RUNTIME_FILE, renderObjects, renderYaml } from '../k8s/render.js';
import { defaultValuesYaml, parseValues, ValuesError } from '../k8s/values.js';

const ROLES = ['db', 'sentinel', 'ephemeral'] as const;
type Role = (typeof ROLES)[number];

function roleOf(s: string): Role {
  if (!(ROLES as readonly string[]).includes(s)) throw new Error(`--role must be one of ${ROLES.join(', ')}, got '${s}'`);
  return s as Role;
}

/** The text that says which Secret key is mounted where (printed at the top of the stream). */
function header(release: string, namespace: string, tls: boolean, certs: string, keys: string): string {
  const lines = [`# dssm ${release} in namespace ${namespace}, rendered by \`dssm k8s render\`.`, '# Apply with: kubectl apply -f <this file>'];
  if (tls) {
    lines.push(
      `# TLS: Secret ${certs} (written by \`dssm certs\`) is mounted at ${MOUNTS.certs}:`,
      `#   ${MOUNTS.certs}/dssm-ca.crt      tls-ca-cert-file (clients' and peers' CA)`,
      `#   ${MOUNTS.certs}/dssm-cert.crt    tls-cert-file (server certificate; also the client certificate of replication and sentinel links)`,
      `#   ${MOUNTS.certs}/dhparam2048.pem  tls-dh-params-file`,
      `# Secret ${keys} is mounted at ${MOUNTS.keys}:`,
      `#   ${MOUNTS.keys}/dssm-key.key      tls-key-file`,
      `# Create both with: dssm certs all --out ./tls --headless ${release}-db-headless --headless ${release}-sentinel-headless --service ${release}-sentinel --namespace ${namespace} --secret-namespace ${namespace} --client proxy`,
    );
  }
  lines.push(`# Runtime configuration: ConfigMap ${release}-config at ${MOUNTS.config} (${RUNTIME_FILE}).`, '');
  return lines.join('\n');
}

/**
 * Run one of the in-pod commands: the runtime module loads only here, and an error ends the
 * process with status 1 and the message, which the kubelet shows in the pod's events.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: an in-pod command either decides the exit status or lets the process run on
async function inPod(what: string, fn: (rt: typeof import('../k8s/runtime.js')) => Promise<boolean | void>): Promise<void> {
  try {
    const ok = await fn(await import('../k8s/runtime.js'));
    if (ok !== undefined) process.exit(ok ? 0 : 1);
  } catch (e) {
    process.stderr.write(`dssm k8s ${what}: ${(e as Error).message}\n`);
    process.exit(1);
  }
}

export function registerK8s(program: Command): void {
  const k8s = program.command('k8s').description('Kubernetes manifests for a dssm release (no helm needed), and the commands its pods run');

  k8s
    .command('render')
    .description('print the manifests as one YAML stream (as `helm template` would)')
    .option('--values <file>', 'values file (YAML); see `dssm k8s values`')
    .option('--release <name>', 'release name (prefix of every object)', 'f5-dssm')
    .option('--namespace <ns>', 'namespace of every object', 'default')
    .action((o: { values?: string; release: string; namespace: string }) => {
      try {
        if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(o.release) || o.release.length > 40)
          throw new ValuesError(`--release '${o.release}': expected a DNS label of at most 40 characters (lower-case letters, digits, -)`);
        if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(o.namespace) || o.namespace.length > 63) throw new ValuesError(`--namespace '${o.namespace}': expected a DNS label`);
        const v = parseValues(o.values ? readFileSync(o.values, 'utf8') : '', o.values ?? 'values');
        const objects = renderObjects(v, { release: o.release, namespace: o.namespace });
        process.stdout.write(renderYaml(objects, header(o.release, o.namespace, v.tls.enabled, v.tls.certsSecret, v.tls.keysSecret)));
      } catch (e) {
        process.stderr.write(`dssm k8s render: ${(e as Error).message}\n`);
        process.exitCode = 1;
      }
    });

  k8s
    .command('values')
    .description('print the default values, documented (as `helm show values` would)')
    .action(() => void process.stdout.write(defaultValuesYaml()));

  k8s
    .command('start')
    .description("run this pod's role (the container command): decides the first role from the sentinels, then runs the data node or the sentinel")
    .requiredOption('--role <role>', ROLES.join('|'))
    .option('--config <file>', 'runtime configuration', RUNTIME_FILE)
    .action((o: { role: string; config: string }) => inPod('start', (rt) => rt.start(roleOf(o.role), o.config)));

  k8s
    .command('probe')
    .description('readiness or liveness of this pod (exit 0: ok)')
    .argument('<kind>', 'ready or live')
    .requiredOption('--role <role>', ROLES.join('|'))
    .option('--config <file>', 'runtime configuration', RUNTIME_FILE)
    .action((kind: string, o: { role: string; config: string }) =>
      inPod('probe', async (rt) => {
        if (kind !== 'ready' && kind !== 'live') throw new Error(`probe kind must be ready or live, got '${kind}'`);
        const r = await rt.probe(kind, roleOf(o.role), o.config);
        (r.ok ? process.stdout : process.stderr).write(`${kind}: ${r.ok ? 'ok' : 'not ok'}: ${r.detail}\n`);
        return r.ok;
      }),
    );

  k8s
    .command('prestop')
    .description("the data pods' preStop hook: if this pod is the primary, switch over losslessly before it stops")
    .option('--config <file>', 'runtime configuration', RUNTIME_FILE)
    .action((o: { config: string }) =>
      inPod('prestop', (rt) => {
        const t0 = performance.now();
        return rt.preStop(o.config, (s) => process.stdout.write(`prestop: +${(performance.now() - t0).toFixed(0)} ms: ${s}\n`));
      }),
    );
}
