import type { GateCatalog } from '../analysis.js';
import { MYSQL_ALLOWED_FUNCTIONS, MYSQL_DENIED_FUNCTION_REASONS } from './mysql-functions.js';
import type { AstNode } from './mysql-parser.js';
import {
  BINARY_OPERATORS,
  CteEnvironment,
  type ExprContext,
  FRAME_KEYWORDS,
  FRAME_OFFSET,
  LITERAL_TYPES,
  MISREAD_KEYWORDS,
  type MysqlBindings,
  type Relation,
  SYSTEM_SCHEMAS,
  Scope,
  UNARY_OPERATORS,
  Usage,
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
 * The expression half of the MySQL/MariaDB resolver: column references (with `*` expanded), operators,
 * literals, casts, function calls against the allow-list (mysql-functions.ts), aggregates, windows and
 * ORDER BY items. Statements and FROM items are the other half (mysql-resolver.ts), which a sub-query
 * in an expression calls back. Deny by default, as the resolver is.
 */
export abstract class MysqlExpressions {
  protected readonly usage = new Usage();
  protected readonly bindings: MysqlBindings = {
    reads: new Map(),
    targets: [],
    insertTarget: undefined,
    dbQualifiedRefs: [],
    defaultKeywords: [],
  };

  constructor(protected readonly catalog: GateCatalog) {}

  /** A SELECT with its WITH clause and set-operation chain (a sub-query, here); returns its output column names. */
  protected abstract query(node: AstNode, env: CteEnvironment, outer: Scope | undefined): string[];

  /** Checks a predicate or expression over one table (row filters, masks): own columns and allowed functions only, no sub-queries. */
  checkExpressionOverTable(expression: unknown, relation: Relation): void {
    const scope = new Scope(undefined);
    scope.relations.push(relation);
    this.expr(expression, { scope, env: new CteEnvironment(undefined), noSubqueries: true });
  }


  protected namedWindows(value: unknown, ctx: ExprContext): Set<string> {
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

  protected orderBy(value: unknown, ctx: ExprContext): void {
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
  // ───────────────────────────── columns ─────────────────────────────

  protected readColumn(relation: Relation, name: string, node: AstNode | undefined): string {
    const actual = relation.columns.find((column) => column !== '' && sameColumn(column, name));
    if (actual === undefined) {
      notAllowed(`Unknown column \`${relation.alias}\`.\`${name}\`.`, 'unknown column', { column: `${relation.alias}.${name}` });
    }
    relation.readColumns.add(actual);
    if (relation.base) this.usage.column(relation.base, actual, 'READ');
    if (node && !isEmpty(node.db)) this.bindings.dbQualifiedRefs.push({ node, relation });
    return actual;
  }

  protected star(ctx: ExprContext, table: string | undefined, db: string | undefined, node?: AstNode): string[] {
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

  protected columnRef(node: AstNode, ctx: ExprContext): void {
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

  protected collate(value: unknown): void {
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

  protected expr(value: unknown, ctx: ExprContext): void {
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
        return notAllowed('Named placeholders (:name) are not supported; use ?.', 'named placeholder');
      case 'var':
        return notAllowed('Variables (@var, @@system_var) are not allowed.', 'variable');
      case 'assign':
        return notAllowed('Assigning user variables (@a := …) is not allowed.', 'user variable assignment');
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

  protected dataType(value: unknown): void {
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

  protected functionName(node: AstNode): string {
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

  protected denyFunction(lower: string): never {
    const reason = MYSQL_DENIED_FUNCTION_REASONS.get(lower);
    notAllowed(
      `The function ${lower.toUpperCase()}() is not allowed` + (reason ? `: ${reason}.` : ': only side-effect-free built-ins are.'),
      'function',
      { function: lower },
    );
  }

  protected functionCall(node: AstNode, ctx: ExprContext): void {
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

  protected aggregate(node: AstNode, ctx: ExprContext): void {
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

  protected over(value: unknown, ctx: ExprContext): void {
    if (!isNode(value) || value.type !== 'window') notAllowed('The gate does not understand this OVER clause.', 'OVER');
    expectKeys(value, 'OVER', ['type', 'as_window_specification']);
    this.windowSpecification(value.as_window_specification, ctx);
  }

  protected windowSpecification(value: unknown, ctx: ExprContext): void {
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
  protected frame(value: unknown): void {
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

}
