import { describe, expect, it } from 'vitest';
import { exportRows } from '../../../src/exports/export-writer.js';
import { AT, CollectingOutput, parseCsv, TRICKY_COLUMNS, TRICKY_ROWS } from './export-fixtures.js';

const iso = AT.toISOString();
const b64 = (bytes: Buffer) => bytes.toString('base64');

describe('CSV export', () => {
  it('round-trips commas, quotes, line breaks, unicode, nulls, dates, bigints, bytes and nested JSON', async () => {
    const output = new CollectingOutput();
    const summary = await exportRows('CSV', TRICKY_COLUMNS, TRICKY_ROWS, output);

    expect(summary).toEqual({ rows: TRICKY_ROWS.length, bytes: output.buffer.byteLength });
    expect(parseCsv(output.text)).toEqual([
      ['id', 'text', 'amount', 'at', 'big', 'doc', 'ok', 'bytes'],
      ['1', 'plain', '12.50', iso, '9007199254740993', '{"a":[1,"two",null],"b,\\"c\\"":{"d":true}}', 'true', b64(Buffer.from('hi\u0000there'))],
      ['2', 'comma, "quote" and\r\nCRLF\nLF', '-0.001', '', '-42', '[]', 'false', ''],
      ['3', 'unicode: naïve café 日本語 — emoji 👩‍💻🎉', '', '1970-01-01T00:00:00.000Z', '', '', '', ''],
      ['4', "'=cmd|' /C calc'!A0", '12345678901234567890.123', iso, '0', '{"formula":"SUM(A1:A2)"}', 'true', '/wCA'],
      ['-5', '', '1e3', iso, '1', 'a JSON string', 'false', ''],
      ['6', '', '0', iso, '2', '7', 'true', ''],
    ]);
  });

  it('ends every record with CRLF and quotes only fields that need it', async () => {
    const output = new CollectingOutput();
    await exportRows('CSV', [{ name: 'a', dataType: 'text' }, { name: 'b', dataType: 'text' }], [{ a: 'x y', b: 'say "hi"' }, { a: 'l1\nl2', b: 'p,q' }], output);
    expect(output.text).toBe('a,b\r\nx y,"say ""hi"""\r\n"l1\nl2","p,q"\r\n');
  });

  it('writes UTF-8 without a byte order mark unless bom is asked for', async () => {
    const plain = new CollectingOutput();
    await exportRows('CSV', [{ name: 'név', dataType: 'text' }], [{ név: 'ő' }], plain);
    expect([...plain.buffer.subarray(0, 3)]).not.toEqual([0xef, 0xbb, 0xbf]);
    expect(plain.text).toBe('név\r\nő\r\n');

    const excel = new CollectingOutput();
    await exportRows('CSV', [{ name: 'név', dataType: 'text' }], [{ név: 'ő' }], excel, { bom: true });
    expect([...excel.buffer.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(excel.buffer.subarray(3).toString('utf8')).toBe('név\r\nő\r\n');
  });

  it('guards formula-like text, including headers, but leaves numbers and numeric strings of numeric columns alone', async () => {
    const output = new CollectingOutput();
    const columns = [
      { name: '=HYPERLINK("x")', dataType: 'text' },
      { name: 'price', dataType: 'numeric(10,2)' },
      { name: 'note', dataType: 'text' },
    ];
    await exportRows(
      'CSV',
      columns,
      [
        { '=HYPERLINK("x")': '+1', price: '-12.50', note: '-12.50' },
        { '=HYPERLINK("x")': '@SUM(A1:A9)', price: -3, note: '\tTAB' },
        { '=HYPERLINK("x")': '\rCR', price: '-1e-3', note: '-=evil' },
        { '=HYPERLINK("x")': 7, price: '=1+1', note: -4n },
      ],
      output,
    );
    expect(parseCsv(output.text)).toEqual([
      [`'=HYPERLINK("x")`, 'price', 'note'],
      ["'+1", '-12.50', "'-12.50"],
      ["'@SUM(A1:A9)", '-3', "'\tTAB"],
      ["'\rCR", '-1e-3', "'-=evil"],
      ['7', "'=1+1", '-4'],
    ]);
  });

  it('writes only the header row for no rows', async () => {
    const output = new CollectingOutput();
    expect(await exportRows('CSV', TRICKY_COLUMNS, [], output)).toEqual({ rows: 0, bytes: 36 });
    expect(output.text).toBe('id,text,amount,at,big,doc,ok,bytes\r\n');
  });
});
