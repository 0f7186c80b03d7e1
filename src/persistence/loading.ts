/**
 * Progress of long persistence work, for operators: loading the dataset (INFO persistence's
 * `loading_*` fields, as Redis 7.0 prints them, and a log line once a second) and writing
 * a snapshot (AOF rewrite, BGSAVE: a log line once a second).
 *
 * The loaders update the counters at the points where they yield to the event loop, so
 * reading them costs nothing on the per-key path; the once-a-second log runs from a timer,
 * which fires during those yields.
 */
import { log } from '../observe/events.js';

const REPORT_EVERY_MS = 1000;

/** What INFO persistence shows while a dataset loads, and the periodic progress log. */
export class LoadingProgress {
  /** True between start() and finish(). */
  active = false;
  /** Unix time in seconds when the load started (loading_start_time). */
  startTime = 0;
  /** Size of what is being loaded; 0 when unknown (a streamed transfer). */
  totalBytes = 0;
  /** The `used-mem` aux field of the RDB being loaded: Redis's estimate when the size is unknown. */
  rdbUsedMem = 0;
  loadedBytes = 0;
  /** Keys read from RDB data in the current (or last) load: rdb_last_load_keys_loaded. */
  rdbKeysLoaded = 0;
  /** Keys skipped because their time had passed: rdb_last_load_keys_expired. */
  rdbKeysExpired = 0;
  private what = '';
  private keys: () => number = () => 0;
  private timer: NodeJS.Timeout | null = null;

  /**
   * Begin a load of `totalBytes` (0 if unknown). `keys` counts the keys in memory so far
   * for the progress log.
   */
  start(what: string, totalBytes: number, keys: () => number): void {
    this.active = true;
    this.what = what;
    this.startTime = Math.floor(Date.now() / 1000);
    this.totalBytes = totalBytes;
    this.rdbUsedMem = 0;
    this.loadedBytes = 0;
    this.rdbKeysLoaded = 0;
    this.rdbKeysExpired = 0;
    this.keys = keys;
    this.timer = setInterval(() => this.report(), REPORT_EVERY_MS);
    this.timer.unref();
  }

  finish(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.active = false;
  }

  /** Percentage done, as Redis computes it (from used-mem when the size is unknown). */
  get percent(): number {
    if (this.totalBytes > 0) return (this.loadedBytes / this.totalBytes) * 100;
    if (this.rdbUsedMem > 0) return Math.min(99.99, (this.loadedBytes / this.rdbUsedMem) * 100);
    return 0;
  }

  /** Seconds left at the rate so far; 1 during the first second (Redis's placeholder). */
  get etaSeconds(): number {
    let remaining = 1;
    if (this.totalBytes > 0) remaining = this.totalBytes - this.loadedBytes;
    else if (this.rdbUsedMem > 0) remaining = Math.max(1, this.rdbUsedMem - this.loadedBytes);
    const elapsed = Math.floor(Date.now() / 1000) - this.startTime;
    if (elapsed === 0) return 1;
    return Math.floor((elapsed * remaining) / (this.loadedBytes + 1));
  }

  /** The fields INFO persistence appends while loading, in Redis 7.0's order and format. */
  infoFields(): [string, string | number][] {
    return [
      ['loading_start_time', this.startTime],
      ['loading_total_bytes', this.totalBytes],
      ['loading_rdb_used_mem', this.rdbUsedMem],
      ['loading_loaded_bytes', this.loadedBytes],
      ['loading_loaded_perc', this.percent.toFixed(2)],
      ['loading_eta_seconds', this.etaSeconds],
    ];
  }

  private report(): void {
    log('info', `Loading ${this.what}: ${this.percent.toFixed(2)}% done`, {
      loadedBytes: this.loadedBytes,
      totalBytes: this.totalBytes,
      percent: Number(this.percent.toFixed(2)),
      keys: this.keys(),
      etaSeconds: this.etaSeconds,
    });
  }
}

/** The once-a-second log line of a snapshot being written (AOF rewrite, BGSAVE). */
export function reportSnapshotProgress(what: string, state: () => { keysDone: number; keysTotal: number; bytes: number }): () => void {
  const timer = setInterval(() => {
    const s = state();
    const percent = s.keysTotal > 0 ? (s.keysDone * 100) / s.keysTotal : 100;
    log('info', `${what}: ${percent.toFixed(2)}% done`, { keys: s.keysDone, totalKeys: s.keysTotal, bytes: s.bytes, percent: Number(percent.toFixed(2)) });
  }, REPORT_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
