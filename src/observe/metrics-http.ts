/**
 * The metrics endpoint over node:http (no framework), shared by data nodes and sentinels:
 *
 *   GET /metrics   Prometheus text format 0.0.4
 *   GET /healthz   200 "ok" while serving, 503 with the reason otherwise (Kubernetes probes)
 *
 * HEAD works on both; other methods get 405, other paths 404. A failure while rendering
 * answers 500 with the error rather than a partial exposition.
 */
import http from 'node:http';
import type net from 'node:net';
import { log } from './events.js';

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface MetricsHandlers {
  /** The exposition text. */
  render(): string;
  /** null when healthy, else why not (e.g. "loading"). */
  unhealthy(): string | null;
}

export interface MetricsEndpoint {
  /** The port bound (the first address's, shared by all). */
  port: number;
  addresses: string[];
  close(): Promise<void>;
}

function hostFor(bind: string): string {
  if (bind === '*') return '0.0.0.0';
  if (bind === '::*') return '::';
  return bind;
}

/** A start error that names the directive to change (the operator's next step). */
function listenFailure(err: NodeJS.ErrnoException, host: string, port: number): string {
  switch (err.code) {
    case 'EADDRINUSE':
      return `metrics-port ${port}: address ${host}:${port} already in use (choose another metrics-port, or 0 to turn metrics off)`;
    case 'EACCES':
      return `metrics-port ${port}: permission denied to listen on ${host}:${port}`;
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `metrics-bind ${host}: cannot listen on this address (${err.code})`;
    default:
      return `metrics-port ${port}, metrics-bind ${host}: cannot listen: ${err.message}`;
  }
}

/** Listen on each address in `bind` (space separated, as the `bind` directive; `-` prefix: optional). */
export async function serveMetrics(bind: string, port: number, handlers: MetricsHandlers): Promise<MetricsEndpoint> {
  const servers: http.Server[] = [];
  const addresses: string[] = [];
  let actual = port;
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    let status = 200;
    let type = 'text/plain; charset=utf-8';
    let body: string;
    if (path === '/metrics') {
      try {
        body = handlers.render();
        type = CONTENT_TYPE;
      } catch (err) {
        status = 500;
        body = `error collecting metrics: ${(err as Error).message}\n`;
        log('error', 'metrics collection failed', { error: (err as Error).stack });
      }
    } else if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      const why = handlers.unhealthy();
      status = why === null ? 200 : 503;
      body = why === null ? 'ok\n' : `${why}\n`;
    } else if (path === '/') {
      body = 'dssm metrics: /metrics (Prometheus), /healthz\n';
    } else {
      status = 404;
      body = 'not found\n';
    }
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
    res.end(head ? undefined : body);
  };
  for (const raw of bind.split(/\s+/).filter(Boolean)) {
    const optional = raw.startsWith('-');
    const host = hostFor(optional ? raw.slice(1) : raw);
    const server = http.createServer(onRequest);
    server.keepAliveTimeout = 5000;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port: actual, ipv6Only: host.includes(':') }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      if (optional) continue;
      for (const s of servers) s.close();
      throw new Error(listenFailure(err as NodeJS.ErrnoException, host, actual));
    }
    actual = (server.address() as net.AddressInfo).port;
    server.on('error', (err) => log('error', 'metrics listener error', { error: err.message }));
    servers.push(server);
    addresses.push(host);
  }
  if (servers.length === 0) throw new Error(`metrics-bind '${bind}': no address to listen on`);
  log('info', 'metrics endpoint listening', { port: actual, addresses, paths: ['/metrics', '/healthz'] });
  return {
    port: actual,
    addresses,
    close: () =>
      Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      ).then(() => undefined),
  };
}
