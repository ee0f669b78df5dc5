import type { Authenticator } from '../auth/authenticator.js';
import type { AuditWriter } from '../events/audit-writer.js';
import type { Logger } from '../logger.js';
import type { AskService } from '../services/ask.service.js';
import type { CatalogService } from '../services/catalog.service.js';
import type { DatabaseService } from '../services/database.service.js';
import type { DiscoveryService } from '../services/discovery.service.js';
import type { GrantService } from '../services/grant.service.js';
import type { ProviderService } from '../services/provider.service.js';
import type { QueryService } from '../services/query.service.js';
import type { SemanticCatalogService } from '../services/semantic-catalog.service.js';

/**
 * What the MCP tools and transports use: the same service instances GraphQL's resolvers get (built once
 * in src/app/create-services.ts), so a tool goes through the same gate, grants, rate limits and audit as GraphQL.
 */
export interface McpServices {
  databases: Pick<DatabaseService, 'list' | 'get' | 'openAll'>;
  catalog: Pick<CatalogService, 'get'>;
  grants: Pick<GrantService, 'visibleTables' | 'forget'>;
  queries: Pick<QueryService, 'runQuery' | 'explainQuery' | 'rows'>;
  ask: Pick<AskService, 'ask'>;
  discovery: Pick<DiscoveryService, 'schemas' | 'tableProfile' | 'distinctValues' | 'suggestJoins'>;
  providers: Pick<ProviderService, 'clientFor'>;
  authenticator: Pick<Authenticator, 'authenticate' | 'verify' | 'forgetAgent'>;
  audit: Pick<AuditWriter, 'record'>;
  log: Logger;
  semanticCatalog: Pick<SemanticCatalogService, 'list' | 'get' | 'save'>;
}
