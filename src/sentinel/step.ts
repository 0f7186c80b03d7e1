/**
 * The vocabulary of the sentinel's step functions (failover.ts, election.ts): what a step
 * reads (a Step: the sentinel-wide state, the time, randomness) and what it asks the I/O
 * layer (monitor.ts) to do (Actions).
 */
import type { FailoverWorld } from './host.js';
import type { Instance } from './state.js';

/** What a step asks the I/O layer to do, in order. */
export type Action =
  /** Publish and log a sentinel event (`raw`: the message is `extra` alone). */
  | { do: 'event'; type: string; ri: Instance | null; extra?: string; raw?: boolean }
  /** Persist the sentinel's state (epochs, votes, addresses). */
  | { do: 'save-config' }
  /** SENTINEL SIMULATE-FAILURE: stop abruptly. */
  | { do: 'crash' }
  /** Ask every other sentinel now whether it sees the primary down (and for its vote). */
  | { do: 'ask-peers'; master: Instance }
  /**
   * INFO to every replica (and to the primary); then `replicasRefreshed` with the time the
   * round started. `fenceMs` > 0: REPLCONF FENCE <fenceMs> to each replica first, on the same
   * link (dssm replicas stop following the primary; others answer an error, ignored).
   */
  | { do: 'refresh-replicas'; master: Instance; epoch: number; fenceMs: number }
  /** REPLICAOF NO ONE on the replica, then its INFO (→ `promotionReported` once it reports role master). */
  | { do: 'promote'; master: Instance; replica: Instance; epoch: number }
  /** FAILOVER TO <replica> TIMEOUT <ms> on the primary, then the replica's INFO until it reports role master; a refusal → `coordinatedRefused`. */
  | { do: 'coordinated-failover'; master: Instance; replica: Instance; epoch: number; timeoutMs: number }
  /** REPLICAOF host port on an instance (`confirm`: read its INFO right behind). */
  | { do: 'replicaof'; ri: Instance; host: string; port: number; confirm: boolean }
  /** CLIENT KILL TYPE normal / pubsub on the instance (clients rediscover the primary). */
  | { do: 'kill-clients'; ri: Instance }
  /** Publish hello messages now (peers learn the new configuration epoch). */
  | { do: 'announce'; master: Instance }
  /** Monitor host:port as the primary from now on (the old one and the others as replicas). */
  | { do: 'switch-address'; master: Instance; host: string; port: number };

/** The input of every step: the sentinel-wide state, the time, randomness, and where actions go. */
export interface Step {
  readonly world: FailoverWorld;
  /** Monotonic milliseconds (state.ts now() in the server; a fake clock in tests). */
  readonly now: number;
  readonly random: () => number;
  readonly out: Action[];
}

export interface Clock {
  now: number;
  /** In [0, 1); Math.random by default. */
  random?: () => number;
}

export function begin(world: FailoverWorld, clock: Clock): Step {
  return { world, now: clock.now, random: clock.random ?? Math.random, out: [] };
}
