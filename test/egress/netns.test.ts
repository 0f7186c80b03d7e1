/**
 * End to end in network namespaces (created and deleted here, addresses of our choosing):
 *
 *   client ns  10.99.0.2 ──veth── 10.99.0.1  gateway ns  fd00:99::1 ──veth── fd00:99::2  service ns
 *   (IPv4 only; default route     (dssm store, gateways;     SNAT pool            (unbound: AAAA-only,
 *    via the gateway)              local route for the        fd00:99::3:50/51)    A, CNAME names;
 *                                  synthesized subnets)                            TCP services on
 *                                                                                  fd00:99::10, ::20)
 *
 * The client resolves through the gateway with dig, connects to the synthesized IPv4 address,
 * and the IPv6-only service sees a SNAT pool source address. Split mode: a DNS-only gateway
 * allocates, a NAT-only one carries the flow. A flow keeps its lease past the lease lifetime.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dig, hasCommand, startUnbound, type Unbound } from './fixtures.js';

const ROOT = join(import.meta.dirname, '..', '..');
const TOOLS = join(import.meta.dirname, 'netns-tools.mjs');
const id = String(process.pid % 100000);
const NS = { client: `h5c${id}`, gw: `h5g${id}`, svc: `h5s${id}` };
const STORE_PORT = 6390;

function sh(cmd: string): string {
  const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
  return r.stdout;
}

function skipReason(): string | false {
  if (process.getuid?.() !== 0) return 'not root: network namespaces need root';
  for (const c of ['ip', 'unbound', 'dig', 'redis-cli']) if (!hasCommand(c)) return `${c} is not installed (apt-get install iproute2 unbound dnsutils redis-tools)`;
  const probe = `h5p${id}`;
  const r = spawnSync('sh', ['-c', `ip netns add ${probe} && ip netns del ${probe}`], { encoding: 'utf8' });
  if (r.status !== 0) return `cannot create network namespaces here: ${r.stderr.trim()}`;
  return false;
}

const skip = skipReason();
if (skip) console.log(`# skipped: ${skip}`);

function inNs(ns: string, argv: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
}

function waitOutput(p: ChildProcess, re: RegExp, what: string, timeoutMs = 15000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`${what} did not start: ${out}`)), timeoutMs);
    const on = (d: Buffer) => {
      out += d;
      if (re.test(out)) {
        clearTimeout(t);
        resolve(out);
      }
    };
    p.stdout!.on('data', on);
    p.stderr!.on('data', on);
    p.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`${what} exited (${code}): ${out}`));
    });
  });
}

function run(ns: string, argv: string[]): Promise<string> {
  return new Promise((resolve) => {
    const p = inNs(ns, argv);
    let out = '';
    p.stdout!.on('data', (d) => (out += d));
    p.stderr!.on('data', (d) => (out += d));
    p.once('exit', () => resolve(out));
  });
}

const storeCall = (...args: string[]) => run(NS.gw, ['redis-cli', '-p', String(STORE_PORT), ...args]).then((s) => s.trim());

describe('dssm egress in network namespaces', { skip }, () => {
  const procs: ChildProcess[] = [];
  let unbound: Unbound;
  let dir: string;

  const gateway = async (file: string, mode: string[]) => {
    const p = inNs(NS.gw, [process.execPath, join(ROOT, 'bin', 'dssm.js'), 'egress', '--config', file, ...mode]);
    procs.push(p);
    await waitOutput(p, /egress gateway started/, `gateway ${mode.join(' ')}`);
    return p;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dssm-egress-netns-'));
    for (const ns of Object.values(NS)) sh(`ip netns add ${ns} && ip -n ${ns} link set lo up`);
    sh(`ip link add c0 netns ${NS.client} type veth peer name g0 netns ${NS.gw}`);
    sh(`ip link add s0 netns ${NS.svc} type veth peer name g1 netns ${NS.gw}`);
    sh(`ip -n ${NS.client} addr add 10.99.0.2/24 dev c0 && ip -n ${NS.client} link set c0 up && ip -n ${NS.client} route add default via 10.99.0.1`);
    sh(
      [
        `ip -n ${NS.gw} addr add 10.99.0.1/24 dev g0`,
        `ip -n ${NS.gw} -6 addr add fd00:99::1/64 dev g1 nodad`,
        `ip -n ${NS.gw} -6 addr add fd00:99::3:50/64 dev g1 nodad`,
        `ip -n ${NS.gw} -6 addr add fd00:99::3:51/64 dev g1 nodad`,
        `ip -n ${NS.gw} link set g0 up`,
        `ip -n ${NS.gw} link set g1 up`,
        `ip -n ${NS.gw} route add local 10.46.0.0/16 dev lo`,
        `ip -n ${NS.gw} route add local 10.47.0.0/16 dev lo`,
      ].join(' && '),
    );
    sh(
      [
        `ip -n ${NS.svc} -6 addr add fd00:99::2/64 dev s0 nodad`,
        `ip -n ${NS.svc} -6 addr add fd00:99::10/64 dev s0 nodad`,
        `ip -n ${NS.svc} -6 addr add fd00:99::20/64 dev s0 nodad`,
        `ip -n ${NS.svc} link set s0 up`,
      ].join(' && '),
    );
    unbound = await startUnbound({
      host: 'fd00:99::2',
      port: 53,
      netns: NS.svc,
      data: ['v6only.test. 300 IN AAAA fd00:99::10', 'other.test. 300 IN AAAA fd00:99::20', 'alias.test. 300 IN CNAME other.test.', 'dual.test. 300 IN A 192.0.2.10'],
    });
    const svc = inNs(NS.svc, [process.execPath, TOOLS, 'serve', '::', '8080', '8081']);
    procs.push(svc);
    await waitOutput(svc, /ready/, 'service');
    const store = inNs(NS.gw, [process.execPath, join(ROOT, 'bin', 'dssm.js'), 'server', '--port', String(STORE_PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
    procs.push(store);
    await waitOutput(store, /Ready to accept connections|listening/i, 'store');
    const common = ['nameServerList: ["[fd00:99::2]:53"]', 'egressSnatpool: ["fd00:99::3:50", "fd00:99::3:51"]', 'logLevel: info'];
    writeFileSync(
      join(dir, 'split.yaml'),
      [...common, `store: { url: "redis://127.0.0.1:${STORE_PORT}" }`, 'dnsNat46Ipv4Subnet: 10.46.0.0/16', 'dnsListen: ["10.99.0.1:53"]', 'nat46Ports: [8080]', ''].join('\n'),
    );
    writeFileSync(
      join(dir, 'short.yaml'),
      [
        ...common,
        `store: { url: "redis://127.0.0.1:${STORE_PORT}", prefix: short }`,
        'dnsNat46Ipv4Subnet: 10.47.0.0/16',
        'dnsListen: ["10.99.0.1:5353"]',
        'nat46Ports: [8081]',
        'leaseIdleSeconds: 2',
        'leaseMaxSeconds: 2',
        '',
      ].join('\n'),
    );
    await gateway(join(dir, 'split.yaml'), ['--dns-only']);
    await gateway(join(dir, 'split.yaml'), ['--nat-only']);
    await gateway(join(dir, 'short.yaml'), []);
  });

  after(async () => {
    for (const p of procs.reverse()) {
      if (p.exitCode === null && p.signalCode === null) {
        p.kill('SIGKILL');
        await new Promise((r) => p.once('exit', r));
      }
    }
    await unbound?.stop();
    for (const ns of Object.values(NS)) spawnSync('ip', ['netns', 'del', ns]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('split mode: the DNS-only gateway maps the name, the NAT-only gateway carries the flow from a SNAT pool address', async () => {
    const addr = (await dig(['@10.99.0.1', 'v6only.test', 'A', '+short'], NS.client)).trim();
    assert.match(addr, /^10\.46\.\d+\.\d+$/);
    const out = await run(NS.client, [process.execPath, TOOLS, 'connect', addr, '8080', 'hello']);
    const lines = out.trim().split('\n');
    assert.match(lines[0]!, /^peer fd00:99::3:5[01]$/, out);
    // After the client's FIN the service still sends (half-close), then closes.
    assert.deepEqual(lines.slice(1), ['hello', 'bye']);
    // The same client always appears from the same pool address.
    const again = await run(NS.client, [process.execPath, TOOLS, 'connect', addr, '8080', 'again']);
    assert.equal(again.split('\n')[0], lines[0]);
    // A name with an A record is not mapped.
    assert.equal((await dig(['@10.99.0.1', 'dual.test', 'A', '+short'], NS.client)).trim(), '192.0.2.10');
  });

  it('a CNAME to an IPv6-only name reaches its service', async () => {
    const answer = (await dig(['@10.99.0.1', 'alias.test', 'A', '+short'], NS.client)).trim().split('\n');
    assert.equal(answer[0], 'other.test.');
    const out = await run(NS.client, [process.execPath, TOOLS, 'connect', answer[1]!, '8080', 'via-cname']);
    assert.match(out, /^peer fd00:99::3:5[01]\nvia-cname\nbye\n$/);
  });

  it('refuses a connection to a subnet address that is not mapped', async () => {
    const out = await run(NS.client, [process.execPath, TOOLS, 'connect', '10.46.200.200', '8080', 'x']);
    assert.match(out, /^error (ECONNRESET|ECONNREFUSED)/);
  });

  it('an open flow holds its lease past the lease lifetime; the lease ends after the flow closes', async () => {
    const addr = (await dig(['@10.99.0.1', '-p', '5353', 'other.test', 'A', '+short'], NS.client)).trim();
    assert.match(addr, /^10\.47\.\d+\.\d+$/);
    const idx = String(Number(addr.split('.')[2]) * 256 + Number(addr.split('.')[3]) - 1);
    const flow = run(NS.client, [process.execPath, TOOLS, 'connect', addr, '8081', 'long', '5000']);
    await new Promise((r) => setTimeout(r, 3500));
    assert.match(await storeCall('GET', `short:v4:${idx}`), /^fd00:99::20 /, 'lease reclaimed under an open flow');
    const out = await flow;
    assert.match(out, /^peer fd00:99::3:5[01]\nlong\nbye\n$/);
    for (let i = 0; ; i++) {
      if ((await storeCall('EXISTS', `short:v4:${idx}`)) === '0') break;
      assert.ok(i < 100, 'lease did not end after the flow closed');
      await new Promise((r) => setTimeout(r, 100));
    }
  });
});
