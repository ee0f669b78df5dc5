import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';
import type { StoreDb } from '../open-store.js';

export type RetryPolicyName = 'fixed' | 'linear' | 'exponential';

/** Language-model providers (migration 0005); part of StoreSchema. */
export interface LlmProvidersTable {
  id: string;
  name: string;
  baseUrl: string;
  model: string;
  /** AES-256-GCM ciphertext of the API key (bound to `provider:<id>`) and the id of the key that sealed it; null when none. */
  apiKeyCiphertext: string | null;
  apiKeyKeyId: string | null;
  temperature: number;
  maxTokens: number;
  timeoutMs: number;
  retryPolicy: RetryPolicyName;
  maxRetries: number;
  retryDelayMs: number;
  isDefault: ColumnType<boolean, boolean | undefined, boolean>;
  createdAt: ColumnType<Date, Date | undefined, never>;
  updatedAt: Date;
}

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
