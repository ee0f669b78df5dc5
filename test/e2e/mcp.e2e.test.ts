import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLlm } from '../helpers/fake-llm.js';
import { call, callError } from '../helpers/mcp-client.js';
import { useServerWithPostgresStore } from '../helpers/server-fixture.js';
import { serviceAvailable } from '../helpers/services.js';
import { loadShop, shopDigest } from '../helpers/shop-fixture.js';
import { entryOf, REPO_ROOT, SPAWN_BUILT } from '../helpers/spawn-gateway.js';
import { createTempPostgres, type TempPostgres } from '../helpers/temp-postgres.js';

const pgUp = await serviceAvailable('postgres');

const RUN = 'mutation($d: ID!, $sql: String!) { runQuery(databaseId: $d, sql: $sql) { rows rowCount truncated statementType columns { name } } }';
const DISCOVERY_TOOLS = ['list_schemas', 'table_profile', 'sample_distinct', 'suggest_joins'];
const TOOLS = ['list_databases', 'list_tables', 'describe_table', 'sample_rows', 'run_sql', 'explain_sql', ...DISCOVERY_TOOLS, 'catalog_search', 'catalog_upsert'];
const HOSTILE = [
  'select * from orders; delete from orders',
  'delete from orders',
  "select pg_read_file('/etc/passwd')",
  'with d as (delete from orders returning *) select * from d',
  'drop table orders',
  'select id, email from customers',
];

describe.skipIf(!pgUp)('MCP: the same services, gate, grants and audit as GraphQL', () => {
  // The stdio process opens the same store, so it needs the key that sealed the store's credentials.
  const secretKey = randomBytes(32).toString('base64');
  const fixture = useServerWithPostgresStore({ env: { WARDEN_SECRET_KEY: secretKey } });
  let shop: TempPostgres;
  let databaseId: string;
  let key: string;
  const clients: Client[] = [];

  const admin = async <T>(query: string, variables?: Record<string, unknown>) => {
    const res = await fixture.server.graphql<T>(query, variables, fixture.server.adminKey);
    expect(res.body.errors).toBeUndefined();
    return res.body.data!;
  };
  const baseUrl = () => fixture.server.url.replace(/\/graphql$/, '');
  const registerAgent = async (name: string) => {
    const { registerAgent: reg } = await admin<{ registerAgent: { key: string; agent: { id: string } } }>(
      'mutation($n: String!) { registerAgent(input: { name: $n }) { key agent { id } } }',
      { n: name },
    );
    await admin('mutation($i: GrantInput!) { grant(input: $i) { id } }', { i: { agentId: reg.agent.id, databaseId, scope: 'TABLE', table: 'orders', actions: ['READ'] } });
    return { key: reg.key, agentId: reg.agent.id };
  };
  const httpClient = async (apiKey: string | undefined, headers: Record<string, string> = {}) => {
    const client = new Client({ name: 'warden-e2e', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL('/mcp', baseUrl()), {
      requestInit: { headers: { ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}), ...headers } },
    });
    await client.connect(transport);
    clients.push(client);
    return client;
  };
  /** GraphQL runQuery as the agent, with a request id of our choosing (so its audit event can be found). */
  const graphqlRun = async (sql: string, requestId: string) => {
    const response = await fetch(fixture.server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-request-id': requestId },
      body: JSON.stringify({ query: RUN, variables: { d: databaseId, sql } }),
    });
    return (await response.json()) as { data: { runQuery: Record<string, unknown> } | null; errors?: { message: string; extensions: Record<string, unknown> }[] };
  };
  const auditEvent = async (requestId: string, filter: Record<string, unknown> = { databaseId }) => {
    const query = 'query($f: AuditEventFilter) { auditEvents(filter: $f, first: 200) { edges { node { requestId action decision reasons statementFingerprint tables principalId databaseId } } } }';
    for (let i = 0; i < 50; i++) {
      const { auditEvents } = await admin<{ auditEvents: { edges: { node: Record<string, unknown> }[] } }>(query, { f: filter });
      const found = auditEvents.edges.map((e) => e.node).find((n) => n.requestId === requestId);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no audit event with request id ${requestId}`);
  };

  beforeAll(async () => {
    shop = await createTempPostgres('warden_shop');
    await loadShop('postgres', shop.name);
    const { connectDatabase } = await admin<{ connectDatabase: { id: string } }>('mutation($i: ConnectDatabaseInput!) { connectDatabase(input: $i) { id } }', {
      i: { name: 'shop', engine: 'postgres', host: '127.0.0.1', port: 5432, database: shop.name, user: 'postgres' },
    });
    databaseId = connectDatabase.id;
    ({ key } = await registerAgent('mcp-analyst'));
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await shop?.drop();
  });

  describe('over streamable HTTP at /mcp', () => {
    it('lists its tools, each with an output schema, in under 1,500 tokens all told', async () => {
      const client = await httpClient(key);
      const { tools } = await client.listTools();
      // No language model is configured, so ask_database is not offered.
      expect(tools.map((t) => t.name)).toEqual(TOOLS);
      const tokens = Math.ceil(JSON.stringify({ tools }).length / 4);
      console.log(`MCP tool list: ${tokens} tokens (names, descriptions, input and output schemas, hints), ${tools.length} tools`);
      expect(tokens).toBeLessThan(1_500);
      for (const tool of tools) {
        expect(tool.description!.length).toBeLessThan(160);
        expect(tool.outputSchema, tool.name).toMatchObject({ type: 'object' });
      }
    });

    it('explores a database with the discovery tools, each answer matching its output schema, under the agent\'s grants', async () => {
      const client = await httpClient(key);
      // Listing first: the client then checks every structured answer against the tool's output schema.
      await client.listTools();
      expect(await call(client, 'list_schemas', { database_id: databaseId })).toEqual({ schemas: [{ name: 'public', tables: 1 }] });
      const countRows = (await graphqlRun('select count(*) as n from orders', `e2e-count-${randomBytes(4).toString('hex')}`)).data!.runQuery.rows as { n: string }[];
      const counted = Number(countRows[0]!.n);
      const bare = await call<{ rowCount: number; rowCountBasis: string; columns: unknown[] }>(client, 'table_profile', { database_id: databaseId, table: 'orders' });
      expect(bare).toMatchObject({ rowCount: counted, rowCountBasis: 'COUNT', columns: [] });
      const profiled = await call<{ columns: { name: string; topValues: { value: string; count: number }[] }[] }>(client, 'table_profile', {
        database_id: databaseId,
        table: 'public.orders',
        columns: ['status'],
      });
      expect(profiled.columns.map((c) => c.name)).toEqual(['status']);
      const statuses = await call<{ values: { value: string; count: number }[]; truncated: boolean }>(client, 'sample_distinct', { database_id: databaseId, table: 'orders', column: 'status' });
      expect(statuses.truncated).toBe(false);
      expect(statuses.values.reduce((sum, v) => sum + v.count, 0)).toBe(counted);
      expect(profiled.columns[0]!.topValues[0]).toEqual(statuses.values[0]);
      // orders refers to customers, which this agent may not see: no join names it.
      expect(await call(client, 'suggest_joins', { database_id: databaseId, tables: ['orders'] })).toEqual({ joins: [] });
      expect((await callError(client, 'table_profile', { database_id: databaseId, table: 'customers', columns: ['email'] })).code).toBe('FORBIDDEN');
      expect((await callError(client, 'suggest_joins', { database_id: databaseId, tables: ['orders', 'customers'] })).code).toBe('NOT_FOUND');
    });

    it('shows an agent only the databases and tables it is granted', async () => {
      const client = await httpClient(key);
      expect(await call(client, 'list_databases')).toEqual({ databases: [{ id: databaseId, name: 'shop', engine: 'postgres' }] });
      const { tables } = await call<{ tables: { schema: string; name: string; kind: string }[] }>(client, 'list_tables', { database_id: databaseId });
      expect(tables.map((t) => `${t.schema}.${t.name}`)).toEqual(['public.orders']);
    });

    it('describes a granted table, with no foreign key to a table the agent cannot see, and hides the rest', async () => {
      const client = await httpClient(key);
      const orders = await call<{ columns: { name: string; type: string }[]; primaryKey: string[]; foreignKeys: unknown[] }>(client, 'describe_table', {
        database_id: databaseId,
        table: 'orders',
      });
      expect(orders.columns.map((c) => c.name)).toEqual(['id', 'customer_id', 'status', 'ordered_at', 'shipped_at', 'shipping_country', 'total']);
      expect(orders.primaryKey).toEqual(['id']);
      // orders.customer_id references customers, which this agent may not read.
      expect(orders.foreignKeys).toEqual([]);
      const customers = await callError(client, 'describe_table', { database_id: databaseId, table: 'customers' });
      expect(customers.code).toBe('NOT_FOUND');
      const elsewhere = await callError(client, 'list_tables', { database_id: 'db_doesnotexist' });
      expect(elsewhere.code).toBe('NOT_FOUND');
    });

    it('samples rows of a granted table and refuses the others as the typed rows query does', async () => {
      const client = await httpClient(key);
      const sample = await call<{ rows: unknown[]; rowCount: number }>(client, 'sample_rows', { database_id: databaseId, table: 'orders', limit: 3 });
      expect(sample.rows).toHaveLength(3);
      const refused = await callError(client, 'sample_rows', { database_id: databaseId, table: 'customers' });
      const graphql = await fixture.server.graphql('query($d: ID!) { rows(databaseId: $d, table: "customers") { rowCount } }', { d: databaseId }, key);
      expect(refused.code).toBe('FORBIDDEN');
      expect(refused.code).toBe(graphql.body.errors?.[0]?.extensions.code);
      expect(refused.message).toBe(graphql.body.errors?.[0]?.message);
      const tooMany = await callError(client, 'sample_rows', { database_id: databaseId, table: 'orders', limit: 500 });
      expect(tooMany.code).toBe('BAD_USER_INPUT');
    });

    it('runs a permitted read with run_sql, giving the rows GraphQL gives', async () => {
      const client = await httpClient(key);
      const sql = 'select count(*) as n, sum(total) as revenue from orders';
      const viaMcp = await call<{ rows: Record<string, unknown>[]; rowCount: number; truncated: boolean; statementType: string; columns: string[] }>(client, 'run_sql', {
        database_id: databaseId,
        sql,
      });
      const viaGraphql = await graphqlRun(sql, `e2e-read-${randomBytes(4).toString('hex')}`);
      expect(viaMcp.rows).toEqual(viaGraphql.data!.runQuery.rows);
      expect(Number(viaMcp.rows[0]!.n)).toBeGreaterThan(0);
      expect(viaMcp).toMatchObject({ rowCount: 1, truncated: false, statementType: 'SELECT', columns: ['n', 'revenue'] });
      const params = await call<{ rows: { n: string }[] }>(client, 'run_sql', { database_id: databaseId, sql: 'select count(*) as n from orders where id <= $1', params: [5] });
      expect(Number(params.rows[0]!.n)).toBe(5);
      const plan = await call<{ plan: unknown; statementType: string }>(client, 'explain_sql', { database_id: databaseId, sql: 'select * from orders where id = 1' });
      expect(plan.statementType).toBe('SELECT');
      expect(JSON.stringify(plan.plan)).toContain('Plan');
    });

    it('denies hostile statements exactly as GraphQL does, audits them the same way, and changes nothing', async () => {
      const before = await shopDigest('postgres', shop.name);
      const tag = randomBytes(4).toString('hex');
      for (const [i, sql] of HOSTILE.entries()) {
        const mcpRequestId = `e2e-mcp-${tag}-${i}`;
        const client = await httpClient(key, { 'x-request-id': mcpRequestId });
        const viaMcp = await callError(client, 'run_sql', { database_id: databaseId, sql });
        const viaGraphql = await graphqlRun(sql, `e2e-gql-${tag}-${i}`);
        const error = viaGraphql.errors?.[0];
        expect(error, sql).toBeDefined();
        const { code, message, requestId, ...details } = viaMcp;
        const { code: graphqlCode, requestId: graphqlRequestId, ...graphqlDetails } = error!.extensions;
        expect([requestId, graphqlRequestId]).toEqual([mcpRequestId, `e2e-gql-${tag}-${i}`]);
        expect({ sql, code, message, details }).toEqual({ sql, code: graphqlCode, message: error!.message, details: graphqlDetails });
        expect(['SQL_NOT_ALLOWED', 'FORBIDDEN']).toContain(code);
        const [mcpEvent, graphqlEvent] = await Promise.all([auditEvent(mcpRequestId), auditEvent(`e2e-gql-${tag}-${i}`)]);
        expect({ ...mcpEvent, requestId: null }).toEqual({ ...graphqlEvent, requestId: null });
        expect(mcpEvent).toMatchObject({ action: 'runQuery', decision: 'DENIED' });
      }
      expect(await shopDigest('postgres', shop.name)).toBe(before);
    });

    it('answers a request without a key, or with a wrong one, with 401 UNAUTHENTICATED', async () => {
      const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };
      const tag = randomBytes(4).toString('hex');
      for (const [i, authorization] of [undefined, 'Bearer wdn_aaaaaaaaaaaa_0000000000000000000000000000000000000000000', 'Bearer nonsense'].entries()) {
        const res = await fetch(new URL('/mcp', baseUrl()), {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'x-request-id': `e2e-401-${tag}-${i}`,
            ...(authorization ? { authorization } : {}),
          },
          body: JSON.stringify(initialize),
        });
        expect(res.status).toBe(401);
        const body = (await res.json()) as { error: { message: string; data: { code: string } } };
        expect(body.error.data.code).toBe('UNAUTHENTICATED');
        // Recorded like a refused GraphQL request, so the repeated-failure rules count it.
        expect(await auditEvent(`e2e-401-${tag}-${i}`, { action: 'authenticate' })).toMatchObject({ action: 'authenticate', decision: 'DENIED' });
      }
      await expect(httpClient(undefined)).rejects.toThrow(/401|UNAUTHENTICATED/);
      const get = await fetch(new URL('/mcp', baseUrl()), { headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' } });
      expect(get.status).toBe(405);
    });

    it('ends access when the agent is revoked: the next call is refused, as a tool error the client can show', async () => {
      const doomed = await registerAgent('mcp-doomed');
      const client = await httpClient(doomed.key);
      await call(client, 'run_sql', { database_id: databaseId, sql: 'select 1 as one from orders limit 1' });
      await admin('mutation($id: ID!) { revokeAgent(id: $id) { id } }', { id: doomed.agentId });
      expect(await callError(client, 'run_sql', { database_id: databaseId, sql: 'select 1 as one from orders limit 1' })).toMatchObject({ code: 'UNAUTHENTICATED' });
    });

    it('ends access for the old key once the agent rotates it, while the new key works', async () => {
      const rotating = await registerAgent('mcp-rotating');
      const before = await httpClient(rotating.key);
      await call(before, 'list_tables', { database_id: databaseId });
      const { rotateAgentKey } = await admin<{ rotateAgentKey: { key: string } }>('mutation($id: ID!) { rotateAgentKey(agentId: $id) { key } }', { id: rotating.agentId });
      // A session opened with the old key stops at its next call, and the old key opens no new one.
      expect(await callError(before, 'list_tables', { database_id: databaseId })).toMatchObject({ code: 'UNAUTHENTICATED' });
      await expect(httpClient(rotating.key)).rejects.toThrow(/401|UNAUTHENTICATED|-32001/);
      const after = await httpClient(rotateAgentKey.key);
      const { tables } = await call<{ tables: { name: string }[] }>(after, 'list_tables', { database_id: databaseId });
      expect(tables.map((t) => t.name)).toEqual(['orders']);
    });

    it('ends access to a table once its grant is revoked: gone from list_tables, and run_sql on it refused as over GraphQL', async () => {
      const agent = await registerAgent('mcp-regranted');
      const { grant } = await admin<{ grant: { id: string } }>('mutation($i: GrantInput!) { grant(input: $i) { id } }', {
        i: { agentId: agent.agentId, databaseId, scope: 'TABLE', table: 'customers', actions: ['READ'] },
      });
      const client = await httpClient(agent.key);
      const sql = 'select count(*) as n from customers';
      expect((await call<{ tables: { name: string }[] }>(client, 'list_tables', { database_id: databaseId })).tables.map((t) => t.name)).toEqual(['customers', 'orders']);
      expect(Number((await call<{ rows: { n: string }[] }>(client, 'run_sql', { database_id: databaseId, sql })).rows[0]!.n)).toBeGreaterThan(0);

      await admin('mutation($id: ID!) { revokeGrant(id: $id) { id } }', { id: grant.id });
      expect((await call<{ tables: { name: string }[] }>(client, 'list_tables', { database_id: databaseId })).tables.map((t) => t.name)).toEqual(['orders']);
      const refused = await callError(client, 'run_sql', { database_id: databaseId, sql });
      const graphql = await fixture.server.graphql(RUN, { d: databaseId, sql }, agent.key);
      expect(refused.code).toBe('FORBIDDEN');
      expect([refused.code, refused.message]).toEqual([graphql.body.errors?.[0]?.extensions.code, graphql.body.errors?.[0]?.message]);
      // The grant on orders still stands.
      await call(client, 'run_sql', { database_id: databaseId, sql: 'select count(*) as n from orders' });
    });

    it('offers ask_database once a language model is configured, answering under the same grants', async () => {
      const sql = (text: string) => `\`\`\`sql\n${text}\n\`\`\``;
      const llm = await startFakeLlm([{ content: sql('select count(*) as n from orders') }, { content: sql('select email from customers') }]);
      const { registerProvider } = await admin<{ registerProvider: { id: string } }>('mutation($i: RegisterProviderInput!) { registerProvider(input: $i) { id } }', {
        i: { name: 'scripted', baseUrl: llm.baseUrl, model: 'fake-sql-1', timeoutMs: 2_000, maxRetries: 0 },
      });
      try {
        const client = await httpClient(key);
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name)).toEqual([...TOOLS, 'ask_database']);
        const tokens = Math.ceil(JSON.stringify({ tools }).length / 4);
        console.log(`MCP tool list with ask_database: ${tokens} tokens all told, ${tools.length} tools`);
        expect(tokens).toBeLessThan(1_500);
        const answer = await call<{ sql: string; rows: { n: string }[]; summary: string }>(client, 'ask_database', { database_id: databaseId, question: 'How many orders are there?' });
        expect(answer.sql).toBe('select count(*) as n from orders');
        expect(Number(answer.rows[0]!.n)).toBeGreaterThan(0);
        // The model never saw customers; a statement naming them is refused like any other.
        const refused = await callError(client, 'ask_database', { database_id: databaseId, question: 'Who are the customers behind the orders?' });
        expect(refused.code).toBe('FORBIDDEN');
      } finally {
        await admin('mutation($id: ID!) { removeProvider(id: $id) { id } }', { id: registerProvider.id });
        await llm.close();
      }
    });
  });

  describe('over stdio, against the CLI (`warden mcp`)', () => {
    let dataDir: string;
    const stderr: string[] = [];
    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'warden-mcp-stdio-'));
    });
    afterAll(async () => {
      await rm(dataDir, { recursive: true, force: true });
    });
    /** `node --import tsx src/cli.ts mcp`, or its compiled form under SPAWN_BUILT (dist/src/cli.js, what the `warden` bin runs once built). */
    const stdioClient = async (apiKey: string | undefined, entry = entryOf('cli'), cwd = REPO_ROOT) => {
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [...entry, 'mcp'],
        cwd,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          NODE_ENV: 'test',
          WARDEN_STORE_URL: fixture.store.url,
          WARDEN_SECRET_KEY: secretKey,
          WARDEN_DEMO: 'false',
          WARDEN_DATA_DIR: dataDir,
          // The scripted model listens on loopback, which the egress policy refuses unless listed.
          WARDEN_EGRESS_ALLOW: '127.0.0.1/32',
          LOG_LEVEL: 'info',
          ...(apiKey ? { WARDEN_API_KEY: apiKey } : {}),
        },
        stderr: 'pipe',
      });
      transport.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
      const client = new Client({ name: 'warden-e2e-stdio', version: '1.0.0' });
      await client.connect(transport);
      clients.push(client);
      return client;
    };

    it('serves the same tools to the agent whose key is in WARDEN_API_KEY, under the same grants', { timeout: 90_000 }, async () => {
      const client = await stdioClient(key);
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(TOOLS);
      const { tables } = await call<{ tables: { name: string }[] }>(client, 'list_tables', { database_id: databaseId });
      expect(tables.map((t) => t.name)).toEqual(['orders']);
      const count = await call<{ rows: { n: string }[] }>(client, 'run_sql', { database_id: databaseId, sql: 'select count(*) as n from orders' });
      expect(Number(count.rows[0]!.n)).toBeGreaterThan(0);
      const before = await shopDigest('postgres', shop.name);
      const viaMcp = await callError(client, 'run_sql', { database_id: databaseId, sql: 'select * from orders; delete from orders' });
      const viaGraphql = await graphqlRun('select * from orders; delete from orders', `e2e-stdio-${randomBytes(4).toString('hex')}`);
      expect([viaMcp.code, viaMcp.message]).toEqual([viaGraphql.errors?.[0]?.extensions.code, viaGraphql.errors?.[0]?.message]);
      expect(await shopDigest('postgres', shop.name)).toBe(before);
    });

    it('offers ask_database once a provider is registered after it started, telling the client its tool list changed', { timeout: 90_000 }, async () => {
      const client = await stdioClient(key);
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(TOOLS);
      const changed = new Promise<void>((resolve) => client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()));
      const llm = await startFakeLlm([{ content: '```sql\nselect count(*) as n from orders\n```' }]);
      const { registerProvider } = await admin<{ registerProvider: { id: string } }>('mutation($i: RegisterProviderInput!) { registerProvider(input: $i) { id } }', {
        i: { name: 'scripted-later', baseUrl: llm.baseUrl, model: 'fake-sql-1', timeoutMs: 2_000, maxRetries: 0 },
      });
      try {
        // The next call finds the provider and says so; the list the client then asks for has the tool.
        await call(client, 'list_databases');
        await changed;
        expect((await client.listTools()).tools.map((t) => t.name)).toEqual([...TOOLS, 'ask_database']);
        const answer = await call<{ sql: string; rows: { n: string }[] }>(client, 'ask_database', { database_id: databaseId, question: 'How many orders are there?' });
        expect(answer.sql).toBe('select count(*) as n from orders');
        expect(Number(answer.rows[0]!.n)).toBeGreaterThan(0);
      } finally {
        await admin('mutation($id: ID!) { removeProvider(id: $id) { id } }', { id: registerProvider.id });
        await llm.close();
      }
    });

    it('finds a database connected in the gateway after it started, on the next call', { timeout: 90_000 }, async () => {
      const agent = await registerAgent('mcp-stdio-newcomer');
      const client = await stdioClient(agent.key);
      expect((await call<{ databases: { id: string }[] }>(client, 'list_databases')).databases.map((d) => d.id)).toEqual([databaseId]);
      const later = await createTempPostgres('warden_later');
      try {
        await loadShop('postgres', later.name);
        const { connectDatabase } = await admin<{ connectDatabase: { id: string } }>('mutation($i: ConnectDatabaseInput!) { connectDatabase(input: $i) { id } }', {
          i: { name: 'shop-later', engine: 'postgres', host: '127.0.0.1', port: 5432, database: later.name, user: 'postgres' },
        });
        await admin('mutation($i: GrantInput!) { grant(input: $i) { id } }', { i: { agentId: agent.agentId, databaseId: connectDatabase.id, scope: 'TABLE', table: 'products', actions: ['READ'] } });
        expect((await call<{ tables: { name: string }[] }>(client, 'list_tables', { database_id: connectDatabase.id })).tables.map((t) => t.name)).toEqual(['products']);
        const count = await call<{ rows: { n: string }[] }>(client, 'run_sql', { database_id: connectDatabase.id, sql: 'select count(*) as n from products' });
        expect(Number(count.rows[0]!.n)).toBeGreaterThan(0);
        await admin('mutation($id: ID!) { removeDatabase(id: $id) { id } }', { id: connectDatabase.id });
      } finally {
        await later.drop();
      }
    });

    it('writes nothing but MCP to stdout: its logs go to stderr', () => {
      // The client parses every stdout line as JSON-RPC; the session above would have failed on a log line.
      expect(stderr.join('')).toContain('serving MCP over stdio');
    });

    it('ends access on the next call once the agent is revoked in the gateway', { timeout: 90_000 }, async () => {
      const doomed = await registerAgent('mcp-stdio-doomed');
      const client = await stdioClient(doomed.key);
      await call(client, 'list_tables', { database_id: databaseId });
      await admin('mutation($id: ID!) { revokeAgent(id: $id) { id } }', { id: doomed.agentId });
      const refused = await callError(client, 'run_sql', { database_id: databaseId, sql: 'select count(*) from orders' });
      expect(refused.code).toBe('UNAUTHENTICATED');
    });

    it('runs the same from the built bin (npm run build → dist/src/cli.js), started from another folder', { timeout: 120_000 }, async () => {
      // `npm test` has just run this build (and said so with WARDEN_SPAWN_BUILT=1); a file run alone builds here.
      if (!SPAWN_BUILT) await promisify(execFile)('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, timeout: 100_000 });
      const client = await stdioClient(key, [join(REPO_ROOT, 'dist/src/cli.js')], dataDir);
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(TOOLS);
      const count = await call<{ rows: { n: string }[] }>(client, 'run_sql', { database_id: databaseId, sql: 'select count(*) as n from orders' });
      expect(Number(count.rows[0]!.n)).toBeGreaterThan(0);

      // Its grants are the limit: one table, and the others are not there for it.
      expect(await call(client, 'list_databases')).toEqual({ databases: [{ id: databaseId, name: 'shop', engine: 'postgres' }] });
      expect((await call<{ tables: { name: string }[] }>(client, 'list_tables', { database_id: databaseId })).tables.map((t) => t.name)).toEqual(['orders']);
      expect((await callError(client, 'describe_table', { database_id: databaseId, table: 'customers' })).code).toBe('NOT_FOUND');
      expect((await callError(client, 'sample_rows', { database_id: databaseId, table: 'customers' })).code).toBe('FORBIDDEN');

      // Hostile statements are refused with the code, message and details GraphQL gives, and change nothing.
      const before = await shopDigest('postgres', shop.name);
      for (const sql of HOSTILE) {
        const { code, message, requestId: _mcpRequestId, ...details } = await callError(client, 'run_sql', { database_id: databaseId, sql });
        const error = (await graphqlRun(sql, `e2e-bin-${randomBytes(4).toString('hex')}`)).errors?.[0];
        const { code: graphqlCode, requestId: _graphqlRequestId, ...graphqlDetails } = error!.extensions;
        expect({ sql, code, message, details }).toEqual({ sql, code: graphqlCode, message: error!.message, details: graphqlDetails });
        expect(['SQL_NOT_ALLOWED', 'FORBIDDEN']).toContain(code);
      }
      expect(await shopDigest('postgres', shop.name)).toBe(before);
    });

    it('refuses to start without a valid key, saying why on stderr', { timeout: 90_000 }, async () => {
      await expect(stdioClient(undefined)).rejects.toThrow();
      await expect(stdioClient('wdn_aaaaaaaaaaaa_0000000000000000000000000000000000000000000')).rejects.toThrow();
      const said = stderr.join('');
      expect(said).toContain('WARDEN_API_KEY');
      expect(said).toContain('WARDEN_API_KEY was refused');
    });
  });
});
