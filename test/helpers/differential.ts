/**
 * Differential testing: the same commands to dssm and to redis-server, replies compared.
 *
 * `Pair.both(...)` sends a command to both and asserts the replies are identical (type and
 * value). Where Redis leaves the order unspecified (SMEMBERS, HGETALL, SCAN...), pass
 * `{ unordered: true }` to compare as multisets.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { type Reply, type RawClient, plain } from './resp.js';
import { startDssm, startRedis, type RedisServer, type TestServer } from './servers.js';

export interface CompareOptions {
  /** Compare top-level array elements as a multiset. */
  unordered?: boolean;
  /** Compare pairs (HGETALL-style flat arrays) as a set of pairs. */
  unorderedPairs?: boolean;
}

function normalize(r: Reply, opts: CompareOptions): unknown {
  const p = plain(r);
  if (Array.isArray(p) && opts.unordered) return [...p].map((x) => JSON.stringify(x)).sort();
  if (Array.isArray(p) && opts.unorderedPairs) {
    const pairs: string[] = [];
    for (let i = 0; i < p.length; i += 2) pairs.push(JSON.stringify([p[i], p[i + 1]]));
    return pairs.sort();
  }
  return JSON.parse(JSON.stringify(r));
}

export class Pair {
  private constructor(
    readonly dssm: TestServer,
    readonly redis: RedisServer,
    readonly a: RawClient,
    readonly b: RawClient,
  ) {}

  static async start(dssmDirectives: string[] = [], redisArgs: string[] = []): Promise<Pair> {
    const dssm = await startDssm(dssmDirectives);
    const redis = await startRedis(redisArgs);
    return new Pair(dssm, redis, await dssm.client(), await redis.client());
  }

  /** Send to both; assert identical replies; return dssm's. */
  async both(args: (string | number)[], opts: CompareOptions = {}): Promise<Reply> {
    const [ra, rb] = await Promise.all([this.a.call(...args), this.b.call(...args)]);
    assert.deepEqual(normalize(ra, opts), normalize(rb, opts), `replies differ for ${JSON.stringify(args)}:\n dssm:  ${JSON.stringify(ra)}\n redis: ${JSON.stringify(rb)}`);
    return ra;
  }

  /** Send to both without comparing (setup, or replies that differ by design). */
  async send(args: (string | number)[]): Promise<[Reply, Reply]> {
    return Promise.all([this.a.call(...args), this.b.call(...args)]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.dssm.stop(), this.redis.stop()]);
  }
}

/**
 * The differential harness of a describe block: a dssm and a redis-server started once
 * before its tests (with the given directives / arguments), connected, and stopped after
 * them. Returns the Pair to use in the tests (its fields exist once `before` has run).
 *
 *   describe('hashes against redis-server', { skip: skipWithoutRedis() }, () => {
 *     const p = usePair(SMALL, [...SMALL, '--appendonly', 'yes']);
 *     test('HSET', () => p.both(['HSET', 'h', 'f', 'v']));
 *   });
 */
export function usePair(dssmDirectives: string[] = [], redisArgs: string[] = []): Pair {
  let pair: Pair | undefined;
  before(async () => {
    pair = await Pair.start(dssmDirectives, redisArgs);
  });
  after(async () => {
    await pair?.stop();
  });
  const started = (): Pair => {
    if (pair === undefined) throw new Error('usePair: the pair is used before its before() hook ran');
    return pair;
  };
  return {
    get dssm() {
      return started().dssm;
    },
    get redis() {
      return started().redis;
    },
    get a() {
      return started().a;
    },
    get b() {
      return started().b;
    },
    both: (args, opts) => started().both(args, opts),
    send: (args) => started().send(args),
    stop: () => started().stop(),
  } as Pair;
}

/** A small deterministic PRNG (mulberry32) so random sequences can be replayed from a seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)]!;
}
