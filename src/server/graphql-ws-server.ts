import type { IncomingMessage } from 'node:http';
import { CloseCode, handleProtocols, makeServer, type ConnectionInitMessage, type ServerOptions } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../logger.js';

/** RFC 6455's "message too big": ws closes with it when a frame is over the server's maxPayload. */
export const CLOSE_TOO_BIG = 1009;

/** How often a connection is pinged, and how long its pong may take before the socket is dropped. */
const KEEP_ALIVE_MS = 12_000;

export interface GraphqlWsDisposable {
  dispose(): Promise<void>;
}

/**
 * graphql-ws's own `useServer` for `ws`, with one difference: every failure goes to the gateway's JSON
 * log (graphql-ws writes them with console.error, a raw stack outside the log). A client that breaks the
 * WebSocket protocol (a frame over the size limit, bad UTF-8, a bad opcode) gets the close code ws chose
 * for it (1009 for a frame too large) and one warning line in the log, without a stack: it is the
 * client's mistake, not the gateway's.
 */
export function serveGraphqlWs<P extends ConnectionInitMessage['payload'], E extends { readonly socket: WebSocket; readonly request: IncomingMessage }>(
  options: ServerOptions<P, E>,
  wss: WebSocketServer,
  log: Logger,
): GraphqlWsDisposable {
  const server = makeServer(options);
  wss.options.handleProtocols = handleProtocols;
  wss.on('error', (error) => {
    log.error({ err: error }, 'the WebSocket server failed; closing its connections');
    for (const client of wss.clients) client.close(CloseCode.InternalServerError, 'Internal server error');
  });
  wss.on('connection', (socket, request) => {
    const remoteAddress = request.socket.remoteAddress;
    socket.on('error', (error: Error & { code?: unknown }) => {
      // ws's own protocol errors carry a WS_ERR_* code; ws has already started closing with the matching status.
      if (typeof error.code === 'string' && error.code.startsWith('WS_ERR_')) {
        log.warn({ remoteAddress, code: error.code, reason: error.message }, 'closed a WebSocket connection that broke the protocol');
      } else {
        log.error({ err: error, remoteAddress }, 'a WebSocket connection failed');
      }
      if (socket.readyState === socket.OPEN) socket.close(CloseCode.InternalServerError, 'Internal server error');
    });
    let pongWait: NodeJS.Timeout | undefined;
    const pingInterval = setInterval(() => {
      if (socket.readyState !== socket.OPEN) return;
      pongWait = setTimeout(() => socket.terminate(), KEEP_ALIVE_MS);
      socket.once('pong', () => {
        clearTimeout(pongWait);
        pongWait = undefined;
      });
      socket.ping();
    }, KEEP_ALIVE_MS);
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (error) => (error ? reject(error) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', async (data) => {
            try {
              await handle(String(data));
            } catch (error) {
              log.error({ err: error, remoteAddress }, 'a WebSocket message could not be handled; closing the connection');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            }
          }),
      },
      { socket, request } as E,
    );
    socket.once('close', (code, reason) => {
      clearTimeout(pongWait);
      clearInterval(pingInterval);
      void closed(code, reason.toString('utf8'));
    });
  });
  return {
    async dispose() {
      for (const client of wss.clients) client.close(1001, 'Going away');
      wss.removeAllListeners();
      await new Promise<void>((resolve, reject) => wss.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
