import { AppError, ErrorCode } from '../../errors/app-error.js';
import type { ColumnUse, GateTable, TableAction, TableUse } from '../analysis.js';
import type { AstNode } from './mysql-parser.js';

/**
 * What the MySQL/MariaDB resolver (mysql-resolver.ts with mysql-expressions.ts) works with: the
 * relations a FROM clause makes visible, the CTEs in scope, the tables, columns and functions used so
 * far, and small helpers over node-sql-parser's AST that refuse what they do not understand.
 */

/** A name a FROM clause makes visible: a base table, a derived table or a CTE reference. */
export interface Relation {
  /** The qualifier for its columns: the alias, else the table name. */
  alias: string;
  aliased: boolean;
  base: GateTable | undefined;
  /** Output columns (catalog spelling for base tables). */
  columns: string[];
  /** The FROM entry in the AST. */
  node: AstNode;
  /** read: a table the statement reads (rewritten with its policy); target: UPDATE/DELETE target. */
  role: 'read' | 'target' | 'pending';
  /** Columns of this reference the statement reads (catalog spelling). */
  readColumns: Set<string>;
}

export interface MysqlBindings {
  /** Base-table references in read position, keyed by their FROM entry. */
  reads: Map<AstNode, Relation>;
  /** UPDATE and DELETE targets. */
  targets: Relation[];
  insertTarget: { relation: Relation; onDuplicateUpdate: boolean; replace: boolean } | undefined;
  /** Column references written `db.table.column`, which must lose `db` when the table is wrapped. */
  dbQualifiedRefs: { node: AstNode; relation: Relation }[];
  /** `DEFAULT` in VALUES and SET: the parser keeps it as a column named default, and would print it back quoted. */
  defaultKeywords: AstNode[];
}

export interface MysqlResolution {
  kind: 'READ' | 'WRITE';
  statementType: 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'REPLACE' | 'EXPLAIN';
  tables: TableUse[];
  functions: string[];
  bindings: MysqlBindings;
}

export const SYSTEM_SCHEMAS = new Set(['information_schema', 'mysql', 'performance_schema', 'sys']);

export const BINARY_OPERATORS = new Set([
  '=', '<>', '!=', '<', '>', '<=', '>=', '<=>', 'AND', 'OR', 'XOR', '&&', '||', '+', '-', '*', '/', 'DIV',
  'MOD', '%', '^', '&', '|', '<<', '>>', 'IS', 'IS NOT', 'IN', 'NOT IN', 'BETWEEN', 'NOT BETWEEN', 'LIKE',
  'NOT LIKE', 'REGEXP', 'NOT REGEXP', 'RLIKE', 'NOT RLIKE', '->', '->>',
]);

export const UNARY_OPERATORS = new Set(['-', '+', '!', 'NOT', '~', 'EXISTS', 'NOT EXISTS']);

export const JOINS = new Set([
  'JOIN', 'INNER JOIN', 'LEFT JOIN', 'LEFT OUTER JOIN', 'RIGHT JOIN', 'RIGHT OUTER JOIN', 'CROSS JOIN',
  'STRAIGHT_JOIN',
]);

export const SET_OPERATORS = new Set([
  'union', 'union all', 'union distinct', 'intersect', 'intersect all', 'intersect distinct', 'except',
  'except all', 'except distinct', 'minus',
]);

export const LITERAL_TYPES = new Set([
  'number', 'bigint', 'single_quote_string', 'natural_string', 'hex_string', 'full_hex_string', 'bit_string', 'bool',
  'boolean', 'null', 'date', 'datetime', 'time', 'timestamp',
]);

export const SELECT_OPTIONS = new Set([
  'sql_calc_found_rows', 'sql_no_cache', 'sql_cache', 'sql_small_result', 'sql_big_result',
  'sql_buffer_result', 'high_priority', 'straight_join',
]);

/**
 * Keywords the parser mistakes for a column when they precede an expression (`SELECT BINARY a` reads
 * as column `binary` aliased `a`, `SELECT DISTINCTROW a` likewise). The server sees the keyword, so a
 * column reference by one of these names is refused rather than resolved.
 */
export const MISREAD_KEYWORDS = new Set([
  'binary', 'distinct', 'distinctrow', 'all', 'high_priority', 'straight_join', 'sql_small_result',
  'sql_big_result', 'sql_buffer_result', 'sql_no_cache', 'sql_cache', 'sql_calc_found_rows', 'interval',
  'current_user', 'localtime', 'localtimestamp', 'utc_date', 'utc_time', 'utc_timestamp', 'null',
]);

export const FRAME_KEYWORDS = /^(?:rows|range|current row|unbounded preceding|unbounded following)$/i;
export const FRAME_OFFSET = /^\d+(?: (?:preceding|following))?$/i;

export function notAllowed(message: string, construct: string, extra?: Record<string, unknown>): never {
  throw new AppError(ErrorCode.SQL_NOT_ALLOWED, message, { construct, ...extra });
}

export function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || value === false || value === '' || (Array.isArray(value) && value.length === 0);
}

/** Denies any property the walker does not handle (unless it is empty). */
export function expectKeys(node: AstNode, where: string, allowed: readonly string[]): void {
  for (const [key, value] of Object.entries(node)) {
    if (!allowed.includes(key) && !isEmpty(value)) {
      notAllowed(`The gate does not support ${where} with "${key}".`, `${where}.${key}`);
    }
  }
}

/** An identifier as MySQL quotes it: in backticks, a backtick doubled. */
export function quote(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** `db`.`table`, quoted. */
export function tableName(table: { schema: string; name: string }): string {
  return `${quote(table.schema)}.${quote(table.name)}`;
}

/** The parser keeps `` `a``b` `` as a``b; the name is a`b. */
export function unescapeIdentifier(raw: string): string {
  return raw.replace(/``/g, '`');
}

export function identifier(value: unknown, what: string): string {
  if (typeof value === 'string') return unescapeIdentifier(value);
  if (isNode(value) && typeof value.value === 'string' && (value.type === 'backticks_quote_string' || value.type === 'default')) {
    return unescapeIdentifier(value.value);
  }
  return notAllowed(`The gate does not understand the ${what} name in this statement.`, `${what} name`);
}

export function optionalIdentifier(value: unknown, what: string): string | undefined {
  return isEmpty(value) ? undefined : identifier(value, what);
}

export function columnName(value: unknown): string {
  if (isNode(value) && isNode(value.expr)) return identifier(value.expr, 'column');
  return identifier(value, 'column');
}

export function sameColumn(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

const ACTION_ORDER: readonly TableAction[] = ['READ', 'INSERT', 'UPDATE', 'DELETE'];

function orderedActions(actions: ReadonlySet<TableAction>): TableAction[] {
  return ACTION_ORDER.filter((action) => actions.has(action));
}

export class Usage {
  private readonly tables = new Map<string, { table: GateTable; actions: Set<TableAction>; columns: Map<string, Set<TableAction>> }>();
  readonly functions: string[] = [];

  private entry(table: GateTable) {
    const key = `${table.schema}\u0000${table.name}`;
    let entry = this.tables.get(key);
    if (!entry) {
      entry = { table, actions: new Set(), columns: new Map() };
      this.tables.set(key, entry);
    }
    return entry;
  }

  touch(table: GateTable, action: TableAction): void {
    this.entry(table).actions.add(action);
  }

  column(table: GateTable, column: string, action: TableAction): void {
    const entry = this.entry(table);
    entry.actions.add(action);
    let actions = entry.columns.get(column);
    if (!actions) {
      actions = new Set();
      entry.columns.set(column, actions);
    }
    actions.add(action);
  }

  fn(name: string): void {
    if (!this.functions.includes(name)) this.functions.push(name);
  }

  result(): TableUse[] {
    return [...this.tables.values()].map(({ table, actions, columns }) => ({
      schema: table.schema,
      table: table.name,
      actions: orderedActions(actions),
      columns: [...columns.entries()].map(([column, columnActions]): ColumnUse => ({ column, actions: orderedActions(columnActions) })),
    }));
  }
}

export class Scope {
  readonly relations: Relation[] = [];
  /** Columns merged by JOIN … USING: an unqualified reference reads every relation in the group. */
  readonly coalesced = new Map<string, Relation[]>();
  constructor(readonly parent: Scope | undefined) {}
}

export interface CteDefinition {
  name: string;
  columns: string[];
  /** A recursive CTE whose first SELECT is being read: it may not refer to itself yet. */
  pending?: boolean;
}

export class CteEnvironment {
  readonly definitions = new Map<string, CteDefinition>();
  constructor(readonly parent: CteEnvironment | undefined) {}

  lookup(name: string): CteDefinition | undefined {
    return this.definitions.get(name) ?? this.parent?.lookup(name);
  }
}

export interface ExprContext {
  scope: Scope;
  env: CteEnvironment;
  /** Select-list aliases visible here (GROUP BY, HAVING, ORDER BY), lower-case. */
  aliases?: ReadonlySet<string> | undefined;
  /** Named windows of the current SELECT. */
  windows?: ReadonlySet<string> | undefined;
  /** `DEFAULT` may stand for a value (VALUES rows, SET values). */
  allowDefault?: boolean | undefined;
  /** VALUES(col) is allowed: INSERT … ON DUPLICATE KEY UPDATE on this relation. */
  onDuplicateTarget?: Relation | undefined;
  /** Row filters and masks: no sub-queries. */
  noSubqueries?: boolean | undefined;
  /** Why column references are refused here (INSERT … VALUES rows). */
  columnsRefused?: string | undefined;
}
