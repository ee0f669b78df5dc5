import { describe, expect, it } from 'vitest';
import { exportRows } from '../../../src/exports/export-writer.js';
import { AT, CollectingOutput, TRICKY_COLUMNS, TRICKY_ROWS } from './export-fixtures.js';

const iso = AT.toISOString();

/** The tricky rows as JSON gives them back: bigints and dates as strings, bytes base64, JSON nested. */
const EXPECTED = [
  { id: 1, text: 'plain', amount: '12.50', at: iso, big: '9007199254740993', doc: { a: [1, 'two', null], 'b,"c"': { d: true } }, ok: true, bytes: Buffer.from('hi\u0000there').toString('base64') },
  { id: 2, text: 'comma, "quote" and\r\nCRLF\nLF', amount: '-0.001', at: null, big: '-42', doc: [], ok: false, bytes: null },
  { id: 3, text: 'unicode: naïve café 日本語 — emoji 👩‍💻🎉', amount: null, at: '1970-01-01T00:00:00.000Z', big: null, doc: null, ok: null, bytes: '' },
  { id: 4, text: "=cmd|' /C calc'!A0", amount: '12345678901234567890.123', at: iso, big: '0', doc: { formula: 'SUM(A1:A2)' }, ok: true, bytes: '/wCA' },
  { id: -5, text: null, amount: '1e3', at: iso, big: '1', doc: 'a JSON string', ok: false, bytes: null },
  { id: 6, text: '', amount: '0', at: iso, big: '2', doc: 7, ok: true, bytes: null },
];

describe('JSON export', () => {
  it('round-trips tricky values as one array of objects, unaltered by the formula guard', async () => {
    const output = new CollectingOutput();
    const summary = await exportRows('JSON', TRICKY_COLUMNS, TRICKY_ROWS, output);
    expect(summary).toEqual({ rows: 6, bytes: output.buffer.byteLength });
    expect(JSON.parse(output.text)).toEqual(EXPECTED);
  });

  it('keeps the columns in result order and writes a missing value as null', async () => {
    const output = new CollectingOutput();
    await exportRows('JSON', [{ name: 'b', dataType: null }, { name: 'a', dataType: null }], [{ a: 1, b: 2 }, { a: 3 }], output);
    expect(output.text).toBe('[\n{"b":2,"a":1},\n{"b":null,"a":3}\n]\n');
  });

  it('writes valid JSON for no rows', async () => {
    const output = new CollectingOutput();
    expect(await exportRows('JSON', TRICKY_COLUMNS, [], output)).toEqual({ rows: 0, bytes: 3 });
    expect(JSON.parse(output.text)).toEqual([]);
  });

  it('handles column names that are Object.prototype members', async () => {
    const output = new CollectingOutput();
    const row = JSON.parse('{"__proto__":"p","constructor":"c"}') as Record<string, unknown>;
    await exportRows('JSON', [{ name: '__proto__', dataType: 'text' }, { name: 'constructor', dataType: 'text' }, { name: 'toString', dataType: 'text' }], [row], output);
    expect(output.text).toBe('[\n{"__proto__":"p","constructor":"c","toString":null}\n]\n');
  });
});

describe('NDJSON export', () => {
  it('round-trips tricky values, one object per line ended by a newline', async () => {
    const output = new CollectingOutput();
    const summary = await exportRows('NDJSON', TRICKY_COLUMNS, TRICKY_ROWS, output);
    expect(summary).toEqual({ rows: 6, bytes: output.buffer.byteLength });
    expect(output.text.endsWith('\n')).toBe(true);
    const lines = output.text.slice(0, -1).split('\n');
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual(EXPECTED);
  });

  it('writes nothing for no rows', async () => {
    const output = new CollectingOutput();
    expect(await exportRows('NDJSON', TRICKY_COLUMNS, [], output)).toEqual({ rows: 0, bytes: 0 });
    expect(output.text).toBe('');
    expect(output.writableFinished).toBe(true);
  });
});
