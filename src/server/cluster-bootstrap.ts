import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { ensureAdmin } from '../services/bootstrap.service.js';
import { openStore } from '../store/open-store.js';

/**
 * What a start does once however many workers serve, done by the primary before it forks any: migrate
 * the store and make sure of the admin key (so a generated one is made, and shown, once). Returns the
 * generated key, if any.
 */
export async function bootstrapForWorkers(config: Config, log: Logger): Promise<string | undefined> {
  const store = await openStore(config.store);
  try {
    const { generatedKey } = await ensureAdmin(store, config.adminKey);
    // Each worker is its own process, and an embedded database is a folder one process may open.
    if (config.demo) log.info('the demo database is not loaded: with WARDEN_WORKERS > 1, embedded databases belong to one process');
    const embedded = (await store.repos.databases.list()).filter((record) => record.engine === 'pglite').map((record) => record.name);
    if (embedded.length > 0) {
      log.warn(
        { databases: embedded },
        'embedded databases are registered: each is open in one worker at a time, and requests the other workers take are refused with DATABASE_UNAVAILABLE',
      );
    }
    return generatedKey;
  } finally {
    await store.close();
  }
}
