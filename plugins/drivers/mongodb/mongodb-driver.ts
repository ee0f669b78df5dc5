import { AppError, ErrorCode } from '../../../src/errors/app-error.js';
import type { Catalog } from '../catalog.js';
import type { ConnectionCheck, DatabaseDriver, DriverFactory, DriverStatus, ExecuteOptions, PoolSettings, QueryResult } from '../driver.js';
import { addressOf } from '../endpoints.js';
import type { RowQuery } from '../row-query.js';
import type { MongodbConnection } from './mongodb-connection.js';
import { describeMongoConfig, mongoConfigSchema, parseMongoConnectionString, type MongoConfig } from './mongodb-config.js';

/**
 * A MongoDB database. The Node driver takes about 90 ms to load and most gateways never open a MongoDB
 * database, so this module imports none of it: the first call that needs the server loads
 * mongodb-connection.ts (which imports the `mongodb` package) and makes the MongodbConnection that does
 * the work. Creating the driver, its status before that, refusing SQL and closing it load nothing.
 * Settings only the Node driver judges (a MongoClient refusing its options) are reported by that first
 * call, as BAD_USER_INPUT; connecting a database makes it at once (a connection test).
 *
 * Collections and views are the tables; fields are inferred from a sample (see inferColumns). There is
 * no SQL: execute() refuses, and the `rows` query comes in through selectRows().
 */
export class MongodbDriver implements DatabaseDriver {
  readonly engine = 'mongodb';
  readonly #config: MongoConfig;
  readonly #pool: PoolSettings;
  #opening: Promise<MongodbConnection> | undefined;
  /** Set once made, so status() can ask it. */
  #connection: MongodbConnection | undefined;
  #closed = false;

  constructor(config: MongoConfig, pool: PoolSettings) {
    this.#config = config;
    this.#pool = pool;
  }

  async testConnection(): Promise<ConnectionCheck> {
    return (await this.#open()).testConnection();
  }

  async introspect(): Promise<Catalog> {
    return (await this.#open()).introspect();
  }

  async execute(): Promise<QueryResult> {
    throw new AppError(ErrorCode.SQL_NOT_ALLOWED, 'MongoDB databases are queried with typed row queries, not SQL.');
  }

  async selectRows(query: RowQuery, options: ExecuteOptions): Promise<QueryResult> {
    return (await this.#open()).selectRows(query, options);
  }

  /** Before the first call that needs the server: every configured endpoint, none active yet. */
  status(): DriverStatus {
    if (this.#connection) return this.#connection.status();
    return {
      activeEndpoint: null,
      endpoints: this.#config.endpoints.map((endpoint) => ({ address: addressOf(endpoint), healthy: true, lastError: null })),
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const connection = await this.#opening?.catch(() => undefined);
    await connection?.close();
  }

  /** The connection, loading the Node driver on the first call. A failure is not kept: the next call tries again. */
  #open(): Promise<MongodbConnection> {
    if (this.#closed) return Promise.reject(new AppError(ErrorCode.DATABASE_UNAVAILABLE, 'The database connection is closed.'));
    if (this.#opening) return this.#opening;
    const opening = import('./mongodb-connection.js').then(
      ({ MongodbConnection }) => {
        // Throws BAD_USER_INPUT for settings the Node driver refuses.
        this.#connection = new MongodbConnection(this.#config, this.#pool);
        return this.#connection;
      },
      (error: unknown) => {
        throw new AppError(ErrorCode.INTERNAL, 'The MongoDB driver could not be loaded.', undefined, { cause: error });
      },
    );
    opening.catch(() => {
      if (this.#opening === opening) this.#opening = undefined;
    });
    this.#opening = opening;
    return opening;
  }
}

export const mongodbDriverFactory: DriverFactory<MongoConfig> = {
  engine: 'mongodb',
  description: 'MongoDB (standalone, replica set or sharded): collections as tables, fields inferred from a sample, typed row queries.',
  configSchema: mongoConfigSchema,
  secretFields: ['password'],
  parseConnectionString: parseMongoConnectionString,
  describe: describeMongoConfig,
  create: (config, context) => new MongodbDriver(config, context.pool),
};
