import type { QueryResult, TruncatedReason } from './driver.js';

/**
 * How many bytes a row takes in an answer: its size as JSON, near enough (a UTF-8 string counts its bytes
 * and quotes; escapes are not counted). Used to cut results at a byte cap while they are read, so one
 * huge row or many large ones cannot fill the gateway's memory.
 */
export function rowBytes(row: Record<string, unknown>): number {
  let total = 2;
  for (const key in row) total += Buffer.byteLength(key, 'utf8') + 4 + valueBytes(row[key]);
  return total;
}

export function valueBytes(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return Buffer.byteLength(value, 'utf8') + 2;
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value).length;
    case 'undefined':
      return 4;
    case 'object':
      break;
    default:
      return 8;
  }
  if (value === null) return 4;
  if (value instanceof Date) return 26;
  // A Buffer becomes {"type":"Buffer","data":[…]}: up to four bytes for each of its bytes.
  if (value instanceof Uint8Array) return value.byteLength * 4 + 30;
  if (Array.isArray(value)) {
    let total = 2;
    for (const item of value) total += valueBytes(item) + 1;
    return total;
  }
  return rowBytes(value as Record<string, unknown>);
}

/**
 * Admits rows one at a time while they fit under a row cap and a byte cap. Once a row does not fit,
 * none after it does either (`full`), and `truncatedReason` says which cap stopped it.
 */
export class RowBudget {
  rows = 0;
  bytes = 0;
  truncatedReason: TruncatedReason | undefined;

  constructor(
    readonly maxRows: number = Number.POSITIVE_INFINITY,
    readonly maxBytes: number = Number.POSITIVE_INFINITY,
  ) {}

  get full(): boolean {
    return this.truncatedReason !== undefined;
  }

  /** Whether `row` may be kept; counts it if so. */
  admit(row: Record<string, unknown>): boolean {
    if (this.truncatedReason) return false;
    if (this.rows >= this.maxRows) {
      this.truncatedReason = 'ROW_CAP';
      return false;
    }
    if (this.maxBytes !== Number.POSITIVE_INFINITY) {
      const size = rowBytes(row);
      if (this.bytes + size > this.maxBytes) {
        this.truncatedReason = 'BYTE_CAP';
        return false;
      }
      this.bytes += size;
    }
    this.rows += 1;
    return true;
  }
}

/**
 * A result already in memory (an engine read without streaming) cut to `maxBytes`. Results a driver
 * already cut pass through unchanged, so this is safe to apply to any driver's answer.
 */
export function capResultBytes<R extends QueryResult>(result: R, maxBytes: number | undefined): R {
  if (maxBytes === undefined || result.rows.length === 0) return result;
  const budget = new RowBudget(Number.POSITIVE_INFINITY, maxBytes);
  let kept = 0;
  while (kept < result.rows.length && budget.admit(result.rows[kept] as Record<string, unknown>)) kept += 1;
  if (kept === result.rows.length) return result;
  return { ...result, rows: result.rows.slice(0, kept), rowCount: kept, truncated: true, truncatedReason: 'BYTE_CAP' };
}
