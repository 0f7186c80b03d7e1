/**
 * A small asynchronous RESP2 client for the sentinel's links to data nodes and to other
 * sentinels. It rides on net/connect.ts so TLS applies to these links like every other
 * outgoing one.
 *
 * Replies are matched to requests in order. A link in pub/sub mode also delivers
 * `message` pushes to `onMessage`; subscribe confirmations answer the SUBSCRIBE request.
 */
import net from 'node:net';
import { connectTo } from '../net/connect.js';

/** An error reply (-ERR ...), kept apart from transport errors. */
export class ReplyError extends Error {}

export type RespValue = string | number | null | ReplyError | RespValue[];

interface Pending {
  resolve: (v: RespValue) => void;
  reject: (e: Error) => void;
}

/** Encode a command as a RESP multibulk request (arguments as UTF-8 text). */
export function encodeRequest(args: readonly (string | number)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.from(String(a));
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Parse one reply at pos; null when incomplete. */
function parseReply(buf: Buffer, pos: number): [RespValue, number] | null {
  if (pos >= buf.length) return null;
  const nl = buf.indexOf('\r\n', pos);
  if (nl < 0) return null;
  const type = buf[pos];
  const line = buf.toString('utf8', pos + 1, nl);
  const next = nl + 2;
  switch (type) {
    case 43: // +
      return [line, next];
    case 45: // -
      return [new ReplyError(line), next];
    case 58: // :
      return [Number(line), next];
    case 36: {
      // $
      const len = Number(line);
      if (len < 0) return [null, next];
      if (next + len + 2 > buf.length) return null;
      return [buf.toString('utf8', next, next + len), next + len + 2];
    }
    case 42: {
      // *
      const n = Number(line);
      if (n < 0) return [null, next];
      const out: RespValue[] = [];
      let p = next;
      for (let i = 0; i < n; i++) {
        const r = parseReply(buf, p);
        if (!r) return null;
        out.push(r[0]);
        p = r[1];
      }
      return [out, p];
    }
    default:
      throw new Error(`unexpected reply type byte ${type}`);
  }
}

export interface NodeClientOptions {
  host: string;
  port: number;
  tls?: boolean;
  connectTimeoutMs?: number;
  /** Local address to connect from (bind-source-addr); plain TCP links only for now. */
  localAddress?: string | null;
}

/**
 * A plain TCP link from a given local address. net/connect.ts has no source-address option
 * yet; TLS links go through it and let the OS choose the source.
 */
function connectFrom(host: string, port: number, localAddress: string, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port, localAddress }, () => {
      sock.setTimeout(0);
      resolve(sock);
    });
    sock.setNoDelay(true);
    sock.setTimeout(timeoutMs, () => {
      sock.destroy();
      reject(new Error(`connection to ${host}:${port} timed out`));
    });
    sock.once('error', (err) => {
      sock.destroy();
      reject(err);
    });
  });
}

export class NodeClient {
  private buf: Buffer = Buffer.alloc(0);
  private readonly pending: Pending[] = [];
  closed = false;
  /** Pub/sub message handler: (channel, payload). */
  onMessage: ((channel: string, payload: string) => void) | null = null;
  onClose: (() => void) | null = null;
  /** Called for every reply or push received (activity tracking). */
  onActivity: (() => void) | null = null;

  private constructor(private readonly sock: net.Socket) {
    sock.on('data', (chunk: Buffer) => this.onData(chunk));
    sock.on('error', () => this.close());
    sock.on('close', () => this.close());
  }

  static async connect(opts: NodeClientOptions): Promise<NodeClient> {
    const timeoutMs = opts.connectTimeoutMs ?? 1000;
    const sock =
      opts.localAddress && !opts.tls ? await connectFrom(opts.host, opts.port, opts.localAddress, timeoutMs) : await connectTo({ host: opts.host, port: opts.port, tls: opts.tls, timeoutMs });
    sock.removeAllListeners('error');
    return new NodeClient(sock);
  }

  get localAddress(): string {
    return (this.sock.localAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Send a command; resolves with its reply (an error reply resolves as ReplyError). */
  call(...args: (string | number)[]): Promise<RespValue> {
    if (this.closed) return Promise.reject(new Error('link closed'));
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.sock.write(encodeRequest(args));
    });
  }

  /** Send several commands in one write; resolves with their replies in order. */
  pipeline(cmds: (string | number)[][]): Promise<RespValue[]> {
    if (this.closed) return Promise.reject(new Error('link closed'));
    const ps = cmds.map(
      () =>
        new Promise<RespValue>((resolve, reject) => {
          this.pending.push({ resolve, reject });
        }),
    );
    this.sock.write(Buffer.concat(cmds.map((c) => encodeRequest(c))));
    return Promise.all(ps);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sock.destroy();
    const err = new Error('link closed');
    for (const p of this.pending.splice(0)) p.reject(err);
    this.onClose?.();
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let pos = 0;
    for (;;) {
      let r: [RespValue, number] | null;
      try {
        r = parseReply(this.buf, pos);
      } catch {
        this.close();
        return;
      }
      if (!r) break;
      pos = r[1];
      this.onActivity?.();
      const v = r[0];
      if (Array.isArray(v) && v[0] === 'message' && this.onMessage && v.length === 3) {
        this.onMessage(String(v[1]), String(v[2]));
        continue;
      }
      const p = this.pending.shift();
      p?.resolve(v);
    }
    this.buf = pos >= this.buf.length ? Buffer.alloc(0) : this.buf.subarray(pos);
  }
}
