/**
 * Memory per key of dssm beside redis-server.
 *
 *   npm run build && node --import tsx bench/memory.ts [--keys 1000000] [--value-size 16] [--quick]
 *
 * For each server: measure the process RSS (/proc/<pid>/status VmRSS) and INFO memory,
 * load N keys `key:<12 digits>` (16 bytes, like redis-benchmark -r) with random values of
 * --value-size bytes through a pipelined raw-socket loader (SET, 10 000 in flight), let the
 * process settle for a moment, measure again. Prints the RSS growth per key, the
 * used_memory growth per key, and the dssm/redis ratio (bar: dssm <= 2x redis).
 * Results also go to bench/results/memory-<time>.json.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { checkBuild, command, ensureResults, requireTool, RESULTS, stamp, startDssm, startRedis, type Served } from './common.js';

interface Opts {
  keys: number;
  valueSize: number;
  settleMs: number;
}

function parseOpts(argv: string[]): Opts {
  const o: Opts = { keys: 1_000_000, valueSize: 16, settleMs: 3000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => Number(argv[++i]);
    if (a === '--quick') o.keys = 200_000;
    else if (a === '--keys') o.keys = v();
    else if (a === '--value-size' || a === '-d') o.valueSize = v();
    else if (a === '--settle-ms') o.settleMs = v();
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

async function usedMemory(port: number): Promise<number> {
  const info = await command(port, ['INFO', 'memory']);
  const m = /used_memory:(\d+)/.exec(info);
  return m ? Number(m[1]) : NaN;
}

/** Deterministic pseudo-random value bytes (latin1), so both servers get the same data. */
function valueFor(i: number, size: number): string {
  let x = (i * 2654435761) >>> 0;
  let s = '';
  for (let k = 0; k < size; k++) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += String.fromCharCode(33 + ((x >>> 16) % 94));
  }
  return s;
}

/** SET key:<i> for i < n over one connection, `window` requests in flight at a time. */
function load(port: number, n: number, size: number, window = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let sent = 0;
    let expectBytes = 0;
    let gotBytes = 0;
    const sendBatch = () => {
      const end = Math.min(n, sent + window);
      let s = '';
      for (let i = sent; i < end; i++) {
        const key = 'key:' + String(i).padStart(12, '0');
        const v = valueFor(i, size);
        s += `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${v.length}\r\n${v}\r\n`;
      }
      expectBytes += 5 * (end - sent); // +OK\r\n each
      sent = end;
      sock.write(s, 'latin1');
    };
    sock.on('connect', sendBatch);
    sock.on('data', (d: Buffer) => {
      if (d[0] === 45 /* '-' */) return reject(new Error(`error reply: ${d.toString('latin1', 0, 200)}`));
      gotBytes += d.length;
      if (gotBytes < expectBytes) return;
      if (sent < n) return sendBatch();
      sock.end();
      resolve();
    });
    sock.on('error', reject);
  });
}

interface Measure {
  server: string;
  keys: number;
  rssBefore: number;
  rssAfter: number;
  usedBefore: number;
  usedAfter: number;
  rssPerKey: number;
  usedPerKey: number;
  dbsize: number;
}

async function measure(s: Served, o: Opts): Promise<Measure> {
  await command(s.port, ['FLUSHALL']);
  await new Promise((r) => setTimeout(r, 500));
  const rssBefore = rssBytes(s.pid);
  const usedBefore = await usedMemory(s.port);
  await load(s.port, o.keys, o.valueSize);
  await new Promise((r) => setTimeout(r, o.settleMs));
  const rssAfter = rssBytes(s.pid);
  const usedAfter = await usedMemory(s.port);
  const dbsize = Number((await command(s.port, ['DBSIZE'])).slice(1));
  return {
    server: s.name,
    keys: o.keys,
    rssBefore,
    rssAfter,
    usedBefore,
    usedAfter,
    rssPerKey: (rssAfter - rssBefore) / o.keys,
    usedPerKey: (usedAfter - usedBefore) / o.keys,
    dbsize,
  };
}

async function main(): Promise<void> {
  const o = parseOpts(process.argv.slice(2));
  checkBuild();
  requireTool('redis-server');
  const results: Measure[] = [];
  for (const start of [startDssm, startRedis]) {
    const s = await start();
    try {
      results.push(await measure(s, o));
    } finally {
      await s.stop();
    }
  }
  const [d, r] = results as [Measure, Measure];
  console.log(`${o.keys} keys of 16 bytes, values of ${o.valueSize} bytes (SET, pipelined)`);
  console.log(`${'server'.padEnd(8)}${'RSS before'.padStart(14)}${'RSS after'.padStart(14)}${'RSS B/key'.padStart(12)}${'used_memory B/key'.padStart(20)}${'dbsize'.padStart(10)}`);
  for (const m of results) {
    const mb = (b: number) => `${(b / 1048576).toFixed(1)} MB`;
    console.log(
      `${m.server.padEnd(8)}${mb(m.rssBefore).padStart(14)}${mb(m.rssAfter).padStart(14)}${m.rssPerKey.toFixed(1).padStart(12)}${m.usedPerKey.toFixed(1).padStart(20)}${String(m.dbsize).padStart(10)}`,
    );
  }
  const ratio = d.rssPerKey / r.rssPerKey;
  console.log(`RSS per key dssm/redis: ${ratio.toFixed(2)} (bar <= 2: ${ratio <= 2 ? 'met' : 'NOT met'})`);
  ensureResults();
  const file = join(RESULTS, `memory-${stamp()}.json`);
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), options: o, node: process.version, results, ratio }, null, 2) + '\n');
  console.log(`written ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
