/**
 * CRC-64/Jones as Redis's crc64.c computes it (DUMP payloads and RDB file checksums):
 * polynomial 0xad93d23594c935a9, reflected input and output, initial value 0, no final
 * xor. Check value: crc64("123456789") = 0xe9c6d914c4b8d9ca.
 *
 * The 64-bit register is kept as two unsigned 32-bit halves so that the hot loop uses
 * plain numbers rather than BigInt; a 256-entry table (reflected polynomial
 * 0x95ac9329ac4bc9b5) gives one table step per byte.
 */

const TABLE_LO = new Uint32Array(256);
const TABLE_HI = new Uint32Array(256);
(() => {
  const polyLo = 0xac4bc9b5;
  const polyHi = 0x95ac9329;
  for (let n = 0; n < 256; n++) {
    let lo = n;
    let hi = 0;
    for (let k = 0; k < 8; k++) {
      const bit = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (bit) {
        lo = (lo ^ polyLo) >>> 0;
        hi = (hi ^ polyHi) >>> 0;
      }
    }
    TABLE_LO[n] = lo;
    TABLE_HI[n] = hi;
  }
})();

/** A running CRC-64 value as two 32-bit halves. */
export interface Crc64State {
  lo: number;
  hi: number;
}

/**
 * Slicing-by-8 tables: T[k][n] is the CRC of byte n followed by k zero bytes, so that eight
 * bytes are folded per step (RDB files are checksummed whole at load; this is ~4x the
 * byte-at-a-time loop).
 */
const SLICE_LO: Uint32Array[] = [TABLE_LO];
const SLICE_HI: Uint32Array[] = [TABLE_HI];
for (let k = 1; k < 8; k++) {
  const plo = SLICE_LO[k - 1]!;
  const phi = SLICE_HI[k - 1]!;
  const lo = new Uint32Array(256);
  const hi = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    const idx = plo[n]! & 0xff;
    lo[n] = (((plo[n]! >>> 8) | ((phi[n]! & 0xff) << 24)) ^ TABLE_LO[idx]!) >>> 0;
    hi[n] = ((phi[n]! >>> 8) ^ TABLE_HI[idx]!) >>> 0;
  }
  SLICE_LO.push(lo);
  SLICE_HI.push(hi);
}
// Signed views for the hot loop: int32 values stay small integers in V8 (no heap numbers).
const signed = (t: Uint32Array) => new Int32Array(t.buffer);
const [L0, L1, L2, L3, L4, L5, L6, L7] = SLICE_LO.map(signed) as [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array];
const [H0, H1, H2, H3, H4, H5, H6, H7] = SLICE_HI.map(signed) as [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array];

/** Feed bytes into a running CRC (start from {lo: 0, hi: 0}). */
export function crc64Update(state: Crc64State, data: Uint8Array, start = 0, end = data.length): Crc64State {
  let lo = state.lo | 0;
  let hi = state.hi | 0;
  let i = start;
  const end8 = end - 7;
  for (; i < end8; i += 8) {
    const a = lo ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    const b = hi ^ (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24));
    const i0 = a & 0xff,
      i1 = (a >>> 8) & 0xff,
      i2 = (a >>> 16) & 0xff,
      i3 = a >>> 24;
    const i4 = b & 0xff,
      i5 = (b >>> 8) & 0xff,
      i6 = (b >>> 16) & 0xff,
      i7 = b >>> 24;
    lo = L7[i0]! ^ L6[i1]! ^ L5[i2]! ^ L4[i3]! ^ L3[i4]! ^ L2[i5]! ^ L1[i6]! ^ L0[i7]!;
    hi = H7[i0]! ^ H6[i1]! ^ H5[i2]! ^ H4[i3]! ^ H3[i4]! ^ H2[i5]! ^ H1[i6]! ^ H0[i7]!;
  }
  for (; i < end; i++) {
    const idx = (lo ^ data[i]!) & 0xff;
    lo = ((lo >>> 8) | ((hi & 0xff) << 24)) ^ L0[idx]!;
    hi = (hi >>> 8) ^ H0[idx]!;
  }
  state.lo = lo >>> 0;
  state.hi = hi >>> 0;
  return state;
}

/** CRC-64 of data, as a bigint. */
export function crc64(data: Uint8Array, start = 0, end = data.length): bigint {
  const s = crc64Update({ lo: 0, hi: 0 }, data, start, end);
  return (BigInt(s.hi) << 32n) | BigInt(s.lo);
}

/** Write the CRC as Redis stores it: 8 bytes little-endian. */
export function crc64LE(data: Uint8Array, start = 0, end = data.length): Buffer {
  const s = crc64Update({ lo: 0, hi: 0 }, data, start, end);
  const out = Buffer.allocUnsafe(8);
  out.writeUInt32LE(s.lo, 0);
  out.writeUInt32LE(s.hi, 4);
  return out;
}
