import { sql, type Kysely } from 'kysely';

/** Per-agent rate limits set by admins: one row per limited agent, gone with the agent. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('rate_limits')
    .addColumn('agent_id', 'text', (c) => c.primaryKey().references('agents.id').onDelete('cascade'))
    .addColumn('per_minute', 'integer', (c) => c.check(sql`per_minute > 0`))
    .addColumn('per_hour', 'integer', (c) => c.check(sql`per_hour > 0`))
    .addColumn('per_day', 'integer', (c) => c.check(sql`per_day > 0`))
    .addColumn('max_concurrent', 'integer', (c) => c.check(sql`max_concurrent > 0`))
    .addColumn('updated_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_by', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('rate_limits').ifExists().execute();
}
