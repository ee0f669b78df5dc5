/**
 * The contract between Warden and a database engine. Everything outside plugins/drivers works through
 * it and never through an engine's own client library.
 */
export interface DriverQueryResult {
  rows: Record<string, unknown>[];
  /** Rows returned, or rows changed for a write. */
  rowCount: number;
}

export interface StatementRunner {
  execute(sql: string, params?: readonly unknown[]): Promise<DriverQueryResult>;
}

export interface DatabaseDriver extends StatementRunner {
  readonly engine: string;
  /** Round-trips to the database; throws an AppError(DATABASE_UNAVAILABLE) when it cannot. */
  testConnection(): Promise<void>;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: StatementRunner) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
