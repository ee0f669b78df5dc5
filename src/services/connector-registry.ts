import type { DatabaseDriver } from '../../plugins/drivers/driver.js';

/** The open driver of each registered database, by database id. */
export class ConnectorRegistry {
  readonly #drivers = new Map<string, DatabaseDriver>();

  set(databaseId: string, driver: DatabaseDriver): void {
    this.#drivers.set(databaseId, driver);
  }

  get(databaseId: string): DatabaseDriver | undefined {
    return this.#drivers.get(databaseId);
  }

  async closeAll(): Promise<void> {
    const drivers = [...this.#drivers.values()];
    this.#drivers.clear();
    await Promise.allSettled(drivers.map((driver) => driver.close()));
  }
}
