import type { Insertable, Selectable } from 'kysely';
import type { PromptTemplatesTable } from '../language-model-tables.js';
import type { StoreDb } from '../store-schema.js';

export type { PromptTemplatesTable } from '../language-model-tables.js';


export type PromptTemplateRecord = Selectable<PromptTemplatesTable>;

export class PromptTemplateRepository {
  constructor(private readonly db: StoreDb) {}

  /** By name, newest version first; one name only when given. */
  async list(name?: string): Promise<PromptTemplateRecord[]> {
    let query = this.db.selectFrom('prompt_templates').selectAll();
    if (name !== undefined) query = query.where('name', '=', name);
    return query.orderBy('name').orderBy('version', 'desc').execute();
  }

  async findById(id: string): Promise<PromptTemplateRecord | undefined> {
    return this.db.selectFrom('prompt_templates').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findActive(name: string): Promise<PromptTemplateRecord | undefined> {
    return this.db.selectFrom('prompt_templates').selectAll().where('name', '=', name).where('active', '=', true).executeTakeFirst();
  }

  /** The highest version stored under `name`, or 0. */
  async latestVersion(name: string): Promise<number> {
    const row = await this.db
      .selectFrom('prompt_templates')
      .select((eb) => eb.fn.max<number | null>('version').as('version'))
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(row?.version ?? 0);
  }

  async insert(row: Insertable<PromptTemplatesTable>): Promise<PromptTemplateRecord> {
    return this.db.insertInto('prompt_templates').values(row).returningAll().executeTakeFirstOrThrow();
  }

  /** Makes `id` the one active version of its name (run it in a transaction: two statements). */
  async activate(id: string, name: string): Promise<PromptTemplateRecord | undefined> {
    await this.db.updateTable('prompt_templates').set({ active: false }).where('name', '=', name).where('active', '=', true).where('id', '<>', id).execute();
    return this.db.updateTable('prompt_templates').set({ active: true }).where('id', '=', id).returningAll().executeTakeFirst();
  }
}
