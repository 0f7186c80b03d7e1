/**
 * Watching instances: links (a command link, plus a pub/sub link to data nodes for hello
 * messages), PING every second, INFO every 10 s (every second while a failover runs or
 * the primary is down), hello publication every 2 s, subjective and objective down.
 * The logic and its periods follow redis-sentinel (sentinel.c) so mixed groups agree.
 */
import { NodeClient, ReplyError, type RespValue } from './client.js';
import { checkSubjectivelyDown, coordinatedRefused, failoverStep, masterStep, promotionReported, reconfReported, replicasRefreshed } from './failover.js';
import type { SentinelHost } from './host.js';
import type { Action } from './step.js';
import { ASK_PERIOD, FailoverState, Flag, HELLO_CHANNEL, INFO_PERIOD, Instance, MIN_LINK_RECONNECT_PERIOD, PING_PERIOD, PUBLISH_PERIOD, currentMasterAddr, now } from './state.js';

type Sentinel = SentinelHost;

/** Perform what a failover step asked for, in order. */
export function perform(s: Sentinel, actions: Action[]): void {
  for (const a of actions) {
    switch (a.do) {
      case 'event':
        s.event(a.type, a.ri, a.extra, a.raw);
        break;
      case 'save-config':
        s.flushConfig();
        break;
      case 'crash':
        s.simulateCrash();
        break;
      case 'ask-peers':
        askMasterStateToOtherSentinels(s, a.master, true);
        break;
      case 'refresh-replicas': {
        const { master, epoch } = a;
        void refreshReplicaInfo(s, master, 500, a.fenceMs).then((since) => {
          if (!s.stopped) perform(s, replicasRefreshed(s, { now: now() }, master, epoch, since));
        });
        break;
      }
      case 'promote':
        promote(s, a.master, a.replica, a.epoch);
        break;
      case 'coordinated-failover':
        coordinatedFailover(s, a.master, a.replica, a.epoch, a.timeoutMs);
        break;
      case 'replicaof': {
        const ri = a.ri;
        const p = sendSlaveOf(s, ri, { host: a.host, port: a.port });
        // Learn the instance's new state right behind the command.
        if (p && a.confirm)
          void p.then(
            () => infoBehind(s, ri),
            () => {},
          );
        break;
      }
      case 'kill-clients': {
        const cc = a.ri.link.cc;
        if (cc)
          void cc
            .pipeline([
              ['CLIENT', 'KILL', 'TYPE', 'normal'],
              ['CLIENT', 'KILL', 'TYPE', 'pubsub'],
            ])
            .catch(() => {});
        break;
      }
      case 'announce':
        forceHelloUpdateForMaster(s, a.master);
        break;
      case 'switch-address':
        s.resetMasterAndChangeAddress(a.master, a.host, a.port);
        break;
    }
  }
}

/** INFO on the instance's command link, processed (pipelined behind a command just sent). */
async function infoBehind(s: Sentinel, ri: Instance): Promise<void> {
  const cc = ri.link.cc;
  if (!cc) return;
  const info = await cc.call('INFO').catch(() => null);
  if (typeof info === 'string' && !s.stopped) refreshInstanceInfo(s, ri, info);
}

/** REPLICAOF NO ONE on the chosen replica; its role is confirmed from an INFO right behind. */
function promote(s: Sentinel, master: Instance, replica: Instance, epoch: number): void {
  const p = sendSlaveOf(s, replica, null);
  if (!p) return;
  void p.then(
    (replies) => {
      const exec = replies[replies.length - 1];
      if (!Array.isArray(exec) || exec[0] instanceof ReplyError) return;
      if (master.failoverEpoch !== epoch) return;
      return infoBehind(s, replica);
    },
    () => {},
  );
}

/**
 * dssm: lossless manual switchover. The primary runs `FAILOVER TO <replica> TIMEOUT <ms>`:
 * it holds writes until the replica has its offset, then becomes its replica (the replica
 * promotes itself). We poll the replica's INFO until it reports the primary role
 * (promotionReported). A primary without FAILOVER (or refusing it) gets Redis's forced
 * path (REPLICAOF NO ONE on the replica) instead.
 */
function coordinatedFailover(s: Sentinel, master: Instance, replica: Instance, epoch: number, timeoutMs: number): void {
  const cc = master.link.cc;
  if (!cc) return;
  master.link.pendingCommands++;
  cc.call('FAILOVER', 'TO', replica.host, replica.port, 'TIMEOUT', timeoutMs).then(
    (r) => {
      master.link.pendingCommands--;
      if (master.failoverEpoch !== epoch || master.failoverState !== FailoverState.WAIT_PROMOTION) return;
      if (r instanceof ReplyError) return perform(s, coordinatedRefused(s, { now: now() }, master, epoch, r.message));
      const poll = setInterval(() => {
        if (s.stopped || master.failoverEpoch !== epoch || master.failoverState !== FailoverState.WAIT_PROMOTION) return clearInterval(poll);
        void sendInfo(s, replica);
      }, 25);
      poll.unref?.();
    },
    () => {},
  );
}

/** Ask the other sentinels whether they see the primary down (and, in a failover, for votes). */
export function askMasterStateToOtherSentinels(s: Sentinel, master: Instance, forced: boolean): void {
  for (const p of master.sentinels.values()) {
    const elapsed = now() - p.lastMasterDownReplyTime;
    if (elapsed > ASK_PERIOD * 5) {
      p.flags &= ~Flag.MASTER_DOWN;
      p.leader = null;
    }
    if (!master.is(Flag.S_DOWN)) continue;
    const cc = p.link.cc;
    if (!cc) continue;
    if (!forced && (now() - p.lastMasterDownReplyTime < ASK_PERIOD || p.askInFlight)) continue;
    const runid = master.failoverState > FailoverState.NONE ? s.myid : '*';
    p.askInFlight = true;
    p.link.pendingCommands++;
    cc.call('SENTINEL', 'is-master-down-by-addr', master.host, master.port, s.currentEpoch, runid).then(
      (r) => {
        p.askInFlight = false;
        p.link.pendingCommands--;
        if (!Array.isArray(r) || r.length !== 3 || typeof r[0] !== 'number' || typeof r[1] !== 'string' || typeof r[2] !== 'number') return;
        p.lastMasterDownReplyTime = now();
        if (r[0] === 1) p.flags |= Flag.MASTER_DOWN;
        else p.flags &= ~Flag.MASTER_DOWN;
        if (r[1] !== '*') {
          p.leader = r[1];
          p.leaderEpoch = r[2];
        }
      },
      () => {
        p.askInFlight = false;
      },
    );
  }
}

/** One timer tick over every monitored primary, its replicas and its sentinels. */
export function tick(s: Sentinel): void {
  for (const m of [...s.masters.values()]) {
    handleInstance(s, m);
    for (const r of [...m.slaves.values()]) handleInstance(s, r);
    for (const p of [...m.sentinels.values()]) handleInstance(s, p);
    if (m.failoverState === FailoverState.UPDATE_CONFIG) perform(s, failoverStep(s, { now: now() }, m));
  }
}

function handleInstance(s: Sentinel, ri: Instance): void {
  reconnectInstance(s, ri);
  sendPeriodicCommands(s, ri);
  closeStaleLinks(ri);
  perform(s, checkSubjectivelyDown(s, { now: now() }, ri));
  if (ri.is(Flag.MASTER)) {
    perform(s, masterStep(s, { now: now() }, ri));
    askMasterStateToOtherSentinels(s, ri, false);
  }
}

function authCommands(ri: Instance): (string | number)[][] {
  const m = ri.is(Flag.MASTER) ? ri : ri.master;
  if (!m || ri.is(Flag.SENTINEL)) return [];
  if (m.authPass === null) return [];
  return [m.authUser ? ['AUTH', m.authUser, m.authPass] : ['AUTH', m.authPass]];
}

function sentinelAuthCommands(s: Sentinel, ri: Instance): (string | number)[][] {
  if (!ri.is(Flag.SENTINEL)) return [];
  const pass = s.cfg.sentinelPass ?? s.cfg.requirepass;
  if (!pass) return [];
  return [s.cfg.sentinelUser ? ['AUTH', s.cfg.sentinelUser, pass] : ['AUTH', pass]];
}

/** Open missing links, at most once per ping period per instance. */
function reconnectInstance(s: Sentinel, ri: Instance): void {
  const link = ri.link;
  if (ri.port === 0) return; // invalid address (another sentinel took it)
  if (link.cc && (!link.needsPubsub || link.pc)) return;
  if (link.connecting || link.pcConnecting) return;
  const t = now();
  // dssm: a lost link to a primary is retried every 100 ms (loopback-cheap), so a primary
  // that restarts empty is seen before its replicas resync from it (they retry every second).
  if (t - link.lastReconnTime < (ri.is(Flag.MASTER) ? 100 : PING_PERIOD)) return;
  link.lastReconnTime = t;
  const name = `sentinel-${s.myid.slice(0, 8)}`;
  if (!link.cc) {
    link.connecting = true;
    NodeClient.connect({ host: ri.host, port: ri.port, tls: s.cfg.tlsLinks, connectTimeoutMs: Math.max(ri.downAfter, 500), localAddress: s.cfg.bindSourceAddr })
      .then((cc) => {
        link.connecting = false;
        if (s.stopped || ri.link !== link) return cc.close();
        link.cc = cc;
        link.ccConnTime = now();
        link.pendingCommands = 0;
        cc.onClose = () => {
          if (link.cc === cc) link.cc = null;
        };
        const setup = [...authCommands(ri), ...sentinelAuthCommands(s, ri)];
        if (!ri.is(Flag.SENTINEL)) setup.push(['CLIENT', 'SETNAME', `${name}-cmd`]);
        for (const c of setup) void cc.call(...c).catch(() => {});
        sendPing(s, ri);
        // dssm: ask for INFO at once on a new link rather than at the next period.
        if (!ri.is(Flag.SENTINEL)) sendInfo(s, ri);
      })
      .catch(() => {
        link.connecting = false;
      });
  }
  if (link.needsPubsub && !link.pc) {
    link.pcConnecting = true;
    NodeClient.connect({ host: ri.host, port: ri.port, tls: s.cfg.tlsLinks, connectTimeoutMs: Math.max(ri.downAfter, 500), localAddress: s.cfg.bindSourceAddr })
      .then((pc) => {
        link.pcConnecting = false;
        if (s.stopped || ri.link !== link) return pc.close();
        link.pc = pc;
        link.pcConnTime = now();
        link.pcLastActivity = now();
        pc.onClose = () => {
          if (link.pc === pc) link.pc = null;
        };
        pc.onActivity = () => {
          link.pcLastActivity = now();
        };
        pc.onMessage = (channel, payload) => {
          if (channel !== HELLO_CHANNEL) return;
          // Our own hellos come back to us: ignore them.
          if (payload.includes(s.myid)) return;
          processHelloMessage(s, payload);
        };
        for (const c of authCommands(ri)) void pc.call(...c).catch(() => {});
        void pc.call('CLIENT', 'SETNAME', `${name}-pubsub`).catch(() => {});
        void pc.call('SUBSCRIBE', HELLO_CHANNEL).catch(() => {});
      })
      .catch(() => {
        link.pcConnecting = false;
      });
  }
}

function sendPing(_s: Sentinel, ri: Instance): void {
  const cc = ri.link.cc;
  if (!cc) return;
  const link = ri.link;
  const t = now();
  link.lastPingTime = t;
  if (link.actPingTime === 0) link.actPingTime = t;
  link.pendingCommands++;
  cc.call('PING').then(
    (r) => {
      link.pendingCommands--;
      const t2 = now();
      link.lastPongTime = t2;
      if (r === 'PONG' || (r instanceof ReplyError && (r.message.startsWith('LOADING') || r.message.startsWith('MASTERDOWN')))) {
        link.lastAvailTime = t2;
        link.actPingTime = 0;
      } else if (r instanceof ReplyError && r.message.startsWith('BUSY') && ri.is(Flag.S_DOWN) && !ri.is(Flag.SCRIPT_KILL_SENT)) {
        ri.flags |= Flag.SCRIPT_KILL_SENT;
        void cc.call('SCRIPT', 'KILL').catch(() => {});
      }
    },
    () => {},
  );
}

/** Send INFO and process the reply (also used to confirm promotions at once). */
export function sendInfo(s: Sentinel, ri: Instance): Promise<void> {
  const cc = ri.link.cc;
  if (!cc) return Promise.resolve();
  ri.link.pendingCommands++;
  return cc.call('INFO').then(
    (r) => {
      ri.link.pendingCommands--;
      if (typeof r === 'string') refreshInstanceInfo(s, ri, r);
    },
    () => {},
  );
}

/**
 * Ask every reachable replica of `master` for INFO now (at most `waitMs` for the answers);
 * resolves with the time the round started: replicas whose INFO is at least that recent answered.
 */
export function refreshReplicaInfo(s: Sentinel, master: Instance, waitMs = 500, fenceMs = 0): Promise<number> {
  const start = now();
  const replicas = [...master.slaves.values()].filter((r) => r.link.cc);
  if (fenceMs > 0) {
    for (const r of replicas) {
      // Pipelined ahead of the INFO below: the offset it reports is the fenced one.
      r.link.cc!.call('REPLCONF', 'FENCE', fenceMs).then(
        (reply) => {
          if (!(reply instanceof ReplyError)) s.event('+fence-replica', r, `${fenceMs} ms`);
        },
        () => {},
      );
    }
  }
  const asks = replicas.map((r) => sendInfo(s, r));
  // The primary too: one answering as a replica counts (failover.ts chooseSlave).
  if (master.link.cc) asks.push(sendInfo(s, master));
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((r) => (timer = setTimeout(r, waitMs)));
  return Promise.race([Promise.all(asks), limit]).then(() => {
    clearTimeout(timer);
    return start;
  });
}

function sendPeriodicCommands(s: Sentinel, ri: Instance): void {
  const link = ri.link;
  if (!link.cc) return;
  if (link.pendingCommands >= 100) return;
  const t = now();
  let infoPeriod = INFO_PERIOD;
  if (ri.is(Flag.SLAVE) && ri.master && (ri.master.is(Flag.O_DOWN) || ri.master.is(Flag.FAILOVER_IN_PROGRESS) || ri.master.is(Flag.S_DOWN))) {
    infoPeriod = 1000;
  } else if (ri.is(Flag.SLAVE) && ri.replica.masterLinkDownSinceSeconds !== 0) {
    infoPeriod = 1000;
  } else if (ri.is(Flag.MASTER) && (ri.is(Flag.S_DOWN) || ri.is(Flag.FAILOVER_IN_PROGRESS))) {
    infoPeriod = 1000;
  }
  const pingPeriod = Math.min(ri.downAfter, PING_PERIOD);
  if (!ri.is(Flag.SENTINEL) && (ri.infoRefresh === 0 || t - ri.infoRefresh > infoPeriod) && t - ri.lastInfoSent > Math.min(infoPeriod, 1000)) {
    ri.lastInfoSent = t;
    void sendInfo(s, ri);
  }
  if (t - link.lastPongTime > pingPeriod && t - link.lastPingTime > pingPeriod / 2) sendPing(s, ri);
  if (t - ri.lastPubTime > PUBLISH_PERIOD) sendHello(s, ri);
}

/** The address other sentinels should use to reach us over this link. */
function announceAddr(s: Sentinel, ri: Instance): { ip: string; port: number } {
  const ip = s.cfg.announceIp ?? ri.link.cc?.localAddress ?? '127.0.0.1';
  return { ip, port: s.announcedPort };
}

/** PUBLISH our hello to an instance (data nodes relay it; sentinels process it). */
export function sendHello(s: Sentinel, ri: Instance): void {
  const cc = ri.link.cc;
  if (!cc) return;
  const master = ri.is(Flag.MASTER) ? ri : ri.master!;
  const addr = currentMasterAddr(master);
  const me = announceAddr(s, ri);
  const payload = `${me.ip},${me.port},${s.myid},${s.currentEpoch},${master.name},${addr.host},${addr.port},${master.configEpoch}`;
  ri.lastPubTime = now();
  ri.link.pendingCommands++;
  cc.call('PUBLISH', HELLO_CHANNEL, payload).then(
    (r) => {
      ri.link.pendingCommands--;
      if (!(r instanceof ReplyError)) ri.lastPubTime = now();
    },
    () => {},
  );
}

/** After a configuration change, publish hellos soon so peers learn it fast. */
export function forceHelloUpdateForMaster(s: Sentinel, master: Instance): void {
  const all = [master, ...master.slaves.values(), ...master.sentinels.values()];
  for (const ri of all) {
    ri.lastPubTime = 0;
    sendHello(s, ri);
  }
}

/** A link whose PING stays unanswered is closed so a new connection is tried (and a silent pub/sub link too). */
function closeStaleLinks(ri: Instance): void {
  const link = ri.link;
  const t = now();
  if (link.cc && t - link.ccConnTime > MIN_LINK_RECONNECT_PERIOD && link.actPingTime !== 0 && t - link.actPingTime > ri.downAfter / 2 && t - link.lastPongTime > ri.downAfter / 2) {
    link.cc.close();
    link.cc = null;
  }
  if (link.pc && t - link.pcConnTime > MIN_LINK_RECONNECT_PERIOD && t - link.pcLastActivity > PUBLISH_PERIOD * 3) {
    link.pc.close();
    link.pc = null;
  }
}

function masterLooksSane(m: Instance): boolean {
  return m.is(Flag.MASTER) && m.roleReported === 'master' && !m.is(Flag.S_DOWN) && !m.is(Flag.O_DOWN) && now() - m.infoRefresh < INFO_PERIOD * 2;
}

function noDownFor(ri: Instance, ms: number): boolean {
  const recent = Math.max(ri.sDownSinceTime, ri.oDownSinceTime);
  return recent === 0 || now() - recent > ms;
}

/** Send REPLICAOF in a transaction with CONFIG REWRITE and client kills, as Redis does. */
export function sendSlaveOf(_s: Sentinel, ri: Instance, to: { host: string; port: number } | null): Promise<RespValue[]> | null {
  const cc = ri.link.cc;
  if (!cc) return null;
  const target = to ? [to.host, String(to.port)] : ['NO', 'ONE'];
  ri.link.pendingCommands++;
  const p = cc.pipeline([['MULTI'], ['SLAVEOF', ...target], ['CONFIG', 'REWRITE'], ['CLIENT', 'KILL', 'TYPE', 'normal'], ['CLIENT', 'KILL', 'TYPE', 'pubsub'], ['EXEC']]);
  p.then(
    () => ri.link.pendingCommands--,
    () => {},
  );
  return p;
}

function parseInfo(info: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of info.split('\r\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    if (i > 0) out.set(line.slice(0, i), line.slice(i + 1));
  }
  return out;
}

/** The highest replication offset any known replica of `master` reported. */
function bestReplicaOffset(master: Instance): { offset: number; replica: Instance | null; reachable: Instance | null } {
  let offset = 0;
  let replica: Instance | null = null;
  let reachable: Instance | null = null;
  for (const r of master.slaves.values()) {
    if (r.roleReported !== 'slave' || r.infoRefresh === 0) continue;
    if (replica === null || r.replica.replOffset > offset) {
      offset = r.replica.replOffset;
      replica = r;
    }
    if (r.link.cc && !r.is(Flag.S_DOWN) && (reachable === null || r.replica.replOffset > reachable.replica.replOffset)) reachable = r;
  }
  return { offset, replica, reachable };
}

/**
 * dssm: a primary that restarted (new run id) with less data than we knew it or a replica
 * had (empty, or an old snapshot) must not stay primary: its replicas would resync from it
 * and drop their data (what Redis does). Fence it at once (REPLICAOF the best reachable
 * replica: it syncs from that one and serves no replicas until then) and treat it as down
 * so the sentinels fail over to that replica.
 */
function checkStaleReboot(s: Sentinel, ri: Instance, f: Map<string, string>, rebooted: boolean): void {
  const role = f.get('role');
  const offset = Number(f.get(role === 'master' ? 'master_repl_offset' : 'slave_repl_offset') ?? 0) || 0;
  if (role === 'master') {
    const sync = Number(f.get('sync_replicas') ?? 0) || 0;
    if (!rebooted && !ri.staleReboot) {
      ri.syncReplicas = sync;
      if (offset > ri.masterOffset) ri.masterOffset = offset;
    }
  }
  if (!rebooted || ri.staleReboot) return;
  const best = bestReplicaOffset(ri);
  const known = Math.max(ri.masterOffset, best.offset);
  // Rebooted and now a replica of someone (another sentinel fenced it), or behind what we knew.
  const stale = role === 'slave' || (known > 0 && offset < known);
  if (!stale) {
    ri.masterOffset = offset;
    return;
  }
  ri.staleReboot = true;
  s.event('+reboot-stale', ri, `offset ${offset} < known ${known}`);
  if (role === 'master' && best.reachable) {
    if (sendSlaveOf(s, ri, { host: best.reachable.host, port: best.reachable.port })) s.event('+fence-stale-master', ri, `replicaof ${best.reachable.host} ${best.reachable.port}`);
  }
}

/** Learn from an INFO reply: run id, role, replicas, replica state; drive failover steps. */
export function refreshInstanceInfo(s: Sentinel, ri: Instance, info: string): void {
  const t = now();
  ri.info = info;
  const f = parseInfo(info);
  const runid = f.get('run_id');
  let rebooted = false;
  if (runid && runid.length === 40) {
    if (ri.runid !== runid) {
      if (ri.runid !== null) {
        s.event('+reboot', ri);
        rebooted = true;
      }
      ri.runid = runid;
    }
  }
  if (ri.is(Flag.MASTER)) checkStaleReboot(s, ri, f, rebooted);
  // Replicas of a primary: slave0:ip=...,port=...,state=...,offset=...,lag=...
  if (ri.is(Flag.MASTER)) {
    for (const [k, v] of f) {
      if (!/^slave\d+$/.test(k)) continue;
      let ip: string | undefined;
      let port: number | undefined;
      if (v.includes('=')) {
        for (const kv of v.split(',')) {
          const [a, b] = kv.split('=');
          if (a === 'ip') ip = b;
          else if (a === 'port') port = Number(b);
        }
      } else {
        const parts = v.split(',');
        ip = parts[0];
        port = Number(parts[1]);
      }
      if (!ip || !port) continue;
      const key = `${ip}:${port}`;
      if (!ri.slaves.has(key)) {
        const slave = new Instance(Flag.SLAVE, key, ip, port, ri, t);
        ri.slaves.set(key, slave);
        s.event('+slave', slave);
        s.flushConfig();
      }
    }
  }
  const role = f.get('role') === 'master' ? 'master' : f.get('role') === 'slave' ? 'slave' : null;
  if (role === null) return;
  ri.infoRefresh = t;
  if (role === 'slave') {
    const r = ri.replica;
    r.masterLinkDownSinceSeconds = Number(f.get('master_link_down_since_seconds') ?? 0) || 0;
    if (r.masterLinkDownSinceSeconds < 0) r.masterLinkDownSinceSeconds = 0;
    const host = f.get('master_host') ?? null;
    const port = Number(f.get('master_port') ?? 0);
    if (host !== r.masterHost || port !== r.masterPort) {
      r.masterHost = host;
      r.masterPort = port;
      ri.slaveConfChangeTime = t;
    }
    r.masterLinkStatus = f.get('master_link_status') === 'up' ? 'up' : 'err';
    const prio = f.get('slave_priority') ?? f.get('replica_priority');
    if (prio !== undefined) r.priority = Number(prio);
    const off = f.get('slave_repl_offset');
    if (off !== undefined) r.replOffset = Number(off);
    const announced = f.get('replica_announced');
    if (announced !== undefined) r.announced = announced === '1';
  }
  if (role === 'master' && ri.is(Flag.SLAVE)) {
    // A replica reporting role master (a lone primary) is a candidate for promotion: its data is master_repl_offset.
    ri.replica.replOffset = Number(f.get('master_repl_offset') ?? 0) || 0;
    ri.replica.masterLinkDownSinceSeconds = 0;
  }
  if (role !== ri.roleReported) {
    ri.roleReportedTime = t;
    ri.roleReported = role;
    if (role === 'slave') ri.slaveConfChangeTime = t;
    const coherent = (ri.is(Flag.MASTER) && role === 'master') || (ri.is(Flag.SLAVE) && role === 'slave');
    s.event(coherent ? '+role-change' : '-role-change', ri, `new reported role is ${role}`);
  }
  const master = ri.master;
  if (ri.is(Flag.SLAVE) && master && role === 'master') {
    const promoted = promotionReported(s, { now: t }, ri);
    if (promoted.length > 0) {
      perform(s, promoted);
    } else {
      const wait = PUBLISH_PERIOD * 4;
      if (!ri.is(Flag.PROMOTED) && masterLooksSane(master) && noDownFor(ri, wait) && t - ri.roleReportedTime > wait) {
        if (sendSlaveOf(s, ri, { host: master.host, port: master.port })) s.event('+convert-to-slave', ri);
      }
    }
  }
  if (ri.is(Flag.SLAVE) && master && role === 'slave' && (ri.replica.masterPort !== master.port || ri.replica.masterHost !== master.host)) {
    const wait = master.failoverTimeout;
    if (masterLooksSane(master) && noDownFor(ri, wait) && t - ri.slaveConfChangeTime > wait) {
      if (sendSlaveOf(s, ri, { host: master.host, port: master.port })) s.event('+fix-slave-config', ri);
    }
  }
  if (ri.is(Flag.SLAVE) && master && role === 'slave') perform(s, reconfReported(s, { now: t }, ri));
}

/** Process a hello message (from a data node's channel or a PUBLISH to us). */
export function processHelloMessage(s: Sentinel, hello: string): void {
  const tok = hello.split(',');
  if (tok.length !== 8) return;
  const [ip, portText, runid, epochText, masterName, masterIp, masterPortText, masterEpochText] = tok as [string, string, string, string, string, string, string, string];
  const master = s.masters.get(masterName);
  if (!master) return;
  if (runid === s.myid) return;
  const port = Number(portText);
  const masterPort = Number(masterPortText);
  const currentEpoch = Number(epochText);
  const masterConfigEpoch = Number(masterEpochText);
  let si = [...master.sentinels.values()].find((x) => x.host === ip && x.port === port && x.runid === runid) ?? null;
  if (!si) {
    let removed = false;
    for (const [k, x] of master.sentinels) {
      if (x.runid === runid) {
        x.link.close();
        master.sentinels.delete(k);
        removed = true;
      }
    }
    if (removed) {
      s.event('+sentinel-address-switch', master, `ip ${ip} port ${port} for ${runid}`);
    } else {
      const other = [...master.sentinels.values()].find((x) => x.host === ip && x.port === port);
      if (other) {
        s.event('+sentinel-invalid-addr', other);
        other.port = 0;
        other.link.close();
      }
    }
    si = new Instance(Flag.SENTINEL, runid, ip, port, master, now());
    si.runid = runid;
    master.sentinels.set(runid, si);
    if (!removed) s.event('+sentinel', si);
    s.flushConfig();
  }
  if (currentEpoch > s.currentEpoch) {
    s.currentEpoch = currentEpoch;
    s.flushConfig();
    s.event('+new-epoch', master, String(s.currentEpoch), true);
  }
  if (master.configEpoch < masterConfigEpoch) {
    master.configEpoch = masterConfigEpoch;
    if (masterPort !== master.port || masterIp !== master.host) {
      s.event('+config-update-from', si);
      s.event('+switch-master', master, `${master.name} ${master.host} ${master.port} ${masterIp} ${masterPort}`, true);
      s.resetMasterAndChangeAddress(master, masterIp, masterPort);
    }
    s.flushConfig();
  }
  si.lastHelloTime = now();
}
