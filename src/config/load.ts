/**
 * Reading configuration the way redis-server does: a redis.conf-syntax file (first
 * argument), then directives given as `--name value ...` arguments, which win.
 *
 * Errors name the file, line and directive, and stop the start: a typo in a
 * configuration must never be ignored silently.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { splitArgs } from '../protocol/resp-reader.js';
import { findDirective } from './schema.js';
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
