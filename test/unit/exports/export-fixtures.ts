import { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { ExportColumn } from '../../../src/exports/export-writer.js';

/** An output that keeps everything written to it. */
export class CollectingOutput extends Writable {
  readonly chunks: Buffer[] = [];

  constructor(options: { highWaterMark?: number } = {}) {
    super(options);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(chunk);
    callback();
  }

  get buffer(): Buffer {
    return Buffer.concat(this.chunks);
  }

  get text(): string {
    return this.buffer.toString('utf8');
  }
}

/**
 * A slow output (highWaterMark 1, each write accepted a few ms later) that records, at every call to
 * write(), how much was already queued: a writer that waits for 'drain' always finds the queue empty.
 */
export class SlowOutput extends CollectingOutput {
  readonly queuedAtWrite: number[] = [];
  onAccept: ((chunk: Buffer) => void) | undefined;

  constructor(private readonly delayMs = 1) {
    super({ highWaterMark: 1 });
  }

  override write(
    chunk: unknown,
    encoding?: BufferEncoding | ((error: Error | null | undefined) => void),
    callback?: (error: Error | null | undefined) => void,
  ): boolean {
    this.queuedAtWrite.push(this.writableLength);
    // Node takes a callback in the encoding position as the callback.
    return super.write(chunk, encoding as BufferEncoding, callback);
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    setTimeout(() => {
      this.onAccept?.(chunk);
      super._write(chunk, encoding, callback);
    }, this.delayMs);
  }
}

/** A small RFC 4180 parser: records end at CRLF; quoted fields may hold commas, quotes ("") and line breaks. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"' && field === '') {
      i++;
      for (;;) {
        const q = text[i];
        if (q === undefined) throw new Error('unterminated quoted field');
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += q;
        i++;
      }
      const next = text[i];
      if (next !== ',' && next !== '\r' && next !== undefined) throw new Error(`text after a closing quote at ${i}`);
      continue;
    }
    if (c === ',') {
      record.push(field);
      field = '';
      i++;
    } else if (c === '\r') {
      if (text[i + 1] !== '\n') throw new Error(`bare CR at ${i}`);
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 2;
    } else if (c === '\n' || c === '"') {
      throw new Error(`bare ${JSON.stringify(c)} in an unquoted field at ${i}`);
    } else {
      field += c;
      i++;
    }
  }
  if (field !== '' || record.length > 0) throw new Error('last record is not ended by CRLF');
  return records;
}

/** The first sheet of an XLSX file as cell values, row by row (header included). */
export async function readXlsx(buffer: Buffer): Promise<{ sheet: ExcelJS.Worksheet; rows: ExcelJS.CellValue[][] }> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(buffer as unknown as ExcelJS.Buffer);
  const sheet = workbook.worksheets[0];
  if (!sheet) throw new Error('no sheet');
  const rows: ExcelJS.CellValue[][] = [];
  const width = sheet.columnCount;
  sheet.eachRow({ includeEmpty: true }, (row) => {
    const values: ExcelJS.CellValue[] = [];
    for (let c = 1; c <= width; c++) values.push(row.getCell(c).value);
    rows.push(values);
  });
  return { sheet, rows };
}

export const TRICKY_COLUMNS: ExportColumn[] = [
  { name: 'id', dataType: 'integer' },
  { name: 'text', dataType: 'text' },
  { name: 'amount', dataType: 'numeric' },
  { name: 'at', dataType: 'timestamptz' },
  { name: 'big', dataType: 'bigint' },
  { name: 'doc', dataType: 'jsonb' },
  { name: 'ok', dataType: 'boolean' },
  { name: 'bytes', dataType: 'bytea' },
];

export const AT = new Date('2024-02-29T23:59:58.123Z');

/** Rows with the values that break naive writers. */
export const TRICKY_ROWS: Record<string, unknown>[] = [
  { id: 1, text: 'plain', amount: '12.50', at: AT, big: 9007199254740993n, doc: { a: [1, 'two', null], 'b,"c"': { d: true } }, ok: true, bytes: Buffer.from('hi\u0000there') },
  { id: 2, text: 'comma, "quote" and\r\nCRLF\nLF', amount: '-0.001', at: null, big: -42n, doc: [], ok: false, bytes: null },
  { id: 3, text: 'unicode: naïve café 日本語 — emoji 👩‍💻🎉', amount: null, at: new Date(0), big: null, doc: null, ok: null, bytes: Buffer.alloc(0) },
  { id: 4, text: "=cmd|' /C calc'!A0", amount: '12345678901234567890.123', at: AT, big: 0n, doc: { formula: 'SUM(A1:A2)' }, ok: true, bytes: Buffer.from([255, 0, 128]) },
  { id: -5, text: null, amount: '1e3', at: AT, big: 1n, doc: 'a JSON string', ok: false, bytes: null },
  { id: 6, text: '', amount: '0', at: AT, big: 2n, doc: 7, ok: true, bytes: null },
];

/** An async generator of `count` rows that reports how many it has handed out. */
export function countingRows(count: number, columns = 4): { rows: AsyncGenerator<Record<string, unknown>>; pulled: () => number; closed: () => boolean } {
  let pulled = 0;
  let closed = false;
  async function* generate(): AsyncGenerator<Record<string, unknown>> {
    try {
      for (let i = 0; i < count; i++) {
        pulled++;
        const row: Record<string, unknown> = { n: i };
        for (let c = 1; c < columns; c++) row[`c${c}`] = `row ${i} col ${c} ${((i * 2654435761) % 4294967296).toString(36)}`;
        yield row;
      }
    } finally {
      closed = true;
    }
  }
  return { rows: generate(), pulled: () => pulled, closed: () => closed };
}

export function countingColumns(columns = 4): ExportColumn[] {
  return [{ name: 'n', dataType: 'integer' }, ...Array.from({ length: columns - 1 }, (_, i) => ({ name: `c${i + 1}`, dataType: 'text' }))];
}
