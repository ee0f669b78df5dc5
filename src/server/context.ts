import type { Principal } from '../auth/principal.js';
import type { Logger } from '../logger.js';
import type { LiveFeedService, Viewer } from '../services/live-feed.service.js';
import type { RequestObservation } from '../telemetry/gateway-telemetry.js';
import type { Loaders } from './loaders.js';

/** What every resolver and shield rule gets for one request. */
export interface RequestContext {
  requestId: string;
  principal: Principal;
  loaders: Loaders;
  log: Logger;
  /** HTTP only: what the metrics and the trace call this request; the operation plugin fills it in. */
  observation?: RequestObservation;
  /** Subscriptions only (WebSocket): the live feed and who watches it. */
  live?: { feed: LiveFeedService; viewer: Viewer };
}
