/**
 * DUMP/RESTORE in Redis's payload format, both ways against the reference redis-server:
 * values DUMPed by redis-server are RESTOREd into dssm and read back, and values DUMPed
 * by dssm are RESTOREd into redis-server and read back. Skipped without redis-server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RHash } from '../../src/keyspace/types/hash.js';
import { RList } from '../../src/keyspace/types/list.js';
import { RSet } from '../../src/keyspace/types/set.js';
import { RZSet } from '../../src/keyspace/types/zset.js';
import type { RValue } from '../../src/keyspace/keyspace.js';
import { createDumpPayload, decodeDumpPayload, verifyDumpPayload, parseListpack, ListpackBuilder, RdbFormatError } from '../../src/persistence/rdb-value.js';
import { crc64, crc64LE } from '../../src/persistence/crc64.js';
import { lzfCompress, lzfDecompress } from '../../src/persistence/lzf.js';
import { formatDouble } from '../../src/protocol/resp-writer.js';
import { plain, type RawClient, type Reply } from '../helpers/resp.js';
import { skipWithoutRedis, startDssm, startRedis, type RedisServer, type TestServer } from '../helpers/servers.js';

function bulk(r: Reply): string {
  assert.equal(r.t, 'bulk', JSON.stringify(r));
  return (r as { v: string }).v;
}

const range = (n: number, f: (i: number) => string): string[] => Array.from({ length: n }, (_, i) => f(i));
const big = 'x'.repeat(100);
const binary = String.fromCharCode(...range(256, (i) => String.fromCharCode(i)).map((s) => s.charCodeAt(0)));

/** Redis commands that build each sample value on the redis side, and how to read it back. */
interface Sample {
  key: string;
  build: (string | number)[][];
  read: (string | number)[];
  value: RValue;
  unordered?: boolean;
  pairs?: boolean;
}

function samples(): Sample[] {
  const out: Sample[] = [];
  const str = (key: string, v: string): void => out.push({ key, build: [['SET', key, v]], read: ['GET', key], value: v });
  str('s:small', 'hello');
  str('s:int8', '12');
  str('s:int16', '-3000');
  str('s:int32', '2000000000');
  str('s:int64', '9223372036854775807');
  str('s:lead0', '0123');
  str('s:empty', '');
  str('s:long', 'abc'.repeat(400));
  str('s:binary', binary);
  str('s:float', '3.14');
  const list = (key: string, items: string[]): void => out.push({ key, build: [['RPUSH', key, ...items]], read: ['LRANGE', key, 0, -1], value: RList.fromItems(items) });
  list('l:small', ['a', 'b', '1', '-7', '300', '70000', '5000000000', '-9223372036854775808', '']);
  list(
    'l:big',
    range(3000, (i) => (i % 3 === 0 ? String(i * 1000) : `item-${i}-${'z'.repeat(i % 50)}`)),
  );
  list('l:hugeitem', ['q'.repeat(20000), 'tail']);
  const set = (key: string, members: string[]): void => out.push({ key, build: [['SADD', key, ...members]], read: ['SMEMBERS', key], value: RSet.fromMembers(members), unordered: true });
  set('set:int16', ['1', '2', '-5', '300']);
  set('set:int32', ['1', '100000', '-100000']);
  set('set:int64', ['1', '9223372036854775807', '-9223372036854775808']);
  set('set:str', ['a', 'b', '1', big]);
  set(
    'set:bigint',
    range(600, (i) => String(i)),
  );
  const hash = (key: string, pairs: [string, string][]): void => out.push({ key, build: [['HSET', key, ...pairs.flat()]], read: ['HGETALL', key], value: RHash.fromEntries(pairs), pairs: true });
  hash('h:small', [
    ['f', 'v'],
    ['n', '42'],
    ['neg', '-1'],
    ['e', ''],
  ]);
  hash('h:bigvalue', [
    ['f', big],
    ['g', 'v'],
  ]);
  hash(
    'h:many',
    range(200, (i) => `f${i}`).map((f, i) => [f, String(i)]),
  );
  const zset = (key: string, entries: [string, number][]): void =>
    out.push({
      key,
      build: [['ZADD', key, ...entries.flatMap(([m, s]) => [String(s === Infinity ? '+inf' : s === -Infinity ? '-inf' : s), m])]],
      read: ['ZRANGE', key, 0, -1, 'WITHSCORES'],
      value: RZSet.fromEntries(entries),
    });
  zset('z:small', [
    ['a', 1],
    ['b', 2.5],
    ['c', -3],
    ['d', 1e20],
    ['e', 0.1],
    ['f', Infinity],
    ['g', -Infinity],
    ['h', 123456789],
  ]);
  zset('z:bigmember', [
    ['m'.repeat(100), 1],
    ['x', 2],
  ]);
  zset(
    'z:many',
    range(300, (i) => `m${i}`).map((m, i) => [m, i / 7]),
  );
  return out;
}

describe('DUMP payload codec', () => {
  it('computes CRC-64/Jones as Redis does', () => {
    assert.equal(crc64(Buffer.from('123456789')).toString(16), 'e9c6d914c4b8d9ca');
  });

  it('LZF round-trips compressible data', () => {
    const src = Buffer.from('abcabcabcabcabcabcabcabcabcabcabc'.repeat(50) + 'tail');
    const c = lzfCompress(src, src.length - 4)!;
    assert.ok(c.length < src.length);
    assert.deepEqual(lzfDecompress(c, src.length), src);
  });

  it('listpacks encode integers and strings that read back unchanged', () => {
    const items = [
      '0',
      '127',
      '128',
      '-1',
      '-4096',
      '4095',
      '4096',
      '-32768',
      '32767',
      '40000',
      '-8388608',
      '8388607',
      '8388608',
      '2147483647',
      '-2147483648',
      '2147483648',
      '9223372036854775807',
      '-9223372036854775808',
      '01',
      '-0',
      'abc',
      'x'.repeat(63),
      'y'.repeat(64),
      'z'.repeat(4095),
      'w'.repeat(4096),
    ];
    const lp = new ListpackBuilder();
    for (const i of items) lp.append(i);
    assert.deepEqual(parseListpack(lp.finish()), items);
  });

  it('payloads of every type decode to the same value', () => {
    for (const s of samples()) {
      const p = Buffer.from(createDumpPayload(s.value), 'latin1');
      assert.ok(verifyDumpPayload(p), s.key);
      const back = decodeDumpPayload(p);
      if (typeof s.value === 'string') assert.equal(back, s.value);
      else assert.equal(createDumpPayload(back), createDumpPayload(s.value), s.key);
    }
  });

  it('reads the encodings of older Redis versions (ziplist, quicklist v1, zipmap, linked list, text-score zset)', () => {
    const payload = (body: Buffer): Buffer => {
      const withVersion = Buffer.concat([body, Buffer.from([9, 0])]);
      return Buffer.concat([withVersion, crc64LE(withVersion)]);
    };
    const rdbString = (b: Buffer): Buffer => {
      const len = b.length < 64 ? Buffer.from([b.length]) : Buffer.from([0x40 | (b.length >> 8), b.length & 0xff]);
      return Buffer.concat([len, b]);
    };
    const ziplist = (items: (string | number)[]): Buffer => {
      const entries: Buffer[] = [];
      let prev = 0;
      for (const it of items) {
        const prevlen = prev < 254 ? Buffer.from([prev]) : Buffer.concat([Buffer.from([0xfe]), u32(prev)]);
        let enc: Buffer;
        if (typeof it === 'number') {
          if (it >= 0 && it <= 12) enc = Buffer.from([0xf1 + it]);
          else if (it >= -128 && it <= 127) enc = Buffer.from([0xfe, it & 0xff]);
          else if (it >= -32768 && it <= 32767) {
            enc = Buffer.alloc(3);
            enc[0] = 0xc0;
            enc.writeInt16LE(it, 1);
          } else if (it >= -8388608 && it <= 8388607) {
            enc = Buffer.alloc(4);
            enc[0] = 0xf0;
            enc.writeIntLE(it, 1, 3);
          } else if (it >= -2147483648 && it <= 2147483647) {
            enc = Buffer.alloc(5);
            enc[0] = 0xd0;
            enc.writeInt32LE(it, 1);
          } else {
            enc = Buffer.alloc(9);
            enc[0] = 0xe0;
            enc.writeBigInt64LE(BigInt(it), 1);
          }
        } else {
          const b = Buffer.from(it, 'latin1');
          const head = b.length < 64 ? Buffer.from([b.length]) : b.length < 16384 ? Buffer.from([0x40 | (b.length >> 8), b.length & 0xff]) : Buffer.concat([Buffer.from([0x80]), u32be(b.length)]);
          enc = Buffer.concat([head, b]);
        }
        const e = Buffer.concat([prevlen, enc]);
        prev = e.length;
        entries.push(e);
      }
      const body = Buffer.concat(entries);
      const header = Buffer.alloc(10);
      header.writeUInt32LE(10 + body.length + 1, 0);
      header.writeUInt32LE(10 + body.length - prev, 4);
      header.writeUInt16LE(items.length, 8);
      return Buffer.concat([header, body, Buffer.from([0xff])]);
    };
    const u32 = (n: number): Buffer => {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(n);
      return b;
    };
    const u32be = (n: number): Buffer => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(n);
      return b;
    };
    const items: (string | number)[] = ['a', 5, -100, 1000, 100000, 3000000000, 'y'.repeat(300), 0, 12, 13];
    const asText = items.map(String);
    const zl = ziplist(items);
    // type 10: list as one ziplist
    let v = decodeDumpPayload(payload(Buffer.concat([Buffer.from([10]), rdbString(zl)]))) as RList;
    assert.deepEqual([...v.items()], asText);
    // type 14: quicklist of ziplists (two nodes)
    v = decodeDumpPayload(payload(Buffer.concat([Buffer.from([14, 2]), rdbString(zl), rdbString(ziplist(['tail']))]))) as RList;
    assert.deepEqual([...v.items()], [...asText, 'tail']);
    // type 1: linked list of strings (one integer-encoded)
    v = decodeDumpPayload(payload(Buffer.from([1, 2, 1, 0x61, 0xc0, 7]))) as RList;
    assert.deepEqual([...v.items()], ['a', '7']);
    // type 13: hash ziplist; type 12: zset ziplist
    const h = decodeDumpPayload(payload(Buffer.concat([Buffer.from([13]), rdbString(ziplist(['f', 'v', 'n', 42]))]))) as RHash;
    assert.deepEqual(
      [...h.entries()],
      [
        ['f', 'v'],
        ['n', '42'],
      ],
    );
    const z = decodeDumpPayload(payload(Buffer.concat([Buffer.from([12]), rdbString(ziplist(['a', '1.5', 'b', 3]))]))) as RZSet;
    assert.deepEqual(
      [...z.entries()],
      [
        ['a', 1.5],
        ['b', 3],
      ],
    );
    // type 9: zipmap
    const zm = Buffer.from([2, 1, 0x66, 1, 0, 0x76, 2, 0x67, 0x67, 3, 1, 0x61, 0x62, 0x63, 0x00, 0xff]);
    const hz = decodeDumpPayload(payload(Buffer.concat([Buffer.from([9]), rdbString(zm)]))) as RHash;
    assert.deepEqual(
      [...hz.entries()],
      [
        ['f', 'v'],
        ['gg', 'abc'],
      ],
    );
    // type 3: zset with text scores (253 nan is refused; 254 +inf, 255 -inf)
    const z3 = decodeDumpPayload(payload(Buffer.from([3, 3, 1, 0x61, 3, 0x31, 0x2e, 0x35, 1, 0x62, 254, 1, 0x63, 255]))) as RZSet;
    assert.deepEqual(
      [...z3.entries()],
      [
        ['c', -Infinity],
        ['a', 1.5],
        ['b', Infinity],
      ],
    );
    // An unknown type or a truncated value is a format error.
    assert.throws(() => decodeDumpPayload(payload(Buffer.from([99, 0]))), RdbFormatError);
    assert.throws(() => decodeDumpPayload(payload(Buffer.from([0, 10, 0x61]))), RdbFormatError);
  });

  it('a corrupted payload is refused', () => {
    const p = Buffer.from(createDumpPayload('hello world'), 'latin1');
    p[3] ^= 1;
    assert.equal(verifyDumpPayload(p), false);
  });
});

describe('DUMP and RESTORE against redis-server', { skip: skipWithoutRedis() }, () => {
  let dssm: TestServer;
  let redis: RedisServer;
  let a: RawClient;
  let b: RawClient;

  before(async () => {
    dssm = await startDssm();
    redis = await startRedis();
    a = await dssm.client();
    b = await redis.client();
  });
  after(async () => {
    await dssm?.stop();
    await redis?.stop();
  });

  const norm = (r: Reply, s: Sample): unknown => {
    const p = plain(r);
    if (Array.isArray(p) && s.unordered) return [...p].map(String).sort();
    if (Array.isArray(p) && s.pairs) {
      const pairs: string[] = [];
      for (let i = 0; i < p.length; i += 2) pairs.push(JSON.stringify([p[i], p[i + 1]]));
      return pairs.sort();
    }
    return p;
  };

  /**
   * What redis's read command would answer for the value dssm holds, read from dssm's
   * keyspace directly (the aggregate types' commands are not required for this test).
   */
  const dssmView = (key: string, s: Sample): unknown => {
    const v = dssm.node.keyspace.db(0).get(key);
    assert.ok(v !== undefined, `${key} missing in dssm`);
    let flat: string[];
    if (typeof v === 'string') return v;
    if (v instanceof RList) flat = [...v.items()];
    else if (v instanceof RSet) flat = [...v.members()];
    else if (v instanceof RHash) flat = [...v.entries()].flat();
    else if (v instanceof RZSet) flat = [...v.entries()].flatMap(([m, sc]) => [m, sc === Infinity ? 'inf' : sc === -Infinity ? '-inf' : formatDouble(sc)]);
    else throw new Error('unexpected type');
    return norm({ t: 'array', v: flat.map((x) => ({ t: 'bulk', v: x })) }, s);
  };

  it('values DUMPed by redis-server RESTORE into dssm', async () => {
    for (const s of samples()) {
      for (const cmd of s.build) await b.call(...cmd);
      const payload = bulk(await b.call('DUMP', s.key));
      assert.deepEqual(await a.call('RESTORE', s.key, 0, payload), { t: 'simple', v: 'OK' }, s.key);
      assert.deepEqual(dssmView(s.key, s), norm(await b.call(...s.read), s), s.key);
      assert.deepEqual(await a.call('TYPE', s.key), await b.call('TYPE', s.key));
    }
  });

  it('values DUMPed by dssm RESTORE into redis-server', async () => {
    const db = dssm.node.keyspace.db(0);
    for (const s of samples()) {
      const key = `from-dssm:${s.key}`;
      db.set(key, typeof s.value === 'string' ? s.value : s.value.clone());
      const payload = bulk(await a.call('DUMP', key));
      assert.deepEqual(await b.call('RESTORE', key, 0, payload), { t: 'simple', v: 'OK' }, `${s.key}: ${JSON.stringify(await b.call('RESTORE', key, 0, payload, 'REPLACE'))}`);
      const read = s.read.map((x) => (x === s.key ? key : x));
      assert.deepEqual(norm(await b.call(...read), s), dssmView(key, s), s.key);
      assert.deepEqual(await b.call('TYPE', key), await a.call('TYPE', key));
    }
  });

  it('encodings chosen by dssm are those redis-server reports after RESTORE', async () => {
    for (const s of samples()) {
      if (typeof s.value === 'string') continue;
      const key = `from-dssm:${s.key}`;
      const payload = bulk(await a.call('DUMP', key));
      const rb = await b.call('DUMP', `from-dssm:${s.key}`);
      // redis-server re-DUMPs what it loaded from our payload: same type byte as ours,
      // so the encoding we chose is the one Redis keeps for that value.
      assert.equal(payload.charCodeAt(0), bulk(rb).charCodeAt(0), s.key);
      assert.equal(payload.charCodeAt(0), bulk(await b.call('DUMP', s.key)).charCodeAt(0), `${s.key} (redis's own encoding)`);
    }
  });

  it('LZF-compressed quicklist nodes (list-compress-depth) RESTORE into dssm', async () => {
    await b.call('CONFIG', 'SET', 'list-compress-depth', '1');
    const items = range(5000, (i) => `element-${i % 100}-${'pad'.repeat(5)}`);
    for (let i = 0; i < items.length; i += 500) await b.call('RPUSH', 'clist', ...items.slice(i, i + 500));
    const payload = bulk(await b.call('DUMP', 'clist'));
    await b.call('CONFIG', 'SET', 'list-compress-depth', '0');
    assert.deepEqual(await a.call('RESTORE', 'clist', 0, payload), { t: 'simple', v: 'OK' });
    assert.deepEqual([...(dssm.node.keyspace.db(0).get('clist') as RList).items()], items);
  });

  it('errors and options match', async () => {
    const pair = async (...args: (string | number)[]): Promise<void> => {
      const [ra, rb] = await Promise.all([a.call(...args), b.call(...args)]);
      assert.deepEqual(ra, rb, JSON.stringify(args));
    };
    await b.call('SET', 'src', 'some value');
    const payload = bulk(await b.call('DUMP', 'src'));
    await pair('SET', 'busy', 'x');
    await pair('RESTORE', 'busy', 0, payload);
    await pair('RESTORE', 'k1', -1, payload);
    await pair('RESTORE', 'k1', 'abc', payload);
    await pair('RESTORE', 'k1', 0, 'garbage');
    await pair('RESTORE', 'k1', 0, payload.slice(0, -1) + String.fromCharCode(payload.charCodeAt(payload.length - 1) ^ 1));
    await pair('RESTORE', 'k1', 0, payload, 'IDLETIME', -1);
    await pair('RESTORE', 'k1', 0, payload, 'FREQ', 256);
    await pair('RESTORE', 'k1', 0, payload, 'FREQ', 'x');
    await pair('RESTORE', 'k1', 0, payload, 'IDLETIME', 1, 'FREQ', 2);
    await pair('RESTORE', 'k1', 0, payload, 'BOGUS');
    await pair('RESTORE', 'k1', 0, payload, 'IDLETIME');
    await pair('RESTORE', 'k1', 0, payload, 'IDLETIME', 10);
    await pair('GET', 'k1');
    await pair('RESTORE', 'k2', 0, payload, 'FREQ', 10);
    await pair('RESTORE', 'busy', 0, payload, 'REPLACE');
    await pair('GET', 'busy');
    await pair('RESTORE', 'k3', 100000, payload);
    const [ta, tb] = await Promise.all([a.call('PTTL', 'k3'), b.call('PTTL', 'k3')]);
    assert.ok(Number((ta as { v: string }).v) > 90000 && Number((tb as { v: string }).v) > 90000);
    await pair('RESTORE', 'k4', Date.now() + 100000, payload, 'ABSTTL');
    await pair('TTL', 'k4');
    await pair('RESTORE', 'k5', 1, payload, 'ABSTTL');
    await pair('EXISTS', 'k5');
    await pair('RESTORE', 'busy', 1, payload, 'ABSTTL', 'REPLACE');
    await pair('EXISTS', 'busy');
    await pair('DUMP', 'nokey');
    await pair('RESTORE');
    await pair('DUMP');
  });

  it('a bad payload body with a valid footer is "Bad data format"', async () => {
    // type 2 (set) with zero members: Redis refuses empty keys.
    const body = Buffer.from([2, 0, 10, 0]);
    const payload = Buffer.concat([body, Buffer.alloc(8)]);
    const { crc64LE } = await import('../../src/persistence/crc64.js');
    crc64LE(body).copy(payload, 4);
    const s = payload.toString('latin1');
    const [ra, rb] = await Promise.all([a.call('RESTORE', 'bad', 0, s), b.call('RESTORE', 'bad', 0, s)]);
    assert.deepEqual(ra, rb);
  });
});
