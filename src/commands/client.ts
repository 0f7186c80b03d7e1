/**
 * CLIENT and its subcommands, as Redis 7.0 answers them (networking.c clientCommand).
 *
 * CLIENT PAUSE: ALL mode is held by the session loop (node.isPaused); WRITE mode is held by
 * a dispatcher guard installed here, which parks a write command (and EXEC of a transaction
 * with writes) until the pause ends, then runs it, as Redis's blockPostponeClient does.
 */
import { CommandError, Err } from '../errors.js';
import { is, parseIntOrNull } from './args.js';
import { clientNameError } from './connection.js';
import type { Client, ServerContext } from './context.js';
import { defineCommand, F, type CommandSpec } from './spec.js';

declare module './context.js' {
  interface ServerExtensions {
    /** CLIENT UNBLOCK: the blocking machinery unblocks c (with an error or as a timeout); false when c is not blocked. */
    unblockClient?: (c: Client, withError: boolean) => boolean;
    /** Users that exist (ACL); without it only "default" exists. */
    userExists?: (name: string) => boolean;
  }
}

/** Reply to a HELP subcommand the way Redis's addReplyHelp does: status lines. */
export function replyHelp(c: Client, command: string, lines: string[]): void {
  const all = [`${command} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`, ...lines, 'HELP', '    Prints this help.'];
  c.reply.arrayHeader(all.length);
  for (const l of all) c.reply.simple(l);
}

type ClientType = 'normal' | 'master' | 'replica' | 'pubsub';

function clientType(c: Client): ClientType {
  if (c.flags.primary) return 'master';
  if (c.flags.replica && !c.flags.monitor) return 'replica';
  if (c.flags.pubsub) return 'pubsub';
  return 'normal';
}

function parseClientType(s: string): ClientType | null {
  const t = s.toLowerCase();
  if (t === 'normal' || t === 'master' || t === 'replica' || t === 'pubsub') return t;
  if (t === 'slave') return 'replica';
  return null;
}

function flagLetters(c: Client): string {
  const f = c.flags;
  let s = '';
  if (f.monitor) s += 'O';
  else if (f.replica) s += 'S';
  if (f.primary) s += 'M';
  if (f.pubsub) s += 'P';
  if (f.multi) s += 'x';
  if (f.blocked) s += 'b';
  if (f.dirtyCas) s += 'd';
  if (f.closeAfterReply) s += 'c';
  if (f.noEvict) s += 'e';
  return s === '' ? 'N' : s;
}

function argvBytes(argv: readonly string[]): number {
  let n = 0;
  for (const a of argv) n += a.length;
  return n;
}

function fdOf(c: Client): number {
  const sock = (c as { socket?: { _handle?: { fd?: number } } }).socket;
  const fd = sock?._handle?.fd;
  return typeof fd === 'number' ? fd : -1;
}

interface OutputBufferFields {
  obl: number;
  oll: number;
  omem: number;
  rbs: number;
}

/**
 * A connection's output fields (net/session.ts outputBuffers()); a client without a socket
 * (AOF replay) has only its unflushed replies.
 */
function outputFields(c: Client): OutputBufferFields {
  const withBuffers = c as Client & { outputBuffers?: () => OutputBufferFields };
  if (typeof withBuffers.outputBuffers === 'function') return withBuffers.outputBuffers();
  return { obl: c.outputBufferBytes(), oll: 0, omem: 0, rbs: 1024 };
}

/**
 * One CLIENT LIST line, with Redis 7.0's fields in its order (without the newline). The
 * memory fields are the connection's: qbuf = received bytes not yet run, obl = replies not
 * yet handed to the socket, oll/omem = writes and bytes the socket still queues,
 * tot-mem = all of these plus the reply buffer (rbs), the current argv and MULTI's queue.
 */
export function clientInfoLine(c: Client, currentArgv?: readonly string[]): string {
  const now = Date.now();
  let multiMem = 0;
  for (const q of c.multiQueue) multiMem += argvBytes(q.argv);
  const qbuf = c.queryBufferBytes();
  const { obl, oll, omem, rbs } = outputFields(c);
  const argvMem = currentArgv ? argvBytes(currentArgv) : 0;
  const totMem = qbuf + omem + rbs + argvMem + multiMem;
  return [
    `id=${c.id}`,
    `addr=${c.addr}`,
    `laddr=${c.laddr}`,
    `fd=${fdOf(c)}`,
    `name=${c.name}`,
    `age=${Math.floor((now - c.createdAt) / 1000)}`,
    `idle=${Math.floor((now - c.lastInteraction) / 1000)}`,
    `flags=${flagLetters(c)}`,
    `db=${c.db.id}`,
    `sub=${c.channels.size}`,
    `psub=${c.patterns.size}`,
    `ssub=${c.shardChannels.size}`,
    `multi=${c.flags.multi ? c.multiQueue.length : -1}`,
    `qbuf=${qbuf}`,
    `qbuf-free=0`,
    `argv-mem=${argvMem}`,
    `multi-mem=${multiMem}`,
    `rbs=${rbs}`,
    `rbp=${obl}`,
    `obl=${obl}`,
    `oll=${oll}`,
    `omem=${omem}`,
    `tot-mem=${totMem}`,
    `events=${obl + omem > 0 ? 'rw' : 'r'}`,
    `cmd=${c.lastCommand}`,
    `user=${c.user}`,
    `redir=-1`,
    `resp=${c.reply.proto}`,
  ].join(' ');
}

function list(c: Client, argv: string[]): void {
  let type: ClientType | null = null;
  let ids: Set<number> | null = null;
  if (argv.length === 4 && is(argv[2], 'type')) {
    type = parseClientType(argv[3]!);
    if (type === null) throw new CommandError(`ERR Unknown client type '${argv[3]}'`);
  } else if (argv.length > 3 && is(argv[2], 'id')) {
    ids = new Set();
    for (let i = 3; i < argv.length; i++) {
      const id = parseIntOrNull(argv[i]!);
      if (id === null) throw new CommandError('ERR Invalid client ID');
      ids.add(id);
    }
  } else if (argv.length !== 2) {
    throw new CommandError(Err.SYNTAX);
  }
  let out = '';
  for (const other of c.server.clients.all()) {
    if (type !== null && clientType(other) !== type) continue;
    if (ids !== null && !ids.has(other.id)) continue;
    out += clientInfoLine(other, other === c ? argv : undefined) + '\n';
  }
  c.reply.verbatim(out);
}

function info(c: Client, argv: string[]): void {
  c.reply.verbatim(clientInfoLine(c, argv) + '\n');
}

function killClient(c: Client, target: Client): void {
  if (target === c) {
    // Redis closes the caller after its reply.
    c.flags.closeAfterReply = true;
    return;
  }
  const kill = (target as { kill?: (reason: string) => void }).kill;
  if (kill) kill.call(target, 'killed by CLIENT KILL');
  else target.close('killed by CLIENT KILL');
}

function kill(c: Client, argv: string[]): void {
  if (argv.length === 3) {
    // Old form: CLIENT KILL addr:port.
    for (const other of c.server.clients.all()) {
      if (other.addr === argv[2]) {
        c.reply.ok();
        killClient(c, other);
        return;
      }
    }
    throw new CommandError('ERR No such client');
  }
  if (argv.length % 2 !== 0) throw new CommandError(Err.SYNTAX);
  let id: number | null = null;
  let type: ClientType | null = null;
  let addr: string | null = null;
  let laddr: string | null = null;
  let user: string | null = null;
  let skipMe = true;
  for (let i = 2; i < argv.length; i += 2) {
    const opt = argv[i]!;
    const val = argv[i + 1]!;
    if (is(opt, 'id')) {
      const n = parseIntOrNull(val);
      if (n === null || n <= 0) throw new CommandError('ERR client-id should be greater than 0');
      id = n;
    } else if (is(opt, 'type')) {
      type = parseClientType(val);
      if (type === null) throw new CommandError(`ERR Unknown client type '${val}'`);
    } else if (is(opt, 'addr')) {
      addr = val;
    } else if (is(opt, 'laddr')) {
      laddr = val;
    } else if (is(opt, 'user')) {
      const exists = c.server.ext.userExists ? c.server.ext.userExists(val) : val === 'default';
      if (!exists) throw new CommandError(`ERR No such user '${val}'`);
      user = val;
    } else if (is(opt, 'skipme')) {
      if (is(val, 'yes')) skipMe = true;
      else if (is(val, 'no')) skipMe = false;
      else throw new CommandError(Err.SYNTAX);
    } else {
      throw new CommandError(Err.SYNTAX);
    }
  }
  const victims: Client[] = [];
  for (const other of c.server.clients.all()) {
    if (id !== null && other.id !== id) continue;
    if (type !== null && clientType(other) !== type) continue;
    if (addr !== null && other.addr !== addr) continue;
    if (laddr !== null && other.laddr !== laddr) continue;
    if (user !== null && other.user !== user) continue;
    if (other === c && skipMe) continue;
    victims.push(other);
  }
  c.reply.int(victims.length);
  for (const v of victims) killClient(c, v);
}

function setname(c: Client, argv: string[]): void {
  const bad = clientNameError(argv[2]!);
  if (bad) throw new CommandError(bad);
  c.name = argv[2]!;
  c.reply.ok();
}

function getname(c: Client): void {
  c.reply.bulk(c.name === '' ? null : c.name);
}

function id(c: Client): void {
  c.reply.int(c.id);
}

function reply(c: Client, argv: string[]): void {
  const mode = argv[2]!;
  if (is(mode, 'on')) {
    c.replyMode = 'on';
    c.reply.ok();
  } else if (is(mode, 'off')) {
    c.replyMode = 'off';
  } else if (is(mode, 'skip')) {
    if (c.replyMode === 'on') (c as { skipNext?: boolean }).skipNext = true;
  } else {
    throw new CommandError(Err.SYNTAX);
  }
}

function noEvict(c: Client, argv: string[]): void {
  if (is(argv[2], 'on')) c.flags.noEvict = true;
  else if (is(argv[2], 'off')) c.flags.noEvict = false;
  else throw new CommandError(Err.SYNTAX);
  c.reply.ok();
}

function getredir(c: Client): void {
  c.reply.int(-1);
}

function trackinginfo(c: Client): void {
  const r = c.reply;
  r.mapHeader(3);
  r.bulk('flags');
  r.setHeader(1);
  r.bulk('off');
  r.bulk('redirect');
  r.int(-1);
  r.bulk('prefixes');
  r.arrayHeader(0);
}

function unblock(c: Client, argv: string[]): void {
  let withError = false;
  if (argv.length === 4) {
    if (is(argv[3], 'error')) withError = true;
    else if (!is(argv[3], 'timeout')) throw new CommandError('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
  }
  const target = parseIntOrNull(argv[2]!);
  if (target === null) throw new CommandError(Err.NOT_INTEGER);
  const other = c.server.clients.get(target);
  const fn = c.server.ext.unblockClient;
  if (other?.flags.blocked && fn?.(other, withError)) c.reply.int(1);
  else c.reply.int(0);
}

// ---- CLIENT PAUSE ---------------------------------------------------------------------

interface PauseState {
  /** performance.now() time at which the pause ends; 0 when not paused. */
  until: number;
  writesOnly: boolean;
  timer: NodeJS.Timeout | null;
  /** Requests parked by the WRITE-mode guard, in arrival order. */
  held: { c: Client; argv: string[] }[];
  guardInstalled: boolean;
}

const pauses = new WeakMap<ServerContext, PauseState>();

function pauseState(server: ServerContext): PauseState {
  let st = pauses.get(server);
  if (!st) {
    st = { until: 0, writesOnly: false, timer: null, held: [], guardInstalled: false };
    pauses.set(server, st);
  }
  return st;
}

/** Whether a command would be held by a WRITE pause: writes, may-replicate, and EXEC of a transaction with those. */
function isPausedWrite(c: Client, spec: CommandSpec): boolean {
  const mask = F.write | F.may_replicate;
  if (spec.bits & mask) return true;
  if (spec.name === 'exec' && !spec.parent) return c.multiQueue.some((q) => q.spec.bits & mask);
  return false;
}

function installPauseGuard(server: ServerContext, st: PauseState): void {
  if (st.guardInstalled) return;
  st.guardInstalled = true;
  server.dispatch.hooks.guards.push((c, spec, argv) => {
    if (st.until === 0 || !st.writesOnly) return null;
    if (c.flags.replica || c.flags.primary) return null;
    if (performance.now() >= st.until) {
      endPause(server);
      return null;
    }
    // Inside MULTI, commands are only queued; EXEC is what gets held.
    if (c.flags.multi && !(spec.name === 'exec' && !spec.parent)) return null;
    if (!isPausedWrite(c, spec)) return null;
    st.held.push({ c, argv });
    c.flags.blocked = true;
    return ''; // held: the dispatcher sends nothing now
  });
}

function endPause(server: ServerContext): void {
  const st = pauseState(server);
  st.until = 0;
  if (st.timer) clearTimeout(st.timer);
  st.timer = null;
  server.clients.unpause();
  const held = st.held;
  st.held = [];
  const exec = (server.dispatch as unknown as { execute(c: Client, argv: string[]): void }).execute;
  for (const h of held) {
    h.c.flags.blocked = false;
    if ((h.c as { isClosed?: boolean }).isClosed) continue;
    exec.call(server.dispatch, h.c, h.argv);
    h.c.flushSoon();
    h.c.resume();
  }
}

function pause(c: Client, argv: string[]): void {
  const timeout = parseIntOrNull(argv[2]!);
  if (timeout === null) throw new CommandError('ERR timeout is not an integer or out of range');
  if (timeout < 0) throw new CommandError('ERR timeout is negative');
  let writesOnly = false;
  if (argv.length === 4) {
    if (is(argv[3], 'write')) writesOnly = true;
    else if (!is(argv[3], 'all')) throw new CommandError('ERR CLIENT PAUSE mode must be WRITE or ALL');
  } else if (argv.length > 4) {
    throw new CommandError(Err.SYNTAX);
  }
  const server = c.server;
  const st = pauseState(server);
  installPauseGuard(server, st);
  const until = performance.now() + timeout;
  // As Redis: a pause never shortens an existing one, and ALL wins over WRITE.
  if (st.until !== 0 && st.until > until) {
    if (!writesOnly) st.writesOnly = false;
  } else {
    st.until = until;
    st.writesOnly = st.until !== 0 && !writesOnly ? false : writesOnly;
  }
  if (!writesOnly) st.writesOnly = false;
  server.clients.pause(st.until, st.writesOnly);
  if (st.timer) clearTimeout(st.timer);
  st.timer = setTimeout(() => endPause(server), Math.max(0, st.until - performance.now()) + 1);
  st.timer.unref?.();
  c.reply.ok();
}

function unpause(c: Client): void {
  endPause(c.server);
  c.reply.ok();
}

function help(c: Client): void {
  replyHelp(c, 'CLIENT', [
    'CACHING (YES|NO)',
    '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
    'GETREDIR',
    '    Return the client ID we are redirecting to when tracking is enabled.',
    'GETNAME',
    '    Return the name of the current connection.',
    'ID',
    '    Return the ID of the current connection.',
    'INFO',
    '    Return information about the current client connection.',
    'KILL <ip:port>',
    '    Kill connection made from <ip:port>.',
    'KILL <option> <value> [<option> <value> [...]]',
    '    Kill connections. Options are:',
    '    * ADDR (<ip:port>|<unixsocket>:0)',
    '      Kill connections made from the specified address',
    '    * LADDR (<ip:port>|<unixsocket>:0)',
    '      Kill connections made to specified local address',
    '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
    '      Kill connections by type.',
    '    * USER <username>',
    '      Kill connections authenticated by <username>.',
    '    * SKIPME (YES|NO)',
    '      Skip killing current connection (default: yes).',
    'LIST [options ...]',
    '    Return information about client connections. Options:',
    '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
    '      Return clients of specified type.',
    'UNPAUSE',
    '    Stop the current client pause, resuming traffic.',
    'PAUSE <timeout> [WRITE|ALL]',
    '    Suspend all, or just write, clients for <timeout> milliseconds.',
    'REPLY (ON|OFF|SKIP)',
    '    Control the replies sent to the current connection.',
    'SETNAME <name>',
    '    Assign the name <name> to the current connection.',
    'UNBLOCK <clientid> [TIMEOUT|ERROR]',
    '    Unblock the specified blocked client.',
    'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
    '         [OPTIN] [OPTOUT] [NOLOOP]',
    '    Control server assisted client side caching.',
    'TRACKINGINFO',
    '    Report tracking status for the current connection.',
    'NO-EVICT (ON|OFF)',
    '    Protect current client connection from eviction.',
  ]);
}

const G = { group: 'connection' as const };
const ADMIN = 'admin noscript loading stale';
const PLAIN = 'noscript loading stale';
export const clientCommands: CommandSpec[] = [
  defineCommand({
    ...G,
    name: 'client',
    arity: -2,
    summary: 'A container for client connection commands',
    since: '2.4.0',
    complexity: 'Depends on subcommand.',
    subcommands: [
      { ...G, name: 'id', arity: 2, flags: PLAIN, acl: 'connection', handler: id, summary: 'Returns the client ID for the current connection', since: '5.0.0' },
      { ...G, name: 'info', arity: 2, flags: PLAIN, acl: 'connection', handler: info, summary: 'Returns information about the current client connection.', since: '6.2.0' },
      {
        ...G,
        name: 'list',
        docs: {
          history: [
            ['2.8.12', 'Added unique client `id` field.'],
            ['5.0.0', 'Added optional `TYPE` filter.'],
            ['6.0.0', 'Added `user` field.'],
            ['6.2.0', 'Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` filter.'],
            ['7.0.0', 'Added `resp`, `multi-mem`, `rbs` and `rbp` fields.'],
            ['7.0.3', 'Added `ssub` field.'],
          ],
        },
        arity: -2,
        flags: ADMIN,
        acl: 'connection',
        handler: list,
        summary: 'Get the list of client connections',
        since: '2.4.0',
        complexity: 'O(N) where N is the number of client connections',
      },
      {
        ...G,
        name: 'kill',
        docs: {
          history: [
            ['2.8.12', 'Added new filter format.'],
            ['2.8.12', '`ID` option.'],
            ['3.2.0', 'Added `master` type in for `TYPE` option.'],
            ['5.0.0', 'Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward compatibility.'],
            ['6.2.0', '`LADDR` option.'],
          ],
        },
        arity: -3,
        flags: ADMIN,
        acl: 'connection',
        handler: kill,
        summary: 'Kill the connection of a client',
        since: '2.4.0',
        complexity: 'O(N) where N is the number of client connections',
      },
      { ...G, name: 'setname', arity: 3, flags: PLAIN, acl: 'connection', handler: setname, summary: 'Set the current connection name', since: '2.6.9' },
      { ...G, name: 'getname', arity: 2, flags: PLAIN, acl: 'connection', handler: getname, summary: 'Get the current connection name', since: '2.6.9' },
      { ...G, name: 'reply', arity: 3, flags: PLAIN, acl: 'connection', handler: reply, summary: 'Instruct the server whether to reply to commands', since: '3.2.0' },
      {
        ...G,
        name: 'pause',
        docs: { history: [['6.2.0', '`CLIENT PAUSE WRITE` mode added along with the `mode` option.']] },
        arity: -3,
        flags: ADMIN,
        acl: 'connection',
        handler: pause,
        summary: 'Stop processing commands from clients for some time',
        since: '2.9.50',
      },
      {
        ...G,
        name: 'unpause',
        arity: 2,
        flags: ADMIN,
        acl: 'connection',
        handler: unpause,
        summary: 'Resume processing of clients that were paused',
        since: '6.2.0',
        complexity: 'O(N) Where N is the number of paused clients',
      },
      { ...G, name: 'no-evict', arity: 3, flags: ADMIN, acl: 'connection', handler: noEvict, summary: 'Set client eviction mode for the current connection', since: '7.0.0' },
      { ...G, name: 'getredir', arity: 2, flags: PLAIN, acl: 'connection', handler: getredir, summary: 'Get tracking notifications redirection client ID if any', since: '6.0.0' },
      {
        ...G,
        name: 'trackinginfo',
        arity: 2,
        flags: PLAIN,
        acl: 'connection',
        handler: trackinginfo,
        summary: 'Return information about server assisted client side caching for the current connection',
        since: '6.2.0',
      },
      {
        ...G,
        name: 'unblock',
        arity: -3,
        flags: ADMIN,
        acl: 'connection',
        handler: unblock,
        summary: 'Unblock a client blocked in a blocking command from a different connection',
        since: '5.0.0',
        complexity: 'O(log N) where N is the number of client connections',
      },
      { ...G, name: 'help', arity: 2, flags: 'loading stale', acl: 'connection', handler: help, summary: 'Show helpful text about the different subcommands', since: '5.0.0' },
    ],
  }),
];
