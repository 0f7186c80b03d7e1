/**
 * TLS for the sentinel, with the data node's directives and code (src/security/tls.ts):
 * the tls-port listener (hot certificate rotation through MaterialWatcher), tls-auth-clients,
 * and the client material for outgoing links to data nodes and other sentinels, which use
 * TLS when `tls-replication yes` (as redis-sentinel does).
 */
import type net from 'node:net';
import tls from 'node:tls';
import { setTlsClientOptionsProvider } from '../net/connect.js';
import { listenAll, type BoundListener } from '../net/listener.js';
import { log } from '../observe/events.js';
import { expiryWarnings, loadMaterial, MaterialWatcher, tlsConfigured, type TlsMaterial } from '../security/tls.js';
import type { SentinelConfig } from './config.js';

export class SentinelTls {
  private watcher: MaterialWatcher | null = null;
  private listeners: BoundListener[] = [];

  /** Loads and checks the material now (throws with the reason when it is unusable). */
  constructor(private readonly cfg: SentinelConfig) {
    if (!tlsConfigured(cfg.tls) && !cfg.tlsLinks) return;
    const material = loadMaterial(cfg.tls);
    this.watcher = new MaterialWatcher(cfg.tls, material, (m) => {
      for (const l of this.listeners) (l.server as tls.Server).setSecureContext(m.server);
    });
    for (const w of expiryWarnings(material)) log('warn', w, {});
  }

  get enabled(): boolean {
    return this.watcher !== null;
  }

  /** The material in use (hot rotation included) and the reload counters, or null without TLS. */
  state(): { material: TlsMaterial; reloads: number; failures: number } | null {
    const w = this.watcher;
    return w === null ? null : { material: w.material, reloads: w.reloads, failures: w.failures };
  }

  get port(): number {
    return this.listeners[0]?.port ?? 0;
  }

  /** Install the client material for outgoing links and open the TLS listener (if tls-port). */
  async start(accept: (sock: net.Socket) => void): Promise<void> {
    const w = this.watcher;
    if (!w) return;
    setTlsClientOptionsProvider(() => w.material.client);
    if (this.cfg.tlsPort !== 0) {
      this.listeners = await listenAll(
        this.cfg.bind,
        this.cfg.tlsPort,
        () => {
          const server = tls.createServer(w.material.server);
          server.on('secureConnection', (sock: tls.TLSSocket) => {
            // tls-auth-clients optional: no certificate is fine, a bad one is not.
            if (!sock.authorized && this.cfg.tls.get('tls-auth-clients') !== 'no') {
              const peer = sock.getPeerCertificate();
              if (peer && Object.keys(peer).length > 0) {
                sock.destroy();
                return;
              }
            }
            accept(sock);
          });
          server.on('tlsClientError', (err, sock) => log('debug', 'Error accepting a client connection', { error: err.message, addr: sock.remoteAddress }));
          return server;
        },
        { backlog: 511, tls: true },
      );
      log('info', 'Sentinel TLS listener ready', { port: this.port });
    }
    w.start();
  }

  async stop(): Promise<void> {
    this.watcher?.stop();
    const ls = this.listeners;
    this.listeners = [];
    await Promise.all(ls.map((l) => new Promise<void>((r) => l.server.close(() => r()))));
  }

  /** Re-read the certificate files now; whether new material is in use. */
  reload(): boolean {
    return this.watcher?.check('request', true) ?? false;
  }
}
