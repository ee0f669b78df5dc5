import type { DatabaseDriver } from '../../plugins/drivers/driver.js';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { NO_DATABASE_LIMITS, type DatabaseLimits } from './database-limits.js';

/** The open driver of each registered database, by database id, and why the others could not be opened. */
export class ConnectorRegistry {
  readonly #drivers = new Map<string, DatabaseDriver>();
  /** Registered databases this process could not open, with why in words safe to show. */
  readonly #unopened = new Map<string, string>();
  /** Each database's own limits (result bytes, export bytes, plan cost), as stored with it. */
  readonly #limits = new Map<string, DatabaseLimits>();

  /** Puts a driver in place, closing the one it replaces. */
  set(databaseId: string, driver: DatabaseDriver): void {
    const previous = this.#drivers.get(databaseId);
    this.#drivers.set(databaseId, driver);
    this.#unopened.delete(databaseId);
    if (previous && previous !== driver) void previous.close().catch(() => undefined);
  }

  setLimits(databaseId: string, limits: DatabaseLimits): void {
    this.#limits.set(databaseId, limits);
  }

  /** The database's own limits; none when it has not set any. */
  limitsOf(databaseId: string): DatabaseLimits {
    return this.#limits.get(databaseId) ?? NO_DATABASE_LIMITS;
  }

  get(databaseId: string): DatabaseDriver | undefined {
    return this.#drivers.get(databaseId);
  }

  /** Every open driver, by database id. */
  open(): IterableIterator<[string, DatabaseDriver]> {
    return this.#drivers.entries();
  }

  has(databaseId: string): boolean {
    return this.#drivers.has(databaseId);
  }

  /** The database is registered but this process could not open it (settings it cannot use here). */
  setUnopened(databaseId: string, reason: string): void {
    this.#unopened.set(databaseId, reason);
  }

  /** Whether the database is registered as far as this process knows: open, or known to have failed to open. */
  knows(databaseId: string): boolean {
    return this.#drivers.has(databaseId) || this.#unopened.has(databaseId);
  }

  /** The driver, or DATABASE_UNAVAILABLE saying why there is none. Call it once the caller may know the database exists. */
  require(databaseId: string): DatabaseDriver {
    const driver = this.#drivers.get(databaseId);
    if (driver) return driver;
    const reason = this.#unopened.get(databaseId);
    throw new AppError(
      ErrorCode.DATABASE_UNAVAILABLE,
      reason
        ? `This Warden process could not open the database: ${reason}`
        : 'No connection is open to this database in this Warden process. It may have been connected after this process started; try again shortly.',
    );
  }

  /** Closes and forgets the database's driver, if open. */
  async remove(databaseId: string): Promise<void> {
    const driver = this.#drivers.get(databaseId);
    this.#drivers.delete(databaseId);
    this.#unopened.delete(databaseId);
    this.#limits.delete(databaseId);
    await driver?.close().catch(() => undefined);
  }

  async closeAll(): Promise<void> {
    const drivers = [...this.#drivers.values()];
    this.#drivers.clear();
    await Promise.allSettled(drivers.map((driver) => driver.close()));
  }
}
