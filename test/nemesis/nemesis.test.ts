/**
 * Two short nemesis runs in synchronous mode (the full campaign is `npm run nemesis`, see
 * the README): random partitions, kills, pauses, wiped restarts and degraded links against
 * 3 data nodes + 3 sentinels in network namespaces, under clients writing through sentinel
 * discovery. No acknowledged write may be lost, no value may appear that nobody wrote.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { netnsUnavailable } from './net.js';
import { formatRun, runOnce } from './nemesis.js';

const why = netnsUnavailable();
if (why) console.log(`# nemesis: skipped: ${why}`);

describe('nemesis (synchronous mode)', { skip: why ?? false }, () => {
  for (const seed of [101, 202]) {
    it(`seed ${seed}: every acknowledged write survives random faults`, async () => {
      const r = await runOnce({ seed, durationSec: 15, mode: 'sync' });
      console.log(`# ${formatRun(seed === 101 ? 0 : 1, r)}`);
      assert.ok(r.faults.length > 0, 'at least one fault was injected');
      assert.ok(r.acknowledged > 0, 'clients got acknowledgements');
      assert.deepEqual({ lost: r.lost, examples: r.lostExamples, anomalies: r.anomalies.slice(0, 5) }, { lost: 0, examples: [], anomalies: [] });
    });
  }
});
