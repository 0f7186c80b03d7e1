/**
 * Prometheus text exposition format 0.0.4, written by hand (no client library): a family
 * is `# HELP`, `# TYPE`, then its samples. Label values and help texts are escaped as the
 * format requires; values use Go's float spelling for the special ones (+Inf, -Inf, NaN).
 *
 * A histogram type for command latency lives here too: fixed buckets, counted without
 * allocation on the hot path, made cumulative only when rendered.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'untyped';
export type Labels = Readonly<Record<string, string | number>>;

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A label value inside double quotes: backslash, double quote and line feed escaped. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A HELP text: backslash and line feed escaped. */
export function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A sample value as Prometheus parses it (Go's ParseFloat syntax). */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function labelText(labels: Labels | undefined): string {
  if (!labels) return '';
  let out = '';
  for (const k in labels) {
    if (!LABEL_RE.test(k)) throw new Error(`bad label name ${k}`);
    out += `${out ? ',' : ''}${k}="${escapeLabelValue(String(labels[k]))}"`;
  }
  return out ? `{${out}}` : '';
}

/** Builds one exposition. Families are written in the order they are opened. */
export class Exposition {
  private out: string[] = [];
  private readonly seen = new Set<string>();
  private current = '';
  private currentType: MetricType = 'untyped';

  /** Open a family: HELP and TYPE lines. A family may be opened only once. */
  family(name: string, type: MetricType, help: string): this {
    if (!NAME_RE.test(name)) throw new Error(`bad metric name ${name}`);
    if (this.seen.has(name)) throw new Error(`metric family ${name} written twice`);
    this.seen.add(name);
    this.current = name;
    this.currentType = type;
    this.out.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    return this;
  }

  /** A sample of the open family (suffix: `_bucket`, `_sum`, `_count` for histograms). */
  sample(value: number, labels?: Labels, suffix = ''): this {
    if (suffix && this.currentType !== 'histogram') throw new Error(`suffix ${suffix} on ${this.current}`);
    this.out.push(`${this.current}${suffix}${labelText(labels)} ${formatValue(value)}`);
    return this;
  }

  /** Open a family and write one sample (the common case for a gauge or counter). */
  single(name: string, type: MetricType, help: string, value: number, labels?: Labels): this {
    return this.family(name, type, help).sample(value, labels);
  }

  /** Write a histogram's samples for one label set (the family must be open). */
  histogram(h: Histogram, labels: Labels = {}): this {
    let cumulative = 0;
    for (let i = 0; i < h.bounds.length; i++) {
      cumulative += h.counts[i]!;
      this.sample(cumulative, { ...labels, le: formatValue(h.bounds[i]!) }, '_bucket');
    }
    cumulative += h.counts[h.bounds.length]!;
    this.sample(cumulative, { ...labels, le: '+Inf' }, '_bucket');
    this.sample(h.sum, labels, '_sum');
    this.sample(cumulative, labels, '_count');
    return this;
  }

  text(): string {
    return this.out.length ? this.out.join('\n') + '\n' : '';
  }
}

/** Seconds: 10µs to 10s, roughly 1-2.5-5 per decade (Redis commands are mostly µs). */
export const LATENCY_BUCKETS: readonly number[] = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Observations in fixed buckets; counts[i] is for (bounds[i-1], bounds[i]], the last is above all. */
export class Histogram {
  readonly counts: Float64Array;
  sum = 0;

  constructor(readonly bounds: readonly number[] = LATENCY_BUCKETS) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(v: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && v > b[i]!) i++;
    this.counts[i] = this.counts[i]! + 1;
    this.sum += v;
  }
}
