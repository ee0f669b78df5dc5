import type { LinkableTable } from '../nl/nl-types.js';

/** What a semantic catalog term touches: the objects it links, and what each of its examples reads. */
export interface TermReach {
  links: readonly { schema: string; table: string; column?: string | undefined }[];
  examples: readonly { reads: readonly { schema: string; table: string; columns: readonly string[] }[] }[];
}

/** The readable tables as a lookup: `schema\0table` → its readable columns. */
export type ReadableIndex = ReadonlyMap<string, ReadonlySet<string>>;

const key = (schema: string, table: string) => `${schema}\u0000${table}`;

export function readableIndex(readable: readonly LinkableTable[]): ReadableIndex {
  return new Map(readable.map((t) => [key(t.schema, t.name), new Set(t.columns.map((c) => c.name))]));
}

/**
 * Whether a term may be shown to an agent (or to a model on its behalf) that may read `readable`: every
 * linked table is readable, every linked column is, and every table and column each example reads is.
 * One object out of reach hides the whole term: its definition, synonyms and examples speak of it.
 */
export function termVisible(term: TermReach, readable: ReadableIndex): boolean {
  for (const link of term.links) {
    const columns = readable.get(key(link.schema, link.table));
    if (!columns) return false;
    if (link.column !== undefined && !columns.has(link.column)) return false;
  }
  for (const example of term.examples) {
    for (const read of example.reads) {
      const columns = readable.get(key(read.schema, read.table));
      if (!columns) return false;
      if (!read.columns.every((c) => columns.has(c))) return false;
    }
  }
  return true;
}
