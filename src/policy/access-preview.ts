import type { TableAction } from '../sql/analysis.js';
import { ALL_ACTIONS, authorize } from './authorize.js';
import type { GrantRule } from './grant-rules.js';
import { reachedFrom, relationName, type RelationGraph } from './relation-graph.js';

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
  /** A view: every relation it reads, through views of views (`schema.table`). Empty for a table. */
  reads: string[];
  /**
   * A view the agent may use: the relations behind it that the agent could not read itself, in full and
   * unfiltered — what a grant naming the view exposes. Empty otherwise.
   */
  exposes: string[];
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
  relations: RelationGraph,
): TableAccess[] {
  return tables.map((t) => {
    const ask = (action: TableAction, columns: readonly string[]) =>
      authorize(grants, { tables: [{ schema: t.schema, table: t.name, actions: [action], columns: columns.map((column) => ({ column, actions: [action] })) }] }, now, relations);
    const columns = t.columns.map((column) => ({
      column,
      actions: ALL_ACTIONS.filter((action) => ask(action, [column]).allowed),
      mask: null as string | null,
    }));
    const readable = columns.filter((c) => c.actions.includes('READ')).map((c) => c.column);
    const read = readable.length > 0 ? ask('READ', readable) : undefined;
    const policy = read?.policies[0];
    for (const c of columns) c.mask = policy?.masks?.[c.column] ?? null;
    // DELETE touches rows, not columns; the other actions need at least one column they may touch.
    const actions = ALL_ACTIONS.filter((action) => ask(action, []).allowed && (action === 'DELETE' || columns.some((c) => c.actions.includes(action))));
    const reads = reachedFrom(relations, t.schema, t.name).reached;
    return {
      schema: t.schema,
      table: t.name,
      actions,
      columns,
      rowFilter: policy?.rowFilter ?? null,
      rowCap: read?.rowCap ?? null,
      reads,
      exposes: actions.length > 0 && reads.length > 0 ? exposedBy(grants, relations, t.schema, t.name, now) : [],
    };
  });
}

/**
 * The tables behind a view that the holder of `grants` could not read by itself — every column the
 * views on the way read of it, with no row filter or mask — or that lie outside the catalog. A view on
 * the way whose dependencies are unknown is listed itself: what it exposes cannot be told.
 */
function exposedBy(grants: readonly GrantRule[], relations: RelationGraph, schema: string, table: string, now: Date): string[] {
  const behind = new Map<string, { schema: string; table: string; columns: Set<string> | null }>();
  const exposed: string[] = [];
  for (const view of [relationName(schema, table), ...reachedFrom(relations, schema, table).reached]) {
    const reads = relations.get(view)?.reads;
    if (reads === null) exposed.push(view);
    for (const read of reads ?? []) {
      const name = relationName(read.schema, read.table);
      const known = behind.get(name) ?? { schema: read.schema, table: read.table, columns: new Set<string>() };
      behind.set(name, known);
      if (read.columns === null) known.columns = null;
      else for (const column of read.columns) known.columns?.add(column);
    }
  }
  for (const [name, base] of behind) {
    const node = relations.get(name);
    if (node && node.reads !== undefined) continue; // a view on the way: the tables behind it are listed
    const columns = [...(base.columns ?? node?.columns ?? [])];
    const use = { schema: base.schema, table: base.table, actions: ['READ' as const], columns: columns.map((column) => ({ column, actions: ['READ' as const] })) };
    const decision = node ? authorize(grants, { tables: [use] }, now, relations) : undefined;
    if (!decision || !decision.allowed || decision.policies.length > 0) exposed.push(name);
  }
  return exposed;
}
