/**
 * The sentinel's command surface, with redis-sentinel 7.0's reply layouts and error texts:
 * SENTINEL (masters, master, replicas, sentinels, get-master-addr-by-name,
 * is-master-down-by-addr, failover, ckquorum, reset, monitor, remove, set, myid, config,
 * info-cache, simulate-failure, flushconfig, ...), PING, INFO, ROLE, (P)SUBSCRIBE,
 * (P)UNSUBSCRIBE, PUBLISH (hello messages only), AUTH, HELLO, CLIENT, COMMAND, SHUTDOWN.
 */
import net from 'node:net';
import os from 'node:os';
import { globMatch } from '../util/glob.js';
import { DSSM_VERSION } from '../version.js';
import { voteLeader } from './election.js';
import { chooseSlave, failoverStep, startFailover } from './failover.js';
import type { SentinelHost } from './host.js';
import { perform, processHelloMessage, refreshReplicaInfo } from './monitor.js';
import type { SentinelSession } from './session.js';
import { FAILOVER_STATE_NAMES, Flag, HELLO_CHANNEL, type Instance, currentMasterAddr, flagsString, now } from './state.js';

const REDIS_VERSION = '7.0.15';

type Sentinel = SentinelHost;

class CmdError extends Error {}

/** Arity as in redis-sentinel's command table (negative: at least). */
const ARITY: Record<string, number> = {
  ping: -1,
  sentinel: -2,
  subscribe: -2,
  unsubscribe: -1,
  psubscribe: -2,
  punsubscribe: -1,
  publish: 3,
  info: -1,
  role: 1,
  client: -2,
  shutdown: -1,
  auth: -2,
  hello: -1,
  command: -1,
  quit: -1,
  reset: 1,
};

const SUBSCRIBE_CONTEXT = new Set(['subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe', 'ping', 'quit', 'reset']);

/** Run one command; a promise when its reply comes later (the session holds the next commands until then). */
export function handleCommand(s: Sentinel, c: SentinelSession, argv: string[]): Promise<void> | void {
  const name = argv[0]!.toLowerCase();
  c.lastCommand = name;
  const arity = ARITY[name];
  const r = c.reply;
  if (arity === undefined) {
    const args = argv
      .slice(1)
      .map((a) => `'${a.slice(0, 128)}' `)
      .join('');
    r.error(`ERR unknown command '${argv[0]!.slice(0, 128)}', with args beginning with: ${args}`);
    return;
  }
  if ((arity > 0 && argv.length !== arity) || argv.length < -arity) {
    r.error(`ERR wrong number of arguments for '${name}' command`);
    return;
  }
  if (!c.authenticated && name !== 'auth' && name !== 'hello' && name !== 'quit') {
    r.error('NOAUTH Authentication required.');
    return;
  }
  if (c.subscriptionCount > 0 && r.proto === 2 && !SUBSCRIBE_CONTEXT.has(name)) {
    r.error(`ERR Can't execute '${name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`);
    return;
  }
  try {
    switch (name) {
      case 'ping':
        if (argv.length > 2) throw new CmdError("ERR wrong number of arguments for 'ping' command");
        if (c.subscriptionCount > 0 && r.proto === 2) {
          r.arrayHeader(2);
          r.bulk('pong');
          r.bulk(argv[1] ?? '');
        } else if (argv.length === 2) r.bulk(argv[1]!);
        else r.pong();
        return;
      case 'quit':
        r.ok();
        c.closeAfterReply = true;
        return;
      case 'reset':
        c.channels.clear();
        c.patterns.clear();
        c.name = '';
        r.proto = 2;
        r.simple('RESET');
        return;
      case 'sentinel':
        return sentinelCommand(s, c, argv);
      case 'subscribe':
        for (const ch of argv.slice(1)) {
          c.channels.add(ch);
          r.pushHeader(3);
          r.bulk('subscribe');
          r.bulk(ch);
          r.int(c.subscriptionCount);
        }
        return;
      case 'psubscribe':
        for (const p of argv.slice(1)) {
          c.patterns.add(p);
          r.pushHeader(3);
          r.bulk('psubscribe');
          r.bulk(p);
          r.int(c.subscriptionCount);
        }
        return;
      case 'unsubscribe':
      case 'punsubscribe': {
        const set = name === 'unsubscribe' ? c.channels : c.patterns;
        const list = argv.length > 1 ? argv.slice(1) : [...set];
        if (list.length === 0) {
          r.pushHeader(3);
          r.bulk(name);
          r.nil();
          r.int(c.subscriptionCount);
          return;
        }
        for (const ch of list) {
          set.delete(ch);
          r.pushHeader(3);
          r.bulk(name);
          r.bulk(ch);
          r.int(c.subscriptionCount);
        }
        return;
      }
      case 'publish':
        if (argv[1] !== HELLO_CHANNEL) throw new CmdError('ERR Only HELLO messages are accepted by Sentinel instances.');
        processHelloMessage(s, argv[2]!);
        r.int(1);
        return;
      case 'info':
        r.verbatim(infoText(s, argv.slice(1)));
        return;
      case 'role':
        r.arrayHeader(2);
        r.bulk('sentinel');
        r.bulkArray([...s.masters.keys()]);
        return;
      case 'client':
        return clientCommand(s, c, argv);
      case 'auth':
        return authCommand(s, c, argv);
      case 'hello':
        return helloCommand(s, c, argv);
      case 'command':
        if (argv.length >= 2 && argv[1]!.toLowerCase() === 'count') r.int(Object.keys(ARITY).length);
        else r.arrayHeader(0);
        return;
      case 'shutdown':
        r.ok();
        c.flush();
        void s.stop().then(() => s.onShutdown?.());
        return;
    }
  } catch (err) {
    if (err instanceof CmdError) r.error(err.message);
    else throw err;
  }
}

function authCommand(s: Sentinel, c: SentinelSession, argv: string[]): void {
  if (argv.length > 3) throw new CmdError('ERR syntax error');
  const pass = argv[argv.length - 1]!;
  const user = argv.length === 3 ? argv[1]! : 'default';
  if (s.cfg.requirepass === null) {
    if (argv.length === 2) throw new CmdError('ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?');
  }
  if (user !== 'default' || (s.cfg.requirepass !== null && pass !== s.cfg.requirepass)) {
    throw new CmdError('WRONGPASS invalid username-password pair or user is disabled.');
  }
  c.authenticated = true;
  c.reply.ok();
}

function helloCommand(s: Sentinel, c: SentinelSession, argv: string[]): void {
  let proto = c.reply.proto as number;
  let i = 1;
  if (argv.length > 1) {
    const v = argv[1]!;
    if (!/^\d+$/.test(v)) throw new CmdError('ERR Protocol version is not an integer or out of range');
    proto = Number(v);
    if (proto < 2 || proto > 3) throw new CmdError('NOPROTO unsupported protocol version');
    i = 2;
  }
  let authUser: string | null = null;
  let authPass: string | null = null;
  for (; i < argv.length; i++) {
    const opt = argv[i]!.toLowerCase();
    if (opt === 'auth' && i + 2 < argv.length) {
      authUser = argv[i + 1]!;
      authPass = argv[i + 2]!;
      i += 2;
    } else if (opt === 'setname' && i + 1 < argv.length) {
      c.name = argv[i + 1]!;
      i++;
    } else {
      throw new CmdError(`ERR Syntax error in HELLO option '${argv[i]}'`);
    }
  }
  if (authPass !== null) {
    if (authUser !== 'default' || (s.cfg.requirepass !== null && authPass !== s.cfg.requirepass)) {
      throw new CmdError('WRONGPASS invalid username-password pair or user is disabled.');
    }
    c.authenticated = true;
  }
  if (!c.authenticated)
    throw new CmdError(
      'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
    );
  const r = c.reply;
  r.proto = proto as 2 | 3;
  r.mapHeader(7);
  r.bulk('server');
  r.bulk('redis');
  r.bulk('version');
  r.bulk(REDIS_VERSION);
  r.bulk('proto');
  r.int(proto);
  r.bulk('id');
  r.int(c.id);
  r.bulk('mode');
  r.bulk('sentinel');
  r.bulk('role');
  r.bulk('master');
  r.bulk('modules');
  r.arrayHeader(0);
}

function clientCommand(s: Sentinel, c: SentinelSession, argv: string[]): void {
  const sub = argv[1]!.toLowerCase();
  const r = c.reply;
  switch (sub) {
    case 'setname': {
      if (argv.length !== 3) break;
      const n = argv[2]!;
      if (/[\s]/.test(n) || /[^\x21-\x7e]/.test(n)) throw new CmdError('ERR Client names cannot contain spaces, newlines or special characters.');
      c.name = n;
      r.ok();
      return;
    }
    case 'getname':
      if (argv.length !== 2) break;
      r.bulk(c.name === '' ? null : c.name);
      return;
    case 'id':
      if (argv.length !== 2) break;
      r.int(c.id);
      return;
    case 'info':
      if (argv.length !== 2) break;
      r.verbatim(clientLine(c) + '\n');
      return;
    case 'list':
      r.verbatim([...s.sessions].map((x) => clientLine(x) + '\n').join(''));
      return;
    case 'kill': {
      // CLIENT KILL addr | CLIENT KILL [ID id] [TYPE type] [ADDR addr] [LADDR addr] [SKIPME yes/no]
      if (argv.length === 3) {
        const victim = [...s.sessions].find((x) => x.addr === argv[2]);
        if (!victim) throw new CmdError('ERR No such client');
        r.ok();
        if (victim === c) c.closeAfterReply = true;
        else victim.close();
        return;
      }
      if (argv.length % 2 !== 0) throw new CmdError('ERR syntax error');
      let id: number | null = null;
      let type: string | null = null;
      let addr: string | null = null;
      let laddr: string | null = null;
      let skipme = true;
      for (let i = 2; i < argv.length; i += 2) {
        const k = argv[i]!.toLowerCase();
        const v = argv[i + 1]!;
        if (k === 'id') id = Number(v);
        else if (k === 'type') {
          type = v.toLowerCase();
          if (!['normal', 'pubsub', 'master', 'slave', 'replica'].includes(type)) throw new CmdError(`ERR Unknown client type '${v}'`);
        } else if (k === 'addr') addr = v;
        else if (k === 'laddr') laddr = v;
        else if (k === 'skipme') skipme = v.toLowerCase() === 'yes';
        else throw new CmdError('ERR syntax error');
      }
      let killed = 0;
      for (const x of [...s.sessions]) {
        if (id !== null && x.id !== id) continue;
        if (addr !== null && x.addr !== addr) continue;
        if (laddr !== null && x.laddr !== laddr) continue;
        if (type !== null) {
          const xt = x.subscriptionCount > 0 ? 'pubsub' : 'normal';
          if (xt !== type) continue;
        }
        if (x === c && skipme) continue;
        killed++;
        if (x === c) c.closeAfterReply = true;
        else x.close();
      }
      r.int(killed);
      return;
    }
    default:
      break;
  }
  throw new CmdError(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try CLIENT HELP.`);
}

function clientLine(c: SentinelSession): string {
  const age = Math.floor((now() - c.createdAt) / 1000);
  const idle = Math.floor((now() - c.lastInteraction) / 1000);
  const flags = c.subscriptionCount > 0 ? 'P' : 'N';
  return `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=0 name=${c.name} age=${age} idle=${idle} flags=${flags} db=0 sub=${c.channels.size} psub=${c.patterns.size} ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=1024 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd=${c.lastCommand} user=default redir=-1 resp=${c.reply.proto}`;
}

function getMaster(s: Sentinel, name: string): Instance {
  const m = s.masters.get(name);
  if (!m) throw new CmdError('ERR No such master with that name');
  return m;
}

/** One instance as SENTINEL MASTER/REPLICAS/SENTINELS lists it (a map of fields). */
function instanceFields(ri: Instance): [string, string][] {
  const t = now();
  const f: [string, string][] = [];
  const ms = (x: number) => String(Math.floor(x));
  f.push(['name', ri.name], ['ip', ri.host], ['port', String(ri.port)], ['runid', ri.runid ?? ''], ['flags', flagsString(ri)]);
  f.push(['link-pending-commands', String(ri.link.pendingCommands)], ['link-refcount', '1']);
  if (ri.is(Flag.FAILOVER_IN_PROGRESS)) f.push(['failover-state', FAILOVER_STATE_NAMES[ri.failoverState]!]);
  f.push(['last-ping-sent', ri.link.actPingTime ? ms(t - ri.link.actPingTime) : '0']);
  f.push(['last-ok-ping-reply', ms(t - ri.link.lastAvailTime)]);
  f.push(['last-ping-reply', ms(t - ri.link.lastPongTime)]);
  if (ri.is(Flag.S_DOWN)) f.push(['s-down-time', ms(t - ri.sDownSinceTime)]);
  if (ri.is(Flag.O_DOWN)) f.push(['o-down-time', ms(t - ri.oDownSinceTime)]);
  f.push(['down-after-milliseconds', String(ri.downAfter)]);
  if (!ri.is(Flag.SENTINEL)) {
    f.push(['info-refresh', ri.infoRefresh ? ms(t - ri.infoRefresh) : '0']);
    f.push(['role-reported', ri.roleReported]);
    f.push(['role-reported-time', ms(t - ri.roleReportedTime)]);
  }
  if (ri.is(Flag.MASTER)) {
    f.push(['config-epoch', String(ri.configEpoch)], ['num-slaves', String(ri.slaves.size)], ['num-other-sentinels', String(ri.sentinels.size)]);
    f.push(['quorum', String(ri.quorum)], ['failover-timeout', String(ri.failoverTimeout)], ['parallel-syncs', String(ri.parallelSyncs)]);
    if (ri.notificationScript) f.push(['notification-script', ri.notificationScript]);
    if (ri.clientReconfigScript) f.push(['client-reconfig-script', ri.clientReconfigScript]);
  }
  if (ri.is(Flag.SLAVE)) {
    const x = ri.replica;
    f.push(['master-link-down-time', String(x.masterLinkDownSinceSeconds * 1000)]);
    f.push(['master-link-status', x.masterLinkStatus === 'up' ? 'ok' : 'err']);
    f.push(['master-host', x.masterHost ?? '?'], ['master-port', String(x.masterPort)]);
    f.push(['slave-priority', String(x.priority)], ['slave-repl-offset', String(x.replOffset)], ['replica-announced', x.announced ? '1' : '0']);
  }
  if (ri.is(Flag.SENTINEL)) {
    f.push(['last-hello-message', ms(t - ri.lastHelloTime)]);
    f.push(['voted-leader', ri.leader ?? '?'], ['voted-leader-epoch', String(ri.leaderEpoch)]);
  }
  return f;
}

function replyInstance(c: SentinelSession, ri: Instance): void {
  const f = instanceFields(ri);
  c.reply.mapHeader(f.length);
  for (const [k, v] of f) {
    c.reply.bulk(k);
    c.reply.bulk(v);
  }
}

function replyInstances(c: SentinelSession, list: Iterable<Instance>): void {
  const arr = [...list];
  c.reply.arrayHeader(arr.length);
  for (const ri of arr) replyInstance(c, ri);
}

function parseLong(v: string, what = 'value is not an integer or out of range'): number {
  if (!/^-?\d+$/.test(v)) throw new CmdError(`ERR ${what}`);
  return Number(v);
}

function sentinelCommand(s: Sentinel, c: SentinelSession, argv: string[]): Promise<void> | void {
  const sub = argv[1]!.toLowerCase();
  const r = c.reply;
  const n = argv.length;
  const wrong = () => new CmdError(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try SENTINEL HELP.`);
  switch (sub) {
    case 'masters':
      if (n !== 2) throw wrong();
      return replyInstances(c, s.masters.values());
    case 'master':
      if (n !== 3) throw wrong();
      return replyInstance(c, getMaster(s, argv[2]!));
    case 'slaves':
    case 'replicas':
      if (n !== 3) throw wrong();
      return replyInstances(c, getMaster(s, argv[2]!).slaves.values());
    case 'sentinels':
      if (n !== 3) throw wrong();
      return replyInstances(c, getMaster(s, argv[2]!).sentinels.values());
    case 'myid':
      if (n !== 2) throw wrong();
      r.bulk(s.myid);
      return;
    case 'get-master-addr-by-name': {
      if (n !== 3) throw wrong();
      const m = s.masters.get(argv[2]!);
      if (!m) return r.nilArray();
      const a = currentMasterAddr(m);
      r.arrayHeader(2);
      r.bulk(a.host);
      r.bulk(String(a.port));
      return;
    }
    case 'is-master-down-by-addr': {
      if (n !== 6) throw wrong();
      const port = parseLong(argv[3]!);
      const reqEpoch = parseLong(argv[4]!);
      const m = [...s.masters.values()].find((x) => x.host === argv[2] && x.port === port);
      const isdown = m?.is(Flag.S_DOWN) && m.is(Flag.MASTER) ? 1 : 0;
      let leader: string | null = null;
      let leaderEpoch = 0;
      if (m && argv[5] !== '*') {
        const v = voteLeader(s, { now: now() }, m, reqEpoch, argv[5]!);
        perform(s, v.actions);
        leader = v.leader;
        leaderEpoch = v.epoch;
      }
      r.arrayHeader(3);
      r.int(isdown);
      r.bulk(leader ?? '*');
      r.int(leaderEpoch);
      return;
    }
    case 'reset': {
      if (n !== 3) throw wrong();
      let count = 0;
      for (const m of s.masters.values()) {
        if (globMatch(argv[2]!, m.name, false)) {
          s.resetMaster(m, true, true);
          count++;
        }
      }
      s.flushConfig();
      r.int(count);
      return;
    }
    case 'failover': {
      if (n !== 3) throw wrong();
      const m = getMaster(s, argv[2]!);
      if (m.is(Flag.FAILOVER_IN_PROGRESS)) throw new CmdError('INPROG Failover already in progress');
      // dssm: decide from the replicas' INFO of now, not from the last periodic poll (up to
      // 10 s old: under writes every cached offset is behind, and the replica that has
      // caught up would not be seen holding the highest offset until the next poll).
      return refreshReplicaInfo(s, m).then((since) => {
        if (m.is(Flag.FAILOVER_IN_PROGRESS)) return r.error('INPROG Failover already in progress');
        if (!chooseSlave(m, now(), since).slave) return r.error('NOGOODSLAVE No suitable replica to promote');
        s.event('+manual-failover', m, undefined);
        perform(s, startFailover(s, { now: now() }, m));
        m.flags |= Flag.FORCE_FAILOVER;
        // dssm: with the primary reachable, switch over losslessly through its FAILOVER command.
        m.coordinated = m.link.cc !== null && !m.is(Flag.S_DOWN) && m.roleReported === 'master' && !m.staleReboot;
        r.ok();
        // dssm: take the first steps now rather than at the next timer tick.
        perform(s, failoverStep(s, { now: now() }, m));
      });
    }
    case 'ckquorum': {
      if (n !== 3) throw wrong();
      const m = getMaster(s, argv[2]!);
      let usable = 1;
      for (const p of m.sentinels.values()) if (!p.is(Flag.S_DOWN) && !p.is(Flag.O_DOWN)) usable++;
      const voters = Math.floor((m.sentinels.size + 1) / 2) + 1;
      const noQuorum = usable < m.quorum;
      const noAuth = usable < voters;
      if (!noQuorum && !noAuth) {
        r.simple(`OK ${usable} usable Sentinels. Quorum and failover authorization can be reached`);
      } else {
        let e = `NOQUORUM ${usable} usable Sentinels. `;
        if (noQuorum) e += 'Not enough available Sentinels to reach the specified quorum for this master';
        if (noAuth) {
          if (noQuorum) e += '. ';
          e += 'Not enough available Sentinels to reach the majority and authorize a failover';
        }
        r.error(e);
      }
      return;
    }
    case 'monitor': {
      if (n !== 6) throw wrong();
      const [, , name, host, portText, quorumText] = argv as [string, string, string, string, string, string];
      const quorum = parseLong(quorumText, 'value is not an integer or out of range');
      if (quorum <= 0) throw new CmdError('ERR Quorum must be 1 or greater.');
      const port = parseLong(portText);
      if (port <= 0 || port > 65535) throw new CmdError('ERR Invalid port number');
      if (!net.isIP(host) && !s.cfg.resolveHostnames) throw new CmdError('ERR Invalid IP address or hostname specified');
      if (s.masters.has(name)) throw new CmdError('ERR Duplicated master name');
      const m = s.createMaster(name, host, port, quorum);
      s.flushConfig();
      s.event('+monitor', m, `quorum ${quorum}`);
      r.ok();
      return;
    }
    case 'remove': {
      if (n !== 3) throw wrong();
      const m = getMaster(s, argv[2]!);
      s.event('-monitor', m);
      s.removeMaster(m.name);
      s.flushConfig();
      r.ok();
      return;
    }
    case 'set':
      return sentinelSet(s, c, argv);
    case 'config':
      return sentinelConfig(s, c, argv);
    case 'info-cache': {
      if (n < 3) throw wrong();
      const list =
        argv.length > 2
          ? argv
              .slice(2)
              .map((x) => s.masters.get(x))
              .filter((x): x is Instance => !!x)
          : [...s.masters.values()];
      r.arrayHeader(list.length * 2);
      for (const m of list) {
        r.bulk(m.name);
        const all = [m, ...m.slaves.values()];
        r.arrayHeader(all.length);
        for (const ri of all) {
          r.arrayHeader(2);
          r.int(ri.infoRefresh ? Math.floor(now() - ri.infoRefresh) : 0);
          if (ri.info) r.verbatim(ri.info);
          else r.nil();
        }
      }
      return;
    }
    case 'simulate-failure': {
      if (n < 3) throw wrong();
      s.simFailure.crashAfterElection = false;
      s.simFailure.crashAfterPromotion = false;
      for (const a of argv.slice(2)) {
        const x = a.toLowerCase();
        if (x === 'crash-after-election') s.simFailure.crashAfterElection = true;
        else if (x === 'crash-after-promotion') s.simFailure.crashAfterPromotion = true;
        else if (x === 'help') {
          r.arrayHeader(2);
          r.bulk('crash-after-election');
          r.bulk('crash-after-promotion');
          return;
        } else throw new CmdError('ERR Unknown failure simulation specified');
      }
      r.ok();
      return;
    }
    case 'flushconfig':
      if (n !== 2) throw wrong();
      if (s.cfg.file === null) throw new CmdError('ERR Failed to save config file. Check server logs.');
      s.writeConfigNow();
      r.ok();
      return;
    case 'pending-scripts':
      if (n !== 2) throw wrong();
      r.arrayHeader(0);
      return;
    case 'help':
      r.bulkArray([
        'SENTINEL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
        'CKQUORUM <master-name>',
        'CONFIG SET|GET <param> [value]',
        'FAILOVER <master-name>',
        'FLUSHCONFIG',
        'GET-MASTER-ADDR-BY-NAME <master-name>',
        'INFO-CACHE <master-name>',
        'IS-MASTER-DOWN-BY-ADDR <ip> <port> <current-epoch> <runid>',
        'MASTER <master-name>',
        'MASTERS',
        'MONITOR <name> <ip> <port> <quorum>',
        'MYID',
        'PENDING-SCRIPTS',
        'REMOVE <master-name>',
        'REPLICAS <master-name>',
        'RESET <pattern>',
        'SENTINELS <master-name>',
        'SET <master-name> <option> <value> [<option> <value> ...]',
        'SIMULATE-FAILURE [CRASH-AFTER-ELECTION] [CRASH-AFTER-PROMOTION] [HELP]',
        'HELP',
      ]);
      return;
    default:
      throw wrong();
  }
}

function sentinelSet(s: Sentinel, c: SentinelSession, argv: string[]): void {
  if (argv.length < 3) throw new CmdError(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try SENTINEL HELP.`);
  const m = getMaster(s, argv[2]!);
  if (argv.length < 5 || argv.length % 2 === 0) throw new CmdError(`ERR wrong number of arguments for 'sentinel set' command`);
  // Validate everything first, then apply.
  const changes: (() => string)[] = [];
  for (let i = 3; i < argv.length; i += 2) {
    const opt = argv[i]!.toLowerCase();
    const val = argv[i + 1]!;
    const bad = () => new CmdError(`ERR Invalid argument '${val}' for SENTINEL SET '${argv[i]}'`);
    const posInt = () => {
      if (!/^\d+$/.test(val) || Number(val) <= 0) throw bad();
      return Number(val);
    };
    switch (opt) {
      case 'down-after-milliseconds': {
        const v = posInt();
        changes.push(() => {
          m.downAfter = v;
          for (const x of [...m.slaves.values(), ...m.sentinels.values()]) x.downAfter = v;
          return `${opt} ${v}`;
        });
        break;
      }
      case 'failover-timeout': {
        const v = posInt();
        changes.push(() => ((m.failoverTimeout = v), `${opt} ${v}`));
        break;
      }
      case 'parallel-syncs': {
        const v = posInt();
        changes.push(() => ((m.parallelSyncs = v), `${opt} ${v}`));
        break;
      }
      case 'quorum': {
        const v = posInt();
        changes.push(() => ((m.quorum = v), `${opt} ${v}`));
        break;
      }
      case 'auth-pass':
        changes.push(() => ((m.authPass = val === '' ? null : val), `${opt} ${val}`));
        break;
      case 'auth-user':
        changes.push(() => ((m.authUser = val === '' ? null : val), `${opt} ${val}`));
        break;
      case 'notification-script':
      case 'client-reconfig-script':
        if (s.cfg.denyScriptsReconfig)
          throw new CmdError('ERR Reconfiguration of scripts path is denied for security reasons. Check the deny-scripts-reconfig configuration directive in your config file.');
        changes.push(() => {
          if (opt === 'notification-script') m.notificationScript = val || null;
          else m.clientReconfigScript = val || null;
          return `${opt} ${val}`;
        });
        break;
      case 'master-reboot-down-after-period':
        posInt();
        changes.push(() => `${opt} ${val}`);
        break;
      default:
        throw new CmdError(`ERR Unknown option or number of arguments for SENTINEL SET '${argv[i]}'`);
    }
  }
  for (const apply of changes) s.event('+set', m, apply());
  s.flushConfig();
  c.reply.ok();
}

function sentinelConfig(s: Sentinel, c: SentinelSession, argv: string[]): void {
  const wrong = new CmdError(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try SENTINEL HELP.`);
  if (argv.length < 4) throw wrong;
  const op = argv[2]!.toLowerCase();
  const cfg = s.cfg;
  const params: Record<string, () => string> = {
    'resolve-hostnames': () => (cfg.resolveHostnames ? 'yes' : 'no'),
    'announce-hostnames': () => (cfg.announceHostnames ? 'yes' : 'no'),
    'announce-ip': () => cfg.announceIp ?? '',
    'announce-port': () => String(cfg.announcePort),
    'sentinel-user': () => cfg.sentinelUser ?? '',
    'sentinel-pass': () => cfg.sentinelPass ?? '',
    loglevel: () => 'notice',
  };
  if (op === 'get') {
    if (argv.length !== 4) throw wrong;
    const pat = argv[3]!;
    const hits = Object.keys(params).filter((k) => globMatch(pat, k, true));
    c.reply.mapHeader(hits.length);
    for (const k of hits) {
      c.reply.bulk(k);
      c.reply.bulk(params[k]!());
    }
    return;
  }
  if (op === 'set') {
    if (argv.length < 5 || argv.length % 2 === 0) throw wrong;
    const sets: (() => void)[] = [];
    for (let i = 3; i < argv.length; i += 2) {
      const k = argv[i]!.toLowerCase();
      const v = argv[i + 1]!;
      const yn = () => {
        const x = v.toLowerCase();
        if (x !== 'yes' && x !== 'no') throw new CmdError(`ERR Invalid argument '${v}' to SENTINEL CONFIG SET '${argv[i]}'`);
        return x === 'yes';
      };
      switch (k) {
        case 'resolve-hostnames': {
          const b = yn();
          sets.push(() => (cfg.resolveHostnames = b));
          break;
        }
        case 'announce-hostnames': {
          const b = yn();
          sets.push(() => (cfg.announceHostnames = b));
          break;
        }
        case 'announce-ip':
          sets.push(() => (cfg.announceIp = v === '' ? null : v));
          break;
        case 'announce-port': {
          if (!/^\d+$/.test(v) || Number(v) > 65535) throw new CmdError(`ERR Invalid argument '${v}' to SENTINEL CONFIG SET '${argv[i]}'`);
          sets.push(() => (cfg.announcePort = Number(v)));
          break;
        }
        case 'sentinel-user':
          sets.push(() => (cfg.sentinelUser = v === '' ? null : v));
          break;
        case 'sentinel-pass':
          sets.push(() => (cfg.sentinelPass = v === '' ? null : v));
          break;
        case 'loglevel':
          sets.push(() => undefined);
          break;
        default:
          throw new CmdError(`ERR Invalid argument '${argv[i]}' to SENTINEL CONFIG SET`);
      }
    }
    for (const f of sets) f();
    s.flushConfig();
    c.reply.ok();
    return;
  }
  throw wrong;
}

const DEFAULT_SECTIONS = ['server', 'clients', 'stats', 'cpu', 'sentinel'];

/** INFO for a sentinel: server, clients, stats, cpu and sentinel sections. */
export function infoText(s: Sentinel, args: string[]): string {
  let sections = args.map((a) => a.toLowerCase());
  if (sections.length === 0 || sections.includes('default') || sections.includes('all') || sections.includes('everything')) sections = DEFAULT_SECTIONS;
  const out: string[] = [];
  const uptime = Math.floor((Date.now() - s.startTime) / 1000);
  for (const sec of DEFAULT_SECTIONS) {
    if (!sections.includes(sec)) continue;
    if (out.length) out.push('');
    switch (sec) {
      case 'server':
        out.push(
          '# Server',
          `redis_version:${REDIS_VERSION}`,
          'redis_git_sha1:00000000',
          'redis_git_dirty:0',
          'redis_build_id:0',
          'redis_mode:sentinel',
          `os:${os.type()} ${os.release()} ${os.arch()}`,
          'arch_bits:64',
          'monotonic_clock:POSIX clock_gettime',
          'multiplexing_api:epoll',
          `process_id:${process.pid}`,
          'process_supervised:no',
          `run_id:${s.runId}`,
          `tcp_port:${s.port}`,
          `server_time_usec:${Date.now() * 1000}`,
          `uptime_in_seconds:${uptime}`,
          `uptime_in_days:${Math.floor(uptime / 86400)}`,
          'hz:10',
          'configured_hz:10',
          `executable:${process.argv[1] ?? ''}`,
          `config_file:${s.cfg.file ?? ''}`,
          'io_threads_active:0',
          `dssm_version:${DSSM_VERSION}`,
        );
        break;
      case 'clients':
        out.push(
          '# Clients',
          `connected_clients:${s.sessions.size}`,
          'cluster_connections:0',
          'maxclients:10000',
          'client_recent_max_input_buffer:0',
          'client_recent_max_output_buffer:0',
          'blocked_clients:0',
          'tracking_clients:0',
          'clients_in_timeout_table:0',
        );
        break;
      case 'stats': {
        let pubsubChannels = 0;
        let pubsubPatterns = 0;
        const chans = new Set<string>();
        for (const x of s.sessions) {
          for (const ch of x.channels) chans.add(ch);
          pubsubPatterns += x.patterns.size;
        }
        pubsubChannels = chans.size;
        out.push(
          '# Stats',
          `total_connections_received:${s.stats.connectionsReceived}`,
          `total_commands_processed:${s.stats.commandsProcessed}`,
          'instantaneous_ops_per_sec:0',
          `pubsub_channels:${pubsubChannels}`,
          `pubsub_patterns:${pubsubPatterns}`,
          'rejected_connections:0',
        );
        break;
      }
      case 'cpu': {
        const u = process.cpuUsage();
        out.push('# CPU', `used_cpu_sys:${(u.system / 1e6).toFixed(6)}`, `used_cpu_user:${(u.user / 1e6).toFixed(6)}`, 'used_cpu_sys_children:0.000000', 'used_cpu_user_children:0.000000');
        break;
      }
      case 'sentinel': {
        out.push(
          '# Sentinel',
          `sentinel_masters:${s.masters.size}`,
          'sentinel_tilt:0',
          'sentinel_tilt_since_seconds:-1',
          'sentinel_running_scripts:0',
          'sentinel_scripts_queue_length:0',
          `sentinel_simulate_failure_flags:${(s.simFailure.crashAfterElection ? 1 : 0) | (s.simFailure.crashAfterPromotion ? 2 : 0)}`,
        );
        let i = 0;
        for (const m of s.masters.values()) {
          const status = m.is(Flag.O_DOWN) ? 'odown' : m.is(Flag.S_DOWN) ? 'sdown' : 'ok';
          out.push(`master${i++}:name=${m.name},status=${status},address=${m.host}:${m.port},slaves=${m.slaves.size},sentinels=${m.sentinels.size + 1}`);
        }
        break;
      }
    }
  }
  return out.join('\r\n') + '\r\n';
}
