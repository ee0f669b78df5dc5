import type {
  A_Const,
  Alias,
  BoolExpr,
  ColumnRef,
  DefElem,
  DeleteStmt,
  ExplainStmt,
  InsertStmt,
  MergeStmt,
  MergeWhenClause,
  Node,
  RangeSubselect,
  RangeTableSample,
  RangeVar,
  SelectStmt,
  UpdateStmt,
} from 'libpg-query';
import { AppError, ErrorCode } from '../../errors/app-error.js';
import type { GateCatalog, StatementAnalysis, TablePolicy } from '../analysis.js';
import { PostgresAnalyser } from './postgres-analyser.js';
import { INT32_MAX, and, columnRefNode, constInt, isFalse, isNullConst, kindOf, payloadOf } from './postgres-ast.js';
import { deparse, guarded, parseOne, parseTree } from './postgres-parser.js';
import { type PreparedPolicy, preparePolicy } from './postgres-policy.js';
import { exactlyOneStatement, notAllowed } from './postgres-refusals.js';
import { type RelationRead, type WriteTarget, findTable, tableKey } from './postgres-scope.js';

/**
 * The Postgres side of the SQL gate's rewriting (DESIGN.md, "The SQL gate", step 5): row filters as
 * sub-selects around each read of a table, masks on its columns, filters on write targets, the row
 * cap. Works on the tree and prints it with the deparser, then parses the printed text again to
 * check it is the very tree that was built. Pure: no I/O.
 */

/**
 * Rewrites an analysed statement so the agent sees only what its policies let it see:
 * - every read of a table with a policy becomes `(SELECT <columns, masked ones as expressions> FROM
 *   schema.table WHERE (<row filter>)) AS <alias or table name>`, in every scope;
 * - the target of UPDATE/DELETE/MERGE (and an INSERT's ON CONFLICT DO UPDATE) gets the row filter
 *   ANDed into its condition, so only visible rows can change; reading a masked column of a write
 *   target is refused;
 * - a read gets `LIMIT rowCap + 1` (the top-level limit lowered, never raised), so the driver can
 *   report truncation.
 * Returns the deparsed SQL, which is checked to analyse to the same tables and writes as the input.
 */
export async function rewritePostgres(
  sql: string,
  analysis: StatementAnalysis,
  catalog: GateCatalog,
  policies: readonly TablePolicy[],
  rowCap?: number,
): Promise<string> {
  return guarded(() => rewrite(sql, analysis, catalog, policies, rowCap));
}

async function rewrite(
  sql: string,
  analysis: StatementAnalysis,
  catalog: GateCatalog,
  policies: readonly TablePolicy[],
  rowCap: number | undefined,
): Promise<string> {
  const parsed = await parseTree(sql);
  const raw = parsed.stmts?.[0];
  const statement = raw?.stmt;
  if (parsed.stmts?.length !== 1 || raw === undefined || statement === undefined) throw exactlyOneStatement();
  const analyser = new PostgresAnalyser(catalog, 'query');
  analyser.statement(statement);
  const kind = analyser.writes ? 'WRITE' : 'READ';
  if (kind !== analysis.kind || !sameTables(analyser.tableUses(), analysis.tables, false)) {
    throw new AppError(ErrorCode.INTERNAL, 'The statement analysis does not belong to this statement.');
  }

  const byTable = new Map<string, PreparedPolicy>();
  for (const policy of policies) {
    const table = findTable(catalog, policy.schema, policy.table);
    if (table === undefined) continue;
    const prepared = await preparePolicy(policy, table);
    if (prepared !== undefined) byTable.set(tableKey(table), prepared);
  }

  if (explainsWithAnalyze(statement) && [...analyser.relationReads, ...analyser.writeTargets].some((use) => byTable.has(tableKey(use.table)))) {
    throw notAllowed(
      'EXPLAIN ANALYZE is not allowed on a table with a row filter or column mask for you: its row counts (such as "Rows Removed by Filter") would count rows you may not see. Use EXPLAIN without ANALYZE.',
      { construct: 'EXPLAIN ANALYZE', reason: 'row filter or column mask' },
    );
  }
  for (const read of analyser.relationReads) {
    const policy = byTable.get(tableKey(read.table));
    if (policy !== undefined) replaceWithPolicySubquery(read, policy);
  }
  for (const ref of analyser.schemaQualifiedRefs) {
    if (byTable.has(tableKey(ref.table)) && ref.ref.fields !== undefined) ref.ref.fields = ref.ref.fields.slice(1);
  }
  for (const target of analyser.writeTargets) {
    const policy = byTable.get(tableKey(target.table));
    if (policy !== undefined) applyPolicyToTarget(target, policy);
  }

  let top: Node = statement;
  if (rowCap !== undefined && kind === 'READ') top = capRows(statement, rowCap);
  raw.stmt = top;
  const rewritten = deparse(parsed);

  // The deparser has the last word on what runs: check that its text parses back to the very tree
  // we built (so no filter was lost to a precedence slip), and still analyses to the same writes.
  const unfaithful = (cause?: unknown): AppError =>
    new AppError(
      ErrorCode.SQL_NOT_ALLOWED,
      'The statement uses a construct the SQL gate cannot rewrite faithfully, so it is refused. Simplify it (for example, move the expression into a CTE).',
      { reason: 'not understood', construct: 'rewrite' },
      { cause },
    );
  let check: Node;
  try {
    check = await parseOne(rewritten);
  } catch (error) {
    throw unfaithful(error);
  }
  if (canonicalTree(check) !== canonicalTree(top)) throw unfaithful();
  const recheck = new PostgresAnalyser(catalog, 'query');
  recheck.statement(check);
  if ((recheck.writes ? 'WRITE' : 'READ') !== kind || !sameTables(recheck.tableUses(), analyser.tableUses(), true)) {
    throw new AppError(ErrorCode.INTERNAL, 'The rewritten statement does not match the original.');
  }
  return rewritten;
}

/** The row filter with every column qualified by the name the statement gives the table. */
function qualifiedFilter(filter: Node, refName: string): Node {
  const copy = structuredClone(filter);
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    const ref = record.ColumnRef as ColumnRef | undefined;
    if (ref !== undefined && Object.keys(record).length === 1) {
      const column = ref.fields?.at(-1);
      if (column !== undefined) ref.fields = [{ String: { sval: refName } } as Node, column];
      return;
    }
    for (const child of Object.values(record)) visit(child);
  };
  visit(copy);
  return copy;
}

function replaceWithPolicySubquery(read: RelationRead, policy: PreparedPolicy): void {
  const { table } = policy;
  const targetList = table.columns.map((column) => {
    const mask = policy.masks.get(column);
    return (mask === undefined
      ? { ResTarget: { val: columnRefNode(column) } }
      : { ResTarget: { name: column, val: structuredClone(mask) } }) as Node;
  });
  // ONLY is an absent `inh` (pgsql-deparser ignores an explicit false).
  const inner: RangeVar = { schemaname: table.schema, relname: table.name, relpersistence: 'p' };
  if (read.rangeVar.inh === true) inner.inh = true;
  let fromNode: Node = { RangeVar: inner } as Node;
  if (kindOf(read.node) === 'RangeTableSample') {
    // TABLESAMPLE cannot apply to a subquery: sample the table inside it, then filter.
    const sample = structuredClone(payloadOf<RangeTableSample>(read.node));
    sample.relation = { RangeVar: inner } as Node;
    fromNode = { RangeTableSample: sample } as Node;
  }
  const subquery: SelectStmt = {
    targetList,
    fromClause: [fromNode],
    limitOption: 'LIMIT_OPTION_DEFAULT',
    op: 'SETOP_NONE',
  };
  if (policy.rowFilter !== undefined) {
    subquery.whereClause = structuredClone(policy.rowFilter);
    // OFFSET 0 is a planner barrier: PostgreSQL neither pulls a subquery with OFFSET up into the outer
    // query (is_simple_subquery) nor pushes the outer query's conditions down into it
    // (subquery_is_pushdown_safe). So the statement's own conditions, joins and casts only ever see rows
    // the filter let through, and an error they raise cannot carry a hidden row's value.
    subquery.limitOffset = constInt(0);
    subquery.limitOption = 'LIMIT_OPTION_COUNT'; // as the parser sets it for any LIMIT or OFFSET
  }
  const alias: Alias = { aliasname: read.rangeVar.alias?.aliasname ?? table.name };
  if (read.rangeVar.alias?.colnames !== undefined) alias.colnames = read.rangeVar.alias.colnames;
  const replacement: RangeSubselect = { lateral: false, subquery: { SelectStmt: subquery } as Node, alias };
  const record = read.node as unknown as Record<string, unknown>;
  for (const key of Object.keys(record)) delete record[key];
  record.RangeSubselect = replacement;
}

function applyPolicyToTarget(target: WriteTarget, policy: PreparedPolicy): void {
  const masked = [...target.reads].filter((column) => policy.masks.has(column)).sort();
  if (masked.length > 0) {
    throw notAllowed(
      `Column ${masked.join(', ')} of ${target.table.name} is masked for you, so a ${target.kind} may not read it (in WHERE, SET, RETURNING or ON CONFLICT).`,
      { reason: 'masked column', table: target.table.name, column: masked[0] },
    );
  }
  if (policy.rowFilter === undefined) return;
  const filter = (): Node => qualifiedFilter(policy.rowFilter as Node, target.refName);
  // `filter AND CASE WHEN filter THEN condition ELSE false END`: the filter still drives the scan (an
  // index on it is used), while the statement's own condition, inside CASE, is evaluated only on rows
  // the filter lets through, whatever order the planner puts the conditions in.
  const guarded = (condition: Node | undefined): Node =>
    condition === undefined
      ? filter()
      : and(filter(), {
          CaseExpr: { args: [{ CaseWhen: { expr: filter(), result: condition } } as Node], defresult: { A_Const: { boolval: { boolval: false } } } as Node },
        } as Node);
  switch (target.kind) {
    case 'UPDATE':
    case 'DELETE': {
      const statement = target.statement as UpdateStmt | DeleteStmt;
      statement.whereClause = guarded(statement.whereClause);
      return;
    }
    case 'INSERT': {
      // New rows cannot be filtered; an ON CONFLICT DO UPDATE may only touch rows the agent can see.
      const conflict = (target.statement as InsertStmt).onConflictClause;
      if (conflict?.action === 'ONCONFLICT_UPDATE') conflict.whereClause = guarded(conflict.whereClause);
      return;
    }
    case 'MERGE': {
      for (const node of (target.statement as MergeStmt).mergeWhenClauses ?? []) {
        const clause = payloadOf<MergeWhenClause>(node);
        if (clause.matchKind === 'MERGE_WHEN_NOT_MATCHED_BY_TARGET') continue;
        clause.condition = guarded(clause.condition);
      }
      return;
    }
  }
}

/** Whether the statement is EXPLAIN with ANALYZE on (which runs it and counts the rows each step removed). */
function explainsWithAnalyze(statement: Node): boolean {
  if (kindOf(statement) !== 'ExplainStmt') return false;
  return (payloadOf<ExplainStmt>(statement).options ?? []).some((option) => {
    if (kindOf(option) !== 'DefElem') return false;
    const element = payloadOf<DefElem>(option);
    return (element.defname ?? '').toLowerCase() === 'analyze' && !isFalse(element.arg);
  });
}

/** Caps a read at rowCap + 1 rows, keeping its ORDER BY: lower the top-level LIMIT, or wrap. */
function capRows(statement: Node, rowCap: number): Node {
  if (!Number.isInteger(rowCap) || rowCap < 0) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, 'The row cap must be a whole number of rows, 0 or more.', { field: 'rowCap' });
  }
  const cap = Math.min(rowCap + 1, INT32_MAX); // the AST's integer constants are 32-bit
  if (kindOf(statement) !== 'SelectStmt') return statement; // EXPLAIN returns a plan, not rows
  const select = payloadOf<SelectStmt>(statement);
  const limitOption = select.limitOption ?? 'LIMIT_OPTION_DEFAULT';
  const isValues = select.valuesLists !== undefined;
  if (!isValues && limitOption !== 'LIMIT_OPTION_WITH_TIES') {
    const current = select.limitCount;
    if (current === undefined || isNullConst(current)) {
      select.limitCount = constInt(cap);
    } else if (kindOf(current) === 'A_Const' && payloadOf<A_Const>(current).ival !== undefined) {
      select.limitCount = constInt(Math.min(payloadOf<A_Const>(current).ival?.ival ?? 0, cap));
    } else {
      select.limitCount = { MinMaxExpr: { op: 'IS_LEAST', args: [current, constInt(cap)] } } as Node;
    }
    select.limitOption = 'LIMIT_OPTION_COUNT';
    return statement;
  }
  const wrapper: SelectStmt = {
    targetList: [{ ResTarget: { val: { ColumnRef: { fields: [{ A_Star: {} }] } } } } as Node],
    fromClause: [{ RangeSubselect: { lateral: false, subquery: statement, alias: { aliasname: 'capped' } } } as Node],
    limitCount: constInt(cap),
    limitOption: 'LIMIT_OPTION_COUNT',
    op: 'SETOP_NONE',
  };
  return { SelectStmt: wrapper } as Node;
}

// funcformat only says whether pg_catalog.f(…) was written as SQL syntax (EXTRACT, AT TIME ZONE…).
const POSITION_KEYS: ReadonlySet<string> = new Set([
  'location', 'stmt_location', 'stmt_len', 'rexpr_list_start', 'rexpr_list_end', 'list_start', 'list_end', 'funcformat',
]);

/**
 * A tree as text, for comparing what we built with what the deparsed SQL parses to: positions, call
 * syntax and default values dropped (the parser omits false, 0 and ''), nested AND/OR flattened (the parser
 * flattens `a AND b AND c`).
 */
function canonicalTree(node: unknown): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value === null || typeof value !== 'object') return value;
    const record = value as Record<string, unknown>;
    const bool = record.BoolExpr as BoolExpr | undefined;
    if (bool !== undefined && Object.keys(record).length === 1 && bool.boolop !== 'NOT_EXPR') {
      const args: unknown[] = [];
      for (const arg of bool.args ?? []) {
        const inner = (arg as { BoolExpr?: BoolExpr }).BoolExpr;
        if (inner !== undefined && inner.boolop === bool.boolop) args.push(...(inner.args ?? []));
        else args.push(arg);
      }
      if (args.length !== (bool.args ?? []).length) return canonical({ BoolExpr: { ...bool, args } });
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(record).sort()) {
      const child = record[key];
      if (POSITION_KEYS.has(key) || child === undefined || child === false || child === 0 || child === '') continue;
      out[key] = canonical(child);
    }
    return out;
  };
  return JSON.stringify(canonical(node));
}

/** Same tables; with `writesOnly`, same non-READ actions (a rewrite adds reads for filters). */
function sameTables(a: StatementAnalysis['tables'], b: StatementAnalysis['tables'], writesOnly: boolean): boolean {
  const signature = (tables: StatementAnalysis['tables']): string =>
    JSON.stringify(
      tables.map((table) => [table.schema, table.table, writesOnly ? table.actions.filter((action) => action !== 'READ') : table.actions]),
    );
  return signature(a) === signature(b);
}
