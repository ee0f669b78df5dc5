/**
 * What services tell the operator about their work: counts for /metrics and spans for traces. Services
 * depend on this interface only; src/telemetry/gateway-telemetry.ts implements it with prom-client and
 * OpenTelemetry, and NO_TELEMETRY does nothing (unit tests, `warden mcp`). Labels are bounded by
 * construction: codes, names an admin gave, never what an agent sent.
 */

export type SpanAttributes = Record<string, string | number | boolean | undefined>;

/** The span a piece of work runs in; setting on the no-op one does nothing. */
export interface SpanHandle {
  set(attributes: SpanAttributes): void;
}

export interface GateDecision {
  /** What the audit calls the call: runQuery, explainQuery, rows, askDatabase, export… (named in code). */
  action: string;
  decision: 'ALLOWED' | 'DENIED' | 'FAILED';
  /** The error code of a refusal or failure. */
  code: string | undefined;
  /** Set once the database is known to the caller (an id an agent made up is never a label). */
  databaseId: string | undefined;
}

export interface LlmCall {
  /** The provider's registered name. */
  provider: string;
  /** The model as registered. */
  model: string;
  /** `ok`, or the error code the call ended with. */
  outcome: string;
  promptTokens: number;
  completionTokens: number;
  seconds: number;
}

export interface Telemetry {
  /** A decision on one statement: the SQL gate, the grants and the limits. */
  gateDecision(decision: GateDecision): void;
  /** A query refused by a rate limit; `limit` is which (perMinute, perHour, perDay, maxConcurrent). */
  rateLimited(limit: string): void;
  /** One statement run on a target database (after the gate). */
  databaseQuery(databaseId: string, kind: 'READ' | 'WRITE', seconds: number): void;
  /** One language model call, retries included. */
  llmCall(call: LlmCall): void;
  /**
   * Runs `work` in a span, a child of the current one (the GraphQL operation's, when there is one). Without
   * tracing, `work` runs as it is. Attributes never carry SQL, parameters, keys or questions.
   */
  span<T>(name: string, kind: 'internal' | 'client', attributes: SpanAttributes, work: (span: SpanHandle) => Promise<T>): Promise<T>;
}

export const NO_SPAN: SpanHandle = { set: () => undefined };

export const NO_TELEMETRY: Telemetry = {
  gateDecision: () => undefined,
  rateLimited: () => undefined,
  databaseQuery: () => undefined,
  llmCall: () => undefined,
  span: (_name, _kind, _attributes, work) => work(NO_SPAN),
};
