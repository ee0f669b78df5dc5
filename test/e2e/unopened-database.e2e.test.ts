import { randomBytes } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, callError, httpMcpClient, type ToolErrorBody } from '../helpers/mcp-client.js';
import { useServerWithPostgresStore } from '../helpers/server-fixture.js';
import { serviceAvailable } from '../helpers/services.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const pgUp = await serviceAvailable('postgres');

const RUN = 'mutation($d: ID!, $sql: String!) { runQuery(databaseId: $d, sql: $sql) { rows } }';
const COUNT = 'select count(*) as n from orders';

describe.skipIf(!pgUp)('a registered database this process cannot open answers DATABASE_UNAVAILABLE, the same way everywhere', () => {
  // Two gateways on one store, with different data folders: the second cannot open the first's demo shop.
  const secretKey = randomBytes(32).toString('base64');
  const adminKey = `test-admin-${randomBytes(16).toString('hex')}`;
  const fixture = useServerWithPostgresStore({ adminKey, env: { WARDEN_SECRET_KEY: secretKey, WARDEN_DEMO: 'true' } });
  let other: TestServer;
  let shopId: string;
  let key: string;
  let ungrantedKey: string;
  let client: Client;

  beforeAll(async () => {
    const admin = <T>(q: string, v?: Record<string, unknown>) => fixture.server.graphql<T>(q, v, adminKey).then((r) => r.body.data!);
    const { databases } = await admin<{ databases: { edges: { node: { id: string; name: string } }[] } }>('{ databases { edges { node { id name } } } }');
    shopId = databases.edges.find((e) => e.node.name === 'shop')!.node.id;
    const register = async (name: string) =>
      (await admin<{ registerAgent: { key: string; agent: { id: string } } }>('mutation($n: String!) { registerAgent(input: { name: $n }) { key agent { id } } }', { n: name })).registerAgent;
    const agent = await register('elsewhere-analyst');
    key = agent.key;
    ungrantedKey = (await register('elsewhere-stranger')).key;
    await admin('mutation($i: GrantInput!) { grant(input: $i) { id } }', { i: { agentId: agent.agent.id, databaseId: shopId, scope: 'TABLE', table: 'orders', actions: ['READ'] } });
    other = await startTestServer({ store: { kind: 'postgres', url: fixture.store.url }, adminKey, env: { WARDEN_SECRET_KEY: secretKey } });
    client = await httpMcpClient(other.url.replace(/\/graphql$/, ''), key);
  }, 120_000);
  afterAll(async () => {
    await client?.close().catch(() => undefined);
    await other?.stop();
  });

  it('from every tool and from GraphQL, with the reason, to an agent granted the database', async () => {
    const refusals: ToolErrorBody[] = [
      await callError(client, 'list_tables', { database_id: shopId }),
      await callError(client, 'describe_table', { database_id: shopId, table: 'orders' }),
      await callError(client, 'sample_rows', { database_id: shopId, table: 'orders' }),
      await callError(client, 'run_sql', { database_id: shopId, sql: COUNT }),
      await callError(client, 'explain_sql', { database_id: shopId, sql: COUNT }),
    ];
    const graphql = await other.graphql(RUN, { d: shopId, sql: COUNT }, key);
    const [first] = refusals;
    expect(first!.code).toBe('DATABASE_UNAVAILABLE');
    expect(first!.message).toMatch(/could not open the database: .*WARDEN_DATA_DIR/);
    for (const refusal of refusals) expect([refusal.code, refusal.message]).toEqual([first!.code, first!.message]);
    expect([graphql.body.errors?.[0]?.extensions.code, graphql.body.errors?.[0]?.message]).toEqual([first!.code, first!.message]);
  });

  it('while an agent without a grant on it still does not learn it exists (NOT_FOUND)', async () => {
    const stranger = await httpMcpClient(other.url.replace(/\/graphql$/, ''), ungrantedKey);
    try {
      expect((await callError(stranger, 'list_tables', { database_id: shopId })).code).toBe('NOT_FOUND');
      expect((await callError(stranger, 'run_sql', { database_id: shopId, sql: COUNT })).code).toBe('NOT_FOUND');
    } finally {
      await stranger.close();
    }
  });

  it('while the gateway that can open it serves it', async () => {
    const home = await httpMcpClient(fixture.server.url.replace(/\/graphql$/, ''), key);
    try {
      const count = await call<{ rows: { n: unknown }[] }>(home, 'run_sql', { database_id: shopId, sql: COUNT });
      expect(Number(count.rows[0]!.n)).toBeGreaterThan(0);
    } finally {
      await home.close();
    }
  });
});
