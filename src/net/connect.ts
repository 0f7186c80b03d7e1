/**
 * Outgoing connections to other nodes (replica → primary, sentinel → data nodes and other
 * sentinels). One place decides plain TCP or TLS, so every outgoing link follows the same
 * TLS configuration (tls-replication, tls-client-cert-file, ...).
 *
 * The TLS material comes from a provider that the security subsystem installs (it reloads
 * certificates when files change); without one, links are plain TCP.
 */
import net from 'node:net';
import tls from 'node:tls';

/** Supplies the current client-side TLS options (certificates may rotate). */
export type TlsClientOptionsProvider = () => tls.ConnectionOptions;

let tlsProvider: TlsClientOptionsProvider | null = null;

export function setTlsClientOptionsProvider(p: TlsClientOptionsProvider | null): void {
  tlsProvider = p;
}

export interface ConnectOptions {
  host: string;
  port: number;
  /** Use TLS for this link (e.g. tls-replication yes). */
  tls?: boolean;
  timeoutMs?: number;
}

/** Connect, resolving once the link is usable (after the TLS handshake when TLS). */
export function connectTo(opts: ConnectOptions): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const timeout = opts.timeoutMs ?? 10000;
    let sock: net.Socket;
    const fail = (err: Error) => {
      sock.destroy();
      reject(err);
    };
    if (opts.tls) {
      if (!tlsProvider) return reject(new Error('TLS requested but no TLS configuration is loaded'));
      const base = tlsProvider();
      sock = tls.connect({ ...base, host: opts.host, port: opts.port, servername: net.isIP(opts.host) ? undefined : opts.host }, () => {
        sock.setTimeout(0);
        resolve(sock);
      });
    } else {
      sock = net.connect({ host: opts.host, port: opts.port }, () => {
        sock.setTimeout(0);
        resolve(sock);
      });
    }
    sock.setNoDelay(true);
    sock.setTimeout(timeout, () => fail(new Error(`connection to ${opts.host}:${opts.port} timed out`)));
    sock.once('error', fail);
  });
}
