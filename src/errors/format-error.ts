import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { AppError, ErrorCode } from './app-error.js';

/** Errors Apollo and graphql-js raise for a bad request; reported to the caller as BAD_USER_INPUT. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

const OUR_CODES = new Set<string>(Object.values(ErrorCode));

export const INTERNAL_MESSAGE = 'Unexpected error. Quote the request id to your administrator; the details are in the log.';

/**
 * The one mapping from anything thrown to what a client sees. AppErrors keep their code, message and
 * details; request errors become BAD_USER_INPUT with the parser's or validator's words; everything else
 * is INTERNAL with a fixed message (no stack, no SQL, no host — the original goes only to the log).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const where = {
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
  };
  // Set by the server on errors raised before a request context exists; kept so the log can be searched.
  const requestId = formatted.extensions?.requestId;
  const trace = typeof requestId === 'string' ? { requestId } : {};
  const original = unwrapResolverError(error);
  if (original instanceof AppError) {
    if (original.code === ErrorCode.INTERNAL) {
      return { message: INTERNAL_MESSAGE, ...where, extensions: { code: ErrorCode.INTERNAL, ...trace } };
    }
    return { message: original.message, ...where, extensions: { ...original.details, code: original.code, ...trace } };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && OUR_CODES.has(code) && code !== ErrorCode.INTERNAL) {
    // Raised by the server itself (before a resolver, e.g. while checking the key): only the retry hints are kept.
    const { retryable, retryAfterSeconds } = formatted.extensions ?? {};
    const retry = { ...(retryable === true ? { retryable } : {}), ...(typeof retryAfterSeconds === 'number' ? { retryAfterSeconds } : {}) };
    return { message: formatted.message, ...where, extensions: { code, ...retry, ...trace } };
  }
  if (typeof code === 'string' && REQUEST_ERROR_CODES.has(code)) {
    return { message: formatted.message, ...where, extensions: { code: ErrorCode.BAD_USER_INPUT, reason: code, ...trace } };
  }
  return { message: INTERNAL_MESSAGE, ...where, extensions: { code: ErrorCode.INTERNAL, ...trace } };
}

/** Whether an error would be masked as INTERNAL (and so must be logged in full). */
export function isInternal(error: unknown): boolean {
  const original = unwrapResolverError(error);
  if (original instanceof AppError) return original.code === ErrorCode.INTERNAL;
  const code = (error as { extensions?: { code?: unknown } } | null)?.extensions?.code;
  return !(typeof code === 'string' && (OUR_CODES.has(code) || REQUEST_ERROR_CODES.has(code)));
}
