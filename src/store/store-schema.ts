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
  created_at: CreatedAt;
  revoked_at: Date | null;
}

export interface ApiKeysTable {
  id: string;
  agent_id: string;
  /** Hex SHA-256 of the key's secret part; the plaintext is never stored. */
  secret_hash: string;
  label: string | null;
  created_at: CreatedAt;
  last_used_at: Date | null;
  expires_at: Date | null;
  revoked_at: Date | null;
}

export interface DatabasesTable {
  id: string;
  name: string;
  engine: string;
  description: string | null;
  /** Non-secret connection settings. */
  config: Json<Record<string, unknown>>;
  /** AES-256-GCM ciphertext of the secret settings, and the id of the key that sealed it. */
  secret_ciphertext: string | null;
  secret_key_id: string | null;
  created_at: CreatedAt;
  updated_at: Date;
}

export type GrantScope = 'DATABASE' | 'SCHEMA' | 'TABLE' | 'COLUMNS';
export type GrantAction = 'READ' | 'INSERT' | 'UPDATE' | 'DELETE' | 'ALL';

export interface GrantsTable {
  id: string;
  agent_id: string;
  database_id: string;
  scope: GrantScope;
  schema_name: string | null;
  table_name: string | null;
  columns: Json<string[] | null>;
  actions: Json<GrantAction[]>;
  row_filter: string | null;
  column_masks: Json<Record<string, string> | null>;
  row_cap: number | null;
  /** The planner's estimated cost / rows a statement may have (migration 0007); null: no limit. */
  max_cost: ColumnType<number | null, number | null | undefined, number | null>;
  max_estimated_rows: ColumnType<number | null, number | null | undefined, number | null>;
  expires_at: Date | null;
  created_by: string | null;
  created_at: CreatedAt;
  revoked_at: Date | null;
}

export interface AuditEventsTable {
  id: string;
  occurred_at: Date;
  request_id: string | null;
  principal_id: string | null;
  principal_kind: string;
  action: string;
  database_id: string | null;
  decision: string | null;
  reasons: Json<unknown[] | null>;
  statement_fingerprint: string | null;
  tables: Json<string[] | null>;
  duration_ms: number | null;
  row_count: number | null;
  details: Json<Record<string, unknown> | null>;
  seq: Generated<number>;
}

export interface SecurityNotificationsTable {
  id: string;
  created_at: CreatedAt;
  kind: string;
  severity: 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
  /** 1 (LOW) to 4 (CRITICAL), so "at least HIGH" is one comparison. */
  severity_rank: number;
  agent_id: string | null;
  message: string;
  details: Json<Record<string, unknown> | null>;
  read_at: Date | null;
  read_by: string | null;
}

/** Per-agent rate limits (null: that limit is not set); a row only for agents with some. */
export interface RateLimitsTable {
  agent_id: string;
  per_minute: number | null;
  per_hour: number | null;
  per_day: number | null;
  max_concurrent: number | null;
  updated_at: Date;
  updated_by: string | null;
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
