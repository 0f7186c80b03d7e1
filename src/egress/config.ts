/**
 * The egress gateway's YAML configuration (`dssm egress --config egress.yaml`). The key names
 * mirror the F5SPKEgress / snatpool resources so operators carry theirs over; they are a
 * contract (issue 12). Every key is validated at start, and an error names the key and the
 * form it accepts.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseIpv4, Ipv4Subnet } from './addr.js';

/** host:port or [v6]:port → {host, port}. */
export function parseHostPort(s: string): { host: string; port: number } | null {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:[\]]+):(\d+)$/.exec(s);
  if (!m) return null;
  const port = Number(m[2]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return null;
  return { host: m[1]!, port };
}

const hostPort = (what: string, allowZero = false) =>
  z.string().refine(
    (s) => {
      const hp = parseHostPort(s);
      return hp !== null && (allowZero || hp.port > 0);
    },
    `expected "host:port" or "[ipv6]:port"${allowZero ? '' : ' with a port from 1 to 65535'} (${what})`,
  );

const ipv4 = z.string().refine((s) => net.isIPv4(s), 'expected a dotted IPv4 address such as 192.0.2.1');
const ipv6 = z.string().refine((s) => net.isIPv6(s), 'expected an IPv6 address such as fd00:1::3:50');

/** A port, or a "first-last" range; expanded after validation. */
const portOrRange = z.union([z.number().int().min(1).max(65535), z.string().regex(/^\d{1,5}(-\d{1,5})?$/, 'expected a port (1-65535) or a range "first-last"')]);

const natPorts = z.union([z.array(portOrRange), z.strictObject({ tcp: z.array(portOrRange).default([]), udp: z.array(portOrRange).default([]) })]);

const storeSchema = z
  .strictObject({
    url: z
      .string()
      .regex(/^rediss?:\/\/[^/]+(\/\d+)?$/, 'expected redis://host:port or rediss://host:port')
      .optional(),
    sentinels: z.array(hostPort('store.sentinels[]')).min(1).optional(),
    master: z.string().min(1).default('dssm'),
    password: z.string().optional(),
    tls: z.strictObject({ ca: z.string(), cert: z.string().optional(), key: z.string().optional() }).optional(),
    /** Replicas that must acknowledge a new mapping before it is answered (WAIT). */
    waitReplicas: z.number().int().min(0).optional(),
    waitTimeoutMs: z.number().int().min(1).default(1000),
    /** Connections for allocation transactions (WATCH state is per connection). */
    poolSize: z.number().int().min(1).max(256).default(8),
    /** Key prefix: several gateway fleets can share a store. */
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9:_-]+$/, 'expected letters, digits, ":", "_" or "-"')
      .default('egress'),
  })
  .refine((s) => (s.url === undefined) !== (s.sentinels === undefined), 'set exactly one of store.url or store.sentinels (+ store.master)');

const schema = z.strictObject({
  store: storeSchema,
  dnsNat46Enabled: z.boolean().default(true),
  dnsNat46Ipv4Subnet: z.string().refine((s) => Ipv4Subnet.parse(s) !== null, 'expected an IPv4 CIDR such as 10.46.0.0/16 (prefix 8-30)'),
  nameServerList: z.array(hostPort('nameServerList[]')).min(1, 'at least one upstream resolver'),
  dnsListen: z.array(hostPort('dnsListen[]', true)).default(['127.0.0.1:53']),
  egressSnatpool: z.array(ipv6).default([]),
  nat46Ports: natPorts.default([]),
  natListen: ipv4.default('0.0.0.0'),
  maxDNS46TTL: z.number().int().min(0).max(2147483647).default(120),
  dnsNat46SorryIp: z.union([ipv4, z.literal('SERVFAIL')]).default('SERVFAIL'),
  maxReservedStaticIps: z.number().int().min(0).default(0),
  staticMappings: z.array(z.strictObject({ ipv4, ipv6 })).default([]),
  dnsRateLimit: z.number().min(0).default(0),
  leaseIdleSeconds: z.number().int().min(1).default(600),
  leaseMaxSeconds: z.number().int().min(1).default(86400),
  allocationProbes: z.number().int().min(1).max(4096).default(64),
  upstreamTimeoutMs: z.number().int().min(1).default(2000),
  dnsCacheSize: z.number().int().min(0).default(100000),
  tcpIdleTimeoutSeconds: z.number().int().min(1).default(7440),
  tcpTransitoryTimeoutSeconds: z.number().int().min(1).default(240),
  udpIdleTimeoutSeconds: z.number().int().min(1).default(300),
  metricsListen: hostPort('metricsListen', true).optional(),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export type RawEgressConfig = z.infer<typeof schema>;

export interface EgressConfig extends Omit<RawEgressConfig, 'nat46Ports' | 'dnsListen' | 'nameServerList' | 'dnsNat46Ipv4Subnet' | 'store'> {
  store: RawEgressConfig['store'] & { waitReplicas: number; sentinelList: { host: string; port: number }[] };
  subnet: Ipv4Subnet;
  dnsNat46Ipv4Subnet: string;
  dnsListen: { host: string; port: number }[];
  nameServerList: { host: string; port: number }[];
  tcpPorts: number[];
  udpPorts: number[];
}

export class EgressConfigError extends Error {}

function expandPorts(list: (number | string)[], field: string): number[] {
  const out = new Set<number>();
  for (const p of list) {
    if (typeof p === 'number') out.add(p);
    else {
      const [a, b] = p.split('-').map(Number) as [number, number | undefined];
      const last = b ?? a;
      if (a < 1 || last > 65535 || last < a) throw new EgressConfigError(`${field}: bad range "${p}": expected first-last with 1 <= first <= last <= 65535`);
      for (let i = a; i <= last; i++) out.add(i);
    }
  }
  return [...out].sort((x, y) => x - y);
}

/** Validate a parsed YAML document; throws EgressConfigError naming the field. */
export function validateEgressConfig(doc: unknown): EgressConfig {
  const r = schema.safeParse(doc ?? {});
  if (!r.success) {
    const lines = r.error.issues.map((i) => {
      const path =
        i.path
          .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
          .join('')
          .replace(/^\./, '') || '(top level)';
      const msg = /received undefined$/.test(i.message) ? `required (${i.message.replace(/^Invalid input: /, '').replace(/, received undefined$/, '')})` : i.message;
      return `${path}: ${msg}`;
    });
    throw new EgressConfigError(lines.join('\n'));
  }
  const c = r.data;
  const subnet = Ipv4Subnet.parse(c.dnsNat46Ipv4Subnet)!;
  const ports = Array.isArray(c.nat46Ports) ? { tcp: c.nat46Ports, udp: [] } : c.nat46Ports;
  const tcpPorts = expandPorts(ports.tcp, 'nat46Ports');
  const udpPorts = expandPorts(ports.udp, 'nat46Ports.udp');
  if (udpPorts.length) throw new EgressConfigError('nat46Ports.udp: UDP NAT46 is not implemented yet (see docs/egress.md); list TCP ports only');
  if (c.staticMappings.length > c.maxReservedStaticIps)
    throw new EgressConfigError(`staticMappings: ${c.staticMappings.length} entries but maxReservedStaticIps is ${c.maxReservedStaticIps}; raise maxReservedStaticIps`);
  if (c.maxReservedStaticIps >= subnet.size) throw new EgressConfigError(`maxReservedStaticIps: must be smaller than the subnet's ${subnet.size} addresses`);
  const seen4 = new Set<string>();
  const seen6 = new Set<string>();
  c.staticMappings.forEach((m, i) => {
    const idx = subnet.indexOf(parseIpv4(m.ipv4)!);
    if (idx === null || idx >= c.maxReservedStaticIps)
      throw new EgressConfigError(`staticMappings[${i}].ipv4: ${m.ipv4} must be one of the first maxReservedStaticIps (${c.maxReservedStaticIps}) addresses of ${c.dnsNat46Ipv4Subnet}`);
    if (seen4.has(m.ipv4)) throw new EgressConfigError(`staticMappings[${i}].ipv4: ${m.ipv4} listed twice`);
    const v6 = canonicalIpv6(m.ipv6);
    if (seen6.has(v6)) throw new EgressConfigError(`staticMappings[${i}].ipv6: ${m.ipv6} listed twice`);
    seen4.add(m.ipv4);
    seen6.add(v6);
  });
  if (c.dnsNat46SorryIp !== 'SERVFAIL' && subnet.indexOf(parseIpv4(c.dnsNat46SorryIp)!) !== null)
    throw new EgressConfigError(`dnsNat46SorryIp: ${c.dnsNat46SorryIp} lies inside dnsNat46Ipv4Subnet; choose an address outside it`);
  const waitReplicas = c.store.waitReplicas ?? (c.store.sentinels ? 1 : 0);
  return {
    ...c,
    store: { ...c.store, waitReplicas, sentinelList: (c.store.sentinels ?? []).map((s) => parseHostPort(s)!) },
    subnet,
    dnsListen: c.dnsListen.map((s) => parseHostPort(s)!),
    nameServerList: c.nameServerList.map((s) => parseHostPort(s)!),
    tcpPorts,
    udpPorts,
  };
}

/** Read and validate a YAML file. */
export function loadEgressConfig(file: string): EgressConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new EgressConfigError(`${file}: cannot read: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new EgressConfigError(`${file}: not valid YAML: ${(e as Error).message}`);
  }
  try {
    return validateEgressConfig(doc);
  } catch (e) {
    if (e instanceof EgressConfigError) throw new EgressConfigError(`${file}: ${e.message}`);
    throw e;
  }
}

/** The canonical (compressed, lower case) text of an IPv6 address. */
export function canonicalIpv6(s: string): string {
  // URL parsing gives RFC 5952 form without a dependency.
  return new URL(`http://[${s}]/`).hostname.slice(1, -1);
}
