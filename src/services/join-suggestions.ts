import type { CatalogTable } from '../../plugins/drivers/catalog.js';

/**
 * Join suggestions among tables, from the foreign keys they declare and from what their columns' names
 * and types say (`orders.customer_id` ↔ `customers.id`). Pure: it is given only tables and columns the
 * caller may see, and names nothing else.
 */

export type JoinEvidence = 'FOREIGN_KEY' | 'NAME_AND_TYPE';

export interface JoinSuggestion {
  /** `schema.table` of the side holding the reference. */
  fromTable: string;
  fromColumns: string[];
  /** `schema.table` of the side referred to. */
  toTable: string;
  toColumns: string[];
  evidence: JoinEvidence;
  /** Why, in a sentence. */
  reason: string;
  /** 0–1: 1 for a declared foreign key, less for what names and types suggest. */
  confidence: number;
  /** The join condition, `orders.customer_id = customers.id`. */
  on: string;
  /** Set when the join goes through a table not asked about, to connect two that were: its `schema.table`. */
  via: string | null;
}

/** A table as the caller sees it: columns narrowed; foreign keys to what it cannot see are dropped here. */
export type JoinableTable = Pick<CatalogTable, 'schema' | 'name' | 'columns' | 'primaryKey' | 'foreignKeys' | 'indexes'>;

const FOREIGN_KEY_CONFIDENCE = 1;
const NAMED_KEY_CONFIDENCE = 0.8;
const NAMED_COLUMN_CONFIDENCE = 0.6;
const SUFFIX_CONFIDENCE = 0.5;

/**
 * Suggestions among `asked` (all of them pairwise; with one table, between it and every other visible
 * table), plus, for two asked tables no chain of suggestions connects, the best one bridging table of
 * `visible` that joins both. Best first.
 */
export function suggestJoins(asked: readonly JoinableTable[], visible: readonly JoinableTable[]): JoinSuggestion[] {
  const key = (t: JoinableTable) => `${t.schema}.${t.name}`;
  const askedKeys = new Set(asked.map(key));
  const pairs: [JoinableTable, JoinableTable][] = [];
  if (asked.length === 1) {
    const only = asked[0] as JoinableTable;
    for (const other of visible) if (key(other) !== key(only)) pairs.push([only, other]);
  } else {
    for (let i = 0; i < asked.length; i++) for (let j = i + 1; j < asked.length; j++) pairs.push([asked[i] as JoinableTable, asked[j] as JoinableTable]);
  }
  const direct = pairs.flatMap(([a, b]) => joinsBetween(a, b));
  const suggestions = [...direct];

  if (asked.length > 1) {
    // Tables already connected through suggestions among the asked ones need no bridge.
    const group = new Map(asked.map((t) => [key(t), key(t)]));
    const find = (k: string): string => {
      const parent = group.get(k) ?? k;
      return parent === k ? k : find(parent);
    };
    for (const s of direct) group.set(find(s.fromTable), find(s.toTable));
    for (const [a, b] of pairs) {
      if (find(key(a)) === find(key(b))) continue;
      const bridge = bestBridge(a, b, visible.filter((t) => !askedKeys.has(key(t))));
      if (!bridge) continue;
      suggestions.push(...bridge);
      group.set(find(key(a)), find(key(b)));
    }
  }
  return suggestions.sort((x, y) => y.confidence - x.confidence || (x.via === null ? 0 : 1) - (y.via === null ? 0 : 1) || x.on.localeCompare(y.on));
}

/** The best way to join a and b through one other table c: the bridge whose weaker join is strongest. */
function bestBridge(a: JoinableTable, b: JoinableTable, candidates: readonly JoinableTable[]): JoinSuggestion[] | undefined {
  let best: { score: number; via: string; joins: JoinSuggestion[] } | undefined;
  for (const c of candidates) {
    const left = joinsBetween(a, c)[0];
    const right = joinsBetween(c, b)[0];
    if (!left || !right) continue;
    const score = Math.min(left.confidence, right.confidence);
    if (!best || score > best.score) best = { score, via: `${c.schema}.${c.name}`, joins: [left, right] };
  }
  if (!best) return undefined;
  const { score, via } = best;
  // A bridge is as sure as its weaker half, a little less for the extra hop.
  return best.joins.map((j) => ({ ...j, via, confidence: round(score * 0.9) }));
}

/** Every join between two tables, strongest first: declared foreign keys, then name-and-type matches. */
export function joinsBetween(a: JoinableTable, b: JoinableTable): JoinSuggestion[] {
  const declared = [...foreignKeys(a, b), ...foreignKeys(b, a)];
  const covered = new Set(declared.map((s) => `${s.fromTable}.${s.fromColumns.join()}`));
  const named = [...namedReferences(a, b), ...namedReferences(b, a)].filter((s) => !covered.has(`${s.fromTable}.${s.fromColumns.join()}`));
  return [...declared, ...named].sort((x, y) => y.confidence - x.confidence);
}

/** Declared keys of `from` to `to`, named only when every column they involve is visible on both sides. */
function foreignKeys(from: JoinableTable, to: JoinableTable): JoinSuggestion[] {
  const own = new Set(from.columns.map((c) => c.name));
  const target = new Set(to.columns.map((c) => c.name));
  return from.foreignKeys
    .filter(
      (fk) =>
        fk.referencedSchema === to.schema &&
        fk.referencedTable === to.name &&
        fk.columns.every((c) => own.has(c)) &&
        fk.referencedColumns.every((c) => target.has(c)),
    )
    .map((fk) =>
      suggestion(from, fk.columns, to, fk.referencedColumns, 'FOREIGN_KEY', FOREIGN_KEY_CONFIDENCE, `${columnList(from, fk.columns)} is a declared foreign key to ${columnList(to, fk.referencedColumns)}.`),
    );
}

/**
 * `from.<x>_id` (or `<x>Id`) where `to` is named after x (`customer_id` → customers, customer), to
 * to's key: its one-column primary key, else its `id`, else its own `<x>_id`, with compatible types.
 * A column whose name only ends in the table's (`billing_customer_id`) counts for less.
 */
function namedReferences(from: JoinableTable, to: JoinableTable): JoinSuggestion[] {
  if (from.schema === to.schema && from.name === to.name) return [];
  const forms = nameForms(to.name);
  const out: JoinSuggestion[] = [];
  for (const column of from.columns) {
    const stem = referenceStem(column.name);
    if (stem === undefined) continue;
    const exact = forms.has(stem);
    const suffix = !exact && [...forms].some((form) => stem.endsWith(`_${form}`));
    if (!exact && !suffix) continue;
    const target = targetColumn(to, column.name);
    if (!target) continue;
    const [fromFamily, toFamily] = [typeFamily(column.dataType), typeFamily(target.column.dataType)];
    if (!compatible(fromFamily, toFamily)) continue;
    const confidence = suffix ? SUFFIX_CONFIDENCE : target.key ? NAMED_KEY_CONFIDENCE : NAMED_COLUMN_CONFIDENCE;
    const reason =
      `${columnList(from, [column.name])} is named after ${to.name} and matches ${target.key ? 'its key ' : ''}${columnList(to, [target.column.name])}` +
      ` (${fromFamily === toFamily ? `both ${fromFamily}` : `${fromFamily} and ${toFamily}`}); no foreign key is declared.`;
    out.push(suggestion(from, [column.name], to, [target.column.name], 'NAME_AND_TYPE', confidence, reason));
  }
  return out;
}

function targetColumn(table: JoinableTable, referencing: string): { column: JoinableTable['columns'][number]; key: boolean } | undefined {
  const byName = (name: string) => table.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
  const primary = table.primaryKey.length === 1 ? byName(table.primaryKey[0] as string) : undefined;
  if (primary) return { column: primary, key: true };
  const unique = (name: string) => table.indexes.some((i) => i.unique && i.columns.length === 1 && i.columns[0]?.toLowerCase() === name.toLowerCase());
  const id = byName('id') ?? byName('_id');
  if (id) return { column: id, key: unique(id.name) };
  const same = byName(referencing);
  return same ? { column: same, key: unique(same.name) } : undefined;
}

/** `customer_id`, `customerId`, `customer_fk` → `customer`; undefined for a column that names no reference. */
export function referenceStem(column: string): string | undefined {
  const snake = column.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  const match = /^(.+?)_(id|fk|key|ref)$/.exec(snake);
  return match?.[1];
}

/** The names a table may be referred to by: `customers` → customers, customer; `categories` → category. */
export function nameForms(table: string): Set<string> {
  const name = table.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  const forms = new Set([name]);
  if (name.endsWith('ies')) forms.add(`${name.slice(0, -3)}y`);
  else if (/(ses|xes|ches|shes)$/.test(name)) forms.add(name.slice(0, -2));
  else if (name.endsWith('s') && !name.endsWith('ss')) forms.add(name.slice(0, -1));
  return forms;
}

type TypeFamily = 'integer' | 'decimal' | 'text' | 'uuid' | 'objectId' | 'time' | 'boolean' | string;

export function typeFamily(dataType: string): TypeFamily {
  const type = dataType.toLowerCase().split('|')[0]?.trim() ?? '';
  if (/^(tiny|small|medium|big)?int|^integer|serial|^int[248]|^long/.test(type)) return 'integer';
  if (/^(numeric|decimal|number|double|float|real)/.test(type)) return 'decimal';
  if (/^uuid/.test(type)) return 'uuid';
  if (/objectid/.test(type)) return 'objectId';
  if (/char|text|string|citext/.test(type)) return 'text';
  if (/date|time/.test(type)) return 'time';
  if (/^bool/.test(type)) return 'boolean';
  return type;
}

/** Types whose values can be equal: the same family, whole numbers with decimals, uuids with text. */
function compatible(a: TypeFamily, b: TypeFamily): boolean {
  if (a === b) return a !== 'boolean' && a !== 'time';
  const pair = new Set([a, b]);
  return (pair.has('integer') && pair.has('decimal')) || (pair.has('uuid') && pair.has('text'));
}

function suggestion(from: JoinableTable, fromColumns: string[], to: JoinableTable, toColumns: string[], evidence: JoinEvidence, confidence: number, reason: string): JoinSuggestion {
  return {
    fromTable: `${from.schema}.${from.name}`,
    fromColumns,
    toTable: `${to.schema}.${to.name}`,
    toColumns,
    evidence,
    reason,
    confidence,
    on: fromColumns.map((c, i) => `${from.name}.${c} = ${to.name}.${toColumns[i] ?? ''}`).join(' and '),
    via: null,
  };
}

function columnList(table: JoinableTable, columns: readonly string[]): string {
  return columns.length === 1 ? `${table.name}.${columns[0]}` : `${table.name}(${columns.join(', ')})`;
}

const round = (n: number) => Math.round(n * 100) / 100;
