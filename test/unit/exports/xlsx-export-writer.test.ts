import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/errors/app-error.js';
import { exportRows } from '../../../src/exports/export-writer.js';
import { writeXlsx } from '../../../src/exports/xlsx-export-writer.js';
import { AT, CollectingOutput, readXlsx, TRICKY_COLUMNS, TRICKY_ROWS } from './export-fixtures.js';

describe('XLSX export', () => {
  it('round-trips tricky values with numbers as numbers, dates as dates and guarded text', async () => {
    const output = new CollectingOutput();
    const summary = await exportRows('XLSX', TRICKY_COLUMNS, TRICKY_ROWS, output, { sheetName: 'Orders 2024' });
    expect(summary).toEqual({ rows: 6, bytes: output.buffer.byteLength });

    const { sheet, rows } = await readXlsx(output.buffer);
    expect(sheet.name).toBe('Orders 2024');
    expect(rows).toEqual([
      ['id', 'text', 'amount', 'at', 'big', 'doc', 'ok', 'bytes'],
      // 9007199254740993 has 16 significant digits: Excel would round it, so it stays text.
      [1, 'plain', 12.5, AT, '9007199254740993', '{"a":[1,"two",null],"b,\\"c\\"":{"d":true}}', true, Buffer.from('hi\u0000there').toString('base64')],
      // XML normalises a CR LF in text to LF.
      [2, 'comma, "quote" and\nCRLF\nLF', -0.001, null, -42, '[]', false, null],
      [3, 'unicode: naïve café 日本語 — emoji 👩‍💻🎉', null, new Date(0), null, null, null, expect.toBeOneOf([null, ''])],
      [4, "'=cmd|' /C calc'!A0", '12345678901234567890.123', AT, 0, '{"formula":"SUM(A1:A2)"}', true, '/wCA'],
      [-5, null, 1000, AT, 1, 'a JSON string', false, null],
      [6, expect.toBeOneOf([null, '']), 0, AT, 2, 7, true, null],
    ]);
  });

  it('never writes a formula cell, even for formula-like text or a JSON value shaped like exceljs cell markup', async () => {
    const output = new CollectingOutput();
    const columns = [{ name: '=1+1', dataType: 'text' }, { name: 'doc', dataType: 'jsonb' }, { name: 'n', dataType: 'text' }];
    await exportRows(
      'XLSX',
      columns,
      [
        { '=1+1': '=SUM(A1:A2)', doc: { formula: 'SUM(A1:A2)', result: 3 }, n: '-1' },
        { '=1+1': '@cmd', doc: { richText: [{ text: 'x' }] }, n: '+1' },
        { '=1+1': 'safe', doc: { hyperlink: 'http://evil', text: 'x' }, n: Number.NEGATIVE_INFINITY },
      ],
      output,
    );
    const { sheet, rows } = await readXlsx(output.buffer);
    sheet.eachRow((row) => row.eachCell((cell) => expect(cell.type).not.toBe(ExcelJS.ValueType.Formula)));
    expect(rows).toEqual([
      ["'=1+1", 'doc', 'n'],
      ["'=SUM(A1:A2)", '{"formula":"SUM(A1:A2)","result":3}', "'-1"],
      ["'@cmd", '{"richText":[{"text":"x"}]}', "'+1"],
      ['safe', '{"hyperlink":"http://evil","text":"x"}', "'-Infinity"],
    ]);
  });

  it('keeps numeric strings as text outside numeric columns', async () => {
    const output = new CollectingOutput();
    await exportRows('XLSX', [{ name: 'zip', dataType: 'character varying' }, { name: 'qty', dataType: 'bigint' }], [{ zip: '01234', qty: '17' }], output);
    expect((await readXlsx(output.buffer)).rows).toEqual([['zip', 'qty'], ['01234', 17]]);
  });

  it('writes a header-only sheet with a frozen header row and the default sheet name for no rows', async () => {
    const output = new CollectingOutput();
    expect((await exportRows('XLSX', TRICKY_COLUMNS, [], output)).rows).toBe(0);
    const { sheet, rows } = await readXlsx(output.buffer);
    expect(sheet.name).toBe('Export');
    expect(rows).toEqual([['id', 'text', 'amount', 'at', 'big', 'doc', 'ok', 'bytes']]);
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
  });

  it('stops with ROW_LIMIT once the rows would not fit in a sheet', async () => {
    const rows = Array.from({ length: 5 }, (_, n) => ({ n }));
    const output = new PassThrough().resume();
    await expect(writeXlsx([{ name: 'n', dataType: 'integer' }], rows, output, { sheetName: 'S', maxRows: 3 })).rejects.toMatchObject({
      code: ErrorCode.ROW_LIMIT,
      details: { limit: 3 },
    });
    const fits = new PassThrough().resume();
    await expect(writeXlsx([{ name: 'n', dataType: 'integer' }], rows, fits, { sheetName: 'S', maxRows: 5 })).resolves.toMatchObject({ rows: 5 });
  });

  it('relies on exceljs 4.4 sheet-stream internals for backpressure that are still there', async () => {
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: new PassThrough().resume(), useStyles: false, useSharedStrings: false });
    const sheet = workbook.addWorksheet('S');
    sheet.addRow(['x']).commit();
    const stream = (sheet as unknown as { stream?: { pipes?: unknown; buffers?: unknown } }).stream;
    expect(Array.isArray(stream?.pipes)).toBe(true);
    expect(Array.isArray(stream?.buffers)).toBe(true);
    await workbook.commit();
    expect(stream?.pipes).toHaveLength(1);
  });
});
