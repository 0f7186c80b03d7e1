/**
 * Leader election by epoch votes, as redis-sentinel runs it: each sentinel votes once
 * per epoch (first come, first served), and a sentinel leads a failover when it has the
 * votes of a majority of all known sentinels and at least the quorum.
 *
 * Pure like the failover state machine (failover.ts): no I/O and no clock of its own; what
 * must happen (events, saving the configuration) is pushed as actions for the caller.
 */
import type { FailoverWorld } from './host.js';
import { MAX_DESYNC, type Instance } from './state.js';
import { begin, type Action, type Clock, type Step } from './step.js';

/**
 * Vote for `runid` as leader of `reqEpoch` for this primary, unless we already voted in
 * that epoch. Returns our vote for the epoch (possibly someone else) and its epoch.
 */
export function castVote(x: Step, master: Instance, reqEpoch: number, runid: string): { leader: string | null; epoch: number } {
  const w = x.world;
  if (reqEpoch > w.currentEpoch) {
    w.currentEpoch = reqEpoch;
    x.out.push({ do: 'save-config' }, { do: 'event', type: '+new-epoch', ri: master, extra: String(w.currentEpoch), raw: true });
  }
  if (master.leaderEpoch < reqEpoch && w.currentEpoch <= reqEpoch) {
    master.leader = runid;
    master.leaderEpoch = w.currentEpoch;
    x.out.push({ do: 'save-config' }, { do: 'event', type: '+vote-for-leader', ri: master, extra: `${runid} ${master.leaderEpoch}`, raw: true });
    // Voting for someone else: do not start our own failover for a while.
    if (runid !== w.myid) master.failoverStartTime = x.now + Math.floor(x.random() * MAX_DESYNC);
  }
  return { leader: master.leader, epoch: master.leaderEpoch };
}

/** A peer's request for our vote (SENTINEL IS-MASTER-DOWN-BY-ADDR with a run id). */
export function voteLeader(world: FailoverWorld, clock: Clock, master: Instance, reqEpoch: number, runid: string): { leader: string | null; epoch: number; actions: Action[] } {
  const x = begin(world, clock);
  const v = castVote(x, master, reqEpoch, runid);
  return { ...v, actions: x.out };
}

/**
 * The leader for `epoch`, or null when nobody has a majority (and the quorum) yet. Peers'
 * votes are their `leader`/`leaderEpoch` as they last answered IS-MASTER-DOWN-BY-ADDR; our
 * own vote goes to the most voted sentinel, or to ourselves if nobody has votes yet.
 */
export function getLeader(x: Step, master: Instance, epoch: number): string | null {
  const counters = new Map<string, number>();
  const voters = master.sentinels.size + 1;
  for (const p of master.sentinels.values()) {
    if (p.leader !== null && p.leaderEpoch === x.world.currentEpoch) counters.set(p.leader, (counters.get(p.leader) ?? 0) + 1);
  }
  let winner: string | null = null;
  let maxVotes = 0;
  for (const [id, n] of counters) {
    if (n > maxVotes) {
      maxVotes = n;
      winner = id;
    }
  }
  const mine = castVote(x, master, epoch, winner ?? x.world.myid);
  if (mine.leader && mine.epoch === epoch) {
    const n = (counters.get(mine.leader) ?? 0) + 1;
    counters.set(mine.leader, n);
    if (n > maxVotes) {
      maxVotes = n;
      winner = mine.leader;
    }
  }
  const votersQuorum = Math.floor(voters / 2) + 1;
  if (winner && (maxVotes < votersQuorum || maxVotes < master.quorum)) winner = null;
  return winner;
}
