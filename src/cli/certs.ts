/**
 * `dssm certs`: the CA, server and client certificates for mutual TLS in one command, with
 * Kubernetes Secret manifests under the seeds' names, and `dssm certs inspect`.
 *
 *   dssm certs all --out ./tls --service dssm --headless dssm-headless --namespace prod --client proxy
 *   dssm certs ca --out ./tls
 *   dssm certs server --out ./tls --dns redis.example.com --ip 10.0.0.5
 *   dssm certs client --out ./tls --cn proxy
 *   dssm certs inspect ./tls
 *
 * Files: dssm-ca.crt/dssm-ca.key (CA), dssm-cert.crt/dssm-key.key (server, also used for
 * outgoing links), <cn>.crt/<cn>.key (clients), dhparam2048.pem (RFC 7919's ffdhe2048 group,
 * a published constant: generating fresh 2048-bit parameters takes minutes and is no safer), dssm-certs-secret.yaml (dssm-ca.crt,
 * dssm-cert.crt, dhparam2048.pem) and dssm-keys-secret.yaml (dssm-key.key).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import {
  createCA,
  createClientCert,
  createServerCert,
  FFDHE2048_PEM,
  headlessServiceWildcards,
  inspectPath,
  kubernetesServiceNames,
  secretManifest,
  type Issued,
  type KeyAlgorithm,
} from '../security/pki.js';

interface CommonOpts {
  out: string;
  days: string;
  algorithm: string;
  force?: boolean;
}

interface ServerOpts extends CommonOpts {
  dns: string[];
  ip: string[];
  service: string[];
  headless: string[];
  namespace: string;
  clusterDomain: string;
  cn?: string;
  secretNamespace?: string;
}

const collect = (v: string, prev: string[]) => [...prev, ...v.split(',').filter(Boolean)];

function algorithmOf(o: CommonOpts): KeyAlgorithm {
  const a = o.algorithm.toLowerCase();
  if (a === 'ecdsa' || a === 'ec' || a === 'p256' || a === 'p-256') return 'ecdsa';
  if (a === 'rsa') return 'rsa';
  throw new Error(`--algorithm must be ecdsa or rsa, got '${o.algorithm}'`);
}

function daysOf(o: CommonOpts, flag = '--days'): number {
  const d = Number(o.days);
  if (!/^\d+$/.test(o.days) || !Number.isSafeInteger(d) || d <= 0) throw new Error(`${flag} must be a positive integer (days), got '${o.days}'`);
  return d;
}

function write(o: CommonOpts, name: string, text: string, mode = 0o644): string {
  fs.mkdirSync(o.out, { recursive: true });
  const p = path.join(o.out, name);
  if (fs.existsSync(p) && !o.force) throw new Error(`${p} exists (use --force to overwrite)`);
  fs.writeFileSync(p, text, { mode });
  fs.chmodSync(p, mode);
  process.stdout.write(`wrote ${p}\n`);
  return p;
}

function readCA(o: CommonOpts & { caCert?: string; caKey?: string }): Issued {
  const certFile = o.caCert ?? path.join(o.out, 'dssm-ca.crt');
  const keyFile = o.caKey ?? path.join(o.out, 'dssm-ca.key');
  try {
    return { cert: fs.readFileSync(certFile, 'utf8'), key: fs.readFileSync(keyFile, 'utf8') };
  } catch {
    throw new Error(`CA not found (${certFile}, ${keyFile}): run 'dssm certs ca' first or pass --ca-cert/--ca-key`);
  }
}

function serverNames(o: ServerOpts): { dns: string[]; ips: string[] } {
  const dns = [...o.dns];
  for (const s of o.service) dns.push(...kubernetesServiceNames(s, o.namespace, o.clusterDomain));
  for (const h of o.headless) dns.push(...kubernetesServiceNames(h, o.namespace, o.clusterDomain), ...headlessServiceWildcards(h, o.namespace, o.clusterDomain));
  const ips = [...o.ip];
  if (dns.length === 0 && ips.length === 0) {
    dns.push('localhost');
    ips.push('127.0.0.1', '::1');
  }
  return { dns: [...new Set(dns)], ips: [...new Set(ips)] };
}

async function doCA(o: CommonOpts & { cn?: string }): Promise<Issued> {
  const ca = await createCA({ algorithm: algorithmOf(o), days: daysOf(o), commonName: o.cn ?? 'dssm CA' });
  write(o, 'dssm-ca.crt', ca.cert);
  write(o, 'dssm-ca.key', ca.key, 0o600);
  return ca;
}

async function doServer(o: ServerOpts, ca: Issued): Promise<void> {
  const { dns, ips } = serverNames(o);
  const s = await createServerCert(ca, { algorithm: algorithmOf(o), days: daysOf(o), dns, ips, commonName: o.cn });
  write(o, 'dssm-cert.crt', s.cert);
  write(o, 'dssm-key.key', s.key, 0o600);
  const dh = FFDHE2048_PEM;
  write(o, 'dhparam2048.pem', dh);
  const ns = o.secretNamespace;
  write(o, 'dssm-certs-secret.yaml', secretManifest('dssm-certs-secret', { 'dssm-ca.crt': ca.cert, 'dssm-cert.crt': s.cert, 'dhparam2048.pem': dh }, ns));
  write(o, 'dssm-keys-secret.yaml', secretManifest('dssm-keys-secret', { 'dssm-key.key': s.key }, ns), 0o600);
  process.stdout.write(`server certificate SANs: ${[...dns.map((d) => `DNS:${d}`), ...ips.map((i) => `IP:${i}`)].join(', ')}\n`);
}

async function doClient(o: CommonOpts, ca: Issued, cn: string): Promise<void> {
  if (!/^[A-Za-z0-9._@-]+$/.test(cn)) throw new Error(`client CN '${cn}' should be a user name (letters, digits, . _ @ -)`);
  const c = await createClientCert(ca, cn, { algorithm: algorithmOf(o), days: daysOf(o) });
  write(o, `${cn}.crt`, c.cert);
  write(o, `${cn}.key`, c.key, 0o600);
}

function common(cmd: Command): Command {
  return cmd
    .option('-o, --out <dir>', 'output directory', '.')
    .option('--days <n>', 'validity in days', '365')
    .option('--algorithm <alg>', 'key algorithm: ecdsa (P-256) or rsa (2048)', 'ecdsa')
    .option('--force', 'overwrite existing files');
}

function serverOptions(cmd: Command): Command {
  return cmd
    .option('--dns <names>', 'DNS name for the SANs (repeatable, comma-separated)', collect, [])
    .option('--ip <addresses>', 'IP address for the SANs (repeatable, comma-separated)', collect, [])
    .option('--service <name>', 'Kubernetes service: adds name, name.ns, name.ns.svc, name.ns.svc.<domain>', collect, [])
    .option('--headless <name>', 'headless service: adds its names and *.name... wildcards for the pods', collect, [])
    .option('--namespace <ns>', 'Kubernetes namespace', 'default')
    .option('--cluster-domain <domain>', 'Kubernetes cluster domain', 'cluster.local')
    .option('--secret-namespace <ns>', 'namespace written into the Secret manifests');
}

async function guard(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    process.stderr.write(`dssm certs: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}

export function registerCerts(program: Command): void {
  const certs = program.command('certs').description('Create a CA, server and client certificates for mutual TLS, with Kubernetes Secret manifests; inspect certificates');

  common(certs.command('ca').description('create a CA (dssm-ca.crt, dssm-ca.key)'))
    .option('--cn <name>', 'CA common name', 'dssm CA')
    .action((o: CommonOpts & { cn?: string }) => guard(async () => void (await doCA(o))));

  serverOptions(common(certs.command('server').description('create a server certificate signed by the CA (dssm-cert.crt, dssm-key.key, dhparam2048.pem, Secret manifests)')))
    .option('--cn <name>', 'subject CN (default: the first name)')
    .option('--ca-cert <file>', 'CA certificate (default <out>/dssm-ca.crt)')
    .option('--ca-key <file>', 'CA key (default <out>/dssm-ca.key)')
    .action((o: ServerOpts & { caCert?: string; caKey?: string }) => guard(() => doServer(o, readCA(o))));

  common(certs.command('client').description('create a client certificate whose CN names an ACL user (<cn>.crt, <cn>.key)'))
    .requiredOption('--cn <name>', 'common name = ACL user name (repeatable, comma-separated)', collect, [])
    .option('--ca-cert <file>', 'CA certificate (default <out>/dssm-ca.crt)')
    .option('--ca-key <file>', 'CA key (default <out>/dssm-ca.key)')
    .action((o: CommonOpts & { cn: string[]; caCert?: string; caKey?: string }) =>
      guard(async () => {
        const ca = readCA(o);
        for (const cn of o.cn) await doClient(o, ca, cn);
      }),
    );

  serverOptions(common(certs.command('all').description('create the CA, a server certificate, client certificates and the Secret manifests')))
    .option('--client <cn>', 'client certificate CN (repeatable, comma-separated)', collect, [])
    .option('--ca-days <n>', 'CA validity in days (default: --days)')
    .action((o: ServerOpts & { client: string[]; caDays?: string }) =>
      guard(async () => {
        // Every option is checked before the first file is written.
        daysOf(o);
        if (o.caDays !== undefined) daysOf({ ...o, days: o.caDays }, '--ca-days');
        algorithmOf(o);
        const ca = await doCA({ ...o, days: o.caDays ?? o.days, cn: 'dssm CA' });
        await doServer(o, ca);
        for (const cn of o.client) await doClient(o, ca, cn);
      }),
    );

  certs
    .command('inspect')
    .description('print subject, SANs, issuer and days left of the certificates in a file or directory')
    .argument('<path>', 'a PEM file or a directory')
    .option('--json', 'JSON output')
    .action((p: string, o: { json?: boolean }) =>
      guard(async () => {
        const list = inspectPath(p);
        if (o.json) {
          process.stdout.write(JSON.stringify(list, null, 2) + '\n');
          return;
        }
        if (list.length === 0) throw new Error(`no certificates found in ${p}`);
        for (const c of list) {
          const state = c.daysLeft < 0 ? 'EXPIRED' : c.daysLeft < 30 ? 'EXPIRES SOON' : 'ok';
          process.stdout.write(
            `${c.file}\n  subject:   ${c.subject}\n  issuer:    ${c.issuer}${c.isCA ? ' (CA)' : ''}\n  SANs:      ${c.sans.join(', ') || '-'}\n  not after: ${c.notAfter.toISOString()}\n  days left: ${c.daysLeft} (${state})\n`,
          );
        }
      }),
    );
}
