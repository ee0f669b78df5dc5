import type { Writable } from 'node:stream';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { writeCsv } from './csv-export-writer.js';
import { assertExportFormat, type ExportFormat } from './export-format.js';
import { TextOutput } from './export-output.js';
import type { ExportRowSource } from './export-rows.js';
import type { ExportColumn } from './export-values.js';
import { writeJson, writeNdjson } from './json-export-writer.js';
import { writeXlsx } from './xlsx-export-writer.js';

export { contentTypeOf, EXPORT_FORMATS, fileExtensionOf, isExportFormat, type ExportFormat } from './export-format.js';
export type { ExportRowSource } from './export-rows.js';
export type { ExportColumn } from './export-values.js';

export interface ExportOptions {
  /** XLSX only: the sheet's name (Excel rules: 1–31 characters, none of `: \ / ? * [ ]`, not `History`). Default `Export`. */
  sheetName?: string;
  /** CSV only: start with a UTF-8 byte order mark, which Excel needs to read non-ASCII text. Default false. */
  bom?: boolean;
}

export interface ExportSummary {
  rows: number;
  /** Bytes written to the output. */
  bytes: number;
}

const DEFAULT_SHEET_NAME = 'Export';

/**
 * Writes a result to `output` in `format`, pulling rows one at a time and waiting for the output to
 * drain, so memory stays flat however many rows there are; ends `output` and resolves once it has
 * finished. Bad options throw BAD_USER_INPUT before anything is written. If the rows or the output
 * fail part way, `output` is destroyed with the error (a truncated file must not look complete) and
 * the error is rethrown: the source's own error, or INTERNAL for an output that failed or closed.
 */
export async function exportRows(
  format: ExportFormat,
  columns: readonly ExportColumn[],
  rows: ExportRowSource,
  output: Writable,
  options: ExportOptions = {},
): Promise<ExportSummary> {
  assertExportFormat(format);
  checkColumns(columns);
  checkOptions(format, options);
  try {
    if (format === 'XLSX') return await writeXlsx(columns, rows, output, { sheetName: options.sheetName ?? DEFAULT_SHEET_NAME });
    const text = new TextOutput(output);
    let count: number;
    if (format === 'CSV') count = await writeCsv(columns, rows, text, { bom: options.bom ?? false });
    else if (format === 'JSON') count = await writeJson(columns, rows, text);
    else count = await writeNdjson(columns, rows, text);
    await text.end();
    return { rows: count, bytes: text.bytes };
  } catch (error) {
    if (!output.destroyed) output.destroy(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}

function checkColumns(columns: readonly ExportColumn[]): void {
  if (columns.length === 0) throw new AppError(ErrorCode.BAD_USER_INPUT, 'An export needs at least one column.', { field: 'columns' });
  const seen = new Set<string>();
  for (const column of columns) {
    if (typeof column.name !== 'string') throw new AppError(ErrorCode.BAD_USER_INPUT, 'Every export column needs a name.', { field: 'columns' });
    // Rows are objects keyed by column name, so a repeated name would show one value under both headers.
    if (seen.has(column.name)) {
      throw new AppError(ErrorCode.BAD_USER_INPUT, `The column name "${column.name}" appears twice; give the columns distinct aliases.`, {
        field: 'columns',
      });
    }
    seen.add(column.name);
  }
}

/** Excel's rules for sheet names. */
const SHEET_NAME_FORBIDDEN = /[:\\/?*[\]]/;

function checkOptions(format: ExportFormat, options: ExportOptions): void {
  if (options.bom !== undefined) {
    if (format !== 'CSV') throw new AppError(ErrorCode.BAD_USER_INPUT, 'The bom option applies to CSV exports only.', { field: 'bom' });
    if (typeof options.bom !== 'boolean') throw new AppError(ErrorCode.BAD_USER_INPUT, 'The bom option must be true or false.', { field: 'bom' });
  }
  if (options.sheetName !== undefined) {
    if (format !== 'XLSX') throw new AppError(ErrorCode.BAD_USER_INPUT, 'The sheetName option applies to XLSX exports only.', { field: 'sheetName' });
    const name = options.sheetName;
    if (
      typeof name !== 'string' ||
      name.length === 0 ||
      name.length > 31 ||
      SHEET_NAME_FORBIDDEN.test(name) ||
      name.startsWith("'") ||
      name.endsWith("'") ||
      name.toLowerCase() === 'history'
    ) {
      throw new AppError(
        ErrorCode.BAD_USER_INPUT,
        "A sheet name has 1 to 31 characters, none of : \\ / ? * [ ], and does not start or end with ', and is not History.",
        { field: 'sheetName' },
      );
    }
  }
}
