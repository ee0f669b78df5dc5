import type { Insertable, Selectable } from 'kysely';
import type { StoreDb } from '../store-schema.js';
import type { RateLimitsTable } from '../store-schema.js';

export type RateLimitRecord = Selectable<RateLimitsTable>;

export class RateLimitRepository {
  constructor(private readonly db: StoreDb) {}

  async findByAgentId(agentId: string): Promise<RateLimitRecord | undefined> {
    return this.db.selectFrom('rate_limits').selectAll().where('agent_id', '=', agentId).executeTakeFirst();
  }

  async findByAgentIds(agentIds: readonly string[]): Promise<RateLimitRecord[]> {
    if (agentIds.length === 0) return [];
    return this.db.selectFrom('rate_limits').selectAll().where('agent_id', 'in', agentIds).execute();
  }

  /** Inserts the agent's limits, or replaces them when it has some already. */
  async upsert(row: Insertable<RateLimitsTable>): Promise<RateLimitRecord> {
    return this.db
      .insertInto('rate_limits')
      .values(row)
      .onConflict((oc) =>
        oc.column('agent_id').doUpdateSet({
          per_minute: row.per_minute ?? null,
          per_hour: row.per_hour ?? null,
          per_day: row.per_day ?? null,
          max_concurrent: row.max_concurrent ?? null,
          updated_at: row.updated_at,
          updated_by: row.updated_by ?? null,
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** Removes the agent's limits; true when it had some. */
  async delete(agentId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('rate_limits').where('agent_id', '=', agentId).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
