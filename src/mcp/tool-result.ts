import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { INTERNAL_MESSAGE } from '../errors/format-error.js';
import type { Logger } from '../logger.js';

/**
 * A tool's answer: the object as structured content (checked by the SDK against the tool's output
 * schema) and the same JSON as one text block, for clients that read text only. Bigints become strings,
 * so any row serialises; both forms hold the same values.
 */
export function toolResult(value: Record<string, unknown>): CallToolResult {
  const text = toJson(value);
  return { content: [{ type: 'text', text }], structuredContent: JSON.parse(text) as Record<string, unknown> };
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
