import type { GateTable } from '../analysis.js';
import { MysqlExpressions } from './mysql-expressions.js';
import type { AstNode } from './mysql-parser.js';
import {
  type CteDefinition,
  CteEnvironment,
  type ExprContext,
  JOINS,
  type MysqlResolution,
  type Relation,
  SELECT_OPTIONS,
  SET_OPERATORS,
  SYSTEM_SCHEMAS,
  Scope,
  columnName,
  expectKeys,
  identifier,
  isEmpty,
  isNode,
  notAllowed,
  optionalIdentifier,
  sameColumn,
} from './mysql-scope.js';

/**
 * Walks a node-sql-parser AST of one MySQL/MariaDB statement and resolves every table, column and
 * function it touches against the catalog: statements and FROM items here, expressions in
 * mysql-expressions.ts. Deny by default: every node type and every property the
 * walker does not explicitly understand is a denial naming it, so a parser upgrade that starts
 * reporting a new clause fails closed instead of being ignored.
 *
 * Name rules (MariaDB/MySQL on Linux, lower_case_table_names=0):
 * - database and table names, aliases and CTE names compare case-sensitively, as written;
 * - column names compare case-insensitively and are reported in the catalog's spelling;
 * - an unqualified table is looked up in the connection's database (catalog.searchPath[0]) after
 *   the CTEs in scope; `information_schema`, `mysql`, `performance_schema` and `sys` are refused.
 */

/** Statements and FROM items; expressions are MysqlExpressions'. */
export class MysqlResolver extends MysqlExpressions {
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

  // ───────────────────────────── queries ─────────────────────────────

  /** A SELECT with its WITH clause and set-operation chain; returns its output column names ('' when unnamed). */
  protected override query(node: AstNode, env: CteEnvironment, outer: Scope | undefined): string[] {
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

  protected withClause(value: unknown, env: CteEnvironment, outer: Scope | undefined): CteEnvironment {
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

  protected select(
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
  protected limit(value: unknown): void {
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

  protected fromList(items: unknown[], scope: Scope, env: CteEnvironment, role: 'read' | 'pending'): void {
    for (const item of items) {
      if (!isNode(item)) notAllowed('The gate does not understand this FROM clause.', 'FROM');
      this.fromItem(item, scope, env, role);
    }
  }

  protected fromItem(item: AstNode, scope: Scope, env: CteEnvironment, role: 'read' | 'pending'): void {
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

  protected joinCondition(item: AstNode, joined: { relation: Relation; left: Relation[] } | undefined, scope: Scope, env: CteEnvironment): void {
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

  protected table(db: string | undefined, name: string): GateTable {
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
  // ───────────────────────────── writes ─────────────────────────────

  protected targetTable(item: unknown, what: string): { table: GateTable; node: AstNode } {
    if (!isNode(item)) notAllowed(`The gate does not understand this ${what} target.`, what);
    expectKeys(item, `${what} target`, ['db', 'table', 'as', 'loc']);
    const db = optionalIdentifier(item.db, 'database');
    const name = identifier(item.table, 'table');
    return { table: this.table(db, name), node: item };
  }

  protected insert(ast: AstNode, env: CteEnvironment): void {
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

  protected returning(value: unknown, relation: Relation, env: CteEnvironment): void {
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

  protected finishWriteScope(scope: Scope): void {
    for (const relation of scope.relations) {
      if (relation.role !== 'pending' || !relation.base) continue;
      relation.role = 'read';
      this.usage.touch(relation.base, 'READ');
      this.bindings.reads.set(relation.node, relation);
    }
  }

  protected update(ast: AstNode, env: CteEnvironment): void {
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

  protected delete(ast: AstNode, env: CteEnvironment): void {
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
