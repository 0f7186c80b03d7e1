/**
 * The nemesis's network: one Linux network namespace per process (data nodes, sentinels),
 * all joined by a bridge that lives in a namespace of its own (the hub), plus one veth from
 * the harness's own namespace into the hub so that the workload (in this process) reaches
 * every host as a client on the same segment.
 *
 *   root ns (harness, clients) 10.213.P.1 ───┐   (P: the run's pid mod 250)
 *   nemN0 ns  data node 0       10.213.P.10 ──┤
 *   nemN1 ns  data node 1       10.213.P.11 ──┤ bridge br0 in the hub ns
 *   ...                                       │
 *   nemS2 ns  sentinel 2        10.213.P.22 ──┘
 *
 * Faults are made with what the kernel offers here:
 * - partitions: blackhole routes inside the namespaces (both directions between two hosts;
 *   a client is cut off by routes on the server side only, so the root namespace's routing
 *   table is never touched);
 * - a degraded link: `tc netem` delay + loss on a host's interface when the kernel has the
 *   netem qdisc, else `tbf` (a small rate with a short queue, which delays and drops under
 *   load). Which one is used is checked at start and printed.
 *
 * Every name starts with a per-run prefix; destroy() deletes the namespaces (which deletes
 * the veths and the bridge with them) and a start sweeps what a crashed run left behind.
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface Host {
  /** Logical name (n0, n1, s0 ...). */
  name: string;
  ns: string;
  ip: string;
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function tryRun(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why network namespaces cannot be used here, or null when they can. */
export function netnsUnavailable(): string | null {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'network namespaces need root';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return "the 'ip' command (iproute2) is not installed";
  }
  const probe = `nemprobe${process.pid % 100000}`;
  if (!tryRun('ip', ['netns', 'add', probe])) return "'ip netns add' is not permitted here";
  tryRun('ip', ['netns', 'del', probe]);
  return null;
}

export type Degrade = 'netem' | 'tbf';

export class NemesisNet {
  readonly hosts = new Map<string, Host>();
  /**
   * The run's /24, chosen from its pid so that two runs on one machine (npm test beside npm run
   * nemesis) do not route into each other's deployment.
   */
  readonly subnet = `10.213.${process.pid % 250}`;
  readonly clientIp = `${this.subnet}.1`;
  private readonly hub: string;
  private readonly rootVeth: string;
  /** Blackhole routes in place: ns → addresses. */
  private readonly blackholes = new Map<string, Set<string>>();
  private readonly degraded = new Set<string>();
  degradeKind: Degrade = 'tbf';

  private constructor(readonly prefix: string) {
    this.hub = `${prefix}hub`;
    this.rootVeth = `${prefix}r`;
  }

  /**
   * Delete the namespaces that crashed runs left behind: a prefix carries its run's process
   * id, and only those of processes that no longer exist are removed (several runs may share
   * the machine: `npm test` beside `npm run nemesis`).
   */
  static sweep(): void {
    let list = '';
    try {
      list = ip('netns', 'list');
    } catch {
      return;
    }
    for (const line of list.split('\n')) {
      const name = line.split(' ')[0] ?? '';
      const m = /^nem([0-9a-z]+)x(hub|[NS]\d)$/.exec(name);
      if (!m) continue;
      const pid = Number.parseInt(m[1]!, 36);
      let alive = true;
      try {
        process.kill(pid, 0);
      } catch (err) {
        alive = (err as NodeJS.ErrnoException).code === 'EPERM';
      }
      if (!alive) tryRun('ip', ['netns', 'del', name]);
    }
  }

  static create(names: string[]): NemesisNet {
    NemesisNet.sweep();
    const prefix = `nem${process.pid.toString(36)}x`;
    const net = new NemesisNet(prefix);
    try {
      net.build(names);
    } catch (err) {
      net.destroy();
      throw err;
    }
    return net;
  }

  private build(names: string[]): void {
    ip('netns', 'add', this.hub);
    ip('-n', this.hub, 'link', 'set', 'lo', 'up');
    ip('-n', this.hub, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', this.hub, 'link', 'set', 'br0', 'up');
    // The harness's own leg: created in the root namespace, its peer moved into the hub.
    ip('link', 'add', this.rootVeth, 'type', 'veth', 'peer', 'name', 'hroot', 'netns', this.hub);
    ip('-n', this.hub, 'link', 'set', 'hroot', 'master', 'br0', 'up');
    ip('addr', 'add', `${this.clientIp}/24`, 'dev', this.rootVeth);
    ip('link', 'set', this.rootVeth, 'up');
    names.forEach((name, i) => {
      const kind = name[0]!.toUpperCase();
      const ns = `${this.prefix}${kind}${name.slice(1)}`;
      const hostIp = `${this.subnet}.${(kind === 'N' ? 10 : 20) + Number(name.slice(1))}`;
      ip('netns', 'add', ns);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', this.hub, 'link', 'add', `h${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      ip('-n', this.hub, 'link', 'set', `h${i}`, 'master', 'br0', 'up');
      ip('-n', ns, 'addr', 'add', `${hostIp}/24`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
      this.hosts.set(name, { name, ns, ip: hostIp });
    });
    // Which degraded-link qdisc this kernel has.
    const first = [...this.hosts.values()][0]!;
    if (tryRun('ip', ['netns', 'exec', first.ns, 'tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'netem', 'delay', '1ms'])) {
      this.degradeKind = 'netem';
      tryRun('ip', ['netns', 'exec', first.ns, 'tc', 'qdisc', 'del', 'dev', 'eth0', 'root']);
    }
  }

  host(name: string): Host {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`no host ${name}`);
    return h;
  }

  /** Spawn a process inside a host's namespace. */
  spawn(name: string, cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
    return spawn('ip', ['netns', 'exec', this.host(name).ns, cmd, ...args], opts);
  }

  private addBlackhole(ns: string, addr: string): void {
    let set = this.blackholes.get(ns);
    if (!set) this.blackholes.set(ns, (set = new Set()));
    if (set.has(addr)) return;
    ip('-n', ns, 'route', 'add', 'blackhole', `${addr}/32`);
    set.add(addr);
  }

  /**
   * Split the hosts into groups that cannot reach each other. `client` names the harness's
   * side: the clients then reach only the hosts of the group that lists it.
   */
  partition(groups: string[][]): void {
    const groupOf = new Map<string, number>();
    groups.forEach((g, i) => g.forEach((n) => groupOf.set(n, i)));
    for (const a of this.hosts.values()) {
      const ga = groupOf.get(a.name);
      if (ga === undefined) continue;
      for (const b of this.hosts.values()) {
        const gb = groupOf.get(b.name);
        if (gb !== undefined && gb !== ga) this.addBlackhole(a.ns, b.ip);
      }
      const gc = groupOf.get('client');
      if (gc !== undefined && gc !== ga) this.addBlackhole(a.ns, this.clientIp);
    }
  }

  /** Cut one host off from everything (peers and clients). */
  isolate(name: string): void {
    const a = this.host(name);
    for (const b of this.hosts.values()) if (b !== a) this.addBlackhole(a.ns, b.ip);
    this.addBlackhole(a.ns, this.clientIp);
    for (const b of this.hosts.values()) if (b !== a) this.addBlackhole(b.ns, a.ip);
  }

  /** Delay and loss (netem) or a starved rate (tbf) on a host's interface. */
  degrade(name: string): void {
    const h = this.host(name);
    const spec = this.degradeKind === 'netem' ? ['netem', 'delay', '80ms', '40ms', 'loss', '5%'] : ['tbf', 'rate', '256kbit', 'burst', '8kb', 'latency', '60ms'];
    execFileSync('ip', ['netns', 'exec', h.ns, 'tc', 'qdisc', 'replace', 'dev', 'eth0', 'root', ...spec], { stdio: 'ignore' });
    this.degraded.add(name);
  }

  /** Remove every partition and degraded link. */
  heal(): void {
    for (const [ns, set] of this.blackholes) {
      for (const addr of set) tryRun('ip', ['-n', ns, 'route', 'del', 'blackhole', `${addr}/32`]);
    }
    this.blackholes.clear();
    for (const name of this.degraded) tryRun('ip', ['netns', 'exec', this.host(name).ns, 'tc', 'qdisc', 'del', 'dev', 'eth0', 'root']);
    this.degraded.clear();
  }

  destroy(): void {
    for (const h of this.hosts.values()) tryRun('ip', ['netns', 'del', h.ns]);
    tryRun('ip', ['link', 'del', this.rootVeth]);
    tryRun('ip', ['netns', 'del', this.hub]);
    this.hosts.clear();
  }
}
