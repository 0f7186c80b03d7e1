/**
 * Reply encoder for RESP2 and RESP3.
 *
 * Replies accumulate in one growing buffer per connection and leave in a single socket
 * write when the connection flushes (once per batch of requests), so a pipeline of 16
 * commands costs one syscall, not 16. Strings are written as latin1: every char is a
 * byte (see resp-reader.ts).
 *
 * Types that RESP3 adds degrade to their RESP2 shapes exactly as Redis does: maps and
 * attribute-less sets become flat arrays, doubles become bulk strings, null becomes
 * `$-1` (or `*-1` for a null array), booleans become 1/0 integers.
 */

import { constants } from 'node:buffer';

const CRLF = '\r\n';
const OK = Buffer.from('+OK\r\n');
const NULL_BULK = Buffer.from('$-1\r\n');
const NULL_ARRAY = Buffer.from('*-1\r\n');
const NULL3 = Buffer.from('_\r\n');
const EMPTY_ARRAY = Buffer.from('*0\r\n');
const QUEUED = Buffer.from('+QUEUED\r\n');
const PONG = Buffer.from('+PONG\r\n');

/** Preencoded `:n\r\n` for small integers, the most common integer replies. */
const SMALL_INTS: Buffer[] = [];
for (let i = -1; i <= 1024; i++) SMALL_INTS.push(Buffer.from(`:${i}\r\n`));

/**
 * Strings and buffers up to this length are copied byte by byte in JavaScript: for short
 * ones that is several times cheaper than a call into C++ (latin1Write, Buffer.copy), and
 * most replies are short (small integers, +OK, the elements of LRANGE or SMEMBERS).
 */
const SHORT = 32;

/**
 * Write `n` (an integer, 0 <= n < 2^31: a length or count; callers check larger ones) in decimal at `pos` followed by
 * CRLF; returns the position after it. The caller has ensured room for 12 bytes.
 */
export function putLength(out: Buffer, pos: number, n: number): number {
  if (n < 10) {
    out[pos++] = 48 + n;
  } else if (n < 100) {
    out[pos++] = 48 + ((n / 10) | 0);
    out[pos++] = 48 + (n % 10);
  } else {
    let digits = 3;
    for (let x = (n / 1000) | 0; x > 0; x = (x / 10) | 0) digits++;
    let p = pos + digits;
    for (let x = n; p > pos; x = (x / 10) | 0) out[--p] = 48 + (x % 10);
    pos += digits;
  }
  out[pos++] = 13;
  out[pos++] = 10;
  return pos;
}

const INITIAL = 1024;
/**
 * The most one connection's pending replies may hold: what a Node Buffer can hold. A reply
 * that would grow past it throws ReplyTooLargeError before anything is allocated; the
 * dispatcher then rolls the client's replies back to where the command started.
 */
export const MAX_PENDING_REPLY_BYTES = constants.MAX_LENGTH;

/** Thrown by the writer when a reply would not fit in MAX_PENDING_REPLY_BYTES. */
export class ReplyTooLargeError extends Error {
  constructor(readonly requested: number) {
    super(`reply too large: ${requested} bytes pending`);
    this.name = 'ReplyTooLargeError';
  }
}
/** Buffers larger than this are handed to the socket rather than kept for reuse. */
const KEEP_MAX = 64 * 1024;

export class ReplyWriter {
  /** 2 or 3, set by HELLO. */
  proto: 2 | 3 = 2;
  private out: Buffer = Buffer.allocUnsafe(INITIAL);
  private len = 0;
  /** Counts take()/takeView()/discard(): a mark is only valid within the same epoch. */
  private taken = 0;

  /** Changes whenever pending bytes leave the writer (see rollback). */
  get epoch(): number {
    return this.taken;
  }

  /** Bytes waiting to be flushed. */
  get pendingBytes(): number {
    return this.len;
  }

  /** Size of the buffer replies are encoded into (CLIENT LIST's rbs). */
  get capacity(): number {
    return this.out.length;
  }

  /**
   * Take the bytes accumulated so far (a copy, or the buffer itself when large) and reset.
   * Returns null when there is nothing to send.
   */
  take(): Buffer | null {
    const len = this.len;
    if (len === 0) return null;
    this.len = 0;
    this.taken++;
    if (this.out.length > KEEP_MAX) {
      const b = this.out.subarray(0, len);
      this.out = Buffer.allocUnsafe(INITIAL);
      return b;
    }
    return Buffer.from(this.out.subarray(0, len));
  }

  /**
   * Take the bytes accumulated so far as a view of the writer's own buffer (no copy) and
   * reset; null when there is nothing to send. The caller hands the view to a socket and
   * then calls released(): the buffer is reused for the next replies only if the socket
   * no longer needs it.
   */
  takeView(): Buffer | null {
    const len = this.len;
    if (len === 0) return null;
    this.len = 0;
    this.taken++;
    return this.out.subarray(0, len);
  }

  /**
   * After takeView(): `stillReferenced` when the socket kept the bytes to send later (a
   * partial or queued write), in which case the writer moves on to a new buffer. Large
   * buffers are not kept for reuse either.
   */
  released(stillReferenced: boolean): void {
    if (stillReferenced || this.out.length > KEEP_MAX) this.out = Buffer.allocUnsafe(INITIAL);
  }

  /** Drop everything not yet flushed (CLIENT REPLY OFF/SKIP). */
  discard(): void {
    this.len = 0;
    this.taken++;
  }

  /** Mark where a reply starts, so it can be cut out again (for CLIENT REPLY SKIP). */
  mark(): number {
    return this.len;
  }

  truncate(mark: number): void {
    if (mark < this.len) this.len = mark;
  }

  /**
   * Cut the pending replies back to `mark`, taken with mark() in `epoch`. Returns false
   * when bytes written since the mark already left the writer (the reply cannot be undone).
   */
  rollback(mark: number, epoch: number): boolean {
    if (epoch !== this.taken) return false;
    this.truncate(mark);
    return true;
  }

  private ensure(n: number): void {
    const need = this.len + n;
    if (need <= this.out.length) return;
    if (need > MAX_PENDING_REPLY_BYTES) throw new ReplyTooLargeError(need);
    let size = this.out.length * 2;
    while (size < need) size *= 2;
    if (size > MAX_PENDING_REPLY_BYTES) size = MAX_PENDING_REPLY_BYTES;
    const next = Buffer.allocUnsafe(size);
    this.out.copy(next, 0, 0, this.len);
    this.out = next;
  }

  private raw(b: Buffer): void {
    const n = b.length;
    this.ensure(n);
    if (n <= SHORT) {
      const out = this.out;
      let len = this.len;
      for (let i = 0; i < n; i++) out[len++] = b[i]!;
      this.len = len;
    } else {
      b.copy(this.out, this.len);
      this.len += n;
    }
  }

  /** ASCII/latin1 text as is. */
  private ascii(s: string): void {
    // latin1 is one byte per char, so the length in bytes is known before writing.
    const n = s.length;
    this.ensure(n);
    if (n <= SHORT) {
      const out = this.out;
      let len = this.len;
      for (let i = 0; i < n; i++) out[len++] = s.charCodeAt(i);
      this.len = len;
    } else {
      this.len += this.out.latin1Write(s, this.len);
    }
  }

  /** Raw, already encoded RESP (e.g. a cached reply). */
  writeRaw(b: Buffer): void {
    this.raw(b);
  }

  ok(): void {
    this.raw(OK);
  }

  queued(): void {
    this.raw(QUEUED);
  }

  pong(): void {
    this.raw(PONG);
  }

  /** +status */
  simple(s: string): void {
    this.ascii('+' + s + CRLF);
  }

  /**
   * -ERR ... The text must start with the error code. CR and LF inside an error would
   * break framing, so they become spaces, as Redis does.
   */
  error(s: string): void {
    if (s.includes('\r') || s.includes('\n')) s = s.replace(/[\r\n]/g, ' ');
    this.ascii('-' + s + CRLF);
  }

  int(n: number | bigint): void {
    if (typeof n === 'number' && n >= -1 && n <= 1024 && Number.isInteger(n)) {
      this.raw(SMALL_INTS[n + 1]!);
      return;
    }
    this.ascii(':' + n.toString() + CRLF);
  }

  /** An integer reply from its decimal text (int64 values beyond 2^53 stay exact). */
  intText(s: string): void {
    this.ascii(':' + s + CRLF);
  }

  /** A bulk string, or null. */
  bulk(s: string | null | undefined): void {
    if (s == null) return this.nil();
    const n = s.length;
    this.ensure(n + 16);
    const out = this.out;
    let len = this.len;
    out[len++] = 36; // '$'
    len = putLength(out, len, n);
    if (n <= SHORT) {
      for (let i = 0; i < n; i++) out[len++] = s.charCodeAt(i);
    } else {
      len += out.latin1Write(s, len);
    }
    out[len++] = 13;
    out[len++] = 10;
    this.len = len;
  }

  /** A bulk string from bytes. */
  bulkBuffer(b: Buffer): void {
    this.ascii('$' + b.length + CRLF);
    this.raw(b);
    this.ascii(CRLF);
  }

  /** The null reply: `$-1` in RESP2, `_` in RESP3. */
  nil(): void {
    this.raw(this.proto === 3 ? NULL3 : NULL_BULK);
  }

  /** The null array: `*-1` in RESP2, `_` in RESP3. */
  nilArray(): void {
    this.raw(this.proto === 3 ? NULL3 : NULL_ARRAY);
  }

  arrayHeader(n: number): void {
    if (n === 0) return this.raw(EMPTY_ARRAY);
    if (n > 0x7fffffff) return this.ascii('*' + n + CRLF); // beyond putLength's int32 arithmetic
    this.ensure(16);
    this.out[this.len] = 42; // '*'
    this.len = putLength(this.out, this.len + 1, n);
  }

  /** A map of n pairs: `%n` in RESP3, `*2n` in RESP2. */
  mapHeader(n: number): void {
    if (this.proto === 3) this.ascii('%' + n + CRLF);
    else this.arrayHeader(n * 2);
  }

  /** A set of n members: `~n` in RESP3, `*n` in RESP2. */
  setHeader(n: number): void {
    if (this.proto === 3) this.ascii('~' + n + CRLF);
    else this.arrayHeader(n);
  }

  /** An out-of-band push (pub/sub messages): `>n` in RESP3, `*n` in RESP2. */
  pushHeader(n: number): void {
    if (this.proto === 3) this.ascii('>' + n + CRLF);
    else this.arrayHeader(n);
  }

  /** An array of bulk strings (nulls allowed). */
  bulkArray(items: readonly (string | null | undefined)[]): void {
    this.arrayHeader(items.length);
    for (let i = 0; i < items.length; i++) this.bulk(items[i]);
  }

  /** A double: `,` in RESP3, a bulk string in RESP2, formatted as Redis does. */
  double(d: number): void {
    if (this.proto === 3) {
      const s = Number.isNaN(d) ? 'nan' : d === Infinity ? 'inf' : d === -Infinity ? '-inf' : formatDouble(d);
      this.ascii(',' + s + CRLF);
    } else {
      this.bulk(formatDouble(d));
    }
  }

  bool(b: boolean): void {
    if (this.proto === 3) this.ascii(b ? '#t\r\n' : '#f\r\n');
    else this.int(b ? 1 : 0);
  }

  /** Verbatim string (`=` in RESP3 with a 3-letter format, bulk in RESP2). */
  verbatim(s: string, format = 'txt'): void {
    if (this.proto === 3) {
      this.ascii('=' + (s.length + 4) + CRLF + format + ':');
      this.ascii(s);
      this.ascii(CRLF);
    } else {
      this.bulk(s);
    }
  }

  bigNumber(s: string): void {
    if (this.proto === 3) this.ascii('(' + s + CRLF);
    else this.bulk(s);
  }
}

/**
 * Redis 7.0's formatting of doubles in replies: printf's `%.17g` (so ZSCORE of 1.1 is
 * "1.1000000000000001", as redis-server 7.0 answers), with inf/-inf spelled Redis's way.
 */
export function formatDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  if (Number.isInteger(d) && Math.abs(d) < 1e17) return String(d);
  const [mant, expText] = d.toExponential(16).split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 17) {
    const m = stripZeros(mant);
    const a = Math.abs(exp);
    return `${m}e${exp < 0 ? '-' : '+'}${a < 10 ? '0' + a : a}`;
  }
  return stripZeros(d.toFixed(16 - exp));
}

function stripZeros(s: string): string {
  if (!s.includes('.')) return s;
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48) end--;
  if (s.charCodeAt(end - 1) === 46) end--;
  return s.slice(0, end);
}
