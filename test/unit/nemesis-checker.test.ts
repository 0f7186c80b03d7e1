import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check, type FinalState, type Op } from '../nemesis/checker.js';

const op = (client: number, kind: Op['kind'], key: string, value: string, ok: boolean): Op => ({ client, kind, key, value, ok, at: 0 });
const state = (strings: [string, string][], counters: [number, number][], list: string[]): FinalState => ({ strings: new Map(strings), counters: new Map(counters), list });

describe('nemesis checker', () => {
  const history: Op[] = [
    op(0, 'set', 'w:0:1', 'v0.1', true),
    op(0, 'incr', 'ctr:0', '', true),
    op(0, 'rpush', 'lst', '0:3', true),
    op(1, 'set', 'w:1:1', 'v1.1', false),
    op(1, 'rpush', 'lst', '1:2', true),
    op(1, 'incr', 'ctr:1', '', false),
    op(0, 'rpush', 'lst', '0:4', false),
  ];

  it('accepts a final state holding every acknowledged write (indeterminate ones either way)', () => {
    const v = check(
      history,
      state(
        [
          ['w:0:1', 'v0.1'],
          ['w:1:1', 'v1.1'],
        ],
        [
          [0, 1],
          [1, 1],
        ],
        ['1:2', '0:3', '0:4'],
      ),
    );
    assert.deepEqual({ lost: v.lost, anomalies: v.anomalies, acknowledged: v.acknowledged, attempted: v.attempted }, { lost: 0, anomalies: [], acknowledged: 4, attempted: 7 });
    assert.equal(check(history, state([['w:0:1', 'v0.1']], [[0, 1]], ['0:3', '1:2'])).lost, 0);
  });

  it('counts an acknowledged SET, INCR or RPUSH that is missing as lost', () => {
    assert.equal(check(history, state([], [[0, 1]], ['0:3', '1:2'])).lost, 1);
    assert.equal(check(history, state([['w:0:1', 'v0.1']], [], ['0:3', '1:2'])).lost, 1);
    assert.equal(check(history, state([['w:0:1', 'v0.1']], [[0, 1]], ['0:3'])).lost, 1);
    assert.equal(check(history, state([['w:0:1', 'other']], [[0, 1]], ['0:3', '1:2'])).lost, 1);
  });

  it('reports values nobody wrote, counters above their attempts, duplicates and reordering', () => {
    const base = (s: FinalState) => check(history, s).anomalies;
    assert.match(
      base(
        state(
          [
            ['w:0:1', 'v0.1'],
            ['w:9:9', 'x'],
          ],
          [[0, 1]],
          ['0:3', '1:2'],
        ),
      )[0]!,
      /no client wrote/,
    );
    assert.match(base(state([['w:0:1', 'v0.1']], [[0, 2]], ['0:3', '1:2']))[0]!, /> 1 INCRs attempted/);
    assert.match(base(state([['w:0:1', 'v0.1']], [[0, 1]], ['0:3', '1:2', '0:3']))[0]!, /twice/);
    assert.match(base(state([['w:0:1', 'v0.1']], [[0, 1]], ['0:4', '0:3', '1:2']))[0]!, /out of its client's order/);
    assert.match(base(state([['w:0:1', 'v0.1']], [[0, 1]], ['0:3', '1:2', '7:1']))[0]!, /pushed by no client/);
  });
});
