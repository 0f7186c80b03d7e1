/**
 * DNS46 hot path beside unbound: dnsperf sends A queries for names that are already mapped
 * to the gateway (`dssm egress`, a child process), then the same query file to unbound (the
 * gateway's upstream, one thread, answering from its local zone), alternating, same run.
 * Prints QPS, the gateway/unbound ratio and the loss of each. Needs dnsperf, unbound, dig
 * (Debian) and a build (`npm run build`).
 *
 *   node --import tsx bench/egress-dns.ts [--names 1000] [--seconds 10] [--rounds 2]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkBuild, freePort, requireTool, ROOT, startDssm, median } from './common.js';
import { startUnbound } from '../test/egress/fixtures.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const NAMES = arg('names', 1000);
const SECONDS = arg('seconds', 10);
const ROUNDS = arg('rounds', 2);

function dnsperf(port: number, file: string, seconds: number, passes = 0): Promise<{ qps: number; lost: number; sent: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn('dnsperf', ['-s', '127.0.0.1', '-p', String(port), '-d', file, ...(passes ? ['-n', String(passes)] : ['-l', String(seconds)]), '-c', '4', '-q', '64'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('exit', () => {
      const qps = Number(/Queries per second:\s+([\d.]+)/.exec(out)?.[1]);
      const lost = Number(/Queries lost:\s+(\d+)/.exec(out)?.[1]);
      const sent = Number(/Queries sent:\s+(\d+)/.exec(out)?.[1]);
      if (Number.isNaN(qps)) reject(new Error(`dnsperf: ${out}`));
      else resolve({ qps, lost, sent });
    });
  });
}

async function main(): Promise<void> {
  checkBuild();
  for (const t of ['dnsperf', 'unbound', 'dig']) requireTool(t);
  const dir = mkdtempSync(join(tmpdir(), 'dssm-bench-egress-'));
  const names = Array.from({ length: NAMES }, (_, i) => `h${i}.bench.test`);
  const unbound = await startUnbound({
    port: await freePort(),
    data: ['dual.test. 300 IN A 192.0.2.10', ...names.map((n, i) => `${n}. 300 IN AAAA fd00:9::${i.toString(16)}`)],
  });
  const store = await startDssm();
  const gwPort = await freePort();
  const cfgFile = join(dir, 'egress.yaml');
  writeFileSync(
    cfgFile,
    [
      `store: { url: "redis://127.0.0.1:${store.port}" }`,
      'dnsNat46Ipv4Subnet: 10.46.0.0/16',
      `nameServerList: ["127.0.0.1:${unbound.port}"]`,
      `dnsListen: ["127.0.0.1:${gwPort}"]`,
      'maxDNS46TTL: 3600',
      'logLevel: warn',
      '',
    ].join('\n'),
  );
  const gw = spawn(process.execPath, [join(ROOT, 'bin', 'dssm.js'), 'egress', '--config', cfgFile, '--dns-only'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const queryFile = join(dir, 'queries.txt');
  writeFileSync(queryFile, names.map((n) => `${n} A`).join('\n') + '\n');
  try {
    await new Promise((r) => setTimeout(r, 1500));
    // Map every name once (allocation is not what is measured), then warm the JIT.
    const map = await dnsperf(gwPort, queryFile, 0, 1);
    console.log(`mapping ${NAMES} names (cold path: upstream A + AAAA, allocation): ${map.qps.toFixed(0)} qps, lost ${map.lost}`);
    await dnsperf(gwPort, queryFile, 3);
    await dnsperf(unbound.port, queryFile, 3);
    const gws: number[] = [];
    const ubs: number[] = [];
    let lostGw = 0;
    let lostUb = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const g = await dnsperf(gwPort, queryFile, SECONDS);
      const u = await dnsperf(unbound.port, queryFile, SECONDS);
      gws.push(g.qps);
      ubs.push(u.qps);
      lostGw += g.lost;
      lostUb += u.lost;
      console.log(`round ${r + 1}: gateway ${g.qps.toFixed(0)} qps (lost ${g.lost}/${g.sent}), unbound ${u.qps.toFixed(0)} qps (lost ${u.lost}/${u.sent})`);
    }
    const ratio = median(gws) / median(ubs);
    console.log(`\nDNS46 already-mapped A queries, ${NAMES} names, ${SECONDS}s x ${ROUNDS} rounds:`);
    console.log(`  gateway median ${median(gws).toFixed(0)} qps, unbound median ${median(ubs).toFixed(0)} qps, ratio ${ratio.toFixed(2)} (target >= 0.6)`);
    console.log(`  lost: gateway ${lostGw}, unbound ${lostUb} (target 0)`);
  } finally {
    gw.kill('SIGKILL');
    await unbound.stop();
    await store.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
