import type { ColumnStatistics, Explanation } from './nl-types.js';

/**
 * Explain a result set in plain language (DESIGN.md, "Natural language": … → execute → explain).
 *
 * Everything here is computed from the rows: statistics per column, a trend for numeric columns over
 * a temporal (or ordered integer) column, and a summary built only from those numbers. Nothing comes
 * from the model, and the question is never echoed (it is untrusted text). Deterministic: the same
 * rows give the same summary on every machine (no locale, no time zone).
 *
 * `count` is the number of non-null values (as SQL's COUNT(column)); `nulls` the rest of the rows.
 * Numbers may arrive as strings (pg numeric, bigint): decimal strings are parsed; integers beyond
 * 2^53 lose precision in min/max/mean.
 */

export interface ResultColumn {
  name: string;
  /** The database's type name (`numeric(12,2)`, `timestamptz`, `varchar(20)`…); empty when unknown. */
  type: string;
}

export interface ExplainOptions {
  /** The question asked. Accepted for future wording; never echoed in the summary. */
  question?: string;
}

type Kind = ColumnStatistics['kind'];

/** Change of at most this many percent (either way) is "flat". */
export const FLAT_PERCENT = 5;
const MAX_TOP = 3;
const MAX_COLUMN_SENTENCES = 8;
const MAX_TREND_SENTENCES = 3;
const VALUE_CHARS = 40;

const DECIMAL = /^\s*[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?\s*$/i;

export function explainResult(columns: ResultColumn[], rows: Record<string, unknown>[], options: ExplainOptions = {}): Explanation {
  void options;
  const measured = columns.map((column) => columnStatistics(column, rows));
  const statistics = measured.map((m) => m.stats);
  addTrends(columns, rows, statistics);
  return { summary: summarise(rows.length, measured), rowCount: rows.length, columns: statistics };
}

// ───────────── kinds ─────────────

function kindOfType(type: string): Kind | null {
  const t = type.trim().toLowerCase();
  if (t === '') return null;
  if (/^(?:bool|boolean)$/.test(t) || /^tinyint\s*\(\s*1\s*\)/.test(t) || /^bit\s*\(\s*1\s*\)$/.test(t)) return 'boolean';
  if (/^(?:date|datetime|timestamp|timestamptz|time|timetz|smalldatetime|datetime2|datetimeoffset)\b/.test(t)) return 'temporal';
  if (
    /^(?:int|integer|bigint|smallint|tinyint|mediumint|int2|int4|int8|serial|bigserial|smallserial|numeric|decimal|dec|real|float|float4|float8|double|number|year)\b/.test(
      t,
    )
  ) {
    return 'numeric';
  }
  if (/^(?:text|char|character|varchar|nchar|nvarchar|bpchar|citext|name|uuid|enum|string|tinytext|mediumtext|longtext|set|inet|cidr|macaddr)\b/.test(t)) {
    return 'text';
  }
  return 'other';
}

/** A column of unknown type takes the kind its values share. */
function kindOfValues(values: unknown[]): Kind {
  let kind: Kind | null = null;
  for (const value of values) {
    const k: Kind =
      typeof value === 'number' || typeof value === 'bigint'
        ? 'numeric'
        : typeof value === 'boolean'
          ? 'boolean'
          : value instanceof Date
            ? 'temporal'
            : typeof value === 'string'
              ? 'text'
              : 'other';
    if (kind !== null && kind !== k) return 'other';
    kind = k;
  }
  return kind ?? 'other';
}

/** numeric(12,2), decimal(10, 4): shown with decimals even when every value is whole. */
function hasScale(type: string): boolean {
  return /^(?:numeric|decimal|dec)\s*\(\s*\d+\s*,\s*[1-9]\d*\s*\)/i.test(type.trim());
}

// ───────────── values ─────────────

export function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && DECIMAL.test(value)) {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}

interface Instant {
  /** Milliseconds since the epoch, or seconds since midnight for a time of day. */
  at: number;
  /** How it is shown. */
  text: string;
}

const DATE_ONLY = /^(\d{4}-\d{2}-\d{2})$/;
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const TIME_OF_DAY = /^(\d{2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?(?:[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * A temporal value: a Date, an ISO or database date/timestamp string (no zone means UTC), a time of
 * day, or epoch milliseconds. Dates stay dates ("2024-03-01"); timestamps become ISO instants.
 */
export function toInstant(value: unknown, dateType: boolean): Instant | null {
  if (value instanceof Date) {
    const at = value.getTime();
    if (Number.isNaN(at)) return null;
    return { at, text: dateType ? value.toISOString().slice(0, 10) : value.toISOString() };
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? toInstant(new Date(value), dateType) : null;
  }
  if (typeof value !== 'string') return null;
  const text = value.trim();
  const dateOnly = DATE_ONLY.exec(text);
  if (dateOnly) {
    const at = Date.parse(`${dateOnly[1]}T00:00:00Z`);
    return Number.isNaN(at) ? null : { at, text: dateOnly[1] as string };
  }
  const dateTime = DATE_TIME.exec(text);
  if (dateTime) {
    let zone = (dateTime[3] ?? 'Z').toUpperCase();
    if (/^[+-]\d{2}$/.test(zone)) zone += ':00';
    else if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
    const at = Date.parse(`${dateTime[1]}T${dateTime[2]}${zone}`);
    if (Number.isNaN(at)) return null;
    return { at, text: dateType ? (dateTime[1] as string) : new Date(at).toISOString() };
  }
  const time = TIME_OF_DAY.exec(text);
  if (time) {
    return { at: Number(time[1]) * 3600 + Number(time[2]) * 60 + Number(time[3] ?? 0), text };
  }
  return null;
}

function toBooleanText(value: unknown): string {
  if (value === true || value === 1 || value === 1n) return 'true';
  if (value === false || value === 0 || value === 0n) return 'false';
  if (typeof value === 'string') {
    const t = value.trim().toLowerCase();
    if (t === 't' || t === 'true' || t === '1' || t === 'y' || t === 'yes') return 'true';
    if (t === 'f' || t === 'false' || t === '0' || t === 'n' || t === 'no') return 'false';
  }
  return textOf(value);
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}

// ───────────── statistics ─────────────

interface Measured {
  stats: ColumnStatistics;
  /** Numbers shown without decimals: every value is whole and the type has no scale. */
  integer: boolean;
}

function columnStatistics(column: ResultColumn, rows: Record<string, unknown>[]): Measured {
  const values: unknown[] = [];
  for (const row of rows) {
    const value = row[column.name];
    if (value !== null && value !== undefined) values.push(value);
  }
  const kind = kindOfType(column.type) ?? kindOfValues(values);
  const stats: ColumnStatistics = { column: column.name, kind, count: values.length, nulls: rows.length - values.length, distinct: 0 };
  let integer = false;

  if (kind === 'numeric') {
    const keys = new Set<string>();
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    let parsed = 0;
    integer = !hasScale(column.type);
    for (const value of values) {
      const n = toNumber(value);
      if (n === null) {
        keys.add(`?${textOf(value)}`);
        continue;
      }
      keys.add(String(n));
      if (!Number.isInteger(n)) integer = false;
      if (n < min) min = n;
      if (n > max) max = n;
      sum += n;
      parsed++;
    }
    stats.distinct = keys.size;
    if (parsed > 0) {
      stats.min = min;
      stats.max = max;
      stats.mean = sum / parsed;
    }
  } else if (kind === 'temporal') {
    const dateType = /^date$/i.test(column.type.trim());
    const keys = new Set<string>();
    let min: Instant | null = null;
    let max: Instant | null = null;
    for (const value of values) {
      const instant = toInstant(value, dateType);
      if (instant === null) {
        keys.add(`?${textOf(value)}`);
        continue;
      }
      keys.add(String(instant.at));
      if (min === null || instant.at < min.at) min = instant;
      if (max === null || instant.at > max.at) max = instant;
    }
    stats.distinct = keys.size;
    if (min !== null && max !== null) {
      stats.min = min.text;
      stats.max = max.text;
    }
  } else if (kind === 'text' || kind === 'boolean') {
    const counts = new Map<string, number>();
    for (const value of values) {
      const text = kind === 'boolean' ? toBooleanText(value) : textOf(value);
      counts.set(text, (counts.get(text) ?? 0) + 1);
    }
    stats.distinct = counts.size;
    stats.top = [...counts]
      .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, MAX_TOP)
      .map(([value, count]) => ({ value, count }));
  } else {
    stats.distinct = new Set(values.map((value) => `${typeof value}:${textOf(value)}`)).size;
  }
  return { stats, integer };
}

// ───────────── trends ─────────────

const ID_LIKE = /^id$|_id$|[a-z]Id$/;

interface Axis {
  column: string;
  position: (row: Record<string, unknown>) => number | null;
}

/** The column to measure change over: the first temporal one, else an integer first column the rows are ordered by. */
function trendAxis(columns: ResultColumn[], rows: Record<string, unknown>[], statistics: ColumnStatistics[]): Axis | null {
  const temporal = statistics.find((s) => s.kind === 'temporal' && s.min !== undefined);
  if (temporal) {
    const dateType = /^date$/i.test(columns.find((c) => c.name === temporal.column)?.type.trim() ?? '');
    return { column: temporal.column, position: (row) => toInstant(row[temporal.column], dateType)?.at ?? null };
  }
  const first = statistics[0];
  const firstColumn = columns[0];
  if (!first || !firstColumn || first.kind !== 'numeric' || first.nulls > 0 || rows.length < 3) return null;
  const positions = rows.map((row) => toNumber(row[first.column]));
  if (positions.some((p) => p === null || !Number.isInteger(p))) return null;
  const ordered = (sign: number) => positions.every((p, i) => i === 0 || sign * ((p as number) - (positions[i - 1] as number)) >= 0);
  if (!ordered(1) && !ordered(-1)) return null;
  return { column: first.column, position: (row) => toNumber(row[first.column]) };
}

function addTrends(columns: ResultColumn[], rows: Record<string, unknown>[], statistics: ColumnStatistics[]): void {
  const axis = trendAxis(columns, rows, statistics);
  if (!axis) return;
  for (const stats of statistics) {
    if (stats.kind !== 'numeric' || stats.column === axis.column || ID_LIKE.test(stats.column)) continue;
    const points: { at: number; value: number }[] = [];
    for (const row of rows) {
      const at = axis.position(row);
      const value = toNumber(row[stats.column]);
      if (at !== null && value !== null) points.push({ at, value });
    }
    if (points.length < 3) continue;
    points.sort((a, b) => a.at - b.at); // stable: rows at the same instant keep their order
    const third = Math.floor(points.length / 3);
    const mean = (part: { value: number }[]) => part.reduce((sum, p) => sum + p.value, 0) / part.length;
    const before = mean(points.slice(0, third));
    const after = mean(points.slice(points.length - third));
    const changePercent = before === 0 ? null : Math.round(((after - before) / Math.abs(before)) * 100 * 100) / 100;
    const direction =
      changePercent !== null
        ? changePercent > FLAT_PERCENT
          ? 'rising'
          : changePercent < -FLAT_PERCENT
            ? 'falling'
            : 'flat'
        : after > before
          ? 'rising'
          : after < before
            ? 'falling'
            : 'flat';
    stats.trend = { direction, by: axis.column, changePercent };
  }
}

// ───────────── summary ─────────────

/** A number as the summary shows it: thousands separated by commas, two decimals unless an integer is wanted. */
export function formatNumber(value: number, integer: boolean): string {
  const fixed = integer && Number.isInteger(value) ? Math.abs(value).toFixed(0) : Math.abs(value).toFixed(2);
  if (/e/i.test(fixed)) return `${value < 0 ? '-' : ''}${fixed}`;
  const [whole = '0', fraction] = fixed.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const negative = value < 0 && /[1-9]/.test(fixed);
  return `${negative ? '-' : ''}${grouped}${fraction === undefined ? '' : `.${fraction}`}`;
}

function quoted(value: string): string {
  const flat = value.replace(/\s+/g, ' ').trim();
  return `'${flat.length > VALUE_CHARS ? `${flat.slice(0, VALUE_CHARS - 1)}…` : flat}'`;
}

function columnSentence(stats: ColumnStatistics, rowCount: number, integerColumn: boolean): string | null {
  const name = stats.column;
  if (stats.count === 0) return `${name} is always null.`;
  const nulls = stats.nulls > 0 ? `${formatNumber(stats.nulls, true)} null` : null;
  /** A sentence ending in a parenthesis holding `notes` and the null count, if any. */
  const sentence = (text: string, ...notes: string[]) => {
    const all = nulls === null ? notes : [...notes, nulls];
    return all.length === 0 ? `${text}.` : `${text} (${all.join('; ')}).`;
  };
  const single = rowCount === 1;
  switch (stats.kind) {
    case 'numeric': {
      if (typeof stats.min !== 'number' || typeof stats.max !== 'number' || stats.mean === undefined) return null;
      const min = formatNumber(stats.min, integerColumn);
      if (stats.min === stats.max) return single ? `${name} is ${min}.` : sentence(`${name} is always ${min}`);
      return sentence(`${name} ranges from ${min} to ${formatNumber(stats.max, integerColumn)}`, `mean ${formatNumber(stats.mean, integerColumn)}`);
    }
    case 'temporal': {
      if (stats.min === undefined || stats.max === undefined) return null;
      if (stats.min === stats.max) return single ? `${name} is ${stats.min}.` : sentence(`${name} is always ${stats.min}`);
      return sentence(`${name} spans ${stats.min} to ${stats.max}`);
    }
    case 'text':
    case 'boolean': {
      const [first, ...rest] = stats.top ?? [];
      if (!first) return null;
      if (stats.distinct === 1) return single ? `${name} is ${quoted(first.value)}.` : sentence(`${name} is always ${quoted(first.value)}`);
      const of = formatNumber(stats.count, true);
      if (first.count * 2 > stats.count) return sentence(`${name} is mostly ${quoted(first.value)}`, `${formatNumber(first.count, true)} of ${of}`);
      if (stats.distinct === stats.count) return sentence(`${name} has ${of} distinct values`);
      const listed = [first, ...rest].map((entry) => `${quoted(entry.value)} (${formatNumber(entry.count, true)})`);
      const last = listed.pop() as string;
      return sentence(`${name} is most often ${listed.length > 0 ? `${listed.join(', ')} or ${last}` : last}`);
    }
    default:
      return null;
  }
}

function trendSentence(stats: ColumnStatistics): string | null {
  const trend = stats.trend;
  if (!trend) return null;
  const change = trend.changePercent;
  const percent = change === null ? '' : ` (${change >= 0 ? '+' : '-'}${formatNumber(Math.round(Math.abs(change)), true)}%)`;
  return `${stats.column} is ${trend.direction} over ${trend.by}${percent}.`;
}

function summarise(rowCount: number, measured: Measured[]): string {
  if (rowCount === 0) return 'No rows matched.';
  const sentences = [`${formatNumber(rowCount, true)} ${rowCount === 1 ? 'row' : 'rows'}.`];
  const described = measured
    .map(({ stats, integer }) => columnSentence(stats, rowCount, integer))
    .filter((sentence): sentence is string => sentence !== null);
  sentences.push(...described.slice(0, MAX_COLUMN_SENTENCES));
  if (described.length > MAX_COLUMN_SENTENCES) {
    const more = described.length - MAX_COLUMN_SENTENCES;
    sentences.push(`(${more} more column${more === 1 ? '' : 's'} not described.)`);
  }
  const trends = measured.map(({ stats }) => trendSentence(stats)).filter((s): s is string => s !== null);
  sentences.push(...trends.slice(0, MAX_TREND_SENTENCES));
  return sentences.join(' ');
}
