import { z } from 'zod';
import { AppError, ErrorCode } from '../errors/app-error.js';

/**
 * Per-database limits on what one query may cost the gateway; null: no limit of the database's own
 * (the gateway-wide settings still apply). Kept in databases.config next to the pool settings.
 */
export interface DatabaseLimits {
  /** Bytes one answer (runQuery, rows, askDatabase, MCP) may carry; lower than WARDEN_MAX_RESULT_BYTES to take effect. */
  maxResultBytes: number | null;
  /** Bytes one export or scheduled run may write; lower than WARDEN_EXPORT_MAX_BYTES to take effect. */
  maxExportBytes: number | null;
  /** The planner's estimated total cost a statement may have (PostgreSQL cost units; MySQL/MariaDB query cost). */
  maxCost: number | null;
  /** The rows the planner may estimate a statement reads or returns. */
  maxEstimatedRows: number | null;
}

export const NO_DATABASE_LIMITS: DatabaseLimits = { maxResultBytes: null, maxExportBytes: null, maxCost: null, maxEstimatedRows: null };

/** Changes to the limits: absent keeps the current value, null removes the limit. */
export type DatabaseLimitsChanges = { [K in keyof DatabaseLimits]?: number | null | undefined };

const bytes = z.number().int().min(1_024).max(Number.MAX_SAFE_INTEGER).nullable();
export const limitsSchema = z.object({
  maxResultBytes: bytes,
  maxExportBytes: bytes,
  maxCost: z.number().positive().max(Number.MAX_SAFE_INTEGER).nullable(),
  maxEstimatedRows: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).nullable(),
});

export function resolveLimits(input: DatabaseLimitsChanges | null | undefined, base: DatabaseLimits = NO_DATABASE_LIMITS): DatabaseLimits {
  const merged = { ...NO_DATABASE_LIMITS, ...base, ...Object.fromEntries(Object.entries(input ?? {}).filter(([, v]) => v !== undefined)) };
  const result = limitsSchema.safeParse(merged);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new AppError(ErrorCode.BAD_USER_INPUT, `The limits are not valid: ${problems.join('; ')}.`, { field: 'limits' });
  }
  return result.data;
}

/** The smallest of the limits given (null ones ignored); null when none is set. */
export function tightest(...limits: (number | null | undefined)[]): number | null {
  const set = limits.filter((l): l is number => typeof l === 'number');
  return set.length === 0 ? null : Math.min(...set);
}
