/**
 * Wires the pub/sub hub into a data node: `ext.pubsub` (used by the pub/sub commands and
 * by keyspace notifications), cleanup on close and RESET, and INFO stats' pubsub_* fields.
 */
import type { NodeHost } from '../commands/host.js';
import type { InfoSection } from '../commands/context.js';
import { PubSubHub } from './hub.js';

export function installPubSub(node: NodeHost): void {
  const hub = new PubSubHub();
  node.ext.pubsub = hub;
  node.closeHooks.push((c) => hub.dropClient(c));
  (node.ext.resetClient ??= []).push((c) => hub.dropClient(c));
  wrapStats(node, hub);
}

/**
 * INFO stats belongs to observe/info.ts; the pubsub_* fields are filled in here from the
 * hub's counts (Redis 7.0: pubsub_channels, pubsub_patterns, pubsubshard_channels).
 */
function wrapStats(node: NodeHost, hub: PubSubHub): void {
  const inner: InfoSection | undefined = node.infoSections.get('stats');
  if (!inner) return;
  node.infoSections.set('stats', () => {
    const body = inner();
    if (typeof body === 'string') return body;
    const out: [string, string | number][] = [];
    let sawShard = false;
    for (const [k, v] of body) {
      if (k === 'pubsub_channels') out.push([k, hub.channelCount]);
      else if (k === 'pubsub_patterns') {
        out.push([k, hub.patternCount]);
        if (!body.some(([name]) => name === 'pubsubshard_channels')) {
          out.push(['pubsubshard_channels', hub.shardChannelCount]);
          sawShard = true;
        }
      } else if (k === 'pubsubshard_channels') {
        if (!sawShard) out.push([k, hub.shardChannelCount]);
      } else out.push([k, v]);
    }
    return out;
  });
}
