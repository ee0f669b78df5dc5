import DataLoader from 'dataloader';
import type { AgentService } from '../services/agent.service.js';
import type { ApiKey, Grant } from '../services/models.js';

/** Per-request batch loaders: N agents' keys or grants cost one store round trip, not N. */
export interface Loaders {
  keysByAgent: DataLoader<string, ApiKey[]>;
  grantsByAgent: DataLoader<string, Grant[]>;
}

export function createLoaders(agents: AgentService): Loaders {
  return {
    keysByAgent: new DataLoader((ids) => agents.keysOf(ids)),
    grantsByAgent: new DataLoader((ids) => agents.grantsOf(ids)),
  };
}
