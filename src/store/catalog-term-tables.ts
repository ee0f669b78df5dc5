import type { ColumnType } from 'kysely';

type Json<T> = ColumnType<T, string, string>;

export type CatalogTermStatus = 'APPROVED' | 'PENDING' | 'REJECTED';
export type CatalogTermChange = 'CREATED' | 'PROPOSED' | 'UPDATED' | 'APPROVED' | 'REJECTED' | 'MERGED';

/** What a term is about: a table, or one column of it. */
export interface StoredCatalogLink {
  schema: string;
  table: string;
  column?: string;
}

/** An example question with the SQL that answers it, and what that SQL reads (recorded when saved). */
export interface StoredCatalogExample {
  question: string;
  sql: string;
  reads: { schema: string; table: string; columns: string[] }[];
}

/** Terms of the semantic catalog (migration 0008); part of StoreSchema. */
export interface CatalogTermsTable {
  id: string;
  database_id: string;
  term: string;
  definition: string;
  synonyms: Json<string[]>;
  links: Json<StoredCatalogLink[]>;
  examples: Json<StoredCatalogExample[]>;
  status: CatalogTermStatus;
  proposed_by: string | null;
  approved_by: string | null;
  rejected_reason: string | null;
  version: number;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: Date;
}

/** Every version of every term, the current one included (migration 0008). */
export interface CatalogTermVersionsTable {
  term_id: string;
  version: number;
  change: CatalogTermChange;
  changed_by: string | null;
  term: string;
  definition: string;
  synonyms: Json<string[]>;
  links: Json<StoredCatalogLink[]>;
  examples: Json<StoredCatalogExample[]>;
  status: CatalogTermStatus;
  /** A rejection's reason, or the names a merge took in. */
  note: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
}
