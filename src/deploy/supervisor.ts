/**
 * A small process supervisor for `dssm up`: children of this Node process, output appended
 * to log files, restarted with exponential backoff when they die (as a Kubernetes
 * restartPolicy: Always would), stopped with SIGTERM then SIGKILL after a grace period.
 *
 * Children run in their own process group, so a Ctrl-C in the terminal reaches only the
 * supervisor, which then stops them in order (sentinels first, then data nodes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface ChildSpec {
  name: string;
  kind: 'data' | 'sentinel';
  port: number;
  /** Its Prometheus /metrics port (null: off). */
  metricsPort?: number | null;
  logFile: string;
  /** Arguments after the executable; null means "not now, ask again in a second". */
  args(): Promise<string[] | null>;
}

export type ChildState = 'starting' | 'running' | 'backoff' | 'stopping' | 'stopped';

export class Child {
  proc: ChildProcess | null = null;
  state: ChildState = 'stopped';
  restarts = 0;
  /** Consecutive short-lived runs (drives the backoff). */
  failures = 0;
  startedAt = 0;
  lastExit: { code: number | null; signal: string | null; at: number } | null = null;
  timer: NodeJS.Timeout | null = null;
  private exited: Promise<void> = Promise.resolve();

  constructor(readonly spec: ChildSpec) {}

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get alive(): boolean {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Resolves when the current process (if any) has exited. */
  waitExit(): Promise<void> {
    return this.exited;
  }

  setProc(p: ChildProcess): void {
    this.proc = p;
    this.exited = new Promise((r) => p.once('exit', () => r()));
  }
}

/** A run shorter than this counts as a failure for the backoff. */
const HEALTHY_RUN_MS = 10_000;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 30_000;

export class Supervisor extends EventEmitter {
  readonly children: Child[] = [];
  stopping = false;

  constructor(
    private readonly exe: string,
    private readonly exeArgs: string[],
  ) {
    super();
  }

  add(spec: ChildSpec): Child {
    const c = new Child(spec);
    this.children.push(c);
    return c;
  }

  /** Start a child now (or as soon as its args() agrees). Resolves once spawned. */
  async start(c: Child): Promise<void> {
    if (this.stopping) return;
    c.state = 'starting';
    let args: string[] | null = null;
    for (;;) {
      try {
        args = await c.spec.args();
      } catch {
        args = null;
      }
      if (args || this.stopping) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    if (this.stopping || !args) {
      c.state = 'stopped';
      return;
    }
    mkdirSync(dirname(c.spec.logFile), { recursive: true });
    const fd = openSync(c.spec.logFile, 'a');
    writeSync(fd, `--- ${new Date().toISOString()} dssm up: starting ${c.spec.name}: dssm ${args.join(' ')}\n`);
    const p = spawn(this.exe, [...this.exeArgs, ...args], { stdio: ['ignore', fd, fd], detached: true });
    closeSync(fd);
    c.setProc(p);
    c.startedAt = Date.now();
    c.state = 'running';
    this.emit('start', c);
    p.once('error', () => {
      /* reported through 'exit' */
    });
    p.once('exit', (code, signal) => this.onExit(c, p, code, signal));
  }

  private onExit(c: Child, p: ChildProcess, code: number | null, signal: string | null): void {
    if (c.proc !== p) return;
    c.lastExit = { code, signal, at: Date.now() };
    if (this.stopping || c.state === 'stopping') {
      c.state = 'stopped';
      this.emit('exit', c, code, signal);
      return;
    }
    const ran = Date.now() - c.startedAt;
    c.failures = ran >= HEALTHY_RUN_MS ? 0 : c.failures + 1;
    const delay = c.failures === 0 ? BACKOFF_MIN_MS : Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** c.failures);
    c.state = 'backoff';
    this.emit('exit', c, code, signal, delay);
    c.timer = setTimeout(() => {
      c.timer = null;
      c.restarts++;
      this.emit('restart', c);
      void this.start(c);
    }, delay);
  }

  /** SIGTERM each group in order, wait up to graceMs, then SIGKILL what is left. */
  async stopAll(order: Child[][], graceMs = 10_000): Promise<void> {
    this.stopping = true;
    for (const c of this.children) {
      if (c.timer) clearTimeout(c.timer);
      c.timer = null;
    }
    for (const group of order) {
      const live = group.filter((c) => c.alive);
      for (const c of live) {
        c.state = 'stopping';
        signal(c, 'SIGTERM');
      }
      const all = Promise.all(live.map((c) => c.waitExit()));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([all.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs)))]);
      clearTimeout(timer);
      if (timedOut) {
        for (const c of live) if (c.alive) signal(c, 'SIGKILL');
        await Promise.race([all, new Promise((r) => setTimeout(r, 2000))]);
      }
      for (const c of group) c.state = 'stopped';
    }
  }

  /** Last resort (the supervisor itself is dying): SIGKILL every child now. */
  killAllNow(): void {
    this.stopping = true;
    for (const c of this.children) if (c.alive) signal(c, 'SIGKILL');
  }
}

function signal(c: Child, sig: NodeJS.Signals): void {
  try {
    c.proc?.kill(sig);
  } catch {
    /* already gone */
  }
}
