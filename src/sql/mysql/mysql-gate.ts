import type { Catalog } from '../../../plugins/drivers/catalog.js';
import type { GateCatalog } from '../analysis.js';
import { gateTables, type SqlGate } from '../gate.js';

/**
 * The SQL gate for every driver that declares the `mysql` dialect (MySQL, MariaDB). Its parts, each
 * in its own file:
 * - mysql-lexer.ts: executable comments, optimizer hints, stacked statements and sql_mode-dependent
 *   quoting refused before any parsing; mysql-fingerprint.ts from its tokens;
 * - mysql-parser.ts: node-sql-parser behind one door (mysql-within-group.ts carries WITHIN GROUP
 *   through it);
 * - mysql-statement.ts: refuse by leading keyword what is not a plain read or write, then resolve
 *   every table, column and function with mysql-resolver.ts, mysql-expressions.ts and mysql-scope.ts
 *   (functions: mysql-functions.ts);
 * - mysql-rewrite.ts: row filters, masks and the row cap;
 * - mysql-policy.ts: row filters and masks checked when granted.
 * The parts that need node-sql-parser (half a second to load) are loaded when first used, not at start.
 */
export function createMysqlGate(): SqlGate {
  let parts: Promise<[typeof import('./mysql-statement.js'), typeof import('./mysql-rewrite.js'), typeof import('./mysql-policy.js')]> | undefined;
  const load = () => (parts ??= Promise.all([import('./mysql-statement.js'), import('./mysql-rewrite.js'), import('./mysql-policy.js')]));
  return {
    dialect: 'mysql',
    catalogOf,
    analyse: async (sql, catalog) => (await load())[0].analyseMysql(sql, catalog),
    rewrite: async (sql, analysis, catalog, policies, rowCap) => (await load())[1].rewriteMysql(sql, analysis, catalog, policies, rowCap),
    explain: (sql) => `explain format=json ${sql}`,
    checkRowFilter: async (predicate, table) => (await load())[2].checkRowFilterMysql(predicate, table),
    checkMask: async (expression, table) => (await load())[2].checkMaskMysql(expression, table),
  };
}

/** Unqualified names are looked up in the connection's own database. */
function catalogOf(catalog: Catalog): GateCatalog {
  return { searchPath: catalog.schemas.slice(0, 1), tables: gateTables(catalog) };
}
