/**
 * DNS46 (the IPv4 mirror of DNS64, RFC 6147): an A query whose answer has no A record
 * (empty, or a CNAME chain without one) is answered with an A record synthesized from the
 * name's AAAA record, mapped to an address of dnsNat46Ipv4Subnet; the CNAME chain is kept.
 * Everything else passes through unchanged. PTR queries for the subnet answer the mapped name.
 *
 * Transport: UDP and TCP on every dnsListen address (RFC 7766 framing, several queries per
 * connection), EDNS0 (the client's payload size decides truncation; a truncated answer
 * makes the client retry over TCP). Answers are cached by question (name, type, class,
 * EDNS, DO, CD) with their TTLs counted down; the hot path (a name already mapped) is one
 * parse of the question and one copy of the cached answer.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import {
  aaaaText,
  aRdata,
  buildQuery,
  buildResponse,
  CLASS_IN,
  DnsFormatError,
  encodeName,
  errorResponse,
  FLAG_AA,
  FLAG_AD,
  FLAG_CD,
  FLAG_QR,
  FLAG_RA,
  FLAG_RD,
  FLAG_TC,
  parseMessage,
  POINTER_TO_QNAME,
  RCODE_FORMERR,
  RCODE_NOERROR,
  RCODE_NXDOMAIN,
  RCODE_REFUSED,
  RCODE_SERVFAIL,
  readName,
  TYPE_A,
  TYPE_AAAA,
  TYPE_CNAME,
  TYPE_PTR,
  type DnsMessage,
  type Question,
  type RecordOut,
  type ResourceRecord,
} from './dns-codec.js';
import type { EgressConfig } from './config.js';
import { ExhaustedError, type Mapping, type MappingStore } from './mappings.js';
import type { EgressMetrics } from './metrics.js';
import { Upstreams } from './upstream.js';
import { log } from '../observe/events.js';

/** Our advertised EDNS payload size (the DNS flag day 2020 value). */
const OUR_UDP_SIZE = 1232;
/** Cap on how long an answer without TTLs (or a negative one) stays cached. */
const NEGATIVE_CACHE_S = 30;
const RCODE_NOTIMP = 4;

interface CacheEntry {
  packet: Buffer;
  /** Offsets of every TTL in the packet, and the TTLs as stored. */
  ttlOffsets: number[];
  ttls: number[];
  storedAt: number;
  expiresAt: number;
  /** The synthesized answer's mapping (a cache hit is a DNS hit: it renews the lease). */
  mapping: Mapping | null;
}

export interface DnsAnswerer {
  /** The answer to a query packet, or null to drop it. */
  answer(packet: Buffer, client: string, overTcp: boolean): Promise<Buffer | null>;
}

export class Dns46 implements DnsAnswerer {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly upstreams: Upstreams;
  private readonly ptrSuffix: string;
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private udpSockets: dgram.Socket[] = [];
  private tcpServers: net.Server[] = [];
  private readonly tcpClients = new Set<net.Socket>();
  private sweepTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly cfg: EgressConfig,
    private readonly mappings: MappingStore,
    private readonly metrics: EgressMetrics,
  ) {
    this.upstreams = new Upstreams(cfg.nameServerList, cfg.upstreamTimeoutMs, metrics);
    this.ptrSuffix = '.in-addr.arpa';
  }

  // ---- transport ----

  /** Listen on every dnsListen address (UDP and TCP on the same port). Returns the bound ports. */
  async listen(): Promise<{ host: string; port: number }[]> {
    const bound: { host: string; port: number }[] = [];
    for (const { host, port } of this.cfg.dnsListen) {
      // Port 0 (tests): the UDP port the kernel picks may be taken for TCP; pick again then.
      for (let attempt = 0; ; attempt++) {
        try {
          bound.push(await this.listenOne(host, port));
          break;
        } catch (e) {
          if (port !== 0 || attempt >= 10 || !/EADDRINUSE/.test((e as Error).message)) throw e;
        }
      }
    }
    this.sweepTimer = setInterval(() => this.sweep(), 10_000);
    this.sweepTimer.unref();
    return bound;
  }

  private async listenOne(host: string, port: number): Promise<{ host: string; port: number }> {
    const udp = dgram.createSocket({ type: net.isIPv6(host) ? 'udp6' : 'udp4', reuseAddr: false });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(port, host, () => {
        udp.off('error', reject);
        resolve();
      });
    }).catch((e: NodeJS.ErrnoException) => {
      throw new Error(`dnsListen ${host}:${port}: cannot listen on UDP: ${e.code ?? e.message}`);
    });
    const actual = udp.address().port;
    const tcp = net.createServer((s) => this.onTcp(s));
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen({ host, port: actual }, () => {
        tcp.off('error', reject);
        resolve();
      });
    }).catch((e: NodeJS.ErrnoException) => {
      udp.close();
      throw new Error(`dnsListen ${host}:${actual}: cannot listen on TCP: ${e.code ?? e.message}`);
    });
    udp.on('error', (err) => log('warn', 'egress DNS UDP socket error', { error: err.message }));
    udp.on('message', (msg, rinfo) => this.onUdp(udp, msg, rinfo));
    this.udpSockets.push(udp);
    this.tcpServers.push(tcp);
    log('info', 'egress DNS listening', { host, port: actual });
    return { host, port: actual };
  }

  private onUdp(sock: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    this.answer(msg, rinfo.address, false).then(
      (out) => {
        if (out) sock.send(out, rinfo.port, rinfo.address);
      },
      (err) => log('error', 'egress DNS answer failed', { error: (err as Error).message }),
    );
  }

  private onTcp(s: net.Socket): void {
    this.tcpClients.add(s);
    let buf = Buffer.alloc(0);
    s.setTimeout(10_000, () => s.destroy());
    s.on('error', () => s.destroy());
    s.on('close', () => this.tcpClients.delete(s));
    s.on('data', (d) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        this.answer(msg, s.remoteAddress ?? '', true).then(
          (out) => {
            if (!out || s.destroyed) return;
            const len2 = Buffer.alloc(2);
            len2.writeUInt16BE(out.length);
            s.write(Buffer.concat([len2, out]));
          },
          (err) => log('error', 'egress DNS answer failed', { error: (err as Error).message }),
        );
      }
    });
  }

  async close(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const u of this.udpSockets) u.close();
    for (const c of this.tcpClients) c.destroy();
    await Promise.all(this.tcpServers.map((t) => new Promise((r) => t.close(r))));
    this.upstreams.close();
  }

  // ---- answering ----

  private rateLimited(client: string): boolean {
    const rate = this.cfg.dnsRateLimit;
    if (rate <= 0) return false;
    const now = Date.now();
    let b = this.buckets.get(client);
    if (!b) this.buckets.set(client, (b = { tokens: rate, at: now }));
    b.tokens = Math.min(rate, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    if (b.tokens < 1) return true;
    b.tokens -= 1;
    return false;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [k, e] of this.cache) if (e.expiresAt <= now) this.cache.delete(k);
    for (const [k, b] of this.buckets) if (now - b.at > 60_000) this.buckets.delete(k);
  }

  async answer(packet: Buffer, client: string, overTcp: boolean): Promise<Buffer | null> {
    this.metrics.queries.inc();
    if (overTcp) this.metrics.queriesTcp.inc();
    let msg: DnsMessage;
    try {
      msg = parseMessage(packet);
    } catch (e) {
      if (!(e instanceof DnsFormatError)) throw e;
      this.metrics.malformed.inc();
      // Answer FORMERR only to something that looks like a query; drop the rest.
      return packet.length >= 12 && (packet.readUInt16BE(2) & FLAG_QR) === 0 ? errorResponse(packet, RCODE_FORMERR, null, null) : null;
    }
    if (msg.flags & FLAG_QR) {
      this.metrics.malformed.inc();
      return null;
    }
    const edns = msg.edns ? { udpSize: OUR_UDP_SIZE } : null;
    if (msg.questions.length !== 1) {
      this.metrics.malformed.inc();
      return errorResponse(packet, RCODE_FORMERR, null, null);
    }
    const q = msg.questions[0]!;
    if ((msg.flags >> 11) & 0xf) return errorResponse(packet, RCODE_NOTIMP, q, edns);
    if (this.rateLimited(client)) {
      this.metrics.rateLimited.inc();
      return errorResponse(packet, RCODE_REFUSED, q, edns);
    }
    const limit = overTcp ? 65535 : msg.edns ? Math.max(512, Math.min(msg.edns.udpSize, 65535)) : 512;
    const key = `${q.type}/${q.class}/${msg.edns ? (msg.edns.do ? 2 : 1) : 0}/${msg.flags & FLAG_CD ? 1 : 0}/${q.name}`;
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && hit.expiresAt > now) {
      this.metrics.cacheHits.inc();
      if (hit.mapping) {
        this.metrics.synthesized.inc();
        if (hit.mapping.expiresAt - now < this.cfg.leaseIdleSeconds * 500) void this.mappings.renew(hit.mapping, false);
      }
      return this.fit(this.fromCache(hit, packet, q, now), packet, q, edns, limit);
    }
    let out: Buffer;
    try {
      out = await this.resolve(packet, msg, q, key, edns);
    } catch (e) {
      this.metrics.servfail.inc();
      log('warn', 'egress DNS SERVFAIL', { name: q.name, type: q.type, error: (e as Error).message });
      return errorResponse(packet, RCODE_SERVFAIL, q, edns);
    }
    return this.fit(out, packet, q, edns, limit);
  }

  /** A UDP answer larger than the client's buffer becomes a truncated one (TC): it retries over TCP. */
  private fit(out: Buffer, query: Buffer, q: Question, edns: { udpSize: number } | null, limit: number): Buffer {
    if (out.length <= limit) return out;
    return buildResponse(query, q, out.readUInt16BE(2) | FLAG_TC, [], edns);
  }

  private fromCache(e: CacheEntry, query: Buffer, q: Question, now: number): Buffer {
    const out = Buffer.allocUnsafe(e.packet.length);
    e.packet.copy(out);
    query.copy(out, 0, 0, 2);
    // The client's spelling of the name (0x20 case randomization), same length by construction.
    query.copy(out, 12, q.start, q.end);
    const elapsed = Math.floor((now - e.storedAt) / 1000);
    if (elapsed > 0) for (let i = 0; i < e.ttlOffsets.length; i++) out.writeUInt32BE(Math.max(0, e.ttls[i]! - elapsed), e.ttlOffsets[i]!);
    return out;
  }

  private store(key: string, packet: Buffer, ttlS: number, mapping: Mapping | null): void {
    if (this.cfg.dnsCacheSize === 0 || ttlS <= 0) return;
    if (this.cache.size >= this.cfg.dnsCacheSize) {
      // Drop the oldest entry (Map keeps insertion order).
      const first = this.cache.keys().next().value;
      if (first !== undefined) this.cache.delete(first);
    }
    let msg: DnsMessage;
    try {
      msg = parseMessage(packet);
    } catch {
      return;
    }
    const recs = [...msg.answers, ...msg.authority, ...msg.additional.filter((r) => r.type !== 41)];
    const now = Date.now();
    this.cache.delete(key);
    this.cache.set(key, {
      packet,
      ttlOffsets: recs.map((r) => r.ttlOffset),
      ttls: recs.map((r) => r.ttl),
      storedAt: now,
      expiresAt: now + ttlS * 1000,
      mapping,
    });
  }

  private async resolve(packet: Buffer, msg: DnsMessage, q: Question, key: string, edns: { udpSize: number } | null): Promise<Buffer> {
    if (q.type === TYPE_PTR && q.class === CLASS_IN) {
      const index = this.ptrIndex(q.name);
      if (index !== null) return this.answerPtr(packet, msg, q, index, edns);
    }
    const upstream = await this.upstreams.query(packet);
    if (q.type === TYPE_A && q.class === CLASS_IN && this.cfg.dnsNat46Enabled) {
      const synthesized = await this.maybeSynthesize(packet, msg, q, upstream, edns, key);
      if (synthesized) return synthesized;
    }
    this.metrics.passthrough.inc();
    this.store(key, upstream, cacheTtl(upstream), null);
    return upstream;
  }

  /** The subnet index of a full in-addr.arpa name inside the subnet, else null. */
  private ptrIndex(name: string): number | null {
    if (!name.endsWith(this.ptrSuffix)) return null;
    const parts = name.slice(0, -this.ptrSuffix.length).split('.');
    if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return null;
    const n = ((Number(parts[3]) << 24) | (Number(parts[2]) << 16) | (Number(parts[1]) << 8) | Number(parts[0])) >>> 0;
    return this.cfg.subnet.indexOf(n);
  }

  private async answerPtr(packet: Buffer, msg: DnsMessage, q: Question, index: number, edns: { udpSize: number } | null): Promise<Buffer> {
    const m = await this.mappings.byIndexLookup(index);
    const flags = FLAG_QR | FLAG_AA | FLAG_RA | (msg.flags & (FLAG_RD | FLAG_CD));
    this.metrics.ptrAnswers.inc();
    if (!m?.name) return buildResponse(packet, q, flags | RCODE_NXDOMAIN, [], edns);
    const ttl = Math.max(0, Math.min(this.cfg.maxDNS46TTL, Math.floor((m.expiresAt - Date.now()) / 1000)));
    return buildResponse(packet, q, flags | RCODE_NOERROR, [{ owner: POINTER_TO_QNAME, type: TYPE_PTR, ttl, rdata: encodeName(m.name) }], edns);
  }

  /**
   * RFC 6147 §5.1.1 mirrored: synthesize only when the A answer is NOERROR without an A
   * record at the end of the chain; the AAAA answer decides the address.
   */
  private async maybeSynthesize(packet: Buffer, msg: DnsMessage, q: Question, upstream: Buffer, edns: { udpSize: number } | null, key: string): Promise<Buffer | null> {
    let a: DnsMessage;
    try {
      a = parseMessage(upstream);
    } catch {
      return null;
    }
    if ((a.flags & 0xf) !== RCODE_NOERROR || a.answers.some((r) => r.type === TYPE_A && r.class === CLASS_IN)) return null;
    // The CNAME chain from the question name, as the upstream gave it.
    const chain: { owner: string; target: string; ttl: number }[] = [];
    let end = q.name;
    for (let i = 0; i < 16; i++) {
      const c = a.answers.find((r) => r.type === TYPE_CNAME && r.name === end);
      if (!c) break;
      const target = readName(upstream, c.rdataOffset)[0];
      chain.push({ owner: end, target, ttl: c.ttl });
      end = target;
    }
    // The AAAA at the end of the chain. An upstream that does not chase CNAMEs (unbound's
    // local data, some authoritative setups) leaves the chain open: ask again for its end,
    // checking that the new end has no A record either.
    const cd = (msg.flags & FLAG_CD) !== 0;
    let end6 = end;
    let rec: ResourceRecord | undefined;
    let aaaaPacket: Buffer = upstream;
    for (let hop = 0; hop < 8 && !rec; hop++) {
      if (hop > 0 || (chain.length > 0 && !a.answers.some((r) => r.name === end))) {
        const again = parseMessage(await this.upstreams.query(buildQuery(0, end6, TYPE_A, { edns: OUR_UDP_SIZE, cd })));
        if (again.answers.some((r) => r.type === TYPE_A && r.class === CLASS_IN)) return null;
      }
      aaaaPacket = await this.upstreams.query(buildQuery(0, end6, TYPE_AAAA, { edns: OUR_UDP_SIZE, cd }));
      const aaaa = parseMessage(aaaaPacket);
      if ((aaaa.flags & 0xf) !== RCODE_NOERROR) return null;
      const before = end6;
      for (let i = 0; i < 16; i++) {
        const c = aaaa.answers.find((r) => r.type === TYPE_CNAME && r.name === end6);
        if (!c) break;
        const target = readName(aaaaPacket, c.rdataOffset)[0];
        if (chain.some((x) => x.owner === target)) return null; // a loop
        chain.push({ owner: end6, target, ttl: c.ttl });
        end6 = target;
      }
      rec = aaaa.answers.find((r) => r.type === TYPE_AAAA && r.class === CLASS_IN && r.name === end6 && r.rdataLength === 16);
      if (!rec && end6 === before) return null;
    }
    if (!rec) return null;
    const v6 = aaaaText(aaaaPacket, rec.rdataOffset);
    const flags = FLAG_QR | FLAG_RA | (msg.flags & (FLAG_RD | FLAG_CD));
    let mapping: Mapping;
    try {
      mapping = await this.mappings.resolve(v6, end6);
    } catch (e) {
      if (e instanceof ExhaustedError && this.cfg.dnsNat46SorryIp !== 'SERVFAIL') {
        const ttl = Math.min(this.cfg.maxDNS46TTL, NEGATIVE_CACHE_S);
        return buildResponse(packet, q, flags, [...chainRecords(chain, q.name), { owner: ownerName(end6, q.name), type: TYPE_A, ttl, rdata: aRdata(this.cfg.dnsNat46SorryIp) }], edns);
      }
      throw e;
    }
    const leaseLeft = mapping.expiresAt === Infinity ? Infinity : Math.floor((mapping.expiresAt - Date.now()) / 1000);
    const ttl = Math.max(0, Math.min(rec.ttl, this.cfg.maxDNS46TTL, leaseLeft));
    // No AD: the synthesized record was never validated (RFC 6147 §5.5 mirrored).
    const out = buildResponse(packet, q, flags & ~FLAG_AD, [...chainRecords(chain, q.name), { owner: ownerName(end6, q.name), type: TYPE_A, ttl, rdata: aRdata(mapping.ipv4) }], edns);
    this.metrics.synthesized.inc();
    this.store(key, out, ttl, mapping);
    return out;
  }
}

function ownerName(name: string, qname: string): Buffer {
  return name === qname ? POINTER_TO_QNAME : encodeName(name);
}

function chainRecords(chain: { owner: string; target: string; ttl: number }[], qname: string): RecordOut[] {
  return chain.map((c) => ({ owner: ownerName(c.owner, qname), type: TYPE_CNAME, ttl: c.ttl, rdata: encodeName(c.target) }));
}

/** How long a passthrough answer may be cached: its smallest TTL (negative answers: capped). */
function cacheTtl(packet: Buffer): number {
  let msg: DnsMessage;
  try {
    msg = parseMessage(packet);
  } catch {
    return 0;
  }
  const rcode = msg.flags & 0xf;
  if (rcode !== RCODE_NOERROR && rcode !== RCODE_NXDOMAIN) return 0;
  if (msg.flags & FLAG_TC) return 0;
  const recs = [...msg.answers, ...msg.authority].filter((r) => r.type !== 41);
  if (recs.length === 0) return 0;
  const min = Math.min(...recs.map((r) => r.ttl));
  return msg.answers.length === 0 ? Math.min(min, NEGATIVE_CACHE_S) : min;
}
