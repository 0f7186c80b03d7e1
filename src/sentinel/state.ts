/**
 * The sentinel's model of the world, shaped like redis-sentinel's: monitored primaries
 * ("masters", as the protocol names them), each with its known replicas and the other
 * sentinels watching it. All times are monotonic milliseconds (performance.now()).
 */
import { performance } from 'node:perf_hooks';
import type { NodeClient } from './client.js';

/**
 * The sentinel's monotonic clock in milliseconds. performance.now() starts near 0 with
 * the process; the offset keeps "time 0" (never happened) far in the past, as Redis's
 * mstime() does, so `now() - 0 > timeout` holds from the start.
 */
export function now(): number {
  return performance.now() + 1e10;
}

export enum Flag {
  MASTER = 1 << 0,
  SLAVE = 1 << 1,
  SENTINEL = 1 << 2,
  S_DOWN = 1 << 3,
  O_DOWN = 1 << 4,
  MASTER_DOWN = 1 << 5,
  FAILOVER_IN_PROGRESS = 1 << 6,
  PROMOTED = 1 << 7,
  RECONF_SENT = 1 << 8,
  RECONF_INPROG = 1 << 9,
  RECONF_DONE = 1 << 10,
  FORCE_FAILOVER = 1 << 11,
  SCRIPT_KILL_SENT = 1 << 12,
}

export enum FailoverState {
  NONE = 0,
  WAIT_START = 1,
  SELECT_SLAVE = 2,
  SEND_SLAVEOF_NOONE = 3,
  WAIT_PROMOTION = 4,
  RECONF_SLAVES = 5,
  UPDATE_CONFIG = 6,
}

export const FAILOVER_STATE_NAMES = ['none', 'wait_start', 'select_slave', 'send_slaveof_noone', 'wait_promotion', 'reconf_slaves', 'update_config'];

/** Periods of redis-sentinel (sentinel.c). */
export const PING_PERIOD = 1000;
export const INFO_PERIOD = 10000;
export const PUBLISH_PERIOD = 2000;
export const ASK_PERIOD = 1000;
export const DEFAULT_DOWN_AFTER = 30000;
export const DEFAULT_FAILOVER_TIMEOUT = 180000;
export const DEFAULT_PARALLEL_SYNCS = 1;
export const SLAVE_RECONF_TIMEOUT = 10000;
export const MAX_DESYNC = 1000;
export const ELECTION_TIMEOUT = 10000;
export const MIN_LINK_RECONNECT_PERIOD = 15000;
export const HELLO_CHANNEL = '__sentinel__:hello';

/** A connection pair to one instance: commands, and (data nodes only) pub/sub. */
export class InstanceLink {
  cc: NodeClient | null = null;
  pc: NodeClient | null = null;
  connecting = false;
  pcConnecting = false;
  /** Time of the oldest PING without a reply; 0 when none is pending. */
  actPingTime = 0;
  lastPingTime = 0;
  lastPongTime = 0;
  /** Last time the instance gave a valid PING reply (or when the link was created). */
  lastAvailTime: number;
  lastReconnTime = 0;
  pcLastActivity = 0;
  ccConnTime = 0;
  pcConnTime = 0;
  pendingCommands = 0;

  constructor(now: number) {
    this.lastAvailTime = now;
    this.actPingTime = now;
  }

  get disconnected(): boolean {
    return this.cc === null || (this.needsPubsub && this.pc === null);
  }

  needsPubsub = true;

  close(): void {
    this.cc?.close();
    this.pc?.close();
    this.cc = null;
    this.pc = null;
  }
}

export interface ReplicaInfoFields {
  masterLinkDownSinceSeconds: number;
  masterHost: string | null;
  masterPort: number;
  masterLinkStatus: 'up' | 'err';
  priority: number;
  replOffset: number;
  announced: boolean;
}

export class Instance {
  flags: number;
  name: string;
  host: string;
  port: number;
  runid: string | null = null;
  link: InstanceLink;
  configEpoch = 0;
  /** Masters: their replicas and peer sentinels, keyed by ip:port (sentinels by runid too). */
  slaves = new Map<string, Instance>();
  sentinels = new Map<string, Instance>();
  master: Instance | null = null;
  quorum = 2;
  downAfter = 30000;
  failoverTimeout = DEFAULT_FAILOVER_TIMEOUT;
  parallelSyncs = DEFAULT_PARALLEL_SYNCS;
  authPass: string | null = null;
  authUser: string | null = null;
  notificationScript: string | null = null;
  clientReconfigScript: string | null = null;
  sDownSinceTime = 0;
  oDownSinceTime = 0;
  infoRefresh = 0;
  lastInfoSent = 0;
  askInFlight = false;
  info = '';
  roleReported: 'master' | 'slave';
  roleReportedTime: number;
  slaveConfChangeTime: number;
  lastPubTime = 0;
  lastHelloTime = 0;
  lastMasterDownReplyTime = 0;
  /** Sentinels: whom this peer voted for, and in which epoch. Masters: our own vote. */
  leader: string | null = null;
  leaderEpoch = 0;
  failoverEpoch = 0;
  failoverState = FailoverState.NONE;
  failoverStateChangeTime = 0;
  failoverStartTime = 0;
  failoverDelayLogged = 0;
  promotedSlave: Instance | null = null;
  slaveReconfSentTime = 0;
  replica: ReplicaInfoFields = {
    masterLinkDownSinceSeconds: 0,
    masterHost: null,
    masterPort: 0,
    masterLinkStatus: 'err',
    priority: 100,
    replOffset: 0,
    announced: true,
  };
  /** Extra configuration set with SENTINEL SET we keep for CONFIG REWRITE. */
  renamedCommands = new Map<string, string>();
  /** dssm: +switch-master already announced for this failover epoch. */
  switchAnnouncedEpoch = 0;
  /** dssm (masters): master_repl_offset last reported while it was primary. */
  masterOffset = 0;
  /** dssm (masters): `sync_replicas` last reported by the primary (synchronous mode; 0: off). */
  syncReplicas = 0;
  /** dssm (masters): the primary restarted empty or stale (run id changed, offset went back): treated as down. */
  staleReboot = false;
  /** dssm (masters): replica selection asks every replica for INFO first; only those answering count. */
  selectRoundStart = 0;
  selectRefreshing = false;
  /** dssm (masters): this failover is a lossless switchover through the primary's FAILOVER command. */
  coordinated = false;
  /** dssm (masters): when the last "waiting for replicas" event was published. */
  waitReplicasLogged = 0;

  constructor(flags: number, name: string, host: string, port: number, master: Instance | null, now: number) {
    this.flags = flags;
    this.name = name;
    this.host = host;
    this.port = port;
    this.master = master;
    this.link = new InstanceLink(now);
    this.link.needsPubsub = (flags & Flag.SENTINEL) === 0;
    this.roleReported = flags & Flag.SLAVE ? 'slave' : 'master';
    this.roleReportedTime = now;
    this.slaveConfChangeTime = now;
    if (master) {
      this.downAfter = master.downAfter;
    }
  }

  get addrKey(): string {
    return `${this.host}:${this.port}`;
  }

  is(f: Flag): boolean {
    return (this.flags & f) !== 0;
  }
}

export function flagsString(ri: Instance): string {
  const out: string[] = [];
  if (ri.is(Flag.S_DOWN)) out.push('s_down');
  if (ri.is(Flag.O_DOWN)) out.push('o_down');
  if (ri.is(Flag.MASTER)) out.push('master');
  if (ri.is(Flag.SLAVE)) out.push('slave');
  if (ri.is(Flag.SENTINEL)) out.push('sentinel');
  if (ri.link.disconnected) out.push('disconnected');
  if (ri.is(Flag.MASTER_DOWN)) out.push('master_down');
  if (ri.is(Flag.FAILOVER_IN_PROGRESS)) out.push('failover_in_progress');
  if (ri.is(Flag.PROMOTED)) out.push('promoted');
  if (ri.is(Flag.RECONF_SENT)) out.push('reconf_sent');
  if (ri.is(Flag.RECONF_INPROG)) out.push('reconf_inprog');
  if (ri.is(Flag.RECONF_DONE)) out.push('reconf_done');
  if (ri.is(Flag.FORCE_FAILOVER)) out.push('force_failover');
  return out.join(',');
}

/** The address clients should use: the promoted replica's once promotion succeeded. */
export function currentMasterAddr(master: Instance): { host: string; port: number } {
  if (master.is(Flag.FAILOVER_IN_PROGRESS) && master.promotedSlave && master.failoverState >= FailoverState.RECONF_SLAVES) {
    return { host: master.promotedSlave.host, port: master.promotedSlave.port };
  }
  return { host: master.host, port: master.port };
}
