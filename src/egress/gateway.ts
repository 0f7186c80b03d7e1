/**
 * The egress gateway: one store connection pool, the mapping store, and DNS46 and/or NAT46,
 * plus the /metrics endpoint. `dssm egress` (src/cli/egress.ts) is its only user.
 */
import type { EgressConfig } from './config.js';
import { Dns46 } from './dns46.js';
import { MappingStore } from './mappings.js';
import { EgressMetrics } from './metrics.js';
import { Nat46 } from './nat46.js';
import { StorePool, storeOptions } from './store.js';
import { serveMetrics, type MetricsEndpoint } from '../observe/metrics-http.js';
import { log } from '../observe/events.js';

export interface GatewayOptions {
  dns: boolean;
  nat: boolean;
}

export class EgressGateway {
  readonly metrics = new EgressMetrics();
  readonly pool: StorePool;
  readonly mappings: MappingStore;
  dns: Dns46 | null = null;
  nat: Nat46 | null = null;
  private metricsEndpoint: MetricsEndpoint | null = null;
  dnsPorts: { host: string; port: number }[] = [];
  natPorts: number[] = [];
  metricsPort = 0;

  constructor(
    readonly cfg: EgressConfig,
    private readonly opts: GatewayOptions,
  ) {
    this.pool = new StorePool(storeOptions(cfg.store), cfg.store.poolSize);
    this.mappings = new MappingStore(cfg, this.pool, this.metrics);
  }

  async start(): Promise<void> {
    if (this.cfg.staticMappings.length) await this.mappings.installStatic();
    if (this.opts.dns) {
      this.dns = new Dns46(this.cfg, this.mappings, this.metrics);
      this.dnsPorts = await this.dns.listen();
    }
    if (this.opts.nat) {
      this.nat = new Nat46(this.cfg, this.mappings, this.metrics);
      this.natPorts = await this.nat.listen();
    }
    if (this.cfg.metricsListen) {
      const i = this.cfg.metricsListen.lastIndexOf(':');
      const host = this.cfg.metricsListen.slice(0, i).replace(/^\[|\]$/g, '');
      this.metricsEndpoint = await serveMetrics(host, Number(this.cfg.metricsListen.slice(i + 1)), {
        render: () => this.metrics.render(),
        unhealthy: () => (this.pool.main.status === 'ready' ? null : `store connection ${this.pool.main.status}`),
      });
      this.metricsPort = this.metricsEndpoint.port;
    }
    log('info', 'egress gateway started', {
      dns: this.dnsPorts.map((p) => `${p.host}:${p.port}`),
      natTcp: this.natPorts,
      subnet: this.cfg.dnsNat46Ipv4Subnet,
      metricsPort: this.metricsPort || undefined,
    });
  }

  async close(): Promise<void> {
    await this.dns?.close();
    await this.nat?.close();
    await this.metricsEndpoint?.close();
    await this.pool.close();
  }
}
