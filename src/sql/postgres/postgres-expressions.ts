import type {
  A_Expr,
  A_Indirection,
  BoolExpr,
  CaseExpr,
  CaseWhen,
  CollateClause,
  ColumnRef,
  FuncCall,
  GroupingSet,
  JsonIsPredicate,
  MultiAssignRef,
  Node,
  SQLValueFunction,
  SelectStmt,
  SortBy,
  SubLink,
  TypeCast,
  TypeName,
  WindowDef,
} from 'libpg-query';
import type { GateCatalog, GateTable, StatementAnalysis, TableAction } from '../analysis.js';
import { bareName, kindOf, payloadOf, stringsOf } from './postgres-ast.js';
import {
  POSTGRES_AGGREGATE_FUNCTIONS,
  POSTGRES_ALLOWED_FUNCTIONS,
  POSTGRES_DENIED_FUNCTION_REASONS,
  POSTGRES_RECORD_FUNCTIONS,
  POSTGRES_SET_RETURNING_FUNCTIONS,
  POSTGRES_WINDOW_FUNCTIONS,
} from './postgres-functions.js';
import { ALLOWED_CAST_TYPES, ALLOWED_SQL_VALUE_FUNCTIONS, checkFields } from './postgres-nodes.js';
import { catalogRead, notAllowed, systemColumn, unknownColumn, unknownTable, unsupported } from './postgres-refusals.js';
import {
  type ColumnSource,
  type CteScope,
  type Entry,
  type Level,
  type Mode,
  type RelationRead,
  SYSTEM_COLUMNS,
  type Scope,
  type ScopeColumn,
  type TableUseBuilder,
  type WriteTarget,
  compare,
  isSystemSchema,
  lookupColumn,
  lookupRelation,
  orderedActions,
  single,
  tableEntry,
  tableKey,
} from './postgres-scope.js';

/**
 * The expression half of the Postgres analyser: column references (with `*` expanded), operators,
 * casts, function calls against the allow-list, windows, ORDER BY and GROUP BY items. Statements and
 * FROM items are the other half (postgres-analyser.ts), which a subquery in an expression calls back.
 * In 'policy' mode (row filters and masks) subqueries, parameters, aggregates and `*` are refused.
 */

export abstract class PostgresExpressions {
  writes = false;
  readonly functions = new Set<string>();
  readonly relationReads: RelationRead[] = [];
  readonly writeTargets: WriteTarget[] = [];
  readonly schemaQualifiedRefs: { ref: ColumnRef; table: GateTable }[] = [];
  protected readonly uses = new Map<string, TableUseBuilder>();

  constructor(
    protected readonly catalog: GateCatalog,
    protected readonly mode: Mode,
  ) {}

  /** Analyses a SELECT (or VALUES, or set operation); returns its output column names. A subquery in an expression is one. */
  protected abstract select(select: SelectStmt, outer: Level | undefined, ctes: CteScope | undefined): string[];

  tableUses(): StatementAnalysis['tables'] {
    return [...this.uses.values()]
      .sort((a, b) => compare(a.table.schema, b.table.schema) || compare(a.table.name, b.table.name))
      .map((use) => ({
        schema: use.table.schema,
        table: use.table.name,
        actions: orderedActions(use.actions),
        columns: [...use.columns.entries()]
          .sort(([a], [b]) => compare(a, b))
          .map(([column, actions]) => ({ column, actions: orderedActions(actions) })),
      }));
  }

  protected use(table: GateTable): TableUseBuilder {
    const key = tableKey(table);
    let use = this.uses.get(key);
    if (use === undefined) {
      use = { table, actions: new Set(), columns: new Map() };
      this.uses.set(key, use);
    }
    return use;
  }

  protected markColumn(table: GateTable, column: string, action: TableAction): void {
    if (SYSTEM_COLUMNS.has(column)) throw systemColumn(column);
    if (!table.columns.includes(column)) throw unknownColumn(`${table.name}.${column}`);
    if (this.mode === 'policy') return;
    const use = this.use(table);
    use.actions.add(action);
    let actions = use.columns.get(column);
    if (actions === undefined) {
      actions = new Set();
      use.columns.set(column, actions);
    }
    actions.add(action);
  }

  protected readSources(sources: ColumnSource[]): void {
    for (const source of sources) {
      this.markColumn(source.table, source.column, 'READ');
      source.target?.reads.add(source.column);
    }
  }

  protected readColumnOf(entry: Entry, name: string): void {
    const matches = entry.columns.filter((column) => column.name === name);
    if (matches.length === 0) throw unknownColumn(name);
    this.readSources(single(matches, name).sources);
  }

  // --- columns --------------------------------------------------------------------------------------

  protected columnRef(ref: ColumnRef, scope: Scope): void {
    const fields = ref.fields ?? [];
    const last = fields.at(-1);
    if (kindOf(last) === 'A_Star') {
      this.star(ref, scope);
      return;
    }
    const names = stringsOf(fields);
    if (names === undefined || names.length === 0) throw unsupported('column reference');
    const column = names.at(-1) as string;
    if (SYSTEM_COLUMNS.has(column)) throw systemColumn(column);

    if (names.length === 1) {
      const found = lookupColumn(scope.level, column);
      if (found !== undefined) {
        this.readSources(found.sources);
        return;
      }
      // Not a column anywhere: a bare relation name is a whole-row reference.
      const entry = lookupRelation(scope.level, column, undefined);
      if (entry !== undefined) {
        if (this.mode === 'policy') throw notAllowed('A policy expression must name columns, not the whole row.', { reason: 'whole-row reference' });
        this.readSources(entry.columns.flatMap((c) => c.sources));
        return;
      }
      throw unknownColumn(column);
    }
    if (names.length > 3) throw notAllowed('Database-qualified column names are not allowed.', { reason: 'unknown column', column: names.join('.') });
    const relation = names[names.length - 2] as string;
    const schema = names.length === 3 ? names[0] : undefined;
    if (schema !== undefined && isSystemSchema(schema)) throw catalogRead(`${schema}.${relation}`);
    const entry = lookupRelation(scope.level, relation, schema);
    if (entry === undefined) throw unknownTable(schema === undefined ? relation : `${schema}.${relation}`);
    this.readColumnOf(entry, column);
    if (schema !== undefined) {
      const table = entry.columns[0]?.sources[0]?.table;
      if (table !== undefined) this.schemaQualifiedRefs.push({ ref, table });
    }
  }

  /** `*`, `t.*`, `s.t.*`: every column of what it names is read. Returns the expanded columns. */
  protected star(ref: ColumnRef, scope: Scope): ScopeColumn[] {
    if (this.mode === 'policy') throw notAllowed('A policy expression must name columns, not *.', { reason: 'whole-row reference' });
    const names = stringsOf((ref.fields ?? []).slice(0, -1));
    if (names === undefined) throw unsupported('column reference');
    let columns: ScopeColumn[];
    if (names.length === 0) {
      columns = scope.level.entries.filter((entry) => entry.colsVisible).flatMap((entry) => entry.columns);
    } else if (names.length <= 2) {
      const relation = names.at(-1) as string;
      const schema = names.length === 2 ? names[0] : undefined;
      if (schema !== undefined && isSystemSchema(schema)) throw catalogRead(`${schema}.${relation}`);
      const entry = lookupRelation(scope.level, relation, schema);
      if (entry === undefined) throw unknownTable(names.join('.'));
      columns = entry.columns;
      if (schema !== undefined) {
        const table = entry.columns[0]?.sources[0]?.table;
        if (table !== undefined) this.schemaQualifiedRefs.push({ ref, table });
      }
    } else {
      throw notAllowed('Database-qualified names are not allowed.', { reason: 'unknown table' });
    }
    for (const column of columns) this.readSources(column.sources);
    return columns;
  }

  // --- expressions ----------------------------------------------------------------------------------

  /** Checks a policy expression (row filter or mask) over one table, in policy mode. */
  policyExpression(node: Node, table: GateTable): void {
    this.expr(node, { level: { entries: [tableEntry(table, undefined)], parent: undefined }, ctes: undefined });
  }

  protected optionalExpr(node: Node | undefined, scope: Scope): void {
    if (node !== undefined) this.expr(node, scope);
  }

  protected expr(node: Node, scope: Scope): void {
    const kind = kindOf(node);
    checkFields(kind, payloadOf<unknown>(node));
    switch (kind) {
      case 'ColumnRef':
        this.columnRef(payloadOf<ColumnRef>(node), scope);
        return;
      case 'A_Const':
        return;
      case 'ParamRef':
        if (this.mode === 'policy') throw notAllowed('Parameters are not allowed in a policy expression.', { construct: 'parameter' });
        return;
      case 'A_Expr': {
        const expression = payloadOf<A_Expr>(node);
        this.checkOperator(expression.name);
        this.optionalExpr(expression.lexpr, scope);
        this.optionalExpr(expression.rexpr, scope);
        return;
      }
      case 'List':
        for (const item of payloadOf<{ items?: Node[] }>(node).items ?? []) this.expr(item, scope);
        return;
      case 'BoolExpr':
        for (const arg of payloadOf<BoolExpr>(node).args ?? []) this.expr(arg, scope);
        return;
      case 'NullTest':
      case 'BooleanTest':
        this.optionalExpr(payloadOf<{ arg?: Node }>(node).arg, scope);
        return;
      case 'TypeCast': {
        const cast = payloadOf<TypeCast>(node);
        if (cast.typeName !== undefined) this.checkType(cast.typeName, scope);
        this.optionalExpr(cast.arg, scope);
        return;
      }
      case 'CollateClause':
        this.optionalExpr(payloadOf<CollateClause>(node).arg, scope);
        return;
      case 'FuncCall':
        this.funcCall(payloadOf<FuncCall>(node), scope);
        return;
      case 'A_Indirection': {
        const indirection = payloadOf<A_Indirection>(node);
        if (kindOf(indirection.arg) === 'A_ArrayExpr') {
          // pgsql-deparser prints (ARRAY[…])[i] without its parentheses, which does not parse.
          throw notAllowed('Subscripting an ARRAY[…] constructor directly is not supported; put the array in a subquery or CTE.', {
            construct: 'ARRAY[…][…]',
            reason: 'not understood',
          });
        }
        this.optionalExpr(indirection.arg, scope);
        for (const item of indirection.indirection ?? []) this.indirection(item, scope);
        return;
      }
      case 'A_ArrayExpr':
        for (const element of payloadOf<{ elements?: Node[] }>(node).elements ?? []) this.expr(element, scope);
        return;
      case 'RowExpr':
      case 'CoalesceExpr':
      case 'MinMaxExpr':
      case 'GroupingFunc':
        for (const arg of payloadOf<{ args?: Node[] }>(node).args ?? []) this.expr(arg, scope);
        if (kind === 'MinMaxExpr') this.functions.add(payloadOf<{ op?: string }>(node).op === 'IS_LEAST' ? 'least' : 'greatest');
        return;
      case 'CaseExpr': {
        const caseExpr = payloadOf<CaseExpr>(node);
        this.optionalExpr(caseExpr.arg, scope);
        for (const when of caseExpr.args ?? []) {
          if (kindOf(when) !== 'CaseWhen') throw unsupported(kindOf(when));
          const clause = payloadOf<CaseWhen>(when);
          checkFields('CaseWhen', clause);
          this.optionalExpr(clause.expr, scope);
          this.optionalExpr(clause.result, scope);
        }
        this.optionalExpr(caseExpr.defresult, scope);
        return;
      }
      case 'SQLValueFunction': {
        const op = payloadOf<SQLValueFunction>(node).op ?? '';
        const name = ALLOWED_SQL_VALUE_FUNCTIONS.get(op);
        if (name === undefined) {
          const shown = op.replace(/^SVFOP_/, '').replace(/_N$/, '');
          throw notAllowed(`${shown} is not allowed: it reveals who or where the session is.`, { function: shown.toLowerCase() });
        }
        this.functions.add(name);
        return;
      }
      case 'SubLink': {
        if (this.mode === 'policy') throw notAllowed('Subqueries are not allowed in a policy expression.', { construct: 'subquery' });
        const subLink = payloadOf<SubLink>(node);
        this.checkOperator(subLink.operName);
        this.optionalExpr(subLink.testexpr, scope);
        if (kindOf(subLink.subselect) !== 'SelectStmt') throw unsupported('subquery');
        this.select(payloadOf<SelectStmt>(subLink.subselect as Node), scope.level, scope.ctes);
        return;
      }
      case 'MultiAssignRef':
        this.optionalExpr(payloadOf<MultiAssignRef>(node).source, scope);
        return;
      case 'NamedArgExpr':
        this.optionalExpr(payloadOf<{ arg?: Node }>(node).arg, scope);
        return;
      case 'SetToDefault':
      case 'MergeSupportFunc':
        if (this.mode === 'policy') throw unsupported(kind);
        return;
      case 'JsonIsPredicate':
        this.optionalExpr(payloadOf<JsonIsPredicate>(node).expr, scope);
        return;
      case 'SortBy':
        this.sortBy(node, scope, new Set());
        return;
      case 'CurrentOfExpr':
        throw notAllowed('WHERE CURRENT OF needs a cursor, and cursors are not allowed.', { construct: 'WHERE CURRENT OF' });
      case 'XmlExpr':
      case 'XmlSerialize':
        throw notAllowed('XML functions are not allowed.', { construct: 'XML' });
      default:
        if (kind.startsWith('Json')) {
          throw notAllowed('SQL/JSON constructor syntax (JSON_OBJECT, JSON_VALUE, JSON_QUERY…) is not supported; use the json(b)_* functions.', {
            construct: 'SQL/JSON',
          });
        }
        throw unsupported(kind || 'empty expression');
    }
  }

  protected indirection(node: Node, scope: Scope): void {
    const kind = kindOf(node);
    if (kind === 'String' || kind === 'A_Star') return;
    if (kind === 'A_Indices') {
      checkFields(kind, payloadOf<unknown>(node));
      const indices = payloadOf<{ lidx?: Node; uidx?: Node }>(node);
      this.optionalExpr(indices.lidx, scope);
      this.optionalExpr(indices.uidx, scope);
      return;
    }
    throw unsupported(kind);
  }

  /** ORDER BY item: a bare name matching an output column means that output (SQL-92 rule). */
  protected sortBy(node: Node, scope: Scope, outputs: ReadonlySet<string>): void {
    if (kindOf(node) !== 'SortBy') throw unsupported(kindOf(node));
    const sort = payloadOf<SortBy>(node);
    checkFields('SortBy', sort);
    this.checkOperator(sort.useOp);
    if (sort.node !== undefined) this.orderingExpr(sort.node, scope, outputs);
  }

  protected orderingExpr(node: Node, scope: Scope, outputs: ReadonlySet<string>): void {
    const name = bareName(node);
    if (name !== undefined && outputs.has(name)) return;
    this.expr(node, scope);
  }

  /** GROUP BY item: input columns first, then output names (Postgres's rule). */
  protected groupBy(node: Node, scope: Scope, outputs: ReadonlySet<string>): void {
    if (kindOf(node) === 'GroupingSet') {
      checkFields('GroupingSet', payloadOf<unknown>(node));
      for (const item of payloadOf<GroupingSet>(node).content ?? []) this.groupBy(item, scope, outputs);
      return;
    }
    const name = bareName(node);
    if (name !== undefined && outputs.has(name) && lookupColumn({ entries: scope.level.entries, parent: undefined }, name) === undefined) return;
    this.expr(node, scope);
  }

  protected windowDef(window: WindowDef, scope: Scope): void {
    checkFields('WindowDef', window);
    for (const item of window.partitionClause ?? []) this.expr(item, scope);
    for (const item of window.orderClause ?? []) this.sortBy(item, scope, new Set());
    this.optionalExpr(window.startOffset, scope);
    this.optionalExpr(window.endOffset, scope);
  }

  /** Checks a function call against the allow-list; returns its bare name. */
  protected funcCall(call: FuncCall, scope: Scope): string {
    const names = stringsOf(call.funcname);
    if (names === undefined || names.length === 0) throw unsupported('function name');
    const name = names.at(-1) as string;
    const written = names.join('.');
    const sqlSyntax = call.funcformat === 'COERCE_SQL_SYNTAX';
    this.functions.add(sqlSyntax && names.length === 2 && names[0] === 'pg_catalog' ? name : written);
    if (names.length > 2 || (names.length === 2 && names[0] !== 'pg_catalog')) {
      throw notAllowed(`Function ${written} is not allowed: only built-in functions (unqualified or pg_catalog.) may be called.`, {
        function: written,
      });
    }
    if (!POSTGRES_ALLOWED_FUNCTIONS.has(name)) {
      const why = POSTGRES_DENIED_FUNCTION_REASONS.get(name.toLowerCase());
      throw notAllowed(`Function ${written} is not allowed${why === undefined ? ': it is not on the list of side-effect-free built-ins' : `: it ${why}`}.`, {
        function: written,
      });
    }
    if (
      this.mode === 'policy' &&
      (call.over !== undefined ||
        POSTGRES_AGGREGATE_FUNCTIONS.has(name) ||
        POSTGRES_WINDOW_FUNCTIONS.has(name) ||
        POSTGRES_SET_RETURNING_FUNCTIONS.has(name) ||
        POSTGRES_RECORD_FUNCTIONS.has(name))
    ) {
      throw notAllowed(`Function ${written} is not allowed in a policy expression: only scalar functions are.`, { function: written });
    }
    for (const arg of call.args ?? []) this.expr(arg, scope);
    for (const sort of call.agg_order ?? []) this.sortBy(sort, scope, new Set());
    this.optionalExpr(call.agg_filter, scope);
    if (call.over !== undefined) this.windowDef(call.over, scope);
    return name;
  }

  protected checkOperator(name: Node[] | undefined): void {
    if (name === undefined) return;
    const parts = stringsOf(name);
    if (parts === undefined || parts.length > 2 || (parts.length === 2 && parts[0] !== 'pg_catalog')) {
      const shown = (parts ?? []).join('.');
      throw notAllowed(`Operator ${shown} is not allowed: only built-in operators (unqualified or pg_catalog.) may be used.`, { operator: shown });
    }
  }

  protected checkType(typeName: TypeName, scope?: Scope): void {
    checkFields('TypeName', typeName);
    const names = stringsOf(typeName.names) ?? [];
    const name = names.at(-1) ?? '';
    const shown = names.join('.');
    if (name.toLowerCase().startsWith('reg')) {
      throw notAllowed(`Casting to ${shown} is not allowed: reg* types look names up in the system catalog.`, { reason: 'catalog reads are not allowed', type: shown });
    }
    if (
      typeName.setof === true ||
      typeName.pct_type === true ||
      names.length > 2 ||
      (names.length === 2 && names[0] !== 'pg_catalog') ||
      !ALLOWED_CAST_TYPES.has(name)
    ) {
      throw notAllowed(`Casting to ${shown || 'this type'} is not allowed: only built-in scalar types are.`, { type: shown });
    }
    const constants: Scope = scope ?? { level: { entries: [], parent: undefined }, ctes: undefined };
    for (const modifier of typeName.typmods ?? []) this.expr(modifier, constants);
  }
}
