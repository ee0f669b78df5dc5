import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../src/errors/app-error.js';
import type { RequestContext } from '../src/server/context.js';

export const SUBSCRIPTION_OVER_HTTP = 'Subscriptions are served over WebSocket (graphql-ws) at /graphql, not over HTTP.';

/**
 * A subscription sent over HTTP is refused before it runs, with a typed error saying where subscriptions
 * are served. Run over HTTP, its resolver would get no event and fail as an unexpected error.
 */
export function subscriptionsOverSocketPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation === 'subscription') {
            throw new GraphQLError(SUBSCRIPTION_OVER_HTTP, { extensions: { code: ErrorCode.BAD_USER_INPUT, http: { status: 400 } } });
          }
        },
      };
    },
  };
}
