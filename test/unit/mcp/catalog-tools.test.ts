import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { askDatabaseAvailable, createMcpServer } from '../../../src/mcp/tools.js';
import { AGENT, fakeServices, type FakeServices } from './fake-services.js';

async function connect(services: FakeServices) {
  const server = createMcpServer(services, async () => ({ principal: AGENT, requestId: 'req-1' }), { askDatabase: () => askDatabaseAvailable(services) });
  const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'unit', version: '1' });
  await client.connect(clientSide);
  const call = async (name: string, args: Record<string, unknown>) => {
    const result = (await client.callTool({ name, arguments: args })) as CallToolResult & { content: { text: string }[] };
    return { isError: result.isError ?? false, body: JSON.parse(result.content[0]!.text) as Record<string, unknown> };
  };
  return { client, call };
}

describe('MCP catalog tools', () => {
  it('cost a model at most 220 tokens of tools/list between them', async () => {
    const { client } = await connect(fakeServices());
    const tools = (await client.listTools()).tools.filter((t) => t.name.startsWith('catalog_'));
    expect(tools.map((t) => t.name)).toEqual(['catalog_search', 'catalog_upsert']);
    const tokens = Math.ceil(JSON.stringify(tools).length / 4);
    console.log(`catalog_search + catalog_upsert: ${tokens} tokens of tools/list`);
    expect(tokens).toBeLessThanOrEqual(220);
    for (const tool of tools) expect(tool.outputSchema, tool.name).toMatchObject({ type: 'object' });
  });

  it('shows a term with its links as schema.table[.column] and its examples without what they read', async () => {
    const { call } = await connect(fakeServices());
    expect(await call('catalog_search', { database_id: 'db_1', query: 'revenue' })).toEqual({
      isError: false,
      body: {
        terms: [
          {
            id: 'trm_1',
            term: 'revenue',
            definition: 'What customers paid.',
            synonyms: ['sales'],
            links: ['public.orders', 'public.orders.id'],
            examples: [{ question: 'Revenue?', sql: 'select count(*) from orders' }],
            version: 2,
          },
        ],
      },
    });
  });

  it('gets one term by id only in the database named', async () => {
    const services = fakeServices();
    const { call } = await connect(services);
    expect((await call('catalog_search', { database_id: 'db_1', id: 'trm_1' })).body.terms).toHaveLength(1);
    expect(await call('catalog_search', { database_id: 'db_2', id: 'trm_1' })).toMatchObject({ isError: true, body: { code: 'NOT_FOUND' } });
  });

  it('upserts by name: the visible term of that name (any case) is changed at the version read, another name is new', async () => {
    const services = fakeServices();
    const { call } = await connect(services);
    const saved = await call('catalog_upsert', {
      database_id: 'db_1',
      term: 'Revenue',
      definition: 'Paid order totals.',
      synonyms: ['turnover'],
      links: ['orders', 'public.orders', 'public.orders.total'],
      examples: { 'Revenue last month?': 'select sum(total) from orders' },
    });
    expect(saved).toEqual({ isError: false, body: { id: 'trm_1', status: 'PENDING', version: 1 } });
    const change = services.calls.filter((c) => c.method === 'semanticCatalog.save').at(-1)!.args[1];
    expect(change).toEqual({
      id: 'trm_1',
      expectedVersion: 2,
      databaseId: 'db_1',
      term: 'Revenue',
      definition: 'Paid order totals.',
      synonyms: ['turnover'],
      links: [
        { schema: null, table: 'orders', column: null },
        { schema: 'public', table: 'orders', column: null },
        { schema: 'public', table: 'orders', column: 'total' },
      ],
      examples: [{ question: 'Revenue last month?', sql: 'select sum(total) from orders' }],
    });
    await call('catalog_upsert', { database_id: 'db_1', term: 'churn', definition: 'Customers who left.' });
    expect(services.calls.filter((c) => c.method === 'semanticCatalog.save').at(-1)!.args[1]).toMatchObject({ id: undefined, expectedVersion: undefined, term: 'churn', links: [], examples: [] });
  });

  it('refuses links and examples of the wrong shape with BAD_USER_INPUT naming the field, saving nothing', async () => {
    const services = fakeServices();
    const { call } = await connect(services);
    const base = { database_id: 'db_1', term: 'churn', definition: 'Customers who left.' };
    for (const [args, field] of [
      [{ links: ['a.b.c.d'] }, 'links'],
      [{ links: ['orders..id'] }, 'links'],
      [{ links: [{ table: 'orders' }] }, 'links'],
      [{ synonyms: [3] }, 'synonyms'],
      [{ examples: ['select 1'] }, 'examples'],
      [{ examples: { 'How many?': 42 } }, 'examples'],
    ] as const) {
      expect(await call('catalog_upsert', { ...base, ...args }), JSON.stringify(args)).toMatchObject({ isError: true, body: { code: 'BAD_USER_INPUT', field } });
    }
    expect(services.calls.filter((c) => c.method === 'semanticCatalog.save')).toEqual([]);
  });
});
