import type { Kysely } from 'kysely';

/**
 * Grants may limit the planner's estimate of a statement: its total cost and the rows it reads. A
 * statement over either is refused before it runs (QUERY_TOO_EXPENSIVE). Null: no such limit.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('grants')
    .addColumn('max_cost', 'double precision')
    .addColumn('max_estimated_rows', 'double precision')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('grants').dropColumn('max_cost').dropColumn('max_estimated_rows').execute();
}
