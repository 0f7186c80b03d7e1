/**
 * Sorted set commands, dssm against redis-server 7.0: the same commands to both, replies
 * compared byte for byte in meaning (type and value), in RESP2 and RESP3, errors included.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { usePair, pick, rng } from '../helpers/differential.js';
import type { RawClient, Reply } from '../helpers/resp.js';
import { skipWithoutRedis } from '../helpers/servers.js';

describe('sorted sets against redis-server', { skip: skipWithoutRedis() }, () => {
  const p = usePair();

  async function all(cmds: (string | number)[][], opts = {}): Promise<void> {
    for (const cmd of cmds) await p.both(cmd, opts);
  }

  async function resp3<T>(fn: () => Promise<T>): Promise<T> {
    await p.send(['HELLO', '3']);
    try {
      return await fn();
    } finally {
      await p.send(['HELLO', '2']);
    }
  }

  it('ZADD with every option and its errors', async () => {
    await p.send(['FLUSHALL']);
    await all([
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'],
      ['ZADD', 'z', 'NX', '10', 'a', '4', 'd'],
      ['ZADD', 'z', 'XX', '10', 'a', '5', 'e'],
      ['ZADD', 'z', 'XX', 'CH', '11', 'a', '5', 'e'],
      ['ZADD', 'z', 'CH', '11', 'a', '2', 'b', '7', 'f'],
      ['ZADD', 'z', 'GT', 'CH', '1', 'a', '20', 'b', '0', 'g'],
      ['ZADD', 'z', 'LT', 'CH', '100', 'a', '1', 'b', '0', 'h'],
      ['ZADD', 'z', 'XX', 'GT', 'CH', '50', 'a', '50', 'zz'],
      ['ZADD', 'z', 'INCR', '2.5', 'a'],
      ['ZADD', 'z', 'INCR', 'NX', '2.5', 'a'],
      ['ZADD', 'z', 'INCR', 'XX', '2.5', 'nope'],
      ['ZADD', 'z', 'INCR', 'GT', '-1', 'a'],
      ['ZADD', 'z', 'INCR', 'LT', '-1', 'a'],
      ['ZADD', 'z', 'INCR', '0', 'a'],
      ['ZADD', 'nokey', 'XX', '1', 'a'],
      ['ZADD', 'nokey', 'XX', 'INCR', '1', 'a'],
      ['EXISTS', 'nokey'],
      ['ZADD', 'z', 'NX', 'XX', '1', 'a'],
      ['ZADD', 'z', 'NX', 'GT', '1', 'a'],
      ['ZADD', 'z', 'LT', 'GT', '1', 'a'],
      ['ZADD', 'z', 'NX', 'LT', '1', 'a'],
      ['ZADD', 'z', 'INCR', '1', 'a', '2', 'b'],
      ['ZADD', 'z', '1', 'a', '2'],
      ['ZADD', 'z', 'nan', 'a'],
      ['ZADD', 'z', 'abc', 'a'],
      ['ZADD', 'z', '1', 'a', 'x', 'b'],
      ['ZADD', 'z', 'NX'],
      ['ZADD', 'z', 'XX', 'CH', 'INCR'],
      ['ZADD', 'z', 'nx', 'ch', '3', 'new'],
      ['ZADD', 'z', 'INCR', 'inf', 'i'],
      ['ZADD', 'z', 'INCR', '-inf', 'i'],
      ['ZSCORE', 'z', 'i'],
      ['ZINCRBY', 'z', '-inf', 'i'],
      ['ZINCRBY', 'z', '1.1', 'j'],
      ['ZINCRBY', 'z', 'x', 'j'],
      ['ZINCRBY', 'z', 'nx', 'j'],
      ['ZINCRBY', 'new', '5', 'm'],
      ['ZADD', 'z', '1', 'a', '2', 'a', '3', 'a'],
      ['ZADD', 'z', 'CH', '4', 'a', '4', 'a'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['SET', 'str', 'x'],
      ['ZADD', 'str', '1', 'a'],
      ['ZADD', 'str', 'x', 'a'],
      ['ZINCRBY', 'str', '1', 'a'],
    ]);
  });

  it('formats scores as Redis 7.0 does', async () => {
    await p.send(['FLUSHALL']);
    const scores = ['1.1', '0.1', '-0', '0', '1e300', '-1e-300', '5e-324', '123456789012345678', '3.0', '1e17', '1e16', '0.30000000000000004', '+inf', '-inf', '2.5e-5', '0x10', '1E3'];
    for (let i = 0; i < scores.length; i++) await p.both(['ZADD', 'f', scores[i]!, `m${i}`]);
    await p.both(['ZRANGE', 'f', '0', '-1', 'WITHSCORES']);
    for (let i = 0; i < scores.length; i++) await p.both(['ZSCORE', 'f', `m${i}`]);
    await p.both(['ZMSCORE', 'f', 'm0', 'missing', 'm3']);
    await p.both(['ZMSCORE', 'nokey', 'a', 'b']);
    await p.both(['CONFIG', 'SET', 'zset-max-listpack-entries', '0']);
    await p.both(['ZADD', 'sk', '-0', 'a', '0', 'b']);
    await p.both(['ZINCRBY', 'sk', '-0', 'c']);
    await p.both(['ZRANGE', 'sk', '0', '-1', 'WITHSCORES']);
    await p.both(['CONFIG', 'SET', 'zset-max-listpack-entries', '128']);
    await p.both(['ZRANGESTORE', 'lp', 'sk', '0', '-1']);
    await p.both(['ZRANGE', 'lp', '0', '-1', 'WITHSCORES']);
    await p.both(['ZADD', 'n', '1', 'a']);
    await p.both(['ZINCRBY', 'n', '-0', 'nm']);
    await p.both(['ZADD', 'n', 'INCR', '-0', 'nm2']);
    await p.both(['ZRANGE', 'n', '0', '-1', 'WITHSCORES']);
    await p.both(['ZUNION', '1', 'n', 'WEIGHTS', '-1', 'WITHSCORES']);
    await p.both(['ZUNIONSTORE', 'nd', '1', 'n', 'WEIGHTS', '-1']);
    await p.both(['ZRANGE', 'nd', '0', '-1', 'WITHSCORES']);
    await p.both(['ZUNION', '2', 'f', 'f', 'WEIGHTS', '0', '1', 'WITHSCORES']);
    await p.both(['ZINTER', '2', 'f', 'f', 'WEIGHTS', '1', '-1', 'AGGREGATE', 'SUM', 'WITHSCORES']);
    await p.both(['ZADD', 'g', '0', 'a']);
    await p.both(['ZADD', 'g', 'CH', '-0', 'a']);
    await p.both(['ZSCORE', 'g', 'a']);
    await resp3(async () => {
      await p.both(['ZRANGE', 'f', '0', '-1', 'WITHSCORES']);
      await p.both(['ZSCORE', 'f', 'm0']);
      await p.both(['ZSCORE', 'f', 'missing']);
      await p.both(['ZMSCORE', 'f', 'm0', 'missing', 'm12']);
      await p.both(['ZINCRBY', 'f', '1', 'm0']);
      await p.both(['ZADD', 'f', 'INCR', '1', 'm0']);
      await p.both(['ZADD', 'f', 'INCR', 'NX', '1', 'm0']);
    });
  });

  it('ZREM ZCARD ZRANK ZREVRANK ZCOUNT ZLEXCOUNT', async () => {
    await p.send(['FLUSHALL']);
    await all([
      ['ZADD', 'z', '1', 'a', '2', 'b', '2', 'c', '3', 'd', '-5', 'e'],
      ['ZCARD', 'z'],
      ['ZCARD', 'nokey'],
      ['ZRANK', 'z', 'c'],
      ['ZREVRANK', 'z', 'c'],
      ['ZRANK', 'z', 'e'],
      ['ZRANK', 'z', 'missing'],
      ['ZRANK', 'nokey', 'a'],
      ['ZRANK', 'z', 'a', 'WITHSCORE'],
      ['ZREVRANK', 'z', 'a', 'WITHSCORE'],
      ['ZCOUNT', 'z', '-inf', '+inf'],
      ['ZCOUNT', 'z', '(1', '3'],
      ['ZCOUNT', 'z', '(1', '(3'],
      ['ZCOUNT', 'z', '2', '2'],
      ['ZCOUNT', 'z', '(2', '2'],
      ['ZCOUNT', 'z', '3', '1'],
      ['ZCOUNT', 'z', 'x', '1'],
      ['ZCOUNT', 'z', '1', '(x'],
      ['ZCOUNT', 'z', '', '5'],
      ['ZCOUNT', 'z', ' 1', '5'],
      ['ZCOUNT', 'z', '1 ', '5'],
      ['ZCOUNT', 'z', '(', '5'],
      ['ZCOUNT', 'z', 'nan', '5'],
      ['ZCOUNT', 'nokey', '0', '1'],
      ['ZCOUNT', 'nokey', 'x', '1'],
      ['ZADD', 'l', '0', 'a', '0', 'b', '0', 'c', '0', 'd', '0', 'e', '0', 'ee'],
      ['ZLEXCOUNT', 'l', '-', '+'],
      ['ZLEXCOUNT', 'l', '[b', '(e'],
      ['ZLEXCOUNT', 'l', '(b', '[e'],
      ['ZLEXCOUNT', 'l', '+', '-'],
      ['ZLEXCOUNT', 'l', '-', '-'],
      ['ZLEXCOUNT', 'l', '[c', '[c'],
      ['ZLEXCOUNT', 'l', '(c', '[c'],
      ['ZLEXCOUNT', 'l', 'c', '[c'],
      ['ZLEXCOUNT', 'l', '[a', '+x'],
      ['ZLEXCOUNT', 'l', '', '+'],
      ['ZLEXCOUNT', 'nokey', '-', '+'],
      ['ZREM', 'z', 'a', 'missing', 'b'],
      ['ZREM', 'z', 'missing'],
      ['ZREM', 'nokey', 'a'],
      ['ZREM', 'z', 'c', 'd', 'e', 'f'],
      ['EXISTS', 'z'],
      ['SET', 'str', 'x'],
      ['ZREM', 'str', 'a'],
      ['ZCARD', 'str'],
      ['ZRANK', 'str', 'a'],
      ['ZCOUNT', 'str', '0', '1'],
      ['ZCOUNT', 'str', 'x', '1'],
      ['ZLEXCOUNT', 'str', '-', '+'],
      ['ZSCORE', 'str', 'a'],
      ['ZMSCORE', 'str', 'a'],
    ]);
  });

  it('the ZRANGE family: by rank, score and lex, REV, LIMIT, WITHSCORES', async () => {
    await p.send(['FLUSHALL']);
    const args: (string | number)[] = ['ZADD', 'z'];
    for (let i = 0; i < 20; i++) args.push(String(i % 7), `m${String(i).padStart(2, '0')}`);
    await p.both(args);
    const lexArgs: (string | number)[] = ['ZADD', 'l'];
    for (const m of ['a', 'b', 'bb', 'c', 'd', 'e', 'f', 'g', '\u00ff', 'A', '']) lexArgs.push('0', m);
    await p.both(lexArgs);
    const cmds: (string | number)[][] = [];
    for (const [s, e] of [
      ['0', '-1'],
      ['2', '5'],
      ['-3', '-1'],
      ['5', '2'],
      ['-100', '100'],
      ['19', '19'],
      ['20', '30'],
      ['x', '1'],
    ]) {
      cmds.push(['ZRANGE', 'z', s!, e!], ['ZRANGE', 'z', s!, e!, 'WITHSCORES'], ['ZRANGE', 'z', s!, e!, 'REV'], ['ZREVRANGE', 'z', s!, e!, 'WITHSCORES']);
    }
    for (const [min, max] of [
      ['-inf', '+inf'],
      ['1', '3'],
      ['(1', '3'],
      ['(1', '(3'],
      ['3', '1'],
      ['(2', '2'],
      ['2', '2'],
      ['x', '1'],
      ['-inf', '(0'],
    ]) {
      cmds.push(
        ['ZRANGEBYSCORE', 'z', min!, max!],
        ['ZRANGEBYSCORE', 'z', min!, max!, 'WITHSCORES'],
        ['ZRANGEBYSCORE', 'z', min!, max!, 'LIMIT', '2', '3'],
        ['ZRANGEBYSCORE', 'z', min!, max!, 'LIMIT', '2', '-1', 'WITHSCORES'],
        ['ZRANGEBYSCORE', 'z', min!, max!, 'LIMIT', '-1', '3'],
        ['ZRANGEBYSCORE', 'z', min!, max!, 'LIMIT', '100', '3'],
        ['ZRANGEBYSCORE', 'z', min!, max!, 'LIMIT', '0', '0'],
        ['ZREVRANGEBYSCORE', 'z', max!, min!],
        ['ZREVRANGEBYSCORE', 'z', max!, min!, 'WITHSCORES', 'LIMIT', '1', '4'],
        ['ZRANGE', 'z', min!, max!, 'BYSCORE', 'LIMIT', '1', '2', 'WITHSCORES'],
        ['ZRANGE', 'z', max!, min!, 'BYSCORE', 'REV', 'LIMIT', '1', '2'],
      );
    }
    for (const [min, max] of [
      ['-', '+'],
      ['[b', '[e'],
      ['(b', '(e'],
      ['[bb', '+'],
      ['-', '(c'],
      ['+', '-'],
      ['[e', '[b'],
      ['[', '+'],
      ['(', '+'],
      ['b', '+'],
      ['[\u00ff', '+'],
    ]) {
      cmds.push(
        ['ZRANGEBYLEX', 'l', min!, max!],
        ['ZRANGEBYLEX', 'l', min!, max!, 'LIMIT', '1', '2'],
        ['ZRANGEBYLEX', 'l', min!, max!, 'LIMIT', '-1', '2'],
        ['ZREVRANGEBYLEX', 'l', max!, min!],
        ['ZREVRANGEBYLEX', 'l', max!, min!, 'LIMIT', '1', '100'],
        ['ZRANGE', 'l', min!, max!, 'BYLEX'],
        ['ZRANGE', 'l', max!, min!, 'BYLEX', 'REV', 'LIMIT', '0', '3'],
      );
    }
    cmds.push(
      ['ZRANGE', 'z', '0', '-1', 'LIMIT', '0', '1'],
      ['ZRANGE', 'l', '-', '+', 'BYLEX', 'WITHSCORES'],
      ['ZRANGEBYLEX', 'l', '-', '+', 'WITHSCORES'],
      ['ZRANGE', 'z', '0', '1', 'BYSCORE', 'BYLEX'],
      ['ZRANGE', 'z', '0', '1', 'REV', 'REV'],
      ['ZRANGE', 'z', '0', '1', 'BYSCORE', 'LIMIT', '0'],
      ['ZRANGE', 'z', '0', '1', 'BYSCORE', 'LIMIT', 'x', '1'],
      ['ZRANGE', 'z', '0', '1', 'foo'],
      ['ZREVRANGE', 'z', '0', '1', 'REV'],
      ['ZRANGEBYSCORE', 'z', '0', '1', 'BYSCORE'],
      ['ZRANGEBYSCORE', 'z', '0', '1', 'REV'],
      ['ZRANGE', 'nokey', '0', '-1'],
      ['ZRANGE', 'nokey', 'x', '-1'],
      ['ZRANGEBYSCORE', 'nokey', '0', '1'],
      ['SET', 'str', 'x'],
      ['ZRANGE', 'str', '0', '-1'],
      ['ZRANGEBYLEX', 'str', '-', '+'],
    );
    await all(cmds);
    await resp3(() => all(cmds));
  });

  it('ZRANGESTORE', async () => {
    await p.send(['FLUSHALL']);
    await all([
      ['ZADD', 'src', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
      ['ZRANGESTORE', 'dst', 'src', '1', '2'],
      ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
      ['ZRANGESTORE', 'dst', 'src', '(1', '+inf', 'BYSCORE', 'LIMIT', '0', '2'],
      ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
      ['ZRANGESTORE', 'dst', 'src', '+inf', '-inf', 'BYSCORE', 'REV'],
      ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
      ['ZRANGESTORE', 'dst', 'src', '[b', '+', 'BYLEX'],
      ['ZRANGESTORE', 'dst', 'src', '0', '-1', 'WITHSCORES'],
      ['EXPIRE', 'dst', '100'],
      ['ZRANGESTORE', 'dst', 'src', '0', '0'],
      ['TTL', 'dst'],
      ['ZRANGESTORE', 'dst', 'src', '10', '20'],
      ['EXISTS', 'dst'],
      ['SET', 'dst', 'x'],
      ['ZRANGESTORE', 'dst', 'nokey', '0', '-1'],
      ['EXISTS', 'dst'],
      ['SET', 'str', 'x'],
      ['ZRANGESTORE', 'dst', 'str', '0', '-1'],
      ['ZRANGESTORE', 'str', 'src', '0', '-1'],
      ['TYPE', 'str'],
      ['ZRANGESTORE', 'src', 'src', '0', '1'],
      ['ZRANGE', 'src', '0', '-1', 'WITHSCORES'],
    ]);
  });

  it('ZREMRANGEBYSCORE, ZREMRANGEBYRANK, ZREMRANGEBYLEX', async () => {
    await p.send(['FLUSHALL']);
    const fill = ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e', '6', 'f'];
    const fillLex = ['ZADD', 'l', '0', 'a', '0', 'b', '0', 'c', '0', 'd', '0', 'e'];
    await all([
      fill,
      ['ZREMRANGEBYSCORE', 'z', '(1', '3'],
      ['ZRANGE', 'z', '0', '-1'],
      ['ZREMRANGEBYSCORE', 'z', '10', '20'],
      ['ZREMRANGEBYSCORE', 'z', 'x', '20'],
      ['ZREMRANGEBYSCORE', 'z', '-inf', '+inf'],
      ['EXISTS', 'z'],
      fill,
      ['ZREMRANGEBYRANK', 'z', '1', '2'],
      ['ZREMRANGEBYRANK', 'z', '-2', '-1'],
      ['ZREMRANGEBYRANK', 'z', '5', '1'],
      ['ZREMRANGEBYRANK', 'z', '10', '11'],
      ['ZREMRANGEBYRANK', 'z', 'x', '1'],
      ['ZRANGE', 'z', '0', '-1'],
      ['ZREMRANGEBYRANK', 'z', '-100', '100'],
      ['EXISTS', 'z'],
      fillLex,
      ['ZREMRANGEBYLEX', 'l', '(a', '[c'],
      ['ZREMRANGEBYLEX', 'l', 'a', '[c'],
      ['ZRANGE', 'l', '0', '-1'],
      ['ZREMRANGEBYLEX', 'l', '-', '+'],
      ['EXISTS', 'l'],
      ['ZREMRANGEBYLEX', 'nokey', '-', '+'],
      ['ZREMRANGEBYRANK', 'nokey', '0', '1'],
      ['SET', 'str', 'x'],
      ['ZREMRANGEBYSCORE', 'str', '0', '1'],
      ['ZREMRANGEBYSCORE', 'str', 'x', '1'],
    ]);
  });

  it('ZPOPMIN, ZPOPMAX, ZMPOP and the non-blocking paths of BZPOPMIN, BZPOPMAX, BZMPOP', async () => {
    await p.send(['FLUSHALL']);
    const cmds: (string | number)[][] = [
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e', '6', 'f', '7', 'g'],
      ['ZPOPMIN', 'z'],
      ['ZPOPMAX', 'z'],
      ['ZPOPMIN', 'z', '2'],
      ['ZPOPMAX', 'z', '0'],
      ['ZPOPMAX', 'z', '1'],
      ['ZPOPMIN', 'z', '-1'],
      ['ZPOPMIN', 'z', 'x'],
      ['ZPOPMIN', 'z', '1', '2'],
      ['ZPOPMIN', 'nokey'],
      ['ZPOPMIN', 'nokey', '3'],
      ['ZADD', 'y', '10', 'x', '20', 'y'],
      ['ZMPOP', '2', 'nokey', 'z', 'MIN'],
      ['ZMPOP', '2', 'z', 'y', 'MAX', 'COUNT', '10'],
      ['ZMPOP', '2', 'z', 'y', 'MAX', 'COUNT', '10'],
      ['ZMPOP', '2', 'z', 'y', 'MAX'],
      ['ZMPOP', '0', 'z', 'MIN'],
      ['ZMPOP', 'x', 'z', 'MIN'],
      ['ZMPOP', '1', 'z', 'LEFT'],
      ['ZMPOP', '3', 'z', 'MIN'],
      ['ZMPOP', '1', 'z', 'MIN', 'COUNT', '0'],
      ['ZMPOP', '1', 'z', 'MIN', 'COUNT', 'x'],
      ['ZMPOP', '1', 'z', 'MIN', 'COUNT', '1', 'COUNT', '1'],
      ['ZMPOP', '1', 'z', 'MIN', 'COUNT'],
      ['ZADD', 'b', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
      ['BZPOPMIN', 'nokey', 'b', '0'],
      ['BZPOPMAX', 'nokey', 'b', '0.01'],
      ['BZMPOP', '0', '2', 'nokey', 'b', 'MIN', 'COUNT', '1'],
      ['BZMPOP', '0', '1', 'b', 'MAX', 'COUNT', '10'],
      ['EXISTS', 'b'],
      ['BZPOPMIN', 'b', 'x'],
      ['BZPOPMIN', 'b', '-1'],
      ['BZMPOP', 'x', '1', 'b', 'MIN'],
      ['BZMPOP', '0', '0', 'b', 'MIN'],
      ['SET', 'str', 'x'],
      ['ZPOPMIN', 'str'],
      ['ZMPOP', '2', 'nokey', 'str', 'MIN'],
      ['BZPOPMIN', 'str', '0'],
      ['BZMPOP', '0', '1', 'str', 'MIN'],
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'],
      ['MULTI'],
      ['BZPOPMIN', 'nokey', '0'],
      ['BZMPOP', '0', '1', 'nokey', 'MIN'],
      ['BZPOPMAX', 'z', '0'],
      ['EXEC'],
    ];
    await all(cmds);
    await resp3(() => all(cmds));
  });

  it('ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD, with sets as inputs', async () => {
    await p.send(['FLUSHALL']);
    const cmds: (string | number)[][] = [
      ['ZADD', 'a', '1', 'x', '2', 'y', '3', 'z', 'inf', 'i'],
      ['ZADD', 'b', '10', 'y', '20', 'z', '30', 'w', '-inf', 'i'],
      ['ZADD', 'f', '0.1', 'x', '0.2', 'y'],
      ['ZADD', 'g', '0.7', 'x', '0.2', 'y', '1', 'z'],
      ['ZUNION', '2', 'a', 'b'],
      ['ZUNION', '2', 'a', 'b', 'WITHSCORES'],
      ['ZUNION', '2', 'a', 'b', 'AGGREGATE', 'MIN', 'WITHSCORES'],
      ['ZUNION', '2', 'a', 'b', 'AGGREGATE', 'max', 'WITHSCORES'],
      ['ZUNION', '3', 'f', 'g', 'a', 'WITHSCORES'],
      ['ZUNION', '3', 'g', 'f', 'a', 'WITHSCORES'],
      ['ZINTER', '2', 'a', 'b', 'WITHSCORES'],
      ['ZINTER', '3', 'a', 'b', 'nokey'],
      ['ZINTER', '2', 'a', 'b', 'WEIGHTS', '1', '2', 'AGGREGATE', 'MAX', 'WITHSCORES'],
      ['ZINTER', '2', 'a', 'a', 'WITHSCORES'],
      ['ZDIFF', '2', 'a', 'b', 'WITHSCORES'],
      ['ZDIFF', '1', 'nokey'],
      ['ZDIFF', '2', 'a', 'b', 'WEIGHTS', '1', '1'],
      ['ZDIFF', '2', 'a', 'b', 'AGGREGATE', 'SUM'],
      ['ZINTERCARD', '2', 'a', 'b'],
      ['ZINTERCARD', '2', 'a', 'b', 'LIMIT', '1'],
      ['ZINTERCARD', '2', 'a', 'b', 'LIMIT', '0'],
      ['ZINTERCARD', '2', 'a', 'b', 'LIMIT', '-1'],
      ['ZINTERCARD', '2', 'a', 'b', 'WITHSCORES'],
      ['ZINTERCARD', '0', 'a'],
      ['ZINTERCARD', 'x', 'a'],
      ['ZINTERCARD', '3', 'a'],
      ['ZUNION', '0', 'a'],
      ['ZUNION', '-1', 'a'],
      ['ZUNION', '3', 'a', 'b'],
      ['ZUNION', '2', 'a', 'b', 'WEIGHTS', '1'],
      ['ZUNION', '2', 'a', 'b', 'WEIGHTS', '1', 'x'],
      ['ZUNION', '2', 'a', 'b', 'WEIGHTS', '1', 'nan'],
      ['ZUNION', '2', 'a', 'b', 'AGGREGATE', 'AVG'],
      ['ZUNION', '2', 'a', 'b', 'AGGREGATE'],
      ['ZUNION', '2', 'a', 'b', 'FOO'],
      ['ZUNIONSTORE', 'd', '2', 'a', 'b'],
      ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
      ['ZUNIONSTORE', 'd', '2', 'a', 'b', 'WITHSCORES'],
      ['ZINTERSTORE', 'd', '2', 'a', 'b', 'WEIGHTS', '0.5', '3'],
      ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
      ['ZDIFFSTORE', 'd', '2', 'a', 'b'],
      ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
      ['ZDIFFSTORE', 'd', '2', 'a', 'a'],
      ['EXISTS', 'd'],
      ['ZINTERSTORE', 'd', '2', 'a', 'nokey'],
      ['ZUNIONSTORE', 'a', '2', 'a', 'b'],
      ['ZRANGE', 'a', '0', '-1', 'WITHSCORES'],
      ['ZUNIONSTORE', 'd', '0', 'a'],
      ['SET', 'str', 'x'],
      ['ZUNION', '2', 'a', 'str'],
      ['ZUNION', '2', 'a', 'str', 'WEIGHTS', 'x'],
      ['ZINTERSTORE', 'd', '2', 'str', 'a'],
      ['ZUNIONSTORE', 'str', '1', 'a'],
      ['TYPE', 'str'],
    ];
    await all(cmds);
    await resp3(() => all(cmds));
  });

  it('plain sets are inputs with score 1', async () => {
    await p.send(['FLUSHALL']);
    await p.both(['SADD', 's', 'x', 'w', 'q']);
    const cmds: (string | number)[][] = [
      ['ZADD', 'a', '1', 'x', '2', 'y', '3', 'z'],
      ['ZADD', 'b', '10', 'y', '20', 'z', '30', 'w'],
      ['ZUNION', '3', 'a', 'b', 's', 'WITHSCORES'],
      ['ZUNION', '3', 'a', 'b', 's', 'WEIGHTS', '2', '0', '-1', 'WITHSCORES'],
      ['ZINTER', '2', 'a', 's', 'WITHSCORES'],
      ['ZINTER', '2', 's', 's', 'WITHSCORES'],
      ['ZINTERCARD', '2', 's', 'a'],
      ['ZDIFF', '3', 'a', 's', 'nokey', 'WITHSCORES'],
      ['ZDIFF', '2', 's', 'a', 'WITHSCORES'],
      ['ZUNIONSTORE', 'd', '2', 's', 'b'],
      ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
    ];
    await all(cmds);
    await resp3(() => all(cmds));
  });

  it('ZRANDMEMBER shapes and ranges', async () => {
    await p.send(['FLUSHALL']);
    await all([
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'],
      ['ZRANDMEMBER', 'nokey'],
      ['ZRANDMEMBER', 'nokey', '3'],
      ['ZRANDMEMBER', 'z', '0'],
      ['ZRANDMEMBER', 'z', '3'],
      ['ZRANDMEMBER', 'z', '10', 'WITHSCORES'],
      ['ZRANDMEMBER', 'z', 'x'],
      ['ZRANDMEMBER', 'z', '1', 'x'],
      ['ZRANDMEMBER', 'z', '1', 'WITHSCORES', 'x'],
      ['ZRANDMEMBER', 'z', '-9223372036854775807', 'WITHSCORES'],
      ['SET', 'str', 'x'],
      ['ZRANDMEMBER', 'str'],
      ['ZRANDMEMBER', 'str', '2'],
    ]);
    await resp3(() =>
      all([
        ['ZRANDMEMBER', 'z', '10', 'WITHSCORES'],
        ['ZRANDMEMBER', 'nokey'],
        ['ZRANDMEMBER', 'z', '0', 'WITHSCORES'],
      ]),
    );
    // Random picks: compare shapes and membership, not the picks.
    const members = new Set(['a', 'b', 'c']);
    const one = await p.a.call('ZRANDMEMBER', 'z');
    assert.ok(one.t === 'bulk' && members.has(one.v!));
    for (const [count, unique] of [
      ['2', true],
      ['-5', false],
      ['1', true],
    ] as const) {
      const r = await p.a.call('ZRANDMEMBER', 'z', count, 'WITHSCORES');
      assert.equal(r.t, 'array');
      const items = (r as { v: Reply[] }).v;
      assert.equal(items.length, Math.abs(Number(count)) * 2);
      const seen = items.filter((_, i) => i % 2 === 0).map((x) => (x as { v: string }).v);
      for (const m of seen) assert.ok(members.has(m));
      if (unique) assert.equal(new Set(seen).size, seen.length);
    }
    await resp3(async () => {
      const r = await p.a.call('ZRANDMEMBER', 'z', '-4', 'WITHSCORES');
      const items = (r as { v: Reply[] }).v;
      assert.equal(items.length, 4);
      for (const pair of items) {
        assert.equal(pair.t, 'array');
        assert.equal((pair as { v: Reply[] }).v[1]!.t, 'double');
      }
    });
  });

  it('ZSCAN returns every element, with scores as bulk strings', async () => {
    await p.send(['FLUSHALL']);
    await p.send(['CONFIG', 'SET', 'zset-max-listpack-entries', '128']);
    const small: (string | number)[] = ['ZADD', 'small'];
    for (let i = 0; i < 20; i++) small.push(String(i / 4), `k${i}`);
    await p.both(small);
    await all([
      ['ZSCAN', 'small', '0'],
      ['ZSCAN', 'small', '0', 'MATCH', 'k1*'],
      ['ZSCAN', 'small', '0', 'COUNT', '2'],
      ['ZSCAN', 'small', '0', 'COUNT', '0'],
      ['ZSCAN', 'small', '0', 'COUNT', 'x'],
      ['ZSCAN', 'small', '0', 'TYPE', 'zset'],
      ['ZSCAN', 'small', '0', 'MATCH'],
      ['ZSCAN', 'small', 'x'],
      ['ZSCAN', 'small', '-1'],
      ['ZSCAN', 'small', '+5'],
      ['ZSCAN', 'small', ' 5'],
      ['ZSCAN', 'small', ''],
      ['ZSCAN', 'nokey', '0'],
      ['ZSCAN', 'nokey', '0', 'COUNT', '0'],
      ['SET', 'str', 'x'],
      ['ZSCAN', 'str', '0'],
    ]);
    await resp3(() => p.both(['ZSCAN', 'small', '0']));
    const big: (string | number)[] = ['ZADD', 'big'];
    for (let i = 0; i < 300; i++) big.push(String(i * 1.5), `e${i}`);
    await p.both(big);
    for (const client of [p.a, p.b]) {
      const seen = new Map<string, string>();
      let cursor = '0';
      do {
        const r = (await client.call('ZSCAN', 'big', cursor, 'COUNT', '25')) as { v: Reply[] };
        cursor = (r.v[0] as { v: string }).v;
        const items = (r.v[1] as { v: Reply[] }).v.map((x) => (x as { v: string }).v);
        for (let i = 0; i < items.length; i += 2) seen.set(items[i]!, items[i + 1]!);
      } while (cursor !== '0');
      assert.equal(seen.size, 300);
      assert.equal(seen.get('e3'), '4.5');
    }
  });

  it('OBJECT ENCODING follows the listpack limits', async () => {
    await p.send(['FLUSHALL']);
    await p.both(['OBJECT', 'ENCODING', 'x']);
    const cmds: (string | number)[][] = [
      ['ZADD', 'z', '1', 'a'],
      ['OBJECT', 'ENCODING', 'z'],
    ];
    const many: (string | number)[] = ['ZADD', 'z'];
    for (let i = 0; i < 128; i++) many.push(String(i), `m${i}`);
    cmds.push(many, ['OBJECT', 'ENCODING', 'z'], ['ZADD', 'z', '1', 'another'], ['OBJECT', 'ENCODING', 'z'], ['ZREMRANGEBYRANK', 'z', '0', '-3'], ['OBJECT', 'ENCODING', 'z']);
    cmds.push(['ZADD', 'long', '1', 'x'.repeat(64)], ['OBJECT', 'ENCODING', 'long'], ['ZADD', 'long2', '1', 'x'.repeat(65)], ['OBJECT', 'ENCODING', 'long2']);
    cmds.push(['ZUNIONSTORE', 'u', '1', 'z'], ['OBJECT', 'ENCODING', 'u'], ['ZRANGESTORE', 'r', 'long2', '0', '-1'], ['OBJECT', 'ENCODING', 'r']);
    await all(cmds);
  });

  it('keyspace notifications name the same events in the same order', async () => {
    await p.send(['FLUSHALL']);
    await p.send(['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']);
    const events: string[] = [];
    const server = p.dssm.node as unknown as { notify: (type: string, event: string, key: string, db: number) => void };
    const original = server.notify.bind(server);
    server.notify = (type, event, key, db) => {
      events.push(`${event} ${key}`);
      original(type, event, key, db);
    };
    const sub: RawClient = await p.redis.client();
    await sub.call('PSUBSCRIBE', '__keyevent@0__:*');
    const cmds: string[][] = [
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'],
      ['ZADD', 'z', 'NX', '1', 'a'],
      ['ZINCRBY', 'z', '1', 'a'],
      ['ZREM', 'z', 'a'],
      ['ZREM', 'z', 'missing'],
      ['ZADD', 'z', '4', 'd', '5', 'e', '6', 'f'],
      ['ZREMRANGEBYSCORE', 'z', '2', '2'],
      ['ZREMRANGEBYRANK', 'z', '0', '0'],
      ['ZREMRANGEBYLEX', 'z', '-', '(e'],
      ['ZPOPMIN', 'z'],
      ['ZPOPMAX', 'z'],
      ['ZADD', 'x', '1', 'a', '2', 'b'],
      ['ZUNIONSTORE', 'u', '1', 'x'],
      ['ZINTERSTORE', 'i', '1', 'x'],
      ['ZDIFFSTORE', 'd', '1', 'x'],
      ['ZRANGESTORE', 'r', 'x', '0', '0'],
      ['ZRANGESTORE', 'r', 'x', '5', '6'],
      ['ZMPOP', '1', 'x', 'MAX', 'COUNT', '5'],
      ['ZDIFFSTORE', 'd', '1', 'nokey'],
    ];
    for (const c of cmds) await p.both(c);
    await p.send(['SET', 'end', 'x']);
    const redisEvents: string[] = [];
    for (;;) {
      const m = (await sub.read()) as { v: Reply[] };
      const ev = (m.v[2] as { v: string }).v.replace('__keyevent@0__:', '');
      const key = (m.v[3] as { v: string }).v;
      if (key === 'end') break;
      redisEvents.push(`${ev} ${key}`);
    }
    server.notify = original;
    const ours = events.slice(0, events.indexOf('set end'));
    assert.deepEqual(ours, redisEvents);
    await p.send(['CONFIG', 'SET', 'notify-keyspace-events', '']);
  });

  for (const seed of [11, 23, 57, 101]) {
    it(`random command sequences agree (seed ${seed})`, async () => {
      await p.send(['FLUSHALL']);
      const r = rng(seed);
      const keys = ['k1', 'k2', 'k3'];
      const members = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'aa', 'ab', 'zz', ''];
      const score = (): string => pick(r, ['0', '1', '2', '-1', '1.5', '0.1', '100', '-inf', '+inf', '3', '2.25', '1e3']);
      const bound = (): string => pick(r, ['-inf', '+inf', '(1', '1', '0', '(0', '2', '(2.25', '100', '-1']);
      const lex = (): string => pick(r, ['-', '+', '[a', '(a', '[c', '(ab', '[zz', '[']);
      const idx = (): string => String(Math.floor(r() * 14) - 7);
      for (let step = 0; step < 300; step++) {
        const k = pick(r, keys);
        const m = pick(r, members);
        const choice = Math.floor(r() * 22);
        let cmd: string[];
        switch (choice) {
          case 0:
          case 1:
            cmd = ['ZADD', k, ...(r() < 0.3 ? [pick(r, ['NX', 'XX', 'GT', 'LT', 'CH'])] : []), score(), m, score(), pick(r, members)];
            break;
          case 2:
            cmd = ['ZINCRBY', k, score(), m];
            break;
          case 3:
            cmd = ['ZREM', k, m, pick(r, members)];
            break;
          case 4:
            cmd = ['ZRANGE', k, idx(), idx(), ...(r() < 0.5 ? ['WITHSCORES'] : []), ...(r() < 0.3 ? ['REV'] : [])];
            break;
          case 5:
            cmd = ['ZRANGEBYSCORE', k, bound(), bound(), 'WITHSCORES', ...(r() < 0.4 ? ['LIMIT', idx(), idx()] : [])];
            break;
          case 6:
            cmd = ['ZREVRANGEBYSCORE', k, bound(), bound(), ...(r() < 0.4 ? ['LIMIT', idx(), idx()] : [])];
            break;
          case 7:
            cmd = ['ZRANK', k, m];
            break;
          case 8:
            cmd = ['ZREVRANK', k, m];
            break;
          case 9:
            cmd = ['ZCOUNT', k, bound(), bound()];
            break;
          case 10:
            cmd = ['ZREMRANGEBYSCORE', k, bound(), bound()];
            break;
          case 11:
            cmd = ['ZREMRANGEBYRANK', k, idx(), idx()];
            break;
          case 12:
            cmd = ['ZPOPMIN', k, String(Math.floor(r() * 3))];
            break;
          case 13:
            cmd = ['ZPOPMAX', k];
            break;
          case 14:
            cmd = ['ZUNIONSTORE', pick(r, keys), '2', pick(r, keys), pick(r, keys), 'AGGREGATE', pick(r, ['SUM', 'MIN', 'MAX'])];
            break;
          case 15:
            cmd = ['ZINTER', '2', pick(r, keys), pick(r, keys), 'WITHSCORES'];
            break;
          case 16:
            cmd = ['ZDIFF', '2', pick(r, keys), pick(r, keys), 'WITHSCORES'];
            break;
          case 17:
            cmd = ['ZRANGESTORE', pick(r, keys), k, idx(), idx()];
            break;
          case 18:
            cmd = ['ZMSCORE', k, m, pick(r, members)];
            break;
          case 19:
            cmd = ['ZCARD', k];
            break;
          case 20:
            cmd = ['ZMPOP', '2', k, pick(r, keys), pick(r, ['MIN', 'MAX']), 'COUNT', String(1 + Math.floor(r() * 3))];
            break;
          default:
            cmd = ['ZINTERCARD', '2', k, pick(r, keys)];
        }
        await p.both(cmd);
      }
      // Lex commands are defined on equal scores: a separate key with score 0 only.
      for (let step = 0; step < 80; step++) {
        const choice = Math.floor(r() * 5);
        let cmd: string[];
        if (choice === 0) cmd = ['ZADD', 'lex', '0', pick(r, members), '0', pick(r, members)];
        else if (choice === 1) cmd = ['ZRANGEBYLEX', 'lex', lex(), lex(), ...(r() < 0.4 ? ['LIMIT', idx(), idx()] : [])];
        else if (choice === 2) cmd = ['ZREVRANGEBYLEX', 'lex', lex(), lex()];
        else if (choice === 3) cmd = ['ZLEXCOUNT', 'lex', lex(), lex()];
        else cmd = ['ZREMRANGEBYLEX', 'lex', lex(), lex()];
        await p.both(cmd);
      }
      for (const k of [...keys, 'lex']) await p.both(['ZRANGE', k, '0', '-1', 'WITHSCORES']);
    });
  }

  async function waitBlocked(c: RawClient, n: number): Promise<void> {
    for (;;) {
      const info = await c.call('INFO', 'clients');
      const m = /blocked_clients:(\d+)/.exec((info as { v: string }).v);
      if (m && Number(m[1]) >= n) return;
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Run `blockers` on their own connections, then `wake` on the pair's, and compare. */
  async function blockingScenario(blockers: string[][], wake: string[][], proto: 2 | 3 = 2): Promise<void> {
    const results: Reply[][] = [];
    for (const server of [p.dssm, p.redis]) {
      const waiters: RawClient[] = [];
      for (let i = 0; i < blockers.length; i++) {
        const w = await server.client();
        if (proto === 3) await w.call('HELLO', '3');
        waiters.push(w);
      }
      const main = await server.client();
      const pending: Promise<Reply>[] = [];
      for (let i = 0; i < blockers.length; i++) {
        pending.push(waiters[i]!.call(...blockers[i]!));
        // Let each block in turn, so the order of blocking is the order of the list.
        await waitBlocked(main, i + 1);
      }
      const out: Reply[] = [];
      for (const cmd of wake) out.push(await main.call(...cmd));
      out.push(...(await Promise.all(pending)));
      out.push(await main.call('ZRANGE', 'bz', '0', '-1', 'WITHSCORES'));
      results.push(out);
      for (const w of waiters) w.close();
      main.close();
    }
    assert.deepEqual(results[0], results[1]);
  }

  it('BZPOPMIN, BZPOPMAX and BZMPOP wait for an element, first blocked first served', async () => {
    await p.send(['FLUSHALL']);
    await blockingScenario([['BZPOPMIN', 'none', 'bz', '0']], [['ZADD', 'bz', '1', 'a', '2', 'b']]);
    await p.send(['DEL', 'bz']);
    await blockingScenario(
      [
        ['BZPOPMAX', 'bz', '0'],
        ['BZMPOP', '0', '2', 'other', 'bz', 'MIN', 'COUNT', '2'],
        ['BZPOPMIN', 'bz', '0'],
      ],
      [['ZADD', 'bz', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e']],
    );
    await p.send(['DEL', 'bz']);
    await blockingScenario(
      [
        ['BZMPOP', '0', '1', 'bz', 'MAX', 'COUNT', '3'],
        ['BZPOPMIN', 'bz', '0'],
      ],
      [['ZADD', 'bz', '1', 'a', '2', 'b', '3', 'c', '4', 'd']],
      3,
    );
    await p.send(['DEL', 'bz']);
    // A wrong type at the key does not serve; the zset that replaces it does.
    await blockingScenario(
      [['BZPOPMIN', 'bz', '0']],
      [
        ['SET', 'bz', 'x'],
        ['DEL', 'bz'],
        ['ZADD', 'bz', '7', 'q'],
      ],
    );
  });

  it('BZPOPMIN and BZMPOP time out with a null array', async () => {
    await p.send(['FLUSHALL']);
    await all([
      ['BZPOPMIN', 'none', '0.05'],
      ['BZPOPMAX', 'none', '0.05'],
      ['BZMPOP', '0.05', '1', 'none', 'MIN'],
    ]);
    await resp3(() =>
      all([
        ['BZPOPMIN', 'none', '0.05'],
        ['BZMPOP', '0.05', '1', 'none', 'MAX', 'COUNT', '2'],
      ]),
    );
  });

  it('COMMAND INFO reports the same arity, flags and key positions', async () => {
    const names = [
      'zadd',
      'zincrby',
      'zrem',
      'zcard',
      'zscore',
      'zmscore',
      'zrank',
      'zrevrank',
      'zcount',
      'zlexcount',
      'zrange',
      'zrangestore',
      'zrevrange',
      'zrangebyscore',
      'zrevrangebyscore',
      'zrangebylex',
      'zrevrangebylex',
      'zremrangebyscore',
      'zremrangebyrank',
      'zremrangebylex',
      'zpopmin',
      'zpopmax',
      'zmpop',
      'bzpopmin',
      'bzpopmax',
      'bzmpop',
      'zunionstore',
      'zinterstore',
      'zdiffstore',
      'zunion',
      'zinter',
      'zintercard',
      'zdiff',
      'zrandmember',
      'zscan',
    ];
    for (const name of names) {
      const [a, b] = await p.send(['COMMAND', 'INFO', name]);
      const head = (r: Reply) => JSON.stringify(((r as { v: Reply[] }).v[0] as { v: Reply[] }).v.slice(0, 6));
      assert.equal(head(a), head(b), name);
    }
  });

  it('a large set stays consistent (skiplist encoding)', async () => {
    await p.send(['FLUSHALL']);
    const r = rng(5);
    for (let batch = 0; batch < 4; batch++) {
      const args: string[] = ['ZADD', 'big'];
      for (let i = 0; i < 250; i++) args.push(String(Math.floor(r() * 1000)), `m${Math.floor(r() * 2000)}`);
      await p.both(args);
    }
    await all([
      ['ZCARD', 'big'],
      ['ZRANGE', 'big', '100', '120', 'WITHSCORES'],
      ['ZRANGE', 'big', '-120', '-100', 'REV'],
      ['ZRANGEBYSCORE', 'big', '(250', '500', 'LIMIT', '10', '15', 'WITHSCORES'],
      ['ZCOUNT', 'big', '100', '(700'],
      ['ZRANK', 'big', 'm77'],
      ['ZREVRANK', 'big', 'm1500'],
      ['ZREMRANGEBYSCORE', 'big', '300', '400'],
      ['ZREMRANGEBYRANK', 'big', '10', '50'],
      ['ZRANGE', 'big', '0', '-1', 'WITHSCORES'],
    ]);
  });
});
