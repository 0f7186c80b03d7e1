/**
 * IPv4 ↔ IPv6 mappings in the dssm store, shared by every gateway.
 *
 * Key layout (P = store.prefix, default "egress"; see docs/egress.md):
 *
 *   P:v6:<ipv6>     → "<index>"                        forward map, one per IPv6 address
 *   P:v4:<index>    → "<ipv6> <createdMs> <name>"      reverse map, one per subnet address
 *   P:cursor        → INCR counter: where the next allocation probes
 *
 * Both map keys of a mapping carry the same PEXPIREAT, the lease end; the store's own expiry
 * reclaims a lease, so nothing ever scans. Lookups are one GET either way.
 *
 * Allocation (no scripting in the store): INCR the cursor to pick a candidate index, then
 * WATCH both keys, check the IPv6 address is still unmapped and the index free, and
 * MULTI SET v4 / SET v6 EXEC. A concurrent allocation of the same IPv6 address or the same
 * index aborts the EXEC and the loser retries (finding the winner's mapping, or probing the
 * next index). So each index holds at most one IPv6 address and each IPv6 address at most
 * one index: the maps are a bijection at every instant. With sentinels the gateway WAITs
 * for a replica before answering, so an answer a client received survives a failover.
 *
 * Leases: idle (renewed by DNS hits and open flows) and absolute (from creation; DNS hits
 * never extend past it, open flows do: a lease is never reclaimed while a flow is open).
 */
import type { Redis } from 'ioredis';
import { formatIpv4 } from './addr.js';
import type { EgressConfig } from './config.js';
import { canonicalIpv6 } from './config.js';
import { StoreUnavailableError, type StorePool } from './store.js';

export { StoreUnavailableError };
import type { EgressMetrics } from './metrics.js';
import { log } from '../observe/events.js';

export interface Mapping {
  index: number;
  ipv4: string;
  ipv6: string;
  name: string;
  createdMs: number;
  /** Lease end (ms since epoch); Infinity for static mappings. */
  expiresAt: number;
}

export class ExhaustedError extends Error {
  constructor() {
    super('the synthesized IPv4 subnet is exhausted');
  }
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new StoreUnavailableError(`${what}: the store did not answer within ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e) => (clearTimeout(t), reject(e)),
    );
  });

export class MappingStore {
  private readonly byV6 = new Map<string, Mapping>();
  private readonly byIndex = new Map<number, Mapping>();
  /** IPv6 addresses whose allocation is in flight here: concurrent queries share it. */
  private readonly pending = new Map<string, Promise<Mapping>>();
  private readonly renewing = new Set<number>();
  readonly prefix: string;
  private readonly idleMs: number;
  private readonly maxMs: number;
  private readonly reserved: number;
  private readonly dynamicSize: number;
  /** Bound on how long a store operation may wait (e.g. during a failover). */
  opTimeoutMs = 5000;

  constructor(
    private readonly cfg: EgressConfig,
    private readonly pool: StorePool,
    private readonly metrics: EgressMetrics,
  ) {
    this.prefix = cfg.store.prefix;
    this.idleMs = cfg.leaseIdleSeconds * 1000;
    this.maxMs = cfg.leaseMaxSeconds * 1000;
    this.reserved = cfg.maxReservedStaticIps;
    this.dynamicSize = cfg.subnet.size - this.reserved;
    for (const m of cfg.staticMappings) {
      const index = cfg.subnet.indexOf(ipv4ToNumber(m.ipv4))!;
      this.remember({ index, ipv4: m.ipv4, ipv6: canonicalIpv6(m.ipv6), name: '', createdMs: 0, expiresAt: Infinity });
    }
  }

  v6Key(v6: string): string {
    return `${this.prefix}:v6:${v6}`;
  }
  v4Key(index: number): string {
    return `${this.prefix}:v4:${index}`;
  }

  /** Write the static mappings (no expiry). Idempotent; run at start. */
  async installStatic(): Promise<void> {
    const tx = this.pool.main.multi();
    for (const m of this.byIndex.values()) if (m.expiresAt === Infinity) tx.set(this.v4Key(m.index), `${m.ipv6} 0 `).set(this.v6Key(m.ipv6), String(m.index));
    await withTimeout(tx.exec(), this.opTimeoutMs, 'writing static mappings');
  }

  private remember(m: Mapping): Mapping {
    const old = this.byIndex.get(m.index);
    if (old && old.ipv6 !== m.ipv6) this.byV6.delete(old.ipv6);
    const oldV6 = this.byV6.get(m.ipv6);
    if (oldV6 && oldV6.index !== m.index) this.byIndex.delete(oldV6.index);
    this.byV6.set(m.ipv6, m);
    this.byIndex.set(m.index, m);
    return m;
  }

  private forget(m: Mapping): void {
    if (this.byV6.get(m.ipv6) === m) this.byV6.delete(m.ipv6);
    if (this.byIndex.get(m.index) === m) this.byIndex.delete(m.index);
  }

  /** A cached mapping that is still leased (the hot path: no store round trip). */
  cachedByV6(v6: string, now = Date.now()): Mapping | undefined {
    const m = this.byV6.get(v6);
    return m && m.expiresAt > now ? m : undefined;
  }

  private parse(index: number, value: string, pttl: number, now: number): Mapping | null {
    const sp1 = value.indexOf(' ');
    const sp2 = value.indexOf(' ', sp1 + 1);
    if (sp1 < 0 || sp2 < 0) return null;
    return {
      index,
      ipv4: formatIpv4(this.cfg.subnet.address(index)),
      ipv6: value.slice(0, sp1),
      createdMs: Number(value.slice(sp1 + 1, sp2)),
      name: value.slice(sp2 + 1),
      expiresAt: pttl === -1 ? Infinity : now + pttl,
    };
  }

  /** The mapping of a subnet index: local cache first, else one GET (+PTTL) on the store. */
  async byIndexLookup(index: number): Promise<Mapping | null> {
    const now = Date.now();
    const cached = this.byIndex.get(index);
    if (cached && cached.expiresAt > now) return cached;
    try {
      const r = await withTimeout(this.pool.main.multi().get(this.v4Key(index)).pttl(this.v4Key(index)).exec(), this.opTimeoutMs, 'reverse lookup');
      const value = r?.[0]?.[1] as string | null;
      const pttl = r?.[1]?.[1] as number;
      if (value === null || value === undefined || pttl === -2) {
        if (cached) this.forget(cached);
        return null;
      }
      const m = this.parse(index, value, pttl, now);
      return m ? this.remember(m) : null;
    } catch (e) {
      // During a store failover a cached mapping keeps serving even past its lease end.
      if (cached) return cached;
      throw e;
    }
  }

  /** The mapping of an IPv6 address, if any (no allocation). */
  async byV6Lookup(v6: string): Promise<Mapping | null> {
    const now = Date.now();
    const cached = this.cachedByV6(v6, now);
    if (cached) return cached;
    const idx = await withTimeout(this.pool.main.get(this.v6Key(v6)), this.opTimeoutMs, 'forward lookup');
    if (idx === null) return null;
    return this.byIndexLookup(Number(idx));
  }

  /**
   * The mapping of `v6`, allocating one if needed. Renews the lease (a DNS hit). Throws
   * ExhaustedError or StoreUnavailableError.
   */
  async resolve(v6: string, name: string): Promise<Mapping> {
    const now = Date.now();
    const cached = this.cachedByV6(v6, now);
    if (cached) {
      if (cached.expiresAt - now < this.idleMs / 2) this.renew(cached, false);
      return cached;
    }
    let p = this.pending.get(v6);
    if (!p) {
      p = this.allocate(v6, name).finally(() => this.pending.delete(v6));
      this.pending.set(v6, p);
    }
    return p;
  }

  private async allocate(v6: string, name: string): Promise<Mapping> {
    const start = Date.now();
    try {
      return await this.pool.withConnection((c) => this.allocateOn(c, v6, name), this.opTimeoutMs);
    } catch (e) {
      // The store may be failing over: a mapping we knew keeps serving.
      const stale = this.byV6.get(v6);
      if (stale && !(e instanceof ExhaustedError)) return stale;
      throw e;
    } finally {
      this.metrics.allocationSeconds.observe((Date.now() - start) / 1000);
    }
  }

  private async allocateOn(c: Redis, v6: string, name: string): Promise<Mapping> {
    const v6k = this.v6Key(v6);
    let probes = 0;
    for (;;) {
      const now = Date.now();
      // One round trip: watch the IPv6 key, read it (already mapped by any gateway?), and
      // take the next candidate index from the shared cursor.
      const [[, existing], [, cursor]] = ((await c.pipeline().watch(v6k).get(v6k).incr(`${this.prefix}:cursor`).exec()) ?? []).slice(1) as [[null, string | null], [null, number]];
      if (existing !== null) {
        await c.unwatch();
        const m = await this.byIndexLookup(Number(existing));
        if (m && m.ipv6 === v6) {
          if (m.expiresAt - now < this.idleMs / 2) await this.renew(m, false);
          return m;
        }
        // A forward key whose reverse key is gone or names another address (a lease ending
        // just now): count it as a probe so that this loop always ends.
        if (++probes > this.cfg.allocationProbes) throw new StoreUnavailableError(`inconsistent mapping for ${v6}`);
        continue;
      }
      if (probes >= this.cfg.allocationProbes) {
        await c.unwatch();
        this.metrics.exhausted.inc();
        log('warn', 'egress subnet exhausted', { ipv6: v6, name, probes });
        throw new ExhaustedError();
      }
      probes++;
      const index = this.reserved + (cursor % this.dynamicSize);
      const v4k = this.v4Key(index);
      // Watch the candidate too (WATCH adds to the watched set), then see if it is free.
      const [, [, taken]] = (await c.pipeline().watch(v4k).exists(v4k).exec()) as [unknown, [null, number]];
      if (taken === 1) {
        await c.unwatch();
        continue;
      }
      // EXEC aborts (null) when either key changed since WATCH (another gateway won a race).
      // NX as well: should the connection have been replaced between WATCH and EXEC (a
      // failover), the WATCH is gone, and NX still keeps us from overwriting anyone.
      const expiresAt = now + Math.min(this.idleMs, this.maxMs);
      const value = `${v6} ${now} ${name}`;
      const done = await c.multi().set(v4k, value, 'PXAT', expiresAt, 'NX').set(v6k, String(index), 'PXAT', expiresAt, 'NX').exec();
      if (done === null) {
        probes--;
        continue;
      }
      const [[, set4], [, set6]] = done as [[null, string | null], [null, string | null]];
      if (set4 !== 'OK' || set6 !== 'OK') {
        // Half applied (only possible without the WATCH): undo our half, then look again.
        if (set4 === 'OK') await this.undoClaim(c, v4k, value);
        if (set6 === 'OK') await this.undoClaim(c, v6k, String(index));
        continue;
      }
      if (this.cfg.store.waitReplicas > 0) {
        const acked = (await c.wait(this.cfg.store.waitReplicas, this.cfg.store.waitTimeoutMs)) as number;
        if (acked < this.cfg.store.waitReplicas) {
          // Not on a replica yet: answering could hand out a mapping a failover loses.
          this.metrics.storeErrors.inc();
          throw new StoreUnavailableError(`new mapping acknowledged by ${acked} of ${this.cfg.store.waitReplicas} replicas`);
        }
      }
      this.metrics.allocations.inc();
      const m = this.remember({ index, ipv4: formatIpv4(this.cfg.subnet.address(index)), ipv6: v6, name, createdMs: now, expiresAt });
      log('debug', 'egress mapping allocated', { ipv4: m.ipv4, ipv6: v6, name });
      return m;
    }
  }

  /** Delete `key` only while it still holds `value` (WATCH, compare, MULTI DEL EXEC). */
  private async undoClaim(c: Redis, key: string, value: string): Promise<void> {
    await c.watch(key);
    if ((await c.get(key)) === value) await c.multi().del(key).exec();
    else await c.unwatch();
  }

  /**
   * Extend a lease. A DNS hit extends it by the idle lifetime, never past the absolute one;
   * an open flow (`flow` true) extends it regardless, so a lease never ends under a flow.
   */
  async renew(m: Mapping, flow: boolean): Promise<void> {
    if (m.expiresAt === Infinity || this.renewing.has(m.index)) return;
    const now = Date.now();
    const target = flow ? now + this.idleMs : Math.min(now + this.idleMs, m.createdMs + this.maxMs);
    if (target <= m.expiresAt) return;
    this.renewing.add(m.index);
    try {
      // Only while the reverse key still names this IPv6 address (WATCH would need a
      // transaction connection; a lease that expired meanwhile is simply not renewed:
      // PEXPIREAT on a missing key does nothing).
      const r = await withTimeout(this.pool.main.multi().pexpireat(this.v4Key(m.index), target).pexpireat(this.v6Key(m.ipv6), target).exec(), this.opTimeoutMs, 'lease renewal');
      if (r?.[0]?.[1] === 1) m.expiresAt = target;
      else this.forget(m);
    } catch (e) {
      this.metrics.storeErrors.inc();
      log('warn', 'egress lease renewal failed', { ipv4: m.ipv4, error: (e as Error).message });
    } finally {
      this.renewing.delete(m.index);
    }
  }

  /** Delete a mapping (operator command). */
  async delete(m: Mapping): Promise<void> {
    await this.pool.main.multi().del(this.v4Key(m.index)).del(this.v6Key(m.ipv6)).exec();
    this.forget(m);
  }
}

export function ipv4ToNumber(s: string): number {
  const p = s.split('.').map(Number);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}
