/**
 * Boundary fuzzing of every command: no argument may crash the server, hang it, break the
 * connection or hit an internal error.
 *
 * Against a live `dssm server` child process (dist/), for every command and subcommand that
 * `COMMAND LIST` names (the spec table), with keys of each type prepared before every
 * command: each argument position in turn gets each boundary value (0, -1, ±2^63 and just
 * inside, 2^63 and -2^63-1 (overflow), 2^32, 2^31, huge counts, NaN, ±inf, 1e308, the empty
 * string, a 1 MB string, hostile glob patterns), the key positions also get each key type,
 * and commands with optional arguments also get `KEYWORD value` pairs (COUNT, LIMIT, EX, ...)
 * with the numeric values. Requests are pipelined per command and followed by PING; a
 * batch that does not answer within the client's timeout, or a closed connection, or an
 * exited process is replayed one request at a time to name the culprit, and the server is
 * restarted if it died. Blocking commands run on their own connection and are released
 * with CLIENT UNBLOCK when they block.
 *
 * The test reports every command that crashed, hung, closed the connection or answered
 * an internal error, and fails if there is any. A fixed value list (no randomness) keeps
 * it reproducible.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeCommand, RawClient, type Reply } from '../helpers/resp.js';
import { startDssmProcess, type ChildServer } from '../helpers/servers.js';

/**
 * Commands not fuzzed, and why: each legitimately stops the server, stops or takes over the
 * connection, or changes the server's role, so its "failure" is its contract.
 */
const EXCLUDED: Record<string, string> = {
  shutdown: 'stops the server',
  debug: 'DEBUG SEGFAULT/SLEEP/RELOAD/RESTART/OOM/PANIC stop or freeze the server by design',
  monitor: 'turns the connection into a MONITOR stream',
  subscribe: 'puts a RESP2 connection in subscriber mode (only (P|S)SUBSCRIBE/PING/QUIT/RESET allowed after)',
  psubscribe: 'as SUBSCRIBE',
  ssubscribe: 'as SUBSCRIBE',
  unsubscribe: 'as SUBSCRIBE (answers a push, not a reply, when not subscribed)',
  punsubscribe: 'as UNSUBSCRIBE',
  sunsubscribe: 'as UNSUBSCRIBE',
  'client|pause': 'pauses every client for up to 2^63 ms',
  'client|kill': 'closes connections, this one among them (CLIENT KILL with boundary filters)',
  'client|reply': 'CLIENT REPLY OFF/SKIP suppress the replies the test counts',
  replicaof: 'turns the server into a replica of a boundary-valued host',
  slaveof: 'as REPLICAOF',
  failover: 'hands the primary role over',
  sync: 'turns the connection into a replication stream',
  psync: 'as SYNC',
  replconf: 'replica-to-primary handshake; ACK/GETACK change replication state',
  quit: 'closes the connection',
  reset: 'used between commands to clean up; fuzzing it would only reset the test connection',
  multi: 'queues every later request instead of answering it (transactions have their own tests)',
  hello: 'HELLO 3 would switch the test connection to RESP3; AUTH-like arguments are covered by AUTH',
  'config|set': 'sets directives such as maxmemory 1 or maxclients 1 that change every later command (CONFIG SET has its own validation tests)',
  'acl|load': 'reloads the ACL file, may remove the default user',
};

const MB = 'x'.repeat(1024 * 1024);
const HOSTILE_PATTERNS = ['a*'.repeat(20) + 'b', '*?'.repeat(300) + '[', '[^' + '\\'.repeat(50) + '-', '*[*a*]*'.repeat(40)];
const NUMBERS = [
  '0',
  '-1',
  '1',
  '9223372036854775807',
  '-9223372036854775807',
  '-9223372036854775808',
  '9223372036854775808',
  '-9223372036854775809',
  '18446744073709551616',
  '4294967296',
  '4294967295',
  '2147483648',
  '2147483647',
  '-2147483648',
  '4611686018427387904',
  '99999999999999999999999999',
  'nan',
  'inf',
  '-inf',
  '+inf',
  '1e308',
  '-1e308',
  '0.5',
];
const VALUES = [...NUMBERS, '', MB, ...HOSTILE_PATTERNS];
/** The values tried after keywords (fewer, to keep the run short). */
const KEYWORD_NUMBERS = ['0', '-1', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '4294967296', '2147483648', 'nan', 'inf', '-inf', '1e308', ''];
/** Keywords whose next argument is a number or a pattern in many commands. */
const KEYWORDS = ['COUNT', 'LIMIT', 'EX', 'PXAT', 'RANK', 'MAXLEN', 'MATCH'];

/** Keys of each type, recreated before every command. */
const KEYS = { string: 'k:str', list: 'k:list', set: 'k:set', intset: 'k:iset', zset: 'k:zset', hash: 'k:hash', hll: 'k:hll', missing: 'k:none' } as const;
const PREPARE: string[][] = [
  ['FLUSHALL'],
  ['SET', KEYS.string, '12345'],
  ['RPUSH', KEYS.list, 'a', 'b', 'c', '1', '2'],
  ['SADD', KEYS.set, 'a', 'b', 'c'],
  ['SADD', KEYS.intset, '1', '2', '3'],
  ['ZADD', KEYS.zset, '1', 'a', '2', 'b', '3', 'c'],
  ['HSET', KEYS.hash, 'a', '1', 'b', '2'],
  ['PFADD', KEYS.hll, 'a', 'b'],
  ['GEOADD', 'k:geo', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'],
];

/**
 * Argument defaults other than "1" (by position), for commands whose "1" would block for
 * good: WAIT 1 <timeout> waits for a replica that never comes, and dssm's CLIENT UNBLOCK does
 * not release WAIT (Redis's does), so WAIT is fuzzed with 0 replicas or a 1 ms timeout and
 * without the every-argument-at-once variant.
 */
const DEFAULTS: Record<string, Record<number, string>> = { wait: { 1: '0', 2: '1' } };

interface Spec {
  name: string; // "get", "client|list"
  arity: number;
  first: number;
  last: number;
  step: number;
  flags: string[];
  categories: string[];
}

function keyFor(spec: Spec): string {
  const c = spec.categories;
  if (c.includes('@list')) return KEYS.list;
  if (c.includes('@set')) return KEYS.set;
  if (c.includes('@sortedset')) return KEYS.zset;
  if (c.includes('@hash')) return KEYS.hash;
  if (c.includes('@hyperloglog')) return KEYS.hll;
  if (c.includes('@geo')) return 'k:geo';
  return KEYS.string;
}

function isKeyPos(spec: Spec, i: number, argc: number): boolean {
  if (spec.first <= 0) return false;
  const last = spec.last < 0 ? argc + spec.last : spec.last;
  return i >= spec.first && i <= last && (i - spec.first) % Math.max(spec.step, 1) === 0;
}

/** Every request for one command. */
function requestsFor(spec: Spec): string[][] {
  const words = spec.name.split('|');
  const defaults = DEFAULTS[spec.name];
  const min = Math.abs(spec.arity);
  const lengths = spec.arity > 0 ? [spec.arity] : [min, min + 1];
  const out: string[][] = [];
  const key = keyFor(spec);
  for (const argc of lengths) {
    const base = Array.from({ length: argc }, (_, i) => (i < words.length ? words[i]! : isKeyPos(spec, i, argc) ? key : (defaults?.[i] ?? '1')));
    for (let i = words.length; i < argc; i++) {
      for (const v of VALUES) out.push(base.map((x, j) => (j === i ? v : x)));
      if (isKeyPos(spec, i, argc)) for (const k of Object.values(KEYS)) out.push(base.map((x, j) => (j === i ? k : x)));
    }
    // Every argument at once at the same boundary.
    if (!defaults) for (const v of NUMBERS) out.push(base.map((x, j) => (j < words.length ? x : isKeyPos(spec, j, argc) ? x : v)));
  }
  if (spec.arity < 0) {
    const base = Array.from({ length: min }, (_, i) => (i < words.length ? words[i]! : isKeyPos(spec, i, min) ? key : '1'));
    for (const kw of KEYWORDS) for (const v of [...KEYWORD_NUMBERS, HOSTILE_PATTERNS[0]!]) out.push([...base, kw, v, ...(kw === 'LIMIT' ? [v] : [])]);
  }
  return out;
}

function describeReq(argv: string[]): string {
  return argv.map((a) => (a.length > 40 ? `<${a.length} bytes>` : JSON.stringify(a))).join(' ');
}

/**
 * Strings are capped at 8 MB (proto-max-bulk-len) instead of 512 MB: SETBIT and SETRANGE
 * at offsets up to the cap are still fuzzed, while 2^31-bit offsets answer the size error
 * at once rather than each building a 256 MB string (which the run time cannot afford).
 */
const SERVER_ARGS = ['--appendonly', 'no', '--proto-max-bulk-len', '8mb'];

/** How long one reply may take before the server counts as hung. */
const REPLY_TIMEOUT = 15000;

/** Problems found, one line each. */
const problems: string[] = [];

let server: ChildServer;
let main: RawClient;
let blocker: RawClient;
let blockerId = '';

async function connect(): Promise<void> {
  main?.close();
  blocker?.close();
  main = await RawClient.connect(server.port);
  blocker = await RawClient.connect(server.port);
  const id = await blocker.call('CLIENT', 'ID');
  blockerId = (id as { v: string }).v;
}

async function ensureServer(context: string): Promise<void> {
  if (server.proc.exitCode === null && server.proc.signalCode === null) {
    try {
      const r = await main.call('PING');
      if (r.t === 'simple') return;
    } catch {
      /* reconnect below */
    }
    await connect();
    return;
  }
  problems.push(`server exited (${server.proc.exitCode ?? server.proc.signalCode}) after ${context}; output tail: ${server.output().slice(-600)}`);
  server = await startDssmProcess(SERVER_ARGS);
  await connect();
}

/** Send requests pipelined on `c`, then PING; the replies, or null if they did not all come. */
async function pipeline(c: RawClient, reqs: string[][], timeoutMs: number): Promise<Reply[] | null> {
  if (c.closed) return null;
  const replies: Reply[] = [];
  for (const r of reqs) c.writeRaw(encodeCommand(r));
  c.writeRaw(encodeCommand(['PING']));
  try {
    // The client's timeout per reply is the failure signal: a server that makes progress
    // answers each within it, a hung one does not.
    for (let i = 0; i < reqs.length; i++) replies.push(await c.read(timeoutMs));
    const pong = await c.read(timeoutMs);
    if (pong.t !== 'simple') return null;
    return replies;
  } catch {
    c.close();
    return null;
  }
}

function internalError(r: Reply): boolean {
  return r.t === 'error' && (r.v.includes('internal error') || r.v.startsWith('CLIENT-SIDE'));
}

async function prepare(): Promise<void> {
  await main.call('RESET');
  for (const p of PREPARE) await main.call(...p);
}

/** Run one command's requests on the main connection; replay one by one on failure. */
async function fuzzPlain(spec: Spec, reqs: string[][]): Promise<void> {
  await prepare().catch(() => ensureServer(`the command before ${spec.name}`));
  const replies = await pipeline(main, reqs, REPLY_TIMEOUT);
  if (replies !== null) {
    reqs.forEach((r, i) => {
      if (internalError(replies[i]!)) problems.push(`${spec.name}: ${describeReq(r)} → ${(replies[i] as { v: string }).v}`);
    });
    return;
  }
  // Find the request(s) at fault.
  await ensureServer(`${spec.name} (batch)`);
  for (const r of reqs) {
    await prepare().catch(() => undefined);
    const one = await pipeline(main, [r], REPLY_TIMEOUT);
    if (one === null) {
      problems.push(`${spec.name}: ${describeReq(r)} → no answer / connection failed`);
      await ensureServer(describeReq(r));
    } else if (internalError(one[0]!)) {
      problems.push(`${spec.name}: ${describeReq(r)} → ${(one[0] as { v: string }).v}`);
    }
  }
}

/**
 * Blocking commands: pipelined on their own connection while the main connection sends
 * CLIENT UNBLOCK for it until every reply has come, so a request that blocks (timeout 0, or
 * a long one) is released at once and answers -UNBLOCKED.
 */
async function fuzzBlocking(spec: Spec, reqs: string[][]): Promise<void> {
  await prepare().catch(() => ensureServer(`the command before ${spec.name}`));
  const replies: Reply[] = [];
  let failed = false;
  const reading = (async () => {
    try {
      for (let i = 0; i < reqs.length; i++) replies.push(await blocker.read(REPLY_TIMEOUT));
    } catch {
      failed = true;
    }
  })();
  for (const r of reqs) blocker.writeRaw(encodeCommand(r));
  let polls = 0;
  while (replies.length < reqs.length && !failed) {
    const u = await main.call('CLIENT', 'UNBLOCK', blockerId, 'ERROR').catch(() => null);
    if (u === null || ++polls > reqs.length * 20 + 1000) failed = true;
  }
  await reading;
  if (failed) {
    problems.push(
      `${spec.name}: a request among ${reqs.length} got no answer or failed the connection (blocking; first unanswered: ${describeReq(reqs[replies.length] ?? [])}, after ${replies.length} replies, the last ${JSON.stringify(replies.slice(-3))})`,
    );
    await ensureServer(spec.name);
    await connect();
    return;
  }
  reqs.forEach((r, i) => {
    if (internalError(replies[i]!)) problems.push(`${spec.name}: ${describeReq(r)} → ${(replies[i] as { v: string }).v}`);
  });
}

function text(r: Reply | undefined): string {
  return r && 'v' in r && typeof r.v === 'string' ? r.v : '';
}

async function loadSpecs(): Promise<Spec[]> {
  const list = await main.call('COMMAND', 'LIST');
  const names = (list as { v: Reply[] }).v.map(text);
  const specs: Spec[] = [];
  for (const name of names) {
    const info = await main.call('COMMAND', 'INFO', name);
    const entry = (info as { v: Reply[] }).v[0] as { t: string; v: Reply[] } | undefined;
    if (entry?.t !== 'array') continue;
    const f = entry.v;
    const num = (r: Reply | undefined): number => Number(text(r));
    const strs = (r: Reply | undefined): string[] => ((r as { v: Reply[] } | undefined)?.v ?? []).map(text);
    specs.push({ name, arity: num(f[1]), flags: strs(f[2]), first: num(f[3]), last: num(f[4]), step: num(f[5]), categories: strs(f[6]) });
  }
  return specs;
}

describe('boundary values in every argument of every command', () => {
  before(async () => {
    server = await startDssmProcess(SERVER_ARGS);
    await connect();
  });
  after(async () => {
    main?.close();
    blocker?.close();
    await server?.stop('SIGKILL');
  });

  test('no command crashes, hangs, closes the connection or fails internally; PING answers after every batch', async () => {
    const specs = await loadSpecs();
    assert.ok(specs.length > 150, `COMMAND LIST named ${specs.length} commands`);
    // A container command's own name runs with its subcommands; fuzz those.
    const containers = new Set(specs.filter((s) => s.name.includes('|')).map((s) => s.name.split('|')[0]!));
    let requests = 0;
    let fuzzed = 0;
    for (const spec of specs) {
      if (EXCLUDED[spec.name] || EXCLUDED[spec.name.split('|')[0]!]) continue;
      if (containers.has(spec.name)) continue;
      if (process.env.FUZZ_ONLY && !process.env.FUZZ_ONLY.split(',').includes(spec.name)) continue;
      const reqs = requestsFor(spec);
      requests += reqs.length;
      fuzzed++;
      const t0 = performance.now();
      // WAIT blocks until replicas acknowledge (forever with timeout 0 and none attached).
      if (spec.flags.includes('blocking') || spec.name === 'wait') await fuzzBlocking(spec, reqs);
      else await fuzzPlain(spec, reqs);
      if (process.env.FUZZ_VERBOSE) console.log(`${spec.name}: ${reqs.length} requests, ${(performance.now() - t0).toFixed(0)} ms`);
      await ensureServer(spec.name);
    }
    const info = text(await main.call('INFO', 'stats'));
    const unexpected = /unexpected_error_replies:(\d+)/.exec(info)?.[1];
    console.log(`boundary fuzz: ${fuzzed} commands, ${requests} requests, excluded: ${Object.keys(EXCLUDED).join(' ')}; unexpected_error_replies=${unexpected}`);
    assert.deepEqual(problems, [], `problems:\n${problems.join('\n')}`);
  });
});
