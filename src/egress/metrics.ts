/**
 * The egress gateway's counters, rendered on /metrics (Prometheus text) by the shared
 * exposition writer. Plain numbers incremented on the hot path; no labels there.
 */
import { Exposition, Histogram } from '../observe/metrics-format.js';

export class Counter {
  value = 0;
  inc(n = 1): void {
    this.value += n;
  }
}

export class EgressMetrics {
  readonly queries = new Counter();
  readonly queriesTcp = new Counter();
  readonly synthesized = new Counter();
  readonly passthrough = new Counter();
  readonly ptrAnswers = new Counter();
  readonly cacheHits = new Counter();
  readonly malformed = new Counter();
  readonly rateLimited = new Counter();
  readonly upstreamFailures = new Counter();
  readonly servfail = new Counter();
  readonly allocations = new Counter();
  readonly exhausted = new Counter();
  readonly storeErrors = new Counter();
  readonly flowsTotal = new Counter();
  readonly flowsRefused = new Counter();
  readonly bytesToService = new Counter();
  readonly bytesToClient = new Counter();
  readonly udpDatagrams = new Counter();
  flowsOpen = 0;
  readonly allocationSeconds = new Histogram();

  render(): string {
    const e = new Exposition();
    const c = (name: string, help: string, v: Counter) => e.single(`dssm_egress_${name}`, 'counter', help, v.value);
    c('dns_queries_total', 'DNS queries received (UDP and TCP)', this.queries);
    c('dns_queries_tcp_total', 'DNS queries received over TCP', this.queriesTcp);
    c('dns_synthesized_total', 'A answers synthesized from AAAA records', this.synthesized);
    c('dns_passthrough_total', 'Answers relayed unchanged from the upstream', this.passthrough);
    c('dns_ptr_answers_total', 'PTR answers for the synthesized subnet', this.ptrAnswers);
    c('dns_cache_hits_total', 'Queries answered from the response cache', this.cacheHits);
    c('dns_malformed_total', 'Malformed DNS messages dropped or answered FORMERR', this.malformed);
    c('dns_rate_limited_total', 'Queries refused by dnsRateLimit', this.rateLimited);
    c('dns_upstream_failures_total', 'Upstream resolver timeouts and errors', this.upstreamFailures);
    c('dns_servfail_total', 'SERVFAIL answers sent', this.servfail);
    c('mapping_allocations_total', 'New IPv4 mappings allocated by this gateway', this.allocations);
    c('mapping_exhausted_total', 'Allocations that found the subnet exhausted', this.exhausted);
    c('store_errors_total', 'Store operations that failed or timed out', this.storeErrors);
    c('nat_flows_total', 'NAT46 flows opened', this.flowsTotal);
    c('nat_flows_refused_total', 'NAT46 connections refused (no mapping, or service unreachable)', this.flowsRefused);
    c('nat_bytes_to_service_total', 'Bytes carried from IPv4 clients to IPv6 services', this.bytesToService);
    c('nat_bytes_to_client_total', 'Bytes carried from IPv6 services to IPv4 clients', this.bytesToClient);
    c('nat_udp_datagrams_total', 'UDP datagrams carried (both directions)', this.udpDatagrams);
    e.single('dssm_egress_nat_flows_open', 'gauge', 'NAT46 flows open now', this.flowsOpen);
    e.family('dssm_egress_allocation_seconds', 'histogram', 'Time to resolve a mapping through the store').histogram(this.allocationSeconds);
    return e.text();
  }
}
