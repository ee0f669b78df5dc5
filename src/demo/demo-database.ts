import { resolve } from 'node:path';
import { DEFAULT_POOL_SETTINGS } from '../../plugins/drivers/driver.js';
import { PGliteDriver } from '../../plugins/drivers/pglite/pglite-driver.js';
import { newId } from '../ids.js';
import type { Logger } from '../logger.js';
import type { ConnectorRegistry } from '../services/connector-registry.js';
import type { Store } from '../store/open-store.js';
import { seedShop } from './shop-seed.js';

export const DEMO_DATABASE_NAME = 'shop';

/**
 * Opens the demo "shop" database (embedded, in `<data dir>/shop`), loads it on first start, and
 * registers it in the store so it is ready to grant and query. `created`: registered just now (first start).
 */
export async function ensureDemoDatabase(
  store: Store,
  connectors: ConnectorRegistry,
  dataDir: string,
  log: Logger,
): Promise<{ id: string; created: boolean } | undefined> {
  const shopDir = dataDir.startsWith('memory://') ? dataDir : resolve(dataDir, DEMO_DATABASE_NAME);
  const existing = await store.repos.databases.findByName(DEMO_DATABASE_NAME);
  const existingDir = (existing?.config as { settings?: { dataDir?: unknown } } | undefined)?.settings?.dataDir;
  if (existing && (existing.engine !== 'pglite' || existingDir !== shopDir)) {
    log.warn('a database named "shop" that is not the demo is registered; the demo database is not loaded');
    return undefined;
  }
  const driver = await PGliteDriver.open({ dataDir: shopDir });
  try {
    const started = performance.now();
    if (await seedShop(await driver.trusted())) {
      log.info({ ms: Math.round(performance.now() - started) }, 'demo database "shop" loaded');
    }
    const record =
      existing ??
      (await store.repos.databases.insert({
        id: newId('Database'),
        name: DEMO_DATABASE_NAME,
        engine: 'pglite',
        description: 'Demo e-commerce data: customers, products, orders, order_items, reviews, categories.',
        config: JSON.stringify({ settings: { dataDir: shopDir }, pool: DEFAULT_POOL_SETTINGS }),
        secretCiphertext: null,
        secretKeyId: null,
        updatedAt: new Date(),
      }));
    connectors.set(record.id, driver);
    return { id: record.id, created: existing === undefined };
  } catch (error) {
    await driver.close();
    throw error;
  }
}
