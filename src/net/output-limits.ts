/**
 * client-output-buffer-limit, enforced as Redis 7.0 does (networking.c
 * checkClientOutputBufferLimits and closeClientOnOutputBufferLimitReached, server.c
 * clientsCron), plus the cap on unauthenticated clients of Debian's 7.0.15 (the
 * CVE-2025-21605 fix).
 *
 * - Three classes: normal (masters count as normal), replica and pubsub, each with a hard
 *   limit (reached: closed at once) and a soft limit with seconds (closed once the output
 *   has stayed at or above it for more than that many whole seconds, counted in unix
 *   seconds as Redis's obuf_soft_limit_reached_time is).
 * - A replica's hard limit is never below repl-backlog-size (Redis ignores a smaller one:
 *   a partial sync would succeed and then drop the replica at once).
 * - An unauthenticated client is closed once its unsent output passes 16 KB: redis-server
 *   7.0.15-1~deb12u4 and later close such a client as soon as its replies overflow the
 *   16 KB reply buffer (measured: a burst of 481 NOAUTH replies, 16354 bytes, is answered;
 *   482, 16388 bytes, closes the connection with nothing sent).
 * - The check runs when replies are queued (after each command, on each pub/sub message,
 *   after each replication stream write) and for every client in the cron, so that a soft
 *   limit is noticed while a client produces nothing. A client over a limit is closed with
 *   its pending output dropped and Redis's log line.
 *
 * What "output" is: the reply bytes not yet taken by the kernel, i.e. the session's reply
 * buffer plus what the socket queues in JS memory (socket.writableLength). For a replica,
 * the replication stream bytes it has not taken (replication/manager.ts), not the RDB
 * payload, as Redis counts its shared replication buffer and not the RDB transfer.
 *
 * INFO stats of Redis 7.0 has no counter for these disconnections (it came in 7.2); the
 * count is exported on /metrics (dssm_client_output_buffer_limit_disconnections_total).
 */
import { clientInfoLine } from '../commands/client.js';
import type { Client } from '../commands/context.js';
import type { NodeHost } from '../commands/host.js';
import { log } from '../observe/events.js';

export type LimitClass = 'normal' | 'replica' | 'pubsub';

export interface ClassLimit {
  hard: number;
  soft: number;
  softSeconds: number;
}

/** Unsent output an unauthenticated client may have: Redis's 16 KB reply buffer. */
export const UNAUTHENTICATED_OUTPUT_LIMIT = 16 * 1024;

/**
 * Output at which a session stops running the requests it has buffered until the socket
 * drains (backpressure), when its class has no limit that closes it first. See session.ts.
 */
export const BACKPRESSURE_BYTES = 64 * 1024 * 1024;

/** What the checker needs of a client. */
export interface LimitedClient {
  readonly id: number;
  readonly flags: Client['flags'];
  readonly authenticated: boolean;
  /** Unix seconds when the output first reached the soft limit; 0 when below it. */
  obufSoftLimitReachedTime: number;
}

const NO_LIMIT: ClassLimit = { hard: 0, soft: 0, softSeconds: 0 };

/** Parse client-output-buffer-limit's canonical value ("normal h s n slave h s n pubsub h s n"). */
export function parseOutputLimits(value: string): Record<LimitClass, ClassLimit> {
  const out: Record<LimitClass, ClassLimit> = { normal: NO_LIMIT, replica: NO_LIMIT, pubsub: NO_LIMIT };
  const w = value.trim().split(/\s+/);
  for (let i = 0; i + 3 < w.length; i += 4) {
    const name = w[i]!.toLowerCase();
    const cls: LimitClass | null = name === 'normal' ? 'normal' : name === 'slave' || name === 'replica' ? 'replica' : name === 'pubsub' ? 'pubsub' : null;
    if (cls === null) continue;
    out[cls] = { hard: Number(w[i + 1]), soft: Number(w[i + 2]), softSeconds: Number(w[i + 3]) };
  }
  return out;
}

/** The class whose limits apply to c (getClientType, with masters as normal clients). */
export function limitClassOf(c: { flags: Client['flags'] }): LimitClass {
  const f = c.flags;
  if (f.primary) return 'normal';
  if (f.replica && !f.monitor) return 'replica';
  if (f.pubsub) return 'pubsub';
  return 'normal';
}

/** Slots of the recent-peak tracking behind INFO's client_recent_max_*_buffer (one per second). */
const PEAK_SLOTS = 8;

/** The limits of one data node, kept current from its configuration. */
export class OutputLimits {
  classes: Record<LimitClass, ClassLimit> = parseOutputLimits('');
  replBacklogSize = 1024 * 1024;
  /** Clients closed for their output buffers since start. */
  disconnections = 0;
  private readonly peakIn = new Array<number>(PEAK_SLOTS).fill(0);
  private readonly peakOut = new Array<number>(PEAK_SLOTS).fill(0);

  /**
   * Whether c must be closed for `used` bytes of unsent output; updates its soft-limit
   * clock as Redis does (first time at the soft limit: start the clock, not reached yet).
   */
  reached(c: LimitedClient, used: number): boolean {
    if (!c.authenticated && used > UNAUTHENTICATED_OUTPUT_LIMIT) return true;
    const cls = limitClassOf(c);
    const l = this.classes[cls];
    let hardLimit = l.hard;
    if (cls === 'replica' && hardLimit !== 0 && hardLimit < this.replBacklogSize) hardLimit = this.replBacklogSize;
    if (hardLimit !== 0 && used >= hardLimit) return true;
    if (l.soft !== 0 && used >= l.soft) {
      const nowSec = Math.floor(Date.now() / 1000);
      if (c.obufSoftLimitReachedTime === 0) {
        c.obufSoftLimitReachedTime = nowSec;
        return false;
      }
      return nowSec - c.obufSoftLimitReachedTime > l.softSeconds;
    }
    c.obufSoftLimitReachedTime = 0;
    return false;
  }

  /**
   * Output at which a session of c's class holds its requests: never below the class's
   * limits, so that every limit Redis would reach is still reached (a soft-only limit
   * holds at the soft limit and the clock runs out), and a client without limits stops
   * growing at BACKPRESSURE_BYTES.
   */
  holdAt(c: { flags: Client['flags'] }): number {
    const l = this.classes[limitClassOf(c)];
    return Math.max(BACKPRESSURE_BYTES, l.hard, l.soft);
  }

  /** Log and count a client closed for its output buffer (the caller closes it). */
  closing(c: Client, used: number): void {
    this.disconnections++;
    log('warn', `Client ${clientInfoLine(c)} scheduled to be closed ASAP for overcoming of output buffer limits.`, {
      client: c.id,
      addr: c.addr,
      class: limitClassOf(c),
      authenticated: (c as Partial<LimitedClient>).authenticated !== false,
      unsentBytes: used,
    });
  }

  /** Record one client's buffers in the current second's slot (clientsCronTrackExpansiveClients). */
  sample(input: number, output: number, nowSec: number): void {
    const i = nowSec % PEAK_SLOTS;
    if (input > this.peakIn[i]!) this.peakIn[i] = input;
    if (output > this.peakOut[i]!) this.peakOut[i] = output;
  }

  /** At the start of a cron pass: forget the slot of the second about to come. */
  rotate(nowSec: number): void {
    const next = (nowSec + 1) % PEAK_SLOTS;
    this.peakIn[next] = 0;
    this.peakOut[next] = 0;
  }

  /** client_recent_max_input_buffer and client_recent_max_output_buffer. */
  recentMax(): { input: number; output: number } {
    return { input: Math.max(...this.peakIn), output: Math.max(...this.peakOut) };
  }
}

/** A session as the cron sees it. */
interface CronSession {
  enforceOutputLimits(): boolean;
  queryBufferBytes(): number;
  outputBufferBytes(): number;
}

declare module '../commands/context.js' {
  interface ServerExtensions {
    outputLimits?: OutputLimits;
  }
}

/** Wire the limits into a node: configuration, and the check of every client in the cron. */
export function installOutputLimits(node: NodeHost): void {
  const limits = new OutputLimits();
  node.ext.outputLimits = limits;
  node.config.watch('client-output-buffer-limit', (v) => (limits.classes = parseOutputLimits(v)));
  node.config.watch('repl-backlog-size', (v) => (limits.replBacklogSize = Number(v)));
  node.cronTasks.push(() => {
    const nowSec = Math.floor(Date.now() / 1000);
    limits.rotate(nowSec);
    for (const s of node.sessions.values() as Iterable<CronSession>) {
      if (s.enforceOutputLimits()) continue;
      limits.sample(s.queryBufferBytes(), s.outputBufferBytes(), nowSec);
    }
  });
}
