import type { Insertable, Selectable } from 'kysely';
import type { StoreDb } from '../store-schema.js';
import type { SecurityNotificationsTable } from '../store-schema.js';
import { type KeysetPosition, type Page } from './keyset.js';
import { sql, type SqlBool } from 'kysely';

export type NotificationRecord = Selectable<SecurityNotificationsTable>;

export interface NotificationFilter {
  minSeverityRank?: number | undefined;
  /** true: unread only; false: read only; undefined: both. */
  unread?: boolean | undefined;
  /** Only those about this agent (named by any of these: its id, its pseudonym). */
  agentIds?: string[] | undefined;
}

export class NotificationRepository {
  constructor(private readonly db: StoreDb) {}

  async insert(row: Insertable<SecurityNotificationsTable>): Promise<NotificationRecord> {
    return this.db.insertInto('security_notifications').values(row).returningAll().executeTakeFirstOrThrow();
  }

  async findById(id: string): Promise<NotificationRecord | undefined> {
    return this.db.selectFrom('security_notifications').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Marks one read (or unread again); returns it, or undefined when there is none with that id. */
  async setRead(id: string, read: boolean, by: string, at: Date): Promise<NotificationRecord | undefined> {
    return this.db
      .updateTable('security_notifications')
      .set(read ? { readAt: at, readBy: by } : { readAt: null, readBy: null })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  /** Newest first, paged by (created_at, id). */
  async list(filter: NotificationFilter, limit: number, before?: KeysetPosition): Promise<Page<NotificationRecord>> {
    let query = this.filtered(filter).selectAll();
    if (before) query = query.where(sql<SqlBool>`(created_at, id) < (${before.createdAt}, ${before.id})`);
    const rows = await query.orderBy('createdAt', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
    return { rows: rows.slice(0, limit), hasMore: rows.length > limit };
  }

  async count(filter: NotificationFilter): Promise<number> {
    const row = await this.filtered(filter).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  private filtered(filter: NotificationFilter) {
    let query = this.db.selectFrom('security_notifications');
    if (filter.minSeverityRank !== undefined) query = query.where('severityRank', '>=', filter.minSeverityRank);
    if (filter.unread === true) query = query.where('readAt', 'is', null);
    if (filter.unread === false) query = query.where('readAt', 'is not', null);
    if (filter.agentIds) query = query.where('agentId', 'in', filter.agentIds);
    return query;
  }
}
