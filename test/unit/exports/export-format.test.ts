import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/errors/app-error.js';
import { contentTypeOf, EXPORT_FORMATS, fileExtensionOf, isExportFormat, type ExportFormat } from '../../../src/exports/export-writer.js';

describe('export formats', () => {
  it('gives each format its content type and file extension', () => {
    expect(EXPORT_FORMATS.map((f) => [f, contentTypeOf(f), fileExtensionOf(f)])).toEqual([
      ['CSV', 'text/csv; charset=utf-8; header=present', 'csv'],
      ['JSON', 'application/json; charset=utf-8', 'json'],
      ['NDJSON', 'application/x-ndjson; charset=utf-8', 'ndjson'],
      ['XLSX', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'xlsx'],
    ]);
  });

  it('rejects an unknown format as bad user input', () => {
    expect(isExportFormat('csv')).toBe(false);
    expect(() => contentTypeOf('PDF' as ExportFormat)).toThrow(expect.objectContaining({ code: ErrorCode.BAD_USER_INPUT }));
    expect(() => fileExtensionOf('PDF' as ExportFormat)).toThrow(expect.objectContaining({ code: ErrorCode.BAD_USER_INPUT }));
  });
});
