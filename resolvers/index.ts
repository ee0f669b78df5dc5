import type { NonEmptyArray } from 'type-graphql';
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

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const resolverClasses: NonEmptyArray<Function> = [
  AgentResolver,
  ApiKeyResolver,
  AuditResolver,
  DatabaseResolver,
  GrantResolver,
  NodeResolver,
  QueryResolver,
  NotificationResolver,
  AuditRetentionResolver,
  RateLimitResolver,
  WebhookResolver,
  ProviderResolver,
  PromptTemplateResolver,
  AskResolver,
  ExportResolver,
  ScheduleResolver,
  CatalogTermResolver,
  DiscoveryResolver,
  TableConstraintResolver,
];

export {
  AgentResolver,
  ApiKeyResolver,
  AuditResolver,
  DatabaseResolver,
  GrantResolver,
  NodeResolver,
  QueryResolver,
  NotificationResolver,
  AuditRetentionResolver,
  RateLimitResolver,
  WebhookResolver,
  ProviderResolver,
  PromptTemplateResolver,
  AskResolver,
  ExportResolver,
  ScheduleResolver,
  CatalogTermResolver,
  DiscoveryResolver,
  TableConstraintResolver,
};
