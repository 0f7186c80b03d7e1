/**
 * Argument parsing with Redis's exact rules and error texts. Parsers throw CommandError,
 * which the dispatcher turns into the error reply; handlers validate every argument
 * before they change anything.
 */
import { CommandError, Err } from '../errors.js';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/**
 * Redis's string2ll syntax: optional '-', digits, no '+', no spaces, no leading zeros
 * (except "0" itself), within int64. Returns a bigint, or null when invalid.
 */
export function parseI64(s: string): bigint | null {
  const n = s.length;
  if (n === 0 || n > 20) return null;
  let i = 0;
  if (s.charCodeAt(0) === 45) {
    if (n === 1) return null;
    i = 1;
  }
  const first = s.charCodeAt(i);
  if (first === 48) return n === 1 ? 0n : null; // "0" only; "-0", "01" are invalid
  for (let j = i; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return null;
  }
  const v = BigInt(s);
  if (v > INT64_MAX || v < INT64_MIN) return null;
  return v;
}

/**
 * Integer argument as a JS number. Fast path for short decimal strings; values beyond
 * 2^53 are rounded (callers needing exact int64 arithmetic use parseI64).
 */
export function parseIntOrNull(s: string): number | null {
  const n = s.length;
  if (n > 0 && n < 16) {
    let i = 0;
    let neg = false;
    if (s.charCodeAt(0) === 45) {
      if (n === 1) return null;
      neg = true;
      i = 1;
    }
    if (s.charCodeAt(i) === 48 && n > i + 1) return null;
    if (s.charCodeAt(i) === 48 && neg) return null;
    let v = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return null;
      v = v * 10 + c;
    }
    return neg ? -v : v;
  }
  const b = parseI64(s);
  return b === null ? null : Number(b);
}

/** Integer argument or `ERR value is not an integer or out of range` (or the given error). */
export function parseInteger(s: string, error: string = Err.NOT_INTEGER): number {
  const v = parseIntOrNull(s);
  if (v === null) throw new CommandError(error);
  return v;
}

/** Integer within [min, max], with Redis's "must be ..." style error if given. */
export function parseRange(s: string, min: number, max: number, error: string = Err.NOT_INTEGER): number {
  const v = parseInteger(s);
  if (v < min || v > max) throw new CommandError(error);
  return v;
}

/** A non-negative integer (e.g. COUNT), with a custom error text. */
export function parsePositive(s: string, error: string): number {
  const v = parseIntOrNull(s);
  if (v === null || v < 0) throw new CommandError(error);
  return v;
}

/**
 * Redis's string-to-double for arguments (strtod on the whole string, no spaces, "inf"
 * and "-inf" accepted, NaN refused). Returns null when invalid.
 */
export function parseDoubleOrNull(s: string): number | null {
  if (s.length === 0 || s.length > 5000) return null;
  const c0 = s.charCodeAt(0);
  if (c0 === 32 || c0 === 9 || c0 === 10 || c0 === 13 || c0 === 11 || c0 === 12) return null;
  const last = s.charCodeAt(s.length - 1);
  if (last === 32 || last === 9 || last === 10 || last === 13) return null;
  const lower = s.toLowerCase();
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  // strtod grammar: decimal or hex float. Number() accepts more (e.g. "0b1", "1_0" is not), so check first.
  if (!/^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)$/.test(s)) {
    if (/^[+-]?0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)([pP][+-]?\d+)?$/.test(s)) return parseHexFloat(s);
    return null;
  }
  const v = Number(s);
  return Number.isNaN(v) ? null : v;
}

function parseHexFloat(s: string): number {
  const m = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)(?:[pP]([+-]?\d+))?$/.exec(s)!;
  const int = m[2] || '0';
  const frac = m[3] || '';
  let v = parseInt(int, 16);
  for (let i = 0; i < frac.length; i++) v += parseInt(frac[i]!, 16) / 16 ** (i + 1);
  v *= 2 ** Number(m[4] ?? 0);
  return m[1] === '-' ? -v : v;
}

export function parseDouble(s: string, error: string = Err.NOT_FLOAT): number {
  const v = parseDoubleOrNull(s);
  if (v === null) throw new CommandError(error);
  return v;
}

/** Case-insensitive comparison of an argument with an ASCII keyword. */
export function is(arg: string | undefined, keyword: string): boolean {
  return arg !== undefined && arg.length === keyword.length && (arg === keyword || arg.toLowerCase() === keyword);
}

const LONG_MAX = 9223372036854775807n;
const RANDOM_COUNT_RANGE = 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807';

/**
 * The count of SRANDMEMBER, ZRANDMEMBER and HRANDFIELD, checked as Redis 7.0 does
 * (getRangeLongFromObjectOrReply with -LONG_MAX..LONG_MAX): -2^63 is out of range, 2^63
 * is not an integer. With `paired` (WITHSCORES, WITHVALUES: two items per pick) the count
 * must also lie within ±LONG_MAX/2, checked after the option's syntax as in Redis.
 */
export function parseRandomCount(s: string): bigint {
  const big = parseI64(s);
  if (big === null) throw new CommandError(Err.NOT_INTEGER);
  if (big < -LONG_MAX) throw new CommandError(RANDOM_COUNT_RANGE);
  return big;
}

export function checkPairedRandomCount(count: bigint): void {
  if (count < -LONG_MAX / 2n || count > LONG_MAX / 2n) throw new CommandError('ERR value is out of range');
}

/**
 * The largest reply a random pick with repetitions (a negative count) may build: 512 MB,
 * proto-max-bulk-len's default, the largest single value a client is expected to take.
 * Redis 7.0.15 has no bound here: `ZRANDMEMBER k -9223372036854775807` streams elements
 * until the server runs out of memory and aborts (tried: it does). dssm answers an error
 * instead, before it builds anything.
 */
export const MAX_RANDOM_REPLY_BYTES = 512 * 1024 * 1024;

/**
 * Refuse `picks` random elements when their reply would exceed MAX_RANDOM_REPLY_BYTES.
 * `sampleBytes` is the reply size of a few elements drawn at random (`sampled` of them),
 * so picks × average is the expected reply size.
 */
export function checkRandomReplySize(picks: number, sampleBytes: number, sampled: number): void {
  const perPick = sampled > 0 ? sampleBytes / sampled : 1;
  if (picks * Math.max(perPick, 1) > MAX_RANDOM_REPLY_BYTES) {
    throw new CommandError(`ERR value is out of range, the reply to this count would exceed ${MAX_RANDOM_REPLY_BYTES} bytes`);
  }
}

/** RESP bytes of a bulk string of `n` bytes ($n\r\n...\r\n), for reply size estimates. */
export function bulkReplyBytes(n: number): number {
  return n + 5 + String(n).length;
}
