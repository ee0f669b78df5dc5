import type { AgentService } from './agent.service.js';
import type { AskService } from './ask.service.js';
import type { AuditService } from './audit.service.js';
import type { CatalogService } from './catalog.service.js';
import type { DatabaseService } from './database.service.js';
import type { DiscoveryService } from './discovery.service.js';
import type { ExportService } from './export.service.js';
import type { GrantService } from './grant.service.js';
import type { NotificationService } from './notification.service.js';
import type { PromptTemplateService } from './prompt-template.service.js';
import type { ProviderService } from './provider.service.js';
import type { QueryService } from './query.service.js';
import type { RateLimitService } from './rate-limit.service.js';
import type { ScheduleService } from './schedule.service.js';
import type { SemanticCatalogService } from './semantic-catalog.service.js';
import type { WebhookService } from './webhook.service.js';

/**
 * The gateway's use cases, one service each: what the GraphQL resolvers and the MCP tools call. The
 * composition root (src/app/create-services.ts) builds them, with the plumbing they share.
 */
export interface UseCases {
  agents: AgentService;
  ask: AskService;
  auditEvents: AuditService;
  catalog: CatalogService;
  databases: DatabaseService;
  discovery: DiscoveryService;
  exports: ExportService;
  grants: GrantService;
  notifications: NotificationService;
  promptTemplates: PromptTemplateService;
  providers: ProviderService;
  queries: QueryService;
  rateLimits: RateLimitService;
  schedules: ScheduleService;
  semanticCatalog: SemanticCatalogService;
  webhooks: WebhookService;
}
