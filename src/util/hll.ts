/**
 * Redis's HyperLogLog string format, so that an HLL made by dssm and one made by Redis are
 * the same bytes (GET, DUMP/RESTORE, RDB and replication move them between the two) and
 * PFCOUNT gives the same numbers.
 *
 * Layout (all of it a plain string value):
 *
 *   "HYLL" | encoding (0 dense, 1 sparse) | 3 unused bytes | 8-byte cardinality cache
 *
 * The cache is little endian; the most significant bit of its last byte set means "stale".
 * 16384 registers (the low 14 bits of MurmurHash64A with seed 0xadc83b19 pick one), each
 * holding the longest run seen of trailing zero bits in the other 50 bits, plus one.
 *
 * - Dense: 6 bits per register, register i at bit i*6, least significant bits first.
 * - Sparse: run-length opcodes, used while the value is small:
 *     ZERO  00xxxxxx           1..64 registers at 0
 *     XZERO 01xxxxxx yyyyyyyy  1..16384 registers at 0 (14-bit length)
 *     VAL   1vvvvvxx           1..4 registers at value 1..32
 *   A value above 32, or growth past hll-sparse-max-bytes, promotes the value to dense.
 *
 * The estimator is Redis 7's (Otmar Ertl's improved estimator with the sigma and tau
 * series, "New cardinality estimation algorithms for HyperLogLog sketches"), computed in
 * doubles in the same order, so the rounded result is the same.
 */
import { murmurHash64A, murmurHigh } from './murmur64a.js';

export const HLL_P = 14;
export const HLL_Q = 64 - HLL_P;
export const HLL_REGISTERS = 1 << HLL_P;
const HLL_P_MASK = HLL_REGISTERS - 1;
const HLL_BITS = 6;
const HLL_REGISTER_MAX = (1 << HLL_BITS) - 1;
export const HLL_HDR_SIZE = 16;
export const HLL_DENSE_SIZE = HLL_HDR_SIZE + ((HLL_REGISTERS * HLL_BITS + 7) >> 3);
export const HLL_DENSE = 0;
export const HLL_SPARSE = 1;
const HLL_MAX_ENCODING = 1;
const HLL_SEED = 0xadc83b19;

const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
/** 0.5 / ln(2), the limit of alpha for m → ∞. */
const HLL_ALPHA_INF = 0.72134752044448170368;

const isZero = (op: number): boolean => (op & 0xc0) === 0;
const isXZero = (op: number): boolean => (op & 0xc0) === 0x40;
const zeroLen = (op: number): number => (op & 0x3f) + 1;
const xzeroLen = (op: number, next: number): number => (((op & 0x3f) << 8) | next) + 1;
const valValue = (op: number): number => ((op >> 2) & 0x1f) + 1;
const valLen = (op: number): number => (op & 0x3) + 1;
const valOp = (value: number, len: number): number => ((value - 1) << 2) | (len - 1) | 0x80;

/**
 * Whether a string value is an HLL that commands may work on (Redis's isHLLObjectOrReply):
 * header present, magic, a known encoding, and a dense value of exactly the dense size.
 * Sparse opcodes are checked only when used (errors then are INVALIDOBJ).
 */
export function isHllString(s: string): boolean {
  if (s.length < HLL_HDR_SIZE) return false;
  if (s.charCodeAt(0) !== 72 || s.charCodeAt(1) !== 89 || s.charCodeAt(2) !== 76 || s.charCodeAt(3) !== 76) return false;
  const enc = s.charCodeAt(4);
  if (enc > HLL_MAX_ENCODING) return false;
  return enc !== HLL_DENSE || s.length === HLL_DENSE_SIZE;
}

/** Register index and run length ("count") of an element: set by {@link patLen}. */
let patCount = 0;

/**
 * The register an element maps to; the run length is left in patCount. The 50 bits above
 * the index get bit 50 set so the count is at most 51.
 */
function patLen(ele: string): number {
  const lo = murmurHash64A(ele, HLL_SEED);
  const hi = murmurHigh();
  const index = lo & HLL_P_MASK;
  const rest = lo >>> HLL_P; // bits 14..31 of the hash: the first 18 of the 50
  if (rest !== 0) patCount = 1 + (31 - Math.clz32(rest & -rest));
  else if (hi !== 0) patCount = 1 + 18 + (31 - Math.clz32(hi & -hi));
  else patCount = HLL_Q + 1;
  return index;
}

/**
 * Whether PFADD of these elements would change a stored dense value: the common case for
 * a large HLL is "no", answered from the string itself without copying its 12 KB.
 */
export function denseWouldChange(s: string, elements: readonly string[], from: number): boolean {
  for (let j = from; j < elements.length; j++) {
    const i = patLen(elements[j]!);
    const bit = i * HLL_BITS;
    const byte = HLL_HDR_SIZE + (bit >> 3);
    const fb = bit & 7;
    const b1 = byte + 1 < s.length ? s.charCodeAt(byte + 1) : 0;
    if ((((s.charCodeAt(byte) >> fb) | (b1 << (8 - fb))) & HLL_REGISTER_MAX) < patCount) return true;
  }
  return false;
}

/** Register i of dense registers starting at byte `at`. */
function denseGet(b: Uint8Array, at: number, i: number): number {
  const bit = i * HLL_BITS;
  const byte = at + (bit >> 3);
  const fb = bit & 7;
  // The last register's second byte is past the end of the value: Redis reads the sds
  // terminator there (always 0), and so do we.
  const b1 = byte + 1 < b.length ? b[byte + 1]! : 0;
  return ((b[byte]! >> fb) | (b1 << (8 - fb))) & HLL_REGISTER_MAX;
}

function denseSet(b: Uint8Array, at: number, i: number, v: number): void {
  const bit = i * HLL_BITS;
  const byte = at + (bit >> 3);
  const fb = bit & 7;
  b[byte] = (b[byte]! & ~(HLL_REGISTER_MAX << fb)) | (v << fb);
  if (byte + 1 < b.length) b[byte + 1] = (b[byte + 1]! & ~(HLL_REGISTER_MAX >> (8 - fb))) | (v >> (8 - fb));
}

/**
 * An HLL value being worked on: its bytes, with room to grow (a sparse value grows by up
 * to 3 bytes per update). Built from the stored string, turned back into one with
 * {@link HllValue.toString} when changed.
 */
export class HllValue {
  private buf: Buffer;
  private len: number;

  private constructor(buf: Buffer, len: number) {
    this.buf = buf;
    this.len = len;
  }

  /** An empty HLL as PFADD creates it: sparse, one XZERO covering every register, cache 0 and valid. */
  static empty(): HllValue {
    const buf = Buffer.alloc(64);
    buf.write('HYLL', 0, 'latin1');
    buf[4] = HLL_SPARSE;
    const n = HLL_REGISTERS - 1;
    buf[HLL_HDR_SIZE] = 0x40 | (n >> 8);
    buf[HLL_HDR_SIZE + 1] = n & 0xff;
    return new HllValue(buf, HLL_HDR_SIZE + 2);
  }

  /** From a stored value that passed {@link isHllString}. */
  static from(s: string): HllValue {
    const buf = Buffer.allocUnsafe(s.length + (s.charCodeAt(4) === HLL_SPARSE ? 64 : 0));
    buf.latin1Write(s, 0);
    return new HllValue(buf, s.length);
  }

  get encoding(): number {
    return this.buf[4]!;
  }

  toString(): string {
    return this.buf.latin1Slice(0, this.len);
  }

  invalidateCache(): void {
    this.buf[15] = this.buf[15]! | 0x80;
  }

  /** The cached cardinality, or -1 when stale. */
  cachedCardinality(): number {
    if (this.buf[15]! & 0x80) return -1;
    return this.buf.readUInt32LE(8) + this.buf.readUInt32LE(12) * 4294967296;
  }

  setCachedCardinality(card: number): void {
    this.buf.writeUInt32LE(card % 4294967296, 8);
    this.buf.writeUInt32LE(Math.floor(card / 4294967296), 12);
  }

  /** PFADD of one element: 1 if a register changed, 0 if not, -1 for a corrupt sparse value. */
  add(ele: string, sparseMaxBytes: number): number {
    const index = patLen(ele);
    return this.set(index, patCount, sparseMaxBytes);
  }

  /** Raise register `index` to `count` if lower: 1 if changed, 0 if not, -1 if corrupt. */
  set(index: number, count: number, sparseMaxBytes: number): number {
    if (this.buf[4] === HLL_DENSE) {
      if (denseGet(this.buf, HLL_HDR_SIZE, index) >= count) return 0;
      denseSet(this.buf, HLL_HDR_SIZE, index, count);
      return 1;
    }
    return this.sparseSet(index, count, sparseMaxBytes);
  }

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafe(this.len + extra + 256);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /**
   * Redis's hllSparseSet: find the opcode covering the register; update it in place when
   * trivial, else split it into up to three opcodes; promote to dense when the value does
   * not fit a VAL opcode or the string would outgrow sparseMaxBytes; then merge adjacent
   * VAL opcodes of equal value around the change. Each step as Redis does it, so the bytes
   * come out the same.
   */
  private sparseSet(index: number, count: number, sparseMaxBytes: number): number {
    if (count > SPARSE_VAL_MAX_VALUE) return this.promoteAndSet(index, count);
    this.ensure(3);
    const b = this.buf;
    let end = this.len;
    let p = HLL_HDR_SIZE;
    let first = 0;
    let prev = -1;
    let span = 0;
    while (p < end) {
      const op = b[p]!;
      let oplen = 1;
      if (isZero(op)) span = zeroLen(op);
      else if (!isXZero(op)) span = valLen(op);
      else {
        span = xzeroLen(op, p + 1 < end ? b[p + 1]! : 0);
        oplen = 2;
      }
      if (index <= first + span - 1) break;
      prev = p;
      p += oplen;
      first += span;
    }
    if (span === 0 || p >= end) return -1;
    const op = b[p]!;
    const opIsZero = isZero(op);
    const opIsXZero = isXZero(op);
    const opIsVal = !opIsZero && !opIsXZero;
    const next = opIsXZero ? p + 2 : p + 1;

    let changed = false;
    if (opIsVal) {
      if (valValue(op) >= count) return 0;
      if (span === 1) {
        b[p] = valOp(count, 1);
        changed = true;
      }
    }
    if (!changed && opIsZero && span === 1) {
      b[p] = valOp(count, 1);
      changed = true;
    }
    if (!changed) {
      // General case: split the opcode into [run before] VAL(count, 1) [run after].
      const seq: number[] = [];
      const last = first + span - 1;
      const pushZeros = (n: number): void => {
        if (n > SPARSE_ZERO_MAX_LEN) seq.push(0x40 | ((n - 1) >> 8), (n - 1) & 0xff);
        else seq.push(n - 1);
      };
      if (opIsZero || opIsXZero) {
        if (index !== first) pushZeros(index - first);
        seq.push(valOp(count, 1));
        if (index !== last) pushZeros(last - index);
      } else {
        const cur = valValue(op);
        if (index !== first) seq.push(valOp(cur, index - first));
        seq.push(valOp(count, 1));
        if (index !== last) seq.push(valOp(cur, last - index));
      }
      const oldlen = opIsXZero ? 2 : 1;
      const delta = seq.length - oldlen;
      if (delta > 0 && this.len + delta > sparseMaxBytes) return this.promoteAndSet(index, count);
      if (delta !== 0 && next < end) b.copyWithin(next + delta, next, end);
      for (let i = 0; i < seq.length; i++) b[p + i] = seq[i]!;
      end += delta;
      this.len = end;
    }

    // Merge adjacent VAL opcodes of equal value, scanning up to 5 opcodes from the one
    // before the change.
    p = prev >= 0 ? prev : HLL_HDR_SIZE;
    let scan = 5;
    while (p < end && scan-- > 0) {
      const o = b[p]!;
      if (isXZero(o)) {
        p += 2;
        continue;
      }
      if (isZero(o)) {
        p++;
        continue;
      }
      if (p + 1 < end) {
        const o2 = b[p + 1]!;
        if (!isZero(o2) && !isXZero(o2) && valValue(o) === valValue(o2)) {
          const len = valLen(o) + valLen(o2);
          if (len <= SPARSE_VAL_MAX_LEN) {
            b[p + 1] = valOp(valValue(o), len);
            b.copyWithin(p, p + 1, end);
            end--;
            this.len = end;
            scan++;
            continue;
          }
        }
      }
      p++;
    }
    this.invalidateCache();
    return 1;
  }

  private promoteAndSet(index: number, count: number): number {
    if (!this.toDense()) return -1;
    denseSet(this.buf, HLL_HDR_SIZE, index, count);
    return 1;
  }

  /**
   * Convert a sparse value to dense (a dense one is left alone), keeping the header's
   * other bytes. False if the sparse opcodes do not cover exactly every register.
   */
  toDense(): boolean {
    if (this.buf[4] === HLL_DENSE) return true;
    const dense = Buffer.alloc(HLL_DENSE_SIZE);
    this.buf.copy(dense, 0, 0, HLL_HDR_SIZE);
    dense[4] = HLL_DENSE;
    const b = this.buf;
    const end = this.len;
    let idx = 0;
    let p = HLL_HDR_SIZE;
    while (p < end) {
      const op = b[p]!;
      if (isZero(op)) {
        idx += zeroLen(op);
        p++;
      } else if (isXZero(op)) {
        idx += xzeroLen(op, p + 1 < end ? b[p + 1]! : 0);
        p += 2;
      } else {
        let run = valLen(op);
        const v = valValue(op);
        if (run + idx > HLL_REGISTERS) break;
        while (run-- > 0) denseSet(dense, HLL_HDR_SIZE, idx++, v);
        p++;
      }
    }
    if (idx !== HLL_REGISTERS) return false;
    this.buf = dense;
    this.len = HLL_DENSE_SIZE;
    return true;
  }

  /**
   * Raise every register of a dense value to max[i] where lower (PFMERGE into a dense
   * destination): the same result as setting them one by one, four registers at a time.
   */
  raiseDense(max: Uint8Array): void {
    const b = this.buf;
    for (let g = 0, p = HLL_HDR_SIZE; g < HLL_REGISTERS; g += 4, p += 3) {
      const w = b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16);
      const r0 = Math.max(w & 63, max[g]!);
      const r1 = Math.max((w >> 6) & 63, max[g + 1]!);
      const r2 = Math.max((w >> 12) & 63, max[g + 2]!);
      const r3 = Math.max(w >>> 18, max[g + 3]!);
      const n = r0 | (r1 << 6) | (r2 << 12) | (r3 << 18);
      b[p] = n & 0xff;
      b[p + 1] = (n >> 8) & 0xff;
      b[p + 2] = n >>> 16;
    }
  }

  /** Register histogram for the estimator; false if a sparse value is corrupt. */
  histogram(histo: Float64Array): boolean {
    return histogramOf(this.buf, this.len, histo);
  }
}

function histogramOf(b: Uint8Array, len: number, histo: Float64Array): boolean {
  histo.fill(0);
  if (b[4] === HLL_DENSE) {
    for (let p = HLL_HDR_SIZE, end = HLL_DENSE_SIZE; p < end; p += 3) {
      const w = b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16);
      histo[w & 63]!++;
      histo[(w >> 6) & 63]!++;
      histo[(w >> 12) & 63]!++;
      histo[w >>> 18]!++;
    }
    return true;
  }
  let idx = 0;
  let p = HLL_HDR_SIZE;
  while (p < len) {
    const op = b[p]!;
    if (isZero(op)) {
      const run = zeroLen(op);
      idx += run;
      histo[0] += run;
      p++;
    } else if (isXZero(op)) {
      const run = xzeroLen(op, p + 1 < len ? b[p + 1]! : 0);
      idx += run;
      histo[0] += run;
      p += 2;
    } else {
      const run = valLen(op);
      idx += run;
      histo[valValue(op)] += run;
      p++;
    }
  }
  return idx === HLL_REGISTERS;
}

/**
 * Fold a stored HLL into `max` (one byte per register): max[i] = MAX(max[i], register i).
 * False for a sparse value whose opcodes do not cover exactly every register.
 */
export function mergeRegisters(max: Uint8Array, s: string): boolean {
  if (s.charCodeAt(4) === HLL_DENSE) {
    // Four 6-bit registers in every 3 bytes, least significant bits first.
    for (let g = 0, p = HLL_HDR_SIZE; g < HLL_REGISTERS; g += 4, p += 3) {
      const w = s.charCodeAt(p) | (s.charCodeAt(p + 1) << 8) | (s.charCodeAt(p + 2) << 16);
      const r0 = w & 63;
      const r1 = (w >> 6) & 63;
      const r2 = (w >> 12) & 63;
      const r3 = w >>> 18;
      if (r0 > max[g]!) max[g] = r0;
      if (r1 > max[g + 1]!) max[g + 1] = r1;
      if (r2 > max[g + 2]!) max[g + 2] = r2;
      if (r3 > max[g + 3]!) max[g + 3] = r3;
    }
    return true;
  }
  let i = 0;
  let p = HLL_HDR_SIZE;
  const end = s.length;
  while (p < end) {
    const op = s.charCodeAt(p);
    if (isZero(op)) {
      i += zeroLen(op);
      p++;
    } else if (isXZero(op)) {
      i += xzeroLen(op, p + 1 < end ? s.charCodeAt(p + 1) : 0);
      p += 2;
    } else {
      let run = valLen(op);
      const v = valValue(op);
      if (run + i > HLL_REGISTERS) break;
      while (run-- > 0) {
        if (v > max[i]!) max[i] = v;
        i++;
      }
      p++;
    }
  }
  return i === HLL_REGISTERS;
}

/** Register histogram of raw registers (one byte each), as PFCOUNT of several keys builds. */
export function histogramOfRaw(max: Uint8Array, histo: Float64Array): void {
  histo.fill(0);
  for (let i = 0; i < HLL_REGISTERS; i++) histo[max[i]!]!++;
}

/** Redis's hllSigma. */
function sigma(x: number): number {
  if (x === 1) return Infinity;
  let zPrime: number;
  let y = 1;
  let z = x;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

/** Redis's hllTau. */
function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let zPrime: number;
  let y = 1.0;
  let z = 1 - x;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    // pow(1 - x, 2) is correctly rounded in glibc, as is this product.
    z -= (1 - x) * (1 - x) * y;
  } while (zPrime !== z);
  return z / 3;
}

/** The cardinality estimate from a register histogram (64 entries; only 0..Q+1 count). */
export function estimate(histo: Float64Array): number {
  const m = HLL_REGISTERS;
  let z = m * tau((m - histo[HLL_Q + 1]!) / m);
  for (let j = HLL_Q; j >= 1; --j) {
    z += histo[j]!;
    z *= 0.5;
  }
  z += m * sigma(histo[0]! / m);
  return Math.round((HLL_ALPHA_INF * m * m) / z);
}

/** A histogram buffer (64 entries, as Redis sizes it so any 6-bit register fits). */
export function newHistogram(): Float64Array {
  return new Float64Array(64);
}
