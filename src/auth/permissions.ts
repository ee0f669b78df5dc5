import { allow, type IRules } from 'graphql-shield';
import { isAdminOrSelf } from './rules/is-admin-or-self.rule.js';
import { isAdmin } from './rules/is-admin.rule.js';
import { isSignedIn } from './rules/is-signed-in.rule.js';

/**
 * Who may call what. Every Query, Mutation and Subscription field is named here (a test fails when one
 * is not); anything unnamed falls to `deny`. Object types allow their fields because reaching an
 * object already passed the rule of the root field that returned it, and services only return what
 * the principal may see.
 */
export const permissions = {
  Query: {
    me: isSignedIn,
    node: isSignedIn,
    agents: isAdmin,
    agent: isAdmin,
    databases: isSignedIn,
    database: isSignedIn,
    grants: isAdmin,
    auditEvents: isAdmin,
    // Anyone with a key may ask; the grants decide (in the service) what they may read or change.
    rows: isSignedIn,
    accessPreview: isAdminOrSelf('agentId'),
    securityNotifications: isSignedIn,
    webhooks: isAdmin,
    webhookDeliveries: isAdmin,
    deadLetters: isAdmin,
  },
  Mutation: {
    registerAgent: isAdmin,
    rotateAgentKey: isAdminOrSelf('agentId'),
    revokeAgent: isAdmin,
    connectDatabase: isAdmin,
    testConnection: isAdmin,
    updateDatabase: isAdmin,
    removeDatabase: isAdmin,
    refreshCatalog: isAdmin,
    grant: isAdmin,
    revokeGrant: isAdmin,
    runQuery: isSignedIn,
    explainQuery: isSignedIn,
    markNotificationRead: isAdmin,
    setRateLimit: isAdmin,
    registerWebhook: isAdmin,
    removeWebhook: isAdmin,
    replayDeadLetter: isAdmin,
    discardDeadLetter: isAdmin,
    purgeAuditEvents: isAdmin,
  },
  Subscription: {
    // Anyone with a key may watch; the feed shows an agent only what concerns itself.
    auditEvents: isSignedIn,
    securityNotifications: isSignedIn,
  },
  Agent: allow,
  AgentConnection: allow,
  AgentEdge: allow,
  AgentKeyPayload: allow,
  ApiKey: allow,
  Grant: allow,
  GrantConnection: allow,
  GrantEdge: allow,
  TableAccess: allow,
  ColumnAccess: allow,
  ColumnMask: allow,
  // Where a database lives and how it is pooled is for admins; agents see its name and tables.
  Database: { '*': allow, connection: isAdmin, pool: isAdmin },
  ConnectionTestResult: allow,
  EndpointStatus: allow,
  PoolSettings: allow,
  Table: allow,
  Column: allow,
  ForeignKey: allow,
  Index: allow,
  DatabaseConnection: allow,
  DatabaseEdge: allow,
  DatabaseStatus: allow,
  PageInfo: allow,
  AuditEvent: allow,
  QueryResult: allow,
  QueryPlan: allow,
  ResultColumn: allow,
  AuditEventConnection: allow,
  AuditEventEdge: allow,
  SecurityNotification: allow,
  SecurityNotificationConnection: allow,
  SecurityNotificationEdge: allow,
  RateLimit: allow,
  Webhook: allow,
  WebhookRegistration: allow,
  WebhookAttempt: allow,
  WebhookDelivery: allow,
  WebhookDeliveryConnection: allow,
  WebhookDeliveryEdge: allow,
} satisfies IRules;
