import type { GateCatalog, StatementAnalysis } from '../analysis.js';
import { prepareMysql } from './mysql-statement.js';

/**
 * The MySQL/MariaDB side of the SQL gate (DESIGN.md, "The SQL gate"). Synchronous and pure: no I/O.
 *
 * 1. Lex the text (mysql-lexer.ts): executable comments, optimizer hints, stacked statements and
 *    sql_mode-dependent quoting are refused before any parsing.
 * 2. Refuse by leading keyword every statement that is not a plain read or write, naming it.
 * 3. Parse with node-sql-parser (mysql-parser.ts) and resolve every table, column and function
 *    against the catalog with an allow-list walker (mysql-resolver.ts).
 * Rewriting for row filters, masks and the row cap lives in mysql-rewrite.ts.
 */

export { rewriteMysql, checkRowFilterMysql } from './mysql-rewrite.js';

/**
 * Analyses one MySQL/MariaDB statement against the catalog. Synchronous. Throws AppError:
 * SQL_SYNTAX when it cannot be lexed or parsed, SQL_NOT_ALLOWED for anything not understood or not
 * allowed (with `details.construct` naming it).
 */
export function analyseMysql(sql: string, catalog: GateCatalog): StatementAnalysis {
  return prepareMysql(sql, catalog).analysis;
}
