import type { StoreDb } from '../store-schema.js';
import { AgentRepository } from './agent-repository.js';
import { AuditRepository } from './audit-repository.js';
import { ApiKeyRepository } from './api-key-repository.js';
import { DatabaseRepository } from './database-repository.js';
import { GrantRepository } from './grant-repository.js';
import { NotificationRepository } from './notification-repository.js';
import { RateLimitRepository } from './rate-limit-repository.js';
import { WebhookRepository } from './webhook-repository.js';
import { ProviderRepository } from './provider-repository.js';
import { PromptTemplateRepository } from './prompt-template-repository.js';
import { ScheduleRepository } from './schedule-repository.js';
import { ExportRepository } from './export-repository.js';
import { CatalogTermRepository } from './catalog-term-repository.js';

export type { AgentRecord, AgentListFilter } from './agent-repository.js';
export type { ApiKeyRecord, KeyWithAgent } from './api-key-repository.js';
export type { AuditFilter, AuditRecord } from './audit-repository.js';
export type { DatabaseRecord } from './database-repository.js';
export type { GrantRecord } from './grant-repository.js';
export type { KeysetPosition, Page } from './keyset.js';
export type { ProviderRecord, RetryPolicyName } from './provider-repository.js';
export type { PromptTemplateRecord } from './prompt-template-repository.js';
export type { ScheduleRecord, ScheduleRunRecord } from './schedule-repository.js';
export type { ExportDestinationRecord, ExportLinkRecord } from './export-repository.js';
export type { CatalogTermRecord, CatalogTermVersionRecord } from './catalog-term-repository.js';

export interface Repositories {
  agents: AgentRepository;
  audit: AuditRepository;
  apiKeys: ApiKeyRepository;
  databases: DatabaseRepository;
  grants: GrantRepository;
  notifications: NotificationRepository;
  rateLimits: RateLimitRepository;
  webhooks: WebhookRepository;
  providers: ProviderRepository;
  promptTemplates: PromptTemplateRepository;
  schedules: ScheduleRepository;
  exports: ExportRepository;
  catalogTerms: CatalogTermRepository;
}

export function createRepositories(db: StoreDb): Repositories {
  return {
    agents: new AgentRepository(db),
    audit: new AuditRepository(db),
    apiKeys: new ApiKeyRepository(db),
    databases: new DatabaseRepository(db),
    grants: new GrantRepository(db),
    notifications: new NotificationRepository(db),
    rateLimits: new RateLimitRepository(db),
    webhooks: new WebhookRepository(db),
    providers: new ProviderRepository(db),
    promptTemplates: new PromptTemplateRepository(db),
    schedules: new ScheduleRepository(db),
    exports: new ExportRepository(db),
    catalogTerms: new CatalogTermRepository(db),
  };
}
