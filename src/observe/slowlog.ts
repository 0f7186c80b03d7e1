/**
 * SLOWLOG: commands slower than slowlog-log-slower-than microseconds, newest first, at
 * most slowlog-max-len entries, fed by the dispatcher's slowlog hook (as Redis's
 * slowlogPushCurrentCommand). Also feeds the latency monitor's "command" event.
 */
import type { Client, ServerContext } from '../commands/context.js';

export interface SlowlogEntry {
  id: number;
  time: number;
  micros: number;
  argv: string[];
  addr: string;
  name: string;
}

/** Redis keeps at most 32 arguments and 128 bytes per argument. */
const MAX_ARGC = 32;
const MAX_ARGLEN = 128;

export class Slowlog {
  entries: SlowlogEntry[] = [];
  private nextId = 0;

  constructor(private readonly server: ServerContext) {}

  push(c: Client, argv: string[], micros: number): void {
    const threshold = this.server.config.int('slowlog-log-slower-than');
    if (threshold < 0 || micros < threshold) return;
    const max = this.server.config.int('slowlog-max-len');
    const args: string[] = [];
    const n = Math.min(argv.length, MAX_ARGC);
    for (let i = 0; i < n; i++) {
      if (i === MAX_ARGC - 1 && argv.length > MAX_ARGC) {
        args.push(`... (${argv.length - MAX_ARGC + 1} more arguments)`);
        break;
      }
      const a = argv[i]!;
      args.push(a.length > MAX_ARGLEN ? `${a.slice(0, MAX_ARGLEN)}... (${a.length - MAX_ARGLEN} more bytes)` : a);
    }
    this.entries.unshift({ id: this.nextId++, time: Math.floor(Date.now() / 1000), micros: Math.floor(micros), argv: args, addr: c.addr, name: c.name });
    if (this.entries.length > max) this.entries.length = max;
  }

  reset(): void {
    this.entries = [];
  }
}

declare module '../commands/context.js' {
  interface ServerExtensions {
    slowlog?: Slowlog;
  }
}

export function installSlowlog(node: ServerContext): void {
  const log = new Slowlog(node);
  (node.ext as { slowlog?: Slowlog }).slowlog = log;
  // Runs after every command: the thresholds are cached (and follow CONFIG SET) rather
  // than looked up each time; push() and sample() check them again exactly.
  let slowerThan = 0;
  let latencyMs = 0;
  node.config.watch('slowlog-log-slower-than', (v) => (slowerThan = Number(v)));
  node.config.watch('latency-monitor-threshold', (v) => (latencyMs = Number(v)));
  node.dispatch.hooks.slowlog = (c, argv, micros) => {
    if (slowerThan >= 0 && micros >= slowerThan) log.push(c, argv, micros);
    if (latencyMs !== 0 && micros >= latencyMs * 1000) node.ext.latency?.sample('command', micros / 1000);
  };
}
