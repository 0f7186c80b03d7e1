/**
 * A test-side RESP client over a raw socket: sends exact bytes or commands, and parses
 * replies into typed values so that tests can compare what dssm and redis-server answer
 * (a bulk "1" and an integer 1 are different answers).
 */
import net from 'node:net';

export type Reply =
  | { t: 'simple'; v: string }
  | { t: 'error'; v: string }
  | { t: 'int'; v: string }
  | { t: 'bulk'; v: string | null }
  | { t: 'array'; v: Reply[] | null }
  | { t: 'map'; v: [Reply, Reply][] }
  | { t: 'set'; v: Reply[] }
  | { t: 'push'; v: Reply[] }
  | { t: 'double'; v: string }
  | { t: 'bool'; v: boolean }
  | { t: 'null' }
  | { t: 'verbatim'; v: string }
  | { t: 'big'; v: string };

/** Parse one reply at pos; returns [reply, nextPos] or null if incomplete. */
export function parseReply(buf: Buffer, pos: number): [Reply, number] | null {
  if (pos >= buf.length) return null;
  const nl = buf.indexOf('\r\n', pos);
  if (nl < 0) return null;
  const type = String.fromCharCode(buf[pos]!);
  const line = buf.toString('latin1', pos + 1, nl);
  const next = nl + 2;
  const aggregate = (n: number, start: number): [Reply[], number] | null => {
    const items: Reply[] = [];
    let p = start;
    for (let i = 0; i < n; i++) {
      const r = parseReply(buf, p);
      if (!r) return null;
      items.push(r[0]);
      p = r[1];
    }
    return [items, p];
  };
  switch (type) {
    case '+':
      return [{ t: 'simple', v: line }, next];
    case '-':
      return [{ t: 'error', v: line }, next];
    case ':':
      return [{ t: 'int', v: line }, next];
    case ',':
      return [{ t: 'double', v: line }, next];
    case '#':
      return [{ t: 'bool', v: line === 't' }, next];
    case '_':
      return [{ t: 'null' }, next];
    case '(':
      return [{ t: 'big', v: line }, next];
    case '$':
    case '=': {
      const n = Number(line);
      if (n < 0) return [{ t: 'bulk', v: null }, next];
      if (buf.length < next + n + 2) return null;
      const v = buf.toString('latin1', next, next + n);
      return [type === '$' ? { t: 'bulk', v } : { t: 'verbatim', v }, next + n + 2];
    }
    case '*':
    case '~':
    case '>': {
      const n = Number(line);
      if (n < 0) return [{ t: 'array', v: null }, next];
      const r = aggregate(n, next);
      if (!r) return null;
      return [type === '*' ? { t: 'array', v: r[0] } : type === '~' ? { t: 'set', v: r[0] } : { t: 'push', v: r[0] }, r[1]];
    }
    case '%': {
      const n = Number(line);
      const r = aggregate(n * 2, next);
      if (!r) return null;
      const pairs: [Reply, Reply][] = [];
      for (let i = 0; i < r[0].length; i += 2) pairs.push([r[0][i]!, r[0][i + 1]!]);
      return [{ t: 'map', v: pairs }, r[1]];
    }
    default:
      throw new Error(`bad reply type byte ${JSON.stringify(type)} in ${JSON.stringify(buf.toString('latin1', pos, pos + 40))}`);
  }
}

export function encodeCommand(args: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** A minimal client: one connection, replies matched in order. */
export class RawClient {
  private buf = Buffer.alloc(0);
  private waiters: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  private closedWaiters: (() => void)[] = [];
  closed = false;
  /** Replies nobody waited for (pub/sub pushes). */
  readonly unsolicited: Reply[] = [];

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.drain();
    });
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiters) w.reject(new Error('connection closed'));
      this.waiters = [];
      for (const f of this.closedWaiters) f();
    });
    socket.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host }, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  private drain(): void {
    for (;;) {
      const r = parseReply(this.buf, 0);
      if (!r) return;
      this.buf = this.buf.subarray(r[1]);
      const w = this.waiters.shift();
      if (w) w.resolve(r[0]);
      else this.unsolicited.push(r[0]);
    }
  }

  /** Bytes received and not yet parsed as a reply. */
  get pendingBytes(): Buffer {
    return this.buf;
  }

  /** Next reply (already received or to come). */
  read(timeoutMs = 5000): Promise<Reply> {
    const u = this.unsolicited.shift();
    if (u) return Promise.resolve(u);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timed out waiting for a reply')), timeoutMs);
      this.waiters.push({
        resolve: (r) => {
          clearTimeout(t);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(t);
          reject(e);
        },
      });
    });
  }

  writeRaw(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Send a command and wait for its reply. */
  call(...args: (string | number | Buffer)[]): Promise<Reply> {
    const p = this.read();
    this.socket.write(encodeCommand(args.map((a) => (typeof a === 'number' ? String(a) : a))));
    return p;
  }

  /** Send raw bytes and collect everything the server sends until it is quiet or closes. */
  async rawExchange(data: string | Buffer, quietMs = 150): Promise<Buffer> {
    const chunks: Buffer[] = [];
    this.socket.removeAllListeners('data');
    this.socket.on('data', (d) => chunks.push(d));
    this.writeRaw(data);
    let last = -1;
    while (!this.closed) {
      await new Promise((r) => setTimeout(r, quietMs));
      const size = chunks.reduce((n, c) => n + c.length, 0);
      if (size === last) break;
      last = size;
    }
    return Buffer.concat(chunks);
  }

  waitClosed(timeoutMs = 2000): Promise<boolean> {
    if (this.closed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.closedWaiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Plain JS form of a reply, for readable assertions: errors as {error}, ints as numbers. */
export function plain(r: Reply): unknown {
  switch (r.t) {
    case 'simple':
    case 'bulk':
    case 'double':
    case 'verbatim':
    case 'big':
      return r.v;
    case 'error':
      return { error: r.v };
    case 'int':
      return Number(r.v);
    case 'bool':
      return r.v;
    case 'null':
      return null;
    case 'array':
      return r.v === null ? null : r.v.map(plain);
    case 'set':
    case 'push':
      return r.v.map(plain);
    case 'map':
      return r.v.map(([k, v]) => [plain(k), plain(v)]);
  }
}
