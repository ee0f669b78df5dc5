import type { Insertable, Selectable } from 'kysely';
import type { StoreDb } from '../store-schema.js';
import type { GrantsTable } from '../store-schema.js';
import { afterPosition, type KeysetPosition, type Page } from './keyset.js';

export type GrantRecord = Selectable<GrantsTable>;

export class GrantRepository {
  constructor(private readonly db: StoreDb) {}

  /** Grants in force (not revoked, not expired) for each of the agents. */
  async listActiveForAgents(agentIds: readonly string[], now: Date): Promise<GrantRecord[]> {
    if (agentIds.length === 0) return [];
    return this.db
      .selectFrom('grants')
      .selectAll()
      .where('agentId', 'in', agentIds)
      .where('revokedAt', 'is', null)
      .where((eb) => eb.or([eb('expiresAt', 'is', null), eb('expiresAt', '>', now)]))
      .orderBy('createdAt')
      .orderBy('id')
      .execute();
  }

  async revokeForAgent(agentId: string, at: Date): Promise<number> {
    const result = await this.db
      .updateTable('grants')
      .set({ revokedAt: at })
      .where('agentId', '=', agentId)
      .where('revokedAt', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async insert(grant: Insertable<GrantsTable>): Promise<GrantRecord> {
    return this.db.insertInto('grants').values(grant).returningAll().executeTakeFirstOrThrow();
  }

  async findById(id: string): Promise<GrantRecord | undefined> {
    return this.db.selectFrom('grants').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async revoke(id: string, at: Date): Promise<GrantRecord | undefined> {
    return this.db
      .updateTable('grants')
      .set({ revokedAt: at })
      .where('id', '=', id)
      .where('revokedAt', 'is', null)
      .returningAll()
      .executeTakeFirst();
  }

  /** Grants in force, optionally for one agent and/or database, oldest first. */
  async list(filter: GrantFilter, now: Date, limit: number, after?: KeysetPosition): Promise<Page<GrantRecord>> {
    let query = this.inForce(filter, now).selectAll();
    if (after) query = query.where(afterPosition(after));
    const rows = await query.orderBy('createdAt').orderBy('id').limit(limit + 1).execute();
    return { rows: rows.slice(0, limit), hasMore: rows.length > limit };
  }

  async count(filter: GrantFilter, now: Date): Promise<number> {
    const row = await this.inForce(filter, now)
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  private inForce(filter: GrantFilter, now: Date) {
    let query = this.db
      .selectFrom('grants')
      .where('revokedAt', 'is', null)
      .where((eb) => eb.or([eb('expiresAt', 'is', null), eb('expiresAt', '>', now)]));
    if (filter.agentId) query = query.where('agentId', '=', filter.agentId);
    if (filter.databaseId) query = query.where('databaseId', '=', filter.databaseId);
    return query;
  }
}

export interface GrantFilter {
  agentId?: string | undefined;
  databaseId?: string | undefined;
}
