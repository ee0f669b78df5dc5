/** A relation read by a view: its columns, or null for every column. */
export interface RelationRead {
  schema: string;
  table: string;
  columns: readonly string[] | null;
}

export interface RelationNode {
  /** Every column of the relation, in order. */
  columns: readonly string[];
  /** A view or materialized view: what its definition reads directly. A base table: undefined. Unknown: null. */
  reads: readonly RelationRead[] | null | undefined;
}

/**
 * What each relation of a database reads, by `schema.table`: the decision follows a view to the tables
 * behind it. A relation the map does not hold is outside the catalog.
 */
export type RelationGraph = ReadonlyMap<string, RelationNode>;

/** The shape of a catalog table this needs (plugins/drivers/catalog.ts CatalogTable fits). */
export interface GraphSource {
  schema: string;
  name: string;
  kind: string;
  columns: readonly { name: string }[];
  reads?: readonly { schema: string; name: string; columns: readonly string[] | null }[] | null | undefined;
}

const VIEW_KINDS = new Set(['VIEW', 'MATERIALIZED_VIEW']);
const graphs = new WeakMap<readonly GraphSource[], RelationGraph>();

/**
 * The relation graph of a catalog's tables, built once per catalog read. A view (or materialized view)
 * whose driver said nothing of what it reads counts as unknown, never as reading nothing.
 */
export function relationGraph(tables: readonly GraphSource[]): RelationGraph {
  const known = graphs.get(tables);
  if (known) return known;
  const graph = new Map<string, RelationNode>();
  for (const t of tables) {
    const isView = VIEW_KINDS.has(t.kind);
    graph.set(relationName(t.schema, t.name), {
      columns: t.columns.map((c) => c.name),
      reads: !isView ? undefined : t.reads ? t.reads.map((r) => ({ schema: r.schema, table: r.name, columns: r.columns })) : null,
    });
  }
  graphs.set(tables, graph);
  return graph;
}

export const relationName = (schema: string, table: string): string => `${schema}.${table}`;

/**
 * Every relation `schema.table` reaches through views, transitively (itself excluded), in the order met.
 * `unknown` collects the views on the way whose dependencies are unknown.
 */
export function reachedFrom(graph: RelationGraph, schema: string, table: string): { reached: string[]; unknown: string[] } {
  const reached: string[] = [];
  const unknown: string[] = [];
  const seen = new Set<string>([relationName(schema, table)]);
  const visit = (name: string) => {
    const node = graph.get(name);
    if (!node || node.reads === undefined) return;
    if (node.reads === null) {
      unknown.push(name);
      return;
    }
    for (const read of node.reads) {
      const next = relationName(read.schema, read.table);
      if (seen.has(next)) continue;
      seen.add(next);
      reached.push(next);
      visit(next);
    }
  };
  visit(relationName(schema, table));
  return { reached, unknown };
}
