import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import type { GraphQLSchema } from 'graphql';
import { errorReportingPlugin } from '../../plugins/error-reporting.plugin.js';
import { mutationAuditPlugin } from '../../plugins/mutation-audit.plugin.js';
import { queryLimitRules, type DocumentLimits } from '../../plugins/query-limits.js';
import { schemaHintsPlugin } from '../../plugins/schema-hints.plugin.js';
import { subscriptionsOverSocketPlugin } from '../../plugins/subscriptions-over-socket.plugin.js';
import { telemetryPlugin } from '../../plugins/telemetry.plugin.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { AuditWriter } from '../events/audit-writer.js';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { formatError, INTERNAL_MESSAGE } from '../errors/format-error.js';
import type { Logger } from '../logger.js';
import { mcpRouter, type OriginPolicy } from '../mcp/mcp-http.js';
import type { McpServices } from '../mcp/mcp-services.js';
import type { AgentService } from '../services/agent.service.js';
import type { CatalogService } from '../services/catalog.service.js';
import type { ExportService } from '../services/export.service.js';
import type { GatewayTelemetry } from '../telemetry/gateway-telemetry.js';
import type { RequestContext } from './context.js';
import { BODY_REFUSALS, bodyParserRefusal } from './body-refusals.js';
import { errorBody, graphqlEndpoint, requestIdOf } from './graphql-endpoint.js';
import { metricsRoute } from './metrics-route.js';
import { securityHeaders } from './security-headers.js';
import { webPages } from './web-pages.js';
import type { LiveFeedService } from '../services/live-feed.service.js';
import { attachSubscriptionServer, type SubscriptionServer } from './ws.js';

export interface HttpServerOptions {
  schema: GraphQLSchema;
  production: boolean;
  authenticator: Authenticator;
  agents: AgentService;
  catalog: CatalogService;
  log: Logger;
  /** Every mutation is recorded here. */
  audit: AuditWriter;
  /** Checks the store; throws when it is not reachable. */
  checkStore: () => Promise<void>;
  /** Whether Redis answers (when one is set): `ok: false` is reported as degraded, not down. */
  checkRedis?: (() => { ok: boolean; since: Date }) | undefined;
  /** Live events for subscriptions over WebSocket at /graphql. */
  feed: LiveFeedService;
  /** The services MCP tools call, served at /mcp (streamable HTTP). */
  mcp: McpServices;
  /** Export links are downloaded at /exports/<id>. */
  exports: ExportService;
  subscriptions: {
    /** How often open WebSocket connections' keys are checked against the store again (0: never). */
    reverifySeconds: number;
  };
  /** Largest GraphQL document taken (HTTP and WebSocket), checked before it is parsed. */
  documentLimits: DocumentLimits;
  /** Whether responses carry Strict-Transport-Security. */
  hsts: boolean;
  /** Which Origin and Host headers /mcp answers (DNS rebinding). */
  mcpOrigins: OriginPolicy;
  /** Which of the gateway's own web pages are served: the explorer (/graphiql, /graphql for a browser) and the console (/console). */
  web: { explorer: boolean; console: boolean };
  /** Metrics and traces of /graphql requests, and what /metrics serves (when on). */
  telemetry: Pick<GatewayTelemetry, 'graphqlRequest' | 'scrape'>;
  /** WARDEN_METRICS_KEY: the Bearer token /metrics asks for; unset, loopback callers only. */
  metricsKey: string | undefined;
}

export interface HttpServer {
  server: Server;
  apollo: ApolloServer<RequestContext>;
  subscriptions: SubscriptionServer;
  stop(): Promise<void>;
}

/** /graphql exactly (a trailing slash and a query string allowed), as a mount at /graphql would match it. */
function isGraphQLPath(url: string | undefined): boolean {
  if (url === undefined || !url.startsWith('/graphql')) return false;
  const rest = url.charCodeAt(8);
  return Number.isNaN(rest) || rest === 63 /* ? */ || rest === 47 /* / */;
}

/** Apollo Server 5 at /graphql (straight from node:http), express 5 for /healthz, /metrics, /mcp and /exports. Call `server.listen` to serve. */
export async function createHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { log } = options;
  const app = express();
  // /graphql is the hot path: Node's server hands it straight to Apollo (graphql-endpoint.ts); express
  // routes the rest. Set once Apollo has started; until then /graphql is not routed and gets express's 404.
  let graphql: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => {
    if (graphql && isGraphQLPath(req.url)) graphql(req, res);
    else app(req, res);
  });
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  // GraphQL answers are POSTs no cache revalidates: hashing every body for an ETag is work for nothing.
  app.set('etag', false);

  const subscriptions = attachSubscriptionServer({
    server,
    schema: options.schema,
    authenticator: options.authenticator,
    agents: options.agents,
    catalog: options.catalog,
    feed: options.feed,
    audit: options.audit,
    log,
    reverifySeconds: options.subscriptions.reverifySeconds,
    documentLimits: options.documentLimits,
    production: options.production,
  });
  const apollo = new ApolloServer<RequestContext>({
    schema: options.schema,
    csrfPrevention: true,
    // main.ts owns shutdown; Apollo's own signal handlers would race it and re-raise the signal.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    introspection: !options.production,
    includeStacktraceInErrorResponses: false,
    // The context refuses a longer document before it gets here; this holds should anything else parse one.
    parseOptions: { maxTokens: options.documentLimits.maxTokens },
    validationRules: queryLimitRules(),
    formatError,
    logger: {
      debug: (message) => log.debug(message),
      info: (message) => log.info(message),
      warn: (message) => log.warn(message),
      error: (message) => log.error(message),
    },
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: server }),
      // Subscriptions end with the server: their sockets are closed (1001, going away) on stop.
      { serverWillStart: async () => ({ drainServer: () => subscriptions.dispose() }) },
      // Nothing here is HTTP-cached, and the cache-control plugin wraps every field resolver to compute hints.
      ApolloServerPluginCacheControlDisabled(),
      errorReportingPlugin(),
      subscriptionsOverSocketPlugin(),
      schemaHintsPlugin(options.production),
      mutationAuditPlugin(options.audit),
      telemetryPlugin(),
      // The explorer is our own page (web-pages.ts), served from local files before Apollo sees the request.
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();

  const pages = webPages({ ...options.web, log });
  graphql = graphqlEndpoint({
    apollo,
    authenticator: options.authenticator,
    agents: options.agents,
    catalog: options.catalog,
    audit: options.audit,
    log,
    documentLimits: options.documentLimits,
    hsts: options.hsts,
    explorerPage: pages.explorer,
    telemetry: options.telemetry,
  });
  app.use(securityHeaders({ hsts: options.hsts }));
  app.use((req, res, next) => {
    const id = requestIdOf(req.headers['x-request-id']);
    res.locals.requestId = id;
    res.setHeader('x-request-id', id);
    next();
  });
  app.get('/healthz', async (_req, res) => {
    const started = performance.now();
    // Redis away is degraded service (limits per replica), not an outage: still 200.
    const redis = options.checkRedis?.();
    const redisPart = redis ? { redis: redis.ok ? { ok: true } : { ok: false, since: redis.since.toISOString() } } : {};
    try {
      await options.checkStore();
      res.json({ status: redis && !redis.ok ? 'degraded' : 'ok', store: { ok: true, latencyMs: Math.round(performance.now() - started) }, ...redisPart });
    } catch (error) {
      log.error({ err: error }, 'health check: store unreachable');
      res.status(503).json({ status: 'unavailable', store: { ok: false }, ...redisPart });
    }
  });

  pages.mount(app);
  const { scrape } = options.telemetry;
  if (scrape) app.get('/metrics', metricsRoute({ key: options.metricsKey, scrape, log }));
  app.use('/mcp', mcpRouter(options.mcp, options.mcpOrigins));
  app.get('/exports/:id', exportDownload(options.exports, log));

  app.use((_req, res) => {
    res.status(404).json({ errors: [{ message: 'Not found. The GraphQL endpoint is /graphql.', extensions: { code: ErrorCode.NOT_FOUND } }] });
  });
  app.use(requestErrors(log));

  return {
    server,
    apollo,
    subscriptions,
    stop: async () => {
      await apollo.stop();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Body-parser failures and anything else thrown before GraphQL: a typed GraphQL-shaped error, never a stack. */
function requestErrors(log: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    const requestId = res.locals.requestId as string | undefined;
    const refusal = bodyParserRefusal(error);
    if (refusal) {
      const { status, message } = BODY_REFUSALS[refusal];
      res.status(status).json(errorBody(message, ErrorCode.BAD_USER_INPUT, requestId));
    } else {
      log.error({ err: error, requestId }, 'request failed before GraphQL');
      res.status(500).json(errorBody(INTERNAL_MESSAGE, ErrorCode.INTERNAL, requestId));
    }
  };
}

const STATUS_OF: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.BAD_USER_INPUT]: 400,
  [ErrorCode.SQL_SYNTAX]: 400,
  [ErrorCode.SQL_NOT_ALLOWED]: 403,
  [ErrorCode.RATE_LIMITED]: 429,
  [ErrorCode.QUERY_TIMEOUT]: 504,
  [ErrorCode.QUERY_TOO_EXPENSIVE]: 422,
  [ErrorCode.DATABASE_UNAVAILABLE]: 503,
  [ErrorCode.STORE_UNAVAILABLE]: 503,
};

/**
 * GET /exports/<id>?expires=&signature=: the signature is the credential (no API key), checked before
 * anything else; the read runs under its maker's grants as they are now and is streamed as it is read.
 * A refusal before the first byte is a JSON error with its status; a failure after it cuts the
 * connection, so a truncated file never looks complete.
 */
function exportDownload(exports: ExportService, log: Logger): RequestHandler {
  return async (req, res) => {
    const requestId = res.locals.requestId as string;
    // The URL is a credential: not cached, not sent on as a referrer.
    res.setHeader('cache-control', 'no-store');
    res.setHeader('referrer-policy', 'no-referrer');
    let read: Awaited<ReturnType<ExportService['readLink']>> | undefined;
    try {
      const opened = await exports.openLink(String(req.params.id), req.query.expires, req.query.signature);
      read = await exports.readLink(opened, requestId);
      res.status(200);
      res.setHeader('content-type', opened.contentType);
      res.setHeader('content-disposition', `attachment; filename="${opened.fileName}"`);
      res.setHeader('x-content-type-options', 'nosniff');
      // A download cut by the row or byte cap says so in a trailer, sent after the last row.
      res.setHeader('trailer', 'warden-truncated');
      const written = await read.write(res, (reason) => res.addTrailers({ 'warden-truncated': reason }));
      log.info({ requestId, linkId: opened.link.id, rows: written.rows, bytes: written.bytes, truncatedReason: written.truncatedReason }, 'served an export');
    } catch (error) {
      await read?.close().catch(() => undefined);
      if (res.headersSent) {
        log.warn({ err: error, requestId }, 'an export download was cut off');
        res.destroy();
        return;
      }
      const app = error instanceof AppError ? error : undefined;
      if (!app || app.code === ErrorCode.INTERNAL) {
        log.error({ err: error, requestId }, 'an export download failed');
        res.status(500).json(errorBody(INTERNAL_MESSAGE, ErrorCode.INTERNAL, requestId));
        return;
      }
      res.status(STATUS_OF[app.code] ?? 400).json({ errors: [{ message: app.message, extensions: { ...app.details, code: app.code, requestId } }] });
    }
  };
}
