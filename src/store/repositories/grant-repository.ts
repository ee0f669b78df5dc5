import type { Selectable } from 'kysely';
import type { StoreDb } from '../open-store.js';
import type { GrantsTable } from '../store-schema.js';

export type GrantRecord = Selectable<GrantsTable>;

export class GrantRepository {
  constructor(private readonly db: StoreDb) {}

  /** Grants in force (not revoked, not expired) for each of the agents. */
  async listActiveForAgents(agentIds: readonly string[], now: Date): Promise<GrantRecord[]> {
    if (agentIds.length === 0) return [];
    return this.db
      .selectFrom('grants')
      .selectAll()
      .where('agent_id', 'in', agentIds)
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  async revokeForAgent(agentId: string, at: Date): Promise<number> {
    const result = await this.db
      .updateTable('grants')
      .set({ revoked_at: at })
      .where('agent_id', '=', agentId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}
