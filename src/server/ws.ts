import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import {
  GraphQLError,
  createSourceEventStream,
  execute,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { WebSocketServer, type WebSocket } from 'ws';
import { documentTooLarge, queryLimitRules, type DocumentLimits } from '../../plugins/query-limits.js';
import { mayHaveSchemaHints, withoutSuggestions } from '../../plugins/schema-hints.plugin.js';
import { keyFromHeaders } from '../auth/api-key.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { Principal } from '../auth/principal.js';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { formatError } from '../errors/format-error.js';
import type { AuditWriter } from '../events/audit-writer.js';
import { authFailureEvent } from '../events/auth-failure.js';
import type { Logger } from '../logger.js';
import type { AgentService } from '../services/agent.service.js';
import type { CatalogService } from '../services/catalog.service.js';
import type { LiveFeedService, Viewer } from '../services/live-feed.service.js';
import type { RequestContext } from './context.js';
import { serveGraphqlWs } from './graphql-ws-server.js';
import { createLoaders } from './loaders.js';

/** Close codes a client sees (4403 as graphql-ws uses it for a refused connection_init). */
export const CLOSE_FORBIDDEN = 4403;
export const CLOSE_TOO_SLOW = 4429;

export interface SubscriptionServerOptions {
  server: Server;
  schema: GraphQLSchema;
  authenticator: Authenticator;
  agents: AgentService;
  catalog: CatalogService;
  feed: LiveFeedService;
  audit: AuditWriter;
  log: Logger;
  /**
   * Every this many seconds each open connection's key is checked against the store again (0: never),
   * so a revocation whose message this replica missed still ends its sockets.
   */
  reverifySeconds: number;
  /** Largest subscribe document taken, checked before it is parsed. */
  documentLimits: DocumentLimits;
  /** In production an agent's validation errors carry no "Did you mean …" (see plugins/schema-hints.plugin.ts). */
  production: boolean;
}

interface Connection {
  socket: WebSocket;
  principal: Principal & { kind: 'agent' };
  expiresAt: Date | null;
  revoked: boolean;
  expiryTimer: NodeJS.Timeout | undefined;
}

type Extra = { socket: WebSocket; request: IncomingMessage; connection?: Connection };

/** Each subscription holds a queue in the live feed; a connection may not hold these without bound. */
const MAX_SUBSCRIPTIONS_PER_CONNECTION = 50;

/** Longest wait a timer is trusted with (setTimeout's limit is about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * graphql-ws on the HTTP server's /graphql, for subscriptions only (queries and mutations stay on HTTP
 * POST, where the audit, limits and batching rules live). The key goes in connection_init
 * (`{ "authorization": "Bearer <key>" }` or `{ "apiKey": "<key>" }`) or the upgrade request's headers;
 * without a valid one the socket is closed with 4403. Every event is re-checked against the key before
 * it is sent, and revoking a key or its agent closes its sockets: at once when the revocation comes over
 * the pubsub, and at the next re-verification (every `reverifySeconds`) when its message was missed.
 */
export function attachSubscriptionServer(options: SubscriptionServerOptions) {
  const { schema, log } = options;
  const connections = new Set<Connection>();
  const wss = new WebSocketServer({ server: options.server, path: '/graphql', maxPayload: 1024 * 1024 });
  const rules = [...specifiedRules, ...queryLimitRules()];
  const shareKeys = new WeakMap<object, string>();

  const close = (connection: Connection, code: number, reason: string) => {
    connection.revoked = true;
    if (connection.socket.readyState === connection.socket.OPEN || connection.socket.readyState === connection.socket.CONNECTING) {
      connection.socket.close(code, reason);
    }
  };

  /**
   * The backstop for a revocation whose message never came (Redis down, or this replica's subscriber
   * reconnecting while another replica revoked): all open connections' keys, from the store, in batches.
   * A store error closes nothing; the next interval tries again.
   */
  let reverifying = false;
  const reverify = async () => {
    const open = [...connections].filter((connection) => !connection.revoked);
    if (reverifying || open.length === 0) return;
    reverifying = true;
    try {
      const valid = await options.authenticator.stillValid(open.map((connection) => connection.principal.keyId));
      for (const connection of open) {
        if (valid.has(connection.principal.keyId)) continue;
        log.info({ agentId: connection.principal.agentId, keyId: connection.principal.keyId }, 'closed a subscription connection whose key is no longer valid');
        close(connection, CLOSE_FORBIDDEN, 'The API key is no longer valid.');
      }
    } catch (error) {
      log.error({ err: error, connections: open.length }, 'could not re-verify the keys of subscription connections; they stay open until the next try');
    } finally {
      reverifying = false;
    }
  };
  const reverifyTimer = options.reverifySeconds > 0 ? setInterval(() => void reverify(), options.reverifySeconds * 1000) : undefined;
  reverifyTimer?.unref();

  const disposable = serveGraphqlWs<Record<string, unknown> | undefined, Extra>(
    {
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const fromParams =
          typeof params.authorization === 'string'
            ? keyFromHeaders({ authorization: params.authorization })
            : typeof params.apiKey === 'string'
              ? params.apiKey.trim() || undefined
              : undefined;
        const headers = ctx.extra.request.headers;
        const presented = fromParams ?? keyFromHeaders({ authorization: headers.authorization, 'x-api-key': headers['x-api-key'] });
        const refuse = () => {
          options.audit.record(authFailureEvent({ requestId: null, presented, remoteAddress: ctx.extra.request.socket.remoteAddress, transport: 'websocket' }));
          return false;
        };
        if (!presented) return refuse();
        try {
          const { principal, expiresAt } = await options.authenticator.verify(presented);
          const connection: Connection = { socket: ctx.extra.socket, principal, expiresAt, revoked: false, expiryTimer: undefined };
          if (expiresAt) {
            const wait = expiresAt.getTime() - Date.now();
            if (wait <= MAX_TIMER_MS) {
              connection.expiryTimer = setTimeout(() => close(connection, CLOSE_FORBIDDEN, 'The API key has expired.'), Math.max(0, wait));
              connection.expiryTimer.unref();
            }
          }
          ctx.extra.connection = connection;
          connections.add(connection);
          return true;
        } catch (error) {
          if (error instanceof AppError && error.code === ErrorCode.UNAUTHENTICATED) return refuse();
          if (error instanceof AppError && error.code === ErrorCode.STORE_UNAVAILABLE) {
            log.warn({ err: error }, 'could not check the key of a WebSocket connection: the store is unavailable');
            // 1013 "try again later": the key was not refused, the store could not be asked.
            ctx.extra.socket.close(1013, 'The store is unavailable; connect again shortly.');
            return false;
          }
          log.error({ err: error }, 'could not check the key of a WebSocket connection');
          return false;
        }
      },
      onClose: (ctx) => {
        const connection = ctx.extra.connection;
        if (!connection) return;
        if (connection.expiryTimer) clearTimeout(connection.expiryTimer);
        connections.delete(connection);
      },
      onSubscribe: (ctx, _id, payload) => {
        const connection = ctx.extra.connection;
        if (!connection || connection.revoked) return [requestError('The API key of this connection is no longer valid.', ErrorCode.UNAUTHENTICATED)];
        // graphql-ws has already put this one in the list.
        if (Object.keys(ctx.subscriptions).length > MAX_SUBSCRIPTIONS_PER_CONNECTION) {
          return [requestError(`A connection carries at most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions at once; complete one first.`, ErrorCode.RATE_LIMITED)];
        }
        const tooLarge = documentTooLarge(payload.query, options.documentLimits);
        if (tooLarge) return [requestError(tooLarge.message, ErrorCode.BAD_USER_INPUT)];
        let document: DocumentNode;
        try {
          document = parse(payload.query, { maxTokens: options.documentLimits.maxTokens });
        } catch (error) {
          return [requestError((error as Error).message, ErrorCode.BAD_USER_INPUT, 'GRAPHQL_PARSE_FAILED')];
        }
        const invalid = validate(schema, document, rules);
        if (invalid.length > 0) {
          const hints = mayHaveSchemaHints(connection.principal, options.production);
          return invalid.map((e) => requestError(hints ? e.message : withoutSuggestions(e.message), ErrorCode.BAD_USER_INPUT, 'GRAPHQL_VALIDATION_FAILED'));
        }
        const operation = getOperationAST(document, payload.operationName);
        if (operation?.operation !== 'subscription') {
          return [requestError('The WebSocket carries subscriptions only; send queries and mutations as HTTP POST to /graphql.', ErrorCode.BAD_USER_INPUT)];
        }
        const requestId = randomUUID();
        const viewer: Viewer = {
          principal: connection.principal,
          stillAllowed: () => !connection.revoked && (connection.expiresAt === null || connection.expiresAt.getTime() > Date.now()),
          ended: (reason) => {
            if (reason.code === ErrorCode.RATE_LIMITED) close(connection, CLOSE_TOO_SLOW, reason.message.slice(0, 120));
            else close(connection, CLOSE_FORBIDDEN, 'The API key is no longer valid.');
          },
        };
        // Subscribers asking the same thing of the same event, as the same kind of viewer, share one execution.
        const viewerKey = connection.principal.role === 'ADMIN' ? 'ADMIN' : `AGENT:${connection.principal.agentId}`;
        const shareKey = `${viewerKey}\u0000${payload.operationName ?? ''}\u0000${JSON.stringify(payload.variables ?? {})}\u0000${payload.query}`;
        const contextValue: RequestContext = {
          requestId,
          principal: connection.principal,
          loaders: createLoaders(options.agents, options.catalog),
          log: log.child({ requestId, agentId: connection.principal.agentId }),
          live: { feed: options.feed, viewer },
        };
        shareKeys.set(contextValue, shareKey);
        return { schema, document, variableValues: payload.variables ?? undefined, operationName: payload.operationName ?? undefined, contextValue };
      },
      subscribe: (args) => sharedSubscribe(args, shareKeys.get(args.contextValue as object) ?? ''),
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!result.errors?.length) return;
        return { ...result, errors: result.errors.map((error) => formatError(error.toJSON(), error)) };
      },
      onError: (_ctx, _id, _payload, errors) => errors.map((error) => formatError(error.toJSON(), error)),
    },
    wss,
    log,
  );

  return {
    /** Open subscription connections, for tests and diagnostics. */
    get connectionCount() {
      return connections.size;
    },
    /** Closes the sockets of these keys (their agent's too, when `agentId` is given and the agent is revoked). */
    closeKeys(agentId: string, keyIds: readonly string[], wholeAgent: boolean): void {
      const keys = new Set(keyIds);
      for (const connection of connections) {
        if (keys.has(connection.principal.keyId) || (wholeAgent && connection.principal.agentId === agentId)) {
          close(connection, CLOSE_FORBIDDEN, 'The API key was revoked.');
        }
      }
    },
    async dispose(): Promise<void> {
      clearInterval(reverifyTimer);
      for (const connection of connections) if (connection.expiryTimer) clearTimeout(connection.expiryTimer);
      await disposable.dispose();
    },
  };
}

export type SubscriptionServer = ReturnType<typeof attachSubscriptionServer>;

function requestError(message: string, code: ErrorCode, reason?: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...(reason ? { reason } : {}) } });
}

/** Results of executing a subscription's selection on one event, by event object and by what was asked. */
const sharedResults = new WeakMap<object, Map<string, Promise<ExecutionResult>>>();

/**
 * graphql-js's subscribe, except that the selection is executed once per event for all subscribers who
 * sent the same document and variables as the same kind of viewer (the live feed hands every
 * subscriber the same event object). With 1,000 dashboards watching, an event is executed once, not
 * 1,000 times. Each subscriber's own checks (still allowed, may see the event) run before this, in
 * the feed.
 */
async function sharedSubscribe(args: ExecutionArgs, shareKey: string): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in source)) return source;
  const events = source[Symbol.asyncIterator]();
  const run = (event: unknown): Promise<ExecutionResult> => {
    const fresh = () => Promise.resolve(execute({ ...args, rootValue: event }));
    if (event === null || typeof event !== 'object' || !shareKey) return fresh();
    let byKey = sharedResults.get(event);
    if (!byKey) sharedResults.set(event, (byKey = new Map()));
    let result = byKey.get(shareKey);
    if (!result) byKey.set(shareKey, (result = fresh()));
    return result;
  };
  const results: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      const next = await events.next();
      if (next.done) return { value: undefined, done: true };
      return { value: await run(next.value), done: false };
    },
    async return() {
      await events.return?.();
      return { value: undefined, done: true };
    },
    async throw(error: unknown) {
      await events.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return results;
    },
  };
  return results;
}
