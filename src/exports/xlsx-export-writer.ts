import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { CellValue, Worksheet } from 'exceljs';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { drained, outputFailed, queuedBytesOf } from './export-output.js';
import type { ExportRowSource } from './export-rows.js';
import { eachRow } from './export-rows.js';
import type { ExportColumn } from './export-values.js';
import { base64Of, fitsExcelNumber, guardFormula, isNumericDataType, isNumericLiteral, jsonTextOf, valueOf } from './export-values.js';

/** A sheet holds 1,048,576 rows; one is the header. */
export const XLSX_MAX_DATA_ROWS = 1_048_575;

/** Sheet XML allowed to wait for compression (one exceljs batch) before the writer stops pulling rows. */
const PENDING_SHEET_BYTES = 64 * 1024;

/**
 * The value of one cell. Never a formula: strings are text cells (with the same `'` guard as CSV, so
 * the sheet stays safe when saved back as CSV), and objects are written as JSON text — exceljs would
 * otherwise read `{ formula }`, `{ richText }` or `{ hyperlink }` in a JSON column as cell markup.
 *
 * Numbers: JS numbers and bigints are numbers. A numeric string (pg `numeric`, `bigint`) is a number
 * only in a numeric column (by its dataType); anywhere else it is text, as the database typed it.
 * Either way a value with more than Excel's 15 significant digits stays text so no digit is lost.
 */
export function xlsxValueOf(value: unknown, numericColumn: boolean): CellValue {
  switch (typeof value) {
    case 'undefined':
      return null;
    case 'number':
      // XLSX has no NaN or Infinity.
      return Number.isFinite(value) ? value : guardFormula(String(value));
    case 'bigint': {
      const text = value.toString();
      return fitsExcelNumber(text) ? Number(value) : text;
    }
    case 'boolean':
      return value;
    case 'string':
      if (numericColumn && isNumericLiteral(value)) return fitsExcelNumber(value) ? Number(value) : value;
      return guardFormula(value);
    default:
      if (value === null) return null;
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
      if (value instanceof Uint8Array) return base64Of(value);
      return guardFormula(jsonTextOf(value));
  }
}

/** The parts of exceljs's (untyped) sheet stream that backpressure needs. */
interface SheetStreamInternals {
  pipes?: Writable[];
  buffers?: unknown[];
}

/**
 * Waits while compressed output is backed up. exceljs's streaming writer ignores backpressure: the
 * sheet's StreamBuf writes each 64 KiB of XML into the stream archiver reads the entry from (a
 * `readable-stream` 2 PassThrough in front of deflate) whatever `write()` returns. From there on
 * everything is piped with backpressure through deflate and archiver to the output, so a slow output
 * shows up as XML queued in that PassThrough; we wait for it to drain.
 * Before archiver has attached the sheet's stream, the XML gathers in the StreamBuf; we give archiver
 * turns of the event loop to attach it. A test pins these internals (exceljs 4.4).
 */
async function awaitSheetBackpressure(sheet: Worksheet, output: Writable, failure: Promise<never>): Promise<void> {
  const stream = (sheet as unknown as { stream?: SheetStreamInternals }).stream;
  const pipes = stream?.pipes;
  if (!pipes) {
    // Internals not as expected: fall back to the output's own signal, after letting the pipeline run.
    await Promise.race([nextTurn(), failure]);
    if (output.writableNeedDrain) await Promise.race([drained(output), failure]);
    return;
  }
  while (pipes.length === 0 && (stream.buffers?.length ?? 0) > 4) await Promise.race([nextTurn(), failure]);
  for (const pipe of pipes) {
    if (queuedBytesOf(pipe) >= PENDING_SHEET_BYTES) await Promise.race([drained(pipe), failure]);
  }
}

/** How often (in rows) the XLSX writer checks for backpressure. */
const CHECK_EVERY_ROWS = 32;

/**
 * One sheet with a frozen header row, written with exceljs's streaming writer (no shared strings, no
 * styles) and each row committed as it is added, so rows do not gather in memory. Resolves with the
 * row count and bytes written once the output has finished.
 *
 * exceljs is loaded here, on the first XLSX export, not when the gateway starts (it takes about 190 ms
 * to load, and most gateways never write a sheet).
 */
export async function writeXlsx(
  columns: readonly ExportColumn[],
  rows: ExportRowSource,
  output: Writable,
  options: { sheetName: string; maxRows?: number },
): Promise<{ rows: number; bytes: number }> {
  const maxRows = options.maxRows ?? XLSX_MAX_DATA_ROWS;
  const { default: ExcelJS } = await import('exceljs');
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.byteLength;
      callback(null, chunk);
    },
  });
  const piped = pipeline(counter, output);
  // Rejects as soon as the output fails, so no wait below can outlive it.
  const failure = piped.then(
    () => new Promise<never>(() => undefined),
    (error: unknown) => Promise.reject(outputFailed(error)),
  );
  failure.catch(() => undefined);

  // On failure the caller destroys `output`; the pipeline then tears down `counter` and what feeds it.
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: counter, useStyles: false, useSharedStrings: false });
  const sheet = workbook.addWorksheet(options.sheetName, { views: [{ state: 'frozen', ySplit: 1 }] });
  const names = columns.map((c) => c.name);
  const numeric = columns.map((c) => isNumericDataType(c.dataType));
  sheet.addRow(names.map(guardFormula)).commit();
  const count = await eachRow(rows, async (row, index) => {
    if (index >= maxRows) {
      throw new AppError(ErrorCode.ROW_LIMIT, `An XLSX sheet holds at most ${maxRows} rows; export as CSV or NDJSON instead.`, {
        limit: maxRows,
      });
    }
    const values: CellValue[] = new Array<CellValue>(names.length);
    for (let i = 0; i < names.length; i++) values[i] = xlsxValueOf(valueOf(row, names[i] as string), numeric[i] as boolean);
    sheet.addRow(values).commit();
    if (index % CHECK_EVERY_ROWS === CHECK_EVERY_ROWS - 1) await awaitSheetBackpressure(sheet, output, failure);
  });
  sheet.commit();
  await Promise.race([
    workbook.commit().catch((error: unknown) => Promise.reject(outputFailed(error))),
    failure,
  ]);
  await Promise.race([piped, failure]);
  return { rows: count, bytes };
}
