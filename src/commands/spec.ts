/**
 * Commands are data: one CommandSpec per command, registered by its group file.
 *
 * The dispatcher checks arity, flags, authentication and MULTI state once, from the spec;
 * handlers never re-check. COMMAND, COMMAND INFO/DOCS/GETKEYS and ACL categories are
 * generated from the same table.
 */
import type { CommandDocsExtra, CommandFlag, CommandGroup, CommandSpec, Handler, KeySpec } from './context.js';

export type { CommandDocsExtra, CommandFlag, CommandGroup, CommandSpec, Handler, KeySpec } from './context.js';

/** Redis's ACL categories in the order ACL CAT and COMMAND INFO list them. */
export const ACL_CATEGORIES = [
  'keyspace',
  'read',
  'write',
  'set',
  'sortedset',
  'list',
  'hash',
  'string',
  'bitmap',
  'hyperloglog',
  'geo',
  'stream',
  'pubsub',
  'admin',
  'fast',
  'slow',
  'blocking',
  'dangerous',
  'connection',
  'transaction',
  'scripting',
];

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

/**
 * Parse a key spec written compactly, as the definitions do:
 * `"FLAGS... | index N | range LAST STEP LIMIT"`, `"... | keyword KW FROM | keynum IDX FIRST STEP"`,
 * `"... | unknown | unknown"`, with an optional `" # notes"` at the end.
 */
export function parseKeySpec(text: string): KeySpec {
  const hash = text.indexOf(' # ');
  const notes = hash >= 0 ? text.slice(hash + 3) : undefined;
  const [flagPart, beginPart, findPart] = (hash >= 0 ? text.slice(0, hash) : text).split('|').map((x) => x.trim().split(/\s+/));
  if (!flagPart || !beginPart || !findPart) throw new Error(`bad key spec: ${text}`);
  const n = (x: string | undefined) => {
    const v = Number(x);
    if (!Number.isInteger(v)) throw new Error(`bad key spec number in: ${text}`);
    return v;
  };
  let begin: KeySpec['begin'];
  if (beginPart[0] === 'index') begin = { type: 'index', index: n(beginPart[1]) };
  else if (beginPart[0] === 'keyword') begin = { type: 'keyword', keyword: beginPart[1]!, startfrom: n(beginPart[2]) };
  else if (beginPart[0] === 'unknown') begin = { type: 'unknown' };
  else throw new Error(`bad key spec begin in: ${text}`);
  let find: KeySpec['find'];
  if (findPart[0] === 'range') find = { type: 'range', lastkey: n(findPart[1]), keystep: n(findPart[2]), limit: n(findPart[3]) };
  else if (findPart[0] === 'keynum') find = { type: 'keynum', keynumidx: n(findPart[1]), firstkey: n(findPart[2]), keystep: n(findPart[3]) };
  else if (findPart[0] === 'unknown') find = { type: 'unknown' };
  else throw new Error(`bad key spec find in: ${text}`);
  return { ...(notes !== undefined ? { notes } : {}), flags: flagPart.filter(Boolean), begin, find };
}

/** The one key spec a plain legacy range implies (what most single-key commands have). */
function legacyKeySpec(first: number, last: number, step: number, flags: readonly string[]): KeySpec[] {
  if (first <= 0) return [];
  const kf = flags.includes('write') ? ['RW', 'update'] : flags.includes('readonly') ? ['RO', 'access'] : ['not_key'];
  return [{ flags: kf, begin: { type: 'index', index: first }, find: { type: 'range', lastkey: last < 0 ? last : last - first, keystep: step, limit: 0 } }];
}

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
  /** Omitted: "O(1)"; the empty string: Redis documents no complexity. */
  complexity?: string;
  /** Key specs in parseKeySpec's notation; omitted: derived from `keys` and the flags. */
  keySpecs?: readonly string[];
  docs?: CommandDocsExtra;
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
    keySpecs: def.keySpecs ? def.keySpecs.map(parseKeySpec) : legacyKeySpec(firstKey, lastKey, step, flags),
    docs: def.docs ?? {},
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
  // "-keyspace" removes what the group implied: Redis lists categories per command, and a
  // few (WAIT: group generic, category @connection) differ from their group's.
  for (const extra of spec.aclCategories) {
    if (extra.startsWith('-')) cats.delete(extra.slice(1));
    else cats.add(extra);
  }
  return [...cats];
}
