import type { LinkableTable } from './nl-types.js';

/**
 * Join paths for schema linking (DESIGN.md, "Natural language"): the tables that connect the relevant
 * ones along foreign keys, so the model can write the joins. Among the ways to connect two tables, the
 * cheapest wins: each table on the way costs more the less it matches the question (and a copy much
 * more), so "customers → orders → order_items → products" beats a shorter path through an unrelated
 * table when the question speaks of orders. Pure and deterministic.
 */

export interface PathNode {
  key: string;
  table: LinkableTable;
  score: number;
  copy: boolean;
}

/** Longest join path searched between two tables, in foreign keys. */
export const MAX_PATH_EDGES = 4;
/** Extra cost of a table on the way that does not match the question at all (one that matches as well as the best costs nothing extra). */
const UNMATCHED_COST = 4;
const COPY_COST = 4;

const keyOf = (schema: string, name: string) => `${schema}\u0000${name}`;

/** Undirected foreign-key graph between the given tables, neighbours in key order. */
function foreignKeyGraph(nodes: readonly PathNode[]): Map<string, string[]> {
  const known = new Set(nodes.map((n) => n.key));
  const sets = new Map<string, Set<string>>();
  const link = (a: string, b: string) => {
    let set = sets.get(a);
    if (!set) sets.set(a, (set = new Set()));
    set.add(b);
  };
  for (const node of nodes) {
    for (const fk of node.table.foreignKeys) {
      const other = keyOf(fk.referencedSchema, fk.referencedTable);
      if (other === node.key || !known.has(other)) continue;
      link(node.key, other);
      link(other, node.key);
    }
  }
  return new Map([...sets].map(([key, set]) => [key, [...set].sort()]));
}

/** A seed that is only optional is joined when at most this many foreign keys away from the others. */
export const OPTIONAL_EDGES = 2;

/**
 * `seeds` (best first) and the tables on the cheapest foreign-key paths that join them: a greedy
 * Steiner tree — starting from the best seed, the seed cheapest to reach from what is already joined
 * is joined next, with its path. A seed no path of at most MAX_PATH_EDGES reaches stays on its own. An
 * `optional` seed (one that matched a single word weakly) is joined last, and only when it is close to
 * the others; otherwise it is left out.
 */
export function joinTables<T extends PathNode>(seeds: readonly T[], all: readonly T[], best: number, optional: ReadonlySet<string> = new Set()): T[] {
  const first = seeds[0];
  if (!first) return [];
  const byKey = new Map(all.map((n) => [n.key, n]));
  for (const seed of seeds) byKey.set(seed.key, seed);
  const graph = foreignKeyGraph([...byKey.values()]);
  const seedKeys = new Set(seeds.map((s) => s.key));
  const extra = (key: string): number => {
    if (seedKeys.has(key)) return 0;
    const node = byKey.get(key);
    if (!node) return Number.POSITIVE_INFINITY;
    const relevance = best > 0 ? Math.min(1, node.score / best) : 0;
    return UNMATCHED_COST * (1 - relevance) + (node.copy ? COPY_COST : 0);
  };

  const tree = new Set<string>([first.key]);
  const order: string[] = [first.key];
  const rest = seeds.slice(1).map((s) => s.key);
  const waiting = [rest.filter((k) => !optional.has(k)), rest.filter((k) => optional.has(k))];
  for (const group of waiting) {
    while (group.length > 0) {
      const { distance, edges, previous } = cheapestFrom(tree, graph, extra);
      let target: string | undefined;
      for (const key of group) {
        const d = distance.get(key);
        if (d !== undefined && (target === undefined || d < (distance.get(target) ?? Infinity))) target = key;
      }
      if (target === undefined) {
        // Nothing joins the rest to the tree: a required seed starts a part of its own, optional ones are left out.
        if (group === waiting[1]) break;
        const alone = group.shift() as string;
        tree.add(alone);
        order.push(alone);
        continue;
      }
      group.splice(group.indexOf(target), 1);
      if (optional.has(target) && (edges.get(target) ?? Infinity) > OPTIONAL_EDGES) continue;
      const path: string[] = [];
      for (let step: string | undefined = target; step !== undefined && !tree.has(step); step = previous.get(step)) path.push(step);
      for (const key of path.reverse()) {
        tree.add(key);
        order.push(key);
      }
    }
  }
  return order.map((key) => byKey.get(key)).filter((n): n is T => n !== undefined);
}

/** Dijkstra from every node of `sources` at once: each edge costs 1 plus the extra cost of the table it enters. */
function cheapestFrom(
  sources: ReadonlySet<string>,
  graph: Map<string, string[]>,
  extra: (key: string) => number,
): { distance: Map<string, number>; edges: Map<string, number>; previous: Map<string, string> } {
  const distance = new Map<string, number>();
  const edges = new Map<string, number>();
  const previous = new Map<string, string>();
  const heap = new MinHeap();
  for (const key of [...sources].sort()) {
    distance.set(key, 0);
    edges.set(key, 0);
    heap.push(0, key);
  }
  const done = new Set<string>();
  for (let item = heap.pop(); item; item = heap.pop()) {
    const [cost, key] = item;
    if (done.has(key) || cost > (distance.get(key) ?? Infinity)) continue;
    done.add(key);
    const steps = edges.get(key) ?? 0;
    if (steps >= MAX_PATH_EDGES) continue;
    for (const next of graph.get(key) ?? []) {
      if (done.has(next)) continue;
      const through = cost + 1 + extra(next);
      const known = distance.get(next);
      if (known === undefined || through < known - 1e-9) {
        distance.set(next, through);
        edges.set(next, steps + 1);
        previous.set(next, key);
        heap.push(through, next);
      }
    }
  }
  return { distance, edges, previous };
}

/** A binary heap of (cost, key), ties broken by key so the search is deterministic. */
class MinHeap {
  private readonly items: [number, string][] = [];

  push(cost: number, key: string): void {
    const items = this.items;
    items.push([cost, key]);
    for (let i = items.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!less(items[i] as [number, string], items[parent] as [number, string])) break;
      [items[i], items[parent]] = [items[parent] as [number, string], items[i] as [number, string]];
      i = parent;
    }
  }

  pop(): [number, string] | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      for (let i = 0; ; ) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < items.length && less(items[left] as [number, string], items[smallest] as [number, string])) smallest = left;
        if (right < items.length && less(items[right] as [number, string], items[smallest] as [number, string])) smallest = right;
        if (smallest === i) break;
        [items[i], items[smallest]] = [items[smallest] as [number, string], items[i] as [number, string]];
        i = smallest;
      }
    }
    return top;
  }
}

function less(a: [number, string], b: [number, string]): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}
