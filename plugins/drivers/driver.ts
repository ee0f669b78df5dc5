import type { z } from 'zod';
import type { Catalog } from './catalog.js';
import type { RowQuery } from './row-query.js';

/**
 * The driver SDK: the contract between Warden and a database engine. Built-in drivers (postgres,
 * mysql, pglite, mongodb) are written against it, and so is a third-party driver: a package exporting
 * a `DriverFactory`. Nothing outside plugins/drivers talks to an engine's client library.
 * docs/drivers.md has a worked example.
 */

/** Pool and timeout settings, per database. */
export interface PoolSettings {
  /** Most open connections to this database. */
  maxConnections: number;
  /** An idle connection is closed after this long. */
  idleTimeoutMs: number;
  /** How long a query waits for a free connection before DATABASE_UNAVAILABLE. */
  acquireTimeoutMs: number;
  /** How long opening a connection may take before the endpoint counts as down. */
  connectTimeoutMs: number;
  /** Longest a statement may run before QUERY_TIMEOUT. */
  statementTimeoutMs: number;
}

export const DEFAULT_POOL_SETTINGS: PoolSettings = {
  maxConnections: 10,
  idleTimeoutMs: 30_000,
  acquireTimeoutMs: 5_000,
  connectTimeoutMs: 5_000,
  statementTimeoutMs: 30_000,
};

export interface ExecuteOptions {
  /** Run inside a READ ONLY transaction. */
  readOnly: boolean;
  /** Overrides the pool's statementTimeoutMs (never raises it). */
  timeoutMs?: number | undefined;
  /** Return at most this many rows; `truncated` says whether there were more. */
  maxRows?: number | undefined;
  /**
   * Return rows only while they add up to at most this many bytes (as JSON, see result-bytes.ts), counted
   * as they arrive; a read over it is stopped rather than read to the end. `truncatedReason` says BYTE_CAP.
   */
  maxBytes?: number | undefined;
}

/** Why a result was cut: too many rows (the row cap) or too many bytes (the byte cap). */
export type TruncatedReason = 'ROW_CAP' | 'BYTE_CAP';

/** What the planner expects of a statement: its total cost (the engine's own units) and the rows it reads; null when it does not say. */
export interface PlanEstimate {
  cost: number | null;
  rows: number | null;
}

export interface ResultColumn {
  name: string;
  /** The engine's type name for the column, when it reports one. */
  dataType: string | null;
}

export interface QueryResult {
  columns: ResultColumn[];
  rows: Record<string, unknown>[];
  /** Rows returned, or rows changed by a write. */
  rowCount: number;
  truncated: boolean;
  /** Set when `truncated`; a driver that leaves it out was cut by the row cap. */
  truncatedReason?: TruncatedReason | undefined;
}

/**
 * A read whose rows arrive in batches as they are consumed, for results too large to hold (exports).
 * `close()` ends it and frees its connection; iterating to the end or stopping early (break, throw)
 * closes it too, and closing twice is harmless. Whoever opens one must close it.
 */
export interface RowStream {
  columns: ResultColumn[];
  rows: AsyncIterable<Record<string, unknown>>;
  close(): Promise<void>;
}

export interface StreamOptions {
  /** Overrides the pool's statementTimeoutMs for each fetch (never raises it). */
  timeoutMs?: number | undefined;
  /** Rows fetched from the server at a time. */
  batchSize?: number | undefined;
}

export interface ConnectionCheck {
  serverVersion: string;
  /** `host:port` of the endpoint that answered (null for embedded engines). */
  endpoint: string | null;
  latencyMs: number;
}

export interface EndpointState {
  address: string;
  healthy: boolean;
  /** Why it was last marked down, in words safe to show. */
  lastError: string | null;
}

export interface DriverStatus {
  /** The endpoint serving now, or null when none is (or the engine is embedded). */
  activeEndpoint: string | null;
  endpoints: EndpointState[];
}

/** A driver's connection pool as it is now, for /metrics (all endpoints' pools together). */
export interface PoolUse {
  /** Connections lent out. */
  used: number;
  idle: number;
  /** Requests waiting for a connection. */
  pending: number;
  /** The most connections the pool opens (PoolSettings.maxConnections). */
  max: number;
}

/**
 * The SQL a driver's statements are written in. The SQL gate for a database is chosen by it: a driver
 * for any server that speaks PostgreSQL's SQL declares `postgres` and gets the Postgres gate (parser,
 * function allow-list, rewriter), whatever its engine is called.
 */
export type SqlDialect = 'postgres' | 'mysql';

export interface DatabaseDriver {
  readonly engine: string;
  /**
   * The SQL dialect `execute` takes; the SQL gate, the typed row query's compiler and EXPLAIN follow it.
   * Left out, the engine takes no SQL (runQuery and askDatabase refuse it; rows uses `selectRows`).
   */
  readonly sqlDialect?: SqlDialect;
  /**
   * True when `execute` itself keeps a read within `ExecuteOptions.maxBytes` as its rows arrive. Without
   * it, the whole result is received and then cut to the cap.
   */
  readonly capsResultBytes?: boolean;
  /** Opens (or reuses) a connection and asks the server its version. Throws AppError(DATABASE_UNAVAILABLE). */
  testConnection(): Promise<ConnectionCheck>;
  /** The whole catalog in a fixed, small number of round trips, whatever the number of tables. */
  introspect(): Promise<Catalog>;
  /**
   * Runs one statement with bound parameters. SQL engines only; the statement has already been through
   * the SQL gate. Throws AppError: DATABASE_UNAVAILABLE, QUERY_TIMEOUT, or BAD_USER_INPUT for an error
   * the database reports about the statement.
   */
  execute(sql: string, params: readonly unknown[], options: ExecuteOptions): Promise<QueryResult>;
  /**
   * Optional: runs one read (already through the gate) in a READ ONLY transaction and hands its rows
   * over in batches, so memory does not grow with the result. Engines without it are read with `execute`.
   */
  stream?(sql: string, params: readonly unknown[], options: StreamOptions): Promise<RowStream>;
  /**
   * Optional: the planner's estimate for one statement (already through the gate), without running it.
   * Engines without it are estimated from `explain (format json)` through `execute` (PostgreSQL dialects).
   */
  estimate?(sql: string, params: readonly unknown[], options: { timeoutMs?: number | undefined }): Promise<PlanEstimate>;
  /** Runs a typed row query (engines that do not speak SQL implement this instead of execute). */
  selectRows?(query: RowQuery, options: ExecuteOptions): Promise<QueryResult>;
  status(): DriverStatus;
  /** Optional: the pool's use now, read on every metrics scrape (cheap, no I/O). Embedded engines have none. */
  poolUse?(): PoolUse;
  /** Closes every connection. The driver is unusable afterwards. */
  close(): Promise<void>;
}

export interface DriverContext {
  pool: PoolSettings;
}

export interface DriverFactory<Config extends Record<string, unknown> = Record<string, unknown>> {
  /** The engine name stored with a database and shown in the API (`postgres`). */
  engine: string;
  /** One line for people choosing an engine. */
  description: string;
  /** The settings this driver takes, credentials included. Input is validated with it before `create`. */
  configSchema: z.ZodType<Config>;
  /** Names of settings that are credentials: encrypted at rest, never returned, masked in strings. */
  secretFields: readonly string[];
  /** The port used when a host is given without one. */
  defaultPort?: number;
  /** Settings from a connection string (`postgres://…`). Throws AppError(BAD_USER_INPUT). */
  parseConnectionString?(connectionString: string): Record<string, unknown>;
  /** A connection string for display, with every secret masked. */
  describe(config: Config): string;
  create(config: Config, context: DriverContext): DatabaseDriver;
}

/** A factory of any engine, as the registry holds them; `configSchema` checks settings before `create`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDriverFactory = DriverFactory<any>;
