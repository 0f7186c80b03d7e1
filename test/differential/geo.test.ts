/**
 * Geo commands, dssm against redis-server 7.0: the same commands to both, replies compared
 * exactly (order included, since dssm scans the same cells in the same order), in RESP2
 * and RESP3, errors included; random positions and searches from fixed seeds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { usePair, pick, rng } from '../helpers/differential.js';
import { plain } from '../helpers/resp.js';
import { skipWithoutRedis, startDssm, startRedis } from '../helpers/servers.js';
import { caughtUp, info, until } from '../interop/replication-helpers.js';
import { captureEvents, readRedisAof, recordDssmPropagation } from './hash-set-helpers.js';

describe('geo commands against redis-server', { skip: skipWithoutRedis() }, () => {
  const p = usePair([], ['--appendonly', 'yes', '--appendfsync', 'always']);

  async function all(cmds: (string | number)[][]): Promise<void> {
    for (const cmd of cmds) await p.both(cmd);
  }

  async function resp3<T>(fn: () => Promise<T>): Promise<T> {
    await p.send(['HELLO', '3']);
    try {
      return await fn();
    } finally {
      await p.send(['HELLO', '2']);
    }
  }

  const sicily = ['13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'];

  it('GEOADD with NX, XX and CH, edge positions, and its errors', async () => {
    await p.send(['FLUSHALL']);
    await all([
      ['GEOADD', 'g', ...sicily],
      ['ZRANGE', 'g', '0', '-1', 'WITHSCORES'],
      ['GEOADD', 'g', 'NX', '13.5', '38.2', 'Palermo', '14', '37', 'Agrigento'],
      ['GEOADD', 'g', 'XX', '13.5', '38.2', 'Palermo', '14.5', '37', 'Ragusa'],
      ['GEOADD', 'g', 'XX', 'CH', '13.6', '38.2', 'Palermo', '14.5', '37', 'Ragusa'],
      ['GEOADD', 'g', 'CH', '13.6', '38.2', 'Palermo', '15.5', '38.2', 'Messina'],
      ['GEOADD', 'g', 'ch', 'nx', '1', '1', 'Palermo'],
      ['ZRANGE', 'g', '0', '-1', 'WITHSCORES'],
      ['GEOADD', 'edges', '180', '85.05112878', 'ne', '-180', '-85.05112878', 'sw', '0', '0', 'origin', '-0', '-0', 'negzero'],
      ['GEOADD', 'edges', '179.9999999', '-85.0511287', 'x', '-179.99999', '85.05112877', 'y'],
      ['ZRANGE', 'edges', '0', '-1', 'WITHSCORES'],
      ['GEOPOS', 'edges', 'ne', 'sw', 'origin', 'negzero', 'x', 'y'],
      ['GEOHASH', 'edges', 'ne', 'sw', 'origin', 'negzero', 'x', 'y'],
      ['GEOADD', 'g', 'NX', 'XX', '1', '1', 'a'],
      ['GEOADD', 'g', '1', '1'],
      ['GEOADD', 'g', '1', '1', 'a', '2'],
      ['GEOADD', 'g', 'CH', 'NX', 'CH'],
      ['GEOADD', 'g', 'x', '1', 'a'],
      ['GEOADD', 'g', '1', 'nan', 'a'],
      ['GEOADD', 'g', '181', '1', 'a'],
      ['GEOADD', 'g', '-180.0001', '1', 'a'],
      ['GEOADD', 'g', '10', '85.05112879', 'a'],
      ['GEOADD', 'g', '10', '-86', 'a'],
      ['GEOADD', 'g', '1e300', '-1e300', 'a'],
      ['GEOADD', 'g', 'inf', '0', 'a'],
      ['GEOADD', 'g', '0', '-inf', 'a'],
      ['GEOADD', 'g', '1e400', '0', 'a'],
      ['GEOADD', 'g', ' 1', '0', 'a'],
      ['GEOADD', 'g', '1.0000005', '90.0000005', 'a'],
      ['GEOADD', 'g', '1', '1', 'ok', '200', '1', 'bad'],
      ['ZSCORE', 'g', 'ok'],
      ['SET', 's', 'x'],
      ['GEOADD', 's', '1', '1', 'a'],
      ['GEOADD', 's', '1', '100', 'a'],
      ['GEOADD', 'g'],
      ['GEOADD', 'g', '1', '1'],
      ['TYPE', 'g'],
      ['OBJECT', 'ENCODING', 'g'],
    ]);
  });

  it('GEOPOS, GEOHASH and GEODIST in every unit, missing members and keys, RESP2 and RESP3', async () => {
    await p.send(['FLUSHALL']);
    await p.both(['GEOADD', 'g', ...sicily, '-122.27652', '37.805186', 'Oakland', '2.3522', '48.8566', 'Paris']);
    await p.both(['ZADD', 'g', '-1', 'negative', '1e30', 'huge', '9007199254740993', 'big', 'inf', 'pinf', '-inf', 'ninf', '0', 'zero']);
    const cmds = [
      ['GEOPOS', 'g', 'Palermo', 'Catania', 'nosuch', 'Oakland', 'Paris'],
      ['GEOPOS', 'g', 'negative', 'huge', 'big', 'pinf', 'ninf', 'zero'],
      ['GEOPOS', 'nokey', 'a', 'b'],
      ['GEOPOS', 'g'],
      ['GEOHASH', 'g', 'Palermo', 'Catania', 'nosuch', 'Oakland', 'Paris', 'negative', 'zero', 'huge'],
      ['GEOHASH', 'nokey', 'a'],
      ['GEOHASH', 'g'],
      ['GEODIST', 'g', 'Palermo', 'Catania'],
      ['GEODIST', 'g', 'Palermo', 'Catania', 'km'],
      ['GEODIST', 'g', 'Palermo', 'Catania', 'MI'],
      ['GEODIST', 'g', 'Palermo', 'Catania', 'ft'],
      ['GEODIST', 'g', 'Palermo', 'Catania', 'M'],
      ['GEODIST', 'g', 'Palermo', 'Oakland', 'km'],
      ['GEODIST', 'g', 'Palermo', 'Palermo'],
      ['GEODIST', 'g', 'Palermo', 'zero'],
      ['GEODIST', 'g', 'Palermo', 'nosuch'],
      ['GEODIST', 'nokey', 'a', 'b'],
      ['GEODIST', 'g', 'Palermo', 'Catania', 'yards'],
      ['GEODIST', 'nokey', 'a', 'b', 'yards'],
      ['GEODIST', 'g', 'Palermo', 'Catania', 'km', 'extra'],
      ['GEODIST', 'g', 'Palermo'],
      ['SET', 's', 'x'],
      ['GEOPOS', 's', 'a'],
      ['GEOHASH', 's', 'a'],
      ['GEODIST', 's', 'a', 'b'],
    ];
    await all(cmds);
    await resp3(() => all(cmds));
  });

  it('GEOSEARCH and GEOSEARCHSTORE option errors, in Redis order', async () => {
    await p.send(['FLUSHALL']);
    await p.both(['GEOADD', 'g', ...sicily]);
    await p.both(['SET', 's', 'x']);
    const searches = [
      ['GEOSEARCH', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'ASC'],
      ['GEOSEARCH', 'g', 'FROMMEMBER', 'Palermo', 'BYBOX', '400', '400', 'km', 'DESC', 'WITHCOORD', 'WITHDIST', 'WITHHASH'],
      ['geosearch', 'g', 'BYRADIUS', '200', 'km', 'ASC'],
      ['GeoSearch', 'g', 'FROMLONLAT', '15', '37', 'ASC'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '15', '37', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 'g', 'FROMMEMBER', 'Palermo', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 'g', 'FROMMEMBER', 'Palermo', 'FROMMEMBER', 'Catania', 'BYRADIUS', '100', 'km'],
      ['GEOSEARCH', 'g', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '1', 'km', 'BYBOX', '1', '1', 'km'],
      ['GEOSEARCH', 'g', 'FROMMEMBER', 'Palermo', 'BYBOX', '1', '1', 'km', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 'g', 'FROMMEMBER', 'nosuch', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '200', '37', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', 'x', '37', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', 'x', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '-1', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'parsec'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '15', '37', 'BYBOX', 'x', '1', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '15', '37', 'BYBOX', '1', 'x', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '15', '37', 'BYBOX', '-1', '1', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '15', '37', 'BYBOX', '1', '1', 'parsec'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '15', '37', 'BYBOX', '1', '1'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'COUNT', '0'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'COUNT', '-3'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'COUNT', 'x'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'COUNT'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'ANY'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'COUNT', '1', 'ANY'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'ANY', 'COUNT', '1'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'STORE', 'x'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'STOREDIST'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'foo'],
      ['GEOSEARCH', 'nokey', 'FROMMEMBER', 'nosuch', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 'nokey', 'FROMMEMBER', 'nosuch'],
      ['GEOSEARCH', 'nokey', 'FROMLONLAT', '500', '0', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 'nokey', 'FROMLONLAT', '5', '0', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 's', 'FROMLONLAT', '5', '0', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '15', '37'],
      ['GEOSEARCHSTORE', 'dst', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km'],
      ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
      ['GEOSEARCHSTORE', 'dst', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'STOREDIST'],
      ['ZRANGE', 'dst', '0', '-1'],
      ['GEOSEARCHSTORE', 'dst', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'WITHDIST'],
      ['GEOSEARCHSTORE', 'dst', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'STORE', 'x'],
      ['GEOSEARCHSTORE', 'dst', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'm'],
      ['EXISTS', 'dst'],
      ['SET', 'dst', 'x'],
      ['GEOSEARCHSTORE', 'dst', 'nokey', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'm'],
      ['EXISTS', 'dst'],
      ['GEOSEARCHSTORE', 'dst', 'nokey', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'm'],
      ['GEOSEARCHSTORE', 's', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km'],
      ['TYPE', 's'],
      ['GEOSEARCHSTORE', 'dst', 's', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km'],
    ];
    await all(searches);
    await resp3(() => all(searches.slice(0, 4)));
  });

  it('GEORADIUS, GEORADIUSBYMEMBER and the _RO variants, STORE and STOREDIST', async () => {
    await p.send(['FLUSHALL']);
    await p.both(['GEOADD', 'g', ...sicily, '13.583333', '37.316667', 'Agrigento']);
    await p.both(['SET', 's', 'x']);
    await all([
      ['GEORADIUS', 'g', '15', '37', '200', 'km'],
      ['GEORADIUS', 'g', '15', '37', '200', 'km', 'WITHDIST', 'WITHCOORD', 'WITHHASH', 'ASC'],
      ['GEORADIUS', 'g', '15', '37', '200', 'km', 'COUNT', '1'],
      ['GEORADIUS', 'g', '15', '37', '200', 'km', 'COUNT', '2', 'DESC'],
      ['GEORADIUS', 'g', '15', '37', '200', 'km', 'STORE', 'd1'],
      ['ZRANGE', 'd1', '0', '-1', 'WITHSCORES'],
      ['GEORADIUS', 'g', '15', '37', '200', 'km', 'STOREDIST', 'd2'],
      ['ZRANGE', 'd2', '0', '-1'],
      ['GEORADIUS', 'g', '15', '37', '200', 'km', 'STORE', 'd3', 'STOREDIST', 'd4'],
      ['EXISTS', 'd3', 'd4'],
      ['GEORADIUS', 'g', '15', '37', '200', 'km', 'STORE', 'd1', 'WITHDIST'],
      ['GEORADIUS', 'g', '15', '37', '1', 'm', 'STORE', 'd1'],
      ['EXISTS', 'd1'],
      ['GEORADIUS', 'g', '15', '37', '200', 'km', 'STORE'],
      ['GEORADIUS', 'g', '15', '37', '200', 'km', 'FROMLONLAT', '1', '1'],
      ['GEORADIUS', 'g', '15', '91', '200', 'km'],
      ['GEORADIUS', 'g', '15', '37', '-1', 'km'],
      ['GEORADIUS', 'nokey', '15', '37', '200', 'km'],
      ['GEORADIUS', 'nokey', '15', '37', '200', 'km', 'STORE', 'd2'],
      ['EXISTS', 'd2'],
      ['GEORADIUS', 's', '15', '37', '200', 'km'],
      ['GEORADIUSBYMEMBER', 'g', 'Palermo', '200', 'km', 'WITHDIST', 'ASC'],
      ['GEORADIUSBYMEMBER', 'g', 'Palermo', '200', 'km', 'STOREDIST', 'd5'],
      ['ZRANGE', 'd5', '0', '-1'],
      ['GEORADIUSBYMEMBER', 'g', 'nosuch', '200', 'km'],
      ['GEORADIUSBYMEMBER', 'g', 'Palermo', 'x', 'km'],
      ['GEORADIUSBYMEMBER', 'nokey', 'Palermo', 'x', 'parsec'],
      ['GEORADIUSBYMEMBER', 'nokey', 'Palermo', 'x', 'parsec', 'STORE', 'd5'],
      ['EXISTS', 'd5'],
      ['GEORADIUS_RO', 'g', '15', '37', '200', 'km', 'WITHDIST'],
      ['GEORADIUS_RO', 'g', '15', '37', '200', 'km', 'STORE', 'x'],
      ['GEORADIUSBYMEMBER_RO', 'g', 'Catania', '100', 'km', 'WITHCOORD'],
      ['GEORADIUSBYMEMBER_RO', 'g', 'Catania', '100', 'km', 'STOREDIST', 'x'],
      ['COMMAND', 'GETKEYS', 'GEORADIUS', 'g', '15', '37', '200', 'km', 'STORE', 'd1'],
      ['COMMAND', 'GETKEYS', 'GEORADIUSBYMEMBER', 'g', 'm', '200', 'km', 'STOREDIST', 'd1'],
      ['COMMAND', 'GETKEYS', 'GEOSEARCHSTORE', 'd', 'g', 'FROMMEMBER', 'm', 'BYRADIUS', '1', 'km'],
    ]);
  });

  /**
   * A STOREDIST result: the same members in the same order, and distances equal to the
   * last bits. V8's sin/cos/asin differ from glibc's by one unit in the last place for a
   * few percent of inputs, which shows in full-precision scores (never in the 4 decimals
   * that WITHDIST and GEODIST print).
   */
  async function sameDistances(key: string): Promise<void> {
    const [a, b] = (await p.send(['ZRANGE', key, '0', '-1', 'WITHSCORES'])).map((r) => plain(r) as string[]);
    assert.equal(a!.length, b!.length);
    for (let i = 0; i < a!.length; i += 2) {
      assert.equal(a![i], b![i]);
      const x = Number(a![i + 1]);
      const y = Number(b![i + 1]);
      assert.ok(Math.abs(x - y) <= Math.abs(y) * 1e-14, `${a![i]}: ${x} vs ${y}`);
    }
  }

  /** A coordinate with a random number of decimals, within [min, max]. */
  function coord(r: () => number, min: number, max: number): string {
    return (min + r() * (max - min)).toFixed(1 + Math.floor(r() * 8));
  }

  it('random positions and searches match reply by reply, in order', async () => {
    const units = ['m', 'km', 'mi', 'ft', 'KM'];
    for (const seed of [1, 2, 3]) {
      const r = rng(seed);
      await p.send(['FLUSHALL']);
      // A small (listpack) and a large (skiplist) set, clustered around a few centres so
      // that searches find something, plus points spread over the globe.
      const centres: [number, number][] = [
        [13.36, 38.11],
        [-0.12, 51.5],
        [179.9, -16.5],
        [-179.9, 65.0],
        [10, 84.9],
        [0, 0],
      ];
      const members: string[] = [];
      for (const [key, n] of [
        ['small', 60],
        ['large', 900],
      ] as const) {
        const batch: string[] = [];
        for (let i = 0; i < n; i++) {
          const m = `${key}-${i}`;
          if (r() < 0.7) {
            const [cx, cy] = pick(r, centres);
            const lon = Math.max(-180, Math.min(180, cx + (r() - 0.5) * 8));
            const lat = Math.max(-85, Math.min(85, cy + (r() - 0.5) * 6));
            batch.push(lon.toFixed(6), lat.toFixed(6), m);
          } else {
            batch.push(coord(r, -180, 180), coord(r, -85, 85), m);
          }
          members.push(m);
          if (batch.length >= 300) await p.both(['GEOADD', key, ...batch.splice(0)]);
        }
        if (batch.length) await p.both(['GEOADD', key, ...batch]);
      }
      await p.both(['OBJECT', 'ENCODING', 'small']);
      await p.both(['OBJECT', 'ENCODING', 'large']);
      let nonEmpty = 0;
      for (let i = 0; i < 150; i++) {
        const key = r() < 0.3 ? 'small' : 'large';
        const args: string[] = [];
        if (r() < 0.5) args.push('FROMMEMBER', `${key}-${Math.floor(r() * (key === 'small' ? 60 : 900))}`);
        else {
          const [cx, cy] = pick(r, centres);
          args.push('FROMLONLAT', Math.max(-180, Math.min(180, cx + (r() - 0.5) * 3)).toFixed(5), Math.max(-85, Math.min(85, cy + (r() - 0.5) * 2)).toFixed(5));
        }
        const unit = pick(r, units);
        const scale = unit === 'm' || unit === 'ft' ? 1e6 : 1e3;
        const size = () => (r() < 0.1 ? '0' : (r() ** 3 * scale).toFixed(Math.floor(r() * 4)));
        if (r() < 0.5) args.push('BYRADIUS', size(), unit);
        else args.push('BYBOX', size(), size(), unit);
        // Unsorted replies come in the order of the cells scanned: keep many of them.
        const sort = r();
        if (sort < 0.2) args.push('ASC');
        else if (sort < 0.3) args.push('DESC');
        if (r() < 0.4) {
          args.push('COUNT', String(1 + Math.floor(r() * 20)));
          if (r() < 0.3) args.push('ANY');
        }
        const opts = ['WITHDIST', 'WITHCOORD', 'WITHHASH'].filter(() => r() < 0.4);
        const found = plain(await p.both(['GEOSEARCH', key, ...args, ...opts]));
        if (Array.isArray(found) && found.length > 0) nonEmpty++;
        if (i % 5 === 0) {
          const dist = r() < 0.5 ? ['STOREDIST'] : [];
          await p.both(['GEOSEARCHSTORE', 'dst', key, ...args, ...dist]);
          if (dist.length === 0) await p.both(['ZRANGE', 'dst', '0', '-1', 'WITHSCORES']);
          else await sameDistances('dst');
        }
        if (i % 7 === 0) {
          const a = pick(r, members);
          const b = pick(r, members);
          const k = a.startsWith('small') === b.startsWith('small') ? (a.startsWith('small') ? 'small' : 'large') : 'large';
          await p.both(['GEODIST', k, a, b, unit]);
          await p.both(['GEOPOS', k, a, b]);
          await p.both(['GEOHASH', k, a, b]);
        }
      }
      assert.ok(nonEmpty > 50, `only ${nonEmpty} searches found something`);
      await resp3(async () => {
        await p.both(['GEOSEARCH', 'large', 'FROMLONLAT', '13.36', '38.11', 'BYRADIUS', '150', 'km', 'WITHDIST', 'WITHCOORD', 'WITHHASH', 'ASC']);
        await p.both(['GEOPOS', 'large', 'large-1', 'large-2', 'nosuch']);
      });
    }
  });

  it('random positions read back with the same digits and hashes', async () => {
    await p.send(['FLUSHALL']);
    const r = rng(99);
    const names: string[] = [];
    const batch: string[] = [];
    for (let i = 0; i < 1000; i++) {
      batch.push(coord(r, -180, 180), coord(r, -85.05112878, 85.05112878), `p${i}`);
      names.push(`p${i}`);
    }
    await p.both(['GEOADD', 'pts', ...batch]);
    await p.both(['ZRANGE', 'pts', '0', '-1', 'WITHSCORES']);
    for (let i = 0; i < names.length; i += 100) {
      await p.both(['GEOPOS', 'pts', ...names.slice(i, i + 100)]);
      await p.both(['GEOHASH', 'pts', ...names.slice(i, i + 100)]);
    }
    for (let i = 0; i < 200; i++) await p.both(['GEODIST', 'pts', pick(r, names), pick(r, names), pick(r, ['m', 'km', 'ft', 'mi'])]);
  });

  it('keyspace events: zadd for GEOADD, geosearchstore and georadiusstore, del for an empty result', async () => {
    await p.send(['FLUSHALL']);
    const [ours, theirs] = await captureEvents(p, async () => {
      await all([
        ['GEOADD', 'g', ...sicily],
        ['GEOADD', 'g', 'NX', ...sicily],
        ['GEOSEARCHSTORE', 'd', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km'],
        ['GEORADIUS', 'g', '15', '37', '200', 'km', 'STORE', 'd2'],
        ['GEOSEARCHSTORE', 'd', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'km'],
      ]);
    });
    assert.deepEqual(ours, theirs);
    assert.deepEqual(ours, ['zadd g', 'geosearchstore d', 'georadiusstore d2', 'del d']);
  });

  it('propagation: GEOADD as the ZADD it ran, store commands as sent', async () => {
    await p.send(['FLUSHALL']);
    const log = recordDssmPropagation(p);
    const before = readRedisAof(p.redis.dir).length;
    const mark = log.length;
    await all([
      ['GEOADD', 'g', ...sicily],
      ['GEOADD', 'g', 'CH', 'NX', '13.361389', '38.115556', 'Palermo', '1', '1', 'x'],
      ['GEOADD', 'g', 'XX', '2', '2', 'nosuch'],
      ['GEOADD', 'g', '180', '85.05112878', 'corner'],
      ['GEOSEARCHSTORE', 'dst', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km'],
      ['GEORADIUS', 'g', '15', '37', '200', 'km', 'STORE', 'dst2'],
      ['GEORADIUS', 'g', '15', '37', '200', 'km'],
      ['GEOSEARCHSTORE', 'dst', 'g', 'FROMLONLAT', '100', '37', 'BYRADIUS', '200', 'km'],
    ]);
    const ours = log.slice(mark).map((a) => a.join(' '));
    const theirs = readRedisAof(p.redis.dir)
      .slice(before)
      .map((a) => a.join(' '));
    assert.deepEqual(ours, theirs);
    assert.equal(ours[0], 'zadd g 3479099956230698 Palermo 3479447370796909 Catania');
    assert.equal(ours.length, 6);
    const scores = plain(await p.both(['ZRANGE', 'g', '0', '-1', 'WITHSCORES'])) as string[];
    assert.ok(scores.includes('corner'));
  });

  it('a redis-server replica of a dssm primary holds the same geo sets', async () => {
    const dssm = await startDssm();
    const redis = await startRedis();
    try {
      const pc = await dssm.client();
      const rc = await redis.client();
      await pc.call('GEOADD', 'g', ...sicily, '13.583333', '37.316667', 'Agrigento');
      assert.equal((await rc.call('REPLICAOF', '127.0.0.1', dssm.port)).v, 'OK');
      await until('link up', async () => (await info(rc, 'master_link_status')) === 'up');
      await pc.call('GEOADD', 'g', 'CH', '15.5', '38.2', 'Messina', '13.6', '38.2', 'Palermo');
      await pc.call('GEOSEARCHSTORE', 'near', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km');
      await pc.call('GEORADIUS', 'g', '15', '37', '150', 'km', 'STORE', 'near2');
      await caughtUp(pc, rc);
      for (const key of ['g', 'near', 'near2']) {
        assert.deepEqual(await rc.call('ZRANGE', key, '0', '-1', 'WITHSCORES'), await pc.call('ZRANGE', key, '0', '-1', 'WITHSCORES'), key);
      }
      assert.deepEqual(await rc.call('GEOPOS', 'g', 'Messina', 'Palermo'), await pc.call('GEOPOS', 'g', 'Messina', 'Palermo'));
    } finally {
      await redis.stop();
      await dssm.stop();
    }
  });
});
