/**
 * Argument parsing shared by HSCAN and SSCAN, with Redis 7.0's rules (parseScanCursorOrReply
 * and scanGenericCommand): the cursor is checked before the key is looked up, the options
 * after.
 */
import { CommandError, Err } from '../errors.js';
import { is, parseIntOrNull } from './args.js';

const ULONG_MAX = 18446744073709551615n;

/**
 * Redis parses the cursor with strtoul: an optional sign (a '-' wraps around), decimal
 * digits, nothing after them, no leading space, no overflow. The empty string is 0.
 * Returned as a JS number: cursors dssm hands out are small; huge ones just find nothing.
 */
export function parseScanCursor(s: string): number {
  if (s.length === 0) return 0;
  const m = /^([+-]?)(\d+)$/.exec(s);
  if (!m) throw new CommandError('ERR invalid cursor');
  const v = BigInt(m[2]!);
  if (v > ULONG_MAX) throw new CommandError('ERR invalid cursor');
  const wrapped = m[1] === '-' && v !== 0n ? ULONG_MAX + 1n - v : v;
  return Number(wrapped);
}

export interface ScanOptions {
  count: number;
  /** null when there is no MATCH, or it is "*". */
  pattern: string | null;
}

/** COUNT and MATCH from argv[start...]; TYPE is not accepted for HSCAN/SSCAN. */
export function parseScanOptions(argv: string[], start: number): ScanOptions {
  let count = 10;
  let pattern: string | null = null;
  for (let i = start; i < argv.length; i += 2) {
    const opt = argv[i]!;
    const more = i + 1 < argv.length;
    if (is(opt, 'count') && more) {
      const v = parseIntOrNull(argv[i + 1]!);
      if (v === null) throw new CommandError(Err.NOT_INTEGER);
      if (v < 1) throw new CommandError(Err.SYNTAX);
      count = v;
    } else if (is(opt, 'match') && more) {
      const p = argv[i + 1]!;
      pattern = p === '*' ? null : p;
    } else {
      throw new CommandError(Err.SYNTAX);
    }
  }
  return { count, pattern };
}
