import type { Document } from 'mongodb';
import type { CatalogColumn } from '../catalog.js';
import { bsonTypeName, isSubDocument } from './bson-value.js';

/** Dotted paths go this many fields deep (`a.b.c`); deeper sub-documents are one `object` column. */
export const MAX_INFERENCE_DEPTH = 3;
/** A table reports at most this many columns (documents used as maps can have thousands of keys). */
export const MAX_INFERRED_COLUMNS = 500;

interface FieldStats {
  order: number;
  types: Set<string>;
  /** Documents in which the path holds a value, null included. */
  present: number;
  sawNull: boolean;
}

/**
 * Columns of a collection from a sample of its documents. Pure.
 *
 * - Top-level fields, and dotted paths into sub-documents up to MAX_INFERENCE_DEPTH; not into arrays
 *   (an array is one `array` column).
 * - `dataType`: the `$type` aliases seen, sorted and joined with `|` (`int|null|string`).
 * - `nullable`: the path was missing or null in at least one sampled document.
 * - `position`: order of first appearance (a parent before its children), `_id` first.
 * - Keys a row query cannot name (empty, or containing `.`, `$` or NUL; see checkField) are left out.
 */
export function inferColumns(documents: readonly Document[]): CatalogColumn[] {
  const fields = new Map<string, FieldStats>();

  const visit = (document: Record<string, unknown>, prefix: string, depth: number): void => {
    for (const [key, value] of Object.entries(document)) {
      if (value === undefined || !isAddressable(key)) continue;
      const path = prefix === '' ? key : `${prefix}.${key}`;
      let stats = fields.get(path);
      if (stats === undefined) {
        if (fields.size >= MAX_INFERRED_COLUMNS) continue;
        stats = { order: fields.size, types: new Set(), present: 0, sawNull: false };
        fields.set(path, stats);
      }
      stats.types.add(bsonTypeName(value));
      stats.present += 1;
      if (value === null) stats.sawNull = true;
      if (depth < MAX_INFERENCE_DEPTH && isSubDocument(value)) visit(value, path, depth + 1);
    }
  };
  for (const document of documents) visit(document, '', 1);

  return [...fields.entries()]
    .sort(([a, x], [b, y]) => (a === '_id' ? -1 : b === '_id' ? 1 : x.order - y.order))
    .map(([name, stats], index) => ({
      name,
      position: index + 1,
      dataType: [...stats.types].sort().join('|'),
      nullable: stats.sawNull || stats.present < documents.length,
      defaultValue: null,
      comment: null,
    }));
}

function isAddressable(key: string): boolean {
  return key.length > 0 && !key.includes('$') && !key.includes('.') && !key.includes('\0');
}
