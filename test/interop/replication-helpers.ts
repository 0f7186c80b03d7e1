/**
 * Helpers for replication tests: a random write workload over every data type, waiting
 * for a replica to catch up, and comparing datasets (DEBUG DIGEST plus a per-key dump on
 * mismatch, to say what differs).
 */
import { rng, pick } from '../helpers/differential.js';
import type { RawClient, Reply } from '../helpers/resp.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One random write of any type (strings, lists, hashes, sets, sorted sets, expiry, multi-db, MULTI/EXEC). */
export function randomWrite(r: () => number): (string | number)[][] {
  const k = (p: string) => `${p}:${Math.floor(r() * 40)}`;
  const v = () => String(Math.floor(r() * 1000));
  const choice = Math.floor(r() * 22);
  switch (choice) {
    case 0:
      return [['SET', k('s'), v()]];
    case 1:
      return [['INCRBY', k('n'), Math.floor(r() * 10)]];
    case 2:
      return [['APPEND', k('s'), v()]];
    case 3:
      return [['SET', k('s'), v(), 'PX', 50 + Math.floor(r() * 400)]];
    case 4:
      return [['RPUSH', k('l'), v(), v()]];
    case 5:
      return [['LPOP', k('l')]];
    case 6:
      return [['LTRIM', k('l'), 0, Math.floor(r() * 5)]];
    case 7:
      return [['HSET', k('h'), `f${Math.floor(r() * 10)}`, v()]];
    case 8:
      return [['HDEL', k('h'), `f${Math.floor(r() * 10)}`]];
    case 9:
      return [['HINCRBYFLOAT', k('h'), 'fl', '0.1']];
    case 10:
      return [['SADD', k('t'), v(), v()]];
    case 11:
      return [['SPOP', k('t')]];
    case 12:
      return [['ZADD', k('z'), r() * 100, `m${Math.floor(r() * 20)}`]];
    case 13:
      return [['ZINCRBY', k('z'), 1.5, `m${Math.floor(r() * 20)}`]];
    case 14:
      return [['ZPOPMIN', k('z')]];
    case 15:
      return [['DEL', k(pick(r, ['s', 'l', 'h', 't', 'z']))]];
    case 16:
      return [['EXPIRE', k(pick(r, ['s', 'l', 'h', 't', 'z'])), 1 + Math.floor(r() * 3)]];
    case 17:
      return [
        ['SELECT', 1 + Math.floor(r() * 2)],
        ['SET', k('db'), v()],
        ['SELECT', 0],
      ];
    case 18:
      return [['MULTI'], ['INCR', k('n')], ['RPUSH', k('l'), v()], ['EXEC']];
    case 19:
      return [['SETRANGE', k('s'), Math.floor(r() * 20), 'xy']];
    case 20:
      return [['SUNIONSTORE', k('t'), k('t'), k('t')]];
    default:
      return [['GETEX', k('s'), 'PX', 200]];
  }
}

/** Run random writes on c until stop() is called; returns the number of commands sent. */
export function writeLoad(c: RawClient, seed: number): { stop: () => Promise<number> } {
  const r = rng(seed);
  let running = true;
  let n = 0;
  const done = (async () => {
    while (running) {
      for (const cmd of randomWrite(r)) {
        const rep = await c.call(...cmd);
        if (rep.t === 'error' && rep.v.startsWith('READONLY')) return n; // demoted (FAILOVER)
        if (rep.t === 'error' && !rep.v.startsWith('WRONGTYPE')) throw new Error(`${cmd.join(' ')} -> ${rep.v}`);
        n++;
      }
    }
    return n;
  })();
  return {
    stop: async () => {
      running = false;
      return done;
    },
  };
}

export function infoField(reply: Reply, field: string): string | undefined {
  const text = reply.t === 'bulk' || reply.t === 'verbatim' ? String(reply.v) : '';
  const m = new RegExp(`^${field}:(.*)$`, 'm').exec(text);
  return m ? m[1]!.trim() : undefined;
}

export async function info(c: RawClient, field: string, section = 'replication'): Promise<string | undefined> {
  return infoField(await c.call('INFO', section), field);
}

/** Wait until cond() holds (polling), or fail with what was last seen. */
export async function until(what: string, cond: () => Promise<boolean>, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Wait until the replica's offset reaches the primary's. */
export async function caughtUp(primary: RawClient, replica: RawClient): Promise<void> {
  await until('the replica to catch up', async () => {
    const p = await info(primary, 'master_repl_offset');
    const link = await info(replica, 'master_link_status');
    const r = await info(replica, 'slave_repl_offset');
    return link === 'up' && p !== undefined && p === r;
  });
}

/** A description of the whole dataset: per db, per key, type, digest of the value, and whether it has a TTL. */
export async function datasetOf(c: RawClient): Promise<string[]> {
  const out: string[] = [];
  for (let db = 0; db < 4; db++) {
    await c.call('SELECT', db);
    let cursor = '0';
    const keys: string[] = [];
    do {
      const r = await c.call('SCAN', cursor, 'COUNT', 1000);
      if (r.t !== 'array') throw new Error('SCAN failed');
      cursor = String((r.v[0] as { v: string }).v);
      for (const k of (r.v[1] as { v: Reply[] }).v) keys.push(String((k as { v: string }).v));
    } while (cursor !== '0');
    keys.sort();
    for (const k of keys) {
      const d = await c.call('DEBUG', 'DIGEST-VALUE', k);
      const t = await c.call('PEXPIRETIME', k);
      out.push(`${db} ${k} ${JSON.stringify(d)} ${JSON.stringify(t)}`);
    }
  }
  await c.call('SELECT', 0);
  return out;
}
