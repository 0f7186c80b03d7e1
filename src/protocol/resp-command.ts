/**
 * A command as RESP (`*<argc>\r\n$<len>\r\n<arg>\r\n...`) written straight into a Buffer,
 * without intermediate strings: the AOF and the replication stream encode every write this
 * way, so at pipelined write rates this is on the hot path. Arguments are latin1 strings
 * (one char per byte), as everywhere in dssm.
 */
import { putLength } from './resp-writer.js';

/** Number of decimal digits of a non-negative integer. */
function decimalDigits(n: number): number {
  if (n < 10) return 1;
  if (n < 100) return 2;
  if (n < 1000) return 3;
  if (n < 10000) return 4;
  if (n < 100000) return 5;
  return String(n).length;
}

/** The encoded length of a command, in bytes. */
export function commandLength(argv: readonly string[]): number {
  const argc = argv.length;
  let n = 3 + decimalDigits(argc);
  for (let i = 0; i < argc; i++) {
    const l = argv[i]!.length;
    n += 5 + decimalDigits(l) + l;
  }
  return n;
}

/** Write a command at p (the caller made room for commandLength(argv)); returns the end position. */
export function writeCommand(b: Buffer, p: number, argv: readonly string[]): number {
  const argc = argv.length;
  b[p++] = 42; // '*'
  p = putLength(b, p, argc);
  for (let i = 0; i < argc; i++) {
    const a = argv[i]!;
    const l = a.length;
    b[p++] = 36; // '$'
    p = putLength(b, p, l);
    // Short strings byte by byte: cheaper than a call into C++.
    if (l < 24) {
      for (let k = 0; k < l; k++) b[p + k] = a.charCodeAt(k);
      p += l;
    } else {
      p += b.latin1Write(a, p, l);
    }
    b[p++] = 13;
    b[p++] = 10;
  }
  return p;
}

/** A command as a Buffer of its own (links' handshakes and acknowledgements, not the hot path). */
export function encodeCommand(argv: readonly string[]): Buffer {
  const b = Buffer.allocUnsafe(commandLength(argv));
  writeCommand(b, 0, argv);
  return b;
}
