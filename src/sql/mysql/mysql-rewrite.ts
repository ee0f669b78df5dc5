import { AppError, ErrorCode } from '../../errors/app-error.js';
import type { GateCatalog, GateTable, StatementAnalysis, TablePolicy } from '../analysis.js';
import { lexMysql } from './mysql-lexer.js';
import { type AstNode, parseMysql, sqlifyMysql } from './mysql-parser.js';
import { checkRowFilterMysql, parseOverTable } from './mysql-policy.js';
import { type Relation, isNode, notAllowed, quote, tableName } from './mysql-scope.js';
import { prepareMysql } from './mysql-statement.js';

/**
 * Applies table policies (row filters, column masks) and the row cap to a MySQL/MariaDB statement
 * the gate has analysed (DESIGN.md, "The SQL gate", step 5). Works on the AST and prints it back with
 * node-sql-parser's sqlify (identifiers in backticks), so nothing is spliced into the user's text.
 *
 * - Every reference, in any scope, to a table with a policy that is *read* (SELECT FROMs, joins,
 *   sub-queries, INSERT … SELECT sources, non-target tables of multi-table UPDATE/DELETE) becomes
 *   `(SELECT <each column, masked ones as (<mask>) AS col> FROM db.table WHERE (<filter>)) AS <alias
 *   or table name>`, so the rest of the statement is unchanged.
 * - UPDATE and DELETE targets cannot be derived tables: their row filter is ANDed into the WHERE,
 *   with its columns qualified by the target's alias. A write that reads a masked column of its
 *   target (in WHERE, SET, ORDER BY, RETURNING) is refused: the mask cannot apply there and the real
 *   value would leak through which rows are touched.
 * - INSERT targets are untouched, but INSERT … ON DUPLICATE KEY UPDATE and REPLACE on a table with a
 *   row filter are refused: they update or delete an existing row the filter may hide, and MySQL has
 *   no WHERE to put the filter in.
 * - Row cap on a READ: the top-level LIMIT becomes min(existing, rowCap + 1) (the extra row tells the
 *   executor the result was cut). When the LIMIT is a ? placeholder or the last member of a UNION is
 *   parenthesised, the statement is wrapped: `SELECT * FROM (<statement>) AS warden_capped LIMIT n`
 *   (MariaDB needs the alias; a select list with two columns of the same name cannot be wrapped and
 *   will be refused by the server). EXPLAIN is rewritten the same way, so it shows the plan that
 *   would run.
 */

const CAPPED_ALIAS = 'warden_capped';

/** LIMIT with this count keeps every row: 2^64 - 1, as the MySQL manual suggests for "all rows". */
const ALL_ROWS = '18446744073709551615';

/** The parser keeps identifiers with their backticks doubled; so must we when building nodes. */
function raw(name: string): string {
  return name.replace(/`/g, '``');
}

function checkMask(expression: string, table: GateTable): void {
  parseOverTable(table, expression, 'column', 'column mask');
}

function maskedColumns(policy: TablePolicy, table: GateTable): Map<string, string> {
  const masks = new Map<string, string>();
  for (const [column, expression] of Object.entries(policy.masks ?? {})) {
    const actual = table.columns.find((name) => name.toLowerCase() === column.toLowerCase());
    if (actual === undefined) {
      notAllowed(`The column mask names \`${column}\`, which ${tableName(table)} does not have.`, 'column mask');
    }
    masks.set(actual, expression);
  }
  return masks;
}

function hasEffect(policy: TablePolicy | undefined): policy is TablePolicy {
  return policy !== undefined && ((policy.rowFilter ?? '').trim() !== '' || Object.keys(policy.masks ?? {}).length > 0);
}

function derivedTable(table: GateTable, policy: TablePolicy): AstNode {
  const masks = maskedColumns(policy, table);
  for (const expression of masks.values()) checkMask(expression, table);
  const filter = (policy.rowFilter ?? '').trim();
  if (filter !== '') checkRowFilterMysql(filter, table);
  const columns = table.columns.map((column) => {
    const mask = masks.get(column);
    return mask === undefined ? quote(column) : `(${mask}) AS ${quote(column)}`;
  });
  // With a row filter, the derived table gets a LIMIT of every row (the largest the server accepts):
  // MySQL and MariaDB neither merge a derived table with a LIMIT into the outer query (derived_merge)
  // nor push the outer query's conditions into it (MariaDB condition_pushdown_for_derived, MySQL
  // derived_condition_pushdown). So the statement's own conditions, joins and casts only ever see rows
  // the filter let through, and an error they raise cannot carry a hidden row's value.
  const where = filter === '' ? '' : ` WHERE (${filter}) LIMIT ${ALL_ROWS}`;
  const text = `SELECT ${columns.join(', ')} FROM ${tableName(table)}${where}`;
  return parseMysql(lexMysql(text).code).ast;
}

function qualifyColumns(value: unknown, alias: string): void {
  if (Array.isArray(value)) {
    for (const item of value) qualifyColumns(item, alias);
    return;
  }
  if (!isNode(value)) return;
  if (value.type === 'column_ref') {
    value.table = raw(alias);
    value.db = null;
    return;
  }
  for (const child of Object.values(value)) qualifyColumns(child, alias);
}

function checkMasksNotRead(policy: TablePolicy | undefined, relation: Relation, statement: string): void {
  if (!policy || !relation.base) return;
  const masks = maskedColumns(policy, relation.base);
  for (const column of relation.readColumns) {
    if (masks.has(column)) {
      notAllowed(
        `This ${statement} reads the masked column \`${relation.base.name}\`.\`${column}\` of the table it writes; masks cannot apply there.`,
        'masked column in write',
        { column: `${relation.base.schema}.${relation.base.name}.${column}` },
      );
    }
  }
}

/**
 * `WHERE (filter) AND CASE WHEN (filter) THEN (condition) ELSE FALSE END`: the filter still drives the
 * scan, while the statement's own condition, inside CASE, is evaluated only on rows the filter lets
 * through (MySQL and MariaDB evaluate AND's operands in any order, and on a constant table all of them).
 */
function andWhere(statement: AstNode, relation: Relation, filter: string): void {
  const table = relation.base as GateTable;
  const parsed = (): AstNode => {
    const { expression } = parseOverTable(table, filter, 'where', 'row filter');
    qualifyColumns(expression, relation.alias);
    expression.parentheses = true;
    return expression;
  };
  const guard = (condition: AstNode): AstNode => {
    condition.parentheses = true;
    return { type: 'case', expr: null, args: [{ type: 'when', cond: parsed(), result: condition }, { type: 'else', result: { type: 'bool', value: false } }] };
  };
  const existing = statement.where;
  statement.where = isNode(existing) ? { type: 'binary_expr', operator: 'AND', left: parsed(), right: guard(existing) } : parsed();
  // A multi-table UPDATE or DELETE joins its target in FROM: its ON conditions are guarded the same way
  // (rows the filter hides are dropped by the WHERE anyway, so this changes no result).
  const joined = statement.type === 'update' ? statement.table : statement.from;
  for (const item of Array.isArray(joined) ? joined : []) {
    if (isNode(item) && isNode(item.on)) item.on = guard(item.on);
  }
}

/** sqlify prints an INSERT column list as it is stored, without quotes; a column named like a keyword would then break. */
function quoteInsertColumns(root: AstNode): void {
  if ((root.type === 'insert' || root.type === 'replace') && Array.isArray(root.columns)) {
    root.columns = root.columns.map((column) => (typeof column === 'string' && !column.startsWith('`') ? `\`${column}\`` : column));
  }
}

/** Applies the row cap to a READ's top-level query; returns the (possibly new) root. */
function capRows(root: AstNode, cap: number): AstNode {
  const max = cap + 1;
  const top = root.type === 'explain' && isNode(root.expr) ? root.expr : root;
  if (top.type !== 'select') return root;
  let last: AstNode = top;
  while (isNode(last._next)) last = last._next;
  const target = last === top || last.parentheses_symbol !== true ? last : undefined;
  if (target) {
    const limit = target.limit;
    if (!isNode(limit) || !Array.isArray(limit.value) || limit.value.length === 0) {
      target.limit = { seperator: '', value: [{ type: 'number', value: max }] };
      return root;
    }
    const index = limit.seperator === ',' ? 1 : 0;
    const count = limit.value[index];
    if (isNode(count) && (count.type === 'number' || count.type === 'bigint')) {
      limit.value[index] = { type: 'number', value: Number(count.value) < max ? Number(count.value) : max };
      return root;
    }
  }
  const wrapper = parseMysql(`SELECT * FROM (SELECT 1) AS ${quote(CAPPED_ALIAS)} LIMIT ${max}`).ast;
  const from = (wrapper.from as AstNode[])[0] as AstNode;
  (from.expr as AstNode).ast = top;
  if (top !== root) {
    root.expr = wrapper;
    return root;
  }
  return wrapper;
}

/**
 * Rewrites a statement for the asking agent's policies and row cap. `analysis` must be the gate's
 * analysis of this same statement (checked by fingerprint). Synchronous; throws AppError.
 */
export function rewriteMysql(
  sql: string,
  analysis: StatementAnalysis,
  catalog: GateCatalog,
  policies: readonly TablePolicy[],
  rowCap?: number,
): string {
  if (rowCap !== undefined && !(Number.isSafeInteger(rowCap) && rowCap >= 0)) {
    throw new AppError(ErrorCode.INTERNAL, 'The row cap must be a whole number of rows.');
  }
  const prepared = prepareMysql(sql, catalog);
  if (prepared.analysis.fingerprint !== analysis.fingerprint || prepared.analysis.kind !== analysis.kind) {
    throw new AppError(ErrorCode.INTERNAL, 'The analysis given to the rewriter is for a different statement.');
  }
  const { bindings, grammar } = prepared;
  let ast = prepared.ast;
  const policyFor = (table: GateTable | undefined): TablePolicy | undefined =>
    table === undefined ? undefined : policies.find((policy) => policy.schema === table.schema && policy.table === table.name);

  const wrapped = new Set<Relation>();
  for (const [node, relation] of bindings.reads) {
    const policy = policyFor(relation.base);
    if (!relation.base || !hasEffect(policy)) continue;
    const derived = derivedTable(relation.base, policy);
    delete node.db;
    delete node.table;
    delete node.addition;
    node.expr = { ast: derived, parentheses: true };
    node.as = raw(relation.alias);
    wrapped.add(relation);
  }
  for (const { node, relation } of bindings.dbQualifiedRefs) {
    if (wrapped.has(relation)) node.db = null;
  }

  for (const relation of bindings.targets) {
    const policy = policyFor(relation.base);
    if (!hasEffect(policy)) continue;
    checkMasksNotRead(policy, relation, prepared.analysis.statementType);
    const filter = (policy.rowFilter ?? '').trim();
    if (filter !== '') andWhere(ast, relation, filter);
  }

  const insert = bindings.insertTarget;
  if (insert) {
    const policy = policyFor(insert.relation.base);
    if (hasEffect(policy)) {
      if ((policy.rowFilter ?? '').trim() !== '' && (insert.onDuplicateUpdate || insert.replace)) {
        notAllowed(
          `${insert.replace ? 'REPLACE' : 'INSERT … ON DUPLICATE KEY UPDATE'} is not allowed on ${tableName(insert.relation.base as GateTable)}: ` +
            'it can change or delete an existing row that your row filter hides.',
          insert.replace ? 'REPLACE with row filter' : 'ON DUPLICATE KEY UPDATE with row filter',
        );
      }
      checkMasksNotRead(policy, insert.relation, prepared.analysis.statementType);
    }
  }

  if (rowCap !== undefined && prepared.analysis.kind === 'READ') ast = capRows(ast, rowCap);
  quoteInsertColumns(ast);
  for (const node of bindings.defaultKeywords) {
    for (const key of Object.keys(node)) delete node[key];
    Object.assign(node, { type: 'origin', value: 'DEFAULT' });
  }
  const output = sqlifyMysql(ast, grammar);
  verifyRewrite(output, prepared.analysis, catalog);
  return output;
}

/**
 * The printed statement goes through the gate again: it must pass, keep its kind and statement type,
 * and touch no table the original did not. Guards against the printer dropping or mangling anything.
 */
function verifyRewrite(output: string, original: StatementAnalysis, catalog: GateCatalog): void {
  let again: StatementAnalysis;
  try {
    again = prepareMysql(output, catalog).analysis;
  } catch (error) {
    throw new AppError(
      ErrorCode.SQL_NOT_ALLOWED,
      'The gate could not apply your access policies to this statement safely; try writing it more simply.',
      { construct: 'rewrite' },
      { cause: error },
    );
  }
  const known = new Set(original.tables.map((table) => `${table.schema}.${table.table}`));
  const same =
    again.kind === original.kind &&
    again.statementType === original.statementType &&
    again.tables.every((table) => known.has(`${table.schema}.${table.table}`));
  if (!same) {
    throw new AppError(ErrorCode.SQL_NOT_ALLOWED, 'The gate could not apply your access policies to this statement safely; try writing it more simply.', {
      construct: 'rewrite',
    });
  }
}
