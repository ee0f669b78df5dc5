import type { TextOutput } from './export-output.js';
import type { ExportColumn } from './export-values.js';
import { jsonTextOf, valueOf } from './export-values.js';
import type { ExportRowSource } from './export-rows.js';
import { eachRow } from './export-rows.js';

/**
 * Each row as one JSON object with the columns in result order. Values are written as the driver
 * gives them (a pg `numeric` string stays a string, so no digits are lost); bigints and non-finite
 * numbers become strings, Dates ISO 8601 strings, bytes base64, parsed JSON columns nested JSON.
 */
function objectWriter(columns: readonly ExportColumn[]): (row: Record<string, unknown>) => string {
  const names = columns.map((c) => c.name);
  const keys = names.map((n, i) => `${i === 0 ? '' : ','}${JSON.stringify(n)}:`);
  return (row) => {
    let text = '{';
    for (let i = 0; i < names.length; i++) text += (keys[i] as string) + jsonTextOf(valueOf(row, names[i] as string));
    return `${text}}`;
  };
}

/** One JSON array of objects, streamed: `[`, the objects separated by `,`, `]`; `[]` for no rows. */
export async function writeJson(columns: readonly ExportColumn[], rows: ExportRowSource, output: TextOutput): Promise<number> {
  const toObject = objectWriter(columns);
  await output.write('[');
  const count = await eachRow(rows, (row, index) => output.write(`${index === 0 ? '\n' : ',\n'}${toObject(row)}`));
  await output.write(count === 0 ? ']\n' : '\n]\n');
  return count;
}

/** Newline-delimited JSON: one object per line, each line ended by `\n`. */
export async function writeNdjson(columns: readonly ExportColumn[], rows: ExportRowSource, output: TextOutput): Promise<number> {
  const toObject = objectWriter(columns);
  return eachRow(rows, (row) => output.write(`${toObject(row)}\n`));
}
