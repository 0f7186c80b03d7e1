/**
 * The nemesis's checker: from the history of operations the clients issued (each with
 * whether it was acknowledged) and the final state read after the cluster settled, what
 * was lost and what appeared that nobody wrote. Pure, so it is unit-tested on its own.
 *
 * Operations (one client issues one at a time, so its own operations are ordered):
 * - `set`: SET of a unique key to a unique value;
 * - `incr`: INCR of the client's own counter;
 * - `rpush`: RPUSH of a unique element `<client>:<n>` (n increasing) to one shared list.
 *
 * An operation that got an error or no reply is indeterminate: it may or may not have
 * taken effect. The rules:
 * - every acknowledged SET is in the final state with its value; every key in the final
 *   state was written by some SET (acknowledged or not) with that value;
 * - each counter is at least its acknowledged INCRs and at most its attempted ones;
 * - every acknowledged element is in the list, every element in it was pushed by someone,
 *   none twice, and each client's elements appear in the order that client pushed them.
 */

export type OpKind = 'set' | 'incr' | 'rpush';

export interface Op {
  client: number;
  kind: OpKind;
  key: string;
  value: string;
  ok: boolean;
  /** When it completed (ms since the run started). */
  at: number;
}

export interface FinalState {
  /** Every `w:*` key with its value. */
  strings: Map<string, string>;
  /** Counter per client (missing = 0). */
  counters: Map<number, number>;
  list: string[];
}

export interface Verdict {
  acknowledged: number;
  attempted: number;
  /** Acknowledged writes missing from the final state. */
  lost: number;
  /** Values present that no client wrote (or elements duplicated / out of order). */
  anomalies: string[];
  /** Details of the first few losses. */
  lostExamples: string[];
}

export function check(ops: readonly Op[], final: FinalState): Verdict {
  const v: Verdict = { acknowledged: 0, attempted: ops.length, lost: 0, anomalies: [], lostExamples: [] };
  const lose = (what: string, n = 1) => {
    v.lost += n;
    if (v.lostExamples.length < 5) v.lostExamples.push(what);
  };
  const written = new Map<string, string>();
  const incrAttempted = new Map<number, number>();
  const incrAcked = new Map<number, number>();
  const pushed = new Map<string, Op>();
  for (const op of ops) {
    if (op.ok) v.acknowledged++;
    if (op.kind === 'set') {
      written.set(op.key, op.value);
      if (op.ok && final.strings.get(op.key) !== op.value) lose(`SET ${op.key} ${op.value} acknowledged at ${op.at} ms, final ${final.strings.get(op.key) ?? '(nil)'}`);
    } else if (op.kind === 'incr') {
      incrAttempted.set(op.client, (incrAttempted.get(op.client) ?? 0) + 1);
      if (op.ok) incrAcked.set(op.client, (incrAcked.get(op.client) ?? 0) + 1);
    } else {
      pushed.set(op.value, op);
    }
  }
  for (const [key, value] of final.strings) {
    if (written.get(key) !== value) v.anomalies.push(`${key} holds ${value}, which no client wrote`);
  }
  for (const [client, acked] of incrAcked) {
    const got = final.counters.get(client) ?? 0;
    if (got < acked) lose(`counter of client ${client}: ${got} < ${acked} acknowledged INCRs`, acked - got);
  }
  for (const [client, got] of final.counters) {
    const attempted = incrAttempted.get(client) ?? 0;
    if (got > attempted) v.anomalies.push(`counter of client ${client}: ${got} > ${attempted} INCRs attempted`);
  }
  const inList = new Set<string>();
  const lastSeq = new Map<number, number>();
  for (const el of final.list) {
    if (inList.has(el)) v.anomalies.push(`list element ${el} appears twice`);
    inList.add(el);
    const op = pushed.get(el);
    if (!op) {
      v.anomalies.push(`list element ${el} was pushed by no client`);
      continue;
    }
    const seq = Number(el.split(':')[1]);
    if (seq <= (lastSeq.get(op.client) ?? -1)) v.anomalies.push(`list element ${el} is out of its client's order`);
    lastSeq.set(op.client, seq);
  }
  for (const op of pushed.values()) if (op.ok && !inList.has(op.value)) lose(`RPUSH ${op.value} acknowledged at ${op.at} ms, missing from the list`);
  return v;
}
