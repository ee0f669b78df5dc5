import type { Operation } from '../../shared/operation.js';
import { GRANT, REVOKE_GRANT, type ColumnMask, type GrantAction, type GrantRow } from '../operations.js';

/** The actions a table grant can name, in the matrix's column order (ALL is all four). */
export const TABLE_ACTIONS = ['READ', 'INSERT', 'UPDATE', 'DELETE'] as const;
export type TableAction = (typeof TABLE_ACTIONS)[number];

export const tableKey = (schema: string, name: string): string => `${schema}.${name}`;

/** The actions a list names, with ALL spelt out. */
export function expandActions(actions: readonly GrantAction[]): Set<TableAction> {
  return new Set(actions.includes('ALL') ? TABLE_ACTIONS : actions.filter((action): action is TableAction => action !== 'ALL'));
}

/** The grants of scope TABLE, by schema.table: what the matrix's cells show and change. */
export function tableGrantsByTable(grants: readonly GrantRow[]): Map<string, GrantRow[]> {
  const byTable = new Map<string, GrantRow[]>();
  for (const grant of grants) {
    if (grant.scope !== 'TABLE' || !grant.tableName) continue;
    const key = tableKey(grant.schemaName ?? '', grant.tableName);
    byTable.set(key, [...(byTable.get(key) ?? []), grant]);
  }
  return byTable;
}

/** The conditions a table grant carries that the console edits. */
export interface Conditions {
  rowFilter: string | null;
  columnMasks: ColumnMask[];
  rowCap: number | null;
}

export const NO_CONDITIONS: Conditions = { rowFilter: null, columnMasks: [], rowCap: null };

export function conditionsOf(grants: readonly GrantRow[]): Conditions {
  const first = grants[0];
  return first ? { rowFilter: first.rowFilter, columnMasks: first.columnMasks, rowCap: first.rowCap } : NO_CONDITIONS;
}

type Call = <TData, TVariables>(op: Operation<TData, TVariables>, variables: TVariables) => Promise<TData>;

export interface TableGrantChange {
  agentId: string;
  databaseId: string;
  schema: string;
  table: string;
  /** The table grants in force now (usually one); all are replaced. */
  existing: readonly GrantRow[];
  actions: readonly TableAction[];
  conditions: Conditions;
}

/**
 * Puts one TABLE grant with these actions and conditions in place of the table's current ones. Grants
 * cannot be edited, so the new grant is made first (the gateway checks its row filter and masks; if it
 * refuses them, nothing changed) and the old ones are revoked after. No actions: the old ones are revoked.
 * What the console does not edit (plan limits, expiry) is carried over from the grant it replaces.
 */
export async function replaceTableGrant(call: Call, change: TableGrantChange): Promise<void> {
  const previous = change.existing[0];
  if (change.actions.length > 0) {
    await call(GRANT, {
      input: {
        agentId: change.agentId,
        databaseId: change.databaseId,
        scope: 'TABLE',
        schema: change.schema,
        table: change.table,
        actions: [...change.actions],
        rowFilter: change.conditions.rowFilter?.trim() || null,
        columnMasks: change.conditions.columnMasks.filter((mask) => mask.column && mask.expression.trim()),
        rowCap: change.conditions.rowCap,
        maxCost: previous?.maxCost ?? null,
        maxEstimatedRows: previous?.maxEstimatedRows ?? null,
        expiresAt: previous?.expiresAt ?? null,
      },
    });
  }
  for (const grant of change.existing) await call(REVOKE_GRANT, { id: grant.id });
}
