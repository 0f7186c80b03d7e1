/**
 * The sentinel's failure detection and failover state machine (src/sentinel/failover.ts,
 * election.ts) driven as step functions with a fake clock: no sockets, no timers. The
 * instances' links are a placeholder object with no methods, so a step that tried any I/O
 * itself would throw; everything it wants done comes back as actions.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { NodeClient } from '../../src/sentinel/client.js';
import { voteLeader } from '../../src/sentinel/election.js';
import {
  checkSubjectivelyDown,
  chooseSlave,
  coordinatedRefused,
  fenceFor,
  failoverStep,
  masterStep,
  promotionReported,
  reconfReported,
  replicasRefreshed,
  startFailover,
} from '../../src/sentinel/failover.js';
import type { FailoverWorld } from '../../src/sentinel/host.js';
import { ELECTION_TIMEOUT, FailoverState, Flag, INFO_PERIOD, Instance, currentMasterAddr } from '../../src/sentinel/state.js';
import type { Action } from '../../src/sentinel/step.js';

const LINK = {} as NodeClient;
const ME = 'a'.repeat(40);
const PEER1 = 'b'.repeat(40);
const PEER2 = 'c'.repeat(40);

/** A fake clock in the sentinel's monotonic milliseconds; random is 0 (no desync delay). */
let t = 0;
const clock = () => ({ now: t, random: () => 0 });

function events(actions: Action[]): string[] {
  return actions.flatMap((a) => (a.do === 'event' ? [a.type] : []));
}

/** The kinds of actions (compared instead of the actions, which hold the whole instance graph). */
function kinds(actions: Action[]): string[] {
  return actions.map((a) => a.do);
}

function only<K extends Action['do']>(actions: Action[], kind: K): Extract<Action, { do: K }>[] {
  return actions.filter((a): a is Extract<Action, { do: K }> => a.do === kind);
}

interface Setup {
  world: FailoverWorld;
  master: Instance;
  /** r1 (offset 100), r2 (offset 120), r3 (offset 200, unreachable). */
  r1: Instance;
  r2: Instance;
  r3: Instance;
  p1: Instance;
  p2: Instance;
}

function replica(master: Instance, port: number, offset: number, runid: string, reachable = true): Instance {
  const r = new Instance(Flag.SLAVE, `10.0.0.1:${port}`, '10.0.0.1', port, master, t);
  r.runid = runid;
  r.roleReported = 'slave';
  r.replica.replOffset = offset;
  r.replica.masterHost = master.host;
  r.replica.masterPort = master.port;
  r.replica.masterLinkStatus = 'up';
  r.infoRefresh = t;
  if (reachable) {
    r.link.cc = LINK;
    r.link.actPingTime = 0;
    r.link.lastAvailTime = t;
  } else {
    r.link.lastAvailTime = t - 60_000;
  }
  master.slaves.set(r.addrKey, r);
  return r;
}

function setup(): Setup {
  t = 1e10 + 1_000_000;
  const world: FailoverWorld = { myid: ME, currentEpoch: 0, simFailure: { crashAfterElection: false, crashAfterPromotion: false } };
  const master = new Instance(Flag.MASTER, 'mymaster', '10.0.0.1', 6379, null, t);
  master.quorum = 2;
  master.downAfter = 1000;
  master.failoverTimeout = 4000;
  master.link.cc = LINK;
  master.link.actPingTime = 0;
  master.roleReported = 'master';
  const r1 = replica(master, 6380, 100, '1'.repeat(40));
  const r2 = replica(master, 6381, 120, '2'.repeat(40));
  const r3 = replica(master, 6382, 200, '3'.repeat(40), false);
  for (const r of master.slaves.values()) r.downAfter = master.downAfter;
  const peer = (id: string, port: number) => {
    const p = new Instance(Flag.SENTINEL, id, '10.0.0.9', port, master, t);
    p.runid = id;
    p.link.cc = LINK;
    master.sentinels.set(id, p);
    return p;
  };
  return { world, master, r1, r2, r3, p1: peer(PEER1, 26380), p2: peer(PEER2, 26381) };
}

/** The primary stops answering PINGs: one was sent at `t` and none came back. */
function primaryStopsAnswering(s: Setup): void {
  s.master.link.actPingTime = t;
}

/** Run the failover from "primary down" to "we lead, replicas asked for INFO". */
function toReplicaSelection(s: Setup): number {
  primaryStopsAnswering(s);
  t += 1001;
  checkSubjectivelyDown(s.world, clock(), s.r3);
  checkSubjectivelyDown(s.world, clock(), s.master);
  s.p1.flags |= Flag.MASTER_DOWN;
  masterStep(s.world, clock(), s.master);
  s.p1.leader = ME;
  s.p1.leaderEpoch = s.world.currentEpoch;
  t += 50;
  const acts = masterStep(s.world, clock(), s.master);
  assert.equal(only(acts, 'refresh-replicas').length, 1);
  return s.master.failoverEpoch;
}

/** Every reachable replica answers the INFO round started at `since` with its current state. */
function replicasAnswer(s: Setup, since: number): void {
  for (const r of s.master.slaves.values()) if (r.link.cc) r.infoRefresh = Math.max(r.infoRefresh, since + 1);
}

describe('sentinel failover as a step function (fake clock)', () => {
  let s: Setup;
  beforeEach(() => {
    s = setup();
  });

  it('goes from subjectively down to the switch announced, promoting the reachable replica with the highest offset', () => {
    // Subjectively down only after down-after-milliseconds without a valid reply.
    primaryStopsAnswering(s);
    t += 999;
    assert.deepEqual(kinds(checkSubjectivelyDown(s.world, clock(), s.master)), []);
    t += 2;
    let acts = checkSubjectivelyDown(s.world, clock(), s.master);
    assert.deepEqual(events(acts), ['+sdown']);
    assert.equal(only(acts, 'ask-peers')[0]?.master.name, 'mymaster', 'the peers are asked at once');
    assert.ok(s.master.is(Flag.S_DOWN));
    // The unreachable replica goes subjectively down too.
    assert.deepEqual(events(checkSubjectivelyDown(s.world, clock(), s.r3)), ['+sdown']);

    // Not objectively down while no peer agrees (quorum 2).
    assert.deepEqual(kinds(masterStep(s.world, clock(), s.master)), []);
    assert.ok(!s.master.is(Flag.O_DOWN));

    // A peer says it is down: quorum reached, a failover starts in a new epoch and we vote for ourselves.
    s.p1.flags |= Flag.MASTER_DOWN;
    acts = masterStep(s.world, clock(), s.master);
    assert.deepEqual(events(acts), ['+odown', '+new-epoch', '+try-failover', '+vote-for-leader']);
    assert.ok(s.master.is(Flag.O_DOWN) && s.master.is(Flag.FAILOVER_IN_PROGRESS));
    assert.equal(s.world.currentEpoch, 1);
    assert.equal(s.master.failoverEpoch, 1);
    assert.equal(s.master.leader, ME);
    assert.equal(s.master.failoverState, FailoverState.WAIT_START);
    assert.ok(only(acts, 'save-config').length > 0, 'the vote is persisted');
    assert.ok(only(acts, 'ask-peers').length > 0, 'the peers are asked for votes at once');

    // One vote (ours) of three sentinels is no majority: still waiting.
    t += 100;
    acts = masterStep(s.world, clock(), s.master);
    assert.deepEqual(events(acts), []);
    assert.equal(s.master.failoverState, FailoverState.WAIT_START);

    // A peer votes for us in this epoch: elected; replica selection asks every replica for INFO first.
    s.p1.leader = ME;
    s.p1.leaderEpoch = 1;
    t += 100;
    acts = masterStep(s.world, clock(), s.master);
    assert.deepEqual(events(acts), ['+elected-leader', '+failover-state-select-slave']);
    const refresh = only(acts, 'refresh-replicas');
    assert.equal(refresh.length, 1);
    assert.equal(refresh[0]!.epoch, 1);
    // While the round runs, further ticks do nothing.
    assert.deepEqual(kinds(failoverStep(s.world, clock(), s.master)), []);

    // The round is over: r1 (100) and r2 (120) answered; r3 (200) is unreachable. r2 is chosen.
    const since = t;
    t += 3;
    replicasAnswer(s, since);
    acts = replicasRefreshed(s.world, clock(), s.master, 1, since);
    assert.deepEqual(events(acts), ['+selected-slave', '+failover-state-send-slaveof-noone', '+failover-state-wait-promotion']);
    const promote = only(acts, 'promote');
    assert.equal(promote.length, 1);
    assert.equal(promote[0]!.replica.name, s.r2.name);
    assert.ok(s.r2.is(Flag.PROMOTED));
    assert.equal(s.master.failoverState, FailoverState.WAIT_PROMOTION);
    // Clients are still told the old address until the promotion is confirmed.
    assert.equal(currentMasterAddr(s.master).port, 6379);

    // The promoted replica reports role master: confirmed, switch announced, the other reachable replica reconfigured.
    t += 20;
    s.r2.roleReported = 'master';
    acts = promotionReported(s.world, clock(), s.r2);
    assert.deepEqual(events(acts), ['+promoted-slave', '+failover-state-reconf-slaves', '+switch-master']);
    const sw = acts.find((a) => a.do === 'event' && a.type === '+switch-master') as Extract<Action, { do: 'event' }>;
    assert.equal(sw.extra, 'mymaster 10.0.0.1 6379 10.0.0.1 6381');
    assert.equal(only(acts, 'announce').length, 1, 'hellos go out at once');
    assert.equal(only(acts, 'replicaof').length, 0);
    // The next tick reconfigures the other reachable replica.
    t += 100;
    acts = failoverStep(s.world, clock(), s.master);
    assert.deepEqual(events(acts), ['+slave-reconf-sent']);
    const reconf = only(acts, 'replicaof');
    assert.deepEqual(
      reconf.map((a) => [a.ri.name, a.host, a.port]),
      [[s.r1.name, '10.0.0.1', 6381]],
    );
    assert.equal(s.master.configEpoch, 1);
    assert.equal(currentMasterAddr(s.master).port, 6381, 'get-master-addr-by-name names the new primary');

    // r1's INFO names the new primary with its link up: reconfigured, the failover ends and the address switches.
    t += 30;
    s.r1.replica.masterPort = 6381;
    s.r1.replica.masterLinkStatus = 'err';
    acts = reconfReported(s.world, clock(), s.r1);
    assert.deepEqual(events(acts), ['+slave-reconf-inprog']);
    s.r1.replica.masterLinkStatus = 'up';
    acts = reconfReported(s.world, clock(), s.r1);
    assert.deepEqual(events(acts), ['+slave-reconf-done', '+failover-end'], 'no second +switch-master');
    assert.deepEqual(
      only(acts, 'switch-address').map((a) => [a.master.name, a.host, a.port]),
      [['mymaster', '10.0.0.1', 6381]],
    );
    assert.equal(s.master.failoverState, FailoverState.UPDATE_CONFIG);
  });

  it('a failover is not started again within twice the failover timeout of the last one', () => {
    toReplicaSelection(s);
    // Abort it (no replica answers, as if they were all gone), then the primary stays down.
    t += 5000;
    let acts = replicasRefreshed(s.world, clock(), s.master, s.master.failoverEpoch, t + 1);
    assert.ok(events(acts).includes('-failover-abort-no-good-slave'));
    assert.ok(!s.master.is(Flag.FAILOVER_IN_PROGRESS));
    t += 100;
    acts = masterStep(s.world, clock(), s.master);
    assert.ok(!events(acts).includes('+try-failover'));
    t = s.master.failoverStartTime + 2 * s.master.failoverTimeout;
    acts = masterStep(s.world, clock(), s.master);
    assert.ok(events(acts).includes('+try-failover'));
    assert.equal(s.world.currentEpoch, 2);
  });

  it('aborts when not elected within the election timeout', () => {
    primaryStopsAnswering(s);
    t += 1001;
    checkSubjectivelyDown(s.world, clock(), s.master);
    s.p1.flags |= Flag.MASTER_DOWN;
    masterStep(s.world, clock(), s.master);
    // The peers vote for someone else.
    s.p1.leader = PEER2;
    s.p1.leaderEpoch = 1;
    s.p2.leader = PEER2;
    s.p2.leaderEpoch = 1;
    t += Math.min(ELECTION_TIMEOUT, s.master.failoverTimeout);
    assert.deepEqual(events(masterStep(s.world, clock(), s.master)), []);
    t += 1;
    const acts = masterStep(s.world, clock(), s.master);
    assert.deepEqual(events(acts), ['-failover-abort-not-elected']);
    assert.ok(!s.master.is(Flag.FAILOVER_IN_PROGRESS));
    assert.equal(s.master.failoverState, FailoverState.NONE);
  });

  it('waits rather than promote a replica that is not known to hold the highest offset, then aborts at the failover timeout', () => {
    s.r1.replica.priority = 0;
    s.r2.replica.replOffset = 90; // behind r1, which may not be promoted
    const epoch = toReplicaSelection(s);
    const since = t;
    replicasAnswer(s, since);
    t += 2;
    let acts = replicasRefreshed(s.world, clock(), s.master, epoch, since);
    assert.deepEqual(events(acts), ['+failover-wait-replicas']);
    assert.match((acts[0] as Extract<Action, { do: 'event' }>).extra ?? '', /no promotable replica holds the highest offset 100/);
    // Each later tick asks for a fresh round at most every 750 ms and keeps waiting.
    t += 800;
    acts = failoverStep(s.world, clock(), s.master);
    assert.equal(only(acts, 'refresh-replicas').length, 1);
    t += s.master.failoverTimeout;
    replicasAnswer(s, t);
    acts = replicasRefreshed(s.world, clock(), s.master, epoch, t);
    assert.deepEqual(events(acts), ['-failover-abort-no-good-slave']);
    assert.ok(!s.master.is(Flag.FAILOVER_IN_PROGRESS));
  });

  it('synchronous mode: waits until enough replicas answer, then promotes the one with the highest offset', () => {
    s.master.syncReplicas = 1; // 3 replicas: all 3 must answer
    // r3 is reachable again (its link is back) but has not answered yet.
    const epoch = toReplicaSelection(s);
    s.r3.link.cc = LINK;
    s.r3.flags &= ~Flag.S_DOWN;
    s.r3.link.lastAvailTime = t;
    const since = t;
    s.r1.infoRefresh = since + 1;
    s.r2.infoRefresh = since + 1;
    t += 5;
    let acts = replicasRefreshed(s.world, clock(), s.master, epoch, since);
    assert.deepEqual(events(acts), ['+failover-wait-replicas']);
    assert.match((acts[0] as Extract<Action, { do: 'event' }>).extra ?? '', /sync-replicas 1: 2 of 3 replicas reachable, 3 needed/);
    // The next round, r3 answers too: it holds the highest offset.
    t += 800;
    acts = failoverStep(s.world, clock(), s.master);
    assert.equal(only(acts, 'refresh-replicas').length, 1);
    const since2 = t;
    replicasAnswer(s, since2);
    t += 5;
    acts = replicasRefreshed(s.world, clock(), s.master, epoch, since2);
    assert.equal(only(acts, 'promote')[0]?.replica.name, s.r3.name);
  });

  it('a primary reporting role slave for longer than down-after + 2 INFO periods is subjectively down (Redis rule)', () => {
    // It answers PINGs all along; only its role is wrong.
    s.master.roleReported = 'slave';
    s.master.roleReportedTime = t;
    t += s.master.downAfter + 2 * INFO_PERIOD;
    assert.deepEqual(events(checkSubjectivelyDown(s.world, clock(), s.master)), []);
    t += 1;
    const acts = checkSubjectivelyDown(s.world, clock(), s.master);
    assert.deepEqual(events(acts), ['+sdown']);
    assert.equal(only(acts, 'ask-peers').length, 1);
    // It reports role master again: -sdown.
    s.master.roleReported = 'master';
    s.master.roleReportedTime = t;
    t += 10;
    assert.deepEqual(events(checkSubjectivelyDown(s.world, clock(), s.master)), ['-sdown']);
  });

  it('synchronous mode, stuck topology (primary is a replica of a replica, another replica a lone primary): the failover promotes the one with the data', () => {
    // Two replicas, sync-replicas 1: both must be known. r1 is a lone primary (role master),
    // the monitored primary answers as a replica of r2, whose link to it is down.
    s.master.slaves.delete(s.r3.addrKey);
    s.master.syncReplicas = 1;
    const epoch = toReplicaSelection(s);
    s.r1.roleReported = 'master';
    s.r1.replica.replOffset = 500;
    s.r2.replica.masterLinkStatus = 'err';
    s.r2.replica.replOffset = 300;
    s.master.roleReported = 'slave';
    s.master.replica.replOffset = 300;
    const since = t;
    replicasAnswer(s, since);
    s.master.infoRefresh = since + 1;
    t += 5;
    const acts = replicasRefreshed(s.world, clock(), s.master, epoch, since);
    assert.equal(only(acts, 'promote')[0]?.replica.name, s.r1.name, 'the lone primary holds the highest offset: it is promoted (REPLICAOF NO ONE is a no-op there)');
  });

  it('synchronous mode: a primary answering as a replica counts as known, and nobody is promoted when it holds more than every replica', () => {
    s.master.slaves.delete(s.r3.addrKey);
    s.master.syncReplicas = 1;
    s.master.roleReported = 'slave';
    s.r1.link.cc = null; // r1 does not answer: with the primary's answer, 2 of 3 nodes are known
    s.master.replica.replOffset = 110;
    s.master.infoRefresh = t;
    const since = t - 1;
    assert.equal(chooseSlave(s.master, t, since).slave?.name, s.r2.name, 'r2 (120) has more than the primary (110)');
    s.master.replica.replOffset = 130;
    const r = chooseSlave(s.master, t, since);
    assert.equal(r.slave, null);
    assert.match(r.reason, /primary, answering as a replica, holds offset 130/);
    // The primary not answering this round: r2 alone is 1 of 2, not enough.
    assert.match(chooseSlave(s.master, t, t + 1).reason, /sync-replicas 1: 0 of 2/);
  });

  it('synchronous mode: replicas are fenced before their offsets are read; not in asynchronous mode nor through FAILOVER TO', () => {
    s.master.syncReplicas = 1;
    toReplicaSelection(s);
    t += 800;
    let acts = failoverStep(s.world, clock(), s.master);
    assert.equal(only(acts, 'refresh-replicas').length, 0, 'a round is in flight');
    acts = replicasRefreshed(s.world, clock(), s.master, s.master.failoverEpoch, t - 800);
    const round = only(acts, 'refresh-replicas');
    assert.equal(round.length, 1, 'the round was stale: a new one');
    assert.ok(round[0]!.fenceMs > 0);
    assert.ok(fenceFor(s.master) >= 5000);
    s.master.coordinated = true;
    assert.equal(fenceFor(s.master), 0);
    s.master.coordinated = false;
    s.master.syncReplicas = 0;
    assert.equal(fenceFor(s.master), 0);
  });

  it('synchronous mode: aborts with not-enough-replicas at the failover timeout', () => {
    s.master.syncReplicas = 1;
    const epoch = toReplicaSelection(s);
    t += s.master.failoverTimeout + 1;
    replicasAnswer(s, t);
    const acts = replicasRefreshed(s.world, clock(), s.master, epoch, t);
    assert.deepEqual(events(acts), ['-failover-abort-not-enough-replicas']);
  });

  it('aborts when the promoted replica does not report role master within the failover timeout', () => {
    const epoch = toReplicaSelection(s);
    replicasAnswer(s, t);
    replicasRefreshed(s.world, clock(), s.master, epoch, t);
    assert.equal(s.master.failoverState, FailoverState.WAIT_PROMOTION);
    t += s.master.failoverTimeout + 1;
    const acts = failoverStep(s.world, clock(), s.master);
    assert.deepEqual(events(acts), ['-failover-abort-slave-timeout']);
    assert.ok(!s.r2.is(Flag.PROMOTED));
    assert.equal(s.master.promotedSlave, null);
    // A late report of role master no longer confirms anything.
    assert.deepEqual(kinds(promotionReported(s.world, clock(), s.r2)), []);
  });

  it('an INFO round that ends after the failover moved on is ignored', () => {
    const epoch = toReplicaSelection(s);
    t += s.master.failoverTimeout * 3;
    replicasAnswer(s, t);
    assert.deepEqual(kinds(replicasRefreshed(s.world, clock(), s.master, epoch + 1, t)), []);
  });

  it('manual failover (SENTINEL FAILOVER) with the primary up goes through FAILOVER TO, and falls back to REPLICAOF NO ONE when refused', () => {
    // Forced: no election needed; coordinated: the primary answers.
    let acts = startFailover(s.world, clock(), s.master);
    assert.deepEqual(events(acts), ['+new-epoch', '+try-failover']);
    s.master.flags |= Flag.FORCE_FAILOVER;
    s.master.coordinated = true;
    acts = failoverStep(s.world, clock(), s.master);
    assert.deepEqual(events(acts), ['+vote-for-leader', '+elected-leader', '+failover-state-select-slave']);
    const since = t;
    replicasAnswer(s, since);
    t += 2;
    acts = replicasRefreshed(s.world, clock(), s.master, s.master.failoverEpoch, since);
    const co = only(acts, 'coordinated-failover');
    assert.equal(co.length, 1);
    assert.equal(co[0]!.replica.name, s.r2.name);
    assert.equal(co[0]!.timeoutMs, 4000);
    assert.equal(only(acts, 'promote').length, 0);
    // The primary refuses: Redis's path.
    acts = coordinatedRefused(s.world, clock(), s.master, s.master.failoverEpoch, 'ERR FAILOVER is not valid when server is a replica.');
    assert.deepEqual(events(acts), ['+failover-coordinated-refused', '+failover-state-wait-promotion']);
    assert.equal(only(acts, 'promote')[0]?.replica.name, s.r2.name);
    // Confirmed: the old primary's clients are not killed (not coordinated any more).
    acts = promotionReported(s.world, clock(), s.r2);
    assert.equal(only(acts, 'kill-clients').length, 0);
  });

  it('coordinated promotion kills the old primary’s clients so they rediscover it', () => {
    startFailover(s.world, clock(), s.master);
    s.master.flags |= Flag.FORCE_FAILOVER;
    s.master.coordinated = true;
    failoverStep(s.world, clock(), s.master);
    replicasAnswer(s, t);
    replicasRefreshed(s.world, clock(), s.master, s.master.failoverEpoch, t);
    const acts = promotionReported(s.world, clock(), s.r2);
    assert.deepEqual(
      only(acts, 'kill-clients').map((a) => a.ri.name),
      ['mymaster'],
    );
  });

  it('a replica that never reports its new primary: failover-end-for-timeout, the rest told best-effort', () => {
    const epoch = toReplicaSelection(s);
    replicasAnswer(s, t);
    replicasRefreshed(s.world, clock(), s.master, epoch, t);
    // r3 is reachable again (not subjectively down) but gets no REPLICAOF: parallel-syncs 1, r1 goes first.
    s.r3.flags &= ~Flag.S_DOWN;
    promotionReported(s.world, clock(), s.r2);
    t += 100;
    assert.deepEqual(events(failoverStep(s.world, clock(), s.master)), ['+slave-reconf-sent']);
    assert.ok(s.r1.is(Flag.RECONF_SENT));
    t += 100;
    assert.deepEqual(events(failoverStep(s.world, clock(), s.master)), []);
    t += s.master.failoverTimeout + 1;
    s.r3.link.cc = LINK;
    const acts = failoverStep(s.world, clock(), s.master);
    assert.deepEqual(events(acts), ['+failover-end-for-timeout', '+failover-end', '+slave-reconf-sent-be']);
    assert.deepEqual(
      only(acts, 'replicaof').map((a) => [a.ri.name, a.port, a.confirm]),
      [[s.r3.name, 6381, false]],
    );
    assert.equal(s.master.failoverState, FailoverState.UPDATE_CONFIG);
    assert.deepEqual(
      only(failoverStep(s.world, clock(), s.master), 'switch-address').map((a) => a.port),
      [6381],
    );
  });

  it('SIMULATE-FAILURE crash-after-election stops right after the election', () => {
    s.world.simFailure.crashAfterElection = true;
    startFailover(s.world, clock(), s.master);
    s.master.flags |= Flag.FORCE_FAILOVER;
    const acts = failoverStep(s.world, clock(), s.master);
    assert.deepEqual(
      acts.filter((a) => a.do === 'event' || a.do === 'crash').map((a) => (a.do === 'event' ? a.type : a.do)),
      ['+vote-for-leader', '+elected-leader', 'crash'],
    );
    assert.equal(s.master.failoverState, FailoverState.WAIT_START);
  });

  it('the primary answers again: -sdown, then -odown', () => {
    primaryStopsAnswering(s);
    t += 1001;
    checkSubjectivelyDown(s.world, clock(), s.master);
    s.p1.flags |= Flag.MASTER_DOWN;
    s.master.failoverStartTime = t; // a failover ran recently: none starts
    masterStep(s.world, clock(), s.master);
    assert.ok(s.master.is(Flag.O_DOWN));
    s.master.link.actPingTime = 0;
    s.master.link.lastAvailTime = t;
    assert.deepEqual(events(checkSubjectivelyDown(s.world, clock(), s.master)), ['-sdown']);
    assert.deepEqual(events(masterStep(s.world, clock(), s.master)), ['-odown']);
  });
});

describe('sentinel leader election votes', () => {
  it('one vote per epoch, first come first served; a higher epoch raises ours', () => {
    const s = setup();
    const a = voteLeader(s.world, clock(), s.master, 5, PEER1);
    assert.deepEqual([a.leader, a.epoch], [PEER1, 5]);
    assert.equal(s.world.currentEpoch, 5);
    assert.deepEqual(events(a.actions), ['+new-epoch', '+vote-for-leader']);
    // Voting for another sentinel delays our own failover start.
    assert.ok(s.master.failoverStartTime >= t);
    const b = voteLeader(s.world, clock(), s.master, 5, PEER2);
    assert.deepEqual([b.leader, b.epoch], [PEER1, 5]);
    assert.deepEqual(kinds(b.actions), []);
    const c = voteLeader(s.world, clock(), s.master, 6, PEER2);
    assert.deepEqual([c.leader, c.epoch], [PEER2, 6]);
    // A request for an older epoch gets our current vote.
    const d = voteLeader(s.world, clock(), s.master, 4, ME);
    assert.deepEqual([d.leader, d.epoch], [PEER2, 6]);
  });

  it('chooseSlave: priority first, then run id, among replicas holding the highest offset', () => {
    const s = setup();
    s.r1.replica.replOffset = 120;
    s.r1.replica.priority = 50;
    assert.equal(chooseSlave(s.master, t).slave?.name, s.r1.name);
    s.r1.replica.priority = 100;
    assert.equal(chooseSlave(s.master, t).slave?.name, s.r1.name, 'same priority and offset: the lower run id');
    s.r1.replica.priority = 0;
    assert.equal(chooseSlave(s.master, t).slave?.name, s.r2.name);
    // Only INFO at least as recent as answeredSince counts.
    assert.equal(chooseSlave(s.master, t, t + 1).slave?.name, undefined);
    assert.equal(chooseSlave(s.master, t, t + 1).reason, 'no replica reachable');
  });
});
