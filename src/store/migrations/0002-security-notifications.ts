import { sql, type Kysely } from 'kysely';

/** Security notifications raised by rules over the event stream, with their read state. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('security_notifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull().check(sql`severity in ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL')`))
    .addColumn('severity_rank', 'integer', (c) => c.notNull())
    .addColumn('agent_id', 'text')
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('details', 'jsonb')
    .addColumn('read_at', 'timestamptz')
    .addColumn('read_by', 'text')
    .execute();
  await db.schema.createIndex('security_notifications_created').on('security_notifications').columns(['created_at', 'id']).execute();
  await db.schema.createIndex('security_notifications_agent').on('security_notifications').columns(['agent_id', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('security_notifications').ifExists().execute();
}
