import { z } from 'zod';
import { DEFAULT_POOL_SETTINGS, type AnyDriverFactory, type PoolSettings } from '../../plugins/drivers/driver.js';
import type { Endpoint } from '../../plugins/drivers/endpoints.js';
import type { DriverRegistry } from '../../plugins/drivers/registry.js';
import { AppError, ErrorCode } from '../errors/app-error.js';

/** How a caller describes a connection: a connection string, fields, or both (fields win). */
export interface ConnectionInput {
  engine?: string | null | undefined;
  connectionString?: string | null | undefined;
  endpoints?: Endpoint[] | null | undefined;
  host?: string | null | undefined;
  port?: number | null | undefined;
  database?: string | null | undefined;
  user?: string | null | undefined;
  password?: string | null | undefined;
  ssl?: boolean | 'no-verify' | null | undefined;
  dataDir?: string | null | undefined;
  /** Engine-specific settings (e.g. MongoDB's authSource). */
  settings?: Record<string, unknown> | null | undefined;
}

export const poolSettingsSchema = z.object({
  maxConnections: z.number().int().min(1).max(200),
  idleTimeoutMs: z.number().int().min(1_000).max(3_600_000),
  acquireTimeoutMs: z.number().int().min(100).max(120_000),
  connectTimeoutMs: z.number().int().min(100).max(120_000),
  statementTimeoutMs: z.number().int().min(100).max(3_600_000),
});

export interface ResolvedConnection {
  engine: string;
  factory: AnyDriverFactory;
  /** Every setting, credentials included, as the driver's schema accepted it. */
  settings: Record<string, unknown>;
}

/** Works out the engine and the driver settings from what the caller gave, on top of `base` (for updates). */
export function resolveConnection(
  drivers: DriverRegistry,
  input: ConnectionInput,
  base?: { engine: string; settings: Record<string, unknown> },
): ResolvedConnection {
  const connectionString = input.connectionString?.trim() || undefined;
  const engine =
    input.engine ?? (connectionString ? drivers.engineForConnectionString(connectionString) : undefined) ?? base?.engine;
  if (!engine) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, 'Say which engine this is (engine: postgres, mysql, pglite, mongodb), or give a connection string.', {
      field: 'engine',
    });
  }
  const factory = drivers.get(engine);
  if (base && base.engine !== engine) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, 'A database cannot change engine; remove it and connect it again.', { field: 'engine' });
  }
  let parsed: Record<string, unknown> = {};
  if (connectionString) {
    if (!factory.parseConnectionString) {
      throw new AppError(ErrorCode.BAD_USER_INPUT, `The ${engine} driver does not take connection strings; give the settings as fields.`, {
        field: 'connectionString',
      });
    }
    parsed = factory.parseConnectionString(connectionString);
  }
  if (input.port !== undefined && input.port !== null && !input.host) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, 'Give host together with port (or use endpoints).', { field: 'host' });
  }
  const endpoints =
    input.endpoints && input.endpoints.length > 0
      ? input.endpoints
      : input.host
        ? [{ host: input.host, port: input.port ?? factory.defaultPort ?? 0 }]
        : undefined;
  const explicit = Object.fromEntries(
    Object.entries({
      endpoints,
      database: input.database,
      user: input.user,
      password: input.password,
      ssl: input.ssl,
      dataDir: input.dataDir,
      ...(input.settings ?? {}),
    }).filter(([, value]) => value !== undefined && value !== null),
  );
  // A new connection string replaces the old connection; fields alone adjust it.
  const merged = { ...(connectionString ? {} : (base?.settings ?? {})), ...parsed, ...explicit };
  const result = factory.configSchema.safeParse(merged);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || 'settings'}: ${issue.message}`);
    throw new AppError(ErrorCode.BAD_USER_INPUT, `The ${engine} settings are not valid: ${problems.join('; ')}.`, {
      field: String(result.error.issues[0]?.path[0] ?? 'settings'),
    });
  }
  return { engine, factory, settings: result.data as Record<string, unknown> };
}

/** Pool settings to change; absent or null keeps the current value. */
export type PoolSettingsChanges = { [K in keyof PoolSettings]?: number | null | undefined };

export function resolvePool(input: PoolSettingsChanges | null | undefined, base: PoolSettings = DEFAULT_POOL_SETTINGS): PoolSettings {
  const merged = { ...base, ...Object.fromEntries(Object.entries(input ?? {}).filter(([, v]) => v !== undefined && v !== null)) };
  const result = poolSettingsSchema.safeParse(merged);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new AppError(ErrorCode.BAD_USER_INPUT, `The pool settings are not valid: ${problems.join('; ')}.`, { field: 'pool' });
  }
  return result.data;
}

/** Splits settings into what may be stored in the clear and what must be sealed. */
export function splitSecrets(
  factory: AnyDriverFactory,
  settings: Record<string, unknown>,
): { open: Record<string, unknown>; secret: Record<string, unknown> } {
  const open: Record<string, unknown> = {};
  const secret: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings)) (factory.secretFields.includes(key) ? secret : open)[key] = value;
  return { open, secret };
}
