/**
 * TCP listeners for the bind addresses, as redis-server binds them: `*` is every IPv4
 * address, `::*` every IPv6 one, and a leading `-` marks an address that may be missing
 * (the default `* -::*` works on hosts without IPv6).
 */
import type net from 'node:net';
import { channels, log } from '../observe/events.js';

/** When accept errors were last logged, so that a burst of them logs once a second. */
let lastAcceptErrorLog = 0;
let acceptErrorsSinceLog = 0;

/**
 * An error of a listening server: accept() failed (EMFILE/ENFILE when descriptors run out).
 * Existing clients keep being served; Redis logs "Accepting client connection: ..." and so
 * do we (at most once a second, with the count). Without a listener, Node would throw it.
 */
function onAcceptError(err: Error): void {
  acceptErrorsSinceLog++;
  const now = Date.now();
  if (now - lastAcceptErrorLog < 1000) return;
  lastAcceptErrorLog = now;
  log('warn', `Accepting client connection: ${err.message}`, { code: (err as NodeJS.ErrnoException).code, errors: acceptErrorsSinceLog });
  acceptErrorsSinceLog = 0;
}

export interface BoundListener {
  server: net.Server;
  address: string;
  port: number;
}

function hostFor(bind: string): string {
  if (bind === '*') return '0.0.0.0';
  if (bind === '::*') return '::';
  return bind;
}

/**
 * Listen on each bind address; resolves with the listeners once all are up. A failure on
 * a required address rejects (and closes the ones already open).
 */
export async function listenAll(binds: string[], port: number, makeServer: () => net.Server, opts: { backlog: number; tls: boolean }): Promise<BoundListener[]> {
  const out: BoundListener[] = [];
  let actualPort = port;
  for (const raw of binds) {
    const optional = raw.startsWith('-');
    const host = hostFor(optional ? raw.slice(1) : raw);
    const server = makeServer();
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        // ipv6Only keeps '::' from also claiming IPv4 when '*' is bound separately.
        server.listen({ host, port: actualPort, backlog: opts.backlog, ipv6Only: host.includes(':') }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      if (optional) {
        log('debug', 'optional bind address unavailable', { address: host, error: (err as Error).message });
        continue;
      }
      for (const l of out) l.server.close();
      throw new Error(`Could not create server TCP listening socket ${host}:${actualPort}: ${(err as Error).message}`);
    }
    server.on('error', onAcceptError);
    const addr = server.address() as net.AddressInfo;
    actualPort = addr.port; // with port 0, every address shares the first one's port
    out.push({ server, address: host, port: addr.port });
    if (channels.listening.hasSubscribers) channels.listening.publish({ address: host, port: addr.port, tls: opts.tls });
  }
  return out;
}
