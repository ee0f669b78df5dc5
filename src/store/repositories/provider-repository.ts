import type { Insertable, Selectable, Updateable } from 'kysely';
import type { LlmProvidersTable } from '../language-model-tables.js';
import type { StoreDb } from '../store-schema.js';

export type { LlmProvidersTable, RetryPolicyName } from '../language-model-tables.js';


export type ProviderRecord = Selectable<LlmProvidersTable>;

export class ProviderRepository {
  constructor(private readonly db: StoreDb) {}

  /** By name. */
  async list(): Promise<ProviderRecord[]> {
    return this.db.selectFrom('llm_providers').selectAll().orderBy('name').execute();
  }

  async findById(id: string): Promise<ProviderRecord | undefined> {
    return this.db.selectFrom('llm_providers').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findByName(name: string): Promise<ProviderRecord | undefined> {
    return this.db.selectFrom('llm_providers').selectAll().where('name', '=', name).executeTakeFirst();
  }

  async findDefault(): Promise<ProviderRecord | undefined> {
    return this.db.selectFrom('llm_providers').selectAll().where('isDefault', '=', true).executeTakeFirst();
  }

  async insert(row: Insertable<LlmProvidersTable>): Promise<ProviderRecord> {
    return this.db.insertInto('llm_providers').values(row).returningAll().executeTakeFirstOrThrow();
  }

  async update(id: string, changes: Updateable<LlmProvidersTable>): Promise<ProviderRecord | undefined> {
    return this.db.updateTable('llm_providers').set(changes).where('id', '=', id).returningAll().executeTakeFirst();
  }

  /** Clears the default flag everywhere but on `exceptId`. */
  async clearDefault(exceptId?: string): Promise<void> {
    let query = this.db.updateTable('llm_providers').set({ isDefault: false }).where('isDefault', '=', true);
    if (exceptId) query = query.where('id', '<>', exceptId);
    await query.execute();
  }

  async delete(id: string): Promise<ProviderRecord | undefined> {
    return this.db.deleteFrom('llm_providers').where('id', '=', id).returningAll().executeTakeFirst();
  }
}
