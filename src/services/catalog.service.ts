import type { Catalog } from '../../plugins/drivers/catalog.js';
import type { DatabaseDriver } from '../../plugins/drivers/driver.js';
import type { SqlDialect } from '../sql/analysis.js';
import type { ConnectorRegistry } from './connector-registry.js';
import type { SqlGateService } from './sql-gate.service.js';

/** Works out what a view reads from its definition, with the gate of the database's dialect (SqlGateService.viewReads). */
export type ViewReadsResolver = Pick<SqlGateService, 'for' | 'viewReads'>;

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
    /** Without one, a view the driver gives only a definition for stays unresolved (`reads: null`): refused unless granted by name. */
    private readonly views?: ViewReadsResolver,
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

  /**
   * The SQL dialect the database's driver declares (what its SQL gate is chosen by), or undefined for an
   * engine without SQL. DATABASE_UNAVAILABLE when the database is not open here.
   */
  sqlDialectOf(databaseId: string): SqlDialect | undefined {
    return this.connectors.require(databaseId).sqlDialect;
  }

  #load(databaseId: string): { catalog: Promise<Catalog>; refreshedAt: Date } {
    const driver = this.connectors.require(databaseId);
    this.introspections += 1;
    const entry = { catalog: driver.introspect().then((catalog) => this.#resolveViews(driver, catalog)), refreshedAt: this.now() };
    this.#cache.set(databaseId, entry);
    // A failed introspection is not remembered: the next ask tries again.
    entry.catalog.catch(() => {
      if (this.#cache.get(databaseId) === entry) this.#cache.delete(databaseId);
    });
    return entry;
  }

  /**
   * Views the driver describes by their definition (MySQL, MariaDB) get `reads` worked out from it;
   * the definition itself is dropped, so no later reader of the catalog can show it.
   */
  async #resolveViews(driver: DatabaseDriver, catalog: Catalog): Promise<Catalog> {
    if (!catalog.tables.some((t) => t.definition !== undefined)) return catalog;
    const views = driver.sqlDialect === undefined ? undefined : this.views;
    const gate = views?.for(driver);
    const gateCatalog = gate?.catalogOf(catalog);
    const tables = await Promise.all(
      catalog.tables.map(async ({ definition, ...table }) => {
        if (definition === undefined) return table;
        const reads = views && gate && gateCatalog ? await views.viewReads(gate, definition, table.schema, gateCatalog) : null;
        return { ...table, reads };
      }),
    );
    return { ...catalog, tables };
  }
}
