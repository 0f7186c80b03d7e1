/**
 * ACL and its subcommands, as Redis 7.0 answers them (acl.c aclCommand), over the ACL
 * subsystem in src/security/acl.ts (reached through c.server.ext.acl).
 */
import fs from 'node:fs';
import { CommandError, Err } from '../errors.js';
import { parseIntOrNull } from '../commands/args.js';
import type { Client } from '../commands/context.js';
import { defineCommand, type CommandSpec, type CommandDefinition } from '../commands/spec.js';
import { replyHelp } from '../commands/client.js';
import { ACL_CATEGORIES, AclError, genpass, type Acl } from './acl.js';

const NO_ACLFILE =
  'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.';

function aclOf(c: Client): Acl {
  const acl = c.server.ext.acl;
  if (!acl) throw new CommandError('ERR ACL is not available');
  return acl;
}

function validName(name: string): void {
  for (let i = 0; i < name.length; i++) {
    const ch = name.charCodeAt(i);
    if (ch <= 32 || ch === 127) throw new CommandError("ERR Usernames can't contain spaces or null characters");
  }
}

function setuser(c: Client, argv: string[]): void {
  const acl = aclOf(c);
  const name = argv[2]!;
  validName(name);
  const existing = acl.users.get(name);
  // Validate on a copy: a failing rule changes nothing.
  const scratch = acl.newUser(name);
  if (existing) {
    scratch.enabled = existing.enabled;
    scratch.nopass = existing.nopass;
    scratch.passwords.push(...existing.passwords);
    scratch.allCommands = existing.allCommands;
    for (const a of existing.allowed) scratch.allowed.add(a);
    scratch.keys = existing.keys.map((k) => ({ ...k }));
    scratch.allKeys = existing.allKeys;
    scratch.channels = [...existing.channels];
    scratch.allChannels = existing.allChannels;
  }
  try {
    acl.apply(scratch, argv.slice(3));
  } catch (err) {
    if (err instanceof AclError) throw new CommandError(err.message);
    throw err;
  }
  acl.users.set(name, scratch);
  c.reply.ok();
}

function getuser(c: Client, argv: string[]): void {
  const acl = aclOf(c);
  const u = acl.users.get(argv[2]!);
  if (!u) return c.reply.nil();
  const r = c.reply;
  r.mapHeader(6);
  r.bulk('flags');
  const flags = [u.enabled ? 'on' : 'off'];
  if (u.nopass) flags.push('nopass');
  r.setHeader(flags.length);
  for (const f of flags) r.bulk(f);
  r.bulk('passwords');
  r.arrayHeader(u.passwords.length);
  for (const p of u.passwords) r.bulk(p);
  r.bulk('commands');
  r.bulk(acl.describeCommands(u));
  r.bulk('keys');
  r.bulk(acl.describeKeys(u));
  r.bulk('channels');
  r.bulk(acl.describeChannels(u));
  r.bulk('selectors');
  r.arrayHeader(0);
}

function deluser(c: Client, argv: string[]): void {
  const acl = aclOf(c);
  for (const name of argv.slice(2)) if (name === 'default') throw new CommandError("ERR The 'default' user cannot be removed");
  let n = 0;
  for (const name of argv.slice(2)) {
    if (!acl.users.delete(name)) continue;
    n++;
    // Clients authenticated as a deleted user are disconnected, as Redis does.
    for (const other of c.server.clients.all()) if (other.user === name) other.close('user deleted');
  }
  c.reply.int(n);
}

function list(c: Client): void {
  const acl = aclOf(c);
  const users = [...acl.users.values()];
  c.reply.arrayHeader(users.length);
  for (const u of users) c.reply.bulk(acl.describe(u));
}

function users(c: Client): void {
  const names = [...aclOf(c).users.keys()].sort();
  c.reply.arrayHeader(names.length);
  for (const n of names) c.reply.bulk(n);
}

function whoami(c: Client): void {
  c.reply.bulk(c.user);
}

function cat(c: Client, argv: string[]): void {
  const acl = aclOf(c);
  if (argv.length === 2) {
    c.reply.arrayHeader(ACL_CATEGORIES.length);
    for (const k of ACL_CATEGORIES) c.reply.bulk(k);
    return;
  }
  const want = argv[2]!.toLowerCase();
  if (!ACL_CATEGORIES.includes(want)) throw new CommandError(`ERR Unknown category '${argv[2]}'`);
  const names = acl.index.all.filter((s) => acl.index.categories.get(s)!.has(want)).map((s) => s.fullName);
  c.reply.arrayHeader(names.length);
  for (const n of names) c.reply.bulk(n);
}

function dryrun(c: Client, argv: string[]): void {
  const acl = aclOf(c);
  const u = acl.users.get(argv[2]!);
  if (!u) throw new CommandError(`ERR User '${argv[2]}' not found`);
  const cmdArgv = argv.slice(3);
  const spec = c.server.dispatch.resolve(null, cmdArgv);
  if (typeof spec === 'string') {
    if (spec.startsWith('ERR unknown command')) throw new CommandError(`ERR Command '${cmdArgv[0]}' not found`);
    throw new CommandError(spec);
  }
  const d = acl.denial(u, spec, cmdArgv);
  if (d === null) return c.reply.ok();
  if (d[0] === 'command') return c.reply.bulk(`This user has no permissions to run the '${d[1]}' command`);
  if (d[0] === 'key') return c.reply.bulk(`This user has no permissions to access the '${d[1]}' key`);
  c.reply.bulk(`This user has no permissions to access the '${d[1]}' channel`);
}

function aclLog(c: Client, argv: string[]): void {
  const acl = aclOf(c);
  let count = 10;
  if (argv.length === 3) {
    if (argv[2]!.toLowerCase() === 'reset') {
      acl.log.length = 0;
      return c.reply.ok();
    }
    const n = parseIntOrNull(argv[2]!);
    if (n === null || n < 0) throw new CommandError(Err.NOT_INTEGER);
    count = n;
  } else if (argv.length > 3) throw new CommandError(Err.SYNTAX);
  const entries = acl.log.slice(0, count);
  const r = c.reply;
  const now = Date.now();
  r.arrayHeader(entries.length);
  for (const e of entries) {
    r.mapHeader(7);
    r.bulk('count');
    r.int(e.count);
    r.bulk('reason');
    r.bulk(e.reason);
    r.bulk('context');
    r.bulk(e.context);
    r.bulk('object');
    r.bulk(e.object);
    r.bulk('username');
    r.bulk(e.username);
    r.bulk('age-seconds');
    r.double((now - e.created) / 1000);
    r.bulk('client-info');
    r.bulk(e.clientInfo);
  }
}

function save(c: Client): void {
  const acl = aclOf(c);
  const file = c.server.config.get('aclfile');
  if (!file) throw new CommandError(NO_ACLFILE);
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    fs.writeFileSync(tmp, acl.serialize());
    fs.renameSync(tmp, file);
  } catch (err) {
    throw new CommandError(`ERR There was an error trying to save the ACLs. Please check the server logs for more information (${(err as Error).message})`);
  }
  c.reply.ok();
}

function load(c: Client): void {
  const acl = aclOf(c);
  const file = c.server.config.get('aclfile');
  if (!file) throw new CommandError(NO_ACLFILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CommandError(`ERR Error loading ACLs, opening file '${file}': ${(err as Error).message}`);
  }
  try {
    acl.replaceUsers(acl.parseUsers(text, file));
  } catch (err) {
    throw new CommandError(`ERR ${(err as Error).message}`);
  }
  c.reply.ok();
}

function genpassCmd(c: Client, argv: string[]): void {
  let bits = 256;
  if (argv.length === 3) {
    const n = parseIntOrNull(argv[2]!);
    if (n === null || n <= 0 || n > 4096) throw new CommandError('ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096');
    bits = n;
  }
  c.reply.bulk(genpass(bits));
}

function help(c: Client): void {
  replyHelp(c, 'ACL', [
    'CAT [<category>]',
    '    List all commands that belong to <category>, or all command categories',
    '    when no category is specified.',
    'DELUSER <username> [<username> ...]',
    '    Delete a list of users.',
    'DRYRUN <username> <command> [<arg> ...]',
    '    Returns whether the user can execute the given command without executing the command.',
    'GETUSER <username>',
    "    Get the user's details.",
    'GENPASS [<bits>]',
    '    Generate a secure 256-bit user password. The optional `bits` argument can',
    '    be used to specify a different size.',
    'LIST',
    '    Show users details in config file format.',
    'LOAD',
    '    Reload users from the ACL file.',
    'LOG [<count> | RESET]',
    '    Show the ACL log entries.',
    'SAVE',
    '    Save the current config to the ACL file.',
    'SETUSER <username> <attribute> [<attribute> ...]',
    '    Create or modify a user with the specified attributes.',
    'USERS',
    '    List all the registered usernames.',
    'WHOAMI',
    '    Return the current connection username.',
  ]);
}

const G = { group: 'server' as const, since: '6.0.0' };
const ADMIN = 'admin noscript loading stale';
const PLAIN = 'noscript loading stale';

const subs: CommandDefinition[] = [
  {
    ...G,
    name: 'cat',
    arity: -2,
    flags: PLAIN,
    handler: cat,
    summary: 'List the ACL categories or the commands inside a category',
    complexity: 'O(1) since the categories and commands are a fixed set.',
  },
  {
    ...G,
    name: 'deluser',
    arity: -3,
    flags: ADMIN,
    handler: deluser,
    summary: 'Remove the specified ACL users and the associated rules',
    complexity: 'O(1) amortized time considering the typical user.',
  },
  {
    ...G,
    name: 'dryrun',
    arity: -4,
    flags: ADMIN,
    handler: dryrun,
    summary: 'Returns whether the user can execute the given command without executing the command.',
    since: '7.0.0',
    complexity: 'O(1).',
  },
  { ...G, name: 'genpass', arity: -2, flags: PLAIN, handler: genpassCmd, summary: 'Generate a pseudorandom secure password to use for ACL users' },
  {
    ...G,
    name: 'getuser',
    arity: 3,
    flags: ADMIN,
    handler: getuser,
    summary: 'Get the rules for a specific ACL user',
    complexity: 'O(N). Where N is the number of password, command and pattern rules that the user has.',
    docs: {
      history: [
        ['6.2.0', 'Added Pub/Sub channel patterns.'],
        ['7.0.0', 'Added selectors and changed the format of key and channel patterns from a list to their rule representation.'],
      ],
    },
  },
  { ...G, name: 'help', arity: 2, flags: 'loading stale', handler: help, summary: 'Show helpful text about the different subcommands' },
  { ...G, name: 'list', arity: 2, flags: ADMIN, handler: list, summary: 'List the current ACL rules in ACL config file format', complexity: 'O(N). Where N is the number of configured users.' },
  { ...G, name: 'load', arity: 2, flags: ADMIN, handler: load, summary: 'Reload the ACLs from the configured ACL file', complexity: 'O(N). Where N is the number of configured users.' },
  { ...G, name: 'log', arity: -2, flags: ADMIN, handler: aclLog, summary: 'List latest events denied because of ACLs in place', complexity: 'O(N) with N being the number of entries shown.' },
  { ...G, name: 'save', arity: 2, flags: ADMIN, handler: save, summary: 'Save the current ACL rules in the configured ACL file', complexity: 'O(N). Where N is the number of configured users.' },
  {
    ...G,
    name: 'setuser',
    arity: -3,
    flags: ADMIN,
    handler: setuser,
    summary: 'Modify or create the rules for a specific ACL user',
    complexity: 'O(N). Where N is the number of rules provided.',
    docs: {
      history: [
        ['6.2.0', 'Added Pub/Sub channel patterns.'],
        ['7.0.0', 'Added selectors and key based permissions.'],
      ],
    },
  },
  { ...G, name: 'users', arity: 2, flags: ADMIN, handler: users, summary: 'List the username of all the configured ACL rules', complexity: 'O(N). Where N is the number of configured users.' },
  { ...G, name: 'whoami', arity: 2, flags: PLAIN, handler: whoami, summary: 'Return the name of the user associated to the current connection' },
];

export const aclCommands: CommandSpec[] = [
  defineCommand({ ...G, name: 'acl', arity: -2, summary: 'A container for Access List Control commands ', complexity: 'Depends on subcommand.', subcommands: subs }),
];
