import type { Principal } from '../auth/principal.js';
import type { Logger } from '../logger.js';
import type { Loaders } from './loaders.js';

/** What every resolver and shield rule gets for one request. */
export interface RequestContext {
  requestId: string;
  principal: Principal;
  loaders: Loaders;
  log: Logger;
}
