/**
 * maxmemory, wired into a data node: used_memory as dssm counts it, the eviction run
 * before commands and in the cron, the OOM refusal (processCommand in Redis 7.0's
 * server.c), and the configuration that drives them. The choice of keys is
 * keyspace/evict.ts; the byte estimate and access stamps are keyspace/memory.ts.
 *
 * used_memory = used_memory_startup (V8's heap when the node was built, before any data)
 *             + the dataset estimate (keys, values, TTLs, access stamps)
 *             + client buffers (each connection's query and output buffer)
 *             + the replication backlog.
 * As freeMemoryGetNotCountedMemory, replicas' output buffers (and the AOF buffer, which
 * dssm writes out every event-loop turn) are not counted against maxmemory: the DELs
 * that evictions propagate would otherwise feed more evictions.
 */
import type { NodeHost } from './host.js';
import type { Database } from '../keyspace/keyspace.js';
import { accessModeOf, Evictor, EvictResult, type MaxmemoryPolicy } from '../keyspace/evict.js';
import { Err } from '../errors.js';
import { channels, log } from '../observe/events.js';
import { F } from './spec.js';

/** What INFO memory and MEMORY STATS show, in bytes. */
export interface MemoryUsage {
  used: number;
  startup: number;
  dataset: number;
  clientsNormal: number;
  clientsReplicas: number;
  backlog: number;
  aofBuffer: number;
  /** Not counted against maxmemory (replicas' output buffers, AOF buffer). */
  notCounted: number;
}

/** What other parts reach through `node.ext.memory`. */
export interface MemoryApi {
  usage(): MemoryUsage;
  readonly evictor: Evictor;
}

declare module './context.js' {
  interface ServerExtensions {
    memory?: MemoryApi;
  }
}

/** Commands that still run under OOM inside MULTI (Redis lets these through). */
const MULTI_ALLOWED = new Set(['exec', 'discard', 'quit', 'reset']);

export function installMaxmemory(node: NodeHost): void {
  const ks = node.keyspace;
  const config = node.config;
  const startup = process.memoryUsage().heapUsed;
  let maxmemory = 0;
  let policy: MaxmemoryPolicy = 'noeviction';
  let samples = 5;
  let tenacity = 10;
  let ignoreOnReplica = true;

  // Client buffers are summed over every connection: at most once per millisecond of the
  // command clock, so a busy server pays it once per ms rather than once per command.
  let clientsAt = -1;
  let clientsNormal = 0;
  let clientsReplicas = 0;
  const sumClients = () => {
    if (clientsAt === node.clock.now) return;
    clientsAt = node.clock.now;
    let normal = 0;
    let replicas = 0;
    for (const s of node.sessions.values()) {
      const b = s.queryBufferBytes() + s.outputBufferBytes();
      if (s.flags.replica) replicas += b;
      else normal += b;
    }
    clientsNormal = normal;
    clientsReplicas = replicas;
  };
  const backlogBytes = () => {
    const repl = node.ext.replication;
    return repl?.hasBacklog ? repl.backlogSize() : 0;
  };
  const countedMemory = () => {
    sumClients();
    return startup + ks.memoryBytes() + clientsNormal + backlogBytes();
  };

  const evictor = new Evictor(ks, {
    maxmemory: () => maxmemory,
    policy: () => policy,
    samples: () => samples,
    tenacity: () => tenacity,
    countedMemory,
    mayEvict: () => !node.loading && !(ignoreOnReplica && node.ext.replication?.isReplica === true),
    evicted: (db: Database, key: string) => {
      node.stats.evictedKeys++;
      node.notify('evicted', 'evicted', key, db.id);
      node.dispatch.propagateNow(db.id, ['DEL', key]);
      if (channels.evicted.hasSubscribers) channels.evicted.publish({ db: db.id, key });
    },
  });

  config.watch('maxmemory-policy', (v) => {
    policy = v as MaxmemoryPolicy;
    ks.setAccessMode(accessModeOf(v));
    evictor.resetPool();
  });
  config.watch('maxmemory-samples', (v) => (samples = Number(v)));
  config.watch('maxmemory-eviction-tenacity', (v) => (tenacity = Number(v)));
  config.watch('replica-ignore-maxmemory', (v) => (ignoreOnReplica = v === 'yes'));
  config.watch('lfu-log-factor', (v) => (ks.access.lfuLogFactor = Number(v)));
  config.watch('lfu-decay-time', (v) => (ks.access.lfuDecayTime = Number(v)));
  config.watch('maxmemory', (v) => {
    const before = maxmemory;
    maxmemory = Number(v);
    // CONFIG SET to a lower limit takes effect at once (updateMaxmemory).
    if (maxmemory !== 0 && (before === 0 || maxmemory < before)) {
      const used = countedMemory();
      if (used > maxmemory) {
        log(
          'warn',
          `WARNING: the new maxmemory value set via CONFIG SET (${maxmemory}) is smaller than the current memory usage (${used}). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.`,
          {},
        );
        evictor.perform();
      }
    }
  });

  // Before every command (processCommand): evict if over; refuse what would add memory
  // when nothing could be freed. Internal clients (AOF replay, the primary's stream) are
  // never refused: a replica ignores maxmemory and a loading node does not evict.
  node.dispatch.hooks.guards.push((c, spec) => {
    if (maxmemory === 0 || c.id < 0) return null;
    if (evictor.perform() !== EvictResult.Fail) return null;
    if (spec.bits & F.denyoom) return Err.OOM;
    const name = spec.parent?.name ?? spec.name;
    if (c.flags.multi && !MULTI_ALLOWED.has(name)) return Err.OOM;
    if (name === 'exec') for (const q of c.multiQueue) if (q.spec.bits & F.denyoom) return Err.OOM;
    return null;
  });
  node.cronTasks.push(() => {
    if (maxmemory !== 0) evictor.perform();
  });
  node.shutdownHooks.push(() => evictor.stop());

  node.ext.memory = {
    evictor,
    usage: () => {
      sumClients();
      const dataset = ks.memoryBytes();
      const backlog = backlogBytes();
      const used = startup + dataset + clientsNormal + clientsReplicas + backlog;
      return { used, startup, dataset, clientsNormal, clientsReplicas, backlog, aofBuffer: 0, notCounted: clientsReplicas };
    },
  };
}
