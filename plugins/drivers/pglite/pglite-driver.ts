import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import { z } from 'zod';
import { AppError, ErrorCode } from '../../../src/errors/app-error.js';
import type { Catalog } from '../catalog.js';
import type { ConnectionCheck, DatabaseDriver, DriverFactory, DriverStatus, ExecuteOptions, QueryResult } from '../driver.js';
import { CATALOG_QUERY, toCatalog } from '../postgres/postgres-catalog.js';
import { postgresError } from '../postgres/postgres-errors.js';
import { postgresTypeName } from '../postgres/postgres-types.js';
import { openPGliteClient } from './pglite-client.js';
import { FolderInUseError } from './pglite-folder-lock.js';

export const pgliteConfigSchema = z.object({
  /** A folder on the gateway's machine, or `memory://` for a database that lives as long as the process. */
  dataDir: z.string().min(1).max(1024),
});

export type PGliteConfig = z.infer<typeof pgliteConfigSchema>;

/**
 * The PGlite driver, confined to folders below `root` (Warden's data folder): a relative dataDir is
 * taken from there, and one that resolves outside it is refused, so registering a database cannot
 * create or open files anywhere else on the gateway's machine. The data folder itself is refused (a
 * cluster there would sit on top of the store and the secret key), and so is any folder that is one of
 * `reserved` (the control-plane store's folder), lies inside one, or contains one: registering the store
 * as a database would let a grant read its agents, keys and audit log. Paths are compared as they are
 * on disk (symbolic links followed, `..` and trailing slashes resolved) and without regard to case.
 */
export function pgliteDriverFactoryWithin(root: string, reserved: readonly string[] = []): DriverFactory<PGliteConfig> {
  const base = resolve(root);
  const confined = pgliteConfigSchema.transform((config, ctx) => {
    if (config.dataDir.startsWith('memory://')) return config;
    const dataDir = resolve(base, config.dataDir);
    const real = comparable(dataDir);
    const realBase = comparable(base);
    if (!isInside(real, realBase)) {
      ctx.addIssue({
        code: 'custom',
        path: ['dataDir'],
        message:
          real === realBase
            ? "must be a folder inside Warden's data folder (WARDEN_DATA_DIR), not the data folder itself: give it a folder of its own, e.g. databases/<name>"
            : "must be a folder inside Warden's data folder (WARDEN_DATA_DIR)",
      });
      return z.NEVER;
    }
    for (const folder of reserved) {
      const taken = comparable(resolve(folder));
      if (real === taken || isInside(real, taken) || isInside(taken, real)) {
        ctx.addIssue({
          code: 'custom',
          path: ['dataDir'],
          message: "overlaps the folder of Warden's own store, which is never a database to register: give it a folder of its own, e.g. databases/<name>",
        });
        return z.NEVER;
      }
    }
    return { dataDir };
  });
  return { ...pgliteDriverFactory, configSchema: confined as unknown as z.ZodType<PGliteConfig> };
}

/** Whether `path` lies strictly below `folder` (both as `comparable` gives them). */
function isInside(path: string, folder: string): boolean {
  return path.startsWith(folder.endsWith(sep) ? folder : `${folder}${sep}`);
}

/**
 * An absolute path as it is on disk, for comparing: the longest part that exists with its symbolic
 * links followed, the rest as given, in lower case (so `Store` and `store` collide even where the file
 * system would keep them apart: refusing one folder too many is the safe side).
 */
function comparable(path: string): string {
  const rest: string[] = [];
  let current = resolve(path);
  for (;;) {
    try {
      const real = realpathSync.native(current);
      return (rest.length > 0 ? join(real, ...rest.reverse()) : real).toLowerCase();
    } catch {
      const parent = dirname(current);
      if (parent === current) return resolve(path).toLowerCase();
      rest.push(basename(current));
      current = parent;
    }
  }
}

/** The PGlite driver without confinement: for tests and trusted callers that choose the folder themselves. */
export const pgliteDriverFactory: DriverFactory<PGliteConfig> = {
  engine: 'pglite',
  description: 'Embedded PostgreSQL (PGlite) in a folder on the gateway machine.',
  configSchema: pgliteConfigSchema,
  secretFields: [],
  parseConnectionString: (connectionString) => {
    const match = /^pglite:\/\/(.+)$/.exec(connectionString.trim());
    if (!match) {
      throw new AppError(ErrorCode.BAD_USER_INPUT, 'The connection string is not valid: expected pglite:///path/to/folder or pglite://memory.', {
        field: 'connectionString',
      });
    }
    return { dataDir: match[1] === 'memory' ? 'memory://' : (match[1] as string) };
  },
  describe: (config) => (config.dataDir.startsWith('memory://') ? 'pglite://memory' : `pglite://${config.dataDir}`),
  create: (config) => new PGliteDriver(config),
};

/** What a client is told when another process has the folder open (the folder and pid stay in the cause, for the log). */
export const IN_USE_MESSAGE =
  'The embedded database is open in another Warden process, and an embedded database serves one process at a time. Reach it through that process (warden mcp does with WARDEN_URL set).';

/** What trusted code (the demo loader) needs: plain statements and a transaction. Never for outside SQL. */
export interface TrustedSession {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
  transaction<T>(work: (tx: Pick<TrustedSession, 'query'>) => Promise<T>): Promise<T>;
}

/**
 * The embedded Postgres: one PGlite instance in a folder of this machine, opened on first use.
 * PGlite runs in this process and cannot be interrupted mid-statement, so statement timeouts are not
 * enforced here (the SQL gate keeps out the functions that would stall it, such as pg_sleep).
 */
export class PGliteDriver implements DatabaseDriver {
  readonly engine = 'pglite';
  readonly sqlDialect = 'postgres';
  #client: Promise<PGlite> | undefined;
  #closed = false;

  constructor(private readonly config: PGliteConfig) {}

  /** Opens the folder now (creating the cluster if new) rather than on first use. */
  static async open(config: PGliteConfig): Promise<PGliteDriver> {
    const driver = new PGliteDriver(config);
    await driver.#connect();
    return driver;
  }

  async trusted(): Promise<TrustedSession> {
    const client = await this.#connect();
    return {
      query: async <T>(sql: string, params: unknown[] = []) => client.query<T>(sql, params),
      transaction: (work) => client.transaction((tx) => work({ query: async <T>(sql: string, params: unknown[] = []) => tx.query<T>(sql, params) })),
    };
  }

  async testConnection(): Promise<ConnectionCheck> {
    const started = performance.now();
    const client = await this.#connect();
    const result = await client.query<{ server_version: string }>('show server_version').catch((error: unknown) => {
      throw postgresError(error, [], [], 0);
    });
    return { serverVersion: `${result.rows[0]?.server_version ?? 'unknown'} (PGlite)`, endpoint: null, latencyMs: Math.round(performance.now() - started) };
  }

  async introspect(): Promise<Catalog> {
    const client = await this.#connect();
    const result = await client.query<{ catalog: unknown }>(CATALOG_QUERY);
    return toCatalog(result.rows[0]?.catalog);
  }

  async execute(sql: string, params: readonly unknown[], options: ExecuteOptions): Promise<QueryResult> {
    const client = await this.#connect();
    try {
      return await client.transaction(async (tx: Transaction) => {
        if (options.readOnly) await tx.query('set transaction read only');
        const result = await tx.query<Record<string, unknown>>(sql, [...params]);
        const maxRows = options.maxRows ?? Number.POSITIVE_INFINITY;
        const rows = result.rows;
        return {
          columns: result.fields.map((f) => ({ name: f.name, dataType: postgresTypeName(f.dataTypeID) })),
          rows: rows.length > maxRows ? rows.slice(0, maxRows) : rows,
          rowCount: result.fields.length > 0 ? Math.min(rows.length, maxRows) : (result.affectedRows ?? 0),
          truncated: rows.length > maxRows,
        };
      });
    } catch (error) {
      throw postgresError(error, [], [], 0);
    }
  }

  status(): DriverStatus {
    return { activeEndpoint: null, endpoints: [] };
  }

  async close(): Promise<void> {
    this.#closed = true;
    const client = await this.#client?.catch(() => undefined);
    this.#client = undefined;
    if (client && !client.closed) await client.close();
  }

  #connect(): Promise<PGlite> {
    if (this.#closed) return Promise.reject(new AppError(ErrorCode.DATABASE_UNAVAILABLE, 'The embedded database is closed.'));
    this.#client ??= openPGliteClient(this.config.dataDir).catch((error: unknown) => {
      this.#client = undefined;
      // Tried again on the next use: the other process may have let it go by then.
      if (error instanceof FolderInUseError) throw new AppError(ErrorCode.DATABASE_UNAVAILABLE, IN_USE_MESSAGE, undefined, { cause: error });
      throw new AppError(ErrorCode.DATABASE_UNAVAILABLE, 'The embedded database could not be opened.', undefined, { cause: error });
    });
    return this.#client;
  }
}
