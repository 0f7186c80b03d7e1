/**
 * The glob matcher against answers of redis-server 7.0.15 (each case below was asked of it
 * with KEYS over the same keys), and its bound on hostile patterns: these calls must
 * return at all (a backtracking matcher takes longer than the test runner's timeout).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { globMatch } from '../../src/util/glob.js';

const KEYS = ['', 'a', 'b', 'ab', 'abc', 'a]', '!', '-', '\\', 'A', 'aB', 'hello', 'hallo', 'hxllo', '[', '^', 'a*b', 'a?b'];

/** pattern → the keys redis-server's KEYS returned (with the pattern `*` special-cased by KEYS itself, not here). */
const CASES: [string, string[]][] = [
  ['', ['']],
  ['**', KEYS.filter((k) => k !== '')],
  ['?', ['a', 'b', '!', '-', '\\', 'A', '[', '^']],
  ['[!a]', ['a', '!']],
  ['[^a]', ['b', '!', '-', '\\', 'A', '[', '^']],
  ['[a-b]', ['a', 'b']],
  ['[b-a]', ['a', 'b']],
  ['a[', []],
  ['[a', ['a']],
  ['[', []],
  ['\\', ['\\']],
  ['a\\', []],
  ['[\\]]', []],
  ['[]', []],
  ['[]a]', []],
  ['*\\*b', ['a*b']],
  ['h[^e]llo', ['hallo', 'hxllo']],
  ['h[a-b]llo', ['hallo']],
  ['a?', ['ab', 'a]', 'aB']],
  ['[\\-]', ['-']],
  ['[a-]', ['a', '^']],
  ['[-a]', ['a', '-']],
  ['a[b-', ['ab']],
  ['\\a', ['a']],
  ['[A-a]', ['A', '\\', '[', '^', 'a']],
];

describe('globMatch answers as redis-server 7.0.15', () => {
  for (const [pattern, want] of CASES) {
    test(JSON.stringify(pattern), () => {
      assert.deepEqual(KEYS.filter((k) => globMatch(pattern, k)).sort(), [...want].sort());
    });
  }

  test('nocase folds A-Z only; an escaped byte in a class stays case-sensitive', () => {
    assert.equal(globMatch('MAXMEM*', 'maxmemory', true), true);
    assert.equal(globMatch('maxmemory-[P]olicy', 'maxmemory-policy', true), true);
    assert.equal(globMatch('[\\P]', 'p', true), false);
    assert.equal(globMatch('\xc0', '\xe0', true), false);
  });

  test('ranges compare bytes as signed chars (0x80-0xff below 0x00)', () => {
    assert.equal(globMatch('[a-\xff]', '\x80', false), false);
    assert.equal(globMatch('[a-\xff]', 'B', false), true);
    assert.equal(globMatch('[\x80-\x90]', '\x85', false), true);
  });

  test('star nesting deeper than 1000 fails, as in Redis', () => {
    const key = 'a'.repeat(1100);
    assert.equal(globMatch('*a'.repeat(1000), key), true);
    assert.equal(globMatch('*a'.repeat(1001), key), false);
  });
});

describe('hostile patterns return', () => {
  test('a*a*…*b (20 stars) against 40 bytes, and 1000 stars against 100 KB', () => {
    assert.equal(globMatch('a*'.repeat(20) + 'b', 'a'.repeat(40)), false);
    assert.equal(globMatch('*a'.repeat(1000) + 'b', 'a'.repeat(100_000)), false);
    assert.equal(globMatch('*?'.repeat(400) + '[ab]*b', 'a'.repeat(10_000)), false);
    assert.equal(globMatch('*a*[^b]*\\a*?'.repeat(100) + 'c', 'ab'.repeat(5_000)), false);
  });
});
