/**
 * Geo commands (Redis's geo.c): GEOADD GEODIST GEOPOS GEOHASH GEOSEARCH GEOSEARCHSTORE
 * GEORADIUS GEORADIUSBYMEMBER and their _RO variants.
 *
 * A geo set is an ordinary sorted set whose scores are 52-bit geohash cells (util/
 * geohash.ts), so TYPE, ZRANGE, DUMP and RDB see a zset. GEOADD runs (and propagates)
 * the ZADD Redis would run, with the scores as integers; searches scan the same cells in
 * the same order as Redis and format coordinates and distances with the same digits.
 */
import { CommandError, Err } from '../errors.js';
import type { Database } from '../keyspace/keyspace.js';
import { RZSet } from '../keyspace/types/zset.js';
import {
  GEO_LAT_MAX,
  GEO_LAT_MIN,
  GEO_LONG_MAX,
  GEO_LONG_MIN,
  type GeoShape,
  decodeScore,
  decodeScoreInto,
  distanceIfInShape,
  formatFixed,
  formatHuman,
  geoDistance,
  geoScoreText,
  searchRanges,
  standardGeohash,
} from '../util/geohash.js';
import { is, parseDoubleOrNull, parseIntOrNull } from './args.js';
import type { Client } from './context.js';
import { defineCommand, type CommandSpec } from './spec.js';

const ERR_UNIT = 'ERR unsupported unit provided. please use M, KM, FT, MI';
const ERR_NO_MEMBER = 'ERR could not decode requested zset member';

// ---------------------------------------------------------------------------------------
// Lookups, arguments, replies

function getZSet(db: Database, key: string): RZSet | undefined {
  const v = db.read(key);
  if (v === undefined) return undefined;
  if (v instanceof RZSet) return v;
  throw new CommandError(Err.WRONGTYPE);
}

/**
 * Redis's getDoubleFromObject: strtod over the whole string, no leading space, NaN
 * refused, and an overflow (or an underflow to zero) refused as out of range.
 */
function parseGeoDouble(s: string, error: string = Err.NOT_FLOAT): number {
  const v = parseDoubleOrNull(s);
  if (v === null) throw new CommandError(error);
  if (!Number.isFinite(v) && !/inf/i.test(s)) throw new CommandError(error);
  if (v === 0 && /[1-9]/.test(s.replace(/[eE].*$/, ''))) throw new CommandError(error);
  return v;
}

/** A longitude, latitude pair (extractLongLatOrReply). */
function parseLonLat(lonArg: string, latArg: string): [number, number] {
  const lon = parseGeoDouble(lonArg);
  const lat = parseGeoDouble(latArg);
  if (lon < GEO_LONG_MIN || lon > GEO_LONG_MAX || lat < GEO_LAT_MIN || lat > GEO_LAT_MAX) {
    throw new CommandError(`ERR invalid longitude,latitude pair ${formatFixed(lon, 6)},${formatFixed(lat, 6)}`);
  }
  return [lon, lat];
}

/** Meters per unit (extractUnitOrReply). */
function parseUnit(s: string): number {
  if (is(s, 'm')) return 1;
  if (is(s, 'km')) return 1000;
  if (is(s, 'ft')) return 0.3048;
  if (is(s, 'mi')) return 1609.34;
  throw new CommandError(ERR_UNIT);
}

/** A radius and its unit (extractDistanceOrReply). */
function parseRadius(radiusArg: string, unitArg: string): { radius: number; conversion: number } {
  const radius = parseGeoDouble(radiusArg, 'ERR need numeric radius');
  if (radius < 0) throw new CommandError('ERR radius cannot be negative');
  return { radius, conversion: parseUnit(unitArg) };
}

/** Width, height and unit (extractBoxOrReply). */
function parseBox(wArg: string, hArg: string, unitArg: string): { width: number; height: number; conversion: number } {
  const width = parseGeoDouble(wArg, 'ERR need numeric width');
  const height = parseGeoDouble(hArg, 'ERR need numeric height');
  if (height < 0 || width < 0) throw new CommandError('ERR height or width cannot be negative');
  return { width, height, conversion: parseUnit(unitArg) };
}

/** A distance as Redis replies it: a bulk string with 4 decimals, in RESP2 and RESP3. */
function replyDistance(c: Client, d: number): void {
  c.reply.bulk(formatFixed(d, 4));
}

/** addReplyHumanLongDouble: a bulk string in RESP2, a double in RESP3, with `%.17Lf` digits. */
function replyCoordinate(c: Client, v: number): void {
  const s = formatHuman(v);
  if (c.reply.proto === 3) c.reply.writeRaw(Buffer.from(`,${s}\r\n`, 'latin1'));
  else c.reply.bulk(s);
}

// ---------------------------------------------------------------------------------------
// GEOADD GEODIST GEOPOS GEOHASH

/**
 * GEOADD key [NX|XX] [CH] lon lat member ...: validated, then run as the ZADD with the
 * cells as scores, which is also what is propagated (as Redis does).
 */
function geoadd(c: Client, argv: string[]): void {
  let xx = false;
  let nx = false;
  let idx = 2;
  for (; idx < argv.length; idx++) {
    const a = argv[idx]!;
    if (is(a, 'nx')) nx = true;
    else if (is(a, 'xx')) xx = true;
    else if (!is(a, 'ch')) break;
  }
  if ((argv.length - idx) % 3 !== 0 || (xx && nx)) throw new CommandError(Err.SYNTAX);
  const zargv = ['zadd', ...argv.slice(1, idx)];
  for (let i = idx; i < argv.length; i += 3) {
    const [lon, lat] = parseLonLat(argv[i]!, argv[i + 1]!);
    zargv.push(geoScoreText(lon, lat), argv[i + 2]!);
  }
  const zadd = c.server.commands.get('zadd');
  if (zadd === undefined) throw new CommandError(Err.SYNTAX);
  zadd.handler(c, zargv);
  c.propagateAs(zargv);
}

function geodist(c: Client, argv: string[]): void {
  let toMeter = 1;
  if (argv.length === 5) toMeter = parseUnit(argv[4]!);
  else if (argv.length > 5) throw new CommandError(Err.SYNTAX);
  const z = getZSet(c.db, argv[1]!);
  if (z === undefined) return c.reply.nil();
  const s1 = z.score(argv[2]!);
  const s2 = z.score(argv[3]!);
  if (s1 === undefined || s2 === undefined) return c.reply.nil();
  const [x1, y1] = decodeScore(s1);
  const [x2, y2] = decodeScore(s2);
  replyDistance(c, geoDistance(x1, y1, x2, y2) / toMeter);
}

function geopos(c: Client, argv: string[]): void {
  const z = getZSet(c.db, argv[1]!);
  c.reply.arrayHeader(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const s = z?.score(argv[j]!);
    if (s === undefined) {
      c.reply.nilArray();
      continue;
    }
    const [x, y] = decodeScore(s);
    c.reply.arrayHeader(2);
    replyCoordinate(c, x);
    replyCoordinate(c, y);
  }
}

function geohash(c: Client, argv: string[]): void {
  const z = getZSet(c.db, argv[1]!);
  c.reply.arrayHeader(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const s = z?.score(argv[j]!);
    if (s === undefined) c.reply.nil();
    else c.reply.bulk(standardGeohash(s));
  }
}

// ---------------------------------------------------------------------------------------
// Searches

const RADIUS_COORDS = 1;
const RADIUS_MEMBER = 2;
const RADIUS_NOSTORE = 4;
const GEOSEARCH = 8;
const GEOSEARCHSTORE = 16;

interface GeoPoint {
  member: string;
  score: number;
  lon: number;
  lat: number;
  dist: number;
}

/** The position of a member, or the error Redis gives for a missing one. */
function memberPosition(z: RZSet, member: string): [number, number] {
  const s = z.score(member);
  if (s === undefined) throw new CommandError(ERR_NO_MEMBER);
  return decodeScore(s);
}

/**
 * The points of z inside the shape, cell by cell in Redis's order, each cell's range in
 * score order. With a limit (COUNT ... ANY), stops once that many were found.
 */
function pointsInShape(z: RZSet, shape: GeoShape, limit: number): GeoPoint[] {
  const out: GeoPoint[] = [];
  for (const [min, max] of searchRanges(shape)) {
    if (out.length !== 0 && limit !== 0 && out.length >= limit) break;
    let n = z.zsl.firstInScoreRange({ min, max, minex: false, maxex: true });
    for (; n !== null; n = n.next[0]!) {
      if (n.score >= max) break;
      decodeScoreInto(n.score, xy);
      const dist = distanceIfInShape(shape, xy[0]!, xy[1]!);
      if (dist !== null) out.push({ member: n.member, score: n.score, lon: xy[0]!, lat: xy[1]!, dist });
      if (out.length !== 0 && limit !== 0 && out.length >= limit) break;
    }
  }
  return out;
}

const xy = new Float64Array(2);

const byDistance = (a: GeoPoint, b: GeoPoint): number => (a.dist > b.dist ? 1 : a.dist === b.dist ? 0 : -1);

/** Redis's georadiusGeneric: every search command, with srcIdx the source key's position. */
function georadiusGeneric(c: Client, argv: string[], srcIdx: number, flags: number): void {
  const db = c.db;
  const z = getZSet(db, argv[srcIdx]!);
  let storeKey: string | null = null;
  let storeDist = false;
  let baseArgs: number;
  let x = 0;
  let y = 0;
  let conversion = 1;
  let radius = 0;
  let width = 0;
  let height = 0;
  let box = false;

  if (flags & RADIUS_COORDS) {
    baseArgs = 6;
    [x, y] = parseLonLat(argv[2]!, argv[3]!);
    ({ radius, conversion } = parseRadius(argv[4]!, argv[5]!));
  } else if (flags & RADIUS_MEMBER && z === undefined) {
    // No source: the arguments are still parsed, to know which empty reply to give.
    baseArgs = 5;
  } else if (flags & RADIUS_MEMBER) {
    baseArgs = 5;
    [x, y] = memberPosition(z!, argv[2]!);
    ({ radius, conversion } = parseRadius(argv[3]!, argv[4]!));
  } else {
    baseArgs = 2;
    if (flags & GEOSEARCHSTORE) {
      baseArgs = 3;
      storeKey = argv[1]!;
    }
  }

  let withDist = false;
  let withHash = false;
  let withCoords = false;
  let fromMember = false;
  let fromLoc = false;
  let byRadius = false;
  let byBox = false;
  let sort: 0 | 1 | -1 = 0;
  let any = false;
  let count = 0;
  const remaining = argv.length - baseArgs;
  for (let i = 0; i < remaining; i++) {
    const arg = argv[baseArgs + i]!;
    if (is(arg, 'withdist')) withDist = true;
    else if (is(arg, 'withhash')) withHash = true;
    else if (is(arg, 'withcoord')) withCoords = true;
    else if (is(arg, 'any')) any = true;
    else if (is(arg, 'asc')) sort = 1;
    else if (is(arg, 'desc')) sort = -1;
    else if (is(arg, 'count') && i + 1 < remaining) {
      const n = parseIntOrNull(argv[baseArgs + i + 1]!);
      if (n === null) throw new CommandError(Err.NOT_INTEGER);
      if (n <= 0) throw new CommandError('ERR COUNT must be > 0');
      count = n;
      i++;
    } else if (is(arg, 'store') && i + 1 < remaining && !(flags & RADIUS_NOSTORE) && !(flags & GEOSEARCH)) {
      storeKey = argv[baseArgs + i + 1]!;
      storeDist = false;
      i++;
    } else if (is(arg, 'storedist') && i + 1 < remaining && !(flags & RADIUS_NOSTORE) && !(flags & GEOSEARCH)) {
      storeKey = argv[baseArgs + i + 1]!;
      storeDist = true;
      i++;
    } else if (is(arg, 'storedist') && flags & GEOSEARCH && flags & GEOSEARCHSTORE) {
      storeDist = true;
    } else if (is(arg, 'frommember') && i + 1 < remaining && flags & GEOSEARCH && !fromLoc) {
      if (z !== undefined) [x, y] = memberPosition(z, argv[baseArgs + i + 1]!);
      fromMember = true;
      i++;
    } else if (is(arg, 'fromlonlat') && i + 2 < remaining && flags & GEOSEARCH && !fromMember) {
      [x, y] = parseLonLat(argv[baseArgs + i + 1]!, argv[baseArgs + i + 2]!);
      fromLoc = true;
      i += 2;
    } else if (is(arg, 'byradius') && i + 2 < remaining && flags & GEOSEARCH && !byBox) {
      ({ radius, conversion } = parseRadius(argv[baseArgs + i + 1]!, argv[baseArgs + i + 2]!));
      box = false;
      byRadius = true;
      i += 2;
    } else if (is(arg, 'bybox') && i + 3 < remaining && flags & GEOSEARCH && !byRadius) {
      ({ width, height, conversion } = parseBox(argv[baseArgs + i + 1]!, argv[baseArgs + i + 2]!, argv[baseArgs + i + 3]!));
      box = true;
      byBox = true;
      i += 3;
    } else {
      throw new CommandError(Err.SYNTAX);
    }
  }

  if (storeKey !== null && (withDist || withHash || withCoords)) {
    throw new CommandError(`ERR ${flags & GEOSEARCHSTORE ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS'} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`);
  }
  if (flags & GEOSEARCH && !(fromMember || fromLoc)) {
    throw new CommandError(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${argv[0]}`);
  }
  if (flags & GEOSEARCH && !(byRadius || byBox)) {
    throw new CommandError(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${argv[0]}`);
  }
  if (any && count === 0) throw new CommandError('ERR the ANY argument requires COUNT argument');

  if (z === undefined) {
    if (storeKey !== null) {
      if (db.delete(storeKey)) c.server.notify('generic', 'del', storeKey, db.id);
      c.reply.int(0);
    } else {
      c.reply.arrayHeader(0);
    }
    return;
  }

  // COUNT alone means "the nearest N": sort ascending unless ANY was asked.
  if (count !== 0 && sort === 0 && !any) sort = 1;

  const shape: GeoShape = box ? { type: 'box', x, y, conversion, width, height } : { type: 'radius', x, y, conversion, radius };
  const points = pointsInShape(z, shape, any ? count : 0);
  if (points.length === 0 && storeKey === null) {
    c.reply.arrayHeader(0);
    return;
  }
  const returned = count === 0 || points.length < count ? points.length : count;
  if (sort === 1) points.sort(byDistance);
  else if (sort === -1) points.sort((a, b) => byDistance(b, a));

  if (storeKey === null) {
    const options = (withDist ? 1 : 0) + (withCoords ? 1 : 0) + (withHash ? 1 : 0);
    c.reply.arrayHeader(returned);
    for (let i = 0; i < returned; i++) {
      const gp = points[i]!;
      const dist = gp.dist / conversion;
      if (options !== 0) c.reply.arrayHeader(options + 1);
      c.reply.bulk(gp.member);
      if (withDist) replyDistance(c, dist);
      if (withHash) c.reply.int(Math.trunc(gp.score));
      if (withCoords) {
        c.reply.arrayHeader(2);
        replyCoordinate(c, gp.lon);
        replyCoordinate(c, gp.lat);
      }
    }
    return;
  }

  if (returned !== 0) {
    const entries: [string, number][] = [];
    for (let i = 0; i < returned; i++) {
      const gp = points[i]!;
      entries.push([gp.member, storeDist ? gp.dist / conversion : gp.score]);
    }
    const limits = { entries: c.server.config.int('zset-max-listpack-entries'), value: c.server.config.int('zset-max-listpack-value') };
    db.set(storeKey, RZSet.fromEntries(entries, limits));
    c.server.notify('zset', flags & GEOSEARCH ? 'geosearchstore' : 'georadiusstore', storeKey, db.id);
  } else if (db.delete(storeKey)) {
    c.server.notify('generic', 'del', storeKey, db.id);
  }
  c.reply.int(returned);
}

/**
 * Keys of GEORADIUS/GEORADIUSBYMEMBER as Redis's key specs find them: the source, then the
 * key after the first STORE and after the first STOREDIST at or past `from`.
 */
function georadiusKeys(from: number) {
  return (argv: readonly string[]): number[] => {
    const keys = [1];
    for (const keyword of ['store', 'storedist']) {
      for (let i = from; i < argv.length; i++) {
        if (is(argv[i], keyword)) {
          if (i + 1 < argv.length) keys.push(i + 1);
          break;
        }
      }
    }
    return keys;
  };
}

const SEARCH_COMPLEXITY = 'O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape';
const RADIUS_COMPLEXITY = 'O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.';

export const geoCommands: CommandSpec[] = [
  defineCommand({
    name: 'geoadd',
    docs: { history: [['6.2.0', 'Added the `CH`, `NX` and `XX` options.']] },
    arity: -5,
    flags: 'write denyoom',
    keys: [1, 1, 1],
    group: 'geo',
    handler: geoadd,
    summary: 'Add one or more geospatial items in the geospatial index represented using a sorted set',
    since: '3.2.0',
    complexity: 'O(log(N)) for each item added, where N is the number of elements in the sorted set.',
  }),
  defineCommand({
    name: 'geodist',
    arity: -4,
    flags: 'readonly',
    keys: [1, 1, 1],
    group: 'geo',
    handler: geodist,
    summary: 'Returns the distance between two members of a geospatial index',
    since: '3.2.0',
    complexity: 'O(log(N))',
  }),
  defineCommand({
    name: 'geopos',
    arity: -2,
    flags: 'readonly',
    keys: [1, 1, 1],
    group: 'geo',
    handler: geopos,
    summary: 'Returns longitude and latitude of members of a geospatial index',
    since: '3.2.0',
    complexity: 'O(N) where N is the number of members requested.',
  }),
  defineCommand({
    name: 'geohash',
    arity: -2,
    flags: 'readonly',
    keys: [1, 1, 1],
    group: 'geo',
    handler: geohash,
    summary: 'Returns members of a geospatial index as standard geohash strings',
    since: '3.2.0',
    complexity: 'O(log(N)) for each member requested, where N is the number of elements in the sorted set.',
  }),
  defineCommand({
    name: 'geosearch',
    docs: { history: [['7.0.0', 'Added support for uppercase unit names.']] },
    arity: -7,
    flags: 'readonly',
    keys: [1, 1, 1],
    group: 'geo',
    handler: (c, argv) => georadiusGeneric(c, argv, 1, GEOSEARCH),
    summary: 'Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.',
    since: '6.2.0',
    complexity: SEARCH_COMPLEXITY,
  }),
  defineCommand({
    name: 'geosearchstore',
    keySpecs: ['OW update | index 1 | range 0 1 0', 'RO access | index 2 | range 0 1 0'],
    docs: { history: [['7.0.0', 'Added support for uppercase unit names.']] },
    arity: -8,
    flags: 'write denyoom',
    keys: [1, 2, 1],
    group: 'geo',
    handler: (c, argv) => georadiusGeneric(c, argv, 2, GEOSEARCH | GEOSEARCHSTORE),
    summary: 'Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.',
    since: '6.2.0',
    complexity: SEARCH_COMPLEXITY,
  }),
  defineCommand({
    name: 'georadius',
    keySpecs: ['RO access | index 1 | range 0 1 0', 'OW update | keyword STORE 6 | range 0 1 0', 'OW update | keyword STOREDIST 6 | range 0 1 0'],
    docs: {
      docFlags: ['deprecated'],
      deprecatedSince: '6.2.0',
      replacedBy: '`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` argument',
      history: [
        ['6.2.0', 'Added the `ANY` option for `COUNT`.'],
        ['7.0.0', 'Added support for uppercase unit names.'],
      ],
    },
    arity: -6,
    flags: 'write denyoom',
    keys: [1, 1, 1],
    getKeys: georadiusKeys(6),
    group: 'geo',
    handler: (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_COORDS),
    summary: 'Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point',
    since: '3.2.0',
    complexity: RADIUS_COMPLEXITY,
  }),
  defineCommand({
    name: 'georadiusbymember',
    keySpecs: ['RO access | index 1 | range 0 1 0', 'OW update | keyword STORE 5 | range 0 1 0', 'OW update | keyword STOREDIST 5 | range 0 1 0'],
    docs: {
      docFlags: ['deprecated'],
      deprecatedSince: '6.2.0',
      replacedBy: '`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` and `FROMMEMBER` arguments',
      history: [['7.0.0', 'Added support for uppercase unit names.']],
    },
    arity: -5,
    flags: 'write denyoom',
    keys: [1, 1, 1],
    getKeys: georadiusKeys(5),
    group: 'geo',
    handler: (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_MEMBER),
    summary: 'Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member',
    since: '3.2.0',
    complexity: RADIUS_COMPLEXITY,
  }),
  defineCommand({
    name: 'georadius_ro',
    docs: { docFlags: ['deprecated'], deprecatedSince: '6.2.0', replacedBy: '`GEOSEARCH` with the `BYRADIUS` argument', history: [['6.2.0', 'Added the `ANY` option for `COUNT`.']] },
    arity: -6,
    flags: 'readonly',
    keys: [1, 1, 1],
    group: 'geo',
    handler: (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_COORDS | RADIUS_NOSTORE),
    summary: 'A read-only variant for GEORADIUS',
    since: '3.2.10',
    complexity: RADIUS_COMPLEXITY,
  }),
  defineCommand({
    name: 'georadiusbymember_ro',
    docs: { docFlags: ['deprecated'], deprecatedSince: '6.2.0', replacedBy: '`GEOSEARCH` with the `BYRADIUS` and `FROMMEMBER` arguments' },
    arity: -5,
    flags: 'readonly',
    keys: [1, 1, 1],
    group: 'geo',
    handler: (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_MEMBER | RADIUS_NOSTORE),
    summary: 'A read-only variant for GEORADIUSBYMEMBER',
    since: '3.2.10',
    complexity: RADIUS_COMPLEXITY,
  }),
];
