/**
 * The Postgres side of the SQL gate (DESIGN.md, "The SQL gate"): parse with the real Postgres parser,
 * accept exactly one read or write statement, resolve every relation and column it touches, check
 * every function against an allow-list, and rewrite it so row filters, column masks and the row cap
 * apply. Pure: no I/O, no database.
 *
 * Deny by default: every AST node kind the analyser meets must be one it understands, or the
 * statement is refused with a reason naming what was not understood (fail closed).
 */

import { fingerprint, loadModule, parse } from 'libpg-query';
import { LRUCache } from 'lru-cache';
import type {
  A_Const,
  A_Expr,
  A_Indirection,
  Alias,
  BoolExpr,
  CaseExpr,
  CaseWhen,
  CollateClause,
  ColumnDef,
  ColumnRef,
  CommonTableExpr,
  DefElem,
  DeleteStmt,
  ExplainStmt,
  FuncCall,
  GroupingSet,
  IndexElem,
  InsertStmt,
  JoinExpr,
  JsonIsPredicate,
  LockingClause,
  MergeStmt,
  MergeWhenClause,
  MultiAssignRef,
  Node,
  ParseResult,
  RangeFunction,
  RangeSubselect,
  RangeTableSample,
  RangeVar,
  ResTarget,
  ReturningClause,
  ReturningOption,
  SelectStmt,
  SortBy,
  SQLValueFunction,
  SubLink,
  TypeCast,
  TypeName,
  UpdateStmt,
  WindowDef,
  WithClause,
} from 'libpg-query';
import { deparseSync } from 'pgsql-deparser';
import { AppError, ErrorCode } from '../../errors/app-error.js';
import type { AppErrorDetails } from '../../errors/app-error.js';
import type { GateCatalog, StatementAnalysis, TableAction, TablePolicy } from '../analysis.js';
import {
  POSTGRES_AGGREGATE_FUNCTIONS,
  POSTGRES_ALLOWED_FUNCTIONS,
  POSTGRES_DENIED_FUNCTION_REASONS,
  POSTGRES_RECORD_FUNCTIONS,
  POSTGRES_SET_RETURNING_FUNCTIONS,
  POSTGRES_WINDOW_FUNCTIONS,
} from './postgres-functions.js';

// ---------------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------------

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
  const analyser = new Analyser(catalog, 'query');
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
  const analyser = new Analyser(catalog, 'query');
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
  const recheck = new Analyser(catalog, 'query');
  recheck.statement(check);
  if ((recheck.writes ? 'WRITE' : 'READ') !== kind || !sameTables(recheck.tableUses(), analyser.tableUses(), true)) {
    throw new AppError(ErrorCode.INTERNAL, 'The rewritten statement does not match the original.');
  }
  return rewritten;
}

/**
 * Checks a row-filter predicate before it is stored: it may reference only the given table's
 * columns and allowed scalar functions — no subqueries, no other tables, no parameters, no
 * aggregates. Throws SQL_SYNTAX or SQL_NOT_ALLOWED.
 */
export async function checkRowFilterPostgres(
  predicate: string,
  table: { schema: string; name: string; columns: string[] },
): Promise<void> {
  await guarded(() => parsePolicyExpression('row filter', predicate, table));
}

/** Checks a column mask expression the same way as a row filter (it is shown instead of the column). */
export async function checkColumnMaskPostgres(
  expression: string,
  table: { schema: string; name: string; columns: string[] },
): Promise<void> {
  await guarded(() => parsePolicyExpression('column mask', expression, table));
}

// ---------------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------------

let moduleReady: Promise<void> | undefined;

async function ensureParser(): Promise<void> {
  moduleReady ??= loadModule();
  await moduleReady;
}

async function parseTree(sql: string): Promise<ParseResult> {
  await ensureParser();
  if (sql.trim() === '') throw exactlyOneStatement();
  try {
    return await parseRemembered(sql);
  } catch (error) {
    throw syntaxError(error, 0);
  }
}

/**
 * Parsing is a pure function of the text, and agents send the same statements again and again (with
 * other parameters), as the gate itself parses each rewritten statement again to check it. So the trees
 * of recent texts are kept, as JSON: each use gets a tree of its own (the rewrite edits the tree it is
 * given), and JSON.parse is several times cheaper than the parser. Only what parsed is kept; a text's
 * entry holds its fingerprint too once asked. The 2,000 most recently used are kept, within 8 million
 * characters.
 */
const REMEMBERED_TEXT_MAX = 16_384;
const remembered = new LRUCache<string, { tree: string; fingerprint?: string }>({
  max: 2_000,
  maxSize: 8_000_000,
  // The text and its tree, in characters (a fingerprint added later is a few more).
  sizeCalculation: (entry, text) => text.length + entry.tree.length,
});

async function parseRemembered(text: string): Promise<ParseResult> {
  const hit = remembered.get(text);
  if (hit !== undefined) return JSON.parse(hit.tree) as ParseResult;
  const parsed = await parse(text);
  if (text.length <= REMEMBERED_TEXT_MAX) remembered.set(text, { tree: JSON.stringify(parsed) });
  return parsed;
}

async function parseOne(sql: string): Promise<Node> {
  const parsed = await parseTree(sql);
  const statement = parsed.stmts?.[0]?.stmt;
  if (parsed.stmts?.length !== 1 || statement === undefined) throw exactlyOneStatement();
  return statement;
}

async function fingerprintOf(sql: string): Promise<string> {
  const entry = remembered.get(sql);
  if (entry?.fingerprint !== undefined) return entry.fingerprint;
  let found: string;
  try {
    found = await fingerprint(sql);
  } catch (error) {
    throw syntaxError(error, 0);
  }
  // Only a text that parsed (and so is remembered) keeps its fingerprint.
  if (entry !== undefined) entry.fingerprint = found;
  return found;
}

/** The gate throws AppError only: a statement too deep for the stack is refused, anything else is ours. */
async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (error instanceof RangeError) throw tooComplex(error);
    throw new AppError(ErrorCode.INTERNAL, 'The SQL gate could not check the statement.', undefined, { cause: error });
  }
}

function tooComplex(cause: unknown): AppError {
  return new AppError(
    ErrorCode.SQL_NOT_ALLOWED,
    'The statement is nested too deeply to be checked. Simplify it.',
    { reason: 'too complex' },
    { cause },
  );
}

function syntaxError(error: unknown, offset: number): AppError {
  if (error instanceof RangeError) return tooComplex(error);
  const details = (error as { sqlDetails?: { message?: string; cursorPosition?: number } } | null)?.sqlDetails;
  const message = details?.message ?? (error instanceof Error ? error.message : 'the statement could not be parsed');
  // libpg-query reports a 0-based character offset; Postgres and our callers count from 1.
  const position = Math.max(1, (details?.cursorPosition ?? 0) + 1 - offset);
  return new AppError(ErrorCode.SQL_SYNTAX, `SQL syntax error: ${message} (at character ${position}).`, { position }, { cause: error });
}

function exactlyOneStatement(): AppError {
  return notAllowed('Send exactly one statement: empty input and several statements separated by ";" are refused.', {
    reason: 'exactly one statement',
  });
}

function notAllowed(message: string, details: AppErrorDetails): AppError {
  return new AppError(ErrorCode.SQL_NOT_ALLOWED, message, details);
}

function deparse(tree: ParseResult | Node): string {
  try {
    return deparseSync(tree, { pretty: false });
  } catch (error) {
    throw new AppError(ErrorCode.INTERNAL, 'The rewritten statement could not be printed.', undefined, { cause: error });
  }
}

// ---------------------------------------------------------------------------------------------------
// AST helpers (the AST is typed loosely at this boundary: one key per node)
// ---------------------------------------------------------------------------------------------------

function kindOf(node: Node | undefined): string {
  if (node === undefined || node === null || typeof node !== 'object') return '';
  const keys = Object.keys(node);
  return keys.length === 1 ? (keys[0] ?? '') : '';
}

function payloadOf<T>(node: Node): T {
  return (node as unknown as Record<string, T>)[kindOf(node)] as T;
}

function stringOf(node: Node | undefined): string | undefined {
  return kindOf(node) === 'String' ? (payloadOf<{ sval?: string }>(node as Node).sval ?? '') : undefined;
}

function stringsOf(nodes: Node[] | undefined): string[] | undefined {
  const out: string[] = [];
  for (const node of nodes ?? []) {
    const value = stringOf(node);
    if (value === undefined) return undefined;
    out.push(value);
  }
  return out;
}

function aliasNames(alias: Alias | undefined): string[] {
  return stringsOf(alias?.colnames) ?? [];
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function constInt(value: number): Node {
  return { A_Const: { ival: { ival: value } } } as Node;
}

function and(left: Node, right: Node | undefined): Node {
  return right === undefined ? left : ({ BoolExpr: { boolop: 'AND_EXPR', args: [left, right] } } as Node);
}

// ---------------------------------------------------------------------------------------------------
// Catalog
// ---------------------------------------------------------------------------------------------------

interface CatalogTable {
  schema: string;
  name: string;
  columns: string[];
}

const SYSTEM_COLUMNS: ReadonlySet<string> = new Set(['ctid', 'xmin', 'xmax', 'cmin', 'cmax', 'tableoid']);

/** pg_catalog, information_schema, pg_toast, pg_temp_N… — however the name was quoted. */
function isSystemSchema(schema: string): boolean {
  const lower = schema.toLowerCase();
  return lower === 'information_schema' || lower.startsWith('pg_');
}

function tableKey(table: { schema: string; name: string }): string {
  return `${table.schema}\u0000${table.name}`;
}

function findTable(catalog: GateCatalog, schema: string, name: string): CatalogTable | undefined {
  return catalog.tables.find((table) => table.schema === schema && table.name === name);
}

// ---------------------------------------------------------------------------------------------------
// Scopes
// ---------------------------------------------------------------------------------------------------

/** A write target whose column reads are noted, so a masked column cannot be read through a write. */
interface WriteTarget {
  kind: 'INSERT' | 'UPDATE' | 'DELETE' | 'MERGE';
  statement: InsertStmt | UpdateStmt | DeleteStmt | MergeStmt;
  table: CatalogTable;
  /** The name the statement uses for the target (alias or table name). */
  refName: string;
  reads: Set<string>;
}

interface ColumnSource {
  table: CatalogTable;
  column: string;
  target?: WriteTarget | undefined;
}

interface ScopeColumn {
  name: string;
  /** Base-table columns this column reads; empty for columns computed by a subquery, CTE or function. */
  sources: ColumnSource[];
}

/** One FROM item as Postgres's namespace sees it. */
interface Entry {
  refName: string | undefined;
  /** For an un-aliased table, its schema: `schema.table.column` matches it. */
  schemaName: string | undefined;
  relVisible: boolean;
  colsVisible: boolean;
  columns: ScopeColumn[];
}

interface Level {
  entries: Entry[];
  parent: Level | undefined;
}

interface CteDefinition {
  /** Undefined while a recursive CTE's own columns are not known yet. */
  columns: string[] | undefined;
}

interface CteScope {
  definitions: Map<string, CteDefinition>;
  parent: CteScope | undefined;
}

interface Scope {
  level: Level;
  ctes: CteScope | undefined;
}

interface FromResult {
  entries: Entry[];
  /** The item's output columns, in order (a join's merged column list for JOIN … USING). */
  columns: ScopeColumn[];
}

interface RelationRead {
  /** The FROM node to replace: `{ RangeVar }` or `{ RangeTableSample }`. */
  node: Node;
  rangeVar: RangeVar;
  table: CatalogTable;
}

function tableEntry(table: CatalogTable, alias: Alias | undefined, target?: WriteTarget): Entry {
  const renames = aliasNames(alias);
  return {
    refName: alias?.aliasname ?? table.name,
    schemaName: alias === undefined ? table.schema : undefined,
    relVisible: true,
    colsVisible: true,
    columns: table.columns.map((column, index) => ({
      name: renames[index] ?? column,
      sources: [{ table, column, target }],
    })),
  };
}

function derivedEntry(refName: string | undefined, names: readonly string[], renames: readonly string[] = []): Entry {
  return {
    refName,
    schemaName: undefined,
    relVisible: refName !== undefined,
    colsVisible: true,
    columns: names.map((name, index) => ({ name: renames[index] ?? name, sources: [] })),
  };
}

// ---------------------------------------------------------------------------------------------------
// The analyser
// ---------------------------------------------------------------------------------------------------

type Mode = 'query' | 'policy';

interface TableUseBuilder {
  table: CatalogTable;
  actions: Set<TableAction>;
  columns: Map<string, Set<TableAction>>;
}

const ACTION_ORDER: readonly TableAction[] = ['READ', 'INSERT', 'UPDATE', 'DELETE'];

function orderedActions(actions: Iterable<TableAction>): TableAction[] {
  const set = new Set(actions);
  return ACTION_ORDER.filter((action) => set.has(action));
}

const ALLOWED_SQL_VALUE_FUNCTIONS: ReadonlyMap<string, string> = new Map([
  ['SVFOP_CURRENT_DATE', 'current_date'],
  ['SVFOP_CURRENT_TIME', 'current_time'],
  ['SVFOP_CURRENT_TIME_N', 'current_time'],
  ['SVFOP_CURRENT_TIMESTAMP', 'current_timestamp'],
  ['SVFOP_CURRENT_TIMESTAMP_N', 'current_timestamp'],
  ['SVFOP_LOCALTIME', 'localtime'],
  ['SVFOP_LOCALTIME_N', 'localtime'],
  ['SVFOP_LOCALTIMESTAMP', 'localtimestamp'],
  ['SVFOP_LOCALTIMESTAMP_N', 'localtimestamp'],
]);

/** Types a value may be cast to: built-in, no catalog lookups (the reg* types read the catalog). */
const ALLOWED_CAST_TYPES: ReadonlySet<string> = new Set([
  'int2', 'int4', 'int8', 'smallint', 'integer', 'bigint', 'numeric', 'decimal', 'float4', 'float8', 'real',
  'bool', 'boolean', 'text', 'varchar', 'bpchar', 'char', 'date', 'time', 'timetz', 'timestamp', 'timestamptz',
  'interval', 'json', 'jsonb', 'jsonpath', 'uuid', 'bytea', 'inet', 'cidr', 'macaddr', 'macaddr8', 'money', 'bit',
  'varbit', 'tsvector', 'tsquery', 'int4range', 'int8range', 'numrange', 'daterange', 'tsrange', 'tstzrange',
  'int4multirange', 'int8multirange', 'nummultirange', 'datemultirange', 'tsmultirange', 'tstzmultirange',
]);

const EXPLAIN_OPTIONS: ReadonlySet<string> = new Set([
  'analyze', 'verbose', 'costs', 'buffers', 'format', 'summary', 'timing', 'wal', 'generic_plan', 'serialize', 'memory',
]);

const TABLESAMPLE_METHODS: ReadonlySet<string> = new Set(['bernoulli', 'system']);

/**
 * The fields the analyser understands, per node kind. A node carrying any other field (a newer
 * parser adding a clause, say) is refused rather than half-understood.
 */
const KNOWN_FIELDS: Readonly<Record<string, readonly string[]>> = {
  SelectStmt: [
    'distinctClause', 'intoClause', 'targetList', 'fromClause', 'whereClause', 'groupClause', 'groupDistinct', 'havingClause',
    'windowClause', 'valuesLists', 'sortClause', 'limitOffset', 'limitCount', 'limitOption', 'lockingClause', 'withClause', 'op',
    'all', 'larg', 'rarg',
  ],
  InsertStmt: ['relation', 'cols', 'selectStmt', 'onConflictClause', 'returningClause', 'withClause', 'override'],
  UpdateStmt: ['relation', 'targetList', 'whereClause', 'fromClause', 'returningClause', 'withClause'],
  DeleteStmt: ['relation', 'usingClause', 'whereClause', 'returningClause', 'withClause'],
  MergeStmt: ['relation', 'sourceRelation', 'joinCondition', 'mergeWhenClauses', 'returningClause', 'withClause'],
  MergeWhenClause: ['matchKind', 'commandType', 'override', 'condition', 'targetList', 'values'],
  ExplainStmt: ['query', 'options'],
  OnConflictClause: ['action', 'infer', 'targetList', 'whereClause', 'location'],
  InferClause: ['indexElems', 'whereClause', 'conname', 'location'],
  IndexElem: ['name', 'expr', 'collation', 'opclass', 'ordering', 'nulls_ordering'],
  ReturningClause: ['options', 'exprs'],
  WithClause: ['ctes', 'recursive', 'location'],
  CommonTableExpr: ['ctename', 'aliascolnames', 'ctematerialized', 'ctequery', 'search_clause', 'cycle_clause', 'location'],
  RangeVar: ['schemaname', 'relname', 'inh', 'relpersistence', 'alias', 'location', 'catalogname'],
  RangeSubselect: ['lateral', 'subquery', 'alias'],
  RangeFunction: ['lateral', 'ordinality', 'is_rowsfrom', 'functions', 'alias', 'coldeflist'],
  RangeTableSample: ['relation', 'method', 'args', 'repeatable', 'location'],
  JoinExpr: ['jointype', 'isNatural', 'larg', 'rarg', 'usingClause', 'join_using_alias', 'quals', 'alias'],
  Alias: ['aliasname', 'colnames'],
  ResTarget: ['name', 'indirection', 'val', 'location'],
  ColumnRef: ['fields', 'location'],
  A_Const: ['ival', 'fval', 'boolval', 'sval', 'bsval', 'isnull', 'location'],
  ParamRef: ['number', 'location'],
  A_Expr: ['kind', 'name', 'lexpr', 'rexpr', 'rexpr_list_start', 'rexpr_list_end', 'location'],
  BoolExpr: ['boolop', 'args', 'location'],
  NullTest: ['arg', 'nulltesttype', 'location'],
  BooleanTest: ['arg', 'booltesttype', 'location'],
  TypeCast: ['arg', 'typeName', 'location'],
  TypeName: ['names', 'typmods', 'typemod', 'arrayBounds', 'setof', 'pct_type', 'location'],
  CollateClause: ['arg', 'collname', 'location'],
  FuncCall: [
    'funcname', 'args', 'agg_order', 'agg_filter', 'over', 'agg_within_group', 'agg_star', 'agg_distinct', 'func_variadic',
    'funcformat', 'location',
  ],
  WindowDef: ['name', 'refname', 'partitionClause', 'orderClause', 'frameOptions', 'startOffset', 'endOffset', 'location'],
  SortBy: ['node', 'sortby_dir', 'sortby_nulls', 'useOp', 'location'],
  A_Indirection: ['arg', 'indirection'],
  A_Indices: ['is_slice', 'lidx', 'uidx'],
  A_ArrayExpr: ['elements', 'list_start', 'list_end', 'location'],
  RowExpr: ['args', 'row_format', 'colnames', 'location'],
  CoalesceExpr: ['args', 'location'],
  MinMaxExpr: ['op', 'args', 'location'],
  GroupingFunc: ['args', 'location'],
  GroupingSet: ['kind', 'content', 'location'],
  CaseExpr: ['arg', 'args', 'defresult', 'location'],
  CaseWhen: ['expr', 'result', 'location'],
  SQLValueFunction: ['op', 'typmod', 'location'],
  SubLink: ['subLinkType', 'subLinkId', 'testexpr', 'operName', 'subselect', 'location'],
  MultiAssignRef: ['source', 'colno', 'ncolumns'],
  NamedArgExpr: ['arg', 'name', 'argnumber', 'location'],
  SetToDefault: ['location'],
  MergeSupportFunc: ['msftype', 'location'],
  JsonIsPredicate: ['expr', 'format', 'item_type', 'unique_keys', 'location'],
  List: ['items'],
};

function checkFields(kind: string, payload: unknown): void {
  const known = KNOWN_FIELDS[kind];
  if (known === undefined || payload === null || typeof payload !== 'object') return;
  for (const key of Object.keys(payload)) {
    if (!known.includes(key)) throw unsupported(`${kind} with ${key}`);
  }
}

class Analyser {
  writes = false;
  readonly functions = new Set<string>();
  readonly relationReads: RelationRead[] = [];
  readonly writeTargets: WriteTarget[] = [];
  readonly schemaQualifiedRefs: { ref: ColumnRef; table: CatalogTable }[] = [];
  private readonly uses = new Map<string, TableUseBuilder>();

  constructor(
    private readonly catalog: GateCatalog,
    private readonly mode: Mode,
  ) {}

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

  private explain(explain: ExplainStmt): void {
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
  private select(
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

  private targetList(targets: Node[], scope: Scope): string[] {
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

  private withClause(withClause: WithClause | undefined, outer: Level | undefined, ctes: CteScope | undefined): CteScope | undefined {
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

  private insert(insert: InsertStmt, outer: Level | undefined, ctes: CteScope | undefined): string[] {
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

  private update(update: UpdateStmt, outer: Level | undefined, ctes: CteScope | undefined): string[] {
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

  private delete(deletion: DeleteStmt, outer: Level | undefined, ctes: CteScope | undefined): string[] {
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

  private merge(merge: MergeStmt, outer: Level | undefined, ctes: CteScope | undefined): string[] {
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
  private assignments(targets: Node[], table: CatalogTable, scope: Scope): void {
    for (const node of targets) {
      const target = payloadOf<ResTarget>(node);
      this.markColumn(table, target.name ?? '', 'UPDATE');
      for (const indirection of target.indirection ?? []) this.indirection(indirection, scope);
      if (target.val !== undefined) this.expr(target.val, scope);
    }
  }

  private returning(
    clause: ReturningClause | undefined,
    targetEntry: Entry,
    table: CatalogTable,
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

  private writeTarget(kind: WriteTarget['kind'], statement: WriteTarget['statement'], table: CatalogTable, relation: RangeVar): WriteTarget {
    const target: WriteTarget = { kind, statement, table, refName: relation.alias?.aliasname ?? table.name, reads: new Set() };
    this.writeTargets.push(target);
    return target;
  }

  // --- FROM -----------------------------------------------------------------------------------------

  private fromItem(node: Node, level: Level, ctes: CteScope | undefined, lateral: Entry[]): FromResult {
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

  private rangeFunction(range: RangeFunction, level: Level, ctes: CteScope | undefined, lateral: Entry[]): FromResult {
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

  private columnDefinitions(definitions: Node[]): string[] {
    return definitions.map((node) => {
      if (kindOf(node) !== 'ColumnDef') throw unsupported(kindOf(node));
      const definition = payloadOf<ColumnDef>(node);
      if (definition.typeName !== undefined) this.checkType(definition.typeName);
      return definition.colname ?? '';
    });
  }

  private join(join: JoinExpr, level: Level, ctes: CteScope | undefined, lateral: Entry[]): FromResult {
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

  private resolveTarget(relation: RangeVar, ctes: CteScope | undefined): CatalogTable {
    if (relation.schemaname === undefined && lookupCte(ctes, relation.relname ?? '') !== undefined) {
      throw notAllowed(`"${relation.relname ?? ''}" is a CTE and cannot be the target of a write.`, { table: relation.relname ?? '' });
    }
    return this.resolveTable(relation);
  }

  private resolveTable(relation: RangeVar): CatalogTable {
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

  private use(table: CatalogTable): TableUseBuilder {
    const key = tableKey(table);
    let use = this.uses.get(key);
    if (use === undefined) {
      use = { table, actions: new Set(), columns: new Map() };
      this.uses.set(key, use);
    }
    return use;
  }

  private markColumn(table: CatalogTable, column: string, action: TableAction): void {
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

  private readSources(sources: ColumnSource[]): void {
    for (const source of sources) {
      this.markColumn(source.table, source.column, 'READ');
      source.target?.reads.add(source.column);
    }
  }

  private readColumnOf(entry: Entry, name: string): void {
    const matches = entry.columns.filter((column) => column.name === name);
    if (matches.length === 0) throw unknownColumn(name);
    this.readSources(single(matches, name).sources);
  }

  // --- columns --------------------------------------------------------------------------------------

  private columnRef(ref: ColumnRef, scope: Scope): void {
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
  private star(ref: ColumnRef, scope: Scope): ScopeColumn[] {
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
  policyExpression(node: Node, table: CatalogTable): void {
    this.expr(node, { level: { entries: [tableEntry(table, undefined)], parent: undefined }, ctes: undefined });
  }

  private optionalExpr(node: Node | undefined, scope: Scope): void {
    if (node !== undefined) this.expr(node, scope);
  }

  private expr(node: Node, scope: Scope): void {
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

  private indirection(node: Node, scope: Scope): void {
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
  private sortBy(node: Node, scope: Scope, outputs: ReadonlySet<string>): void {
    if (kindOf(node) !== 'SortBy') throw unsupported(kindOf(node));
    const sort = payloadOf<SortBy>(node);
    checkFields('SortBy', sort);
    this.checkOperator(sort.useOp);
    if (sort.node !== undefined) this.orderingExpr(sort.node, scope, outputs);
  }

  private orderingExpr(node: Node, scope: Scope, outputs: ReadonlySet<string>): void {
    const name = bareName(node);
    if (name !== undefined && outputs.has(name)) return;
    this.expr(node, scope);
  }

  /** GROUP BY item: input columns first, then output names (Postgres's rule). */
  private groupBy(node: Node, scope: Scope, outputs: ReadonlySet<string>): void {
    if (kindOf(node) === 'GroupingSet') {
      checkFields('GroupingSet', payloadOf<unknown>(node));
      for (const item of payloadOf<GroupingSet>(node).content ?? []) this.groupBy(item, scope, outputs);
      return;
    }
    const name = bareName(node);
    if (name !== undefined && outputs.has(name) && lookupColumn({ entries: scope.level.entries, parent: undefined }, name) === undefined) return;
    this.expr(node, scope);
  }

  private windowDef(window: WindowDef, scope: Scope): void {
    checkFields('WindowDef', window);
    for (const item of window.partitionClause ?? []) this.expr(item, scope);
    for (const item of window.orderClause ?? []) this.sortBy(item, scope, new Set());
    this.optionalExpr(window.startOffset, scope);
    this.optionalExpr(window.endOffset, scope);
  }

  /** Checks a function call against the allow-list; returns its bare name. */
  private funcCall(call: FuncCall, scope: Scope): string {
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

  private checkOperator(name: Node[] | undefined): void {
    if (name === undefined) return;
    const parts = stringsOf(name);
    if (parts === undefined || parts.length > 2 || (parts.length === 2 && parts[0] !== 'pg_catalog')) {
      const shown = (parts ?? []).join('.');
      throw notAllowed(`Operator ${shown} is not allowed: only built-in operators (unqualified or pg_catalog.) may be used.`, { operator: shown });
    }
  }

  private checkType(typeName: TypeName, scope?: Scope): void {
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

const LOCKING_NAMES: Record<string, string> = {
  LCS_FORKEYSHARE: 'FOR KEY SHARE',
  LCS_FORSHARE: 'FOR SHARE',
  LCS_FORNOKEYUPDATE: 'FOR NO KEY UPDATE',
  LCS_FORUPDATE: 'FOR UPDATE',
};

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function rename(names: readonly string[], renames: readonly string[]): string[] {
  return names.map((name, index) => renames[index] ?? name);
}

function single(columns: ScopeColumn[], name: string): ScopeColumn {
  if (columns.length === 0) throw unknownColumn(name);
  if (columns.length > 1) throw ambiguousColumn(name);
  return columns[0] as ScopeColumn;
}

function isFalse(arg: Node | undefined): boolean {
  if (arg === undefined) return false;
  const kind = kindOf(arg);
  if (kind === 'Boolean') return payloadOf<{ boolval?: boolean }>(arg).boolval !== true;
  if (kind === 'String') return ['false', 'off', '0', 'no'].includes((stringOf(arg) ?? '').toLowerCase());
  if (kind === 'Integer') return (payloadOf<{ ival?: number }>(arg).ival ?? 0) === 0;
  return false;
}

function bareName(node: Node): string | undefined {
  if (kindOf(node) !== 'ColumnRef') return undefined;
  const fields = payloadOf<ColumnRef>(node).fields ?? [];
  return fields.length === 1 ? stringOf(fields[0]) : undefined;
}

function lookupCte(ctes: CteScope | undefined, name: string): CteDefinition | undefined {
  for (let scope = ctes; scope !== undefined; scope = scope.parent) {
    const definition = scope.definitions.get(name);
    if (definition !== undefined) return definition;
  }
  return undefined;
}

/** An unqualified column, innermost query level first; ambiguous within a level is refused. */
function lookupColumn(start: Level, name: string): ScopeColumn | undefined {
  for (let level: Level | undefined = start; level !== undefined; level = level.parent) {
    const matches = level.entries.filter((entry) => entry.colsVisible).flatMap((entry) => entry.columns.filter((column) => column.name === name));
    if (matches.length > 1) throw ambiguousColumn(name);
    if (matches.length === 1) return matches[0];
  }
  return undefined;
}

/** A relation name (optionally schema-qualified), innermost query level first. */
function lookupRelation(start: Level, name: string, schema: string | undefined): Entry | undefined {
  for (let level: Level | undefined = start; level !== undefined; level = level.parent) {
    const matches = level.entries.filter(
      (entry) => entry.relVisible && entry.refName === name && (schema === undefined || entry.schemaName === schema),
    );
    if (matches.length > 1) throw notAllowed(`Table name "${name}" is ambiguous here; give each use its own alias.`, { reason: 'ambiguous table', table: name });
    if (matches.length === 1) return matches[0];
  }
  return undefined;
}

/** The name Postgres gives an output column (FigureColname); `?column?` when unsure. */
function outputName(node: Node): string {
  const kind = kindOf(node);
  switch (kind) {
    case 'ColumnRef': {
      const last = payloadOf<ColumnRef>(node).fields?.at(-1);
      return stringOf(last) ?? '?column?';
    }
    case 'A_Indirection': {
      const indirection = payloadOf<A_Indirection>(node);
      const field = [...(indirection.indirection ?? [])].reverse().map(stringOf).find((name) => name !== undefined);
      return field ?? (indirection.arg !== undefined ? outputName(indirection.arg) : '?column?');
    }
    case 'FuncCall':
      return stringsOf(payloadOf<FuncCall>(node).funcname)?.at(-1) ?? '?column?';
    case 'A_Expr':
      return payloadOf<A_Expr>(node).kind === 'AEXPR_NULLIF' ? 'nullif' : '?column?';
    case 'TypeCast': {
      const cast = payloadOf<TypeCast>(node);
      const inner = cast.arg !== undefined ? outputName(cast.arg) : '?column?';
      return inner !== '?column?' ? inner : (stringsOf(cast.typeName?.names)?.at(-1) ?? '?column?');
    }
    case 'CollateClause': {
      const arg = payloadOf<CollateClause>(node).arg;
      return arg !== undefined ? outputName(arg) : '?column?';
    }
    case 'CaseExpr':
      return 'case';
    case 'A_ArrayExpr':
      return 'array';
    case 'RowExpr':
      return 'row';
    case 'CoalesceExpr':
      return 'coalesce';
    case 'MinMaxExpr':
      return payloadOf<{ op?: string }>(node).op === 'IS_LEAST' ? 'least' : 'greatest';
    case 'GroupingFunc':
      return 'grouping';
    case 'SQLValueFunction':
      return ALLOWED_SQL_VALUE_FUNCTIONS.get(payloadOf<SQLValueFunction>(node).op ?? '') ?? '?column?';
    case 'SubLink': {
      const subLink = payloadOf<SubLink>(node);
      if (subLink.subLinkType === 'EXISTS_SUBLINK') return 'exists';
      if (subLink.subLinkType === 'ARRAY_SUBLINK') return 'array';
      if (subLink.subLinkType === 'EXPR_SUBLINK' && kindOf(subLink.subselect) === 'SelectStmt') {
        const first = payloadOf<SelectStmt>(subLink.subselect as Node).targetList?.[0];
        if (first !== undefined) {
          const target = payloadOf<ResTarget>(first);
          return target.name ?? (target.val !== undefined ? outputName(target.val) : '?column?');
        }
      }
      return '?column?';
    }
    default:
      return '?column?';
  }
}

// ---------------------------------------------------------------------------------------------------
// Denials
// ---------------------------------------------------------------------------------------------------

function unsupported(construct: string): AppError {
  return notAllowed(`The statement uses ${construct}, which the SQL gate does not understand, so it is refused.`, {
    construct,
    reason: 'not understood',
  });
}

function catalogRead(name: string): AppError {
  return notAllowed(`Reading ${name} is not allowed: catalog reads are not allowed. Ask for the tables you have access to instead.`, {
    reason: 'catalog reads are not allowed',
    table: name,
  });
}

function unknownTable(name: string): AppError {
  return notAllowed(`Unknown table ${name}: it is not in the database's catalog (names are case-sensitive when quoted).`, {
    reason: 'unknown table',
    table: name,
  });
}

function unknownColumn(name: string): AppError {
  return notAllowed(`Unknown column ${name}: no table in scope has it.`, { reason: 'unknown column', column: name });
}

function ambiguousColumn(name: string): AppError {
  return notAllowed(`Column ${name} is ambiguous: more than one table in scope has it. Qualify it with a table name or alias.`, {
    reason: 'ambiguous column',
    column: name,
  });
}

function systemColumn(name: string): AppError {
  return notAllowed(`System column ${name} is not allowed.`, { reason: 'system column', column: name });
}

const STATEMENT_NAMES: Record<string, string> = {
  CreateTableAsStmt: 'CREATE TABLE AS',
  CopyStmt: 'COPY',
  VariableShowStmt: 'SHOW',
  CallStmt: 'CALL',
  DoStmt: 'DO',
  LockStmt: 'LOCK',
  ListenStmt: 'LISTEN',
  UnlistenStmt: 'UNLISTEN',
  NotifyStmt: 'NOTIFY',
  PrepareStmt: 'PREPARE',
  ExecuteStmt: 'EXECUTE',
  DeallocateStmt: 'DEALLOCATE',
  DeclareCursorStmt: 'DECLARE CURSOR',
  FetchStmt: 'FETCH',
  ClosePortalStmt: 'CLOSE',
  RefreshMatViewStmt: 'REFRESH MATERIALIZED VIEW',
  DiscardStmt: 'DISCARD',
  LoadStmt: 'LOAD',
  TruncateStmt: 'TRUNCATE',
  CheckPointStmt: 'CHECKPOINT',
  ClusterStmt: 'CLUSTER',
  ReindexStmt: 'REINDEX',
  DropStmt: 'DROP',
  CreateStmt: 'CREATE TABLE',
  IndexStmt: 'CREATE INDEX',
  ViewStmt: 'CREATE VIEW',
  CreateFunctionStmt: 'CREATE FUNCTION',
  CreateSchemaStmt: 'CREATE SCHEMA',
  CreateRoleStmt: 'CREATE ROLE',
  CreateExtensionStmt: 'CREATE EXTENSION',
  AlterTableStmt: 'ALTER TABLE',
  AlterRoleStmt: 'ALTER ROLE',
  AlterSystemStmt: 'ALTER SYSTEM',
  RenameStmt: 'ALTER … RENAME',
  CommentStmt: 'COMMENT',
  SecLabelStmt: 'SECURITY LABEL',
  ConstraintsSetStmt: 'SET CONSTRAINTS',
  CreateTrigStmt: 'CREATE TRIGGER',
  RuleStmt: 'CREATE RULE',
  CreateSeqStmt: 'CREATE SEQUENCE',
  AlterSeqStmt: 'ALTER SEQUENCE',
};

const TRANSACTION_NAMES: Record<string, string> = {
  TRANS_STMT_BEGIN: 'BEGIN',
  TRANS_STMT_START: 'START TRANSACTION',
  TRANS_STMT_COMMIT: 'COMMIT',
  TRANS_STMT_ROLLBACK: 'ROLLBACK',
  TRANS_STMT_SAVEPOINT: 'SAVEPOINT',
  TRANS_STMT_RELEASE: 'RELEASE SAVEPOINT',
  TRANS_STMT_ROLLBACK_TO: 'ROLLBACK TO SAVEPOINT',
  TRANS_STMT_PREPARE: 'PREPARE TRANSACTION',
  TRANS_STMT_COMMIT_PREPARED: 'COMMIT PREPARED',
  TRANS_STMT_ROLLBACK_PREPARED: 'ROLLBACK PREPARED',
};

/** A statement that is neither a read nor a write: name the construct in the refusal. */
function deniedStatement(node: Node | undefined, prefix: string): AppError {
  const kind = kindOf(node);
  const value = node === undefined || kind === '' ? {} : payloadOf<Record<string, unknown>>(node);
  let construct: string;
  switch (kind) {
    case 'VariableSetStmt': {
      const name = typeof value.name === 'string' ? value.name : '';
      const reset = typeof value.kind === 'string' && value.kind.startsWith('VAR_RESET');
      construct = reset ? 'RESET' : name === 'role' ? 'SET ROLE' : name === 'session_authorization' ? 'SET SESSION AUTHORIZATION' : 'SET';
      break;
    }
    case 'TransactionStmt':
      construct = TRANSACTION_NAMES[String(value.kind)] ?? 'transaction control';
      break;
    case 'GrantStmt':
      construct = value.is_grant === true ? 'GRANT' : 'REVOKE';
      break;
    case 'GrantRoleStmt':
      construct = value.is_grant === true ? 'GRANT role' : 'REVOKE role';
      break;
    case 'VacuumStmt':
      construct = value.is_vacuumcmd === true ? 'VACUUM' : 'ANALYZE';
      break;
    case 'CreateTableAsStmt':
      construct = value.objtype === 'OBJECT_MATVIEW' ? 'CREATE MATERIALIZED VIEW' : 'CREATE TABLE AS';
      break;
    default:
      construct = STATEMENT_NAMES[kind] ?? (kind === '' ? 'an empty statement' : statementWords(kind));
  }
  construct = prefix + construct;
  return notAllowed(
    `${construct} is not allowed: only one SELECT, VALUES, TABLE, EXPLAIN, INSERT, UPDATE, DELETE or MERGE statement is accepted.`,
    { construct, reason: `${construct} is not a read or a write` },
  );
}

/** `AlterDomainStmt` → `ALTER DOMAIN`. */
function statementWords(kind: string): string {
  return kind
    .replace(/Stmt$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
}

// ---------------------------------------------------------------------------------------------------
// Rewriting
// ---------------------------------------------------------------------------------------------------

interface PreparedPolicy {
  table: CatalogTable;
  rowFilter: Node | undefined;
  masks: Map<string, Node>;
}

async function preparePolicy(policy: TablePolicy, table: CatalogTable): Promise<PreparedPolicy | undefined> {
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
  table: { schema: string; name: string; columns: string[] },
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
  const catalogTable: CatalogTable = { schema: table.schema, name: table.name, columns: [...table.columns] };
  new Analyser({ searchPath: [], tables: [] }, 'policy').policyExpression(node, catalogTable);
  return node;
}

function columnRefNode(...names: string[]): Node {
  return { ColumnRef: { fields: names.map((sval) => ({ String: { sval } })) } } as Node;
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

const INT32_MAX = 2_147_483_647;

function isNullConst(node: Node): boolean {
  return kindOf(node) === 'A_Const' && payloadOf<A_Const>(node).isnull === true;
}

/** Same tables; with `writesOnly`, same non-READ actions (a rewrite adds reads for filters). */
function sameTables(a: StatementAnalysis['tables'], b: StatementAnalysis['tables'], writesOnly: boolean): boolean {
  const signature = (tables: StatementAnalysis['tables']): string =>
    JSON.stringify(
      tables.map((table) => [table.schema, table.table, writesOnly ? table.actions.filter((action) => action !== 'READ') : table.actions]),
    );
  return signature(a) === signature(b);
}
