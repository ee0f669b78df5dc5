import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface LiveSubscription<T> {
  /** Every `data` received so far. */
  received: T[];
  /** Errors the server sent for the operation (already formatted: message + extensions.code). */
  errors: { message: string; extensions?: Record<string, unknown> }[];
  /** Resolves with the socket's close code and reason once it closes. */
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves once the server has acknowledged connection_init (rejects if the socket closes first). */
  connected: Promise<void>;
  /** Waits until `count` data messages have arrived (or throws after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<T[]>;
  dispose(): Promise<void>;
}

/** A real graphql-ws client over `ws`, subscribed to one operation. */
export function subscribe<T = Record<string, unknown>>(
  httpUrl: string,
  query: string,
  options: { variables?: Record<string, unknown>; connectionParams?: Record<string, unknown>; headers?: Record<string, string> } = {},
): LiveSubscription<T> {
  const url = httpUrl.replace(/^http/, 'ws');
  let onClosed!: (value: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  let onConnected!: () => void;
  let onConnectFailed!: (error: Error) => void;
  const connected = new Promise<void>((resolve, reject) => {
    onConnected = resolve;
    onConnectFailed = reject;
  });
  connected.catch(() => undefined);
  const headers = options.headers;
  class HeaderedWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, headers ? { headers } : {});
    }
  }
  const client: Client = createClient({
    url,
    webSocketImpl: HeaderedWebSocket,
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => undefined,
    connectionParams: options.connectionParams,
    on: {
      connected: () => onConnected(),
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        onConnectFailed(new Error(`closed ${code} ${reason}`));
        onClosed({ code, reason: String(reason) });
      },
    },
  });
  const received: T[] = [];
  const errors: LiveSubscription<T>['errors'] = [];
  const waiters: (() => void)[] = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  client.subscribe<T>(
    { query, variables: options.variables },
    {
      next: (value) => {
        if (value.data) received.push(value.data as T);
        if (value.errors) errors.push(...(value.errors as LiveSubscription<T>['errors']));
        wake();
      },
      error: (error) => {
        if (Array.isArray(error)) errors.push(...(error as LiveSubscription<T>['errors']));
        wake();
      },
      complete: () => wake(),
    },
  );
  return {
    received,
    errors,
    closed,
    connected,
    async waitFor(count, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${count} events, got ${received.length} (errors: ${JSON.stringify(errors)})`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 100));
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return received.slice(0, count);
    },
    dispose: () => client.dispose() as Promise<void>,
  };
}
