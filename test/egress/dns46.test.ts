/**
 * DNS46 as a client sees it (dig against a gateway on loopback, unbound as the upstream,
 * a dssm data node as the store): synthesis, CNAME chains, passthrough, PTR, TCP,
 * truncation, upstream failover, TTLs, exhaustion, expiry, rate limiting, malformed input.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { freePort, startDssm, type TestServer } from '../helpers/servers.js';
import { plain } from '../helpers/resp.js';
import { rng } from '../helpers/differential.js';
import { query, skipWithoutDnsTools, startGateway, startUnbound, type Unbound } from './fixtures.js';
import type { EgressGateway } from '../../src/egress/gateway.js';

const skip = skipWithoutDnsTools();
const reverseName = (ipv4: string) => `${ipv4.split('.').reverse().join('.')}.in-addr.arpa`;
if (skip) console.log(`# skipped: ${skip}`);

describe('dssm egress DNS46', { skip }, () => {
  let store: TestServer;
  let unbound: Unbound;
  const gateways: EgressGateway[] = [];
  const gateway = async (cfg: Record<string, unknown> = {}) => {
    const gw = await startGateway({
      store: { url: `redis://127.0.0.1:${store.port}`, prefix: `t${gateways.length}` },
      nameServerList: [`127.0.0.1:${unbound.port}`],
      ...cfg,
    });
    gateways.push(gw);
    return { gw, port: gw.dnsPorts[0]!.port };
  };

  before(async () => {
    store = await startDssm();
    unbound = await startUnbound({ port: await freePort() });
  });
  after(async () => {
    for (const g of gateways) await g.close();
    await unbound?.stop();
    await store?.stop();
  });

  it('answers an AAAA-only name with an A record from the subnet, recorded both ways in the store, without AD', async () => {
    const { port } = await gateway();
    const r = await query(port, 'v6only.test', 'A', ['+adflag']);
    assert.equal(r.status, 'NOERROR');
    assert.equal(r.answers.length, 1);
    const a = r.answers[0]!;
    assert.equal(a.type, 'A');
    assert.match(a.data, /^10\.46\.\d+\.\d+$/);
    assert.ok(a.ttl <= 120 && a.ttl > 0, `ttl ${a.ttl}`);
    assert.ok(!r.flags.includes('ad'));
    const c = await store.client();
    const idx = plain(await c.call('GET', 't0:v6:fd00:2::10')) as string;
    const [o1, o2, o3, o4] = a.data.split('.').map(Number);
    assert.equal(Number(idx), ((o1! << 24) | (o2! << 16) | (o3! << 8) | o4!) - ((10 << 24) | (46 << 16)) - 1);
    assert.match(plain(await c.call('GET', `t0:v4:${idx}`)) as string, /^fd00:2::10 \d+ v6only\.test$/);
    // The AAAA query itself passes through.
    const six = await query(port, 'v6only.test', 'AAAA');
    assert.deepEqual(
      six.answers.map((x) => x.data),
      ['fd00:2::10'],
    );
  });

  it('gives one IPv4 address per IPv6 address, whatever the name, and different ones to different addresses', async () => {
    const { port } = await gateway();
    const a = (await query(port, 'v6only.test')).answers[0]!.data;
    const b = (await query(port, 'same.test')).answers[0]!.data;
    const c = (await query(port, 'other.test')).answers[0]!.data;
    assert.equal(a, b);
    assert.notEqual(a, c);
  });

  it('keeps the CNAME chain in front of the synthesized record', async () => {
    const { port } = await gateway();
    const r = await query(port, 'alias2.test');
    assert.deepEqual(
      r.answers.map((x) => [x.name, x.type]),
      [
        ['alias2.test.', 'CNAME'],
        ['alias.test.', 'CNAME'],
        ['v6only.test.', 'A'],
      ],
    );
    assert.equal(r.answers[2]!.data, (await query(port, 'v6only.test')).answers[0]!.data);
  });

  it('passes names with A records, other types and NXDOMAIN through unchanged', async () => {
    const { port } = await gateway();
    assert.deepEqual(
      (await query(port, 'dual.test')).answers.map((x) => x.data),
      ['192.0.2.10'],
    );
    assert.deepEqual(
      (await query(port, 'txt.test', 'TXT')).answers.map((x) => x.data),
      ['"hello"'],
    );
    assert.equal((await query(port, 'nope.test')).status, 'NXDOMAIN');
  });

  it('answers PTR queries for the subnet with the mapped name, NXDOMAIN for a free address', async () => {
    const { port } = await gateway();
    const addr = (await query(port, 'other.test')).answers[0]!.data;
    const ptr = await query(port, reverseName(addr), 'PTR');
    assert.deepEqual(
      ptr.answers.map((x) => x.data),
      ['other.test.'],
    );
    assert.equal((await query(port, reverseName('10.46.255.254'), 'PTR')).status, 'NXDOMAIN');
  });

  it('answers over TCP as over UDP, and truncates a UDP answer too large for the client so it retries over TCP', async () => {
    const { port } = await gateway();
    const udp = await query(port, 'alias.test');
    const tcp = await query(port, 'alias.test', 'A', ['+tcp']);
    assert.deepEqual(
      tcp.answers.map((x) => x.data),
      udp.answers.map((x) => x.data),
    );
    const truncated = await query(port, 'big.test', 'TXT', ['+noedns', '+ignore']);
    assert.ok(truncated.flags.includes('tc'), `flags ${truncated.flags}`);
    const retried = await query(port, 'big.test', 'TXT', ['+noedns']);
    assert.equal(retried.answers.length, 12);
  });

  it('uses the TTL of the AAAA record when it is the smallest, and maxDNS46TTL otherwise', async () => {
    const { port } = await gateway({ maxDNS46TTL: 45 });
    assert.equal((await query(port, 'short.test')).answers[0]!.ttl, 30);
    assert.equal((await query(port, 'other.test')).answers[0]!.ttl, 45);
  });

  it('fails over to the next upstream when the first does not answer', async () => {
    const dead = await freePort();
    const { gw, port } = await gateway({ nameServerList: [`127.0.0.1:${dead}`, `127.0.0.1:${unbound.port}`], upstreamTimeoutMs: 300 });
    assert.match((await query(port, 'v6only.test')).answers[0]!.data, /^10\.46\./);
    assert.deepEqual(
      (await query(port, 'dual.test')).answers.map((x) => x.data),
      ['192.0.2.10'],
    );
    assert.ok(gw.metrics.upstreamFailures.value >= 1);
  });

  it('answers the sorry IP when the subnet is exhausted, or SERVFAIL when so configured', async () => {
    const { gw, port } = await gateway({ dnsNat46Ipv4Subnet: '10.47.0.0/30', dnsNat46SorryIp: '192.0.2.1', allocationProbes: 8 });
    const got = [(await query(port, 'v6only.test')).answers[0]!.data, (await query(port, 'other.test')).answers[0]!.data];
    assert.deepEqual(got.sort(), ['10.47.0.1', '10.47.0.2']);
    assert.equal((await query(port, 'short.test')).answers[0]!.data, '192.0.2.1');
    assert.ok(gw.metrics.exhausted.value >= 1);
    // The existing mappings keep answering.
    assert.ok(got.includes((await query(port, 'v6only.test')).answers[0]!.data));
    const sf = await gateway({ dnsNat46Ipv4Subnet: '10.47.0.0/30', allocationProbes: 8, store: { url: `redis://127.0.0.1:${store.port}`, prefix: 't8' } });
    await query(sf.port, 'v6only.test');
    await query(sf.port, 'other.test');
    assert.equal((await query(sf.port, 'short.test')).status, 'SERVFAIL');
  });

  it('reclaims an address when its lease ends and hands it out again', async () => {
    // Two addresses; the allocation cursor hands both out to the first two names.
    const { port } = await gateway({ dnsNat46Ipv4Subnet: '10.48.0.0/30', dnsNat46SorryIp: '192.0.2.1', leaseIdleSeconds: 1, leaseMaxSeconds: 1, dnsCacheSize: 0 });
    const first = [(await query(port, 'v6only.test')).answers[0]!.data, (await query(port, 'other.test')).answers[0]!.data];
    assert.deepEqual([...first].sort(), ['10.48.0.1', '10.48.0.2']);
    const c = await store.client();
    const prefix = `t${gateways.length - 1}`;
    for (let i = 0; ; i++) {
      if (plain(await c.call('EXISTS', `${prefix}:v4:0`, `${prefix}:v4:1`)) === 0) break;
      assert.ok(i < 300, 'leases did not expire');
      await new Promise((r) => setTimeout(r, 100));
    }
    // Both leases ended: a third address can only be one of the two, handed out again.
    const third = (await query(port, 'short.test')).answers[0]!.data;
    assert.ok(first.includes(third), third);
  });

  it('refuses queries beyond dnsRateLimit per client', async () => {
    const { gw, port } = await gateway({ dnsRateLimit: 3 });
    // A burst of 20 queries in one go from one client: the bucket holds 3.
    const sock = dgram.createSocket('udp4');
    const rcodes: number[] = [];
    const all = new Promise<void>((resolve) =>
      sock.on('message', (m) => {
        rcodes.push(m.readUInt16BE(2) & 0xf);
        if (rcodes.length === 20) resolve();
      }),
    );
    const q = Buffer.from('abcd01000001000000000000046475616c0474657374000001000100', 'hex'); // dual.test A
    for (let i = 0; i < 20; i++) sock.send(q, port, '127.0.0.1');
    await all;
    sock.close();
    assert.ok(rcodes.filter((r) => r === 5).length >= 10, `rcodes ${rcodes}`);
    assert.ok(rcodes.includes(0));
    assert.ok(gw.metrics.rateLimited.value >= 10);
  });

  it('survives malformed packets (dropped or FORMERR, counted) and keeps answering', async () => {
    const { gw, port } = await gateway();
    const sock = dgram.createSocket('udp4');
    const r = rng(1246);
    const valid = Buffer.from('abcd01000001000000000000076f746865720474657374000001000100', 'hex'); // other.test A
    for (let i = 0; i < 3000; i++) {
      let pkt: Buffer;
      if (i % 2) {
        pkt = Buffer.from(valid);
        for (let k = 0; k < 1 + Math.floor(r() * 4); k++) pkt[Math.floor(r() * pkt.length)] = Math.floor(r() * 256);
        if (r() < 0.3) pkt = pkt.subarray(0, Math.floor(r() * pkt.length));
      } else {
        pkt = Buffer.alloc(Math.floor(r() * 80));
        for (let k = 0; k < pkt.length; k++) pkt[k] = Math.floor(r() * 256);
        if (pkt.length > 3 && r() < 0.5) pkt[2] = pkt[2]! & 0x7f; // looks like a query
      }
      sock.send(pkt, port, '127.0.0.1');
      if (i % 200 === 0) await new Promise((res) => setTimeout(res, 10));
    }
    await new Promise((res) => setTimeout(res, 300));
    sock.close();
    assert.ok(gw.metrics.malformed.value > 0);
    assert.match((await query(port, 'v6only.test')).answers[0]!.data, /^10\.46\./);
    assert.equal((await query(port, 'dual.test')).answers[0]!.data, '192.0.2.10');
  });
});
