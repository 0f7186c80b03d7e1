/**
 * MurmurHash64A (Austin Appleby's 64-bit hash for 64-bit platforms), as Redis uses it
 * for HyperLogLog: input read as little-endian 64-bit words, the tail folded in byte by
 * byte. The result must match Redis bit for bit, since it decides which register an
 * element lands in and so every byte of an HLL value.
 *
 * JS has no 64-bit integers but BigInt, which allocates per operation and is an order of
 * magnitude slower on this hot path (one hash per PFADD element). So 64-bit values are
 * kept as two unsigned 32-bit halves and multiplied modulo 2^64 by hand.
 */

// m = 0xc6a4a7935bd1e995
const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;

/** Result of the last mul64 / hash, as halves (avoids allocating a pair per call). */
let rHi = 0;
let rLo = 0;

/** (aHi:aLo) * (bHi:bLo) mod 2^64 into rHi:rLo. */
function mul64(aHi: number, aLo: number, bHi: number, bLo: number): void {
  // aLo * bLo needs its full 64 bits: split into 16-bit limbs so every partial product
  // and sum stays below 2^53 and is exact in a double.
  const a0 = aLo & 0xffff;
  const a1 = aLo >>> 16;
  const b0 = bLo & 0xffff;
  const b1 = bLo >>> 16;
  const mid = a0 * b1 + a1 * b0; // < 2^33
  const low = a0 * b0 + (mid % 65536) * 65536; // < 2^33
  const carry = Math.floor(low / 4294967296);
  rLo = low >>> 0;
  // The high half only needs the products modulo 2^32.
  rHi = (a1 * b1 + Math.floor(mid / 65536) + carry + Math.imul(aHi, bLo) + Math.imul(aLo, bHi)) >>> 0;
}

/**
 * Hash the bytes of a latin1 string (one char per byte) with the given 32-bit seed.
 * Returns the low 32 bits; the high 32 bits are then in {@link murmurHigh}.
 */
export function murmurHash64A(key: string, seed: number): number {
  const len = key.length;
  // h = seed ^ (len * m)
  mul64(0, len, M_HI, M_LO);
  let hHi = rHi;
  let hLo = (rLo ^ seed) >>> 0;
  const whole = len - (len & 7);
  for (let i = 0; i < whole; i += 8) {
    let kLo = (key.charCodeAt(i) | (key.charCodeAt(i + 1) << 8) | (key.charCodeAt(i + 2) << 16) | (key.charCodeAt(i + 3) << 24)) >>> 0;
    let kHi = (key.charCodeAt(i + 4) | (key.charCodeAt(i + 5) << 8) | (key.charCodeAt(i + 6) << 16) | (key.charCodeAt(i + 7) << 24)) >>> 0;
    mul64(kHi, kLo, M_HI, M_LO);
    kHi = rHi;
    kLo = rLo;
    // k ^= k >> 47: the top 17 bits of k fall onto its low word.
    kLo = (kLo ^ (kHi >>> 15)) >>> 0;
    mul64(kHi, kLo, M_HI, M_LO);
    hHi = (hHi ^ rHi) >>> 0;
    hLo = (hLo ^ rLo) >>> 0;
    mul64(hHi, hLo, M_HI, M_LO);
    hHi = rHi;
    hLo = rLo;
  }
  const rest = len & 7;
  if (rest !== 0) {
    // Bytes 0..3 of the tail go into the low word, 4..6 into the high word.
    for (let j = rest - 1; j >= 0; j--) {
      const b = key.charCodeAt(whole + j);
      if (j >= 4) hHi = (hHi ^ (b << ((j - 4) * 8))) >>> 0;
      else hLo = (hLo ^ (b << (j * 8))) >>> 0;
    }
    mul64(hHi, hLo, M_HI, M_LO);
    hHi = rHi;
    hLo = rLo;
  }
  hLo = (hLo ^ (hHi >>> 15)) >>> 0;
  mul64(hHi, hLo, M_HI, M_LO);
  hHi = rHi;
  hLo = rLo;
  hLo = (hLo ^ (hHi >>> 15)) >>> 0;
  rHi = hHi;
  rLo = hLo;
  return hLo;
}

/** High 32 bits of the last {@link murmurHash64A} result. */
export function murmurHigh(): number {
  return rHi;
}

/** The full 64-bit hash as a BigInt (tests and tools; the hot path uses the halves). */
export function murmurHash64ABig(key: string, seed: number): bigint {
  const lo = murmurHash64A(key, seed);
  return (BigInt(rHi) << 32n) | BigInt(lo);
}
