import { LRUCache } from 'lru-cache';
import type { Catalog, CatalogRelationRead } from '../../plugins/drivers/catalog.js';
import { AppError, ErrorCode } from '../errors/app-error.js';
import type { GateCatalog, SqlDialect, StatementAnalysis } from '../sql/analysis.js';
import type { SqlGate } from '../sql/gate.js';
import { sqlGateFor } from '../sql/gates.js';

/** What the gate is chosen by: the driver of a database (its engine named in refusals). */
export interface SqlSpeaker {
  engine: string;
  sqlDialect?: SqlDialect | undefined;
}

/**
 * The SQL gate of each database, chosen by the dialect its driver declares (src/sql/gates.ts):
 * Postgres, PGlite and any driver declaring `postgres` share libpg-query; MySQL and MariaDB use
 * node-sql-parser behind a lexer of our own. Engines without SQL (MongoDB) take none.
 */
export class SqlGateService {
  readonly #gates = new Map<SqlDialect, SqlGate>();

  /**
   * Decisions are pure functions of (statement, catalog, policies), so they are remembered per catalog
   * (a refreshed catalog is a new object, and starts afresh): an agent repeating a statement with new
   * parameters skips parsing. Only successes are kept; a refusal is worked out again each time. Per
   * catalog, the most recently used 2,000 within 4 million characters of statement text.
   */
  readonly #memo = new WeakMap<GateCatalog, LRUCache<string, Promise<StatementAnalysis | string>>>();

  /** The gate for a database's driver; SQL_NOT_ALLOWED when the driver declares no SQL dialect. */
  for(driver: SqlSpeaker): SqlGate {
    const dialect = driver.sqlDialect;
    if (dialect === undefined) throw new AppError(ErrorCode.SQL_NOT_ALLOWED, `${driver.engine} databases take no SQL; use rows.`);
    let gate = this.#gates.get(dialect);
    if (gate === undefined) {
      gate = this.#remembering(sqlGateFor(dialect));
      this.#gates.set(dialect, gate);
    }
    return gate;
  }

  /** The dialect's gate, with what it worked out kept: the gate's catalog per catalog read, analyses and rewrites per gate catalog. */
  #remembering(gate: SqlGate): SqlGate {
    const catalogs = new WeakMap<Catalog, GateCatalog>();
    return {
      ...gate,
      catalogOf: (catalog) => {
        let known = catalogs.get(catalog);
        if (known === undefined) catalogs.set(catalog, (known = gate.catalogOf(catalog)));
        return known;
      },
      analyse: (sql, catalog) => this.#remember(catalog, `a\u0000${gate.dialect}\u0000${sql}`, () => gate.analyse(sql, catalog)),
      rewrite: async (sql, analysis, catalog, policies, rowCap) => {
        if (policies.length === 0 && rowCap === undefined) return sql;
        const key = `r\u0000${gate.dialect}\u0000${sql}\u0000${JSON.stringify(policies)}\u0000${rowCap ?? ''}`;
        return this.#remember(catalog, key, () => gate.rewrite(sql, analysis, catalog, policies, rowCap));
      },
    };
  }

  #remember<T extends StatementAnalysis | string>(catalog: GateCatalog, key: string, work: () => Promise<T>): Promise<T> {
    let memo = this.#memo.get(catalog);
    if (!memo) this.#memo.set(catalog, (memo = new LRUCache({ max: 2_000, maxSize: 4_000_000, sizeCalculation: (_, key) => Math.max(1, key.length) })));
    const known = memo.get(key);
    if (known) return known as Promise<T>;
    const pending = work();
    memo.set(key, pending);
    pending.catch(() => memo.delete(key));
    return pending;
  }

  /**
   * What a view's definition reads, resolved by the gate against the catalog (`schema` is the view's
   * own, for the names it leaves unqualified). null when the gate cannot tell: the definition does not
   * parse, is not a plain read, or names what the catalog does not hold. Such a view is then refused
   * unless granted by name.
   */
  async viewReads(gate: SqlGate, definition: string, schema: string, catalog: GateCatalog): Promise<CatalogRelationRead[] | null> {
    try {
      const own = { searchPath: [schema, ...catalog.searchPath.filter((s) => s !== schema)], tables: catalog.tables };
      // The gate itself, not the remembering one: `own` is made for this one definition.
      const analysis = await sqlGateFor(gate.dialect).analyse(definition, own);
      if (analysis.kind !== 'READ') return null;
      const reads = new Map<string, CatalogRelationRead>();
      for (const use of analysis.tables) {
        const key = `${use.schema}\u0000${use.table}`;
        const read = reads.get(key) ?? { schema: use.schema, name: use.table, columns: [] as string[] | null };
        reads.set(key, read);
        for (const column of use.columns) if (read.columns && !read.columns.includes(column.column)) read.columns.push(column.column);
      }
      return [...reads.values()];
    } catch {
      return null;
    }
  }
}
