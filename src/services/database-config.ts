import { z } from 'zod';
import { DEFAULT_POOL_SETTINGS, type PoolSettings } from '../../plugins/drivers/driver.js';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { limitsSchema, NO_DATABASE_LIMITS, type DatabaseLimits } from './database-limits.js';
import { poolSettingsSchema } from './database-settings.js';

/** What is stored in databases.config: settings that are not secret, pool settings and limits. */
export interface StoredConfig {
  settings: Record<string, unknown>;
  pool: PoolSettings;
  limits: DatabaseLimits;
}

/**
 * Read back with the same bounds the API checks on the way in. Keys a newer release added are
 * optional, so a row written before them reads with the defaults (limits came after pools).
 */
const storedConfigSchema = z.object({
  settings: z.record(z.string(), z.unknown()).default({}),
  pool: poolSettingsSchema.partial().default({}),
  limits: limitsSchema.partial().default({}),
});

/**
 * The stored configuration of one database. A row that does not parse is the store's fault, not the
 * caller's: INTERNAL, naming the database but none of the values.
 */
export function readStoredConfig(databaseId: string, config: unknown): StoredConfig {
  const parsed = storedConfigSchema.safeParse(config);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(root)'))];
    throw new AppError(ErrorCode.INTERNAL, `The stored configuration of database ${databaseId} is not valid (${fields.join(', ')}).`);
  }
  return {
    settings: parsed.data.settings,
    pool: { ...DEFAULT_POOL_SETTINGS, ...parsed.data.pool },
    limits: { ...NO_DATABASE_LIMITS, ...parsed.data.limits },
  };
}
