import type { Catalog } from '../../../plugins/drivers/catalog.js';
import type { GateCatalog } from '../analysis.js';
import { gateTables, type SqlGate } from '../gate.js';
import { analysePostgres } from './postgres-analyser.js';
import { checkColumnMaskPostgres, checkRowFilterPostgres } from './postgres-policy.js';
import { rewritePostgres } from './postgres-rewrite.js';

/**
 * The SQL gate for every driver that declares the `postgres` dialect (PostgreSQL, PGlite, and any
 * server speaking PostgreSQL's SQL). Its parts, each in its own file:
 * - postgres-parser.ts: libpg-query (PostgreSQL's own parser) and the deparser, behind one door;
 * - postgres-analyser.ts with postgres-expressions.ts, postgres-scope.ts and postgres-nodes.ts:
 *   classify the statement and resolve every table, column and function (postgres-functions.ts);
 * - postgres-rewrite.ts: row filters, masks and the row cap, printed and checked again;
 * - postgres-policy.ts: row filters and masks checked when granted;
 * - postgres-refusals.ts: what each refusal says.
 */
export function createPostgresGate(): SqlGate {
  return {
    dialect: 'postgres',
    catalogOf,
    analyse: analysePostgres,
    rewrite: rewritePostgres,
    explain: (sql) => `explain (format json) ${sql}`,
    checkRowFilter: checkRowFilterPostgres,
    checkMask: checkColumnMaskPostgres,
  };
}

/** Unqualified names are looked up on the connection's own search_path, as introspection read it. */
function catalogOf(catalog: Catalog): GateCatalog {
  const searchPath = catalog.searchPath ?? (catalog.schemas.includes('public') ? ['public'] : []);
  return { searchPath, tables: gateTables(catalog) };
}
