import { PGlite, type Transaction } from '@electric-sql/pglite';
import { AppError, ErrorCode } from '../../../src/errors/app-error.js';
import type { DatabaseDriver, DriverQueryResult, StatementRunner } from '../driver.js';
import { openPGliteClient } from './pglite-client.js';

export interface PGliteDriverConfig {
  /** A folder, or `memory://` for a database that lives only as long as the process. */
  dataDir: string;
}

/** The embedded Postgres: one PGlite instance in a folder of this machine. */
export class PGliteDriver implements DatabaseDriver {
  readonly engine = 'pglite';

  private constructor(private readonly client: PGlite) {}

  static async open(config: PGliteDriverConfig): Promise<PGliteDriver> {
    try {
      return new PGliteDriver(await openPGliteClient(config.dataDir));
    } catch (error) {
      throw new AppError(ErrorCode.DATABASE_UNAVAILABLE, 'The embedded database could not be opened.', undefined, {
        cause: error,
      });
    }
  }

  async testConnection(): Promise<void> {
    await this.execute('select 1');
  }

  async execute(sql: string, params: readonly unknown[] = []): Promise<DriverQueryResult> {
    return run(this.client, sql, params);
  }

  async transaction<T>(work: (tx: StatementRunner) => Promise<T>): Promise<T> {
    return this.client.transaction((tx) => work({ execute: (sql, params = []) => run(tx, sql, params) }));
  }

  async close(): Promise<void> {
    if (!this.client.closed) await this.client.close();
  }
}

async function run(client: PGlite | Transaction, sql: string, params: readonly unknown[]): Promise<DriverQueryResult> {
  if (client instanceof PGlite && client.closed) {
    throw new AppError(ErrorCode.DATABASE_UNAVAILABLE, 'The embedded database is closed.');
  }
  const result = await client.query<Record<string, unknown>>(sql, [...params]);
  return { rows: result.rows, rowCount: result.affectedRows || result.rows.length };
}
