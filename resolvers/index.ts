import type { ClassType, ContainerType, NonEmptyArray } from 'type-graphql';
import type { UseCases } from '../src/services/use-cases.js';
// In this order: the printed schema lists types in the order their modules load.
import { AgentResolver } from './agent.resolver.js';
import { AuditResolver } from './audit.resolver.js';
import { ApiKeyResolver } from './api-key.resolver.js';
import { DatabaseResolver } from './database.resolver.js';
import { GrantResolver } from './grant.resolver.js';
import { NodeResolver } from './node.resolver.js';
import { QueryResolver } from './query.resolver.js';
import { NotificationResolver } from './notification.resolver.js';
import { AuditRetentionResolver } from './audit-retention.resolver.js';
import { RateLimitResolver } from './rate-limit.resolver.js';
import { WebhookResolver } from './webhook.resolver.js';
import { ProviderResolver } from './provider.resolver.js';
import { PromptTemplateResolver } from './prompt-template.resolver.js';
import { AskResolver } from './ask.resolver.js';
import { ExportResolver } from './export.resolver.js';
import { ScheduleResolver } from './schedule.resolver.js';
import { CatalogTermResolver } from './catalog-term.resolver.js';
import { DiscoveryResolver } from './discovery.resolver.js';
import { TableConstraintResolver } from './table-constraint.resolver.js';

interface ResolverEntry {
  type: ClassType;
  create(services: UseCases): object;
}

const entry = <T extends object>(type: ClassType<T>, create: (services: UseCases) => T): ResolverEntry => ({ type, create });

/** Every resolver, once: its class (what the schema is built from) and how it is made from the services. */
const RESOLVERS: [ResolverEntry, ...ResolverEntry[]] = [
  entry(AgentResolver, (s) => new AgentResolver(s.agents)),
  entry(ApiKeyResolver, () => new ApiKeyResolver()),
  entry(AuditResolver, (s) => new AuditResolver(s.auditEvents)),
  entry(DatabaseResolver, (s) => new DatabaseResolver(s.databases, s.catalog, s.grants)),
  entry(GrantResolver, (s) => new GrantResolver(s.grants)),
  entry(NodeResolver, (s) => new NodeResolver(s.agents, s.databases, s.semanticCatalog)),
  entry(QueryResolver, (s) => new QueryResolver(s.queries)),
  entry(NotificationResolver, (s) => new NotificationResolver(s.notifications)),
  entry(AuditRetentionResolver, (s) => new AuditRetentionResolver(s.auditEvents)),
  entry(RateLimitResolver, (s) => new RateLimitResolver(s.rateLimits)),
  entry(WebhookResolver, (s) => new WebhookResolver(s.webhooks)),
  entry(ProviderResolver, (s) => new ProviderResolver(s.providers)),
  entry(PromptTemplateResolver, (s) => new PromptTemplateResolver(s.promptTemplates)),
  entry(AskResolver, (s) => new AskResolver(s.ask)),
  entry(ExportResolver, (s) => new ExportResolver(s.exports)),
  entry(ScheduleResolver, (s) => new ScheduleResolver(s.schedules)),
  entry(CatalogTermResolver, (s) => new CatalogTermResolver(s.semanticCatalog)),
  entry(DiscoveryResolver, (s) => new DiscoveryResolver(s.discovery)),
  entry(TableConstraintResolver, () => new TableConstraintResolver()),
];

export const resolverClasses: NonEmptyArray<ClassType> = [RESOLVERS[0].type, ...RESOLVERS.slice(1).map((r) => r.type)];

/** What type-graphql asks for a resolver instance: each made once, from the services. */
export function resolverContainer(services: UseCases): ContainerType {
  const instances = new Map(RESOLVERS.map((r) => [r.type, r.create(services)]));
  return { get: (someClass) => instances.get(someClass) };
}
