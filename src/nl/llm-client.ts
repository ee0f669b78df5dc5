import { APIConnectionError, APIConnectionTimeoutError, APIError, OpenAI } from 'openai';
import { AppError, ErrorCode } from '../errors/app-error.js';
import type { Logger } from '../logger.js';
import { backoffDelayMs } from '../net/backoff.js';
import { egressDenialOf } from '../net/egress-guard.js';
import { NO_TELEMETRY, type Telemetry } from '../telemetry/telemetry.js';
import type { ChatMessage } from './nl-types.js';

/**
 * One OpenAI-compatible chat endpoint (OpenAI, Azure-style gateways, vLLM, Ollama, llama.cpp, LM
 * Studio…), called through the official `openai` client, which makes the retries (`maxRetries`). What
 * it does not know is supplied through the fetch it is given (see `#send`): each attempt's deadline,
 * which failures are worth a retry, and how long to wait before it (the provider's retry policy), told
 * to the client in the headers it obeys (`x-should-retry`, `retry-after-ms`). This is the only module
 * that imports `openai`.
 *
 * Secrets: the API key goes only into the client (sent as `Authorization: Bearer …`). Errors name the
 * provider by its registered name, never the key and never the base URL; the provider's own error text
 * is only ever passed on with the key scrubbed out, and the raw `openai` error is never kept as a cause
 * (its body may echo part of the key).
 */

export type RetryPolicy = 'fixed' | 'linear' | 'exponential';

export interface LlmProviderSettings {
  /** The registered provider's id; null for one configured by environment variables. */
  id: string | null;
  /** The provider's name, as errors and logs show it. */
  name: string;
  /** Up to and including the API version segment, e.g. http://127.0.0.1:11434/v1. */
  baseUrl: string;
  model: string;
  /** Null for a local model that needs none. */
  apiKey: string | null;
  temperature: number;
  maxTokens: number;
  /** The deadline of one attempt, from sending the request to having read the whole reply. */
  timeoutMs: number;
  retry: { policy: RetryPolicy; maxRetries: number; delayMs: number };
}

export interface ChatOptions {
  /** Overrides the provider's temperature for this call. */
  temperature?: number;
  /** Overrides the provider's max tokens for this call. */
  maxTokens?: number;
  /** Cancels the call (and any retry still to come). */
  signal?: AbortSignal;
}

export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface ChatResult {
  text: string;
  /** As the provider reported it for the attempt that succeeded; 0 where it reported nothing. */
  usage: ChatUsage;
  /** Wall time of the whole call, retries and the waits between them included. */
  latencyMs: number;
  /** 1 when the first attempt succeeded. */
  attempts: number;
  /** The model that answered, as the provider names it. */
  model: string;
  /** `stop`, `length` (cut at max tokens), …; null when not reported. */
  finishReason: string | null;
}

export interface LlmClientOptions {
  /** Retries are logged here (provider name, attempt, reason, wait; never the key). */
  log?: Logger;
  /** For tests: the jitter source, in [0, 1). */
  random?: () => number;
  /**
   * The fetch the client sends with; the provider service gives the egress guard's, which checks the
   * address the base URL's host resolves to as each connection is made. Default: the global fetch.
   */
  fetch?: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  /** Each call's tokens, time and outcome for /metrics, and a span for traces (never the prompt or reply). */
  telemetry?: Pick<Telemetry, 'llmCall' | 'span'>;
}

/** No single wait between attempts is longer than this, whatever the policy says. */
export const MAX_RETRY_DELAY_MS = 60_000;

/**
 * The wait before retry number `retry` (1 for the first retry): fixed — `delayMs` each time; linear —
 * `delayMs × retry`; exponential — `delayMs × 2^(retry-1)` with "equal jitter" (a random point in its
 * upper half, so replicas retrying together spread out but never retry at once). Capped at a minute.
 */
export function retryDelayMs(policy: RetryPolicy, delayMs: number, retry: number, random: () => number = Math.random): number {
  if (policy === 'exponential') return backoffDelayMs(retry, { baseMs: delayMs, capMs: MAX_RETRY_DELAY_MS, jitter: 'equal' }, random);
  return Math.min(policy === 'fixed' ? delayMs : delayMs * retry, MAX_RETRY_DELAY_MS);
}

/** Why an attempt failed, classified. */
interface AttemptFailure {
  kind: 'timeout' | 'network' | 'egress' | 'refused-key' | 'rate-limited' | 'server' | 'rejected' | 'bad-output' | 'cancelled';
  retryable: boolean;
  /** Short and free of secrets: `HTTP 503`, `ECONNREFUSED`, `timed out after 5000 ms`. */
  summary: string;
  status?: number;
  /** From a 429's Retry-After, when it gave one. */
  retryAfterMs?: number;
  /** The provider's own words (key scrubbed, shortened), for a request it rejected. */
  providerMessage?: string;
  /** Why the egress policy refused the address (it never names the host). */
  egressReason?: string;
}

/** One chat call as its attempts go: how many were made, and why the last failed when no reply came. */
interface CallState {
  attempts: number;
  /** Set when the latest attempt got no HTTP reply (timeout, network, egress); cleared at each attempt. */
  unanswered: AttemptFailure | undefined;
  /** The caller's signal: a cancellation is passed on to the client as it is, never retried. */
  signal: AbortSignal | undefined;
}

export class LlmClient {
  readonly #client: OpenAI;
  readonly #settings: LlmProviderSettings;
  readonly #maxAttempts: number;
  readonly #log: Logger | undefined;
  readonly #random: () => number;
  readonly #fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  readonly #telemetry: Pick<Telemetry, 'llmCall' | 'span'>;

  constructor(settings: LlmProviderSettings, options: LlmClientOptions = {}) {
    this.#settings = { ...settings, retry: { ...settings.retry } };
    this.#maxAttempts = 1 + Math.max(0, Math.floor(settings.retry.maxRetries));
    this.#telemetry = options.telemetry ?? NO_TELEMETRY;
    this.#log = options.log;
    this.#random = options.random ?? Math.random;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#client = new OpenAI({
      baseURL: settings.baseUrl,
      apiKey: settings.apiKey ?? 'not-needed',
      // A backstop only: each attempt's own deadline (in #send) comes first, and covers reading the reply too.
      timeout: 2 * settings.timeoutMs + 1_000,
      maxRetries: this.#maxAttempts - 1,
      // Nothing from OPENAI_* environment variables: the provider is exactly what was registered.
      organization: null,
      project: null,
      webhookSecret: null,
      adminAPIKey: null,
      // The client's own logger would write to the console; we log retries ourselves, without secrets.
      logLevel: 'off',
    });
  }

  /** The registered provider's id; null for one configured by environment variables. */
  get providerId(): string | null {
    return this.#settings.id;
  }

  /** The provider's registered name. */
  get name(): string {
    return this.#settings.name;
  }

  get model(): string {
    return this.#settings.model;
  }

  /**
   * One chat completion. Retries network errors, timeouts, 429 and 5xx by the provider's policy; not
   * other 4xx. Throws AppError: LLM_UNAVAILABLE when the provider cannot be reached, refuses the key
   * or rejects the request; LLM_BAD_OUTPUT when it answers without any text.
   */
  async chat(messages: ChatMessage[], options: ChatOptions = {}): Promise<ChatResult> {
    const { name, model } = this.#settings;
    const attributes = { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': model, 'warden.llm.provider': name };
    const started = performance.now();
    let outcome = 'ok';
    let usage: ChatUsage | undefined;
    try {
      return await this.#telemetry.span(`chat ${model}`, 'client', attributes, async (span) => {
        const result = await this.#chat(messages, options);
        usage = result.usage;
        span.set({ 'gen_ai.usage.input_tokens': usage.promptTokens, 'gen_ai.usage.output_tokens': usage.completionTokens, 'warden.llm.attempts': result.attempts });
        return result;
      });
    } catch (error) {
      outcome = error instanceof AppError ? error.code : ErrorCode.INTERNAL;
      throw error;
    } finally {
      this.#telemetry.llmCall({
        provider: name,
        model,
        outcome,
        promptTokens: usage?.promptTokens ?? 0,
        completionTokens: usage?.completionTokens ?? 0,
        seconds: (performance.now() - started) / 1000,
      });
    }
  }

  async #chat(messages: ChatMessage[], options: ChatOptions): Promise<ChatResult> {
    const started = performance.now();
    const call: CallState = { attempts: 0, unanswered: undefined, signal: options.signal };
    const cancelled = (): AppError => this.#toAppError({ kind: 'cancelled', retryable: false, summary: 'cancelled' }, call.attempts);
    if (options.signal?.aborted) throw cancelled();
    // A client of its own per call, whose fetch counts this call's attempts and steers its retries.
    const client = this.#client.withOptions({ fetch: (input, init) => this.#send(call, input, init) });
    const request = client.chat.completions.create(
      {
        model: this.#settings.model,
        messages: messages.map((m) => ({ role: m.role, content: m.content })),
        temperature: options.temperature ?? this.#settings.temperature,
        max_tokens: options.maxTokens ?? this.#settings.maxTokens,
        stream: false,
      },
      options.signal ? { signal: options.signal } : {},
    );
    // The client does not hear a cancellation while it waits between attempts: the caller is answered at once anyway.
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(cancelled());
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
    let completion: unknown;
    try {
      completion = await Promise.race([request, aborted]);
    } catch (error) {
      if (error instanceof AppError) throw error;
      if (options.signal?.aborted) throw cancelled();
      throw this.#toAppError(call.unanswered ?? this.#classify(error), call.attempts);
    } finally {
      if (onAbort) options.signal?.removeEventListener('abort', onAbort);
      // The loser of the race must not surface as an unhandled rejection.
      request.catch(() => undefined);
      aborted.catch(() => undefined);
    }
    const reply = readReply(completion);
    if (!reply) throw this.#toAppError({ kind: 'bad-output', retryable: false, summary: 'no text in the reply' }, call.attempts);
    return { ...reply, latencyMs: Math.round(performance.now() - started), attempts: call.attempts };
  }

  /**
   * The fetch the client sends each attempt with. The attempt has the provider's deadline, from sending
   * the request to having read the whole reply. Its outcome is then told to the client in the headers
   * it obeys: a failure worth a retry (network error, timeout, 429, 5xx), while attempts remain, comes
   * back with `x-should-retry: true` and `retry-after-ms` set to the provider's policy (or the provider's
   * own Retry-After, when longer); any other failure with `x-should-retry: false`. A request that got
   * no reply at all is answered with a stand-in 503 carrying those headers, its real reason kept in
   * `call.unanswered` for the error the caller gets.
   */
  async #send(call: CallState, input: string | URL | Request, init: RequestInit | undefined): Promise<Response> {
    call.attempts += 1;
    call.unanswered = undefined;
    const attempt = call.attempts;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.#settings.timeoutMs);
    const signals = init?.signal ? [init.signal, deadline.signal] : [deadline.signal];
    let received: Response;
    try {
      const response = await this.#fetch(input, { ...init, signal: AbortSignal.any(signals) });
      const body = NULL_BODY_STATUSES.has(response.status) ? null : await response.arrayBuffer();
      received = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
    } catch (error) {
      if (call.signal?.aborted) throw error;
      const failure = deadline.signal.aborted || init?.signal?.aborted ? this.#timedOut() : unanswered(error);
      call.unanswered = failure;
      return this.#steer(new Response(null, { status: 503 }), failure, attempt);
    } finally {
      clearTimeout(timer);
    }
    if (received.ok) return received;
    return this.#steer(received, this.#classifyStatus(received.status, received.headers), attempt);
  }

  /** The response with the client told whether to retry and after how long; a retry is logged. */
  #steer(response: Response, failure: AttemptFailure, attempt: number): Response {
    const headers = new Headers(response.headers);
    headers.delete('retry-after');
    if (!failure.retryable || attempt >= this.#maxAttempts) {
      headers.set('x-should-retry', 'false');
    } else {
      const { policy, delayMs } = this.#settings.retry;
      const wait = Math.min(MAX_RETRY_DELAY_MS, Math.max(retryDelayMs(policy, delayMs, attempt, this.#random), failure.retryAfterMs ?? 0));
      headers.set('x-should-retry', 'true');
      headers.set('retry-after-ms', String(wait));
      this.#log?.warn({ provider: this.#settings.name, attempt, of: this.#maxAttempts, reason: failure.summary, retryInMs: wait }, 'language model call failed; retrying');
    }
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }

  #timedOut(): AttemptFailure {
    return { kind: 'timeout', retryable: true, summary: `timed out after ${this.#settings.timeoutMs} ms` };
  }

  /** What the client threw at the end, when its last attempt got a reply (#send keeps the reason of one that did not). */
  #classify(error: unknown): AttemptFailure {
    if (error instanceof APIConnectionTimeoutError) return this.#timedOut();
    if (error instanceof APIConnectionError) return unanswered(error);
    if (error instanceof APIError && typeof error.status === 'number') return this.#classifyStatus(error.status, error.headers, error.error);
    // Anything else the client throws (a reply that is not JSON where JSON was promised…): the request
    // reached the provider, so a retry would get the same.
    return { kind: 'bad-output', retryable: false, summary: 'unreadable reply' };
  }

  /** A reply with an error status; `body` is the provider's error, when it gave one. */
  #classifyStatus(status: number, headers: Headers | undefined, body?: unknown): AttemptFailure {
    if (status === 401 || status === 403) return { kind: 'refused-key', retryable: false, summary: `HTTP ${status}`, status };
    if (status === 429) {
      const retryAfterMs = retryAfter(headers);
      return { kind: 'rate-limited', retryable: true, summary: 'HTTP 429', status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    }
    if (status >= 500) return { kind: 'server', retryable: true, summary: `HTTP ${status}`, status };
    const providerMessage = this.#scrub(body);
    return { kind: 'rejected', retryable: false, summary: `HTTP ${status}`, status, ...(providerMessage ? { providerMessage } : {}) };
  }

  #toAppError(failure: AttemptFailure, attempts: number): AppError {
    const name = this.#settings.name;
    const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
    const details = { provider: name, attempts, reason: failure.summary };
    // A plain Error with the summary only: the `openai` error's body could echo part of the key.
    const cause = { cause: new Error(`${name}: ${failure.summary}`) };
    switch (failure.kind) {
      case 'refused-key':
        return new AppError(
          ErrorCode.LLM_UNAVAILABLE,
          `The language model provider "${name}" refused the API key (HTTP ${failure.status}). Check it, and set a new one with updateProvider.`,
          details,
          cause,
        );
      case 'timeout':
        return new AppError(
          ErrorCode.LLM_UNAVAILABLE,
          `The language model provider "${name}" did not answer within ${this.#settings.timeoutMs} ms${tries}. Try again later, or raise its timeoutMs.`,
          details,
          cause,
        );
      case 'network':
        return new AppError(
          ErrorCode.LLM_UNAVAILABLE,
          `The language model provider "${name}" could not be reached (${failure.summary})${tries}. Check that it is running and that its base URL is right.`,
          details,
          cause,
        );
      case 'egress':
        return new AppError(
          ErrorCode.LLM_UNAVAILABLE,
          `The language model provider "${name}" was not called: its base URL ${failure.egressReason}. Point it at another address (updateProvider), or change WARDEN_EGRESS_ALLOW.`,
          details,
          cause,
        );
      case 'rate-limited':
        return new AppError(ErrorCode.LLM_UNAVAILABLE, `The language model provider "${name}" is rate limiting Warden (HTTP 429)${tries}. Try again later.`, details, cause);
      case 'server':
        return new AppError(ErrorCode.LLM_UNAVAILABLE, `The language model provider "${name}" failed (${failure.summary})${tries}. Try again later.`, details, cause);
      case 'rejected':
        return new AppError(
          ErrorCode.LLM_UNAVAILABLE,
          `The language model provider "${name}" rejected the request (${failure.summary}${failure.providerMessage ? `: ${failure.providerMessage}` : ''}). Check its model name and base URL.`,
          details,
          cause,
        );
      case 'bad-output':
        return new AppError(ErrorCode.LLM_BAD_OUTPUT, `The language model provider "${name}" answered without any text (${failure.summary}). Try again, or use another model.`, details, cause);
      case 'cancelled':
        return new AppError(ErrorCode.LLM_UNAVAILABLE, `The call to the language model provider "${name}" was cancelled.`, details, cause);
    }
  }

  /** The provider's error message, shortened, with the API key (and anything like a bearer token) removed. */
  #scrub(body: unknown): string | undefined {
    const raw = typeof body === 'string' ? body : typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string' ? body.message : undefined;
    if (!raw) return undefined;
    let text = raw;
    const key = this.#settings.apiKey;
    if (key) text = text.split(key).join('[redacted]');
    text = text.replace(/\b(?:sk|bearer|key)[-_ ][A-Za-z0-9._*-]{6,}/gi, '[redacted]');
    text = text.replace(/\s+/g, ' ').trim();
    return text.length > 200 ? `${text.slice(0, 197)}…` : text;
  }
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** Why a request got no reply: the egress policy refused the address (not worth a retry), or the network failed. */
function unanswered(error: unknown): AttemptFailure {
  const denied = egressDenialOf(error);
  if (denied) return { kind: 'egress', retryable: false, summary: 'refused by the egress policy', egressReason: denied.reason };
  return { kind: 'network', retryable: true, summary: networkCode(error) ?? 'connection failed' };
}

/** The text, usage, model and finish reason of a chat completion; undefined when it has no text. */
function readReply(completion: unknown): Omit<ChatResult, 'latencyMs' | 'attempts'> | undefined {
  if (typeof completion !== 'object' || completion === null) return undefined;
  const body = completion as {
    model?: unknown;
    choices?: { message?: { content?: unknown }; finish_reason?: unknown }[];
    usage?: { prompt_tokens?: unknown; completion_tokens?: unknown; total_tokens?: unknown } | null;
  };
  const choice = Array.isArray(body.choices) ? body.choices[0] : undefined;
  const content = choice?.message?.content;
  const text = typeof content === 'string' ? content : Array.isArray(content) ? textOfParts(content) : undefined;
  if (text === undefined || text.trim() === '') return undefined;
  const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : 0);
  const promptTokens = count(body.usage?.prompt_tokens);
  const completionTokens = count(body.usage?.completion_tokens);
  const totalTokens = count(body.usage?.total_tokens) || promptTokens + completionTokens;
  return {
    text,
    usage: { promptTokens, completionTokens, totalTokens },
    model: typeof body.model === 'string' ? body.model : '',
    finishReason: typeof choice?.finish_reason === 'string' ? choice.finish_reason : null,
  };
}

/** Some compatible servers answer with content parts rather than a string. */
function textOfParts(parts: unknown[]): string | undefined {
  const texts = parts.flatMap((p) => (typeof p === 'object' && p !== null && 'text' in p && typeof p.text === 'string' ? [p.text] : []));
  return texts.length > 0 ? texts.join('') : undefined;
}

/** ECONNREFUSED, ENOTFOUND, ECONNRESET…, from somewhere in the cause chain. */
function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors)) {
      const inner = errors.map(networkCode).find((c) => c !== undefined);
      if (inner) return inner;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Retry-After (seconds or an HTTP date), in ms; undefined when absent or unreadable. */
function retryAfter(headers: Headers | undefined): number | undefined {
  const value = headers?.get('retry-after-ms') ?? undefined;
  if (value && Number.isFinite(Number(value))) return Math.max(0, Number(value));
  const after = headers?.get('retry-after');
  if (!after) return undefined;
  const seconds = Number(after);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(after);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
