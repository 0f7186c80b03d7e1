/**
 * A writer for the no-lost-write tests: sequential SETs through a client in sentinel mode,
 * recording each acknowledged key and the longest time between two acknowledgements.
 */
import type { Redis } from 'ioredis';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sequential writes through the sentinel Service; records which were acknowledged and the longest gap. */
export class Writer {
  acked: string[] = [];
  errors = 0;
  longestPauseMs = 0;
  private running = true;
  private done: Promise<void>;

  constructor(
    private readonly client: Redis,
    prefix: string,
    paceMs = 2,
  ) {
    this.done = (async () => {
      let i = 0;
      let last = performance.now();
      while (this.running) {
        const key = `${prefix}:${i++}`;
        try {
          if ((await this.client.set(key, key)) === 'OK') {
            const now = performance.now();
            this.longestPauseMs = Math.max(this.longestPauseMs, now - last);
            last = now;
            this.acked.push(key);
          }
          // A steady pace rather than flat out: two cores are shared with the nodes under test.
          await sleep(paceMs);
        } catch {
          this.errors++;
          await sleep(20);
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

/** How many acknowledged keys do not read back (with their value) from the current primary. */
export async function lost(client: Redis, keys: string[]): Promise<number> {
  let missing = 0;
  for (let i = 0; i < keys.length; i += 500) {
    const batch = keys.slice(i, i + 500);
    const vals = await client.mget(...batch);
    missing += vals.filter((v, j) => v !== batch[j]).length;
  }
  return missing;
}
