import type { Insertable, Selectable } from 'kysely';
import type { StoreDb } from '../open-store.js';
import type { AuditEventsTable } from '../store-schema.js';
import type { Page } from './keyset.js';

export type AuditRecord = Selectable<AuditEventsTable>;

export interface AuditFilter {
  principalId?: string | undefined;
  databaseId?: string | undefined;
  action?: string | undefined;
  decision?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
}

export class AuditRepository {
  constructor(private readonly db: StoreDb) {}

  /** Appends events in one statement. */
  async append(events: readonly Insertable<AuditEventsTable>[]): Promise<void> {
    if (events.length === 0) return;
    await this.db.insertInto('audit_events').values([...events]).execute();
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

  private filtered(filter: AuditFilter) {
    let query = this.db.selectFrom('audit_events');
    if (filter.principalId) query = query.where('principal_id', '=', filter.principalId);
    if (filter.databaseId) query = query.where('database_id', '=', filter.databaseId);
    if (filter.action) query = query.where('action', '=', filter.action);
    if (filter.decision) query = query.where('decision', '=', filter.decision);
    if (filter.since) query = query.where('occurred_at', '>=', filter.since);
    if (filter.until) query = query.where('occurred_at', '<', filter.until);
    return query;
  }
}
