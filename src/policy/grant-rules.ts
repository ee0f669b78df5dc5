import type { TableAction } from '../sql/analysis.js';

/** A grant as the decision function sees it: plain data, already loaded and not expired. */
export interface GrantRule {
  id: string;
  scope: 'DATABASE' | 'SCHEMA' | 'TABLE' | 'COLUMNS';
  schema: string | null;
  table: string | null;
  /** For COLUMNS grants: the columns covered. */
  columns: string[] | null;
  actions: (TableAction | 'ALL')[];
  rowFilter: string | null;
  /** Column → SQL expression shown instead of the value. */
  masks: Record<string, string>;
  rowCap: number | null;
  /** Most the planner may estimate a statement under this grant costs / reads; null or absent: no limit. */
  maxCost?: number | null;
  maxEstimatedRows?: number | null;
  expiresAt: Date | null;
}

export function grantCoversTable(grant: GrantRule, schema: string, table: string): boolean {
  switch (grant.scope) {
    case 'DATABASE':
      return true;
    case 'SCHEMA':
      return grant.schema === schema;
    case 'TABLE':
    case 'COLUMNS':
      return grant.schema === schema && grant.table === table;
  }
}

export function grantCoversColumn(grant: GrantRule, column: string): boolean {
  return grant.scope !== 'COLUMNS' || (grant.columns ?? []).includes(column);
}

export function grantAllows(grant: GrantRule, action: TableAction): boolean {
  return grant.actions.includes('ALL') || grant.actions.includes(action);
}

export function isInForce(grant: GrantRule, now: Date): boolean {
  return grant.expiresAt === null || grant.expiresAt > now;
}
