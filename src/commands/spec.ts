/**
 * Commands are data: one CommandSpec per command, registered by its group file.
 *
 * The dispatcher checks arity, flags, authentication and MULTI state once, from the spec;
 * handlers never re-check. COMMAND, COMMAND INFO/DOCS/GETKEYS and ACL categories are
 * generated from the same table.
 */
import type { CommandFlag, CommandGroup, CommandSpec, Handler } from './context.js';

export type { CommandFlag, CommandGroup, CommandSpec, Handler } from './context.js';

export const F = {
  write: 1 << 0,
  readonly: 1 << 1,
  denyoom: 1 << 2,
  admin: 1 << 3,
  pubsub: 1 << 4,
  noscript: 1 << 5,
  blocking: 1 << 6,
  loading: 1 << 7,
  stale: 1 << 8,
  skip_monitor: 1 << 9,
  skip_slowlog: 1 << 10,
  fast: 1 << 11,
  no_auth: 1 << 12,
  may_replicate: 1 << 13,
  no_multi: 1 << 14,
  movablekeys: 1 << 15,
  allow_busy: 1 << 16,
  no_mandatory_keys: 1 << 17,
  protected: 1 << 18,
} as const;

export interface CommandDefinition {
  name: string;
  arity: number;
  /** Space-separated flags, e.g. "write denyoom fast". */
  flags?: string;
  /** [first, last, step]; omitted for commands without keys. */
  keys?: readonly [number, number, number];
  group: CommandGroup;
  handler?: Handler;
  getKeys?: (argv: readonly string[]) => number[];
  acl?: string;
  summary: string;
  since: string;
  complexity?: string;
  subcommands?: CommandDefinition[];
}

/** Build a CommandSpec from its compact definition. */
export function defineCommand(def: CommandDefinition, parent?: CommandSpec): CommandSpec {
  const flags = (def.flags ?? '').split(/\s+/).filter(Boolean) as CommandFlag[];
  let bits = 0;
  for (const f of flags) bits |= (F as Record<string, number>)[f] ?? 0;
  if (def.getKeys) bits |= F.movablekeys;
  const [firstKey, lastKey, step] = def.keys ?? [0, 0, 0];
  const spec: CommandSpec = {
    name: def.name.toLowerCase(),
    fullName: parent ? `${parent.name}|${def.name.toLowerCase()}` : def.name.toLowerCase(),
    arity: def.arity,
    flags: def.getKeys && !flags.includes('movablekeys') ? [...flags, 'movablekeys'] : flags,
    firstKey,
    lastKey,
    step,
    group: def.group,
    aclCategories: (def.acl ?? '').split(/\s+/).filter(Boolean),
    handler: def.handler ?? (() => {}),
    getKeys: def.getKeys,
    bare: def.subcommands !== undefined && def.handler !== undefined,
    summary: def.summary,
    since: def.since,
    complexity: def.complexity ?? 'O(1)',
    bits,
    parent,
    stats: { calls: 0, usec: 0, rejected: 0, failed: 0 },
  };
  if (def.subcommands) {
    const subs = new Map<string, CommandSpec>();
    for (const sd of def.subcommands) subs.set(sd.name.toLowerCase(), defineCommand(sd, spec));
    (spec as { subcommands?: ReadonlyMap<string, CommandSpec> }).subcommands = subs;
  }
  return spec;
}

/** Positions of the keys in argv, from the spec (legacy range or getKeys). */
export function keyPositions(spec: CommandSpec, argv: readonly string[]): number[] {
  if (spec.getKeys) return spec.getKeys(argv);
  if (spec.firstKey <= 0) return [];
  const last = spec.lastKey < 0 ? argv.length + spec.lastKey : spec.lastKey;
  const out: number[] = [];
  for (let i = spec.firstKey; i <= last && i < argv.length; i += spec.step) out.push(i);
  return out;
}

/** ACL categories of a command as Redis derives them: flags, group, and explicit extras. */
export function aclCategoriesOf(spec: CommandSpec): string[] {
  const cats = new Set<string>();
  const b = spec.bits;
  if (b & F.write) cats.add('write');
  if (b & F.readonly && spec.group !== 'scripting') cats.add('read');
  if (b & F.admin) {
    cats.add('admin');
    cats.add('dangerous');
  }
  if (b & F.pubsub) cats.add('pubsub');
  if (b & F.fast) cats.add('fast');
  if (b & F.blocking) cats.add('blocking');
  if (!(b & F.fast)) cats.add('slow');
  const groupCategory: Partial<Record<CommandGroup, string>> = {
    generic: 'keyspace',
    string: 'string',
    list: 'list',
    set: 'set',
    'sorted-set': 'sortedset',
    hash: 'hash',
    hyperloglog: 'hyperloglog',
    geo: 'geo',
    stream: 'stream',
    bitmap: 'bitmap',
    transactions: 'transaction',
    connection: 'connection',
    scripting: 'scripting',
  };
  const g = groupCategory[spec.group];
  if (g) cats.add(g);
  for (const extra of spec.aclCategories) cats.add(extra);
  return [...cats];
}
