/**
 * A Redis Sentinel–compatible sentinel: a RESP server (port 26379 by default) that
 * monitors primaries and their replicas, agrees with other sentinels (dssm or
 * redis-sentinel) on failures, and runs failovers.
 *
 * Start it in-process with `new Sentinel(loadSentinelConfig(...)).start()`, or from the
 * CLI (`dssm sentinel sentinel.conf`).
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { listenAll, type BoundListener } from '../net/listener.js';
import { log } from '../observe/events.js';
import { ProtocolError } from '../protocol/resp-reader.js';
import { globMatch } from '../util/glob.js';
import { handleCommand } from './commands.js';
import { quote, writeFileAtomic, type SentinelConfig } from './config.js';
import type { SentinelEvent, SentinelHost, SimFailure } from './host.js';
import { tick } from './monitor.js';
import { SentinelSession } from './session.js';
import { SentinelTls } from './tls.js';
import { DEFAULT_DOWN_AFTER, DEFAULT_FAILOVER_TIMEOUT, DEFAULT_PARALLEL_SYNCS, FailoverState, Flag, Instance, InstanceLink, currentMasterAddr, now } from './state.js';

export type { SentinelEvent, SimFailure };
export { SentinelSession };

export class Sentinel extends EventEmitter implements SentinelHost {
  readonly masters = new Map<string, Instance>();
  readonly sessions = new Set<SentinelSession>();
  myid: string;
  currentEpoch: number;
  port: number;
  stopped = true;
  readonly simFailure: SimFailure = { crashAfterElection: false, crashAfterPromotion: false };
  /** The process run id of INFO (distinct from the sentinel id, as in Redis). */
  readonly runId = randomBytes(20).toString('hex');
  readonly startTime = Date.now();
  private bound: BoundListener[] = [];
  /** TLS: the tls-port listener and the material for outgoing TLS links. */
  readonly tls: SentinelTls;
  private timer: NodeJS.Timeout | null = null;
  private nextClientId = 1;
  private flushPending = false;
  stats = { connectionsReceived: 0, commandsProcessed: 0 };
  /** Called by SHUTDOWN and simulated crashes after stop() (the CLI exits the process). */
  onShutdown: (() => void) | null = null;

  constructor(readonly cfg: SentinelConfig) {
    super();
    this.myid = cfg.myid ?? randomBytes(20).toString('hex');
    this.currentEpoch = cfg.currentEpoch;
    this.port = cfg.port;
    this.tls = new SentinelTls(cfg);
    const t = now();
    for (const mc of cfg.masters) {
      const m = this.createMaster(mc.name, mc.host, mc.port, mc.quorum);
      m.downAfter = mc.downAfter;
      m.failoverTimeout = mc.failoverTimeout;
      m.parallelSyncs = mc.parallelSyncs;
      m.authPass = mc.authPass;
      m.authUser = mc.authUser;
      m.notificationScript = mc.notificationScript;
      m.clientReconfigScript = mc.clientReconfigScript;
      m.configEpoch = mc.configEpoch;
      m.leaderEpoch = mc.leaderEpoch;
      for (const [a, b] of mc.renameCommands) m.renamedCommands.set(a, b);
      for (const r of mc.knownReplicas) {
        const key = `${r.host}:${r.port}`;
        if (key === m.addrKey || m.slaves.has(key)) continue;
        m.slaves.set(key, new Instance(Flag.SLAVE, key, r.host, r.port, m, t));
      }
      for (const p of mc.knownSentinels) {
        if (p.runid === this.myid) continue;
        const si = new Instance(Flag.SENTINEL, p.runid, p.host, p.port, m, t);
        si.runid = p.runid;
        m.sentinels.set(p.runid, si);
      }
    }
  }

  createMaster(name: string, host: string, port: number, quorum: number): Instance {
    const m = new Instance(Flag.MASTER, name, host, port, null, now());
    m.quorum = quorum;
    m.downAfter = DEFAULT_DOWN_AFTER;
    m.failoverTimeout = DEFAULT_FAILOVER_TIMEOUT;
    m.parallelSyncs = DEFAULT_PARALLEL_SYNCS;
    this.masters.set(name, m);
    return m;
  }

  /** The TLS port bound (0: none). */
  get tlsPort(): number {
    return this.tls.port;
  }

  /** The port other sentinels are told (hello messages): the TLS one when links use TLS. */
  get announcedPort(): number {
    if (this.cfg.announcePort) return this.cfg.announcePort;
    if (this.cfg.tlsLinks && this.tls.port) return this.tls.port;
    return this.port;
  }

  /** Listen and start monitoring; resolves with the port. */
  async start(): Promise<number> {
    // `port 0` with a tls-port: TLS only (as redis-sentinel); without TLS, 0 picks a free port.
    if (this.cfg.port !== 0 || this.cfg.tlsPort === 0) {
      this.bound = await listenAll(this.cfg.bind, this.cfg.port, () => net.createServer((sock) => this.accept(sock)), { backlog: 511, tls: false });
    }
    try {
      await this.tls.start((sock) => this.accept(sock));
    } catch (err) {
      for (const l of this.bound) l.server.close();
      this.bound = [];
      throw err;
    }
    this.port = this.bound[0]?.port ?? this.tls.port;
    this.stopped = false;
    log('info', 'Sentinel ID is ' + this.myid, { sentinel: this.myid, port: this.port });
    for (const m of this.masters.values()) this.event('+monitor', m, `quorum ${m.quorum}`);
    this.flushConfig();
    // Redis runs its sentinel timer at 10 Hz; so do we (monotonic, unaffected by clock jumps).
    this.timer = setInterval(() => {
      try {
        tick(this);
      } catch (err) {
        log('error', 'sentinel timer failed', { error: (err as Error).stack });
      }
    }, 100);
    this.timer.unref?.();
    tick(this);
    return this.port;
  }

  /** Stop listening, close every link, write the state one last time. */
  async stop(): Promise<void> {
    if (this.stopped && this.bound.length === 0) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const m of this.masters.values()) this.closeLinks(m);
    for (const s of [...this.sessions]) s.close();
    await Promise.all(this.bound.map((l) => new Promise<void>((resolve) => l.server.close(() => resolve()))));
    this.bound = [];
    await this.tls.stop();
    this.writeConfigNow();
  }

  private closeLinks(m: Instance): void {
    m.link.close();
    for (const r of m.slaves.values()) r.link.close();
    for (const p of m.sentinels.values()) p.link.close();
  }

  /** Simulated crash (SENTINEL SIMULATE-FAILURE): stop abruptly without saving more state. */
  simulateCrash(): void {
    log('warn', 'Sentinel simulated failure: crashing', {});
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const m of this.masters.values()) this.closeLinks(m);
    for (const s of [...this.sessions]) s.close();
    for (const l of this.bound) l.server.close();
    this.bound = [];
    void this.tls.stop();
    this.onShutdown?.();
  }

  private accept(sock: net.Socket): void {
    sock.setNoDelay(true);
    const sess = new SentinelSession(this.nextClientId++, sock, this);
    this.sessions.add(sess);
    this.stats.connectionsReceived++;
    // Commands run in order; one that answers later (SENTINEL FAILOVER refreshes the
    // replicas' INFO first) holds the ones behind it until its reply is written.
    const drain = (): void => {
      while (!sess.waiting && !sess.closed && !sess.closeAfterReply) {
        let argv: string[] | null;
        try {
          argv = sess.reader.next();
        } catch (err) {
          if (err instanceof ProtocolError) sess.reply.error(`ERR Protocol error: ${err.message}`);
          sess.closeAfterReply = true;
          break;
        }
        if (argv === null) break;
        sess.lastInteraction = now();
        this.stats.commandsProcessed++;
        // A command answers at once or, when it returns a promise, later.
        let later: Promise<void> | undefined;
        try {
          later = handleCommand(this, sess, argv) || undefined;
        } catch (err) {
          sess.reply.error(`ERR ${(err as Error).message}`);
        }
        if (later) {
          sess.waiting = true;
          void later
            .catch((err: Error) => sess.reply.error(`ERR ${err.message}`))
            .then(() => {
              sess.waiting = false;
              drain();
            });
        }
      }
      sess.flush();
    };
    sock.on('data', (chunk: Buffer) => {
      sess.reader.feed(chunk);
      drain();
    });
    sock.on('error', () => sess.close());
    sock.on('close', () => sess.close());
  }

  /**
   * Publish an event to subscribers of its channel and log it. The message of an
   * instance event starts with `<type> <name> <ip> <port>` (and `@ <master> <ip> <port>`
   * for replicas and sentinels), as redis-sentinel's `%@`; `raw` events carry only `extra`.
   */
  event(type: string, ri: Instance | null, extra?: string, raw = false): void {
    let msg: string;
    if (ri && !raw) {
      const kind = ri.is(Flag.MASTER) ? 'master' : ri.is(Flag.SLAVE) ? 'slave' : 'sentinel';
      msg = `${kind} ${ri.name} ${ri.host} ${ri.port}`;
      if (!ri.is(Flag.MASTER) && ri.master) msg += ` @ ${ri.master.name} ${ri.master.host} ${ri.master.port}`;
      if (extra) msg += ' ' + extra;
    } else {
      msg = extra ?? '';
    }
    const quiet = type.startsWith('+failover-state') || type.startsWith('+slave-reconf') || type === '+slave' || type === '+sentinel' || type.endsWith('role-change');
    log(quiet ? 'info' : 'warn', `${type} ${msg}`, { sentinelEvent: type, detail: msg, sentinel: this.myid.slice(0, 8) });
    this.publish(type, msg);
    this.emit('sentinel-event', { type, message: msg } satisfies SentinelEvent);
  }

  /** Deliver a message to local subscribers; returns how many received it. */
  publish(channel: string, message: string): number {
    let n = 0;
    for (const s of this.sessions) {
      if (s.channels.has(channel)) {
        s.reply.pushHeader(3);
        s.reply.bulk('message');
        s.reply.bulk(channel);
        s.reply.bulk(message);
        n++;
      }
      for (const p of s.patterns) {
        if (globMatch(p, channel, false)) {
          s.reply.pushHeader(4);
          s.reply.bulk('pmessage');
          s.reply.bulk(p);
          s.reply.bulk(channel);
          s.reply.bulk(message);
          n++;
        }
      }
      if (s.reply.pendingBytes > 0) s.flush();
    }
    return n;
  }

  /** Persist the state soon (coalesced within one event-loop turn). */
  flushConfig(): void {
    if (!this.cfg.file || this.flushPending) return;
    this.flushPending = true;
    setImmediate(() => {
      this.flushPending = false;
      this.writeConfigNow();
    });
  }

  writeConfigNow(): void {
    if (!this.cfg.file) return;
    try {
      writeFileAtomic(this.cfg.file, this.renderConfig());
    } catch (err) {
      log('warn', 'could not rewrite the sentinel configuration file', { file: this.cfg.file, error: (err as Error).message });
    }
  }

  /** The configuration file text: the operator's other directives, then the sentinel state. */
  renderConfig(): string {
    const c = this.cfg;
    const out: string[] = [...c.otherLines, '', '# Generated by dssm sentinel (state is rewritten on change)'];
    out.push(`sentinel myid ${this.myid}`);
    if (!c.denyScriptsReconfig) out.push('sentinel deny-scripts-reconfig no');
    if (c.resolveHostnames) out.push('sentinel resolve-hostnames yes');
    if (c.announceHostnames) out.push('sentinel announce-hostnames yes');
    if (c.announceIp) out.push(`sentinel announce-ip ${quote(c.announceIp)}`);
    if (c.announcePort) out.push(`sentinel announce-port ${c.announcePort}`);
    if (c.sentinelUser) out.push(`sentinel sentinel-user ${quote(c.sentinelUser)}`);
    if (c.sentinelPass) out.push(`sentinel sentinel-pass ${quote(c.sentinelPass)}`);
    for (const m of this.masters.values()) {
      const addr = currentMasterAddr(m);
      out.push(`sentinel monitor ${quote(m.name)} ${addr.host} ${addr.port} ${m.quorum}`);
      if (m.downAfter !== DEFAULT_DOWN_AFTER) out.push(`sentinel down-after-milliseconds ${quote(m.name)} ${m.downAfter}`);
      if (m.failoverTimeout !== DEFAULT_FAILOVER_TIMEOUT) out.push(`sentinel failover-timeout ${quote(m.name)} ${m.failoverTimeout}`);
      if (m.parallelSyncs !== DEFAULT_PARALLEL_SYNCS) out.push(`sentinel parallel-syncs ${quote(m.name)} ${m.parallelSyncs}`);
      if (m.notificationScript) out.push(`sentinel notification-script ${quote(m.name)} ${quote(m.notificationScript)}`);
      if (m.clientReconfigScript) out.push(`sentinel client-reconfig-script ${quote(m.name)} ${quote(m.clientReconfigScript)}`);
      if (m.authPass !== null) out.push(`sentinel auth-pass ${quote(m.name)} ${quote(m.authPass)}`);
      if (m.authUser !== null) out.push(`sentinel auth-user ${quote(m.name)} ${quote(m.authUser)}`);
      for (const [a, b] of m.renamedCommands) out.push(`sentinel rename-command ${quote(m.name)} ${quote(a)} ${quote(b)}`);
      out.push(`sentinel config-epoch ${quote(m.name)} ${m.configEpoch}`);
      out.push(`sentinel leader-epoch ${quote(m.name)} ${m.leaderEpoch}`);
      for (const r of m.slaves.values()) {
        // The promoted replica is the primary now: its slot goes to the old primary.
        let host = r.host;
        let port = r.port;
        if (host === addr.host && port === addr.port) {
          host = m.host;
          port = m.port;
        }
        out.push(`sentinel known-replica ${quote(m.name)} ${host} ${port}`);
      }
      for (const p of m.sentinels.values()) {
        if (p.runid && p.port) out.push(`sentinel known-sentinel ${quote(m.name)} ${p.host} ${p.port} ${p.runid}`);
      }
    }
    out.push(`sentinel current-epoch ${this.currentEpoch}`);
    return out.join('\n') + '\n';
  }

  /** After a failover (ours or learned from a peer): monitor the new address, old primary as a replica. */
  resetMasterAndChangeAddress(master: Instance, host: string, port: number): void {
    const addrs: { host: string; port: number }[] = [];
    for (const r of master.slaves.values()) {
      if (r.host === host && r.port === port) continue;
      addrs.push({ host: r.host, port: r.port });
    }
    if (!(master.host === host && master.port === port)) addrs.push({ host: master.host, port: master.port });
    this.resetMaster(master, false);
    master.host = host;
    master.port = port;
    const t = now();
    for (const a of addrs) {
      const key = `${a.host}:${a.port}`;
      const slave = new Instance(Flag.SLAVE, key, a.host, a.port, master, t);
      master.slaves.set(key, slave);
      this.event('+slave', slave);
    }
    this.flushConfig();
  }

  /** SENTINEL RESET and address changes: forget replicas (and sentinels), drop links and state. */
  resetMaster(master: Instance, sentinelsToo: boolean, generateEvent = false): void {
    for (const r of master.slaves.values()) r.link.close();
    master.slaves = new Map();
    if (sentinelsToo) {
      for (const p of master.sentinels.values()) p.link.close();
      master.sentinels = new Map();
    }
    master.link.close();
    const t = now();
    master.link = new InstanceLink(t);
    master.link.lastPongTime = t;
    master.flags &= Flag.MASTER;
    master.staleReboot = false;
    master.coordinated = false;
    master.masterOffset = 0;
    master.selectRefreshing = false;
    master.leader = null;
    master.failoverState = FailoverState.NONE;
    master.failoverStateChangeTime = 0;
    master.failoverStartTime = 0;
    master.promotedSlave = null;
    master.runid = null;
    master.info = '';
    master.infoRefresh = 0;
    master.roleReported = 'master';
    master.roleReportedTime = t;
    if (generateEvent) this.event('+reset-master', master);
  }

  removeMaster(name: string): void {
    const m = this.masters.get(name);
    if (!m) return;
    this.closeLinks(m);
    this.masters.delete(name);
  }
}
