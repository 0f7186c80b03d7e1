/**
 * replica-refuse-stale-primary (dssm only): a replica whose primary comes back on the same
 * address with another history and a lower offset (restarted without persistence) keeps its
 * data instead of loading the empty snapshot as Redis 7 does; the operator can opt out. An
 * explicit REPLICAOF elsewhere, and a primary that is ahead, still full-sync normally.
 * (The first test runs dssm processes from dist/: `npm run build`.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { startDssm, startDssmProcess, type ChildServer } from '../helpers/servers.js';
import { RawClient } from '../helpers/resp.js';
import { RespReader } from '../../src/protocol/resp-reader.js';
import { channels, type LogEvent } from '../../src/observe/events.js';
import { caughtUp, info, until } from '../interop/replication-helpers.js';

const built = existsSync(join(import.meta.dirname, '..', '..', 'dist', 'replication', 'install.js'));
const REFUSAL = 'Refusing a full sync from a primary that lost its history';
const count = (text: string, s: string) => text.split(s).length - 1;

describe('a replica refuses a full sync from a primary that lost its history', () => {
  it('keeps its keys when its primary restarts empty on the same port (SIGKILL), and loads them with the directive set to no', { skip: built ? false : 'needs npm run build' }, async () => {
    const noPersistence = ['--save', '', '--appendonly', 'no'];
    const procs: ChildServer[] = [];
    const clients: RawClient[] = [];
    const connect = async (port: number) => {
      const c = await RawClient.connect(port);
      clients.push(c);
      return c;
    };
    try {
      let primary = await startDssmProcess(noPersistence);
      procs.push(primary);
      const replica = await startDssmProcess([...noPersistence, '--replicaof', '127.0.0.1', String(primary.port)]);
      procs.push(replica);
      let pc = await connect(primary.port);
      const rc = await connect(replica.port);
      for (let i = 0; i < 100; i++) await pc.call('SET', `k${i}`, `v${i}`);
      await caughtUp(pc, rc);
      assert.equal((await rc.call('DBSIZE')).v, '100');

      await primary.stop('SIGKILL');
      procs.splice(procs.indexOf(primary), 1);
      primary = await startDssmProcess(noPersistence, { port: primary.port });
      procs.push(primary);
      pc = await connect(primary.port);
      await pc.call('SET', 'after-restart', 'x');
      // Refused, and refused again at the next attempts: the data stays.
      await until('two refusals in the replica log', async () => count(replica.output(), REFUSAL) >= 2);
      assert.equal((await rc.call('DBSIZE')).v, '100');
      assert.equal((await rc.call('GET', 'k7')).v, 'v7');
      assert.equal((await rc.call('GET', 'after-restart')).v, null);
      assert.equal(await info(rc, 'master_link_status'), 'down');
      assert.equal(await info(pc, 'connected_slaves'), '0');
      const line = replica
        .output()
        .split('\n')
        .find((l) => l.includes(REFUSAL))!;
      const ev = JSON.parse(line) as Record<string, unknown>;
      assert.equal(ev.primaryOffset, 0);
      assert.ok(Number(ev.offset) > 0);

      // Opting out gives Redis's behaviour: the replica loads the primary's (empty) snapshot.
      assert.equal((await rc.call('CONFIG', 'SET', 'replica-refuse-stale-primary', 'no')).v, 'OK');
      await until('link up after opting out', async () => (await info(rc, 'master_link_status')) === 'up');
      await caughtUp(pc, rc);
      assert.equal((await rc.call('DBSIZE')).v, '1');
      assert.equal((await rc.call('GET', 'after-restart')).v, 'x');
    } finally {
      for (const c of clients) c.close();
      for (const p of procs) await p.stop('SIGKILL');
    }
  });

  it('an explicit REPLICAOF to another primary full-syncs even when that primary is behind', async () => {
    const a = await startDssm();
    const b = await startDssm();
    const r = await startDssm();
    try {
      const ac = await a.client();
      const bc = await b.client();
      const rc = await r.client();
      await rc.call('REPLICAOF', '127.0.0.1', a.port);
      await until('link up', async () => (await info(rc, 'master_link_status')) === 'up');
      for (let i = 0; i < 50; i++) await ac.call('SET', `a${i}`, i);
      await caughtUp(ac, rc);
      assert.ok(Number(await info(rc, 'master_repl_offset')) > 0);
      await bc.call('SET', 'b', 'only');
      assert.equal((await rc.call('REPLICAOF', '127.0.0.1', b.port)).v, 'OK');
      await caughtUp(bc, rc);
      assert.equal((await rc.call('DBSIZE')).v, '1');
      assert.equal((await rc.call('GET', 'b')).v, 'only');
    } finally {
      await r.stop();
      await b.stop();
      await a.stop();
    }
  });

  it('refuses a lower offset under a new ID from the same address, and loads from a primary that is ahead', async () => {
    // The snapshot the fake primary serves: one key, made by a dssm node's SAVE.
    const maker = await startDssm();
    const mc = await maker.client();
    await mc.call('SET', 'ahead', '1');
    await mc.call('SAVE');
    const rdb = readFileSync(join(maker.dir, 'dump.rdb'));
    await maker.stop();

    const a = await startDssm();
    const r = await startDssm();
    const refusals: LogEvent[] = [];
    const onLog = (m: unknown) => {
      if ((m as LogEvent).msg.startsWith(REFUSAL)) refusals.push(m as LogEvent);
    };
    channels.log.subscribe(onLog);
    let fake: net.Server | null = null;
    let aStopped = false;
    const sockets: net.Socket[] = [];
    try {
      const ac = await a.client();
      const rc = await r.client();
      await rc.call('REPLICAOF', '127.0.0.1', a.port);
      await until('link up', async () => (await info(rc, 'master_link_status')) === 'up');
      for (let i = 0; i < 20; i++) await ac.call('SET', `old${i}`, i);
      await caughtUp(ac, rc);
      const ours = Number(await info(rc, 'master_repl_offset'));
      assert.ok(ours > 0);
      const port = a.port;
      await a.stop();
      aStopped = true;

      // A primary on the same address with a new history: offset below ours, then ahead.
      let offerOffset = ours - 1;
      let psyncs = 0;
      fake = net.createServer((s) => {
        sockets.push(s);
        s.on('error', () => {});
        const reader = new RespReader({ maxBulkLen: 1 << 30, authRequired: () => false });
        s.on('data', (d) => {
          reader.feed(d);
          for (let argv = reader.next(); argv !== null; argv = reader.next()) {
            const name = argv[0]!.toUpperCase();
            if (name === 'PING') s.write('+PONG\r\n');
            else if (name === 'REPLCONF') {
              if (argv[1]!.toUpperCase() !== 'ACK') s.write('+OK\r\n');
            } else if (name === 'PSYNC') {
              psyncs++;
              s.write(`+FULLRESYNC ${'f'.repeat(40)} ${offerOffset}\r\n$${rdb.length}\r\n`);
              s.write(rdb);
            }
          }
        });
      });
      await new Promise<void>((resolve) => fake!.listen(port, '127.0.0.1', resolve));
      await until('two refused attempts', async () => refusals.length >= 2 && psyncs >= 2);
      assert.equal((await rc.call('DBSIZE')).v, '20');
      assert.equal(refusals[0]!.primaryOffset, ours - 1);
      assert.equal(refusals[0]!.offset, ours);

      offerOffset = ours + 1000;
      await until('the snapshot of a primary that is ahead is loaded', async () => (await rc.call('GET', 'ahead')).v === '1');
      assert.equal((await rc.call('DBSIZE')).v, '1');
      assert.equal(await info(rc, 'master_replid'), 'f'.repeat(40));
      assert.equal(await info(rc, 'master_repl_offset'), String(ours + 1000));
    } finally {
      channels.log.unsubscribe(onLog);
      for (const s of sockets) s.destroy();
      if (fake) await new Promise((resolve) => fake!.close(resolve));
      await r.stop();
      if (!aStopped) await a.stop();
    }
  });
});
