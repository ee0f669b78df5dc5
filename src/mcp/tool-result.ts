import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { INTERNAL_MESSAGE } from '../errors/format-error.js';
import type { Logger } from '../logger.js';

/** A tool's answer: its JSON as one text block (bigints as strings, so any row serialises). */
export function toolResult(value: unknown): CallToolResult {
  return { content: [{ type: 'text', text: toJson(value) }] };
}

/**
 * The MCP twin of `formatError`: an AppError keeps its code, message and details, as GraphQL's
 * `extensions` carry them, with the request id (as GraphQL's errors have it); anything else (and an AppError coded INTERNAL) becomes INTERNAL with
 * the fixed message and the request id, the original only in the log.
 */
export function toolError(error: unknown, requestId: string | null, log: Logger): CallToolResult {
  if (error instanceof AppError && error.code !== ErrorCode.INTERNAL) {
    return errorResult({ ...error.details, code: error.code, message: error.message, ...(requestId ? { requestId } : {}) });
  }
  log.error({ err: error, requestId }, 'an MCP tool call failed');
  return errorResult({ code: ErrorCode.INTERNAL, message: INTERNAL_MESSAGE, ...(requestId ? { requestId } : {}) });
}

/** An error result with our code, for failures that are not thrown by a service (bad arguments, unknown tool). */
export function errorResult(body: { code: string; message: string; [key: string]: unknown }): CallToolResult {
  const { code, message, ...details } = body;
  return { isError: true, content: [{ type: 'text', text: toJson({ code, message, ...details }) }] };
}

function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}
