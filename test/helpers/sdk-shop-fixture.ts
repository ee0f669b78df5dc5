import { afterAll, beforeAll } from 'vitest';
import { createWardenClient, type WardenClient } from '../../sdk/client.js';
import type { ServerFixture } from './server-fixture.js';
import { loadShop } from './shop-fixture.js';
import { createTempPostgres, type TempPostgres } from './temp-postgres.js';

export interface SdkShopFixture {
  /** The typed client with the admin key. */
  readonly admin: WardenClient;
  /** The shop database, connected as `shop`. */
  readonly databaseId: string;
}

/**
 * The demo shop in a new PostgreSQL database, connected to the fixture's gateway as `shop` through the
 * typed client, for the enclosing describe block (after the server fixture's own beforeAll).
 */
export function useShopThroughSdk(fixture: ServerFixture, prefix: string): SdkShopFixture {
  let target: TempPostgres | undefined;
  let admin: WardenClient | undefined;
  let databaseId: string | undefined;
  beforeAll(async () => {
    target = await createTempPostgres(prefix);
    await loadShop('postgres', target.name);
    admin = createWardenClient({ url: fixture.server.url, apiKey: fixture.server.adminKey });
    databaseId = (await admin.ConnectDatabase({ input: { name: 'shop', connectionString: target.url } })).connectDatabase.id;
  });
  afterAll(async () => {
    await admin?.dispose();
    await target?.drop();
  });
  return {
    get admin() {
      if (!admin) throw new Error('the shop is not connected yet');
      return admin;
    },
    get databaseId() {
      if (!databaseId) throw new Error('the shop is not connected yet');
      return databaseId;
    },
  };
}
