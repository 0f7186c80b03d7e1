/**
 * Certificates and TLS clients for the TLS/ACL tests: a CA, a server pair for localhost,
 * client pairs by CN, a second CA, an expired client certificate. Files go to a temp dir.
 */
import fs from 'node:fs';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { createCA, createClientCert, createServerCert, type Issued } from '../../src/security/pki.js';
import { RawClient } from '../helpers/resp.js';

export interface Pki {
  dir: string;
  ca: Issued;
  /** Paths of the files written. */
  files: Record<string, string>;
  client(cn: string): Promise<Issued>;
}

export async function makePki(names: string[] = ['proxy']): Promise<Pki & { clients: Record<string, Issued>; otherCa: Issued; foreign: Issued; expired: Issued }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dssm-tls-'));
  const ca = await createCA({ commonName: 'dssm test CA' });
  const server = await createServerCert(ca, { dns: ['localhost'], ips: ['127.0.0.1'] });
  const otherCa = await createCA({ commonName: 'another CA' });
  const foreign = await createClientCert(otherCa, 'proxy');
  const expired = await createClientCert(ca, 'proxy', { notBefore: new Date(Date.now() - 400 * 86_400_000), days: 30 });
  const clients: Record<string, Issued> = {};
  for (const n of names) clients[n] = await createClientCert(ca, n);
  const files: Record<string, string> = {};
  const write = (name: string, text: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    files[name] = p;
  };
  write('ca.crt', ca.cert);
  write('server.crt', server.cert);
  write('server.key', server.key);
  for (const [n, c] of Object.entries(clients)) {
    write(`${n}.crt`, c.cert);
    write(`${n}.key`, c.key);
  }
  write('foreign.crt', foreign.cert);
  write('foreign.key', foreign.key);
  write('expired.crt', expired.cert);
  write('expired.key', expired.key);
  return { dir, ca, files, clients, otherCa, foreign, expired, client: (cn) => createClientCert(ca, cn) };
}

export function serverDirectives(files: Record<string, string>, tlsPort: number): string[] {
  return ['--tls-port', String(tlsPort), '--tls-cert-file', files['server.crt']!, '--tls-key-file', files['server.key']!, '--tls-ca-cert-file', files['ca.crt']!];
}

/** Open a TLS connection and wrap it in a RawClient (rejects when the handshake fails). */
export function tlsClient(port: number, opts: tls.ConnectionOptions): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ...opts }, () => {
      resolve(new (RawClient as unknown as new (s: net.Socket) => RawClient)(s));
    });
    s.once('error', reject);
  });
}

/**
 * Connect and send PING; resolve with the reply or with the error that ended the
 * connection (TLS 1.3 reports a refused client certificate only after the handshake).
 */
export async function tryPing(port: number, opts: tls.ConnectionOptions): Promise<string> {
  let c: RawClient;
  try {
    c = await tlsClient(port, opts);
  } catch (err) {
    return `handshake failed: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
  }
  const alert = new Promise<string>((resolve) => c.socket.once('error', (e: NodeJS.ErrnoException) => resolve(`connection failed: ${e.code ?? e.message}`)));
  try {
    const r = await Promise.race([c.call('PING').then((x) => (x.t === 'error' ? x.v : String(x.v))), alert]);
    return r;
  } catch {
    return 'connection failed: closed';
  } finally {
    c.close();
  }
}
