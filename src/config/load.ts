/**
 * Reading configuration the way redis-server does: a redis.conf-syntax file (first
 * argument), then directives given as `--name value ...` arguments, which win.
 *
 * Errors name the file, line and directive, and stop the start: a typo in a
 * configuration must never be ignored silently.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { splitArgs } from '../protocol/resp-reader.js';
import { allDirectives, findDirective, type Directive } from './schema.js';
import { ConfigStore } from './store.js';

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    readonly text: string,
    readonly reason: string,
  ) {
    super(`${source}:${line}: '${text}': ${reason}`);
  }
}

export interface ConfigLine {
  source: string;
  line: number;
  text: string;
  words: string[];
}

/** Split redis.conf text into directive lines (comments and blank lines dropped). */
export function parseConfigText(text: string, source: string): ConfigLine[] {
  const out: ConfigLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const words = splitArgs(raw);
    if (words === null) throw new ConfigError(source, i + 1, raw, 'Unbalanced quotes in configuration line');
    if (words.length === 0) continue;
    out.push({ source, line: i + 1, text: raw, words });
  }
  return out;
}

/**
 * Turn `--port 7000 --save "" --bind 127.0.0.1 ::1` into directive lines, as redis-server
 * does: each `--name` starts a line and the following words are its arguments.
 */
export function parseArgDirectives(args: readonly string[]): ConfigLine[] {
  const out: ConfigLine[] = [];
  let cur: ConfigLine | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('--') && a.length > 2) {
      cur = { source: 'command line', line: out.length + 1, text: '', words: [a.slice(2)] };
      out.push(cur);
    } else if (cur) {
      cur.words.push(a);
    } else {
      throw new ConfigError('command line', i + 1, a, `unexpected argument (directives are given as --name value)`);
    }
  }
  for (const l of out) {
    // `--save` with no value means `save ""` in redis-server.
    if (l.words.length === 1) l.words.push('');
    l.text = `--${l.words.join(' ')}`;
  }
  return out;
}

export interface LoadedConfig {
  store: ConfigStore;
  /** Directives that were accepted but have no effect in dssm, for a log line. */
  ignored: string[];
}

/**
 * Build the configuration from an optional file and argument directives.
 * Throws ConfigError naming the source, line and directive on the first problem.
 */
export function loadConfig(file: string | null, argLines: ConfigLine[]): LoadedConfig {
  const store = new ConfigStore();
  const lines: ConfigLine[] = [];
  if (file) {
    const path = resolve(file);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError(path, 0, '', `cannot read configuration file: ${(err as Error).message}`);
    }
    store.configFile = path;
    lines.push(...parseConfigText(text, path));
  }
  lines.push(...argLines);
  const seen = new Set<string>();
  const ignored: string[] = [];
  for (const l of lines) {
    const name = l.words[0]!.toLowerCase();
    if (name === 'include') {
      if (l.words.length !== 2) throw new ConfigError(l.source, l.line, l.text, 'wrong number of arguments');
      const inc = loadIncluded(l.words[1]!);
      for (const il of inc) apply(store, il, seen, ignored);
      continue;
    }
    apply(store, l, seen, ignored);
  }
  if (!store.explicit.has('dir')) store.setRaw('dir', process.cwd());
  else store.setRaw('dir', resolve(store.get('dir')));
  return { store, ignored };
}

function loadIncluded(path: string): ConfigLine[] {
  try {
    return parseConfigText(readFileSync(path, 'utf8'), resolve(path));
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(path, 0, '', `cannot read included file: ${(err as Error).message}`);
  }
}

function apply(store: ConfigStore, l: ConfigLine, seen: Set<string>, ignored: string[]): void {
  const name = l.words[0]!;
  const d = findDirective(name);
  if (!d) throw new ConfigError(l.source, l.line, l.text, `Bad directive or wrong number of arguments: unknown directive '${name}'`);
  const words = l.words.slice(1);
  if (words.length === 0) throw new ConfigError(l.source, l.line, l.text, `wrong number of arguments for '${name}'`);
  const r = store.load(d, words, seen);
  if (!r.ok) throw new ConfigError(l.source, l.line, l.text, `Bad value for '${name}': ${r.error}`);
  if (d.noEffect) ignored.push(d.name);
}

/** Redis's rewriteConfigFormatMemory: the largest exact unit (gb, mb, kb) or bytes. */
function formatMemory(v: string): string {
  const n = Number(v);
  if (!Number.isFinite(n) || n === 0) return v;
  const gb = 1024 ** 3;
  const mb = 1024 ** 2;
  if (n % gb === 0) return `${n / gb}gb`;
  if (n % mb === 0) return `${n / mb}mb`;
  if (n % 1024 === 0) return `${n / 1024}kb`;
  return v;
}

/** Quote a word the way redis.conf files read it back (sdscatrepr). */
function quoteWord(s: string): string {
  if (s !== '' && /^[\x21-\x7e]+$/.test(s) && !/["'\\]/.test(s)) return s;
  let out = '"';
  for (const ch of s) {
    const code = ch.charCodeAt(0);
    if (ch === '\\' || ch === '"') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code >= 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + '"';
}

/** The configuration lines that express a directive's current value. */
function directiveLines(d: Directive, value: string): string[] {
  if (d.name === 'save') {
    if (value === '') return ['save ""'];
    const w = value.split(' ');
    const out: string[] = [];
    for (let i = 0; i + 1 < w.length; i += 2) out.push(`save ${w[i]} ${w[i + 1]}`);
    return out;
  }
  if (d.name === 'client-output-buffer-limit') {
    const w = value.split(' ');
    const out: string[] = [];
    for (let i = 0; i + 3 < w.length; i += 4) {
      out.push(`client-output-buffer-limit ${w[i]} ${formatMemory(w[i + 1]!)} ${formatMemory(w[i + 2]!)} ${w[i + 3]}`);
    }
    return out;
  }
  if (d.type === 'memory') return [`${d.name} ${formatMemory(value)}`];
  if (d.multiWord) return [`${d.name} ${value === '' ? '""' : value}`];
  if (d.type === 'string' || d.name === 'dir') return [`${d.name} ${quoteWord(value)}`];
  return [`${d.name} ${value === '' ? '""' : value}`];
}

/**
 * CONFIG REWRITE, as Redis's rewriteConfig: every known directive's lines in the file are
 * replaced by its current value at the place of its first occurrence (later occurrences
 * are dropped); comments, blank lines and lines we do not know stay as they are; changed
 * directives that were not in the file are appended after a "# Generated by CONFIG
 * REWRITE" marker. The new file replaces the old one atomically.
 */
export function rewriteConfigFile(store: ConfigStore, path: string): void {
  let old = '';
  try {
    old = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const MARKER = '# Generated by CONFIG REWRITE';
  const lines = old === '' ? [] : old.replace(/\n$/, '').split('\n');
  const out: string[] = [];
  const written = new Set<string>();
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed === MARKER) continue;
    if (trimmed === '' || trimmed.startsWith('#')) {
      out.push(line);
      continue;
    }
    const words = splitArgs(trimmed);
    const d = words && words.length > 0 ? findDirective(words[0]!) : undefined;
    if (!d) {
      out.push(line);
      continue;
    }
    if (written.has(d.name)) continue;
    written.add(d.name);
    out.push(...directiveLines(d, store.get(d.name)));
  }
  // Drop trailing blank lines left by a previous rewrite's section.
  while (out.length > 0 && out[out.length - 1]!.trim() === '') out.pop();
  const extra: string[] = [];
  for (const d of allDirectives()) {
    if (written.has(d.name) || d.hidden) continue;
    const value = store.get(d.name);
    if (!store.explicit.has(d.name) || value === d.default) continue;
    extra.push(...directiveLines(d, value));
  }
  if (extra.length > 0) out.push(MARKER, ...extra);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, out.join('\n') + '\n');
  renameSync(tmp, path);
}
