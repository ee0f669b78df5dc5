import type {
  A_Expr,
  A_Indirection,
  CollateClause,
  ColumnRef,
  FuncCall,
  Node,
  ResTarget,
  SQLValueFunction,
  SelectStmt,
  SubLink,
  TypeCast,
} from 'libpg-query';
import { kindOf, payloadOf, stringOf, stringsOf } from './postgres-ast.js';
import { unsupported } from './postgres-refusals.js';

/**
 * What the Postgres analyser understands of the parser's tree: the fields of each node kind, the
 * SQL value functions, cast types, EXPLAIN options and sampling methods it allows, and the names
 * Postgres gives output columns.
 */

export const ALLOWED_SQL_VALUE_FUNCTIONS: ReadonlyMap<string, string> = new Map([
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
export const ALLOWED_CAST_TYPES: ReadonlySet<string> = new Set([
  'int2', 'int4', 'int8', 'smallint', 'integer', 'bigint', 'numeric', 'decimal', 'float4', 'float8', 'real',
  'bool', 'boolean', 'text', 'varchar', 'bpchar', 'char', 'date', 'time', 'timetz', 'timestamp', 'timestamptz',
  'interval', 'json', 'jsonb', 'jsonpath', 'uuid', 'bytea', 'inet', 'cidr', 'macaddr', 'macaddr8', 'money', 'bit',
  'varbit', 'tsvector', 'tsquery', 'int4range', 'int8range', 'numrange', 'daterange', 'tsrange', 'tstzrange',
  'int4multirange', 'int8multirange', 'nummultirange', 'datemultirange', 'tsmultirange', 'tstzmultirange',
]);

export const EXPLAIN_OPTIONS: ReadonlySet<string> = new Set([
  'analyze', 'verbose', 'costs', 'buffers', 'format', 'summary', 'timing', 'wal', 'generic_plan', 'serialize', 'memory',
]);

export const TABLESAMPLE_METHODS: ReadonlySet<string> = new Set(['bernoulli', 'system']);

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

export function checkFields(kind: string, payload: unknown): void {
  const known = KNOWN_FIELDS[kind];
  if (known === undefined || payload === null || typeof payload !== 'object') return;
  for (const key of Object.keys(payload)) {
    if (!known.includes(key)) throw unsupported(`${kind} with ${key}`);
  }
}

export const LOCKING_NAMES: Record<string, string> = {
  LCS_FORKEYSHARE: 'FOR KEY SHARE',
  LCS_FORSHARE: 'FOR SHARE',
  LCS_FORNOKEYUPDATE: 'FOR NO KEY UPDATE',
  LCS_FORUPDATE: 'FOR UPDATE',
};

/** The name Postgres gives an output column (FigureColname); `?column?` when unsure. */
export function outputName(node: Node): string {
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
