import pg from 'pg';
import type { RowBudget } from '../result-bytes.js';

export interface BoundedResult {
  fields: pg.FieldDef[];
  command: string;
  rowCount: number | null;
  /** The rows the budget admitted, in order. */
  rows: Record<string, unknown>[];
  /** True when the statement was stopped part way (the connection is then dead and must be destroyed). */
  stopped: boolean;
}

/**
 * Runs one statement (extended protocol, parameters bound by the server) and keeps each row as it
 * arrives only while `budget` admits it; rows after that are dropped at once, never held. When `stop` is
 * set and the byte cap is reached, the connection is closed under the statement, so the server stops
 * sending too (the caller must then destroy the connection, never reuse it). Only for statements whose
 * effect does not depend on finishing: reads.
 */
export function boundedQuery(
  client: pg.PoolClient,
  text: string,
  values: readonly unknown[],
  budget: RowBudget,
  stop: boolean,
): Promise<BoundedResult> {
  return new Promise((resolve, reject) => {
    const rows: Record<string, unknown>[] = [];
    let fields: pg.FieldDef[] = [];
    let stopped = false;
    const query = new pg.Query({ text, values: [...values], queryMode: 'extended' } as pg.QueryConfig);
    query.on('row', (row: Record<string, unknown>, result?: pg.QueryResult) => {
      if (stopped) return;
      if (result) fields = result.fields;
      if (budget.admit(row)) {
        rows.push(row);
      } else if (stop && budget.truncatedReason === 'BYTE_CAP') {
        stopped = true;
        (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
      }
    });
    query.on('end', (result: pg.QueryResult) => {
      resolve({ fields: result.fields ?? fields, command: result.command, rowCount: result.rowCount, rows, stopped });
    });
    query.on('error', (error: Error) => {
      if (stopped) resolve({ fields, command: 'SELECT', rowCount: rows.length, rows, stopped });
      else reject(error);
    });
    client.query(query);
  });
}
