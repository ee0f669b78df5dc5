import { MongoServerError, type Db, type Document } from 'mongodb';
import type { Catalog, CatalogConstraint, CatalogIndex, CatalogTable, RelationKind } from '../catalog.js';
import { inferColumns } from './infer-fields.js';
import { unavailableReason } from './mongodb-errors.js';

/** Documents sampled per collection to infer its fields. */
export const SAMPLE_SIZE = 100;

export interface IntrospectOptions {
  /** Collections described at the same time. */
  concurrency: number;
  /** maxTimeMS of each command. */
  timeoutMs: number;
}

/**
 * The catalog of one database: one listCollections, then per collection at most three commands
 * (`$sample` → fields, listIndexes, estimatedDocumentCount; views get only the sample), each answered
 * in a single batch, with `concurrency` collections in flight. `system.*` collections are left out.
 *
 * Best effort per collection: when the server refuses one command (a view whose pipeline fails, a
 * user without the privilege, a sample that runs out of time) that part is left empty and the rest
 * of the catalog still comes back. Network and authentication failures abort the whole call.
 */
export async function introspectDatabase(db: Db, options: IntrospectOptions): Promise<Catalog> {
  const listed = await db.listCollections({}, { nameOnly: true, authorizedCollections: true }).toArray();
  const relations = listed
    .flatMap((info) => {
      const kind = kindOf(info.type);
      return kind === undefined || info.name.startsWith('system.') ? [] : [{ name: info.name, kind }];
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const tables = await mapWithConcurrency(relations, options.concurrency, (relation) =>
    describeCollection(db, relation.name, relation.kind, options.timeoutMs),
  );
  return { schemas: [db.databaseName], tables };
}

async function describeCollection(db: Db, name: string, kind: RelationKind, timeoutMs: number): Promise<CatalogTable> {
  const collection = db.collection(name);
  const isView = kind === 'VIEW';
  // promoteValues: false keeps Int32, Double and Long apart, so the types reported are exact.
  const sample = await unlessRefused(
    collection
      .aggregate([{ $sample: { size: SAMPLE_SIZE } }], { maxTimeMS: timeoutMs, batchSize: SAMPLE_SIZE, promoteValues: false })
      .toArray(),
    [],
  );
  const indexes = isView ? [] : await unlessRefused(collection.listIndexes({ maxTimeMS: timeoutMs }).toArray(), []);
  const rowEstimate = isView ? null : await unlessRefused(collection.estimatedDocumentCount({ maxTimeMS: timeoutMs }), null);
  const catalogIndexes = indexes.map(toCatalogIndex);
  return {
    schema: db.databaseName,
    name,
    kind,
    comment: null,
    rowEstimate,
    columns: inferColumns(sample),
    // Every document of a collection has a unique _id; a view's documents need not.
    primaryKey: isView ? [] : ['_id'],
    foreignKeys: [],
    indexes: catalogIndexes,
    // MongoDB's only constraints: _id, and unique indexes (validators are not reported).
    constraints: catalogIndexes
      .filter((i) => i.unique)
      .map((i): CatalogConstraint => ({ name: i.name, kind: i.primary ? 'PRIMARY_KEY' : 'UNIQUE', columns: i.columns })),
  };
}

/** `{ name, key: { a: 1, b: -1 }, unique }` → CatalogIndex; a text index lists its weighted fields. */
export function toCatalogIndex(index: Document): CatalogIndex {
  const key: Record<string, unknown> = typeof index['key'] === 'object' && index['key'] !== null ? (index['key'] as Record<string, unknown>) : {};
  const weights = typeof index['weights'] === 'object' && index['weights'] !== null ? Object.keys(index['weights'] as object) : [];
  const columns = '_fts' in key ? [...Object.keys(key).filter((k) => k !== '_fts' && k !== '_ftsx'), ...weights] : Object.keys(key);
  const primary = index['name'] === '_id_';
  return { name: String(index['name']), columns, unique: primary || index['unique'] === true, primary };
}

function kindOf(type: unknown): RelationKind | undefined {
  if (type === undefined || type === 'collection' || type === 'timeseries') return 'COLLECTION';
  if (type === 'view') return 'VIEW';
  return undefined;
}

async function unlessRefused<T>(work: Promise<T>, fallback: T): Promise<T> {
  try {
    return await work;
  } catch (error) {
    // The server answered and said no: leave this part out. Unreachable or wrong credentials: fail.
    if (error instanceof MongoServerError && unavailableReason(error, { secrets: [], hosts: [] }) === undefined) return fallback;
    throw error;
  }
}

async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
