/**
 * Column statistics from a sample of rows, as the caller received them (filtered and masked by the gate):
 * nothing here ever sees a value the caller could not read itself. Pure.
 */

export interface ValueFrequency {
  /** The value as JSON shows it: text cut at 200 characters, dates as ISO strings, bytes as `\x…` hex. */
  value: unknown;
  count: number;
}

export interface ColumnStats {
  /** Share of sampled rows where the column is null (0 when nothing was sampled). */
  nullFraction: number;
  /** Distinct non-null values: counted when the sample holds every row, else estimated from the sample. */
  distinctEstimate: number;
  /** Whether distinctEstimate is a count of every visible row (the sample held them all). */
  distinctExact: boolean;
  min: unknown;
  max: unknown;
  /** The most frequent values seen at least twice in the sample, most frequent first. */
  topValues: ValueFrequency[];
}

export interface StatsOptions {
  /** Rows the caller may see in all, when known; the sample is all of them when it is as large. */
  totalRows: number | null;
  /** The column's type (the engine's name): numeric types compare as numbers even when they arrive as text. */
  dataType: string;
  topValues: number;
}

const NUMERIC_TYPE = /int|numeric|decimal|real|double|float|serial|money|number/i;
const MAX_TEXT = 200;

export function columnStats(values: readonly unknown[], options: StatsOptions): ColumnStats {
  const sampled = values.length;
  const present = values.filter((v) => v !== null && v !== undefined);
  const counts = new Map<string, { value: unknown; count: number }>();
  for (const value of present) {
    const key = keyOf(value);
    const known = counts.get(key);
    if (known) known.count += 1;
    else counts.set(key, { value, count: 1 });
  }
  const complete = options.totalRows !== null && sampled >= options.totalRows;
  const distinct = counts.size;
  let distinctEstimate = distinct;
  if (!complete && options.totalRows !== null && present.length > 0) {
    const total = Math.max(present.length, Math.round(options.totalRows * (present.length / Math.max(sampled, 1))));
    distinctEstimate = estimateDistinct(present.length, distinct, [...counts.values()].filter((c) => c.count === 1).length, total);
  }
  const comparable = present.filter(isComparable);
  const compare = NUMERIC_TYPE.test(options.dataType) && comparable.every(isNumberLike) ? compareNumbers : compareValues;
  let min: unknown = null;
  let max: unknown = null;
  // Only when every value has an order (no JSON objects, arrays or bytes).
  if (comparable.length === present.length && comparable.length > 0) {
    for (const value of comparable) {
      if (min === null || compare(value, min) < 0) min = value;
      if (max === null || compare(value, max) > 0) max = value;
    }
  }
  const topValues = [...counts.entries()]
    .filter(([, c]) => c.count > 1)
    .sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, options.topValues)
    .map(([, c]) => ({ value: display(c.value), count: c.count }));
  return {
    nullFraction: sampled === 0 ? 0 : round((sampled - present.length) / sampled),
    distinctEstimate: Math.round(distinctEstimate),
    distinctExact: complete || sampled === 0,
    min: display(min),
    max: display(max),
    topValues,
  };
}

/**
 * The Haas–Stokes "Duj1" estimator PostgreSQL's ANALYZE uses: n sampled non-null values of which d are
 * distinct and f1 seen once, out of N in all. Between d and N.
 */
export function estimateDistinct(n: number, d: number, f1: number, total: number): number {
  if (n === 0) return 0;
  if (n >= total) return d;
  const estimate = (n * d) / (n - f1 + (f1 * n) / total);
  return Math.min(total, Math.max(d, Number.isFinite(estimate) ? estimate : total));
}

/** The value as an answer carries it (JSON-safe and bounded). */
export function display(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value.length > MAX_TEXT ? `${value.slice(0, MAX_TEXT)}…` : value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value.subarray(0, 32)).toString('hex')}${value.length > 32 ? '…' : ''}`;
  if (typeof value === 'object') {
    const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : value;
  }
  return value;
}

/** Equal values, equal keys, whatever object the driver made of them. */
function keyOf(value: unknown): string {
  if (value instanceof Date) return `d:${value.getTime()}`;
  if (value instanceof Uint8Array) return `b:${Buffer.from(value).toString('base64')}`;
  if (typeof value === 'object') return `j:${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`;
  return `${typeof value}:${String(value)}`;
}

function isComparable(value: unknown): boolean {
  return ['string', 'number', 'bigint', 'boolean'].includes(typeof value) || (value instanceof Date && !Number.isNaN(value.getTime()));
}

function isNumberLike(value: unknown): boolean {
  return typeof value === 'number' || typeof value === 'bigint' || (typeof value === 'string' && DECIMAL.test(value.trim()));
}

/** Text in the code-unit order (the same on every engine); dates by time; numbers and booleans as such. */
function compareValues(a: unknown, b: unknown): number {
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

const DECIMAL = /^[-+]?(\d+)(\.\d+)?$/;

/** Numbers, also exact decimals that arrive as text (numeric, bigint), compared without rounding. */
export function compareNumbers(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const [x, y] = [decimalParts(a), decimalParts(b)];
  if (!x || !y) return Number(a) - Number(b);
  if (x.negative !== y.negative) return x.negative ? -1 : 1;
  const sign = x.negative ? -1 : 1;
  if (x.whole.length !== y.whole.length) return sign * (x.whole.length - y.whole.length);
  if (x.whole !== y.whole) return sign * (x.whole < y.whole ? -1 : 1);
  const width = Math.max(x.fraction.length, y.fraction.length);
  const [fx, fy] = [x.fraction.padEnd(width, '0'), y.fraction.padEnd(width, '0')];
  return fx === fy ? 0 : sign * (fx < fy ? -1 : 1);
}

function decimalParts(value: unknown): { negative: boolean; whole: string; fraction: string } | undefined {
  const text = typeof value === 'number' ? (Number.isInteger(value) ? value.toFixed(0) : String(value)) : String(value).trim();
  const match = DECIMAL.exec(text);
  if (!match) return undefined;
  const whole = (match[1] ?? '0').replace(/^0+(?=\d)/, '');
  const fraction = (match[2] ?? '').slice(1).replace(/0+$/, '');
  const zero = /^0*$/.test(whole) && fraction === '';
  return { negative: text.startsWith('-') && !zero, whole, fraction };
}

const round = (n: number) => Math.round(n * 10_000) / 10_000;
