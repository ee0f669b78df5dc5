import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICES, serviceAvailable } from '../helpers/services.js';
import { blackholePort, deadPort, startTcpProxy } from '../helpers/tcp-proxy.js';
import { useServerWithPostgresStore } from '../helpers/server-fixture.js';
import { createTempPostgres, type TempPostgres } from '../helpers/temp-postgres.js';
import { errorCode, startTestServer, type TestServer } from '../helpers/test-server.js';

const pgUp = await serviceAvailable('postgres');

async function asAdmin(sql: string, database = 'postgres') {
  const client = new pg.Client({ connectionString: SERVICES.postgres.url.replace(/\/postgres$/, `/${database}`) });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

const CONNECT = /* GraphQL */ `
  mutation Connect($input: ConnectDatabaseInput!) {
    connectDatabase(input: $input) { id name engine connection pool { maxConnections statementTimeoutMs } status { state activeEndpoint } }
  }
`;

describe.skipIf(!pgUp)('connecting databases over GraphQL', () => {
  let store: TempPostgres;
  let target: TempPostgres;
  let server: TestServer;
  const role = `warden_app_${randomBytes(4).toString('hex')}`;
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const responses: string[] = [];

  async function gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, key = server.adminKey) {
    const res = await server.graphql<T>(query, variables, key);
    responses.push(res.text);
    return res;
  }

  beforeAll(async () => {
    store = await createTempPostgres();
    target = await createTempPostgres('warden_target');
    await asAdmin(`create role ${role} login password '${password}'`);
    await asAdmin(`grant all on schema public to ${role}`, target.name);
    await asAdmin(
      `create table public.customers (id int primary key, email text not null unique);
       create table public.orders (id int primary key, customer_id int references public.customers(id), total numeric(10,2));
       comment on table public.orders is 'Checkouts';
       grant select on all tables in schema public to ${role};`,
      target.name,
    );
    server = await startTestServer({ store: { kind: 'postgres', url: store.url } });
  });
  afterAll(async () => {
    await server?.stop();
    await target?.drop();
    await store?.drop();
    await asAdmin(`drop role if exists ${role}`).catch(() => undefined);
  });

  const targetUrl = () => `postgres://${role}:${password}@127.0.0.1:5432/${target.name}`;

  it('connects with a connection string, and shows it back with the password masked', async () => {
    const res = await gql<{ connectDatabase: { engine: string; connection: string; status: { state: string; activeEndpoint: string } } }>(CONNECT, {
      input: { name: 'crm', connectionString: targetUrl(), pool: { maxConnections: 4 } },
    });
    expect(res.body.errors).toBeUndefined();
    const db = res.body.data!.connectDatabase;
    expect(db.engine).toBe('postgres');
    expect(db.connection).toBe(`postgres://${role}:****@127.0.0.1:5432/${target.name}`);
    expect(db.status).toEqual({ state: 'AVAILABLE', activeEndpoint: '127.0.0.1:5432' });
  });

  it('stores the password encrypted, bound to its row', async () => {
    const rows = await asAdmin('select config::text as config, secret_ciphertext, secret_key_id from databases', store.name);
    const row = rows.rows.find((r: { config: string }) => r.config.includes(target.name)) as { config: string; secret_ciphertext: string; secret_key_id: string };
    expect(row.config).not.toContain(password);
    expect(row.secret_ciphertext).toMatch(/^v1\./);
    expect(row.secret_ciphertext).not.toContain(password);
    expect(row.secret_key_id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('refuses to save a database it cannot reach, saying why in plain words', async () => {
    const down = await gql(CONNECT, { input: { name: 'crm-down', engine: 'postgres', host: '127.0.0.1', port: await deadPort(), database: 'x', user: 'x' } });
    expect(errorCode(down)).toBe('DATABASE_UNAVAILABLE');
    expect(down.body.errors?.[0]?.message).toMatch(/refused the connection/);
    const list = await gql<{ databases: { edges: { node: { name: string } }[] } }>('{ databases { edges { node { name } } } }');
    expect(list.body.data?.databases.edges.map((e) => e.node.name)).toEqual(['crm']);
  });

  it('reports bad settings as BAD_USER_INPUT without echoing the connection string', async () => {
    const res = await gql(CONNECT, { input: { name: 'crm-x', connectionString: `postgres://${role}:${password}@` } });
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    const engine = await gql(CONNECT, { input: { name: 'crm-y', connectionString: `oracle://${role}:${password}@h/db` } });
    expect(errorCode(engine)).toBe('BAD_USER_INPUT');
  });

  it('tests a connection without saving it', async () => {
    const res = await gql<{ testConnection: { ok: boolean; serverVersion: string; message: string } }>(
      'mutation($input: ConnectionInput) { testConnection(input: $input) { ok serverVersion message } }',
      { input: { connectionString: targetUrl() } },
    );
    expect(res.body.data?.testConnection).toMatchObject({ ok: true, serverVersion: expect.stringMatching(/^\d+/) });
    const failed = await gql<{ testConnection: { ok: boolean; message: string } }>(
      'mutation($input: ConnectionInput) { testConnection(input: $input) { ok message } }',
      { input: { connectionString: `postgres://${role}:${password}@127.0.0.1:${await deadPort()}/${target.name}` } },
    );
    expect(failed.body.data?.testConnection.ok).toBe(false);
    expect(failed.body.data?.testConnection.message).toMatch(/refused the connection/);
  });

  it('describes tables and columns, reading each catalog once however many tables are asked for', async () => {
    const before = server.warden.metrics.catalogIntrospections();
    const query = '{ databases { edges { node { name tables { schema name kind comment rowEstimate primaryKey columns { name dataType nullable position } foreignKeys { columns referencedTable referencedColumns } indexes { name unique } } } } } }';
    const res = await gql<{ databases: { edges: { node: { name: string; tables: { name: string; comment: string | null; primaryKey: string[]; columns: { name: string }[]; foreignKeys: unknown[] }[] } }[] } }>(query);
    expect(res.body.errors).toBeUndefined();
    const tables = res.body.data!.databases.edges[0]!.node.tables;
    expect(tables.map((t) => t.name)).toEqual(['customers', 'orders']);
    expect(tables[1]).toMatchObject({
      comment: 'Checkouts',
      primaryKey: ['id'],
      columns: [{ name: 'id' }, { name: 'customer_id' }, { name: 'total' }],
      foreignKeys: [{ columns: ['customer_id'], referencedTable: 'customers', referencedColumns: ['id'] }],
    });
    expect(server.warden.metrics.catalogIntrospections() - before).toBe(1);
    await gql(query);
    expect(server.warden.metrics.catalogIntrospections() - before).toBe(1);
  });

  it('sees a new table only after refreshCatalog', async () => {
    await asAdmin(`create table public.refunds (id int primary key); grant select on public.refunds to ${role}`, target.name);
    const list = await gql<{ databases: { edges: { node: { id: string; tables: { name: string }[] } }[] } }>('{ databases { edges { node { id tables { name } } } } }');
    const node = list.body.data!.databases.edges[0]!.node;
    expect(node.tables.map((t) => t.name)).not.toContain('refunds');
    const refreshed = await gql<{ refreshCatalog: { tables: { name: string }[] } }>(
      'mutation($id: ID!) { refreshCatalog(databaseId: $id) { tables { name } } }',
      { id: node.id },
    );
    expect(refreshed.body.data?.refreshCatalog.tables.map((t) => t.name)).toContain('refunds');
    const one = await gql<{ database: { table: { name: string; columns: { name: string }[] } | null } }>(
      'query($id: ID!) { database(id: $id) { table(name: "refunds") { name columns { name } } } }',
      { id: node.id },
    );
    expect(one.body.data?.database.table).toEqual({ name: 'refunds', columns: [{ name: 'id' }] });
  });

  it('updates pool settings and description, and removes a database with its connections', async () => {
    const list = await gql<{ databases: { edges: { node: { id: string } }[] } }>('{ databases { edges { node { id } } } }');
    const id = list.body.data!.databases.edges[0]!.node.id;
    const updated = await gql<{ updateDatabase: { description: string; pool: { maxConnections: number } } }>(
      'mutation($id: ID!) { updateDatabase(id: $id, input: { description: "CRM replica", pool: { maxConnections: 3 } }) { description pool { maxConnections } } }',
      { id },
    );
    expect(updated.body.data?.updateDatabase).toEqual({ description: 'CRM replica', pool: { maxConnections: 3 } });
    const badUpdate = await gql('mutation($id: ID!, $port: Int) { updateDatabase(id: $id, input: { host: "127.0.0.1", port: $port }) { id } }', {
      id,
      port: await deadPort(),
    });
    expect(errorCode(badUpdate)).toBe('DATABASE_UNAVAILABLE');
    const stillWorks = await gql<{ database: { status: { state: string } } }>('query($id: ID!) { database(id: $id) { status { state } } }', { id });
    expect(stillWorks.body.data?.database.status.state).toBe('AVAILABLE');

    const removed = await gql<{ removeDatabase: { name: string } }>('mutation($id: ID!) { removeDatabase(id: $id) { name } }', { id });
    expect(removed.body.data?.removeDatabase.name).toBe('crm');
    const gone = await gql('query($id: ID!) { database(id: $id) { name } }', { id });
    expect(errorCode(gone)).toBe('NOT_FOUND');
    const sessions = await asAdmin(`select count(*)::int as n from pg_stat_activity where usename = '${role}'`);
    expect(sessions.rows[0].n).toBe(0);
  });

  it('keeps embedded databases inside the data folder', async () => {
    const outside = await gql(CONNECT, { input: { name: 'escape', engine: 'pglite', dataDir: '../../etc/warden-was-here' } });
    expect(errorCode(outside)).toBe('BAD_USER_INPUT');
    expect(outside.body.errors?.[0]?.message).toMatch(/dataDir: must be a folder inside Warden's data folder/);
    const absolute = await gql(CONNECT, { input: { name: 'escape2', connectionString: 'pglite:///tmp/warden-elsewhere' } });
    expect(errorCode(absolute)).toBe('BAD_USER_INPUT');
    const inside = await gql<{ connectDatabase: { connection: string; status: { state: string } } }>(CONNECT, {
      input: { name: 'scratch', engine: 'pglite', dataDir: 'scratch' },
    });
    expect(inside.body.data?.connectDatabase.status.state).toBe('AVAILABLE');
    expect(inside.body.data?.connectDatabase.connection).toMatch(/^pglite:\/\/.*\/scratch$/);
  }, 30_000);

  it('never shows the password in a response, an error or the log', () => {
    expect(responses.length).toBeGreaterThan(5);
    for (const text of responses) expect(text).not.toContain(password);
    expect(server.logs.join('')).not.toContain(password);
  });
});

describe.skipIf(!pgUp)('a database that dies or hangs', () => {
  const fixture = useServerWithPostgresStore();

  it('fails over to the next endpoint when the active one stops, and says which is active', async () => {
    const primary = await startTcpProxy(5432);
    const secondary = await startTcpProxy(5432);
    const res = await fixture.server.graphql<{ connectDatabase: { id: string; status: { activeEndpoint: string } } }>(CONNECT, {
      input: {
        name: 'ha',
        engine: 'postgres',
        endpoints: [{ host: '127.0.0.1', port: primary.port }, { host: '127.0.0.1', port: secondary.port }],
        database: fixture.store.name,
        user: 'postgres',
      },
    }, fixture.server.adminKey);
    const { id, status } = res.body.data!.connectDatabase;
    expect(status.activeEndpoint).toBe(`127.0.0.1:${primary.port}`);

    await primary.kill();
    const started = performance.now();
    const after = await fixture.server.graphql<{ database: { status: { state: string; activeEndpoint: string; endpoints: { address: string; healthy: boolean }[] }; tables: unknown[] } }>(
      'query($id: ID!) { database(id: $id) { status { state activeEndpoint endpoints { address healthy } } } }',
      { id },
      fixture.server.adminKey,
    );
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(after.body.data?.database.status).toEqual({
      state: 'AVAILABLE',
      activeEndpoint: `127.0.0.1:${secondary.port}`,
      endpoints: [
        { address: `127.0.0.1:${primary.port}`, healthy: false },
        { address: `127.0.0.1:${secondary.port}`, healthy: true },
      ],
    });
    await secondary.kill();
    const none = await fixture.server.graphql<{ database: { status: { state: string; message: string } } }>(
      'query($id: ID!) { database(id: $id) { status { state message } } }',
      { id },
      fixture.server.adminKey,
    );
    expect(none.body.data?.database.status.state).toBe('UNAVAILABLE');
    expect(none.body.data?.database.status.message).toMatch(/unavailable/);
    // The gateway itself is fine.
    expect((await fetch(fixture.server.url.replace('/graphql', '/healthz'))).status).toBe(200);
  });

  it('holds every database to the global connection cap', async () => {
    const capped = await startTestServer({ store: { kind: 'postgres', url: fixture.store.url }, adminKey: fixture.server.adminKey, env: { WARDEN_MAX_CONNECTIONS: '15' } });
    // Not the store's own database: that one is never registered.
    const other = await createTempPostgres('warden_target');
    try {
      const input = (name: string, maxConnections: number) => ({
        input: { name, engine: 'postgres', host: '127.0.0.1', port: 5432, database: other.name, user: 'postgres', pool: { maxConnections } },
      });
      // "ha" from the test before holds 10 of the 15.
      const over = await capped.graphql(CONNECT, input('cap-a', 6), capped.adminKey);
      expect(errorCode(over)).toBe('CONFLICT');
      expect(over.body.errors?.[0]?.message).toMatch(/cap of 15 \(WARDEN_MAX_CONNECTIONS\)/);
      const fits = await capped.graphql(CONNECT, input('cap-b', 5), capped.adminKey);
      expect(fits.body.errors).toBeUndefined();
    } finally {
      await capped.stop();
      await other.drop();
    }
  });

  it('gives DATABASE_UNAVAILABLE within the connect timeout when a server hangs, never a hang', async () => {
    const hole = await blackholePort();
    try {
      const started = performance.now();
      const res = await fixture.server.graphql(CONNECT, {
        input: { name: 'hung', engine: 'postgres', host: '127.0.0.1', port: hole.port, database: 'x', user: 'x', pool: { connectTimeoutMs: 500, acquireTimeoutMs: 500 } },
      }, fixture.server.adminKey);
      const elapsed = performance.now() - started;
      expect(errorCode(res)).toBe('DATABASE_UNAVAILABLE');
      expect(elapsed).toBeLessThan(3_000);
    } finally {
      await hole.close();
    }
  });
});

const mariaUp = await serviceAvailable('mariadb');

describe.skipIf(!pgUp || !mariaUp)('credentials the server checks (MariaDB)', () => {
  let store: TempPostgres;
  let server: TestServer;
  const name = `warden_target_${randomBytes(4).toString('hex')}`;
  const user = `warden_app_${randomBytes(4).toString('hex')}`;
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const responses: string[] = [];
  const url = (pw: string) => `mysql://${user}:${pw}@127.0.0.1:3306/${name}`;

  async function maria(sql: string) {
    const c = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  }
  async function gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>) {
    const res = await server.graphql<T>(query, variables, server.adminKey);
    responses.push(res.text);
    return res;
  }

  beforeAll(async () => {
    await maria(`create database ${name}`);
    await maria(`create user '${user}'@'%' identified by '${password}'`);
    await maria(`grant select on ${name}.* to '${user}'@'%'`);
    await maria(`create table ${name}.items (id int primary key, label varchar(40))`);
    store = await createTempPostgres();
    server = await startTestServer({ store: { kind: 'postgres', url: store.url } });
  });
  afterAll(async () => {
    await server?.stop();
    await store?.drop();
    await maria(`drop user if exists '${user}'@'%'`).catch(() => undefined);
    await maria(`drop database if exists ${name}`).catch(() => undefined);
  });

  it('refuses a wrong password with the driver\'s reason, saves nothing, and never repeats the password', async () => {
    const wrong = await gql(CONNECT, { input: { name: 'inventory', connectionString: url(`${password}-wrong`) } });
    expect(errorCode(wrong)).toBe('DATABASE_UNAVAILABLE');
    expect(wrong.body.errors?.[0]?.message).toMatch(/could not connect, so nothing was saved.*refused the user name or password/);
    const tested = await gql<{ testConnection: { ok: boolean; message: string } }>(
      'mutation($input: ConnectionInput) { testConnection(input: $input) { ok message } }',
      { input: { connectionString: url('also-wrong') } },
    );
    expect(tested.body.data?.testConnection).toEqual({ ok: false, message: expect.stringMatching(/refused the user name or password/) });
    const list = await gql<{ databases: { totalCount: number } }>('{ databases { totalCount } }');
    expect(list.body.data?.databases.totalCount).toBe(0);
  });

  it('connects with the right one, shows it masked, and keeps the old settings when an update fails', async () => {
    const ok = await gql<{ connectDatabase: { id: string; engine: string; connection: string } }>(CONNECT, {
      input: { name: 'inventory', connectionString: url(password) },
    });
    expect(ok.body.errors).toBeUndefined();
    const { id, engine, connection } = ok.body.data!.connectDatabase;
    expect(engine).toBe('mysql');
    expect(connection).toBe(`mysql://${user}:****@127.0.0.1:3306/${name}`);
    const bad = await gql('mutation($id: ID!) { updateDatabase(id: $id, input: { password: "not-it" }) { id } }', { id });
    expect(errorCode(bad)).toBe('DATABASE_UNAVAILABLE');
    const tables = await gql<{ database: { status: { state: string }; tables: { name: string; columns: { name: string; dataType: string }[] }[] } }>(
      'query($id: ID!) { database(id: $id) { status { state } tables { name columns { name dataType } } } }',
      { id },
    );
    expect(tables.body.data?.database).toEqual({
      status: { state: 'AVAILABLE' },
      tables: [{ name: 'items', columns: [{ name: 'id', dataType: 'int(11)' }, { name: 'label', dataType: 'varchar(40)' }] }],
    });
  });

  it('never shows the password in a response, an error or the log', () => {
    for (const text of responses) expect(text).not.toContain(password);
    expect(server.logs.join('')).not.toContain(password);
  });
});

describe.skipIf(!pgUp)('rotating WARDEN_SECRET_KEY', () => {
  it('opens credentials sealed with the previous key and seals them again with the new one', async () => {
    const store = await createTempPostgres();
    // The sealed credentials belong to another database: the store's own is never registered.
    const target = await createTempPostgres('warden_target');
    const keyA = randomBytes(32).toString('base64');
    const keyB = randomBytes(32).toString('base64');
    const adminKey = `rotation-admin-${randomBytes(12).toString('hex')}`;
    const keyIdOfStored = async () =>
      (await asAdmin('select secret_key_id from databases', store.name)).rows[0]?.secret_key_id as string;
    try {
      const first = await startTestServer({ store: { kind: 'postgres', url: store.url }, adminKey, env: { WARDEN_SECRET_KEY: keyA } });
      const connected = await first.graphql<{ connectDatabase: { id: string } }>(CONNECT, {
        input: { name: 'sealed', engine: 'postgres', host: '127.0.0.1', port: 5432, database: target.name, user: 'postgres', password: 'rotate-me-please' },
      }, adminKey);
      const id = connected.body.data!.connectDatabase.id;
      const sealedWithA = await keyIdOfStored();
      await first.stop();

      const second = await startTestServer({
        store: { kind: 'postgres', url: store.url },
        adminKey,
        env: { WARDEN_SECRET_KEY: keyB, WARDEN_SECRET_KEY_PREVIOUS: keyA },
      });
      const status = await second.graphql<{ database: { connection: string; status: { state: string } } }>(
        'query($id: ID!) { database(id: $id) { connection status { state } } }',
        { id },
        adminKey,
      );
      expect(status.body.data?.database.status.state).toBe('AVAILABLE');
      expect(status.body.data?.database.connection).toContain(':****@');
      const sealedWithB = await keyIdOfStored();
      expect(sealedWithB).not.toBe(sealedWithA);
      await second.stop();

      const third = await startTestServer({ store: { kind: 'postgres', url: store.url }, adminKey, env: { WARDEN_SECRET_KEY: keyB } });
      const again = await third.graphql<{ database: { status: { state: string } } }>('query($id: ID!) { database(id: $id) { status { state } } }', { id }, adminKey);
      expect(again.body.data?.database.status.state).toBe('AVAILABLE');
      await third.stop();
    } finally {
      await store.drop();
      await target.drop();
    }
  });
});
