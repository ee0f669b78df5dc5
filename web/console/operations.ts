import { operation } from '../shared/operation.js';

/**
 * Every GraphQL operation the console sends, with the shapes it reads back. The console talks to the
 * public API only (schema/schema.graphql); test/unit/web/console-operations.test.ts validates each of
 * these documents against that schema, so a change there that would break a page fails a test instead.
 */

// ── Shapes ──────────────────────────────────────────────────────────────────────────────────────────

export type AgentRole = 'ADMIN' | 'AGENT';
export type GrantAction = 'READ' | 'INSERT' | 'UPDATE' | 'DELETE' | 'ALL';
export type GrantScope = 'DATABASE' | 'SCHEMA' | 'TABLE' | 'COLUMNS';
export type Severity = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
export type Connection<T> = { totalCount: number; edges: { node: T }[] };

export interface Me {
  id: string;
  name: string;
  role: AgentRole;
}

export interface ApiKey {
  id: string;
  label: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  active: boolean;
}

export interface RateLimit {
  perMinute: number | null;
  perHour: number | null;
  perDay: number | null;
  maxConcurrent: number | null;
  updatedAt: string;
}

export interface AgentRow {
  id: string;
  name: string;
  description: string | null;
  role: AgentRole;
  status: 'ACTIVE' | 'REVOKED';
  createdAt: string;
  revokedAt: string | null;
  auditRef: string;
  keys: ApiKey[];
  grants: { id: string }[];
  rateLimit: RateLimit | null;
}

export interface AgentChoice {
  id: string;
  name: string;
  role: AgentRole;
  status: 'ACTIVE' | 'REVOKED';
  auditRef: string;
}

export interface DatabaseChoice {
  id: string;
  name: string;
  engine: string;
}

export interface DatabaseStatus {
  state: 'AVAILABLE' | 'UNAVAILABLE';
  checkedAt: string;
  message: string | null;
  serverVersion: string | null;
  latencyMs: number | null;
  activeEndpoint: string | null;
  endpoints: { address: string; healthy: boolean; lastError: string | null }[];
}

export interface DatabaseRow extends DatabaseChoice {
  description: string | null;
  connection: string;
  createdAt: string;
  status: DatabaseStatus;
  tables: { schema: string; name: string }[];
}

export interface CatalogTable {
  schema: string;
  name: string;
  kind: 'TABLE' | 'VIEW' | 'MATERIALIZED_VIEW' | 'COLLECTION';
  rowEstimate: number | null;
  columns: { name: string; dataType: string }[];
}

export interface ColumnMask {
  column: string;
  expression: string;
}

export interface GrantRow {
  id: string;
  scope: GrantScope;
  schemaName: string | null;
  tableName: string | null;
  columns: string[] | null;
  actions: GrantAction[];
  rowFilter: string | null;
  columnMasks: ColumnMask[];
  rowCap: number | null;
  maxCost: number | null;
  maxEstimatedRows: number | null;
  expiresAt: string | null;
  createdAt: string;
}

export interface GrantInput {
  agentId: string;
  databaseId: string;
  scope: GrantScope;
  schema?: string | null;
  table?: string | null;
  columns?: string[] | null;
  actions: GrantAction[];
  rowFilter?: string | null;
  columnMasks?: ColumnMask[] | null;
  rowCap?: number | null;
  maxCost?: number | null;
  maxEstimatedRows?: number | null;
  expiresAt?: string | null;
}

export interface TableAccess {
  schema: string;
  table: string;
  actions: GrantAction[];
  rowFilter: string | null;
  rowCap: number | null;
  reads: string[];
  exposes: string[];
  columns: { column: string; actions: GrantAction[]; mask: string | null }[];
}

export interface AuditEvent {
  id: string;
  occurredAt: string;
  requestId: string | null;
  principalId: string | null;
  principalKind: string;
  action: string;
  databaseId: string | null;
  decision: string | null;
  reasons: unknown[];
  statementFingerprint: string | null;
  tables: string[];
  durationMs: number | null;
  rowCount: number | null;
}

export interface SecurityNotification {
  id: string;
  createdAt: string;
  kind: string;
  severity: Severity;
  agentId: string | null;
  message: string;
  details: unknown;
  read: boolean;
  readAt: string | null;
}

export interface ScheduleRun {
  id: string;
  scheduledFor: string;
  startedAt: string;
  finishedAt: string | null;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'DENIED';
  rowCount: number | null;
  truncated: boolean | null;
  errorCode: string | null;
  errorMessage: string | null;
  deliveredTo: string | null;
}

export interface Schedule {
  id: string;
  agentId: string;
  databaseId: string;
  name: string;
  query: Record<string, unknown>;
  cron: string;
  timezone: string;
  exportFormat: string | null;
  destinationId: string | null;
  status: 'ACTIVE' | 'PAUSED' | 'STOPPED' | 'DELETED';
  stoppedReason: string | null;
  nextRunAt: string | null;
  runs: ScheduleRun[];
}

export interface ExportDestination {
  id: string;
  name: string;
  kind: 'WEBHOOK' | 'S3';
  url: string | null;
  endpoint: string | null;
  region: string | null;
  bucket: string | null;
  prefix: string | null;
  agentIds: string[];
  createdAt: string;
}

export type WebhookEventType = 'AUDIT_EVENT' | 'QUERY_DENIED' | 'SECURITY_NOTIFICATION';
export type DeliveryStatus = 'PENDING' | 'DELIVERED' | 'DEAD' | 'DISCARDED';

export interface Webhook {
  id: string;
  url: string;
  eventTypes: WebhookEventType[];
  description: string | null;
  createdAt: string;
}

export interface WebhookDelivery {
  id: string;
  webhookId: string;
  eventType: WebhookEventType;
  eventId: string;
  status: DeliveryStatus;
  attemptCount: number;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

export interface QueryResult {
  columns: { name: string; dataType: string | null }[];
  rows: Record<string, unknown>[];
  rowCount: number;
  truncated: boolean;
  truncatedReason: 'ROW_CAP' | 'BYTE_CAP' | null;
  durationMs: number;
  statementType: string;
  tables: string[];
}

export interface AskResult {
  question: string;
  sql: string;
  result: QueryResult;
  explanation: { summary: string };
  linkedTables: string[];
  attempts: { sql: string | null; errorCode: string | null; errorMessage: string | null }[];
  timings: { totalMs: number };
  usage: { totalTokens: number };
  provider: { name: string; model: string };
}

// ── Field lists shared by a query and its subscription ──────────────────────────────────────────────

const AUDIT_EVENT_FIELDS = `id occurredAt requestId principalId principalKind action databaseId decision reasons
  statementFingerprint tables durationMs rowCount`;
const NOTIFICATION_FIELDS = 'id createdAt kind severity agentId message details read readAt';
const RESULT_FIELDS = 'columns { name dataType } rows rowCount truncated truncatedReason durationMs statementType tables';
const DELIVERY_FIELDS = 'id webhookId eventType eventId status attemptCount nextAttemptAt lastStatusCode lastError createdAt deliveredAt';
const SCHEDULE_FIELDS = `id agentId databaseId name query cron timezone exportFormat destinationId status stoppedReason nextRunAt
  runs(first: 5) { id scheduledFor startedAt finishedAt status rowCount truncated errorCode errorMessage deliveredTo }`;

// ── Session ─────────────────────────────────────────────────────────────────────────────────────────

export const ME = operation<{ me: Me }>('query Me { me { id name role } }');

// ── Agents ──────────────────────────────────────────────────────────────────────────────────────────

export const AGENTS = operation<{ agents: Connection<AgentRow> }>(`query Agents {
  agents(first: 200) {
    totalCount
    edges { node {
      id name description role status createdAt revokedAt auditRef
      keys { id label createdAt lastUsedAt revokedAt active }
      grants { id }
      rateLimit { perMinute perHour perDay maxConcurrent updatedAt }
    } }
  }
}`);

/** Agents and admins by name, for pickers (the active ones) and for naming principals in the audit feed (all). */
export const AGENT_CHOICES = operation<{ agents: Connection<AgentChoice> }>(`query AgentChoices {
  agents(first: 200) { totalCount edges { node { id name role status auditRef } } }
}`);

export interface OneTimeKey {
  agent: { id: string; name: string };
  key: string;
}

export const REGISTER_AGENT = operation<
  { registerAgent: OneTimeKey },
  { input: { name: string; description?: string | null; role: AgentRole } }
>(`mutation RegisterAgent($input: RegisterAgentInput!) {
  registerAgent(input: $input) { agent { id name } key }
}`);

export const ROTATE_AGENT_KEY = operation<{ rotateAgentKey: OneTimeKey }, { agentId: string; revokePrevious: boolean }>(
  `mutation RotateAgentKey($agentId: ID!, $revokePrevious: Boolean!) {
  rotateAgentKey(agentId: $agentId, revokePrevious: $revokePrevious) { agent { id name } key }
}`,
);

export const REVOKE_AGENT = operation<{ revokeAgent: { id: string; status: string } }, { id: string }>(
  'mutation RevokeAgent($id: ID!) { revokeAgent(id: $id) { id status revokedAt } }',
);

// ── Databases ───────────────────────────────────────────────────────────────────────────────────────

/** With each database's status: a round trip to every database, so only the Databases page asks it. */
export const DATABASES = operation<{ databases: Connection<DatabaseRow> }>(`query Databases {
  databases(first: 200) {
    totalCount
    edges { node {
      id name engine description connection createdAt
      status { state checkedAt message serverVersion latencyMs activeEndpoint endpoints { address healthy lastError } }
      tables { schema name }
    } }
  }
}`);

/** Names only (no status check): for pickers, and, with an agent's key, the databases that agent can see. */
export const DATABASE_CHOICES = operation<{ databases: Connection<DatabaseChoice> }>(
  'query DatabaseChoices { databases(first: 200) { totalCount edges { node { id name engine } } } }',
);

export interface ConnectionFields {
  engine?: string | null;
  connectionString?: string | null;
  host?: string | null;
  port?: number | null;
  database?: string | null;
  user?: string | null;
  password?: string | null;
  ssl?: boolean | null;
  dataDir?: string | null;
}

export const CONNECT_DATABASE = operation<
  { connectDatabase: { id: string; name: string; tables: { name: string }[] } },
  { input: ConnectionFields & { name: string; description?: string | null } }
>(`mutation ConnectDatabase($input: ConnectDatabaseInput!) {
  connectDatabase(input: $input) { id name tables { name } }
}`);

export interface ConnectionTest {
  ok: boolean;
  message: string;
  serverVersion: string | null;
  endpoint: string | null;
  latencyMs: number | null;
}

export const TEST_CONNECTION = operation<{ testConnection: ConnectionTest }, { databaseId?: string | null; input?: ConnectionFields | null }>(
  `mutation TestConnection($databaseId: ID, $input: ConnectionInput) {
  testConnection(databaseId: $databaseId, input: $input) { ok message serverVersion endpoint latencyMs }
}`,
);

export const REFRESH_CATALOG = operation<{ refreshCatalog: { id: string; tables: { name: string }[] } }, { databaseId: string }>(
  'mutation RefreshCatalog($databaseId: ID!) { refreshCatalog(databaseId: $databaseId) { id tables { name } } }',
);

export const REMOVE_DATABASE = operation<{ removeDatabase: { id: string } }, { id: string }>(
  'mutation RemoveDatabase($id: ID!) { removeDatabase(id: $id) { id } }',
);

// ── Grants ──────────────────────────────────────────────────────────────────────────────────────────

export const DATABASE_CATALOG = operation<{ database: { id: string; name: string; tables: CatalogTable[] } }, { id: string }>(
  `query DatabaseCatalog($id: ID!) {
  database(id: $id) { id name tables { schema name kind rowEstimate columns { name dataType } } }
}`,
);

export const GRANTS = operation<{ grants: Connection<GrantRow> }, { agentId: string; databaseId: string }>(
  `query Grants($agentId: ID!, $databaseId: ID!) {
  grants(agentId: $agentId, databaseId: $databaseId, first: 200) {
    totalCount
    edges { node {
      id scope schemaName tableName columns actions rowFilter columnMasks { column expression }
      rowCap maxCost maxEstimatedRows expiresAt createdAt
    } }
  }
}`,
);

export const ACCESS_PREVIEW = operation<{ accessPreview: TableAccess[] }, { agentId: string; databaseId: string }>(
  `query AccessPreview($agentId: ID!, $databaseId: ID!) {
  accessPreview(agentId: $agentId, databaseId: $databaseId) {
    schema table actions rowFilter rowCap reads exposes columns { column actions mask }
  }
}`,
);

export const GRANT = operation<{ grant: { id: string } }, { input: GrantInput }>(
  'mutation Grant($input: GrantInput!) { grant(input: $input) { id } }',
);

export const REVOKE_GRANT = operation<{ revokeGrant: { id: string } }, { id: string }>(
  'mutation RevokeGrant($id: ID!) { revokeGrant(id: $id) { id } }',
);

// ── Live: audit events and security notifications ───────────────────────────────────────────────────

export const RECENT_AUDIT_EVENTS = operation<{ auditEvents: Connection<AuditEvent> }, { first: number }>(
  `query RecentAuditEvents($first: Int) { auditEvents(first: $first) { totalCount edges { node { ${AUDIT_EVENT_FIELDS} } } } }`,
);

export const AUDIT_EVENT_STREAM = operation<{ auditEvents: AuditEvent }>(
  `subscription AuditEventStream { auditEvents { ${AUDIT_EVENT_FIELDS} } }`,
);

export const NOTIFICATIONS = operation<{ securityNotifications: Connection<SecurityNotification> }, { unread?: boolean | null }>(
  `query Notifications($unread: Boolean) {
  securityNotifications(first: 50, unread: $unread) { totalCount edges { node { ${NOTIFICATION_FIELDS} } } }
}`,
);

export const NOTIFICATION_STREAM = operation<{ securityNotifications: SecurityNotification }>(
  `subscription NotificationStream { securityNotifications { ${NOTIFICATION_FIELDS} } }`,
);

export const MARK_NOTIFICATION_READ = operation<{ markNotificationRead: { id: string; read: boolean } }, { id: string; read: boolean }>(
  'mutation MarkNotificationRead($id: ID!, $read: Boolean!) { markNotificationRead(id: $id, read: $read) { id read readAt } }',
);

// ── Schedules ───────────────────────────────────────────────────────────────────────────────────────

export const SCHEDULES = operation<{ schedules: Schedule[] }>(`query Schedules { schedules { ${SCHEDULE_FIELDS} } }`);

export const PAUSE_SCHEDULE = operation<{ pauseSchedule: { id: string } }, { id: string }>(
  'mutation PauseSchedule($id: ID!) { pauseSchedule(id: $id) { id status } }',
);
export const RESUME_SCHEDULE = operation<{ resumeSchedule: { id: string } }, { id: string }>(
  'mutation ResumeSchedule($id: ID!) { resumeSchedule(id: $id) { id status } }',
);
export const DELETE_SCHEDULE = operation<{ deleteSchedule: { id: string } }, { id: string }>(
  'mutation DeleteSchedule($id: ID!) { deleteSchedule(id: $id) { id status } }',
);

// ── Exports ─────────────────────────────────────────────────────────────────────────────────────────

export const EXPORT_DESTINATIONS = operation<{ exportDestinations: ExportDestination[] }>(
  'query ExportDestinations { exportDestinations { id name kind url endpoint region bucket prefix agentIds createdAt } }',
);

export interface ExportDestinationInput {
  name: string;
  kind: 'WEBHOOK' | 'S3';
  url?: string | null;
  endpoint?: string | null;
  region?: string | null;
  bucket?: string | null;
  prefix?: string | null;
  accessKeyId?: string | null;
  secretAccessKey?: string | null;
  agentIds: string[];
}

export const REGISTER_EXPORT_DESTINATION = operation<
  { registerExportDestination: { destination: { id: string; name: string }; secret: string | null } },
  { input: ExportDestinationInput }
>(`mutation RegisterExportDestination($input: RegisterExportDestinationInput!) {
  registerExportDestination(input: $input) { destination { id name } secret }
}`);

export const REMOVE_EXPORT_DESTINATION = operation<{ removeExportDestination: { id: string } }, { id: string }>(
  'mutation RemoveExportDestination($id: ID!) { removeExportDestination(id: $id) { id } }',
);

// ── Webhooks and their dead letters ─────────────────────────────────────────────────────────────────

export const WEBHOOKS = operation<{ webhooks: Webhook[] }>('query Webhooks { webhooks { id url eventTypes description createdAt } }');

export const REGISTER_WEBHOOK = operation<
  { registerWebhook: { webhook: { id: string; url: string }; secret: string } },
  { input: { url: string; eventTypes: WebhookEventType[]; description?: string | null } }
>(`mutation RegisterWebhook($input: RegisterWebhookInput!) {
  registerWebhook(input: $input) { webhook { id url } secret }
}`);

export const REMOVE_WEBHOOK = operation<{ removeWebhook: { id: string } }, { id: string }>(
  'mutation RemoveWebhook($id: ID!) { removeWebhook(id: $id) { id } }',
);

export const WEBHOOK_DELIVERIES = operation<{ webhookDeliveries: Connection<WebhookDelivery> }, { status?: DeliveryStatus | null }>(
  `query WebhookDeliveries($status: WebhookDeliveryStatus) {
  webhookDeliveries(first: 50, status: $status) { totalCount edges { node { ${DELIVERY_FIELDS} } } }
}`,
);

export const DEAD_LETTERS = operation<{ deadLetters: Connection<WebhookDelivery> }>(
  `query DeadLetters { deadLetters(first: 100) { totalCount edges { node { ${DELIVERY_FIELDS} } } } }`,
);

export const REPLAY_DEAD_LETTER = operation<{ replayDeadLetter: { id: string; status: DeliveryStatus } }, { id: string }>(
  'mutation ReplayDeadLetter($id: ID!) { replayDeadLetter(id: $id) { id status } }',
);

export const DISCARD_DEAD_LETTER = operation<{ discardDeadLetter: { id: string; status: DeliveryStatus } }, { id: string }>(
  'mutation DiscardDeadLetter($id: ID!) { discardDeadLetter(id: $id) { id status } }',
);

// ── Rate limits ─────────────────────────────────────────────────────────────────────────────────────

export type RateLimitInput = Pick<RateLimit, 'perMinute' | 'perHour' | 'perDay' | 'maxConcurrent'>;

export const SET_RATE_LIMIT = operation<{ setRateLimit: RateLimit }, { agentId: string; input: RateLimitInput }>(
  `mutation SetRateLimit($agentId: ID!, $input: RateLimitInput!) {
  setRateLimit(agentId: $agentId, input: $input) { perMinute perHour perDay maxConcurrent updatedAt }
}`,
);

// ── Query, with an agent's key ──────────────────────────────────────────────────────────────────────

export const RUN_QUERY = operation<{ runQuery: QueryResult }, { databaseId: string; sql: string; maxRows?: number | null }>(
  `mutation RunQuery($databaseId: ID!, $sql: String!, $maxRows: Int) {
  runQuery(databaseId: $databaseId, sql: $sql, maxRows: $maxRows) { ${RESULT_FIELDS} }
}`,
);

export const ASK_DATABASE = operation<{ askDatabase: AskResult }, { databaseId: string; question: string; maxRows?: number | null }>(
  `mutation AskDatabase($databaseId: ID!, $question: String!, $maxRows: Int) {
  askDatabase(databaseId: $databaseId, question: $question, options: { maxRows: $maxRows }) {
    question sql
    result { ${RESULT_FIELDS} }
    explanation { summary }
    linkedTables
    attempts { sql errorCode errorMessage }
    timings { totalMs }
    usage { totalTokens }
    provider { name model }
  }
}`,
);

// ── Semantic catalog ────────────────────────────────────────────────────────────────────────────────

export * from './catalog/catalog-operations.js';
