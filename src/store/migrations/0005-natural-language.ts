import { sql, type Kysely } from 'kysely';

/**
 * Natural language: the language-model providers admins register (OpenAI-compatible chat endpoints) and
 * the versioned prompt templates the pipeline builds its prompts from.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('llm_providers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('base_url', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    // The API key, AES-256-GCM sealed and bound to `provider:<id>`, and the id of the key that sealed it.
    // Both null for a local model that needs no key.
    .addColumn('api_key_ciphertext', 'text')
    .addColumn('api_key_key_id', 'text')
    .addColumn('temperature', 'real', (c) => c.notNull().check(sql`temperature >= 0 and temperature <= 2`))
    .addColumn('max_tokens', 'integer', (c) => c.notNull().check(sql`max_tokens > 0`))
    .addColumn('timeout_ms', 'integer', (c) => c.notNull().check(sql`timeout_ms > 0`))
    .addColumn('retry_policy', 'text', (c) => c.notNull().check(sql`retry_policy in ('fixed', 'linear', 'exponential')`))
    .addColumn('max_retries', 'integer', (c) => c.notNull().check(sql`max_retries >= 0`))
    .addColumn('retry_delay_ms', 'integer', (c) => c.notNull().check(sql`retry_delay_ms >= 0`))
    .addColumn('is_default', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('llm_providers_api_key_sealed', sql`(api_key_ciphertext is null) = (api_key_key_id is null)`)
    .execute();
  // At most one default provider.
  await db.schema.createIndex('llm_providers_one_default').unique().on('llm_providers').column('is_default').where(sql.ref('is_default'), '=', true).execute();

  await db.schema
    .createTable('prompt_templates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().check(sql`version > 0`))
    .addColumn('system', 'text', (c) => c.notNull())
    .addColumn('user_text', 'text', (c) => c.notNull())
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('created_by', 'text')
    .addUniqueConstraint('prompt_templates_name_version', ['name', 'version'])
    .execute();
  // At most one active version per name.
  await db.schema.createIndex('prompt_templates_one_active').unique().on('prompt_templates').column('name').where(sql.ref('active'), '=', true).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('prompt_templates').ifExists().execute();
  await db.schema.dropTable('llm_providers').ifExists().execute();
}
