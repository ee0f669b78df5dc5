import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../../src/errors/app-error.js';
import { exportRows, type ExportFormat, type ExportOptions } from '../../../src/exports/export-writer.js';
import { CollectingOutput, countingColumns, countingRows, readXlsx, SlowOutput, TRICKY_COLUMNS, TRICKY_ROWS } from './export-fixtures.js';

const TEXT_FORMATS: ExportFormat[] = ['CSV', 'JSON', 'NDJSON'];
const ALL_FORMATS: ExportFormat[] = [...TEXT_FORMATS, 'XLSX'];

describe('exportRows', () => {
  it.each(TEXT_FORMATS)('%s: a slow output with highWaterMark 1 gets every byte in order, written only after each drain', async (format) => {
    const { rows } = countingRows(3_000);
    const slow = new SlowOutput(0);
    const summary = await exportRows(format, countingColumns(), rows, slow);

    const fast = new CollectingOutput();
    await exportRows(format, countingColumns(), countingRows(3_000).rows, fast);
    expect(summary.rows).toBe(3_000);
    expect(slow.text).toBe(fast.text);
    expect(slow.queuedAtWrite.length).toBeGreaterThan(10);
    expect(Math.max(...slow.queuedAtWrite)).toBe(0);
  });

  it('XLSX: a slow output with highWaterMark 1 gets a complete workbook, written only after each drain', async () => {
    const { rows } = countingRows(3_000);
    const slow = new SlowOutput(0);
    const summary = await exportRows('XLSX', countingColumns(), rows, slow);
    expect(summary).toEqual({ rows: 3_000, bytes: slow.buffer.byteLength });
    const read = await readXlsx(slow.buffer);
    expect(read.rows).toHaveLength(3_001);
    expect(read.rows.slice(1).map((r) => r[0])).toEqual(Array.from({ length: 3_000 }, (_, i) => i));
    expect(Math.max(...slow.queuedAtWrite)).toBe(0);
  });

  it.each(TEXT_FORMATS)('%s: pulls a 50,000-row async source lazily, never more than a chunk ahead of the output', async (format) => {
    const source = countingRows(50_000);
    const slow = new SlowOutput(0);
    let accepted = format === 'CSV' ? -1 : 0; // lines accepted; CSV starts with its header line
    let maxAhead = 0;
    slow.onAccept = (chunk) => {
      maxAhead = Math.max(maxAhead, source.pulled() - Math.max(accepted, 0));
      for (const byte of chunk) if (byte === 0x0a) accepted++;
    };
    const summary = await exportRows(format, countingColumns(), source.rows, slow);
    expect(summary.rows).toBe(50_000);
    // A chunk is ~16 KiB; rows here are ≥ 60 bytes, so ≤ ~280 rows are in flight at any time.
    expect(maxAhead).toBeLessThanOrEqual(300);
    expect(maxAhead).toBeGreaterThan(0);
  });

  it('XLSX: pulls a 50,000-row async source only as fast as a slow output takes the workbook', async () => {
    const source = countingRows(50_000);
    const slow = new SlowOutput(0);
    const pulledAtBytes: { bytes: number; pulled: number }[] = [];
    let bytes = 0;
    slow.onAccept = (chunk) => {
      bytes += chunk.byteLength;
      pulledAtBytes.push({ bytes, pulled: source.pulled() });
    };
    const summary = await exportRows('XLSX', countingColumns(), source.rows, slow);
    expect(summary.rows).toBe(50_000);
    // The output's share of the file tells roughly how many rows it has taken. What the writer holds
    // beyond that is the pipeline's fixed buffers (≤ 64 KiB of sheet XML, then ~16 KiB per stream
    // stage of compressed bytes: about 10,000 of these small, well-compressed rows), not the source.
    const rowsPerByte = summary.rows / summary.bytes;
    const maxAhead = Math.max(...pulledAtBytes.map((p) => p.pulled - p.bytes * rowsPerByte));
    expect(maxAhead).toBeLessThan(15_000);
    expect(pulledAtBytes.filter((p) => p.pulled < 25_000).length).toBeGreaterThan(10);
  });

  it.each(ALL_FORMATS)('%s: accepts a plain array as the row source', async (format) => {
    const output = new CollectingOutput();
    expect(await exportRows(format, TRICKY_COLUMNS, TRICKY_ROWS, output)).toEqual({ rows: 6, bytes: output.buffer.byteLength });
    expect(output.writableFinished).toBe(true);
  });

  it.each(ALL_FORMATS)('%s: a failing source rejects with its error and destroys the output instead of ending it', async (format) => {
    const boom = new AppError(ErrorCode.DATABASE_UNAVAILABLE, 'connection lost');
    async function* rows(): AsyncGenerator<Record<string, unknown>> {
      for (let n = 0; n < 1_000; n++) yield { n };
      throw boom;
    }
    const output = new PassThrough();
    output.resume();
    let ended = false;
    output.on('finish', () => (ended = true));
    output.on('error', () => undefined);
    await expect(exportRows(format, [{ name: 'n', dataType: 'integer' }], rows(), output)).rejects.toBe(boom);
    expect(output.destroyed).toBe(true);
    expect(ended).toBe(false);
  });

  it.each(ALL_FORMATS)('%s: an output that goes away stops the export and closes the source', async (format) => {
    const source = countingRows(1_000_000);
    let seen = 0;
    const output = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, callback) {
        seen += chunk.byteLength;
        if (seen > 64 * 1024) this.destroy(new Error('client went away'));
        else setImmediate(callback);
      },
    });
    output.on('error', () => undefined);
    await expect(exportRows(format, countingColumns(), source.rows, output)).rejects.toMatchObject({ code: ErrorCode.INTERNAL });
    expect(source.closed()).toBe(true);
    expect(source.pulled()).toBeLessThan(1_000_000);
  });

  it.each<[string, ExportFormat, ExportOptions]>([
    ['bom on JSON', 'JSON', { bom: true }],
    ['bom on XLSX', 'XLSX', { bom: false }],
    ['sheetName on CSV', 'CSV', { sheetName: 'S' }],
    ['an empty sheet name', 'XLSX', { sheetName: '' }],
    ['a sheet name over 31 characters', 'XLSX', { sheetName: 'x'.repeat(32) }],
    ['a sheet name with [ ]', 'XLSX', { sheetName: 'a[1]' }],
    ['a sheet name starting with a quote', 'XLSX', { sheetName: "'a" }],
    ['the reserved sheet name History', 'XLSX', { sheetName: 'history' }],
  ])('rejects %s as bad user input before writing anything', async (_label, format, options) => {
    const output = new CollectingOutput();
    await expect(exportRows(format, TRICKY_COLUMNS, TRICKY_ROWS, output, options)).rejects.toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
    expect(output.chunks).toEqual([]);
    expect(output.destroyed).toBe(false);
  });

  it('rejects no columns, repeated column names and an unknown format as bad user input', async () => {
    const output = new CollectingOutput();
    await expect(exportRows('CSV', [], [], output)).rejects.toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
    await expect(exportRows('CSV', [{ name: 'id', dataType: null }, { name: 'id', dataType: null }], [], output)).rejects.toMatchObject({
      code: ErrorCode.BAD_USER_INPUT,
      message: expect.stringContaining('"id"'),
    });
    await expect(exportRows('csv' as ExportFormat, TRICKY_COLUMNS, [], output)).rejects.toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
    expect(output.chunks).toEqual([]);
  });

  it('rejects a row that is not an object', async () => {
    const output = new PassThrough().resume();
    output.on('error', () => undefined);
    await expect(exportRows('NDJSON', [{ name: 'a', dataType: null }], [{ a: 1 }, null as unknown as Record<string, unknown>], output)).rejects.toMatchObject({
      code: ErrorCode.BAD_USER_INPUT,
      details: { row: 2 },
    });
  });
});
