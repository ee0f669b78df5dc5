import { createPool, type Pool, type PoolConnection, type PoolOptions, type RowDataPacket } from 'mysql2/promise';
import { AppError, ErrorCode } from '../../../src/errors/app-error.js';
import type { PoolSettings } from '../driver.js';
import type { Endpoint } from '../endpoints.js';
import type { NetworkConfig } from '../network-config.js';

/**
 * One endpoint's mysql2 pool, plus what Warden learns about that server once: whether it is MariaDB
 * (the statement time limit is set differently) and which connections have had their session set up.
 */
export interface EndpointPool {
  pool: Pool;
  /** Known after the first connection is set up. */
  mariaDb: boolean;
  /** Underlying connections whose session is set up (time zone). Keyed by mysql2's own connection. */
  prepared: WeakSet<object>;
}

/** Prepared statements kept per connection. Agents rarely repeat a statement, and the server caps them. */
const MAX_PREPARED_STATEMENTS = 64;

export function openEndpointPool(config: NetworkConfig, endpoint: Endpoint, settings: PoolSettings): EndpointPool {
  const options: PoolOptions = {
    host: endpoint.host,
    port: endpoint.port,
    user: config.user,
    password: config.password,
    database: config.database,
    ssl: config.ssl === true ? { rejectUnauthorized: true } : config.ssl === 'no-verify' ? { rejectUnauthorized: false } : undefined,
    connectionLimit: settings.maxConnections,
    // mysql2 only runs its idle reaper when maxIdle < connectionLimit; one below the limit lets it close
    // every connection idle for idleTimeout while keeping connections in use.
    maxIdle: Math.max(0, settings.maxConnections - 1),
    idleTimeout: settings.idleTimeoutMs,
    connectTimeout: settings.connectTimeoutMs,
    waitForConnections: true,
    queueLimit: 0,
    enableKeepAlive: true,
    // One statement per call, always: the SQL gate checked exactly one.
    multipleStatements: false,
    // No LOAD DATA LOCAL INFILE: the server must never be able to ask for a file from this machine.
    flags: ['-LOCAL_FILES'],
    maxPreparedStatements: MAX_PREPARED_STATEMENTS,
    dateStrings: false,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    timezone: 'Z',
  };
  return { pool: createPool(options), mariaDb: false, prepared: new WeakSet() };
}

/**
 * Connections open, idle and requests queued in a mysql2 pool. mysql2 has no public counts: these are
 * its pool's own queues (stable across 3.x), read as 0 should a release rename them.
 */
export function poolCounts(pool: Pool): { total: number; idle: number; pending: number } {
  const core = (pool as unknown as { pool?: Record<string, { length?: unknown } | undefined> }).pool;
  const length = (name: string) => {
    const value = core?.[name]?.length;
    return typeof value === 'number' ? value : 0;
  };
  return { total: length('_allConnections'), idle: length('_freeConnections'), pending: length('_connectionQueue') };
}

export async function closeEndpointPool(endpointPool: EndpointPool): Promise<void> {
  await endpointPool.pool.end();
}

/**
 * A connection from the pool. mysql2 has no acquire timeout: a request waits in its queue for as long
 * as it takes. So a request that had to queue (every connection busy) gives up after acquireTimeoutMs;
 * one that opens a new connection is bounded by connectTimeout instead, and its failure is a connection
 * failure (failover), not a busy pool. A connection that arrives after the wait gave up goes back.
 */
export function acquireConnection(pool: Pool, acquireTimeoutMs: number): Promise<PoolConnection> {
  let queued = false;
  const onEnqueue = (): void => {
    queued = true;
  };
  // mysql2 emits 'enqueue' synchronously inside getConnection, so this sees only our own request.
  pool.on('enqueue', onEnqueue);
  const pending = pool.getConnection();
  pool.removeListener('enqueue', onEnqueue);
  if (!queued) return pending;

  return new Promise<PoolConnection>((resolve, reject) => {
    let gaveUp = false;
    const timer = setTimeout(() => {
      gaveUp = true;
      reject(
        new AppError(
          ErrorCode.DATABASE_UNAVAILABLE,
          `The database is unavailable: no free connection within ${acquireTimeoutMs} ms.`,
          { acquireTimeoutMs },
        ),
      );
    }, acquireTimeoutMs);
    pending.then(
      (connection) => {
        if (gaveUp) connection.release();
        else {
          clearTimeout(timer);
          resolve(connection);
        }
      },
      (error: unknown) => {
        if (gaveUp) return;
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Sets up a connection's session the first time Warden gets it: UTC, so TIMESTAMP values mean the same
 * instant mysql2 reads them as (timezone 'Z'); and, once per pool, whether the server is MariaDB.
 */
export async function prepareSession(endpointPool: EndpointPool, connection: PoolConnection): Promise<void> {
  const underlying: object = connection.connection;
  if (endpointPool.prepared.has(underlying)) return;
  await connection.query("SET time_zone = '+00:00'");
  endpointPool.mariaDb = isMariaDbVersion(await serverVersion(connection));
  endpointPool.prepared.add(underlying);
}

export async function serverVersion(connection: PoolConnection): Promise<string> {
  const [rows] = await connection.query<VersionRow[]>('SELECT VERSION() AS version');
  return String(rows[0]?.version ?? '');
}

interface VersionRow extends RowDataPacket {
  version: unknown;
}

const isMariaDbVersion = (version: string): boolean => /mariadb/i.test(version);
