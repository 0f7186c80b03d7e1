/**
 * A small PKI for dssm's mutual TLS: a CA, server certificates (SANs for DNS names,
 * Kubernetes service names, wildcards for headless services, IP addresses) and client
 * certificates named by their CN. Certificates are built with @peculiar/x509 on Node's
 * WebCrypto; nothing here encodes ASN.1 by hand. Reading certificates back (inspect,
 * expiry) uses Node's own X509Certificate.
 */
import 'reflect-metadata';
import { KeyObject, webcrypto, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import { parsePemCertificates, summarize, type CertSummary } from './cert-info.js';

export { commonNameOf, daysLeft, parsePemCertificates, summarize, type CertSummary } from './cert-info.js';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type Algorithm = webcrypto.Algorithm;
type EcdsaParams = webcrypto.EcdsaParams;
type EcKeyGenParams = webcrypto.EcKeyGenParams;
type RsaHashedKeyGenParams = webcrypto.RsaHashedKeyGenParams;
type EcKeyAlgorithm = webcrypto.EcKeyAlgorithm;

x509.cryptoProvider.set(webcrypto as never);

export type KeyAlgorithm = 'ecdsa' | 'rsa';

/**
 * RFC 7919's ffdhe2048 group (a published constant), as DH PARAMETERS PEM: what the seeds
 * call dhparam2048.pem. Generating fresh 2048-bit parameters takes minutes and gains
 * nothing over a vetted named group.
 */
export const FFDHE2048_PEM = `-----BEGIN DH PARAMETERS-----
MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz
+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a
87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7
YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4KbXCeAvzhzffi
7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaD
ssbzSibBsu/6iGtCOGEoXJf//////////wIBAg==
-----END DH PARAMETERS-----
`;

export interface Issued {
  /** PEM certificate. */
  cert: string;
  /** PEM private key (PKCS#8). */
  key: string;
}

export interface CertOptions {
  /** Key algorithm: ECDSA P-256 (default) or RSA 2048. */
  algorithm?: KeyAlgorithm;
  /** Validity in days from notBefore (default 365). */
  days?: number;
  /** Start of validity (default: now minus 5 minutes for clock skew). */
  notBefore?: Date;
}

export interface ServerCertOptions extends CertOptions {
  commonName?: string;
  dns?: string[];
  ips?: string[];
}

function algorithmParams(alg: KeyAlgorithm): RsaHashedKeyGenParams | EcKeyGenParams {
  if (alg === 'rsa') return { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' } as RsaHashedKeyGenParams;
  return { name: 'ECDSA', namedCurve: 'P-256' };
}

function signingAlgorithm(key: CryptoKey): Algorithm | EcdsaParams {
  if (key.algorithm.name === 'ECDSA') return { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams;
  return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as Algorithm;
}

async function generateKeys(alg: KeyAlgorithm): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(algorithmParams(alg) as EcKeyGenParams, true, ['sign', 'verify'])) as CryptoKeyPair;
}

function keyPem(key: CryptoKey): string {
  return KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }) as string;
}

async function importKey(pem: string, cert: x509.X509Certificate): Promise<CryptoKey> {
  const ko = (await import('node:crypto')).createPrivateKey(pem);
  const der = ko.export({ type: 'pkcs8', format: 'der' });
  const alg = cert.publicKey.algorithm;
  const params = alg.name === 'ECDSA' ? { name: 'ECDSA', namedCurve: (alg as EcKeyAlgorithm).namedCurve } : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  return (await webcrypto.subtle.importKey('pkcs8', der, params, true, ['sign'])) as CryptoKey;
}

function validity(o: CertOptions): { notBefore: Date; notAfter: Date } {
  const notBefore = o.notBefore ?? new Date(Date.now() - 5 * 60_000);
  const days = o.days ?? 365;
  return { notBefore, notAfter: new Date(notBefore.getTime() + days * 86_400_000) };
}

function serial(): string {
  const b = randomBytes(16);
  b[0]! &= 0x7f; // positive
  b[0]! |= 0x01; // no leading zero byte
  return b.toString('hex');
}

/** Escape a value for an RFC 4514 name ("CN=..."). */
function rdn(value: string): string {
  return value
    .replace(/([,+"\\<>;=])/g, '\\$1')
    .replace(/^([ #])/, '\\$1')
    .replace(/ $/, '\\ ');
}

/** A self-signed CA certificate and key. */
export async function createCA(opts: CertOptions & { commonName?: string } = {}): Promise<Issued> {
  const keys = await generateKeys(opts.algorithm ?? 'ecdsa');
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${rdn(opts.commonName ?? 'dssm CA')}`,
    ...validity(opts),
    keys,
    signingAlgorithm: signingAlgorithm(keys.privateKey),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem') + '\n', key: keyPem(keys.privateKey) };
}

async function issue(ca: Issued, subjectCN: string, opts: CertOptions, usages: x509.ExtendedKeyUsage[], names: x509.JsonGeneralName[]): Promise<Issued> {
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await importKey(ca.key, caCert);
  const keys = await generateKeys(opts.algorithm ?? 'ecdsa');
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(
      keys.privateKey.algorithm.name === 'ECDSA' ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
      true,
    ),
    new x509.ExtendedKeyUsageExtension(usages, false),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
  ];
  if (names.length) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${rdn(subjectCN)}`,
    issuer: caCert.subject,
    ...validity(opts),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: signingAlgorithm(caKey),
    extensions,
  });
  return { cert: cert.toString('pem') + '\n', key: keyPem(keys.privateKey) };
}

/**
 * A server certificate for the DNS names and addresses given (serverAuth and clientAuth,
 * so the same pair also serves outgoing links: replication, sentinel).
 */
export function createServerCert(ca: Issued, opts: ServerCertOptions = {}): Promise<Issued> {
  const dns = opts.dns ?? [];
  const ips = opts.ips ?? [];
  const names: x509.JsonGeneralName[] = [...dns.map((value) => ({ type: 'dns' as const, value })), ...ips.map((value) => ({ type: 'ip' as const, value }))];
  const cn = opts.commonName ?? dns[0] ?? ips[0] ?? 'dssm';
  return issue(ca, cn, opts, [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth], names);
}

/** A client certificate whose CN names the user (certificate users map the CN to an ACL user). */
export function createClientCert(ca: Issued, commonName: string, opts: CertOptions = {}): Promise<Issued> {
  return issue(ca, commonName, opts, [x509.ExtendedKeyUsage.clientAuth], []);
}

/** Kubernetes DNS names of a service: short, namespaced, .svc, and fully qualified. */
export function kubernetesServiceNames(service: string, namespace: string, clusterDomain = 'cluster.local'): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.${clusterDomain}`];
}

/** Wildcards that match the pods of a headless service (pod-0.svc-headless.ns.svc...). */
export function headlessServiceWildcards(service: string, namespace: string, clusterDomain = 'cluster.local'): string[] {
  return [`*.${service}`, `*.${service}.${namespace}`, `*.${service}.${namespace}.svc`, `*.${service}.${namespace}.svc.${clusterDomain}`];
}

/** A Kubernetes Secret manifest (YAML) with the files as base64 data. */
export function secretManifest(name: string, data: Record<string, string>, namespace?: string): string {
  const lines = ['apiVersion: v1', 'kind: Secret', 'metadata:', `  name: ${name}`];
  if (namespace) lines.push(`  namespace: ${namespace}`);
  lines.push('type: Opaque', 'data:');
  for (const [k, v] of Object.entries(data)) lines.push(`  ${k}: ${Buffer.from(v).toString('base64')}`);
  return lines.join('\n') + '\n';
}

/** Summaries of every certificate in a file, or in every file of a directory. */
export function inspectPath(p: string): CertSummary[] {
  const st = fs.statSync(p);
  const files = st.isDirectory()
    ? fs
        .readdirSync(p)
        .filter((f) => !f.startsWith('.'))
        .map((f) => path.join(p, f))
        .filter((f) => fs.statSync(f).isFile())
        .sort()
    : [p];
  const out: CertSummary[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = fs.readFileSync(f, 'latin1');
    } catch {
      continue;
    }
    for (const c of parsePemCertificates(text)) out.push(summarize(c, f));
  }
  return out;
}
