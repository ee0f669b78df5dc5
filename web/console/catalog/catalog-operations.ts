import { operation } from '../../shared/operation.js';

/** The semantic catalog's operations (terms, proposals, merges), re-exported by ../operations.ts so its schema test sees them. */

export type CatalogTermStatus = 'APPROVED' | 'PENDING' | 'REJECTED';

export interface CatalogTermLink {
  schema: string;
  table: string;
  column: string | null;
}

export interface CatalogTermExample {
  question: string;
  sql: string;
}

export interface CatalogTermRow {
  id: string;
  term: string;
  definition: string;
  synonyms: string[];
  links: CatalogTermLink[];
  examples: CatalogTermExample[];
  status: CatalogTermStatus;
  proposedBy: string | null;
  approvedBy: string | null;
  rejectedReason: string | null;
  version: number;
  updatedAt: string;
}

export interface SaveCatalogTermInput {
  id?: string | null;
  databaseId: string;
  term: string;
  definition: string;
  synonyms: string[];
  links: { schema?: string | null; table: string; column?: string | null }[];
  examples: CatalogTermExample[];
  expectedVersion?: number | null;
}

const TERM_FIELDS = 'id term definition synonyms links { schema table column } examples { question sql } status proposedBy approvedBy rejectedReason version updatedAt';

export const CATALOG_TERMS = operation<
  { catalogTerms: { totalCount: number; edges: { node: CatalogTermRow }[] } },
  { databaseId: string; search: string | null; status: CatalogTermStatus | null }
>(`query CatalogTerms($databaseId: ID!, $search: String, $status: CatalogTermStatus) {
  catalogTerms(databaseId: $databaseId, search: $search, status: $status, first: 200) { totalCount edges { node { ${TERM_FIELDS} } } }
}`);

export const SAVE_CATALOG_TERM = operation<{ saveCatalogTerm: { id: string; version: number } }, { input: SaveCatalogTermInput }>(
  'mutation SaveCatalogTerm($input: SaveCatalogTermInput!) { saveCatalogTerm(input: $input) { id version } }',
);
export const APPROVE_CATALOG_TERM = operation<{ approveCatalogTerm: { id: string; status: CatalogTermStatus } }, { id: string }>(
  'mutation ApproveCatalogTerm($id: ID!) { approveCatalogTerm(id: $id) { id status } }',
);
export const REJECT_CATALOG_TERM = operation<{ rejectCatalogTerm: { id: string; status: CatalogTermStatus } }, { id: string; reason: string }>(
  'mutation RejectCatalogTerm($id: ID!, $reason: String!) { rejectCatalogTerm(id: $id, reason: $reason) { id status } }',
);
export const MERGE_CATALOG_TERMS = operation<{ mergeCatalogTerms: { id: string; synonyms: string[] } }, { intoId: string; fromIds: string[] }>(
  'mutation MergeCatalogTerms($intoId: ID!, $fromIds: [ID!]!) { mergeCatalogTerms(intoId: $intoId, fromIds: $fromIds) { id synonyms } }',
);
export const DELETE_CATALOG_TERM = operation<{ deleteCatalogTerm: string }, { id: string }>('mutation DeleteCatalogTerm($id: ID!) { deleteCatalogTerm(id: $id) }');
