import { DEFAULT_POOL_SETTINGS, type DatabaseDriver, type EndpointState, type PoolSettings } from '../../plugins/drivers/driver.js';
import type { DriverRegistry } from '../../plugins/drivers/registry.js';
import { isAdmin, type Principal } from '../auth/principal.js';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { newId } from '../ids.js';
import type { Logger } from '../logger.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { Store } from '../store/open-store.js';
import type { DatabaseRecord } from '../store/repositories/index.js';
import type { StoreConfig } from '../config.js';
import type { CatalogService } from './catalog.service.js';
import type { ConnectorRegistry } from './connector-registry.js';
import {
  resolveConnection,
  resolvePool,
  splitSecrets,
  type ConnectionInput,
  type PoolSettingsChanges,
  type ResolvedConnection,
} from './database-settings.js';
import { readStoredConfig, type StoredConfig } from './database-config.js';
import { resolveLimits, type DatabaseLimits, type DatabaseLimitsChanges } from './database-limits.js';
import { toDatabase, type Database } from './models.js';
import { pointsAtStore } from './store-target.js';

export type DatabaseState = 'AVAILABLE' | 'UNAVAILABLE';

export interface DatabaseStatus {
  state: DatabaseState;
  checkedAt: Date;
  /** Why it is unavailable, in words safe to show (no credentials). */
  message: string | null;
  serverVersion: string | null;
  latencyMs: number | null;
  /** The endpoint serving now (`host:port`), or null. */
  activeEndpoint: string | null;
  endpoints: EndpointState[];
}

export interface ConnectionTestResult {
  ok: boolean;
  message: string;
  serverVersion: string | null;
  endpoint: string | null;
  latencyMs: number | null;
}

export interface ConnectDatabaseInput extends ConnectionInput {
  name: string;
  description?: string | null | undefined;
  pool?: PoolSettingsChanges | null | undefined;
  limits?: DatabaseLimitsChanges | null | undefined;
}

export interface UpdateDatabaseInput extends ConnectionInput {
  name?: string | null | undefined;
  description?: string | null | undefined;
  pool?: PoolSettingsChanges | null | undefined;
  limits?: DatabaseLimitsChanges | null | undefined;
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

export class DatabaseService {
  readonly #changeListeners: ((databaseId: string) => void)[] = [];
  /** The reason last logged per database that could not be opened, so a retry that fails alike is not logged again. */
  readonly #reported = new Map<string, string>();
  constructor(
    private readonly store: Store,
    private readonly connectors: ConnectorRegistry,
    private readonly drivers: DriverRegistry,
    private readonly catalog: CatalogService,
    private readonly secrets: SecretBox,
    /** `store`: the control-plane store, which is never registered as a database. */
    private readonly limits: { maxConnections: number; store?: StoreConfig | undefined },
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Creates drivers for every registered database (connections open on first use). */
  async openAll(): Promise<void> {
    for (const record of await this.store.repos.databases.list()) {
      if (this.connectors.has(record.id)) continue;
      try {
        const { resolved, pool } = this.#load(record);
        this.connectors.set(record.id, resolved.factory.create(resolved.settings, { pool }));
        this.connectors.setLimits(record.id, this.#limitsOf(record));
      } catch (error) {
        this.#unopened(record.id, error);
      }
    }
  }

  /** Remembers why a registered database could not be opened here, so its queries say so, and logs it once. */
  #unopened(databaseId: string, error: unknown): void {
    const reason = unopenedReason(error);
    if (this.#reported.get(databaseId) !== reason) this.log.error({ err: error, databaseId }, 'could not open a registered database');
    this.#reported.set(databaseId, reason);
    this.connectors.setUnopened(databaseId, reason);
  }

  /** Called after a database is connected, changed or removed here, so other replicas follow. */
  onChanged(listener: (databaseId: string) => void): void {
    this.#changeListeners.push(listener);
  }

  #changed(databaseId: string): void {
    for (const listener of this.#changeListeners) listener(databaseId);
  }

  /** Another replica changed this database: open it as the store now has it, or close it if it is gone. */
  async reload(id: string): Promise<void> {
    const record = await this.store.repos.databases.findById(id);
    this.catalog.invalidate(id);
    if (!record) {
      await this.connectors.remove(id);
      return;
    }
    const { resolved, pool } = this.#load(record);
    this.connectors.set(id, resolved.factory.create(resolved.settings, { pool }));
    this.connectors.setLimits(id, this.#limitsOf(record));
    this.catalog.invalidate(id);
  }

  /** Admins see every database; an agent sees those it holds a grant on. */
  async list(principal: Principal): Promise<Database[]> {
    if (isAdmin(principal)) return (await this.store.repos.databases.list()).map((r) => this.#toModel(r));
    if (principal.kind !== 'agent') return [];
    const grants = await this.store.repos.grants.listActiveForAgents([principal.agentId], this.now());
    const ids = [...new Set(grants.map((g) => g.databaseId))];
    return (await this.store.repos.databases.listByIds(ids)).map((r) => this.#toModel(r));
  }

  /** One database, or NOT_FOUND, also when it exists but the principal may not see it. */
  async get(principal: Principal, id: string): Promise<Database> {
    const found = (await this.list(principal)).find((d) => d.id === id);
    if (!found) throw new AppError(ErrorCode.NOT_FOUND, `No database with the id "${id}" is visible to you.`);
    return found;
  }

  async status(databaseId: string): Promise<DatabaseStatus> {
    const driver = this.connectors.get(databaseId);
    const checkedAt = this.now();
    if (!driver) {
      return { state: 'UNAVAILABLE', checkedAt, message: 'No connection is open to this database.', serverVersion: null, latencyMs: null, activeEndpoint: null, endpoints: [] };
    }
    const check = await this.#check(driver);
    const status = driver.status();
    return {
      state: check.ok ? 'AVAILABLE' : 'UNAVAILABLE',
      checkedAt,
      message: check.ok ? null : check.message,
      serverVersion: check.serverVersion,
      latencyMs: check.latencyMs,
      activeEndpoint: status.activeEndpoint,
      endpoints: status.endpoints,
    };
  }

  /** Tests a connection described by `input`, or the stored one of `databaseId`; never saves anything. */
  async testConnection(input: ConnectionInput | null | undefined, databaseId?: string | null): Promise<ConnectionTestResult> {
    if (databaseId) {
      const driver = this.connectors.get(databaseId);
      if (!driver || !(await this.store.repos.databases.findById(databaseId))) throw notFound(databaseId);
      return this.#check(driver);
    }
    if (!input) throw new AppError(ErrorCode.BAD_USER_INPUT, 'Give either a connection to test or a databaseId.');
    const resolved = this.#notTheStore(resolveConnection(this.drivers, input));
    const driver = resolved.factory.create(resolved.settings, { pool: { ...DEFAULT_POOL_SETTINGS, maxConnections: 1 } });
    try {
      return await this.#check(driver);
    } finally {
      await driver.close().catch(() => undefined);
    }
  }

  /** Refuses the store's own PostgreSQL database as a target (the embedded store is the PGlite driver's to refuse). */
  #notTheStore(resolved: ResolvedConnection): ResolvedConnection {
    if (pointsAtStore(this.limits.store, resolved.engine, resolved.settings)) {
      throw new AppError(
        ErrorCode.BAD_USER_INPUT,
        "This is Warden's own store database (WARDEN_STORE_URL), which is never registered as a database: grants on it would expose agents, keys and the audit log. Connect another database.",
        { field: 'database' },
      );
    }
    return resolved;
  }

  /** Registers a database after a successful test; a database that cannot be reached is not saved. */
  async connect(input: ConnectDatabaseInput): Promise<Database> {
    const name = checkName(input.name);
    const resolved = this.#notTheStore(resolveConnection(this.drivers, input));
    const pool = resolvePool(input.pool);
    const limits = resolveLimits(input.limits);
    await this.#checkCapacity(pool.maxConnections);
    if (await this.store.repos.databases.findByName(name)) {
      throw new AppError(ErrorCode.CONFLICT, `A database named "${name}" is already registered. Choose another name.`, { field: 'name' });
    }
    const driver = resolved.factory.create(resolved.settings, { pool });
    try {
      await this.#mustConnect(driver);
      const id = newId('Database');
      const record = await this.store.transaction(async (repos) => {
        if (await repos.databases.findByName(name)) {
          throw new AppError(ErrorCode.CONFLICT, `A database named "${name}" is already registered. Choose another name.`, { field: 'name' });
        }
        return repos.databases.insert({ id, name, description: input.description?.trim() || null, ...this.#persisted(id, resolved, pool, limits), updatedAt: this.now() });
      });
      this.connectors.set(record.id, driver);
      this.connectors.setLimits(record.id, limits);
      this.#changed(record.id);
      return this.#toModel(record);
    } catch (error) {
      await driver.close().catch(() => undefined);
      throw error;
    }
  }

  /** Changes a database; new connection settings are tested before they replace the old ones. */
  async update(id: string, input: UpdateDatabaseInput): Promise<Database> {
    const record = await this.store.repos.databases.findById(id);
    if (!record) throw notFound(id);
    const current = this.#load(record);
    const changesConnection = CONNECTION_FIELDS.some((field) => input[field] !== undefined && input[field] !== null);
    const resolved = changesConnection ? this.#notTheStore(resolveConnection(this.drivers, input, current.resolved)) : current.resolved;
    const pool = resolvePool(input.pool, current.pool);
    const limits = resolveLimits(input.limits, this.#limitsOf(record));
    if (pool.maxConnections > current.pool.maxConnections) await this.#checkCapacity(pool.maxConnections - current.pool.maxConnections);
    const name = input.name ? checkName(input.name) : record.name;
    const poolChanged = JSON.stringify(pool) !== JSON.stringify(current.pool);
    let driver: DatabaseDriver | undefined;
    if (changesConnection || poolChanged) {
      driver = resolved.factory.create(resolved.settings, { pool });
      try {
        await this.#mustConnect(driver);
      } catch (error) {
        await driver.close().catch(() => undefined);
        throw error;
      }
    }
    try {
      const updated = await this.store.transaction(async (repos) => {
        if (name !== record.name && (await repos.databases.findByName(name))) {
          throw new AppError(ErrorCode.CONFLICT, `A database named "${name}" is already registered. Choose another name.`, { field: 'name' });
        }
        return repos.databases.update(id, {
          name,
          description: input.description === undefined || input.description === null ? record.description : input.description.trim() || null,
          ...this.#persisted(id, resolved, pool, limits),
          updatedAt: this.now(),
        });
      });
      if (!updated) throw notFound(id);
      this.connectors.setLimits(id, limits);
      if (driver) {
        this.connectors.set(id, driver);
        this.catalog.invalidate(id);
      }
      this.#changed(id);
      return this.#toModel(updated);
    } catch (error) {
      await driver?.close().catch(() => undefined);
      throw error;
    }
  }

  /** Unregisters a database: its grants go with it, its connections are closed. */
  async remove(id: string): Promise<Database> {
    const removed = await this.store.transaction((repos) => repos.databases.delete(id));
    if (!removed) throw notFound(id);
    await this.connectors.remove(id);
    this.catalog.invalidate(id);
    this.#changed(id);
    return this.#toModel(removed);
  }

  /** Seals credentials again with the current key where an older key sealed them. */
  async resealStaleSecrets(): Promise<number> {
    let resealed = 0;
    for (const record of await this.store.repos.databases.list()) {
      if (!record.secretCiphertext || !record.secretKeyId || !this.secrets.isStale(record.secretKeyId)) continue;
      const plaintext = this.secrets.open({ keyId: record.secretKeyId, ciphertext: record.secretCiphertext }, sealContext(record.id));
      const sealed = this.secrets.seal(plaintext, sealContext(record.id));
      await this.store.repos.databases.update(record.id, { secretCiphertext: sealed.ciphertext, secretKeyId: sealed.keyId });
      resealed += 1;
    }
    return resealed;
  }

  async #check(driver: DatabaseDriver): Promise<ConnectionTestResult> {
    try {
      const check = await driver.testConnection();
      return { ok: true, message: `Connected: server ${check.serverVersion}.`, serverVersion: check.serverVersion, endpoint: check.endpoint, latencyMs: check.latencyMs };
    } catch (error) {
      const message = error instanceof AppError ? error.message : 'The database did not answer.';
      if (!(error instanceof AppError)) this.log.warn({ err: error }, 'connection test failed unexpectedly');
      return { ok: false, message, serverVersion: null, endpoint: null, latencyMs: null };
    }
  }

  async #mustConnect(driver: DatabaseDriver): Promise<void> {
    const check = await this.#check(driver);
    if (!check.ok) {
      throw new AppError(ErrorCode.DATABASE_UNAVAILABLE, `Warden could not connect, so nothing was saved. ${check.message}`);
    }
  }

  async #checkCapacity(additional: number): Promise<void> {
    const inUse = (await this.store.repos.databases.list()).reduce((sum, r) => sum + this.#poolOf(r).maxConnections, 0);
    if (inUse + additional > this.limits.maxConnections) {
      throw new AppError(
        ErrorCode.CONFLICT,
        `That would allow ${inUse + additional} connections in all, over the cap of ${this.limits.maxConnections} (WARDEN_MAX_CONNECTIONS). Lower pool.maxConnections or raise the cap.`,
        { field: 'pool' },
      );
    }
  }

  #persisted(id: string, resolved: ResolvedConnection, pool: PoolSettings, limits: DatabaseLimits) {
    const { open, secret } = splitSecrets(resolved.factory, resolved.settings);
    const sealed = Object.keys(secret).length > 0 ? this.secrets.seal(JSON.stringify(secret), sealContext(id)) : undefined;
    const config: StoredConfig = { settings: open, pool, limits };
    return {
      engine: resolved.engine,
      config: JSON.stringify(config),
      secretCiphertext: sealed?.ciphertext ?? null,
      secretKeyId: sealed?.keyId ?? null,
    };
  }

  #load(record: DatabaseRecord): { resolved: ResolvedConnection; pool: PoolSettings } {
    const factory = this.drivers.get(record.engine);
    const stored = readStoredConfig(record.id, record.config);
    const secret =
      record.secretCiphertext && record.secretKeyId
        ? (JSON.parse(this.secrets.open({ keyId: record.secretKeyId, ciphertext: record.secretCiphertext }, sealContext(record.id))) as Record<string, unknown>)
        : {};
    const settings = factory.configSchema.parse({ ...stored.settings, ...secret }) as Record<string, unknown>;
    return { resolved: { engine: record.engine, factory, settings }, pool: stored.pool };
  }

  #limitsOf(record: DatabaseRecord): DatabaseLimits {
    return readStoredConfig(record.id, record.config).limits;
  }

  #poolOf(record: DatabaseRecord): PoolSettings {
    return readStoredConfig(record.id, record.config).pool;
  }

  /**
   * What the API shows. Credentials are never decrypted for it: a sealed secret only tells the driver's
   * `describe` that there is one to mask.
   */
  #toModel(record: DatabaseRecord): Database {
    const stored = readStoredConfig(record.id, record.config);
    let connection = `${record.engine}://…`;
    try {
      const factory = this.drivers.get(record.engine);
      const sealed = record.secretCiphertext ? Object.fromEntries(factory.secretFields.map((field) => [field, '****'])) : {};
      connection = factory.describe({ ...stored.settings, ...sealed });
    } catch {
      // Shown as the bare engine when the driver is not known here.
    }
    return { ...toDatabase(record), connection, pool: stored.pool, limits: stored.limits };
  }
}

const CONNECTION_FIELDS = ['engine', 'connectionString', 'endpoints', 'host', 'port', 'database', 'user', 'password', 'ssl', 'dataDir', 'settings'] as const;

/** Binds sealed credentials to their database row. */
function sealContext(databaseId: string): string {
  return `warden:database:${databaseId}`;
}

function checkName(raw: string): string {
  const name = raw.trim();
  if (!NAME_PATTERN.test(name)) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, 'A database name is 1 to 63 letters, digits, dots, dashes or underscores, starting with a letter or digit.', {
      field: 'name',
    });
  }
  return name;
}

/**
 * Why stored settings cannot be used by this process, in words safe to show a caller: the settings'
 * problems (never their values), or the credentials' problem; anything else is in the log.
 */
function unopenedReason(error: unknown): string {
  const issues = (error as { name?: unknown; issues?: unknown } | null)?.issues;
  if ((error as { name?: unknown } | null)?.name === 'ZodError' && Array.isArray(issues)) {
    const problems = (issues as { path: PropertyKey[]; message: string }[]).map((issue) => `${issue.path.map(String).join('.') || 'settings'}: ${issue.message}`);
    return `its stored settings do not fit this process (${problems.join('; ')}). Start it with the same settings as the gateway that registered the database.`;
  }
  if (error instanceof AppError && /credentials/i.test(error.message)) return `${error.message} Start this process with the gateway's WARDEN_SECRET_KEY.`;
  return 'see the log of this Warden process.';
}

function notFound(id: string): AppError {
  return new AppError(ErrorCode.NOT_FOUND, `No database has the id "${id}".`);
}
