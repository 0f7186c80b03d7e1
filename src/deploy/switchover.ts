/**
 * A lossless manual switchover through the sentinels (`dssm failover`).
 *
 * 1. Ask the sentinels for the primary; pick the replica with the highest offset (or --to).
 * 2. Steer the sentinels to that replica: replica-priority 0 on every other data node. A
 *    dssm sentinel reads every replica's INFO when it gets SENTINEL FAILOVER, so it sees
 *    them at once; with any other sentinel (redis-sentinel), their sentinel links are closed
 *    so the sentinels re-read INFO, and we wait until every sentinel reports the priorities.
 * 3. `CLIENT PAUSE ... WRITE` on the primary, then wait until the target's acknowledged
 *    offset reaches the primary's (WAIT makes the primary ask its replicas for an ACK at
 *    once instead of at their next one-second ACK): from here nothing acknowledged can be lost.
 * 4. `SENTINEL FAILOVER` on one sentinel: the only eligible replica is the target. A dssm
 *    sentinel switches with the primary's FAILOVER TO (coordinated); any sentinel's plain
 *    REPLICAOF NO ONE is as safe here, since the primary holds writes. It bumps the epoch and
 *    announces +switch-master; the other sentinels follow. (FAILOVER TO alone would leave the
 *    sentinels naming the old primary until down-after + 20 s, and then a failover of their
 *    own that cannot pick a node already reporting role master.)
 * 5. Wait until every sentinel that answers names the target to clients
 *    (GET-MASTER-ADDR-BY-NAME) and the old primary reports
 *    role slave; unpause (held writes then get READONLY) and restore the priorities.
 */
import { addrText, call, commaFields, fieldMap, infoMap, parseAddr, ReplyError, sameAddr, sleep, withLink, type Addr } from './link.js';
import { primaryFromSentinels, querySentinel } from './topology.js';
import type { Target } from './deployment.js';

export interface SwitchoverOptions {
  to?: Addr;
  /** How long the primary may hold writes waiting for the target to catch up. */
  timeoutMs: number;
  /** Overall limit for the sentinels to agree. */
  settleMs?: number;
  log?: (line: string) => void;
}

export interface SwitchoverResult {
  from: string;
  to: string;
  /** From CLIENT PAUSE to the old primary reporting itself a replica (writes held). */
  switchMs: number;
  /** From the start to every answering sentinel naming the new primary. */
  totalMs: number;
  sentinelsAgreeing: number;
}

async function nodeInfo(t: Target, a: Addr): Promise<Map<string, string>> {
  return infoMap(await call(a, t.link, 'INFO', 'replication'));
}

export async function switchover(t: Target, o: SwitchoverOptions): Promise<SwitchoverResult> {
  const log = o.log ?? (() => {});
  const t0 = performance.now();
  // A failover still finishing (the previous switchover's, whose leader reconfigures the
  // last replicas after every sentinel already names the new primary) ends first.
  for (;;) {
    const busy = await Promise.all(t.sentinels.map((s) => failoverInProgress(s, t)));
    if (!busy.some(Boolean)) break;
    if (performance.now() - t0 > (o.settleMs ?? 30_000)) throw new Error(`a failover of '${t.masterName}' is still in progress; try again once it is over`);
    await sleep(50);
  }
  const asked = await primaryFromSentinels(t.sentinels, t.masterName, t.sentinelLink);
  if (!asked.primary) throw new Error(`no sentinel answered for master '${t.masterName}' at ${t.sentinels.map(addrText).join(', ')}`);
  const primary = asked.primary;
  const info = await nodeInfo(t, primary);
  if (info.get('role') !== 'master') throw new Error(`${addrText(primary)}, the primary according to the sentinels, reports role ${info.get('role')}; try again once they agree`);
  const replicas: { addr: Addr; offset: number }[] = [];
  for (const [k, v] of info) {
    if (!/^slave\d+$/.test(k)) continue;
    const f = commaFields(v);
    if (f.get('state') !== 'online') continue;
    replicas.push({ addr: { host: f.get('ip') ?? '', port: Number(f.get('port')) }, offset: Number(f.get('offset')) });
  }
  if (replicas.length === 0) throw new Error(`${addrText(primary)} has no online replica`);
  let target: { addr: Addr; offset: number };
  if (o.to) {
    const found = replicas.find((r) => sameAddr(r.addr, o.to));
    if (!found) throw new Error(`${addrText(o.to)} is not an online replica of ${addrText(primary)} (online: ${replicas.map((r) => addrText(r.addr)).join(', ')})`);
    target = found;
  } else {
    target = replicas.reduce((a, b) => (b.offset > a.offset ? b : a));
  }
  log(`primary ${addrText(primary)}; switching to ${addrText(target.addr)} (replica offset ${target.offset}, primary offset ${info.get('master_repl_offset')})`);

  // 2. Only the target may be chosen by the sentinels.
  const others = [primary, ...replicas.filter((r) => r !== target).map((r) => r.addr)];
  const saved: { addr: Addr; priority: string }[] = [];
  let paused = false;
  const restore = async () => {
    for (const s of saved) await call(s.addr, t.link, 'CONFIG', 'SET', 'replica-priority', s.priority).catch(() => {});
  };
  try {
    await Promise.all(
      others.map(async (a) => {
        const r = await call(a, t.link, 'CONFIG', 'GET', 'replica-priority');
        const prev = Array.isArray(r) && r.length === 2 ? String(r[1]) : '100';
        await call(a, t.link, 'CONFIG', 'SET', 'replica-priority', '0');
        saved.push({ addr: a, priority: prev });
      }),
    );
    const otherReplicas = others.slice(1);
    // A dssm sentinel reads every replica's INFO when asked for SENTINEL FAILOVER; another
    // (redis-sentinel) decides from its last poll, so it must have seen the priorities first.
    const refreshOnRequest = (await Promise.all(t.sentinels.map((s) => isDssmSentinel(s, t)))).every(Boolean);
    if (otherReplicas.length > 0 && !refreshOnRequest) {
      await Promise.all(otherReplicas.map((a) => closeSentinelLinks(t, a)));
      const deadline = performance.now() + 8000;
      for (;;) {
        const views = await Promise.all(t.sentinels.map((s) => querySentinel(s, t.masterName, t.sentinelLink)));
        const stale = views.filter((v) => v.ok && otherReplicas.some((a) => v.replicas?.some((r) => sameAddr(parseAddr(r.addr, 0), a) && r.priority !== 0)));
        if (stale.length === 0) break;
        if (performance.now() > deadline) throw new Error(`sentinels ${stale.map((v) => v.addr).join(', ')} did not see replica-priority 0 on the other replicas in time`);
        await sleep(20);
      }
      log(`the sentinels see replica-priority 0 on the other nodes`);
    }

    const s0 = performance.now();
    await call(primary, t.link, 'CLIENT', 'PAUSE', o.timeoutMs + (o.settleMs ?? 30_000), 'WRITE');
    paused = true;
    for (;;) {
      // Replicas acknowledge once a second on their own; WAIT makes the primary ask them now
      // (REPLCONF GETACK), so the target's offset is known within a round trip.
      await call(primary, t.link, 'WAIT', String(replicas.length), '50').catch(() => {});
      const f = await nodeInfo(t, primary);
      const want = Number(f.get('master_repl_offset'));
      let have = -1;
      for (const [k, v] of f) {
        if (!/^slave\d+$/.test(k)) continue;
        const x = commaFields(v);
        if (sameAddr({ host: x.get('ip') ?? '', port: Number(x.get('port')) }, target.addr)) have = Number(x.get('offset'));
      }
      if (have >= want) break;
      if (performance.now() - s0 > o.timeoutMs) throw new Error(`${addrText(target.addr)} did not reach the primary's offset ${want} within ${o.timeoutMs} ms (at ${have}); nothing changed`);
    }
    log(`writes held on ${addrText(primary)}; ${addrText(target.addr)} has its offset after ${(performance.now() - s0).toFixed(0)} ms`);
    // The sentinels pick the replica with the highest offset they last read from INFO,
    // which they refresh every 10 s: with the target's offset read before it caught up and
    // another replica's read later, they answer NOGOODSLAVE until the next refresh. Closing
    // their links to the replicas makes them reconnect and read INFO now.
    for (const a of [target.addr, ...otherReplicas]) await closeSentinelLinks(t, a).catch(() => {});

    // 4. One sentinel switches (with FAILOVER TO on the primary when it coordinates, else
    //    REPLICAOF NO ONE on the target, safe now that the primary holds writes); the others
    //    follow its new epoch.
    const settleDeadline = performance.now() + (o.settleMs ?? 30_000);
    let started = false;
    let lastRefusal = '';
    while (!started) {
      for (const s of t.sentinels) {
        const rr = await call(s, t.sentinelLink, 'SENTINEL', 'FAILOVER', t.masterName).catch((e: Error) => e);
        if (rr === 'OK' || (rr instanceof ReplyError && rr.message.startsWith('INPROG'))) {
          log(`sentinel ${addrText(s)} is switching the deployment over`);
          started = true;
          break;
        }
        const why = rr instanceof Error ? rr.message : String(rr);
        if (why !== lastRefusal) log(`sentinel ${addrText(s)} refused SENTINEL FAILOVER: ${why}; retrying`);
        lastRefusal = why;
      }
      if (started) break;
      if (performance.now() > settleDeadline) throw new Error(`no sentinel accepted SENTINEL FAILOVER (${lastRefusal})`);
      await sleep(250);
    }
    // 5. Every sentinel that answers names the new primary to clients (the leader does from
    //    the promotion on; the others once its hello reaches them). SENTINEL MASTER's
    //    address changes on the leader only when the other replicas are reconfigured.
    let agreeing = 0;
    for (;;) {
      const named = await Promise.all(t.sentinels.map((s) => masterAddrOf(s, t)));
      const answering = named.filter((a) => a !== null);
      agreeing = answering.filter((a) => sameAddr(a, target.addr)).length;
      if (answering.length > 0 && agreeing === answering.length) break;
      if (performance.now() > settleDeadline) throw new Error(`the sentinels did not all name ${addrText(target.addr)} in time (${agreeing}/${answering.length})`);
      await sleep(20);
    }
    log(`every sentinel names ${addrText(target.addr)}`);
    // The old primary must be a replica before it takes writes again.
    for (;;) {
      const f = await nodeInfo(t, primary).catch(() => null);
      if (f && f.get('role') === 'slave') break;
      if (f && performance.now() > settleDeadline - 5000) await call(primary, t.link, 'REPLICAOF', target.addr.host, target.addr.port).catch(() => {});
      if (performance.now() > settleDeadline) throw new Error(`${addrText(primary)} still reports role master; writes stay held there`);
      await sleep(20);
    }
    const switchMs = performance.now() - s0;
    const totalMs = performance.now() - t0;
    return { from: addrText(primary), to: addrText(target.addr), switchMs, totalMs, sentinelsAgreeing: agreeing };
  } finally {
    if (paused) await call(primary, t.link, 'CLIENT', 'UNPAUSE').catch(() => {});
    await restore();
  }
}

/** Whether a sentinel reports a failover of the master in progress (false when it does not answer). */
async function failoverInProgress(s: Addr, t: Target): Promise<boolean> {
  const m = await call(s, t.sentinelLink, 'SENTINEL', 'MASTER', t.masterName).then(fieldMap, () => null);
  return m !== null && (m.get('flags') ?? '').split(',').includes('failover_in_progress');
}

/** The primary a sentinel names to clients (GET-MASTER-ADDR-BY-NAME); null: no answer. */
async function masterAddrOf(s: Addr, t: Target): Promise<Addr | null> {
  const r = await call(s, t.sentinelLink, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', t.masterName).catch(() => null);
  return Array.isArray(r) && r.length === 2 ? { host: String(r[0]), port: Number(r[1]) } : null;
}

/** A dssm sentinel (INFO server has dssm_version), which refreshes replica INFO on SENTINEL FAILOVER. */
async function isDssmSentinel(s: Addr, t: Target): Promise<boolean> {
  const info = await call(s, t.sentinelLink, 'INFO', 'server').catch(() => null);
  return infoMap(info).has('dssm_version');
}

/** Close the sentinels' command links on a data node so they reconnect and re-read INFO. */
async function closeSentinelLinks(t: Target, a: Addr): Promise<void> {
  const list = await call(a, t.link, 'CLIENT', 'LIST');
  if (typeof list !== 'string') return;
  const ids: string[] = [];
  for (const line of list.split('\n')) {
    const f = new Map(
      line
        .trim()
        .split(' ')
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as [string, string]),
    );
    if (/^sentinel-[0-9a-f]+-cmd$/.test(f.get('name') ?? '')) ids.push(f.get('id')!);
  }
  await withLink(a, t.link, async (c) => {
    for (const id of ids) await c.call('CLIENT', 'KILL', 'ID', id);
  });
}
