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
 * grows past `client-output-buffer-limit pubsub ...` is disconnected, as Redis does
 * (the check is the session's, net/output-limits.ts, shared by every class).
 */
import type { Client } from '../commands/context.js';
import type { PubSubApi } from '../commands/pubsub.js';
import { globMatch } from '../util/glob.js';

export class PubSubHub implements PubSubApi {
  private readonly channelSubs = new Map<string, Set<Client>>();
  private readonly patternSubs = new Map<string, Set<Client>>();
  private readonly shardSubs = new Map<string, Set<Client>>();

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

  /** After writing a message from `start`: keep it (CLIENT REPLY OFF keeps pushes), flush soon, enforce the output buffer limits (net/output-limits.ts). */
  private delivered(c: Client, start: number): void {
    c.keepPush?.(start);
    c.flushSoon();
    (c as Client & { enforceOutputLimits?: () => boolean }).enforceOutputLimits?.();
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
