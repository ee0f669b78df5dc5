import type { PlanEstimate } from '../driver.js';

/**
 * The estimate in an `EXPLAIN FORMAT=JSON` plan. Cost: MySQL's query_block.cost_info.query_cost,
 * MariaDB 11's query_block.cost, else the session's Last_query_cost after the EXPLAIN (MariaDB 10; 0 when
 * the server could not say, e.g. for a UNION: then the rows stand in for the cost). Rows: what the tables'
 * estimates multiply to along each nested loop (rows a join may examine), added up across query blocks.
 */
export function mysqlPlanEstimate(planJson: unknown, lastQueryCost: number | null): PlanEstimate {
  const plan = typeof planJson === 'string' ? (JSON.parse(planJson) as unknown) : planJson;
  const block = (plan as { query_block?: Record<string, unknown> } | null)?.query_block;
  const rows = block ? rowsOf(block) : null;
  const reported = numberOf((block?.cost_info as { query_cost?: unknown } | undefined)?.query_cost) ?? numberOf(block?.cost);
  const cost = reported ?? (lastQueryCost !== null && lastQueryCost > 0 ? lastQueryCost : rows);
  return { cost, rows };
}

function rowsOf(node: unknown): number | null {
  if (Array.isArray(node)) return sum(node.map(rowsOf));
  if (typeof node !== 'object' || node === null) return null;
  const object = node as Record<string, unknown>;
  if (Array.isArray(object.nested_loop)) {
    const parts = object.nested_loop.map(rowsOf).filter((n): n is number => n !== null);
    return parts.length === 0 ? null : Math.min(parts.reduce((a, b) => a * b, 1), Number.MAX_VALUE);
  }
  if (typeof object.table_name === 'string') {
    const rows = numberOf(object.rows_examined_per_scan) ?? numberOf(object.rows);
    if (rows !== null) return rows;
  }
  return sum(Object.values(object).map(rowsOf));
}

function sum(values: (number | null)[]): number | null {
  const set = values.filter((n): n is number => n !== null);
  return set.length === 0 ? null : set.reduce((a, b) => a + b, 0);
}

function numberOf(value: unknown): number | null {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}
