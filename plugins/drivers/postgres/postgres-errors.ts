import { AppError, ErrorCode } from '../../../src/errors/app-error.js';
import { scrub } from '../driver-errors.js';

interface PgError {
  code?: string;
  message?: string;
  position?: string;
}

/**
 * Why a connection could not be opened, in words safe to show, when the failure means "try another
 * endpoint"; undefined otherwise. Authentication and missing-database failures are not endpoint
 * failures: every endpoint would say the same.
 */
export function postgresConnectReason(error: unknown): string | undefined {
  const e = error as PgError & { message?: string };
  if (e?.code === '57P01' || e?.code === '57P02' || e?.code === '57P03') return 'the server is shutting down or starting up';
  if (typeof e?.message === 'string' && /timeout exceeded when trying to connect|Connection terminated/i.test(e.message)) {
    return 'connecting timed out';
  }
  return undefined;
}

/** Turns whatever pg or PGlite threw into an AppError a client may see. */
export function postgresError(error: unknown, secrets: readonly (string | undefined)[], hosts: readonly string[], timeoutMs: number): AppError {
  if (error instanceof AppError) return error;
  const e = error as PgError;
  const message = scrub(typeof e?.message === 'string' ? e.message : 'unknown error', secrets, hosts);
  switch (e?.code) {
    case '57014':
      return new AppError(ErrorCode.QUERY_TIMEOUT, `The query ran longer than ${timeoutMs} ms and was stopped.`, { timeoutMs }, { cause: error });
    case '25006':
      return new AppError(ErrorCode.SQL_NOT_ALLOWED, 'The statement tried to write inside a read-only transaction.', undefined, { cause: error });
    case '28P01':
    case '28000':
      return new AppError(ErrorCode.DATABASE_UNAVAILABLE, 'The database is unavailable: the server refused the user name or password.', undefined, { cause: error });
    case '3D000':
      return new AppError(ErrorCode.DATABASE_UNAVAILABLE, 'The database is unavailable: the server has no database by that name.', undefined, { cause: error });
    case '53300':
      return new AppError(ErrorCode.DATABASE_UNAVAILABLE, 'The database is unavailable: the server has too many connections.', undefined, { cause: error });
    default:
      break;
  }
  if (typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) {
    const position = e.position ? Number(e.position) : undefined;
    return new AppError(ErrorCode.BAD_USER_INPUT, `The database rejected the statement: ${message}.`, {
      sqlState: e.code,
      ...(position ? { position } : {}),
    }, { cause: error });
  }
  return new AppError(ErrorCode.DATABASE_UNAVAILABLE, `The database is unavailable: ${message}.`, undefined, { cause: error });
}
