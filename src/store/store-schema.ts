import type { ColumnType, Generated, Kysely } from 'kysely';
import type { CatalogTermsTable, CatalogTermVersionsTable } from './catalog-term-tables.js';
import type { LlmProvidersTable, PromptTemplatesTable } from './language-model-tables.js';
import type { ExportDestinationsTable, ExportLinksTable, ScheduleRunsTable, SchedulesTable } from './schedule-tables.js';
import type { WebhookAttemptsTable, WebhookDeliveriesTable, WebhooksTable } from './webhook-tables.js';

/** Rows of the control-plane store, as Kysely sees them. */
type CreatedAt = ColumnType<Date, Date | undefined, never>;
type Json<T> = ColumnType<T, string, string>;

export type AgentRole = 'ADMIN' | 'AGENT';
export type AgentStatus = 'ACTIVE' | 'REVOKED';

export interface AgentsTable {
  id: string;
  name: string;
  description: string | null;
  role: AgentRole;
  status: AgentStatus;
  createdAt: CreatedAt;
  revokedAt: Date | null;
}

export interface ApiKeysTable {
  id: string;
  agentId: string;
  /** Hex SHA-256 of the key's secret part; the plaintext is never stored. */
  secretHash: string;
  label: string | null;
  createdAt: CreatedAt;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export interface DatabasesTable {
  id: string;
  name: string;
  engine: string;
  description: string | null;
  /** Non-secret connection settings. */
  config: Json<Record<string, unknown>>;
  /** AES-256-GCM ciphertext of the secret settings, and the id of the key that sealed it. */
  secretCiphertext: string | null;
  secretKeyId: string | null;
  createdAt: CreatedAt;
  updatedAt: Date;
}

export type GrantScope = 'DATABASE' | 'SCHEMA' | 'TABLE' | 'COLUMNS';
export type GrantAction = 'READ' | 'INSERT' | 'UPDATE' | 'DELETE' | 'ALL';

export interface GrantsTable {
  id: string;
  agentId: string;
  databaseId: string;
  scope: GrantScope;
  schemaName: string | null;
  tableName: string | null;
  columns: Json<string[] | null>;
  actions: Json<GrantAction[]>;
  rowFilter: string | null;
  columnMasks: Json<Record<string, string> | null>;
  rowCap: number | null;
  /** The planner's estimated cost / rows a statement may have (migration 0007); null: no limit. */
  maxCost: ColumnType<number | null, number | null | undefined, number | null>;
  maxEstimatedRows: ColumnType<number | null, number | null | undefined, number | null>;
  expiresAt: Date | null;
  createdBy: string | null;
  createdAt: CreatedAt;
  revokedAt: Date | null;
}

export interface AuditEventsTable {
  id: string;
  occurredAt: Date;
  requestId: string | null;
  principalId: string | null;
  principalKind: string;
  action: string;
  databaseId: string | null;
  decision: string | null;
  reasons: Json<unknown[] | null>;
  statementFingerprint: string | null;
  tables: Json<string[] | null>;
  durationMs: number | null;
  rowCount: number | null;
  details: Json<Record<string, unknown> | null>;
  seq: Generated<number>;
}

export interface SecurityNotificationsTable {
  id: string;
  createdAt: CreatedAt;
  kind: string;
  severity: 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
  /** 1 (LOW) to 4 (CRITICAL), so "at least HIGH" is one comparison. */
  severityRank: number;
  agentId: string | null;
  message: string;
  details: Json<Record<string, unknown> | null>;
  readAt: Date | null;
  readBy: string | null;
}

/** Per-agent rate limits (null: that limit is not set); a row only for agents with some. */
export interface RateLimitsTable {
  agentId: string;
  perMinute: number | null;
  perHour: number | null;
  perDay: number | null;
  maxConcurrent: number | null;
  updatedAt: Date;
  updatedBy: string | null;
}

export interface StoreSchema {
  agents: AgentsTable;
  api_keys: ApiKeysTable;
  databases: DatabasesTable;
  grants: GrantsTable;
  audit_events: AuditEventsTable;
  security_notifications: SecurityNotificationsTable;
  rate_limits: RateLimitsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  llm_providers: LlmProvidersTable;
  prompt_templates: PromptTemplatesTable;
  export_destinations: ExportDestinationsTable;
  schedules: SchedulesTable;
  schedule_runs: ScheduleRunsTable;
  export_links: ExportLinksTable;
  catalog_terms: CatalogTermsTable;
  catalog_term_versions: CatalogTermVersionsTable;
}

/** The store as its repositories query it. */
export type StoreDb = Kysely<StoreSchema>;
