/**
 * `npm run nemesis -- --runs N --seed S [--duration SECONDS] [--mode sync|async] [--clients C] [--logs DIR]`
 *
 * Prints one line per run (seed, faults, acknowledged, lost, longest unavailability), then
 * `nemesis: runs=N acknowledged=A lost=L`. Run i uses seed S+i, so any run is reproduced
 * alone with `--runs 1 --seed <its seed>`. Exits 1 when a synchronous-mode run loses an
 * acknowledged write or shows a value nobody wrote, 2 when the harness cannot run here.
 */
import { Command, InvalidArgumentError } from 'commander';
import { join } from 'node:path';
import { netnsUnavailable } from './net.js';
import { FAULTS, formatRun, runOnce, type Fault } from './nemesis.js';

function int(name: string, min: number) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} takes an integer >= ${min}, got '${v}'`);
    return n;
  };
}

const program = new Command('nemesis')
  .option('--runs <n>', 'number of runs', int('--runs', 1), 1)
  .option('--seed <s>', 'seed of the first run (run i uses seed+i)', int('--seed', 0), Date.now() % 1_000_000)
  .option('--duration <seconds>', 'length of the fault phase of each run', int('--duration', 5), 60)
  .option('--mode <mode>', 'sync (sync-replicas 1: nothing acknowledged may be lost) or async (losses are reported)', 'sync')
  .option('--clients <n>', 'concurrent clients', int('--clients', 1), 4)
  .option('--logs <dir>', 'keep every process log under this directory')
  .option('--faults <list>', `comma-separated faults to draw from (default all: ${FAULTS.join(',')})`)
  .parse();
const o = program.opts<{ runs: number; seed: number; duration: number; mode: string; clients: number; logs?: string; faults?: string }>();
const faults = o.faults?.split(',').map((f) => f.trim()) as Fault[] | undefined;
const unknown = faults?.filter((f) => !(FAULTS as readonly string[]).includes(f)) ?? [];
if (unknown.length > 0 || faults?.length === 0) {
  process.stderr.write(`nemesis: --faults takes a comma-separated list of ${FAULTS.join(', ')}; unknown: ${unknown.join(', ') || '(empty list)'}\n`);
  process.exit(2);
}
if (o.mode !== 'sync' && o.mode !== 'async') {
  process.stderr.write(`nemesis: --mode takes sync or async, got '${o.mode}'\n`);
  process.exit(2);
}
const why = netnsUnavailable();
if (why) {
  process.stderr.write(`nemesis: cannot run here: ${why}\n`);
  process.exit(2);
}

let acknowledged = 0;
let lost = 0;
let failed = false;
for (let i = 0; i < o.runs; i++) {
  const seed = o.seed + i;
  try {
    const r = await runOnce({
      seed,
      durationSec: o.duration,
      mode: o.mode,
      clients: o.clients,
      faults,
      logDir: o.logs ? join(o.logs, `run-${seed}`) : undefined,
      log: (l) => process.stderr.write(l + '\n'),
    });
    acknowledged += r.acknowledged;
    lost += r.lost;
    console.log(formatRun(i, r));
    for (const e of r.lostExamples) console.log(`  lost: ${e}`);
    for (const a of r.anomalies.slice(0, 5)) console.log(`  anomaly: ${a}`);
    if (r.lost > 0 || r.anomalies.length > 0) console.log(`  logs kept in ${r.logDir}`);
    if (o.mode === 'sync' && (r.lost > 0 || r.anomalies.length > 0)) failed = true;
    if (o.mode === 'async' && r.anomalies.length > 0) failed = true;
  } catch (err) {
    console.log(`run=${i + 1} seed=${seed} mode=${o.mode} error: ${(err as Error).message}`);
    failed = true;
  }
}
console.log(`nemesis: runs=${o.runs} acknowledged=${acknowledged} lost=${lost}`);
process.exit(failed ? 1 : 0);
