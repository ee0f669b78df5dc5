import { print, type DocumentNode } from 'graphql';
import { getSdk, type Requester } from './generated/sdk.js';

export type { Requester };

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

export interface WardenClientOptions {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
  url: string;
  apiKey?: string;
  fetch?: typeof fetch;
}

interface GraphQLBody {
  data?: unknown;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** A typed client for Warden's GraphQL API, generated from sdk/operations. */
export function createWardenClient(options: WardenClientOptions) {
  const doFetch = options.fetch ?? fetch;
  const printed = new WeakMap<DocumentNode, string>();
  const textOf = (document: DocumentNode): string => {
    let text = printed.get(document);
    if (text === undefined) printed.set(document, (text = print(document)));
    return text;
  };
  const requester: Requester = async <R, V>(document: DocumentNode, variables?: V): Promise<R> => {
    const response = await doFetch(options.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
      },
      body: JSON.stringify({ query: textOf(document), variables }),
    });
    const body = (await response.json()) as GraphQLBody;
    const first = body.errors?.[0];
    if (first) {
      const extensions = first.extensions ?? {};
      throw new WardenError(first.message, String(extensions.code ?? 'INTERNAL'), extensions, body.errors ?? []);
    }
    return body.data as R;
  };
  return getSdk(requester);
}

export type WardenClient = ReturnType<typeof createWardenClient>;
