/**
 * Allocation across gateways: four gateways (each its own connections and local cache)
 * resolve the same IPv6 addresses concurrently against one store; the forward and reverse
 * maps must form a bijection, no address handed out twice, and every answer a gateway gave
 * must match the store. Then the same with a sentinel deployment of dssm data nodes whose
 * primary is killed with SIGKILL mid-run.
 *
 * Sizes: EGRESS_ALLOC_NAMES (default 10000 on one node; 100000 is the figure, run with EGRESS_ALLOC_NAMES=100000 and a longer --test-timeout) and EGRESS_FAILOVER_NAMES
 * (default 4000 with the failover) keep the CI time modest; each name is resolved by two
 * gateways so every allocation races with another one.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { canonicalIpv6, validateEgressConfig } from '../../src/egress/config.js';
import { MappingStore, type Mapping } from '../../src/egress/mappings.js';
import { EgressMetrics } from '../../src/egress/metrics.js';
import { StorePool, storeOptions } from '../../src/egress/store.js';
import { startDssmProcess, type ChildServer } from '../helpers/servers.js';
import { startGroup, startSentinels, until, MASTER_NAME, type Group, type SentinelGroup } from '../integration/sentinel-faults-fixture.js';

const NAMES = Number(process.env.EGRESS_ALLOC_NAMES ?? 10_000);
const FAILOVER_NAMES = Number(process.env.EGRESS_FAILOVER_NAMES ?? 4_000);

const v6Of = (i: number) => canonicalIpv6(`fd00:5::${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}`);

interface Gateway {
  store: MappingStore;
  pool: StorePool;
  answers: Map<string, string>;
}

function makeGateway(store: Record<string, unknown>): Gateway {
  const cfg = validateEgressConfig({ store, dnsNat46Ipv4Subnet: '10.64.0.0/14', nameServerList: ['127.0.0.1:53'], leaseIdleSeconds: 3600, leaseMaxSeconds: 7200 });
  const pool = new StorePool(storeOptions(cfg.store), 4);
  const ms = new MappingStore(cfg, pool, new EgressMetrics());
  return { store: ms, pool, answers: new Map() };
}

/** Each gateway resolves names[from..from+count) (wrapping), `workers` at a time; failures are retried as a DNS client would. */
async function drive(gw: Gateway, total: number, from: number, count: number, onProgress?: (n: number) => void): Promise<void> {
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < count) {
      const i = (from + next++) % total;
      const v6 = v6Of(i);
      for (let attempt = 0; ; attempt++) {
        try {
          const m: Mapping = await gw.store.resolve(v6, `n${i}.test`);
          const prev = gw.answers.get(v6);
          if (prev !== undefined) assert.equal(m.ipv4, prev, `gateway changed its answer for ${v6}`);
          gw.answers.set(v6, m.ipv4);
          break;
        } catch (e) {
          if (attempt > 200) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      onProgress?.(++done);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

/** Read both maps from the store (SCAN: a test's audit) and check they are a bijection. */
async function auditBijection(r: Redis, expected: number): Promise<Map<string, string>> {
  const read = async (pattern: string) => {
    const out = new Map<string, string>();
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', pattern, 'COUNT', 5000);
      cursor = next;
      if (keys.length) {
        const values = await r.mget(...keys);
        keys.forEach((k, i) => out.set(k.slice(k.indexOf(':', 'egress:'.length) + 1), values[i]!));
      }
    } while (cursor !== '0');
    return out;
  };
  const v4 = await read('egress:v4:*');
  const v6 = await read('egress:v6:*');
  assert.equal(v6.size, expected, 'forward map size');
  assert.equal(v4.size, expected, 'reverse map size');
  const seen = new Set<string>();
  const byV6 = new Map<string, string>();
  for (const [index, value] of v4) {
    const addr = value.split(' ')[0]!;
    assert.ok(!seen.has(addr), `${addr} holds two addresses`);
    seen.add(addr);
    assert.equal(v6.get(addr), index, `forward and reverse maps disagree for ${addr}`);
    const n = 0x0a400000 + 1 + Number(index);
    byV6.set(addr, `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`);
  }
  return byV6;
}

function checkAnswers(gateways: Gateway[], truth: Map<string, string>): void {
  for (const gw of gateways) for (const [v6, ipv4] of gw.answers) assert.equal(truth.get(v6), ipv4, `an answer given for ${v6} no longer maps the same way`);
}

describe('egress allocation across gateways', () => {
  const cleanup: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => {});
  });

  it(`four gateways allocating for ${NAMES} names against one store form a bijection`, async () => {
    const node: ChildServer = await startDssmProcess(['--save', '', '--appendonly', 'no']);
    cleanup.push(async () => void (await node.stop('SIGKILL')));
    const gws = Array.from({ length: 4 }, () => makeGateway({ url: `redis://127.0.0.1:${node.port}` }));
    cleanup.push(async () => void (await Promise.all(gws.map((g) => g.pool.close()))));
    // Gateway g resolves the half of the names starting at g/4: every name is asked of two gateways.
    await Promise.all(gws.map((g, k) => drive(g, NAMES, Math.floor((k * NAMES) / 4), Math.ceil(NAMES / 2))));
    const r = new Redis({ port: node.port, lazyConnect: true });
    await r.connect();
    cleanup.push(async () => void r.disconnect());
    const truth = await auditBijection(r, NAMES);
    checkAnswers(gws, truth);
  });

  it(`the primary killed (SIGKILL) mid-run: still a bijection, and every answer given still maps the same way (${FAILOVER_NAMES} names)`, async () => {
    const group: Group = await startGroup({ replicas: 2 });
    cleanup.push(() => group.stop());
    const sentinels: SentinelGroup = await startSentinels(group.nodes[0]!.port, { n: 3 });
    cleanup.push(() => sentinels.stop());
    const store = { sentinels: sentinels.ports.map((p) => `127.0.0.1:${p}`), master: MASTER_NAME, waitReplicas: 1 };
    const gws = Array.from({ length: 4 }, () => makeGateway(store));
    cleanup.push(async () => void (await Promise.all(gws.map((g) => g.pool.close()))));
    let progress = 0;
    let killed = false;
    const kill = async () => {
      await until('a third of the allocations', async () => progress >= FAILOVER_NAMES / 3, 120_000, 50);
      await group.nodes[0]!.kill('SIGKILL');
      killed = true;
    };
    await Promise.all([kill(), ...gws.map((g, k) => drive(g, FAILOVER_NAMES, Math.floor((k * FAILOVER_NAMES) / 4), Math.ceil(FAILOVER_NAMES / 2), () => progress++))]);
    assert.ok(killed);
    const primaryPort = await sentinels.masterAddr();
    assert.notEqual(primaryPort, group.nodes[0]!.port, 'the sentinels promoted the replica');
    const r = new Redis({ port: primaryPort, lazyConnect: true });
    await r.connect();
    cleanup.push(async () => void r.disconnect());
    const truth = await auditBijection(r, FAILOVER_NAMES);
    checkAnswers(gws, truth);
  });
});
