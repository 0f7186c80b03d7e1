/**
 * The nemesis's clients: several ioredis clients in sentinel mode (as a proxy would run
 * them), each issuing one operation at a time (SET of a unique key, INCR of its own
 * counter, RPUSH of a unique element to a shared list) and recording whether each was
 * acknowledged. No client retries a command by itself (maxRetriesPerRequest 0, no offline
 * queue), so every operation in the history was sent at most once.
 */
import { Redis } from 'ioredis';
import type { FinalState, Op, OpKind } from './checker.js';
import { MASTER, SENTINEL_PORT, sleep, type Cluster } from './cluster.js';

export interface WorkloadResult {
  ops: Op[];
  /** The longest time no client got an acknowledgement (ms). */
  longestGapMs: number;
}

function sentinelClient(cluster: Cluster, commandTimeout = 1500): Redis {
  const r = new Redis({
    sentinels: cluster.sentinels.map((s) => ({ host: s.ip, port: SENTINEL_PORT })),
    name: MASTER,
    connectTimeout: 1000,
    commandTimeout,
    sentinelCommandTimeout: 500,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => 100,
    sentinelRetryStrategy: () => 100,
    // A READONLY reply means the node was demoted: reconnect through the sentinels (without
    // resending the command: every operation is sent at most once).
    reconnectOnError: (err: Error) => err.message.startsWith('READONLY'),
  });
  r.on('error', () => {});
  return r;
}

export class Workload {
  private stopped = false;
  private readonly ops: Op[] = [];
  private readonly loops: Promise<void>[] = [];
  private readonly clients: Redis[] = [];
  private readonly t0 = Date.now();
  private lastAck = Date.now();
  private longestGap = 0;

  constructor(
    private readonly cluster: Cluster,
    private readonly nClients: number,
    private readonly rand: () => number,
  ) {}

  start(): void {
    for (let c = 0; c < this.nClients; c++) {
      const r = sentinelClient(this.cluster);
      this.clients.push(r);
      this.loops.push(this.loop(c, r));
    }
  }

  private async loop(client: number, r: Redis): Promise<void> {
    let n = 0;
    while (!this.stopped) {
      if (r.status !== 'ready') {
        await sleep(20);
        continue;
      }
      const x = this.rand();
      const kind: OpKind = x < 0.5 ? 'set' : x < 0.75 ? 'incr' : 'rpush';
      n++;
      const op: Op = { client, kind, key: '', value: '', ok: false, at: 0 };
      if (kind === 'set') {
        op.key = `w:${client}:${n}`;
        op.value = `v${client}.${n}`;
      } else if (kind === 'incr') {
        op.key = `ctr:${client}`;
      } else {
        op.key = 'lst';
        op.value = `${client}:${n}`;
      }
      try {
        if (kind === 'set') await r.set(op.key, op.value);
        else if (kind === 'incr') await r.incr(op.key);
        else await r.rpush(op.key, op.value);
        op.ok = true;
      } catch {
        op.ok = false;
      }
      const now = Date.now();
      op.at = now - this.t0;
      if (op.ok) {
        this.longestGap = Math.max(this.longestGap, now - this.lastAck);
        this.lastAck = now;
      }
      this.ops.push(op);
      await sleep(2);
    }
  }

  async stop(): Promise<WorkloadResult> {
    this.stopped = true;
    await Promise.all(this.loops);
    for (const r of this.clients) r.disconnect();
    return { ops: this.ops, longestGapMs: this.longestGap };
  }
}

/** Read everything the workload writes from the settled primary. */
export async function readFinal(cluster: Cluster, nClients: number): Promise<FinalState> {
  const primary = await cluster.settle();
  const r = new Redis({ host: primary.ip, port: primary.port, maxRetriesPerRequest: 3 });
  r.on('error', () => {});
  try {
    const strings = new Map<string, string>();
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', 'w:*', 'COUNT', 1000);
      cursor = next;
      if (keys.length) {
        const values = await r.mget(...keys);
        keys.forEach((k, i) => strings.set(k, values[i]!));
      }
    } while (cursor !== '0');
    const counters = new Map<number, number>();
    for (let c = 0; c < nClients; c++) {
      const v = await r.get(`ctr:${c}`);
      if (v !== null) counters.set(c, Number(v));
    }
    const list = await r.lrange('lst', 0, -1);
    return { strings, counters, list };
  } finally {
    r.disconnect();
  }
}
