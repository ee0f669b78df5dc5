import type { Insertable, Selectable } from 'kysely';
import type { StoreDb } from '../store-schema.js';
import type { AgentRole, AgentStatus, ApiKeysTable } from '../store-schema.js';

export type ApiKeyRecord = Selectable<ApiKeysTable>;

/** A key together with what authentication needs to know about its agent. */
export interface KeyWithAgent extends ApiKeyRecord {
  agentName: string;
  agentRole: AgentRole;
  agentStatus: AgentStatus;
}

export class ApiKeyRepository {
  constructor(private readonly db: StoreDb) {}

  async insert(key: Insertable<ApiKeysTable>): Promise<ApiKeyRecord> {
    return this.db.insertInto('api_keys').values(key).returningAll().executeTakeFirstOrThrow();
  }

  async findWithAgent(id: string): Promise<KeyWithAgent | undefined> {
    return this.db
      .selectFrom('api_keys')
      .innerJoin('agents', 'agents.id', 'api_keys.agentId')
      .selectAll('api_keys')
      .select(['agents.name as agentName', 'agents.role as agentRole', 'agents.status as agentStatus'])
      .where('api_keys.id', '=', id)
      .executeTakeFirst();
  }

  /** Keys by id (those that exist, in no particular order), with their agents, in one query. */
  async findManyWithAgent(ids: readonly string[]): Promise<KeyWithAgent[]> {
    if (ids.length === 0) return [];
    return this.db
      .selectFrom('api_keys')
      .innerJoin('agents', 'agents.id', 'api_keys.agentId')
      .selectAll('api_keys')
      .select(['agents.name as agentName', 'agents.role as agentRole', 'agents.status as agentStatus'])
      .where('api_keys.id', 'in', ids)
      .execute();
  }

  async findById(id: string): Promise<ApiKeyRecord | undefined> {
    return this.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async listForAgents(agentIds: readonly string[]): Promise<ApiKeyRecord[]> {
    if (agentIds.length === 0) return [];
    return this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('agentId', 'in', agentIds)
      .orderBy('createdAt')
      .orderBy('id')
      .execute();
  }

  async countActiveForAgent(agentId: string): Promise<number> {
    const row = await this.db
      .selectFrom('api_keys')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('agentId', '=', agentId)
      .where('revokedAt', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Revokes every active key of the agent, except `keepId` when given. Returns the revoked ids. */
  async revokeForAgent(agentId: string, at: Date, keepId?: string): Promise<string[]> {
    let query = this.db
      .updateTable('api_keys')
      .set({ revokedAt: at })
      .where('agentId', '=', agentId)
      .where('revokedAt', 'is', null);
    if (keepId) query = query.where('id', '!=', keepId);
    const rows = await query.returning('id').execute();
    return rows.map((r) => r.id);
  }

  async revoke(id: string, at: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('api_keys')
      .set({ revokedAt: at })
      .where('id', '=', id)
      .where('revokedAt', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Replaces the secret of a key in place (used for the key given by WARDEN_ADMIN_KEY). */
  async upsert(key: Insertable<ApiKeysTable>): Promise<void> {
    await this.db
      .insertInto('api_keys')
      .values(key)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({ secretHash: key.secretHash, agentId: key.agentId, revokedAt: null }),
      )
      .execute();
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.db.updateTable('api_keys').set({ lastUsedAt: at }).where('id', '=', id).execute();
  }
}
