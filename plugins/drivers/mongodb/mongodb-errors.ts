import {
  MongoAPIError,
  MongoError,
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoOperationTimeoutError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import { AppError, ErrorCode } from '../../../src/errors/app-error.js';
import { networkReason, scrub } from '../driver-errors.js';

/** What an error message must never show, and what the timeout was (for QUERY_TIMEOUT's words). */
export interface MongoErrorContext {
  secrets: readonly (string | undefined)[];
  hosts: readonly string[];
  timeoutMs?: number | undefined;
}

/** Server error codes meaning "this server cannot serve now", not "your query is wrong". */
const UNAVAILABLE_CODES = new Set([6, 7, 89, 91, 189, 9001, 10107, 11600, 11602, 13435, 13436]);
const AUTHENTICATION_FAILED = 18;
const UNAUTHORIZED = 13;
const MAX_TIME_MS_EXPIRED = 50;

export const WRONG_CREDENTIALS = 'the server refused the user name or password';

/**
 * A Node driver error as the AppError Warden shows: QUERY_TIMEOUT for a query stopped by maxTimeMS,
 * DATABASE_UNAVAILABLE for network, server selection, pool, authentication and privilege failures,
 * BAD_USER_INPUT for anything else the server says about the query, INTERNAL otherwise. Messages are
 * scrubbed of secrets and hosts; the original is kept as `cause` (logged, never shown).
 */
export function toAppError(error: unknown, context: MongoErrorContext): AppError {
  if (error instanceof AppError) return error;
  const options = { cause: error };
  if (chainOf(error).some(isAuthenticationFailure)) {
    return new AppError(ErrorCode.DATABASE_UNAVAILABLE, `The database is unavailable: ${WRONG_CREDENTIALS}.`, undefined, options);
  }
  if (isTimeout(error)) {
    const limit = context.timeoutMs === undefined ? 'its time limit' : `${context.timeoutMs} ms`;
    return new AppError(
      ErrorCode.QUERY_TIMEOUT,
      `The query ran longer than ${limit} and was stopped; narrow the filter or ask for fewer rows.`,
      undefined,
      options,
    );
  }
  if (error instanceof MongoServerError && codeOf(error) === UNAUTHORIZED) {
    return new AppError(
      ErrorCode.DATABASE_UNAVAILABLE,
      'The database refused the operation: the configured user lacks the privilege for it.',
      undefined,
      options,
    );
  }
  const unavailable = unavailableReason(error, context);
  if (unavailable !== undefined) {
    return new AppError(ErrorCode.DATABASE_UNAVAILABLE, `The database is unavailable: ${unavailable}.`, undefined, options);
  }
  if (error instanceof MongoServerError) {
    const words = scrub(error.message, context.secrets, context.hosts) || 'no reason given';
    return new AppError(ErrorCode.BAD_USER_INPUT, `MongoDB rejected the query: ${words}.`, { serverCode: codeOf(error) }, options);
  }
  return new AppError(ErrorCode.INTERNAL, 'The MongoDB driver failed unexpectedly.', undefined, options);
}

/**
 * Words safe to show for an error that means the database cannot be reached or used now, or undefined
 * when the error is not one of those. Also used to mark an endpoint down in status().
 */
export function unavailableReason(error: unknown, context: MongoErrorContext): string | undefined {
  if (error instanceof AppError) return undefined;
  const chain = chainOf(error);
  if (chain.some(isAuthenticationFailure)) return WRONG_CREDENTIALS;
  if (!chain.some(isUnavailable)) return undefined;
  for (const link of chain) {
    const reason = networkReason(link);
    if (reason !== undefined) return reason;
  }
  if (chain.some((link) => link instanceof Error && link.name === 'MongoWaitQueueTimeoutError')) {
    return 'no connection to it was free in time (the pool is busy); try again shortly';
  }
  if (chain.some((link) => link instanceof MongoTopologyClosedError || (link instanceof Error && link.name === 'MongoClientClosedError'))) {
    return 'the connection to it is closed';
  }
  if (chain.some((link) => link instanceof MongoNetworkTimeoutError)) return 'the server did not answer in time';
  if (error instanceof MongoServerSelectionError) return 'no server answered in time (is it running, and reachable?)';
  const words = error instanceof Error ? scrub(error.message, context.secrets, context.hosts) : '';
  return words === '' ? 'the connection failed' : words;
}

/** The error, its causes, and the per-server errors a server-selection error carries (bounded). */
function chainOf(error: unknown): unknown[] {
  const chain: unknown[] = [];
  const pending: unknown[] = [error];
  while (pending.length > 0 && chain.length < 32) {
    const link = pending.shift();
    if (link === undefined || link === null || chain.includes(link)) continue;
    chain.push(link);
    if (typeof link !== 'object') continue;
    pending.push((link as { cause?: unknown }).cause);
    const servers = (link as { reason?: { servers?: unknown } }).reason?.servers;
    if (servers instanceof Map) for (const server of servers.values()) pending.push((server as { error?: unknown }).error);
  }
  return chain;
}

function isAuthenticationFailure(error: unknown): boolean {
  if (!(error instanceof MongoError)) return false;
  return codeOf(error) === AUTHENTICATION_FAILED || (error as MongoServerError).codeName === 'AuthenticationFailed';
}

function isTimeout(error: unknown): boolean {
  if (error instanceof MongoOperationTimeoutError) return true;
  return error instanceof MongoServerError && (codeOf(error) === MAX_TIME_MS_EXPIRED || error.codeName === 'MaxTimeMSExpired');
}

function isUnavailable(error: unknown): boolean {
  if (error instanceof MongoServerError) return UNAVAILABLE_CODES.has(codeOf(error) ?? -1);
  if (error instanceof MongoNetworkError || error instanceof MongoServerSelectionError) return true;
  if (error instanceof MongoTopologyClosedError) return true;
  if (error instanceof MongoAPIError && (error.name === 'MongoNotConnectedError' || error.name === 'MongoClientClosedError')) return true;
  if (error instanceof Error && (error.name === 'MongoWaitQueueTimeoutError' || error.name === 'MongoPoolClosedError')) return true;
  return networkReason(error) !== undefined;
}

function codeOf(error: MongoError): number | undefined {
  return typeof error.code === 'number' ? error.code : undefined;
}
