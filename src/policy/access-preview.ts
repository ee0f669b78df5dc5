import type { TableAction } from '../sql/analysis.js';
import { ALL_ACTIONS, authorize } from './authorize.js';
import type { GrantRule } from './grant-rules.js';

export interface ColumnAccess {
  column: string;
  /** What the agent may do with this column. Empty: it cannot touch it. */
  actions: TableAction[];
  /** The expression shown instead of the value, when masked. */
  mask: string | null;
}

export interface TableAccess {
  schema: string;
  table: string;
  /** Table-level actions allowed (on at least the columns listed as allowing them). */
  actions: TableAction[];
  columns: ColumnAccess[];
  /** Rows outside this predicate are invisible; null: every row. */
  rowFilter: string | null;
  rowCap: number | null;
}

/**
 * Every table of a database, as the agent holding `grants` would find it: which actions on which
 * columns, under which row filter and masks. Computed by asking `authorize` — the very function the
 * gate asks — one question per table, action and column, so the preview cannot drift from enforcement.
 */
export function previewAccess(
  grants: readonly GrantRule[],
  tables: readonly { schema: string; name: string; columns: readonly string[] }[],
  now: Date,
): TableAccess[] {
  return tables.map((t) => {
    const ask = (action: TableAction, columns: readonly string[]) =>
      authorize(grants, { tables: [{ schema: t.schema, table: t.name, actions: [action], columns: columns.map((column) => ({ column, actions: [action] })) }] }, now);
    const columns = t.columns.map((column) => ({
      column,
      actions: ALL_ACTIONS.filter((action) => ask(action, [column]).allowed),
      mask: null as string | null,
    }));
    const readable = columns.filter((c) => c.actions.includes('READ')).map((c) => c.column);
    const read = readable.length > 0 ? ask('READ', readable) : undefined;
    const policy = read?.policies[0];
    for (const c of columns) c.mask = policy?.masks?.[c.column] ?? null;
    return {
      schema: t.schema,
      table: t.name,
      // DELETE touches rows, not columns; the other actions need at least one column they may touch.
      actions: ALL_ACTIONS.filter(
        (action) => ask(action, []).allowed && (action === 'DELETE' || columns.some((c) => c.actions.includes(action))),
      ),
      columns,
      rowFilter: policy?.rowFilter ?? null,
      rowCap: read?.rowCap ?? null,
    };
  });
}
