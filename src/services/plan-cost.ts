import type { DatabaseDriver, PlanEstimate } from '../../plugins/drivers/driver.js';
import { AppError, ErrorCode } from '../errors/app-error.js';
import type { PlanLimits } from '../policy/plan-limits.js';
import type { SqlGate } from '../sql/gate.js';

/** Plan limits with where each came from, for the refusal's message. */
export interface SourcedPlanLimits extends PlanLimits {
  costSource: 'database' | 'grant' | null;
  rowsSource: 'database' | 'grant' | null;
}

/** The tighter of the database's and the grants' limits, each with its source. */
export function combinePlanLimits(database: PlanLimits, grants: PlanLimits): SourcedPlanLimits {
  const pick = (d: number | null, g: number | null): [number | null, 'database' | 'grant' | null] =>
    g !== null && (d === null || g < d) ? [g, 'grant'] : d !== null ? [d, 'database'] : [null, null];
  const [maxCost, costSource] = pick(database.maxCost, grants.maxCost);
  const [maxEstimatedRows, rowsSource] = pick(database.maxEstimatedRows, grants.maxEstimatedRows);
  return { maxCost, maxEstimatedRows, costSource, rowsSource };
}

/**
 * Asks the planner about a statement (already rewritten by the gate, so row filters and caps are in it)
 * and refuses it with QUERY_TOO_EXPENSIVE when its estimate is over a limit. Only called when a limit
 * is set, so a database without one pays nothing for it.
 */
export async function enforcePlanLimits(
  driver: DatabaseDriver,
  gate: Pick<SqlGate, 'dialect' | 'explain'>,
  sql: string,
  params: readonly unknown[],
  limits: SourcedPlanLimits,
): Promise<PlanEstimate> {
  const estimate = await estimatePlan(driver, gate, sql, params);
  const over: [string, number, number, string | null][] = [];
  if (limits.maxCost !== null && (estimate.cost === null || estimate.cost > limits.maxCost)) over.push(['cost', estimate.cost ?? Number.NaN, limits.maxCost, limits.costSource]);
  if (limits.maxEstimatedRows !== null && (estimate.rows === null || estimate.rows > limits.maxEstimatedRows)) {
    over.push(['rows', estimate.rows ?? Number.NaN, limits.maxEstimatedRows, limits.rowsSource]);
  }
  if (over.length > 0) {
    const said = over
      .map(([what, value, limit, source]) =>
        Number.isNaN(value) ? `the planner gave no ${what} estimate to hold to the ${source}'s limit of ${limit}` : `${what} ${round(value)} is over the ${source}'s limit of ${limit}`,
      )
      .join('; ');
    throw new AppError(
      ErrorCode.QUERY_TOO_EXPENSIVE,
      `The planner's estimate for this statement is too high (${said}), so it was not run. Narrow it (a selective WHERE, fewer joins, a LIMIT) or ask an admin to raise the limit.`,
      {
        estimatedCost: estimate.cost === null ? null : round(estimate.cost),
        estimatedRows: estimate.rows === null ? null : round(estimate.rows),
        maxCost: limits.maxCost,
        maxEstimatedRows: limits.maxEstimatedRows,
        limitedBy: over.map(([what, , , source]) => `${source ?? 'database'}.${what === 'cost' ? 'maxCost' : 'maxEstimatedRows'}`),
      },
    );
  }
  return estimate;
}

/** The driver's own estimate; else, for the Postgres dialect, its `explain (format json)` read. */
async function estimatePlan(driver: DatabaseDriver, gate: Pick<SqlGate, 'dialect' | 'explain'>, sql: string, params: readonly unknown[]): Promise<PlanEstimate> {
  if (driver.estimate) return driver.estimate(sql, params, {});
  if (gate.dialect !== 'postgres') return { cost: null, rows: null };
  const result = await driver.execute(gate.explain(sql), params, { readOnly: true });
  const raw = Object.values(result.rows[0] ?? {})[0];
  return postgresPlanEstimate(typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw);
}

/**
 * PostgreSQL's `explain (format json)`: the top plan node's Total Cost, and the largest Plan Rows of any
 * node (the rows the biggest scan or join is expected to produce, so `count(*)` over a cross join counts).
 */
export function postgresPlanEstimate(plan: unknown): PlanEstimate {
  const top = (Array.isArray(plan) ? plan[0] : plan) as { Plan?: Record<string, unknown> } | undefined;
  const number = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  let rows: number | null = null;
  const walk = (node: Record<string, unknown> | undefined) => {
    if (!node) return;
    const here = number(node['Plan Rows']);
    if (here !== null) rows = Math.max(rows ?? 0, here);
    if (Array.isArray(node.Plans)) for (const child of node.Plans) walk(child as Record<string, unknown>);
  };
  walk(top?.Plan);
  return { cost: number(top?.Plan?.['Total Cost']), rows };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
