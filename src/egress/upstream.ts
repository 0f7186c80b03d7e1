/**
 * The upstream resolvers (nameServerList), tried in order with failover: a server that
 * times out or errors is skipped for a while (unless all are), and a UDP answer with TC set
 * is fetched again over TCP from the same server (RFC 7766).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import { FLAG_TC } from './dns-codec.js';
import type { EgressMetrics } from './metrics.js';
import { log } from '../observe/events.js';

interface Pending {
  resolve(b: Buffer): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
  host: string;
  port: number;
}

const DOWN_MS = 10_000;

export class Upstreams {
  private readonly sockets = new Map<4 | 6, dgram.Socket>();
  private readonly pending = new Map<number, Pending>();
  private readonly downUntil: number[];

  constructor(
    private readonly servers: { host: string; port: number }[],
    private readonly timeoutMs: number,
    private readonly metrics: EgressMetrics,
  ) {
    this.downUntil = servers.map(() => 0);
  }

  private socket(family: 4 | 6): dgram.Socket {
    let s = this.sockets.get(family);
    if (!s) {
      s = dgram.createSocket(family === 4 ? 'udp4' : 'udp6');
      s.on('message', (msg, rinfo) => {
        if (msg.length < 12) return;
        const p = this.pending.get(msg.readUInt16BE(0));
        // Only the server asked may answer (a spoofed answer from elsewhere is ignored).
        if (!p || p.port !== rinfo.port || !sameAddress(p.host, rinfo.address)) return;
        this.pending.delete(msg.readUInt16BE(0));
        clearTimeout(p.timer);
        p.resolve(msg);
      });
      s.on('error', (err) => log('warn', 'egress upstream socket error', { error: err.message }));
      s.bind(0);
      s.unref();
      this.sockets.set(family, s);
    }
    return s;
  }

  private freeId(): number {
    for (;;) {
      const id = randomInt(65536);
      if (!this.pending.has(id)) return id;
    }
  }

  private udp(server: { host: string; port: number }, query: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const id = this.freeId();
      const q = Buffer.from(query);
      q.writeUInt16BE(id, 0);
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`upstream ${server.host}:${server.port} timed out`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer, host: server.host, port: server.port });
      this.socket(net.isIPv6(server.host) ? 6 : 4).send(q, server.port, server.host, (err) => {
        if (err) {
          this.pending.delete(id);
          clearTimeout(timer);
          reject(err);
        }
      });
    });
  }

  /** One query over TCP (a connection per query: TCP is the rare, truncated case). */
  tcp(server: { host: string; port: number }, query: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: server.host, port: server.port });
      let buf = Buffer.alloc(0);
      const done = (err: Error | null, b?: Buffer) => {
        sock.destroy();
        if (err) reject(err);
        else resolve(b!);
      };
      sock.setTimeout(this.timeoutMs, () => done(new Error(`upstream ${server.host}:${server.port} (TCP) timed out`)));
      sock.on('error', (e) => done(e));
      sock.on('connect', () => {
        const len = Buffer.alloc(2);
        len.writeUInt16BE(query.length);
        sock.write(Buffer.concat([len, query]));
      });
      sock.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) done(null, buf.subarray(2, 2 + buf.readUInt16BE(0)));
      });
      sock.on('end', () => done(new Error('upstream closed the TCP connection')));
    });
  }

  /** Ask the upstreams in order; the answer keeps the ID of `query`. */
  async query(query: Buffer, overTcp = false): Promise<Buffer> {
    const now = Date.now();
    const order = this.servers.map((_, i) => i);
    const up = order.filter((i) => this.downUntil[i]! <= now);
    const tryOrder = up.length ? [...up, ...order.filter((i) => !up.includes(i))] : order;
    let last: Error | null = null;
    for (const i of tryOrder) {
      const server = this.servers[i]!;
      try {
        let answer = overTcp ? await this.tcp(server, query) : await this.udp(server, query);
        if (!overTcp && answer.length >= 4 && answer.readUInt16BE(2) & FLAG_TC) answer = await this.tcp(server, query);
        const out = Buffer.from(answer);
        query.copy(out, 0, 0, 2);
        this.downUntil[i] = 0;
        return out;
      } catch (e) {
        last = e as Error;
        this.metrics.upstreamFailures.inc();
        this.downUntil[i] = Date.now() + DOWN_MS;
        log('warn', 'egress upstream failed', { upstream: `${server.host}:${server.port}`, error: last.message });
      }
    }
    throw last ?? new Error('no upstream');
  }

  close(): void {
    for (const s of this.sockets.values()) s.close();
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error('closed'));
    }
    this.pending.clear();
  }
}

function sameAddress(a: string, b: string): boolean {
  if (a === b) return true;
  if (net.isIPv6(a) && net.isIPv6(b)) return new URL(`http://[${a}]/`).hostname === new URL(`http://[${b}]/`).hostname;
  return a === 'localhost';
}
