import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type OperationDefinitionNode } from 'graphql';
import type { AuditWriter } from '../src/events/audit-writer.js';
import type { RequestContext } from '../src/server/context.js';

/** Mutations whose service records its own, richer audit event. */
const AUDITED_BY_SERVICE = new Set(['runQuery', 'explainQuery']);
const DENIAL_CODES = new Set(['FORBIDDEN', 'UNAUTHENTICATED', 'SQL_NOT_ALLOWED', 'SQL_SYNTAX']);

/**
 * Records every mutation (registering agents, granting, connecting databases…) as an audit event:
 * who, which field, allowed or not and why. Never the arguments: they can hold passwords and keys.
 */
export function mutationAuditPlugin(audit: AuditWriter): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ contextValue, operation, response }) {
          if (!operation || operation.operation !== 'mutation' || response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors ?? [];
          const principal = contextValue.principal;
          for (const field of rootFields(operation)) {
            if (AUDITED_BY_SERVICE.has(field.name)) continue;
            const error = errors.find((e) => e.path?.[0] === field.responseKey);
            const code = typeof error?.extensions?.code === 'string' ? error.extensions.code : undefined;
            audit.record({
              occurredAt: new Date(),
              requestId: contextValue.requestId,
              principalId: principal.kind === 'agent' ? principal.agentId : null,
              principalKind: principal.kind === 'agent' ? (principal.role === 'ADMIN' ? 'admin' : 'agent') : 'anonymous',
              action: field.name,
              databaseId: null,
              decision: error ? (code && DENIAL_CODES.has(code) ? 'DENIED' : 'FAILED') : 'ALLOWED',
              reasons: error ? [{ code: code ?? 'INTERNAL', message: error.message }] : null,
              statementFingerprint: null,
              tables: null,
              durationMs: Math.round((performance.now() - started) * 100) / 100,
              rowCount: null,
              details: null,
            });
          }
        },
      };
    },
  };
}

function rootFields(operation: OperationDefinitionNode): { name: string; responseKey: string }[] {
  return operation.selectionSet.selections.flatMap((s) =>
    s.kind === Kind.FIELD ? [{ name: s.name.value, responseKey: s.alias?.value ?? s.name.value }] : [],
  );
}
