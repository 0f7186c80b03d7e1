/**
 * The failover state machine: wait for election, select a replica, promote it, reconfigure
 * the other replicas, then switch the monitored address. Same states, events and timeouts
 * as redis-sentinel, with one difference: promotion is confirmed from the replies of the
 * promotion commands (an INFO pipelined behind them) instead of the next INFO poll.
 */
import { ReplyError } from './client.js';
import { getLeader, voteLeader } from './election.js';
import { refreshInstanceInfo, refreshReplicaInfo, sendInfo, sendSlaveOf } from './monitor.js';
import type { Sentinel } from './server.js';
import { ASK_PERIOD, ELECTION_TIMEOUT, FailoverState, Flag, INFO_PERIOD, MAX_DESYNC, PING_PERIOD, SLAVE_RECONF_TIMEOUT, type Instance, now } from './state.js';


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

export function startFailover(s: Sentinel, master: Instance): void {
  master.failoverState = FailoverState.WAIT_START;
  master.flags |= Flag.FAILOVER_IN_PROGRESS;
  master.failoverEpoch = ++s.currentEpoch;
  s.event('+new-epoch', master, String(s.currentEpoch), true);
  s.event('+try-failover', master);
  master.failoverStartTime = now() + Math.floor(Math.random() * MAX_DESYNC);
  master.failoverStateChangeTime = now();
}

export function startFailoverIfNeeded(s: Sentinel, master: Instance): boolean {
  if (!master.is(Flag.O_DOWN)) return false;
  if (master.is(Flag.FAILOVER_IN_PROGRESS)) return false;
  if (now() - master.failoverStartTime < master.failoverTimeout * 2) return false;
  startFailover(s, master);
  return true;
}

export function abortFailover(master: Instance): void {
  master.flags &= ~(Flag.FAILOVER_IN_PROGRESS | Flag.FORCE_FAILOVER);
  master.coordinated = false;
  master.failoverState = FailoverState.NONE;
  master.failoverStateChangeTime = now();
  if (master.promotedSlave) {
    master.promotedSlave.flags &= ~Flag.PROMOTED;
    master.promotedSlave = null;
  }
}

/** Replicas the sentinel can reach now, with fresh INFO (their offsets are current). */
function reachableReplicas(master: Instance, answeredSince: number): Instance[] {
  const t = now();
  const out: Instance[] = [];
  for (const r of master.slaves.values()) {
    if (r.is(Flag.S_DOWN) || r.is(Flag.O_DOWN)) continue;
    if (!r.link.cc) continue;
    if (t - r.link.lastAvailTime > PING_PERIOD * 5) continue;
    if (r.roleReported !== 'slave') continue;
    const infoValidity = master.is(Flag.S_DOWN) ? PING_PERIOD * 5 : INFO_PERIOD * 3;
    if (t - r.infoRefresh > infoValidity) continue;
    if (r.infoRefresh < answeredSince) continue;
    out.push(r);
  }
  return out;
}

/**
 * The replica to promote, or null with the reason. Redis's order (priority 0 excluded, then
 * priority, then offset, then run id) with dssm's safety rules first: only a replica holding
 * the highest offset among the reachable ones is eligible, and in synchronous mode
 * (`sync_replicas:N` on the primary) at least R−N+1 of the R known replicas must answer, so
 * that every acknowledged write (on ≥ N replicas) is on one of them.
 */
export function chooseSlave(master: Instance, answeredSince = 0): { slave: Instance | null; reason: string } {
  const t = now();
  let maxMasterDownTime = 0;
  if (master.is(Flag.S_DOWN)) maxMasterDownTime += t - master.sDownSinceTime;
  maxMasterDownTime += master.downAfter * 10;
  const reachable = reachableReplicas(master, answeredSince);
  const n = master.syncReplicas;
  if (n > 0) {
    const total = master.slaves.size;
    const need = Math.max(1, total - n + 1);
    if (reachable.length < need) {
      return { slave: null, reason: `sync-replicas ${n}: ${reachable.length} of ${total} replicas reachable, ${need} needed to be sure no acknowledged write is elsewhere` };
    }
  }
  let maxOffset = -1;
  for (const r of reachable) maxOffset = Math.max(maxOffset, r.replica.replOffset);
  const candidates: Instance[] = [];
  for (const r of reachable) {
    if (r.replica.priority === 0) continue;
    if (r.replica.masterLinkDownSinceSeconds * 1000 > maxMasterDownTime) continue;
    if (r.replica.replOffset < maxOffset) continue;
    candidates.push(r);
  }
  candidates.sort((a, b) => {
    if (a.replica.priority !== b.replica.priority) return a.replica.priority - b.replica.priority;
    if (a.runid === null) return b.runid === null ? 0 : 1;
    if (b.runid === null) return -1;
    const x = a.runid.toLowerCase();
    const y = b.runid.toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  });
  if (candidates[0]) return { slave: candidates[0], reason: '' };
  if (reachable.length === 0) return { slave: null, reason: 'no replica reachable' };
  return { slave: null, reason: `no promotable replica holds the highest offset ${maxOffset}` };
}

/** Replicas eligible for promotion: the best one (see chooseSlave). */
export function selectSlave(master: Instance): Instance | null {
  return chooseSlave(master).slave;
}

export function failoverStateMachine(s: Sentinel, master: Instance): void {
  if (!master.is(Flag.FAILOVER_IN_PROGRESS)) return;
  switch (master.failoverState) {
    case FailoverState.WAIT_START:
      return waitStart(s, master);
    case FailoverState.SELECT_SLAVE:
      return selectSlaveStep(s, master);
    case FailoverState.SEND_SLAVEOF_NOONE:
      return sendSlaveOfNoOne(s, master);
    case FailoverState.WAIT_PROMOTION:
      if (now() - master.failoverStateChangeTime > master.failoverTimeout) {
        s.event('-failover-abort-slave-timeout', master);
        abortFailover(master);
      }
      return;
    case FailoverState.RECONF_SLAVES:
      return reconfNextSlave(s, master);
    default:
      return;
  }
}

function waitStart(s: Sentinel, master: Instance): void {
  const leader = getLeader(s, master, master.failoverEpoch);
  const isLeader = leader !== null && leader.toLowerCase() === s.myid;
  if (!isLeader && !master.is(Flag.FORCE_FAILOVER)) {
    const electionTimeout = Math.min(ELECTION_TIMEOUT, master.failoverTimeout);
    if (now() - master.failoverStartTime > electionTimeout) {
      s.event('-failover-abort-not-elected', master);
      abortFailover(master);
    }
    return;
  }
  s.event('+elected-leader', master);
  if (s.simFailure.crashAfterElection) return s.simulateCrash();
  master.failoverState = FailoverState.SELECT_SLAVE;
  master.failoverStateChangeTime = now();
  s.event('+failover-state-select-slave', master);
  // dssm: go on in the same tick rather than waiting 100 ms per state.
  selectSlaveStep(s, master);
}

function selectSlaveStep(s: Sentinel, master: Instance): void {
  // dssm: every attempt first asks each replica for INFO; only those answering count as
  // reachable (a hung replica keeps its link open), and their offsets are current.
  if (master.selectRefreshing) return;
  if (master.selectRoundStart === 0 || master.selectRoundStart < master.failoverStateChangeTime || now() - master.selectRoundStart > 750) {
    master.selectRefreshing = true;
    const epoch = master.failoverEpoch;
    void refreshReplicaInfo(s, master).then((start) => {
      master.selectRefreshing = false;
      master.selectRoundStart = start;
      if (!s.stopped && master.failoverEpoch === epoch && master.failoverState === FailoverState.SELECT_SLAVE) selectSlaveStep(s, master);
    });
    return;
  }
  const { slave, reason } = chooseSlave(master, master.selectRoundStart);
  if (!slave) {
    // dssm: wait (the state machine retries every tick) rather than promote unsafely.
    const waited = now() - master.failoverStateChangeTime;
    if (waited > master.failoverTimeout) {
      s.event(master.syncReplicas > 0 && reason.startsWith('sync-replicas') ? '-failover-abort-not-enough-replicas' : '-failover-abort-no-good-slave', master, reason);
      abortFailover(master);
      return;
    }
    if (now() - master.waitReplicasLogged > 1000) {
      master.waitReplicasLogged = now();
      s.event('+failover-wait-replicas', master, reason);
    }
    return;
  }
  s.event('+selected-slave', slave);
  slave.flags |= Flag.PROMOTED;
  master.promotedSlave = slave;
  master.failoverState = FailoverState.SEND_SLAVEOF_NOONE;
  master.failoverStateChangeTime = now();
  s.event('+failover-state-send-slaveof-noone', slave);
  sendSlaveOfNoOne(s, master);
}

function sendSlaveOfNoOne(s: Sentinel, master: Instance): void {
  const slave = master.promotedSlave!;
  if (!slave.link.cc) {
    if (now() - master.failoverStateChangeTime > master.failoverTimeout) {
      s.event('-failover-abort-slave-timeout', master);
      abortFailover(master);
    }
    return;
  }
  if (master.coordinated && master.link.cc) return sendCoordinatedFailover(s, master, slave);
  const p = sendSlaveOf(s, slave, null);
  if (!p) return;
  s.event('+failover-state-wait-promotion', slave);
  master.failoverState = FailoverState.WAIT_PROMOTION;
  master.failoverStateChangeTime = now();
  const epoch = master.failoverEpoch;
  // Confirm from the transaction's reply: ask INFO right behind it on the same link.
  void p.then(async (replies) => {
    const exec = replies[replies.length - 1];
    if (!Array.isArray(exec) || exec[0] instanceof ReplyError) return;
    const cc = slave.link.cc;
    if (!cc || master.failoverEpoch !== epoch) return;
    const info = await cc.call('INFO').catch(() => null);
    if (typeof info === 'string') refreshInstanceInfo(s, slave, info);
  }, () => {});
}

/**
 * dssm: lossless manual switchover. The primary runs `FAILOVER TO <replica> TIMEOUT <ms>`:
 * it holds writes until the replica has its offset, then becomes its replica (the replica
 * promotes itself). We poll the replica's INFO until it reports the primary role, then go
 * on as after a promotion. A primary without FAILOVER (or refusing it) gets Redis's forced
 * path (REPLICAOF NO ONE on the replica) instead.
 */
function sendCoordinatedFailover(s: Sentinel, master: Instance, slave: Instance): void {
  const cc = master.link.cc!;
  const epoch = master.failoverEpoch;
  const timeout = Math.max(1000, Math.min(master.failoverTimeout, 60000));
  s.event('+failover-state-wait-promotion', slave, 'coordinated');
  master.failoverState = FailoverState.WAIT_PROMOTION;
  master.failoverStateChangeTime = now();
  master.link.pendingCommands++;
  cc.call('FAILOVER', 'TO', slave.host, slave.port, 'TIMEOUT', timeout).then(
    (r) => {
      master.link.pendingCommands--;
      if (master.failoverEpoch !== epoch || master.failoverState !== FailoverState.WAIT_PROMOTION) return;
      if (r instanceof ReplyError) {
        s.event('+failover-coordinated-refused', master, r.message);
        master.coordinated = false;
        master.failoverState = FailoverState.SEND_SLAVEOF_NOONE;
        master.failoverStateChangeTime = now();
        sendSlaveOfNoOne(s, master);
        return;
      }
      // Poll the replica until it reports itself primary (confirmed in refreshInstanceInfo).
      const poll = setInterval(() => {
        if (s.stopped || master.failoverEpoch !== epoch || master.failoverState !== FailoverState.WAIT_PROMOTION) return clearInterval(poll);
        void sendInfo(s, slave);
      }, 25);
      poll.unref?.();
    },
    () => {},
  );
}

/** After a coordinated switchover: clients of the old primary reconnect and rediscover. */
export function killOldPrimaryClients(master: Instance): void {
  const cc = master.link.cc;
  if (!cc) return;
  void cc.pipeline([
    ['CLIENT', 'KILL', 'TYPE', 'normal'],
    ['CLIENT', 'KILL', 'TYPE', 'pubsub'],
  ]).catch(() => {});
}

function reconfNextSlave(s: Sentinel, master: Instance): void {
  const promoted = master.promotedSlave;
  if (!promoted) return;
  let inProgress = 0;
  for (const r of master.slaves.values()) if (r.is(Flag.RECONF_SENT) || r.is(Flag.RECONF_INPROG)) inProgress++;
  for (const r of master.slaves.values()) {
    if (inProgress >= master.parallelSyncs) break;
    if (r.is(Flag.PROMOTED) || r.is(Flag.RECONF_DONE)) continue;
    if (r.is(Flag.RECONF_SENT) && now() - r.slaveReconfSentTime > SLAVE_RECONF_TIMEOUT) {
      s.event('-slave-reconf-sent-timeout', r);
      r.flags &= ~Flag.RECONF_SENT;
      r.flags |= Flag.RECONF_DONE;
      continue;
    }
    if (r.is(Flag.RECONF_SENT) || r.is(Flag.RECONF_INPROG)) continue;
    if (!r.link.cc) continue;
    const p = sendSlaveOf(s, r, { host: promoted.host, port: promoted.port });
    if (p) {
      r.flags |= Flag.RECONF_SENT;
      r.slaveReconfSentTime = now();
      s.event('+slave-reconf-sent', r);
      inProgress++;
      // dssm: learn the replica's new state right behind the command.
      void p.then(async () => {
        const cc = r.link.cc;
        if (!cc) return;
        const info = await cc.call('INFO').catch(() => null);
        if (typeof info === 'string') refreshInstanceInfo(s, r, info);
      }, () => {});
    }
  }
  detectEnd(s, master);
}

function detectEnd(s: Sentinel, master: Instance): void {
  const promoted = master.promotedSlave;
  if (!promoted || promoted.is(Flag.S_DOWN)) return;
  let notReconfigured = 0;
  for (const r of master.slaves.values()) {
    if (r.is(Flag.PROMOTED) || r.is(Flag.RECONF_DONE)) continue;
    if (r.is(Flag.S_DOWN)) continue;
    notReconfigured++;
  }
  let timeout = false;
  if (now() - master.failoverStateChangeTime > master.failoverTimeout) {
    notReconfigured = 0;
    timeout = true;
    s.event('+failover-end-for-timeout', master);
  }
  if (notReconfigured === 0) {
    s.event('+failover-end', master);
    master.failoverState = FailoverState.UPDATE_CONFIG;
    master.failoverStateChangeTime = now();
  }
  if (timeout) {
    for (const r of master.slaves.values()) {
      if (r.is(Flag.RECONF_DONE) || r.is(Flag.RECONF_SENT) || r.is(Flag.PROMOTED)) continue;
      if (sendSlaveOf(s, r, { host: promoted.host, port: promoted.port })) s.event('+slave-reconf-sent-be', r);
    }
  }
}

/** The failover is over: monitor the promoted replica as the primary from now on. */
export function switchToPromotedSlave(s: Sentinel, master: Instance): void {
  const ref = master.promotedSlave ?? master;
  if (master.switchAnnouncedEpoch !== master.failoverEpoch || master.promotedSlave === null) {
    s.event('+switch-master', master, `${master.name} ${master.host} ${master.port} ${ref.host} ${ref.port}`, true);
  }
  s.resetMasterAndChangeAddress(master, ref.host, ref.port);
}

export { voteLeader };
