/**
 * Value conversions shared by the export writers. Rows arrive as the drivers give them: strings,
 * numbers, bigints, booleans, Dates, Buffers, parsed JSON (objects and arrays), null.
 */

/** A column of the result being exported, as drivers describe it (`QueryResult.columns`). */
export interface ExportColumn {
  name: string;
  dataType: string | null;
}

/**
 * Spreadsheet programs run a cell starting with one of these as a formula (OWASP "CSV injection").
 * Text starting with them gets a leading `'`, which Excel and LibreOffice show as plain text.
 */
const FORMULA_TRIGGER = /^[=+\-@\t\r]/;

/** Prefixes text a spreadsheet would treat as a formula with a single quote. */
export function guardFormula(text: string): string {
  return FORMULA_TRIGGER.test(text) ? `'${text}` : text;
}

/** A plain decimal literal as `numeric`/`bigint` columns arrive from pg and mysql2: `-12.50`, `1e-7`. */
const NUMERIC_LITERAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export function isNumericLiteral(text: string): boolean {
  return NUMERIC_LITERAL.test(text);
}

/** Type names (postgres, mysql/mariadb, mongodb's `int|null` unions) whose values are numbers. */
const NUMERIC_TYPE =
  /^(?:smallint|integer|bigint|int|int2|int4|int8|tinyint|mediumint|numeric|decimal|dec|real|float|float4|float8|double|double precision|long|number)(?:\s*\(\s*\d+(?:\s*,\s*\d+)?\s*\))?(?:\s+unsigned)?$/i;

/**
 * Whether a column holds numbers, so that a numeric string in it (pg returns `numeric` and `bigint`
 * as strings to keep their precision) is a number, not text. `money` is left out: it arrives
 * formatted for a locale (`$1,000.00`).
 */
export function isNumericDataType(dataType: string | null): boolean {
  if (dataType === null) return false;
  const parts = dataType.split('|').filter((p) => p.trim().toLowerCase() !== 'null');
  return parts.length > 0 && parts.every((p) => NUMERIC_TYPE.test(p.trim()));
}

/** Base64 of a Buffer or any other byte array. */
export function base64Of(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * JSON.stringify replacer for nested values: bigint and non-finite numbers (which JSON cannot hold)
 * become strings, bytes become base64 (instead of Buffer's `{ type, data }`). `this[key]` is the
 * value before `toJSON`, which is how a Buffer is still recognisable here.
 */
function replaceForJson(this: unknown, key: string, value: unknown): unknown {
  const original = (this as Record<string, unknown>)[key];
  if (original instanceof Uint8Array) return base64Of(original);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

/** JSON text of any value a row can hold; `undefined` (a missing column) is `null`. */
export function jsonTextOf(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : `"${String(value)}"`;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return `"${value.toString()}"`;
    case 'undefined':
      return 'null';
    default:
      if (value === null) return 'null';
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'null' : `"${value.toISOString()}"`;
      return JSON.stringify(value, replaceForJson) ?? 'null';
  }
}

/** A row's value for a column; own properties only, so a column named `__proto__` or `constructor` is safe. */
export function valueOf(row: Record<string, unknown>, column: string): unknown {
  return Object.hasOwn(row, column) ? row[column] : undefined;
}

/**
 * Whether a decimal literal survives as an Excel number: Excel keeps 15 significant digits, so a
 * literal with more (a 19-digit bigint id, a `numeric(30,10)`) would silently lose digits.
 */
export function fitsExcelNumber(literal: string): boolean {
  const mantissa = literal.replace(/^[+-]/, '').replace(/[eE].*$/, '').replace('.', '');
  const significant = mantissa.replace(/^0+/, '').replace(/0+$/, '');
  if (significant.length > 15) return false;
  const number = Number(literal);
  // 1e400 is Infinity and 1e-400 is 0: out of range for a double, so keep the text.
  return Number.isFinite(number) && (number !== 0 || significant.length === 0);
}
