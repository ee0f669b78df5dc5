import type { Insertable, Selectable, Updateable } from 'kysely';
import { sql } from 'kysely';
import type { CatalogTermStatus, CatalogTermsTable, CatalogTermVersionsTable } from '../catalog-term-tables.js';
import type { StoreDb } from '../store-schema.js';

export type {
  CatalogTermChange,
  CatalogTermStatus,
  CatalogTermsTable,
  CatalogTermVersionsTable,
  StoredCatalogExample,
  StoredCatalogLink,
} from '../catalog-term-tables.js';


export type CatalogTermRecord = Selectable<CatalogTermsTable>;
export type CatalogTermVersionRecord = Selectable<CatalogTermVersionsTable>;

export class CatalogTermRepository {
  constructor(private readonly db: StoreDb) {}

  async findById(id: string): Promise<CatalogTermRecord | undefined> {
    return this.db.selectFrom('catalog_terms').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findByIds(ids: readonly string[]): Promise<CatalogTermRecord[]> {
    if (ids.length === 0) return [];
    return this.db.selectFrom('catalog_terms').selectAll().where('id', 'in', ids).execute();
  }

  /** The term of this name in the database, whatever its case. */
  async findByName(databaseId: string, term: string): Promise<CatalogTermRecord | undefined> {
    return this.db
      .selectFrom('catalog_terms')
      .selectAll()
      .where('databaseId', '=', databaseId)
      .where(sql<string>`lower(term)`, '=', term.toLowerCase())
      .executeTakeFirst();
  }

  /** A database's terms, of the given statuses (all when none), by name. */
  async listForDatabase(databaseId: string, statuses?: readonly CatalogTermStatus[]): Promise<CatalogTermRecord[]> {
    let query = this.db.selectFrom('catalog_terms').selectAll().where('databaseId', '=', databaseId);
    if (statuses && statuses.length > 0) query = query.where('status', 'in', statuses);
    return query.orderBy(sql`lower(term)`).orderBy('id').execute();
  }

  async insert(row: Insertable<CatalogTermsTable>): Promise<CatalogTermRecord> {
    return this.db.insertInto('catalog_terms').values(row).returningAll().executeTakeFirstOrThrow();
  }

  /** Changes a term if it is still at `version` (compare and set); undefined when another change came first. */
  async update(id: string, version: number, changes: Updateable<CatalogTermsTable>): Promise<CatalogTermRecord | undefined> {
    return this.db.updateTable('catalog_terms').set(changes).where('id', '=', id).where('version', '=', version).returningAll().executeTakeFirst();
  }

  /** Deletes terms (their versions go with them); how many. */
  async delete(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const result = await this.db.deleteFrom('catalog_terms').where('id', 'in', ids).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async insertVersion(row: Insertable<CatalogTermVersionsTable>): Promise<void> {
    await this.db.insertInto('catalog_term_versions').values(row).execute();
  }

  /** A term's versions, newest first. */
  async versions(termId: string): Promise<CatalogTermVersionRecord[]> {
    return this.db.selectFrom('catalog_term_versions').selectAll().where('termId', '=', termId).orderBy('version', 'desc').execute();
  }
}
