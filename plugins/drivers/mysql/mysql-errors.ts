import { AppError, ErrorCode, isAppError } from '../../../src/errors/app-error.js';
import { networkReason, scrub } from '../driver-errors.js';

/**
 * Sorting mysql2's errors into what Warden reports. Three kinds:
 * - the endpoint is gone (network failure, the server closed the connection): `lostConnectionReason`;
 * - the server refused to open a session (credentials, unknown database, TLS): `connectRefusal`;
 * - the server rejected or stopped a statement: `statementError`.
 * Messages never carry the password, a host or a connection string; the original goes in `cause`.
 */

/** The fields mysql2 puts on its errors (server errors have errno/sqlState; network ones a code). */
interface MysqlClientError {
  message: string;
  code?: unknown;
  errno?: unknown;
  sqlState?: unknown;
  sqlMessage?: unknown;
  fatal?: unknown;
}

const asClientError = (error: unknown): MysqlClientError | undefined =>
  error instanceof Error && !isAppError(error) ? (error as MysqlClientError) : undefined;

const errnoOf = (error: MysqlClientError): number | undefined => (typeof error.errno === 'number' ? error.errno : undefined);

/** Server error numbers this driver treats specially (MySQL and MariaDB share most of them). */
const ERRNO = {
  CON_COUNT: 1040,
  DBACCESS_DENIED: 1044,
  ACCESS_DENIED: 1045,
  BAD_DB: 1049,
  SERVER_SHUTDOWN: 1053,
  HOST_IS_BLOCKED: 1129,
  NOT_SUPPORTED_AUTH_MODE: 1251,
  OPTION_PREVENTS_STATEMENT: 1290,
  UNSUPPORTED_PS: 1295,
  ACCESS_DENIED_NO_PASSWORD: 1698,
  CANT_EXECUTE_IN_READ_ONLY_TRANSACTION: 1792,
  READ_ONLY_MODE: 1836,
  /** MariaDB: "Connection was killed" (also sent to every session when the server shuts down). */
  CONNECTION_KILLED: 1927,
  /** MariaDB: max_statement_time exceeded. */
  STATEMENT_TIMEOUT: 1969,
  /** MySQL: max_execution_time exceeded. */
  QUERY_TIMEOUT: 3024,
  /** MySQL 8.0.24+: the session was closed for being idle longer than wait_timeout. */
  CLIENT_INTERACTION_TIMEOUT: 4031,
} as const;

export const UNSUPPORTED_IN_PREPARED_STATEMENT = ERRNO.UNSUPPORTED_PS;

/** TLS failures reported by Node while setting up the secure socket. */
const TLS_CODES = new Set([
  'HANDSHAKE_SSL_ERROR',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/**
 * Why the endpoint is unusable, in words safe to show, when the error says the connection itself
 * failed or was lost (so another endpoint, or a new connection, may do better). Undefined otherwise.
 */
export function lostConnectionReason(error: unknown): string | undefined {
  const clientError = asClientError(error);
  if (clientError === undefined) return undefined;
  const network = networkReason(clientError);
  if (network !== undefined) return network;
  if (typeof clientError.code === 'string' && TLS_CODES.has(clientError.code)) return undefined;
  switch (errnoOf(clientError)) {
    case ERRNO.CON_COUNT:
      return 'the server has too many connections';
    case ERRNO.HOST_IS_BLOCKED:
      return 'the server is blocking connections from Warden after too many connection errors';
    case ERRNO.SERVER_SHUTDOWN:
      return 'the server is shutting down';
    case ERRNO.CONNECTION_KILLED:
    case ERRNO.CLIENT_INTERACTION_TIMEOUT:
      return 'the server closed the connection';
    case undefined:
      break;
    default:
      return undefined;
  }
  if (clientError.code === 'PROTOCOL_CONNECTION_LOST') return 'the server closed the connection';
  // mysql2 marks every error that leaves the connection unusable as fatal ("Can't add new command when
  // connection is in closed state", protocol errors); server errors about a statement are never fatal.
  if (clientError.fatal === true) return 'the connection was lost';
  return undefined;
}

/**
 * The server (or the TLS layer) refused to open a session: trying another endpoint would not help, so
 * this is final. Undefined when the error is not such a refusal.
 */
export function connectRefusal(error: unknown): AppError | undefined {
  if (isAppError(error)) return error;
  const clientError = asClientError(error);
  if (clientError === undefined || lostConnectionReason(clientError) !== undefined) return undefined;
  const reason = refusalReason(clientError);
  return reason === undefined ? undefined : unavailable(reason, error);
}

function refusalReason(error: MysqlClientError): string | undefined {
  switch (errnoOf(error)) {
    case ERRNO.ACCESS_DENIED:
    case ERRNO.ACCESS_DENIED_NO_PASSWORD:
      return 'the server refused the user name or password';
    case ERRNO.DBACCESS_DENIED:
      return 'the user may not use this database';
    case ERRNO.BAD_DB:
      return 'the database does not exist on the server';
    case ERRNO.NOT_SUPPORTED_AUTH_MODE:
      return 'the server asked for an authentication method this driver does not support';
    case undefined:
      break;
    default:
      return 'the server refused the connection';
  }
  if (error.code === 'AUTH_SWITCH_PLUGIN_ERROR' || error.code === 'MYSQL_CLEAR_PASSWORD_NOT_ENABLED') {
    return 'the server asked for an authentication method this driver does not support';
  }
  if (error.code === 'HANDSHAKE_NO_SSL_SUPPORT') return 'the server does not support TLS';
  if (typeof error.code === 'string' && TLS_CODES.has(error.code)) return 'the TLS connection could not be set up';
  if (error.message === 'Pool is closed.') return 'the connection was lost';
  return undefined;
}

export function unavailable(reason: string, cause: unknown): AppError {
  return new AppError(ErrorCode.DATABASE_UNAVAILABLE, `The database is unavailable: ${reason}.`, undefined, { cause });
}

export function queryTimeout(limitMs: number, cause?: unknown): AppError {
  return new AppError(
    ErrorCode.QUERY_TIMEOUT,
    `The query ran longer than ${limitMs} ms and was stopped.`,
    { timeoutMs: limitMs },
    { cause },
  );
}

export interface StatementErrorContext {
  /** The statement time limit in force, for the QUERY_TIMEOUT message. */
  limitMs: number;
  /** Strings that must not appear in a message (the password). */
  secrets: readonly (string | undefined)[];
  hosts: readonly string[];
}

/** What the server said about a statement, as the AppError the caller sees. */
export function statementError(error: unknown, context: StatementErrorContext): AppError {
  if (isAppError(error)) return error;
  const clientError = asClientError(error);
  if (clientError === undefined) {
    return new AppError(ErrorCode.INTERNAL, 'The database driver failed unexpectedly.', undefined, { cause: error });
  }
  const errno = errnoOf(clientError);
  if (errno === undefined) {
    // mysql2 checks bind parameters itself (no undefined, no functions) and throws a TypeError.
    if (clientError instanceof TypeError) {
      return new AppError(ErrorCode.BAD_USER_INPUT, `The statement's parameters are not valid: ${clientError.message}`, undefined, {
        cause: error,
      });
    }
    return new AppError(ErrorCode.INTERNAL, 'The database driver failed unexpectedly.', undefined, { cause: error });
  }
  const serverMessage = scrub(
    typeof clientError.sqlMessage === 'string' ? clientError.sqlMessage : clientError.message,
    context.secrets,
    context.hosts,
  );
  const details = { errno, ...(typeof clientError.sqlState === 'string' ? { sqlState: clientError.sqlState } : {}) };
  switch (errno) {
    case ERRNO.STATEMENT_TIMEOUT:
    case ERRNO.QUERY_TIMEOUT:
      return queryTimeout(context.limitMs, error);
    case ERRNO.CANT_EXECUTE_IN_READ_ONLY_TRANSACTION:
      return new AppError(ErrorCode.SQL_NOT_ALLOWED, 'The statement changes data, and this query may only read.', details, {
        cause: error,
      });
    case ERRNO.READ_ONLY_MODE:
    case ERRNO.OPTION_PREVENTS_STATEMENT:
      return new AppError(ErrorCode.SQL_NOT_ALLOWED, `The database server does not allow this statement: ${serverMessage}.`, details, {
        cause: error,
      });
    default:
      return new AppError(ErrorCode.BAD_USER_INPUT, `The database rejected the statement: ${serverMessage}.`, details, {
        cause: error,
      });
  }
}
