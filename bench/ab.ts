/**
 * A/B comparison of compiled dssm trees (and redis-server) under redis-benchmark, with the
 * server CPU time per request, the steadiest figure on a shared machine.
 *
 *   npx tsc -p . --outDir bench/results/build-base      # before a change
 *   npx tsc -p . --outDir bench/results/build-new       # after it
 *   node --import tsx bench/ab.ts --build base=bench/results/build-base \
 *        --build new=bench/results/build-new [--no-redis] [-t set,get] [-P 1] [-c 50]
 *        [-n 200000] [--rounds 3]
 *
 * Without --build, dist/ is measured (as "dssm"). Every round runs each test against every
 * server in turn (base, new, redis, base, new, redis, ...) after a short warm-up of each,
 * so all see the same machine load; per test it prints the median requests/s and CPU µs
 * per request of each server, and the ratio of requests/s to redis-server's.
 */
import { spawnSync } from 'node:child_process';
import { command, geomean, median, requireTool, startDssm, startRedis, cpuTime, type Served } from './common.js';

interface Opts {
  builds: [string, string | undefined][];
  redis: boolean;
  tests: string[];
  pipeline: number;
  clients: number;
  n: number;
  rounds: number;
}

function parseOpts(argv: string[]): Opts {
  const o: Opts = { builds: [], redis: true, tests: ['set', 'get'], pipeline: 1, clients: 50, n: 200000, rounds: 3 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === '--build') {
      const x = v();
      const eq = x.indexOf('=');
      o.builds.push(eq < 0 ? [x, x] : [x.slice(0, eq), x.slice(eq + 1)]);
    } else if (a === '--no-redis') o.redis = false;
    else if (a === '-t' || a === '--tests') o.tests = v().split(',');
    else if (a === '-P') o.pipeline = Number(v());
    else if (a === '-c') o.clients = Number(v());
    else if (a === '-n') o.n = Number(v());
    else if (a === '--rounds') o.rounds = Math.max(1, Number(v()));
    else throw new Error(`unknown option ${a}`);
  }
  if (o.builds.length === 0) o.builds.push(['dssm', undefined]);
  return o;
}

function rowName(test: string): string {
  if (test === 'mset') return 'MSET (10 keys)';
  // redis-benchmark fills the list with LPUSH first (its CPU time is counted too).
  const m = /^lrange_(\d+)$/.exec(test);
  if (m) return `LRANGE_${m[1]} (first ${m[1]} elements)`;
  return test.toUpperCase();
}

function bench(s: Served, test: string, o: Opts, n: number): { rps: number; cpuUs: number } | null {
  const args = ['-h', '127.0.0.1', '-p', String(s.port), '-c', String(o.clients), '-n', String(n), '-P', String(o.pipeline), '-t', test, '--csv'];
  const cpu0 = cpuTime(s.pid);
  const r = spawnSync('redis-benchmark', args, { encoding: 'utf8', timeout: 600_000 });
  const cpu1 = cpuTime(s.pid);
  const want = `"${rowName(test)}",`;
  const line = r.stdout.split('\n').find((l) => l.startsWith(want));
  if (!line) return null;
  return { rps: Number(line.split(',')[1]!.replace(/"/g, '')), cpuUs: (cpu1 - cpu0) / n };
}

async function main(): Promise<void> {
  const o = parseOpts(process.argv.slice(2));
  requireTool('redis-benchmark');
  const servers: { label: string; s: Served }[] = [];
  try {
    for (const [label, dist] of o.builds) servers.push({ label, s: await startDssm([], dist) });
    if (o.redis) {
      requireTool('redis-server');
      servers.push({ label: 'redis', s: await startRedis() });
    }
    for (const { s } of servers) bench(s, o.tests.join(','), o, Math.min(o.n, 50000));
    for (const { s } of servers) await command(s.port, ['FLUSHALL']);
    console.log(`redis-benchmark -c ${o.clients} -P ${o.pipeline} -n ${o.n}, ${o.rounds} rounds; servers: ${servers.map((x) => x.label).join(', ')}`);
    console.log(`${'test'.padEnd(8)}${'server'.padEnd(10)}${'rps'.padStart(10)}${'cpu us/op'.padStart(11)}${'vs redis'.padStart(10)}   cpu us/op per round`);
    const ratios = new Map<string, number[]>();
    for (const test of o.tests) {
      const samples = servers.map(() => [] as { rps: number; cpuUs: number }[]);
      for (let r = 0; r < o.rounds; r++) {
        servers.forEach(({ s }, i) => {
          const x = bench(s, test, o, o.n);
          if (x) samples[i]!.push(x);
        });
      }
      const redisRps = o.redis ? median(samples[samples.length - 1]!.map((x) => x.rps)) : NaN;
      servers.forEach(({ label }, i) => {
        const rps = median(samples[i]!.map((x) => x.rps));
        const cpu = median(samples[i]!.map((x) => x.cpuUs));
        const ratio = rps / redisRps;
        if (label !== 'redis') ratios.set(label, [...(ratios.get(label) ?? []), ratio]);
        console.log(
          `${test.padEnd(8)}${label.padEnd(10)}${rps.toFixed(0).padStart(10)}${cpu.toFixed(2).padStart(11)}${(o.redis ? ratio.toFixed(3) : '').padStart(10)}   ` +
            samples[i]!.map((x) => x.cpuUs.toFixed(2)).join(' '),
        );
      });
    }
    if (o.redis) for (const [label, rs] of ratios) console.log(`geomean ${label}/redis: ${geomean(rs).toFixed(3)}`);
  } finally {
    for (const { s } of servers) await s.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
