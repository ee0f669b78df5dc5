import { chmod, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useServerWithPostgresStore } from '../helpers/server-fixture.js';
import { serviceAvailable } from '../helpers/services.js';
import { spawnGateway } from '../helpers/spawn-gateway.js';
import { errorCode, startTestServer, type TestServer } from '../helpers/test-server.js';

const CONNECT = 'mutation($input: ConnectDatabaseInput!) { connectDatabase(input: $input) { id name status { state } } }';
const pgUp = await serviceAvailable('postgres');

/**
 * Every file and folder below `dir` (and `dir` itself) that another user could reach and read or write:
 * a folder is entered only when its mode lets the group or others through.
 */
async function exposedEntries(dir: string, name = '.'): Promise<string[]> {
  const { mode } = await stat(dir);
  const exposed = (mode & 0o066) !== 0 ? [`${name} ${(mode & 0o777).toString(8)}`] : [];
  if ((await stat(dir)).isDirectory() && (mode & 0o011) !== 0) {
    for (const entry of await readdir(dir)) exposed.push(...(await exposedEntries(join(dir, entry), join(name, entry))));
  }
  return exposed;
}

describe('the embedded store is never a database to connect', () => {
  let server: TestServer;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'warden-self-'));
    server = await startTestServer({ dataDir, env: { WARDEN_DEMO: 'true' } });
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("refuses the store's folder, however it is written", async () => {
    const ways = [
      { dataDir: 'store' },
      { dataDir: 'store/' },
      { dataDir: './Store' },
      { dataDir: 'shop/../store' },
      { dataDir: join(dataDir, 'store') },
      { dataDir: 'store/base' },
      { connectionString: `pglite://${dataDir}/store` },
    ];
    for (const [n, way] of ways.entries()) {
      const res = await server.graphql(CONNECT, { input: { name: `self${n}`, engine: 'pglite', ...way } }, server.adminKey);
      expect(errorCode(res), JSON.stringify(way)).toBe('BAD_USER_INPUT');
      expect(res.body.errors?.[0]?.message, JSON.stringify(way)).toContain("overlaps the folder of Warden's own store");
    }
  });

  it('refuses the data folder itself, where a cluster would sit on the store and the secret key', async () => {
    for (const [n, folder] of ['.', './', dataDir, `${dataDir}/`, 'shop/..'].entries()) {
      const res = await server.graphql(CONNECT, { input: { name: `root${n}`, engine: 'pglite', dataDir: folder } }, server.adminKey);
      expect(errorCode(res), folder).toBe('BAD_USER_INPUT');
      expect(res.body.errors?.[0]?.message, folder).toContain('not the data folder itself');
    }
    const list = await server.graphql<{ databases: { edges: { node: { name: string } }[] } }>('{ databases { edges { node { name } } } }', {}, server.adminKey);
    expect(list.body.data!.databases.edges.map((e) => e.node.name)).toEqual(['shop']);
  });

  it('still loads the demo database and connects a folder of its own', async () => {
    const demo = await server.graphql<{ databases: { edges: { node: { name: string; status: { state: string } } }[] } }>(
      '{ databases { edges { node { name status { state } } } } }',
      {},
      server.adminKey,
    );
    expect(demo.body.data!.databases.edges).toEqual([{ node: { name: 'shop', status: { state: 'AVAILABLE' } } }]);
    const own = await server.graphql<{ connectDatabase: { status: { state: string } } }>(CONNECT, { input: { name: 'scratch', engine: 'pglite', dataDir: 'databases/scratch' } }, server.adminKey);
    expect(own.body.errors).toBeUndefined();
    expect(own.body.data!.connectDatabase.status.state).toBe('AVAILABLE');
  });
});

describe.skipIf(!pgUp)('the PostgreSQL store is never a database to connect', () => {
  const fixture = useServerWithPostgresStore();

  it("refuses the store's own database, on any loopback spelling of its host", async () => {
    const { server, store } = fixture;
    for (const [n, host] of ['127.0.0.1', 'localhost', 'LOCALHOST'].entries()) {
      const res = await server.graphql(CONNECT, { input: { name: `self${n}`, engine: 'postgres', host, port: 5432, database: store.name, user: 'postgres' } }, server.adminKey);
      expect(errorCode(res), host).toBe('BAD_USER_INPUT');
      expect(res.body.errors?.[0]?.message).toContain("Warden's own store database");
    }
    const byString = await server.graphql(CONNECT, { input: { name: 'self-url', connectionString: `postgresql://postgres@localhost/${store.name}` } }, server.adminKey);
    expect(errorCode(byString)).toBe('BAD_USER_INPUT');
    const tested = await server.graphql('mutation($i: ConnectionInput!) { testConnection(input: $i) { ok } }', { i: { engine: 'postgres', host: '127.0.0.1', database: store.name, user: 'postgres' } }, server.adminKey);
    expect(errorCode(tested)).toBe('BAD_USER_INPUT');
  });
});

describe('files Warden creates are private to its user', () => {
  it('creates the data folder, the store and the secret key without group or world access, even under umask 000', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'warden-modes-'));
    const dataDir = join(parent, 'data');
    const previous = process.umask(0);
    let server: TestServer | undefined;
    try {
      server = await startTestServer({ dataDir });
    } finally {
      process.umask(previous);
    }
    try {
      for (const folder of [dataDir, join(dataDir, 'store')]) expect(((await stat(folder)).mode & 0o777).toString(8), folder).toBe('700');
      expect(((await stat(join(dataDir, 'secret.key'))).mode & 0o777).toString(8)).toBe('600');
      expect(((await stat(join(dataDir, 'store', 'warden.lock'))).mode & 0o777).toString(8)).toBe('600');
    } finally {
      await server?.stop();
      await rm(parent, { recursive: true, force: true });
    }
  }, 90_000);

  it("closes a store folder an earlier release left open to others", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'warden-modes-'));
    await mkdir(join(dataDir, 'store'));
    await chmod(join(dataDir, 'store'), 0o777);
    const server = await startTestServer({ dataDir });
    try {
      expect(((await stat(join(dataDir, 'store'))).mode & 0o777).toString(8)).toBe('700');
    } finally {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 90_000);

  it('leaves nothing in the data folder that others may read or write, when the gateway runs under umask 000', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'warden-modes-'));
    const dataDir = join(parent, 'data');
    const previous = process.umask(0);
    // The child inherits the umask as it is spawned.
    const starting = spawnGateway({ WARDEN_DATA_DIR: dataDir }, { timeoutMs: 120_000 });
    process.umask(previous);
    const gateway = await starting;
    try {
      expect(await exposedEntries(dataDir)).toEqual([]);
    } finally {
      await gateway.stop();
      await rm(parent, { recursive: true, force: true });
    }
  }, 180_000);
});
