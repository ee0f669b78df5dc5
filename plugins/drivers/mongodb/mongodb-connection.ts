import { MongoClient, MongoServerSelectionError, type Db, type MongoClientOptions, type TopologyDescription } from 'mongodb';
import { AppError, ErrorCode } from '../../../src/errors/app-error.js';
import type { Catalog } from '../catalog.js';
import type { ConnectionCheck, DriverStatus, EndpointState, ExecuteOptions, PoolSettings, QueryResult } from '../driver.js';
import { scrub } from '../driver-errors.js';
import { addressOf } from '../endpoints.js';
import type { RowQuery } from '../row-query.js';
import { toPlainValue, valueAtPath } from './bson-value.js';
import { fieldsOf, toMongoFilter, toMongoProjection, toMongoSort } from './mongo-filter.js';
import type { MongoConfig } from './mongodb-config.js';
import { toAppError, unavailableReason, type MongoErrorContext } from './mongodb-errors.js';
import { introspectDatabase } from './mongodb-introspector.js';

/** Collections described at once by introspect() (never more than the pool allows). */
const INTROSPECT_CONCURRENCY = 4;
/** Documents per batch: a capped result arrives in one round trip, a huge one in several. */
const MAX_BATCH_SIZE = 10_000;
/** Server types that take reads and writes: the endpoint status() reports as serving. */
const SERVING_TYPES = new Set(['RSPrimary', 'Standalone', 'LoadBalancer', 'Mongos']);

/**
 * A MongoDB database through one MongoClient: what MongodbDriver (mongodb-driver.ts) runs once it has
 * loaded the Node driver. This module and those it imports (the filter, the introspector, the error
 * mapping) use the `mongodb` package's values freely: nothing reaches them but that lazy import, so
 * the package is loaded before any of their code runs.
 *
 * The endpoints are the seed list: the Node driver discovers the replica set, monitors every member
 * and fails over by itself, so unlike the SQL drivers there is no pool per endpoint. Reads prefer the
 * primary and fall back to a secondary while there is none (`primaryPreferred`).
 *
 * Collections and views are the tables; fields are inferred from a sample (see inferColumns). There is
 * no SQL (MongodbDriver refuses it): the `rows` query comes in through selectRows().
 */
export class MongodbConnection {
  readonly #config: MongoConfig;
  readonly #pool: PoolSettings;
  readonly #client: MongoClient;
  readonly #errors: MongoErrorContext;
  /** The configured endpoints, in order, keyed by their lower-case address (as the driver names them). */
  readonly #endpoints = new Map<string, EndpointState>();
  /** The primary (or standalone, or mongos) the driver last saw, if any. */
  #serving: string | null = null;
  #connecting: Promise<void> | undefined;
  #connected = false;
  #closed = false;

  constructor(config: MongoConfig, pool: PoolSettings) {
    this.#config = config;
    this.#pool = pool;
    const hosts = config.endpoints.map((endpoint) => endpoint.host);
    this.#errors = { secrets: [config.password], hosts };
    for (const endpoint of config.endpoints) {
      const address = addressOf(endpoint);
      this.#endpoints.set(address.toLowerCase(), { address, healthy: true, lastError: null });
    }
    try {
      this.#client = new MongoClient(seedListUri(config), clientOptions(config, pool));
    } catch (error) {
      const words = error instanceof Error ? scrub(error.message, this.#errors.secrets, hosts) : 'unknown problem';
      throw new AppError(ErrorCode.BAD_USER_INPUT, `The MongoDB settings are not valid: ${words}.`, undefined, { cause: error });
    }
    this.#client.on('topologyDescriptionChanged', (event) => this.#observe(event.newDescription));
  }

  async testConnection(): Promise<ConnectionCheck> {
    const started = performance.now();
    const info = await this.#run((db) => db.command({ buildInfo: 1 }));
    return {
      serverVersion: typeof info['version'] === 'string' ? info['version'] : 'unknown',
      endpoint: this.status().activeEndpoint,
      latencyMs: Math.round(performance.now() - started),
    };
  }

  async introspect(): Promise<Catalog> {
    const concurrency = Math.max(1, Math.min(INTROSPECT_CONCURRENCY, this.#pool.maxConnections));
    const timeoutMs = this.#pool.statementTimeoutMs;
    return this.#run((db) => introspectDatabase(db, { concurrency, timeoutMs }), timeoutMs);
  }

  /**
   * `find(filter, { projection, sort, skip, limit })` with maxTimeMS. The query's fields are taken as
   * already authorised by the caller (the service checks them against the catalog and the grants):
   * here they are checked as names only — no `$`, no NUL, well-formed paths — and every value as data.
   * Checking them against a catalog this driver sampled itself could refuse a rare field that another
   * (random) sample did see.
   */
  async selectRows(query: RowQuery, options: ExecuteOptions): Promise<QueryResult> {
    if (query.schema !== undefined && query.schema !== this.#config.database) {
      throw new AppError(ErrorCode.NOT_FOUND, `This MongoDB database has one schema, "${this.#config.database}".`, { field: 'schema' });
    }
    const collectionName = checkCollectionName(query.table);
    const limit = Math.min(count(query.limit, 'limit'), options.maxRows === undefined ? Infinity : count(options.maxRows, 'maxRows'));
    const offset = query.offset === undefined ? 0 : count(query.offset, 'offset');
    const timeoutMs = this.#timeout(options.timeoutMs);
    const columns = [...new Set(query.columns)];
    const knownFields = new Set([...columns, ...fieldsOf(query.where), ...(query.orderBy ?? []).map((order) => order.column)]);
    const filter = toMongoFilter(query.where, knownFields);
    const projection = toMongoProjection(columns, knownFields);
    const sort = toMongoSort(query.orderBy, knownFields);

    const documents = await this.#run(
      (db) =>
        db
          .collection(collectionName)
          .find(filter, {
            projection,
            ...(sort === undefined ? {} : { sort }),
            skip: offset,
            // One more than asked for says whether there were more; never 0, which MongoDB reads as "no limit".
            limit: limit + 1,
            batchSize: Math.min(limit + 1, MAX_BATCH_SIZE),
            maxTimeMS: timeoutMs,
          })
          .toArray(),
      timeoutMs,
    );
    const rows = documents.slice(0, limit).map((document) =>
      Object.fromEntries(columns.map((column) => [column, toPlainValue(valueAtPath(document, column))])),
    );
    return {
      columns: columns.map((name) => ({ name, dataType: null })),
      rows,
      rowCount: rows.length,
      truncated: documents.length > limit,
    };
  }

  /**
   * The configured endpoints with what the driver's monitoring last saw of each (members it discovered
   * beyond the seed list are not listed). Active: the primary when known, else the first healthy
   * endpoint; null before the first connection and when every endpoint is down.
   */
  status(): DriverStatus {
    const endpoints = [...this.#endpoints.values()].map((state) => ({ ...state }));
    const active = this.#closed || !this.#connected ? null : (this.#serving ?? endpoints.find((state) => state.healthy)?.address ?? null);
    return { activeEndpoint: active, endpoints };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#serving = null;
    await this.#client.close();
  }

  async #run<T>(work: (db: Db) => Promise<T>, timeoutMs?: number): Promise<T> {
    try {
      await this.#connect();
      return await work(this.#client.db(this.#config.database));
    } catch (error) {
      this.#noteFailure(error);
      throw toAppError(error, { ...this.#errors, timeoutMs });
    }
  }

  async #connect(): Promise<void> {
    if (this.#closed) throw new AppError(ErrorCode.DATABASE_UNAVAILABLE, 'The database connection is closed.');
    this.#connecting ??= this.#client.connect().then(
      () => {
        this.#connected = true;
      },
      (error: unknown) => {
        this.#connecting = undefined; // the next call tries again
        throw error;
      },
    );
    await this.#connecting;
  }

  /** A statement's time limit: the caller's, never above the pool's. */
  #timeout(requested: number | undefined): number {
    const ceiling = this.#pool.statementTimeoutMs;
    if (requested === undefined || !Number.isFinite(requested)) return ceiling;
    return Math.max(1, Math.min(Math.floor(requested), ceiling));
  }

  /** Follows the driver's monitoring: which member serves, and which configured endpoints answer. */
  #observe(topology: TopologyDescription): void {
    let serving: string | null = null;
    for (const [address, server] of topology.servers) {
      if (SERVING_TYPES.has(server.type) && (serving === null || server.type === 'RSPrimary')) serving = address;
      const state = this.#endpoints.get(address.toLowerCase());
      if (state === undefined) continue;
      if (server.type !== 'Unknown') {
        state.healthy = true;
        state.lastError = null;
      } else if (server.error) {
        state.healthy = false;
        state.lastError = unavailableReason(server.error, this.#errors) ?? 'the server did not answer';
      }
    }
    this.#serving = serving;
  }

  /** No server could be selected: every configured endpoint is down, with its own reason when known. */
  #noteFailure(error: unknown): void {
    if (!(error instanceof MongoServerSelectionError)) return;
    const overall = unavailableReason(error, this.#errors) ?? 'no server answered';
    const servers = error.reason?.servers;
    for (const [key, state] of this.#endpoints) {
      const serverError = [...(servers?.entries() ?? [])].find(([address]) => address.toLowerCase() === key)?.[1].error;
      state.healthy = false;
      state.lastError = (serverError ? unavailableReason(serverError, this.#errors) : undefined) ?? overall;
    }
    this.#serving = null;
  }
}

/** Hosts and database only (both checked by the config schema); credentials travel as options. */
function seedListUri(config: MongoConfig): string {
  return `mongodb://${config.endpoints.map(addressOf).join(',')}/${encodeURIComponent(config.database)}`;
}

function clientOptions(config: MongoConfig, pool: PoolSettings): MongoClientOptions {
  const auth = config.user === undefined ? undefined : { username: config.user, ...(config.password === undefined ? {} : { password: config.password }) };
  return {
    appName: 'warden',
    maxPoolSize: Math.max(1, pool.maxConnections), // 0 would mean "no limit"
    minPoolSize: 0,
    maxIdleTimeMS: pool.idleTimeoutMs,
    waitQueueTimeoutMS: pool.acquireTimeoutMs,
    connectTimeoutMS: pool.connectTimeoutMs,
    serverSelectionTimeoutMS: pool.connectTimeoutMs,
    // maxTimeMS stops a query on the server; this stops waiting on a server that went silent.
    socketTimeoutMS: pool.statementTimeoutMs + pool.connectTimeoutMs,
    readPreference: 'primaryPreferred',
    retryReads: true,
    retryWrites: false,
    ...(auth === undefined ? {} : { auth }),
    ...(config.authSource === undefined ? {} : { authSource: config.authSource }),
    ...(config.replicaSet === undefined ? {} : { replicaSet: config.replicaSet }),
    ...(config.tls ? { tls: true } : {}),
    ...(config.tls === 'no-verify' ? { tlsAllowInvalidCertificates: true, tlsAllowInvalidHostnames: true } : {}),
    ...(config.directConnection === undefined ? {} : { directConnection: config.directConnection }),
  };
}

function checkCollectionName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 255) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, 'Name the collection to read.', { field: 'table' });
  }
  if (name.includes('$') || name.includes('\0') || name.startsWith('system.')) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, `${JSON.stringify(name)} is not a collection that can be read.`, { field: 'table' });
  }
  return name;
}

function count(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, `${field} must be a whole number, 0 or more.`, { field });
  }
  return value;
}
