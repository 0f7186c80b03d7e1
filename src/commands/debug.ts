/**
 * DEBUG, refused unless enable-debug-command allows it, exactly as Redis 7.0 refuses it
 * (the check is made after arity and authentication, before MULTI queueing: a guard).
 * The subcommands that tests and tools use: SLEEP, SET-ACTIVE-EXPIRE, OBJECT, DIGEST,
 * DIGEST-VALUE, CHANGE-REPL-ID, QUICKLIST-PACKED-THRESHOLD, RELOAD (until persistence
 * provides it), HELP.
 */
import { createHash } from 'node:crypto';
import { CommandError, Err } from '../errors.js';
import { parseDoubleOrNull } from './args.js';
import { encodingOfString } from './string.js';
import { replyHelp } from './client.js';
import type { Client, ServerContext } from './context.js';
import type { Database, RValue } from '../keyspace/keyspace.js';
import { defineCommand, type CommandSpec } from './spec.js';

declare module './context.js' {
  interface ServerExtensions {
    /** DEBUG RELOAD: save and reload the dataset (persistence provides it). */
    debugReload?: (c: Client) => string | null;
    /** DEBUG SET-ACTIVE-EXPIRE: the cron skips active expiry while false. */
    activeExpire?: { enabled: boolean };
  }
}

/** Whether a client may run a protected command under an enable-*-command setting. */
export function protectedAllowed(c: Client, setting: string): boolean {
  return setting === 'yes' || (setting === 'local' && c.local);
}

/** Dispatcher guard: DEBUG is refused before it runs (or is queued in MULTI). */
export function installDebugGuard(server: ServerContext): void {
  server.dispatch.hooks.guards.push((c, spec) => {
    const name = spec.parent ? spec.parent.name : spec.name;
    if (name !== 'debug') return null;
    if (protectedAllowed(c, server.config.get('enable-debug-command'))) return null;
    return Err.DEBUG_DISABLED('DEBUG');
  });
}

function sha1(data: Buffer | string): Buffer {
  return createHash('sha1')
    .update(typeof data === 'string' ? Buffer.from(data, 'latin1') : data)
    .digest();
}

/** Redis's xorDigest: digest ^= SHA1(data). */
function xorDigest(digest: Buffer, data: string): void {
  const h = sha1(data);
  for (let i = 0; i < 20; i++) digest[i]! ^= h[i]!;
}

/** Redis's mixDigest: digest = SHA1(digest ^ SHA1(data)). */
function mixDigest(digest: Buffer, data: string): void {
  xorDigest(digest, data);
  sha1(digest).copy(digest);
}

/**
 * A value's digest. Strings follow Redis's debug.c exactly; other types digest a sorted
 * canonical dump of their content (the same for equal values, but not Redis's bytes).
 */
function valueDigest(db: Database, key: string, v: RValue): Buffer {
  const digest = Buffer.alloc(20);
  // The type code first, as a 32-bit big-endian integer (OBJ_STRING 0, OBJ_LIST 1, ...).
  const code = typeof v === 'string' ? 0 : ({ list: 1, set: 2, zset: 3, hash: 4, stream: 6 } as const)[v.type];
  mixDigest(digest, String.fromCharCode(0, 0, 0, code));
  if (typeof v === 'string') {
    mixDigest(digest, v);
  } else {
    const dump = JSON.stringify((v as unknown as { toJSON?: () => unknown }).toJSON?.() ?? v, (_k, x) => (x instanceof Map ? [...x].sort() : x instanceof Set ? [...x].sort() : x));
    mixDigest(digest, `${v.type}:${dump}`);
  }
  if (db.expires.has(key)) xorDigest(digest, '!!expire!!');
  return digest;
}

function sleepMs(ms: number): void {
  // DEBUG SLEEP blocks the whole server, as in Redis.
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function debug(c: Client, argv: string[]): void {
  const sub = argv[1]!.toLowerCase();
  const n = argv.length;
  const unknown = () => new CommandError(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try DEBUG HELP.`);
  switch (sub) {
    case 'help':
      if (n !== 2) throw unknown();
      return replyHelp(c, 'DEBUG', HELP_LINES);
    case 'sleep': {
      if (n !== 3) throw unknown();
      const secs = parseDoubleOrNull(argv[2]!);
      sleepMs(secs === null || !Number.isFinite(secs) ? 0 : secs * 1000);
      return c.reply.ok();
    }
    case 'set-active-expire': {
      if (n !== 3) throw unknown();
      const state = (c.server.ext.activeExpire ??= { enabled: true });
      state.enabled = Number.parseInt(argv[2]!, 10) !== 0 && !Number.isNaN(Number.parseInt(argv[2]!, 10));
      return c.reply.ok();
    }
    case 'object': {
      if (n !== 3) throw unknown();
      const v = c.db.get(argv[2]!);
      if (v === undefined) throw new CommandError(Err.NO_SUCH_KEY);
      const enc = typeof v === 'string' ? encodingOfString(v) : v.encoding();
      const len = typeof v === 'string' ? v.length + 1 : v.memoryUsage();
      return c.reply.simple(`Value at:0x0 refcount:1 encoding:${enc} serializedlength:${len} lru:${Math.floor(Date.now() / 1000) & 0xffffff} lru_seconds_idle:0`);
    }
    case 'digest-value': {
      c.reply.arrayHeader(n - 2);
      for (let i = 2; i < n; i++) {
        const v = c.db.get(argv[i]!);
        c.reply.simple(v === undefined ? '0'.repeat(40) : valueDigest(c.db, argv[i]!, v).toString('hex'));
      }
      return;
    }
    case 'digest': {
      if (n !== 2) throw unknown();
      const total = Buffer.alloc(20);
      let empty = true;
      for (const db of c.server.keyspace.dbs) {
        if (db.dict.size === 0) continue;
        empty = false;
        mixDigest(total, `db${db.id}`);
        for (const [key, v] of db.dict) {
          const d = valueDigest(db, key, v);
          const kd = Buffer.alloc(20);
          mixDigest(kd, key);
          for (let i = 0; i < 20; i++) total[i]! ^= d[i]! ^ kd[i]!;
        }
      }
      return c.reply.simple(empty ? '0'.repeat(40) : total.toString('hex'));
    }
    case 'reload': {
      const fn = c.server.ext.debugReload;
      if (!fn) throw new CommandError('ERR DEBUG RELOAD is not available: this server has no persistence');
      const err = fn(c);
      if (err) throw new CommandError(err);
      return c.reply.ok();
    }
    case 'change-repl-id':
    case 'quicklist-packed-threshold':
    case 'listpack':
    case 'quicklist':
      if (sub === 'change-repl-id' ? n !== 2 : n !== 3) throw unknown();
      return c.reply.ok();
    default:
      throw unknown();
  }
}

const HELP_LINES = [
  'CHANGE-REPL-ID',
  '    Change the replication IDs of the instance.',
  '    Dangerous: should be used only for testing the replication subsystem.',
  'DIGEST',
  '    Output a hex signature representing the current DB content.',
  'DIGEST-VALUE <key> [<key> ...]',
  '    Output a hex signature of the values of all the specified keys.',
  'OBJECT <key>',
  '    Show low level info about the `key` and associated value.',
  'QUICKLIST-PACKED-THRESHOLD <size>',
  '    Sets the threshold for elements to be inserted as plain vs packed nodes',
  '    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.',
  'RELOAD [option ...]',
  '    Save the RDB on disk and reload it back to memory.',
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Setting it to 0 disables expiring keys in background when they are not',
  '    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the',
  '    default.',
  'SLEEP <seconds>',
  '    Stop the server for <seconds>. Decimals allowed.',
];

export const debugCommands: CommandSpec[] = [
  defineCommand({
    name: 'debug',
    docs: { docFlags: ['syscmd'] },
    arity: -2,
    flags: 'admin noscript loading stale protected',
    group: 'server',
    handler: debug,
    summary: 'A container for debugging commands',
    since: '1.0.0',
    complexity: 'Depends on subcommand.',
  }),
];
