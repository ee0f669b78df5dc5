import { AppError, ErrorCode } from '../errors/app-error.js';
import type { ConditionChecker } from './grant.service.js';

/**
 * The SQL gate per engine: parse, classify, resolve, check, rewrite. Engines without a gate (MongoDB)
 * take no SQL at all.
 */
export class SqlGateService implements ConditionChecker {
  async checkRowFilter(engine: string, _predicate: string, _table: { schema: string; name: string; columns: string[] }): Promise<void> {
    throw notYet(engine);
  }

  async checkMask(engine: string, _expression: string, _table: { schema: string; name: string; columns: string[] }): Promise<void> {
    throw notYet(engine);
  }
}

function notYet(engine: string): AppError {
  return new AppError(ErrorCode.SQL_NOT_ALLOWED, `Row filters and masks are not available for ${engine} databases yet.`);
}
