/**
 * Redis's glob matcher (stringmatchlen in util.c, as Redis 7.0.15 has it), over latin1
 * strings (one char per byte). Used by KEYS, SCAN/HSCAN/SSCAN/ZSCAN MATCH, PSUBSCRIBE and
 * PUBSUB patterns, ACL key and channel patterns, CONFIG GET, COMMAND LIST FILTERBY PATTERN
 * and the sentinel's pattern arguments.
 *
 * Syntax: `*` any run of bytes, `?` one byte, `[abc]` `[^abc]` `[a-z]` classes (a reversed
 * range `[z-a]` is swapped; `\x` inside a class is a literal x; an unclosed class ends at the
 * pattern's end), `\x` a literal x (a trailing lone `\` matches `\`). There is no `!`
 * negation: `[!a]` is a class of `!` and `a`, as in Redis.
 *
 * Bounded, as Redis bounds it against hostile patterns such as `a*a*a*…*b`:
 * - once the rest of the pattern after a `*` has failed at every position of the rest of
 *   the string, no enclosing `*` can succeed by consuming more bytes (the rest would have to
 *   match even later), so the whole match fails at once ("skip longer matches"). This makes
 *   matching polynomial instead of exponential;
 * - `*` nesting deeper than 1000 fails, so the recursion depth stays bounded.
 *
 * Byte-exact details kept from the C code: a match of the empty string needs the empty
 * pattern (`*` does not match "": KEYS and SCAN special-case the pattern `*` themselves);
 * ranges compare bytes as C's signed char, so bytes 0x80-0xff sort below 0x00; with
 * `nocase` only A-Z fold, and an escaped byte inside a class compares case-sensitively.
 */
export function globMatch(pattern: string, str: string, nocase = false): boolean {
  return matchFrom(pattern, 0, str, 0, nocase, 0) === MATCH;
}

/** Deepest `*` nesting tried, as Redis's stringmatchlen_impl. */
const MAX_NESTING = 1000;

/** matchFrom's answers. */
const MATCH = 1;
const NO_MATCH = 0;
/**
 * No match, and a `*` proved that the rest of the pattern matches nowhere in the rest of
 * the string: every enclosing `*` gives up too (Redis's skipLongerMatches flag).
 */
const NO_MATCH_ANYWHERE = -1;

/** tolower() of the C locale. */
function fold(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** A byte as C's (signed) char, for range comparisons. */
function signedByte(c: number): number {
  return c >= 128 ? c - 256 : c;
}

function matchFrom(p: string, pi: number, s: string, si: number, nocase: boolean, nesting: number): number {
  if (nesting > MAX_NESTING) return NO_MATCH;
  const plen = p.length;
  const slen = s.length;
  while (pi < plen && si < slen) {
    const pc = p.charCodeAt(pi);
    if (pc !== 42 && pc !== 63 && pc !== 91 && pc !== 92) {
      // A literal byte: the common case, first.
      const c = s.charCodeAt(si);
      if (pc !== c && !(nocase && fold(pc) === fold(c))) return NO_MATCH;
      si++;
    } else if (pc === 42) {
      // '*': a run of stars is one star; a final star matches whatever is left.
      while (pi + 1 < plen && p.charCodeAt(pi + 1) === 42) pi++;
      if (pi + 1 === plen) return MATCH;
      for (; si < slen; si++) {
        const r = matchFrom(p, pi + 1, s, si, nocase, nesting + 1);
        if (r !== NO_MATCH) return r;
      }
      return NO_MATCH_ANYWHERE;
    } else if (pc === 63) {
      // '?'
      si++;
    } else if (pc === 91) {
      // '[': a class of one byte.
      pi++;
      const negate = p.charCodeAt(pi) === 94; // '^'
      if (negate) pi++;
      const c = s.charCodeAt(si);
      let matched = false;
      for (;;) {
        const cc = p.charCodeAt(pi); // NaN past the end
        if (cc === 92 && plen - pi >= 2) {
          pi++;
          if (p.charCodeAt(pi) === c) matched = true;
        } else if (cc === 93) {
          break;
        } else if (pi >= plen) {
          pi--; // an unclosed class ends with the pattern
          break;
        } else if (plen - pi >= 3 && p.charCodeAt(pi + 1) === 45) {
          let start = signedByte(cc);
          let end = signedByte(p.charCodeAt(pi + 2));
          let x = signedByte(c);
          if (start > end) [start, end] = [end, start];
          if (nocase) {
            start = fold(start);
            end = fold(end);
            x = fold(x);
          }
          pi += 2;
          if (x >= start && x <= end) matched = true;
        } else if (cc === c || (nocase && fold(cc) === fold(c))) {
          matched = true;
        }
        pi++;
      }
      if (negate) matched = !matched;
      if (!matched) return NO_MATCH;
      si++;
    } else {
      // '\' escapes the next byte (a trailing one is itself).
      const lit = plen - pi >= 2 ? p.charCodeAt(++pi) : pc;
      const c = s.charCodeAt(si);
      if (lit !== c && !(nocase && fold(lit) === fold(c))) return NO_MATCH;
      si++;
    }
    pi++;
    if (si === slen) {
      // The string is used up: only stars may remain.
      while (pi < plen && p.charCodeAt(pi) === 42) pi++;
      break;
    }
  }
  return pi === plen && si === slen ? MATCH : NO_MATCH;
}
