import { AppError, ErrorCode } from '../../errors/app-error.js';
import type { ColumnUse, GateCatalog, TableAction, TableUse } from '../analysis.js';
import { MYSQL_ALLOWED_FUNCTIONS, MYSQL_DENIED_FUNCTION_REASONS } from './mysql-functions.js';
import type { AstNode } from './mysql-parser.js';

/**
 * Walks a node-sql-parser AST of one MySQL/MariaDB statement and resolves every table, column and
 * function it touches against the catalog. Deny by default: every node type and every property the
 * walker does not explicitly understand is a denial naming it, so a parser upgrade that starts
 * reporting a new clause fails closed instead of being ignored.
 *
 * Name rules (MariaDB/MySQL on Linux, lower_case_table_names=0):
 * - database and table names, aliases and CTE names compare case-sensitively, as written;
 * - column names compare case-insensitively and are reported in the catalog's spelling;
 * - an unqualified table is looked up in the connection's database (catalog.searchPath[0]) after
 *   the CTEs in scope; `information_schema`, `mysql`, `performance_schema` and `sys` are refused.
 */

export interface CatalogTable {
  schema: string;
  name: string;
  columns: string[];
}

/** A name a FROM clause makes visible: a base table, a derived table or a CTE reference. */
export interface Relation {
  /** The qualifier for its columns: the alias, else the table name. */
  alias: string;
  aliased: boolean;
  base: CatalogTable | undefined;
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

const SYSTEM_SCHEMAS = new Set(['information_schema', 'mysql', 'performance_schema', 'sys']);

const BINARY_OPERATORS = new Set([
  '=', '<>', '!=', '<', '>', '<=', '>=', '<=>', 'AND', 'OR', 'XOR', '&&', '||', '+', '-', '*', '/', 'DIV',
  'MOD', '%', '^', '&', '|', '<<', '>>', 'IS', 'IS NOT', 'IN', 'NOT IN', 'BETWEEN', 'NOT BETWEEN', 'LIKE',
  'NOT LIKE', 'REGEXP', 'NOT REGEXP', 'RLIKE', 'NOT RLIKE', '->', '->>',
]);

const UNARY_OPERATORS = new Set(['-', '+', '!', 'NOT', '~', 'EXISTS', 'NOT EXISTS']);

const JOINS = new Set([
  'JOIN', 'INNER JOIN', 'LEFT JOIN', 'LEFT OUTER JOIN', 'RIGHT JOIN', 'RIGHT OUTER JOIN', 'CROSS JOIN',
  'STRAIGHT_JOIN',
]);

const SET_OPERATORS = new Set([
  'union', 'union all', 'union distinct', 'intersect', 'intersect all', 'intersect distinct', 'except',
  'except all', 'except distinct', 'minus',
]);

const LITERAL_TYPES = new Set([
  'number', 'bigint', 'single_quote_string', 'natural_string', 'hex_string', 'full_hex_string', 'bit_string', 'bool',
  'boolean', 'null', 'date', 'datetime', 'time', 'timestamp',
]);

const SELECT_OPTIONS = new Set([
  'sql_calc_found_rows', 'sql_no_cache', 'sql_cache', 'sql_small_result', 'sql_big_result',
  'sql_buffer_result', 'high_priority', 'straight_join',
]);

/**
 * Keywords the parser mistakes for a column when they precede an expression (`SELECT BINARY a` reads
 * as column `binary` aliased `a`, `SELECT DISTINCTROW a` likewise). The server sees the keyword, so a
 * column reference by one of these names is refused rather than resolved.
 */
const MISREAD_KEYWORDS = new Set([
  'binary', 'distinct', 'distinctrow', 'all', 'high_priority', 'straight_join', 'sql_small_result',
  'sql_big_result', 'sql_buffer_result', 'sql_no_cache', 'sql_cache', 'sql_calc_found_rows', 'interval',
  'current_user', 'localtime', 'localtimestamp', 'utc_date', 'utc_time', 'utc_timestamp', 'null',
]);

const FRAME_KEYWORDS = /^(?:rows|range|current row|unbounded preceding|unbounded following)$/i;
const FRAME_OFFSET = /^\d+(?: (?:preceding|following))?$/i;

function notAllowed(message: string, construct: string, extra?: Record<string, unknown>): never {
  throw new AppError(ErrorCode.SQL_NOT_ALLOWED, message, { construct, ...extra });
}

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || value === false || value === '' || (Array.isArray(value) && value.length === 0);
}

/** Denies any property the walker does not handle (unless it is empty). */
function expectKeys(node: AstNode, where: string, allowed: readonly string[]): void {
  for (const [key, value] of Object.entries(node)) {
    if (!allowed.includes(key) && !isEmpty(value)) {
      notAllowed(`The gate does not support ${where} with "${key}".`, `${where}.${key}`);
    }
  }
}

/** The parser keeps `` `a``b` `` as a``b; the name is a`b. */
function unescapeIdentifier(raw: string): string {
  return raw.replace(/``/g, '`');
}

function identifier(value: unknown, what: string): string {
  if (typeof value === 'string') return unescapeIdentifier(value);
  if (isNode(value) && typeof value.value === 'string' && (value.type === 'backticks_quote_string' || value.type === 'default')) {
    return unescapeIdentifier(value.value);
  }
  return notAllowed(`The gate does not understand the ${what} name in this statement.`, `${what} name`);
}

function optionalIdentifier(value: unknown, what: string): string | undefined {
  return isEmpty(value) ? undefined : identifier(value, what);
}

function columnName(value: unknown): string {
  if (isNode(value) && isNode(value.expr)) return identifier(value.expr, 'column');
  return identifier(value, 'column');
}

function sameColumn(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

const ACTION_ORDER: readonly TableAction[] = ['READ', 'INSERT', 'UPDATE', 'DELETE'];

function orderedActions(actions: ReadonlySet<TableAction>): TableAction[] {
  return ACTION_ORDER.filter((action) => actions.has(action));
}

class Usage {
  private readonly tables = new Map<string, { table: CatalogTable; actions: Set<TableAction>; columns: Map<string, Set<TableAction>> }>();
  readonly functions: string[] = [];

  private entry(table: CatalogTable) {
    const key = `${table.schema}\u0000${table.name}`;
    let entry = this.tables.get(key);
    if (!entry) {
      entry = { table, actions: new Set(), columns: new Map() };
      this.tables.set(key, entry);
    }
    return entry;
  }

  touch(table: CatalogTable, action: TableAction): void {
    this.entry(table).actions.add(action);
  }

  column(table: CatalogTable, column: string, action: TableAction): void {
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

class Scope {
  readonly relations: Relation[] = [];
  /** Columns merged by JOIN … USING: an unqualified reference reads every relation in the group. */
  readonly coalesced = new Map<string, Relation[]>();
  constructor(readonly parent: Scope | undefined) {}
}

interface CteDefinition {
  name: string;
  columns: string[];
  /** A recursive CTE whose first SELECT is being read: it may not refer to itself yet. */
  pending?: boolean;
}

class CteEnvironment {
  readonly definitions = new Map<string, CteDefinition>();
  constructor(readonly parent: CteEnvironment | undefined) {}

  lookup(name: string): CteDefinition | undefined {
    for (let env: CteEnvironment | undefined = this; env; env = env.parent) {
      const found = env.definitions.get(name);
      if (found) return found;
    }
    return undefined;
  }
}

interface ExprContext {
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

export class MysqlResolver {
  private readonly usage = new Usage();
  private readonly bindings: MysqlBindings = {
    reads: new Map(),
    targets: [],
    insertTarget: undefined,
    dbQualifiedRefs: [],
    defaultKeywords: [],
  };

  constructor(private readonly catalog: GateCatalog) {}

  resolveStatement(ast: AstNode): MysqlResolution {
    const root = new CteEnvironment(undefined);
    let kind: MysqlResolution['kind'];
    let statementType: MysqlResolution['statementType'];
    switch (ast.type) {
      case 'select':
        this.query(ast, root, undefined);
        kind = 'READ';
        statementType = 'SELECT';
        break;
      case 'explain': {
        expectKeys(ast, 'EXPLAIN', ['type', 'expr', 'loc']);
        const inner = ast.expr;
        if (!isNode(inner) || inner.type !== 'select') {
          notAllowed('EXPLAIN is only allowed for a SELECT.', 'EXPLAIN of a write');
        }
        this.query(inner, root, undefined);
        kind = 'READ';
        statementType = 'EXPLAIN';
        break;
      }
      case 'insert':
      case 'replace':
        this.insert(ast, root);
        kind = 'WRITE';
        statementType = ast.type === 'insert' ? 'INSERT' : 'REPLACE';
        break;
      case 'update':
        this.update(ast, root);
        kind = 'WRITE';
        statementType = 'UPDATE';
        break;
      case 'delete':
        this.delete(ast, root);
        kind = 'WRITE';
        statementType = 'DELETE';
        break;
      default: {
        const type = typeof ast.type === 'string' ? ast.type.toUpperCase() : 'unknown';
        const keyword = typeof ast.keyword === 'string' ? ` ${ast.keyword.toUpperCase()}` : '';
        notAllowed(`${type}${keyword} statements are not allowed.`, `${type}${keyword}`);
      }
    }
    return { kind, statementType, tables: this.usage.result(), functions: [...this.usage.functions], bindings: this.bindings };
  }

  /** Checks a predicate or expression over one table (row filters, masks): own columns and allowed functions only, no sub-queries. */
  checkExpressionOverTable(expression: unknown, relation: Relation): void {
    const scope = new Scope(undefined);
    scope.relations.push(relation);
    this.expr(expression, { scope, env: new CteEnvironment(undefined), noSubqueries: true });
  }

  // ───────────────────────────── queries ─────────────────────────────

  /** A SELECT with its WITH clause and set-operation chain; returns its output column names ('' when unnamed). */
  private query(node: AstNode, env: CteEnvironment, outer: Scope | undefined): string[] {
    if (node.type !== 'select') notAllowed('Only a SELECT can be used as a sub-query.', String(node.type));
    const localEnv = isEmpty(node.with) ? env : this.withClause(node.with, env, outer);
    const members: AstNode[] = [];
    for (let member: unknown = node; member !== undefined && member !== null; member = (member as AstNode)._next) {
      if (!isNode(member) || member.type !== 'select') notAllowed('Only SELECTs can be combined with UNION.', 'set operation');
      members.push(member);
    }
    let output: string[] = [];
    members.forEach((member, index) => {
      const isLast = index === members.length - 1;
      const unionTail = members.length > 1 && isLast && member.parentheses_symbol !== true;
      if (index < members.length - 1) {
        const op = typeof member.set_op === 'string' ? member.set_op.toLowerCase() : '';
        if (!SET_OPERATORS.has(op)) notAllowed(`The set operation "${String(member.set_op)}" is not supported.`, 'set operation');
      }
      const names = this.select(member, localEnv, outer, { ownWith: index > 0, unionOutput: unionTail ? output : undefined });
      if (index === 0) output = names;
    });
    return output;
  }

  private withClause(value: unknown, env: CteEnvironment, outer: Scope | undefined): CteEnvironment {
    if (!Array.isArray(value)) notAllowed('The gate does not understand this WITH clause.', 'WITH');
    const local = new CteEnvironment(env);
    const recursive = value.some((item) => isNode(item) && item.recursive === true);
    for (const item of value) {
      if (!isNode(item)) notAllowed('The gate does not understand this WITH clause.', 'WITH');
      expectKeys(item, 'WITH', ['name', 'stmt', 'columns', 'recursive']);
      const name = identifier(item.name, 'CTE');
      if (local.definitions.has(name)) notAllowed(`The CTE name \`${name}\` is used twice.`, 'duplicate CTE');
      const statement = isNode(item.stmt) && isNode(item.stmt.ast) ? item.stmt.ast : item.stmt;
      if (!isNode(statement)) notAllowed('The gate does not understand this WITH clause.', 'WITH');
      if (isNode(item.stmt) && isNode(item.stmt.ast)) expectKeys(item.stmt, 'WITH', ['ast', 'tableList', 'columnList', 'parentheses']);
      const explicit = Array.isArray(item.columns) ? item.columns.map((column) => columnName(isNode(column) && 'column' in column ? column.column : column)) : undefined;
      if (recursive) {
        const definition: CteDefinition = { name, columns: explicit ?? [], pending: explicit === undefined };
        local.definitions.set(name, definition);
        if (!explicit) {
          // The anchor (first member) names the columns; it may not refer to the CTE itself.
          definition.columns = this.select(statement, local, outer, { ownWith: true, unionOutput: undefined });
          definition.pending = false;
        }
        this.query(statement, local, outer);
      } else {
        const names = this.query(statement, local, outer);
        local.definitions.set(name, { name, columns: explicit ?? names });
      }
    }
    return local;
  }

  private select(
    node: AstNode,
    env: CteEnvironment,
    outer: Scope | undefined,
    options: { ownWith: boolean; unionOutput: string[] | undefined },
  ): string[] {
    expectKeys(node, 'SELECT', [
      'with', 'type', 'options', 'distinct', 'columns', 'into', 'from', 'where', 'groupby', 'having', 'orderby',
      'limit', 'locking_read', 'window', '_next', 'set_op', 'parentheses_symbol', '_parentheses', 'loc', 'collate',
    ]);
    const localEnv = options.ownWith && !isEmpty(node.with) ? this.withClause(node.with, env, outer) : env;
    if (!isEmpty(node.collate)) notAllowed('COLLATE after a SELECT is not supported.', 'SELECT COLLATE');
    if (!isEmpty(node.options)) {
      if (!Array.isArray(node.options)) notAllowed('The gate does not understand these SELECT options.', 'SELECT options');
      for (const option of node.options) {
        if (typeof option !== 'string' || !SELECT_OPTIONS.has(option.toLowerCase())) {
          notAllowed(`The SELECT option ${String(option)} is not allowed.`, 'SELECT option');
        }
      }
    }
    if (!isEmpty(node.distinct) && !(typeof node.distinct === 'string' && /^distinct$/i.test(node.distinct))) {
      notAllowed('The gate does not understand this DISTINCT clause.', 'DISTINCT');
    }
    if (isNode(node.into)) {
      if (Object.values(node.into).some((value) => !isEmpty(value))) {
        notAllowed('SELECT … INTO (OUTFILE, DUMPFILE, @variables) is not allowed.', 'SELECT INTO');
      }
    } else if (!isEmpty(node.into)) {
      notAllowed('SELECT … INTO (OUTFILE, DUMPFILE, @variables) is not allowed.', 'SELECT INTO');
    }
    if (!isEmpty(node.locking_read)) {
      notAllowed(`Locking reads (${String(node.locking_read).toUpperCase()}) are not allowed.`, 'locking read');
    }

    const scope = new Scope(outer);
    if (!isEmpty(node.from)) {
      if (!Array.isArray(node.from)) notAllowed('The gate does not understand this FROM clause.', 'FROM');
      this.fromList(node.from, scope, localEnv, 'read');
    }

    const windows = this.namedWindows(node.window, { scope, env: localEnv });
    const base: ExprContext = { scope, env: localEnv, windows };

    // Select list.
    const names: string[] = [];
    const aliases = new Set<string>();
    if (node.columns === '*') {
      names.push(...this.star(base, undefined, undefined));
    } else {
      if (!Array.isArray(node.columns)) notAllowed('The gate does not understand this select list.', 'select list');
      for (const item of node.columns) {
        if (!isNode(item)) notAllowed('The gate does not understand this select list.', 'select list');
        expectKeys(item, 'select item', ['expr', 'as', 'type', 'loc']);
        const expr = item.expr;
        if (isNode(expr) && expr.type === 'column_ref' && expr.column === '*') {
          expectKeys(expr, 'column reference', ['type', 'table', 'db', 'column', 'loc']);
          if (!isEmpty(item.as)) notAllowed('A * cannot have an alias.', 'star alias');
          names.push(...this.star(base, optionalIdentifier(expr.table, 'table'), optionalIdentifier(expr.db, 'database'), expr));
          continue;
        }
        this.expr(expr, base);
        const alias = optionalIdentifier(item.as, 'alias');
        if (alias !== undefined) {
          aliases.add(alias.toLowerCase());
          names.push(alias);
        } else if (isNode(expr) && expr.type === 'column_ref' && (typeof expr.column === 'string' || isNode(expr.column))) {
          names.push(columnName(expr.column));
        } else {
          names.push('');
        }
      }
    }

    this.expr(node.where, base);
    const withAliases: ExprContext = { ...base, aliases };
    if (!isEmpty(node.groupby)) {
      const groupby = node.groupby;
      const columns = isNode(groupby) ? groupby.columns : groupby;
      if (isNode(groupby)) {
        expectKeys(groupby, 'GROUP BY', ['columns', 'modifiers']);
        for (const modifier of Array.isArray(groupby.modifiers) ? groupby.modifiers : []) {
          if (modifier === null) continue;
          if (!(isNode(modifier) && modifier.type === 'origin' && typeof modifier.value === 'string' && /^with rollup$/i.test(modifier.value))) {
            notAllowed('The gate does not understand this GROUP BY modifier.', 'GROUP BY modifier');
          }
        }
      }
      if (!Array.isArray(columns)) notAllowed('The gate does not understand this GROUP BY clause.', 'GROUP BY');
      for (const column of columns) this.expr(column, withAliases);
    }
    this.expr(node.having, withAliases);
    if (options.unionOutput) {
      // ORDER BY / LIMIT after the last member of a UNION belong to the whole UNION: they see its output names only.
      const unionScope = new Scope(undefined);
      this.orderBy(node.orderby, { scope: unionScope, env: localEnv, aliases: new Set(options.unionOutput.map((name) => name.toLowerCase())) });
    } else {
      this.orderBy(node.orderby, withAliases);
    }
    this.limit(node.limit);
    return names;
  }

  private namedWindows(value: unknown, ctx: ExprContext): Set<string> {
    const names = new Set<string>();
    if (isEmpty(value)) return names;
    if (!isNode(value) || !Array.isArray(value.expr)) notAllowed('The gate does not understand this WINDOW clause.', 'WINDOW');
    expectKeys(value, 'WINDOW', ['keyword', 'type', 'expr']);
    for (const item of value.expr) {
      if (!isNode(item)) notAllowed('The gate does not understand this WINDOW clause.', 'WINDOW');
      expectKeys(item, 'WINDOW', ['name', 'as_window_specification']);
      const name = identifier(item.name, 'window');
      this.windowSpecification(item.as_window_specification, { ...ctx, windows: names });
      names.add(name);
    }
    return names;
  }

  private orderBy(value: unknown, ctx: ExprContext): void {
    if (isEmpty(value)) return;
    if (!Array.isArray(value)) notAllowed('The gate does not understand this ORDER BY clause.', 'ORDER BY');
    for (const item of value) {
      if (!isNode(item)) notAllowed('The gate does not understand this ORDER BY clause.', 'ORDER BY');
      expectKeys(item, 'ORDER BY', ['expr', 'type', 'loc']);
      if (!isEmpty(item.type) && !(typeof item.type === 'string' && /^(?:asc|desc)$/i.test(item.type))) {
        notAllowed('The gate does not understand this ORDER BY direction.', 'ORDER BY');
      }
      this.expr(item.expr, ctx);
    }
  }

  private limit(value: unknown): void {
    if (isEmpty(value)) return;
    if (!isNode(value)) notAllowed('The gate does not understand this LIMIT clause.', 'LIMIT');
    expectKeys(value, 'LIMIT', ['seperator', 'value', 'loc']);
    if (!Array.isArray(value.value)) notAllowed('The gate does not understand this LIMIT clause.', 'LIMIT');
    for (const item of value.value) {
      const ok =
        isNode(item) &&
        (((item.type === 'number' || item.type === 'bigint') && /^\d+$/.test(String(item.value))) || (item.type === 'origin' && item.value === '?'));
      if (!ok) notAllowed('LIMIT and OFFSET must be whole numbers or ? placeholders.', 'LIMIT');
    }
  }

  // ───────────────────────────── FROM ─────────────────────────────

  private fromList(items: unknown[], scope: Scope, env: CteEnvironment, role: 'read' | 'pending'): void {
    for (const item of items) {
      if (!isNode(item)) notAllowed('The gate does not understand this FROM clause.', 'FROM');
      this.fromItem(item, scope, env, role);
    }
  }

  private fromItem(item: AstNode, scope: Scope, env: CteEnvironment, role: 'read' | 'pending'): void {
    if (item.type === 'dual') {
      expectKeys(item, 'FROM DUAL', ['type', 'loc']);
      return;
    }
    if (!isEmpty(item.join)) {
      if (typeof item.join !== 'string' || !JOINS.has(item.join.toUpperCase())) {
        notAllowed(
          `The join "${String(item.join)}" is not supported` +
            (typeof item.join === 'string' && /union|intersect|except|minus/i.test(item.join)
              ? ' (the parser reads a parenthesised SELECT after UNION as a join; remove the parentheses).'
              : '.'),
          'join',
        );
      }
    }

    if (Array.isArray(item.expr)) {
      // A parenthesised join: `t1 JOIN (t2 JOIN t3 ON …) ON …`.
      expectKeys(item, 'nested join', ['expr', 'parentheses', 'joins', 'join', 'on', 'using', 'loc']);
      this.fromList(item.expr, scope, env, role);
      this.joinCondition(item, undefined, scope, env);
      return;
    }

    let relation: Relation;
    if (isNode(item.expr)) {
      expectKeys(item, 'derived table', ['expr', 'as', 'join', 'on', 'using', 'prefix', 'loc']);
      const wrapper = item.expr;
      expectKeys(wrapper, 'derived table', ['ast', 'tableList', 'columnList', 'parentheses', 'loc']);
      if (!isNode(wrapper.ast)) notAllowed('The gate does not understand this derived table.', 'derived table');
      const alias = optionalIdentifier(item.as, 'alias');
      if (alias === undefined) notAllowed('Every derived table needs an alias.', 'derived table without alias');
      let outer = scope.parent;
      if (!isEmpty(item.prefix)) {
        if (!(typeof item.prefix === 'string' && /^lateral$/i.test(item.prefix))) {
          notAllowed(`"${String(item.prefix)}" before a derived table is not supported.`, 'derived table prefix');
        }
        // LATERAL sees the tables to its left.
        const lateral = new Scope(scope.parent);
        lateral.relations.push(...scope.relations);
        for (const [key, group] of scope.coalesced) lateral.coalesced.set(key, group);
        outer = lateral;
      }
      const columns = this.query(wrapper.ast, env, outer);
      relation = { alias, aliased: true, base: undefined, columns, node: item, role: 'read', readColumns: new Set() };
    } else {
      expectKeys(item, 'table reference', ['db', 'table', 'as', 'join', 'on', 'using', 'addition', 'loc']);
      const db = optionalIdentifier(item.db, 'database');
      const name = identifier(item.table, 'table');
      const alias = optionalIdentifier(item.as, 'alias');
      const cte = db === undefined ? env.lookup(name) : undefined;
      if (cte) {
        if (cte.pending) {
          notAllowed(`The first SELECT of the recursive CTE \`${name}\` cannot refer to itself.`, 'recursive CTE anchor');
        }
        relation = { alias: alias ?? name, aliased: alias !== undefined, base: undefined, columns: cte.columns, node: item, role: 'read', readColumns: new Set() };
      } else {
        const table = this.table(db, name);
        relation = { alias: alias ?? name, aliased: alias !== undefined, base: table, columns: table.columns, node: item, role, readColumns: new Set() };
        if (role === 'read') {
          this.usage.touch(table, 'READ');
          this.bindings.reads.set(item, relation);
        }
      }
    }

    if (scope.relations.some((existing) => existing.alias === relation.alias)) {
      notAllowed(`The table name or alias \`${relation.alias}\` is used twice in one FROM clause.`, 'duplicate alias');
    }
    const left = [...scope.relations];
    scope.relations.push(relation);
    this.joinCondition(item, { relation, left }, scope, env);
  }

  private joinCondition(item: AstNode, joined: { relation: Relation; left: Relation[] } | undefined, scope: Scope, env: CteEnvironment): void {
    if (!isEmpty(item.on)) this.expr(item.on, { scope, env });
    if (isEmpty(item.using)) return;
    if (!Array.isArray(item.using) || !joined) notAllowed('The gate does not understand this USING clause.', 'USING');
    for (const entry of item.using) {
      const name = isNode(entry) && 'value' in entry ? identifier(entry.value, 'column') : identifier(entry, 'column');
      const right = joined.relation.columns.find((column) => sameColumn(column, name));
      const leftMatches = joined.left.filter((relation) => relation.columns.some((column) => sameColumn(column, name)));
      if (right === undefined || leftMatches.length === 0) {
        notAllowed(`The USING column \`${name}\` is not in both joined tables.`, 'unknown column', { column: name });
      }
      const group = [...new Set([...(scope.coalesced.get(name.toLowerCase()) ?? leftMatches), joined.relation])];
      scope.coalesced.set(name.toLowerCase(), group);
      for (const relation of [...leftMatches, joined.relation]) this.readColumn(relation, name, undefined);
    }
  }

  private table(db: string | undefined, name: string): CatalogTable {
    if (db !== undefined && SYSTEM_SCHEMAS.has(db.toLowerCase())) {
      notAllowed(`Reading \`${db}\`.\`${name}\` is not allowed: catalog reads are not allowed.`, 'catalog read', { resource: `${db}.${name}` });
    }
    const schema = db ?? this.catalog.searchPath[0];
    if (schema === undefined) notAllowed(`\`${name}\` needs a database name: the connection has no default database.`, 'unknown table');
    const found = this.catalog.tables.find((table) => table.schema === schema && table.name === name);
    if (found) return found;
    if (!this.catalog.tables.some((table) => table.schema === schema)) {
      const hint = this.catalog.tables.find((table) => table.schema.toLowerCase() === schema.toLowerCase());
      notAllowed(
        `Unknown database \`${schema}\`` + (hint ? ` (names are case-sensitive: did you mean \`${hint.schema}\`?)` : '') + '.',
        'unknown database',
        { resource: schema },
      );
    }
    const hint = this.catalog.tables.find((table) => table.schema === schema && table.name.toLowerCase() === name.toLowerCase());
    notAllowed(
      `Unknown table \`${schema}\`.\`${name}\`` + (hint ? ` (table names are case-sensitive: did you mean \`${hint.name}\`?)` : '') + '.',
      'unknown table',
      { resource: `${schema}.${name}` },
    );
  }

  // ───────────────────────────── columns ─────────────────────────────

  private readColumn(relation: Relation, name: string, node: AstNode | undefined): string {
    const actual = relation.columns.find((column) => column !== '' && sameColumn(column, name));
    if (actual === undefined) {
      notAllowed(`Unknown column \`${relation.alias}\`.\`${name}\`.`, 'unknown column', { column: `${relation.alias}.${name}` });
    }
    relation.readColumns.add(actual);
    if (relation.base) this.usage.column(relation.base, actual, 'READ');
    if (node && !isEmpty(node.db)) this.bindings.dbQualifiedRefs.push({ node, relation });
    return actual;
  }

  private star(ctx: ExprContext, table: string | undefined, db: string | undefined, node?: AstNode): string[] {
    const relations =
      table === undefined
        ? ctx.scope.relations
        : ctx.scope.relations.filter(
            (relation) => relation.alias === table && (db === undefined || (relation.base !== undefined && !relation.aliased && relation.base.schema === db)),
          );
    if (relations.length === 0) {
      notAllowed(table === undefined ? '* needs a FROM clause.' : `Unknown table \`${table}\` in \`${table}\`.*.`, table === undefined ? 'star' : 'unknown table');
    }
    const names: string[] = [];
    for (const relation of relations) {
      if (relation.columns.length === 0) notAllowed(`The columns of \`${relation.alias}\` are not known, so * cannot be expanded.`, 'star');
      for (const column of relation.columns) {
        if (column === '') continue;
        this.readColumn(relation, column, undefined);
        names.push(column);
      }
      if (node && db !== undefined) this.bindings.dbQualifiedRefs.push({ node, relation });
    }
    return names;
  }

  private columnRef(node: AstNode, ctx: ExprContext): void {
    expectKeys(node, 'column reference', ['type', 'table', 'db', 'column', 'collate', 'parentheses', 'suffix', 'loc']);
    this.collate(node.collate);
    if (!isEmpty(node.suffix) && !(typeof node.suffix === 'string' && /^using [a-z0-9_]+$/i.test(node.suffix))) {
      notAllowed('The gate does not understand this column suffix.', 'column suffix');
    }
    const column = columnName(node.column);
    if (column === '*') notAllowed('* is only allowed in the select list and in COUNT(*).', 'star');
    const table = optionalIdentifier(node.table, 'table');
    const db = optionalIdentifier(node.db, 'database');
    if (ctx.columnsRefused !== undefined && !(table === undefined && ctx.allowDefault && column.toLowerCase() === 'default')) {
      notAllowed(ctx.columnsRefused, 'column in VALUES');
    }

    if (table !== undefined) {
      for (let scope: Scope | undefined = ctx.scope; scope; scope = scope.parent) {
        const relation = scope.relations.find(
          (candidate) =>
            candidate.alias === table && (db === undefined || (candidate.base !== undefined && !candidate.aliased && candidate.base.schema === db)),
        );
        if (relation) {
          this.readColumn(relation, column, node);
          return;
        }
      }
      if (db !== undefined && SYSTEM_SCHEMAS.has(db.toLowerCase())) {
        notAllowed(`Reading \`${db}\`.\`${table}\` is not allowed: catalog reads are not allowed.`, 'catalog read');
      }
      notAllowed(`Unknown table \`${db === undefined ? '' : `${db}\`.\``}${table}\` in a column reference.`, 'unknown table', {
        resource: db === undefined ? table : `${db}.${table}`,
      });
    }

    const lower = column.toLowerCase();
    if (ctx.allowDefault && lower === 'default') {
      // The parser cannot tell DEFAULT from `default`; refuse when a column could be meant.
      if (ctx.scope.relations.some((relation) => relation.columns.some((name) => sameColumn(name, 'default')))) {
        notAllowed('`default` is ambiguous here: the keyword DEFAULT or the column named default.', 'ambiguous DEFAULT');
      }
      this.bindings.defaultKeywords.push(node);
      return;
    }
    if (/^(?:\d+\.?\d*|\.\d+)e[+-]?\d*$/i.test(column)) {
      notAllowed(`\`${column}\` would be read as a column here but the server reads a number; write it without an exponent.`, 'misread number', { column });
    }
    if (MISREAD_KEYWORDS.has(lower)) {
      notAllowed(`\`${column}\` is a keyword the gate's parser would misread here; this construct is not supported.`, 'misread keyword', { column });
    }
    if (ctx.aliases?.has(lower)) {
      // A select-list alias. MySQL prefers the FROM column in GROUP BY and HAVING, the alias in ORDER
      // BY; either way, count every same-named column of this SELECT as read (cautious, never ambiguous).
      for (const relation of ctx.scope.relations) {
        if (relation.columns.some((name) => name !== '' && sameColumn(name, column))) this.readColumn(relation, column, undefined);
      }
      return;
    }
    for (let scope: Scope | undefined = ctx.scope; scope; scope = scope.parent) {
      const matches = scope.relations.filter((relation) => relation.columns.some((name) => name !== '' && sameColumn(name, column)));
      if (matches.length === 0) continue;
      if (matches.length > 1) {
        const group = scope.coalesced.get(lower);
        if (!group || !matches.every((relation) => group.includes(relation))) {
          notAllowed(
            `Column \`${column}\` is ambiguous: it is in ${matches.map((relation) => `\`${relation.alias}\``).join(' and ')}. Qualify it.`,
            'ambiguous column',
            { column },
          );
        }
      }
      for (const relation of matches) this.readColumn(relation, column, undefined);
      return;
    }
    notAllowed(`Unknown column \`${column}\`.`, 'unknown column', { column });
  }

  private collate(value: unknown): void {
    if (isEmpty(value)) return;
    const ok =
      isNode(value) &&
      value.type === 'collate' &&
      isNode(value.collate) &&
      typeof value.collate.name === 'string' &&
      /^[a-z0-9_]+$/i.test(value.collate.name);
    if (!ok) notAllowed('The gate does not understand this COLLATE clause.', 'COLLATE');
  }

  // ───────────────────────────── expressions ─────────────────────────────

  private expr(value: unknown, ctx: ExprContext): void {
    if (value === null || value === undefined) return;
    if (!isNode(value)) notAllowed('The gate does not understand part of this statement.', typeof value);
    const node = value;

    if (node.type === undefined && 'ast' in node) {
      expectKeys(node, 'sub-query', ['ast', 'tableList', 'columnList', 'parentheses', 'loc']);
      if (ctx.noSubqueries) notAllowed('Sub-queries are not allowed here.', 'sub-query');
      if (!isNode(node.ast)) notAllowed('The gate does not understand this sub-query.', 'sub-query');
      this.query(node.ast, ctx.env, ctx.scope);
      return;
    }

    const type = typeof node.type === 'string' ? node.type : '';
    if (LITERAL_TYPES.has(type)) {
      expectKeys(node, 'literal', ['type', 'value', 'prefix', 'parentheses', 'collate', 'escape', 'loc']);
      this.collate(node.collate);
      if (!isEmpty(node.prefix) && !(typeof node.prefix === 'string' && /^_?[a-z0-9]+$/i.test(node.prefix))) {
        notAllowed('The gate does not understand this literal prefix.', 'literal prefix');
      }
      if (!isEmpty(node.escape)) {
        const escape = node.escape;
        if (!(isNode(escape) && escape.type === 'ESCAPE' && isNode(escape.value) && escape.value.type === 'single_quote_string')) {
          notAllowed('The gate does not understand this ESCAPE clause.', 'ESCAPE');
        }
      }
      return;
    }

    switch (type) {
      case 'column_ref':
        this.columnRef(node, ctx);
        return;
      case 'origin':
        expectKeys(node, 'placeholder', ['type', 'value', 'parentheses', 'loc']);
        if (node.value !== '?') notAllowed(`The gate does not understand "${String(node.value)}" here.`, String(node.value));
        return;
      case 'param':
        notAllowed('Named placeholders (:name) are not supported; use ?.', 'named placeholder');
      case 'var':
        notAllowed('Variables (@var, @@system_var) are not allowed.', 'variable');
      case 'assign':
        notAllowed('Assigning user variables (@a := …) is not allowed.', 'user variable assignment');
      case 'binary_expr': {
        expectKeys(node, 'expression', ['type', 'operator', 'left', 'right', 'parentheses', 'loc']);
        const operator = typeof node.operator === 'string' ? node.operator.toUpperCase() : '';
        if (!BINARY_OPERATORS.has(operator)) notAllowed(`The operator ${String(node.operator)} is not allowed.`, 'operator', { operator: node.operator });
        this.expr(node.left, ctx);
        this.expr(node.right, ctx);
        return;
      }
      case 'unary_expr': {
        expectKeys(node, 'expression', ['type', 'operator', 'expr', 'parentheses', 'loc']);
        const operator = typeof node.operator === 'string' ? node.operator.toUpperCase() : '';
        if (!UNARY_OPERATORS.has(operator)) notAllowed(`The operator ${String(node.operator)} is not allowed.`, 'operator', { operator: node.operator });
        this.expr(node.expr, ctx);
        return;
      }
      case 'expr_list': {
        expectKeys(node, 'expression list', ['type', 'value', 'parentheses', 'separator', 'prefix', 'loc']);
        if (!isEmpty(node.prefix)) notAllowed('The gate does not understand this expression list.', 'expression list');
        if (!Array.isArray(node.value)) notAllowed('The gate does not understand this expression list.', 'expression list');
        for (const item of node.value) this.expr(item, ctx);
        return;
      }
      case 'function':
        this.functionCall(node, ctx);
        return;
      case 'aggr_func':
        this.aggregate(node, ctx);
        return;
      case 'case': {
        expectKeys(node, 'CASE', ['type', 'expr', 'args', 'parentheses', 'loc']);
        this.expr(node.expr, ctx);
        if (!Array.isArray(node.args)) notAllowed('The gate does not understand this CASE.', 'CASE');
        for (const arm of node.args) {
          if (!isNode(arm) || (arm.type !== 'when' && arm.type !== 'else')) notAllowed('The gate does not understand this CASE.', 'CASE');
          expectKeys(arm, 'CASE', ['type', 'cond', 'result']);
          this.expr(arm.cond, ctx);
          this.expr(arm.result, ctx);
        }
        return;
      }
      case 'cast': {
        expectKeys(node, 'CAST', ['type', 'keyword', 'expr', 'symbol', 'target', 'parentheses', 'collate', 'loc']);
        if (!(typeof node.keyword === 'string' && /^(?:cast|convert)$/i.test(node.keyword))) notAllowed('The gate does not understand this cast.', 'cast');
        this.usage.fn(node.keyword.toLowerCase());
        this.collate(node.collate);
        this.expr(node.expr, ctx);
        const targets = Array.isArray(node.target) ? node.target : [node.target];
        for (const target of targets) this.dataType(target);
        return;
      }
      case 'extract': {
        expectKeys(node, 'EXTRACT', ['type', 'args', 'parentheses', 'loc']);
        if (!isNode(node.args)) notAllowed('The gate does not understand this EXTRACT.', 'EXTRACT');
        expectKeys(node.args, 'EXTRACT', ['field', 'source', 'cast_type']);
        if (!(typeof node.args.field === 'string' && /^[a-z_]+$/i.test(node.args.field))) notAllowed('The gate does not understand this EXTRACT.', 'EXTRACT');
        this.usage.fn('extract');
        this.expr(node.args.source, ctx);
        return;
      }
      case 'interval': {
        expectKeys(node, 'INTERVAL', ['type', 'expr', 'unit', 'parentheses', 'loc']);
        if (!(typeof node.unit === 'string' && /^[a-z_]+$/i.test(node.unit))) notAllowed('The gate does not understand this INTERVAL.', 'INTERVAL');
        this.expr(node.expr, ctx);
        return;
      }
      case 'datatype':
        this.dataType(node);
        return;
      default:
        notAllowed(`The gate does not support "${type || 'unknown'}" expressions.`, type || 'unknown expression');
    }
  }

  private dataType(value: unknown): void {
    if (!isNode(value)) notAllowed('The gate does not understand this data type.', 'data type');
    expectKeys(value, 'data type', ['type', 'dataType', 'length', 'scale', 'parentheses', 'suffix', 'quoted', 'charset', 'loc']);
    if (!(typeof value.dataType === 'string' && /^[a-z][a-z0-9_ ]*$/i.test(value.dataType))) notAllowed('The gate does not understand this data type.', 'data type');
    for (const key of ['length', 'scale'] as const) {
      if (!isEmpty(value[key]) && typeof value[key] !== 'number') notAllowed('The gate does not understand this data type.', 'data type');
    }
    if (!isEmpty(value.suffix)) {
      const ok = Array.isArray(value.suffix) && value.suffix.every((item) => typeof item === 'string' && /^(?:unsigned|zerofill|signed)$/i.test(item));
      if (!ok) notAllowed('The gate does not understand this data type.', 'data type');
    }
  }

  private functionName(node: AstNode): string {
    const name = node.name;
    if (!isNode(name)) {
      if (typeof name === 'string') return name;
      return notAllowed('The gate does not understand this function call.', 'function');
    }
    expectKeys(name, 'function name', ['name', 'schema']);
    if (!isEmpty(name.schema)) {
      const schema = isNode(name.schema) ? String(name.schema.value) : String(name.schema);
      notAllowed(`Schema-qualified functions (${schema}.…) are not allowed: only built-in functions are.`, 'qualified function', {
        function: schema,
      });
    }
    if (!Array.isArray(name.name) || name.name.length !== 1) {
      notAllowed('Schema-qualified functions are not allowed: only built-in functions are.', 'qualified function');
    }
    const part = name.name[0];
    if (isNode(part) && part.type === 'backticks_quote_string') {
      notAllowed(`Quoted function names (\`${String(part.value)}\`) are not allowed: only built-in functions are.`, 'quoted function');
    }
    if (isNode(part) && typeof part.value === 'string') return part.value;
    return notAllowed('The gate does not understand this function call.', 'function');
  }

  private denyFunction(lower: string): never {
    const reason = MYSQL_DENIED_FUNCTION_REASONS.get(lower);
    notAllowed(
      `The function ${lower.toUpperCase()}() is not allowed` + (reason ? `: ${reason}.` : ': only side-effect-free built-ins are.'),
      'function',
      { function: lower },
    );
  }

  private functionCall(node: AstNode, ctx: ExprContext): void {
    expectKeys(node, 'function call', ['type', 'name', 'args', 'over', 'parentheses', 'args_parentheses', 'within_group', 'loc']);
    const lower = this.functionName(node).toLowerCase();
    if (!isEmpty(node.within_group)) {
      const group = node.within_group;
      if (!(lower === 'percentile_cont' || lower === 'percentile_disc') || !isNode(group)) {
        notAllowed('WITHIN GROUP is only supported for PERCENTILE_CONT and PERCENTILE_DISC.', 'WITHIN GROUP');
      }
      expectKeys(group, 'WITHIN GROUP', ['type', 'keyword', 'orderby']);
      this.orderBy(group.orderby, ctx);
    }
    const args = node.args;
    if (!isEmpty(args)) {
      if (!isNode(args) || args.type !== 'expr_list' || !Array.isArray(args.value)) notAllowed('The gate does not understand this function call.', 'function');
      expectKeys(args, 'function arguments', ['type', 'value', 'parentheses', 'separator', 'loc']);
    }
    const values: unknown[] = isNode(args) && Array.isArray(args.value) ? args.value : [];

    switch (lower) {
      case 'exists':
      case 'any':
      case 'all':
      case 'some':
        if (!isEmpty(node.over) || values.length !== 1 || !isNode(values[0]) || !('ast' in values[0])) {
          notAllowed(`${lower.toUpperCase()} needs one sub-query.`, lower);
        }
        this.expr(values[0], ctx);
        return;
      case 'not':
        // `NOT (a = 1)` comes out of the parser as a function call.
        if (!isEmpty(node.over) || values.length !== 1) notAllowed('NOT takes one operand.', 'NOT');
        this.expr(values[0], ctx);
        return;
      case 'values': {
        const target = ctx.onDuplicateTarget;
        if (!target) this.denyFunction(lower);
        const [argument] = values;
        if (values.length !== 1 || !isNode(argument) || argument.type !== 'column_ref' || !isEmpty(argument.table)) {
          notAllowed('VALUES() takes one column of the inserted row.', 'VALUES()');
        }
        const column = columnName(argument.column);
        if (!target.columns.some((name) => sameColumn(name, column))) {
          notAllowed(`Unknown column \`${target.alias}\`.\`${column}\`.`, 'unknown column', { column });
        }
        this.usage.fn('values');
        return;
      }
      case 'timestampdiff':
      case 'timestampadd': {
        this.usage.fn(lower);
        const [unit, ...rest] = values;
        const unitOk =
          isNode(unit) &&
          unit.type === 'origin' &&
          typeof unit.value === 'string' &&
          /^(?:sql_tsi_)?(?:microsecond|second|minute|hour|day|week|month|quarter|year)$/i.test(unit.value);
        if (!unitOk) notAllowed(`${lower.toUpperCase()} needs a time unit first.`, lower);
        for (const value of rest) this.expr(value, ctx);
        return;
      }
      case 'trim':
        this.usage.fn(lower);
        for (const value of values) {
          if (isNode(value) && value.type === 'origin' && typeof value.value === 'string' && /^(?:both|leading|trailing|from)$/i.test(value.value)) continue;
          this.expr(value, ctx);
        }
        return;
      default:
        if (!MYSQL_ALLOWED_FUNCTIONS.has(lower)) this.denyFunction(lower);
    }
    this.usage.fn(lower);
    for (const value of values) this.expr(value, ctx);
    if (!isEmpty(node.over)) this.over(node.over, ctx);
  }

  private aggregate(node: AstNode, ctx: ExprContext): void {
    expectKeys(node, 'aggregate', ['type', 'name', 'args', 'over', 'parentheses', 'loc']);
    if (typeof node.name !== 'string') notAllowed('The gate does not understand this aggregate.', 'aggregate');
    const lower = node.name.toLowerCase();
    if (!MYSQL_ALLOWED_FUNCTIONS.has(lower)) this.denyFunction(lower);
    this.usage.fn(lower);
    const args = node.args;
    if (!isNode(args)) notAllowed('The gate does not understand this aggregate.', 'aggregate');
    expectKeys(args, 'aggregate', ['expr', 'distinct', 'orderby', 'separator', 'parentheses']);
    if (!isEmpty(args.distinct) && !(typeof args.distinct === 'string' && /^distinct$/i.test(args.distinct))) {
      notAllowed('The gate does not understand this aggregate.', 'aggregate');
    }
    if (isNode(args.expr) && args.expr.type === 'star') {
      expectKeys(args.expr, 'aggregate', ['type', 'value', 'loc']);
      if (lower !== 'count') notAllowed(`${lower.toUpperCase()}(*) is not valid.`, 'aggregate');
    } else {
      this.expr(args.expr, ctx);
    }
    this.orderBy(args.orderby, ctx);
    if (!isEmpty(args.separator)) {
      const separator = args.separator;
      if (isNode(separator) && 'value' in separator && isNode(separator.value)) {
        expectKeys(separator, 'SEPARATOR', ['keyword', 'value']);
        this.expr(separator.value, ctx);
      } else if (typeof separator !== 'string') {
        notAllowed('The gate does not understand this SEPARATOR.', 'SEPARATOR');
      }
    }
    if (!isEmpty(node.over)) this.over(node.over, ctx);
  }

  private over(value: unknown, ctx: ExprContext): void {
    if (!isNode(value) || value.type !== 'window') notAllowed('The gate does not understand this OVER clause.', 'OVER');
    expectKeys(value, 'OVER', ['type', 'as_window_specification']);
    this.windowSpecification(value.as_window_specification, ctx);
  }

  private windowSpecification(value: unknown, ctx: ExprContext): void {
    if (typeof value === 'string') {
      if (!ctx.windows?.has(value)) notAllowed(`Unknown window \`${value}\`.`, 'unknown window');
      return;
    }
    if (!isNode(value) || !isNode(value.window_specification)) notAllowed('The gate does not understand this window.', 'window');
    expectKeys(value, 'window', ['window_specification', 'parentheses']);
    const spec = value.window_specification;
    expectKeys(spec, 'window', ['name', 'partitionby', 'orderby', 'window_frame_clause']);
    if (!isEmpty(spec.name)) {
      if (typeof spec.name !== 'string' || !ctx.windows?.has(spec.name)) notAllowed(`Unknown window \`${String(spec.name)}\`.`, 'unknown window');
    }
    if (!isEmpty(spec.partitionby)) {
      if (!Array.isArray(spec.partitionby)) notAllowed('The gate does not understand this PARTITION BY.', 'PARTITION BY');
      for (const item of spec.partitionby) {
        if (!isNode(item)) notAllowed('The gate does not understand this PARTITION BY.', 'PARTITION BY');
        expectKeys(item, 'PARTITION BY', ['expr', 'as', 'type']);
        this.expr(item.expr, ctx);
      }
    }
    this.orderBy(spec.orderby, ctx);
    if (!isEmpty(spec.window_frame_clause)) this.frame(spec.window_frame_clause);
  }

  /** Window frames hold only keywords and constant offsets. */
  private frame(value: unknown): void {
    if (!isNode(value)) notAllowed('The gate does not understand this window frame.', 'window frame');
    switch (value.type) {
      case 'binary_expr':
        expectKeys(value, 'window frame', ['type', 'operator', 'left', 'right', 'parentheses']);
        if (!(typeof value.operator === 'string' && /^(?:between|and)$/i.test(value.operator))) notAllowed('The gate does not understand this window frame.', 'window frame');
        this.frame(value.left);
        this.frame(value.right);
        return;
      case 'expr_list':
        expectKeys(value, 'window frame', ['type', 'value', 'parentheses']);
        if (!Array.isArray(value.value)) notAllowed('The gate does not understand this window frame.', 'window frame');
        for (const item of value.value) this.frame(item);
        return;
      case 'origin':
        expectKeys(value, 'window frame', ['type', 'value']);
        if (!(typeof value.value === 'string' && FRAME_KEYWORDS.test(value.value))) notAllowed('The gate does not understand this window frame.', 'window frame');
        return;
      case 'number':
        expectKeys(value, 'window frame', ['type', 'value']);
        if (!FRAME_OFFSET.test(String(value.value))) notAllowed('The gate does not understand this window frame.', 'window frame');
        return;
      default:
        notAllowed('The gate does not understand this window frame.', 'window frame');
    }
  }

  // ───────────────────────────── writes ─────────────────────────────

  private targetTable(item: unknown, what: string): { table: CatalogTable; node: AstNode } {
    if (!isNode(item)) notAllowed(`The gate does not understand this ${what} target.`, what);
    expectKeys(item, `${what} target`, ['db', 'table', 'as', 'loc']);
    const db = optionalIdentifier(item.db, 'database');
    const name = identifier(item.table, 'table');
    return { table: this.table(db, name), node: item };
  }

  private insert(ast: AstNode, env: CteEnvironment): void {
    const what = ast.type === 'replace' ? 'REPLACE' : 'INSERT';
    expectKeys(ast, what, ['type', 'table', 'columns', 'values', 'set', 'prefix', 'on_duplicate_update', 'returning', 'partition', 'loc']);
    if (!isEmpty(ast.partition)) notAllowed(`${what} … PARTITION is not supported.`, 'PARTITION');
    if (!(typeof ast.prefix === 'string' && /^(?:(?:low_priority|delayed|high_priority|ignore)\s+)*(?:into)?$/i.test(ast.prefix.trim()))) {
      notAllowed(`The gate does not understand this ${what} form.`, what);
    }
    if (!Array.isArray(ast.table) || ast.table.length !== 1) notAllowed(`${what} must name exactly one table.`, what);
    const { table, node } = this.targetTable(ast.table[0], what);
    const relation: Relation = { alias: table.name, aliased: false, base: table, columns: table.columns, node, role: 'target', readColumns: new Set() };
    this.usage.touch(table, 'INSERT');
    if (what === 'REPLACE') this.usage.touch(table, 'DELETE'); // REPLACE deletes the row it conflicts with
    const insertColumn = (name: string): void => {
      const actual = table.columns.find((column) => sameColumn(column, name));
      if (actual === undefined) notAllowed(`Unknown column \`${table.name}\`.\`${name}\`.`, 'unknown column', { column: name });
      this.usage.column(table, actual, 'INSERT');
    };
    const valuesContext: ExprContext = {
      scope: new Scope(undefined),
      env,
      allowDefault: true,
      columnsRefused: `Column references inside ${what} … VALUES are not supported; use literals, ? placeholders or sub-queries.`,
    };

    if (Array.isArray(ast.columns)) {
      for (const column of ast.columns) insertColumn(columnName(column));
    }
    if (!isEmpty(ast.set)) {
      if (!Array.isArray(ast.set)) notAllowed(`The gate does not understand this ${what} … SET.`, what);
      for (const item of ast.set) {
        if (!isNode(item)) notAllowed(`The gate does not understand this ${what} … SET.`, what);
        expectKeys(item, `${what} SET`, ['column', 'value', 'table', 'loc']);
        if (!isEmpty(item.table)) notAllowed(`Qualified columns in ${what} … SET are not supported.`, what);
        insertColumn(columnName(item.column));
        this.expr(item.value, valuesContext);
      }
    } else if (!Array.isArray(ast.columns)) {
      for (const column of table.columns) this.usage.column(table, column, 'INSERT');
    }

    const values = ast.values;
    if (isNode(values) && values.type === 'values') {
      expectKeys(values, 'VALUES', ['type', 'values', 'loc']);
      if (!Array.isArray(values.values)) notAllowed('The gate does not understand this VALUES list.', 'VALUES');
      for (const row of values.values) this.expr(row, valuesContext);
    } else if (isNode(values) && values.type === 'select') {
      this.query(values, env, undefined);
    } else if (isNode(values) && isNode(values.ast)) {
      expectKeys(values, 'INSERT … SELECT', ['ast', 'tableList', 'columnList', 'parentheses']);
      this.query(values.ast, env, undefined);
    } else if (isEmpty(ast.set)) {
      notAllowed(`The gate does not understand this ${what} source.`, what);
    }

    const onDuplicate = ast.on_duplicate_update;
    if (!isEmpty(onDuplicate)) {
      if (!isNode(onDuplicate) || !Array.isArray(onDuplicate.set)) notAllowed('The gate does not understand this ON DUPLICATE KEY UPDATE.', 'ON DUPLICATE KEY UPDATE');
      expectKeys(onDuplicate, 'ON DUPLICATE KEY UPDATE', ['keyword', 'set']);
      const scope = new Scope(undefined);
      scope.relations.push(relation);
      for (const item of onDuplicate.set) {
        if (!isNode(item)) notAllowed('The gate does not understand this ON DUPLICATE KEY UPDATE.', 'ON DUPLICATE KEY UPDATE');
        expectKeys(item, 'ON DUPLICATE KEY UPDATE', ['column', 'value', 'table', 'loc']);
        const qualifier = optionalIdentifier(item.table, 'table');
        if (qualifier !== undefined && qualifier !== table.name) notAllowed(`Unknown table \`${qualifier}\`.`, 'unknown table');
        const name = columnName(item.column);
        const actual = table.columns.find((column) => sameColumn(column, name));
        if (actual === undefined) notAllowed(`Unknown column \`${table.name}\`.\`${name}\`.`, 'unknown column', { column: name });
        this.usage.column(table, actual, 'UPDATE');
        this.expr(item.value, { scope, env, allowDefault: true, onDuplicateTarget: relation });
      }
    }
    this.returning(ast.returning, relation, env);
    this.bindings.insertTarget = { relation, onDuplicateUpdate: !isEmpty(onDuplicate), replace: what === 'REPLACE' };
  }

  private returning(value: unknown, relation: Relation, env: CteEnvironment): void {
    if (isEmpty(value)) return;
    if (!isNode(value) || !Array.isArray(value.columns)) notAllowed('The gate does not understand this RETURNING clause.', 'RETURNING');
    expectKeys(value, 'RETURNING', ['type', 'columns']);
    const scope = new Scope(undefined);
    scope.relations.push(relation);
    const ctx: ExprContext = { scope, env };
    for (const item of value.columns) {
      if (!isNode(item)) notAllowed('The gate does not understand this RETURNING clause.', 'RETURNING');
      expectKeys(item, 'RETURNING', ['expr', 'as', 'type']);
      const expr = item.expr;
      if (isNode(expr) && expr.type === 'column_ref' && expr.column === '*') {
        this.star(ctx, optionalIdentifier(expr.table, 'table'), undefined);
        continue;
      }
      this.expr(expr, ctx);
    }
  }

  private finishWriteScope(scope: Scope): void {
    for (const relation of scope.relations) {
      if (relation.role !== 'pending' || !relation.base) continue;
      relation.role = 'read';
      this.usage.touch(relation.base, 'READ');
      this.bindings.reads.set(relation.node, relation);
    }
  }

  private update(ast: AstNode, env: CteEnvironment): void {
    expectKeys(ast, 'UPDATE', ['with', 'type', 'table', 'set', 'where', 'orderby', 'limit', 'returning', 'loc']);
    const localEnv = isEmpty(ast.with) ? env : this.withClause(ast.with, env, undefined);
    if (!Array.isArray(ast.table) || ast.table.length === 0) notAllowed('The gate does not understand this UPDATE.', 'UPDATE');
    const scope = new Scope(undefined);
    this.fromList(ast.table, scope, localEnv, 'pending');
    if (!Array.isArray(ast.set) || ast.set.length === 0) notAllowed('The gate does not understand this UPDATE … SET.', 'UPDATE');
    const ctx: ExprContext = { scope, env: localEnv };
    for (const item of ast.set) {
      if (!isNode(item)) notAllowed('The gate does not understand this UPDATE … SET.', 'UPDATE');
      expectKeys(item, 'UPDATE SET', ['column', 'value', 'table', 'loc']);
      const name = columnName(item.column);
      const qualifier = optionalIdentifier(item.table, 'table');
      const candidates = scope.relations.filter(
        (relation) => (qualifier === undefined || relation.alias === qualifier) && relation.columns.some((column) => sameColumn(column, name)),
      );
      if (candidates.length === 0) {
        notAllowed(`Unknown column \`${qualifier === undefined ? name : `${qualifier}\`.\`${name}`}\` in UPDATE … SET.`, 'unknown column', { column: name });
      }
      if (candidates.length > 1) notAllowed(`Column \`${name}\` in UPDATE … SET is ambiguous. Qualify it.`, 'ambiguous column', { column: name });
      const relation = candidates[0] as Relation;
      if (!relation.base) notAllowed(`\`${relation.alias}\` is a derived table or CTE and cannot be updated.`, 'update of derived table');
      const actual = relation.columns.find((column) => sameColumn(column, name)) as string;
      if (relation.role !== 'target') {
        relation.role = 'target';
        this.bindings.targets.push(relation);
      }
      this.usage.column(relation.base, actual, 'UPDATE');
      this.expr(item.value, { ...ctx, allowDefault: true });
    }
    this.expr(ast.where, ctx);
    this.orderBy(ast.orderby, ctx);
    this.limit(ast.limit);
    if (!isEmpty(ast.returning)) notAllowed('UPDATE … RETURNING is not supported.', 'RETURNING');
    this.finishWriteScope(scope);
  }

  private delete(ast: AstNode, env: CteEnvironment): void {
    expectKeys(ast, 'DELETE', ['with', 'type', 'table', 'from', 'where', 'orderby', 'limit', 'returning', 'loc']);
    const localEnv = isEmpty(ast.with) ? env : this.withClause(ast.with, env, undefined);
    if (!Array.isArray(ast.from) || ast.from.length === 0) notAllowed('The gate does not understand this DELETE.', 'DELETE');
    if (!Array.isArray(ast.table) || ast.table.length === 0) notAllowed('The gate does not understand this DELETE.', 'DELETE');
    const scope = new Scope(undefined);
    this.fromList(ast.from, scope, localEnv, 'pending');
    for (const item of ast.table) {
      if (!isNode(item)) notAllowed('The gate does not understand this DELETE target.', 'DELETE');
      expectKeys(item, 'DELETE target', ['db', 'table', 'as', 'addition', 'loc']);
      const db = optionalIdentifier(item.db, 'database');
      const qualifier = optionalIdentifier(item.as, 'alias') ?? identifier(item.table, 'table');
      const relation = scope.relations.find(
        (candidate) => candidate.alias === qualifier && (db === undefined || (candidate.base !== undefined && candidate.base.schema === db)),
      );
      if (!relation) notAllowed(`The DELETE target \`${qualifier}\` is not in the FROM clause.`, 'unknown table', { resource: qualifier });
      if (!relation.base) notAllowed(`\`${relation.alias}\` is a derived table or CTE: rows cannot be deleted from it.`, 'delete from derived table');
      if (relation.role !== 'target') {
        relation.role = 'target';
        this.bindings.targets.push(relation);
      }
      this.usage.touch(relation.base, 'DELETE');
    }
    const ctx: ExprContext = { scope, env: localEnv };
    this.expr(ast.where, ctx);
    this.orderBy(ast.orderby, ctx);
    this.limit(ast.limit);
    if (!isEmpty(ast.returning)) {
      const [target] = this.bindings.targets;
      if (this.bindings.targets.length !== 1 || !target) notAllowed('DELETE … RETURNING needs a single target.', 'RETURNING');
      this.returning(ast.returning, target, localEnv);
    }
    this.finishWriteScope(scope);
  }
}
