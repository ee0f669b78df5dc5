import type { BoolExp } from '../../plugins/drivers/row-query.js';
import { AppError, ErrorCode } from '../errors/app-error.js';
import type { StoredReadQuery } from '../store/schedule-tables.js';
import type { ReadQuery } from './query.service.js';

/** What a caller gives for an export or a schedule: SQL (with its parameters) or a typed row query, not both. */
export interface ReadQueryInput {
  sql?: string | null | undefined;
  params?: readonly unknown[] | null | undefined;
  rows?:
    | {
        table: string;
        schema?: string | null | undefined;
        columns?: readonly string[] | null | undefined;
        where?: Record<string, unknown> | null | undefined;
        orderBy?: readonly { column: string; direction: 'ASC' | 'DESC' }[] | null | undefined;
        limit?: number | null | undefined;
      }
    | null
    | undefined;
}

/**
 * The read as it is kept (schedules, export links): checked for shape here; its length, limits and
 * what it may touch are QueryService's business (checkRead, openRead), decided each time it runs.
 */
export function toStoredReadQuery(input: ReadQueryInput): StoredReadQuery {
  const hasSql = typeof input.sql === 'string';
  const hasRows = input.rows !== null && input.rows !== undefined;
  if (hasSql === hasRows) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, 'Give the query as sql or as rows, exactly one of them.', { field: 'query' });
  }
  if (hasSql) {
    const sql = (input.sql as string).trim();
    if (sql.length === 0) throw new AppError(ErrorCode.BAD_USER_INPUT, 'The SQL is empty.', { field: 'sql' });
    const params = [...(input.params ?? [])];
    if (params.length > 1_000) throw new AppError(ErrorCode.BAD_USER_INPUT, 'At most 1,000 parameters.', { field: 'params' });
    return { kind: 'SQL', sql, params };
  }
  if (input.params?.length) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, 'params go with sql; a rows query takes its values in where.', { field: 'params' });
  }
  const rows = input.rows as NonNullable<ReadQueryInput['rows']>;
  if (!rows.table) throw new AppError(ErrorCode.BAD_USER_INPUT, 'A rows query names its table.', { field: 'table' });
  return {
    kind: 'ROWS',
    table: rows.table,
    schema: rows.schema ?? null,
    columns: rows.columns?.length ? [...rows.columns] : null,
    where: rows.where ?? null,
    orderBy: rows.orderBy?.length ? rows.orderBy.map((o) => ({ column: o.column, direction: o.direction })) : null,
    limit: rows.limit ?? null,
  };
}

/** The stored read as QueryService.openRead takes it. */
export function toReadQuery(stored: StoredReadQuery): ReadQuery {
  if (stored.kind === 'SQL') return { kind: 'SQL', sql: stored.sql, params: stored.params };
  return {
    kind: 'ROWS',
    table: stored.table,
    schema: stored.schema,
    columns: stored.columns,
    where: (stored.where ?? undefined) as BoolExp | undefined,
    orderBy: stored.orderBy,
    limit: stored.limit,
  };
}
