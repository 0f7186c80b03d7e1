/**
 * The command table: every group's specs, by name. Names are stored in lower case and
 * upper case, so the common spellings are found without allocating a new string.
 */
import type { CommandSpec } from './spec.js';
import { connectionCommands } from './connection.js';
import { stringCommands } from './string.js';
import { bitmapCommands } from './bitmap.js';
import { keyCommands } from './keys.js';
import { serverCommands } from './server.js';
import { introspectionCommands } from './command.js';
import { hashCommands } from './hash.js';
import { listCommands } from './list.js';
import { setCommands } from './set.js';
import { zsetCommands } from './zset.js';
import { pubsubCommands } from './pubsub.js';
import { transactionCommands } from './transaction.js';
import { clientCommands } from './client.js';
import { debugCommands } from './debug.js';
import { functionCommands } from './function.js';
import { hyperloglogCommands } from './hyperloglog.js';
import { geoCommands } from './geo.js';

/**
 * The core groups. Subsystems that own commands (persistence, replication, ACL) export
 * their group from their own folder; the composition root (src/node.ts) passes them in.
 */
export const coreGroups: readonly (readonly CommandSpec[])[] = [
  connectionCommands,
  stringCommands,
  bitmapCommands,
  keyCommands,
  serverCommands,
  introspectionCommands,
  hashCommands,
  listCommands,
  setCommands,
  zsetCommands,
  pubsubCommands,
  transactionCommands,
  clientCommands,
  debugCommands,
  hyperloglogCommands,
  functionCommands,
  geoCommands,
];

export function buildCommandTable(subsystemGroups: readonly (readonly CommandSpec[])[] = []): Map<string, CommandSpec> {
  const table = new Map<string, CommandSpec>();
  for (const group of [...coreGroups, ...subsystemGroups]) {
    for (const spec of group) {
      if (table.has(spec.name)) throw new Error(`command ${spec.name} registered twice`);
      table.set(spec.name, spec);
    }
  }
  for (const spec of [...table.values()]) table.set(spec.name.toUpperCase(), spec);
  return table;
}

/** Distinct specs (without the upper-case aliases). */
export function uniqueCommands(table: ReadonlyMap<string, CommandSpec>): CommandSpec[] {
  return [...new Set(table.values())];
}
