import type { StatementAnalysis } from '../sql/analysis.js';
import { grantCoversTable, isInForce, type GrantRule } from './grant-rules.js';

/** Limits on the planner's estimate of one statement; null: none. */
export interface PlanLimits {
  maxCost: number | null;
  maxEstimatedRows: number | null;
}

/**
 * The plan limits the grants put on a statement: the tightest set by any grant in force that covers a
 * table it touches (a statement that touches no table: any grant in force on the database). Unlike
 * actions, limits do not add up: one grant's limit is not lifted by another grant without one.
 */
export function planLimitsOf(grants: readonly GrantRule[], analysis: Pick<StatementAnalysis, 'tables'>, now: Date): PlanLimits {
  const live = grants.filter((g) => isInForce(g, now));
  const applying =
    analysis.tables.length === 0 ? live : live.filter((g) => analysis.tables.some((use) => grantCoversTable(g, use.schema, use.table)));
  return {
    maxCost: smallest(applying.map((g) => g.maxCost)),
    maxEstimatedRows: smallest(applying.map((g) => g.maxEstimatedRows)),
  };
}

function smallest(values: (number | null | undefined)[]): number | null {
  const set = values.filter((v): v is number => typeof v === 'number');
  return set.length === 0 ? null : Math.min(...set);
}
