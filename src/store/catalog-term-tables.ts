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
  databaseId: string;
  term: string;
  definition: string;
  synonyms: Json<string[]>;
  links: Json<StoredCatalogLink[]>;
  examples: Json<StoredCatalogExample[]>;
  status: CatalogTermStatus;
  proposedBy: string | null;
  approvedBy: string | null;
  rejectedReason: string | null;
  version: number;
  createdAt: ColumnType<Date, Date | undefined, never>;
  updatedAt: Date;
}

/** Every version of every term, the current one included (migration 0008). */
export interface CatalogTermVersionsTable {
  termId: string;
  version: number;
  change: CatalogTermChange;
  changedBy: string | null;
  term: string;
  definition: string;
  synonyms: Json<string[]>;
  links: Json<StoredCatalogLink[]>;
  examples: Json<StoredCatalogExample[]>;
  status: CatalogTermStatus;
  /** A rejection's reason, or the names a merge took in. */
  note: string | null;
  createdAt: ColumnType<Date, Date | undefined, never>;
}
