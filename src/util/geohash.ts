/**
 * Redis's geohash arithmetic (geohash.c, geohash_helper.c), so that geo sets built by dssm
 * and by Redis hold the same scores and answer the same: a position is a 52-bit integer
 * interleaving 26 bits of latitude (even bits) and 26 bits of longitude (odd bits), over
 * longitude [-180, 180] and the Web Mercator latitude range [-85.05112878, 85.05112878].
 * Decoding gives the centre of the cell, so GEOPOS prints the digits Redis prints.
 *
 * Every computation is done in doubles in Redis's order of operations; searches cover the
 * same 9 cells in the same order so that even unsorted results come out in Redis's order.
 */

export const GEO_STEP_MAX = 26;
export const GEO_LAT_MIN = -85.05112878;
export const GEO_LAT_MAX = 85.05112878;
export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;
export const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;
const D_R = Math.PI / 180.0;

const TWO32 = 4294967296;

const degRad = (ang: number): number => ang * D_R;
const radDeg = (ang: number): number => ang / D_R;

/**
 * A cell at `step` bits per coordinate, kept as its two coordinate indexes rather than
 * interleaved (Redis interleaves, then moves between cells with bit masks; moving an index
 * by one modulo 2^step is the same thing, without 64-bit arithmetic). An index can reach
 * 2^step on the upper edges (latitude 85.05112878, longitude 180), as in Redis.
 */
export interface GeoHashBits {
  lat: number;
  lon: number;
  step: number;
}

export interface GeoHashArea {
  lonMin: number;
  lonMax: number;
  latMin: number;
  latMax: number;
}

/** Spread the low 16 bits of x to the even bits of a 32-bit result. */
function spread16(x: number): number {
  x &= 0xffff;
  x = (x | (x << 8)) & 0x00ff00ff;
  x = (x | (x << 4)) & 0x0f0f0f0f;
  x = (x | (x << 2)) & 0x33333333;
  x = (x | (x << 1)) & 0x55555555;
  return x >>> 0;
}

/** Gather the even bits of a 32-bit x into a 16-bit result. */
function squash16(x: number): number {
  x &= 0x55555555;
  x = (x | (x >>> 1)) & 0x33333333;
  x = (x | (x >>> 2)) & 0x0f0f0f0f;
  x = (x | (x >>> 4)) & 0x00ff00ff;
  x = (x | (x >>> 8)) & 0x0000ffff;
  return x;
}

/** interleave64(lat, lon) as its two 32-bit halves. */
function interleave(lat: number, lon: number): [number, number] {
  const lo = (spread16(lat) | (spread16(lon) << 1)) >>> 0;
  const hi = (spread16(lat >>> 16) | (spread16(lon >>> 16) << 1)) >>> 0;
  return [hi, lo];
}

/** Truncation of a non-negative double to uint32, as C's conversion does in range. */
function toU32(x: number): number {
  return x >= TWO32 ? Math.trunc(x) % TWO32 : Math.trunc(x);
}

/**
 * geohashEncode: the cell of (longitude, latitude) at `step` bits per coordinate over the
 * given ranges, or null when out of range.
 */
function encode(lonMin: number, lonMax: number, latMin: number, latMax: number, longitude: number, latitude: number, step: number): [number, number] | null {
  if (longitude > GEO_LONG_MAX || longitude < GEO_LONG_MIN || latitude > GEO_LAT_MAX || latitude < GEO_LAT_MIN) return null;
  if (latitude < latMin || latitude > latMax || longitude < lonMin || longitude > lonMax) return null;
  let latOffset = (latitude - latMin) / (latMax - latMin);
  let lonOffset = (longitude - lonMin) / (lonMax - lonMin);
  latOffset *= 2 ** step;
  lonOffset *= 2 ** step;
  return interleave(toU32(latOffset), toU32(lonOffset));
}

function encodeWgs84(longitude: number, latitude: number, step: number): GeoHashBits | null {
  if (longitude > GEO_LONG_MAX || longitude < GEO_LONG_MIN || latitude > GEO_LAT_MAX || latitude < GEO_LAT_MIN) return null;
  const latOffset = ((latitude - GEO_LAT_MIN) / (GEO_LAT_MAX - GEO_LAT_MIN)) * 2 ** step;
  const lonOffset = ((longitude - GEO_LONG_MIN) / (GEO_LONG_MAX - GEO_LONG_MIN)) * 2 ** step;
  return { lat: toU32(latOffset), lon: toU32(lonOffset), step };
}

/**
 * The score GEOADD stores for a position, as the decimal text Redis puts in the ZADD it
 * runs (and propagates): the 52-bit cell as an integer. Positions on the upper edges
 * (longitude 180) give a 53rd bit; the text is then the exact integer, as in Redis.
 */
export function geoScoreText(longitude: number, latitude: number): string {
  const r = encode(GEO_LONG_MIN, GEO_LONG_MAX, GEO_LAT_MIN, GEO_LAT_MAX, longitude, latitude, GEO_STEP_MAX)!;
  const [hi, lo] = r;
  if (hi < 2 ** 21) return String(hi * TWO32 + lo);
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/** The uint64 C gets from `(uint64_t)score` on x86-64, as halves. */
function scoreToU64(score: number): [number, number] {
  if (score >= 0 && score < 2 ** 64) {
    const t = Math.trunc(score);
    const hi = Math.floor(t / TWO32);
    return [hi, t - hi * TWO32];
  }
  if (score < 0 && score > -(2 ** 63)) {
    const v = BigInt.asUintN(64, BigInt(Math.trunc(score)));
    return [Number(v >> 32n), Number(v & 0xffffffffn)];
  }
  if (score >= 2 ** 64) return [0, 0]; // cvttsd2si overflow, then the top bit flipped back
  return [0x80000000, 0]; // at or below -2^63 (or NaN): the "integer indefinite" value
}

/** geohashDecode: the area of a cell from its coordinate indexes. */
function areaOf(ilato: number, ilono: number, step: number): GeoHashArea {
  const latScale = GEO_LAT_MAX - GEO_LAT_MIN;
  const lonScale = GEO_LONG_MAX - GEO_LONG_MIN;
  const div = 2 ** step;
  return {
    latMin: GEO_LAT_MIN + ((ilato * 1.0) / div) * latScale,
    latMax: GEO_LAT_MIN + (((ilato + 1) * 1.0) / div) * latScale,
    lonMin: GEO_LONG_MIN + ((ilono * 1.0) / div) * lonScale,
    lonMax: GEO_LONG_MIN + (((ilono + 1) * 1.0) / div) * lonScale,
  };
}

function decodeBits(h: GeoHashBits): GeoHashArea {
  return areaOf(h.lat, h.lon, h.step);
}

/** [longitude, latitude] of a geo set score: the centre of its cell, clamped to the ranges. */
export function decodeScore(score: number): [number, number] {
  const out = new Float64Array(2);
  decodeScoreInto(score, out);
  return [out[0]!, out[1]!];
}

const LAT_SCALE = GEO_LAT_MAX - GEO_LAT_MIN;
const LON_SCALE = GEO_LONG_MAX - GEO_LONG_MIN;
const CELLS = 2 ** GEO_STEP_MAX;

/**
 * decodeScore into out[0] (longitude) and out[1] (latitude), without allocating: searches
 * decode every candidate in the cells they scan. Same arithmetic as {@link areaOf}.
 */
export function decodeScoreInto(score: number, out: Float64Array): void {
  let hi: number;
  let lo: number;
  if (score >= 0 && score < 2 ** 53) {
    const t = Math.trunc(score);
    hi = Math.floor(t / TWO32);
    lo = t - hi * TWO32;
  } else {
    [hi, lo] = scoreToU64(score);
  }
  const ilato = (squash16(lo) | (squash16(hi) << 16)) >>> 0;
  const ilono = (squash16(lo >>> 1) | (squash16(hi >>> 1) << 16)) >>> 0;
  const latMin = GEO_LAT_MIN + ((ilato * 1.0) / CELLS) * LAT_SCALE;
  const latMax = GEO_LAT_MIN + (((ilato + 1) * 1.0) / CELLS) * LAT_SCALE;
  const lonMin = GEO_LONG_MIN + ((ilono * 1.0) / CELLS) * LON_SCALE;
  const lonMax = GEO_LONG_MIN + (((ilono + 1) * 1.0) / CELLS) * LON_SCALE;
  let x = (lonMin + lonMax) / 2;
  if (x > GEO_LONG_MAX) x = GEO_LONG_MAX;
  if (x < GEO_LONG_MIN) x = GEO_LONG_MIN;
  let y = (latMin + latMax) / 2;
  if (y > GEO_LAT_MAX) y = GEO_LAT_MAX;
  if (y < GEO_LAT_MIN) y = GEO_LAT_MIN;
  out[0] = x;
  out[1] = y;
}

const GEOALPHABET = '0123456789bcdefghjkmnpqrstuvwxyz';

/**
 * GEOHASH's 11-character standard geohash of a score: decode, re-encode over the standard
 * latitude range [-90, 90], 5 bits per character; the 11th character stands for bits
 * beyond the 52 stored, always '0'.
 */
export function standardGeohash(score: number): string {
  const [x, y] = decodeScore(score);
  const r = encode(-180, 180, -90, 90, x, y, GEO_STEP_MAX);
  const bits = r === null ? 0n : (BigInt(r[0]) << 32n) | BigInt(r[1]);
  let out = '';
  for (let i = 0; i < 11; i++) {
    const idx = i === 10 ? 0 : Number((bits >> BigInt(52 - (i + 1) * 5)) & 0x1fn);
    out += GEOALPHABET[idx];
  }
  return out;
}

/** Great-circle distance in meters (haversine), Redis's geohashGetDistance. */
export function geoDistance(lon1d: number, lat1d: number, lon2d: number, lat2d: number): number {
  const lon1r = degRad(lon1d);
  const lon2r = degRad(lon2d);
  const v = Math.sin((lon2r - lon1r) / 2);
  // Same longitude: the distance along the meridian, without the trigonometry.
  if (v === 0.0) return geoLatDistance(lat1d, lat2d);
  const lat1r = degRad(lat1d);
  const lat2r = degRad(lat2d);
  const u = Math.sin((lat2r - lat1r) / 2);
  const a = u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(a));
}

function geoLatDistance(lat1d: number, lat2d: number): number {
  return EARTH_RADIUS_IN_METERS * Math.abs(degRad(lat2d) - degRad(lat1d));
}

/** A search shape: centre, radius or box, and the unit's size in meters. */
export type GeoShape = { type: 'radius'; x: number; y: number; conversion: number; radius: number } | { type: 'box'; x: number; y: number; conversion: number; width: number; height: number };

/**
 * Whether (x2, y2) is inside the shape, and its distance from the centre in meters
 * (null when outside). For a box, the latitude test first, then the longitude distance
 * along the point's own parallel, as Redis's geohashGetDistanceIfInRectangle.
 */
export function distanceIfInShape(shape: GeoShape, x2: number, y2: number): number | null {
  const x1 = shape.x;
  const y1 = shape.y;
  if (shape.type === 'radius') {
    const d = geoDistance(x1, y1, x2, y2);
    return d > shape.radius * shape.conversion ? null : d;
  }
  const widthM = shape.width * shape.conversion;
  const heightM = shape.height * shape.conversion;
  if (geoLatDistance(y2, y1) > heightM / 2) return null;
  if (geoDistance(x2, y2, x1, y2) > widthM / 2) return null;
  return geoDistance(x1, y1, x2, y2);
}

/** geohashEstimateStepsByRadius. */
function estimateSteps(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

/** Move a cell east (+1) or west (-1), wrapping around within the step. */
function moveX(h: GeoHashBits, d: number): GeoHashBits {
  const n = 2 ** h.step;
  return { lat: h.lat, lon: (((h.lon + d) % n) + n) % n, step: h.step };
}

/** Move a cell north (+1) or south (-1), wrapping around within the step. */
function moveY(h: GeoHashBits, d: number): GeoHashBits {
  const n = 2 ** h.step;
  return { lat: (((h.lat + d) % n) + n) % n, lon: h.lon, step: h.step };
}

interface Neighbors {
  north: GeoHashBits | null;
  south: GeoHashBits | null;
  east: GeoHashBits | null;
  west: GeoHashBits | null;
  northEast: GeoHashBits | null;
  northWest: GeoHashBits | null;
  southEast: GeoHashBits | null;
  southWest: GeoHashBits | null;
}

function neighborsOf(h: GeoHashBits): Neighbors {
  return {
    east: moveX(h, 1),
    west: moveX(h, -1),
    south: moveY(h, -1),
    north: moveY(h, 1),
    northWest: moveY(moveX(h, -1), 1),
    southWest: moveY(moveX(h, -1), -1),
    northEast: moveY(moveX(h, 1), 1),
    southEast: moveY(moveX(h, 1), -1),
  };
}

/**
 * The score ranges [min, max) to scan for a search, in Redis's order: the centre cell,
 * then north, south, east, west, north-east, north-west, south-east, south-west, without
 * the cells the bounding box does not reach, and without a cell equal to the one scanned
 * just before it (Redis never compares with the centre cell, and neither do we).
 */
export function searchRanges(shape: GeoShape): [number, number][] {
  const longitude = shape.x;
  const latitude = shape.y;
  // geohashBoundingBox
  const height = shape.conversion * (shape.type === 'radius' ? shape.radius : shape.height / 2);
  const width = shape.conversion * (shape.type === 'radius' ? shape.radius : shape.width / 2);
  const latDelta = radDeg(height / EARTH_RADIUS_IN_METERS);
  const lonDeltaTop = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(latitude + latDelta)));
  const lonDeltaBottom = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(latitude - latDelta)));
  const southern = latitude < 0;
  const minLon = southern ? longitude - lonDeltaBottom : longitude - lonDeltaTop;
  const maxLon = southern ? longitude + lonDeltaBottom : longitude + lonDeltaTop;
  const minLat = latitude - latDelta;
  const maxLat = latitude + latDelta;

  let radiusMeters = shape.type === 'radius' ? shape.radius : Math.sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2));
  radiusMeters *= shape.conversion;
  let steps = estimateSteps(radiusMeters, latitude);

  let hash = encodeWgs84(longitude, latitude, steps)!;
  let n = neighborsOf(hash);
  let area = decodeBits(hash);

  let decrease = false;
  {
    const north = decodeBits(n.north!);
    const south = decodeBits(n.south!);
    const east = decodeBits(n.east!);
    const west = decodeBits(n.west!);
    if (north.latMax < maxLat) decrease = true;
    if (south.latMin > minLat) decrease = true;
    if (east.lonMax < maxLon) decrease = true;
    if (west.lonMin > minLon) decrease = true;
  }
  if (steps > 1 && decrease) {
    steps--;
    hash = encodeWgs84(longitude, latitude, steps)!;
    n = neighborsOf(hash);
    area = decodeBits(hash);
  }
  if (steps >= 2) {
    if (area.latMin < minLat) n.south = n.southWest = n.southEast = null;
    if (area.latMax > maxLat) n.north = n.northEast = n.northWest = null;
    if (area.lonMin < minLon) n.west = n.southWest = n.northWest = null;
    if (area.lonMax > maxLon) n.east = n.southEast = n.northEast = null;
  }

  const cells = [hash, n.north, n.south, n.east, n.west, n.northEast, n.northWest, n.southEast, n.southWest];
  const out: [number, number][] = [];
  let last = 0;
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i];
    if (c === null || c === undefined) continue;
    if (last !== 0) {
      const prev = cells[last]!;
      if (c.lat === prev.lat && c.lon === prev.lon && c.step === prev.step) continue;
    }
    const [hi, lo] = interleave(c.lat, c.lon);
    const scale = 2 ** (52 - c.step * 2);
    if (hi < 2 ** 20) {
      const bits = hi * TWO32 + lo;
      out.push([bits * scale, (bits + 1) * scale]);
    } else {
      // Only cells on the upper edges get here: exact 64-bit arithmetic, then rounding.
      const bits = (BigInt(hi) << 32n) | BigInt(lo);
      const shift = BigInt(52 - c.step * 2);
      out.push([Number(BigInt.asUintN(64, bits << shift)), Number(BigInt.asUintN(64, (bits + 1n) << shift))]);
    }
    last = i;
  }
  return out;
}

/**
 * printf's `%.<digits>f` for a double (glibc: the exact binary value, rounded half to
 * even). toFixed rounds exact ties away from zero instead; a tie is only possible when the
 * value has at most digits+1 binary fraction bits, which is checked exactly.
 */
export function formatFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return x < 0 ? '-nan' : 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  let s: string;
  if (a >= 1e21) {
    // Integers this large: exact digits through BigInt.
    s = BigInt(a).toString() + (digits > 0 ? '.' + '0'.repeat(digits) : '');
  } else {
    s = a.toFixed(digits);
    const scaled = a * 2 ** (digits + 1);
    if (Number.isInteger(scaled) && !Number.isInteger(scaled / 2) && scaled < 2 ** 53) {
      // An exact tie, rounded up by toFixed: round to even instead.
      const last = s.charCodeAt(s.length - 1) - 48;
      if (last % 2 === 1) s = s.slice(0, -1) + String(last - 1);
    }
  }
  return neg ? '-' + s : s;
}

/**
 * Redis's addReplyHumanLongDouble text for a double: `%.17Lf` with trailing zeros (and a
 * bare '.') removed, "-0" shown as "0".
 */
export function formatHuman(x: number): string {
  let s = formatFixed(x, 17);
  if (s.includes('.')) {
    let end = s.length;
    while (s.charCodeAt(end - 1) === 48) end--;
    if (s.charCodeAt(end - 1) === 46) end--;
    s = s.slice(0, end);
  }
  return s === '-0' ? '0' : s;
}
