import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../../src/services/query.service.js';
import { readableTables } from '../../src/services/ask.service.js';
import type { AuditWriter } from '../../src/events/audit-writer.js';
import type { CatalogService } from '../../src/services/catalog.service.js';
import type { GrantService } from '../../src/services/grant.service.js';
import type { SemanticCatalogService } from '../../src/services/semantic-catalog.service.js';
import { call, callError, httpMcpClient } from '../helpers/mcp-client.js';
import { useServerWithPostgresStore } from '../helpers/server-fixture.js';
import { serviceAvailable } from '../helpers/services.js';
import { loadShop } from '../helpers/shop-fixture.js';
import { createTempPostgres, type TempPostgres } from '../helpers/temp-postgres.js';

const pgUp = await serviceAvailable('postgres');

const FIELDS = 'id databaseId term definition synonyms links { schema table column } examples { question sql reads { schema table columns } } status proposedBy approvedBy rejectedReason version';
const SAVE = `mutation($i: SaveCatalogTermInput!) { saveCatalogTerm(input: $i) { ${FIELDS} } }`;
const LIST = `query($d: ID!, $s: String, $st: CatalogTermStatus, $f: Int, $a: String) { catalogTerms(databaseId: $d, search: $s, status: $st, first: $f, after: $a) { edges { node { ${FIELDS} } } pageInfo { hasNextPage endCursor } totalCount } }`;
const GET = `query($id: ID!) { catalogTerm(id: $id) { ${FIELDS} versions { version change changedBy term synonyms status note } } }`;

interface Term {
  id: string;
  term: string;
  synonyms: string[];
  links: { schema: string; table: string; column: string | null }[];
  examples: { question: string; sql: string; reads: { schema: string; table: string; columns: string[] }[] }[];
  status: string;
  proposedBy: string | null;
  approvedBy: string | null;
  rejectedReason: string | null;
  version: number;
  versions?: { version: number; change: string; changedBy: string | null; term: string; synonyms: string[]; status: string; note: string | null }[];
}

interface Agent {
  id: string;
  key: string;
  grantIds: string[];
}

describe.skipIf(!pgUp)('semantic catalog: terms, proposals and who sees what', () => {
  const fixture = useServerWithPostgresStore();
  let shop: TempPostgres;
  let databaseId: string;
  /** Reads orders, and of customers only id, country, segment and created_at (not email or full_name). */
  let analyst: Agent;
  /** Reads orders and all of customers. */
  let auditor: Agent;
  /** Holds no grant on the shop. */
  let outsider: Agent;
  const clients: Client[] = [];

  const gql = (query: string, variables: Record<string, unknown>, key: string) => fixture.server.graphql<Record<string, unknown>>(query, variables, key);
  const ok = async <T>(query: string, variables: Record<string, unknown>, key = fixture.server.adminKey) => {
    const res = await gql(query, variables, key);
    expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
    return res.body.data as T;
  };
  const failure = async (query: string, variables: Record<string, unknown>, key = fixture.server.adminKey) => {
    const res = await gql(query, variables, key);
    expect(res.body.errors, `expected an error, got ${JSON.stringify(res.body.data)}`).toBeDefined();
    return { code: res.body.errors![0]!.extensions.code as string, message: res.body.errors![0]!.message, extensions: res.body.errors![0]!.extensions };
  };
  const save = async (input: Record<string, unknown>, key = fixture.server.adminKey) => (await ok<{ saveCatalogTerm: Term }>(SAVE, { i: { databaseId, ...input } }, key)).saveCatalogTerm;
  const names = async (key: string, variables: Record<string, unknown> = {}) =>
    (await ok<{ catalogTerms: { edges: { node: Term }[] } }>(LIST, { d: databaseId, ...variables }, key)).catalogTerms.edges.map((e) => e.node.term);
  const register = async (name: string, grants: Record<string, unknown>[]): Promise<Agent> => {
    const { registerAgent } = await ok<{ registerAgent: { key: string; agent: { id: string } } }>('mutation($n: String!) { registerAgent(input: { name: $n }) { key agent { id } } }', { n: name });
    const grantIds: string[] = [];
    for (const grant of grants) {
      const { grant: made } = await ok<{ grant: { id: string } }>('mutation($i: GrantInput!) { grant(input: $i) { id } }', { i: { agentId: registerAgent.agent.id, databaseId, actions: ['READ'], ...grant } });
      grantIds.push(made.id);
    }
    return { id: registerAgent.agent.id, key: registerAgent.key, grantIds };
  };
  const mcp = async (key: string) => {
    const client = await httpMcpClient(fixture.server.url.replace(/\/graphql$/, ''), key);
    clients.push(client);
    return client;
  };
  /** The gateway's own services (the MCP services are the instances GraphQL uses). */
  const services = () => fixture.server.warden.mcp as unknown as { semanticCatalog: SemanticCatalogService; grants: GrantService; catalog: CatalogService; audit: AuditWriter };
  /** What the linker is given for an agent: readable tables worked out as askDatabase does, then the terms. */
  const linkingTerms = async (agent: Agent) => {
    const { grants, catalog, semanticCatalog } = services();
    grants.forget(agent.id);
    const readable = readableTables(await catalog.get(databaseId), await grants.rulesFor(agent.id, databaseId), new Date());
    const caller: Caller = { principal: { kind: 'agent', agentId: agent.id, keyId: 'key_test', name: 'test', role: 'AGENT' }, requestId: null };
    return (await semanticCatalog.termsForLinking(caller, databaseId, readable)).map((t) => t.term);
  };
  /** Audit events of an action, as the store holds them (refusals are written in batches: flushed first). */
  const auditEvents = async (action: string) => {
    await services().audit.flush();
    const client = new pg.Client({ connectionString: fixture.store.url });
    await client.connect();
    try {
      const { rows } = await client.query('select action, decision, principal_id, database_id, tables, details, reasons from audit_events where action = $1 order by seq', [action]);
      return rows as { action: string; decision: string; principal_id: string | null; database_id: string | null; tables: string[] | null; details: Record<string, unknown> | null; reasons: unknown }[];
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    shop = await createTempPostgres('warden_catalog');
    await loadShop('postgres', shop.name);
    const { connectDatabase } = await ok<{ connectDatabase: { id: string } }>('mutation($i: ConnectDatabaseInput!) { connectDatabase(input: $i) { id } }', {
      i: { name: 'shop', engine: 'postgres', host: '127.0.0.1', port: 5432, database: shop.name, user: 'postgres' },
    });
    databaseId = connectDatabase.id;
    analyst = await register('catalog-analyst', [
      { scope: 'TABLE', table: 'orders' },
      { scope: 'COLUMNS', table: 'customers', columns: ['id', 'country', 'segment', 'created_at'] },
    ]);
    auditor = await register('catalog-auditor', [{ scope: 'TABLE', table: 'orders' }, { scope: 'TABLE', table: 'customers' }]);
    outsider = await register('catalog-outsider', []);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await shop?.drop();
  });

  it('saves an admin’s term at once, its example checked by the SQL gate and what it reads recorded', async () => {
    const revenue = await save({
      term: 'Revenue',
      definition: 'What customers paid for their orders.',
      synonyms: ['sales', 'turnover', 'SALES'],
      links: [{ table: 'orders', column: 'total' }],
      examples: [{ question: 'How much revenue last month?', sql: "select sum(total) from orders where ordered_at >= date_trunc('month', now()) - interval '1 month'" }],
    });
    expect(revenue).toMatchObject({ term: 'Revenue', status: 'APPROVED', version: 1, synonyms: ['sales', 'turnover'], links: [{ schema: 'public', table: 'orders', column: 'total' }] });
    expect(revenue.id).toMatch(/^trm_/);
    expect(revenue.examples[0]!.reads.map((r) => ({ ...r, columns: [...r.columns].sort() }))).toEqual([{ schema: 'public', table: 'orders', columns: ['ordered_at', 'total'] }]);
  });

  it('refuses an example that does not parse, writes, names an unknown table or holds two statements, and a duplicate name, each with its code', async () => {
    const example = (sql: string) => failure(SAVE, { i: { databaseId, term: `bad ${sql.length}`, definition: 'x', examples: [{ question: 'q?', sql }] } });
    expect((await example('selec sum(total) from orders')).code).toBe('SQL_SYNTAX');
    const write = await example('delete from orders');
    expect(write.code).toBe('SQL_NOT_ALLOWED');
    expect(write.message).toMatch(/^Example 1: /);
    expect((await example('select sum(amount) from invoices')).code).toBe('SQL_NOT_ALLOWED');
    expect((await example('select 1; select 2')).code).toBe('SQL_NOT_ALLOWED');
    expect((await example("select pg_read_file('/etc/passwd')")).code).toBe('SQL_NOT_ALLOWED');
    expect((await failure(SAVE, { i: { databaseId, term: 'REVENUE', definition: 'again' } })).code).toBe('CONFLICT');
    expect((await failure(SAVE, { i: { databaseId, term: 'ghost', definition: 'x', links: [{ table: 'invoices' }] } })).code).toBe('BAD_USER_INPUT');
    expect((await failure(SAVE, { i: { databaseId, term: 'ghost', definition: 'x', links: [{ table: 'orders', column: 'amount' }] } })).code).toBe('BAD_USER_INPUT');
    expect((await failure(SAVE, { i: { databaseId, term: ' ', definition: 'x' } })).code).toBe('BAD_USER_INPUT');
    expect(await names(fixture.server.adminKey)).toEqual(['Revenue']);
  });

  it('takes an agent’s save as a PENDING proposal, seen by it and admins, by no other agent and no model until approved', async () => {
    const buyers = await save(
      {
        term: 'buyers',
        definition: 'Customers who placed at least one order.',
        synonyms: ['shoppers'],
        links: [{ table: 'customers' }, { table: 'customers', column: 'segment' }],
        examples: [{ question: 'How many buyers per segment?', sql: 'select segment, count(*) from customers c where exists (select 1 from orders o where o.customer_id = c.id) group by segment' }],
      },
      analyst.key,
    );
    expect(buyers).toMatchObject({ status: 'PENDING', proposedBy: analyst.id, approvedBy: null, version: 1 });
    expect(await names(analyst.key)).toEqual(['buyers', 'Revenue']);
    expect(await names(fixture.server.adminKey, { st: 'PENDING' })).toEqual(['buyers']);
    // The auditor may read everything the term touches, but a proposal is its proposer's until approved.
    expect(await names(auditor.key)).toEqual(['Revenue']);
    expect((await failure(GET, { id: buyers.id }, auditor.key)).code).toBe('NOT_FOUND');
    expect(await linkingTerms(analyst)).toEqual(['Revenue']);

    // Only admins approve; an agent cannot approve its own proposal.
    expect((await failure('mutation($id: ID!) { approveCatalogTerm(id: $id) { id } }', { id: buyers.id }, analyst.key)).code).toBe('FORBIDDEN');
    const approved = (await ok<{ approveCatalogTerm: Term }>(`mutation($id: ID!) { approveCatalogTerm(id: $id) { ${FIELDS} } }`, { id: buyers.id })).approveCatalogTerm;
    expect(approved).toMatchObject({ status: 'APPROVED', version: 2, proposedBy: analyst.id });
    expect(await names(auditor.key)).toEqual(['buyers', 'Revenue']);
    expect(await linkingTerms(analyst)).toEqual(['buyers', 'Revenue']);
    expect(await linkingTerms(auditor)).toEqual(['buyers', 'Revenue']);
    // Approved, it is an admin's to change now.
    expect((await failure(SAVE, { i: { databaseId, id: buyers.id, term: 'buyers', definition: 'changed' } }, analyst.key)).code).toBe('FORBIDDEN');
  });

  it('lets an agent propose only what it may read and run, and gives an agent without a grant FORBIDDEN', async () => {
    const propose = (input: Record<string, unknown>, key = analyst.key) => failure(SAVE, { i: { databaseId, definition: 'x', ...input } }, key);
    const column = await propose({ term: 'contact', links: [{ table: 'customers', column: 'email' }] });
    expect(column.code).toBe('FORBIDDEN');
    expect(column.extensions.denied).toEqual([expect.objectContaining({ resource: 'public.customers.email' })]);
    expect((await propose({ term: 'catalogue', links: [{ table: 'products' }] })).code).toBe('FORBIDDEN');
    const example = await propose({ term: 'names', examples: [{ question: 'Who bought?', sql: 'select full_name from customers' }] });
    expect(example.code).toBe('FORBIDDEN');
    expect(example.message).toContain('public.customers.full_name');
    // Reads only: a write the agent's grants would not allow anyway is refused as a write first.
    expect((await propose({ term: 'purge', examples: [{ question: 'q?', sql: 'delete from orders' }] })).code).toBe('SQL_NOT_ALLOWED');
    // No grant on the database: the same answer whether or not it exists.
    const noGrant = await propose({ term: 'anything' }, outsider.key);
    expect(noGrant.code).toBe('FORBIDDEN');
    expect((await propose({ term: 'anything', databaseId: 'db_doesnotexist' }, outsider.key)).code).toBe('FORBIDDEN');
    expect((await failure(LIST, { d: databaseId }, outsider.key)).code).toBe('FORBIDDEN');
    expect(await names(fixture.server.adminKey)).not.toEqual(expect.arrayContaining(['contact', 'catalogue', 'names', 'purge', 'anything']));
  });

  describe('an agent never sees a term touching what it may not read', () => {
    const secret: Record<string, Term> = {};
    beforeAll(async () => {
      secret.contact = await save({ term: 'contact address', definition: 'Where a customer is written to.', links: [{ table: 'customers', column: 'email' }] });
      secret.lifetime = await save({
        term: 'lifetime value',
        definition: 'All a customer ever paid.',
        links: [{ table: 'orders', column: 'total' }],
        examples: [{ question: 'Top customers by lifetime value?', sql: 'select c.full_name, sum(o.total) from customers c join orders o on o.customer_id = c.id group by c.full_name order by 2 desc' }],
      });
      secret.margin = await save({ term: 'margin', definition: 'Price less cost.', links: [{ table: 'products' }] });
    });

    it('over GraphQL: not listed, not searched, not found by id or as a node', async () => {
      expect(await names(analyst.key)).toEqual(['buyers', 'Revenue']);
      // "contact address" has both words; the two found only share "customers" in their definitions.
      expect(await names(analyst.key, { s: 'customer email address' })).toEqual(['buyers', 'Revenue']);
      for (const term of Object.values(secret)) {
        expect((await failure(GET, { id: term.id }, analyst.key)).code).toBe('NOT_FOUND');
        expect((await ok<{ node: unknown }>('query($id: ID!) { node(id: $id) { id } }', { id: term.id }, analyst.key)).node).toBeNull();
      }
      // The auditor reads all of customers (not products), so it sees the first two.
      expect(await names(auditor.key)).toEqual(['buyers', 'contact address', 'lifetime value', 'Revenue']);
      expect(await names(fixture.server.adminKey)).toEqual(['buyers', 'contact address', 'lifetime value', 'margin', 'Revenue']);
      expect((await ok<{ node: { id: string } }>('query($id: ID!) { node(id: $id) { id ... on CatalogTerm { term } } }', { id: secret.contact!.id }, auditor.key)).node.id).toBe(secret.contact!.id);
    });

    it('over MCP: catalog_search neither lists, finds nor gets it', async () => {
      const client = await mcp(analyst.key);
      const all = await call<{ terms: { term: string; links?: string[] }[] }>(client, 'catalog_search', { database_id: databaseId });
      expect(all.terms.map((t) => t.term)).toEqual(['buyers', 'Revenue']);
      expect(all.terms[0]!.links).toEqual(['public.customers', 'public.customers.segment']);
      expect((await call<{ terms: unknown[] }>(client, 'catalog_search', { database_id: databaseId, query: 'lifetime value' })).terms).toEqual([]);
      expect((await callError(client, 'catalog_search', { database_id: databaseId, id: secret.contact!.id })).code).toBe('NOT_FOUND');
      const auditorSees = await call<{ terms: { term: string }[] }>(await mcp(auditor.key), 'catalog_search', { database_id: databaseId, query: 'lifetime value' });
      expect(auditorSees.terms.map((t) => t.term)[0]).toBe('lifetime value');
    });

    it('in a term’s history: a version that linked what it may not read is left out', async () => {
      const first = await save({ term: 'customer reach', definition: 'How to reach a customer.', links: [{ table: 'customers', column: 'email' }] });
      await save({ id: first.id, term: 'customer reach', definition: 'Where customers are.', links: [{ table: 'customers', column: 'country' }] });
      const seen = (await ok<{ catalogTerm: Term }>(GET, { id: first.id }, analyst.key)).catalogTerm;
      expect(seen.versions!.map((v) => v.version)).toEqual([2]);
      expect((await ok<{ catalogTerm: Term }>(GET, { id: first.id })).catalogTerm.versions!.map((v) => v.version)).toEqual([2, 1]);
      await ok('mutation($id: ID!) { deleteCatalogTerm(id: $id) }', { id: first.id });
    });

    it('for a model: termsForLinking leaves it out', async () => {
      expect(await linkingTerms(analyst)).toEqual(['buyers', 'Revenue']);
      expect(await linkingTerms(auditor)).toEqual(['buyers', 'contact address', 'lifetime value', 'Revenue']);
    });

    it('hides a term again once a grant it needed is revoked', async () => {
      const revoked = auditor.grantIds[1]!;
      await ok('mutation($id: ID!) { revokeGrant(id: $id) { id } }', { id: revoked });
      expect(await names(auditor.key)).toEqual(['Revenue']);
      expect((await failure(GET, { id: secret.contact!.id }, auditor.key)).code).toBe('NOT_FOUND');
      expect(await linkingTerms(auditor)).toEqual(['Revenue']);
      const { grant } = await ok<{ grant: { id: string } }>('mutation($i: GrantInput!) { grant(input: $i) { id } }', { i: { agentId: auditor.id, databaseId, scope: 'TABLE', table: 'customers', actions: ['READ'] } });
      auditor.grantIds[1] = grant.id;
      expect(await names(auditor.key)).toContain('contact address');
    });
  });

  it('rejects a proposal with a reason its proposer sees, and never gives it to a model', async () => {
    const client = await mcp(analyst.key);
    const proposed = await call<{ id: string; status: string; version: number }>(client, 'catalog_upsert', {
      database_id: databaseId,
      term: 'big orders',
      definition: 'Orders over 500.',
      links: ['public.orders.total'],
      examples: { 'How many big orders?': 'select count(*) from orders where total > 500' },
    });
    expect(proposed).toMatchObject({ status: 'PENDING', version: 1 });
    // catalog_upsert goes by name: the same name again is a new version of the proposal.
    expect(await call(client, 'catalog_upsert', { database_id: databaseId, term: 'Big orders', definition: 'Orders over 1,000.', links: ['orders'] })).toMatchObject({ id: proposed.id, version: 2 });
    const rejected = (await ok<{ rejectCatalogTerm: Term }>(`mutation($id: ID!) { rejectCatalogTerm(id: $id, reason: "Use revenue bands instead.") { ${FIELDS} } }`, { id: proposed.id })).rejectCatalogTerm;
    expect(rejected).toMatchObject({ status: 'REJECTED', rejectedReason: 'Use revenue bands instead.', version: 3 });
    const seen = await call<{ terms: { term: string; status?: string; rejectedReason?: string }[] }>(client, 'catalog_search', { database_id: databaseId, query: 'big orders' });
    expect(seen.terms[0]).toMatchObject({ term: 'Big orders', status: 'REJECTED', rejectedReason: 'Use revenue bands instead.' });
    expect(await linkingTerms(analyst)).not.toContain('Big orders');
    // An agent with a grant that may not see it: an upsert of the same name is told the name is taken, nothing more.
    const other = await callError(await mcp(auditor.key), 'catalog_upsert', { database_id: databaseId, term: 'big orders', definition: 'mine' });
    expect(other.code).toBe('CONFLICT');
    expect(other.message).not.toContain(proposed.id);
    expect((await failure('mutation($id: ID!) { deleteCatalogTerm(id: $id) }', { id: proposed.id }, analyst.key)).code).toBe('FORBIDDEN');
    expect((await ok<{ deleteCatalogTerm: string }>('mutation($id: ID!) { deleteCatalogTerm(id: $id) }', { id: proposed.id })).deleteCatalogTerm).toBe(proposed.id);
    expect((await failure(GET, { id: proposed.id })).code).toBe('NOT_FOUND');
  });

  it('merges terms into one and keeps every version of the one kept', async () => {
    const clientsTerm = await save({ term: 'clients', definition: 'People who buy from us.', synonyms: ['accounts'], links: [{ table: 'customers', column: 'country' }] });
    const patrons = await save({
      term: 'patrons',
      definition: 'Loyal customers.',
      synonyms: ['shoppers', 'regulars'],
      examples: [{ question: 'How many customers per country?', sql: 'select country, count(*) from customers group by country' }],
    });
    const buyers = (await ok<{ catalogTerms: { edges: { node: Term }[] } }>(LIST, { d: databaseId, s: 'buyers' })).catalogTerms.edges[0]!.node;
    expect((await failure('mutation($i: ID!, $f: [ID!]!) { mergeCatalogTerms(intoId: $i, fromIds: $f) { id } }', { i: buyers.id, f: [clientsTerm.id] }, analyst.key)).code).toBe('FORBIDDEN');
    expect((await failure('mutation($i: ID!, $f: [ID!]!) { mergeCatalogTerms(intoId: $i, fromIds: $f) { id } }', { i: buyers.id, f: [buyers.id] })).code).toBe('BAD_USER_INPUT');
    const merged = (
      await ok<{ mergeCatalogTerms: Term }>(`mutation($i: ID!, $f: [ID!]!) { mergeCatalogTerms(intoId: $i, fromIds: $f) { ${FIELDS} } }`, { i: buyers.id, f: [clientsTerm.id, patrons.id] })
    ).mergeCatalogTerms;
    expect(merged).toMatchObject({ id: buyers.id, term: 'buyers', status: 'APPROVED', version: buyers.version + 1 });
    expect(merged.synonyms).toEqual(['shoppers', 'clients', 'accounts', 'patrons', 'regulars']);
    expect(merged.links).toEqual([
      { schema: 'public', table: 'customers', column: null },
      { schema: 'public', table: 'customers', column: 'segment' },
      { schema: 'public', table: 'customers', column: 'country' },
    ]);
    expect(merged.examples.map((e) => e.question)).toEqual(['How many buyers per segment?', 'How many customers per country?']);
    for (const gone of [clientsTerm, patrons]) expect((await failure(GET, { id: gone.id })).code).toBe('NOT_FOUND');
    // Found by a merged name now.
    expect(await names(analyst.key, { s: 'patrons' })).toEqual(['buyers']);

    const updated = await save({ id: buyers.id, term: 'buyers', definition: 'Customers with an order.', synonyms: merged.synonyms, links: merged.links.map(({ schema, table, column }) => ({ schema, table, column })), expectedVersion: merged.version });
    expect(updated.version).toBe(merged.version + 1);
    expect((await failure(SAVE, { i: { databaseId, id: buyers.id, term: 'buyers', definition: 'stale', expectedVersion: merged.version } })).code).toBe('CONFLICT');
    const { catalogTerm } = await ok<{ catalogTerm: Term }>(GET, { id: buyers.id });
    expect(catalogTerm.versions!.map((v) => [v.version, v.change])).toEqual([
      [4, 'UPDATED'],
      [3, 'MERGED'],
      [2, 'APPROVED'],
      [1, 'PROPOSED'],
    ]);
    expect(catalogTerm.versions![1]!.note).toBe('merged clients, patrons');
    expect(catalogTerm.versions![3]).toMatchObject({ changedBy: analyst.id, status: 'PENDING', synonyms: ['shoppers'] });
  });

  it('writes an audit event for every change, and one for a refused proposal', async () => {
    const saved = await auditEvents('catalogTerm.save');
    const revenue = saved.find((e) => (e.details as { term?: string } | null)?.term === 'Revenue');
    expect(revenue).toMatchObject({ decision: 'ALLOWED', database_id: databaseId, tables: ['public.orders'], details: expect.objectContaining({ change: 'CREATED', version: 1, status: 'APPROVED' }) });
    expect(saved.filter((e) => e.decision === 'DENIED' && e.principal_id === outsider.id)).toHaveLength(2);
    // Over GraphQL, the mutation itself is recorded too, in the same transaction as the change.
    expect((await auditEvents('saveCatalogTerm')).filter((e) => e.decision === 'ALLOWED').length).toBe(saved.filter((e) => e.decision === 'ALLOWED' && e.details?.change !== undefined).length - 2);
    const allowed = async (action: string) => (await auditEvents(action)).filter((e) => e.decision === 'ALLOWED').map((e) => e.details?.term);
    expect(await allowed('catalogTerm.approve')).toEqual(['buyers']);
    expect(await allowed('catalogTerm.reject')).toEqual(['Big orders']);
    expect(await allowed('catalogTerm.merge')).toEqual(['buyers']);
    expect(await allowed('catalogTerm.delete')).toEqual(['customer reach', 'Big orders']);
    // The merge that happened (refusals are audited too, and may be written before or after it).
    const merge = (await auditEvents('catalogTerm.merge')).find((e) => e.decision === 'ALLOWED')!;
    expect(merge.details).toMatchObject({ mergedTerms: ['clients', 'patrons'], change: 'MERGED' });
  });
});
