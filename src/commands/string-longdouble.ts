/**
 * INCRBYFLOAT's arithmetic, exactly as Redis does it on x86-64: in C `long double`, the
 * x87 80-bit extended format (64-bit significand, exponent range of 2^±16382), parsed with
 * glibc's strtold and printed with `%.17Lf` before trailing zeros are stripped.
 *
 * JS doubles give different answers (10.5 + 0.1 prints "10.6" in Redis because the
 * extended sum rounds to 10.6 at 17 decimals; the double sum does not), and accept a
 * smaller range (Redis takes 1e400 and 1e-400), so values are emulated with BigInt:
 * a finite value is (-1)^neg * m * 2^e with m < 2^64, rounded to nearest-even.
 */

/** A finite extended-precision value: (-1)^neg * m * 2^e. */
export interface LongDouble {
  readonly neg: boolean;
  readonly m: bigint;
  readonly e: number;
}

const P = 64n;
const TWO63 = 1n << 63n;
const TWO64 = 1n << 64n;
/** Exponent of the smallest denormal (2^-16445): m * 2^e with e >= EMIN. */
const EMIN = -16445;
/** Largest e for a normalized m: the largest finite value is (2^64-1) * 2^16320. */
const EMAX = 16320;
/** Redis's MAX_LONG_DOUBLE_CHARS: longer inputs are refused, longer outputs come out empty. */
const MAX_LONG_DOUBLE_CHARS = 5 * 1024;

const ZERO: LongDouble = { neg: false, m: 0n, e: 0 };

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/**
 * Round num/den * 2^e0 (num > 0) to the nearest extended value, ties to even.
 * Returns 'inf' on overflow; a zero m means the value underflowed to zero.
 */
function roundToLongDouble(neg: boolean, num: bigint, den: bigint, e0: number): LongDouble | 'inf' {
  let e = bitLength(num) - bitLength(den) + e0 - Number(P);
  for (let guard = 0; guard < 8; guard++) {
    if (e < EMIN) e = EMIN;
    const k = e0 - e;
    let n = num;
    let d = den;
    if (k >= 0) n <<= BigInt(k);
    else d <<= BigInt(-k);
    let q = n / d;
    if (q >= TWO64) {
      e++;
      continue;
    }
    if (q < TWO63 && e > EMIN) {
      e--;
      continue;
    }
    const twice = (n - q * d) * 2n;
    if (twice > d || (twice === d && (q & 1n) === 1n)) q++;
    if (q === TWO64) {
      q = TWO63;
      e++;
    }
    if (e > EMAX) return 'inf';
    return { neg, m: q, e };
  }
  throw new Error('roundToLongDouble did not converge');
}

const DECIMAL = /^([+-]?)(?:(\d+)\.?(\d*)|\.(\d+))(?:[eE]([+-]?\d+))?$/;
const HEX = /^([+-]?)0[xX](?:([0-9a-fA-F]+)\.?([0-9a-fA-F]*)|\.([0-9a-fA-F]+))(?:[pP]([+-]?\d+))?$/;
const INFINITY = /^[+-]?(inf|infinity)$/i;

/** An exponent string as a number, saturated far beyond any meaningful range. */
function exponentOf(s: string | undefined): number {
  if (s === undefined) return 0;
  const v = Number(s);
  return Math.max(-1e7, Math.min(1e7, v));
}

/**
 * Redis's string2ld: strtold over the whole string,
 * refusing leading spaces, trailing garbage, NaN, and values that overflow or underflow
 * to zero. Infinity is accepted (the sum then fails the NaN/Infinity check).
 * Returns null when the text is not a valid float.
 */
export function parseLongDouble(text: string): LongDouble | 'inf' | null {
  if (text.length === 0 || text.length >= MAX_LONG_DOUBLE_CHARS) return null;
  // Redis also requires strtold to consume every byte, so an embedded NUL is invalid.
  const s = text;
  let m = DECIMAL.exec(s);
  if (m !== null) {
    const neg = m[1] === '-';
    const intDigits = m[2] ?? '';
    const fracDigits = m[3] ?? m[4] ?? '';
    const digits = (intDigits + fracDigits).replace(/^0+/, '');
    if (digits.length === 0) return { neg, m: 0n, e: 0 };
    const exp10 = exponentOf(m[5]) - fracDigits.length;
    const magnitude = digits.length + exp10; // value is in [10^(magnitude-1), 10^magnitude)
    if (magnitude > 4934) return null; // overflow: HUGE_VALL with ERANGE
    if (magnitude < -4952) return null; // underflow to zero with ERANGE
    const d = BigInt(digits);
    const r = exp10 >= 0 ? roundToLongDouble(neg, d * 10n ** BigInt(exp10), 1n, 0) : roundToLongDouble(neg, d, 10n ** BigInt(-exp10), 0);
    if (r === 'inf' || r.m === 0n) return null;
    return r;
  }
  m = HEX.exec(s);
  if (m !== null) {
    const neg = m[1] === '-';
    const intDigits = m[2] ?? '';
    const fracDigits = m[3] ?? m[4] ?? '';
    const digits = (intDigits + fracDigits).replace(/^0+/, '');
    if (digits.length === 0) return { neg, m: 0n, e: 0 };
    const e2 = exponentOf(m[5]) - 4 * fracDigits.length;
    const top = e2 + 4 * digits.length;
    if (top > 16400) return null;
    if (top < -16500) return null;
    const r = roundToLongDouble(neg, BigInt('0x' + digits), 1n, e2);
    if (r === 'inf' || r.m === 0n) return null;
    return r;
  }
  if (INFINITY.test(s)) return 'inf';
  return null;
}

/** a + b rounded to extended precision; 'inf' when the sum overflows. */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | 'inf' {
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  const e = Math.min(a.e, b.e);
  const av = (a.neg ? -a.m : a.m) << BigInt(a.e - e);
  const bv = (b.neg ? -b.m : b.m) << BigInt(b.e - e);
  const sum = av + bv;
  if (sum === 0n) return ZERO;
  return roundToLongDouble(sum < 0n, sum < 0n ? -sum : sum, 1n, e);
}

const TEN17 = 10n ** 17n;

/**
 * Redis's ld2string in LD_STR_HUMAN mode: `%.17Lf` (exact decimal expansion, rounded
 * half-to-even at 17 decimals as glibc does), trailing zeros and a bare '.' removed,
 * and "-0" written as "0".
 */
export function formatLongDouble(v: LongDouble): string {
  let intPart: bigint;
  let frac: bigint;
  if (v.e >= 0) {
    intPart = v.m << BigInt(v.e);
    frac = 0n;
  } else {
    const k = BigInt(-v.e);
    const scaled = v.m * TEN17;
    let q = scaled >> k;
    const r = scaled - (q << k);
    const half = 1n << (k - 1n);
    if (r > half || (r === half && (q & 1n) === 1n)) q++;
    intPart = q / TEN17;
    frac = q % TEN17;
  }
  let s = (v.neg ? '-' : '') + intPart.toString() + '.' + frac.toString().padStart(17, '0');
  if (s.length + 1 > MAX_LONG_DOUBLE_CHARS) return '';
  s = s.replace(/0+$/, '');
  if (s.endsWith('.')) s = s.slice(0, -1);
  if (s === '-0') s = '0';
  return s;
}
