/**
 * Users and permissions, Redis 7.0's ACL model without selectors: each user has a state
 * (on/off), passwords (SHA-256), an allowed-command set (with the "+@all" flag that also
 * admits commands added later), key patterns with read/write permissions, and channel
 * patterns. `requirepass` is the default user's password, as in Redis.
 *
 * Checks happen in one dispatcher guard, with Redis 7.0's NOPERM texts, and refusals go to
 * the ACL LOG. Certificate users: with `tls-auth-clients-user cn`, a TLS client whose
 * verified certificate CN names an enabled user is authenticated as that user.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { NodeHost } from '../commands/host.js';
import type { Client } from '../commands/context.js';
import { ACL_CATEGORIES, aclCategoriesOf, keyPositions, F, type CommandSpec } from '../commands/spec.js';
import { Err } from '../errors.js';
import { globMatch } from '../util/glob.js';
import { registerDirectives } from '../config/schema.js';
import { log } from '../observe/events.js';

registerDirectives([
  { name: 'aclfile', type: 'string', default: '', mutable: false },
  { name: 'acllog-max-len', type: 'int', default: '128', mutable: true, min: 0 },
  { name: 'acl-pubsub-default', type: 'enum', default: 'resetchannels', mutable: true, values: ['allchannels', 'resetchannels'] },
  // `user <name> <rules...>` lines in the configuration file (several accumulate).
  {
    name: 'user',
    type: 'special',
    default: '',
    mutable: false,
    accumulates: true,
    hidden: true,
    parse: (words, current) => {
      if (words.length < 1) return { error: 'wrong number of arguments' };
      const line = ['user', ...words].map(quoteIfNeeded).join(' ');
      return current ? `${current}\n${line}` : line;
    },
  },
]);

function quoteIfNeeded(w: string): string {
  return /[\s"']/.test(w) || w === '' ? JSON.stringify(w) : w;
}

export { ACL_CATEGORIES } from '../commands/spec.js';

const KEY_READ = 1;
const KEY_WRITE = 2;

interface KeyPattern {
  pattern: string;
  flags: number;
}

export class AclError extends Error {}

export class AclUser {
  enabled = false;
  nopass = false;
  readonly passwords: string[] = [];
  /** +@all was the last reset: future commands are allowed too. */
  allCommands = false;
  /** Allowed command full names ("get", "config|get"). */
  readonly allowed = new Set<string>();
  keys: KeyPattern[] = [];
  allKeys = false;
  channels: string[] = [];
  allChannels = false;
  /** Nothing restricted: the guard can skip every check. */
  unrestricted = false;

  constructor(readonly name: string) {}

  recompute(table: CommandIndex): void {
    this.unrestricted = this.allCommands && this.allowed.size === table.count && this.allKeys && this.allChannels;
  }
}

/** Every command and subcommand, with categories, in table order. */
class CommandIndex {
  readonly all: CommandSpec[] = [];
  readonly byName = new Map<string, CommandSpec>();
  readonly categories = new Map<CommandSpec, Set<string>>();
  constructor(commands: ReadonlyMap<string, CommandSpec>) {
    const seen = new Set<CommandSpec>();
    for (const spec of commands.values()) {
      if (seen.has(spec)) continue;
      seen.add(spec);
      this.add(spec);
      for (const sub of spec.subcommands?.values() ?? []) this.add(sub);
    }
  }
  private add(spec: CommandSpec): void {
    this.all.push(spec);
    this.byName.set(spec.fullName, spec);
    this.categories.set(spec, new Set(aclCategoriesOf(spec)));
  }
  get count(): number {
    return this.all.length;
  }
}

export function hashPassword(p: string): string {
  return createHash('sha256').update(Buffer.from(p, 'latin1')).digest('hex');
}

interface LogEntry {
  count: number;
  reason: string;
  context: string;
  object: string;
  username: string;
  created: number;
  updated: number;
  clientInfo: string;
}

export class Acl {
  readonly users = new Map<string, AclUser>();
  readonly index: CommandIndex;
  readonly log: LogEntry[] = [];

  constructor(private readonly node: NodeHost) {
    this.index = new CommandIndex(node.commands);
    this.users.set('default', this.defaultUser());
  }

  private defaultUser(): AclUser {
    const u = new AclUser('default');
    this.apply(u, ['on', 'nopass', '~*', '&*', '+@all']);
    return u;
  }

  newUser(name: string): AclUser {
    const u = new AclUser(name);
    if (this.node.config.get('acl-pubsub-default') === 'allchannels') u.allChannels = true;
    u.recompute(this.index);
    return u;
  }

  /** Apply rules to a user (ACL SETUSER semantics); throws AclError with Redis's text. */
  apply(u: AclUser, rules: string[]): void {
    for (const rule of rules) {
      const err = this.applyOne(u, rule);
      if (err !== null) throw new AclError(`ERR Error in ACL SETUSER modifier '${rule}': ${err}`);
    }
    u.recompute(this.index);
  }

  private applyOne(u: AclUser, rule: string): string | null {
    const lower = rule.toLowerCase();
    switch (lower) {
      case 'on':
        u.enabled = true;
        return null;
      case 'off':
        u.enabled = false;
        return null;
      case 'nopass':
        u.nopass = true;
        u.passwords.length = 0;
        return null;
      case 'resetpass':
        u.nopass = false;
        u.passwords.length = 0;
        return null;
      case 'allkeys':
        u.allKeys = true;
        u.keys = [{ pattern: '*', flags: KEY_READ | KEY_WRITE }];
        return null;
      case 'resetkeys':
        u.allKeys = false;
        u.keys = [];
        return null;
      case 'allchannels':
        u.allChannels = true;
        u.channels = [];
        return null;
      case 'resetchannels':
        u.allChannels = false;
        u.channels = [];
        return null;
      case 'allcommands':
      case '+@all':
        u.allCommands = true;
        for (const s of this.index.all) u.allowed.add(s.fullName);
        return null;
      case 'nocommands':
      case '-@all':
        u.allCommands = false;
        u.allowed.clear();
        return null;
      case 'reset':
        this.applyOne(u, 'resetpass');
        this.applyOne(u, 'resetkeys');
        this.applyOne(u, this.node.config.get('acl-pubsub-default'));
        this.applyOne(u, 'off');
        this.applyOne(u, '-@all');
        return null;
      case 'skip-sanitize-payload':
      case 'sanitize-payload':
        return null;
    }
    const c0 = rule[0];
    if (c0 === '>' || c0 === '<') {
      const h = hashPassword(rule.slice(1));
      return this.password(u, h, c0 === '>');
    }
    if (c0 === '#' || c0 === '!') {
      const h = rule.slice(1);
      if (!/^[0-9a-f]{64}$/.test(h)) return 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters';
      return this.password(u, h, c0 === '#');
    }
    if (c0 === '~' || c0 === '%') {
      let flags = KEY_READ | KEY_WRITE;
      let pattern = rule.slice(1);
      if (c0 === '%') {
        const tilde = rule.indexOf('~');
        if (tilde < 0) return 'Syntax error';
        flags = 0;
        for (const ch of rule.slice(1, tilde).toUpperCase()) {
          if (ch === 'R') flags |= KEY_READ;
          else if (ch === 'W') flags |= KEY_WRITE;
          else return 'Syntax error';
        }
        if (flags === 0) return 'Syntax error';
        pattern = rule.slice(tilde + 1);
      }
      if (u.allKeys) return `Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns`;
      const existing = u.keys.find((k) => k.pattern === pattern);
      if (existing) existing.flags |= flags;
      else u.keys.push({ pattern, flags });
      if (pattern === '*' && flags === (KEY_READ | KEY_WRITE)) {
        u.allKeys = true;
        u.keys = [{ pattern: '*', flags }];
      }
      return null;
    }
    if (c0 === '&') {
      const pattern = rule.slice(1);
      if (u.allChannels)
        return `Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels`;
      if (pattern === '*') {
        u.allChannels = true;
        u.channels = [];
      } else if (!u.channels.includes(pattern)) u.channels.push(pattern);
      return null;
    }
    if (c0 === '+' || c0 === '-') {
      const allow = c0 === '+';
      const body = lower.slice(1);
      if (body.startsWith('@')) {
        const cat = body.slice(1);
        if (!ACL_CATEGORIES.includes(cat)) return 'Unknown command or category name in ACL';
        for (const s of this.index.all) {
          if (this.index.categories.get(s)!.has(cat)) this.setCommand(u, s, allow);
        }
        return null;
      }
      const spec = this.index.byName.get(body);
      if (!spec) return 'Unknown command or category name in ACL';
      if (spec.parent === undefined && body.includes('|')) return 'Unknown command or category name in ACL';
      this.setCommand(u, spec, allow);
      for (const sub of spec.subcommands?.values() ?? []) this.setCommand(u, sub, allow);
      return null;
    }
    if (c0 === '(') return 'Selectors are not supported by dssm';
    return 'Syntax error';
  }

  private setCommand(u: AclUser, s: CommandSpec, allow: boolean): void {
    if (allow) u.allowed.add(s.fullName);
    else u.allowed.delete(s.fullName);
  }

  private password(u: AclUser, hash: string, add: boolean): string | null {
    const i = u.passwords.indexOf(hash);
    if (add) {
      if (i < 0) u.passwords.push(hash);
      u.nopass = false;
    } else {
      if (i < 0) return 'The password you are trying to remove from the user does not exist';
      u.passwords.splice(i, 1);
    }
    return null;
  }

  /** The command rules as Redis 7.0 describes them: a base, categories, then single commands. */
  describeCommands(u: AclUser): string {
    const additive = u.allCommands;
    const rules: string[] = [additive ? '+@all' : '-@all'];
    const fake = new Set<string>(additive ? this.index.all.map((s) => s.fullName) : []);
    for (const cat of ACL_CATEGORIES) {
      let on = 0;
      let off = 0;
      for (const s of this.index.all) {
        if (!this.index.categories.get(s)!.has(cat)) continue;
        if (u.allowed.has(s.fullName)) on++;
        else off++;
      }
      if ((additive && off > on) || (!additive && on > off)) {
        rules.push(`${additive ? '-' : '+'}@${cat}`);
        for (const s of this.index.all) {
          if (!this.index.categories.get(s)!.has(cat)) continue;
          if (additive) fake.delete(s.fullName);
          else fake.add(s.fullName);
        }
      }
    }
    for (const s of this.index.all) {
      const mine = u.allowed.has(s.fullName);
      if (mine !== fake.has(s.fullName)) rules.push(`${mine ? '+' : '-'}${s.fullName}`);
    }
    return rules.join(' ');
  }

  describeKeys(u: AclUser): string {
    return u.keys.map((k) => (k.flags === (KEY_READ | KEY_WRITE) ? `~${k.pattern}` : `%${k.flags === KEY_READ ? 'R' : 'W'}~${k.pattern}`)).join(' ');
  }

  describeChannels(u: AclUser): string {
    if (u.allChannels) return '&*';
    return u.channels.map((c) => `&${c}`).join(' ');
  }

  /** ACL LIST's line for a user (also the aclfile format). */
  describe(u: AclUser): string {
    const parts = ['user', u.name, u.enabled ? 'on' : 'off'];
    if (u.nopass) parts.push('nopass');
    for (const p of u.passwords) parts.push(`#${p}`);
    const keys = this.describeKeys(u);
    if (keys) parts.push(keys);
    if (u.allChannels) parts.push('&*');
    else {
      parts.push('resetchannels');
      if (u.channels.length) parts.push(this.describeChannels(u));
    }
    parts.push(this.describeCommands(u));
    return parts.join(' ');
  }

  /** Check a password for a user: null when good, else Redis's error. */
  check(user: string, pass: string): AclUser | null {
    const u = this.users.get(user);
    if (!u?.enabled) return null;
    if (u.nopass) return u;
    const h = hashPassword(pass);
    return u.passwords.includes(h) ? u : null;
  }

  defaultUserNeedsAuth(): boolean {
    const d = this.users.get('default')!;
    return !(d.enabled && d.nopass);
  }

  /** What the user may not do with this command, or null: [reason, object, error]. */
  denial(u: AclUser, spec: CommandSpec, argv: readonly string[]): [string, string, string] | null {
    if (u.unrestricted) return null;
    if (!u.allowed.has(spec.fullName)) {
      return ['command', spec.fullName, `NOPERM this user has no permissions to run the '${spec.fullName}' command`];
    }
    if (!u.allKeys && (spec.firstKey > 0 || spec.getKeys)) {
      const need = spec.bits & F.write ? KEY_WRITE : KEY_READ;
      for (const i of keyPositions(spec, argv)) {
        const key = argv[i];
        if (key === undefined) continue;
        if (!u.keys.some((k) => k.flags & need && globMatch(k.pattern, key, false))) {
          return ['key', key, 'NOPERM this user has no permissions to access one of the keys used as arguments'];
        }
      }
    }
    if (!u.allChannels) {
      const ch = channelArgs(spec, argv);
      if (ch) {
        for (const name of ch.names) {
          const ok = ch.pattern ? u.channels.includes(name) : u.channels.some((p) => globMatch(p, name, false));
          if (!ok) return ['channel', name, 'NOPERM this user has no permissions to access one of the channels used as arguments'];
        }
      }
    }
    return null;
  }

  addLog(c: Client | null, reason: string, object: string, username: string, context = 'toplevel'): void {
    const max = this.node.config.int('acllog-max-len');
    const now = Date.now();
    const existing = this.log.find((e) => e.reason === reason && e.object === object && e.username === username && e.context === context && now - e.updated < 60_000);
    const clientInfo = c ? clientInfoOf(c) : '';
    if (existing) {
      existing.count++;
      existing.updated = now;
      existing.clientInfo = clientInfo;
      this.log.splice(this.log.indexOf(existing), 1);
      this.log.unshift(existing);
      return;
    }
    this.log.unshift({ count: 1, reason, context, object, username, created: now, updated: now, clientInfo });
    while (this.log.length > max) this.log.pop();
  }

  /** The users as aclfile lines. */
  serialize(): string {
    return [...this.users.values()].map((u) => this.describe(u)).join('\n') + '\n';
  }

  /**
   * Parse `user ...` lines (aclfile or config) into a fresh user map; throws AclError with
   * the line number on the first problem, leaving the current users untouched.
   */
  parseUsers(text: string, source: string): Map<string, AclUser> {
    const users = new Map<string, AclUser>();
    users.set('default', this.defaultUser());
    const lines = text.split('\n');
    for (let n = 0; n < lines.length; n++) {
      const line = lines[n]!.trim();
      if (!line || line.startsWith('#')) continue;
      const words = splitWords(line);
      if (words[0] !== 'user' || words.length < 2) throw new AclError(`${source}:${n + 1}: line should start with user keyword`);
      const name = words[1]!;
      if (/[\s]/.test(name)) throw new AclError(`${source}:${n + 1}: username contains invalid characters`);
      if (users.has(name) && name !== 'default') throw new AclError(`${source}:${n + 1}: Duplicate user '${name}' found`);
      const u = name === 'default' ? new AclUser('default') : this.newUser(name);
      try {
        this.apply(u, ['reset', ...words.slice(2)]);
      } catch (err) {
        throw new AclError(`${source}:${n + 1}: ${(err as Error).message.replace(/^ERR Error in ACL SETUSER modifier /, '')}`);
      }
      users.set(name, u);
    }
    return users;
  }

  /** Replace every user (ACL LOAD); clients of users that changed are disconnected. */
  replaceUsers(users: Map<string, AclUser>): void {
    this.users.clear();
    for (const [k, v] of users) this.users.set(k, v);
    for (const c of this.node.clients.all()) if (c.user !== 'default' || !users.get('default')!.enabled) if (c.id > 0) c.close('ACL LOAD');
  }

  /** Certificate users: authenticate a TLS client as the user its certificate CN names. */
  authenticateByCertificate(c: Client, cn: string): boolean {
    const u = this.users.get(cn);
    if (!u?.enabled) {
      this.addLog(c, 'auth', 'AUTH', cn);
      log('warn', 'TLS client certificate names no enabled ACL user; the connection stays unauthenticated', { cn, addr: c.addr });
      return false;
    }
    c.user = cn;
    c.authenticated = true;
    return true;
  }
}

/** Channel arguments of pub/sub commands (SUBSCRIBE family, PUBLISH, PUBSUB NUMSUB). */
function channelArgs(spec: CommandSpec, argv: readonly string[]): { names: string[]; pattern: boolean } | null {
  switch (spec.fullName) {
    case 'publish':
    case 'spublish':
      return { names: [argv[1]!], pattern: false };
    case 'subscribe':
    case 'ssubscribe':
      return { names: argv.slice(1), pattern: false };
    case 'psubscribe':
      return { names: argv.slice(1), pattern: true };
    default:
      return null;
  }
}

function clientInfoOf(c: Client): string {
  const age = Math.floor((Date.now() - c.createdAt) / 1000);
  const idle = Math.floor((Date.now() - c.lastInteraction) / 1000);
  return `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=8 name=${c.name} age=${age} idle=${idle} flags=N db=${c.db.id} sub=${c.channels.size} psub=${c.patterns.size} ssub=${c.shardChannels.size} multi=${c.flags.multi ? c.multiQueue.length : -1} qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd=${c.lastCommand} user=${c.user} redir=-1 resp=${c.reply.proto}`;
}

/** Split a config line into words, with "..." and '...' quoting as sdssplitargs. */
export function splitWords(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length) break;
    let w = '';
    const q = line[i];
    if (q === '"' || q === "'") {
      i++;
      while (i < line.length && line[i] !== q) {
        if (q === '"' && line[i] === '\\' && i + 1 < line.length) {
          i++;
          const e = line[i]!;
          w += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
        } else w += line[i];
        i++;
      }
      i++;
    } else {
      while (i < line.length && !/\s/.test(line[i]!)) w += line[i++];
    }
    out.push(w);
  }
  return out;
}

export function genpass(bits: number): string {
  const chars = Math.ceil(bits / 4);
  return randomBytes(Math.ceil(chars / 2))
    .toString('hex')
    .slice(0, chars);
}

declare module '../commands/context.js' {
  interface ServerExtensions {
    acl?: Acl;
  }
}

/** Install the ACL: users from config/aclfile, requirepass, AUTH, the NOPERM guard. */
export function installAcl(node: NodeHost): Acl {
  const acl = new Acl(node);
  node.ext.acl = acl;
  const config = node.config;

  const applyRequirepass = (pass: string) => {
    const d = acl.users.get('default')!;
    if (pass === '') acl.apply(d, ['nopass']);
    else acl.apply(d, ['resetpass', `>${pass}`]);
  };

  // Users from `user` lines, then the aclfile (Redis refuses both at once).
  const userLines = config.get('user');
  const aclfile = config.get('aclfile');
  if (userLines && aclfile)
    throw new Error(
      'Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.',
    );
  if (userLines) acl.replaceUsers(acl.parseUsers(userLines, 'config'));
  if (aclfile) {
    let text = '';
    try {
      text = fs.readFileSync(aclfile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`Error loading ACLs, opening file '${aclfile}': ${(err as Error).message}`);
    }
    acl.replaceUsers(acl.parseUsers(text, aclfile));
  }
  const rp = config.get('requirepass');
  if (rp !== '') applyRequirepass(rp);
  config.watch('requirepass', (v) => applyRequirepass(v));

  node.ext.auth = {
    authenticate(c, user, pass) {
      if (acl.check(user, pass)) return null;
      acl.addLog(c, 'auth', 'AUTH', user);
      return Err.WRONGPASS;
    },
  };

  node.dispatch.hooks.guards.push((c, spec, argv) => {
    if (c.id < 0) return null; // internal clients (AOF replay, replication stream)
    // AUTH <password> with a password-less default user is an error in Redis (not OK).
    if (argv.length === 2 && spec.fullName === 'auth' && acl.users.get('default')!.nopass) return Err.AUTH_NOT_CONFIGURED;
    const u = acl.users.get(c.user);
    if (u === undefined) return `NOPERM this user has no permissions to run the '${spec.fullName}' command`;
    if (u.unrestricted) return null;
    if (spec.bits & F.no_auth) return null; // AUTH, HELLO, QUIT: always allowed, as in Redis
    const d = acl.denial(u, spec, argv);
    if (d === null) return null;
    acl.addLog(c, d[0], d[1], c.user, c.flags.multi ? 'multi' : 'toplevel');
    return d[2];
  });
  return acl;
}
