import { AppError, ErrorCode } from '../errors/app-error.js';

/** Result rows, pulled one at a time: an async generator over a cursor, or an array. */
export type ExportRowSource = AsyncIterable<Record<string, unknown>> | Iterable<Record<string, unknown>>;

/**
 * Pulls rows one by one and awaits `write` for each before pulling the next, so at most one row is
 * held here and a slow output slows the source. Returns how many rows there were.
 */
export async function eachRow(
  rows: ExportRowSource,
  write: (row: Record<string, unknown>, index: number) => Promise<void> | void,
): Promise<number> {
  let count = 0;
  for await (const row of rows) {
    if (row === null || typeof row !== 'object') {
      throw new AppError(ErrorCode.BAD_USER_INPUT, `Row ${count + 1} of the export is not an object.`, { row: count + 1 });
    }
    await write(row, count);
    count++;
  }
  return count;
}
