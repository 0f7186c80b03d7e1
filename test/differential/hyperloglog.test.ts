/**
 * HyperLogLog commands, dssm against redis-server 7.0: replies compared, and the raw HLL
 * bytes (GET) compared byte for byte, across the sparse → dense promotion, merges of
 * mixed encodings, DUMP/RESTORE both ways, corrupt values and errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { usePair, rng } from '../helpers/differential.js';
import { plain } from '../helpers/resp.js';
import { skipWithoutRedis, startDssm, startRedis } from '../helpers/servers.js';
import { caughtUp, info, until } from '../interop/replication-helpers.js';
import { captureEvents, readRedisAof, recordDssmPropagation } from './hash-set-helpers.js';

describe('HyperLogLog against redis-server', { skip: skipWithoutRedis() }, () => {
  const p = usePair([], ['--appendonly', 'yes', '--appendfsync', 'always']);

  async function all(cmds: (string | number)[][]): Promise<void> {
    for (const cmd of cmds) await p.both(cmd);
  }

  /** GET of an HLL on both, compared byte for byte; returns its encoding byte. */
  async function sameBytes(key: string): Promise<number> {
    const r = plain(await p.both(['GET', key])) as string;
    return r.charCodeAt(4);
  }

  it('PFADD, PFCOUNT and PFMERGE basics, with their errors', async () => {
    await p.send(['FLUSHALL']);
    await all([
      ['PFADD', 'h', 'a', 'b', 'c'],
      ['GET', 'h'],
      ['PFCOUNT', 'h'],
      ['GET', 'h'],
      ['PFCOUNT', 'h'],
      ['PFADD', 'h', 'a'],
      ['PFADD', 'h', 'a', 'd'],
      ['GET', 'h'],
      ['PFADD', 'empty'],
      ['GET', 'empty'],
      ['PFADD', 'empty'],
      ['PFCOUNT', 'empty'],
      ['GET', 'empty'],
      ['PFCOUNT', 'nokey'],
      ['PFCOUNT', 'nokey', 'nokey2'],
      ['EXISTS', 'nokey'],
      ['PFCOUNT', 'h', 'nokey', 'empty'],
      ['PFMERGE', 'm', 'h', 'nokey', 'empty'],
      ['GET', 'm'],
      ['PFCOUNT', 'm'],
      ['PFMERGE', 'm2'],
      ['GET', 'm2'],
      ['PFMERGE', 'm', 'm'],
      ['GET', 'm'],
      ['SET', 's', 'not an hll at all'],
      ['SET', 'i', '12345'],
      ['LPUSH', 'l', 'x'],
      ['PFADD', 's', 'x'],
      ['PFADD', 'i', 'x'],
      ['PFADD', 'l', 'x'],
      ['PFCOUNT', 's'],
      ['PFCOUNT', 'l'],
      ['PFCOUNT', 'h', 's'],
      ['PFCOUNT', 'h', 'l'],
      ['PFMERGE', 'h', 's'],
      ['PFMERGE', 's', 'h'],
      ['PFMERGE', 'l', 'h'],
      ['PFMERGE', 'newdst', 'h', 'l'],
      ['EXISTS', 'newdst'],
      ['PFADD'],
      ['PFCOUNT'],
      ['PFMERGE'],
      ['TYPE', 'h'],
      ['STRLEN', 'h'],
    ]);
  });

  it('PFCOUNT over 0..100k elements crosses sparse → dense with identical counts and bytes', async () => {
    await p.send(['FLUSHALL']);
    const r = rng(7);
    let n = 0;
    let sawSparse = false;
    let sawDense = false;
    while (n < 100_000) {
      // Small steps while sparse (where every opcode split matters), big ones later.
      const step = n < 3000 ? 1 + Math.floor(r() * 40) : 500 + Math.floor(r() * 3000);
      const batch: string[] = [];
      for (let i = 0; i < step; i++) batch.push(`el:${n + i}:${Math.floor(r() * 1e6)}`);
      n += step;
      await p.both(['PFADD', 'big', ...batch]);
      await p.both(['PFCOUNT', 'big']);
      const enc = await sameBytes('big');
      if (enc === 1) sawSparse = true;
      else sawDense = true;
      // Re-adding changes nothing.
      await p.both(['PFADD', 'big', batch[0]!]);
    }
    assert.ok(sawSparse && sawDense, 'the value went through both encodings');
    const count = Number(plain(await p.both(['PFCOUNT', 'big'])));
    assert.ok(Math.abs(count - n) / n < 0.02, `estimate ${count} for ${n}`);
  });

  it('binary elements and every element length hash as Redis does', async () => {
    await p.send(['FLUSHALL']);
    const r = rng(11);
    for (let round = 0; round < 60; round++) {
      const els: string[] = [];
      for (let k = 0; k < 20; k++) {
        const len = Math.floor(r() * 33);
        let s = '';
        for (let i = 0; i < len; i++) s += String.fromCharCode(Math.floor(r() * 256));
        els.push(s);
      }
      await p.both(['PFADD', 'bin', ...els]);
      await sameBytes('bin');
    }
    await p.both(['PFCOUNT', 'bin']);
  });

  it('PFMERGE of mixed encodings, into new and existing keys, sparse and dense', async () => {
    await p.send(['FLUSHALL']);
    const r = rng(23);
    const sizes = [0, 1, 5, 50, 300, 1500, 5000, 20000];
    for (const [i, size] of sizes.entries()) {
      const els: string[] = [];
      for (let k = 0; k < size; k++) els.push(`m${i}-${Math.floor(r() * 1e9)}`);
      for (let k = 0; k < els.length; k += 2000) await p.both(['PFADD', `src${i}`, ...els.slice(k, k + 2000)]);
      if (size === 0) await p.both(['PFADD', `src${i}`]);
      await sameBytes(`src${i}`);
    }
    const combos = [
      ['src1', 'src2'],
      ['src2', 'src3', 'src4'],
      ['src4', 'src5'],
      ['src5', 'src6'],
      ['src6', 'src1'],
      ['src0', 'src7'],
      ['src3', 'nokey', 'src6', 'src7'],
    ];
    for (const [i, srcs] of combos.entries()) {
      await p.both(['PFMERGE', `dst${i}`, ...srcs]);
      await sameBytes(`dst${i}`);
      await p.both(['PFCOUNT', `dst${i}`]);
      await p.both(['PFCOUNT', ...srcs]);
      // Into an existing sparse destination, then into an existing dense one.
      await p.both(['PFMERGE', 'src2', ...srcs]);
      await sameBytes('src2');
      await p.both(['PFMERGE', 'src7', ...srcs]);
      await sameBytes('src7');
    }
    await p.both(['PFCOUNT', 'src0', 'src1', 'src2', 'src3', 'src4', 'src5', 'src6', 'src7']);
  });

  it('hll-sparse-max-bytes decides when a value turns dense', async () => {
    await p.send(['FLUSHALL']);
    try {
      for (const limit of ['0', '40', '200', '6000']) {
        await all([
          ['CONFIG', 'SET', 'hll-sparse-max-bytes', limit],
          ['CONFIG', 'GET', 'hll-sparse-max-bytes'],
        ]);
        for (let k = 0; k < 40; k++) {
          await p.both(['PFADD', `lim${limit}`, `a${k}`, `b${k * 7}`, `c${k * 13}`]);
          await sameBytes(`lim${limit}`);
        }
        await p.both(['PFMERGE', `limm${limit}`, 'lim0', `lim${limit}`]);
        await sameBytes(`limm${limit}`);
      }
    } finally {
      await p.send(['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000']);
    }
  });

  it('values move between dssm and Redis through DUMP/RESTORE and SET', async () => {
    await p.send(['FLUSHALL']);
    const els = Array.from({ length: 3000 }, (_, i) => `x${i}`);
    await p.both(['PFADD', 'sparse', ...els.slice(0, 100)]);
    await p.both(['PFADD', 'dense', ...els]);
    for (const key of ['sparse', 'dense']) {
      const [fromDssm, fromRedis] = (await p.send(['DUMP', key])).map((r) => plain(r) as string) as [string, string];
      // Each side restores the other's payload and answers like the original.
      await p.a.call('RESTORE', `${key}-r`, '0', fromRedis);
      await p.b.call('RESTORE', `${key}-r`, '0', fromDssm);
      await p.both(['PFCOUNT', `${key}-r`]);
      await sameBytes(`${key}-r`);
      await p.both(['PFADD', `${key}-r`, 'one more', 'and another']);
      await sameBytes(`${key}-r`);
      // A value written by Redis, stored by SET into dssm (and the other way round).
      const redisBytes = plain(await p.b.call('GET', key)) as string;
      await p.both(['SET', `${key}-s`, redisBytes]);
      await p.both(['PFCOUNT', `${key}-s`]);
      await p.both(['PFADD', `${key}-s`, 'more']);
      await sameBytes(`${key}-s`);
    }
  });

  it('corrupt and malformed values: WRONGTYPE for bad headers, INVALIDOBJ for bad opcodes', async () => {
    await p.send(['FLUSHALL']);
    const hdr = (enc: number, stale = true) => 'HYLL' + String.fromCharCode(enc) + '\0\0\0' + '\0'.repeat(7) + (stale ? '\x80' : '\0');
    // Sparse opcodes covering too few registers (one XZERO of 100), too many, and a VAL run past the end.
    const short = hdr(1) + '\x40\x63';
    const long = hdr(1) + '\x7f\xff\x7f\xff';
    const valPast = hdr(1) + '\x7f\xfe\x83';
    await all([
      ['SET', 'short', short],
      ['SET', 'long', long],
      ['SET', 'valpast', valPast],
      ['SET', 'badenc', hdr(2) + '\x7f\xff'],
      ['SET', 'dense-short', hdr(0) + '\0'.repeat(100)],
      ['SET', 'tiny', 'HYLL\x01'],
      ['SET', 'cached', hdr(1, false).slice(0, 8) + '\x2a\0\0\0\0\0\0\0' + '\x40\x63'],
      ['PFCOUNT', 'short'],
      ['PFCOUNT', 'long'],
      ['PFCOUNT', 'valpast'],
      ['PFCOUNT', 'badenc'],
      ['PFCOUNT', 'dense-short'],
      ['PFCOUNT', 'tiny'],
      ['PFCOUNT', 'cached'],
      ['PFCOUNT', 'short', 'long'],
      ['PFMERGE', 'd', 'short'],
      ['PFMERGE', 'd', 'valpast'],
      ['EXISTS', 'd'],
      ['PFADD', 'dense-short', 'x'],
      ['PFADD', 'badenc', 'x'],
    ]);
  });

  it('keyspace notifications: pfadd for PFADD and PFMERGE, none for a PFADD that changes nothing', async () => {
    await p.send(['FLUSHALL']);
    const [ours, theirs] = await captureEvents(p, async () => {
      await all([
        ['PFADD', 'n', 'a'],
        ['PFADD', 'n', 'a'],
        ['PFCOUNT', 'n'],
        ['PFMERGE', 'n2', 'n'],
        ['PFMERGE', 'n2'],
      ]);
    });
    assert.deepEqual(ours, theirs);
    assert.deepEqual(ours, ['pfadd n', 'pfadd n2', 'pfadd n2']);
  });

  it('propagation: PFADD and PFMERGE as sent, PFCOUNT when it refreshes the cached cardinality', async () => {
    await p.send(['FLUSHALL']);
    const log = recordDssmPropagation(p);
    const before = readRedisAof(p.redis.dir).length;
    const mark = log.length;
    await all([
      ['PFADD', 'q', 'a', 'b'],
      ['PFADD', 'q', 'a'],
      ['PFCOUNT', 'q'],
      ['PFCOUNT', 'q'],
      ['PFCOUNT', 'q', 'nokey'],
      ['PFMERGE', 'q2', 'q'],
      ['PFCOUNT', 'q2'],
      ['PFCOUNT', 'nokey'],
    ]);
    const ours = log.slice(mark).map((a) => a.join(' '));
    const theirs = readRedisAof(p.redis.dir)
      .slice(before)
      .map((a) => a.join(' '));
    assert.deepEqual(ours, theirs);
    assert.deepEqual(ours, ['PFADD q a b', 'PFCOUNT q', 'PFMERGE q2 q', 'PFCOUNT q2']);
  });

  it('a redis-server replica of a dssm primary holds the same HLL bytes (full sync, then the stream)', async () => {
    const dssm = await startDssm();
    const redis = await startRedis();
    try {
      const pc = await dssm.client();
      const rc = await redis.client();
      const els = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
      await pc.call('PFADD', 'before', ...els('b', 2000));
      await pc.call('PFCOUNT', 'before');
      assert.equal((await rc.call('REPLICAOF', '127.0.0.1', dssm.port)).v, 'OK');
      await until('link up', async () => (await info(rc, 'master_link_status')) === 'up');
      await pc.call('PFADD', 'sparse', ...els('s', 50));
      await pc.call('PFCOUNT', 'sparse');
      await pc.call('PFADD', 'dense', ...els('d', 5000));
      await pc.call('PFMERGE', 'merged', 'sparse', 'dense', 'before');
      await pc.call('PFCOUNT', 'merged');
      await caughtUp(pc, rc);
      for (const key of ['before', 'sparse', 'dense', 'merged']) {
        assert.deepEqual(await rc.call('GET', key), await pc.call('GET', key), key);
        assert.deepEqual(await rc.call('PFCOUNT', key), await pc.call('PFCOUNT', key), key);
      }
    } finally {
      await redis.stop();
      await dssm.stop();
    }
  });
});
