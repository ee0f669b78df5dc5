import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICES, serviceAvailable } from '../helpers/services.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { createTempPostgres, type TempPostgres } from '../helpers/temp-postgres.js';
import { subscribe } from '../helpers/ws-client.js';
import { errorCode, postGraphQL, startTestServer, type GraphQLResponse, type TestServer } from '../helpers/test-server.js';

const pgUp = await serviceAvailable('postgres');

const REGISTER = 'mutation($n: String!) { registerAgent(input: { name: $n }) { key agent { id } } }';
type Registered = { registerAgent: { key: string; agent: { id: string } } };
const ME = '{ me { id name } }';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function register(server: TestServer, name: string): Promise<{ id: string; key: string }> {
  const reg = await server.graphql<Registered>(REGISTER, { n: name }, server.adminKey);
  expect(reg.body.errors).toBeUndefined();
  return { id: reg.body.data!.registerAgent.agent.id, key: reg.body.data!.registerAgent.key };
}

describe.skipIf(!pgUp)('calls that need a PostgreSQL store that is cut off', () => {
  let proxy: TcpProxy;
  let store: TempPostgres;
  let server: TestServer;

  beforeAll(async () => {
    store = await createTempPostgres();
    proxy = await startTcpProxy(SERVICES.postgres.port);
    server = await startTestServer({ store: { kind: 'postgres', url: `postgres://postgres@127.0.0.1:${proxy.port}/${store.name}` } });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await proxy?.kill();
    await store?.drop();
  });

  it('get STORE_UNAVAILABLE (retryable, 503, no address), not INTERNAL, and work again once the store is back', async () => {
    const seen = await register(server, 'seen');
    const fresh = await register(server, 'fresh');
    expect((await server.graphql(ME, undefined, seen.key)).body.errors).toBeUndefined();

    await proxy.kill();
    const checks: [string, GraphQLResponse][] = [
      // An admin listing agents: read from the store.
      ['agents', await server.graphql('{ agents(first: 5) { totalCount } }', undefined, server.adminKey)],
      // An agent whose key was checked a moment ago, reading itself.
      ['me', await server.graphql(ME, undefined, seen.key)],
      // An agent whose key was never seen: the key itself cannot be checked.
      ['fresh key', await server.graphql(ME, undefined, fresh.key)],
      // A mutation.
      ['registerAgent', await server.graphql(REGISTER, { n: 'during' }, server.adminKey)],
    ];
    for (const [what, response] of checks) {
      const error = response.body.errors?.[0];
      expect({ what, code: error?.extensions.code }).toEqual({ what, code: 'STORE_UNAVAILABLE' });
      expect({ what, ...error?.extensions }).toMatchObject({ what, retryable: true, retryAfterSeconds: expect.any(Number) });
      expect(error?.message).not.toMatch(new RegExp(`${proxy.port}|127\\.0\\.0\\.1|${store.name}|ECONNREFUSED`));
    }
    expect(checks[2]![1].status).toBe(503);
    // A subscription connection whose key cannot be checked is told to come back later (1013), not refused.
    const live = subscribe(server.url, 'subscription { auditEvents { id } }', { connectionParams: { authorization: `Bearer ${fresh.key}` } });
    expect((await live.closed).code).toBe(1013);
    await live.dispose();

    proxy = await startTcpProxy(SERVICES.postgres.port, '127.0.0.1', proxy.port);
    let back: GraphQLResponse | undefined;
    for (let attempt = 0; attempt < 50; attempt++) {
      back = await server.graphql(ME, undefined, fresh.key);
      if (!back.body.errors) break;
      await sleep(100);
    }
    expect(back!.body.errors).toBeUndefined();
    expect((await server.graphql('{ agents(first: 5) { totalCount } }', undefined, server.adminKey)).body.errors).toBeUndefined();
  }, 60_000);
});

describe.skipIf(!pgUp)('50 agents at once on a PostgreSQL store', () => {
  let store: TempPostgres;
  let target: TempPostgres;
  let server: TestServer;
  let databaseId: string;
  let agents: { id: string; key: string }[];

  beforeAll(async () => {
    [store, target] = await Promise.all([createTempPostgres(), createTempPostgres('warden_burst')]);
    const client = new pg.Client({ connectionString: SERVICES.postgres.url.replace(/\/postgres$/, `/${target.name}`) });
    await client.connect();
    await client.query('create table items (id int primary key); insert into items select generate_series(1, 50)');
    await client.end();
    server = await startTestServer({ store: { kind: 'postgres', url: store.url } });
    const connected = await server.graphql<{ connectDatabase: { id: string } }>(
      'mutation($db: String!) { connectDatabase(input: { name: "stock", engine: "postgres", host: "127.0.0.1", port: 5432, database: $db, user: "postgres" }) { id } }',
      { db: target.name },
      server.adminKey,
    );
    databaseId = connected.body.data!.connectDatabase.id;
    agents = [];
    for (let i = 0; i < 50; i++) agents.push(await register(server, `burst-${i}`));
    for (const agent of agents) {
      const granted = await server.graphql('mutation($i: GrantInput!) { grant(input: $i) { id } }', { i: { agentId: agent.id, databaseId, scope: 'TABLE', table: 'items', actions: ['READ'] } }, server.adminKey);
      expect(granted.body.errors).toBeUndefined();
    }
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await Promise.all([store?.drop(), target?.drop()]);
  });

  it('wait their turn through a store stalled for 6 s instead of failing, then run a mixed burst with no INTERNAL error', async () => {
    // The store stalls (a lock, a failover): every store query on agents waits, holding its connection.
    const locker = new pg.Client({ connectionString: store.url });
    await locker.connect();
    await locker.query('begin');
    await locker.query('lock table agents in access exclusive mode');
    // Every agent's first call checks its key (never seen yet) in the store.
    const stalled = Promise.all(agents.map((agent) => server.graphql(ME, undefined, agent.key)));
    await sleep(6_000);
    await locker.query('commit');
    await locker.end();
    const first = await stalled;
    expect(first.map(errorCode).filter((code) => code !== undefined)).toEqual([]);

    // Then each agent, all at once: reads of itself, queries, the typed rows query; and an admin registering agents.
    const calls = agents.flatMap((agent, i) => [
      () => server.graphql(ME, undefined, agent.key),
      () => server.graphql('mutation($d: ID!) { runQuery(databaseId: $d, sql: "select count(*) as n from items") { rowCount } }', { d: databaseId }, agent.key),
      () => server.graphql('query($d: ID!) { rows(databaseId: $d, table: "items", limit: 5) { rowCount } }', { d: databaseId }, agent.key),
      () => server.graphql('{ me { id grants { id } keys { id } rateLimit { perMinute } } }', undefined, agent.key),
      ...(i % 10 === 0 ? [() => server.graphql(REGISTER, { n: `later-${i}` }, server.adminKey)] : []),
    ]);
    const answers = await Promise.all(calls.map((call) => call()));
    const codes = answers.map(errorCode).filter((code) => code !== undefined);
    expect(codes).toEqual([]);
    const agentsNow = await postGraphQL<{ agents: { totalCount: number } }>(server.url, '{ agents { totalCount } }', undefined, server.adminKey);
    // The admin, 50 agents, 5 registered in the burst.
    expect(agentsNow.body.data!.agents.totalCount).toBe(56);
  }, 120_000);
});
