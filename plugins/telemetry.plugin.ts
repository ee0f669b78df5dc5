import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type OperationDefinitionNode } from 'graphql';
import { ErrorCode } from '../src/errors/app-error.js';
import type { RequestContext } from '../src/server/context.js';

const CODES = new Set<string>(Object.values(ErrorCode));

/**
 * Names each HTTP request for the metrics and the trace (src/telemetry): the operation's type and root
 * field once the document is resolved (validated, so the field is one of the schema's), and the code
 * of the first error in the answer. Never the client's operation name or anything else it chose: label
 * values stay few.
 */
export function telemetryPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ contextValue }) {
      const observation = contextValue.observation;
      if (!observation) return;
      return {
        async didResolveOperation({ operation }) {
          if (!operation) return;
          observation.operationType = operation.operation;
          observation.rootField = rootFieldOf(operation);
        },
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const code = response.body.singleResult.errors?.[0]?.extensions?.code;
          if (code !== undefined) observation.outcome = typeof code === 'string' && CODES.has(code) ? code : 'OTHER';
        },
      };
    },
  };
}

/** The one root field the operation selects (aliases and repeats count once), or `multiple`. */
export function rootFieldOf(operation: OperationDefinitionNode): string {
  let field: string | undefined;
  for (const selection of operation.selectionSet.selections) {
    // A fragment at the root hides which fields it selects without walking it: counted as several.
    if (selection.kind !== Kind.FIELD) return 'multiple';
    if (field !== undefined && field !== selection.name.value) return 'multiple';
    field = selection.name.value;
  }
  return field ?? 'multiple';
}
