import type { DatabaseDriver } from '../../plugins/drivers/driver.js';

/** The open driver of each registered database, by database id. */
export class ConnectorRegistry {
  readonly #drivers = new Map<string, DatabaseDriver>();

  /** Puts a driver in place, closing the one it replaces. */
  set(databaseId: string, driver: DatabaseDriver): void {
    const previous = this.#drivers.get(databaseId);
    this.#drivers.set(databaseId, driver);
    if (previous && previous !== driver) void previous.close().catch(() => undefined);
  }

  get(databaseId: string): DatabaseDriver | undefined {
    return this.#drivers.get(databaseId);
  }

  has(databaseId: string): boolean {
    return this.#drivers.has(databaseId);
  }

  /** Closes and forgets the database's driver, if open. */
  async remove(databaseId: string): Promise<void> {
    const driver = this.#drivers.get(databaseId);
    this.#drivers.delete(databaseId);
    await driver?.close().catch(() => undefined);
  }

  async closeAll(): Promise<void> {
    const drivers = [...this.#drivers.values()];
    this.#drivers.clear();
    await Promise.allSettled(drivers.map((driver) => driver.close()));
  }
}
