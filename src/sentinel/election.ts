/**
 * Leader election by epoch votes, as redis-sentinel runs it: each sentinel votes once
 * per epoch (first come, first served), and a sentinel leads a failover when it has the
 * votes of a majority of all known sentinels and at least the quorum.
 */
import type { Sentinel } from './server.js';
import { MAX_DESYNC, type Instance, now } from './state.js';

/**
 * Vote for `runid` as leader of `epoch` for this primary, unless we already voted in that
 * epoch. Returns our vote for the epoch (possibly someone else) and its epoch.
 */
export function voteLeader(s: Sentinel, master: Instance, reqEpoch: number, runid: string): { leader: string | null; epoch: number } {
  if (reqEpoch > s.currentEpoch) {
    s.currentEpoch = reqEpoch;
    s.flushConfig();
    s.event('+new-epoch', master, String(s.currentEpoch), true);
  }
  if (master.leaderEpoch < reqEpoch && s.currentEpoch <= reqEpoch) {
    master.leader = runid;
    master.leaderEpoch = s.currentEpoch;
    s.flushConfig();
    s.event('+vote-for-leader', master, `${runid} ${master.leaderEpoch}`, true);
    // Voting for someone else: do not start our own failover for a while.
    if (runid !== s.myid) master.failoverStartTime = now() + Math.floor(Math.random() * MAX_DESYNC);
  }
  return { leader: master.leader, epoch: master.leaderEpoch };
}

/** The leader for `epoch`, or null when nobody has a majority (and the quorum) yet. */
export function getLeader(s: Sentinel, master: Instance, epoch: number): string | null {
  const counters = new Map<string, number>();
  const voters = master.sentinels.size + 1;
  for (const p of master.sentinels.values()) {
    if (p.leader !== null && p.leaderEpoch === s.currentEpoch) counters.set(p.leader, (counters.get(p.leader) ?? 0) + 1);
  }
  let winner: string | null = null;
  let maxVotes = 0;
  for (const [id, n] of counters) {
    if (n > maxVotes) {
      maxVotes = n;
      winner = id;
    }
  }
  // Our own vote: the most voted sentinel, or ourselves if nobody has votes yet.
  const mine = voteLeader(s, master, epoch, winner ?? s.myid);
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
