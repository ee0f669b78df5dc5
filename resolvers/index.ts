import type { NonEmptyArray } from 'type-graphql';
import { AgentResolver } from './agent.resolver.js';
import { AuditResolver } from './audit.resolver.js';
import { ApiKeyResolver } from './api-key.resolver.js';
import { DatabaseResolver } from './database.resolver.js';
import { GrantResolver } from './grant.resolver.js';
import { NodeResolver } from './node.resolver.js';
import { QueryResolver } from './query.resolver.js';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const resolverClasses: NonEmptyArray<Function> = [AgentResolver, ApiKeyResolver, AuditResolver, DatabaseResolver, GrantResolver, NodeResolver, QueryResolver];

export { AgentResolver, ApiKeyResolver, AuditResolver, DatabaseResolver, GrantResolver, NodeResolver, QueryResolver };
