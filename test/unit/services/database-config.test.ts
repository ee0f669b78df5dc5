import { describe, expect, it } from 'vitest';
import { DEFAULT_POOL_SETTINGS } from '../../../plugins/drivers/driver.js';
import { AppError, ErrorCode } from '../../../src/errors/app-error.js';
import { readStoredConfig } from '../../../src/services/database-config.js';
import { NO_DATABASE_LIMITS } from '../../../src/services/database-limits.js';

describe('stored database configuration', () => {
  it('reads a row written before limits existed with no limits of its own', () => {
    const stored = readStoredConfig('db_old', { settings: { host: 'db', port: 5432 }, pool: { ...DEFAULT_POOL_SETTINGS, maxConnections: 4 } });
    expect(stored.settings).toEqual({ host: 'db', port: 5432 });
    expect(stored.pool.maxConnections).toBe(4);
    expect(stored.limits).toEqual(NO_DATABASE_LIMITS);
  });

  it('fills pool settings a row does not carry from the defaults, and keeps the ones it does', () => {
    const stored = readStoredConfig('db_1', { settings: {}, pool: { statementTimeoutMs: 5_000 }, limits: { maxCost: 1e6 } });
    expect(stored.pool).toEqual({ ...DEFAULT_POOL_SETTINGS, statementTimeoutMs: 5_000 });
    expect(stored.limits).toEqual({ ...NO_DATABASE_LIMITS, maxCost: 1e6 });
  });

  it('refuses a damaged row as INTERNAL, naming the database and the fields but not the values', () => {
    const damaged = { settings: 'host=secret-host password=hunter2', pool: { maxConnections: -3 }, limits: { maxResultBytes: 'lots' } };
    let error: unknown;
    try {
      readStoredConfig('db_broken', damaged);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe(ErrorCode.INTERNAL);
    const message = (error as AppError).message;
    expect(message).toContain('db_broken');
    expect(message).toContain('settings');
    expect(message).toContain('pool.maxConnections');
    expect(message).not.toMatch(/hunter2|secret-host|lots|-3/);
  });

  it('refuses a row that is not an object', () => {
    expect(() => readStoredConfig('db_x', null)).toThrow(/db_x/);
    expect(() => readStoredConfig('db_x', [1, 2])).toThrow(AppError);
  });
});
