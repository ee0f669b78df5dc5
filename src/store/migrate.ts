import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import * as initial from './migrations/0001-initial.js';
import * as notifications from './migrations/0002-security-notifications.js';
import * as rateLimits from './migrations/0003-rate-limits.js';
import * as webhooks from './migrations/0004-webhooks.js';
import * as naturalLanguage from './migrations/0005-natural-language.js';
import * as schedulesExports from './migrations/0006-schedules-exports.js';
import * as planLimits from './migrations/0007-plan-limits.js';
import * as semanticCatalog from './migrations/0008-semantic-catalog.js';

/** Migrations live in code (not a folder scanned at run time) so a built or bundled gateway carries them. */
const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-security-notifications': notifications,
  '0003-rate-limits': rateLimits,
  '0004-webhooks': webhooks,
  '0005-natural-language': naturalLanguage,
  '0006-schedules-exports': schedulesExports,
  '0007-plan-limits': planLimits,
  '0008-semantic-catalog': semanticCatalog,
};

class InCodeMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
}

/**
 * Brings the store up to the newest schema. Idempotent: applied migrations are recorded, and Kysely
 * holds a lock while migrating so replicas starting together do not race.
 */
// Migrations see the database as it was when they were written, not as StoreSchema says it is now.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: new InCodeMigrationProvider(),
    migrationTableName: 'warden_migrations',
    migrationLockTableName: 'warden_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Store migration ${failed} failed`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
