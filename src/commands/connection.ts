/**
 * Connection commands: PING ECHO QUIT RESET AUTH HELLO SELECT.
 * (CLIENT lives in client.ts.)
 */
import { CommandError, Err } from '../errors.js';
import { REDIS_COMPAT_VERSION as REDIS_COMPAT_VERSION_VALUE } from '../version.js';
import { is, parseIntOrNull } from './args.js';
import type { Client } from './context.js';
import { defineCommand, type CommandSpec } from './spec.js';

/** Authentication as subsystems define it: ACL when installed, else requirepass. */
export interface Authenticator {
  /** Check credentials; returns the error reply or null when they are good. */
  authenticate(c: Client, user: string, pass: string): string | null;
}

declare module './context.js' {
  interface ServerExtensions {
    auth?: Authenticator;
    /** Called by RESET and on close, so subsystems drop per-client state (MULTI, WATCH, pub/sub). */
    resetClient?: ((c: Client) => void)[];
  }
}

function authenticate(c: Client, user: string, pass: string): string | null {
  const ext = c.server.ext.auth;
  if (ext) return ext.authenticate(c, user, pass);
  const required = c.server.config.get('requirepass');
  if (user === 'default' && (required === '' || pass === required)) return null;
  return Err.WRONGPASS;
}

function ping(c: Client, argv: string[]): void {
  if (argv.length > 2) throw new CommandError(Err.WRONG_ARITY('ping'));
  if (c.flags.pubsub && c.reply.proto === 2) {
    c.reply.arrayHeader(2);
    c.reply.bulk('pong');
    c.reply.bulk(argv.length === 2 ? argv[1]! : '');
    return;
  }
  if (argv.length === 2) c.reply.bulk(argv[1]!);
  else c.reply.pong();
}

function auth(c: Client, argv: string[]): void {
  if (argv.length > 3) throw new CommandError(Err.SYNTAX);
  if (argv.length === 2 && !c.server.ext.auth && c.server.config.get('requirepass') === '') {
    throw new CommandError(Err.AUTH_NOT_CONFIGURED);
  }
  const user = argv.length === 3 ? argv[1]! : 'default';
  const pass = argv[argv.length - 1]!;
  const error = authenticate(c, user, pass);
  if (error !== null) throw new CommandError(error);
  c.user = user;
  c.authenticated = true;
  c.reply.ok();
}

function hello(c: Client, argv: string[]): void {
  let proto: 2 | 3 = c.reply.proto;
  let i = 1;
  if (argv.length >= 2) {
    const v = parseIntOrNull(argv[1]!);
    if (v === null) throw new CommandError('ERR Protocol version is not an integer or out of range');
    if (v < 2 || v > 3) throw new CommandError(Err.PROTOCOL_VERSION);
    proto = v as 2 | 3;
    i = 2;
  }
  let user: string | null = null;
  let pass = '';
  let name: string | null = null;
  for (; i < argv.length; i++) {
    const more = argv.length - i - 1;
    if (is(argv[i], 'auth') && more >= 2) {
      user = argv[i + 1]!;
      pass = argv[i + 2]!;
      i += 2;
    } else if (is(argv[i], 'setname') && more >= 1) {
      name = argv[i + 1]!;
      i += 1;
    } else {
      throw new CommandError(`ERR Syntax error in HELLO option '${argv[i]}'`);
    }
  }
  if (user !== null) {
    const error = authenticate(c, user, pass);
    if (error !== null) throw new CommandError(error);
    c.user = user;
    c.authenticated = true;
  }
  if (!c.authenticated) {
    throw new CommandError(
      'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
    );
  }
  if (name !== null) {
    const bad = clientNameError(name);
    if (bad) throw new CommandError(bad);
    c.name = name;
  }
  c.reply.proto = proto;
  const r = c.reply;
  r.mapHeader(7);
  r.bulk('server');
  r.bulk('redis');
  r.bulk('version');
  r.bulk(REDIS_COMPAT_VERSION_VALUE);
  r.bulk('proto');
  r.int(proto);
  r.bulk('id');
  r.int(c.id);
  r.bulk('mode');
  r.bulk('standalone');
  r.bulk('role');
  const role = (c.server.ext as { role?: () => string }).role;
  r.bulk(role ? role() : 'master');
  r.bulk('modules');
  r.arrayHeader(0);
}

/** CLIENT SETNAME's rule: no spaces, newlines or other special characters. */
export function clientNameError(name: string): string | null {
  for (let i = 0; i < name.length; i++) {
    const ch = name.charCodeAt(i);
    if (ch < 33 || ch > 126) return 'ERR Client names cannot contain spaces, newlines or special characters.';
  }
  return null;
}

function select(c: Client, argv: string[]): void {
  const index = parseIntOrNull(argv[1]!);
  if (index === null) throw new CommandError(Err.NOT_INTEGER);
  if (index < 0 || index >= c.server.keyspace.dbs.length) throw new CommandError(Err.INVALID_DB_INDEX);
  c.db = c.server.keyspace.db(index);
  c.reply.ok();
}

function quit(c: Client): void {
  c.reply.ok();
  c.close('QUIT');
}

function reset(c: Client): void {
  for (const fn of c.server.ext.resetClient ?? []) fn(c);
  c.flags.multi = false;
  c.flags.dirtyExec = false;
  c.flags.dirtyCas = false;
  c.multiQueue = [];
  c.db = c.server.keyspace.db(0);
  c.reply.proto = 2;
  c.replyMode = 'on';
  c.name = '';
  c.flags.noEvict = false;
  if (c.server.config.get('requirepass') !== '' || c.server.ext.auth) {
    c.authenticated = !(c.server as { authRequired?: () => boolean }).authRequired?.();
  }
  c.user = 'default';
  c.reply.simple('RESET');
}

function echo(c: Client, argv: string[]): void {
  c.reply.bulk(argv[1]!);
}

export const connectionCommands: CommandSpec[] = [
  defineCommand({ name: 'ping', arity: -1, flags: 'fast', group: 'connection', handler: ping, summary: 'Ping the server', since: '1.0.0' }),
  defineCommand({ name: 'echo', arity: 2, flags: 'loading stale fast', group: 'connection', handler: echo, summary: 'Echo the given string', since: '1.0.0' }),
  defineCommand({
    name: 'auth',
    docs: { history: [['6.0.0', 'Added ACL style (username and password).']] },
    arity: -2,
    flags: 'noscript loading stale fast no_auth allow_busy',
    group: 'connection',
    handler: auth,
    summary: 'Authenticate to the server',
    since: '1.0.0',
    complexity: 'O(N) where N is the number of passwords defined for the user',
  }),
  defineCommand({
    name: 'hello',
    docs: { history: [['6.2.0', "`protover` made optional; when called without arguments the command reports the current connection's context."]] },
    arity: -1,
    flags: 'noscript loading stale fast no_auth allow_busy',
    group: 'connection',
    handler: hello,
    summary: 'Handshake with Redis',
    since: '6.0.0',
  }),
  defineCommand({ name: 'select', arity: 2, flags: 'loading stale fast', group: 'connection', handler: select, summary: 'Change the selected database for the current connection', since: '1.0.0' }),
  defineCommand({
    name: 'quit',
    arity: -1,
    flags: 'noscript loading stale fast no_auth allow_busy',
    group: 'connection',
    handler: quit,
    summary: 'Close the connection',
    since: '1.0.0',
  }),
  defineCommand({
    name: 'reset',
    arity: 1,
    flags: 'noscript loading stale fast no_auth allow_busy',
    group: 'connection',
    handler: reset,
    summary: 'Reset the connection',
    since: '6.2.0',
  }),
];
