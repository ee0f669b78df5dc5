import type { Insertable, Selectable, Updateable } from 'kysely';
import type { StoreDb } from '../store-schema.js';
import type { DatabasesTable } from '../store-schema.js';

export type DatabaseRecord = Selectable<DatabasesTable>;

export class DatabaseRepository {
  constructor(private readonly db: StoreDb) {}

  async list(): Promise<DatabaseRecord[]> {
    return this.db.selectFrom('databases').selectAll().orderBy('name').execute();
  }

  async listByIds(ids: readonly string[]): Promise<DatabaseRecord[]> {
    if (ids.length === 0) return [];
    return this.db.selectFrom('databases').selectAll().where('id', 'in', ids).orderBy('name').execute();
  }

  async findById(id: string): Promise<DatabaseRecord | undefined> {
    return this.db.selectFrom('databases').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findByName(name: string): Promise<DatabaseRecord | undefined> {
    return this.db.selectFrom('databases').selectAll().where('name', '=', name).executeTakeFirst();
  }

  async insert(database: Insertable<DatabasesTable>): Promise<DatabaseRecord> {
    return this.db.insertInto('databases').values(database).returningAll().executeTakeFirstOrThrow();
  }

  async update(id: string, changes: Updateable<DatabasesTable>): Promise<DatabaseRecord | undefined> {
    return this.db.updateTable('databases').set(changes).where('id', '=', id).returningAll().executeTakeFirst();
  }

  async delete(id: string): Promise<DatabaseRecord | undefined> {
    return this.db.deleteFrom('databases').where('id', '=', id).returningAll().executeTakeFirst();
  }
}
