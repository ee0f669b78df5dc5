import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICES, serviceAvailable } from '../helpers/services.js';
import { spawnGateway, type SpawnedGateway } from '../helpers/spawn-gateway.js';
import { createTempPostgres, type TempPostgres } from '../helpers/temp-postgres.js';
import { errorCode, postGraphQL } from '../helpers/test-server.js';
import { subscribe } from '../helpers/ws-client.js';

const ready = (await serviceAvailable('postgres')) && (await serviceAvailable('redis'));

const AUDIT = 'subscription($f: AuditEventStreamFilter) { auditEvents(filter: $f) { id action decision principalId databaseId rowCount } }';
type AuditData = { auditEvents: { action: string; decision: string; principalId: string; databaseId: string; rowCount: number | null } };
const RUN = 'mutation($d: ID!, $sql: String!) { runQuery(databaseId: $d, sql: $sql) { rowCount rows } }';

/**
 * Two gateway processes behind nothing but a shared PostgreSQL store and the real Redis: they must
 * behave as one (DESIGN.md, "Scale-out").
 */
describe.skipIf(!ready)('two replicas sharing a PostgreSQL store and Redis', () => {
  let store: TempPostgres;
  let target: TempPostgres;
  let dataDirs: string[] = [];
  let a: SpawnedGateway;
  let b: SpawnedGateway;
  const adminKey = `replica-admin-${randomBytes(16).toString('hex')}`;
  const gql = <T>(gateway: SpawnedGateway, query: string, variables: Record<string, unknown> = {}, key = adminKey) =>
    postGraphQL<T>(`${gateway.baseUrl}/graphql`, query, variables, key);
  let databaseId: string;
  let agent: { id: string; key: string };

  beforeAll(async () => {
    [store, target] = await Promise.all([createTempPostgres('warden_replica_store'), createTempPostgres('warden_replica_target')]);
    dataDirs = await Promise.all([mkdtemp(join(tmpdir(), 'warden-a-')), mkdtemp(join(tmpdir(), 'warden-b-'))]);
    const shared = {
      WARDEN_STORE_URL: store.url,
      WARDEN_SECRET_KEY: randomBytes(32).toString('base64'),
      WARDEN_REDIS_URL: SERVICES.redis.url,
      // Its own channel names, so other suites sharing this Redis never reach these replicas.
      WARDEN_REDIS_PREFIX: `warden-test-${randomBytes(4).toString('hex')}:`,
      WARDEN_ADMIN_KEY: adminKey,
      WARDEN_DEMO: 'false',
      // One process each: replicas are what this suite is about (workers.e2e.test.ts has the workers).
      WARDEN_WORKERS: '1',
      LOG_LEVEL: 'info',
    };
    // One after the other: both would run the store's migrations (they take a lock, but this is faster).
    a = await spawnGateway({ ...shared, WARDEN_DATA_DIR: dataDirs[0]! }, { timeoutMs: 90_000 });
    b = await spawnGateway({ ...shared, WARDEN_DATA_DIR: dataDirs[1]! }, { timeoutMs: 90_000 });

    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    await client.query('create table orders (id int primary key, total numeric not null); insert into orders select g, g * 10 from generate_series(1, 20) g');
    await client.end();
  }, 200_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await Promise.all([store?.drop(), target?.drop()]);
    await Promise.all(dataDirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('a database connected and granted on A is queried on B at once', async () => {
    const connected = await gql<{ connectDatabase: { id: string } }>(a, 'mutation($i: ConnectDatabaseInput!) { connectDatabase(input: $i) { id } }', {
      i: { name: 'orders', engine: 'postgres', host: '127.0.0.1', port: 5432, database: target.name, user: 'postgres' },
    });
    expect(connected.body.errors).toBeUndefined();
    databaseId = connected.body.data!.connectDatabase.id;
    const registered = await gql<{ registerAgent: { key: string; agent: { id: string } } }>(a, 'mutation { registerAgent(input: { name: "roamer" }) { key agent { id } } }');
    agent = { id: registered.body.data!.registerAgent.agent.id, key: registered.body.data!.registerAgent.key };
    const granted = await gql(a, 'mutation($i: GrantInput!) { grant(input: $i) { id } }', { i: { agentId: agent.id, databaseId, scope: 'DATABASE', actions: ['READ'] } });
    expect(granted.body.errors).toBeUndefined();

    const onB = await gql<{ runQuery: { rowCount: number } }>(b, RUN, { d: databaseId, sql: 'select id from orders' }, agent.key);
    expect(onB.body.errors).toBeUndefined();
    expect(onB.body.data!.runQuery.rowCount).toBe(20);
  });

  it('a catalog refreshed on A shows a new table on B at once, though B had the old catalog cached', async () => {
    const TABLES = 'query($id: ID!, $s: String) { database(id: $id) { tables(schema: $s) { schema name } } }';
    type TablesData = { database: { tables: { schema: string; name: string }[] } };
    const tablesOn = async (gateway: SpawnedGateway, schema: string) => {
      const res = await gql<TablesData>(gateway, TABLES, { id: databaseId, s: schema });
      expect(res.body.errors).toBeUndefined();
      return res.body.data!.database.tables.map((t) => `${t.schema}.${t.name}`);
    };
    const schema = `replica_${randomBytes(4).toString('hex')}`;
    const table = `late_${randomBytes(4).toString('hex')}`;
    // Both replicas load and cache the catalog before the table exists.
    expect(await tablesOn(a, 'public')).toContain('public.orders');
    expect(await tablesOn(b, 'public')).toContain('public.orders');

    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    try {
      await client.query(`create schema ${schema}; create table ${schema}.${table} (id int primary key)`);
      // B still answers from its cache: the table is not there.
      expect(await tablesOn(b, schema)).toEqual([]);

      const refreshed = await gql<{ refreshCatalog: { tables: { name: string }[] } }>(
        a,
        'mutation($d: ID!, $s: String) { refreshCatalog(databaseId: $d) { tables(schema: $s) { name } } }',
        { d: databaseId, s: schema },
      );
      expect(refreshed.body.errors).toBeUndefined();
      expect(refreshed.body.data!.refreshCatalog.tables.map((t) => t.name)).toEqual([table]);

      // B was not asked to refresh; the invalidation from A makes it read the catalog again.
      await expect.poll(() => tablesOn(b, schema), { timeout: 1_000, interval: 50 }).toEqual([`${schema}.${table}`]);
    } finally {
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    }
  });

  it('a query on replica A is seen by a subscriber on replica B', async () => {
    const live = subscribe<AuditData>(`${b.baseUrl}/graphql`, AUDIT, { connectionParams: { authorization: `Bearer ${adminKey}` }, variables: { f: { action: 'runQuery' } } });
    await live.connected;
    await new Promise((resolve) => setTimeout(resolve, 200));
    const onA = await gql(a, RUN, { d: databaseId, sql: 'select id from orders where id <= 3' }, agent.key);
    expect(onA.body.errors).toBeUndefined();
    const [seen] = await live.waitFor(1);
    expect(seen!.auditEvents).toMatchObject({ action: 'runQuery', decision: 'ALLOWED', principalId: agent.id, databaseId, rowCount: 3 });
    await live.dispose();
  });

  it('a rate limit set on A holds on B, counted across both', async () => {
    const set = await gql(a, 'mutation($id: ID!) { setRateLimit(agentId: $id, input: { perMinute: 3 }) { perMinute } }', { id: agent.id });
    expect(set.body.errors).toBeUndefined();
    const lift = () => gql(b, 'mutation($id: ID!) { setRateLimit(agentId: $id, input: {}) { perMinute } }', { id: agent.id });
    try {
      // B has this agent's (absent) limits cached from the queries above; A's change reaches it over
      // Redis, as the grant and catalog changes do, within the same short wait.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const codes: unknown[] = [];
      for (const gateway of [b, a, b, a]) codes.push(errorCode(await gql(gateway, RUN, { d: databaseId, sql: 'select 1 as one' }, agent.key)));
      expect(codes).toEqual([undefined, undefined, undefined, 'RATE_LIMITED']);
      const onB = await gql(b, RUN, { d: databaseId, sql: 'select 1 as one' }, agent.key);
      expect(errorCode(onB)).toBe('RATE_LIMITED');
      expect(onB.body.errors?.[0]?.extensions.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      // Lifted on B, lifted on A.
      await lift();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(errorCode(await gql(a, RUN, { d: databaseId, sql: 'select 1 as one' }, agent.key))).toBeUndefined();
    } finally {
      // The tests after this one run as the same agent: never leave it limited.
      await lift();
    }
  });

  it('a grant revoked on A is refused on B at once, though B had it cached', async () => {
    const grants = await gql<{ grants: { edges: { node: { id: string } }[] } }>(a, 'query($id: ID!) { grants(agentId: $id) { edges { node { id } } } }', { id: agent.id });
    // B has just used the grant, so it holds it in its cache.
    expect(errorCode(await gql(b, RUN, { d: databaseId, sql: 'select id from orders where id = 1' }, agent.key))).toBeUndefined();
    await gql(a, 'mutation($id: ID!) { revokeGrant(id: $id) { id } }', { id: grants.body.data!.grants.edges[0]!.node.id });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(errorCode(await gql(b, RUN, { d: databaseId, sql: 'select id from orders where id = 1' }, agent.key))).toBe('NOT_FOUND');
  });

  it('revoking an agent on A closes its socket on B within a second and B refuses its key', async () => {
    const live = subscribe<AuditData>(`${b.baseUrl}/graphql`, AUDIT, { connectionParams: { authorization: `Bearer ${agent.key}` } });
    await live.connected;
    // B has the key cached from the requests above.
    expect((await gql(b, '{ me { id } }', {}, agent.key)).body.errors).toBeUndefined();
    const started = Date.now();
    await gql(a, 'mutation($id: ID!) { revokeAgent(id: $id) { id } }', { id: agent.id });
    expect((await live.closed).code).toBe(4403);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(errorCode(await gql(b, '{ me { id } }', {}, agent.key))).toBe('UNAUTHENTICATED');
  });
});
