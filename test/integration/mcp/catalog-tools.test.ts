import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentCaller, call, callError, inMemoryMcpClient } from '../../helpers/mcp-client.js';
import { useServerWithPostgresStore } from '../../helpers/server-fixture.js';
import { serviceAvailable } from '../../helpers/services.js';
import { loadShop } from '../../helpers/shop-fixture.js';
import { createTempPostgres, type TempPostgres } from '../../helpers/temp-postgres.js';

const pgUp = await serviceAvailable('postgres');

const SAVE = 'mutation($i: SaveCatalogTermInput!) { saveCatalogTerm(input: $i) { id version } }';
const TERMS = 'query($d: ID!) { catalogTerms(databaseId: $d, first: 200) { edges { node { term status version definition } } } }';

interface Term {
  id: string;
  term: string;
  status?: string;
  version: number;
}

/**
 * catalog_search and catalog_upsert in-process over a real gateway's SemanticCatalogService (PostgreSQL
 * store, the demo shop in PostgreSQL). The agent may read orders, and nothing of customers.
 */
describe.skipIf(!pgUp)('MCP catalog tools over the real services', () => {
  const fixture = useServerWithPostgresStore();
  let shop: TempPostgres;
  let databaseId: string;
  let client: Client;
  let revenue: Term;
  let contact: Term;

  const admin = async <T>(query: string, variables?: Record<string, unknown>) => {
    const res = await fixture.server.graphql<T>(query, variables, fixture.server.adminKey);
    expect(res.body.errors).toBeUndefined();
    return res.body.data!;
  };
  const adminTerms = async () =>
    (await admin<{ catalogTerms: { edges: { node: { term: string; status: string; version: number; definition: string } }[] } }>(TERMS, { d: databaseId })).catalogTerms.edges.map((e) => e.node);

  beforeAll(async () => {
    shop = await createTempPostgres('warden_mcp_catalog');
    await loadShop('postgres', shop.name);
    ({ connectDatabase: { id: databaseId } } = await admin<{ connectDatabase: { id: string } }>('mutation($i: ConnectDatabaseInput!) { connectDatabase(input: $i) { id } }', {
      i: { name: 'shop', engine: 'postgres', host: '127.0.0.1', port: 5432, database: shop.name, user: 'postgres' },
    }));
    const { registerAgent } = await admin<{ registerAgent: { key: string; agent: { id: string } } }>('mutation { registerAgent(input: { name: "mcp-glossary" }) { key agent { id } } }');
    await admin('mutation($i: GrantInput!) { grant(input: $i) { id } }', { i: { agentId: registerAgent.agent.id, databaseId, scope: 'TABLE', table: 'orders', actions: ['READ'] } });
    // Saved by an admin, so approved at once: one about what the agent may read, one about what it may not.
    ({ saveCatalogTerm: revenue } = await admin<{ saveCatalogTerm: Term }>(SAVE, {
      i: {
        databaseId,
        term: 'revenue',
        definition: 'What customers paid.',
        synonyms: ['sales'],
        links: [{ table: 'orders' }, { table: 'orders', column: 'total' }],
        examples: [{ question: 'Revenue?', sql: 'select sum(total) from orders' }],
      },
    }));
    ({ saveCatalogTerm: contact } = await admin<{ saveCatalogTerm: Term }>(SAVE, {
      i: { databaseId, term: 'contact address', definition: 'Where a customer is written to.', links: [{ table: 'customers', column: 'email' }] },
    }));
    const services = fixture.server.warden.mcp;
    client = await inMemoryMcpClient(services, await agentCaller(services, registerAgent.key));
  });
  afterAll(async () => {
    await client?.close();
    await shop?.drop();
  });

  it('cost a model at most 220 tokens of tools/list between them', async () => {
    const tools = (await client.listTools()).tools.filter((t) => t.name.startsWith('catalog_'));
    expect(tools.map((t) => t.name)).toEqual(['catalog_search', 'catalog_upsert']);
    const tokens = Math.ceil(JSON.stringify(tools).length / 4);
    console.log(`catalog_search + catalog_upsert: ${tokens} tokens of tools/list`);
    expect(tokens).toBeLessThanOrEqual(220);
  });

  it('finds only the terms whose every link the agent may read, links as schema.table[.column], examples without what they read', async () => {
    expect(await call(client, 'catalog_search', { database_id: databaseId })).toEqual({
      terms: [
        {
          id: revenue.id,
          term: 'revenue',
          definition: 'What customers paid.',
          synonyms: ['sales'],
          links: ['public.orders', 'public.orders.total'],
          examples: [{ question: 'Revenue?', sql: 'select sum(total) from orders' }],
          version: 1,
        },
      ],
    });
    expect((await call<{ terms: Term[] }>(client, 'catalog_search', { database_id: databaseId, query: 'contact' })).terms).toEqual([]);
    // Asked for by id, a term about customers is not there either.
    expect((await callError(client, 'catalog_search', { database_id: databaseId, id: contact.id })).code).toBe('NOT_FOUND');
  });

  it('gets one term by id only in the database named', async () => {
    expect((await call<{ terms: Term[] }>(client, 'catalog_search', { database_id: databaseId, id: revenue.id })).terms.map((t) => t.id)).toEqual([revenue.id]);
    expect((await callError(client, 'catalog_search', { database_id: 'db_elsewhere', id: revenue.id })).code).toBe('NOT_FOUND');
  });

  it('upserts by name: a new name is proposed, the agent’s own proposal of that name (any case) is changed, an approved term is not', async () => {
    const proposed = await call<Term & { status: string }>(client, 'catalog_upsert', {
      database_id: databaseId,
      term: 'late order',
      definition: 'Shipped after a week.',
      links: ['orders', 'public.orders.shipped_at'],
      examples: { 'How many late orders?': "select count(*) from orders where shipped_at > ordered_at + interval '7 days'" },
    });
    expect(proposed).toMatchObject({ status: 'PENDING', version: 1 });
    const changed = await call<Term & { status: string }>(client, 'catalog_upsert', { database_id: databaseId, term: 'Late Order', definition: 'Shipped more than seven days after it was ordered.' });
    expect(changed).toEqual({ id: proposed.id, status: 'PENDING', version: 2 });
    expect((await adminTerms()).find((t) => t.term === 'Late Order')).toEqual({ term: 'Late Order', status: 'PENDING', version: 2, definition: 'Shipped more than seven days after it was ordered.' });

    expect((await callError(client, 'catalog_upsert', { database_id: databaseId, term: 'Revenue', definition: 'Anything.' })).code).toBe('FORBIDDEN');
    // A term it may not see keeps its name.
    expect((await callError(client, 'catalog_upsert', { database_id: databaseId, term: 'contact address', definition: 'Anything.' })).code).toBe('CONFLICT');
  });

  it('refuses links and examples of the wrong shape with BAD_USER_INPUT naming the field, saving nothing', async () => {
    const before = await adminTerms();
    const base = { database_id: databaseId, term: 'churn', definition: 'Customers who left.' };
    for (const [args, field] of [
      [{ links: ['a.b.c.d'] }, 'links'],
      [{ links: ['orders..id'] }, 'links'],
      [{ links: [{ table: 'orders' }] }, 'links'],
      [{ synonyms: [3] }, 'synonyms'],
      [{ examples: ['select 1'] }, 'examples'],
      [{ examples: { 'How many?': 42 } }, 'examples'],
    ] as const) {
      expect(await callError(client, 'catalog_upsert', { ...base, ...args }), JSON.stringify(args)).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    expect(await adminTerms()).toEqual(before);
  });
});
