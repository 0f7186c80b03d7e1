/**
 * Fault test for dssm sentinel: the primary cut off together with one sentinel, clients
 * still reaching it, in synchronous mode (sync-replicas 1): the majority fails over, the old
 * primary fences itself and rejoins as a replica after healing, the lone sentinel follows, and
 * the checker finds no acknowledged write missing. Repeated twice on one deployment. See
 * sentinel-faults-partition.ts. Needs `npm run build`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { primaryPartitionedWithOneSentinel } from './sentinel-faults-partition.js';

describe('dssm sentinel faults: primary partitioned with one sentinel', { timeout: 150_000 }, () => {
  it('sync-replicas 1: the majority fails over, the old primary fences itself and rejoins, nothing acknowledged is lost (repeated)', async () => {
    assert.deepEqual(await primaryPartitionedWithOneSentinel(true, 2), []);
  });
});
