/**
 * The replication backlog: the last repl-backlog-size bytes of the replication stream in a
 * circular buffer, so that a replica that reconnects can continue from its offset
 * (PSYNC +CONTINUE) instead of loading a full snapshot.
 *
 * Offsets are Redis's: the stream's first byte has offset 1; `end` (master_repl_offset)
 * is the offset of the last byte produced.
 */
export class Backlog {
  private buf: Buffer;
  /** Write position in buf. */
  private pos = 0;
  /** Bytes of history held (≤ size). */
  histlen = 0;

  constructor(readonly size: number) {
    this.buf = Buffer.allocUnsafe(Math.max(16 * 1024, size));
  }

  get capacity(): number {
    return this.buf.length;
  }

  append(b: Buffer): void {
    const cap = this.buf.length;
    let src = b;
    if (src.length >= cap) src = src.subarray(src.length - cap);
    const first = Math.min(src.length, cap - this.pos);
    src.copy(this.buf, this.pos, 0, first);
    if (first < src.length) src.copy(this.buf, 0, first);
    this.pos = (this.pos + src.length) % cap;
    this.histlen = Math.min(cap, this.histlen + b.length);
  }

  /** First offset held, given the offset of the last byte produced. */
  firstOffset(end: number): number {
    return end - this.histlen + 1;
  }

  /** The bytes from offset `from` (inclusive) to `end`, or null if not all held. */
  since(from: number, end: number): Buffer | null {
    const n = end - from + 1;
    if (n < 0 || n > this.histlen) return null;
    if (n === 0) return Buffer.alloc(0);
    const cap = this.buf.length;
    const start = (this.pos - n + cap) % cap;
    if (start + n <= cap) return Buffer.from(this.buf.subarray(start, start + n));
    return Buffer.concat([this.buf.subarray(start), this.buf.subarray(0, n - (cap - start))]);
  }

  /** Resize (CONFIG SET repl-backlog-size): keeps the most recent history that fits. */
  resized(size: number, end: number): Backlog {
    const b = new Backlog(size);
    const keep = Math.min(this.histlen, b.capacity);
    const data = this.since(end - keep + 1, end);
    if (data) b.append(data);
    return b;
  }
}
