import type { Node, ParseResult, RangeVar, ResTarget, SelectStmt } from 'libpg-query';
import type { GateTable, TablePolicy } from '../analysis.js';
import { PostgresAnalyser } from './postgres-analyser.js';
import { kindOf, payloadOf, quoteIdent } from './postgres-ast.js';
import { ensureParser, guarded, parseRemembered, syntaxError } from './postgres-parser.js';
import { notAllowed } from './postgres-refusals.js';

/**
 * Row filters and column masks, Postgres side: checked when a grant is given (one expression over the
 * table's own columns, allowed scalar functions only) and parsed for the rewriter.
 */

/**
 * Checks a row-filter predicate before it is stored: it may reference only the given table's
 * columns and allowed scalar functions — no subqueries, no other tables, no parameters, no
 * aggregates. Throws SQL_SYNTAX or SQL_NOT_ALLOWED.
 */
export async function checkRowFilterPostgres(
  predicate: string,
  table: GateTable,
): Promise<void> {
  await guarded(() => parsePolicyExpression('row filter', predicate, table));
}

/** Checks a column mask expression the same way as a row filter (it is shown instead of the column). */
export async function checkColumnMaskPostgres(
  expression: string,
  table: GateTable,
): Promise<void> {
  await guarded(() => parsePolicyExpression('column mask', expression, table));
}

export interface PreparedPolicy {
  table: GateTable;
  rowFilter: Node | undefined;
  masks: Map<string, Node>;
}

export async function preparePolicy(policy: TablePolicy, table: GateTable): Promise<PreparedPolicy | undefined> {
  const rowFilter =
    policy.rowFilter !== undefined && policy.rowFilter.trim() !== ''
      ? await parsePolicyExpression('row filter', policy.rowFilter, table)
      : undefined;
  const masks = new Map<string, Node>();
  for (const [column, expression] of Object.entries(policy.masks ?? {})) {
    if (!table.columns.includes(column)) continue; // a mask on a column that no longer exists hides nothing
    masks.set(column, await parsePolicyExpression('column mask', expression, table));
  }
  if (rowFilter === undefined && masks.size === 0) return undefined;
  return { table, rowFilter, masks };
}

/**
 * Parses a policy expression on its own (`SELECT <mask> FROM t` / `SELECT 1 FROM t WHERE <filter>`),
 * checks it is exactly one expression over the table's own columns, and returns its AST. The AST,
 * not the text, is spliced into statements, so a policy cannot inject SQL.
 */
async function parsePolicyExpression(
  what: 'row filter' | 'column mask',
  expression: string,
  table: GateTable,
): Promise<Node> {
  const from = `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
  const prefix = what === 'row filter' ? `SELECT 1 FROM ${from} WHERE ` : 'SELECT ';
  const text = what === 'row filter' ? `${prefix}${expression}` : `${prefix}${expression} FROM ${from}`;
  await ensureParser();
  let parsed: ParseResult;
  try {
    parsed = await parseRemembered(text);
  } catch (error) {
    throw syntaxError(error, prefix.length);
  }
  const statement = parsed.stmts?.[0]?.stmt;
  const single = parsed.stmts?.length === 1 && kindOf(statement) === 'SelectStmt' ? payloadOf<SelectStmt>(statement as Node) : undefined;
  const shapeOk =
    single !== undefined &&
    (single.op ?? 'SETOP_NONE') === 'SETOP_NONE' &&
    single.targetList?.length === 1 &&
    single.fromClause?.length === 1 &&
    kindOf(single.fromClause[0]) === 'RangeVar' &&
    payloadOf<RangeVar>(single.fromClause[0] as Node).alias === undefined &&
    (what === 'row filter' ? single.whereClause !== undefined : single.whereClause === undefined) &&
    single.withClause === undefined &&
    single.intoClause === undefined &&
    single.groupClause === undefined &&
    single.havingClause === undefined &&
    single.windowClause === undefined &&
    single.sortClause === undefined &&
    single.distinctClause === undefined &&
    single.limitCount === undefined &&
    single.limitOffset === undefined &&
    single.lockingClause === undefined &&
    single.valuesLists === undefined;
  const result = payloadOf<ResTarget>(single?.targetList?.[0] ?? ({ ResTarget: {} } as Node));
  const node = what === 'row filter' ? single?.whereClause : result.val;
  if (!shapeOk || node === undefined || (what === 'column mask' && result.name !== undefined)) {
    throw notAllowed(`The ${what} must be a single SQL expression.`, { reason: `invalid ${what}` });
  }
  new PostgresAnalyser({ searchPath: [], tables: [] }, 'policy').policyExpression(node, { schema: table.schema, name: table.name, columns: [...table.columns] });
  return node;
}
