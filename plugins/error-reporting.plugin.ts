import type { ApolloServerPlugin } from '@apollo/server';
import { isInternal } from '../src/errors/format-error.js';
import type { RequestContext } from '../src/server/context.js';

/**
 * Logs what formatError masks, with the request id, and stamps that id on every error a client gets,
 * so a masked error can be found in the log.
 */
export function errorReportingPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) {
            if (isInternal(error)) {
              contextValue.log.error({ err: error.originalError ?? error, path: error.path }, 'request failed');
            } else {
              contextValue.log.debug({ code: error.extensions.code, path: error.path }, error.message);
            }
          }
        },
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors;
          if (!errors) return;
          response.body.singleResult.errors = errors.map((error) => ({
            ...error,
            extensions: { ...error.extensions, requestId: contextValue.requestId },
          }));
        },
      };
    },
  };
}
