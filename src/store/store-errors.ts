import type { DatabaseConnection, Dialect, Driver, QueryResult, TransactionSettings } from 'kysely';
import { AppError, ErrorCode } from '../errors/app-error.js';

/** Network failures: the store's server is down, restarting, or the path to it is cut. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * PostgreSQL SQLSTATEs that mean "not now" rather than "not this": connection exceptions (class 08),
 * the server shutting down or starting (57P01–57P03), too many connections (53300).
 */
const UNAVAILABLE_STATES = /^(08...|57P0[123]|53300)$/;

/** What `pg` and PGlite say when a connection is gone, could not be had in time, or the store is closed. */
const UNAVAILABLE_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection error and is not queryable/i,
  /cannot use a pool after calling end/i,
  /^PGlite is clos(ed|ing)$/,
];

/**
 * Whether an error from the store means it cannot be reached or is saturated (worth retrying), as
 * opposed to one about the statement itself (a constraint violation, bad data), which stays as it is.
 */
export function isStoreUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code } = error as { code?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_STATES.test(code))) return true;
  if (error instanceof AggregateError && error.errors.some(isStoreUnavailable)) return true;
  return UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(error.message));
}

/** STORE_UNAVAILABLE, retryable. Never the store's address or the driver's words: those only in the log, through `cause`. */
export function storeUnavailable(cause: unknown): AppError {
  return new AppError(
    ErrorCode.STORE_UNAVAILABLE,
    "Warden's store cannot be reached or is too busy right now, so this was not done. Try again shortly; if it persists, tell your administrator.",
    { retryable: true, retryAfterSeconds: 2 },
    { cause },
  );
}

function mapped(error: unknown): unknown {
  return !(error instanceof AppError) && isStoreUnavailable(error) ? storeUnavailable(error) : error;
}

async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw mapped(error);
  }
}

/**
 * The store's dialect with every way in (getting a connection, running a statement, starting or ending
 * a transaction) turning "the store is away" into STORE_UNAVAILABLE, in one place for every repository.
 */
export function withStoreErrors(dialect: Dialect): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createDriver: () => new StoreErrorsDriver(dialect.createDriver()),
  };
}

class StoreErrorsDriver implements Driver {
  readonly #wrapped = new WeakMap<DatabaseConnection, DatabaseConnection>();

  constructor(private readonly inner: Driver) {}

  init(): Promise<void> {
    return guard(() => this.inner.init());
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await guard(() => this.inner.acquireConnection());
    const wrapped: DatabaseConnection = {
      executeQuery: <R>(query: Parameters<DatabaseConnection['executeQuery']>[0]): Promise<QueryResult<R>> => guard(() => connection.executeQuery<R>(query)),
      streamQuery: <R>(query: Parameters<DatabaseConnection['streamQuery']>[0], chunkSize?: number) => streamGuarded(connection.streamQuery<R>(query, chunkSize)),
    };
    this.#wrapped.set(wrapped, connection);
    return wrapped;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return guard(() => this.inner.beginTransaction(this.#unwrap(connection), settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return guard(() => this.inner.commitTransaction(this.#unwrap(connection)));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return guard(() => this.inner.rollbackTransaction(this.#unwrap(connection)));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(this.#unwrap(connection));
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }

  #unwrap(connection: DatabaseConnection): DatabaseConnection {
    return this.#wrapped.get(connection) ?? connection;
  }
}

async function* streamGuarded<R>(rows: AsyncIterableIterator<QueryResult<R>>): AsyncIterableIterator<QueryResult<R>> {
  try {
    yield* rows;
  } catch (error) {
    throw mapped(error);
  }
}
