/**
 * Crash safety: a writer streams INCRs and SETs, the server is killed with SIGKILL at a
 * random moment, restarted on the same directory, and every acknowledged write is checked.
 *
 * SIGKILL kills the process, not the machine: what reached the kernel survives. So this
 * checks the server's side of the contract (no reply before the write is in the AOF), for
 * both fsync policies. Under `everysec` a write acknowledged in the last ~second may be
 * missing after a power loss; after a process kill we require that none is.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDssmProcess } from '../helpers/servers.js';
import { RawClient, plain } from '../helpers/resp.js';
import { rng } from '../helpers/differential.js';

const ROUNDS_PER_POLICY = 10;

interface RoundResult {
  sentIncr: number;
  ackedIncr: number;
  ackedSets: number;
  counterAfter: number;
  missingSets: number;
}

async function crashRound(dir: string, policy: string, killAfterMs: number): Promise<RoundResult> {
  const server = await startDssmProcess(['--appendonly', 'yes', '--appendfsync', policy, '--save', ''], { dir });
  const c = await RawClient.connect(server.port);
  const base = Number(plain(await c.call('GET', 'counter')) ?? 0);
  let sentIncr = 0;
  let ackedIncr = 0;
  const ackedSets: string[] = [];
  let stop = false;
  const inflight = new Set<Promise<void>>();
  const deadline = Date.now() + killAfterMs;
  const writer = (async () => {
    let i = 0;
    while (!stop) {
      while (inflight.size < 32 && !stop) {
        const n = i++;
        let p: Promise<void>;
        if (n % 2 === 0) {
          sentIncr++;
          p = c.call('INCR', 'counter').then(
            (r) => {
              if (r.t === 'int') ackedIncr++;
            },
            () => {},
          );
        } else {
          const key = `k:${dir.length}:${n}`;
          p = c.call('SET', key, String(n)).then(
            (r) => {
              if (r.t === 'simple') ackedSets.push(key);
            },
            () => {},
          );
        }
        inflight.add(p);
        void p.finally(() => inflight.delete(p));
      }
      await Promise.race(inflight);
    }
  })();
  while (Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  server.proc.kill('SIGKILL');
  await new Promise((r) => server.proc.once('exit', r));
  stop = true;
  c.close();
  await writer.catch(() => {});
  const again = await startDssmProcess(['--appendonly', 'yes', '--appendfsync', policy, '--save', ''], { dir });
  const d = await RawClient.connect(again.port);
  const counterAfter = Number(plain(await d.call('GET', 'counter')) ?? 0) - base;
  let missingSets = 0;
  for (let i = 0; i < ackedSets.length; i += 500) {
    const batch = ackedSets.slice(i, i + 500);
    const r = plain(await d.call('EXISTS', ...batch)) as number;
    missingSets += batch.length - r;
  }
  d.close();
  await again.stop('SIGTERM');
  return { sentIncr, ackedIncr, ackedSets: ackedSets.length, counterAfter, missingSets };
}

for (const policy of ['always', 'everysec']) {
  describe(`SIGKILL under appendfsync ${policy}`, () => {
    test(`every acknowledged write survives ${ROUNDS_PER_POLICY} kills at random moments`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dssm-crash-${policy}-`));
      const random = rng(policy === 'always' ? 101 : 202);
      const totals = { ackedIncr: 0, ackedSets: 0, missingIncr: 0, missingSets: 0 };
      try {
        for (let round = 0; round < ROUNDS_PER_POLICY; round++) {
          const r = await crashRound(dir, policy, 100 + Math.floor(random() * 400));
          // Acknowledged increments are all there; unacknowledged ones may or may not be.
          assert.ok(r.counterAfter >= r.ackedIncr, `round ${round}: counter ${r.counterAfter} < acknowledged ${r.ackedIncr}`);
          assert.ok(r.counterAfter <= r.sentIncr, `round ${round}: counter ${r.counterAfter} > sent ${r.sentIncr}`);
          assert.equal(r.missingSets, 0, `round ${round}: ${r.missingSets} acknowledged SETs missing`);
          totals.ackedIncr += r.ackedIncr;
          totals.ackedSets += r.ackedSets;
          totals.missingSets += r.missingSets;
        }
        console.log(
          `# appendfsync ${policy}: ${ROUNDS_PER_POLICY} kills, ${totals.ackedIncr} acknowledged INCRs and ${totals.ackedSets} acknowledged SETs, ${totals.missingIncr + totals.missingSets} missing`,
        );
        assert.ok(totals.ackedIncr > 0 && totals.ackedSets > 0, 'the writer got acknowledgements');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
