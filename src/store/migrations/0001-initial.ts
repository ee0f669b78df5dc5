import { sql, type Kysely } from 'kysely';

/**
 * The first control-plane schema: agents, their keys, databases, grants and the audit log.
 * created_at is kept to the millisecond, as JavaScript dates are, so a (created_at, id) cursor
 * round-trips exactly.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('agents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('ADMIN', 'AGENT')`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('ACTIVE', 'REVOKED')`))
    .addColumn('created_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  // A name belongs to one active agent at a time; a revoked agent's name may be registered again.
  await db.schema
    .createIndex('agents_active_name')
    .on('agents')
    .column('name')
    .unique()
    .where(sql.ref('status'), '=', 'ACTIVE')
    .execute();
  await db.schema.createIndex('agents_created').on('agents').columns(['created_at', 'id']).execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('label', 'text')
    .addColumn('created_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('expires_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('api_keys_agent').on('api_keys').column('agent_id').execute();

  await db.schema
    .createTable('databases')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('engine', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('config', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('secret_ciphertext', 'text')
    .addColumn('secret_key_id', 'text')
    .addColumn('created_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('grants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('database_id', 'text', (c) => c.notNull().references('databases.id').onDelete('cascade'))
    .addColumn('scope', 'text', (c) =>
      c.notNull().check(sql`scope in ('DATABASE', 'SCHEMA', 'TABLE', 'COLUMNS')`),
    )
    .addColumn('schema_name', 'text')
    .addColumn('table_name', 'text')
    .addColumn('columns', 'jsonb')
    .addColumn('actions', 'jsonb', (c) => c.notNull())
    .addColumn('row_filter', 'text')
    .addColumn('column_masks', 'jsonb')
    .addColumn('row_cap', 'integer', (c) => c.check(sql`row_cap > 0`))
    .addColumn('expires_at', 'timestamptz')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('grants_agent').on('grants').column('agent_id').execute();
  await db.schema.createIndex('grants_database').on('grants').column('database_id').execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('seq', 'bigserial', (c) => c.primaryKey())
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .addColumn('request_id', 'text')
    .addColumn('principal_id', 'text')
    .addColumn('principal_kind', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('database_id', 'text')
    .addColumn('decision', 'text')
    .addColumn('reasons', 'jsonb')
    .addColumn('statement_fingerprint', 'text')
    .addColumn('tables', 'jsonb')
    .addColumn('duration_ms', 'double precision')
    .addColumn('row_count', 'integer')
    .addColumn('details', 'jsonb')
    .execute();
  await db.schema.createIndex('audit_events_time').on('audit_events').columns(['occurred_at', 'seq']).execute();
  await db.schema
    .createIndex('audit_events_principal')
    .on('audit_events')
    .columns(['principal_id', 'occurred_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['audit_events', 'grants', 'databases', 'api_keys', 'agents']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
