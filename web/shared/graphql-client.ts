import type { Operation } from './operation.js';

/**
 * A GraphQL error as the gateway reports it: its `extensions.code` (UNAUTHENTICATED, FORBIDDEN, …), its
 * message and the rest of its extensions (denied resources, retryAfterSeconds, requestId). A failure to
 * reach the gateway at all has the code NETWORK. Never a stack: the gateway sends none.
 */
export class GraphQLRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'GraphQLRequestError';
  }
}

interface GraphQLBody<TData> {
  data?: TData | null;
  errors?: { message?: unknown; extensions?: Record<string, unknown> }[];
}

/** What any thrown value says, as a GraphQLRequestError (one shape for pages to show). */
export function asRequestError(error: unknown): GraphQLRequestError {
  if (error instanceof GraphQLRequestError) return error;
  if (error instanceof Error) return new GraphQLRequestError('CLIENT', error.message);
  return new GraphQLRequestError('CLIENT', String(error));
}

/** The first GraphQL error of an answer (or of a subscription's error event) as a GraphQLRequestError. */
export function firstError(errors: readonly { message?: unknown; extensions?: Record<string, unknown> }[]): GraphQLRequestError {
  const first = errors[0];
  const extensions = first?.extensions ?? {};
  const code = typeof extensions.code === 'string' ? extensions.code : 'INTERNAL';
  return new GraphQLRequestError(code, typeof first?.message === 'string' ? first.message : 'The gateway answered with an error.', extensions);
}

/**
 * Sends one query or mutation to this gateway's /graphql with `key` as the Bearer token. Resolves with
 * `data`; rejects with a GraphQLRequestError for the first error the gateway reports (a partial answer
 * is treated as a failure: the pages show either what they asked for or why not).
 */
export async function request<TData, TVariables>(
  op: Operation<TData, TVariables>,
  variables: TVariables,
  key: string,
  signal?: AbortSignal,
): Promise<TData> {
  let response: Response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: op.document, variables }),
      signal: signal ?? null,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new GraphQLRequestError('NETWORK', 'The gateway could not be reached. Check that it is running, then try again.');
  }
  let body: GraphQLBody<TData>;
  try {
    body = (await response.json()) as GraphQLBody<TData>;
  } catch {
    throw new GraphQLRequestError(`HTTP_${response.status}`, `The gateway answered ${response.status} ${response.statusText} without a GraphQL body.`);
  }
  if (body.errors && body.errors.length > 0) throw firstError(body.errors);
  if (body.data === undefined || body.data === null) throw new GraphQLRequestError('INTERNAL', 'The gateway answered with no data.');
  return body.data;
}
