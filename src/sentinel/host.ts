/**
 * What the sentinel's parts see of the running sentinel (src/sentinel/server.ts implements
 * it): the monitoring and I/O layer (monitor.ts) and the command surface (commands.ts) are
 * written against this interface, so that nothing below server.ts imports it. The failover
 * state machine (failover.ts, election.ts) sees even less: a FailoverWorld.
 */
import type { SentinelConfig } from './config.js';
import type { SentinelSession } from './session.js';
import type { Instance } from './state.js';

/** SENTINEL SIMULATE-FAILURE flags. */
export interface SimFailure {
  crashAfterElection: boolean;
  crashAfterPromotion: boolean;
}

/** A sentinel event as published on its pub/sub channel. */
export interface SentinelEvent {
  type: string;
  message: string;
}

/** The sentinel-wide state the failover state machine reads and changes. */
export interface FailoverWorld {
  readonly myid: string;
  /** Raised by elections (ours and our votes for others). */
  currentEpoch: number;
  readonly simFailure: SimFailure;
}

export interface SentinelHost extends FailoverWorld {
  readonly cfg: SentinelConfig;
  readonly masters: Map<string, Instance>;
  readonly sessions: Set<SentinelSession>;
  readonly stopped: boolean;
  readonly port: number;
  readonly runId: string;
  readonly startTime: number;
  readonly stats: { connectionsReceived: number; commandsProcessed: number };
  /** The port other sentinels are told in hello messages. */
  readonly announcedPort: number;
  onShutdown: (() => void) | null;
  /** Publish an event to subscribers of its channel and log it. */
  event(type: string, ri: Instance | null, extra?: string, raw?: boolean): void;
  publish(channel: string, message: string): number;
  /** Persist the state soon (coalesced). */
  flushConfig(): void;
  writeConfigNow(): void;
  simulateCrash(): void;
  stop(): Promise<void>;
  createMaster(name: string, host: string, port: number, quorum: number): Instance;
  removeMaster(name: string): void;
  resetMaster(master: Instance, sentinelsToo: boolean, generateEvent?: boolean): void;
  resetMasterAndChangeAddress(master: Instance, host: string, port: number): void;
}
