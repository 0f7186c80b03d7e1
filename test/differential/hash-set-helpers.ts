/**
 * Comparison helpers for the hash and set differential tests: order-insensitive replies
 * that still check the reply type, complete SCAN iterations, keyspace events and the
 * commands each server propagates (dssm through a propagation sink, Redis through its AOF).
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Pair } from '../helpers/differential.js';
import { parseReply, plain, type RawClient, type Reply } from '../helpers/resp.js';

/** A reply with aggregate elements sorted: same type, same multiset of elements. */
export function unorderedShape(r: Reply): unknown {
  if (r.t === 'array' && r.v !== null) return { t: r.t, items: r.v.map((x) => JSON.stringify(plain(x))).sort() };
  if (r.t === 'set') return { t: r.t, items: r.v.map((x) => JSON.stringify(plain(x))).sort() };
  if (r.t === 'map') return { t: r.t, items: r.v.map(([k, v]) => JSON.stringify([plain(k), plain(v)])).sort() };
  return r;
}

/** Send to both; assert the same reply type and the same elements in any order. */
export async function bothUnordered(p: Pair, args: (string | number)[], pairs = false): Promise<Reply> {
  const [a, b] = await p.send(args);
  const norm = (r: Reply): unknown => {
    if (pairs && r.t === 'array' && r.v !== null) {
      const items: string[] = [];
      for (let i = 0; i < r.v.length; i += 2) items.push(JSON.stringify([plain(r.v[i]!), plain(r.v[i + 1]!)]));
      return { t: r.t, items: items.sort() };
    }
    return unorderedShape(r);
  };
  assert.deepEqual(norm(a), norm(b), `replies differ for ${JSON.stringify(args)}:\n dssm:  ${JSON.stringify(a)}\n redis: ${JSON.stringify(b)}`);
  return a;
}

/**
 * A complete SCAN iteration (HSCAN/SSCAN) from cursor 0; returns the sorted distinct
 * elements (field/value pairs joined for HSCAN) or the first error.
 */
export async function scanAll(c: RawClient, cmd: 'HSCAN' | 'SSCAN', key: string, opts: string[] = []): Promise<unknown> {
  const seen = new Set<string>();
  let cursor = '0';
  for (let rounds = 0; rounds < 100000; rounds++) {
    const r = await c.call(cmd, key, cursor, ...opts);
    if (r.t === 'error') return { error: r.v };
    assert.equal(r.t, 'array');
    const [cur, items] = r.v as [Reply, Reply];
    assert.equal(cur.t, 'bulk');
    assert.equal(items.t, 'array');
    const list = (items.v as Reply[]).map((x) => (x as { v: string }).v);
    if (cmd === 'HSCAN') {
      assert.equal(list.length % 2, 0);
      for (let i = 0; i < list.length; i += 2) seen.add(`${list[i]}\u0000${list[i + 1]}`);
    } else {
      for (const m of list) seen.add(m);
    }
    cursor = (cur as { v: string }).v;
    if (cursor === '0') return [...seen].sort();
  }
  throw new Error('SCAN did not finish');
}

/** Both servers' complete SCAN iterations must find the same elements. */
export async function bothScanAll(p: Pair, cmd: 'HSCAN' | 'SSCAN', key: string, opts: string[] = []): Promise<void> {
  const [a, b] = await Promise.all([scanAll(p.a, cmd, key, opts), scanAll(p.b, cmd, key, opts)]);
  assert.deepEqual(a, b, `${cmd} ${key} ${opts.join(' ')} collected different elements`);
}

/** Keyspace events ("event key") each server emits while fn runs. */
export async function captureEvents(p: Pair, fn: () => Promise<void>): Promise<[string[], string[]]> {
  await p.send(['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']);
  const subs = [await p.dssm.client(), await p.redis.client()];
  for (const s of subs) await s.call('PSUBSCRIBE', '__keyevent@*__:*');
  await fn();
  await p.send(['SET', '__end__', 'x']);
  const out: string[][] = [];
  for (const s of subs) {
    const events: string[] = [];
    for (;;) {
      const m = (await s.read()) as { v: Reply[] };
      const ev = (m.v[2] as { v: string }).v.replace(/^__keyevent@\d+__:/, '');
      const key = (m.v[3] as { v: string }).v;
      if (key === '__end__') break;
      events.push(`${ev} ${key}`);
    }
    s.close();
    out.push(events);
  }
  await p.send(['DEL', '__end__']);
  await p.send(['CONFIG', 'SET', 'notify-keyspace-events', '']);
  return [out[0]!, out[1]!];
}

/** Commands in a Redis AOF file (RESP multibulk), SELECT dropped. */
export function readRedisAof(dir: string): string[][] {
  const aofDir = join(dir, 'appendonlydir');
  if (!existsSync(aofDir)) return [];
  const file = readdirSync(aofDir).find((f) => f.endsWith('.incr.aof'));
  if (!file) return [];
  const buf = readFileSync(join(aofDir, file));
  const out: string[][] = [];
  let pos = 0;
  for (;;) {
    const r = parseReply(buf, pos);
    if (!r) break;
    pos = r[1];
    const argv = (r[0].v as Reply[]).map((x) => (x as { v: string }).v);
    if (argv[0]!.toUpperCase() !== 'SELECT') out.push(argv);
  }
  return out;
}

/** Start recording what dssm propagates (to AOF and replicas); returns the live log. */
export function recordDssmPropagation(p: Pair): string[][] {
  const log: string[][] = [];
  p.dssm.node.addPropagationSink({ propagate: (_db, argv) => log.push([...argv]) });
  return log;
}
