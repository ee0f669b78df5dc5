import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ContainerType } from 'type-graphql';
import {
  AgentResolver,
  ApiKeyResolver,
  AuditResolver,
  AuditRetentionResolver,
  DatabaseResolver,
  GrantResolver,
  NodeResolver,
  NotificationResolver,
  QueryResolver,
  RateLimitResolver,
  WebhookResolver,
  ProviderResolver,
  AskResolver,
  PromptTemplateResolver,
  ExportResolver,
  ScheduleResolver,
  CatalogTermResolver,
  DiscoveryResolver,
  TableConstraintResolver,
} from '../resolvers/index.js';
import type { AnyDriverFactory } from '../plugins/drivers/driver.js';
import { DriverRegistry, gatewayDrivers } from '../plugins/drivers/registry.js';
import { mutationAuditMiddleware } from '../plugins/mutation-audit.plugin.js';
import { Authenticator } from './auth/authenticator.js';
import type { Config } from './config.js';
import { ensureDemoDatabase } from './demo/demo-database.js';
import { seedShopTerms } from './demo/shop-terms.js';
import { AuditRetention } from './events/audit-retention.js';
import { AuditWriter } from './events/audit-writer.js';
import { MemoryClaims, RedisClaims } from './events/claims.js';
import { connectRedisCommands, RedisHealth } from './events/redis-health.js';
import { EventBus } from './events/event-bus.js';
import { RedisLeadership, SoleLeadership } from './events/leadership.js';
import { Pseudonymiser } from './events/pseudonymiser.js';
import { InProcessPubSub, RedisPubSub, type PubSub } from './events/pubsub.js';
import { SecurityMonitor } from './events/security-monitor.js';
import { WebhookDispatcher } from './events/webhook-dispatcher.js';
import type { Logger } from './logger.js';
import type { McpServices } from './mcp/mcp-services.js';
import { originPolicy } from './mcp/mcp-http.js';
import { EgressGuard } from './net/egress-guard.js';
import { loadSecretBox } from './secrets/load-secret-key.js';
import { loadPseudonymKey } from './secrets/pseudonym-key.js';
import { buildBareSchema, protectSchema } from './server/build-schema.js';
import { createHttpServer } from './server/http.js';
import { AgentService } from './services/agent.service.js';
import { AuditService } from './services/audit.service.js';
import { ensureAdmin } from './services/bootstrap.service.js';
import { CatalogService } from './services/catalog.service.js';
import { ConnectorRegistry } from './services/connector-registry.js';
import { DatabaseService } from './services/database.service.js';
import { GrantService } from './services/grant.service.js';
import { LiveFeedService } from './services/live-feed.service.js';
import { NotificationService, type NotificationDraft } from './services/notification.service.js';
import { QueryService } from './services/query.service.js';
import { RateLimitService } from './services/rate-limit.service.js';
import { SqlGateService } from './services/sql-gate.service.js';
import { WebhookService } from './services/webhook.service.js';
import { ProviderService } from './services/provider.service.js';
import { AskService } from './services/ask.service.js';
import { PromptTemplateService } from './services/prompt-template.service.js';
import { ExportService } from './services/export.service.js';
import { ScheduleService } from './services/schedule.service.js';
import { SemanticCatalogService } from './services/semantic-catalog.service.js';
import { DiscoveryService } from './services/discovery.service.js';
import { ScheduleRunner } from './events/schedule-runner.js';
import { openStore } from './store/open-store.js';
import { GatewayTelemetry } from './telemetry/gateway-telemetry.js';

export interface Warden {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql; empty when started without HTTP. */
  url: string;
  /** 0 when started without HTTP. */
  port: number;
  /** An admin key generated at this start (first start only), to show once. */
  generatedAdminKey: string | undefined;
  demoDatabaseId: string | undefined;
  /** Internal counters, for tests and diagnostics. */
  metrics: { catalogIntrospections(): number };
  /** Runs the schedules due at `at` (default now) at once, as the timer would; how many runs this replica made. */
  scheduler: { runDue(at?: Date): Promise<number> };
  /** What the MCP tools call: the same services as GraphQL (served at /mcp, and over stdio by `warden mcp`). */
  mcp: McpServices;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Serve HTTP (GraphQL, /mcp, WebSocket). `warden mcp` runs without: it speaks MCP over stdio only. Default true. */
  http?: boolean;
  /**
   * Make sure of the admin key (WARDEN_ADMIN_KEY, or one generated at first start) and load the demo
   * database. Default true; `warden mcp` leaves both to the gateway, whose settings it may not share.
   */
  bootstrap?: boolean;
  /** The clock schedules and export links go by (tests move it on); default the system clock. */
  clock?: () => Date;
  /** This process is one of WARDEN_WORKERS > 1: /metrics answers for all of them, gathered by the primary. */
  clusterWorker?: boolean;
  /** Engines beside the built-ins: third-party driver factories (docs/drivers.md), registered at start. */
  drivers?: readonly AnyDriverFactory[];
}

/** The composition root: config → store → databases → services → server, listening. */
export async function startWarden(config: Config, log: Logger, options: StartOptions = {}): Promise<Warden> {
  const store = await openStore(config.store);
  const connectors = new ConnectorRegistry();
  let pubsub: PubSub | undefined;
  /** What has started so far, stopped newest first, whether start-up failed or the gateway stops. */
  const started: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const stop of started.splice(0).reverse()) {
      try {
        await stop();
      } catch (error) {
        log.error({ err: error }, 'a part of the gateway did not stop cleanly');
      }
    }
    await connectors.closeAll();
    await pubsub?.close();
    await store.close();
  };
  try {
    // First in, last out: spans of the rest of the stop are still sent.
    const telemetry = await GatewayTelemetry.start({ ...config.telemetry, metrics: config.telemetry.metrics && options.http !== false }, log, {
      clusterWorker: options.clusterWorker ?? false,
    });
    started.push(() => telemetry.stop());
    // In-process by default; Redis when scaled out, so every replica sees every event and invalidation.
    pubsub = config.redisUrl ? await RedisPubSub.connect(config.redisUrl, log, config.redisPrefix) : new InProcessPubSub();
    // Counters and claims a request waits on: a connection that answers within WARDEN_REDIS_TIMEOUT_MS or not at all.
    const redis = config.redisUrl ? await connectRedisCommands(config.redisUrl, log, config.redisTimeoutMs) : undefined;
    if (redis) started.push(() => redis.quit().then(() => undefined, () => redis.disconnect()));
    const bus = new EventBus(pubsub);
    const bootstrap = options.bootstrap ?? true;
    const { generatedKey, adminId } = bootstrap ? await ensureAdmin(store, config.adminKey) : { generatedKey: undefined, adminId: undefined };
    const demo = bootstrap && config.demo ? await ensureDemoDatabase(store, connectors, config.dataDir, log) : undefined;
    const demoDatabaseId = demo?.id;

    const sqlGate = new SqlGateService();
    const { box: secrets } = await loadSecretBox({
      secretKey: config.secretKey,
      previousKeys: config.previousSecretKeys,
      keyFile: join(config.dataDir, 'secret.key'),
    });
    const catalog = new CatalogService(connectors, sqlGate);
    const agents = new AgentService(store);
    // The store is never a database to register: its folder (embedded) or its database (PostgreSQL).
    const drivers = new DriverRegistry([
      ...gatewayDrivers(config.dataDir, config.store.kind === 'pglite' && !config.store.dataDir.startsWith('memory://') ? [config.store.dataDir] : []),
      ...(options.drivers ?? []),
    ]);
    const databases = new DatabaseService(store, connectors, drivers, catalog, secrets, { maxConnections: config.maxConnections, store: config.store }, log);
    await databases.openAll();
    const pseudonyms = new Pseudonymiser(config.audit.pseudonymise ? await loadPseudonymKey({ pseudonymKey: config.audit.pseudonymKey, secretKey: config.secretKey, keyFile: join(config.dataDir, 'secret.key') }) : undefined);
    const audit = new AuditWriter(store.repos.audit, log, { pseudonyms });
    audit.start();
    started.push(() => audit.stop());
    audit.onEvent((event) => bus.publishAudit(event));
    audit.onEvent((event) => telemetry.auditEvent(event.decision));
    const grants = new GrantService(store, catalog, sqlGate);
    const resealed = await databases.resealStaleSecrets();
    if (resealed > 0) log.info({ resealed }, 'sealed stored credentials with the current key');
    const notifications = new NotificationService(store, bus, (agentId) => pseudonyms.ref(agentId));
    const feed = new LiveFeedService(bus, (agentId) => pseudonyms.ref(agentId));
    started.push(() => feed.close());
    // Redis away: said once (a HIGH notification) and once more when it is back; meanwhile limits are per replica.
    const redisHealth = new RedisHealth(log, (state, since) => {
      notifications.raise(redisNotification(state, since)).catch((error: unknown) => log.error({ err: error }, 'could not raise a security notification'));
    });
    if (redis) redisHealth.watch(redis);
    started.push(() => redisHealth.stop());
    const redisFailed = (cause: unknown) => redisHealth.failed(cause);
    // Redis, when replicas share one: a finding every replica sees is raised by one of them.
    // One replica runs the rules over every replica's events; the others are not sent them for it.
    const leadership = redis ? new RedisLeadership(redis, `${config.redisPrefix}lease:security-monitor`, 15_000, log) : new SoleLeadership();
    started.push(() => leadership.stop());
    const monitor = new SecurityMonitor(bus, notifications, redis ? new RedisClaims(redis, `${config.redisPrefix}claim:`, redisFailed) : new MemoryClaims(), log, config.alerts, leadership);
    started.push(() => monitor.stop());
    // Counters in Redis when scaled out, so the limits hold across replicas; in this process otherwise.
    const rateLimits = new RateLimitService(store, { redis, keyPrefix: config.redisPrefix, onRedisUnavailable: redisFailed });
    rateLimits.onChanged((agentId) => bus.invalidate({ kind: 'rateLimit', agentId }));
    // One policy for every connection Warden makes on its own (WARDEN_EGRESS_ALLOW / _DENY).
    const egress = new EgressGuard(config.egress);
    const webhookService = new WebhookService(store, secrets, egress);
    const webhookDispatcher = new WebhookDispatcher(store.repos.webhooks, secrets, log, { ...config.webhooks, egress });
    webhookService.onChanged(() => webhookDispatcher.refresh());
    // Local sources only: each event is queued by the replica that recorded it, so it is delivered once.
    audit.onEvent((event) => webhookDispatcher.onAuditEvent(event));
    notifications.onRaised((notification) => webhookDispatcher.onNotification(notification));
    await webhookDispatcher.start();
    started.push(() => webhookDispatcher.stop());
    if (pseudonyms.enabled) log.info('audit events carry pseudonyms, not agent ids (Agent.auditRef maps one to the other)');
    const auditService = new AuditService(store, pseudonyms);
    const providers = new ProviderService(store, secrets, { ...config, llmTelemetry: telemetry }, log);
    const resealedKeys = await providers.resealStaleKeys();
    if (resealedKeys > 0) log.info({ resealed: resealedKeys }, 'sealed stored language model keys with the current key');
    const promptTemplates = new PromptTemplateService(store);
    const queries = new QueryService(connectors, catalog, grants, sqlGate, audit, rateLimits, {
      defaultMaxRows: 1_000,
      hardMaxRows: 10_000,
      maxResultBytes: config.results.maxBytes,
      maxExportBytes: config.exports.maxBytes,
    }, telemetry);
    const semanticCatalog = new SemanticCatalogService(store, catalog, grants, sqlGate, audit);
    if (demo?.created && adminId) {
      // The demo shop comes with its business words, so a plain-words question finds its tables at once.
      const admin = { principal: { kind: 'agent' as const, agentId: adminId, keyId: 'bootstrap', name: 'admin', role: 'ADMIN' as const }, requestId: null };
      await seedShopTerms(semanticCatalog, admin, demo.id).catch((error: unknown) => log.warn({ err: error }, 'the demo shop’s catalog terms were not all loaded'));
    }
    // The model is given the approved catalog terms whose every object the asking agent may read.
    const askService = new AskService(providers, promptTemplates, queries, { tokenBudget: config.nl.tokenBudget, defaultMaxRows: 200 }, semanticCatalog);
    const discovery = new DiscoveryService(databases, catalog, grants, queries, audit);
    const clock = options.clock ?? (() => new Date());
    const exportService = new ExportService(
      store,
      queries,
      secrets,
      { maxRows: config.exports.maxRows, linkTtlSeconds: config.exports.linkTtlSeconds, deliveryTimeoutMs: config.exports.deliveryTimeoutMs, deliveryAttempts: 3, egress },
      log,
      clock,
    );
    const scheduleService = new ScheduleService(store, queries, exportService, config.exports.maxRows, clock);
    const scheduler = new ScheduleRunner(store, queries, exportService, audit, log, { pollMs: config.schedules.pollMs, maxRows: config.exports.maxRows }, clock);
    const auditRetention = new AuditRetention(store.repos.audit, log, { retentionDays: config.audit.retentionDays });
    auditRetention.start();
    started.push(() => auditRetention.stop());
    const resolvers = new Map<unknown, unknown>([
      [AgentResolver, new AgentResolver(agents)],
      [ApiKeyResolver, new ApiKeyResolver()],
      [DatabaseResolver, new DatabaseResolver(databases, catalog, grants)],
      [GrantResolver, new GrantResolver(grants)],
      [QueryResolver, new QueryResolver(queries)],
      [AskResolver, new AskResolver(askService)],
      [AuditResolver, new AuditResolver(auditService)],
      [NodeResolver, new NodeResolver(agents, databases, semanticCatalog)],
      [NotificationResolver, new NotificationResolver(notifications)],
      [AuditRetentionResolver, new AuditRetentionResolver(auditService)],
      [RateLimitResolver, new RateLimitResolver(rateLimits)],
      [WebhookResolver, new WebhookResolver(webhookService)],
      [ProviderResolver, new ProviderResolver(providers)],
      [PromptTemplateResolver, new PromptTemplateResolver(promptTemplates)],
      [ExportResolver, new ExportResolver(exportService)],
      [ScheduleResolver, new ScheduleResolver(scheduleService)],
      [CatalogTermResolver, new CatalogTermResolver(semanticCatalog)],
      [DiscoveryResolver, new DiscoveryResolver(discovery)],
      [TableConstraintResolver, new TableConstraintResolver()],
    ]);
    const container: ContainerType = { get: (someClass) => resolvers.get(someClass) };
    // A mutation that succeeds has its audit event stored with its change, before it is answered.
    const schema = protectSchema(await buildBareSchema(container), mutationAuditMiddleware(audit));

    const authenticator = new Authenticator(store.repos.apiKeys, log);
    // A change takes effect at once here, and on other replicas as soon as the bus brings it.
    const forgetAgent = (agentId: string) => {
      authenticator.forgetAgent(agentId);
      grants.forget(agentId);
    };
    // Set once the server exists: revoked keys' live sockets are closed, here and on every replica.
    let closeSockets: (agentId: string, keyIds: string[], agentRevoked: boolean) => void = () => undefined;
    agents.onRevoked((agentId, keyIds, agentRevoked) => {
      forgetAgent(agentId);
      closeSockets(agentId, keyIds, agentRevoked);
      if (agentRevoked) monitor.agentRevoked(pseudonyms.ref(agentId));
      bus.invalidate({ kind: 'agent', agentId, keyIds, agentRevoked });
    });
    grants.onChanged((agentId) => bus.invalidate({ kind: 'grants', agentId }));
    catalog.onRefreshed((databaseId) => bus.invalidate({ kind: 'catalog', databaseId }));
    databases.onChanged((databaseId) => bus.invalidate({ kind: 'database', databaseId }));
    bus.onInvalidation((invalidation) => {
      switch (invalidation.kind) {
        case 'agent':
          forgetAgent(invalidation.agentId);
          closeSockets(invalidation.agentId, invalidation.keyIds, invalidation.agentRevoked);
          break;
        case 'grants':
          grants.forget(invalidation.agentId ?? undefined);
          break;
        case 'catalog':
          catalog.invalidate(invalidation.databaseId);
          break;
        case 'database':
          databases.reload(invalidation.databaseId).catch((error: unknown) => log.error({ err: error, databaseId: invalidation.databaseId }, 'could not reopen a database another replica changed'));
          break;
        case 'rateLimit':
          rateLimits.forget(invalidation.agentId);
          break;
      }
    });
    await bus.ready();
    const mcp: McpServices = { databases, catalog, grants, queries, ask: askService, discovery, providers, authenticator, audit, log, semanticCatalog };
    let stopped: Promise<void> | undefined;
    const stop = () => (stopped ??= stopAll());
    const metrics = { catalogIntrospections: () => catalog.introspections };
    if (options.http === false) {
      // Schedules are the gateway's to run; `warden mcp` only answers its client.
      return { url: '', port: 0, generatedAdminKey: generatedKey, demoDatabaseId, metrics, scheduler, mcp, stop };
    }
    const http = await createHttpServer({
      schema,
      production: config.env === 'production',
      authenticator,
      agents,
      catalog,
      audit,
      log,
      checkStore: () => store.ping(),
      checkRedis: redis ? () => ({ ok: redisHealth.state === 'ok', since: redisHealth.since }) : undefined,
      feed,
      mcp,
      exports: exportService,
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
    // The HTTP server goes first: no new requests while the rest stops.
    started.push(() => http.stop());
    closeSockets = (agentId, keyIds, agentRevoked) => http.subscriptions.closeKeys(agentId, keyIds, agentRevoked);
    await new Promise<void>((resolve, reject) => {
      http.server.once('error', reject);
      http.server.listen(config.port, config.host, () => resolve());
    });
    const { port } = http.server.address() as AddressInfo;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    const origin = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`;
    exportService.publicUrl = config.exports.publicUrl ?? origin;
    scheduler.start();
    started.push(() => scheduler.stop());
    return {
      url: `${origin}/graphql`,
      port,
      generatedAdminKey: generatedKey,
      demoDatabaseId,
      metrics,
      scheduler,
      mcp,
      stop,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function redisNotification(state: 'ok' | 'unavailable', since: Date): NotificationDraft {
  return state === 'unavailable'
    ? {
        kind: 'REDIS_UNAVAILABLE',
        severity: 'HIGH',
        agentId: null,
        message:
          'Redis does not answer. Rate limits are counted by each replica on its own until it is back (an agent may get up to its limit once per replica), and live subscriptions see only this replica\'s events. Check Redis.',
        details: { since: since.toISOString() },
      }
    : {
        kind: 'REDIS_RECOVERED',
        severity: 'LOW',
        agentId: null,
        message: 'Redis answers again: rate limits are shared by every replica again.',
        details: { since: since.toISOString() },
      };
}
