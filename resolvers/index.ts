import type { NonEmptyArray } from 'type-graphql';
import { AgentResolver } from './agent.resolver.js';
import { AuditResolver } from './audit.resolver.js';
import { ApiKeyResolver } from './api-key.resolver.js';
import { DatabaseResolver } from './database.resolver.js';
import { GrantResolver } from './grant.resolver.js';
import { NodeResolver } from './node.resolver.js';
import { QueryResolver } from './query.resolver.js';
import { NotificationResolver } from './notification.resolver.js';
// [rate-limits: import]
// [webhooks: import]

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
  // [rate-limits: class]
  // [webhooks: class]
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
  // [rate-limits: export]
  // [webhooks: export]
};
