/**
 * Wires security into a data node: the TLS listener (tls-port) with hot rotation, the
 * provider for outgoing TLS links (replication, sentinel), certificate users, expiry
 * warnings, INFO tls, the ACL (users, AUTH/HELLO, the NOPERM guard) and the warning for
 * a plaintext port reachable beyond loopback.
 */
import tls from 'node:tls';
import type net from 'node:net';
import type { NodeHost } from '../commands/host.js';
import { listenAll, type BoundListener } from '../net/listener.js';
import { setTlsClientOptionsProvider } from '../net/connect.js';
import { log } from '../observe/events.js';
import { daysLeft, commonNameOf } from './cert-info.js';
import { expiryWarnings, loadMaterial, MaterialWatcher, soonestExpiry, tlsConfigured, type TlsMaterial } from './tls.js';
import { installAcl } from './acl.js';

/** What other subsystems and tests can see of TLS. */
export interface TlsApi {
  /** The TLS port bound (0 when no TLS listener). */
  port: number;
  material(): TlsMaterial | null;
  /** Re-read the files now (what the watcher does on change). Returns whether new material is in use. */
  reload(): boolean;
  stats(): { reloads: number; failures: number; lastError: string };
}

declare module '../commands/context.js' {
  interface ServerExtensions {
    tls?: TlsApi;
  }
}

const DAY = 86_400_000;

function isLoopback(bind: string): boolean {
  const b = bind.replace(/^-/, '');
  return b === 'localhost' || b.startsWith('127.') || b === '::1';
}

export function installSecurity(node: NodeHost): void {
  const acl = installAcl(node);
  const config = node.config;
  let listeners: BoundListener[] = [];
  let watcher: MaterialWatcher | null = null;
  let expiryTimer: NodeJS.Timeout | null = null;
  const api: TlsApi = {
    port: 0,
    material: () => watcher?.material ?? null,
    reload: () => watcher?.check('request', true) ?? false,
    stats: () => ({ reloads: watcher?.reloads ?? 0, failures: watcher?.failures ?? 0, lastError: watcher?.lastError ?? '' }),
  };
  node.ext.tls = api;

  const onSecureConnection = (socket: tls.TLSSocket) => {
    // tls-auth-clients optional: no certificate is fine, a bad one is not.
    if (!socket.authorized && config.get('tls-auth-clients') !== 'no') {
      const peer = socket.getPeerCertificate();
      if (peer && Object.keys(peer).length > 0) {
        log('debug', 'TLS client certificate refused', { addr: socket.remoteAddress, error: String(socket.authorizationError) });
        socket.destroy();
        return;
      }
    }
    const session = node.accept(socket as unknown as net.Socket, true);
    if (!session) return;
    if (config.get('tls-auth-clients-user') === 'cn' && socket.authorized) {
      const cn = commonNameOf(socket.getPeerCertificate()?.subject ? subjectText(socket.getPeerCertificate().subject) : null);
      if (cn) acl.authenticateByCertificate(session, cn);
    }
  };

  if (tlsConfigured(config)) {
    // Load at construction so that a bad configuration stops the server before it listens.
    const material = loadMaterial(config);
    watcher = new MaterialWatcher(config, material, (m) => {
      for (const l of listeners) (l.server as tls.Server).setSecureContext(m.server);
    });
    setTlsClientOptionsProvider(() => watcher!.material.client);
    for (const w of expiryWarnings(material)) log('warn', w, {});

    const tlsPort = config.int('tls-port');
    node.startupTasks.unshift(async () => {
      if (tlsPort !== 0) {
        const binds = config.get('bind').split(/\s+/).filter(Boolean);
        listeners = await listenAll(
          binds,
          tlsPort,
          () => {
            const server = tls.createServer(watcher!.material.server);
            server.on('secureConnection', onSecureConnection);
            server.on('tlsClientError', (err, sock) => {
              log('debug', 'Error accepting a client connection', { error: err.message, addr: sock.remoteAddress });
            });
            return server;
          },
          { backlog: config.int('tcp-backlog'), tls: true },
        );
        api.port = listeners[0]?.port ?? 0;
        log('info', 'TLS listener ready', { port: api.port, authClients: config.get('tls-auth-clients') });
      }
      watcher!.start();
      expiryTimer = setInterval(() => {
        for (const w of expiryWarnings(watcher!.material)) log('warn', w, {});
      }, DAY);
      expiryTimer.unref();
    });
    for (const d of [
      'tls-auth-clients',
      'tls-protocols',
      'tls-ciphers',
      'tls-ciphersuites',
      'tls-prefer-server-ciphers',
      'tls-session-caching',
      'tls-session-cache-timeout',
      ...['cert', 'key', 'key-file-pass', 'client-cert', 'client-key', 'client-key-file-pass', 'dh-params', 'ca-cert', 'ca-cert-dir'].map((x) =>
        x.includes('pass') || x.endsWith('-dir') ? `tls-${x}` : `tls-${x}-file`,
      ),
    ]) {
      let last: string | null = null;
      // watch() calls back at once with the current value: only later changes reload.
      config.watch(d, (v) => {
        if (last !== null && v !== last) queueMicrotask(() => watcher?.check('config', true));
        last = v;
      });
    }
    node.infoSections.set('tls', () => {
      const m = watcher!.material;
      const soon = soonestExpiry(m);
      const server = m.certs.find((c) => c.role === 'server');
      const fields: [string, string | number][] = [
        ['tls_port', api.port],
        ['tls_auth_clients', config.get('tls-auth-clients')],
        ['tls_cert_days_left', server ? daysLeft(server.notAfter) : -1],
        ['tls_cert_not_after', server ? server.notAfter.toISOString() : ''],
        ['tls_min_days_left', soon ? daysLeft(soon.notAfter) : -1],
        ['tls_min_days_left_cert', soon ? `${soon.role}:${soon.subject}` : ''],
        ['tls_loaded_at', Math.floor(m.loadedAt / 1000)],
        ['tls_reloads', watcher!.reloads],
        ['tls_reload_failures', watcher!.failures],
        ['tls_connected_clients', [...node.sessions.values()].filter((s) => s.tls).length],
      ];
      return fields;
    });
  }

  // A plaintext port reachable beyond loopback carries data and passwords in the clear.
  node.startupTasks.push(async () => {
    if (node.port === 0) return;
    const binds = config.get('bind').split(/\s+/).filter(Boolean);
    const open = binds.filter((b) => !isLoopback(b));
    if (open.length > 0) {
      const msg = `WARNING: plaintext port ${node.port} is bound to ${open.join(' ')} (beyond loopback): traffic and passwords travel unencrypted. Use tls-port with port 0, or bind 127.0.0.1.`;
      log('warn', msg, { port: node.port, bind: open });
      if (process.stderr.isTTY) process.stderr.write(`${msg}\n`);
    }
  });

  node.shutdownHooks.push(async () => {
    watcher?.stop();
    if (expiryTimer) clearInterval(expiryTimer);
    // Stop accepting, without waiting: close() calls back only once every connection is
    // gone, and the node ends the client connections after its shutdown hooks, so awaiting
    // here hung a TLS-only node's SIGTERM for as long as a sentinel or client stayed connected.
    for (const l of listeners) l.server.close();
    listeners = [];
  });
}

/** Node gives the subject as an object ({CN: 'x', O: 'y'}); turn it into "CN=x\nO=y". */
function subjectText(subject: tls.Certificate): string {
  return Object.entries(subject)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v[0] : v}`)
    .join('\n');
}
