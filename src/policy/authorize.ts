import type { DeniedResource } from '../errors/app-error.js';
import type { StatementAnalysis, TableAction, TablePolicy } from '../sql/analysis.js';
import { grantAllows, grantCoversColumn, grantCoversTable, isInForce, type GrantRule } from './grant-rules.js';

export interface Decision {
  allowed: boolean;
  /** Every resource refused, with the action it needed and why. Empty when allowed. */
  denied: DeniedResource[];
  /** Row filters and masks to apply, one per table that has any. */
  policies: TablePolicy[];
  /** Most rows the statement may return; null when no grant caps it. */
  rowCap: number | null;
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
 */
export function authorize(grants: readonly GrantRule[], analysis: Pick<StatementAnalysis, 'tables'>, now: Date): Decision {
  const live = grants.filter((g) => isInForce(g, now));
  const denied: DeniedResource[] = [];
  const policies: TablePolicy[] = [];
  const caps: (number | null)[] = [];

  for (const use of analysis.tables) {
    const onTable = live.filter((g) => grantCoversTable(g, use.schema, use.table));
    const name = `${use.schema}.${use.table}`;
    if (onTable.length === 0) {
      for (const action of use.actions) denied.push({ resource: name, needed: action, reason: 'no grant covers this table' });
      continue;
    }
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
  return { allowed: denied.length === 0, denied, policies, rowCap };
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
