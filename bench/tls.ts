/**
 * TLS throughput of dssm beside redis-server, both serving mutual TLS with the same
 * certificates, measured with `redis-benchmark --tls`.
 *
 *   node --import tsx bench/tls.ts [-n 100000] [--rounds 2] [--clients 50] [--pipelines 1,16]
 *
 * dssm runs from src/ through tsx (same code as dist/, no build step needed); redis-server
 * is Debian's, which has TLS built in. Rounds alternate dssm, redis, dssm, redis so that
 * both see the same machine load; only ratios from the same run mean anything.
 * Results go to bench/results/tls-<time>.json.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCA, createClientCert, createServerCert } from '../src/security/pki.js';
import { command, ensureResults, freePort, RESULTS, ROOT, stamp } from './common.js';

interface Opts {
  n: number;
  rounds: number;
  clients: number;
  pipelines: number[];
  tests: string[];
}

function parseOpts(argv: string[]): Opts {
  const o: Opts = { n: 100000, rounds: 2, clients: 50, pipelines: [1], tests: ['set', 'get'] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => argv[++i]!;
    if (a === '-n') o.n = Number(v());
    else if (a === '--rounds') o.rounds = Number(v());
    else if (a === '--clients') o.clients = Number(v());
    else if (a === '--pipelines') o.pipelines = v().split(',').map(Number);
    else if (a === '--tests') o.tests = v().split(',');
  }
  return o;
}

async function waitPing(port: number, proc: ChildProcess): Promise<void> {
  const end = Date.now() + 20000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}`);
    try {
      if ((await command(port, ['PING'])) === '+PONG') return;
    } catch {
      /* not yet */
    }
    if (Date.now() > end) throw new Error(`nothing answered on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function main(): Promise<void> {
  const o = parseOpts(process.argv.slice(2));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dssm-tls-bench-'));
  const ca = await createCA();
  const server = await createServerCert(ca, { dns: ['localhost'], ips: ['127.0.0.1'] });
  const client = await createClientCert(ca, 'bench');
  const f = (n: string, t: string) => (fs.writeFileSync(path.join(dir, n), t), path.join(dir, n));
  const files = { ca: f('ca.crt', ca.cert), cert: f('server.crt', server.cert), key: f('server.key', server.key), ccert: f('client.crt', client.cert), ckey: f('client.key', client.key) };
  const tlsArgs = ['--tls-cert-file', files.cert, '--tls-key-file', files.key, '--tls-ca-cert-file', files.ca];

  const [dPort, dTls, rPort, rTls] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const dssm = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `import { run } from ${JSON.stringify(path.join(ROOT, 'src', 'cli', 'main.ts'))}; await run(process.argv);`,
      'dssm',
      'server',
      '--port',
      String(dPort),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--tls-port',
      String(dTls),
      ...tlsArgs,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const redis = spawn('redis-server', ['--port', String(rPort), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--tls-port', String(rTls), ...tlsArgs], { stdio: 'ignore' });
  try {
    await Promise.all([waitPing(dPort, dssm), waitPing(rPort, redis)]);
    const results: Record<string, Record<string, { dssm: number[]; redis: number[] }>> = {};
    const bench = (port: number, test: string, p: number): number => {
      const args = [
        '--tls',
        '--cacert',
        files.ca,
        '--cert',
        files.ccert,
        '--key',
        files.ckey,
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-c',
        String(o.clients),
        '-n',
        String(o.n),
        '-P',
        String(p),
        '-t',
        test,
        '--csv',
        '-q',
      ];
      const r = spawnSync('redis-benchmark', args, { encoding: 'utf8' });
      const line = r.stdout.split('\n').find((l) => l.startsWith(`"${test.toUpperCase()}"`));
      if (!line) throw new Error(`redis-benchmark gave no result: ${r.stdout} ${r.stderr}`);
      return Number(line.split(',')[1]!.replace(/"/g, ''));
    };
    console.log(`redis-benchmark --tls -c ${o.clients} -n ${o.n}, ${o.rounds} rounds alternating`);
    for (const p of o.pipelines) {
      for (const t of o.tests) {
        const e = ((results[`P${p}`] ??= {})[t] = { dssm: [], redis: [] });
        for (let i = 0; i < o.rounds; i++) {
          e.dssm.push(bench(dTls, t, p));
          e.redis.push(bench(rTls, t, p));
        }
        const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
        const d = med(e.dssm);
        const r = med(e.redis);
        console.log(
          `-P ${String(p).padEnd(3)} ${t.padEnd(5)} dssm ${d.toFixed(0).padStart(8)} rps   redis ${r.toFixed(0).padStart(8)} rps   ratio ${(d / r).toFixed(3)}   (dssm ${e.dssm.join(' ')}; redis ${e.redis.join(' ')})`,
        );
      }
    }
    ensureResults();
    const out = path.join(RESULTS, `tls-${stamp()}.json`);
    fs.writeFileSync(out, JSON.stringify({ opts: o, results }, null, 2));
    console.log(`results: ${out}`);
  } finally {
    dssm.kill('SIGKILL');
    redis.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
