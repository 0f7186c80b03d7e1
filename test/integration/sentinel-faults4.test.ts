/**
 * Fault test for dssm sentinel: the primary cut off together with one sentinel, clients
 * still reaching it, in asynchronous mode: the majority fails over and the old primary rejoins
 * as a replica after healing; the acknowledged writes lost (those the old primary took after
 * the cut) are counted and printed, not asserted: Redis semantics allow the loss. Repeated
 * twice on one deployment. See sentinel-faults-partition.ts. Needs `npm run build`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { primaryPartitionedWithOneSentinel } from './sentinel-faults-partition.js';

describe('dssm sentinel faults: primary partitioned with one sentinel, asynchronous', { timeout: 150_000 }, () => {
  it('asynchronous: the majority fails over, the old primary rejoins; acknowledged writes lost are reported', async () => {
    const lost = await primaryPartitionedWithOneSentinel(false, 2);
    assert.equal(lost.length, 2);
    process.stderr.write(`# asynchronous partition: acknowledged writes lost per round: ${lost.join(', ')}\n`);
  });
});
