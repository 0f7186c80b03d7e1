/**
 * Failure detection and the failover state machine, as step functions: given the state
 * (the Instance model of state.ts, which monitoring keeps up to date from PING and INFO
 * replies and from the other sentinels' votes), the time and a random source, a step
 * changes the failover fields of that state and returns the actions the I/O layer
 * (monitor.ts) performs: events, commands to data nodes, INFO rounds. Nothing here reads a
 * clock, opens a link, sets a timer or waits: the server's 100 ms timer and the replies of
 * the commands drive it, and unit tests drive it with a fake clock
 * (test/unit/sentinel-failover.test.ts).
 *
 * States, events and timeouts are redis-sentinel's: wait for the election, select a
 * replica, promote it, reconfigure the other replicas, then switch the monitored address.
 * dssm differences: replica selection asks every replica for INFO first and only promotes
 * one holding the highest offset among those answering (in synchronous mode, only when
 * enough of them answer, and after fencing them with REPLCONF FENCE so that the old primary
 * cannot acknowledge writes through them meanwhile; a replica reporting role master is a
 * candidate too); promotion is confirmed from the reply to the promotion (an INFO
 * right behind it) and announced at once; a manual failover with the primary reachable
 * goes through the primary's FAILOVER TO (lossless); the election, replica selection and
 * promotion follow each other in the same step rather than one per timer tick.
 */
import { getLeader } from './election.js';
import type { FailoverWorld } from './host.js';
import { begin, type Action, type Clock, type Step } from './step.js';
import { ELECTION_TIMEOUT, FailoverState, Flag, INFO_PERIOD, MAX_DESYNC, PING_PERIOD, SLAVE_RECONF_TIMEOUT, type Instance } from './state.js';

function event(x: Step, type: string, ri: Instance | null, extra?: string, raw?: boolean): void {
  x.out.push({ do: 'event', type, ri, extra, raw });
}

/**
 * Subjective down: no valid PING reply for down-after-milliseconds (or, for a primary, it
 * restarted stale, or it reports role slave for too long).
 */
export function checkSubjectivelyDown(world: FailoverWorld, clock: Clock, ri: Instance): Action[] {
  const x = begin(world, clock);
  const link = ri.link;
  const t = x.now;
  let elapsed = 0;
  if (link.actPingTime) elapsed = t - link.actPingTime;
  else if (!link.cc) elapsed = t - link.lastAvailTime;
  const down = elapsed > ri.downAfter || (ri.is(Flag.MASTER) && ri.staleReboot) || (ri.is(Flag.MASTER) && ri.roleReported === 'slave' && t - ri.roleReportedTime > ri.downAfter + INFO_PERIOD * 2);
  if (down) {
    if (!ri.is(Flag.S_DOWN)) {
      ri.sDownSinceTime = t;
      ri.flags |= Flag.S_DOWN;
      event(x, '+sdown', ri);
      // dssm: ask the other sentinels at once instead of at the next ask period.
      if (ri.is(Flag.MASTER)) x.out.push({ do: 'ask-peers', master: ri });
    }
  } else if (ri.is(Flag.S_DOWN)) {
    ri.flags &= ~(Flag.S_DOWN | Flag.SCRIPT_KILL_SENT);
    event(x, '-sdown', ri);
  }
  return x.out;
}

/** Objective down: we see it down and, with the peers that said so (MASTER_DOWN), the quorum does. */
export function checkObjectivelyDown(world: FailoverWorld, clock: Clock, master: Instance): Action[] {
  const x = begin(world, clock);
  objectivelyDown(x, master);
  return x.out;
}

function objectivelyDown(x: Step, master: Instance): void {
  let quorum = 0;
  let odown = false;
  if (master.is(Flag.S_DOWN)) {
    quorum = 1;
    for (const p of master.sentinels.values()) if (p.is(Flag.MASTER_DOWN)) quorum++;
    if (quorum >= master.quorum) odown = true;
  }
  if (odown) {
    if (!master.is(Flag.O_DOWN)) {
      master.flags |= Flag.O_DOWN;
      master.oDownSinceTime = x.now;
      event(x, '+odown', master, `#quorum ${quorum}/${master.quorum}`);
    }
  } else if (master.is(Flag.O_DOWN)) {
    master.flags &= ~Flag.O_DOWN;
    event(x, '-odown', master);
  }
}

/**
 * One timer tick for a monitored primary: objective down, the start of a failover when
 * it is down (and none ran within twice the failover timeout), and the state machine.
 */
export function masterStep(world: FailoverWorld, clock: Clock, master: Instance): Action[] {
  const x = begin(world, clock);
  objectivelyDown(x, master);
  if (master.is(Flag.O_DOWN) && !master.is(Flag.FAILOVER_IN_PROGRESS) && x.now - master.failoverStartTime >= master.failoverTimeout * 2) {
    start(x, master);
    x.out.push({ do: 'ask-peers', master });
  }
  machine(x, master);
  return x.out;
}

/** The failover state machine alone (one step of the current state). */
export function failoverStep(world: FailoverWorld, clock: Clock, master: Instance): Action[] {
  const x = begin(world, clock);
  machine(x, master);
  return x.out;
}

/** Start a failover: a new epoch, WAIT_START (the election). SENTINEL FAILOVER adds FORCE_FAILOVER. */
export function startFailover(world: FailoverWorld, clock: Clock, master: Instance): Action[] {
  const x = begin(world, clock);
  start(x, master);
  return x.out;
}

function start(x: Step, master: Instance): void {
  master.failoverState = FailoverState.WAIT_START;
  master.flags |= Flag.FAILOVER_IN_PROGRESS;
  master.failoverEpoch = ++x.world.currentEpoch;
  event(x, '+new-epoch', master, String(x.world.currentEpoch), true);
  event(x, '+try-failover', master);
  master.failoverStartTime = x.now + Math.floor(x.random() * MAX_DESYNC);
  master.failoverStateChangeTime = x.now;
}

export function abortFailover(master: Instance, now: number): void {
  master.flags &= ~(Flag.FAILOVER_IN_PROGRESS | Flag.FORCE_FAILOVER);
  master.coordinated = false;
  master.failoverState = FailoverState.NONE;
  master.failoverStateChangeTime = now;
  if (master.promotedSlave) {
    master.promotedSlave.flags &= ~Flag.PROMOTED;
    master.promotedSlave = null;
  }
}

/** Replicas the sentinel can reach now, with fresh INFO (their offsets are current). */
function reachableReplicas(master: Instance, t: number, answeredSince: number): Instance[] {
  const out: Instance[] = [];
  for (const r of master.slaves.values()) {
    if (r.is(Flag.S_DOWN) || r.is(Flag.O_DOWN)) continue;
    if (!r.link.cc) continue;
    if (t - r.link.lastAvailTime > PING_PERIOD * 5) continue;
    // A replica reporting role master (a lone primary, e.g. left over from a partition) is a
    // candidate too, as in redis-sentinel: promoting it is a no-op and the others follow it.
    const infoValidity = master.is(Flag.S_DOWN) ? PING_PERIOD * 5 : INFO_PERIOD * 3;
    if (t - r.infoRefresh > infoValidity) continue;
    if (r.infoRefresh < answeredSince) continue;
    out.push(r);
  }
  return out;
}

/** The primary answered the INFO round reporting role slave (its offset is in `replica`). */
function primaryAnsweringAsReplica(master: Instance, t: number, answeredSince: number): boolean {
  if (master.roleReported !== 'slave' || !master.link.cc) return false;
  if (t - master.infoRefresh > PING_PERIOD * 5) return false;
  return answeredSince > 0 && master.infoRefresh >= answeredSince;
}

/**
 * The replica to promote, or null with the reason. Redis's order (priority 0 excluded, then
 * priority, then offset, then run id) with dssm's safety rules first: only a replica holding
 * the highest offset among the reachable ones is eligible, and in synchronous mode
 * (`sync_replicas:N` on the primary) at least R−N+1 of the R known replicas must answer, so
 * that every acknowledged write (on ≥ N replicas) is on one of them. `answeredSince`: only
 * replicas whose INFO is at least that recent count as reachable.
 */
export function chooseSlave(master: Instance, now: number, answeredSince = 0): { slave: Instance | null; reason: string } {
  let maxMasterDownTime = 0;
  if (master.is(Flag.S_DOWN)) maxMasterDownTime += now - master.sDownSinceTime;
  maxMasterDownTime += master.downAfter * 10;
  const reachable = reachableReplicas(master, now, answeredSince);
  // The primary itself answering as a replica (it was turned into one, or restarted as one)
  // takes no writes: its data counts like a replica's (it may hold the highest offset).
  const primaryAsReplica = primaryAnsweringAsReplica(master, now, answeredSince);
  const n = master.syncReplicas;
  if (n > 0) {
    const total = master.slaves.size;
    const need = Math.max(1, total - n + 1);
    const known = reachable.length + (primaryAsReplica ? 1 : 0);
    if (known < need) {
      return { slave: null, reason: `sync-replicas ${n}: ${reachable.length} of ${total} replicas reachable, ${need} needed to be sure no acknowledged write is elsewhere` };
    }
  }
  let maxOffset = -1;
  for (const r of reachable) maxOffset = Math.max(maxOffset, r.replica.replOffset);
  if (primaryAsReplica && master.replica.replOffset > maxOffset) {
    return { slave: null, reason: `the primary, answering as a replica, holds offset ${master.replica.replOffset}, more than any replica (${maxOffset})` };
  }
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

function setState(x: Step, master: Instance, state: FailoverState): void {
  master.failoverState = state;
  master.failoverStateChangeTime = x.now;
}

function machine(x: Step, master: Instance): void {
  if (!master.is(Flag.FAILOVER_IN_PROGRESS)) return;
  switch (master.failoverState) {
    case FailoverState.WAIT_START:
      return waitStart(x, master);
    case FailoverState.SELECT_SLAVE:
      return selectSlave(x, master);
    case FailoverState.SEND_SLAVEOF_NOONE:
      return sendSlaveOfNoOne(x, master);
    case FailoverState.WAIT_PROMOTION:
      if (x.now - master.failoverStateChangeTime > master.failoverTimeout) {
        event(x, '-failover-abort-slave-timeout', master);
        abortFailover(master, x.now);
      }
      return;
    case FailoverState.RECONF_SLAVES:
      return reconfNextSlave(x, master);
    case FailoverState.UPDATE_CONFIG:
      return switchToPromotedSlave(x, master);
    default:
      return;
  }
}

function waitStart(x: Step, master: Instance): void {
  const leader = getLeader(x, master, master.failoverEpoch);
  const isLeader = leader !== null && leader.toLowerCase() === x.world.myid;
  if (!isLeader && !master.is(Flag.FORCE_FAILOVER)) {
    const electionTimeout = Math.min(ELECTION_TIMEOUT, master.failoverTimeout);
    if (x.now - master.failoverStartTime > electionTimeout) {
      event(x, '-failover-abort-not-elected', master);
      abortFailover(master, x.now);
    }
    return;
  }
  event(x, '+elected-leader', master);
  if (x.world.simFailure.crashAfterElection) {
    x.out.push({ do: 'crash' });
    return;
  }
  setState(x, master, FailoverState.SELECT_SLAVE);
  event(x, '+failover-state-select-slave', master);
  selectSlave(x, master);
}

/** Replica selection first asks every replica for INFO (at most every 750 ms). */
const SELECT_ROUND_MS = 750;

/**
 * dssm, synchronous mode: how long the replicas are fenced (REPLCONF FENCE) before their
 * offsets are read for the choice. A fenced replica stops following (and acknowledging) the
 * old primary, so that primary, if it is still alive and serving clients, can no longer
 * acknowledge writes through a replica that is not the one promoted, and the offsets read
 * do not move between the reads and the promotion. The promotion (REPLICAOF NO ONE) and the
 * reconfiguration (REPLICAOF the new primary) lift it; an aborted failover lets it expire.
 * 0 (no fence): asynchronous mode, and lossless switchovers through FAILOVER TO (the
 * primary needs its replica's stream).
 */
export function fenceFor(master: Instance): number {
  if (master.syncReplicas <= 0 || master.coordinated) return 0;
  return Math.max(5000, Math.min(master.failoverTimeout, 30000));
}

function selectSlave(x: Step, master: Instance): void {
  // dssm: every attempt first asks each replica for INFO; only those answering count as
  // reachable (a hung replica keeps its link open), and their offsets are current.
  if (master.selectRefreshing) return;
  if (master.selectRoundStart === 0 || master.selectRoundStart < master.failoverStateChangeTime || x.now - master.selectRoundStart > SELECT_ROUND_MS) {
    master.selectRefreshing = true;
    x.out.push({ do: 'refresh-replicas', master, epoch: master.failoverEpoch, fenceMs: fenceFor(master) });
    return;
  }
  const { slave, reason } = chooseSlave(master, x.now, master.selectRoundStart);
  if (!slave) {
    // dssm: wait (the state machine retries every tick) rather than promote unsafely.
    if (x.now - master.failoverStateChangeTime > master.failoverTimeout) {
      event(x, master.syncReplicas > 0 && reason.startsWith('sync-replicas') ? '-failover-abort-not-enough-replicas' : '-failover-abort-no-good-slave', master, reason);
      abortFailover(master, x.now);
      return;
    }
    if (x.now - master.waitReplicasLogged > 1000) {
      master.waitReplicasLogged = x.now;
      event(x, '+failover-wait-replicas', master, reason);
    }
    return;
  }
  event(x, '+selected-slave', slave);
  slave.flags |= Flag.PROMOTED;
  master.promotedSlave = slave;
  setState(x, master, FailoverState.SEND_SLAVEOF_NOONE);
  event(x, '+failover-state-send-slaveof-noone', slave);
  sendSlaveOfNoOne(x, master);
}

/**
 * The INFO round asked by SELECT_SLAVE is over (`since`: when it started; replicas whose
 * INFO is older did not answer). Ignored if the failover moved on meanwhile.
 */
export function replicasRefreshed(world: FailoverWorld, clock: Clock, master: Instance, epoch: number, since: number): Action[] {
  const x = begin(world, clock);
  master.selectRefreshing = false;
  master.selectRoundStart = since;
  if (master.failoverEpoch === epoch && master.failoverState === FailoverState.SELECT_SLAVE && master.is(Flag.FAILOVER_IN_PROGRESS)) selectSlave(x, master);
  return x.out;
}

function sendSlaveOfNoOne(x: Step, master: Instance): void {
  const slave = master.promotedSlave!;
  if (!slave.link.cc) {
    if (x.now - master.failoverStateChangeTime > master.failoverTimeout) {
      event(x, '-failover-abort-slave-timeout', master);
      abortFailover(master, x.now);
    }
    return;
  }
  if (master.coordinated && master.link.cc) {
    // dssm: lossless switchover through the primary's FAILOVER TO (it holds writes until
    // the replica has its offset, then the replica promotes itself).
    event(x, '+failover-state-wait-promotion', slave, 'coordinated');
    setState(x, master, FailoverState.WAIT_PROMOTION);
    x.out.push({ do: 'coordinated-failover', master, replica: slave, epoch: master.failoverEpoch, timeoutMs: Math.max(1000, Math.min(master.failoverTimeout, 60000)) });
    return;
  }
  x.out.push({ do: 'promote', master, replica: slave, epoch: master.failoverEpoch });
  event(x, '+failover-state-wait-promotion', slave);
  setState(x, master, FailoverState.WAIT_PROMOTION);
}

/** The primary refused FAILOVER TO: promote with REPLICAOF NO ONE instead (Redis's forced path). */
export function coordinatedRefused(world: FailoverWorld, clock: Clock, master: Instance, epoch: number, message: string): Action[] {
  const x = begin(world, clock);
  if (master.failoverEpoch !== epoch || master.failoverState !== FailoverState.WAIT_PROMOTION) return x.out;
  event(x, '+failover-coordinated-refused', master, message);
  master.coordinated = false;
  setState(x, master, FailoverState.SEND_SLAVEOF_NOONE);
  sendSlaveOfNoOne(x, master);
  return x.out;
}

/**
 * A replica reports role master. The one we promote, while we wait for it: promotion
 * confirmed, the switch is announced at once and the other replicas are reconfigured.
 * Returns no action for any other replica (monitoring decides about those).
 */
export function promotionReported(world: FailoverWorld, clock: Clock, ri: Instance): Action[] {
  const x = begin(world, clock);
  const master = ri.master;
  if (!master || !ri.is(Flag.PROMOTED) || !master.is(Flag.FAILOVER_IN_PROGRESS) || master.failoverState !== FailoverState.WAIT_PROMOTION) return x.out;
  master.configEpoch = master.failoverEpoch;
  setState(x, master, FailoverState.RECONF_SLAVES);
  x.out.push({ do: 'save-config' });
  event(x, '+promoted-slave', ri);
  if (master.coordinated) x.out.push({ do: 'kill-clients', ri: master });
  if (x.world.simFailure.crashAfterPromotion) x.out.push({ do: 'crash' });
  event(x, '+failover-state-reconf-slaves', master);
  // dssm: announce the switch now; clients asking get-master-addr-by-name already get the new address.
  if (master.switchAnnouncedEpoch !== master.failoverEpoch) {
    master.switchAnnouncedEpoch = master.failoverEpoch;
    event(x, '+switch-master', master, `${master.name} ${master.host} ${master.port} ${ri.host} ${ri.port}`, true);
  }
  x.out.push({ do: 'announce', master });
  // The other replicas are reconfigured from the next tick (failoverStep), as Redis does:
  // the new primary gets a moment to settle before they all resync from it.
  return x.out;
}

function reconfNextSlave(x: Step, master: Instance): void {
  const promoted = master.promotedSlave;
  if (!promoted) return;
  let inProgress = 0;
  for (const r of master.slaves.values()) if (r.is(Flag.RECONF_SENT) || r.is(Flag.RECONF_INPROG)) inProgress++;
  for (const r of master.slaves.values()) {
    if (inProgress >= master.parallelSyncs) break;
    if (r.is(Flag.PROMOTED) || r.is(Flag.RECONF_DONE)) continue;
    if (r.is(Flag.RECONF_SENT) && x.now - r.slaveReconfSentTime > SLAVE_RECONF_TIMEOUT) {
      event(x, '-slave-reconf-sent-timeout', r);
      r.flags &= ~Flag.RECONF_SENT;
      r.flags |= Flag.RECONF_DONE;
      continue;
    }
    if (r.is(Flag.RECONF_SENT) || r.is(Flag.RECONF_INPROG)) continue;
    if (!r.link.cc) continue;
    // dssm: learn the replica's new state right behind the command (confirm).
    x.out.push({ do: 'replicaof', ri: r, host: promoted.host, port: promoted.port, confirm: true });
    r.flags |= Flag.RECONF_SENT;
    r.slaveReconfSentTime = x.now;
    event(x, '+slave-reconf-sent', r);
    inProgress++;
  }
  detectEnd(x, master);
}

function detectEnd(x: Step, master: Instance): void {
  const promoted = master.promotedSlave;
  if (!promoted || promoted.is(Flag.S_DOWN)) return;
  let notReconfigured = 0;
  for (const r of master.slaves.values()) {
    if (r.is(Flag.PROMOTED) || r.is(Flag.RECONF_DONE)) continue;
    if (r.is(Flag.S_DOWN)) continue;
    notReconfigured++;
  }
  let timeout = false;
  if (x.now - master.failoverStateChangeTime > master.failoverTimeout) {
    notReconfigured = 0;
    timeout = true;
    event(x, '+failover-end-for-timeout', master);
  }
  if (notReconfigured === 0) {
    event(x, '+failover-end', master);
    setState(x, master, FailoverState.UPDATE_CONFIG);
  }
  if (timeout) {
    for (const r of master.slaves.values()) {
      if (r.is(Flag.RECONF_DONE) || r.is(Flag.RECONF_SENT) || r.is(Flag.PROMOTED)) continue;
      if (!r.link.cc) continue;
      x.out.push({ do: 'replicaof', ri: r, host: promoted.host, port: promoted.port, confirm: false });
      event(x, '+slave-reconf-sent-be', r);
    }
  }
}

/**
 * A replica being reconfigured reported its primary and link in INFO: RECONF_SENT →
 * RECONF_INPROG (it names the promoted replica) → RECONF_DONE (its link is up). When that
 * was the last one, the failover ends and the monitored address switches in the same step.
 */
export function reconfReported(world: FailoverWorld, clock: Clock, ri: Instance): Action[] {
  const x = begin(world, clock);
  const master = ri.master;
  if (!master || !ri.is(Flag.SLAVE) || ri.roleReported !== 'slave' || !(ri.is(Flag.RECONF_SENT) || ri.is(Flag.RECONF_INPROG))) return x.out;
  const promoted = master.promotedSlave;
  if (ri.is(Flag.RECONF_SENT) && promoted && ri.replica.masterHost === promoted.host && ri.replica.masterPort === promoted.port) {
    ri.flags &= ~Flag.RECONF_SENT;
    ri.flags |= Flag.RECONF_INPROG;
    event(x, '+slave-reconf-inprog', ri);
  }
  if (ri.is(Flag.RECONF_INPROG) && ri.replica.masterLinkStatus === 'up') {
    ri.flags &= ~Flag.RECONF_INPROG;
    ri.flags |= Flag.RECONF_DONE;
    event(x, '+slave-reconf-done', ri);
    // dssm: go on now (the next replica, or the end) rather than at the next tick.
    if (master.is(Flag.FAILOVER_IN_PROGRESS) && master.failoverState === FailoverState.RECONF_SLAVES) {
      reconfNextSlave(x, master);
      if ((master.failoverState as FailoverState) === FailoverState.UPDATE_CONFIG) switchToPromotedSlave(x, master);
    }
  }
  return x.out;
}

/** The failover is over: monitor the promoted replica as the primary from now on. */
function switchToPromotedSlave(x: Step, master: Instance): void {
  const ref = master.promotedSlave ?? master;
  if (master.switchAnnouncedEpoch !== master.failoverEpoch || master.promotedSlave === null) {
    event(x, '+switch-master', master, `${master.name} ${master.host} ${master.port} ${ref.host} ${ref.port}`, true);
  }
  x.out.push({ do: 'switch-address', master, host: ref.host, port: ref.port });
}
