import { AppError, ErrorCode } from '../errors/app-error.js';
import type { SqlDialect } from './analysis.js';
import type { SqlGate } from './gate.js';
import { createMysqlGate } from './mysql/mysql-gate.js';
import { createPostgresGate } from './postgres/postgres-gate.js';

/** One gate per dialect a driver may declare: adding a dialect to the driver SDK without its gate does not compile. */
const GATES: Readonly<Record<SqlDialect, SqlGate>> = { postgres: createPostgresGate(), mysql: createMysqlGate() };

/**
 * The SQL gate for a dialect, as a database's driver declares it (DatabaseDriver.sqlDialect). A dialect
 * with no gate (a driver written against a newer SDK, say) takes no SQL: SQL_NOT_ALLOWED.
 */
export function sqlGateFor(dialect: SqlDialect): SqlGate {
  if (!Object.hasOwn(GATES, dialect)) {
    throw new AppError(ErrorCode.SQL_NOT_ALLOWED, `Warden has no SQL gate for the ${String(dialect)} dialect, so its statements cannot be checked and are refused.`);
  }
  return GATES[dialect];
}
