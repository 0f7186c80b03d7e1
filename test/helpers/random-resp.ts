/** Random request material for protocol tests: binary-safe arguments and their RESP encoding (latin1 strings). */
export type Rand = () => number;

export const int = (r: Rand, n: number): number => Math.floor(r() * n);

export function randomBytes(r: Rand, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(int(r, 256));
  return s;
}

/** A binary-safe argument: usually short, sometimes empty, sometimes past the reader's 32 KB big-bulk threshold. */
export function randomArg(r: Rand): string {
  const x = r();
  if (x < 0.05) return '';
  if (x < 0.08) return randomBytes(r, 32 * 1024 + int(r, 80000));
  if (x < 0.3) return randomBytes(r, int(r, 400));
  return randomBytes(r, 1 + int(r, 12));
}

/** A command as RESP multibulk text. */
export function multibulk(argv: string[]): string {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${a.length}\r\n${a}\r\n`;
  return s;
}
