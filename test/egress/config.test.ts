/**
 * `dssm egress` configuration: defaults, and errors that name the key and the allowed form
 * (through the real CLI for the exit status and message).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EgressConfigError, validateEgressConfig } from '../../src/egress/config.js';

const base = { store: { url: 'redis://127.0.0.1:6379' }, dnsNat46Ipv4Subnet: '10.46.0.0/16', nameServerList: ['[::1]:5300'] };
const error = (doc: unknown): string => {
  try {
    validateEgressConfig(doc);
  } catch (e) {
    assert.ok(e instanceof EgressConfigError);
    return e.message;
  }
  assert.fail('accepted');
};

describe('dssm egress configuration', () => {
  it('fills the documented defaults and expands port ranges', () => {
    const c = validateEgressConfig({ ...base, nat46Ports: [80, '8000-8002', 443] });
    assert.deepEqual(c.tcpPorts, [80, 443, 8000, 8001, 8002]);
    assert.equal(c.maxDNS46TTL, 120);
    assert.equal(c.dnsNat46SorryIp, 'SERVFAIL');
    assert.deepEqual(c.dnsListen, [{ host: '127.0.0.1', port: 53 }]);
    assert.deepEqual(c.nameServerList, [{ host: '::1', port: 5300 }]);
    assert.equal(c.store.waitReplicas, 0);
    assert.equal(validateEgressConfig({ ...base, store: { sentinels: ['127.0.0.1:26379'] } }).store.waitReplicas, 1);
    assert.equal(c.subnet.size, 65534);
  });

  it('names the key and the allowed form in every error', () => {
    assert.match(error({ ...base, dnsNat46Ipv4Subnet: '10.46.0.1/16' }), /^dnsNat46Ipv4Subnet: expected an IPv4 CIDR/);
    assert.match(error({ ...base, nameServerList: ['localhost'] }), /^nameServerList\[0\]: expected "host:port" or "\[ipv6\]:port"/);
    assert.match(error({ ...base, egressSnatpool: ['10.0.0.1'] }), /^egressSnatpool\[0\]: expected an IPv6 address/);
    assert.match(error({ ...base, nat46Ports: ['90-80'] }), /^nat46Ports: bad range "90-80"/);
    assert.match(error({ ...base, nat46Ports: { udp: [53] } }), /^nat46Ports\.udp: UDP NAT46 is not implemented yet/);
    assert.match(error({ ...base, dnsNat46SorryIp: '10.46.0.9' }), /^dnsNat46SorryIp: 10\.46\.0\.9 lies inside dnsNat46Ipv4Subnet/);
    assert.match(error({ ...base, staticMappings: [{ ipv4: '10.46.0.1', ipv6: 'fd00::1' }] }), /^staticMappings: 1 entries but maxReservedStaticIps is 0/);
    assert.match(error({ ...base, maxReservedStaticIps: 1, staticMappings: [{ ipv4: '10.46.0.5', ipv6: 'fd00::1' }] }), /^staticMappings\[0\]\.ipv4: 10\.46\.0\.5 must be one of the first/);
    assert.match(error({ ...base, store: {} }), /^store: set exactly one of store\.url or store\.sentinels/);
    assert.match(error({ ...base, dnsRateLimt: 5 }), /Unrecognized key: "dnsRateLimt"/);
    assert.match(error({ store: base.store, nameServerList: base.nameServerList }), /^dnsNat46Ipv4Subnet: required/);
  });

  it('dssm egress exits with status 2 and the errors on a bad file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dssm-egress-cfg-'));
    try {
      const file = join(dir, 'egress.yaml');
      writeFileSync(file, 'store: { url: "redis://127.0.0.1:1" }\ndnsNat46Ipv4Subnet: 10.46.0.0/33\nnameServerList: ["127.0.0.1:53"]\n');
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', '..', 'bin', 'dssm.js'), 'egress', '--config', file], { encoding: 'utf8' });
      assert.equal(r.status, 2);
      assert.match(r.stderr, /egress\.yaml: dnsNat46Ipv4Subnet: expected an IPv4 CIDR such as 10\.46\.0\.0\/16/);
      const both = spawnSync(process.execPath, [join(import.meta.dirname, '..', '..', 'bin', 'dssm.js'), 'egress', '--config', file, '--dns-only', '--nat-only'], { encoding: 'utf8' });
      assert.equal(both.status, 2);
      assert.match(both.stderr, /--dns-only and --nat-only exclude each other/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
