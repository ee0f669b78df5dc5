import type { Insertable, Selectable } from 'kysely';
import type { StoreDb } from '../store-schema.js';
import type { RateLimitsTable } from '../store-schema.js';

export type RateLimitRecord = Selectable<RateLimitsTable>;

export class RateLimitRepository {
  constructor(private readonly db: StoreDb) {}

  async findByAgentId(agentId: string): Promise<RateLimitRecord | undefined> {
    return this.db.selectFrom('rate_limits').selectAll().where('agentId', '=', agentId).executeTakeFirst();
  }

  async findByAgentIds(agentIds: readonly string[]): Promise<RateLimitRecord[]> {
    if (agentIds.length === 0) return [];
    return this.db.selectFrom('rate_limits').selectAll().where('agentId', 'in', agentIds).execute();
  }

  /** Inserts the agent's limits, or replaces them when it has some already. */
  async upsert(row: Insertable<RateLimitsTable>): Promise<RateLimitRecord> {
    return this.db
      .insertInto('rate_limits')
      .values(row)
      .onConflict((oc) =>
        oc.column('agentId').doUpdateSet({
          perMinute: row.perMinute ?? null,
          perHour: row.perHour ?? null,
          perDay: row.perDay ?? null,
          maxConcurrent: row.maxConcurrent ?? null,
          updatedAt: row.updatedAt,
          updatedBy: row.updatedBy ?? null,
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** Removes the agent's limits; true when it had some. */
  async delete(agentId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('rate_limits').where('agentId', '=', agentId).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
