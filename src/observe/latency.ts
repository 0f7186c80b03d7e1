/**
 * The latency monitor (LATENCY LATEST/HISTORY/RESET/DOCTOR): events slower than
 * latency-monitor-threshold milliseconds, one sample per second per event, 160 kept,
 * as Redis's latency.c.
 */
import type { ServerContext } from '../commands/context.js';

const HISTORY_LEN = 160;

export interface LatencySeries {
  /** [unix seconds, latency ms] oldest first. */
  samples: [number, number][];
  max: number;
}

export class LatencyMonitor {
  readonly events = new Map<string, LatencySeries>();

  constructor(private readonly server: ServerContext) {}

  /** Record a latency sample (milliseconds) for an event when over the threshold. */
  sample(event: string, ms: number): void {
    const threshold = this.server.config.int('latency-monitor-threshold');
    if (threshold === 0 || ms < threshold) return;
    const t = Math.floor(Date.now() / 1000);
    const value = Math.floor(ms);
    let s = this.events.get(event);
    if (!s) {
      s = { samples: [], max: 0 };
      this.events.set(event, s);
    }
    const last = s.samples[s.samples.length - 1];
    if (last && last[0] === t) {
      if (value > last[1]) last[1] = value;
    } else {
      s.samples.push([t, value]);
      if (s.samples.length > HISTORY_LEN) s.samples.shift();
    }
    if (value > s.max) s.max = value;
  }

  reset(names: string[]): number {
    if (names.length === 0) {
      const n = this.events.size;
      this.events.clear();
      return n;
    }
    let n = 0;
    for (const name of names) if (this.events.delete(name)) n++;
    return n;
  }
}

declare module '../commands/context.js' {
  interface ServerExtensions {
    latency?: LatencyMonitor;
  }
}

export function installLatency(node: ServerContext): void {
  (node.ext as { latency?: LatencyMonitor }).latency = new LatencyMonitor(node);
}
