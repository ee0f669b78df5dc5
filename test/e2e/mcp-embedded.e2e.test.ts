import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, callError, httpMcpClient, stdioMcpClient } from '../helpers/mcp-client.js';
import { REPO_ROOT, spawnGateway, type SpawnedGateway } from '../helpers/spawn-gateway.js';
import { postGraphQL } from '../helpers/test-server.js';

const RUN = 'mutation($d: ID!, $sql: String!) { runQuery(databaseId: $d, sql: $sql) { rows } }';
const COUNT = 'select count(*) as n from orders';
const HOSTILE = 'select * from orders; delete from orders';

/** `npm --prefix <checkout> run --silent mcp`, as the README has an MCP client start it, from a folder that is not the checkout. */
const npmMcp = ['--prefix', REPO_ROOT, 'run', '--silent', 'mcp'];

/** What an agent sees of the shop through one MCP client: its tables, a count, and the refusal of a stacked write. */
async function seenThrough(client: Client, databaseId: string) {
  const { tables } = await call<{ tables: { schema: string; name: string }[] }>(client, 'list_tables', { database_id: databaseId });
  const count = await call<{ rows: { n: unknown }[] }>(client, 'run_sql', { database_id: databaseId, sql: COUNT });
  const { requestId: _requestId, ...refusal } = await callError(client, 'run_sql', { database_id: databaseId, sql: HOSTILE });
  return { tables: tables.map((t) => `${t.schema}.${t.name}`), orders: Number(count.rows[0]!.n), refusal };
}

describe('the demo shop (embedded, in the data folder) over MCP stdio, as over HTTP', () => {
  const adminKey = `test-admin-${randomBytes(16).toString('hex')}`;
  let dataDir: string;
  let elsewhere: string;
  let gateway: SpawnedGateway | undefined;
  let shopId: string;
  let key: string;
  let overHttp: Awaited<ReturnType<typeof seenThrough>>;
  const clients: Client[] = [];
  const gql = async <T>(query: string, variables?: Record<string, unknown>, as = adminKey) => {
    const res = await postGraphQL<T>(`${gateway!.baseUrl}/graphql`, query, variables, as);
    expect(res.body.errors).toBeUndefined();
    return res.body.data!;
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'warden-mcp-demo-'));
    elsewhere = await mkdtemp(join(tmpdir(), 'warden-mcp-client-cwd-'));
    // The default start: embedded store and the demo shop in the data folder.
    gateway = await spawnGateway({ WARDEN_DATA_DIR: dataDir, WARDEN_ADMIN_KEY: adminKey });
    const { databases } = await gql<{ databases: { edges: { node: { id: string; name: string } }[] } }>('{ databases { edges { node { id name } } } }');
    shopId = databases.edges.find((e) => e.node.name === 'shop')!.node.id;
    const { registerAgent } = await gql<{ registerAgent: { key: string; agent: { id: string } } }>('mutation { registerAgent(input: { name: "demo-analyst" }) { key agent { id } } }');
    key = registerAgent.key;
    await gql('mutation($i: GrantInput!) { grant(input: $i) { id } }', { i: { agentId: registerAgent.agent.id, databaseId: shopId, scope: 'TABLE', table: 'orders', actions: ['READ'] } });
    const http = await httpMcpClient(gateway.baseUrl, key);
    clients.push(http);
    overHttp = await seenThrough(http, shopId);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await gateway?.stop();
    await rm(dataDir, { recursive: true, force: true });
    await rm(elsewhere, { recursive: true, force: true });
  });

  it('over HTTP, shows the granted table, counts the orders and refuses a stacked write', () => {
    expect(overHttp.tables).toEqual(['public.orders']);
    expect(overHttp.orders).toBeGreaterThan(0);
    expect(overHttp.refusal.code).toBe('SQL_NOT_ALLOWED');
  });

  it('over stdio through the running gateway (WARDEN_URL), started from another folder, answers exactly as over HTTP', { timeout: 90_000 }, async () => {
    const { client, stderr } = await stdioMcpClient('npm', npmMcp, elsewhere, { WARDEN_API_KEY: key, WARDEN_URL: gateway!.baseUrl });
    clients.push(client);
    expect(await seenThrough(client, shopId)).toEqual(overHttp);
    // GraphQL says the same of the stacked write.
    const graphql = await postGraphQL(`${gateway!.baseUrl}/graphql`, RUN, { d: shopId, sql: HOSTILE }, key);
    expect([graphql.body.errors?.[0]?.extensions.code, graphql.body.errors?.[0]?.message]).toEqual([overHttp.refusal.code, overHttp.refusal.message]);
    expect(stderr()).toContain('serving MCP over stdio through the gateway');
    expect(stderr()).not.toContain(key);
  });

  it('through the gateway, ends access on the next call once the key is rotated, as over HTTP', { timeout: 90_000 }, async () => {
    const { registerAgent } = await gql<{ registerAgent: { key: string; agent: { id: string } } }>('mutation { registerAgent(input: { name: "demo-rotated" }) { key agent { id } } }');
    await gql('mutation($i: GrantInput!) { grant(input: $i) { id } }', { i: { agentId: registerAgent.agent.id, databaseId: shopId, scope: 'TABLE', table: 'orders', actions: ['READ'] } });
    const { client } = await stdioMcpClient('npm', npmMcp, elsewhere, { WARDEN_API_KEY: registerAgent.key, WARDEN_URL: gateway!.baseUrl });
    clients.push(client);
    await call(client, 'list_tables', { database_id: shopId });
    await gql('mutation($id: ID!) { rotateAgentKey(agentId: $id) { key } }', { id: registerAgent.agent.id });
    // As over HTTP: the old key's call is a tool error the client can show, not a broken transport.
    expect(await callError(client, 'list_tables', { database_id: shopId })).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('on its own beside the running gateway, refuses to open the embedded store, saying to go through the gateway', { timeout: 90_000 }, async () => {
    const started = stdioMcpClient('npm', npmMcp, elsewhere, { WARDEN_API_KEY: key, WARDEN_DATA_DIR: dataDir });
    await expect(started).rejects.toThrow(/is open in another process[\s\S]*WARDEN_URL/);
  });

  it('on its own with the gateway stopped, serves the demo shop from the data folder, as the gateway did', { timeout: 90_000 }, async () => {
    expect(await gateway!.stop()).toBe(0);
    const { client } = await stdioMcpClient('npm', npmMcp, elsewhere, { WARDEN_API_KEY: key, WARDEN_DATA_DIR: dataDir });
    clients.push(client);
    expect(await seenThrough(client, shopId)).toEqual(overHttp);
  });

  it('on its own without a data folder that holds a store, says where it looked instead of starting on an empty one', { timeout: 90_000 }, async () => {
    const started = stdioMcpClient('npm', npmMcp, elsewhere, { WARDEN_API_KEY: key, WARDEN_DATA_DIR: join(elsewhere, 'nothing-here') });
    await expect(started).rejects.toThrow(/no Warden store in .*nothing-here/);
  });
});
