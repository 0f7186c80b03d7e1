/**
 * LZF decompression (liblzf's format, which Redis uses for compressed RDB strings).
 *
 * A stream of runs: a control byte below 32 starts a literal run of (ctrl + 1) bytes;
 * otherwise its top 3 bits are a match length - 2 (7 means "add the next byte") and its
 * low 5 bits with the next byte are a back-reference distance - 1.
 */

/** Decompress `src` into exactly `outLen` bytes; returns null on malformed input. */
export function lzfDecompress(src: Uint8Array, outLen: number): Buffer | null {
  const out = Buffer.allocUnsafe(outLen);
  let ip = 0;
  let op = 0;
  const inLen = src.length;
  while (ip < inLen) {
    let ctrl = src[ip++]!;
    if (ctrl < 32) {
      const n = ctrl + 1;
      if (op + n > outLen || ip + n > inLen) return null;
      for (let k = 0; k < n; k++) out[op++] = src[ip++]!;
    } else {
      let len = ctrl >> 5;
      if (len === 7) {
        if (ip >= inLen) return null;
        len += src[ip++]!;
      }
      if (ip >= inLen) return null;
      const ref = op - ((ctrl & 0x1f) << 8) - src[ip++]! - 1;
      len += 2;
      if (ref < 0 || op + len > outLen) return null;
      // Byte by byte: a match may overlap the bytes it produces (run-length style).
      for (let k = 0; k < len; k++) out[op++] = out[ref + k]!;
    }
    ctrl = 0;
  }
  return op === outLen ? out : null;
}

const HLOG = 14;
const table = new Int32Array(1 << HLOG).fill(-1);
let tableBase = 0;

/**
 * LZF compression (a simple greedy matcher over a hash of 3-byte prefixes). Returns null
 * when the output would not be smaller than `maxOut` bytes, as liblzf does, so callers
 * store the string uncompressed then.
 */
export function lzfCompress(src: Uint8Array, maxOut: number): Buffer | null {
  const inLen = src.length;
  const out = Buffer.allocUnsafe(maxOut + 32);
  // One hash table for every call (clearing 64 KB per string made saving short strings
  // cost more than all the rest of an RDB). Entries hold `base + position`; this call's
  // base is above every earlier entry, so an entry from an earlier call reads as a
  // negative position and is ignored.
  if (tableBase + inLen >= 0x3fffffff) {
    table.fill(-1);
    tableBase = 0;
  }
  const base = tableBase;
  tableBase += inLen + 1;
  let ip = 0;
  let op = 1; // room for the first literal control byte
  let litStart = 0; // position of the current literal run's control byte
  let lit = 0;
  const MAX_OFF = 1 << 13;
  const MAX_REF = (1 << 8) + (1 << 3);
  while (ip < inLen - 2) {
    const h = (((src[ip]! << 16) | (src[ip + 1]! << 8) | src[ip + 2]!) * 2654435761) >>> (32 - HLOG);
    const ref = table[h]! - base;
    table[h] = base + ip;
    const off = ip - ref - 1;
    if (ref >= 0 && off < MAX_OFF && src[ref] === src[ip] && src[ref + 1] === src[ip + 1] && src[ref + 2] === src[ip + 2]) {
      let len = 2;
      const maxLen = Math.min(inLen - ip, MAX_REF);
      while (len < maxLen && src[ref + len] === src[ip + len]) len++;
      // close the literal run
      if (lit === 0) op--;
      else out[litStart] = lit - 1;
      if (op + 3 + 1 >= maxOut) return null;
      len -= 2;
      if (len < 7) {
        out[op++] = (off >> 8) + (len << 5);
      } else {
        out[op++] = (off >> 8) + (7 << 5);
        out[op++] = len - 7;
      }
      out[op++] = off & 0xff;
      ip += len + 2;
      litStart = op++;
      lit = 0;
      continue;
    }
    if (op + 1 >= maxOut) return null;
    out[op++] = src[ip++]!;
    if (++lit === 32) {
      out[litStart] = 31;
      litStart = op++;
      lit = 0;
    }
  }
  while (ip < inLen) {
    if (op + 1 >= maxOut) return null;
    out[op++] = src[ip++]!;
    if (++lit === 32) {
      out[litStart] = 31;
      litStart = op++;
      lit = 0;
    }
  }
  if (lit === 0) op--;
  else out[litStart] = lit - 1;
  if (op >= maxOut) return null;
  return out.subarray(0, op);
}
