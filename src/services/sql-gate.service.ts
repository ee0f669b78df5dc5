import { LRUCache } from 'lru-cache';
import type { CatalogRelationRead } from '../../plugins/drivers/catalog.js';
import { AppError, ErrorCode } from '../errors/app-error.js';
import type { GateCatalog, StatementAnalysis, TablePolicy } from '../sql/analysis.js';
import { analysePostgres, checkColumnMaskPostgres, checkRowFilterPostgres, rewritePostgres } from '../sql/postgres/postgres-gate.js';
import type { ConditionChecker } from './grant.service.js';

type Table = { schema: string; name: string; columns: string[] };

/** The MySQL gate pulls in node-sql-parser (half a second to load): loaded when first needed, not at start. */
let mysqlGate: Promise<typeof import('../sql/mysql/mysql-gate.js')> | undefined;
const loadMysqlGate = () => (mysqlGate ??= import('../sql/mysql/mysql-gate.js'));

/**
 * The SQL gate per engine: parse, classify, resolve, check, rewrite. Postgres and PGlite share
 * libpg-query; MySQL and MariaDB use node-sql-parser behind a lexer of our own. Engines without SQL
 * (MongoDB) take none.
 */
export class SqlGateService implements ConditionChecker {
  /**
   * Decisions are pure functions of (statement, catalog, policies), so they are remembered per catalog
   * (a refreshed catalog is a new object, and starts afresh): an agent repeating a statement with new
   * parameters skips parsing. Only successes are kept; a refusal is worked out again each time. Per
   * catalog, the most recently used 2,000 within 4 million characters of statement text.
   */
  readonly #memo = new WeakMap<GateCatalog, LRUCache<string, Promise<StatementAnalysis | string>>>();

  async analyse(engine: string, sql: string, catalog: GateCatalog): Promise<StatementAnalysis> {
    return this.#remember(catalog, `a\u0000${engine}\u0000${sql}`, () => {
      switch (dialectOf(engine)) {
        case 'postgres':
          return analysePostgres(sql, catalog);
        case 'mysql':
          return loadMysqlGate().then((gate) => gate.analyseMysql(sql, catalog));
      }
    }) as Promise<StatementAnalysis>;
  }

  async rewrite(
    engine: string,
    sql: string,
    analysis: StatementAnalysis,
    catalog: GateCatalog,
    policies: readonly TablePolicy[],
    rowCap: number | undefined,
  ): Promise<string> {
    if (policies.length === 0 && rowCap === undefined) return sql;
    const key = `r\u0000${engine}\u0000${sql}\u0000${JSON.stringify(policies)}\u0000${rowCap ?? ''}`;
    return this.#remember(catalog, key, () => {
      switch (dialectOf(engine)) {
        case 'postgres':
          return rewritePostgres(sql, analysis, catalog, policies, rowCap);
        case 'mysql':
          return loadMysqlGate().then((gate) => gate.rewriteMysql(sql, analysis, catalog, policies, rowCap));
      }
    }) as Promise<string>;
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
  async viewReads(engine: string, definition: string, schema: string, catalog: GateCatalog): Promise<CatalogRelationRead[] | null> {
    try {
      const own = { searchPath: [schema, ...catalog.searchPath.filter((s) => s !== schema)], tables: catalog.tables };
      const analysis = dialectOf(engine) === 'postgres' ? await analysePostgres(definition, own) : (await loadMysqlGate()).analyseMysql(definition, own);
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

  async checkRowFilter(engine: string, predicate: string, table: Table): Promise<void> {
    switch (dialectOf(engine)) {
      case 'postgres':
        return checkRowFilterPostgres(predicate, table);
      case 'mysql':
        return (await loadMysqlGate()).checkRowFilterMysql(predicate, table);
    }
  }

  /** A mask is one expression over the table's own columns. */
  async checkMask(engine: string, expression: string, table: Table): Promise<void> {
    if (dialectOf(engine) === 'postgres') return checkColumnMaskPostgres(expression, table);
    // MySQL: checked as `(<expression>) is null`, after making sure it cannot close that parenthesis.
    if (!balanced(expression)) {
      throw new AppError(ErrorCode.SQL_NOT_ALLOWED, 'A mask is one expression; its parentheses and quotes must balance.', { field: 'columnMasks' });
    }
    await this.checkRowFilter(engine, `(${expression}) is null`, table);
  }
}

function dialectOf(engine: string): 'postgres' | 'mysql' {
  if (engine === 'postgres' || engine === 'pglite') return 'postgres';
  if (engine === 'mysql') return 'mysql';
  throw new AppError(ErrorCode.SQL_NOT_ALLOWED, `${engine} databases take no SQL; use rows.`);
}

/** Parentheses balance outside quotes, and every quote closes. */
function balanced(text: string): boolean {
  let depth = 0;
  let quote: string | undefined;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    else if (ch === '(') depth += 1;
    else if (ch === ')' && --depth < 0) return false;
    else if (ch === ';') return false;
  }
  return depth === 0 && quote === undefined;
}
