/**
 * The live configuration: canonical string values by directive name, typed accessors,
 * validation shared by the file loader and CONFIG SET, and change listeners so that
 * subsystems react to CONFIG SET without polling.
 */
import { allDirectives, findDirective, parseMemory, type Directive } from './schema.js';

export type SetResult = { ok: true } | { ok: false; error: string };

export class ConfigStore {
  private readonly values = new Map<string, string>();
  private readonly listeners = new Map<string, ((value: string) => void)[]>();
  /** Directives given explicitly (file or arguments), for CONFIG REWRITE. */
  readonly explicit = new Set<string>();
  /** The file the configuration was read from, if any (CONFIG REWRITE writes it back). */
  configFile: string | null = null;

  constructor() {
    for (const d of allDirectives()) this.values.set(d.name, d.default);
  }

  /** Make sure directives registered after construction have their defaults. */
  private ensure(d: Directive): void {
    if (!this.values.has(d.name)) this.values.set(d.name, d.default);
  }

  get(name: string): string {
    const d = findDirective(name);
    if (!d) throw new Error(`unknown directive ${name}`);
    this.ensure(d);
    return this.values.get(d.name)!;
  }

  int(name: string): number {
    return Number(this.get(name));
  }

  bool(name: string): boolean {
    return this.get(name) === 'yes';
  }

  /**
   * Validate words for a directive and return its canonical value, or an error text.
   * `current` is the value the words modify (accumulating directives merge into it).
   */
  static normalize(d: Directive, words: string[], current: string): string | { error: string } {
    // As Redis 7 (config.c, MULTI_ARG_CONFIG): a multi-word directive given as one argument
    // (`--client-output-buffer-limit "normal 64mb 32mb 5"`) is split at its spaces.
    if (d.multiWord && words.length === 1 && words[0]!.includes(' ')) words = words[0]!.split(' ').filter((w) => w !== '');
    if (!d.multiWord && d.type !== 'special' && words.length !== 1) return { error: 'wrong number of arguments' };
    const w = words[0] ?? '';
    switch (d.type) {
      case 'bool': {
        const v = w.toLowerCase();
        if (v !== 'yes' && v !== 'no') return { error: "argument must be 'yes' or 'no'" };
        return v;
      }
      case 'int': {
        if (!/^-?\d+$/.test(w)) return { error: "argument couldn't be parsed into an integer" };
        const n = Number(w);
        if ((d.min !== undefined && n < d.min) || (d.max !== undefined && n > d.max)) {
          return { error: `argument must be between ${bound(d.min, '-inf')} and ${bound(d.max, 'inf')} inclusive` };
        }
        return String(n);
      }
      case 'memory': {
        const n = parseMemory(w);
        if (n === null) return { error: 'argument must be a memory value' };
        if ((d.min !== undefined && n < d.min) || (d.max !== undefined && n > d.max)) {
          return { error: `argument must be between ${bound(d.min, '-inf')} and ${bound(d.max, 'inf')} inclusive` };
        }
        return String(n);
      }
      case 'enum': {
        const v = w.toLowerCase();
        if (!d.values!.includes(v)) return { error: `argument(s) must be one of the following: ${d.values!.join(', ')}` };
        return v;
      }
      case 'string':
        return words.join(' ');
      case 'special':
        return d.parse ? d.parse(words, current) : words.join(' ');
    }
  }

  /**
   * Set from the configuration file or arguments. Accumulating directives (save,
   * client-output-buffer-limit) merge lines; the first `save` line replaces the default.
   */
  load(d: Directive, words: string[], seen: Set<string>): SetResult {
    this.ensure(d);
    const first = !seen.has(d.name);
    let current = this.values.get(d.name)!;
    if (d.name === 'save' && first) current = '';
    const v = ConfigStore.normalize(d, words, current);
    if (typeof v !== 'string') return { ok: false, error: v.error };
    const value = d.accumulates && d.name === 'save' && current && v ? `${current} ${v}` : v;
    seen.add(d.name);
    this.values.set(d.name, value);
    this.explicit.add(d.name);
    return { ok: true };
  }

  /** CONFIG SET semantics: validate, store, notify listeners. */
  set(name: string, words: string[]): SetResult {
    const d = findDirective(name);
    if (!d) return { ok: false, error: 'unknown' };
    this.ensure(d);
    const v = ConfigStore.normalize(
      d,
      d.multiWord
        ? words
            .join(' ')
            .split(/\s+/)
            .filter((s) => s !== '')
        : words,
      this.values.get(d.name)!,
    );
    if (typeof v !== 'string') return { ok: false, error: v.error };
    this.values.set(d.name, d.name === 'save' && words.length === 1 && words[0] === '' ? '' : v);
    this.explicit.add(d.name);
    for (const fn of this.listeners.get(d.name) ?? []) fn(v);
    return { ok: true };
  }

  /** Store a value without validation (internal updates, e.g. the real port after bind). */
  setRaw(name: string, value: string): void {
    const d = findDirective(name);
    if (!d) throw new Error(`unknown directive ${name}`);
    this.values.set(d.name, value);
  }

  /** Call fn with the value now and after every change. */
  watch(name: string, fn: (value: string) => void): void {
    const d = findDirective(name)!;
    const list = this.listeners.get(d.name) ?? [];
    list.push(fn);
    this.listeners.set(d.name, list);
    fn(this.get(d.name));
  }

  /** Every directive and value. */
  entries(): [Directive, string][] {
    return allDirectives().map((d) => [d, this.get(d.name)]);
  }
}

/** A range bound as Redis prints it (LLONG_MAX exactly, not as a rounded double). */
function bound(n: number | undefined, none: string): string {
  if (n === undefined) return none;
  if (n >= 9223372036854775807) return '9223372036854775807';
  return String(n);
}
