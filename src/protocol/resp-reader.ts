/**
 * Incremental RESP request reader: bytes in, argument vectors out.
 *
 * It knows nothing about commands. Requests are either multibulk (`*N\r\n$L\r\n...`) or
 * inline (`PING\r\n`, split on spaces with Redis's quoting rules). Input may be cut at
 * any byte: the reader keeps the arguments of a partly received request and resumes
 * where it stopped, so a 100 MB value that arrives in 64 KB chunks is assembled once,
 * not re-scanned on every chunk.
 *
 * Arguments come out as latin1 ("binary") strings: one char per byte, so keys and values
 * are binary safe and V8 stores them as compact one-byte strings. Writers encode them
 * back with 'latin1'.
 */

/** A protocol violation; the connection replies with `-ERR Protocol error: <msg>` and closes. */
export class ProtocolError extends Error {}

/** Redis's PROTO_INLINE_MAX_SIZE: longest header or inline line without a newline. */
export const PROTO_INLINE_MAX_SIZE = 64 * 1024;
const INT_MAX = 2147483647;
const CR = 13;
const LF = 10;

const EMPTY: string[] = [];
const NO_BYTES = Buffer.alloc(0);

/**
 * Recently seen command names (shared by all readers). A request whose name has the same
 * bytes gets the same string: no allocation, and V8 keeps its hash for the table lookup.
 */
const NAME_CACHE_SIZE = 32;
const names: string[] = [];
let nameNext = 0;

function commandName(buf: Buffer, start: number, end: number): string {
  const len = end - start;
  const first = buf[start];
  outer: for (let k = 0; k < names.length; k++) {
    const s = names[k]!;
    if (s.length !== len || s.charCodeAt(0) !== first) continue;
    for (let i = 1; i < len; i++) if (s.charCodeAt(i) !== buf[start + i]) continue outer;
    return s;
  }
  const s = buf.latin1Slice(start, end);
  if (names.length < NAME_CACHE_SIZE) names.push(s);
  else names[nameNext++ % NAME_CACHE_SIZE] = s;
  return s;
}

/**
 * An argument of up to 8 bytes as a string, built in JavaScript: for such short strings a
 * call into C++ (latin1Slice) costs several times more than String.fromCharCode with the
 * bytes as arguments. Short arguments are common (values, small keys, counts, scores).
 */
function shortArg(b: Buffer, i: number, len: number): string {
  switch (len) {
    case 0:
      return '';
    case 1:
      return String.fromCharCode(b[i]!);
    case 2:
      return String.fromCharCode(b[i]!, b[i + 1]!);
    case 3:
      return String.fromCharCode(b[i]!, b[i + 1]!, b[i + 2]!);
    case 4:
      return String.fromCharCode(b[i]!, b[i + 1]!, b[i + 2]!, b[i + 3]!);
    case 5:
      return String.fromCharCode(b[i]!, b[i + 1]!, b[i + 2]!, b[i + 3]!, b[i + 4]!);
    case 6:
      return String.fromCharCode(b[i]!, b[i + 1]!, b[i + 2]!, b[i + 3]!, b[i + 4]!, b[i + 5]!);
    case 7:
      return String.fromCharCode(b[i]!, b[i + 1]!, b[i + 2]!, b[i + 3]!, b[i + 4]!, b[i + 5]!, b[i + 6]!);
    case 8:
      return String.fromCharCode(b[i]!, b[i + 1]!, b[i + 2]!, b[i + 3]!, b[i + 4]!, b[i + 5]!, b[i + 6]!, b[i + 7]!);
    default:
      return b.latin1Slice(i, i + len);
  }
}

export interface ReaderLimits {
  /** proto-max-bulk-len */
  maxBulkLen: number;
  /** Whether the client must still authenticate (small limits apply then, as in Redis). */
  authRequired: () => boolean;
}

export class RespReader {
  private buf: Buffer = NO_BYTES;
  private pos = 0;
  /** Whether buf is the caller's (a read buffer it reuses): see feed() and detach(). */
  private borrowed = false;
  /** Chunks held back while a large bulk is incomplete, and their total size. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Total bytes (from pos) needed before parsing can make progress; 0 if unknown. */
  private need = 0;
  /** State of a partly read multibulk request. */
  private argc = 0;
  private args: string[] = EMPTY;
  /** Arguments of the current request read so far. */
  private argi = 0;
  private bulkLen = -1;

  constructor(private readonly limits: ReaderLimits) {}

  /** Bytes received but not yet consumed: the query buffer of CLIENT LIST's qbuf. */
  get buffered(): number {
    return this.buf.length - this.pos + this.pendingBytes;
  }

  /**
   * Add received bytes. A `borrowed` chunk is memory the caller will reuse (one read buffer
   * shared by all connections): it is parsed in place, with no copy when it holds whole
   * requests, and the caller must call detach() before the memory changes.
   */
  feed(chunk: Buffer, borrowed = false): void {
    if (this.need > 0) {
      // A large bulk is incomplete: hold chunks until it can be completed, then join once.
      if (this.buf.length - this.pos + this.pendingBytes + chunk.length < this.need) {
        this.pending.push(borrowed ? Buffer.from(chunk) : chunk);
        this.pendingBytes += chunk.length;
        return;
      }
    }
    if (this.pos >= this.buf.length && this.pendingBytes === 0) {
      this.buf = chunk;
      this.borrowed = borrowed;
    } else {
      const parts = [this.buf.subarray(this.pos), ...this.pending, chunk];
      this.buf = Buffer.concat(parts);
      this.borrowed = false;
      this.pending = [];
      this.pendingBytes = 0;
    }
    this.pos = 0;
    this.need = 0;
  }

  /** Stop using borrowed input: what is left of it (part of a request) is copied. */
  detach(): void {
    if (!this.borrowed) return;
    this.borrowed = false;
    this.buf = this.pos < this.buf.length ? Buffer.from(this.buf.subarray(this.pos)) : NO_BYTES;
    this.pos = 0;
  }

  /**
   * The next complete request, or null when more input is needed. Throws ProtocolError on
   * malformed input; the reader is unusable afterwards (the connection closes).
   *
   * This is the hottest loop of the server: plain `$<digits>\r\n` headers are parsed
   * inline (anything unusual goes through readHeaderNumber, which has the exact rules),
   * the argument array is allocated at its final size, and command names are reused
   * from a small cache of recent ones (no new string, and its hash is already known for
   * the command table lookup).
   */
  next(): string[] | null {
    const buf = this.buf;
    const blen = buf.length;
    for (;;) {
      if (this.pos >= blen) return null;
      if (this.argc === 0) {
        if (buf[this.pos] !== 42 /* '*' */) {
          const inline = this.readInline();
          if (inline === null) return null;
          if (inline.length === 0) continue;
          return inline;
        }
        const n = this.readHeaderNumber(1);
        if (n === null) return null;
        if (n === undefined || n > INT_MAX) throw new ProtocolError('invalid multibulk length');
        if (n > 10 && this.limits.authRequired()) throw new ProtocolError('unauthenticated multibulk length');
        if (n <= 0) continue;
        this.argc = n;
        // A claimed count is not trusted with a big allocation before the arguments arrive.
        this.args = n <= 1024 ? new Array<string>(n) : [];
        this.argi = 0;
      }
      const args = this.args;
      const argc = this.argc;
      let argi = this.argi;
      let pos = this.pos;
      while (argi < argc) {
        let len = this.bulkLen;
        if (len < 0) {
          if (pos >= blen) break;
          if (buf[pos] !== 36 /* '$' */) {
            this.pos = pos;
            this.argi = argi;
            throw new ProtocolError(`expected '$', got '${String.fromCharCode(buf[pos]!)}'`);
          }
          // Fast path: 1-9 digits without a leading zero, then \r and one more byte.
          let i = pos + 1;
          let c = i < blen ? buf[i]! : 0;
          len = -1;
          if (c >= 49 && c <= 57) {
            let v = c - 48;
            const stop = Math.min(blen, i + 10);
            for (i++; i < stop; i++) {
              c = buf[i]!;
              if (c < 48 || c > 57) break;
              v = v * 10 + (c - 48);
            }
            if (i < stop && c === CR && i + 1 < blen && v <= 1048576) {
              len = v;
              pos = i + 2;
            }
          } else if (c === 48 && pos + 3 < blen && buf[pos + 2] === CR) {
            len = 0;
            pos += 4;
          }
          if (len < 0) {
            // Incomplete, unusual or invalid: the exact (slower) rules.
            this.pos = pos;
            this.argi = argi;
            const n = this.readHeaderNumber(2);
            if (n === null) return null;
            if (n === undefined || n < 0 || n > this.limits.maxBulkLen) {
              throw new ProtocolError('invalid bulk length');
            }
            len = n;
            pos = this.pos;
          }
          // proto-max-bulk-len is at least 1 MB, so smaller values need no check.
          if (len > 16384 && this.limits.authRequired()) {
            this.pos = pos;
            throw new ProtocolError('unauthenticated bulk length');
          }
          this.bulkLen = len;
        }
        const end = pos + len;
        if (end + 2 > blen) {
          // Big values: wait for the whole bulk instead of re-joining on every chunk.
          if (len >= 32 * 1024) this.need = len + 2;
          break;
        }
        // Like Redis, the two bytes after the payload are skipped, not checked.
        args[argi] = argi === 0 && len <= 32 ? commandName(buf, pos, end) : len <= 8 ? shortArg(buf, pos, len) : buf.latin1Slice(pos, end);
        argi++;
        pos = end + 2;
        this.bulkLen = -1;
      }
      this.pos = pos;
      this.argi = argi;
      if (argi < argc) return null;
      this.argc = 0;
      this.args = EMPTY;
      return args;
    }
  }

  /**
   * Parse the integer of a `*N\r\n` or `$N\r\n` header at pos. Returns null if the line is
   * incomplete, undefined if it is not an integer. `kind` 1 = multibulk, 2 = bulk, for the
   * "too big" errors. Advances pos past the line on success.
   */
  private readHeaderNumber(kind: 1 | 2): number | null | undefined {
    const buf = this.buf;
    const start = this.pos + 1;
    let i = start;
    let neg = false;
    let n = 0;
    let ok = true;
    if (i < buf.length && buf[i] === 45 /* '-' */) {
      neg = true;
      i++;
    }
    const digitsStart = i;
    for (; i < buf.length; i++) {
      const c = buf[i]!;
      if (c === CR) break;
      if (c < 48 || c > 57) ok = false;
      else n = n * 10 + (c - 48);
    }
    if (i >= buf.length || i + 1 >= buf.length) {
      if (buf.length - this.pos > PROTO_INLINE_MAX_SIZE) {
        throw new ProtocolError(kind === 1 ? 'too big mbulk count string' : 'too big bulk count string');
      }
      return null;
    }
    // Redis's string2ll: no empty number, no leading zeros or '+', at most 20 chars.
    if (i === digitsStart || i - start > 20) ok = false;
    if (ok && i - digitsStart > 1 && buf[digitsStart] === 48) ok = false;
    if (ok && neg && n === 0) ok = false;
    this.pos = i + 2; // skip \r\n (the byte after \r is not checked, as in Redis)
    if (!ok) return undefined;
    return neg ? -n : n;
  }

  /** An inline request (`SET a b\n`), split with Redis's sdssplitargs rules. */
  private readInline(): string[] | null {
    const buf = this.buf;
    const nl = buf.indexOf(LF, this.pos);
    if (nl < 0) {
      if (buf.length - this.pos > PROTO_INLINE_MAX_SIZE) throw new ProtocolError('too big inline request');
      return null;
    }
    let end = nl;
    if (end > this.pos && buf[end - 1] === CR) end--;
    const line = buf.toString('latin1', this.pos, end);
    this.pos = nl + 1;
    const args = splitArgs(line);
    if (args === null) throw new ProtocolError('unbalanced quotes in request');
    return args;
  }
}

function isHex(c: string): boolean {
  return /^[0-9a-fA-F]$/.test(c);
}

/**
 * Redis's sdssplitargs: words separated by spaces, "double quotes" with \n \r \t \b \a \\
 * \" and \xHH escapes, 'single quotes' with \' only. A closing quote must be followed by
 * a space or the end. Returns null for unbalanced quotes. Used for inline requests and
 * configuration files.
 */
export function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) return out;
    let inq = false;
    let insq = false;
    let done = false;
    let cur = '';
    while (!done) {
      const p = i < n ? line[i]! : '';
      if (inq) {
        if (p === '') return null;
        if (p === '\\' && line[i + 1] === 'x' && isHex(line[i + 2] ?? '') && isHex(line[i + 3] ?? '')) {
          cur += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (p === '\\' && i + 1 < n) {
          i++;
          const e = line[i]!;
          cur += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (p === '"') {
          if (i + 1 < n && !isSpace(line.charCodeAt(i + 1))) return null;
          done = true;
        } else {
          cur += p;
        }
      } else if (insq) {
        if (p === '') return null;
        if (p === '\\' && line[i + 1] === "'") {
          i++;
          cur += "'";
        } else if (p === "'") {
          if (i + 1 < n && !isSpace(line.charCodeAt(i + 1))) return null;
          done = true;
        } else {
          cur += p;
        }
      } else {
        if (p === '' || p === ' ' || p === '\n' || p === '\r' || p === '\t' || p === '\0') {
          done = true;
        } else if (p === '"') {
          inq = true;
        } else if (p === "'") {
          insq = true;
        } else {
          cur += p;
        }
      }
      if (i < n) i++;
    }
    out.push(cur);
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;
}
