/**
 * TLS for a data node: Redis's tls-* directives, the certificate material they name (loaded
 * and checked as one unit), the TLS listener, outgoing-link options (replication, sentinel)
 * and hot rotation.
 *
 * Rotation: the directories holding the files are watched (Kubernetes replaces a mounted
 * Secret by swapping a `..data` symlink, which a directory watch sees), and the files'
 * contents are also polled every few seconds as a fallback (watches miss events on some
 * filesystems). When the contents change, a complete new SecureContext is built; only if
 * it builds does the listener switch to it (server.setSecureContext) for new connections.
 * Connections already open keep their own context. A broken replacement is refused with a
 * log line and the previous material stays in use.
 */
import { constants as cryptoConstants, createHash, type X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { registerDirectives } from '../config/schema.js';
import type { ConfigStore } from '../config/store.js';
import { log } from '../observe/events.js';
import { daysLeft, parsePemCertificates } from './cert-info.js';

registerDirectives([
  { name: 'tls-port', type: 'int', default: '0', mutable: false, min: 0, max: 65535 },
  { name: 'tls-cert-file', type: 'string', default: '', mutable: true },
  { name: 'tls-key-file', type: 'string', default: '', mutable: true },
  { name: 'tls-key-file-pass', type: 'string', default: '', mutable: true },
  { name: 'tls-client-cert-file', type: 'string', default: '', mutable: true },
  { name: 'tls-client-key-file', type: 'string', default: '', mutable: true },
  { name: 'tls-client-key-file-pass', type: 'string', default: '', mutable: true },
  { name: 'tls-dh-params-file', type: 'string', default: '', mutable: true },
  { name: 'tls-ca-cert-file', type: 'string', default: '', mutable: true },
  { name: 'tls-ca-cert-dir', type: 'string', default: '', mutable: true },
  { name: 'tls-auth-clients', type: 'enum', default: 'yes', mutable: true, values: ['yes', 'no', 'optional'] },
  { name: 'tls-replication', type: 'bool', default: 'no', mutable: true },
  { name: 'tls-cluster', type: 'bool', default: 'no', mutable: true, noEffect: true },
  { name: 'tls-protocols', type: 'string', default: '', mutable: true },
  { name: 'tls-ciphers', type: 'string', default: '', mutable: true },
  { name: 'tls-ciphersuites', type: 'string', default: '', mutable: true },
  { name: 'tls-prefer-server-ciphers', type: 'bool', default: 'no', mutable: true },
  { name: 'tls-session-caching', type: 'bool', default: 'yes', mutable: true },
  { name: 'tls-session-cache-size', type: 'int', default: '20480', mutable: true, min: 0 },
  { name: 'tls-session-cache-timeout', type: 'int', default: '300', mutable: true, min: 0 },
  // dssm's own: map the client certificate's CN to an ACL user (Redis 8.6 names it the same).
  { name: 'tls-auth-clients-user', type: 'enum', default: 'off', mutable: true, values: ['off', 'cn'] },
  // dssm's own: how often certificate files are re-read to catch changes a watch missed.
  { name: 'tls-reload-interval-ms', type: 'int', default: '3000', mutable: true, min: 0 },
]);

/** The directives whose files make up the material. */
const FILE_DIRECTIVES = ['tls-cert-file', 'tls-key-file', 'tls-client-cert-file', 'tls-client-key-file', 'tls-ca-cert-file', 'tls-dh-params-file'] as const;

export interface CertInUse {
  role: 'server' | 'client' | 'ca';
  file: string;
  subject: string;
  notAfter: Date;
}

/** One consistent load of every TLS file: contexts built and checked. */
export interface TlsMaterial {
  /** Options for tls.createServer / setSecureContext. */
  server: tls.TlsOptions;
  /** Options for outgoing links. */
  client: tls.ConnectionOptions;
  certs: CertInUse[];
  /** Hash of every file's contents (to notice changes). */
  fingerprint: string;
  loadedAt: number;
}

function readFile(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(`Failed to load ${what} '${file}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The CA bundle: tls-ca-cert-file plus every certificate file in tls-ca-cert-dir. */
function caFiles(config: ConfigStore): string[] {
  const out: string[] = [];
  const file = config.get('tls-ca-cert-file');
  if (file) out.push(file);
  const dir = config.get('tls-ca-cert-dir');
  if (dir) {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch (err) {
      throw new Error(`Failed to load CA certificate directory '${dir}': ${(err as NodeJS.ErrnoException).code}`);
    }
    for (const n of names.sort()) {
      if (n.startsWith('.')) continue;
      const p = path.join(dir, n);
      try {
        if (fs.statSync(p).isFile()) out.push(p);
      } catch {
        /* dangling link */
      }
    }
  }
  return out;
}

/** Every file the material depends on (for watching). */
export function materialFiles(config: ConfigStore): string[] {
  const files: string[] = [];
  for (const d of FILE_DIRECTIVES) {
    const v = config.get(d);
    if (v) files.push(v);
  }
  try {
    for (const f of caFiles(config)) if (!files.includes(f)) files.push(f);
  } catch {
    /* reported at load */
  }
  return files;
}

/** A hash of the contents of every file (missing files count as empty). */
export function fingerprintOf(config: ConfigStore): string {
  const h = createHash('sha256');
  const dir = config.get('tls-ca-cert-dir');
  if (dir) h.update(`dir:${dir}\0`);
  for (const f of materialFiles(config)) {
    h.update(f + '\0');
    try {
      h.update(fs.readFileSync(f));
    } catch {
      h.update('<missing>');
    }
    h.update('\0');
  }
  return h.digest('hex');
}

function protocolRange(spec: string): { minVersion?: tls.SecureVersion; maxVersion?: tls.SecureVersion } {
  if (!spec.trim()) return { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' };
  const known: tls.SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
  const asked = spec
    .split(/\s+/)
    .filter(Boolean)
    .map((p) => {
      const v = known.find((k) => k.toLowerCase() === p.toLowerCase());
      if (!v) throw new Error(`Invalid tls-protocols specified: ${p}`);
      return v;
    });
  const idx = asked.map((v) => known.indexOf(v)).sort();
  return { minVersion: known[idx[0]!], maxVersion: known[idx[idx.length - 1]!] };
}

function cipherList(config: ConfigStore): string | undefined {
  const ciphers = config.get('tls-ciphers').trim();
  const suites = config.get('tls-ciphersuites').trim();
  if (!ciphers && !suites) return undefined;
  const defaults = tls.DEFAULT_CIPHERS.split(':');
  const v13 = suites ? suites.split(':') : defaults.filter((c) => c.startsWith('TLS_'));
  const v12 = ciphers ? ciphers.split(':') : defaults.filter((c) => !c.startsWith('TLS_'));
  return [...v13, ...v12].join(':');
}

function certInfo(pem: Buffer, role: CertInUse['role'], file: string): CertInUse[] {
  const certs = parsePemCertificates(pem.toString('latin1'));
  if (certs.length === 0) throw new Error(`No certificate found in '${file}'`);
  const list = role === 'ca' ? certs : [certs[0]!];
  return list.map((c: X509Certificate) => ({ role, file, subject: c.subject.replace(/\n/g, ', '), notAfter: new Date(c.validTo) }));
}

/** Whether TLS is configured at all (a certificate to serve or to present). */
export function tlsConfigured(config: ConfigStore): boolean {
  return config.get('tls-cert-file') !== '' || config.get('tls-client-cert-file') !== '' || config.int('tls-port') !== 0;
}

/**
 * Read and check every file. Throws with a message naming the problem (the caller logs it
 * and keeps the previous material). Building a SecureContext checks that keys match
 * certificates and that the passphrase decrypts the key.
 */
export function loadMaterial(config: ConfigStore): TlsMaterial {
  const fingerprint = fingerprintOf(config);
  const certFile = config.get('tls-cert-file');
  const keyFile = config.get('tls-key-file');
  if (!certFile || !keyFile) throw new Error('TLS needs tls-cert-file and tls-key-file');
  const cert = readFile(certFile, 'certificate');
  const key = readFile(keyFile, 'private key');
  const passphrase = config.get('tls-key-file-pass') || undefined;
  const certs: CertInUse[] = certInfo(cert, 'server', certFile);
  const cas = caFiles(config);
  if (cas.length === 0) throw new Error('Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-port is enabled');
  const caPems: Buffer[] = [];
  for (const f of cas) {
    const pem = readFile(f, 'CA certificate(s)');
    if (f === config.get('tls-ca-cert-file')) certs.push(...certInfo(pem, 'ca', f));
    else {
      // A hashed CA directory may hold other files (CRLs); take the certificates only.
      if (!/-----BEGIN CERTIFICATE-----/.test(pem.toString('latin1'))) continue;
      certs.push(...certInfo(pem, 'ca', f));
    }
    caPems.push(pem);
  }
  const dhFile = config.get('tls-dh-params-file');
  const dhparam = dhFile ? readFile(dhFile, 'DH params') : undefined;
  const authClients = config.get('tls-auth-clients');
  const range = protocolRange(config.get('tls-protocols'));
  const ciphers = cipherList(config);
  const common: tls.SecureContextOptions = { ca: caPems, ...range, ...(ciphers ? { ciphers } : {}) };
  const server: tls.TlsOptions = {
    ...common,
    cert,
    key,
    passphrase,
    ...(dhparam ? { dhparam } : {}),
    honorCipherOrder: config.bool('tls-prefer-server-ciphers'),
    requestCert: authClients !== 'no',
    rejectUnauthorized: authClients === 'yes',
    sessionTimeout: config.int('tls-session-cache-timeout') || undefined,
  };
  if (!config.bool('tls-session-caching')) server.secureOptions = (server.secureOptions ?? 0) | cryptoConstants.SSL_OP_NO_TICKET;
  // Build it now: key/cert mismatch, bad passphrase, bad PEM and bad DH params all fail here.
  try {
    tls.createSecureContext(server);
  } catch (err) {
    throw new Error(`Failed to configure TLS server context: ${(err as Error).message}`);
  }
  // Outgoing links present the client pair when given, else the server pair (Redis's rule).
  const clientCertFile = config.get('tls-client-cert-file');
  const clientKeyFile = config.get('tls-client-key-file');
  let client: tls.ConnectionOptions;
  if (clientCertFile && clientKeyFile) {
    const ccert = readFile(clientCertFile, 'client certificate');
    const ckey = readFile(clientKeyFile, 'client private key');
    certs.push(...certInfo(ccert, 'client', clientCertFile));
    client = { ...common, cert: ccert, key: ckey, passphrase: config.get('tls-client-key-file-pass') || undefined };
  } else {
    client = { ...common, cert, key, passphrase };
  }
  try {
    tls.createSecureContext(client);
  } catch (err) {
    throw new Error(`Failed to configure TLS client context: ${(err as Error).message}`);
  }
  // Redis verifies the peer's chain but not its host name (pods are reached by address).
  client.checkServerIdentity = () => undefined;
  return { server, client, certs, fingerprint, loadedAt: Date.now() };
}

/** The soonest expiry among the certificates in use. */
export function soonestExpiry(m: TlsMaterial): CertInUse | null {
  let best: CertInUse | null = null;
  for (const c of m.certs) if (!best || c.notAfter < best.notAfter) best = c;
  return best;
}

export function expiryWarnings(m: TlsMaterial, withinDays = 30): string[] {
  const out: string[] = [];
  for (const c of m.certs) {
    const d = daysLeft(c.notAfter);
    if (d < 0) out.push(`TLS ${c.role} certificate ${c.subject} in ${c.file} EXPIRED on ${c.notAfter.toISOString()}`);
    else if (d < withinDays) out.push(`TLS ${c.role} certificate ${c.subject} in ${c.file} expires in ${d} days (${c.notAfter.toISOString()})`);
  }
  return out;
}

/**
 * Watches the files of the material and reloads on change. `apply` receives each new
 * material that loaded cleanly; failures are logged once per distinct content.
 */
export class MaterialWatcher {
  private watchers: fs.FSWatcher[] = [];
  private poll: NodeJS.Timeout | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private failedFingerprint = '';
  reloads = 0;
  failures = 0;
  lastError = '';

  constructor(
    private readonly config: ConfigStore,
    private current: TlsMaterial,
    private readonly apply: (m: TlsMaterial) => void,
  ) {}

  start(): void {
    this.rewatch();
    const every = this.config.int('tls-reload-interval-ms');
    if (every > 0) {
      this.poll = setInterval(() => this.check('poll'), every);
      this.poll.unref();
    }
  }

  stop(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
    if (this.poll) clearInterval(this.poll);
    if (this.debounce) clearTimeout(this.debounce);
    this.poll = null;
  }

  get material(): TlsMaterial {
    return this.current;
  }

  /** Watch every directory that holds a file (symlink swaps show up there). */
  private rewatch(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
    const dirs = new Set<string>();
    for (const f of materialFiles(this.config)) dirs.add(path.dirname(path.resolve(f)));
    const caDir = this.config.get('tls-ca-cert-dir');
    if (caDir) dirs.add(path.resolve(caDir));
    for (const d of dirs) {
      try {
        const w = fs.watch(d, { persistent: false }, () => this.soon());
        w.on('error', () => {});
        this.watchers.push(w);
      } catch {
        /* the poll covers it */
      }
    }
  }

  private soon(): void {
    if (this.debounce) clearTimeout(this.debounce);
    // Writers replace several files in a row: wait for them to settle.
    this.debounce = setTimeout(() => this.check('watch'), 150);
    this.debounce.unref();
  }

  /** Reload when the contents differ from what is in use. Returns whether it reloaded. */
  check(source: string, force = false): boolean {
    let fp: string;
    try {
      fp = fingerprintOf(this.config);
    } catch {
      return false;
    }
    if (!force && (fp === this.current.fingerprint || fp === this.failedFingerprint)) return false;
    try {
      const m = loadMaterial(this.config);
      this.apply(m);
      this.current = m;
      this.failedFingerprint = '';
      this.reloads++;
      log('info', 'TLS certificates reloaded', { trigger: source, certs: m.certs.map((c) => `${c.role}:${c.subject}`) });
      for (const w of expiryWarnings(m)) log('warn', w, {});
      this.rewatch();
      return true;
    } catch (err) {
      this.failedFingerprint = fp;
      this.failures++;
      this.lastError = (err as Error).message;
      log('error', 'TLS certificate change refused; keeping the certificates in use', { trigger: source, error: this.lastError });
      return false;
    }
  }
}
