/**
 * NAT46 for TCP: the synthesized subnet reaches the gateway through a local route
 * (`ip route add local 10.46.0.0/16 dev lo`), so one listener on natListen:PORT accepts
 * connections to every subnet address, and the connection's local address says which
 * mapping the client meant. The gateway looks the mapping up (local cache, else one GET),
 * connects to [IPv6]:PORT from a SNAT pool address chosen by a hash of the client address
 * (the same client always appears from the same source), and relays both ways with
 * backpressure (a side's reads pause while the other side's writes are buffered), half-close
 * (a FIN is passed on and the other direction keeps flowing), and RFC 6146 §4 timeouts:
 * established idle 2 h 4 min, transitory (after one FIN) 4 min, both configurable.
 *
 * A mapping with an open flow is never reclaimed: flows renew their leases periodically.
 */
import net from 'node:net';
import { createHash } from 'node:crypto';
import type { EgressConfig } from './config.js';
import { parseIpv4 } from './addr.js';
import type { Mapping, MappingStore } from './mappings.js';
import type { EgressMetrics } from './metrics.js';
import { log } from '../observe/events.js';

export class Nat46 {
  private readonly servers: net.Server[] = [];
  private readonly flows = new Set<{ a: net.Socket; b: net.Socket | null }>();
  /** Open flows per mapping index, and the mapping they hold. */
  private readonly holds = new Map<number, { count: number; mapping: Mapping }>();
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(
    private readonly cfg: EgressConfig,
    private readonly mappings: MappingStore,
    private readonly metrics: EgressMetrics,
  ) {}

  /** The SNAT pool address for a client: deterministic, spread by a hash. */
  snatFor(client: string): string | undefined {
    const pool = this.cfg.egressSnatpool;
    if (pool.length === 0) return undefined;
    const h = createHash('sha1').update(client).digest();
    return pool[h.readUInt32BE(0) % pool.length];
  }

  async listen(): Promise<number[]> {
    const ports: number[] = [];
    for (const port of this.cfg.tcpPorts) {
      const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (s) => this.onConnection(s));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: this.cfg.natListen, port }, () => {
          server.off('error', reject);
          resolve();
        });
      }).catch((e: NodeJS.ErrnoException) => {
        throw new Error(`nat46Ports ${port}: cannot listen on ${this.cfg.natListen}:${port}: ${e.code ?? e.message}`);
      });
      server.on('error', (err) => log('warn', 'egress NAT listener error', { port, error: err.message }));
      this.servers.push(server);
      ports.push((server.address() as net.AddressInfo).port);
    }
    if (ports.length) log('info', 'egress NAT46 listening', { host: this.cfg.natListen, tcp: ports });
    const every = Math.max(1000, (this.cfg.leaseIdleSeconds * 1000) / 3);
    this.heartbeat = setInterval(() => {
      for (const h of this.holds.values()) void this.mappings.renew(h.mapping, true);
    }, every);
    this.heartbeat.unref();
    return ports;
  }

  private hold(m: Mapping): () => void {
    const h = this.holds.get(m.index);
    if (h) {
      h.count++;
      h.mapping = m;
    } else this.holds.set(m.index, { count: 1, mapping: m });
    void this.mappings.renew(m, true);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const cur = this.holds.get(m.index);
      if (cur && --cur.count === 0) this.holds.delete(m.index);
    };
  }

  private async onConnection(client: net.Socket): Promise<void> {
    client.on('error', () => {});
    const dst = (client.localAddress ?? '').replace(/^::ffff:/, '');
    const port = client.localPort!;
    const n = parseIpv4(dst);
    const index = n === null ? null : this.cfg.subnet.indexOf(n);
    let mapping: Mapping | null = null;
    if (index !== null) {
      try {
        mapping = await this.mappings.byIndexLookup(index);
      } catch (e) {
        log('warn', 'egress NAT lookup failed', { dst, error: (e as Error).message });
      }
    }
    if (!mapping) {
      this.metrics.flowsRefused.inc();
      log('info', 'egress NAT refused: no mapping', { dst, port, client: client.remoteAddress });
      client.resetAndDestroy();
      return;
    }
    const release = this.hold(mapping);
    const source = this.snatFor(client.remoteAddress ?? '');
    const flow = { a: client, b: null as net.Socket | null };
    this.flows.add(flow);
    this.metrics.flowsTotal.inc();
    this.metrics.flowsOpen++;
    const service = net.connect({ host: mapping.ipv6, port, localAddress: source, family: 6, allowHalfOpen: true });
    flow.b = service;
    let closed = 0;
    let connected = false;
    const finish = () => {
      if (++closed < 2) return;
      this.flows.delete(flow);
      this.metrics.flowsOpen--;
      release();
    };
    client.once('close', finish);
    service.once('close', finish);
    service.on('error', (err) => {
      if (!connected) {
        this.metrics.flowsRefused.inc();
        log('info', 'egress NAT: service unreachable', { ipv6: mapping.ipv6, port, source, error: err.message });
        client.resetAndDestroy();
      } else client.destroy();
    });
    client.on('error', () => service.destroy());
    service.once('connect', () => {
      connected = true;
      service.setNoDelay(true);
      client.setNoDelay(true);
      relay(client, service, this.metrics.bytesToService);
      relay(service, client, this.metrics.bytesToClient);
      this.timeouts(client, service);
      client.resume();
    });
  }

  /** RFC 6146 §3.5.2: established idle timeout, then the transitory one once a side sent FIN. */
  private timeouts(a: net.Socket, b: net.Socket): void {
    let last = Date.now();
    let halfClosed = false;
    const touch = () => (last = Date.now());
    a.on('data', touch);
    b.on('data', touch);
    a.once('end', () => (halfClosed = true));
    b.once('end', () => (halfClosed = true));
    const check = () => {
      const limit = (halfClosed ? this.cfg.tcpTransitoryTimeoutSeconds : this.cfg.tcpIdleTimeoutSeconds) * 1000;
      if (Date.now() - last >= limit) {
        a.destroy();
        b.destroy();
        clearInterval(timer);
      }
    };
    const timer = setInterval(check, Math.min(this.cfg.tcpTransitoryTimeoutSeconds, this.cfg.tcpIdleTimeoutSeconds, 30) * 1000);
    timer.unref();
    a.once('close', () => clearInterval(timer));
    b.once('close', () => clearInterval(timer));
  }

  /** Count of flows holding each mapping (for tests and `mappings get`). */
  openFlows(index: number): number {
    return this.holds.get(index)?.count ?? 0;
  }

  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const f of this.flows) {
      f.a.destroy();
      f.b?.destroy();
    }
    await Promise.all(this.servers.map((s) => new Promise((r) => s.close(r))));
  }
}

/** Copy `from` → `to` with backpressure; pass a FIN on (half-close), count bytes. */
function relay(from: net.Socket, to: net.Socket, bytes: { inc(n: number): void }): void {
  from.on('data', (d: Buffer) => {
    bytes.inc(d.length);
    if (!to.write(d)) from.pause();
  });
  to.on('drain', () => from.resume());
  from.on('end', () => {
    if (!to.destroyed) to.end();
  });
  // Both directions finished: close the socket fully.
  from.on('finish', () => {
    if (from.readableEnded) from.destroy();
  });
}
