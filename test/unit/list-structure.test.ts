/**
 * RList (the ring-buffer deque behind list values) against a plain array model, through
 * random operations that wrap around the buffer, grow it and shrink it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RList } from '../../src/keyspace/types/list.js';
import { rng } from '../helpers/differential.js';

for (const seed of [11, 22, 33]) {
  test(`RList behaves as an array under random operations, seed ${seed}`, () => {
    const r = rng(seed);
    const l = new RList();
    let model: string[] = [];
    for (let step = 0; step < 20000; step++) {
      const op = Math.floor(r() * 10);
      const v = `v${Math.floor(r() * 20)}`;
      switch (op) {
        case 0:
        case 1: {
          const n = 1 + Math.floor(r() * 40);
          for (let i = 0; i < n; i++) {
            l.pushHead(v + i);
            model.unshift(v + i);
          }
          break;
        }
        case 2:
        case 3: {
          const n = 1 + Math.floor(r() * 40);
          for (let i = 0; i < n; i++) {
            l.pushTail(v + i);
            model.push(v + i);
          }
          break;
        }
        case 4: {
          const n = Math.floor(r() * 50);
          for (let i = 0; i < n; i++) assert.equal(l.popHead(), model.shift());
          break;
        }
        case 5: {
          const n = Math.floor(r() * 50);
          for (let i = 0; i < n; i++) assert.equal(l.popTail(), model.pop());
          break;
        }
        case 6: {
          const i = Math.floor(r() * (model.length + 1));
          l.insertAt(i, v);
          model.splice(i, 0, v);
          break;
        }
        case 7: {
          if (r() < 0.9 || model.length === 0) break;
          const s = Math.floor(r() * model.length);
          const e = s + Math.floor(r() * (model.length - s));
          l.trim(s, e);
          model = model.slice(s, e + 1);
          break;
        }
        case 8: {
          const count = Math.floor(r() * 3);
          const fromHead = r() < 0.5;
          const removed = l.remove(v, count, fromHead);
          let done = 0;
          const before = model.length;
          if (fromHead) {
            model = model.filter((x) => !(x === v && (count === 0 || done++ < count)));
          } else {
            model = model
              .reverse()
              .filter((x) => !(x === v && (count === 0 || done++ < count)))
              .reverse();
          }
          assert.equal(removed, before - model.length);
          break;
        }
        default: {
          if (model.length === 0) break;
          const i = Math.floor(r() * model.length);
          assert.equal(l.get(i), model[i]);
          l.set(i, v);
          model[i] = v;
        }
      }
      assert.equal(l.length, model.length);
      if (step % 500 === 0) {
        assert.deepEqual([...l.items()], model);
        if (model.length) assert.deepEqual(l.range(0, model.length - 1), model);
      }
    }
    assert.deepEqual([...l.items()], model);
    assert.deepEqual([...RList.fromItems(model).items()], model);
    assert.deepEqual([...l.clone().items()], model);
  });
}
