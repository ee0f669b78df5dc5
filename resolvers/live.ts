import { AppError, ErrorCode } from '../src/errors/app-error.js';
import type { RequestContext } from '../src/server/context.js';

/** The live feed of a subscription's context; subscriptions exist only over the WebSocket. */
export function liveOf(context: unknown): NonNullable<RequestContext['live']> {
  const live = (context as RequestContext).live;
  if (!live) throw new AppError(ErrorCode.BAD_USER_INPUT, 'Subscriptions run over WebSocket (graphql-ws) at /graphql, not HTTP POST.');
  return live;
}
