import { sql, type Kysely } from 'kysely';

/**
 * The semantic catalog: per database, business terms with a definition, synonyms, the tables and columns
 * they are about, and example questions with the SQL that answers them. Admins save terms (APPROVED);
 * agents propose them (PENDING until an admin approves or rejects). Every change is kept as a version.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('catalog_terms')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('database_id', 'text', (c) => c.notNull().references('databases.id').onDelete('cascade'))
    .addColumn('term', 'text', (c) => c.notNull())
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('synonyms', 'jsonb', (c) => c.notNull())
    // [{ schema, table, column? }]: a table, or one column of it.
    .addColumn('links', 'jsonb', (c) => c.notNull())
    // [{ question, sql, reads: [{ schema, table, columns }] }]: what each example reads, recorded when saved.
    .addColumn('examples', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('APPROVED', 'PENDING', 'REJECTED')`))
    .addColumn('proposed_by', 'text')
    .addColumn('approved_by', 'text')
    .addColumn('rejected_reason', 'text')
    .addColumn('version', 'integer', (c) => c.notNull().check(sql`version > 0`))
    .addColumn('created_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('catalog_terms_approved_by', sql`(status = 'APPROVED') = (approved_by is not null)`)
    .execute();
  // One term of a name per database, whatever its case.
  await sql`create unique index catalog_terms_database_term on catalog_terms (database_id, lower(term))`.execute(db);

  await db.schema
    .createTable('catalog_term_versions')
    .addColumn('term_id', 'text', (c) => c.notNull().references('catalog_terms.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('change', 'text', (c) => c.notNull().check(sql`change in ('CREATED', 'PROPOSED', 'UPDATED', 'APPROVED', 'REJECTED', 'MERGED')`))
    .addColumn('changed_by', 'text')
    .addColumn('term', 'text', (c) => c.notNull())
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('synonyms', 'jsonb', (c) => c.notNull())
    .addColumn('links', 'jsonb', (c) => c.notNull())
    .addColumn('examples', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('created_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('catalog_term_versions_pk', ['term_id', 'version'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('catalog_term_versions').ifExists().execute();
  await db.schema.dropTable('catalog_terms').ifExists().execute();
}
