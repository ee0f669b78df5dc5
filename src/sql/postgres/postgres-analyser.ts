import type {
  Alias,
  ColumnDef,
  ColumnRef,
  CommonTableExpr,
  DefElem,
  DeleteStmt,
  ExplainStmt,
  FuncCall,
  IndexElem,
  InsertStmt,
  JoinExpr,
  LockingClause,
  MergeStmt,
  MergeWhenClause,
  Node,
  RangeFunction,
  RangeSubselect,
  RangeTableSample,
  RangeVar,
  ResTarget,
  ReturningClause,
  ReturningOption,
  SelectStmt,
  UpdateStmt,
  WindowDef,
  WithClause,
} from 'libpg-query';
import type { GateCatalog, GateTable, StatementAnalysis } from '../analysis.js';
import { aliasNames, isFalse, kindOf, payloadOf, stringsOf } from './postgres-ast.js';
import { PostgresExpressions } from './postgres-expressions.js';
import { POSTGRES_RECORD_FUNCTIONS, POSTGRES_SET_RETURNING_FUNCTIONS } from './postgres-functions.js';
import { EXPLAIN_OPTIONS, LOCKING_NAMES, TABLESAMPLE_METHODS, checkFields, outputName } from './postgres-nodes.js';
import { fingerprintOf, guarded, parseOne } from './postgres-parser.js';
import { catalogRead, deniedStatement, notAllowed, unknownTable, unsupported } from './postgres-refusals.js';
import {
  type CteDefinition,
  type CteScope,
  type Entry,
  type FromResult,
  type Level,
  type Scope,
  type ScopeColumn,
  type WriteTarget,
  derivedEntry,
  findTable,
  isSystemSchema,
  lookupCte,
  rename,
  single,
  tableEntry,
} from './postgres-scope.js';

/**
 * The Postgres side of the SQL gate's analysis (DESIGN.md, "The SQL gate", steps 1–4): parse with the
 * real Postgres parser, accept exactly one read or write statement, resolve every relation and column
 * it touches and check every function against an allow-list. Pure: no I/O.
 *
 * Deny by default: every AST node kind the analyser meets must be one it understands, or the
 * statement is refused with a reason naming what was not understood (fail closed).
 */

/**
 * Parses, classifies and resolves one Postgres statement against the catalog. Throws AppError
 * SQL_SYNTAX (unparseable, with the parser's 1-based character position) or SQL_NOT_ALLOWED (with a
 * reason) — never anything else.
 */
export async function analysePostgres(sql: string, catalog: GateCatalog): Promise<StatementAnalysis> {
  return guarded(() => analyse(sql, catalog));
}

async function analyse(sql: string, catalog: GateCatalog): Promise<StatementAnalysis> {
  const statement = await parseOne(sql);
  const analyser = new PostgresAnalyser(catalog, 'query');
  const statementType = analyser.statement(statement);
  return {
    dialect: 'postgres',
    kind: analyser.writes ? 'WRITE' : 'READ',
    statementType,
    tables: analyser.tableUses(),
    functions: [...analyser.functions].sort(),
    fingerprint: await fingerprintOf(sql),
  };
}

/** Statements and FROM items; expressions are PostgresExpressions'. */
export class PostgresAnalyser extends PostgresExpressions {
  // --- statements -----------------------------------------------------------------------------------

  /** Analyses a top-level statement; returns its statement type. */
  statement(node: Node): string {
    const kind = kindOf(node);
    switch (kind) {
      case 'SelectStmt': {
        const select = payloadOf<SelectStmt>(node);
        this.select(select, undefined, undefined);
        return select.valuesLists !== undefined && (select.op ?? 'SETOP_NONE') === 'SETOP_NONE' ? 'VALUES' : 'SELECT';
      }
      case 'InsertStmt':
        this.insert(payloadOf<InsertStmt>(node), undefined, undefined);
        return 'INSERT';
      case 'UpdateStmt':
        this.update(payloadOf<UpdateStmt>(node), undefined, undefined);
        return 'UPDATE';
      case 'DeleteStmt':
        this.delete(payloadOf<DeleteStmt>(node), undefined, undefined);
        return 'DELETE';
      case 'MergeStmt':
        this.merge(payloadOf<MergeStmt>(node), undefined, undefined);
        return 'MERGE';
      case 'ExplainStmt':
        this.explain(payloadOf<ExplainStmt>(node));
        return 'EXPLAIN';
      default:
        throw deniedStatement(node, '');
    }
  }

  protected explain(explain: ExplainStmt): void {
    checkFields('ExplainStmt', explain);
    let analyze = false;
    for (const option of explain.options ?? []) {
      if (kindOf(option) !== 'DefElem') throw unsupported(`EXPLAIN option ${kindOf(option)}`);
      const element = payloadOf<DefElem>(option);
      const name = (element.defname ?? '').toLowerCase();
      if (!EXPLAIN_OPTIONS.has(name)) {
        throw notAllowed(`EXPLAIN option ${name.toUpperCase()} is not allowed.`, { construct: `EXPLAIN ${name.toUpperCase()}` });
      }
      if (name === 'analyze') analyze = analyze || !isFalse(element.arg);
    }
    const query = explain.query;
    const kind = kindOf(query);
    if (query === undefined || !['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt'].includes(kind)) {
      throw deniedStatement(query, 'EXPLAIN ');
    }
    this.statement(query);
    if (analyze && this.writes) {
      throw notAllowed('EXPLAIN ANALYZE executes the statement, so it is allowed only for reads. Use EXPLAIN without ANALYZE for a write.', {
        construct: 'EXPLAIN ANALYZE',
        reason: 'EXPLAIN ANALYZE of a write executes it',
      });
    }
  }

  /** Analyses a SELECT (or VALUES, or set operation); returns its output column names. */
  protected override select(
    select: SelectStmt,
    outer: Level | undefined,
    ctes: CteScope | undefined,
    afterFirstArm?: (columns: string[]) => void,
  ): string[] {
    checkFields('SelectStmt', select);
    if (select.intoClause !== undefined) {
      throw notAllowed('SELECT INTO creates a table and is not allowed. Send a plain SELECT.', { construct: 'SELECT INTO' });
    }
    if (select.lockingClause !== undefined && select.lockingClause.length > 0) {
      const strength = payloadOf<LockingClause>(select.lockingClause[0] as Node).strength ?? 'LCS_FORUPDATE';
      const construct = LOCKING_NAMES[strength] ?? 'FOR UPDATE';
      throw notAllowed(`${construct} takes row locks (a write) and is not allowed in a query.`, { construct });
    }
    if (select.limitOption === 'LIMIT_OPTION_WITH_TIES') {
      // pgsql-deparser prints it as a plain LIMIT, so a rewritten statement would change meaning.
      throw notAllowed('FETCH FIRST … WITH TIES is not supported; use a window function (rank() <= n) instead.', {
        construct: 'WITH TIES',
        reason: 'not understood',
      });
    }
    if (select.groupDistinct === true) {
      // pgsql-deparser drops the DISTINCT, which changes the result.
      throw notAllowed('GROUP BY DISTINCT is not supported; write the grouping sets out.', { construct: 'GROUP BY DISTINCT', reason: 'not understood' });
    }
    const scopeCtes = this.withClause(select.withClause, outer, ctes);
    const op = select.op ?? 'SETOP_NONE';

    if (op !== 'SETOP_NONE') {
      if (select.larg === undefined || select.rarg === undefined) throw unsupported('set operation');
      const columns = this.select(select.larg, outer, scopeCtes);
      afterFirstArm?.(columns);
      this.select(select.rarg, outer, scopeCtes);
      // ORDER BY and LIMIT of a set operation see only its output columns.
      const scope: Scope = { level: { entries: [derivedEntry(undefined, columns)], parent: outer }, ctes: scopeCtes };
      for (const sort of select.sortClause ?? []) this.sortBy(sort, scope, new Set(columns));
      this.optionalExpr(select.limitCount, scope);
      this.optionalExpr(select.limitOffset, scope);
      return columns;
    }

    const level: Level = { entries: [], parent: outer };
    const scope: Scope = { level, ctes: scopeCtes };

    if (select.valuesLists !== undefined) {
      let width = 0;
      for (const row of select.valuesLists) {
        const items = kindOf(row) === 'List' ? (payloadOf<{ items?: Node[] }>(row).items ?? []) : [row];
        width = Math.max(width, items.length);
        for (const item of items) this.expr(item, scope);
      }
      const columns = Array.from({ length: width }, (_, index) => `column${index + 1}`);
      for (const sort of select.sortClause ?? []) this.sortBy(sort, scope, new Set(columns));
      this.optionalExpr(select.limitCount, scope);
      this.optionalExpr(select.limitOffset, scope);
      return columns;
    }

    for (const item of select.fromClause ?? []) {
      level.entries.push(...this.fromItem(item, level, scopeCtes, [...level.entries]).entries);
    }

    const outputs = this.targetList(select.targetList ?? [], scope);
    const outputNames = new Set(outputs);
    this.optionalExpr(select.whereClause, scope);
    for (const group of select.groupClause ?? []) this.groupBy(group, scope, outputNames);
    this.optionalExpr(select.havingClause, scope);
    for (const window of select.windowClause ?? []) {
      if (kindOf(window) !== 'WindowDef') throw unsupported(kindOf(window));
      this.windowDef(payloadOf<WindowDef>(window), scope);
    }
    for (const distinct of select.distinctClause ?? []) {
      if (kindOf(distinct) === '') continue; // plain DISTINCT is a list holding one empty node
      this.orderingExpr(distinct, scope, outputNames);
    }
    for (const sort of select.sortClause ?? []) this.sortBy(sort, scope, outputNames);
    this.optionalExpr(select.limitCount, scope);
    this.optionalExpr(select.limitOffset, scope);
    return outputs;
  }

  protected targetList(targets: Node[], scope: Scope): string[] {
    const outputs: string[] = [];
    for (const target of targets) {
      if (kindOf(target) !== 'ResTarget') throw unsupported(kindOf(target) || 'empty select item');
      const result = payloadOf<ResTarget>(target);
      checkFields('ResTarget', result);
      const value = result.val;
      if (value === undefined) throw unsupported('empty select item');
      if (kindOf(value) === 'ColumnRef') {
        const ref = payloadOf<ColumnRef>(value);
        if (kindOf(ref.fields?.at(-1)) === 'A_Star') {
          outputs.push(...this.star(ref, scope).map((column) => column.name));
          continue;
        }
      }
      this.expr(value, scope);
      outputs.push(result.name ?? outputName(value));
    }
    return outputs;
  }

  protected withClause(withClause: WithClause | undefined, outer: Level | undefined, ctes: CteScope | undefined): CteScope | undefined {
    if (withClause === undefined) return ctes;
    checkFields('WithClause', withClause);
    const scope: CteScope = { definitions: new Map(), parent: ctes };
    const recursive = withClause.recursive === true;
    for (const node of withClause.ctes ?? []) {
      if (kindOf(node) !== 'CommonTableExpr') throw unsupported(kindOf(node));
      const cte = payloadOf<CommonTableExpr>(node);
      checkFields('CommonTableExpr', cte);
      const name = cte.ctename ?? '';
      const renames = stringsOf(cte.aliascolnames) ?? [];
      const definition: CteDefinition = { columns: undefined };
      if (recursive) scope.definitions.set(name, definition);
      const body = cte.ctequery;
      const bodyKind = kindOf(body);
      let columns: string[];
      if (bodyKind === 'SelectStmt') {
        const bodySelect = payloadOf<SelectStmt>(body as Node);
        columns = this.select(bodySelect, outer, scope, (first) => {
          if (recursive) definition.columns = rename(first, renames);
        });
      } else if (bodyKind === 'InsertStmt') {
        columns = this.insert(payloadOf<InsertStmt>(body as Node), outer, scope);
      } else if (bodyKind === 'UpdateStmt') {
        columns = this.update(payloadOf<UpdateStmt>(body as Node), outer, scope);
      } else if (bodyKind === 'DeleteStmt') {
        columns = this.delete(payloadOf<DeleteStmt>(body as Node), outer, scope);
      } else if (bodyKind === 'MergeStmt') {
        columns = this.merge(payloadOf<MergeStmt>(body as Node), outer, scope);
      } else {
        throw deniedStatement(body, 'WITH ');
      }
      columns = rename(columns, renames);
      if (cte.search_clause?.search_seq_column !== undefined) columns.push(cte.search_clause.search_seq_column);
      if (cte.cycle_clause !== undefined) {
        const empty: Scope = { level: { entries: [], parent: undefined }, ctes: undefined };
        this.optionalExpr(cte.cycle_clause.cycle_mark_value, empty);
        this.optionalExpr(cte.cycle_clause.cycle_mark_default, empty);
        if (cte.cycle_clause.cycle_mark_column !== undefined) columns.push(cte.cycle_clause.cycle_mark_column);
        if (cte.cycle_clause.cycle_path_column !== undefined) columns.push(cte.cycle_clause.cycle_path_column);
      }
      definition.columns = columns;
      scope.definitions.set(name, definition);
    }
    return scope;
  }

  protected insert(insert: InsertStmt, outer: Level | undefined, ctes: CteScope | undefined): string[] {
    checkFields('InsertStmt', insert);
    checkFields('RangeVar', insert.relation);
    checkFields('OnConflictClause', insert.onConflictClause);
    checkFields('InferClause', insert.onConflictClause?.infer);
    const scopeCtes = this.withClause(insert.withClause, outer, ctes);
    const relation = insert.relation;
    if (relation === undefined) throw unsupported('INSERT without a table');
    const table = this.resolveTarget(relation, scopeCtes);
    this.writes = true;
    const use = this.use(table);
    use.actions.add('INSERT');
    const target = this.writeTarget('INSERT', insert, table, relation);

    const columns = insert.cols === undefined ? table.columns : insert.cols.map((col) => payloadOf<ResTarget>(col).name ?? '');
    for (const column of columns) this.markColumn(table, column, 'INSERT');
    const emptyScope: Scope = { level: { entries: [], parent: outer }, ctes: scopeCtes };
    for (const col of insert.cols ?? []) {
      for (const indirection of payloadOf<ResTarget>(col).indirection ?? []) this.indirection(indirection, emptyScope);
    }
    if (insert.selectStmt !== undefined) {
      if (kindOf(insert.selectStmt) !== 'SelectStmt') throw unsupported(kindOf(insert.selectStmt));
      this.select(payloadOf<SelectStmt>(insert.selectStmt), outer, scopeCtes);
    }

    const targetEntry = tableEntry(table, relation.alias, target);
    const conflict = insert.onConflictClause;
    if (conflict !== undefined) {
      const level: Level = { entries: [targetEntry, derivedEntry('excluded', table.columns)], parent: outer };
      const scope: Scope = { level, ctes: scopeCtes };
      for (const element of conflict.infer?.indexElems ?? []) {
        const index = payloadOf<IndexElem>(element);
        checkFields('IndexElem', index);
        if (index.name !== undefined) this.readColumnOf(targetEntry, index.name);
        this.optionalExpr(index.expr, scope);
      }
      this.optionalExpr(conflict.infer?.whereClause, scope);
      if (conflict.action === 'ONCONFLICT_UPDATE') {
        use.actions.add('UPDATE');
        this.assignments(conflict.targetList ?? [], table, scope);
        this.optionalExpr(conflict.whereClause, scope);
      }
    }
    return this.returning(insert.returningClause, targetEntry, table, target, outer, scopeCtes);
  }

  protected update(update: UpdateStmt, outer: Level | undefined, ctes: CteScope | undefined): string[] {
    checkFields('UpdateStmt', update);
    checkFields('RangeVar', update.relation);
    const scopeCtes = this.withClause(update.withClause, outer, ctes);
    const relation = update.relation;
    if (relation === undefined) throw unsupported('UPDATE without a table');
    const table = this.resolveTarget(relation, scopeCtes);
    this.writes = true;
    this.use(table).actions.add('UPDATE');
    const target = this.writeTarget('UPDATE', update, table, relation);
    const targetEntry = tableEntry(table, relation.alias, target);
    const level: Level = { entries: [targetEntry], parent: outer };
    const siblings: Entry[] = [];
    for (const item of update.fromClause ?? []) {
      const entries = this.fromItem(item, level, scopeCtes, [...siblings]).entries;
      siblings.push(...entries);
      level.entries.push(...entries);
    }
    const scope: Scope = { level, ctes: scopeCtes };
    this.assignments(update.targetList ?? [], table, scope);
    this.optionalExpr(update.whereClause, scope);
    return this.returning(update.returningClause, targetEntry, table, target, outer, scopeCtes, level.entries.slice(1));
  }

  protected delete(deletion: DeleteStmt, outer: Level | undefined, ctes: CteScope | undefined): string[] {
    checkFields('DeleteStmt', deletion);
    checkFields('RangeVar', deletion.relation);
    const scopeCtes = this.withClause(deletion.withClause, outer, ctes);
    const relation = deletion.relation;
    if (relation === undefined) throw unsupported('DELETE without a table');
    const table = this.resolveTarget(relation, scopeCtes);
    this.writes = true;
    this.use(table).actions.add('DELETE');
    const target = this.writeTarget('DELETE', deletion, table, relation);
    const targetEntry = tableEntry(table, relation.alias, target);
    const level: Level = { entries: [targetEntry], parent: outer };
    const siblings: Entry[] = [];
    for (const item of deletion.usingClause ?? []) {
      const entries = this.fromItem(item, level, scopeCtes, [...siblings]).entries;
      siblings.push(...entries);
      level.entries.push(...entries);
    }
    const scope: Scope = { level, ctes: scopeCtes };
    this.optionalExpr(deletion.whereClause, scope);
    return this.returning(deletion.returningClause, targetEntry, table, target, outer, scopeCtes, level.entries.slice(1));
  }

  protected merge(merge: MergeStmt, outer: Level | undefined, ctes: CteScope | undefined): string[] {
    checkFields('MergeStmt', merge);
    checkFields('RangeVar', merge.relation);
    const scopeCtes = this.withClause(merge.withClause, outer, ctes);
    const relation = merge.relation;
    if (relation === undefined || merge.sourceRelation === undefined) throw unsupported('MERGE without a table');
    const table = this.resolveTarget(relation, scopeCtes);
    this.writes = true;
    const use = this.use(table);
    const target = this.writeTarget('MERGE', merge, table, relation);
    const targetEntry = tableEntry(table, relation.alias, target);
    const level: Level = { entries: [targetEntry], parent: outer };
    const source = this.fromItem(merge.sourceRelation, level, scopeCtes, []).entries;
    level.entries.push(...source);
    const scope: Scope = { level, ctes: scopeCtes };
    this.optionalExpr(merge.joinCondition, scope);
    for (const node of merge.mergeWhenClauses ?? []) {
      const clause = payloadOf<MergeWhenClause>(node);
      checkFields('MergeWhenClause', clause);
      this.optionalExpr(clause.condition, scope);
      switch (clause.commandType) {
        case 'CMD_UPDATE':
          use.actions.add('UPDATE');
          this.assignments(clause.targetList ?? [], table, scope);
          break;
        case 'CMD_INSERT': {
          use.actions.add('INSERT');
          const columns =
            clause.targetList === undefined ? table.columns : clause.targetList.map((col) => payloadOf<ResTarget>(col).name ?? '');
          for (const column of columns) this.markColumn(table, column, 'INSERT');
          for (const value of clause.values ?? []) this.expr(value, scope);
          break;
        }
        case 'CMD_DELETE':
          use.actions.add('DELETE');
          break;
        case 'CMD_NOTHING':
          break;
        default:
          throw unsupported(`MERGE action ${String(clause.commandType)}`);
      }
    }
    return this.returning(merge.returningClause, targetEntry, table, target, outer, scopeCtes, source);
  }

  /** UPDATE SET / ON CONFLICT DO UPDATE SET / MERGE UPDATE SET: written columns, read expressions. */
  protected assignments(targets: Node[], table: GateTable, scope: Scope): void {
    for (const node of targets) {
      const target = payloadOf<ResTarget>(node);
      this.markColumn(table, target.name ?? '', 'UPDATE');
      for (const indirection of target.indirection ?? []) this.indirection(indirection, scope);
      if (target.val !== undefined) this.expr(target.val, scope);
    }
  }

  protected returning(
    clause: ReturningClause | undefined,
    targetEntry: Entry,
    table: GateTable,
    target: WriteTarget,
    outer: Level | undefined,
    ctes: CteScope | undefined,
    others: Entry[] = [],
  ): string[] {
    if (clause === undefined) return [];
    checkFields('ReturningClause', clause);
    let oldName = 'old';
    let newName = 'new';
    for (const node of clause.options ?? []) {
      const option = payloadOf<ReturningOption>(node);
      if (option.option === 'RETURNING_OPTION_OLD') oldName = option.value ?? oldName;
      else if (option.option === 'RETURNING_OPTION_NEW') newName = option.value ?? newName;
    }
    const pseudo = (name: string): Entry => ({ ...tableEntry(table, undefined, target), refName: name, schemaName: undefined, colsVisible: false });
    const level: Level = { entries: [targetEntry, ...others, pseudo(oldName), pseudo(newName)], parent: outer };
    return this.targetList(clause.exprs ?? [], { level, ctes });
  }

  protected writeTarget(kind: WriteTarget['kind'], statement: WriteTarget['statement'], table: GateTable, relation: RangeVar): WriteTarget {
    const target: WriteTarget = { kind, statement, table, refName: relation.alias?.aliasname ?? table.name, reads: new Set() };
    this.writeTargets.push(target);
    return target;
  }

  // --- FROM -----------------------------------------------------------------------------------------

  protected fromItem(node: Node, level: Level, ctes: CteScope | undefined, lateral: Entry[]): FromResult {
    const kind = kindOf(node);
    checkFields(kind, payloadOf<unknown>(node));
    checkFields('Alias', payloadOf<{ alias?: Alias }>(node).alias);
    switch (kind) {
      case 'RangeVar': {
        const rangeVar = payloadOf<RangeVar>(node);
        const cte = rangeVar.schemaname === undefined && rangeVar.catalogname === undefined ? lookupCte(ctes, rangeVar.relname ?? '') : undefined;
        if (cte !== undefined) {
          if (cte.columns === undefined) throw unsupported('recursive reference to a CTE from its non-recursive part');
          const entry = derivedEntry(rangeVar.alias?.aliasname ?? rangeVar.relname, cte.columns, aliasNames(rangeVar.alias));
          return { entries: [entry], columns: entry.columns };
        }
        const table = this.resolveTable(rangeVar);
        this.use(table).actions.add('READ');
        this.relationReads.push({ node, rangeVar, table });
        const entry = tableEntry(table, rangeVar.alias);
        return { entries: [entry], columns: entry.columns };
      }
      case 'RangeTableSample': {
        const sample = payloadOf<RangeTableSample>(node);
        if (kindOf(sample.relation) !== 'RangeVar') throw unsupported('TABLESAMPLE on something other than a table');
        const rangeVar = payloadOf<RangeVar>(sample.relation as Node);
        if (rangeVar.schemaname === undefined && lookupCte(ctes, rangeVar.relname ?? '') !== undefined) {
          throw unsupported('TABLESAMPLE on a CTE');
        }
        const method = stringsOf(sample.method) ?? [];
        if (method.length !== 1 || !TABLESAMPLE_METHODS.has(method[0] ?? '')) {
          throw notAllowed(`TABLESAMPLE method ${method.join('.')} is not allowed; use BERNOULLI or SYSTEM.`, { construct: 'TABLESAMPLE' });
        }
        const constants: Scope = { level: { entries: [], parent: undefined }, ctes: undefined };
        for (const arg of sample.args ?? []) this.expr(arg, constants);
        this.optionalExpr(sample.repeatable, constants);
        const table = this.resolveTable(rangeVar);
        this.use(table).actions.add('READ');
        this.relationReads.push({ node, rangeVar, table });
        const entry = tableEntry(table, rangeVar.alias);
        return { entries: [entry], columns: entry.columns };
      }
      case 'RangeSubselect': {
        const subselect = payloadOf<RangeSubselect>(node);
        if (kindOf(subselect.subquery) !== 'SelectStmt') throw unsupported(`subquery ${kindOf(subselect.subquery)}`);
        const outer: Level | undefined = subselect.lateral === true ? { entries: lateral, parent: level.parent } : level.parent;
        const columns = this.select(payloadOf<SelectStmt>(subselect.subquery as Node), outer, ctes);
        const entry = derivedEntry(subselect.alias?.aliasname, columns, aliasNames(subselect.alias));
        return { entries: [entry], columns: entry.columns };
      }
      case 'RangeFunction':
        return this.rangeFunction(payloadOf<RangeFunction>(node), level, ctes, lateral);
      case 'JoinExpr':
        return this.join(payloadOf<JoinExpr>(node), level, ctes, lateral);
      case 'RangeTableFunc':
        throw notAllowed('XMLTABLE is not allowed.', { construct: 'XMLTABLE' });
      case 'JsonTable':
        throw notAllowed('JSON_TABLE is not supported; use jsonb_to_recordset or jsonb_array_elements.', { construct: 'JSON_TABLE' });
      default:
        throw unsupported(kind || 'empty FROM item');
    }
  }

  protected rangeFunction(range: RangeFunction, level: Level, ctes: CteScope | undefined, lateral: Entry[]): FromResult {
    // Function arguments in FROM may always refer to earlier FROM items (implicit LATERAL).
    const scope: Scope = { level: { entries: lateral, parent: level.parent }, ctes };
    const functions = range.functions ?? [];
    const names: string[] = [];
    let firstName: string | undefined;
    for (const item of functions) {
      const parts = kindOf(item) === 'List' ? (payloadOf<{ items?: Node[] }>(item).items ?? []) : [item];
      const call = parts[0];
      if (kindOf(call) !== 'FuncCall') throw unsupported(`${kindOf(call) || 'empty'} in FROM`);
      const funcCall = payloadOf<FuncCall>(call as Node);
      const name = this.funcCall(funcCall, scope);
      firstName ??= name;
      const definitions = kindOf(parts[1]) === 'List' ? (payloadOf<{ items?: Node[] }>(parts[1] as Node).items ?? []) : [];
      const columnDefinitions = definitions.length > 0 ? definitions : functions.length === 1 ? (range.coldeflist ?? []) : [];
      if (columnDefinitions.length > 0) {
        names.push(...this.columnDefinitions(columnDefinitions));
      } else if (POSTGRES_RECORD_FUNCTIONS.has(name)) {
        throw notAllowed(`${name} needs a column definition list (… AS x(a int, b text)).`, { function: name });
      } else {
        const produced = POSTGRES_SET_RETURNING_FUNCTIONS.get(name) ?? [];
        if (produced.length > 0) names.push(...produced);
        else if (name === 'unnest' && (funcCall.args?.length ?? 0) > 1) names.push(...(funcCall.args ?? []).map(() => 'unnest'));
        else names.push(functions.length === 1 && range.alias !== undefined ? (range.alias.aliasname ?? name) : name);
      }
    }
    if (range.ordinality === true) names.push('ordinality');
    const refName = range.alias?.aliasname ?? (functions.length === 1 ? firstName : undefined);
    const entry = derivedEntry(refName, names, aliasNames(range.alias));
    return { entries: [entry], columns: entry.columns };
  }

  protected columnDefinitions(definitions: Node[]): string[] {
    return definitions.map((node) => {
      if (kindOf(node) !== 'ColumnDef') throw unsupported(kindOf(node));
      const definition = payloadOf<ColumnDef>(node);
      if (definition.typeName !== undefined) this.checkType(definition.typeName);
      return definition.colname ?? '';
    });
  }

  protected join(join: JoinExpr, level: Level, ctes: CteScope | undefined, lateral: Entry[]): FromResult {
    if (join.larg === undefined || join.rarg === undefined) throw unsupported('JOIN');
    const left = this.fromItem(join.larg, level, ctes, lateral);
    const right = this.fromItem(join.rarg, level, ctes, [...lateral, ...left.entries]);

    let mergedNames: string[] = [];
    if (join.isNatural === true) {
      const rightNames = new Set(right.columns.map((column) => column.name));
      mergedNames = [...new Set(left.columns.map((column) => column.name))].filter((name) => rightNames.has(name));
    } else if (join.usingClause !== undefined) {
      mergedNames = stringsOf(join.usingClause) ?? [];
    }
    const merged: ScopeColumn[] = mergedNames.map((name) => {
      const l = single(left.columns.filter((column) => column.name === name), name);
      const r = single(right.columns.filter((column) => column.name === name), name);
      const column: ScopeColumn = { name, sources: [...l.sources, ...r.sources] };
      this.readSources(column.sources); // USING (a) compares both sides' a
      return column;
    });
    const mergedSet = new Set(mergedNames);
    const columns = [
      ...merged,
      ...left.columns.filter((column) => !mergedSet.has(column.name)),
      ...right.columns.filter((column) => !mergedSet.has(column.name)),
    ];

    if (join.quals !== undefined) {
      // ON sees the join's own inputs (and outer query levels), as in Postgres.
      this.expr(join.quals, { level: { entries: [...left.entries, ...right.entries], parent: level.parent }, ctes });
    }

    const renames = aliasNames(join.alias);
    const joinEntry: Entry = {
      refName: join.alias?.aliasname,
      schemaName: undefined,
      relVisible: join.alias !== undefined,
      colsVisible: true,
      columns: columns.map((column, index) => ({ name: renames[index] ?? column.name, sources: column.sources })),
    };
    const inner =
      join.alias !== undefined ? [] : [...left.entries, ...right.entries].map((entry) => ({ ...entry, colsVisible: false }));
    const entries = [...inner, joinEntry];
    if (join.join_using_alias?.aliasname !== undefined) {
      entries.push({ refName: join.join_using_alias.aliasname, schemaName: undefined, relVisible: true, colsVisible: false, columns: merged });
    }
    return { entries, columns: joinEntry.columns };
  }

  // --- tables ---------------------------------------------------------------------------------------

  protected resolveTarget(relation: RangeVar, ctes: CteScope | undefined): GateTable {
    if (relation.schemaname === undefined && lookupCte(ctes, relation.relname ?? '') !== undefined) {
      throw notAllowed(`"${relation.relname ?? ''}" is a CTE and cannot be the target of a write.`, { table: relation.relname ?? '' });
    }
    return this.resolveTable(relation);
  }

  protected resolveTable(relation: RangeVar): GateTable {
    const name = relation.relname ?? '';
    if (relation.catalogname !== undefined) {
      throw notAllowed(`Database-qualified names (${relation.catalogname}.…) are not allowed.`, { reason: 'unknown table', table: name });
    }
    if (relation.schemaname !== undefined) {
      if (isSystemSchema(relation.schemaname)) throw catalogRead(`${relation.schemaname}.${name}`);
      const table = findTable(this.catalog, relation.schemaname, name);
      if (table === undefined) throw unknownTable(`${relation.schemaname}.${name}`);
      return table;
    }
    // Postgres searches pg_catalog before the search path unless told otherwise, and every catalog
    // relation is named pg_…: an unqualified pg_ name may be a catalog even if the path holds one too.
    if (name.toLowerCase().startsWith('pg_')) throw catalogRead(name);
    for (const schema of this.catalog.searchPath) {
      if (isSystemSchema(schema) || schema === '$user') continue;
      const table = findTable(this.catalog, schema, name);
      if (table !== undefined) return table;
    }
    throw unknownTable(name);
  }
}
