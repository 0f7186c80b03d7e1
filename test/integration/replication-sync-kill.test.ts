/**
 * Synchronous mode under crashes: a primary with `sync-replicas 1` is killed with SIGKILL at
 * a random point while clients write, 20 times; every write it acknowledged must be on the
 * replica. (Needs a build in dist/: `npm run build`.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startDssm, startDssmProcess } from '../helpers/servers.js';
import { rng } from '../helpers/differential.js';
import { RawClient } from '../helpers/resp.js';
import { info, sleep, until } from '../interop/replication-helpers.js';

const built = existsSync(join(import.meta.dirname, '..', '..', 'dist', 'replication', 'install.js'));

describe('synchronous replication survives SIGKILL of the primary', { skip: built ? false : 'needs npm run build' }, () => {
  it('loses no acknowledged write in 20 kills', async () => {
    const replica = await startDssm();
    const rc = await replica.client();
    const r = rng(77);
    let totalAcked = 0;
    try {
      for (let round = 0; round < 20; round++) {
        const primary = await startDssmProcess(['--sync-replicas', '1', '--sync-replicas-timeout', '5000']);
        await rc.call('REPLICAOF', '127.0.0.1', primary.port);
        await until('link up', async () => (await info(rc, 'master_link_status')) === 'up' && (await info(rc, 'master_port')) === String(primary.port));
        const acked: string[] = [];
        const writers = await Promise.all([0, 1, 2, 3].map(() => RawClient.connect(primary.port)));
        let stop = false;
        const loops = writers.map(async (w, wi) => {
          for (let i = 0; !stop; i++) {
            const key = `r${round}:w${wi}:${i}`;
            try {
              const rep = await w.call(i % 3 === 0 ? 'RPUSH' : 'SET', key, `v${i}`);
              if (rep.t !== 'error') acked.push(key);
            } catch {
              return; // connection died with the primary
            }
          }
        });
        await sleep(30 + Math.floor(r() * 250));
        primary.proc.kill('SIGKILL');
        await primary.stop('SIGKILL');
        stop = true;
        await Promise.all(loops);
        for (const w of writers) w.close();
        assert.ok(acked.length > 0, `round ${round}: nothing acknowledged`);
        // Every acknowledged write is already on the replica.
        for (const key of acked) {
          const t = await rc.call('TYPE', key);
          assert.notEqual(t.v, 'none', `round ${round}: acknowledged ${key} is missing on the replica`);
        }
        totalAcked += acked.length;
      }
      assert.ok(totalAcked > 100, `only ${totalAcked} acknowledged writes`);
    } finally {
      await replica.stop();
    }
  });
});
