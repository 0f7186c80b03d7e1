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

/** The store did not answer in time (failing over, unreachable). */
export class StoreUnavailableError extends Error {}

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
    // A command whose connection dropped before its reply is not sent again to the new
    // primary: a transaction's EXEC must never run without the WATCH that guarded it.
    autoResendUnfulfilledCommands: false,
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

  /**
   * Run `fn` with a connection of its own (WATCH state is per connection), for at most
   * `timeoutMs`. A transaction that does not finish in time (its connection died in the
   * middle of a failover: some ioredis pipelines never settle then) costs its connection:
   * it is disconnected, so nothing of that transaction can run later, and a fresh one takes
   * its place in the pool.
   */
  async withConnection<T>(fn: (c: Redis) => Promise<T>, timeoutMs: number): Promise<T> {
    const c = this.idle.pop() ?? (await new Promise<Redis>((r) => this.waiters.push(r)));
    let timer: NodeJS.Timeout | undefined;
    let release: Redis = c;
    try {
      return await Promise.race([
        fn(c),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            c.disconnect();
            const i = this.all.indexOf(c);
            if (i >= 0) this.all.splice(i, 1);
            release = this.open('tx');
            reject(new StoreUnavailableError(`the store did not complete a transaction within ${timeoutMs} ms`));
          }, timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      const next = this.waiters.shift();
      if (next) next(release);
      else this.idle.push(release);
    }
  }

  async close(): Promise<void> {
    // QUIT only where the store answers; a connection waiting to reconnect is just dropped.
    await Promise.all(this.all.map((c) => (c.status === 'ready' ? c.quit().catch(() => c.disconnect()) : c.disconnect())));
  }
}
