/**
 * The pub/sub hub: who listens to what, and delivery of messages.
 *
 * Three registries, as Redis 7.0 keeps them: channels → clients, patterns → clients
 * (matched with Redis's glob), and shard channels → clients (SSUBSCRIBE/SPUBLISH, which
 * outside cluster mode behave as a separate namespace of plain channels). Maps keep
 * insertion order, so subscribers of one channel get a message in the order they
 * subscribed, as Redis's per-channel client lists do.
 *
 * A message to a client is written into its reply buffer and flushed soon (together with
 * every other client's, once per event-loop turn). A subscriber whose pending output
 * grows past `client-output-buffer-limit pubsub ...` is disconnected, as Redis does.
 */
import type { Client } from '../commands/context.js';
import type { PubSubApi } from '../commands/pubsub.js';
import { globMatch } from '../util/glob.js';
import { log } from '../observe/events.js';

/** client-output-buffer-limit for the pubsub class: bytes and seconds (0 = no limit). */
export interface OutputLimit {
  hard: number;
  soft: number;
  softSeconds: number;
}

/** Parse the pubsub class out of client-output-buffer-limit's canonical value. */
export function parsePubSubLimit(value: string): OutputLimit {
  const w = value.split(/\s+/);
  for (let i = 0; i + 3 < w.length; i += 4) {
    if (w[i] === 'pubsub') return { hard: Number(w[i + 1]), soft: Number(w[i + 2]), softSeconds: Number(w[i + 3]) };
  }
  return { hard: 0, soft: 0, softSeconds: 0 };
}

export class PubSubHub implements PubSubApi {
  private readonly channelSubs = new Map<string, Set<Client>>();
  private readonly patternSubs = new Map<string, Set<Client>>();
  private readonly shardSubs = new Map<string, Set<Client>>();
  /** When each over-soft-limit client first went over (ms), as obuf_soft_limit_reached_time. */
  private readonly softSince = new WeakMap<Client, number>();
  limit: OutputLimit = { hard: 0, soft: 0, softSeconds: 0 };

  get channelCount(): number {
    return this.channelSubs.size;
  }

  get patternCount(): number {
    return this.patternSubs.size;
  }

  get shardChannelCount(): number {
    return this.shardSubs.size;
  }

  subscribe(c: Client, channel: string): boolean {
    return add(this.channelSubs, c.channels, c, channel);
  }

  unsubscribe(c: Client, channel: string): boolean {
    return remove(this.channelSubs, c.channels, c, channel);
  }

  psubscribe(c: Client, pattern: string): boolean {
    return add(this.patternSubs, c.patterns, c, pattern);
  }

  punsubscribe(c: Client, pattern: string): boolean {
    return remove(this.patternSubs, c.patterns, c, pattern);
  }

  ssubscribe(c: Client, channel: string): boolean {
    return add(this.shardSubs, c.shardChannels, c, channel);
  }

  sunsubscribe(c: Client, channel: string): boolean {
    return remove(this.shardSubs, c.shardChannels, c, channel);
  }

  /** Forget every subscription of a client without telling it (close, RESET). */
  dropClient(c: Client): void {
    for (const ch of c.channels) remove(this.channelSubs, null, c, ch);
    for (const p of c.patterns) remove(this.patternSubs, null, c, p);
    for (const ch of c.shardChannels) remove(this.shardSubs, null, c, ch);
    c.channels.clear();
    c.patterns.clear();
    c.shardChannels.clear();
    c.flags.pubsub = false;
  }

  numsub(channel: string): number {
    return this.channelSubs.get(channel)?.size ?? 0;
  }

  shardNumsub(channel: string): number {
    return this.shardSubs.get(channel)?.size ?? 0;
  }

  channels(pattern: string | null): string[] {
    return matching(this.channelSubs, pattern);
  }

  shardChannels(pattern: string | null): string[] {
    return matching(this.shardSubs, pattern);
  }

  /** PUBLISH: deliver to channel subscribers, then to matching patterns. Returns the receiver count. */
  publish(channel: string, message: string): number {
    let receivers = 0;
    const subs = this.channelSubs.get(channel);
    if (subs !== undefined) {
      for (const c of [...subs]) {
        const r = c.reply;
        const start = r.mark();
        r.pushHeader(3);
        r.bulk('message');
        r.bulk(channel);
        r.bulk(message);
        this.delivered(c, start);
        receivers++;
      }
    }
    if (this.patternSubs.size !== 0) {
      for (const [pattern, clients] of [...this.patternSubs]) {
        if (!globMatch(pattern, channel)) continue;
        for (const c of [...clients]) {
          const r = c.reply;
          const start = r.mark();
          r.pushHeader(4);
          r.bulk('pmessage');
          r.bulk(pattern);
          r.bulk(channel);
          r.bulk(message);
          this.delivered(c, start);
          receivers++;
        }
      }
    }
    return receivers;
  }

  /** SPUBLISH: deliver to shard channel subscribers. */
  spublish(channel: string, message: string): number {
    const subs = this.shardSubs.get(channel);
    if (subs === undefined) return 0;
    let receivers = 0;
    for (const c of [...subs]) {
      const r = c.reply;
      const start = r.mark();
      r.pushHeader(3);
      r.bulk('smessage');
      r.bulk(channel);
      r.bulk(message);
      this.delivered(c, start);
      receivers++;
    }
    return receivers;
  }

  /** After writing a message from `start`: keep it, flush soon, enforce the pubsub output buffer limit. */
  private delivered(c: Client, start: number): void {
    c.keepPush?.(start);
    c.flushSoon();
    if (!c.flags.pubsub) return;
    const { hard, soft, softSeconds } = this.limit;
    if (hard === 0 && soft === 0) return;
    const used = c.outputBufferBytes();
    let over = hard !== 0 && used >= hard;
    if (!over && soft !== 0 && used >= soft) {
      const since = this.softSince.get(c);
      const now = Date.now();
      if (since === undefined) this.softSince.set(c, now);
      else if (Math.floor((now - since) / 1000) > softSeconds) over = true;
    } else if (!over) {
      this.softSince.delete(c);
    }
    if (!over) return;
    log('warn', 'Client scheduled to be closed ASAP for overcoming of output buffer limits.', {
      client: c.id,
      addr: c.addr,
      name: c.name,
      class: 'pubsub',
      used,
    });
    this.dropClient(c);
    c.reply.discard();
    const killable = c as Client & { kill?: (reason: string) => void };
    if (typeof killable.kill === 'function') killable.kill('output buffer limit');
    else c.close('output buffer limit');
  }
}

function add(index: Map<string, Set<Client>>, own: Set<string>, c: Client, name: string): boolean {
  if (own.has(name)) return false;
  own.add(name);
  let set = index.get(name);
  if (set === undefined) index.set(name, (set = new Set()));
  set.add(c);
  return true;
}

function remove(index: Map<string, Set<Client>>, own: Set<string> | null, c: Client, name: string): boolean {
  if (own !== null && !own.delete(name)) return false;
  const set = index.get(name);
  if (set !== undefined) {
    set.delete(c);
    if (set.size === 0) index.delete(name);
  }
  return true;
}

function matching(index: Map<string, Set<Client>>, pattern: string | null): string[] {
  if (pattern === null) return [...index.keys()];
  const out: string[] = [];
  for (const name of index.keys()) if (globMatch(pattern, name)) out.push(name);
  return out;
}
