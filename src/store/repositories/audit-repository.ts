import { sql, type Insertable, type Selectable } from 'kysely';
import type { StoreDb } from '../store-schema.js';
import type { AuditEventsTable } from '../store-schema.js';
import type { Page } from './keyset.js';

export type AuditRecord = Selectable<AuditEventsTable>;

export interface AuditFilter {
  /** One principal, or any of several (an agent's id and its pseudonym). */
  principalId?: string | readonly string[] | undefined;
  databaseId?: string | undefined;
  action?: string | undefined;
  decision?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
}

export class AuditRepository {
  constructor(private readonly db: StoreDb) {}

  /**
   * Appends events in one statement with one parameter, the batch as a JSON array, however many events
   * there are: serialising it is one native JSON.stringify (not thousands of placeholders bound and
   * escaped one by one), and the server reads it back with json_to_recordset. Events keep their order
   * (and so their `seq`).
   */
  async append(events: readonly Insertable<AuditEventsTable>[]): Promise<void> {
    if (events.length === 0) return;
    // The events' own (camelCase) keys name the record's fields, quoted; the table's columns are snake_case.
    await sql`
      insert into audit_events (id, occurred_at, request_id, principal_id, principal_kind, action, database_id, decision, reasons, statement_fingerprint, tables, duration_ms, row_count, details)
      select id, "occurredAt", "requestId", "principalId", "principalKind", action, "databaseId", decision, reasons::jsonb, "statementFingerprint", tables::jsonb, "durationMs", "rowCount", details::jsonb
      from json_to_recordset(${JSON.stringify(events)}::json)
        as e(id text, "occurredAt" timestamptz, "requestId" text, "principalId" text, "principalKind" text, action text, "databaseId" text, decision text,
             reasons text, "statementFingerprint" text, tables text, "durationMs" float8, "rowCount" int, details text)
    `.execute(this.db);
  }

  /** Newest first, paged by the append sequence (stable under concurrent writes). */
  async list(filter: AuditFilter, limit: number, beforeSeq?: number): Promise<Page<AuditRecord>> {
    let query = this.filtered(filter).selectAll();
    if (beforeSeq !== undefined) query = query.where('seq', '<', beforeSeq);
    const rows = await query.orderBy('seq', 'desc').limit(limit + 1).execute();
    return { rows: rows.slice(0, limit), hasMore: rows.length > limit };
  }

  async count(filter: AuditFilter): Promise<number> {
    const row = await this.filtered(filter).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * Deletes events that occurred before `cutoff`, oldest first, `batchSize` rows a statement (each its
   * own short transaction, found through the occurred_at index), until none are left or `signal` is
   * aborted. Rows another purge is deleting at the same moment are skipped, not waited for, so
   * replicas purging together split the work instead of queueing on each other's locks.
   * Returns how many events this call deleted.
   */
  async purgeBefore(cutoff: Date, options: { batchSize?: number; signal?: AbortSignal } = {}): Promise<number> {
    const batchSize = options.batchSize ?? 5_000;
    let purged = 0;
    for (;;) {
      if (options.signal?.aborted) return purged;
      const deleted = await this.deleteBatchBefore(cutoff, batchSize);
      purged += deleted;
      if (deleted < batchSize) return purged;
    }
  }

  /** One batch of `purgeBefore`: at most `batchSize` of the oldest events before `cutoff`. */
  async deleteBatchBefore(cutoff: Date, batchSize: number): Promise<number> {
    const oldest = this.db
      .selectFrom('audit_events')
      .select('seq')
      .where('occurredAt', '<', cutoff)
      .orderBy('occurredAt')
      .limit(batchSize)
      .forUpdate()
      .skipLocked();
    // `= any(array(…))` rather than `in (…)`: the planner then always deletes by primary key, where an
    // `in` can turn into a hash join over the whole table.
    const result = await this.db
      .deleteFrom('audit_events')
      .where('seq', '=', sql<number>`any(array(${oldest}))`)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  private filtered(filter: AuditFilter) {
    let query = this.db.selectFrom('audit_events');
    if (typeof filter.principalId === 'string' && filter.principalId) query = query.where('principalId', '=', filter.principalId);
    else if (Array.isArray(filter.principalId) && filter.principalId.length > 0) query = query.where('principalId', 'in', [...filter.principalId]);
    if (filter.databaseId) query = query.where('databaseId', '=', filter.databaseId);
    if (filter.action) query = query.where('action', '=', filter.action);
    if (filter.decision) query = query.where('decision', '=', filter.decision);
    if (filter.since) query = query.where('occurredAt', '>=', filter.since);
    if (filter.until) query = query.where('occurredAt', '<', filter.until);
    return query;
  }
}
