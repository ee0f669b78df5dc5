import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type GraphQLResolveInfo, type OperationDefinitionNode } from 'graphql';
import type { IMiddleware } from 'graphql-middleware';
import type { AuditEvent, AuditWriter, StoredAuditEvent } from '../src/events/audit-writer.js';
import type { RequestContext } from '../src/server/context.js';
import { runInTransactionScope } from '../src/store/transaction-scope.js';

/** Mutations whose service records its own, richer audit event. */
const AUDITED_BY_SERVICE = new Set(['runQuery', 'explainQuery']);
const DENIAL_CODES = new Set(['FORBIDDEN', 'UNAUTHENTICATED', 'SQL_NOT_ALLOWED', 'SQL_SYNTAX']);

/** Per request: the response keys of mutation fields whose ALLOWED event is already stored. */
const storedWithChange = new WeakMap<object, Set<string>>();

/**
 * Writes the ALLOWED audit event of each mutation that succeeds durably, before its answer is sent:
 * inside the first store transaction the mutation starts (so the change and its record land together
 * or not at all), else on its own right after the resolver returns. An answer is never sent for a change
 * whose record is not stored; when the record cannot be written, the mutation answers with that error.
 * Refusals and failures change nothing and are recorded, batched, by `mutationAuditPlugin`.
 */
export function mutationAuditMiddleware(audit: AuditWriter): IMiddleware {
  return {
    Mutation: async (resolve, parent, args, context: RequestContext, info: GraphQLResolveInfo) => {
      if (AUDITED_BY_SERVICE.has(info.fieldName)) return resolve(parent, args, context, info);
      const started = performance.now();
      let claimed = false;
      let over = false;
      let written: StoredAuditEvent | undefined;
      let committed = false;
      const result: unknown = await runInTransactionScope(
        {
          claim: () => {
            if (claimed || over) return false;
            claimed = true;
            return true;
          },
          beforeCommit: async (repos) => {
            written = audit.prepare(mutationEvent(context, info.fieldName, started));
            await audit.writeInTransaction(repos.audit, written);
          },
          afterCommit: () => {
            committed = true;
          },
        },
        () => resolve(parent, args, context, info),
      );
      over = true;
      if (!committed || !written) {
        written = audit.prepare(mutationEvent(context, info.fieldName, started));
        await audit.writeNow(written);
      }
      audit.announce(written);
      const keys = storedWithChange.get(context) ?? new Set<string>();
      keys.add(String(info.path.key));
      storedWithChange.set(context, keys);
      return result;
    },
  };
}

/** The audit event of one mutation field: ALLOWED, or DENIED/FAILED with the error's code and message. */
function mutationEvent(
  context: RequestContext,
  action: string,
  started: number,
  error?: { code: string | undefined; message: string },
): AuditEvent {
  const principal = context.principal;
  return {
    occurredAt: new Date(),
    requestId: context.requestId,
    principalId: principal.kind === 'agent' ? principal.agentId : null,
    principalKind: principal.kind === 'agent' ? (principal.role === 'ADMIN' ? 'admin' : 'agent') : 'anonymous',
    action,
    databaseId: null,
    decision: error ? (error.code && DENIAL_CODES.has(error.code) ? 'DENIED' : 'FAILED') : 'ALLOWED',
    reasons: error ? [{ code: error.code ?? 'INTERNAL', message: error.message }] : null,
    statementFingerprint: null,
    tables: null,
    durationMs: Math.round((performance.now() - started) * 100) / 100,
    rowCount: null,
    details: null,
  };
}

/**
 * Records every mutation (registering agents, granting, connecting databases…) as an audit event:
 * who, which field, allowed or not and why. Never the arguments: they can hold passwords and keys.
 * A mutation that succeeded has had its event stored with its change (`mutationAuditMiddleware`); the
 * rest (refused, failed) are recorded here, batched.
 */
export function mutationAuditPlugin(audit: AuditWriter): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ contextValue, operation, response }) {
          if (!operation || operation.operation !== 'mutation' || response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors ?? [];
          const stored = storedWithChange.get(contextValue);
          for (const field of rootFields(operation)) {
            if (AUDITED_BY_SERVICE.has(field.name)) continue;
            const error = errors.find((e) => e.path?.[0] === field.responseKey);
            if (!error && stored?.has(field.responseKey)) continue;
            const code = typeof error?.extensions?.code === 'string' ? error.extensions.code : undefined;
            audit.record(mutationEvent(contextValue, field.name, started, error ? { code, message: error.message } : undefined));
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
