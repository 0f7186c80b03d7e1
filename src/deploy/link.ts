/**
 * Short-lived RESP links for the operator commands (`dssm up`, `status`, `failover`):
 * one-shot calls with a deadline over the sentinel's RESP client (src/sentinel/client.ts),
 * which rides on net/connect.ts, so TLS links use the client certificate installed here.
 */
import { readFileSync } from 'node:fs';
import { setTlsClientOptionsProvider } from '../net/connect.js';
import { NodeClient, ReplyError, type RespValue } from '../sentinel/client.js';

export { ReplyError, type RespValue };

export interface Addr {
  host: string;
  port: number;
}

export interface TlsFiles {
  /** CA bundle that signed the servers' certificates. */
  ca: string;
  /** Client certificate and key (for tls-auth-clients yes). */
  cert?: string;
  key?: string;
}

/** How to reach the deployment: plain TCP, or TLS with these files. */
export interface LinkOptions {
  tls: TlsFiles | null;
  timeoutMs?: number;
}

/** Install the client-side TLS material for every outgoing TLS link of this process. */
export function useClientTls(files: TlsFiles): void {
  const ca = readFileSync(files.ca);
  const cert = files.cert ? readFileSync(files.cert) : undefined;
  const key = files.key ? readFileSync(files.key) : undefined;
  setTlsClientOptionsProvider(() => ({ ca, cert, key }));
}

export function addrText(a: Addr): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** Parse "host:port", "[v6]:port" or "port" (host 127.0.0.1). */
export function parseAddr(s: string, defaultPort: number): Addr {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : defaultPort };
  if (/^\d+$/.test(s)) return { host: '127.0.0.1', port: Number(s) };
  const i = s.lastIndexOf(':');
  if (i < 0) return { host: s, port: defaultPort };
  const port = Number(s.slice(i + 1));
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`bad address '${s}' (host:port)`);
  return { host: s.slice(0, i), port };
}

export function sameAddr(a: Addr | null | undefined, b: Addr | null | undefined): boolean {
  if (!a || !b) return false;
  const norm = (h: string) => (h === 'localhost' || h === '::1' || h === '::ffff:127.0.0.1' ? '127.0.0.1' : h);
  return a.port === b.port && norm(a.host) === norm(b.host);
}

function withDeadline<T>(p: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      onTimeout?.();
      reject(new Error(`${what}: timed out after ${ms} ms`));
    }, ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** Open a link, run fn, close. Rejects on transport errors and on the deadline. */
export async function withLink<T>(addr: Addr, opts: LinkOptions, fn: (c: NodeClient) => Promise<T>): Promise<T> {
  const ms = opts.timeoutMs ?? 2000;
  const c = await NodeClient.connect({ host: addr.host, port: addr.port, tls: opts.tls !== null, connectTimeoutMs: ms });
  try {
    return await withDeadline(fn(c), ms, addrText(addr), () => c.close());
  } finally {
    c.close();
  }
}

/** One command on a fresh link; an error reply is thrown as ReplyError. */
export async function call(addr: Addr, opts: LinkOptions, ...args: (string | number)[]): Promise<RespValue> {
  const r = await withLink(addr, opts, (c) => c.call(...args));
  if (r instanceof ReplyError) throw r;
  return r;
}

/** A flat [k1, v1, k2, v2, ...] reply as a map. */
export function fieldMap(v: RespValue): Map<string, string> {
  const m = new Map<string, string>();
  if (!Array.isArray(v)) return m;
  for (let i = 0; i + 1 < v.length; i += 2) m.set(String(v[i]), String(v[i + 1]));
  return m;
}

/** INFO text as a map of fields. */
export function infoMap(text: RespValue): Map<string, string> {
  const m = new Map<string, string>();
  if (typeof text !== 'string') return m;
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

/** "ip=127.0.0.1,port=6380,state=online,offset=42,lag=0" as a map. */
export function commaFields(s: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of s.split(',')) {
    const i = part.indexOf('=');
    if (i > 0) m.set(part.slice(0, i), part.slice(i + 1));
  }
  return m;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
