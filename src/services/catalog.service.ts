import type { Catalog } from '../../plugins/drivers/catalog.js';
import type { ConnectorRegistry } from './connector-registry.js';

/**
 * Each database's catalog, introspected once and kept until refreshed (or the database changes).
 * Concurrent asks for the same database share one introspection.
 */
export class CatalogService {
  readonly #cache = new Map<string, { catalog: Promise<Catalog>; refreshedAt: Date }>();
  /** Introspections run since start: what a catalog read really costs. */
  introspections = 0;
  readonly #refreshListeners: ((databaseId: string) => void)[] = [];

  constructor(
    private readonly connectors: ConnectorRegistry,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get(databaseId: string): Promise<Catalog> {
    return (this.#cache.get(databaseId) ?? this.#load(databaseId)).catalog;
  }

  refreshedAt(databaseId: string): Date | null {
    return this.#cache.get(databaseId)?.refreshedAt ?? null;
  }

  /** Reads the catalog again; other replicas are told (through `onRefreshed`) to forget theirs. */
  refresh(databaseId: string): Promise<Catalog> {
    this.#cache.delete(databaseId);
    const catalog = this.get(databaseId);
    void catalog.then(
      () => this.#refreshListeners.forEach((listener) => listener(databaseId)),
      () => undefined,
    );
    return catalog;
  }

  onRefreshed(listener: (databaseId: string) => void): void {
    this.#refreshListeners.push(listener);
  }

  invalidate(databaseId: string): void {
    this.#cache.delete(databaseId);
  }

  #load(databaseId: string): { catalog: Promise<Catalog>; refreshedAt: Date } {
    const driver = this.connectors.require(databaseId);
    this.introspections += 1;
    const entry = { catalog: driver.introspect(), refreshedAt: this.now() };
    this.#cache.set(databaseId, entry);
    // A failed introspection is not remembered: the next ask tries again.
    entry.catalog.catch(() => {
      if (this.#cache.get(databaseId) === entry) this.#cache.delete(databaseId);
    });
    return entry;
  }
}
