import DataLoader from 'dataloader';
import type { Catalog } from '../../plugins/drivers/catalog.js';
import type { AgentService } from '../services/agent.service.js';
import type { CatalogService } from '../services/catalog.service.js';
import type { ApiKey, Grant } from '../services/models.js';

/** Per-request batch loaders: N agents' keys or grants cost one store round trip, not N. */
export interface Loaders {
  keysByAgent: DataLoader<string, ApiKey[]>;
  grantsByAgent: DataLoader<string, Grant[]>;
  /** However many tables a request asks about, each database's catalog is read once. */
  catalogByDatabase: DataLoader<string, Catalog>;
}

export function createLoaders(agents: AgentService, catalog: CatalogService): Loaders {
  return {
    keysByAgent: new DataLoader((ids) => agents.keysOf(ids)),
    grantsByAgent: new DataLoader((ids) => agents.grantsOf(ids)),
    catalogByDatabase: new DataLoader((ids) => Promise.all(ids.map((id) => catalog.get(id).catch((error: unknown) => error as Error)))),
  };
}
