import type { StoredAuditEvent } from '../../src/events/audit-writer.js';

/** An allowed runQuery by agent agt_a on db_1, as stored and delivered, with whatever is given instead. */
export function auditEvent(overrides: Partial<StoredAuditEvent> & { id: string }): StoredAuditEvent {
  return {
    occurredAt: new Date(),
    requestId: null,
    principalId: 'agt_a',
    principalKind: 'agent',
    action: 'runQuery',
    databaseId: 'db_1',
    decision: 'ALLOWED',
    reasons: null,
    statementFingerprint: null,
    tables: null,
    durationMs: 1,
    rowCount: 1,
    details: null,
    ...overrides,
  };
}
