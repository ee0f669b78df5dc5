import { CamelCasePlugin, Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { StoreConfig, StorePoolConfig } from '../config.js';
import { AppError } from '../errors/app-error.js';
import type { PoolUse } from '../../plugins/drivers/driver.js';
import { containPoolErrors } from '../../plugins/drivers/postgres/contain-pool-errors.js';
import { openPGliteClient } from '../../plugins/drivers/pglite/pglite-client.js';
import { PGliteDialect } from '../../plugins/drivers/pglite/pglite-dialect.js';
import { migrateToLatest } from './migrate.js';
import { createRepositories, type Repositories } from './repositories/index.js';
import type { StoreDb, StoreSchema } from './store-schema.js';
import { withStoreErrors } from './store-errors.js';
import { claimTransactionScope } from './transaction-scope.js';

interface StoreHandle {
  readonly kind: StoreConfig['kind'];
  readonly db: StoreDb;
  poolUse(): PoolUse | undefined;
  close(): Promise<void>;
}

export interface Store {
  readonly kind: StoreConfig['kind'];
  readonly db: StoreDb;
  readonly repos: Repositories;
  /** Round-trips to the store; throws when it cannot. */
  ping(): Promise<void>;
  /**
   * Runs `work` in one transaction: all of it lands or none of it does. With `lock`, the transaction
   * first takes a store-wide advisory lock of that name, so replicas doing the same work queue up.
   * Inside a transaction scope (transaction-scope.ts), the scope's records land in it too.
   */
  transaction<T>(work: (repos: Repositories) => Promise<T>, options?: { lock?: string }): Promise<T>;
  /** The PostgreSQL store's connection pool as it is now (for /metrics); undefined for the embedded store. */
  poolUse(): PoolUse | undefined;
  close(): Promise<void>;
}

function toStore(handle: StoreHandle): Store {
  const { db } = handle;
  return {
    kind: handle.kind,
    db,
    repos: createRepositories(db),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    transaction: async (work, options) => {
      // A change made for a caller carries the caller's audit record in the same transaction.
      const scope = claimTransactionScope();
      const result = await db.transaction().execute(async (trx) => {
        if (options?.lock) await sql`select pg_advisory_xact_lock(hashtext(${options.lock}))`.execute(trx);
        const repos = createRepositories(trx);
        const done = await work(repos);
        await scope?.beforeCommit(repos);
        return done;
      });
      scope?.afterCommit();
      return result;
    },
    poolUse: handle.poolUse,
    close: handle.close,
  };
}

/** Opens the control-plane store (PGlite in a folder, or PostgreSQL) and migrates it to the newest schema. */
export async function openStore(config: StoreConfig): Promise<Store> {
  const store = toStore(config.kind === 'postgres' ? openPostgres(config.url, config.pool ?? DEFAULT_POOL) : await openPGlite(config.dataDir));
  try {
    // Migrations name tables and columns as the database does, as they were written.
    await migrateToLatest(store.db.withoutPlugins());
  } catch (error) {
    await store.close();
    // At start the operator needs the driver's own words (which host refused), not the retry advice.
    throw error instanceof AppError && error.cause instanceof Error ? error.cause : error;
  }
  return store;
}

/**
 * Columns are snake_case in the store and camelCase in TypeScript: Kysely writes `createdAt` as
 * created_at in every query it builds, and reads rows back with camelCase keys. Raw SQL (sql``) is
 * written as the database names things. A JSON column's own keys (column masks, settings) are left as
 * they are.
 */
const camelCase = () => new CamelCasePlugin({ maintainNestedObjectKeys: true });

/** WARDEN_STORE_POOL_MAX and WARDEN_STORE_POOL_TIMEOUT_MS's defaults. */
export const DEFAULT_POOL: StorePoolConfig = { max: 20, timeoutMs: 15_000 };

function openPostgres(url: string, poolConfig: StorePoolConfig): StoreHandle {
  // Past `max` connections, queries queue (without bound) for up to `timeoutMs` for a free one, then
  // fail with STORE_UNAVAILABLE; a burst waits its turn rather than failing.
  const pool = new pg.Pool({
    connectionString: url,
    max: poolConfig.max,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: poolConfig.timeoutMs,
    application_name: 'warden-store',
  });
  // A client losing its connection must not take the process down; the next query reconnects.
  containPoolErrors(pool);
  const db = new Kysely<StoreSchema>({ dialect: withStoreErrors(new PostgresDialect({ pool })), plugins: [camelCase()] });
  return {
    kind: 'postgres',
    db,
    poolUse: () => ({ used: pool.totalCount - pool.idleCount, idle: pool.idleCount, pending: pool.waitingCount, max: poolConfig.max }),
    close: () => db.destroy(),
  };
}

async function openPGlite(dataDir: string): Promise<StoreHandle> {
  const client = await openPGliteClient(dataDir);
  const db = new Kysely<StoreSchema>({ dialect: withStoreErrors(new PGliteDialect(client)), plugins: [camelCase()] });
  return {
    kind: 'pglite',
    db,
    poolUse: () => undefined,
    close: async () => {
      await db.destroy();
      if (!client.closed) await client.close();
    },
  };
}
