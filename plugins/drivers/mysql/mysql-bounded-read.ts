import type { EventEmitter } from 'node:events';
import type { FieldPacket, PoolConnection } from 'mysql2/promise';
import type { RowBudget } from '../result-bytes.js';
import { UNSUPPORTED_IN_PREPARED_STATEMENT } from './mysql-errors.js';

export interface BoundedRows {
  fields: FieldPacket[];
  rows: Record<string, unknown>[];
}

/**
 * The byte cap was reached part way through a read: `result` holds the rows kept. The statement is
 * still sending, so its connection must be abandoned (destroyed, its session killed), never reused.
 */
export class StoppedAtByteCap extends Error {
  constructor(readonly result: BoundedRows) {
    super('the result reached its byte cap');
  }
}

interface StreamingConnection {
  execute(sql: string, values: unknown[]): EventEmitter;
  query(sql: string): EventEmitter;
}

/**
 * One read as a server-side prepared statement, its rows taken as they arrive and kept only while
 * `budget` admits them (the rest are dropped at once). At the byte cap it rejects with StoppedAtByteCap
 * instead of reading on.
 */
export function boundedRead(connection: PoolConnection, sql: string, values: unknown[], budget: RowBudget): Promise<BoundedRows> {
  const core = (connection as unknown as { connection: StreamingConnection }).connection;
  const run = (command: EventEmitter, fallback?: () => Promise<BoundedRows>) =>
    new Promise<BoundedRows>((resolve, reject) => {
      const kept: BoundedRows = { fields: [], rows: [] };
      let settled = false;
      command.on('fields', (fields: FieldPacket[] | undefined) => {
        if (fields && kept.fields.length === 0) kept.fields = fields;
      });
      command.on('result', (row: Record<string, unknown>) => {
        if (settled) return;
        if (budget.admit(row)) {
          kept.rows.push({ ...row });
        } else if (budget.truncatedReason === 'BYTE_CAP') {
          settled = true;
          reject(new StoppedAtByteCap(kept));
        }
      });
      command.on('end', () => {
        if (settled) return;
        settled = true;
        resolve(kept);
      });
      command.on('error', (error: unknown) => {
        if (settled) return;
        settled = true;
        // A few statements cannot be prepared; without parameters, sending the text is the same statement.
        if (fallback && (error as { errno?: unknown }).errno === UNSUPPORTED_IN_PREPARED_STATEMENT) resolve(fallback());
        else reject(error);
      });
    });
  return run(core.execute(sql, values), values.length === 0 ? () => run(core.query(sql)) : undefined);
}
