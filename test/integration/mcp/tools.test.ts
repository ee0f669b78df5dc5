import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLlm } from '../../helpers/fake-llm.js';
import { agentCaller, call, callError, inMemoryMcpClient } from '../../helpers/mcp-client.js';
import { useServerWithPostgresStore } from '../../helpers/server-fixture.js';
import { serviceAvailable } from '../../helpers/services.js';
import { loadShop } from '../../helpers/shop-fixture.js';
import { createTempPostgres, type TempPostgres } from '../../helpers/temp-postgres.js';

const pgUp = await serviceAvailable('postgres');

const RUN = 'mutation($d: ID!, $sql: String!) { runQuery(databaseId: $d, sql: $sql) { rowCount } }';
const TOOLS = [
  'list_databases',
  'list_tables',
  'describe_table',
  'sample_rows',
  'run_sql',
  'explain_sql',
  'list_schemas',
  'table_profile',
  'sample_distinct',
  'suggest_joins',
  'catalog_search',
  'catalog_upsert',
];

/**
 * The MCP tools in-process (the SDK's in-memory transports) over a real gateway's services: a PostgreSQL
 * store and the demo shop in a real PostgreSQL database. The agent may read orders and order_items
 * whole, products' id and name only, and nothing of customers.
 */
describe.skipIf(!pgUp)('MCP tools over the real services', () => {
  const fixture = useServerWithPostgresStore();
  let shop: TempPostgres;
  let databaseId: string;
  let key: string;
  let agentId: string;
  const clients: Client[] = [];

  const admin = async <T>(query: string, variables?: Record<string, unknown>) => {
    const res = await fixture.server.graphql<T>(query, variables, fixture.server.adminKey);
    expect(res.body.errors).toBeUndefined();
    return res.body.data!;
  };
  const grant = (input: Record<string, unknown>) => admin<{ grant: { id: string } }>('mutation($i: GrantInput!) { grant(input: $i) { id } }', { i: { agentId, databaseId, actions: ['READ'], ...input } });
  const connect = async (options: { notifyToolListChanges?: boolean } = {}) => {
    const services = fixture.server.warden.mcp;
    const client = await inMemoryMcpClient(services, await agentCaller(services, key), options);
    clients.push(client);
    return client;
  };
  const names = async (client: Client) => (await client.listTools()).tools.map((t) => t.name);
  /** Registers a language model provider (a real OpenAI-compatible server) until the returned function removes it. */
  const withProvider = async () => {
    const llm = await startFakeLlm([]);
    const { registerProvider } = await admin<{ registerProvider: { id: string } }>('mutation($i: RegisterProviderInput!) { registerProvider(input: $i) { id } }', {
      i: { name: `scripted-${clients.length}`, baseUrl: llm.baseUrl, model: 'fake-sql-1', timeoutMs: 2_000, maxRetries: 0 },
    });
    return async () => {
      await admin('mutation($id: ID!) { removeProvider(id: $id) { id } }', { id: registerProvider.id });
      await llm.close();
    };
  };

  beforeAll(async () => {
    shop = await createTempPostgres('warden_mcp_shop');
    await loadShop('postgres', shop.name);
    ({ connectDatabase: { id: databaseId } } = await admin<{ connectDatabase: { id: string } }>('mutation($i: ConnectDatabaseInput!) { connectDatabase(input: $i) { id } }', {
      i: { name: 'shop', engine: 'postgres', host: '127.0.0.1', port: 5432, database: shop.name, user: 'postgres' },
    }));
    const { registerAgent } = await admin<{ registerAgent: { key: string; agent: { id: string } } }>('mutation { registerAgent(input: { name: "mcp-analyst" }) { key agent { id } } }');
    ({ key } = registerAgent);
    agentId = registerAgent.agent.id;
    await grant({ scope: 'TABLE', table: 'orders' });
    await grant({ scope: 'TABLE', table: 'order_items' });
    await grant({ scope: 'COLUMNS', table: 'products', columns: ['id', 'name'] });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await shop?.drop();
  });

  it('lists its tools in under 1,500 tokens, ask_database only while a language model is configured, deciding at each tools/list', async () => {
    const client = await connect();
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(TOOLS);
    for (const tool of tools) {
      // What costs a model's context and tells it nothing is left out.
      expect(JSON.stringify(tool), tool.name).not.toMatch(/"\$schema"|"additionalProperties":false|"items":\{\}|"execution"/);
      expect(tool.outputSchema, tool.name).toMatchObject({ type: 'object' });
    }
    const removeProvider = await withProvider();
    try {
      // Registered since the client connected: the next list has it.
      const withAsk = (await client.listTools()).tools;
      expect(withAsk.map((t) => t.name)).toEqual([...TOOLS, 'ask_database']);
      const tokens = Math.ceil(JSON.stringify({ tools: withAsk }).length / 4);
      console.log(`MCP tools/list: ${tokens} tokens all told, ${withAsk.length} tools`);
      expect(tokens).toBeLessThan(1_500);
    } finally {
      await removeProvider();
    }
    expect(await names(client)).toEqual(TOOLS);
  });

  it('answers an ask_database call without a provider with LLM_UNAVAILABLE, naming what to set', async () => {
    const client = await connect();
    // Not listed, but a client calling from an older list is told what is missing.
    expect(await names(client)).toEqual(TOOLS);
    expect(await callError(client, 'ask_database', { database_id: databaseId, question: 'How many orders are there?' })).toMatchObject({
      code: 'LLM_UNAVAILABLE',
      message: expect.stringContaining('WARDEN_LLM_BASE_URL'),
      requestId: 'req-1',
    });
  });

  it('tells a lasting session when ask_database comes or goes, after its next tool call, and once', async () => {
    const client = await connect({ notifyToolListChanges: true });
    let notices = 0;
    let noticed: () => void = () => undefined;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      notices += 1;
      noticed();
    });
    const nextNotice = () => new Promise<void>((resolve) => (noticed = resolve));
    expect(await names(client)).toEqual(TOOLS);
    await call(client, 'list_databases');

    const removeProvider = await withProvider();
    let removed = false;
    try {
      const announced = nextNotice();
      await call(client, 'list_databases');
      await announced;
      expect(await names(client)).toEqual([...TOOLS, 'ask_database']);
      // Nothing changed since that list: no second notice.
      await call(client, 'list_databases');
      await client.listTools();
      expect(notices).toBe(1);

      await removeProvider();
      removed = true;
      const gone = nextNotice();
      await call(client, 'list_databases');
      await gone;
      expect(notices).toBe(2);
      expect(await names(client)).toEqual(TOOLS);
    } finally {
      if (!removed) await removeProvider();
    }
  });

  it('lists only the tables the agent may use, and describes only their columns and keys it may see', async () => {
    const client = await connect();
    const { tables } = await call<{ tables: { name: string }[] }>(client, 'list_tables', { database_id: databaseId });
    expect(tables.map((t) => t.name)).toEqual(['order_items', 'orders', 'products']);

    const products = await call<{ columns: { name: string }[]; primaryKey: string[] }>(client, 'describe_table', { database_id: databaseId, table: 'products' });
    expect(products.columns.map((c) => c.name)).toEqual(['id', 'name']);
    expect(products.primaryKey).toEqual(['id']);
    // orders.customer_id refers to customers, which the agent may not see: no foreign key names it.
    expect((await call<{ foreignKeys: unknown[] }>(client, 'describe_table', { database_id: databaseId, table: 'orders' })).foreignKeys).toEqual([]);
    expect((await call<{ foreignKeys: unknown[] }>(client, 'describe_table', { database_id: databaseId, table: 'order_items' })).foreignKeys).toEqual([
      { columns: ['order_id'], references: 'public.orders', referencedColumns: ['id'] },
      { columns: ['product_id'], references: 'public.products', referencedColumns: ['id'] },
    ]);
    expect(await callError(client, 'describe_table', { database_id: databaseId, table: 'customers' })).toMatchObject({ code: 'NOT_FOUND', field: 'table' });
    expect((await callError(client, 'list_tables', { database_id: 'db_doesnotexist' })).code).toBe('NOT_FOUND');
  });

  it('samples only the columns the agent may use, 5 rows unless asked', async () => {
    const client = await connect();
    const sample = await call<{ columns: string[]; rows: Record<string, unknown>[] }>(client, 'sample_rows', { database_id: databaseId, table: 'products' });
    expect(sample.columns).toEqual(['id', 'name']);
    expect(sample.rows).toHaveLength(5);
    expect(Object.keys(sample.rows[0]!)).toEqual(['id', 'name']);
    expect((await call<{ rows: unknown[] }>(client, 'sample_rows', { database_id: databaseId, table: 'orders', limit: 3 })).rows).toHaveLength(3);
    expect((await callError(client, 'sample_rows', { database_id: databaseId, table: 'customers' })).code).toBe('FORBIDDEN');
  });

  it('runs SQL with bound parameters under the agent’s grants, 100 rows unless asked', async () => {
    const client = await connect();
    const all = await call<{ rowCount: number; truncated: boolean }>(client, 'run_sql', { database_id: databaseId, sql: 'select id from orders' });
    expect(all).toMatchObject({ rowCount: 100, truncated: true });
    expect(await call(client, 'run_sql', { database_id: databaseId, sql: 'select id from orders', max_rows: 7 })).toMatchObject({ rowCount: 7, truncated: true });
    const bound = await call<{ rows: { n: unknown }[] }>(client, 'run_sql', { database_id: databaseId, sql: 'select count(*) as n from orders where id <= $1', params: [5] });
    expect(Number(bound.rows[0]!.n)).toBe(5);
  });

  it("returns the gate's refusal as an isError result with the code, message and details GraphQL gives, and the request id", async () => {
    const client = await connect();
    const sql = 'select o.id, c.email from orders o join customers c on c.id = o.customer_id';
    const { requestId, ...refusal } = await callError(client, 'run_sql', { database_id: databaseId, sql });
    const graphql = (await fixture.server.graphql(RUN, { d: databaseId, sql }, key)).body.errors?.[0];
    const { requestId: _graphqlRequestId, ...extensions } = graphql!.extensions;
    expect(refusal).toEqual({ ...extensions, message: graphql!.message });
    expect(refusal.code).toBe('FORBIDDEN');
    expect(JSON.stringify(refusal.denied)).toContain('customers');
    expect(requestId).toBe('req-1');
  });

  it('answers arguments that fail the input schema, and unknown tools, with BAD_USER_INPUT naming the field', async () => {
    const client = await connect();
    expect(await callError(client, 'sample_rows', { database_id: databaseId, table: 'orders', limit: 500 })).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'limit',
      message: expect.stringContaining('limit'),
    });
    expect(await callError(client, 'run_sql', { database_id: databaseId })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'sql' });
    expect(await callError(client, 'drop_everything')).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name', message: expect.stringContaining('drop_everything') });
  });
});
