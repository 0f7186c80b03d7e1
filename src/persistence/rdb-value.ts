/**
 * Redis's RDB value encoding: what DUMP produces and RESTORE reads, and what an RDB file
 * holds after each key. Shared by DUMP/RESTORE (commands/keys.ts) and snapshots.
 *
 * Writing follows Redis 7.0 (RDB version 10) closely enough that redis-server loads it:
 * - strings: integer encoding for int-like values that fit 32 bits, LZF for longer
 *   compressible strings (as with `rdbcompression yes`), else raw;
 * - lists: quicklist of listpacks (type 18), nodes of at most 8 KiB as
 *   `list-max-listpack-size -2` gives;
 * - sets: intset (type 11) when every member is a canonical int64 and there are at most
 *   `set-max-intset-entries`, else a plain set (type 2);
 * - hashes: listpack (type 16) within `hash-max-listpack-entries/value`, else type 4;
 * - sorted sets: listpack (type 17) within `zset-max-listpack-entries/value`, else zset2
 *   (type 5, binary double scores).
 *
 * Reading accepts every value encoding Redis 7.0 reads except streams and modules:
 * the above plus old linked lists (1), old zsets with text scores (3), zipmaps (9),
 * ziplists (10, 12, 13) and quicklists of ziplists (14).
 *
 * Binary data is handled as latin1 strings outside this module (one char per byte) and
 * as Buffers inside.
 */
import type { RValue } from '../keyspace/keyspace.js';
import { RHash } from '../keyspace/types/hash.js';
import { RList } from '../keyspace/types/list.js';
import { RSet } from '../keyspace/types/set.js';
import { RZSet } from '../keyspace/types/zset.js';
import { formatDouble } from '../protocol/resp-writer.js';
import { crc64LE } from './crc64.js';
import { lzfCompress, lzfDecompress } from './lzf.js';

/** RDB format version written by Redis 7.0. */
export const RDB_VERSION = 10;

/** Object type bytes. */
export const RdbType = {
  STRING: 0,
  LIST: 1,
  SET: 2,
  ZSET: 3,
  HASH: 4,
  ZSET_2: 5,
  MODULE_2: 7,
  HASH_ZIPMAP: 9,
  LIST_ZIPLIST: 10,
  SET_INTSET: 11,
  ZSET_ZIPLIST: 12,
  HASH_ZIPLIST: 13,
  LIST_QUICKLIST: 14,
  STREAM_LISTPACKS: 15,
  HASH_LISTPACK: 16,
  ZSET_LISTPACK: 17,
  LIST_QUICKLIST_2: 18,
  STREAM_LISTPACKS_2: 19,
} as const;

/** Thrown on malformed input; RESTORE answers "ERR Bad data format". */
export class RdbFormatError extends Error {}

function bad(what: string): never {
  throw new RdbFormatError(what);
}

/** Encoding thresholds (the server's config), defaults as Redis 7.0. */
export interface EncodingLimits {
  hashMaxListpackEntries: number;
  hashMaxListpackValue: number;
  zsetMaxListpackEntries: number;
  zsetMaxListpackValue: number;
  setMaxIntsetEntries: number;
  /** list-max-listpack-size: negative = size class (-2 = 8 KiB), positive = entry count. */
  listMaxListpackSize: number;
  /** Compress strings longer than 20 bytes with LZF when it saves space. */
  compress: boolean;
}

export const DEFAULT_LIMITS: EncodingLimits = {
  hashMaxListpackEntries: 128,
  hashMaxListpackValue: 64,
  zsetMaxListpackEntries: 128,
  zsetMaxListpackValue: 64,
  setMaxIntsetEntries: 512,
  listMaxListpackSize: -2,
  compress: true,
};

// ---------------------------------------------------------------------------------------
// Integers in strings

const I64_MIN = -9223372036854775808n;
const I64_MAX = 9223372036854775807n;

/**
 * The int64 a string holds when Redis's string2ll accepts it (canonical decimal: no '+',
 * no leading zeros, no "-0", within int64), else null.
 */
export function canonicalInt(s: string): bigint | null {
  const n = s.length;
  if (n === 0 || n > 20) return null;
  let i = 0;
  if (s.charCodeAt(0) === 45) {
    if (n === 1) return null;
    i = 1;
  }
  const c0 = s.charCodeAt(i);
  if (c0 === 48) return n === 1 ? 0n : null;
  for (let j = i; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return null;
  }
  const v = BigInt(s);
  return v < I64_MIN || v > I64_MAX ? null : v;
}

// ---------------------------------------------------------------------------------------
// Writer

/** An append-only byte buffer. */
export class ByteSink {
  private buf = Buffer.allocUnsafe(256);
  length = 0;

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const nb = Buffer.allocUnsafe(cap);
    this.buf.copy(nb, 0, 0, this.length);
    this.buf = nb;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.length++] = v & 0xff;
  }

  u16le(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16LE(v, this.length);
    this.length += 2;
  }

  u32le(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.length);
    this.length += 4;
  }

  u32be(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.length);
    this.length += 4;
  }

  i64le(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64LE(v, this.length);
    this.length += 8;
  }

  u64be(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigUInt64BE(v, this.length);
    this.length += 8;
  }

  f64le(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.length);
    this.length += 8;
  }

  latin1(s: string): void {
    this.ensure(s.length);
    this.length += this.buf.write(s, this.length, 'latin1');
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** The bytes written so far (a view; copy if the sink is reused). */
  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/** RDB length encoding: 6-bit, 14-bit, 32-bit or 64-bit. */
export function writeLength(w: ByteSink, len: number): void {
  if (len < 64) w.u8(len);
  else if (len < 16384) {
    w.u8(0x40 | (len >> 8));
    w.u8(len & 0xff);
  } else if (len <= 0xffffffff) {
    w.u8(0x80);
    w.u32be(len);
  } else {
    w.u8(0x81);
    w.u64be(BigInt(len));
  }
}

/** An RDB string: integer-encoded when int-like and within 32 bits, LZF when worthwhile. */
export function writeString(w: ByteSink, s: string, limits: EncodingLimits = DEFAULT_LIMITS): void {
  if (s.length <= 11 && s.length > 0) {
    const v = canonicalInt(s);
    if (v !== null) {
      const n = Number(v);
      if (n >= -128 && n <= 127) {
        w.u8(0xc0);
        w.u8(n & 0xff);
        return;
      }
      if (n >= -32768 && n <= 32767) {
        w.u8(0xc1);
        w.u8(n & 0xff);
        w.u8((n >> 8) & 0xff);
        return;
      }
      if (n >= -2147483648 && n <= 2147483647) {
        w.u8(0xc2);
        w.u32le(n >>> 0);
        return;
      }
    }
  }
  if (limits.compress && s.length > 20) {
    const raw = Buffer.from(s, 'latin1');
    const c = lzfCompress(raw, raw.length - 4);
    if (c !== null) {
      w.u8(0xc3);
      writeLength(w, c.length);
      writeLength(w, raw.length);
      w.bytes(c);
      return;
    }
  }
  writeLength(w, s.length);
  w.latin1(s);
}

/** An RDB string holding raw bytes (listpacks, intsets): never integer-encoded. */
function writeBlob(w: ByteSink, b: Uint8Array, limits: EncodingLimits): void {
  if (limits.compress && b.length > 20) {
    const c = lzfCompress(b, b.length - 4);
    if (c !== null) {
      w.u8(0xc3);
      writeLength(w, c.length);
      writeLength(w, b.length);
      w.bytes(c);
      return;
    }
  }
  writeLength(w, b.length);
  w.bytes(b);
}

// --- listpack ------------------------------------------------------------------------

/** Builds a listpack (Redis's listpack.c layout). */
export class ListpackBuilder {
  private readonly sink = new ByteSink();
  count = 0;

  constructor() {
    this.sink.u32le(0); // total bytes, patched in finish()
    this.sink.u16le(0); // element count, patched in finish()
  }

  /** Bytes so far, including header and the terminator to come. */
  get bytes(): number {
    return this.sink.length + 1;
  }

  /** Append an element, integer-encoded when Redis would (lpStringToInt64). */
  append(s: string): void {
    const w = this.sink;
    const start = w.length;
    const v = s.length <= 20 ? canonicalInt(s) : null;
    if (v !== null) {
      if (v >= 0n && v <= 127n) w.u8(Number(v));
      else if (v >= -4096n && v <= 4095n) {
        const u = Number(v) < 0 ? (1 << 13) + Number(v) : Number(v);
        w.u8((u >> 8) | 0xc0);
        w.u8(u & 0xff);
      } else if (v >= -32768n && v <= 32767n) {
        const u = Number(v) & 0xffff;
        w.u8(0xf1);
        w.u8(u & 0xff);
        w.u8(u >> 8);
      } else if (v >= -8388608n && v <= 8388607n) {
        const u = Number(v) < 0 ? (1 << 24) + Number(v) : Number(v);
        w.u8(0xf2);
        w.u8(u & 0xff);
        w.u8((u >> 8) & 0xff);
        w.u8((u >> 16) & 0xff);
      } else if (v >= -2147483648n && v <= 2147483647n) {
        w.u8(0xf3);
        w.u32le(Number(v) >>> 0);
      } else {
        w.u8(0xf4);
        w.i64le(v);
      }
    } else {
      const n = s.length;
      if (n < 64) w.u8(0x80 | n);
      else if (n < 4096) {
        w.u8((n >> 8) | 0xe0);
        w.u8(n & 0xff);
      } else {
        w.u8(0xf0);
        w.u32le(n);
      }
      w.latin1(s);
    }
    writeBacklen(w, w.length - start);
    this.count++;
  }

  finish(): Buffer {
    this.sink.u8(0xff);
    const b = Buffer.from(this.sink.view());
    b.writeUInt32LE(b.length, 0);
    b.writeUInt16LE(Math.min(this.count, 65535), 4);
    return b;
  }
}

function writeBacklen(w: ByteSink, l: number): void {
  if (l <= 127) w.u8(l);
  else if (l < 16383) {
    w.u8(l >> 7);
    w.u8((l & 127) | 128);
  } else if (l < 2097151) {
    w.u8(l >> 14);
    w.u8(((l >> 7) & 127) | 128);
    w.u8((l & 127) | 128);
  } else if (l < 268435455) {
    w.u8(l >> 21);
    w.u8(((l >> 14) & 127) | 128);
    w.u8(((l >> 7) & 127) | 128);
    w.u8((l & 127) | 128);
  } else {
    w.u8(Math.floor(l / 2 ** 28));
    w.u8(((l >> 21) & 127) | 128);
    w.u8(((l >> 14) & 127) | 128);
    w.u8(((l >> 7) & 127) | 128);
    w.u8((l & 127) | 128);
  }
}

/** Encoded size of one listpack element (without backlen), to split quicklist nodes. */
function listpackEntrySize(s: string): number {
  if (s.length <= 20 && canonicalInt(s) !== null) return 9;
  const n = s.length;
  const head = n < 64 ? 1 : n < 4096 ? 2 : 5;
  const l = head + n;
  return l + (l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5);
}

// --- values ------------------------------------------------------------------------

/** The RDB type byte Redis 7.0 would write for this value. */
export function rdbTypeFor(v: RValue, limits: EncodingLimits = DEFAULT_LIMITS): number {
  if (typeof v === 'string') return RdbType.STRING;
  switch (v.type) {
    case 'list':
      return RdbType.LIST_QUICKLIST_2;
    case 'set':
      return intsetCandidate(v as RSet, limits) ? RdbType.SET_INTSET : RdbType.SET;
    case 'hash':
      return hashFitsListpack(v as RHash, limits) ? RdbType.HASH_LISTPACK : RdbType.HASH;
    case 'zset':
      return zsetFitsListpack(v as RZSet, limits) ? RdbType.ZSET_LISTPACK : RdbType.ZSET_2;
    default:
      throw new RdbFormatError(`cannot serialize a ${v.type}`);
  }
}

function intsetCandidate(s: RSet, limits: EncodingLimits): boolean {
  if (s.size() > limits.setMaxIntsetEntries) return false;
  for (const m of s.members()) if (canonicalInt(m) === null) return false;
  return true;
}

function hashFitsListpack(h: RHash, limits: EncodingLimits): boolean {
  if (h.size() > limits.hashMaxListpackEntries) return false;
  const max = limits.hashMaxListpackValue;
  for (const [f, v] of h.entries()) if (f.length > max || v.length > max) return false;
  return true;
}

function zsetFitsListpack(z: RZSet, limits: EncodingLimits): boolean {
  if (z.size() > limits.zsetMaxListpackEntries) return false;
  const max = limits.zsetMaxListpackValue;
  for (const [m] of z.entries()) if (m.length > max) return false;
  return true;
}

/** Write the type byte and the value (what follows the key in an RDB file). */
export function writeValue(w: ByteSink, v: RValue, limits: EncodingLimits = DEFAULT_LIMITS): void {
  const type = rdbTypeFor(v, limits);
  w.u8(type);
  writeObject(w, type, v, limits);
}

function writeObject(w: ByteSink, type: number, v: RValue, limits: EncodingLimits): void {
  switch (type) {
    case RdbType.STRING:
      writeString(w, v as string, limits);
      return;
    case RdbType.LIST_QUICKLIST_2: {
      const nodes: Buffer[] = [];
      const maxBytes = limits.listMaxListpackSize < 0 ? 4096 * 2 ** Math.min(4, -limits.listMaxListpackSize - 1) : Infinity;
      const maxCount = limits.listMaxListpackSize > 0 ? limits.listMaxListpackSize : 65535;
      let lp = new ListpackBuilder();
      for (const item of (v as RList).items()) {
        if (lp.count > 0 && (lp.count >= maxCount || lp.bytes + listpackEntrySize(item) > maxBytes)) {
          nodes.push(lp.finish());
          lp = new ListpackBuilder();
        }
        lp.append(item);
      }
      if (lp.count > 0) nodes.push(lp.finish());
      writeLength(w, nodes.length);
      for (const n of nodes) {
        writeLength(w, 2); // QUICKLIST_NODE_CONTAINER_PACKED
        writeBlob(w, n, limits);
      }
      return;
    }
    case RdbType.SET_INTSET: {
      const values = [...(v as RSet).members()].map((m) => canonicalInt(m)!);
      values.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      let width = 2;
      for (const x of values) {
        if (x < -2147483648n || x > 2147483647n) width = 8;
        else if ((x < -32768n || x > 32767n) && width < 4) width = 4;
      }
      const b = Buffer.alloc(8 + values.length * width);
      b.writeUInt32LE(width, 0);
      b.writeUInt32LE(values.length, 4);
      values.forEach((x, i) => {
        const at = 8 + i * width;
        if (width === 2) b.writeInt16LE(Number(x), at);
        else if (width === 4) b.writeInt32LE(Number(x), at);
        else b.writeBigInt64LE(x, at);
      });
      writeBlob(w, b, limits);
      return;
    }
    case RdbType.SET: {
      const s = v as RSet;
      writeLength(w, s.size());
      for (const m of s.members()) writeString(w, m, limits);
      return;
    }
    case RdbType.HASH_LISTPACK: {
      const lp = new ListpackBuilder();
      for (const [f, val] of (v as RHash).entries()) {
        lp.append(f);
        lp.append(val);
      }
      writeBlob(w, lp.finish(), limits);
      return;
    }
    case RdbType.HASH: {
      const h = v as RHash;
      writeLength(w, h.size());
      for (const [f, val] of h.entries()) {
        writeString(w, f, limits);
        writeString(w, val, limits);
      }
      return;
    }
    case RdbType.ZSET_LISTPACK: {
      const lp = new ListpackBuilder();
      for (const [m, score] of (v as RZSet).entries()) {
        lp.append(m);
        lp.append(scoreText(score));
      }
      writeBlob(w, lp.finish(), limits);
      return;
    }
    case RdbType.ZSET_2: {
      const z = v as RZSet;
      const entries = [...z.entries()];
      writeLength(w, entries.length);
      // Redis writes from the highest rank down, so that loading inserts at the head.
      for (let i = entries.length - 1; i >= 0; i--) {
        writeString(w, entries[i]![0], limits);
        w.f64le(entries[i]![1]);
      }
      return;
    }
  }
}

/** A score as Redis's d2string writes it into a listpack. */
function scoreText(d: number): string {
  if (Number.isNaN(d)) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  return formatDouble(d);
}

// ---------------------------------------------------------------------------------------
// Reader

/** A cursor over RDB bytes. Every read checks bounds and throws RdbFormatError. */
/** Buffer's internal latin1 decoder (what toString('latin1', a, b) calls after its checks). */
interface LatinSlicer {
  latin1Slice(start: number, end: number): string;
}

export class RdbReader {
  pos: number;

  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  need(n: number): void {
    if (n < 0 || this.pos + n > this.end) bad('unexpected end of data');
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  f64le(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** A length, or an encoding marker: returns [value, isEncoded]. */
  lengthOrEncoding(): [number, boolean] {
    const b = this.u8();
    const kind = b >> 6;
    if (kind === 0) return [b & 0x3f, false];
    if (kind === 1) return [((b & 0x3f) << 8) | this.u8(), false];
    if (kind === 3) return [b & 0x3f, true];
    if (b === 0x80) {
      this.need(4);
      const v = this.buf.readUInt32BE(this.pos);
      this.pos += 4;
      return [v, false];
    }
    if (b === 0x81) {
      this.need(8);
      const v = this.buf.readBigUInt64BE(this.pos);
      this.pos += 8;
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) bad('length too large');
      return [Number(v), false];
    }
    return bad('unknown length encoding');
  }

  length(): number {
    const [v, enc] = this.lengthOrEncoding();
    if (enc) bad('unexpected string encoding where a length was expected');
    return v;
  }

  /** An RDB string as raw bytes (integer and LZF encodings decoded). */
  stringBytes(): Buffer {
    const [v, enc] = this.lengthOrEncoding();
    if (!enc) return this.bytes(v);
    switch (v) {
      case 0:
        return Buffer.from(String(this.bytes(1).readInt8(0)), 'latin1');
      case 1:
        return Buffer.from(String(this.bytes(2).readInt16LE(0)), 'latin1');
      case 2:
        return Buffer.from(String(this.bytes(4).readInt32LE(0)), 'latin1');
      case 3: {
        const clen = this.length();
        const len = this.length();
        const src = this.bytes(clen);
        if (len === 0) bad('empty compressed string');
        const out = lzfDecompress(src, len);
        if (out === null) bad('invalid LZF data');
        return out;
      }
      default:
        return bad('unknown string encoding');
    }
  }

  /**
   * An RDB string as a latin1 JS string. Plain lengths and integer encodings are decoded
   * straight from the buffer (no intermediate Buffer view): this is the loader's hot path.
   */
  string(): string {
    const buf = this.buf;
    const p = this.pos;
    if (p < this.end) {
      const b = buf[p]!;
      const kind = b >> 6;
      let start = -1;
      let n = 0;
      if (kind === 0) {
        start = p + 1;
        n = b & 0x3f;
      } else if (kind === 1 && p + 1 < this.end) {
        start = p + 2;
        n = ((b & 0x3f) << 8) | buf[p + 1]!;
      } else if (b === 0xc0 && p + 1 < this.end) {
        this.pos = p + 2;
        return String((buf[p + 1]! << 24) >> 24);
      } else if (b === 0xc1 && p + 2 < this.end) {
        this.pos = p + 3;
        return String(buf.readInt16LE(p + 1));
      } else if (b === 0xc2 && p + 4 < this.end) {
        this.pos = p + 5;
        return String(buf.readInt32LE(p + 1));
      }
      if (start >= 0 && start + n <= this.end) {
        this.pos = start + n;
        return (buf as LatinSlicer).latin1Slice(start, start + n);
      }
    }
    return this.stringBytes().toString('latin1');
  }

  /** The old text-encoded double of type 3 zsets. */
  textDouble(): number {
    const n = this.u8();
    if (n === 253) return NaN;
    if (n === 254) return Infinity;
    if (n === 255) return -Infinity;
    const s = this.bytes(n).toString('latin1');
    const d = Number(s);
    if (Number.isNaN(d) && s.trim().toLowerCase() !== 'nan') bad('bad double');
    return d;
  }
}

/** Read a value of the given type (the type byte already consumed). */
export function readObject(r: RdbReader, type: number): RValue {
  switch (type) {
    case RdbType.STRING:
      return r.string();
    case RdbType.LIST: {
      const n = r.length();
      if (n === 0) bad('empty key');
      const items: string[] = [];
      for (let i = 0; i < n; i++) items.push(r.string());
      return RList.fromItems(items);
    }
    case RdbType.SET: {
      const n = r.length();
      if (n === 0) bad('empty key');
      const members = new Set<string>();
      for (let i = 0; i < n; i++) {
        const m = r.string();
        if (members.has(m)) bad('duplicate set member');
        members.add(m);
      }
      return RSet.fromMembers(members);
    }
    case RdbType.ZSET:
    case RdbType.ZSET_2: {
      const n = r.length();
      if (n === 0) bad('empty key');
      const m = new Map<string, number>();
      for (let i = 0; i < n; i++) {
        const member = r.string();
        const score = type === RdbType.ZSET_2 ? r.f64le() : r.textDouble();
        if (Number.isNaN(score)) bad('NaN score');
        if (m.has(member)) bad('duplicate zset member');
        m.set(member, score);
      }
      return RZSet.fromEntries(m);
    }
    case RdbType.HASH: {
      const n = r.length();
      if (n === 0) bad('empty key');
      const m = new Map<string, string>();
      for (let i = 0; i < n; i++) {
        const f = r.string();
        const v = r.string();
        if (m.has(f)) bad('duplicate hash field');
        m.set(f, v);
      }
      return RHash.fromEntries(m);
    }
    case RdbType.LIST_QUICKLIST:
    case RdbType.LIST_QUICKLIST_2: {
      const nodes = r.length();
      if (nodes === 0) bad('empty key');
      const items: string[] = [];
      for (let i = 0; i < nodes; i++) {
        let container = 2;
        if (type === RdbType.LIST_QUICKLIST_2) {
          container = r.length();
          if (container !== 1 && container !== 2) bad('bad quicklist container');
        }
        const blob = r.stringBytes();
        if (container === 1) {
          items.push(blob.toString('latin1'));
          continue;
        }
        const elems = type === RdbType.LIST_QUICKLIST ? parseZiplist(blob) : parseListpack(blob);
        for (const e of elems) items.push(e);
      }
      if (items.length === 0) bad('empty key');
      return RList.fromItems(items);
    }
    case RdbType.LIST_ZIPLIST: {
      const items = parseZiplist(r.stringBytes());
      if (items.length === 0) bad('empty key');
      return RList.fromItems(items);
    }
    case RdbType.SET_INTSET: {
      const members = parseIntset(r.stringBytes());
      if (members.length === 0) bad('empty key');
      return RSet.fromMembers(members);
    }
    case RdbType.HASH_ZIPMAP:
      return pairsToHash(parseZipmap(r.stringBytes()));
    case RdbType.HASH_ZIPLIST:
      return pairsToHash(parseZiplist(r.stringBytes()));
    case RdbType.HASH_LISTPACK:
      return pairsToHash(parseListpack(r.stringBytes()));
    case RdbType.ZSET_ZIPLIST:
      return pairsToZset(parseZiplist(r.stringBytes()));
    case RdbType.ZSET_LISTPACK:
      return pairsToZset(parseListpack(r.stringBytes()));
    default:
      return bad(`unsupported object type ${type}`);
  }
}

/** Read a type byte and the value that follows. */
export function readValue(r: RdbReader): RValue {
  return readObject(r, r.u8());
}

function pairsToHash(flat: string[]): RHash {
  if (flat.length === 0 || flat.length % 2 !== 0) bad('bad hash encoding');
  const m = new Map<string, string>();
  for (let i = 0; i < flat.length; i += 2) {
    if (m.has(flat[i]!)) bad('duplicate hash field');
    m.set(flat[i]!, flat[i + 1]!);
  }
  return RHash.fromEntries(m);
}

function pairsToZset(flat: string[]): RZSet {
  if (flat.length === 0 || flat.length % 2 !== 0) bad('bad zset encoding');
  const m = new Map<string, number>();
  for (let i = 0; i < flat.length; i += 2) {
    const score = parseScore(flat[i + 1]!);
    if (m.has(flat[i]!)) bad('duplicate zset member');
    m.set(flat[i]!, score);
  }
  return RZSet.fromEntries(m);
}

function parseScore(s: string): number {
  const l = s.toLowerCase();
  if (l === 'inf' || l === '+inf') return Infinity;
  if (l === '-inf') return -Infinity;
  const d = Number(s);
  if (s.length === 0 || Number.isNaN(d)) bad('bad score');
  return d;
}

/** Elements of a listpack, integers as decimal strings. */
export function parseListpack(b: Buffer): string[] {
  if (b.length < 7) bad('listpack too short');
  const total = b.readUInt32LE(0);
  if (total !== b.length || b[total - 1] !== 0xff) bad('bad listpack header');
  const out: string[] = [];
  let p = 6;
  const end = total - 1;
  while (p < end) {
    const start = p;
    const e = b[p]!;
    if (e < 0x80) {
      out.push(String(e));
      p += 1;
    } else if (e < 0xc0) {
      const n = e & 0x3f;
      if (p + 1 + n > end) bad('listpack string out of range');
      out.push(b.toString('latin1', p + 1, p + 1 + n));
      p += 1 + n;
    } else if (e < 0xe0) {
      if (p + 2 > end) bad('listpack truncated');
      let u = ((e & 0x1f) << 8) | b[p + 1]!;
      if (u >= 1 << 12) u -= 1 << 13;
      out.push(String(u));
      p += 2;
    } else if (e < 0xf0) {
      if (p + 2 > end) bad('listpack truncated');
      const n = ((e & 0x0f) << 8) | b[p + 1]!;
      if (p + 2 + n > end) bad('listpack string out of range');
      out.push(b.toString('latin1', p + 2, p + 2 + n));
      p += 2 + n;
    } else {
      switch (e) {
        case 0xf0: {
          if (p + 5 > end) bad('listpack truncated');
          const n = b.readUInt32LE(p + 1);
          if (p + 5 + n > end) bad('listpack string out of range');
          out.push(b.toString('latin1', p + 5, p + 5 + n));
          p += 5 + n;
          break;
        }
        case 0xf1:
          if (p + 3 > end) bad('listpack truncated');
          out.push(String(b.readInt16LE(p + 1)));
          p += 3;
          break;
        case 0xf2:
          if (p + 4 > end) bad('listpack truncated');
          out.push(String(b.readIntLE(p + 1, 3)));
          p += 4;
          break;
        case 0xf3:
          if (p + 5 > end) bad('listpack truncated');
          out.push(String(b.readInt32LE(p + 1)));
          p += 5;
          break;
        case 0xf4:
          if (p + 9 > end) bad('listpack truncated');
          out.push(String(b.readBigInt64LE(p + 1)));
          p += 9;
          break;
        default:
          bad('bad listpack entry encoding');
      }
    }
    // Skip the backlen, checking it matches the entry's length.
    const l = p - start;
    const bl = l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
    if (p + bl > end) bad('listpack backlen out of range');
    p += bl;
  }
  const count = b.readUInt16LE(4);
  if (count !== 65535 && count !== out.length) bad('listpack count mismatch');
  return out;
}

/** Elements of a ziplist (Redis < 7), integers as decimal strings. */
export function parseZiplist(b: Buffer): string[] {
  if (b.length < 11) bad('ziplist too short');
  const total = b.readUInt32LE(0);
  if (total !== b.length || b[total - 1] !== 0xff) bad('bad ziplist header');
  const out: string[] = [];
  let p = 10;
  const end = total - 1;
  while (p < end) {
    // previous entry length: 1 byte, or 0xfe and 4 bytes
    p += b[p] === 0xfe ? 5 : 1;
    if (p >= end) bad('ziplist truncated');
    const e = b[p]!;
    const kind = e >> 6;
    if (kind === 0) {
      const n = e & 0x3f;
      if (p + 1 + n > end) bad('ziplist string out of range');
      out.push(b.toString('latin1', p + 1, p + 1 + n));
      p += 1 + n;
    } else if (kind === 1) {
      if (p + 2 > end) bad('ziplist truncated');
      const n = ((e & 0x3f) << 8) | b[p + 1]!;
      if (p + 2 + n > end) bad('ziplist string out of range');
      out.push(b.toString('latin1', p + 2, p + 2 + n));
      p += 2 + n;
    } else if (kind === 2) {
      if (p + 5 > end) bad('ziplist truncated');
      const n = b.readUInt32BE(p + 1);
      if (p + 5 + n > end) bad('ziplist string out of range');
      out.push(b.toString('latin1', p + 5, p + 5 + n));
      p += 5 + n;
    } else {
      let size: number;
      let v: string;
      if (e === 0xc0) [size, v] = [2, ''];
      else if (e === 0xd0) [size, v] = [4, ''];
      else if (e === 0xe0) [size, v] = [8, ''];
      else if (e === 0xf0) [size, v] = [3, ''];
      else if (e === 0xfe) [size, v] = [1, ''];
      else if (e >= 0xf1 && e <= 0xfd) [size, v] = [0, String((e & 0x0f) - 1)];
      else return bad('bad ziplist entry encoding');
      if (p + 1 + size > end) bad('ziplist truncated');
      if (size === 2) v = String(b.readInt16LE(p + 1));
      else if (size === 4) v = String(b.readInt32LE(p + 1));
      else if (size === 8) v = String(b.readBigInt64LE(p + 1));
      else if (size === 3) v = String(b.readIntLE(p + 1, 3));
      else if (size === 1) v = String(b.readInt8(p + 1));
      out.push(v);
      p += 1 + size;
    }
  }
  return out;
}

/** Members of an intset, as decimal strings. */
export function parseIntset(b: Buffer): string[] {
  if (b.length < 8) bad('intset too short');
  const width = b.readUInt32LE(0);
  const n = b.readUInt32LE(4);
  if ((width !== 2 && width !== 4 && width !== 8) || 8 + n * width !== b.length) bad('bad intset');
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const at = 8 + i * width;
    out.push(width === 2 ? String(b.readInt16LE(at)) : width === 4 ? String(b.readInt32LE(at)) : String(b.readBigInt64LE(at)));
  }
  return out;
}

/** Field/value pairs of a zipmap (Redis < 2.6 hashes), flattened. */
export function parseZipmap(b: Buffer): string[] {
  const out: string[] = [];
  let p = 1; // zmlen
  const len = (): number => {
    if (p >= b.length) bad('zipmap truncated');
    const x = b[p]!;
    if (x < 254) {
      p += 1;
      return x;
    }
    if (x === 254) {
      if (p + 5 > b.length) bad('zipmap truncated');
      const v = b.readUInt32LE(p + 1);
      p += 5;
      return v;
    }
    return -1; // 255: end
  };
  for (;;) {
    const flen = len();
    if (flen < 0) break;
    if (p + flen > b.length) bad('zipmap truncated');
    const field = b.toString('latin1', p, p + flen);
    p += flen;
    const vlen = len();
    if (vlen < 0) bad('zipmap truncated');
    if (p >= b.length) bad('zipmap truncated');
    const free = b[p++]!;
    if (p + vlen + free > b.length) bad('zipmap truncated');
    out.push(field, b.toString('latin1', p, p + vlen));
    p += vlen + free;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// DUMP payloads

/** DUMP's payload: the value, the RDB version (2 bytes LE) and CRC-64 (8 bytes LE). */
export function createDumpPayload(v: RValue, limits: EncodingLimits = DEFAULT_LIMITS): string {
  const w = new ByteSink();
  writeValue(w, v, limits);
  w.u8(RDB_VERSION & 0xff);
  w.u8(RDB_VERSION >> 8);
  w.bytes(crc64LE(w.view()));
  return w.view().toString('latin1');
}

/** Whether a payload's footer has a version we read and a matching checksum. */
export function verifyDumpPayload(payload: Buffer): boolean {
  if (payload.length < 10) return false;
  const footer = payload.length - 10;
  const version = payload[footer]! | (payload[footer + 1]! << 8);
  if (version > RDB_VERSION) return false;
  const crc = crc64LE(payload, 0, payload.length - 8);
  return crc.equals(payload.subarray(payload.length - 8));
}

/**
 * The value in a verified payload. Throws RdbFormatError when the bytes do not hold a
 * well-formed value. (Like Redis, bytes after the value, before the footer, are ignored.)
 */
export function decodeDumpPayload(payload: Buffer): RValue {
  return readValue(new RdbReader(payload, 0, payload.length - 10));
}
