/** Every error Warden reports on purpose carries one of these codes (DESIGN.md, "Errors"). */
export enum ErrorCode {
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  SQL_SYNTAX = 'SQL_SYNTAX',
  SQL_NOT_ALLOWED = 'SQL_NOT_ALLOWED',
  QUERY_TIMEOUT = 'QUERY_TIMEOUT',
  ROW_LIMIT = 'ROW_LIMIT',
  RATE_LIMITED = 'RATE_LIMITED',
  DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE',
  LLM_UNAVAILABLE = 'LLM_UNAVAILABLE',
  LLM_BAD_OUTPUT = 'LLM_BAD_OUTPUT',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  /** An export could not reach its destination (a webhook receiver or a bucket); the message says why. */
  DELIVERY_FAILED = 'DELIVERY_FAILED',
  /**
   * Warden's own store (agents, keys, grants, audit) could not be reached or is saturated; nothing was
   * done. Retryable: the error carries `retryable: true` and `retryAfterSeconds`.
   */
  STORE_UNAVAILABLE = 'STORE_UNAVAILABLE',
  /** The planner's estimate (cost or rows) is over a limit set on the database or a grant; nothing ran. */
  QUERY_TOO_EXPENSIVE = 'QUERY_TOO_EXPENSIVE',
  /**
   * askDatabase could not tell what the question is about: no table the agent may read matches it
   * (`candidates` names a few likely ones), or the model said the tables cannot answer it
   * (`modelAnswer`). Nothing ran; ask again more precisely.
   */
  NEEDS_CLARIFICATION = 'NEEDS_CLARIFICATION',
  INTERNAL = 'INTERNAL',
}

/** One denied resource in a FORBIDDEN error. */
export interface DeniedResource {
  resource: string;
  needed: string;
  reason: string;
}

/** Structured, client-safe details attached to an error's `extensions`. */
export interface AppErrorDetails {
  denied?: DeniedResource[];
  retryAfterSeconds?: number;
  position?: number;
  field?: string;
  [key: string]: unknown;
}

/**
 * The only error services, drivers and the SQL gate throw. Its message and details are shown to the
 * caller as they are, so they must never hold a secret; put the underlying error in `cause`, which is
 * only ever logged.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: AppErrorDetails | undefined;

  constructor(code: ErrorCode, message: string, details?: AppErrorDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
