/**
 * Glob matcher micro-benchmark: the bounded matcher (src/util/glob.ts) against the matcher
 * it replaced (exponential on hostile patterns), on ordinary patterns over ordinary keys.
 * The old one is read from git at the given revision, so nothing old is kept in the tree.
 *
 *   node --import tsx bench/glob.ts [--old REV] [--rounds N]
 *
 * Prints per pattern the ns per match of each and the ratio new/old (below 1: new is
 * faster). Both run in this process, alternating, so only the ratio is meaningful.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { globMatch } from '../src/util/glob.js';
import { ROOT } from './common.js';

type Matcher = (pattern: string, str: string, nocase?: boolean) => boolean;

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
};
/** The last commit with the unbounded matcher. */
const oldRev = opt('--old', '89ea321');
const rounds = Number(opt('--rounds', '5'));

async function loadOld(): Promise<Matcher> {
  const source = execFileSync('git', ['show', `${oldRev}:src/util/glob.ts`], { cwd: ROOT, encoding: 'utf8' });
  const dir = mkdtempSync(join(tmpdir(), 'glob-bench-'));
  const file = join(dir, 'old-glob.ts');
  writeFileSync(file, source);
  try {
    return ((await import(pathToFileURL(file).href)) as { globMatch: Matcher }).globMatch;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Session-store shaped keys: prefixes, ids, a few long ones. */
function keys(): string[] {
  const out: string[] = [];
  for (let i = 0; i < 2000; i++) {
    out.push(`session:${(i * 2654435761) % 1000003}`);
    out.push(`user:${i}:profile`);
    out.push(`cache:v2:${i.toString(36)}:page:${i % 97}`);
  }
  for (let i = 0; i < 50; i++) out.push(`blob:${'x'.repeat(200)}:${i}`);
  return out;
}

const PATTERNS = ['session:*', 'user:*:profile', 'cache:v2:*:page:1?', '*:profile', 'user:1[0-9][0-9]:*', 'blob:*:4[^0]', '*x*x*:49', 'nomatch*'];

function measure(m: Matcher, pattern: string, ks: string[]): number {
  let hits = 0;
  const t0 = process.hrtime.bigint();
  for (let rep = 0; rep < 20; rep++) for (let i = 0; i < ks.length; i++) if (m(pattern, ks[i]!)) hits++;
  const ns = Number(process.hrtime.bigint() - t0);
  if (hits < 0) console.log(hits);
  return ns / (20 * ks.length);
}

const oldMatch = await loadOld();
const ks = keys();
// Same answers on these patterns (they contain nothing where the two differ).
for (const p of PATTERNS) for (const k of ks) if (oldMatch(p, k) !== globMatch(p, k)) throw new Error(`answers differ: ${p} ${k}`);
console.log(`glob: new (src/util/glob.ts) vs old (${oldRev}), ${ks.length} keys, median of ${rounds} rounds`);
console.log('pattern'.padEnd(24), 'old ns'.padStart(8), 'new ns'.padStart(8), 'new/old'.padStart(8));
const ratios: number[] = [];
for (const p of PATTERNS) {
  const o: number[] = [];
  const n: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate which goes first, so neither always runs on a warmer cache.
    if (r % 2 === 0) {
      o.push(measure(oldMatch, p, ks));
      n.push(measure(globMatch, p, ks));
    } else {
      n.push(measure(globMatch, p, ks));
      o.push(measure(oldMatch, p, ks));
    }
  }
  const med = (a: number[]): number => a.sort((x, y) => x - y)[a.length >> 1]!;
  const ratio = med(n) / med(o);
  ratios.push(ratio);
  console.log(p.padEnd(24), med(o).toFixed(1).padStart(8), med(n).toFixed(1).padStart(8), ratio.toFixed(2).padStart(8));
}
const geo = Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length);
console.log(`geometric mean new/old: ${geo.toFixed(2)}`);
