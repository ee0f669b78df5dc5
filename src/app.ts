import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ContainerType } from 'type-graphql';
import { AgentResolver, ApiKeyResolver, AuditResolver, DatabaseResolver, GrantResolver, NodeResolver, NotificationResolver, QueryResolver } from '../resolvers/index.js';
import { Authenticator } from './auth/authenticator.js';
import type { Config } from './config.js';
import { ensureDemoDatabase } from './demo/demo-database.js';
import type { Logger } from './logger.js';
import { buildBareSchema, protectSchema } from './server/build-schema.js';
import { createHttpServer } from './server/http.js';
import { AgentService } from './services/agent.service.js';
import { AuditWriter } from './events/audit-writer.js';
import { AuditService } from './services/audit.service.js';
import { ensureAdmin } from './services/bootstrap.service.js';
import { GrantService } from './services/grant.service.js';
import { QueryService } from './services/query.service.js';
import { SqlGateService } from './services/sql-gate.service.js';
import { DriverRegistry, gatewayDrivers } from '../plugins/drivers/registry.js';
import { loadSecretBox } from './secrets/load-secret-key.js';
import { CatalogService } from './services/catalog.service.js';
import { ConnectorRegistry } from './services/connector-registry.js';
import { DatabaseService } from './services/database.service.js';
import { openStore } from './store/open-store.js';
import { NotificationService } from './services/notification.service.js';
import { LiveFeedService } from './services/live-feed.service.js';
import { EventBus } from './events/event-bus.js';
import { InProcessPubSub, RedisPubSub, type PubSub } from './events/pubsub.js';

export interface Warden {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
  url: string;
  port: number;
  /** An admin key generated at this start (first start only), to show once. */
  generatedAdminKey: string | undefined;
  demoDatabaseId: string | undefined;
  /** Internal counters, for tests and diagnostics. */
  metrics: { catalogIntrospections(): number };
  stop(): Promise<void>;
}

/** The composition root: config → store → databases → services → server, listening. */
export async function startWarden(config: Config, log: Logger): Promise<Warden> {
  const store = await openStore(config.store);
  const connectors = new ConnectorRegistry();
  let pubsub: PubSub | undefined;
  const stopBeforeListening = async () => {
    await connectors.closeAll();
    await pubsub?.close();
    await store.close();
  };
  try {
    // In-process by default; Redis when scaled out, so every replica sees every event and invalidation.
    pubsub = config.redisUrl ? await RedisPubSub.connect(config.redisUrl, log) : new InProcessPubSub();
    const bus = new EventBus(pubsub);
    const { generatedKey } = await ensureAdmin(store, config.adminKey);
    const demoDatabaseId = config.demo ? await ensureDemoDatabase(store, connectors, config.dataDir, log) : undefined;

    const sqlGate = new SqlGateService();
    const { box: secrets } = await loadSecretBox({
      secretKey: config.secretKey,
      previousKeys: config.previousSecretKeys,
      keyFile: join(config.dataDir, 'secret.key'),
    });
    const catalog = new CatalogService(connectors);
    const agents = new AgentService(store);
    const databases = new DatabaseService(store, connectors, new DriverRegistry(gatewayDrivers(config.dataDir)), catalog, secrets, { maxConnections: config.maxConnections }, log);
    await databases.openAll();
    const audit = new AuditWriter(store.repos.audit, log);
    audit.start();
    audit.onEvent((event) => bus.publishAudit(event));
    const grants = new GrantService(store, catalog, sqlGate);
    const resealed = await databases.resealStaleSecrets();
    if (resealed > 0) log.info({ resealed }, 'sealed stored credentials with the current key');
    const notifications = new NotificationService(store, bus);
    const feed = new LiveFeedService(bus);
    // [rate-limits: wiring]
    // [webhooks: wiring]
    // [audit-retention: wiring]
    const resolvers = new Map<unknown, unknown>([
      [AgentResolver, new AgentResolver(agents)],
      [ApiKeyResolver, new ApiKeyResolver()],
      [DatabaseResolver, new DatabaseResolver(databases, catalog, grants)],
      [GrantResolver, new GrantResolver(grants)],
      [QueryResolver, new QueryResolver(new QueryService(connectors, catalog, grants, sqlGate, audit))],
      [AuditResolver, new AuditResolver(new AuditService(store))],
      [NodeResolver, new NodeResolver(agents, databases)],
      [NotificationResolver, new NotificationResolver(notifications)],
      // [rate-limits: resolvers]
      // [webhooks: resolvers]
    ]);
    const container: ContainerType = { get: (someClass) => resolvers.get(someClass) };
    const schema = protectSchema(await buildBareSchema(container));

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
          // [rate-limits: invalidation]
          break;
      }
    });
    await bus.ready();
    const http = await createHttpServer({
      schema,
      production: config.env === 'production',
      authenticator,
      agents,
      catalog,
      audit,
      log,
      checkStore: () => store.ping(),
      feed,
    });
    closeSockets = (agentId, keyIds, agentRevoked) => http.subscriptions.closeKeys(agentId, keyIds, agentRevoked);
    await new Promise<void>((resolve, reject) => {
      http.server.once('error', reject);
      http.server.listen(config.port, config.host, () => resolve());
    });
    const { port } = http.server.address() as AddressInfo;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    let stopped: Promise<void> | undefined;
    return {
      url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/graphql`,
      port,
      generatedAdminKey: generatedKey,
      demoDatabaseId,
      metrics: { catalogIntrospections: () => catalog.introspections },
      stop: () =>
        (stopped ??= (async () => {
          await http.stop();
          feed.close();
          // [webhooks: stop]
          // [audit-retention: stop]
          await audit.stop();
          await stopBeforeListening();
        })()),
    };
  } catch (error) {
    await stopBeforeListening();
    throw error;
  }
}
