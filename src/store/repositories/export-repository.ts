import type { Insertable, Selectable } from 'kysely';
import type { StoreDb } from '../store-schema.js';
import type { ExportDestinationsTable, ExportLinksTable } from '../schedule-tables.js';

export type ExportDestinationRecord = Selectable<ExportDestinationsTable>;
export type ExportLinkRecord = Selectable<ExportLinksTable>;

/** Where admins let agents send results, and the short-lived download links agents make. */
export class ExportRepository {
  constructor(private readonly db: StoreDb) {}

  async insertDestination(row: Insertable<ExportDestinationsTable>): Promise<ExportDestinationRecord> {
    return this.db.insertInto('export_destinations').values(row).returningAll().executeTakeFirstOrThrow();
  }

  async findDestination(id: string): Promise<ExportDestinationRecord | undefined> {
    return this.db.selectFrom('export_destinations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findDestinationByName(name: string): Promise<ExportDestinationRecord | undefined> {
    return this.db.selectFrom('export_destinations').selectAll().where('name', '=', name).executeTakeFirst();
  }

  /** By name. */
  async listDestinations(): Promise<ExportDestinationRecord[]> {
    return this.db.selectFrom('export_destinations').selectAll().orderBy('name').execute();
  }

  async deleteDestination(id: string): Promise<ExportDestinationRecord | undefined> {
    return this.db.deleteFrom('export_destinations').where('id', '=', id).returningAll().executeTakeFirst();
  }

  async insertLink(row: Insertable<ExportLinksTable>): Promise<ExportLinkRecord> {
    return this.db.insertInto('export_links').values(row).returningAll().executeTakeFirstOrThrow();
  }

  async findLink(id: string): Promise<ExportLinkRecord | undefined> {
    return this.db.selectFrom('export_links').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Forgets links that expired before `now`; how many. */
  async deleteExpiredLinks(now: Date): Promise<number> {
    const result = await this.db.deleteFrom('export_links').where('expiresAt', '<', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
