/**
 * Parsing the replication stream on a replica: whole RESP commands out of the bytes the
 * primary sends, each with its exact byte length, so that the replica's offset follows the
 * primary's byte for byte and sub-replicas receive the very same bytes.
 */
export class StreamParser {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;

  feed(chunk: Buffer): void {
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
      this.pos = 0;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
      this.pos = 0;
    }
  }

  get buffered(): number {
    return this.buf.length - this.pos;
  }

  /**
   * The next complete command: its argv (latin1 strings) and its raw bytes. Null when more
   * bytes are needed. Throws on bytes that are not a RESP command.
   */
  next(): { argv: string[]; raw: Buffer } | null {
    const buf = this.buf;
    const start = this.pos;
    if (start >= buf.length) return null;
    const c0 = buf[start]!;
    if (c0 === 0x0a || c0 === 0x0d) {
      // Stray newlines (keepalives) carry no command; they still count as stream bytes.
      let p = start;
      while (p < buf.length && (buf[p] === 0x0a || buf[p] === 0x0d)) p++;
      this.pos = p;
      return { argv: [], raw: buf.subarray(start, p) };
    }
    if (c0 !== 0x2a /* '*' */) {
      // Inline command (rare in a primary's stream).
      const nl = buf.indexOf(0x0a, start);
      if (nl < 0) return null;
      const line = buf.toString('latin1', start, nl).replace(/\r$/, '');
      this.pos = nl + 1;
      return { argv: line.split(' ').filter(Boolean), raw: buf.subarray(start, nl + 1) };
    }
    let p = start + 1;
    const [n, afterN] = readInt(buf, p);
    if (afterN < 0) return null;
    p = afterN;
    const argv: string[] = new Array(Math.max(0, n));
    for (let i = 0; i < n; i++) {
      if (p >= buf.length) return null;
      if (buf[p] !== 0x24 /* '$' */) throw new Error(`expected '$', got '${String.fromCharCode(buf[p]!)}'`);
      const [len, afterLen] = readInt(buf, p + 1);
      if (afterLen < 0) return null;
      if (afterLen + len + 2 > buf.length) return null;
      argv[i] = buf.toString('latin1', afterLen, afterLen + len);
      p = afterLen + len + 2;
    }
    this.pos = p;
    return { argv, raw: buf.subarray(start, p) };
  }
}

/** Read a decimal integer terminated by CRLF at p; returns [value, position after CRLF] or [0, -1]. */
function readInt(buf: Buffer, p: number): [number, number] {
  let v = 0;
  let neg = false;
  if (buf[p] === 0x2d) {
    neg = true;
    p++;
  }
  for (;;) {
    if (p >= buf.length) return [0, -1];
    const c = buf[p]!;
    if (c === 0x0d) {
      if (p + 1 >= buf.length) return [0, -1];
      return [neg ? -v : v, p + 2];
    }
    if (c < 0x30 || c > 0x39) throw new Error('invalid length in replication stream');
    v = v * 10 + (c - 0x30);
    p++;
  }
}
