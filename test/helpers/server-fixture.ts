import { afterAll, beforeAll } from 'vitest';
import { createTempPostgres, type TempPostgres } from './temp-postgres.js';
import { startTestServer, type TestServer, type TestServerOptions } from './test-server.js';

export interface ServerFixture {
  readonly server: TestServer;
  /** The store's own PostgreSQL database. */
  readonly store: TempPostgres;
}

/**
 * A gateway on a fresh PostgreSQL store for the enclosing describe block: started before its tests,
 * stopped and dropped after them. Read `server` and `store` inside tests, not at definition time.
 */
export function useServerWithPostgresStore(options: Omit<TestServerOptions, 'store'> = {}): ServerFixture {
  let server: TestServer | undefined;
  let store: TempPostgres | undefined;
  beforeAll(async () => {
    store = await createTempPostgres();
    server = await startTestServer({ ...options, store: { kind: 'postgres', url: store.url } });
  });
  afterAll(async () => {
    await server?.stop();
    await store?.drop();
  });
  return {
    get server() {
      if (!server) throw new Error('the test server is not started yet');
      return server;
    },
    get store() {
      if (!store) throw new Error('the test store is not created yet');
      return store;
    },
  };
}
