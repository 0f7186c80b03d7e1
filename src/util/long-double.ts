/**
 * x87 80-bit `long double` arithmetic, exactly as Redis 7.0 on x86-64 does it for
 * INCRBYFLOAT and HINCRBYFLOAT: parse with strtold (string2ld), add with one rounding to a
 * 64-bit significand, print with `%.17Lf` and strip trailing zeros (ld2string's
 * LD_STR_HUMAN mode).
 *
 * JS has no long double, and doubles give visibly different answers ("0.1" + "0.2" is
 * "0.3" in Redis because 0.1L is closer to 0.1 than 0.1 is). So values are kept as an
 * exact binary fraction m·2^e with a BigInt significand, and every operation rounds the
 * exact result to the 80-bit format (round half to even), as the FPU does.
 */

/** A finite long double: (-1)^neg · m · 2^e with m < 2^64; or an infinity. */
export interface LongDouble {
  readonly neg: boolean;
  /** Significand: 2^63 ≤ m < 2^64 for normal numbers, smaller only for subnormals (e = E_MIN), 0 for zero. */
  readonly m: bigint;
  readonly e: number;
  readonly inf: boolean;
}

const PREC = 64;
/** Exponent of the least significant bit of the smallest subnormal: 2^-16445. */
const E_MIN = -16445;
/** Largest e with a 64-bit significand below 2^16384. */
const E_MAX = 16320;
const TWO63 = 1n << 63n;
const TWO64 = 1n << 64n;

export const LD_ZERO: LongDouble = { neg: false, m: 0n, e: 0, inf: false };

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** Round the exact value (-1)^neg · num/den · 2^scale (num, den > 0) to a long double. */
function roundRational(neg: boolean, num: bigint, den: bigint, scale: number): LongDouble {
  if (num === 0n) return { neg, m: 0n, e: 0, inf: false };
  // Choose s so that q = num·2^s/den has PREC bits; the exponent of its lsb is scale - s.
  let s = PREC - (bitLength(num) - bitLength(den));
  const quotient = (shift: number): [bigint, bigint, bigint] => {
    const n = shift >= 0 ? num << BigInt(shift) : num;
    const d = shift >= 0 ? den : den << BigInt(-shift);
    return [n / d, n % d, d];
  };
  let [q, r, d] = quotient(s);
  if (q >= TWO64) {
    s--;
    [q, r, d] = quotient(s);
  } else if (q < TWO63) {
    s++;
    [q, r, d] = quotient(s);
  }
  let e = scale - s;
  if (e < E_MIN) {
    // Subnormal: fewer significant bits, fixed exponent.
    s = scale - E_MIN;
    e = E_MIN;
    [q, r, d] = quotient(s);
  }
  const twice = r * 2n;
  if (twice > d || (twice === d && (q & 1n) === 1n)) q++;
  if (q === TWO64) {
    q = TWO63;
    e++;
  }
  if (e > E_MAX) return { neg, m: 0n, e: 0, inf: true };
  if (q === 0n) return { neg, m: 0n, e: 0, inf: false };
  return { neg, m: q, e, inf: false };
}

/** An int64 (or any integer) as a long double; exact for |n| < 2^64. */
export function ldFromBigInt(n: bigint): LongDouble {
  if (n === 0n) return LD_ZERO;
  return roundRational(n < 0n, n < 0n ? -n : n, 1n, 0);
}

/** a + b, rounded once. Infinities follow IEEE rules (inf + -inf is NaN, returned as null). */
export function ldAdd(a: LongDouble, b: LongDouble): LongDouble | null {
  if (a.inf || b.inf) {
    if (a.inf && b.inf && a.neg !== b.neg) return null;
    return a.inf ? a : b;
  }
  if (a.m === 0n && b.m === 0n) return { neg: a.neg && b.neg, m: 0n, e: 0, inf: false };
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  const e0 = Math.min(a.e, b.e);
  const va = (a.neg ? -a.m : a.m) << BigInt(a.e - e0);
  const vb = (b.neg ? -b.m : b.m) << BigInt(b.e - e0);
  const sum = va + vb;
  if (sum === 0n) return LD_ZERO;
  return roundRational(sum < 0n, sum < 0n ? -sum : sum, 1n, e0);
}

export function ldIsZero(a: LongDouble): boolean {
  return !a.inf && a.m === 0n;
}

const MAX_LONG_DOUBLE_CHARS = 5 * 1024;
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;

/**
 * Redis's string2ld: strtold over the whole string; leading space, trailing garbage, NaN,
 * overflow and underflow to zero are refused (null). Infinity is accepted.
 */
export function parseLongDouble(input: string): LongDouble | null {
  if (input.length === 0 || input.length >= MAX_LONG_DOUBLE_CHARS) return null;
  // The C code copies the bytes and NUL-terminates: strtold stops at an embedded NUL.
  const nul = input.indexOf('\0');
  const s = nul >= 0 ? input.slice(0, nul) : input;
  if (s.length === 0) return LD_ZERO;
  const c0 = s.charCodeAt(0);
  if (c0 === 32 || (c0 >= 9 && c0 <= 13)) return null;
  const lower = s.toLowerCase();
  const unsigned = lower[0] === '+' || lower[0] === '-' ? lower.slice(1) : lower;
  if (unsigned === 'inf' || unsigned === 'infinity') return { neg: lower[0] === '-', m: 0n, e: 0, inf: true };
  let neg: boolean;
  let num: bigint;
  let den = 1n;
  let scale = 0;
  const hex = HEX.exec(s);
  if (hex) {
    const int = hex[2]!;
    const frac = hex[3] ?? '';
    if (int.length + frac.length === 0) return null;
    neg = hex[1] === '-';
    num = BigInt('0x' + (int + frac || '0'));
    const p = hex[4] === undefined ? 0 : clampExponent(hex[4]);
    scale = p - 4 * frac.length;
  } else {
    const dec = DECIMAL.exec(s);
    if (!dec) return null;
    const int = dec[2]!;
    const frac = dec[3] ?? '';
    if (int.length + frac.length === 0) return null;
    neg = dec[1] === '-';
    let digits = (int + frac).replace(/^0+/, '');
    if (digits.length === 0) return { neg, m: 0n, e: 0, inf: false };
    let exp10 = (dec[4] === undefined ? 0 : clampExponent(dec[4])) - frac.length;
    const trailing = digits.length - digits.replace(/0+$/, '').length;
    digits = digits.slice(0, digits.length - trailing);
    exp10 += trailing;
    // The value lies in [10^(adj-1), 10^adj): decide overflow and underflow cheaply.
    const adj = digits.length + exp10;
    if (adj > 4934) return null; // > 1.19e4932: ERANGE with HUGE_VALL
    if (adj < -4952) return null; // below half the smallest subnormal: ERANGE with zero
    num = BigInt(digits);
    if (exp10 >= 0) num *= 10n ** BigInt(exp10);
    else den = 10n ** BigInt(-exp10);
  }
  if (num === 0n) return { neg, m: 0n, e: 0, inf: false };
  const v = roundRational(neg, num, den, scale);
  if (v.inf || v.m === 0n) return null;
  return v;
}

function clampExponent(s: string): number {
  const v = Number(s);
  return v > 100000 ? 100000 : Math.max(v, -100000);
}

/** ld2string(LD_STR_HUMAN): `%.17Lf`, trailing zeros (and a bare '.') removed, "-0" as "0". */
export function formatLongDouble(v: LongDouble): string {
  if (v.inf) return v.neg ? '-inf' : 'inf';
  let body: string;
  if (v.e >= 0) {
    body = (v.m << BigInt(v.e)).toString();
  } else {
    const scaled = v.m * 10n ** 17n;
    const shift = BigInt(-v.e);
    let q = scaled >> shift;
    const r = scaled - (q << shift);
    const half = 1n << (shift - 1n);
    if (r > half || (r === half && (q & 1n) === 1n)) q++;
    const digits = q.toString().padStart(18, '0');
    const int = digits.slice(0, digits.length - 17);
    const frac = digits.slice(digits.length - 17).replace(/0+$/, '');
    body = frac.length > 0 ? `${int}.${frac}` : int;
  }
  if (v.neg) body = '-' + body;
  return body === '-0' ? '0' : body;
}
