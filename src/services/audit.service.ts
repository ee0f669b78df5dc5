import { AppError, ErrorCode } from '../errors/app-error.js';
import type { Store } from '../store/open-store.js';
import type { AuditFilter, AuditRecord } from '../store/repositories/index.js';
import { pageSize, type Connection } from './connection.js';

export interface AuditEventView {
  id: string;
  occurredAt: Date;
  requestId: string | null;
  principalId: string | null;
  principalKind: string;
  action: string;
  databaseId: string | null;
  decision: string | null;
  reasons: unknown[];
  statementFingerprint: string | null;
  tables: string[];
  durationMs: number | null;
  rowCount: number | null;
}

export class AuditService {
  constructor(private readonly store: Store) {}

  /** Newest first. */
  async list(filter: AuditFilter, first?: number | null, after?: string | null): Promise<Connection<AuditEventView>> {
    const limit = pageSize(first);
    const beforeSeq = after === null || after === undefined ? undefined : decodeSeq(after);
    const [page, total] = await Promise.all([
      this.store.repos.audit.list(filter, limit, beforeSeq),
      this.store.repos.audit.count(filter),
    ]);
    const edges = page.rows.map((r) => ({ cursor: encodeSeq(Number(r.seq)), node: toView(r) }));
    return {
      edges,
      pageInfo: {
        hasNextPage: page.hasMore,
        hasPreviousPage: beforeSeq !== undefined,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
      totalCount: total,
    };
  }
}

function toView(r: AuditRecord): AuditEventView {
  return {
    id: r.id,
    occurredAt: r.occurred_at,
    requestId: r.request_id,
    principalId: r.principal_id,
    principalKind: r.principal_kind,
    action: r.action,
    databaseId: r.database_id,
    decision: r.decision,
    reasons: r.reasons ?? [],
    statementFingerprint: r.statement_fingerprint,
    tables: r.tables ?? [],
    durationMs: r.duration_ms,
    rowCount: r.row_count,
  };
}

const encodeSeq = (seq: number) => Buffer.from(`seq:${seq}`).toString('base64url');

function decodeSeq(cursor: string): number {
  const match = /^seq:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new AppError(ErrorCode.BAD_USER_INPUT, 'The cursor is not valid. Use an endCursor from a previous page.', { field: 'after' });
  return Number(match[1]);
}
