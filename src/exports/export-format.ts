import { AppError, ErrorCode } from '../errors/app-error.js';

/** The file formats a query result can be exported as. */
export type ExportFormat = 'CSV' | 'JSON' | 'NDJSON' | 'XLSX';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['CSV', 'JSON', 'NDJSON', 'XLSX'];

const CONTENT_TYPES: Readonly<Record<ExportFormat, string>> = {
  // RFC 4180 registers text/csv; the header parameter (RFC 7111) tells readers the first line is names.
  CSV: 'text/csv; charset=utf-8; header=present',
  JSON: 'application/json; charset=utf-8',
  NDJSON: 'application/x-ndjson; charset=utf-8',
  XLSX: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

const FILE_EXTENSIONS: Readonly<Record<ExportFormat, string>> = {
  CSV: 'csv',
  JSON: 'json',
  NDJSON: 'ndjson',
  XLSX: 'xlsx',
};

export function isExportFormat(value: unknown): value is ExportFormat {
  return typeof value === 'string' && (EXPORT_FORMATS as readonly string[]).includes(value);
}

/** Throws BAD_USER_INPUT unless `value` is one of the export formats (for callers reaching us from plain JS). */
export function assertExportFormat(value: unknown): asserts value is ExportFormat {
  if (!isExportFormat(value)) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, `Unknown export format; use one of ${EXPORT_FORMATS.join(', ')}.`, { field: 'format' });
  }
}

/** The `Content-Type` to serve an export with. */
export function contentTypeOf(format: ExportFormat): string {
  assertExportFormat(format);
  return CONTENT_TYPES[format];
}

/** The file name extension for an export, without the dot: `csv`, `json`, `ndjson`, `xlsx`. */
export function fileExtensionOf(format: ExportFormat): string {
  assertExportFormat(format);
  return FILE_EXTENSIONS[format];
}
