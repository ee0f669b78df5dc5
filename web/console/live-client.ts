import { createClient, type Client } from 'graphql-ws';
import { useEffect, useRef } from 'react';
import { asRequestError, firstError, GraphQLRequestError } from '../shared/graphql-client.js';
import { socketUrl } from '../shared/api-key.js';
import type { Operation } from '../shared/operation.js';

export type LiveStatus = 'connecting' | 'live' | 'closed';

/** Each client's connection now, kept from its events: a page that subscribes later learns it at once. */
const statuses = new WeakMap<Client, LiveStatus>();

export function liveClientStatusText(status: LiveStatus): string {
  return status === 'live' ? 'live' : status === 'connecting' ? 'connecting…' : 'disconnected';
}

/** One graphql-ws connection to this gateway with `key`, opened on the first subscription. */
export function liveClient(key: string): Client {
  const client = createClient({
    url: socketUrl(),
    lazy: true,
    connectionParams: { authorization: `Bearer ${key}` },
    // A dropped connection (a gateway restart, a network blip) is tried again for a while.
    retryAttempts: 10,
    shouldRetry: (event) => !(event instanceof CloseEvent && (event.code === 4401 || event.code === 4403)),
  });
  statuses.set(client, 'closed');
  client.on('connecting', () => statuses.set(client, 'connecting'));
  client.on('connected', () => statuses.set(client, 'live'));
  client.on('closed', () => statuses.set(client, 'closed'));
  return client;
}

/** Why a subscription ended with something other than GraphQL errors (a closed socket, a refused key). */
function closeReason(event: unknown): GraphQLRequestError {
  if (typeof CloseEvent !== 'undefined' && event instanceof CloseEvent) {
    if (event.code === 4401 || event.code === 4403) return new GraphQLRequestError('UNAUTHENTICATED', event.reason || 'The gateway refused the key.');
    return new GraphQLRequestError('NETWORK', `The live connection closed (${event.code}${event.reason ? `: ${event.reason}` : ''}).`);
  }
  if (Array.isArray(event)) return firstError(event as { message?: unknown; extensions?: Record<string, unknown> }[]);
  return asRequestError(event);
}

/**
 * Subscribes while the component is mounted: each result to onData, a failure to onError. The callbacks
 * may change on each render; the subscription does not restart for that.
 */
export function useSubscription<TData>(
  client: Client,
  op: Operation<TData, Record<string, never>>,
  onData: (data: TData) => void,
  onError: (error: GraphQLRequestError) => void,
  onStatus?: (status: LiveStatus) => void,
): void {
  const handlers = useRef({ onData, onError, onStatus });
  handlers.current = { onData, onError, onStatus };
  useEffect(() => {
    handlers.current.onStatus?.(statuses.get(client) === 'live' ? 'live' : 'connecting');
    const stopConnecting = client.on('connecting', () => handlers.current.onStatus?.('connecting'));
    const stopOpened = client.on('connected', () => handlers.current.onStatus?.('live'));
    const stopClosed = client.on('closed', () => handlers.current.onStatus?.('closed'));
    const unsubscribe = client.subscribe<TData>(
      { query: op.document },
      {
        next: (result) => {
          if (result.errors && result.errors.length > 0) handlers.current.onError(firstError(result.errors));
          else if (result.data) handlers.current.onData(result.data);
        },
        error: (error) => {
          handlers.current.onStatus?.('closed');
          handlers.current.onError(closeReason(error));
        },
        complete: () => handlers.current.onStatus?.('closed'),
      },
    );
    return () => {
      unsubscribe();
      stopConnecting();
      stopOpened();
      stopClosed();
    };
  }, [client, op]);
}
