/**
 * What the CLI writes on stdout: aligned tables for people, JSON for programs. Tables are plain text
 * (no colour, no box drawing) so they survive pipes, logs and `grep`.
 */
export interface Output {
  /** The data as JSON (`--json`), or a table, or lines, for people. */
  readonly json: boolean;
  write(text: string): void;
  table(headers: readonly string[], rows: readonly (readonly string[])[], empty?: string): void;
  value(data: unknown): void;
}

export function createOutput(json: boolean, stream: NodeJS.WritableStream = process.stdout): Output {
  return {
    json,
    write: (text) => void stream.write(text),
    table: (headers, rows, empty) => void stream.write(rows.length === 0 && empty ? `${empty}\n` : renderTable(headers, rows)),
    value: (data) => void stream.write(`${JSON.stringify(data, null, 2)}\n`),
  };
}

/** Columns padded to their widest cell, two spaces apart; the last column is not padded. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = columnWidths(headers, rows);
  return [headers, ...rows].map((row) => renderRow(row, widths)).join('\n') + '\n';
}

export function columnWidths(headers: readonly string[], rows: readonly (readonly string[])[]): number[] {
  return headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
}

export function renderRow(row: readonly string[], widths: readonly number[]): string {
  return row
    .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
    .join('  ')
    .trimEnd();
}

/** One cell: '-' for nothing, lists joined, objects as JSON, line breaks shown as \n. */
export function cell(value: unknown, missing = '-'): string {
  if (value === null || value === undefined) return missing;
  if (Array.isArray(value)) return value.length === 0 ? missing : value.map((v) => cell(v, 'null')).join(', ');
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.replace(/\r?\n/g, '\\n');
}

/** 2026-05-01T10:15:30.123Z as 2026-05-01 10:15:30Z: to the second, still UTC and still sortable. */
export function time(iso: string | null | undefined): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-';
}
