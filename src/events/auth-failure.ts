import { parseKey } from '../auth/api-key.js';
import type { AuditEvent } from './audit-writer.js';

/**
 * The audit event for a refused API key: which key it claimed to be (the id part, never the secret)
 * and where it came from, so the security rules can count failures per key and per address.
 */
export function authFailureEvent(input: {
  requestId: string | null;
  presented: string | undefined;
  remoteAddress: string | undefined;
  transport: 'http' | 'websocket';
  occurredAt?: Date;
}): AuditEvent {
  const keyId = input.presented ? parseKey(input.presented).id : null;
  return {
    occurredAt: input.occurredAt ?? new Date(),
    requestId: input.requestId,
    principalId: null,
    principalKind: 'anonymous',
    action: 'authenticate',
    databaseId: null,
    decision: 'DENIED',
    reasons: [{ code: 'UNAUTHENTICATED', message: input.presented ? 'unknown, revoked or expired API key' : 'no API key' }],
    statementFingerprint: null,
    tables: null,
    durationMs: null,
    rowCount: null,
    details: { keyId, remoteAddress: input.remoteAddress ?? null, transport: input.transport },
  };
}
