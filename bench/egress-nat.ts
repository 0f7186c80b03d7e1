/**
 * NAT46 TCP beside a direct loopback connection, same run: bulk throughput (one connection
 * sends --mb MiB to a sink service) and connections/s (connect, one request, one reply,
 * close; --conns connections, 16 at a time), through the gateway (10.46.0.1 → [::1]) and
 * directly to [::1]. Runs in a network namespace of its own (root, `ip`), where the subnet
 * has a local route and a static mapping 10.46.0.1 ↔ ::1 (no DNS involved).
 *
 *   npm run build && node --import tsx bench/egress-nat.ts [--mb 1024] [--conns 5000] [--rounds 2]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, median } from './common.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const MB = arg('mb', 1024);
const CONNS = arg('conns', 5000);
const ROUNDS = arg('rounds', 2);
const SINK = 9001;
const ECHO = 9002;
const STORE = 6399;

function waitFor(p: ChildProcess, re: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const on = (d: Buffer) => {
      out += d;
      if (re.test(out)) resolve();
    };
    p.stdout?.on('data', on);
    p.stderr?.on('data', on);
    p.once('exit', (c) => reject(new Error(`exited ${c}: ${out}`)));
  });
}

/** Send `mb` MiB on one connection; resolves with MiB/s once the sink confirmed all of it. */
function bulk(host: string, mb: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(256 * 1024, 7);
    const total = mb * 1024 * 1024;
    const start = performance.now();
    const s = net.connect({ host, port: SINK });
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        sent += chunk.length;
        if (!s.write(chunk)) return;
      }
      s.end();
    };
    s.on('connect', pump);
    s.on('drain', pump);
    s.on('data', () => {});
    s.on('end', () => resolve(mb / ((performance.now() - start) / 1000)));
    s.on('error', reject);
  });
}

async function connectionsPerSecond(host: string, n: number): Promise<number> {
  let next = 0;
  const start = performance.now();
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const s = net.connect({ host, port: ECHO });
      s.on('connect', () => s.end('x'));
      s.on('data', () => {});
      s.on('close', () => resolve());
      s.on('error', reject);
    });
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next++ < n) await one();
    }),
  );
  return n / ((performance.now() - start) / 1000);
}

async function inner(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dssm-bench-nat-'));
  const procs: ChildProcess[] = [];
  try {
    const service = spawn(
      process.execPath,
      [
        '-e',
        `const net=require('net');
         net.createServer({allowHalfOpen:true},s=>{s.on('data',()=>{});s.on('end',()=>s.end())}).listen(${SINK},'::1');
         net.createServer({allowHalfOpen:true},s=>{s.on('data',d=>s.write(d));s.on('end',()=>s.end())}).listen(${ECHO},'::1',()=>console.log('ready'));`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    procs.push(service);
    await waitFor(service, /ready/);
    const store = spawn(process.execPath, [join(ROOT, 'bin', 'dssm.js'), 'server', '--port', String(STORE), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    procs.push(store);
    await waitFor(store, /Ready to accept/);
    const cfg = join(dir, 'egress.yaml');
    writeFileSync(
      cfg,
      [
        `store: { url: "redis://127.0.0.1:${STORE}" }`,
        'dnsNat46Ipv4Subnet: 10.46.0.0/16',
        'nameServerList: ["127.0.0.1:53"]',
        `nat46Ports: [${SINK}, ${ECHO}]`,
        'maxReservedStaticIps: 1',
        'staticMappings: [{ ipv4: 10.46.0.1, ipv6: "::1" }]',
        '',
      ].join('\n'),
    );
    const gw = spawn(process.execPath, [join(ROOT, 'bin', 'dssm.js'), 'egress', '--config', cfg, '--nat-only'], { stdio: ['ignore', 'pipe', 'inherit'] });
    procs.push(gw);
    await waitFor(gw, /egress gateway started/);
    await bulk('10.46.0.1', 64);
    await bulk('::1', 64);
    await connectionsPerSecond('10.46.0.1', 500);
    const nat: number[] = [];
    const direct: number[] = [];
    const natC: number[] = [];
    const directC: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      nat.push(await bulk('10.46.0.1', MB));
      direct.push(await bulk('::1', MB));
      natC.push(await connectionsPerSecond('10.46.0.1', CONNS));
      directC.push(await connectionsPerSecond('::1', CONNS));
      console.log(`round ${r + 1}: bulk NAT46 ${nat[r]!.toFixed(0)} MiB/s, direct ${direct[r]!.toFixed(0)} MiB/s; connections/s NAT46 ${natC[r]!.toFixed(0)}, direct ${directC[r]!.toFixed(0)}`);
    }
    console.log(`\nNAT46 TCP, ${MB} MiB bulk and ${CONNS} connections (16 at a time), ${ROUNDS} rounds (medians):`);
    console.log(`  throughput: NAT46 ${median(nat).toFixed(0)} MiB/s, direct loopback ${median(direct).toFixed(0)} MiB/s, ratio ${(median(nat) / median(direct)).toFixed(2)} (target >= 0.8)`);
    console.log(`  connections/s: NAT46 ${median(natC).toFixed(0)}, direct ${median(directC).toFixed(0)}, ratio ${(median(natC) / median(directC)).toFixed(2)}`);
  } finally {
    for (const p of procs) p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--inner')) await inner();
else {
  if (process.getuid?.() !== 0) throw new Error('needs root (a network namespace)');
  const ns = `h5bench${process.pid}`;
  spawnSync('sh', ['-c', `ip netns add ${ns} && ip -n ${ns} link set lo up && ip -n ${ns} route add local 10.46.0.0/16 dev lo`], { stdio: 'inherit' });
  try {
    spawnSync('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', ...process.argv.slice(1), '--inner'], { stdio: 'inherit' });
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
}
