import { join } from 'node:path';
import type { AnyDriverFactory } from '../../plugins/drivers/driver.js';
import { DriverRegistry, gatewayDrivers } from '../../plugins/drivers/registry.js';
import { Authenticator } from '../auth/authenticator.js';
import type { Config } from '../config.js';
import { ensureDemoDatabase } from '../demo/demo-database.js';
import { seedShopTerms } from '../demo/shop-terms.js';
import { AuditRetention } from '../events/audit-retention.js';
import { AuditWriter } from '../events/audit-writer.js';
import { MemoryClaims, RedisClaims } from '../events/claims.js';
import { EventBus } from '../events/event-bus.js';
import { RedisLeadership, SoleLeadership } from '../events/leadership.js';
import { Pseudonymiser } from '../events/pseudonymiser.js';
import { InProcessPubSub, RedisPubSub } from '../events/pubsub.js';
import { connectRedisCommands, RedisHealth } from '../events/redis-health.js';
import { WebhookDispatcher } from '../events/webhook-dispatcher.js';
import type { Logger } from '../logger.js';
import { EgressGuard } from '../net/egress-guard.js';
import { loadSecretBox } from '../secrets/load-secret-key.js';
import { loadPseudonymKey } from '../secrets/pseudonym-key.js';
import { AgentService } from '../services/agent.service.js';
import { AskService } from '../services/ask.service.js';
import { AuditService } from '../services/audit.service.js';
import { ensureAdmin } from '../services/bootstrap.service.js';
import { CatalogService } from '../services/catalog.service.js';
import { ConnectorRegistry } from '../services/connector-registry.js';
import { DatabaseService } from '../services/database.service.js';
import { DiscoveryService } from '../services/discovery.service.js';
import { ExportService } from '../services/export.service.js';
import { GrantService } from '../services/grant.service.js';
import { LiveFeedService } from '../services/live-feed.service.js';
import { NotificationService, type NotificationDraft } from '../services/notification.service.js';
import { PromptTemplateService } from '../services/prompt-template.service.js';
import { ProviderService } from '../services/provider.service.js';
import { QueryService } from '../services/query.service.js';
import { RateLimitService } from '../services/rate-limit.service.js';
import { ScheduleRunner } from '../services/schedule-runner.js';
import { ScheduleService } from '../services/schedule.service.js';
import { SecurityMonitor } from '../services/security-monitor.js';
import { SemanticCatalogService } from '../services/semantic-catalog.service.js';
import { SqlGateService } from '../services/sql-gate.service.js';
import type { UseCases } from '../services/use-cases.js';
import { WebhookService } from '../services/webhook.service.js';
import { openStore, type Store } from '../store/open-store.js';
import { GatewayTelemetry } from '../telemetry/gateway-telemetry.js';
import type { Shutdown } from './shutdown.js';

export interface ServiceOptions {
  /** Whether this process serves HTTP (metrics are served over it). */
  http: boolean;
  /** Make sure of the admin key and load the demo database. */
  bootstrap: boolean;
  /** The clock schedules and export links go by. */
  clock: () => Date;
  /** One of WARDEN_WORKERS > 1. */
  clusterWorker: boolean;
  /** Where export links point (see ExportSettings.publicUrl). */
  publicUrl: () => string;
  /** Engines beside the built-ins (docs/drivers.md). */
  drivers: readonly AnyDriverFactory[];
}

/** Every part of the gateway behind its server: the use cases (those the resolvers call), and the plumbing they share. */
export interface Services extends UseCases {
  store: Store;
  connectors: ConnectorRegistry;
  telemetry: GatewayTelemetry;
  bus: EventBus;
  /** Counters and claims shared by replicas; undefined without WARDEN_REDIS_URL. */
  redis: Awaited<ReturnType<typeof connectRedisCommands>> | undefined;
  redisHealth: RedisHealth;
  pseudonyms: Pseudonymiser;
  audit: AuditWriter;
  monitor: SecurityMonitor;
  feed: LiveFeedService;
  webhookDispatcher: WebhookDispatcher;
  authenticator: Authenticator;
  scheduler: ScheduleRunner;
  /** An admin key generated at this start (first start only), to show once. */
  generatedAdminKey: string | undefined;
  demoDatabaseId: string | undefined;
}

/**
 * Opens the store and builds every service, each given all it needs when it is made; background
 * parts (audit writer, webhooks, retention, telemetry) start here, and `shutdown` stops them. Event
 * forwarding is wired here too; invalidation is wired by wireInvalidation, once the server exists.
 */
export async function createServices(config: Config, log: Logger, options: ServiceOptions, shutdown: Shutdown): Promise<Services> {
  const store = await openStore(config.store);
  shutdown.add(() => store.close());
  const connectors = new ConnectorRegistry();
  shutdown.add(() => connectors.closeAll());
  // Stopped after everything started later, so spans of the rest of the stop are still sent.
  const telemetry = await GatewayTelemetry.start({ ...config.telemetry, metrics: config.telemetry.metrics && options.http }, log, {
    clusterWorker: options.clusterWorker,
  });
  shutdown.add(() => telemetry.stop());
  // In-process by default; Redis when scaled out, so every replica sees every event and invalidation.
  const pubsub = config.redisUrl ? await RedisPubSub.connect(config.redisUrl, log, config.redisPrefix) : new InProcessPubSub();
  shutdown.add(() => pubsub.close());
  // Counters and claims a request waits on: a connection that answers within WARDEN_REDIS_TIMEOUT_MS or not at all.
  const redis = config.redisUrl ? await connectRedisCommands(config.redisUrl, log, config.redisTimeoutMs) : undefined;
  if (redis) shutdown.add(() => redis.quit().then(() => undefined, () => redis.disconnect()));
  const bus = new EventBus(pubsub);
  const { generatedKey, adminId } = options.bootstrap ? await ensureAdmin(store, config.adminKey) : { generatedKey: undefined, adminId: undefined };
  const demo = options.bootstrap && config.demo ? await ensureDemoDatabase(store, connectors, config.dataDir, log) : undefined;

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
    ...options.drivers,
  ]);
  const databases = new DatabaseService(store, connectors, drivers, catalog, secrets, { maxConnections: config.maxConnections, store: config.store }, log);
  await databases.openAll();
  const pseudonyms = new Pseudonymiser(
    config.audit.pseudonymise ? await loadPseudonymKey({ pseudonymKey: config.audit.pseudonymKey, secretKey: config.secretKey, keyFile: join(config.dataDir, 'secret.key') }) : undefined,
  );
  const audit = new AuditWriter(store.repos.audit, log, { pseudonyms });
  audit.start();
  shutdown.add(() => audit.stop());
  audit.onEvent((event) => bus.publishAudit(event));
  audit.onEvent((event) => telemetry.auditEvent(event.decision));
  const grants = new GrantService(store, catalog, sqlGate);
  const resealed = await databases.resealStaleSecrets();
  if (resealed > 0) log.info({ resealed }, 'sealed stored credentials with the current key');
  const notifications = new NotificationService(store, bus, (agentId) => pseudonyms.ref(agentId));
  const feed = new LiveFeedService(bus, (agentId) => pseudonyms.ref(agentId));
  shutdown.add(() => feed.close());
  // Redis away: said once (a HIGH notification) and once more when it is back; meanwhile limits are per replica.
  const redisHealth = new RedisHealth(log, (state, since) => {
    notifications.raise(redisNotification(state, since)).catch((error: unknown) => log.error({ err: error }, 'could not raise a security notification'));
  });
  if (redis) redisHealth.watch(redis);
  shutdown.add(() => redisHealth.stop());
  const redisFailed = (cause: unknown) => redisHealth.failed(cause);
  // Redis, when replicas share one: a finding every replica sees is raised by one of them.
  // One replica runs the rules over every replica's events; the others are not sent them for it.
  const leadership = redis ? new RedisLeadership(redis, `${config.redisPrefix}lease:security-monitor`, 15_000, log) : new SoleLeadership();
  shutdown.add(() => leadership.stop());
  const monitor = new SecurityMonitor(bus, notifications, redis ? new RedisClaims(redis, `${config.redisPrefix}claim:`, redisFailed) : new MemoryClaims(), log, config.alerts, leadership);
  shutdown.add(() => monitor.stop());
  // Counters in Redis when scaled out, so the limits hold across replicas; in this process otherwise.
  const rateLimits = new RateLimitService(store, { redis, keyPrefix: config.redisPrefix, onRedisUnavailable: redisFailed });
  // One policy for every connection Warden makes on its own (WARDEN_EGRESS_ALLOW / _DENY).
  const egress = new EgressGuard(config.egress);
  const webhooks = new WebhookService(store, secrets, egress);
  const webhookDispatcher = new WebhookDispatcher(store.repos.webhooks, secrets, log, { ...config.webhooks, egress });
  webhooks.onChanged(() => webhookDispatcher.refresh());
  // Local sources only: each event is queued by the replica that recorded it, so it is delivered once.
  audit.onEvent((event) => webhookDispatcher.onAuditEvent(event));
  notifications.onRaised((notification) => webhookDispatcher.onNotification(notification));
  await webhookDispatcher.start();
  shutdown.add(() => webhookDispatcher.stop());
  if (pseudonyms.enabled) log.info('audit events carry pseudonyms, not agent ids (Agent.auditRef maps one to the other)');
  const auditEvents = new AuditService(store, pseudonyms);
  const providers = new ProviderService(store, secrets, { ...config, llmTelemetry: telemetry }, log);
  const resealedKeys = await providers.resealStaleKeys();
  if (resealedKeys > 0) log.info({ resealed: resealedKeys }, 'sealed stored language model keys with the current key');
  const promptTemplates = new PromptTemplateService(store);
  const queries = new QueryService(
    connectors,
    catalog,
    grants,
    sqlGate,
    audit,
    rateLimits,
    { defaultMaxRows: 1_000, hardMaxRows: 10_000, maxResultBytes: config.results.maxBytes, maxExportBytes: config.exports.maxBytes },
    telemetry,
  );
  const semanticCatalog = new SemanticCatalogService(store, catalog, grants, sqlGate, audit);
  if (demo?.created && adminId) {
    // The demo shop comes with its business words, so a plain-words question finds its tables at once.
    const admin = { principal: { kind: 'agent' as const, agentId: adminId, keyId: 'bootstrap', name: 'admin', role: 'ADMIN' as const }, requestId: null };
    await seedShopTerms(semanticCatalog, admin, demo.id).catch((error: unknown) => log.warn({ err: error }, 'the demo shop’s catalog terms were not all loaded'));
  }
  // The model is given the approved catalog terms whose every object the asking agent may read.
  const ask = new AskService(providers, promptTemplates, queries, { tokenBudget: config.nl.tokenBudget, defaultMaxRows: 200 }, semanticCatalog);
  const discovery = new DiscoveryService(databases, catalog, grants, queries, audit);
  const exports = new ExportService(
    store,
    queries,
    secrets,
    {
      maxRows: config.exports.maxRows,
      linkTtlSeconds: config.exports.linkTtlSeconds,
      deliveryTimeoutMs: config.exports.deliveryTimeoutMs,
      deliveryAttempts: 3,
      egress,
      publicUrl: options.publicUrl,
    },
    log,
    options.clock,
  );
  const schedules = new ScheduleService(store, queries, exports, config.exports.maxRows, options.clock);
  const scheduler = new ScheduleRunner(store, queries, exports, audit, log, { pollMs: config.schedules.pollMs, maxRows: config.exports.maxRows }, options.clock);
  const auditRetention = new AuditRetention(store.repos.audit, log, { retentionDays: config.audit.retentionDays });
  auditRetention.start();
  shutdown.add(() => auditRetention.stop());
  const authenticator = new Authenticator(store.repos.apiKeys, log);

  return {
    store,
    connectors,
    telemetry,
    bus,
    redis,
    redisHealth,
    pseudonyms,
    audit,
    monitor,
    feed,
    webhookDispatcher,
    authenticator,
    scheduler,
    agents,
    ask,
    auditEvents,
    catalog,
    databases,
    discovery,
    exports,
    grants,
    notifications,
    promptTemplates,
    providers,
    queries,
    rateLimits,
    schedules,
    semanticCatalog,
    webhooks,
    generatedAdminKey: generatedKey,
    demoDatabaseId: demo?.id,
  };
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
