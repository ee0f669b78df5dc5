/**
 * A typed row query (the `rows` GraphQL field): which columns of one table, filtered by a boolean
 * expression, ordered and paged. Never raw SQL: SQL drivers compile it with Kysely, MongoDB to a filter.
 */

export interface ColumnComparison {
  _eq?: unknown;
  _neq?: unknown;
  _gt?: unknown;
  _gte?: unknown;
  _lt?: unknown;
  _lte?: unknown;
  _in?: unknown[];
  _nin?: unknown[];
  /** SQL LIKE pattern: `%` any run of characters, `_` one character; case-sensitive. */
  _like?: string;
  /** As `_like`, case-insensitive. */
  _ilike?: string;
  /** true: the column is null; false: it is not. */
  _is_null?: boolean;
}

/** `{ _and: [...] }`, `{ _or: [...] }`, `{ _not: {...} }`, or `{ column: { _op: value } }` (several keys are ANDed). */
export type BoolExp = {
  _and?: BoolExp[];
  _or?: BoolExp[];
  _not?: BoolExp;
} & { [column: string]: ColumnComparison | BoolExp[] | BoolExp | undefined };

export interface OrderBy {
  column: string;
  direction: 'ASC' | 'DESC';
}

export interface RowQuery {
  schema?: string | undefined;
  table: string;
  columns: string[];
  where?: BoolExp | undefined;
  orderBy?: OrderBy[] | undefined;
  limit: number;
  offset?: number | undefined;
}

export const COMPARISON_OPERATORS = ['_eq', '_neq', '_gt', '_gte', '_lt', '_lte', '_in', '_nin', '_like', '_ilike', '_is_null'] as const;
