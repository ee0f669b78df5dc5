import type { Principal } from '../auth/principal.js';
import type { Logger } from '../logger.js';
import type { LiveFeedService, Viewer } from '../services/live-feed.service.js';
import type { Loaders } from './loaders.js';

/** What every resolver and shield rule gets for one request. */
export interface RequestContext {
  requestId: string;
  principal: Principal;
  loaders: Loaders;
  log: Logger;
  /** Subscriptions only (WebSocket): the live feed and who watches it. */
  live?: { feed: LiveFeedService; viewer: Viewer };
}
