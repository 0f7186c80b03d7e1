/**
 * The dispatcher: from an argument vector to a reply, with every check Redis makes
 * before a command runs, made once, here, in Redis's order (processCommand in server.c):
 *
 *   lookup → subcommand → arity → authentication → ACL → pub/sub context → MULTI queueing
 *   → loading/readonly/OOM guards → call
 *
 * `call` runs a handler and afterwards propagates the command's effect (to the AOF and
 * replicas, through the server's propagation sinks), feeds INFO commandstats, SLOWLOG
 * and MONITOR. A command that changed nothing (the keyspace's dirty counter did not
 * move) is not propagated.
 */
import { performance } from 'node:perf_hooks';
import { CommandError, Err, unknownCommand } from '../errors.js';
import { channels } from '../observe/events.js';
import { ReplyTooLargeError } from '../protocol/resp-writer.js';
import type { Client, DispatchHooks, ServerContext } from './context.js';
import { F, type CommandSpec } from './spec.js';
import { discardTransaction } from './transaction.js';

/** Commands allowed while a RESP2 client is subscribed. */
const PUBSUB_ALLOWED = new Set(['ping', 'subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe', 'ssubscribe', 'sunsubscribe', 'quit', 'reset']);
/** Commands that run immediately inside MULTI rather than being queued. */
const MULTI_IMMEDIATE = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

export class Dispatcher {
  readonly hooks: DispatchHooks = { guards: [], after: [], monitorFeed: null, slowlog: null, beforeWrite: null };
  /** Effects of the current top-level command, to propagate as one unit. */
  private pending: { db: number; argv: readonly string[] }[] = [];
  /** Nesting depth of call(): EXEC calls commands inside a command. */
  private depth = 0;
  /** The argv a handler asked to propagate instead of its own (propagateAs). */
  private replaced: string[][] | null = null;

  constructor(
    private readonly server: ServerContext,
    private readonly table: ReadonlyMap<string, CommandSpec>,
  ) {}

  /** Names in other letter cases (`SET`, `Get`) seen so far, to skip lowercasing. */
  private readonly aliases = new Map<string, CommandSpec>();

  /** Find a command by name in any letter case. */
  lookup(name: string): CommandSpec | undefined {
    const spec = this.table.get(name) ?? this.aliases.get(name);
    if (spec !== undefined) return spec;
    const found = this.table.get(name.toLowerCase());
    // Only real command names are remembered, so the cache stays small (at most a few
    // spellings per command; reset if a client cycles through letter cases).
    if (found !== undefined) {
      if (this.aliases.size >= 4096) this.aliases.clear();
      this.aliases.set(name, found);
    }
    return found;
  }

  /**
   * Resolve argv to the spec that runs it (a subcommand for container commands), or reply
   * with the error and return null. Used for execution and for COMMAND GETKEYS.
   */
  resolve(_c: Client | null, argv: string[]): CommandSpec | string {
    const base = this.lookup(argv[0]!);
    if (base === undefined) return unknownCommand(argv);
    let spec = base;
    if (base.subcommands && !(argv.length < 2 && base.bare)) {
      if (argv.length < 2) return Err.WRONG_ARITY(base.fullName);
      const sub = base.subcommands.get(argv[1]!) ?? base.subcommands.get(argv[1]!.toLowerCase());
      if (sub === undefined) return Err.UNKNOWN_SUBCOMMAND(argv[1]!, base.name);
      spec = sub;
    }
    const arity = spec.arity;
    if ((arity > 0 && argv.length !== arity) || argv.length < -arity) return Err.WRONG_ARITY(spec.fullName);
    return spec;
  }

  /** Run one request from a client: all checks, then the command (or queue it in MULTI). */
  execute(c: Client, argv: string[]): void {
    const server = this.server;
    // The monotonic read times the command (commandstats); the server's millisecond clock is
    // the wall clock of this moment, read for every command as Redis's mstime() is. A cached
    // wall clock (re-read once a millisecond) lags the real one by up to 2 ms, so a client
    // that set PXAT now+10000 read back a PTTL of 10001.
    const start = performance.now();
    server.clock.now = Date.now();
    const resolved = this.resolve(c, argv);
    if (typeof resolved === 'string') {
      if (c.flags.multi) c.flags.dirtyExec = true;
      this.reject(c, resolved, argv);
      const base = this.lookup(argv[0]!);
      if (base) base.stats.rejected++;
      return;
    }
    const spec = resolved;
    const bits = spec.bits;
    if (!c.authenticated && !(bits & F.no_auth)) {
      // Redis lets AUTH/HELLO through; every other command needs authentication first.
      if (c.flags.multi) c.flags.dirtyExec = true;
      spec.stats.rejected++;
      return this.reject(c, Err.NOAUTH, argv);
    }
    if (c.flags.pubsub && c.reply.proto === 2 && !PUBSUB_ALLOWED.has(spec.parent?.name ?? spec.name)) {
      spec.stats.rejected++;
      return this.reject(c, Err.NOT_ALLOWED_IN_SUBSCRIBE(spec.fullName), argv);
    }
    const guards = this.hooks.guards;
    for (let i = 0; i < guards.length; i++) {
      const refusal = guards[i]!(c, spec, argv);
      if (refusal !== null) {
        if (refusal === '') return; // held by the guard (CLIENT PAUSE WRITE), which runs it later
        if (c.flags.multi) c.flags.dirtyExec = true;
        spec.stats.rejected++;
        return this.reject(c, refusal, argv);
      }
    }
    if (c.flags.multi && !MULTI_IMMEDIATE.has(spec.parent?.name ?? spec.name)) {
      if (bits & F.no_multi) {
        c.flags.dirtyExec = true;
        spec.stats.rejected++;
        return this.reject(c, Err.NOT_ALLOWED_IN_MULTI(spec.fullName), argv);
      }
      c.multiQueue.push({ spec, argv });
      c.reply.queued();
      return;
    }
    c.lastCommand = spec.fullName;
    this.call(c, spec, argv, start);
    if (this.depth === 0) this.afterCommand();
  }

  /**
   * Run a command's handler and account for it. Errors thrown as CommandError become
   * error replies. Propagation happens when the outermost call ends.
   */
  call(c: Client, spec: CommandSpec, argv: string[], start = -1): void {
    const server = this.server;
    const ks = server.keyspace;
    const dirtyBefore = ks.dirty;
    const dbBefore = c.db.id;
    const outer = this.depth === 0;
    const savedReplaced = this.replaced;
    this.replaced = null;
    this.depth++;
    if (this.hooks.beforeWrite !== null && spec.bits & F.write) {
      this.hooks.beforeWrite(c, spec, argv);
      start = -1;
    }
    // `start` is the clock read of execute() when nothing ran since (saves a clock read).
    if (start < 0) start = performance.now();
    let failed = false;
    const reply = c.reply;
    const mark = reply.mark();
    const epoch = reply.epoch;
    try {
      spec.handler(c, argv);
    } catch (err) {
      failed = true;
      // Whatever the handler wrote before it threw is cut out again: a half-written reply
      // (an array header without its elements) would desynchronise the client for good.
      const undone = reply.rollback(mark, epoch);
      if (err instanceof CommandError) {
        this.replyError(c, err.reply);
      } else {
        this.unexpectedError(c, spec, err);
      }
      if (!undone) {
        // Part of this reply already left (a flush inside the handler): the stream cannot be
        // repaired, so the client is closed after what is pending.
        c.flags.closeAfterReply = true;
      }
    } finally {
      this.depth--;
    }
    const micros = (performance.now() - start) * 1000;
    const st = spec.stats;
    st.calls++;
    st.usec += micros;
    if (failed) st.failed++;
    server.stats.totalCommands++;
    const replaced = this.replaced as string[][] | null;
    if (ks.dirty !== dirtyBefore && !failed) {
      if (replaced !== null) {
        for (const a of replaced) this.pending.push({ db: dbBefore, argv: a });
      } else if (bits(spec) & (F.write | F.may_replicate)) {
        this.pending.push({ db: dbBefore, argv });
      }
    } else if (replaced !== null && spec.bits & F.may_replicate) {
      for (const a of replaced) this.pending.push({ db: dbBefore, argv: a });
    }
    this.replaced = savedReplaced;
    if (this.hooks.slowlog !== null && !(spec.bits & F.skip_slowlog)) this.hooks.slowlog(c, argv, micros);
    if (this.hooks.monitorFeed !== null && outer && !(spec.bits & (F.skip_monitor | F.admin))) this.hooks.monitorFeed(c, argv);
    if (channels.command.hasSubscribers) channels.command.publish({ name: spec.fullName, client: c.id, micros, failed });
  }

  /** Handlers call this (through Client.propagateAs) to propagate other commands than argv. */
  propagateAs(argv: string[]): void {
    (this.replaced ??= []).push(argv);
  }

  /**
   * Propagate something outside a command's own effect (an expired key's DEL). It joins the
   * current unit when a command is running, else goes out at once.
   */
  propagateNow(db: number, argv: readonly string[]): void {
    this.pending.push({ db, argv });
    if (this.depth === 0) this.flushPropagation();
  }

  private afterCommand(): void {
    if (this.pending.length !== 0) this.flushPropagation();
    const after = this.hooks.after;
    for (let i = 0; i < after.length; i++) after[i]!();
  }

  /**
   * Send this unit's effects to the sinks. Several effects of one command (EXEC, a command
   * that also expired keys) are wrapped in MULTI/EXEC so that replicas apply them atomically.
   */
  private flushPropagation(): void {
    const p = this.pending;
    this.pending = [];
    if (p.length === 1) {
      this.server.propagate(p[0]!.db, p[0]!.argv);
      return;
    }
    this.server.propagate(p[0]!.db, ['MULTI']);
    for (const e of p) this.server.propagate(e.db, e.argv);
    this.server.propagate(p[p.length - 1]!.db, ['EXEC']);
  }

  private reject(c: Client, error: string, argv: string[]): void {
    // A refused EXEC ends the transaction (Redis's execCommandAbort), in or out of MULTI.
    if (argv[0]!.length === 4 && argv[0]!.toLowerCase() === 'exec') {
      discardTransaction(c);
      error = `EXECABORT Transaction discarded because of: ${error.startsWith('ERR ') ? error.slice(4) : error}`;
    }
    this.replyError(c, error);
  }

  /**
   * A handler threw something other than a CommandError: a bug or an exhausted resource,
   * not bad input. The client gets an error reply, the operator a log line, INFO a count
   * (unexpected_error_replies), and every other client keeps being served.
   */
  private unexpectedError(c: Client, spec: CommandSpec, err: unknown): void {
    const tooLarge = err instanceof ReplyTooLargeError;
    this.replyError(c, tooLarge ? `ERR reply too large for '${spec.fullName}'` : `ERR internal error while executing '${spec.fullName}'`);
    this.server.stats.unexpectedErrorReplies++;
    if (channels.log.hasSubscribers) {
      channels.log.publish({
        level: tooLarge ? 'warn' : 'error',
        msg: tooLarge ? 'command reply too large' : 'command handler failed',
        command: spec.fullName,
        client: c.id,
        err: String((err as Error)?.stack ?? err),
      });
    }
  }

  /** Reply with an error and count it by its first word (INFO errorstats). */
  replyError(c: Client, error: string): void {
    c.reply.error(error);
    const stats = this.server.stats;
    stats.errorReplies++;
    const sp = error.indexOf(' ');
    const prefix = sp < 0 ? error : error.slice(0, sp);
    stats.errorsByPrefix.set(prefix, (stats.errorsByPrefix.get(prefix) ?? 0) + 1);
  }
}

function bits(spec: CommandSpec): number {
  return spec.bits;
}
