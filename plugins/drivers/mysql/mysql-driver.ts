import type { FieldPacket, PoolConnection, QueryResult as MysqlQueryResult } from 'mysql2/promise';
import { AppError, ErrorCode, isAppError } from '../../../src/errors/app-error.js';
import type { Catalog } from '../catalog.js';
import type {
  ConnectionCheck,
  DatabaseDriver,
  DriverFactory,
  DriverStatus,
  ExecuteOptions,
  PlanEstimate,
  PoolSettings,
  PoolUse,
  QueryResult,
} from '../driver.js';
import { addressOf, EndpointPools } from '../endpoints.js';
import { describeNetworkConfig, networkConfigSchema, parseNetworkConnectionString, type NetworkConfig } from '../network-config.js';
import { columnTypeName } from './mysql-column-type.js';
import {
  connectRefusal,
  lostConnectionReason,
  queryTimeout,
  statementError,
  unavailable,
  UNSUPPORTED_IN_PREPARED_STATEMENT,
} from './mysql-errors.js';
import { introspectDatabase } from './mysql-introspector.js';
import { boundedRead, StoppedAtByteCap } from './mysql-bounded-read.js';
import { mysqlPlanEstimate } from './mysql-plan-estimate.js';
import { RowBudget } from '../result-bytes.js';
import {
  acquireConnection,
  closeEndpointPool,
  openEndpointPool,
  poolCounts,
  prepareSession,
  serverVersion,
  type EndpointPool,
} from './mysql-pool.js';

export type MysqlConfig = NetworkConfig;

/** MySQL 5.7+ and MariaDB 10.3+, reached over the network, through mysql2. */
export const mysqlDriverFactory: DriverFactory<MysqlConfig> = {
  engine: 'mysql',
  description: 'MySQL or MariaDB over the network (mysql2), with failover endpoints.',
  configSchema: networkConfigSchema,
  secretFields: ['password'],
  parseConnectionString: (connectionString) => parseNetworkConnectionString(connectionString, ['mysql', 'mariadb'], 3306),
  describe: (config) => describeNetworkConfig('mysql', config),
  create: (config, { pool }) => new MysqlDriver(config, pool),
};

/**
 * The server stops a statement at the time limit (MariaDB: max_statement_time; MySQL: max_execution_time,
 * which only covers SELECT). Should it not (a MySQL write, a stalled network) the driver gives up this
 * long after the limit, drops the connection and asks the server to kill its session.
 */
const CLIENT_DEADLINE_GRACE_MS = 1_000;

/** A connection from the pool of the endpoint that gave it. */
interface Lease {
  connection: PoolConnection;
  endpointPool: EndpointPool;
  address: string;
}

/**
 * How far a piece of work got on its connection. Before the caller's statement ('setup') it is always
 * safe to try again elsewhere; once the statement is sent, a write may have taken effect.
 */
type Stage = 'setup' | 'statement' | 'finishing';

interface Progress {
  stage: Stage;
  /** False once the connection's state is unknown: it is destroyed instead of going back to the pool. */
  reusable: boolean;
}

interface LeasedWork<T> {
  /** Only reads: safe to run again after a lost connection, whatever stage it reached. */
  readOnly: boolean;
  /** The longest the work may hold its connection before the driver gives up on it. */
  deadlineMs: number;
  /** What the caller sees when the deadline passes while the statement runs. */
  statementDeadline: () => AppError;
  /** What the caller sees for any other error that is not a lost connection. */
  mapError: (error: unknown) => AppError;
  run: (lease: Lease, progress: Progress) => Promise<T>;
}

/** The deadline passed; the connection has been abandoned. */
class DeadlineExceeded extends Error {
  constructor(readonly stage: Stage) {
    super(`deadline exceeded during ${stage}`);
  }
}

/** Statements in introspect(): each is held to the statement time limit. */
const INTROSPECTION_QUERIES = 5;

export class MysqlDriver implements DatabaseDriver {
  readonly engine = 'mysql';
  readonly sqlDialect = 'mysql';
  readonly capsResultBytes = true;
  readonly #config: MysqlConfig;
  readonly #settings: PoolSettings;
  readonly #endpoints: EndpointPools<EndpointPool>;
  /** What error messages must not show: every address, then every host name. */
  readonly #hosts: string[];
  #closed = false;

  constructor(config: MysqlConfig, settings: PoolSettings) {
    this.#config = config;
    this.#settings = settings;
    this.#endpoints = new EndpointPools<EndpointPool>(
      config.endpoints,
      (endpoint) => openEndpointPool(config, endpoint, settings),
      closeEndpointPool,
    );
    this.#hosts = [...config.endpoints.map(addressOf), ...config.endpoints.map((e) => e.host)];
  }

  /** latencyMs covers getting a connection (opening one if none is free) and the round trip. */
  async testConnection(): Promise<ConnectionCheck> {
    const started = performance.now();
    return this.#withConnection({
      readOnly: true,
      deadlineMs: this.#settings.connectTimeoutMs,
      statementDeadline: () => unavailable('the server did not answer in time', undefined),
      mapError: (error) => unavailable('the server did not answer', error),
      run: async ({ connection, address }) => ({
        serverVersion: await serverVersion(connection),
        endpoint: address,
        latencyMs: Math.round(performance.now() - started),
      }),
    });
  }

  async introspect(): Promise<Catalog> {
    const limitMs = this.#settings.statementTimeoutMs;
    return this.#inTransaction(true, limitMs, INTROSPECTION_QUERIES * limitMs, ({ connection, endpointPool }) =>
      introspectDatabase(connection, { database: this.#config.database, mariaDb: endpointPool.mariaDb }),
    );
  }

  async execute(sql: string, params: readonly unknown[], options: ExecuteOptions): Promise<QueryResult> {
    const limitMs = this.#limitMs(options.timeoutMs);
    const values = [...params];
    if (options.readOnly && options.maxBytes !== undefined) return this.#boundedRead(sql, values, options, limitMs);
    const [result, fields] = await this.#inTransaction(options.readOnly, limitMs, limitMs, ({ connection }) =>
      runStatement(connection, sql, values),
    );
    return toQueryResult(result, fields, options.maxRows);
  }

  /** EXPLAIN FORMAT=JSON and, on the same session, the optimizer's Last_query_cost (see mysql-plan-estimate.ts). */
  async estimate(sql: string, params: readonly unknown[], options: { timeoutMs?: number | undefined }): Promise<PlanEstimate> {
    const limitMs = this.#limitMs(options.timeoutMs);
    return this.#inTransaction(true, limitMs, 2 * limitMs, async ({ connection }) => {
      const [plan] = await runStatement(connection, `EXPLAIN FORMAT=JSON ${sql}`, [...params]);
      const [status] = await connection.query("SHOW SESSION STATUS LIKE 'Last_query_cost'");
      const first = Array.isArray(plan) ? (plan[0] as Record<string, unknown> | undefined) : undefined;
      const cost = Number((status as { Value?: unknown }[])[0]?.Value);
      return mysqlPlanEstimate(first ? Object.values(first)[0] : null, Number.isFinite(cost) ? cost : null);
    });
  }

  /** A read whose rows are counted as they arrive and cut at the row or byte cap (see mysql-bounded-read.ts). */
  async #boundedRead(sql: string, values: unknown[], options: ExecuteOptions, limitMs: number): Promise<QueryResult> {
    const budget = new RowBudget(options.maxRows, options.maxBytes);
    const read = await this.#inTransaction(true, limitMs, limitMs, ({ connection }) => boundedRead(connection, sql, values, budget));
    return {
      columns: read.fields.map((field) => ({ name: field.name, dataType: columnTypeName(field) })),
      rows: read.rows,
      rowCount: read.rows.length,
      truncated: budget.full,
      ...(budget.truncatedReason ? { truncatedReason: budget.truncatedReason } : {}),
    };
  }

  status(): DriverStatus {
    return this.#endpoints.status();
  }

  poolUse(): PoolUse {
    return this.#endpoints.use((endpointPool) => poolCounts(endpointPool.pool), this.#settings.maxConnections);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#endpoints.closeAll();
  }

  /** The caller's limit, never above the pool's. */
  #limitMs(timeoutMs: number | undefined): number {
    const poolLimit = this.#settings.statementTimeoutMs;
    return Math.max(1, Math.floor(Math.min(timeoutMs ?? poolLimit, poolLimit)));
  }

  /**
   * Runs `statement` in a transaction (READ ONLY when asked) under a session time limit of `limitMs` per
   * statement, commits (or rolls back on error), and puts the session's limit back before the connection
   * returns to the pool. The server enforces the limit; the driver itself gives up `budgetMs` plus a grace
   * period after it started, in case the server does not (a MySQL write, a stalled network).
   */
  async #inTransaction<T>(
    readOnly: boolean,
    limitMs: number,
    budgetMs: number,
    statement: (lease: Lease) => Promise<T>,
  ): Promise<T> {
    return this.#withConnection({
      readOnly,
      deadlineMs: budgetMs + CLIENT_DEADLINE_GRACE_MS,
      statementDeadline: () => queryTimeout(limitMs),
      mapError: (error) => statementError(error, { limitMs, secrets: [this.#config.password], hosts: this.#hosts }),
      run: async (lease, progress) => {
        const { connection, endpointPool } = lease;
        const mariaDb = endpointPool.mariaDb;
        await connection.query(setTimeLimit(mariaDb, limitMs));
        try {
          await connection.query(readOnly ? 'START TRANSACTION READ ONLY' : 'START TRANSACTION');
          progress.stage = 'statement';
          let result: T;
          try {
            result = await statement(lease);
          } catch (error) {
            progress.stage = 'finishing';
            if (error instanceof StoppedAtByteCap) progress.reusable = false;
            if (progress.reusable) {
              await connection.query('ROLLBACK').catch(() => {
                progress.reusable = false;
              });
            }
            throw error;
          }
          progress.stage = 'finishing';
          await connection.query('COMMIT');
          return result;
        } finally {
          if (progress.reusable) {
            await connection.query(resetTimeLimit(mariaDb)).catch(() => {
              progress.reusable = false;
            });
          }
        }
      },
    });
  }

  /**
   * Leases a connection, runs the work under its deadline, and returns the connection to the pool (or
   * destroys it when its state is unknown). When the connection is lost or stops answering, the endpoint
   * is reported broken and the work is tried once more on a new connection if that is safe: it only
   * reads, or its statement was never sent.
   */
  async #withConnection<T>(work: LeasedWork<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const lease = await this.#acquire();
      const progress: Progress = { stage: 'setup', reusable: true };
      try {
        return await withDeadline(work.run(lease, progress), work.deadlineMs, () => {
          this.#abandon(lease, progress);
          return new DeadlineExceeded(progress.stage);
        });
      } catch (error) {
        // A read cut at its byte cap: the server is still sending, so the connection goes (as at a deadline).
        if (error instanceof StoppedAtByteCap) {
          this.#abandon(lease, progress);
          return error.result as T;
        }
        let reason: string;
        if (error instanceof DeadlineExceeded) {
          if (error.stage === 'statement') throw work.statementDeadline();
          reason = 'the server stopped answering';
        } else {
          const lost = lostConnectionReason(error);
          if (lost === undefined) throw work.mapError(error);
          reason = lost;
        }
        progress.reusable = false;
        this.#endpoints.reportBroken(lease.address, reason);
        const safe = work.readOnly || progress.stage === 'setup';
        if (safe && attempt === 1) continue;
        throw unavailable(safe ? reason : `${reason}; the statement may or may not have taken effect`, error);
      } finally {
        if (progress.reusable) lease.connection.release();
        else lease.connection.destroy();
      }
    }
  }

  async #acquire(): Promise<Lease> {
    if (this.#closed) throw new AppError(ErrorCode.DATABASE_UNAVAILABLE, 'The database connection is closed.');
    const { acquireTimeoutMs, connectTimeoutMs } = this.#settings;
    try {
      const { connection: leased, address } = await this.#endpoints.connect(async (endpointPool) => {
        let connection: PoolConnection;
        try {
          connection = await acquireConnection(endpointPool.pool, acquireTimeoutMs);
        } catch (error) {
          throw connectRefusal(error) ?? error;
        }
        try {
          await withDeadline(prepareSession(endpointPool, connection), connectTimeoutMs, () =>
            Object.assign(new Error('session setup timed out'), { code: 'ETIMEDOUT' }),
          );
        } catch (error) {
          connection.destroy();
          throw connectRefusal(error) ?? error;
        }
        return { connection, endpointPool };
      }, lostConnectionReason);
      return { ...leased, address };
    } catch (error) {
      if (isAppError(error)) throw error;
      throw unavailable('the connection could not be opened', error);
    }
  }

  /** Gives up on work that outran its deadline: the connection is dropped and its session killed. */
  #abandon(lease: Lease, progress: Progress): void {
    progress.reusable = false;
    const threadId = lease.connection.threadId;
    lease.connection.destroy();
    if (Number.isSafeInteger(threadId)) {
      // Without this the server would go on running the statement until it next writes to the socket.
      lease.endpointPool.pool.query(`KILL ${threadId}`).catch(() => undefined);
    }
  }
}

type BindValues = NonNullable<Parameters<PoolConnection['execute']>[1]>;

/** The statement as a server-side prepared statement: one statement, parameters never spliced into SQL. */
async function runStatement(
  connection: PoolConnection,
  sql: string,
  values: unknown[],
): Promise<[MysqlQueryResult, FieldPacket[] | undefined]> {
  try {
    // mysql2 checks the values itself (TypeError for undefined or a function), and binds the rest.
    return await connection.execute(sql, values as BindValues);
  } catch (error) {
    // A few statements cannot be prepared (ER_UNSUPPORTED_PS); without parameters, sending the text is
    // the same statement.
    if ((error as { errno?: unknown }).errno === UNSUPPORTED_IN_PREPARED_STATEMENT && values.length === 0) {
      return connection.query(sql);
    }
    throw error;
  }
}

function setTimeLimit(mariaDb: boolean, limitMs: number): string {
  return mariaDb
    ? `SET SESSION max_statement_time = ${(limitMs / 1000).toFixed(3)}`
    : `SET SESSION max_execution_time = ${limitMs}`;
}

function resetTimeLimit(mariaDb: boolean): string {
  return mariaDb ? 'SET SESSION max_statement_time = DEFAULT' : 'SET SESSION max_execution_time = DEFAULT';
}

/** Settles as `work` does, or rejects with `onExpire()`'s error once `ms` pass. */
function withDeadline<T>(work: Promise<T>, ms: number, onExpire: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onExpire()), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

function toQueryResult(result: MysqlQueryResult, fields: FieldPacket[] | undefined, maxRows: number | undefined): QueryResult {
  if (!Array.isArray(result)) {
    return { columns: [], rows: [], rowCount: result.affectedRows, truncated: false };
  }
  // A CALL answers with each result set and then a status: the first result set is the answer.
  const multiple = result.some((item) => Array.isArray(item));
  const rows = (multiple ? (result.find((item) => Array.isArray(item)) ?? []) : result) as Record<string, unknown>[];
  const rowFields = multiple ? (fields as unknown as (FieldPacket[] | undefined)[] | undefined)?.find(Array.isArray) : fields;
  if (rowFields === undefined) {
    // Only statuses (a CALL that returns no rows): report the rows it changed.
    return { columns: [], rows: [], rowCount: result.reduce((sum, item) => sum + affectedRowsOf(item), 0), truncated: false };
  }
  const truncated = maxRows !== undefined && rows.length > maxRows;
  const kept = truncated ? rows.slice(0, maxRows) : rows;
  return {
    columns: rowFields.map((field) => ({ name: field.name, dataType: columnTypeName(field) })),
    rows: kept.map((row) => ({ ...row })),
    rowCount: kept.length,
    truncated,
  };
}

const affectedRowsOf = (item: unknown): number =>
  typeof item === 'object' && item !== null && 'affectedRows' in item ? Number(item.affectedRows) : 0;
