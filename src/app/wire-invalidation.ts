import type { Logger } from '../logger.js';
import type { Services } from './create-services.js';

/** Closes the live sockets of revoked keys (of a whole agent when `agentRevoked`); the server's. */
export type CloseSockets = (agentId: string, keyIds: string[], agentRevoked: boolean) => void;

/**
 * Keeps what this replica caches true to the store: a change made here takes effect at once and is
 * sent over the bus; a change another replica sends is acted on when it arrives. Revoked keys' live
 * sockets are closed, here and on every replica (when this process serves any).
 */
export function wireInvalidation(services: Services, log: Logger, closeSockets: CloseSockets = () => undefined): void {
  const { agents, authenticator, grants, catalog, databases, rateLimits, monitor, pseudonyms, bus } = services;
  const forgetAgent = (agentId: string) => {
    authenticator.forgetAgent(agentId);
    grants.forget(agentId);
  };
  agents.onRevoked((agentId, keyIds, agentRevoked) => {
    forgetAgent(agentId);
    closeSockets(agentId, keyIds, agentRevoked);
    if (agentRevoked) monitor.agentRevoked(pseudonyms.ref(agentId));
    bus.invalidate({ kind: 'agent', agentId, keyIds, agentRevoked });
  });
  grants.onChanged((agentId) => bus.invalidate({ kind: 'grants', agentId }));
  catalog.onRefreshed((databaseId) => bus.invalidate({ kind: 'catalog', databaseId }));
  databases.onChanged((databaseId) => bus.invalidate({ kind: 'database', databaseId }));
  rateLimits.onChanged((agentId) => bus.invalidate({ kind: 'rateLimit', agentId }));
  bus.onInvalidation((invalidation) => {
    switch (invalidation.kind) {
      case 'agent':
        forgetAgent(invalidation.agentId);
        closeSockets(invalidation.agentId, invalidation.keyIds, invalidation.agentRevoked);
        break;
      case 'grants':
        grants.forget(invalidation.agentId ?? undefined);
        break;
      case 'catalog':
        catalog.invalidate(invalidation.databaseId);
        break;
      case 'database':
        databases.reload(invalidation.databaseId).catch((error: unknown) => log.error({ err: error, databaseId: invalidation.databaseId }, 'could not reopen a database another replica changed'));
        break;
      case 'rateLimit':
        rateLimits.forget(invalidation.agentId);
        break;
    }
  });
}
