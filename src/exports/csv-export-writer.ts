import type { TextOutput } from './export-output.js';
import { base64Of, guardFormula, isNumericDataType, isNumericLiteral, jsonTextOf, valueOf, type ExportColumn } from './export-values.js';
import type { ExportRowSource } from './export-rows.js';
import { eachRow } from './export-rows.js';

/** A field is quoted when it holds a comma, a double quote, CR or LF (RFC 4180 §2.6). */
const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The text of one CSV cell. Numbers (and numeric strings in numeric columns) are written as they are,
 * so `-5` stays a negative number; every other text that a spreadsheet would run as a formula gets a
 * leading `'` (see guardFormula).
 */
export function csvTextOf(value: unknown, numericColumn: boolean): string {
  switch (typeof value) {
    case 'undefined':
      return '';
    case 'number':
      return Number.isFinite(value) ? String(value) : guardFormula(String(value));
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return numericColumn && isNumericLiteral(value) ? value : guardFormula(value);
    default:
      if (value === null) return '';
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : guardFormula(value.toISOString());
      if (value instanceof Uint8Array) return base64Of(value);
      return guardFormula(jsonTextOf(value));
  }
}

/** RFC 4180 CSV: a header row, CRLF after every record, UTF-8 (with a BOM only when asked, for Excel). */
export async function writeCsv(
  columns: readonly ExportColumn[],
  rows: ExportRowSource,
  output: TextOutput,
  options: { bom: boolean },
): Promise<number> {
  const names = columns.map((c) => c.name);
  const numeric = columns.map((c) => isNumericDataType(c.dataType));
  await output.write(`${options.bom ? '\uFEFF' : ''}${names.map((n) => csvField(guardFormula(n))).join(',')}\r\n`);
  return eachRow(rows, async (row) => {
    let line = '';
    for (let i = 0; i < names.length; i++) {
      if (i > 0) line += ',';
      line += csvField(csvTextOf(valueOf(row, names[i] as string), numeric[i] as boolean));
    }
    await output.write(`${line}\r\n`);
  });
}
