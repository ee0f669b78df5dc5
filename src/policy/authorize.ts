import type { DeniedResource } from '../errors/app-error.js';
import type { StatementAnalysis, TableAction, TablePolicy, TableUse } from '../sql/analysis.js';
import { grantAllows, grantCoversColumn, grantCoversTable, isInForce, type GrantRule } from './grant-rules.js';
import { reachedFrom, relationName, type RelationGraph } from './relation-graph.js';

export interface Decision {
  allowed: boolean;
  /** Every resource refused, with the action it needed and why. Empty when allowed. */
  denied: DeniedResource[];
  /** Row filters and masks to apply, one per table that has any. */
  policies: TablePolicy[];
  /** Most rows the statement may return; null when no grant caps it. */
  rowCap: number | null;
  /** Relations read through the views the statement reads (`schema.table`, transitively), for the audit. */
  reached: string[];
}

/**
 * THE decision: may the holder of these grants run this statement, and under which conditions?
 * Pure; the SQL gate, the typed row query and accessPreview all call it.
 *
 * Grants add up: an action on a column is allowed when at least one grant in force covers that
 * table, column and action. Conditions follow the grants that allow the read: the rows visible are
 * those any of them shows (their row filters ORed; a grant with no filter shows every row), a column is
 * masked only if every grant that lets it be read masks it, and the row cap is the largest any of them
 * sets (none if one of them sets none). No grant, no access.
 *
 * A view (or materialized view) is followed to what it reads (`relations`, from the catalog): see
 * readThroughView. `relations` must describe the whole database the statement runs against.
 */
export function authorize(grants: readonly GrantRule[], analysis: Pick<StatementAnalysis, 'tables'>, now: Date, relations: RelationGraph): Decision {
  const live = grants.filter((g) => isInForce(g, now));
  const denied: DeniedResource[] = [];
  const policies: TablePolicy[] = [];
  const caps: (number | null)[] = [];
  const reached = new Set<string>();

  for (const use of analysis.tables) {
    const onTable = live.filter((g) => grantCoversTable(g, use.schema, use.table));
    const name = relationName(use.schema, use.table);
    if (relations.get(name)?.reads !== undefined) for (const r of reachedFrom(relations, use.schema, use.table).reached) reached.add(r);
    if (onTable.length === 0) {
      for (const action of use.actions) denied.push({ resource: name, needed: action, reason: 'no grant covers this table' });
      continue;
    }
    denied.push(...deniedFor(use, onTable));
    const throughView = readThroughView(live, relations, use, new Set(), caps);
    if (throughView) for (const action of use.actions) denied.push({ resource: name, needed: action, reason: throughView });
    const readers = onTable.filter((g) => grantAllows(g, 'READ'));
    const conditions = conditionsOf(readers, use.columns.map((c) => c.column));
    if (conditions.rowFilter !== undefined || Object.keys(conditions.masks).length > 0) {
      policies.push({ schema: use.schema, table: use.table, rowFilter: conditions.rowFilter, masks: conditions.masks });
    }
    // Writers are held to the rows they could see, too: an UPDATE or DELETE only reaches visible rows.
    if (readers.length === 0 && onTable.some((g) => g.rowFilter)) {
      const writers = onTable.filter((g) => use.actions.some((a) => grantAllows(g, a)));
      const filter = orFilters(writers);
      if (filter !== undefined) policies.push({ schema: use.schema, table: use.table, rowFilter: filter, masks: {} });
    }
    if (readers.length > 0) caps.push(readers.some((g) => g.rowCap === null) ? null : Math.max(...readers.map((g) => g.rowCap as number)));
  }

  const rowCap = caps.length === 0 || caps.includes(null) ? null : Math.min(...(caps as number[]));
  return { allowed: denied.length === 0, denied, policies, rowCap, reached: [...reached] };
}

/** What `grants` (those covering the table) refuse of one table use: its actions, then its columns. */
function deniedFor(use: TableUse, onTable: readonly GrantRule[]): DeniedResource[] {
  const name = relationName(use.schema, use.table);
  const denied: DeniedResource[] = [];
  for (const action of use.actions) {
    if (!onTable.some((g) => grantAllows(g, action))) {
      denied.push({ resource: name, needed: action, reason: `no grant allows ${action} on this table` });
    }
  }
  for (const column of use.columns) {
    for (const action of column.actions) {
      if (!onTable.some((g) => grantAllows(g, action) && grantCoversColumn(g, column.column))) {
        denied.push({ resource: `${name}.${column.column}`, needed: action, reason: `no grant allows ${action} on this column` });
      }
    }
  }
  return denied;
}

/** Why reading a view is refused; the names behind it are not given (the agent may not know them). */
export const VIEW_REASONS = {
  unknown: 'what this view reads cannot be told from the catalog, so only a grant naming the view reaches it',
  outside: 'this view reads a relation outside the catalog, so only a grant naming the view reaches it',
  hidden: 'this view reads a table (or columns) you may not read, so only a grant naming the view reaches it',
  filtered:
    'this view reads a table your grants give you only under a row filter or column mask, which reading it through the view would bypass; only a grant naming the view reaches it',
} as const;

/**
 * A view is a window on the relations its definition reads. A grant naming the view (TABLE or COLUMNS
 * scope) is the admin's word that the agent may see through it: honoured as it stands, its own row
 * filter and masks applied to the view. Otherwise (a grant on its schema or the whole database) the
 * agent must be able to read, itself and unconditionally, every column the view reads of every relation
 * behind it, views of views followed to their tables. Their row caps still apply. Returns the reason
 * for refusing, or undefined.
 */
function readThroughView(
  live: readonly GrantRule[],
  relations: RelationGraph,
  use: TableUse,
  seen: Set<string>,
  caps: (number | null)[],
): string | undefined {
  const name = relationName(use.schema, use.table);
  const node = relations.get(name);
  // A table (the gate names only relations of the catalog, and the graph holds them all).
  if (!node || node.reads === undefined) return undefined;
  const named = live.filter((g) => (g.scope === 'TABLE' || g.scope === 'COLUMNS') && grantCoversTable(g, use.schema, use.table));
  if (named.length > 0 && deniedFor(use, named).length === 0) return undefined;
  if (node.reads === null) return VIEW_REASONS.unknown;
  if (seen.has(name)) return undefined;
  seen.add(name);
  // The whole definition runs whichever of its columns are asked for: every column it reads is read.
  const columnActions = new Set<TableAction>(use.columns.flatMap((c) => c.actions));
  if (use.actions.includes('READ')) columnActions.add('READ');
  for (const read of node.reads) {
    const base = relations.get(relationName(read.schema, read.table));
    if (!base) return VIEW_REASONS.outside;
    const baseUse: TableUse = {
      schema: read.schema,
      table: read.table,
      actions: use.actions,
      columns: columnActions.size === 0 ? [] : (read.columns ?? base.columns).map((column) => ({ column, actions: [...columnActions] })),
    };
    const onBase = live.filter((g) => grantCoversTable(g, read.schema, read.table));
    if (onBase.length === 0 || deniedFor(baseUse, onBase).length > 0) return VIEW_REASONS.hidden;
    const readers = onBase.filter((g) => grantAllows(g, 'READ'));
    const conditions = conditionsOf(readers, baseUse.columns.map((c) => c.column));
    const writersFiltered = readers.length === 0 && onBase.some((g) => g.rowFilter);
    if (conditions.rowFilter !== undefined || Object.keys(conditions.masks).length > 0 || writersFiltered) return VIEW_REASONS.filtered;
    if (readers.length > 0) caps.push(readers.some((g) => g.rowCap === null) ? null : Math.max(...readers.map((g) => g.rowCap as number)));
    const deeper = readThroughView(live, relations, baseUse, seen, caps);
    if (deeper) return deeper;
  }
  return undefined;
}

/** The row filter and masks that follow from the grants allowing a read of these columns. */
export function conditionsOf(readers: readonly GrantRule[], columns: readonly string[]): { rowFilter: string | undefined; masks: Record<string, string> } {
  const masks: Record<string, string> = {};
  for (const column of columns) {
    const covering = readers.filter((g) => grantCoversColumn(g, column));
    const expressions = covering.map((g) => g.masks[column]);
    if (covering.length > 0 && expressions.every((e) => e !== undefined)) masks[column] = expressions[0] as string;
  }
  return { rowFilter: orFilters(readers), masks };
}

function orFilters(grants: readonly GrantRule[]): string | undefined {
  if (grants.length === 0 || grants.some((g) => !g.rowFilter)) return undefined;
  const filters = [...new Set(grants.map((g) => g.rowFilter as string))];
  return filters.length === 1 ? filters[0] : filters.map((f) => `(${f})`).join(' OR ');
}

/** The actions a table use needs, for building a synthetic analysis (accessPreview). */
export const ALL_ACTIONS: readonly TableAction[] = ['READ', 'INSERT', 'UPDATE', 'DELETE'];
