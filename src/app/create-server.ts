import { mutationAuditMiddleware } from '../../plugins/mutation-audit.plugin.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { McpServices } from '../mcp/mcp-services.js';
import { originPolicy } from '../mcp/mcp-http.js';
import { buildBareSchema, protectSchema } from '../server/build-schema.js';
import { createHttpServer, type HttpServer } from '../server/http.js';
import type { Services } from './create-services.js';

/** What the MCP tools call: the same service instances the resolvers get. */
export function mcpServices(services: Services, log: Logger): McpServices {
  const { databases, catalog, grants, queries, ask, discovery, providers, authenticator, audit, semanticCatalog } = services;
  return { databases, catalog, grants, queries, ask, discovery, providers, authenticator, audit, log, semanticCatalog };
}

/**
 * The GraphQL schema (each resolver made once from the services, shield over every field) and the HTTP
 * server around it: /graphql over HTTP and WebSocket, /mcp, /exports, /healthz, /metrics. Not yet
 * listening.
 */
export async function createServer(config: Config, log: Logger, services: Services, mcp: McpServices): Promise<HttpServer> {
  const { store, audit, redis, redisHealth, telemetry, feed, connectors, webhookDispatcher } = services;
  // A mutation that succeeds has its audit event stored with its change, before it is answered.
  const schema = protectSchema(await buildBareSchema(services), mutationAuditMiddleware(audit));
  const http = await createHttpServer({
    schema,
    production: config.env === 'production',
    authenticator: services.authenticator,
    agents: services.agents,
    catalog: services.catalog,
    audit,
    log,
    checkStore: () => store.ping(),
    checkRedis: redis ? () => ({ ok: redisHealth.state === 'ok', since: redisHealth.since }) : undefined,
    feed,
    mcp,
    exports: services.exports,
    subscriptions: config.subscriptions,
    documentLimits: { maxBytes: config.limits.maxDocumentBytes, maxTokens: config.limits.maxDocumentTokens },
    hsts: config.http.hsts,
    web: { explorer: config.http.explorer, console: config.http.console },
    mcpOrigins: originPolicy({
      host: config.host,
      publicUrl: config.exports.publicUrl,
      allowedOrigins: config.http.allowedOrigins,
      allowedHosts: config.http.allowedHosts,
    }),
    telemetry,
    metricsKey: config.telemetry.metricsKey,
  });
  telemetry.watch({
    *databases() {
      for (const [id, driver] of connectors.open()) yield { id, engine: driver.engine, pool: driver.poolUse?.() };
    },
    storePool: () => store.poolUse(),
    webhookBacklog: () => webhookDispatcher.backlog(),
    webhookBuffered: () => webhookDispatcher.buffered,
    auditBuffered: () => audit.buffered,
    auditWriteFailures: () => audit.writeFailures,
    subscriptions: () => feed.subscriptions,
    websockets: () => http.subscriptions.connectionCount,
  });
  return http;
}
