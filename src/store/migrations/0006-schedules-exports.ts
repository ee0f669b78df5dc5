import { sql, type Kysely } from 'kysely';

/**
 * Scheduled queries and exports: where admins let agents send results (a webhook or an S3-compatible
 * bucket), the schedules agents own and every run of them, and the short-lived export links.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('export_destinations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('WEBHOOK', 'S3')`))
    // WEBHOOK: { url }; S3: { endpoint, region, bucket, prefix, accessKeyId, forcePathStyle }. No secret.
    .addColumn('settings', 'jsonb', (c) => c.notNull())
    // The webhook's signing secret or the bucket's secret access key, AES-256-GCM sealed and bound to the row id.
    .addColumn('secret_ciphertext', 'text', (c) => c.notNull())
    .addColumn('secret_key_id', 'text', (c) => c.notNull())
    // The agents that may send results here; nobody else may.
    .addColumn('agent_ids', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('created_by', 'text')
    .execute();

  await db.schema
    .createTable('schedules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('database_id', 'text', (c) => c.notNull().references('databases.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    // { kind: 'SQL', sql, params } or { kind: 'ROWS', table, schema, columns, where, orderBy, limit }.
    .addColumn('query', 'jsonb', (c) => c.notNull())
    .addColumn('cron', 'text', (c) => c.notNull())
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('export_format', 'text')
    .addColumn('destination_id', 'text', (c) => c.references('export_destinations.id').onDelete('set null'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('ACTIVE', 'PAUSED', 'STOPPED')`))
    .addColumn('stopped_reason', 'text')
    // When it is due next; null unless ACTIVE. A replica claims a run by moving it on (compare and set).
    .addColumn('next_run_at', 'timestamptz(3)')
    .addColumn('created_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('schedules_due_when_active', sql`(status = 'ACTIVE') = (next_run_at is not null)`)
    .execute();
  await db.schema.createIndex('schedules_due').on('schedules').columns(['status', 'next_run_at']).execute();
  await db.schema.createIndex('schedules_agent').on('schedules').columns(['agent_id', 'created_at', 'id']).execute();

  await db.schema
    .createTable('schedule_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('schedule_id', 'text', (c) => c.notNull().references('schedules.id').onDelete('cascade'))
    .addColumn('scheduled_for', 'timestamptz(3)', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz(3)', (c) => c.notNull())
    .addColumn('finished_at', 'timestamptz(3)')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('RUNNING', 'SUCCEEDED', 'FAILED', 'DENIED')`))
    .addColumn('row_count', 'integer')
    .addColumn('truncated', 'boolean')
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    // Where the result went, without secrets: `s3://bucket/key` or the webhook's URL.
    .addColumn('delivered_to', 'text')
    .execute();
  // One run per slot, whichever replicas try to run it.
  await db.schema.createIndex('schedule_runs_slot').unique().on('schedule_runs').columns(['schedule_id', 'scheduled_for']).execute();

  await db.schema
    .createTable('export_links')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('database_id', 'text', (c) => c.notNull().references('databases.id').onDelete('cascade'))
    .addColumn('query', 'jsonb', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz(3)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('export_links_expires').on('export_links').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('export_links').ifExists().execute();
  await db.schema.dropTable('schedule_runs').ifExists().execute();
  await db.schema.dropTable('schedules').ifExists().execute();
  await db.schema.dropTable('export_destinations').ifExists().execute();
}
