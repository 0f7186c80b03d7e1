/**
 * Pub/sub commands: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE SSUBSCRIBE SUNSUBSCRIBE
 * PUBLISH SPUBLISH PUBSUB, with Redis 7.0's reply shapes. Confirmations and messages are
 * push replies: `>` in RESP3, plain arrays in RESP2. The hub (src/pubsub/hub.ts) is
 * reached through `c.server.ext.pubsub`.
 *
 * Subscription counts as Redis 7.0 reports them: (UN)SUBSCRIBE and P(UN)SUBSCRIBE count
 * channels plus patterns; S(UN)SUBSCRIBE count shard channels only. The client stays in
 * the pub/sub context (RESP2 restricts its commands) while it has any subscription.
 */
import { CommandError } from '../errors.js';
import type { Client } from './context.js';
import { defineCommand, type CommandSpec } from './spec.js';

/** What the commands (and keyspace notifications) need from the hub. */
export interface PubSubApi {
  publish(channel: string, message: string): number;
  spublish(channel: string, message: string): number;
  subscribe(c: Client, channel: string): boolean;
  unsubscribe(c: Client, channel: string): boolean;
  psubscribe(c: Client, pattern: string): boolean;
  punsubscribe(c: Client, pattern: string): boolean;
  ssubscribe(c: Client, channel: string): boolean;
  sunsubscribe(c: Client, channel: string): boolean;
  /** Drop every subscription silently (close, RESET). */
  dropClient(c: Client): void;
  numsub(channel: string): number;
  shardNumsub(channel: string): number;
  channels(pattern: string | null): string[];
  shardChannels(pattern: string | null): string[];
  /** Distinct channels / patterns / shard channels with subscribers (INFO, PUBSUB NUMPAT). */
  readonly channelCount: number;
  readonly patternCount: number;
  readonly shardChannelCount: number;
}

declare module './context.js' {
  interface ServerExtensions {
    pubsub?: PubSubApi;
  }
}

function hub(c: Client): PubSubApi {
  const h = c.server.ext.pubsub;
  if (!h) throw new CommandError('ERR pub/sub is not available');
  return h;
}

function count(c: Client): number {
  return c.channels.size + c.patterns.size;
}

function confirm(c: Client, kind: string, name: string | null, n: number): void {
  const r = c.reply;
  const start = r.mark();
  r.pushHeader(3);
  r.bulk(kind);
  r.bulk(name);
  r.int(n);
  c.keepPush?.(start);
}

function updateFlag(c: Client): void {
  c.flags.pubsub = c.channels.size + c.patterns.size + c.shardChannels.size > 0;
}

function subscribe(c: Client, argv: string[]): void {
  const h = hub(c);
  for (let i = 1; i < argv.length; i++) {
    h.subscribe(c, argv[i]!);
    confirm(c, 'subscribe', argv[i]!, count(c));
  }
  c.flags.pubsub = true;
}

function unsubscribe(c: Client, argv: string[]): void {
  const h = hub(c);
  if (argv.length === 1) {
    if (c.channels.size === 0) confirm(c, 'unsubscribe', null, count(c));
    for (const ch of [...c.channels]) {
      h.unsubscribe(c, ch);
      confirm(c, 'unsubscribe', ch, count(c));
    }
  } else {
    for (let i = 1; i < argv.length; i++) {
      h.unsubscribe(c, argv[i]!);
      confirm(c, 'unsubscribe', argv[i]!, count(c));
    }
  }
  updateFlag(c);
}

function psubscribe(c: Client, argv: string[]): void {
  const h = hub(c);
  for (let i = 1; i < argv.length; i++) {
    h.psubscribe(c, argv[i]!);
    confirm(c, 'psubscribe', argv[i]!, count(c));
  }
  c.flags.pubsub = true;
}

function punsubscribe(c: Client, argv: string[]): void {
  const h = hub(c);
  if (argv.length === 1) {
    if (c.patterns.size === 0) confirm(c, 'punsubscribe', null, count(c));
    for (const p of [...c.patterns]) {
      h.punsubscribe(c, p);
      confirm(c, 'punsubscribe', p, count(c));
    }
  } else {
    for (let i = 1; i < argv.length; i++) {
      h.punsubscribe(c, argv[i]!);
      confirm(c, 'punsubscribe', argv[i]!, count(c));
    }
  }
  updateFlag(c);
}

function ssubscribe(c: Client, argv: string[]): void {
  const h = hub(c);
  for (let i = 1; i < argv.length; i++) {
    h.ssubscribe(c, argv[i]!);
    confirm(c, 'ssubscribe', argv[i]!, c.shardChannels.size);
  }
  c.flags.pubsub = true;
}

function sunsubscribe(c: Client, argv: string[]): void {
  const h = hub(c);
  if (argv.length === 1) {
    if (c.shardChannels.size === 0) confirm(c, 'sunsubscribe', null, 0);
    for (const ch of [...c.shardChannels]) {
      h.sunsubscribe(c, ch);
      confirm(c, 'sunsubscribe', ch, c.shardChannels.size);
    }
  } else {
    for (let i = 1; i < argv.length; i++) {
      h.sunsubscribe(c, argv[i]!);
      confirm(c, 'sunsubscribe', argv[i]!, c.shardChannels.size);
    }
  }
  updateFlag(c);
}

function publish(c: Client, argv: string[]): void {
  c.reply.int(hub(c).publish(argv[1]!, argv[2]!));
}

function spublish(c: Client, argv: string[]): void {
  c.reply.int(hub(c).spublish(argv[1]!, argv[2]!));
}

function syntaxError(argv: string[]): CommandError {
  return new CommandError(`ERR unknown subcommand or wrong number of arguments for '${argv[1]!.slice(0, 128)}'. Try PUBSUB HELP.`);
}

function pubsubChannels(c: Client, argv: string[]): void {
  if (argv.length > 3) throw syntaxError(argv);
  c.reply.bulkArray(hub(c).channels(argv.length === 3 ? argv[2]! : null));
}

function pubsubShardChannels(c: Client, argv: string[]): void {
  if (argv.length > 3) throw syntaxError(argv);
  c.reply.bulkArray(hub(c).shardChannels(argv.length === 3 ? argv[2]! : null));
}

function pubsubNumsub(c: Client, argv: string[]): void {
  const h = hub(c);
  c.reply.arrayHeader((argv.length - 2) * 2);
  for (let i = 2; i < argv.length; i++) {
    c.reply.bulk(argv[i]!);
    c.reply.int(h.numsub(argv[i]!));
  }
}

function pubsubShardNumsub(c: Client, argv: string[]): void {
  const h = hub(c);
  c.reply.arrayHeader((argv.length - 2) * 2);
  for (let i = 2; i < argv.length; i++) {
    c.reply.bulk(argv[i]!);
    c.reply.int(h.shardNumsub(argv[i]!));
  }
}

function pubsubNumpat(c: Client): void {
  c.reply.int(hub(c).patternCount);
}

const HELP = [
  'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
  'HELP',
  '    Prints this help.',
];

function pubsubHelp(c: Client): void {
  c.reply.arrayHeader(HELP.length);
  for (const line of HELP) c.reply.simple(line);
}

export const pubsubCommands: CommandSpec[] = [
  defineCommand({
    name: 'subscribe',
    arity: -2,
    flags: 'pubsub noscript loading stale',
    group: 'pubsub',
    handler: subscribe,
    summary: 'Listen for messages published to the given channels',
    since: '2.0.0',
    complexity: 'O(N) where N is the number of channels to subscribe to.',
  }),
  defineCommand({
    name: 'unsubscribe',
    arity: -1,
    flags: 'pubsub noscript loading stale',
    group: 'pubsub',
    handler: unsubscribe,
    summary: 'Stop listening for messages posted to the given channels',
    since: '2.0.0',
    complexity: 'O(N) where N is the number of clients already subscribed to a channel.',
  }),
  defineCommand({
    name: 'psubscribe',
    arity: -2,
    flags: 'pubsub noscript loading stale',
    group: 'pubsub',
    handler: psubscribe,
    summary: 'Listen for messages published to channels matching the given patterns',
    since: '2.0.0',
    complexity: 'O(N) where N is the number of patterns the client is already subscribed to.',
  }),
  defineCommand({
    name: 'punsubscribe',
    arity: -1,
    flags: 'pubsub noscript loading stale',
    group: 'pubsub',
    handler: punsubscribe,
    summary: 'Stop listening for messages posted to channels matching the given patterns',
    since: '2.0.0',
    complexity: 'O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).',
  }),
  defineCommand({
    name: 'ssubscribe',
    arity: -2,
    flags: 'pubsub noscript loading stale',
    keys: [1, -1, 1],
    group: 'pubsub',
    handler: ssubscribe,
    summary: 'Listen for messages published to the given shard channels',
    since: '7.0.0',
    complexity: 'O(N) where N is the number of shard channels to subscribe to.',
  }),
  defineCommand({
    name: 'sunsubscribe',
    arity: -1,
    flags: 'pubsub noscript loading stale',
    keys: [1, -1, 1],
    group: 'pubsub',
    handler: sunsubscribe,
    summary: 'Stop listening for messages posted to the given shard channels',
    since: '7.0.0',
    complexity: 'O(N) where N is the number of clients already subscribed to a shard channel.',
  }),
  defineCommand({
    name: 'publish',
    arity: 3,
    flags: 'pubsub loading stale fast',
    group: 'pubsub',
    handler: publish,
    summary: 'Post a message to a channel',
    since: '2.0.0',
    complexity: 'O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).',
  }),
  defineCommand({
    name: 'spublish',
    arity: 3,
    flags: 'pubsub loading stale fast',
    keys: [1, 1, 1],
    group: 'pubsub',
    handler: spublish,
    summary: 'Post a message to a shard channel',
    since: '7.0.0',
    complexity: 'O(N) where N is the number of clients subscribed to the receiving shard channel.',
  }),
  defineCommand({
    name: 'pubsub',
    arity: -2,
    group: 'pubsub',
    summary: 'A container for Pub/Sub commands',
    since: '2.8.0',
    complexity: 'Depends on subcommand.',
    subcommands: [
      {
        name: 'channels',
        arity: -2,
        flags: 'pubsub loading stale',
        group: 'pubsub',
        handler: pubsubChannels,
        summary: 'List active channels',
        since: '2.8.0',
        complexity: 'O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)',
      },
      {
        name: 'numsub',
        arity: -2,
        flags: 'pubsub loading stale',
        group: 'pubsub',
        handler: pubsubNumsub,
        summary: 'Get the count of subscribers for channels',
        since: '2.8.0',
        complexity: 'O(N) for the NUMSUB subcommand, where N is the number of requested channels',
      },
      {
        name: 'numpat',
        arity: 2,
        flags: 'pubsub loading stale',
        group: 'pubsub',
        handler: pubsubNumpat,
        summary: 'Get the count of unique patterns pattern subscriptions',
        since: '2.8.0',
      },
      {
        name: 'shardchannels',
        arity: -2,
        flags: 'pubsub loading stale',
        group: 'pubsub',
        handler: pubsubShardChannels,
        summary: 'List active shard channels',
        since: '7.0.0',
        complexity: 'O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).',
      },
      {
        name: 'shardnumsub',
        arity: -2,
        flags: 'pubsub loading stale',
        group: 'pubsub',
        handler: pubsubShardNumsub,
        summary: 'Get the count of subscribers for shard channels',
        since: '7.0.0',
        complexity: 'O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels',
      },
      {
        name: 'help',
        arity: 2,
        flags: 'loading stale',
        group: 'pubsub',
        handler: pubsubHelp,
        summary: 'Show helpful text about the different subcommands',
        since: '6.2.0',
        complexity: 'O(1)',
      },
    ],
  }),
];
