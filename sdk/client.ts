import { getOperationAST, print, type DocumentNode, type FormattedExecutionResult, type GraphQLFormattedError } from 'graphql';
import type { Client as GraphqlWsClient, Sink } from 'graphql-ws';
import { getSdk, type Requester } from './generated/sdk.js';

// Every operation's result and variables type (`RunQueryMutation`, `RowsQueryVariables`, …), the
// documents themselves (`RunQueryDocument`, for another GraphQL client) and getSdk, for a requester
// of one's own.
export * from './generated/sdk.js';

/** An error Warden returned, with its code (UNAUTHENTICATED, FORBIDDEN, …) and extensions. */
export class WardenError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly extensions: Record<string, unknown>,
    readonly errors: unknown[],
  ) {
    super(message);
    this.name = 'WardenError';
  }
}

/**
 * Warden could not be asked: the address does not answer, the connection broke, or what answered is
 * not a GraphQL response (a proxy's error page). Nothing is known to have been done.
 */
export class WardenNetworkError extends Error {
  constructor(
    message: string,
    /** The gateway's origin, without credentials. */
    readonly origin: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'WardenNetworkError';
  }
}

export interface WardenClientOptions {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
  url: string;
  apiKey?: string;
  fetch?: typeof fetch;
  /** Where subscriptions connect; default: `url` with ws:// or wss://. */
  subscriptionUrl?: string;
  /**
   * The WebSocket class subscriptions use. Default: the global WebSocket when there is one (browsers,
   * Node 22), else the `ws` package (Node 20 has no WebSocket of its own).
   */
  webSocketImpl?: unknown;
}

/** Per call: `client.RunQuery(variables, { signal })`. */
export interface WardenRequestOptions {
  /**
   * Aborts a query or mutation (the call rejects with the AbortError), or ends a subscription (its
   * loop finishes).
   */
  signal?: AbortSignal;
}

interface GraphQLBody {
  data?: unknown;
  errors?: GraphQLFormattedError[];
}

/** Close codes the gateway's subscription socket uses, as the error codes its HTTP answers carry. */
const CLOSE_CODES: Record<number, { code: string; message: string }> = {
  4403: { code: 'UNAUTHENTICATED', message: 'The API key was refused, or is no longer valid.' },
  4429: { code: 'RATE_LIMITED', message: 'The subscription fell too far behind and was closed; subscribe again.' },
  1013: { code: 'STORE_UNAVAILABLE', message: "Warden's store is unavailable; subscribe again shortly." },
};

/**
 * A typed client for Warden's GraphQL API, one method per operation in sdk/operations: queries and
 * mutations over HTTP, subscriptions (`AuditEventFeed`, `SecurityNotificationFeed`) as async iterables
 * over graphql-ws. Call `dispose()` to close the subscription socket, if one is open.
 */
export function createWardenClient(options: WardenClientOptions) {
  const doFetch = options.fetch ?? fetch;
  const origin = originOf(options.url);
  const documents = new WeakMap<DocumentNode, { text: string; subscription: boolean }>();
  const describe = (document: DocumentNode) => {
    let described = documents.get(document);
    if (described === undefined) {
      described = { text: print(document), subscription: getOperationAST(document)?.operation === 'subscription' };
      documents.set(document, described);
    }
    return described;
  };

  const post = async <R>(text: string, variables: unknown, signal: AbortSignal | undefined): Promise<R> => {
    let response: Response;
    try {
      response = await doFetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
        },
        body: JSON.stringify({ query: text, variables }),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new WardenNetworkError(`Could not reach Warden at ${origin}: ${reasonOf(error)}.`, origin, { cause: error });
    }
    let body: GraphQLBody;
    try {
      body = (await response.json()) as GraphQLBody;
    } catch (error) {
      throw new WardenNetworkError(`Warden at ${origin} answered HTTP ${response.status} without a GraphQL response.`, origin, { cause: error });
    }
    if (body.errors?.length) throw errorOf(body.errors);
    if (body.data === undefined || body.data === null) {
      throw new WardenNetworkError(`Warden at ${origin} answered HTTP ${response.status} without data.`, origin);
    }
    return body.data as R;
  };

  let socket: Promise<GraphqlWsClient> | undefined;
  const subscriptions = () =>
    (socket ??= (async () => {
      const [{ createClient }, webSocketImpl] = await Promise.all([import('graphql-ws'), webSocketClass(options.webSocketImpl)]);
      return createClient({
        url: options.subscriptionUrl ?? options.url.replace(/^http/, 'ws'),
        webSocketImpl,
        connectionParams: options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {},
        // Connect with the first subscription, close after the last one ends.
        lazy: true,
        // A reconnect would skip the events sent meanwhile without a word: the caller decides (subscribe
        // again, and page the query for what was missed).
        retryAttempts: 0,
      });
    })());

  async function* subscribe<R>(text: string, variables: unknown, signal: AbortSignal | undefined): AsyncGenerator<R> {
    if (signal?.aborted) return;
    const client = await subscriptions();
    const queue: FormattedExecutionResult[] = [];
    let failure: { error: unknown } | undefined;
    let finished = false;
    let wake: (() => void) | undefined;
    const sink: Sink<FormattedExecutionResult> = {
      next: (result) => {
        queue.push(result);
        wake?.();
      },
      error: (error) => {
        failure = { error };
        wake?.();
      },
      complete: () => {
        finished = true;
        wake?.();
      },
    };
    const stop = client.subscribe({ query: text, variables: variables as Record<string, unknown> | undefined }, sink);
    const onAbort = () => {
      finished = true;
      wake?.();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
          if (next.errors?.length) throw errorOf(next.errors);
          yield next.data as R;
        }
        if (signal?.aborted) return;
        if (failure) throw subscriptionError(failure.error, origin);
        if (finished) return;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      stop();
    }
  }

  const requester: Requester<WardenRequestOptions> = <R, V>(document: DocumentNode, variables?: V, callOptions?: WardenRequestOptions) => {
    const { text, subscription } = describe(document);
    return subscription ? subscribe<R>(text, variables, callOptions?.signal) : post<R>(text, variables, callOptions?.signal);
  };

  return Object.assign(getSdk(requester), {
    /** Closes the subscription socket (ending every subscription); queries and mutations still work. */
    async dispose(): Promise<void> {
      const open = socket;
      socket = undefined;
      if (open) await (await open).dispose();
    },
  });
}

export type WardenClient = ReturnType<typeof createWardenClient>;

function errorOf(errors: readonly GraphQLFormattedError[]): WardenError {
  const first = errors[0];
  const extensions = (first?.extensions ?? {}) as Record<string, unknown>;
  return new WardenError(first?.message ?? 'Unknown error', String(extensions.code ?? 'INTERNAL'), extensions, [...errors]);
}

/** What graphql-ws hands a sink's error: the operation's errors, a close event, or a socket error. */
function subscriptionError(error: unknown, origin: string): Error {
  if (Array.isArray(error)) return errorOf(error as GraphQLFormattedError[]);
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number') {
    const close = error as { code: number; reason?: unknown };
    const known = CLOSE_CODES[close.code];
    const reason = typeof close.reason === 'string' && close.reason !== '' ? close.reason : undefined;
    if (known) return new WardenError(reason ?? known.message, known.code, { closeCode: close.code }, []);
    if (close.code >= 4000) return new WardenError(reason ?? `The subscription was closed (${close.code}).`, 'INTERNAL', { closeCode: close.code }, []);
    return new WardenNetworkError(`The subscription connection to Warden at ${origin} closed (${close.code}${reason ? `: ${reason}` : ''}).`, origin, { cause: error });
  }
  return new WardenNetworkError(`Could not reach Warden at ${origin} for subscriptions: ${reasonOf(error)}.`, origin, { cause: error });
}

async function webSocketClass(given: unknown): Promise<unknown> {
  if (given !== undefined) return given;
  const global = (globalThis as { WebSocket?: unknown }).WebSocket;
  if (typeof global === 'function') return global;
  return (await import('ws')).default;
}

/** The URL's origin, never its user name or password. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(an invalid URL)';
  }
}

/** The lowest cause's code or message: ECONNREFUSED, ENOTFOUND, a TLS failure… */
function reasonOf(error: unknown): string {
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && 'cause' in current && current.cause !== undefined) current = current.cause;
  if (typeof current === 'object' && current !== null) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string') return code;
    if (typeof message === 'string') return message;
  }
  return String(current);
}
