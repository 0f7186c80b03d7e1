/**
 * The sorted set structure (skip list with spans + member map) against a naive model: a
 * sorted array of [member, score], under random operations from fixed seeds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RZSet, type LexRange, type ScoreRange } from '../../src/keyspace/types/zset.js';
import { rng } from '../helpers/differential.js';

type Entry = [string, number];

function cmp(a: Entry, b: Entry): number {
  return a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
}

class Model {
  items: Entry[] = [];
  set(m: string, s: number): void {
    this.remove(m);
    this.items.push([m, s]);
    this.items.sort(cmp);
  }
  remove(m: string): boolean {
    const i = this.items.findIndex((e) => e[0] === m);
    if (i < 0) return false;
    this.items.splice(i, 1);
    return true;
  }
  inScore(s: number, r: ScoreRange): boolean {
    return (r.minex ? s > r.min : s >= r.min) && (r.maxex ? s < r.max : s <= r.max);
  }
}

function lexIn(m: string, r: LexRange): boolean {
  const geMin = r.min.kind === -1 ? true : r.min.kind === 1 ? false : r.minex ? m > r.min.s : m >= r.min.s;
  const leMax = r.max.kind === 1 ? true : r.max.kind === -1 ? false : r.maxex ? m < r.max.s : m <= r.max.s;
  return geMin && leMax;
}

function checkInvariants(z: RZSet, model: Model): void {
  assert.deepEqual([...z.entries()], model.items);
  assert.equal(z.size(), model.items.length);
  assert.equal(z.zsl.length, model.items.length);
  // Backward links mirror forward links.
  const back: Entry[] = [];
  for (let n = z.zsl.tail; n !== null; n = n.backward) back.push([n.member, n.score]);
  assert.deepEqual(back.reverse(), model.items);
  // Spans: every level's spans add up to the length.
  for (let i = 0; i < z.zsl.level; i++) {
    let total = 0;
    for (let x = z.zsl.header; x !== null; x = x.next[i]!) {
      if (x.next[i] === null) break;
      total += x.span[i]!;
    }
    assert.ok(total <= z.zsl.length, `level ${i} spans ${total}`);
  }
}

describe('sorted set structure', () => {
  for (const seed of [1, 7, 42, 1234, 99991]) {
    it(`matches a sorted array under random operations (seed ${seed})`, () => {
      const r = rng(seed);
      const z = new RZSet();
      const model = new Model();
      const member = () => 'm' + String.fromCharCode(97 + Math.floor(r() * 26)) + Math.floor(r() * 20);
      const score = () => (r() < 0.3 ? Math.floor(r() * 5) : Math.floor(r() * 200) / 4 - 25);
      for (let step = 0; step < 1500; step++) {
        const op = r();
        if (op < 0.45) {
          const m = member();
          const s = score();
          const existed = model.items.some((e) => e[0] === m);
          assert.equal(z.set(m, s), existed ? 0 : 1);
          model.set(m, s);
        } else if (op < 0.6) {
          const m = member();
          assert.equal(z.remove(m), model.remove(m));
        } else if (op < 0.7) {
          const m = member();
          const i = model.items.findIndex((e) => e[0] === m);
          assert.equal(z.rank(m), i < 0 ? null : i);
          assert.equal(z.rank(m, true), i < 0 ? null : model.items.length - 1 - i);
          assert.equal(z.score(m), i < 0 ? undefined : model.items[i]![1]);
        } else if (op < 0.78) {
          const k = Math.floor(r() * (model.items.length + 2)) - 1;
          const n = z.nodeAt(k);
          const e = model.items[k];
          assert.deepEqual(n === null ? undefined : [n.member, n.score], k < 0 ? undefined : e);
        } else if (op < 0.86) {
          const a = score();
          const b = score();
          const range: ScoreRange = { min: Math.min(a, b), max: Math.max(a, b), minex: r() < 0.5, maxex: r() < 0.5 };
          const inside = model.items.filter((e) => model.inScore(e[1], range));
          assert.equal(z.countInScoreRange(range), inside.length);
          const first = z.zsl.firstInScoreRange(range);
          const last = z.zsl.lastInScoreRange(range);
          assert.deepEqual(first && [first.member, first.score], inside[0] ?? null);
          assert.deepEqual(last && [last.member, last.score], inside.at(-1) ?? null);
          if (r() < 0.2) {
            assert.equal(z.removeRangeByScore(range), inside.length);
            model.items = model.items.filter((e) => !model.inScore(e[1], range));
          }
        } else if (op < 0.93) {
          // Lex ranges are defined when scores are equal: test on the score-0 slice only.
          const bound = () => {
            const x = r();
            return x < 0.15 ? { kind: -1 as const, s: '' } : x < 0.3 ? { kind: 1 as const, s: '' } : { kind: 0 as const, s: member() };
          };
          const range: LexRange = { min: bound(), max: bound(), minex: r() < 0.5, maxex: r() < 0.5 };
          if (range.min.kind === -1) range.minex = true;
          if (range.max.kind === 1) range.maxex = true;
          const flat = new RZSet();
          const flatModel = new Model();
          for (const [m] of model.items) {
            flat.set(m, 0);
            flatModel.set(m, 0);
          }
          const inside = flatModel.items.filter((e) => lexIn(e[0], range));
          assert.equal(flat.countInLexRange(range), inside.length);
          assert.equal(flat.removeRangeByLex(range), inside.length);
          flatModel.items = flatModel.items.filter((e) => !lexIn(e[0], range));
          checkInvariants(flat, flatModel);
        } else if (op < 0.96) {
          const n = model.items.length;
          if (n > 0) {
            const s = Math.floor(r() * n);
            const e = Math.min(n - 1, s + Math.floor(r() * 5));
            assert.equal(z.removeRangeByRank(s, e), e - s + 1);
            model.items.splice(s, e - s + 1);
          }
        } else {
          checkInvariants(z, model);
        }
      }
      checkInvariants(z, model);
      const copy = z.clone();
      checkInvariants(copy as RZSet, model);
      checkInvariants(RZSet.fromEntries(z.entries()), model);
    });
  }

  it('chooses listpack or skiplist by the limits, one way only', () => {
    const limits = { entries: 3, value: 5 };
    const z = RZSet.fromEntries([['a', 1]], limits);
    assert.equal(z.encoding(), 'listpack');
    z.set('b', 2, limits);
    z.set('c', 3, limits);
    assert.equal(z.encoding(), 'listpack');
    z.set('d', 4, limits);
    assert.equal(z.encoding(), 'skiplist');
    z.remove('d');
    assert.equal(z.encoding(), 'skiplist');
    const long = RZSet.fromEntries([['abcdef', 1]], limits);
    assert.equal(long.encoding(), 'skiplist');
  });
});
