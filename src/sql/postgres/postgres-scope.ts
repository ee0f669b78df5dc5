import type { Alias, DeleteStmt, InsertStmt, MergeStmt, Node, RangeVar, UpdateStmt } from 'libpg-query';
import type { GateCatalog, GateTable, TableAction } from '../analysis.js';
import { aliasNames } from './postgres-ast.js';
import { ambiguousColumn, notAllowed, unknownColumn } from './postgres-refusals.js';

/**
 * Name resolution as Postgres does it: the FROM items each query level makes visible (tables, derived
 * tables, joins, CTEs), their columns and the base-table columns each reads, looked up innermost level
 * first. What the analyser builds while it walks a statement.
 */

export const SYSTEM_COLUMNS: ReadonlySet<string> = new Set(['ctid', 'xmin', 'xmax', 'cmin', 'cmax', 'tableoid']);

/** pg_catalog, information_schema, pg_toast, pg_temp_N… — however the name was quoted. */
export function isSystemSchema(schema: string): boolean {
  const lower = schema.toLowerCase();
  return lower === 'information_schema' || lower.startsWith('pg_');
}

export function tableKey(table: { schema: string; name: string }): string {
  return `${table.schema}\u0000${table.name}`;
}

export function findTable(catalog: GateCatalog, schema: string, name: string): GateTable | undefined {
  return catalog.tables.find((table) => table.schema === schema && table.name === name);
}

/** A write target whose column reads are noted, so a masked column cannot be read through a write. */
export interface WriteTarget {
  kind: 'INSERT' | 'UPDATE' | 'DELETE' | 'MERGE';
  statement: InsertStmt | UpdateStmt | DeleteStmt | MergeStmt;
  table: GateTable;
  /** The name the statement uses for the target (alias or table name). */
  refName: string;
  reads: Set<string>;
}

export interface ColumnSource {
  table: GateTable;
  column: string;
  target?: WriteTarget | undefined;
}

export interface ScopeColumn {
  name: string;
  /** Base-table columns this column reads; empty for columns computed by a subquery, CTE or function. */
  sources: ColumnSource[];
}

/** One FROM item as Postgres's namespace sees it. */
export interface Entry {
  refName: string | undefined;
  /** For an un-aliased table, its schema: `schema.table.column` matches it. */
  schemaName: string | undefined;
  relVisible: boolean;
  colsVisible: boolean;
  columns: ScopeColumn[];
}

export interface Level {
  entries: Entry[];
  parent: Level | undefined;
}

export interface CteDefinition {
  /** Undefined while a recursive CTE's own columns are not known yet. */
  columns: string[] | undefined;
}

export interface CteScope {
  definitions: Map<string, CteDefinition>;
  parent: CteScope | undefined;
}

export interface Scope {
  level: Level;
  ctes: CteScope | undefined;
}

export interface FromResult {
  entries: Entry[];
  /** The item's output columns, in order (a join's merged column list for JOIN … USING). */
  columns: ScopeColumn[];
}

export interface RelationRead {
  /** The FROM node to replace: `{ RangeVar }` or `{ RangeTableSample }`. */
  node: Node;
  rangeVar: RangeVar;
  table: GateTable;
}

export function tableEntry(table: GateTable, alias: Alias | undefined, target?: WriteTarget): Entry {
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

export function derivedEntry(refName: string | undefined, names: readonly string[], renames: readonly string[] = []): Entry {
  return {
    refName,
    schemaName: undefined,
    relVisible: refName !== undefined,
    colsVisible: true,
    columns: names.map((name, index) => ({ name: renames[index] ?? name, sources: [] })),
  };
}

export type Mode = 'query' | 'policy';

export interface TableUseBuilder {
  table: GateTable;
  actions: Set<TableAction>;
  columns: Map<string, Set<TableAction>>;
}

const ACTION_ORDER: readonly TableAction[] = ['READ', 'INSERT', 'UPDATE', 'DELETE'];

export function orderedActions(actions: Iterable<TableAction>): TableAction[] {
  const set = new Set(actions);
  return ACTION_ORDER.filter((action) => set.has(action));
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function rename(names: readonly string[], renames: readonly string[]): string[] {
  return names.map((name, index) => renames[index] ?? name);
}

export function single(columns: ScopeColumn[], name: string): ScopeColumn {
  if (columns.length === 0) throw unknownColumn(name);
  if (columns.length > 1) throw ambiguousColumn(name);
  return columns[0] as ScopeColumn;
}

export function lookupCte(ctes: CteScope | undefined, name: string): CteDefinition | undefined {
  for (let scope = ctes; scope !== undefined; scope = scope.parent) {
    const definition = scope.definitions.get(name);
    if (definition !== undefined) return definition;
  }
  return undefined;
}

/** An unqualified column, innermost query level first; ambiguous within a level is refused. */
export function lookupColumn(start: Level, name: string): ScopeColumn | undefined {
  for (let level: Level | undefined = start; level !== undefined; level = level.parent) {
    const matches = level.entries.filter((entry) => entry.colsVisible).flatMap((entry) => entry.columns.filter((column) => column.name === name));
    if (matches.length > 1) throw ambiguousColumn(name);
    if (matches.length === 1) return matches[0];
  }
  return undefined;
}

/** A relation name (optionally schema-qualified), innermost query level first. */
export function lookupRelation(start: Level, name: string, schema: string | undefined): Entry | undefined {
  for (let level: Level | undefined = start; level !== undefined; level = level.parent) {
    const matches = level.entries.filter(
      (entry) => entry.relVisible && entry.refName === name && (schema === undefined || entry.schemaName === schema),
    );
    if (matches.length > 1) throw notAllowed(`Table name "${name}" is ambiguous here; give each use its own alias.`, { reason: 'ambiguous table', table: name });
    if (matches.length === 1) return matches[0];
  }
  return undefined;
}
