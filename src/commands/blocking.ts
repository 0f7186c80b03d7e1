/**
 * Blocking commands' machinery (BLPOP, BLMOVE, BZPOPMIN, ...), after Redis's blocked.c:
 * a client blocks on keys with a timeout; when a key may have become ready (a push), it is
 * signalled, and after the current command the blocked clients on it are served in the
 * order they blocked (first blocked, first served).
 *
 * How it fits the server:
 * - blockClient() sets c.flags.blocked, which stops the session loop from reading the
 *   client's next requests; unblocking clears it and calls c.resume().
 * - signalKeyAsReady() only queues the key; serving happens in the dispatcher's `after`
 *   hook, so a push inside MULTI/EXEC (or a script) wakes clients after EXEC, with the
 *   transaction's effects already propagated, exactly as Redis's handleClientsBlockedOnKeys.
 * - Serving one client can make other keys ready (BLMOVE pushes to its destination);
 *   the loop runs until no key is ready.
 * - As a safety net for code paths that create keys without signalling (RENAME, MOVE,
 *   COPY, RESTORE, SWAPDB...), after any write the keys that clients wait on and that now
 *   exist are treated as ready too. tryServe() decides whether the value can serve.
 *
 * Replies to a served or timed-out client are written outside its own request processing,
 * so they are flushed with c.flushSoon().
 */
import { CommandError, Err } from '../errors.js';
import type { Database } from '../keyspace/keyspace.js';
import type { NodeHost } from './host.js';
import { parseDoubleOrNull } from './args.js';
import type { Client } from './context.js';

interface BlockedState {
  readonly c: Client;
  readonly db: Database;
  readonly keys: string[];
  readonly tryServe: (key: string) => boolean;
  readonly onTimeout: () => void;
  /** Absolute deadline (Date.now() ms), 0 = forever. */
  readonly deadline: number;
  timer: NodeJS.Timeout | null;
  active: boolean;
}

/** Clients blocked, by database then key, each key's waiters in blocking order. */
const waitersByDb = new Map<Database, Map<string, Set<BlockedState>>>();
const byClient = new Map<Client, BlockedState>();
/** Keys signalled during the current command, in signal order, deduplicated. */
let readyKeys: { db: Database; key: string }[] = [];
const readySet = new Map<Database, Set<string>>();
/** Guards against re-entering the serving loop from a hook run during serving. */
let serving = false;
/** The keyspace dirty counters seen after the last serving pass, per keyspace. */
const lastDirty = new WeakMap<object, number>();

/** setTimeout's limit; longer timeouts re-arm until the deadline. */
const MAX_TIMER = 2 ** 31 - 1;

/** Commands whose queued or scripted commands must not block (they reply as if timed out). */
const NO_BLOCKING_CONTEXT = new Set(['exec', 'eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

/**
 * Parse a blocking command's timeout, in seconds with decimals, as Redis's
 * getTimeoutFromObjectOrReply: returns milliseconds (truncated), 0 meaning forever.
 */
export function parseTimeout(arg: string): number {
  const f = parseDoubleOrNull(arg);
  if (f === null) throw new CommandError(Err.TIMEOUT_NOT_FLOAT);
  const ms = f * 1000;
  // Redis casts the long double to long long; values outside its range become LLONG_MIN
  // on x86, hence "negative" for inf and huge numbers.
  if (!Number.isFinite(ms) || Math.abs(ms) >= 9223372036854775807) throw new CommandError(Err.TIMEOUT_NEGATIVE);
  const t = Math.trunc(ms);
  if (t < 0) throw new CommandError(Err.TIMEOUT_NEGATIVE);
  if (t > 9223372036854775807 - Date.now()) throw new CommandError('ERR timeout is out of range');
  return t === 0 ? 0 : t;
}

/** Whether c may block now: not inside MULTI/EXEC or a script (there it replies as on timeout). */
export function mayBlock(c: Client): boolean {
  return !c.flags.multi && !NO_BLOCKING_CONTEXT.has(c.lastCommand);
}

/**
 * Block c on keys (in c.db) for timeoutMs (0 = forever). When one of the keys is signalled,
 * tryServe(key) is called; it returns true when it served the client (replied and changed
 * the keyspace), which unblocks it. onTimeout() replies when the time runs out.
 *
 * tryServe runs outside the client's own command: it must check the key's type itself
 * (return false to keep waiting), and propagates its effect with c.propagateAs([...]) as
 * a handler would (e.g. BLPOP served propagates as LPOP); each served client's effect is
 * propagated as its own unit. Inside MULTI/EXEC or a script, where Redis never blocks,
 * onTimeout() is called at once.
 */
export function blockClient(c: Client, keys: string[], timeoutMs: number, tryServe: (key: string) => boolean, onTimeout: () => void): void {
  if (!mayBlock(c)) {
    onTimeout();
    return;
  }
  if (byClient.has(c)) unblock(byClient.get(c)!);
  const db = c.db;
  const st: BlockedState = {
    c,
    db,
    keys: [...new Set(keys)],
    tryServe,
    onTimeout,
    deadline: timeoutMs > 0 ? Date.now() + timeoutMs : 0,
    timer: null,
    active: true,
  };
  let perDb = waitersByDb.get(db);
  if (!perDb) waitersByDb.set(db, (perDb = new Map()));
  for (const key of st.keys) {
    let set = perDb.get(key);
    if (!set) perDb.set(key, (set = new Set()));
    set.add(st);
  }
  byClient.set(c, st);
  c.flags.blocked = true;
  if (st.deadline !== 0) armTimer(st);
}

function armTimer(st: BlockedState): void {
  const left = st.deadline - Date.now();
  st.timer = setTimeout(
    () => {
      st.timer = null;
      if (!st.active) return;
      if (Date.now() < st.deadline) return armTimer(st);
      timeOut(st);
    },
    Math.min(Math.max(left, 0), MAX_TIMER),
  );
}

function timeOut(st: BlockedState): void {
  unblock(st);
  st.onTimeout();
  st.c.flushSoon();
  st.c.resume();
}

/** Remove a client from the blocking tables (no reply). */
function unblock(st: BlockedState): void {
  if (!st.active) return;
  st.active = false;
  if (st.timer !== null) clearTimeout(st.timer);
  st.timer = null;
  const perDb = waitersByDb.get(st.db);
  if (perDb) {
    for (const key of st.keys) {
      const set = perDb.get(key);
      if (!set) continue;
      set.delete(st);
      if (set.size === 0) perDb.delete(key);
    }
    if (perDb.size === 0) waitersByDb.delete(st.db);
  }
  byClient.delete(st.c);
  st.c.flags.blocked = false;
}

/** Tell blocked clients that key may now satisfy them (called by pushes and adds). */
export function signalKeyAsReady(db: Database, key: string): void {
  const perDb = waitersByDb.get(db);
  if (!perDb?.has(key)) return;
  let set = readySet.get(db);
  if (!set) readySet.set(db, (set = new Set()));
  if (set.has(key)) return;
  set.add(key);
  readyKeys.push({ db, key });
}

/**
 * Serve the clients blocked on ready keys (Redis's handleClientsBlockedOnKeys). Runs after
 * every top-level command.
 */
export function handleClientsBlockedOnKeys(dirty: { value: number; owner: object } | null = null): void {
  if (serving) return;
  if (byClient.size === 0) {
    // Runs after every command: allocate nothing when there is nothing to drop.
    if (readyKeys.length !== 0) readyKeys = [];
    if (readySet.size !== 0) readySet.clear();
    return;
  }
  if (dirty !== null) {
    const before = lastDirty.get(dirty.owner);
    if (before !== dirty.value) {
      lastDirty.set(dirty.owner, dirty.value);
      // Keys created without a signal (RENAME, RESTORE, SWAPDB...): any waited key that exists.
      for (const [db, perDb] of waitersByDb) for (const key of perDb.keys()) if (db.dict.has(key)) signalKeyAsReady(db, key);
    }
  }
  if (readyKeys.length === 0) return;
  serving = true;
  try {
    while (readyKeys.length !== 0) {
      const batch = readyKeys;
      readyKeys = [];
      readySet.clear();
      for (const { db, key } of batch) serveKey(db, key);
    }
  } finally {
    serving = false;
  }
}

function serveKey(db: Database, key: string): void {
  const set = waitersByDb.get(db)?.get(key);
  if (!set) return;
  for (const st of [...set]) {
    if (!st.active) continue;
    if (db.get(key) === undefined) return;
    const captured: string[][] = [];
    const c = st.c as Client & { propagateAs: (argv: string[]) => void };
    // Outside a command there is no dispatcher unit to join: capture the handler-style
    // propagateAs calls and send them as this client's own unit (Redis's afterCommand).
    const own = Object.hasOwn(c, 'propagateAs');
    const saved = c.propagateAs;
    c.propagateAs = (argv: string[]) => void captured.push(argv);
    let served = false;
    try {
      served = st.tryServe(key);
    } catch (err) {
      // An error reply (BLMOVE to a key of another type) ends the wait, as in Redis; a bug
      // must not take the whole server down with it, so it answers and unblocks too.
      const reply = err instanceof CommandError ? err.reply : 'ERR internal error while serving a blocked client';
      st.c.server.dispatch.replyError(st.c, reply);
      served = true;
    } finally {
      if (own) c.propagateAs = saved;
      else delete (c as { propagateAs?: unknown }).propagateAs;
    }
    if (!served) continue;
    unblock(st);
    propagateUnit(st.c, st.db.id, captured);
    st.c.flushSoon();
    st.c.resume();
  }
}

function propagateUnit(c: Client, dbId: number, effects: string[][]): void {
  if (effects.length === 0) return;
  const server = c.server;
  if (effects.length === 1) {
    server.propagate(dbId, effects[0]!);
    return;
  }
  server.propagate(dbId, ['MULTI']);
  for (const e of effects) server.propagate(dbId, e);
  server.propagate(dbId, ['EXEC']);
}

/** CLIENT UNBLOCK: as a timeout, or with Redis's UNBLOCKED error. */
function unblockByCommand(c: Client, withError: boolean): boolean {
  const st = byClient.get(c);
  if (!st?.active) return false;
  unblock(st);
  if (withError) c.server.dispatch.replyError(c, 'UNBLOCKED client unblocked via CLIENT UNBLOCK');
  else st.onTimeout();
  c.flushSoon();
  c.resume();
  return true;
}

/** Installer (src/features.ts): serve ready keys after commands, drop closed clients, CLIENT UNBLOCK. */
export function installBlocking(node: NodeHost): void {
  const ks = node.keyspace;
  const dirty = { value: 0, owner: ks };
  node.dispatch.hooks.after.push(() => {
    dirty.value = ks.dirty;
    handleClientsBlockedOnKeys(dirty);
  });
  node.closeHooks.push((c) => {
    const st = byClient.get(c);
    if (st) unblock(st);
  });
  node.shutdownHooks.push(() => {
    for (const st of [...byClient.values()]) if (st.c.server === node) unblock(st);
  });
  node.ext.unblockClient = unblockByCommand;
}
