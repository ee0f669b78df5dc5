import pg from 'pg';
import { AppError, ErrorCode } from '../../../src/errors/app-error.js';
import type { Catalog } from '../catalog.js';
import type {
  ConnectionCheck,
  DatabaseDriver,
  DriverContext,
  DriverFactory,
  DriverStatus,
  ExecuteOptions,
  PoolSettings,
  PoolUse,
  QueryResult,
  RowStream,
  StreamOptions,
} from '../driver.js';
import { networkReason } from '../driver-errors.js';
import { RowBudget, rowBytes } from '../result-bytes.js';
import { boundedQuery } from './postgres-bounded-query.js';
import { containPoolErrors } from './contain-pool-errors.js';
import { EndpointPools, type Endpoint } from '../endpoints.js';
import {
  describeNetworkConfig,
  networkConfigSchema,
  parseNetworkConnectionString,
  type NetworkConfig,
} from '../network-config.js';
import { CATALOG_QUERY, toCatalog } from './postgres-catalog.js';
import { postgresConnectReason, postgresError } from './postgres-errors.js';
import { postgresTypeName } from './postgres-types.js';

export type PostgresConfig = NetworkConfig;

export const postgresDriverFactory: DriverFactory<PostgresConfig> = {
  engine: 'postgres',
  description: 'PostgreSQL 12 or newer, and wire-compatible servers.',
  configSchema: networkConfigSchema,
  secretFields: ['password'],
  defaultPort: 5432,
  parseConnectionString: (connectionString) => parseNetworkConnectionString(connectionString, ['postgres', 'postgresql'], 5432),
  describe: (config) => describeNetworkConfig('postgres', config),
  create: (config, context) => new PostgresDriver(config, context),
};

/** About how many bytes one streamed batch holds. */
const STREAM_BATCH_BYTES = 4 * 1024 * 1024;

interface Lease {
  client: pg.PoolClient;
  address: string;
}

/** PostgreSQL through a `pg` pool per endpoint, with failover between endpoints at connect time. */
export class PostgresDriver implements DatabaseDriver {
  readonly engine = 'postgres';
  readonly sqlDialect = 'postgres';
  readonly capsResultBytes = true;
  readonly #pools: EndpointPools<pg.Pool>;
  readonly #settings: PoolSettings;
  readonly #secrets: string[];
  readonly #hosts: string[];

  constructor(
    private readonly config: PostgresConfig,
    context: DriverContext,
  ) {
    this.#settings = context.pool;
    this.#secrets = config.password ? [config.password] : [];
    this.#hosts = config.endpoints.map((e) => e.host);
    this.#pools = new EndpointPools(
      config.endpoints,
      (endpoint) => this.#openPool(endpoint),
      (pool) => pool.end(),
    );
  }

  async testConnection(): Promise<ConnectionCheck> {
    const started = performance.now();
    const lease = await this.#acquire();
    try {
      const result = await lease.client.query<{ server_version: string }>('show server_version');
      return {
        serverVersion: result.rows[0]?.server_version ?? 'unknown',
        endpoint: lease.address,
        latencyMs: Math.round(performance.now() - started),
      };
    } catch (error) {
      throw this.#error(error, lease);
    } finally {
      lease.client.release();
    }
  }

  async introspect(): Promise<Catalog> {
    const lease = await this.#acquire();
    try {
      const result = await lease.client.query<{ catalog: unknown }>(CATALOG_QUERY);
      return toCatalog(result.rows[0]?.catalog);
    } catch (error) {
      throw this.#error(error, lease);
    } finally {
      lease.client.release();
    }
  }

  async execute(sql: string, params: readonly unknown[], options: ExecuteOptions): Promise<QueryResult> {
    try {
      return await this.#executeOnce(sql, params, options);
    } catch (error) {
      // A read that lost its connection is safe to run again, on whichever endpoint is now active.
      if (options.readOnly && error instanceof BrokenConnection) return this.#executeOnce(sql, params, options);
      throw error instanceof BrokenConnection ? error.appError : error;
    }
  }

  /**
   * A server-side cursor in a READ ONLY transaction: `FETCH` brings `batchSize` rows at a time, only
   * when the consumer asks for more, so a million-row export holds one batch in memory.
   */
  async stream(sql: string, params: readonly unknown[], options: StreamOptions): Promise<RowStream> {
    const timeoutMs = Math.min(options.timeoutMs ?? this.#settings.statementTimeoutMs, this.#settings.statementTimeoutMs);
    const batchSize = Math.max(1, Math.floor(options.batchSize ?? 1_000));
    const lease = await this.#acquire();
    // Batches start small and grow only while rows are small, so a batch holds about STREAM_BATCH_BYTES
    // however wide the rows are (a thousand rows of 40 MB would not fit in memory).
    let asked = Math.min(batchSize, 64);
    let closed = false;
    let broken: unknown;
    const close = async () => {
      if (closed) return;
      closed = true;
      if (broken === undefined) await lease.client.query('rollback').catch((error: unknown) => (broken = error));
      lease.client.release(broken instanceof Error ? broken : broken === undefined ? undefined : true);
    };
    const fail = async (error: unknown): Promise<never> => {
      if (networkReason(error) !== undefined || postgresConnectReason(error) !== undefined) broken = error;
      await close();
      throw this.#error(error, lease, timeoutMs);
    };
    let first: pg.QueryResult;
    try {
      await lease.client.query(`begin transaction read only; set local statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
      await lease.client.query({ text: `declare warden_stream no scroll cursor for ${sql}`, values: [...params], queryMode: 'extended' } as pg.QueryConfig);
      first = await lease.client.query(`fetch ${asked} from warden_stream`);
    } catch (error) {
      return fail(error);
    }
    const fetchMore = () => lease.client.query(`fetch ${asked} from warden_stream`);
    const sized = (batch: pg.QueryResult) => {
      const rows = batch.rows as Record<string, unknown>[];
      const bytes = rows.reduce((sum, row) => sum + rowBytes(row), 0);
      return Math.max(1, Math.min(batchSize, Math.floor(STREAM_BATCH_BYTES / Math.max(1, bytes / Math.max(1, rows.length)))));
    };
    async function* rows(): AsyncGenerator<Record<string, unknown>> {
      try {
        let batch = first;
        while (!closed) {
          for (const row of batch.rows as Record<string, unknown>[]) yield row;
          if (batch.rows.length < asked) break;
          asked = sized(batch);
          try {
            batch = await fetchMore();
          } catch (error) {
            await fail(error);
          }
        }
      } finally {
        await close();
      }
    }
    return { columns: (first.fields ?? []).map((f) => ({ name: f.name, dataType: postgresTypeName(f.dataTypeID) })), rows: rows(), close };
  }

  status(): DriverStatus {
    return this.#pools.status();
  }

  poolUse(): PoolUse {
    return this.#pools.use((pool) => ({ total: pool.totalCount, idle: pool.idleCount, pending: pool.waitingCount }), this.#settings.maxConnections);
  }

  async close(): Promise<void> {
    await this.#pools.closeAll();
  }

  async #executeOnce(sql: string, params: readonly unknown[], options: ExecuteOptions): Promise<QueryResult> {
    const timeoutMs = Math.min(options.timeoutMs ?? this.#settings.statementTimeoutMs, this.#settings.statementTimeoutMs);
    // Every session starts read-only with the pool's statement timeout (see #openPool), so a read at that
    // timeout is one round trip: the server itself refuses any write in it and stops it when time is up.
    // Anything else opens its own transaction and says what it may do.
    const explicit = !options.readOnly || timeoutMs !== this.#settings.statementTimeoutMs;
    const lease = await this.#acquire();
    let broken: unknown;
    try {
      if (explicit) {
        await lease.client.query(
          `${options.readOnly ? 'begin transaction read only' : 'begin transaction read write'}; set local statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`,
        );
      }
      // The extended protocol: one statement, parameters bound by the server, never spliced into text.
      // Rows are counted (and bytes measured) as they arrive; a read over its byte cap is stopped there.
      const budget = new RowBudget(options.maxRows, options.maxBytes);
      const result = await boundedQuery(lease.client, sql, params, budget, options.readOnly);
      if (result.stopped) {
        broken = true;
      } else if (explicit) {
        await lease.client.query('commit');
      }
      return {
        columns: result.fields.map((f) => ({ name: f.name, dataType: postgresTypeName(f.dataTypeID) })),
        rows: result.rows,
        rowCount: result.command === 'SELECT' || result.fields.length ? result.rows.length : (result.rowCount ?? 0),
        truncated: budget.full,
        ...(budget.truncatedReason ? { truncatedReason: budget.truncatedReason } : {}),
      };
    } catch (error) {
      if (networkReason(error) !== undefined || postgresConnectReason(error) !== undefined) {
        broken = error;
        const why = networkReason(error) ?? postgresConnectReason(error) ?? 'the connection was lost';
        this.#pools.reportBroken(lease.address, why);
        throw new BrokenConnection(new AppError(ErrorCode.DATABASE_UNAVAILABLE, `The database is unavailable: ${why}.`, undefined, { cause: error }));
      }
      if (explicit) {
        await lease.client.query('rollback').catch((rollbackError: unknown) => {
          broken = rollbackError;
        });
      }
      throw this.#error(error, lease, timeoutMs);
    } finally {
      // A connection in an unknown state is destroyed, not returned to the pool.
      lease.client.release(broken instanceof Error ? broken : broken === undefined ? undefined : true);
    }
  }

  async #acquire(): Promise<Lease> {
    try {
      const { connection, address } = await this.#pools.connect(
        (pool) => this.#checkout(pool),
        (error) => networkReason(error) ?? postgresConnectReason(error),
      );
      return { client: connection, address };
    } catch (error) {
      throw postgresError(error, this.#secrets, this.#hosts, this.#settings.statementTimeoutMs);
    }
  }

  async #checkout(pool: pg.Pool): Promise<pg.PoolClient> {
    // A full pool is "busy", not "down": say so instead of failing over.
    const saturated = pool.totalCount >= this.#settings.maxConnections && pool.idleCount === 0;
    if (!saturated) return pool.connect();
    let timer: NodeJS.Timeout | undefined;
    const pending = pool.connect();
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new AppError(ErrorCode.DATABASE_UNAVAILABLE, `All ${this.#settings.maxConnections} connections to the database are busy; try again shortly.`)),
        this.#settings.acquireTimeoutMs,
      );
    });
    try {
      return await Promise.race([pending, timeout]);
    } catch (error) {
      pending.then((client) => client.release(), () => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  #openPool(endpoint: Endpoint): pg.Pool {
    const pool = new pg.Pool({
      host: endpoint.host,
      port: endpoint.port,
      database: this.config.database,
      user: this.config.user,
      ...(this.config.password === undefined ? {} : { password: this.config.password }),
      ...(this.config.ssl === undefined || this.config.ssl === false
        ? {}
        : { ssl: { rejectUnauthorized: this.config.ssl === true } }),
      max: this.#settings.maxConnections,
      idleTimeoutMillis: this.#settings.idleTimeoutMs,
      connectionTimeoutMillis: Math.max(this.#settings.connectTimeoutMs, this.#settings.acquireTimeoutMs),
      application_name: 'warden',
      // Sessions are read-only by default and time-limited; writes ask for READ WRITE explicitly.
      options: `-c default_transaction_read_only=on -c statement_timeout=${Math.max(1, Math.floor(this.#settings.statementTimeoutMs))}`,
      // Dates and big numbers as the server prints them would be friendlier to clients, but pg's defaults
      // (Date for timestamps, strings for int8/numeric) are kept: no precision is ever lost.
    });
    // A client dying (server restart, proxy gone) must not crash the process.
    return containPoolErrors(pool);
  }

  #error(error: unknown, lease: Lease, timeoutMs = this.#settings.statementTimeoutMs): AppError {
    const reason = networkReason(error);
    if (reason) this.#pools.reportBroken(lease.address, reason);
    return postgresError(error, this.#secrets, this.#hosts, timeoutMs);
  }
}

/** A statement failed because its connection broke; carries the error to report if it is not retried. */
class BrokenConnection extends Error {
  constructor(readonly appError: AppError) {
    super(appError.message);
  }
}
