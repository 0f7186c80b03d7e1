/**
 * HyperLogLog commands: PFADD PFCOUNT PFMERGE (Redis's hyperloglog.c).
 *
 * An HLL is an ordinary string value in Redis's own format (see util/hll.ts), so GET,
 * DUMP/RESTORE, RDB files and replication carry it between dssm and Redis unchanged.
 *
 * PFCOUNT of one key stores the computed cardinality in the value's header; like Redis,
 * that change is propagated (as the PFCOUNT itself) so replicas and the AOF keep the
 * same bytes.
 */
import { CommandError, Err } from '../errors.js';
import type { Database } from '../keyspace/keyspace.js';
import { HLL_DENSE, HLL_REGISTERS, HllValue, denseWouldChange, estimate, histogramOfRaw, isHllString, mergeRegisters, newHistogram } from '../util/hll.js';
import type { Client } from './context.js';
import { defineCommand, type CommandSpec } from './spec.js';

const ERR_NOT_HLL = 'WRONGTYPE Key is not a valid HyperLogLog string value.';
const ERR_CORRUPT = 'INVALIDOBJ Corrupted HLL object detected';

const histo = newHistogram();

/** The HLL string at key (undefined if missing); WRONGTYPE for other types and for strings that are not HLLs. */
function getHll(db: Database, key: string, forRead: boolean): string | undefined {
  const v = forRead ? db.read(key) : db.get(key);
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new CommandError(Err.WRONGTYPE);
  if (!isHllString(v)) throw new CommandError(ERR_NOT_HLL);
  return v;
}

function sparseMaxBytes(c: Client): number {
  return c.server.config.int('hll-sparse-max-bytes');
}

function pfadd(c: Client, argv: string[]): void {
  const db = c.db;
  const key = argv[1]!;
  const old = getHll(db, key, false);
  if (old !== undefined && old.charCodeAt(4) === HLL_DENSE && !denseWouldChange(old, argv, 2)) return c.reply.int(0);
  const hll = old === undefined ? HllValue.empty() : HllValue.from(old);
  // Creating the key counts as an update even without elements.
  let updated = old === undefined ? 1 : 0;
  const max = sparseMaxBytes(c);
  for (let j = 2; j < argv.length; j++) {
    const r = hll.add(argv[j]!, max);
    if (r === 1) updated++;
    else if (r < 0) {
      // Redis changes the value in place: what was added before the corrupt spot stays,
      // unannounced and (the command failing) unpropagated.
      if (updated !== 0) db.replace(key, hll.toString());
      throw new CommandError(ERR_CORRUPT);
    }
  }
  if (updated !== 0) {
    hll.invalidateCache();
    if (old === undefined) db.add(key, hll.toString());
    else db.replace(key, hll.toString());
    c.server.notify('string', 'pfadd', key, db.id);
  }
  c.reply.int(updated !== 0 ? 1 : 0);
}

function pfcount(c: Client, argv: string[]): void {
  const db = c.db;
  if (argv.length > 2) {
    // The cardinality of the union, over registers kept one per byte.
    const max = new Uint8Array(HLL_REGISTERS);
    for (let j = 1; j < argv.length; j++) {
      const v = getHll(db, argv[j]!, true);
      if (v === undefined) continue;
      if (!mergeRegisters(max, v)) throw new CommandError(ERR_CORRUPT);
    }
    histogramOfRaw(max, histo);
    return c.reply.int(estimate(histo));
  }
  const key = argv[1]!;
  const v = getHll(db, key, true);
  if (v === undefined) return c.reply.int(0);
  if ((v.charCodeAt(15) & 0x80) === 0) {
    // A valid cache: the 8 header bytes, little endian (far below 2^53 in practice).
    let card = 0;
    for (let i = 15; i >= 8; i--) card = card * 256 + v.charCodeAt(i);
    return c.reply.int(card);
  }
  const hll = HllValue.from(v);
  if (!hll.histogram(histo)) throw new CommandError(ERR_CORRUPT);
  const card = estimate(histo);
  hll.setCachedCardinality(card);
  db.replace(key, hll.toString());
  c.propagateAs(argv.slice());
  c.reply.int(card);
}

function pfmerge(c: Client, argv: string[]): void {
  const db = c.db;
  const max = new Uint8Array(HLL_REGISTERS);
  let useDense = false;
  // The destination is one of the inputs.
  for (let j = 1; j < argv.length; j++) {
    const v = getHll(db, argv[j]!, true);
    if (v === undefined) continue;
    if (v.charCodeAt(4) === HLL_DENSE) useDense = true;
    if (!mergeRegisters(max, v)) throw new CommandError(ERR_CORRUPT);
  }
  const key = argv[1]!;
  const old = db.get(key) as string | undefined;
  const hll = old === undefined ? HllValue.empty() : HllValue.from(old);
  // With a dense input the result will be dense anyway: convert first, as Redis does,
  // rather than growing the sparse form register by register.
  if (useDense && !hll.toDense()) throw new CommandError(ERR_CORRUPT);
  if (hll.encoding === HLL_DENSE) hll.raiseDense(max);
  else {
    const limit = sparseMaxBytes(c);
    for (let j = 0; j < HLL_REGISTERS; j++) {
      if (max[j] !== 0) hll.set(j, max[j]!, limit);
    }
  }
  hll.invalidateCache();
  if (old === undefined) db.add(key, hll.toString());
  else db.replace(key, hll.toString());
  // Redis announces a merge as a pfadd event.
  c.server.notify('string', 'pfadd', key, db.id);
  c.reply.ok();
}

export const hyperloglogCommands: CommandSpec[] = [
  defineCommand({
    name: 'pfadd',
    keySpecs: ['RW insert | index 1 | range 0 1 0'],
    arity: -2,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    group: 'hyperloglog',
    handler: pfadd,
    summary: 'Adds the specified elements to the specified HyperLogLog.',
    since: '2.8.9',
    complexity: 'O(1) to add every element.',
  }),
  defineCommand({
    name: 'pfcount',
    keySpecs: ['RW access | index 1 | range -1 1 0 # RW because it may change the internal representation of the key, and propagate to replicas'],
    arity: -2,
    flags: 'readonly',
    keys: [1, -1, 1],
    group: 'hyperloglog',
    handler: pfcount,
    summary: 'Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).',
    since: '2.8.9',
    complexity: 'O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.',
  }),
  defineCommand({
    name: 'pfmerge',
    keySpecs: ['RW access insert | index 1 | range 0 1 0', 'RO access | index 2 | range -1 1 0'],
    arity: -2,
    flags: 'write denyoom',
    keys: [1, -1, 1],
    group: 'hyperloglog',
    handler: pfmerge,
    summary: 'Merge N different HyperLogLogs into a single one.',
    since: '2.8.9',
    complexity: 'O(N) to merge N HyperLogLogs, but with high constant times.',
  }),
];
