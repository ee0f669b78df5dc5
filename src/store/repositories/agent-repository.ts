import type { Insertable, Selectable } from 'kysely';
import type { StoreDb } from '../store-schema.js';
import type { AgentRole, AgentStatus, AgentsTable } from '../store-schema.js';
import { afterPosition, type KeysetPosition, type Page } from './keyset.js';

export type AgentRecord = Selectable<AgentsTable>;

export interface AgentListFilter {
  status?: AgentStatus | undefined;
  role?: AgentRole | undefined;
  nameContains?: string | undefined;
}

export class AgentRepository {
  constructor(private readonly db: StoreDb) {}

  async findById(id: string): Promise<AgentRecord | undefined> {
    return this.db.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findByIds(ids: readonly string[]): Promise<AgentRecord[]> {
    if (ids.length === 0) return [];
    return this.db.selectFrom('agents').selectAll().where('id', 'in', ids).execute();
  }

  async findActiveByName(name: string): Promise<AgentRecord | undefined> {
    return this.db
      .selectFrom('agents')
      .selectAll()
      .where('name', '=', name)
      .where('status', '=', 'ACTIVE')
      .executeTakeFirst();
  }

  /** The longest-standing active admin, if any. */
  async findFirstActiveAdmin(): Promise<AgentRecord | undefined> {
    return this.db
      .selectFrom('agents')
      .selectAll()
      .where('role', '=', 'ADMIN')
      .where('status', '=', 'ACTIVE')
      .orderBy('createdAt')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
  }

  async countActiveAdmins(): Promise<number> {
    const row = await this.db
      .selectFrom('agents')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('role', '=', 'ADMIN')
      .where('status', '=', 'ACTIVE')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async list(filter: AgentListFilter, limit: number, after?: KeysetPosition): Promise<Page<AgentRecord>> {
    let query = this.filtered(filter).selectAll();
    if (after) query = query.where(afterPosition(after));
    const rows = await query.orderBy('createdAt').orderBy('id').limit(limit + 1).execute();
    return { rows: rows.slice(0, limit), hasMore: rows.length > limit };
  }

  async count(filter: AgentListFilter): Promise<number> {
    const row = await this.filtered(filter)
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async insert(agent: Insertable<AgentsTable>): Promise<AgentRecord> {
    return this.db.insertInto('agents').values(agent).returningAll().executeTakeFirstOrThrow();
  }

  /** Marks the agent revoked; returns undefined when it was not active. */
  async revoke(id: string, at: Date): Promise<AgentRecord | undefined> {
    return this.db
      .updateTable('agents')
      .set({ status: 'REVOKED', revokedAt: at })
      .where('id', '=', id)
      .where('status', '=', 'ACTIVE')
      .returningAll()
      .executeTakeFirst();
  }

  private filtered(filter: AgentListFilter) {
    let query = this.db.selectFrom('agents');
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.role) query = query.where('role', '=', filter.role);
    if (filter.nameContains) {
      const escaped = filter.nameContains.replace(/[\\%_]/g, (c) => `\\${c}`);
      query = query.where('name', 'ilike', `%${escaped}%`);
    }
    return query;
  }
}
