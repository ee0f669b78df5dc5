import { describe, expect, it } from 'vitest';
import { fitsExcelNumber, guardFormula, isNumericDataType, jsonTextOf } from '../../../src/exports/export-values.js';

describe('export values', () => {
  it('prefixes text that a spreadsheet would run as a formula with a single quote', () => {
    for (const text of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx', "=cmd|' /C calc'!A0"]) expect(guardFormula(text)).toBe(`'${text}`);
    for (const text of ['', 'a=b', ' =x', "'quoted", '1-2']) expect(guardFormula(text)).toBe(text);
  });

  it('recognises numeric column types of postgres, mysql and mongodb, but not money or text', () => {
    for (const t of ['numeric', 'NUMERIC(10, 2)', 'bigint', 'integer', 'double precision', 'real', 'DECIMAL', 'BIGINT UNSIGNED', 'int|null', 'double|int'])
      expect(isNumericDataType(t), t).toBe(true);
    for (const t of [null, 'money', 'text', 'character varying', 'int|string', 'null', 'numeric[]', 'interval'])
      expect(isNumericDataType(t), String(t)).toBe(false);
  });

  it('keeps a number as an Excel number only when its 15 significant digits hold it', () => {
    for (const n of ['0', '-0.001', '123456789012345', '1e3', '0.000000000000123456789012345', '1000000000000000000000']) expect(fitsExcelNumber(n), n).toBe(true);
    for (const n of ['1234567890123456', '9007199254740993', '12345678901234567890.123', '1e400', '1e-400']) expect(fitsExcelNumber(n), n).toBe(false);
  });

  it('writes values JSON cannot hold as strings and bytes as base64', () => {
    expect(jsonTextOf(12n)).toBe('"12"');
    expect(jsonTextOf(Number.NaN)).toBe('"NaN"');
    expect(jsonTextOf(new Date('invalid'))).toBe('null');
    expect(jsonTextOf(undefined)).toBe('null');
    expect(JSON.parse(jsonTextOf({ big: 1n, bytes: Buffer.from('hi'), at: new Date(0), inf: -Infinity, arr: [Uint8Array.of(1, 2)] }))).toEqual({
      big: '1',
      bytes: 'aGk=',
      at: '1970-01-01T00:00:00.000Z',
      inf: '-Infinity',
      arr: ['AQI='],
    });
  });
});
