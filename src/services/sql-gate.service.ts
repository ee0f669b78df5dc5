import { AppError, ErrorCode } from '../errors/app-error.js';
import type { GateCatalog, StatementAnalysis, TablePolicy } from '../sql/analysis.js';
import { analyseMysql, checkRowFilterMysql, rewriteMysql } from '../sql/mysql/mysql-gate.js';
import { analysePostgres, checkColumnMaskPostgres, checkRowFilterPostgres, rewritePostgres } from '../sql/postgres/postgres-gate.js';
import type { ConditionChecker } from './grant.service.js';

type Table = { schema: string; name: string; columns: string[] };

/**
 * The SQL gate per engine: parse, classify, resolve, check, rewrite. Postgres and PGlite share
 * libpg-query; MySQL and MariaDB use node-sql-parser behind a lexer of our own. Engines without SQL
 * (MongoDB) take none.
 */
export class SqlGateService implements ConditionChecker {
  async analyse(engine: string, sql: string, catalog: GateCatalog): Promise<StatementAnalysis> {
    switch (dialectOf(engine)) {
      case 'postgres':
        return analysePostgres(sql, catalog);
      case 'mysql':
        return analyseMysql(sql, catalog);
    }
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
    switch (dialectOf(engine)) {
      case 'postgres':
        return rewritePostgres(sql, analysis, catalog, policies, rowCap);
      case 'mysql':
        return rewriteMysql(sql, analysis, catalog, policies, rowCap);
    }
  }

  async checkRowFilter(engine: string, predicate: string, table: Table): Promise<void> {
    switch (dialectOf(engine)) {
      case 'postgres':
        return checkRowFilterPostgres(predicate, table);
      case 'mysql':
        return checkRowFilterMysql(predicate, table);
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
