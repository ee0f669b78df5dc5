import { AppError, ErrorCode } from '../errors/app-error.js';
import { isPseudonym, Pseudonymiser } from '../events/pseudonymiser.js';
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

/** The longest retention there is (config allows the same): a hundred years. */
export const MAX_RETENTION_DAYS = 36_500;

const DAY_MS = 24 * 60 * 60 * 1000;

export class AuditService {
  constructor(
    private readonly store: Store,
    /** What audit events carry for an agent; `list` maps a principal filter through it. */
    private readonly pseudonyms: Pseudonymiser = Pseudonymiser.off(),
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Newest first. A principal may be named by its agent id or by the pseudonym its events carry;
   * an agent id also finds events recorded before pseudonymising was turned on.
   */
  async list(filter: AuditFilter, first?: number | null, after?: string | null): Promise<Connection<AuditEventView>> {
    filter = { ...filter, principalId: this.#principalIds(filter.principalId) };
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

  /** What audit events carry as the principal id of this agent: its id, or its pseudonym. */
  auditRef(agentId: string): string {
    return this.pseudonyms.ref(agentId);
  }

  /** Deletes events older than `days` days, in batches; returns how many. */
  async purgeOlderThan(days: number, options: { batchSize?: number } = {}): Promise<number> {
    if (!Number.isInteger(days) || days < 1 || days > MAX_RETENTION_DAYS) {
      throw new AppError(ErrorCode.BAD_USER_INPUT, `olderThanDays must be a whole number from 1 to ${MAX_RETENTION_DAYS}.`, { field: 'olderThanDays' });
    }
    return this.store.repos.audit.purgeBefore(new Date(this.now().getTime() - days * DAY_MS), options);
  }

  #principalIds(principalId: AuditFilter['principalId']): AuditFilter['principalId'] {
    if (typeof principalId !== 'string' || !principalId || isPseudonym(principalId)) return principalId;
    const ref = this.pseudonyms.ref(principalId);
    return ref === principalId ? principalId : [principalId, ref];
  }
}

function toView(r: AuditRecord): AuditEventView {
  return {
    id: r.id,
    occurredAt: r.occurredAt,
    requestId: r.requestId,
    principalId: r.principalId,
    principalKind: r.principalKind,
    action: r.action,
    databaseId: r.databaseId,
    decision: r.decision,
    reasons: r.reasons ?? [],
    statementFingerprint: r.statementFingerprint,
    tables: r.tables ?? [],
    durationMs: r.durationMs,
    rowCount: r.rowCount,
  };
}

const encodeSeq = (seq: number) => Buffer.from(`seq:${seq}`).toString('base64url');

function decodeSeq(cursor: string): number {
  const match = /^seq:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new AppError(ErrorCode.BAD_USER_INPUT, 'The cursor is not valid. Use an endCursor from a previous page.', { field: 'after' });
  return Number(match[1]);
}
