/**
 * The gateway's connections to the dssm store. The gateway is an ordinary Redis-protocol
 * client: ioredis finds the primary through the sentinels (SENTINEL get-master-addr-by-name,
 * then ROLE to confirm) and reconnects to the new primary after a failover, so it is a
 * runtime dependency of `dssm egress` only (the data node never loads it).
 *
 * Allocation uses WATCH/MULTI/EXEC, whose state belongs to one connection, so allocations
 * run on a small pool of dedicated connections, one transaction at a time on each; plain
 * reads and lease renewals share the main connection (pipelined by ioredis).
 */
import { readFileSync } from 'node:fs';
import { Redis, type RedisOptions } from 'ioredis';
import type { EgressConfig } from './config.js';
import { log } from '../observe/events.js';

export type StoreConnection = Redis;

export function storeOptions(store: EgressConfig['store']): RedisOptions {
  const tls = store.tls
    ? {
        ca: readFileSync(store.tls.ca),
        cert: store.tls.cert ? readFileSync(store.tls.cert) : undefined,
        key: store.tls.key ? readFileSync(store.tls.key) : undefined,
      }
    : undefined;
  const common: RedisOptions = {
    lazyConnect: false,
    // Commands wait (queued) while the store fails over; callers bound the wait themselves.
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    retryStrategy: (n) => Math.min(50 * n, 500),
    password: store.password,
  };
  if (store.sentinelList.length > 0) {
    return {
      ...common,
      sentinels: store.sentinelList,
      name: store.master,
      tls,
      sentinelTLS: tls,
      enableTLSForSentinelMode: tls !== undefined,
      sentinelRetryStrategy: (n) => Math.min(100 * n, 1000),
      // After a failover, a connection whose server turned replica reconnects to the primary.
      reconnectOnError: (err) => err.message.startsWith('READONLY'),
    };
  }
  const u = new URL(store.url!);
  return {
    ...common,
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: Number(u.port || 6379),
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === 'rediss:' ? (tls ?? {}) : undefined,
    reconnectOnError: (err) => err.message.startsWith('READONLY'),
  };
}

/** The main connection plus a pool for transactions. */
export class StorePool {
  readonly main: Redis;
  private readonly idle: Redis[] = [];
  private readonly all: Redis[] = [];
  private readonly waiters: ((c: Redis) => void)[] = [];

  constructor(
    private readonly options: RedisOptions,
    size = 4,
  ) {
    this.main = this.open('main');
    for (let i = 0; i < size; i++) this.idle.push(this.open(`tx${i}`));
  }

  private open(role: string): Redis {
    const c = new Redis({ ...this.options, connectionName: `dssm-egress-${role}` });
    c.on('error', (err: Error) => log('warn', 'egress store connection error', { role, error: err.message }));
    c.on('+switch-master', () => log('info', 'egress store primary changed', { role }));
    this.all.push(c);
    return c;
  }

  /** Run `fn` with a connection of its own (WATCH state is per connection). */
  async withConnection<T>(fn: (c: Redis) => Promise<T>): Promise<T> {
    const c = this.idle.pop() ?? (await new Promise<Redis>((r) => this.waiters.push(r)));
    try {
      return await fn(c);
    } finally {
      // A transaction abandoned half way (timeout, failover) must not leave WATCH behind.
      const next = this.waiters.shift();
      if (next) next(c);
      else this.idle.push(c);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((c) => c.quit().catch(() => c.disconnect())));
  }
}
