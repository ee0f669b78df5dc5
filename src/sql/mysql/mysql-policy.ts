import { AppError, ErrorCode } from '../../errors/app-error.js';
import type { GateTable } from '../analysis.js';
import { lexMysql } from './mysql-lexer.js';
import { type AstNode, type MysqlGrammar, parseMysql } from './mysql-parser.js';
import { MysqlResolver } from './mysql-resolver.js';
import { type Relation, isNode, notAllowed, tableName } from './mysql-scope.js';

/**
 * Row filters and column masks, MySQL/MariaDB side: checked when a grant is given (one expression over
 * the table's own columns, allowed functions only, no sub-queries) and parsed for the rewriter, which
 * splices the parsed expression, never the text, into a statement.
 */

function relationFor(table: GateTable, node: AstNode): Relation {
  return { alias: table.name, aliased: false, base: table, columns: table.columns, node, role: 'read', readColumns: new Set() };
}

/**
 * Parses `SELECT <expression> FROM db.table` or `SELECT 1 FROM db.table WHERE (<predicate>)` and
 * checks the expression: only the table's own columns, allowed functions, no sub-queries.
 */
export function parseOverTable(
  table: GateTable,
  text: string,
  part: 'where' | 'column',
  what: string,
): { expression: AstNode; grammar: MysqlGrammar } {
  try {
    const statement =
      part === 'where' ? `SELECT 1 FROM ${tableName(table)} WHERE (${text})` : `SELECT (${text}) FROM ${tableName(table)}`;
    const { ast, grammar } = parseMysql(lexMysql(statement).code);
    const from = Array.isArray(ast.from) ? ast.from : [];
    const columns = Array.isArray(ast.columns) ? ast.columns : [];
    const extra = ['with', '_next', 'groupby', 'having', 'orderby', 'limit', 'locking_read', 'window', 'options', 'distinct'].filter(
      (key) => ast[key] !== null && ast[key] !== undefined && !(isNode(ast[key]) && Object.keys(ast[key] as AstNode).length === 0),
    );
    const into = isNode(ast.into) ? ast.into.position : ast.into;
    if (ast.type !== 'select' || extra.length > 0 || from.length !== 1 || columns.length !== 1 || (into !== null && into !== undefined)) {
      notAllowed(`The ${what} must be a single expression.`, what);
    }
    const first = columns[0] as AstNode;
    const expression = part === 'where' ? ast.where : first.expr;
    if (!isNode(expression)) notAllowed(`The ${what} must be a single expression.`, what);
    const table0 = from[0] as AstNode;
    new MysqlResolver({ searchPath: [table.schema], tables: [table] }).checkExpressionOverTable(expression, relationFor(table, table0));
    return { expression, grammar };
  } catch (error) {
    if (error instanceof AppError) {
      throw new AppError(
        ErrorCode.SQL_NOT_ALLOWED,
        `The ${what} for ${tableName(table)} is not allowed: ${error.message}`,
        { ...error.details, construct: what, reason: error.code },
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * Checks a row-filter predicate for one table: it may reference only that table's columns and
 * allowed functions, with no sub-queries. Throws SQL_NOT_ALLOWED otherwise (also when it does not parse).
 */
export function checkRowFilterMysql(predicate: string, table: GateTable): void {
  parseOverTable(table, predicate, 'where', 'row filter');
}

/**
 * Checks a column mask when it is granted: one expression over the table's own columns. It is checked
 * as the row filter `(<expression>) is null`, after making sure it cannot close that parenthesis.
 */
export function checkMaskMysql(expression: string, table: GateTable): void {
  if (!balanced(expression)) {
    throw new AppError(ErrorCode.SQL_NOT_ALLOWED, 'A mask is one expression; its parentheses and quotes must balance.', { field: 'columnMasks' });
  }
  checkRowFilterMysql(`(${expression}) is null`, table);
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
