/**
 * Bitmap commands: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO.
 *
 * Bitmaps are ordinary string values (latin1 JS strings, one char per byte). Bit 0 is the
 * most significant bit of byte 0, as in Redis. Reads index the string directly; writes
 * build a new string (JS strings are immutable), through a Buffer when several bits move.
 * Orders of checks and error texts follow Redis 7.0's bitops.c.
 */
import { constants as bufferConstants } from 'node:buffer';
import { CommandError, Err } from '../errors.js';
import { is, parseI64, parseIntOrNull } from './args.js';
import type { Client } from './context.js';
import { defineCommand, type CommandSpec } from './spec.js';
import { buildLargeString, getString, getStringForWrite } from './string.js';

const INT64_MAX = 9223372036854775807n;
const MAX_STRING_LENGTH = bufferConstants.MAX_STRING_LENGTH;
const BITFIELD_TYPE_ERR = 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';

/**
 * A bit offset argument (Redis's getBitOffsetFromArgument): an int64, or "#N" meaning
 * N * bits for BITFIELD, non-negative and addressing a byte below proto-max-bulk-len.
 */
function bitOffsetArg(c: Client, arg: string, hashBits = 0): number {
  const useHash = hashBits > 0 && arg.length > 1 && arg.charCodeAt(0) === 35; // '#'
  let v = parseI64(useHash ? arg.slice(1) : arg);
  if (v === null) throw new CommandError(Err.BIT_OFFSET);
  // C multiplies in int64 and may wrap; a wrapped negative is refused below.
  if (useHash) v = BigInt.asIntN(64, v * BigInt(hashBits));
  if (v < 0n || v >> 3n >= BigInt(c.server.config.int('proto-max-bulk-len'))) throw new CommandError(Err.BIT_OFFSET);
  return Number(v);
}

/** An int64 argument as a JS number (exact to 2^53, enough for ranges over strings). */
function longLongArg(s: string, error: string = Err.NOT_INTEGER): number {
  const n = parseIntOrNull(s);
  if (n === null) throw new CommandError(error);
  return n;
}

/**
 * The string at key as bytes, zero-extended to at least minLength bytes. A length that
 * could not become a JS string again (V8's cap, just under the default proto-max-bulk-len)
 * is refused up front, as if the limit was reached.
 */
function toBytes(s: string, minLength: number): Buffer {
  if (minLength > MAX_STRING_LENGTH) throw new CommandError(Err.STRING_TOO_LONG);
  if (s.length >= minLength) return Buffer.from(s, 'latin1');
  const buf = Buffer.alloc(minLength);
  buf.write(s, 0, 'latin1');
  return buf;
}

function setbit(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const offset = bitOffsetArg(c, argv[2]!);
  const on = parseIntOrNull(argv[3]!);
  if (on === null || (on !== 0 && on !== 1)) throw new CommandError(Err.BIT_VALUE);
  const db = c.db;
  const old = getStringForWrite(db, key);
  const byte = Math.floor(offset / 8);
  let s = old ?? '';
  const grown = byte >= s.length;
  if (grown) {
    const base = s;
    s = buildLargeString(() => base + '\0'.repeat(byte + 1 - base.length));
  }
  const byteval = s.charCodeAt(byte);
  const shift = 7 - (offset % 8);
  const bitval = (byteval >> shift) & 1;
  // Like Redis, a SETBIT that neither creates, grows nor flips anything changes nothing.
  if (grown || bitval !== on) {
    const nv = on ? byteval | (1 << shift) : byteval & ~(1 << shift);
    const updated = s.slice(0, byte) + String.fromCharCode(nv) + s.slice(byte + 1);
    if (old === undefined) db.add(key, updated);
    else db.replace(key, updated);
    c.server.notify('string', 'setbit', key, db.id);
  }
  c.reply.int(bitval);
}

function getbit(c: Client, argv: string[]): void {
  const offset = bitOffsetArg(c, argv[2]!);
  const v = getString(c.db, argv[1]!);
  if (v === undefined) return c.reply.int(0);
  const byte = Math.floor(offset / 8);
  if (byte >= v.length) return c.reply.int(0);
  c.reply.int((v.charCodeAt(byte) >> (7 - (offset % 8))) & 1);
}

const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1]!;

function popcount(s: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i <= end; i++) n += POPCOUNT[s.charCodeAt(i)]!;
  return n;
}

/** BITCOUNT: a missing key answers 0 before its arguments are even looked at. */
function bitcount(c: Client, argv: string[]): void {
  const v = getString(c.db, argv[1]!);
  if (v === undefined) return c.reply.int(0);
  const strlen = v.length;
  let start: number;
  let end: number;
  let firstMask = 0;
  let lastMask = 0;
  if (argv.length === 4 || argv.length === 5) {
    start = longLongArg(argv[2]!);
    end = longLongArg(argv[3]!);
    if (start < 0 && end < 0 && start > end) return c.reply.int(0);
    let isbit = false;
    if (argv.length === 5) {
      if (is(argv[4], 'bit')) isbit = true;
      else if (!is(argv[4], 'byte')) throw new CommandError(Err.SYNTAX);
    }
    const totlen = isbit ? strlen * 8 : strlen;
    if (start < 0) start += totlen;
    if (end < 0) end += totlen;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= totlen) end = totlen - 1;
    if (isbit && start <= end) {
      firstMask = ~((1 << (8 - (start % 8))) - 1) & 0xff;
      lastMask = (1 << (7 - (end % 8))) - 1;
      start = Math.floor(start / 8);
      end = Math.floor(end / 8);
    }
  } else if (argv.length === 2) {
    start = 0;
    end = strlen - 1;
  } else {
    throw new CommandError(Err.SYNTAX);
  }
  if (start > end) return c.reply.int(0);
  let count = popcount(v, start, end);
  if (firstMask !== 0) count -= POPCOUNT[v.charCodeAt(start) & firstMask]!;
  if (lastMask !== 0) count -= POPCOUNT[v.charCodeAt(end) & lastMask]!;
  c.reply.int(count);
}

/**
 * First bit equal to `bit` in bytes [start, start+count) of s, relative to start*8.
 * Not found: -1 when looking for 1, count*8 when looking for 0 (the zero padding after
 * the string), as Redis's redisBitpos.
 */
function firstBit(byteAt: (i: number) => number, start: number, count: number, bit: number): number {
  const skip = bit ? 0 : 0xff;
  for (let i = 0; i < count; i++) {
    const b = byteAt(start + i);
    if (b === skip) continue;
    for (let k = 7; k >= 0; k--) {
      if (((b >> k) & 1) === bit) return i * 8 + (7 - k);
    }
  }
  return bit ? -1 : count * 8;
}

/** BITPOS: the bit argument is checked first, then a missing key answers at once. */
function bitpos(c: Client, argv: string[]): void {
  const bit = parseIntOrNull(argv[2]!);
  if (bit === null) throw new CommandError(Err.NOT_INTEGER);
  if (bit !== 0 && bit !== 1) throw new CommandError('ERR The bit argument must be 1 or 0.');
  const v = getString(c.db, argv[1]!);
  if (v === undefined) return c.reply.int(bit ? -1 : 0);
  const strlen = v.length;
  let start: number;
  let end: number;
  let endGiven = false;
  let firstMask = 0;
  let lastMask = 0;
  if (argv.length >= 4 && argv.length <= 6) {
    start = longLongArg(argv[3]!);
    let isbit = false;
    if (argv.length === 6) {
      if (is(argv[5], 'bit')) isbit = true;
      else if (!is(argv[5], 'byte')) throw new CommandError(Err.SYNTAX);
    }
    if (argv.length >= 5) {
      end = longLongArg(argv[4]!);
      endGiven = true;
    } else {
      end = isbit ? strlen * 8 + 7 : strlen - 1;
    }
    const totlen = isbit ? strlen * 8 : strlen;
    if (start < 0) start += totlen;
    if (end < 0) end += totlen;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= totlen) end = totlen - 1;
    if (isbit && start <= end) {
      firstMask = ~((1 << (8 - (start % 8))) - 1) & 0xff;
      lastMask = (1 << (7 - (end % 8))) - 1;
      start = Math.floor(start / 8);
      end = Math.floor(end / 8);
    }
  } else if (argv.length === 3) {
    start = 0;
    end = strlen - 1;
  } else {
    throw new CommandError(Err.SYNTAX);
  }
  if (start > end) return c.reply.int(-1);

  // The edge bytes of a BIT range are searched with the bits outside the range forced to
  // the value not looked for.
  const at = (i: number) => v.charCodeAt(i);
  let bytes = end - start + 1;
  let pos: number;
  // biome-ignore lint/suspicious/noConfusingLabels: one labelled block: `break search` leaves it once the bit is found
  search: {
    if (firstMask !== 0) {
      let tmp = bit ? at(start) & ~firstMask & 0xff : at(start) | firstMask;
      if (lastMask !== 0 && bytes === 1) tmp = bit ? tmp & ~lastMask & 0xff : tmp | lastMask;
      pos = firstBit(() => tmp, 0, 1, bit);
      if (bytes === 1 || (pos !== -1 && pos !== 8)) break search;
      start++;
      bytes--;
    }
    const curbytes = bytes - (lastMask !== 0 ? 1 : 0);
    if (curbytes > 0) {
      pos = firstBit(at, start, curbytes, bit);
      if (bytes === curbytes || (pos !== -1 && pos !== curbytes * 8)) break search;
      start += curbytes;
      bytes -= curbytes;
    }
    const tmp = bit ? at(end) & ~lastMask & 0xff : at(end) | lastMask;
    pos = firstBit(() => tmp, 0, 1, bit);
  }
  // Looking for a 0 in an explicit range that holds none: -1, not the bit after the range.
  if (endGiven && bit === 0 && pos === bytes * 8) return c.reply.int(-1);
  if (pos !== -1) pos += start * 8;
  c.reply.int(pos);
}

function bitop(c: Client, argv: string[]): void {
  const opname = argv[1]!;
  let op: 'and' | 'or' | 'xor' | 'not';
  if (is(opname, 'and')) op = 'and';
  else if (is(opname, 'or')) op = 'or';
  else if (is(opname, 'xor')) op = 'xor';
  else if (is(opname, 'not')) op = 'not';
  else throw new CommandError(Err.SYNTAX);
  if (op === 'not' && argv.length !== 4) throw new CommandError('ERR BITOP NOT must be called with a single source key.');
  const db = c.db;
  const dest = argv[2]!;
  const srcs: string[] = [];
  let maxlen = 0;
  for (let i = 3; i < argv.length; i++) {
    const s = getString(db, argv[i]!) ?? '';
    srcs.push(s);
    if (s.length > maxlen) maxlen = s.length;
  }
  if (maxlen === 0) {
    if (db.delete(dest)) c.server.notify('generic', 'del', dest, db.id);
    return c.reply.int(0);
  }
  const res = toBytes(srcs[0]!, maxlen);
  if (op === 'not') {
    for (let j = 0; j < maxlen; j++) res[j] = ~res[j]! & 0xff;
  } else {
    for (let k = 1; k < srcs.length; k++) {
      const s = srcs[k]!;
      const n = s.length;
      if (op === 'and') {
        for (let j = 0; j < maxlen; j++) res[j] = j < n ? res[j]! & s.charCodeAt(j) : 0;
      } else if (op === 'or') {
        for (let j = 0; j < n; j++) res[j] = res[j]! | s.charCodeAt(j);
      } else {
        for (let j = 0; j < n; j++) res[j] = res[j]! ^ s.charCodeAt(j);
      }
    }
  }
  db.set(dest, res.toString('latin1'));
  c.server.notify('string', 'set', dest, db.id);
  c.reply.int(maxlen);
}

const OVERFLOW_WRAP = 0;
const OVERFLOW_SAT = 1;
const OVERFLOW_FAIL = 2;

interface BitfieldOp {
  kind: 'get' | 'set' | 'incrby';
  signed: boolean;
  bits: number;
  offset: number;
  value: bigint;
  overflow: number;
}

function bitfieldType(arg: string): { signed: boolean; bits: number } {
  const t = arg.charCodeAt(0);
  if (t !== 105 && t !== 117) throw new CommandError(BITFIELD_TYPE_ERR); // 'i' | 'u'
  const signed = t === 105;
  // C reads the width as a NUL-terminated string.
  let rest = arg.slice(1);
  const nul = rest.indexOf('\0');
  if (nul >= 0) rest = rest.slice(0, nul);
  const bits = parseI64(rest);
  if (bits === null || bits < 1n || bits > (signed ? 64n : 63n)) throw new CommandError(BITFIELD_TYPE_ERR);
  return { signed, bits: Number(bits) };
}

function readField(byteAt: (i: number) => number, offset: number, bits: number, signed: boolean): bigint {
  let v = 0n;
  for (let i = 0; i < bits; i++) {
    const o = offset + i;
    v = (v << 1n) | BigInt((byteAt(Math.floor(o / 8)) >> (7 - (o % 8))) & 1);
  }
  return signed ? BigInt.asIntN(bits, v) : v;
}

function writeField(buf: Buffer, offset: number, bits: number, value: bigint): void {
  const u = BigInt.asUintN(bits, value);
  for (let i = 0; i < bits; i++) {
    const o = offset + i;
    const byte = Math.floor(o / 8);
    const mask = 1 << (7 - (o % 8));
    if ((u >> BigInt(bits - 1 - i)) & 1n) buf[byte] = buf[byte]! | mask;
    else buf[byte] = buf[byte]! & ~mask;
  }
}

/**
 * The value to store for old + incr (SET passes the new value with incr 0) under an
 * overflow policy, or null when FAIL refuses it. Follows Redis's overflow checks to the
 * letter, int64 wrap-around included: for signed fields its "room left" values wrap for
 * far-out values, so that e.g. SET i56 -9223372036854775808 with SAT saturates to the
 * maximum. SET's value is an int64, reinterpreted as uint64 for unsigned fields (so
 * SET u8 -1 saturates to 255).
 */
function applyOverflow(value: bigint, incr: bigint, bits: number, signed: boolean, policy: number): bigint | null {
  let direction = 0;
  let max: bigint;
  let min: bigint;
  let v = value;
  if (signed) {
    max = bits === 64 ? INT64_MAX : (1n << BigInt(bits - 1)) - 1n;
    min = -max - 1n;
    const maxincr = BigInt.asIntN(64, max - v);
    const minincr = BigInt.asIntN(64, min - v);
    if (v > max || (bits !== 64 && incr > maxincr) || (v >= 0n && incr > 0n && incr > maxincr)) direction = 1;
    else if (v < min || (bits !== 64 && incr < minincr) || (v < 0n && incr < 0n && incr < minincr)) direction = -1;
  } else {
    v = BigInt.asUintN(64, value);
    max = (1n << BigInt(bits)) - 1n;
    min = 0n;
    const maxincr = BigInt.asIntN(64, max - v);
    const minincr = BigInt.asIntN(64, -v);
    if (v > max || (incr > 0n && incr > maxincr)) direction = 1;
    else if (incr < 0n && incr < minincr) direction = -1;
  }
  if (direction === 0) return v + incr;
  if (policy === OVERFLOW_FAIL) return null;
  if (policy === OVERFLOW_SAT) return direction > 0 ? max : min;
  return signed ? BigInt.asIntN(bits, v + incr) : BigInt.asUintN(bits, v + incr);
}

function bitfieldGeneric(c: Client, argv: string[], readonlyCommand: boolean): void {
  const ops: BitfieldOp[] = [];
  let overflow = OVERFLOW_WRAP;
  let writes = false;
  let highestWrite = -1;
  for (let j = 2; j < argv.length; j++) {
    const remargs = argv.length - j - 1;
    const sub = argv[j]!;
    let kind: BitfieldOp['kind'];
    if (is(sub, 'get') && remargs >= 2) kind = 'get';
    else if (is(sub, 'set') && remargs >= 3) kind = 'set';
    else if (is(sub, 'incrby') && remargs >= 3) kind = 'incrby';
    else if (is(sub, 'overflow') && remargs >= 1) {
      const name = argv[++j]!;
      if (is(name, 'wrap')) overflow = OVERFLOW_WRAP;
      else if (is(name, 'sat')) overflow = OVERFLOW_SAT;
      else if (is(name, 'fail')) overflow = OVERFLOW_FAIL;
      else throw new CommandError('ERR Invalid OVERFLOW type specified');
      continue;
    } else throw new CommandError(Err.SYNTAX);
    const { signed, bits } = bitfieldType(argv[j + 1]!);
    const offset = bitOffsetArg(c, argv[j + 2]!, bits);
    let value = 0n;
    if (kind !== 'get') {
      writes = true;
      if (offset + bits - 1 > highestWrite) highestWrite = offset + bits - 1;
      const v = parseI64(argv[j + 3]!);
      if (v === null) throw new CommandError(Err.NOT_INTEGER);
      value = v;
    }
    ops.push({ kind, signed, bits, offset, value, overflow });
    j += kind === 'get' ? 2 : 3;
  }
  const db = c.db;
  const key = argv[1]!;
  const r = c.reply;
  if (!writes) {
    const v = getString(db, key);
    r.arrayHeader(ops.length);
    const byteAt = (i: number) => (v !== undefined && i < v.length ? v.charCodeAt(i) : 0);
    for (const op of ops) r.intText(readField(byteAt, op.offset, op.bits, op.signed).toString());
    return;
  }
  if (readonlyCommand) throw new CommandError('ERR BITFIELD_RO only supports the GET subcommand');
  const old = getStringForWrite(db, key);
  const needed = Math.floor(highestWrite / 8) + 1;
  const buf = toBytes(old ?? '', needed);
  // Created or grown: Redis counts every applied write as a change then.
  const grown = old === undefined || buf.length !== old.length;
  const byteAt = (i: number) => (i < buf.length ? buf[i]! : 0);
  let changes = 0;
  r.arrayHeader(ops.length);
  for (const op of ops) {
    const cur = readField(byteAt, op.offset, op.bits, op.signed);
    if (op.kind === 'get') {
      r.intText(cur.toString());
      continue;
    }
    const next = op.kind === 'incrby' ? applyOverflow(cur, op.value, op.bits, op.signed, op.overflow) : applyOverflow(op.value, 0n, op.bits, op.signed, op.overflow);
    if (next === null) {
      r.nil();
      continue;
    }
    r.intText((op.kind === 'incrby' ? next : cur).toString());
    writeField(buf, op.offset, op.bits, next);
    if (grown || next !== cur) changes++;
  }
  // Like Redis, a BITFIELD that changes no bit (all refused by FAIL, or rewriting the same
  // values) sends no event; the key is still created or zero-extended then. (Redis does
  // not propagate that growth; dssm does, which keeps replicas identical.)
  if (changes === 0 && !grown) return;
  const updated = buf.toString('latin1');
  if (old === undefined) db.add(key, updated);
  else db.replace(key, updated);
  if (changes !== 0) c.server.notify('string', 'setbit', key, db.id);
}

const B = { group: 'bitmap' as const };
export const bitmapCommands: CommandSpec[] = [
  defineCommand({
    ...B,
    name: 'setbit',
    keySpecs: ['RW access update | index 1 | range 0 1 0'],
    arity: 4,
    flags: 'write denyoom',
    keys: [1, 1, 1],
    handler: setbit,
    summary: 'Sets or clears the bit at offset in the string value stored at key',
    since: '2.2.0',
  }),
  defineCommand({
    ...B,
    name: 'getbit',
    arity: 3,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    handler: getbit,
    summary: 'Returns the bit value at offset in the string value stored at key',
    since: '2.2.0',
  }),
  defineCommand({
    ...B,
    name: 'bitcount',
    docs: { history: [['7.0.0', 'Added the `BYTE|BIT` option.']] },
    arity: -2,
    flags: 'readonly',
    keys: [1, 1, 1],
    handler: bitcount,
    summary: 'Count set bits in a string',
    since: '2.6.0',
    complexity: 'O(N)',
  }),
  defineCommand({
    ...B,
    name: 'bitpos',
    docs: { history: [['7.0.0', 'Added the `BYTE|BIT` option.']] },
    arity: -3,
    flags: 'readonly',
    keys: [1, 1, 1],
    handler: bitpos,
    summary: 'Find first bit set or clear in a string',
    since: '2.8.7',
    complexity: 'O(N)',
  }),
  defineCommand({
    ...B,
    name: 'bitop',
    keySpecs: ['OW update | index 2 | range 0 1 0', 'RO access | index 3 | range -1 1 0'],
    arity: -4,
    flags: 'write denyoom',
    keys: [2, -1, 1],
    handler: bitop,
    summary: 'Perform bitwise operations between strings',
    since: '2.6.0',
    complexity: 'O(N)',
  }),
  defineCommand({
    ...B,
    name: 'bitfield',
    keySpecs: ['RW access update variable_flags | index 1 | range 0 1 0 # This command allows both access and modification of the key'],
    arity: -2,
    flags: 'write denyoom',
    keys: [1, 1, 1],
    handler: (c, a) => bitfieldGeneric(c, a, false),
    summary: 'Perform arbitrary bitfield integer operations on strings',
    since: '3.2.0',
    complexity: 'O(1) for each subcommand specified',
  }),
  defineCommand({
    ...B,
    name: 'bitfield_ro',
    arity: -2,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    handler: (c, a) => bitfieldGeneric(c, a, true),
    summary: 'Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD',
    since: '6.0.0',
    complexity: 'O(1) for each subcommand specified',
  }),
];
