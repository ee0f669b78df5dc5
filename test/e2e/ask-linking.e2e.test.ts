import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLlm, type FakeLlm } from '../helpers/fake-llm.js';
import { serviceAvailable } from '../helpers/services.js';
import { useServerWithPostgresStore } from '../helpers/server-fixture.js';
import { loadShop } from '../helpers/shop-fixture.js';
import { createTempPostgres, type TempPostgres } from '../helpers/temp-postgres.js';
import { errorCode } from '../helpers/test-server.js';

const pgUp = await serviceAvailable('postgres');

const ASK = `mutation($d: ID!, $q: String!) {
  askDatabase(databaseId: $d, question: $q) { sql linkedTables attempts { sql errorCode } }
}`;
type AskData = { askDatabase: { sql: string; linkedTables: string[]; attempts: { sql: string | null; errorCode: string | null }[] } };

const fenced = (sql: string) => `\`\`\`sql\n${sql}\n\`\`\``;
/** Tables and columns this agent was not granted: no prompt may name them. */
const UNGRANTED = ['order_items', 'products', 'reviews', 'categories', 'email', 'full_name', 'marketing_opt_in', 'shipped_at', 'customer_id', 'created_at'];

describe.skipIf(!pgUp)('askDatabase linking: what the model is shown, and when it is not asked', () => {
  const fixture = useServerWithPostgresStore();
  let shop: TempPostgres;
  let llm: FakeLlm;
  let databaseId: string;
  let key: string;
  const admin = <T>(q: string, v?: Record<string, unknown>) => fixture.server.graphql<T>(q, v, fixture.server.adminKey);
  const ask = (question: string) => fixture.server.graphql<AskData>(ASK, { d: databaseId, q: question }, key);
  const direct = async (sql: string) => {
    const client = new pg.Client({ connectionString: shop.url });
    await client.connect();
    try {
      return (await client.query(sql)).rows as Record<string, unknown>[];
    } finally {
      await client.end();
    }
  };
  /** Everything the model was sent since request `from`, one text per request, the question taken out. */
  const promptsSince = (from: number, question: string) => llm.requests.slice(from).map((r) => r.messages.map((m) => m.content).join('\n').replaceAll(question, ''));

  beforeAll(async () => {
    shop = await createTempPostgres('warden_ask_linking');
    await loadShop('postgres', shop.name);
    llm = await startFakeLlm();
    const connected = await admin<{ connectDatabase: { id: string } }>('mutation($i: ConnectDatabaseInput!) { connectDatabase(input: $i) { id } }', {
      i: { name: 'shop', engine: 'postgres', host: '127.0.0.1', port: 5432, database: shop.name, user: 'postgres' },
    });
    databaseId = connected.body.data!.connectDatabase.id;
    const reg = await admin<{ registerAgent: { key: string; agent: { id: string } } }>('mutation { registerAgent(input: { name: "linking" }) { key agent { id } } }');
    key = reg.body.data!.registerAgent.key;
    const grant = (i: Record<string, unknown>) =>
      admin('mutation($i: GrantInput!) { grant(input: $i) { id } }', { i: { agentId: reg.body.data!.registerAgent.agent.id, databaseId, ...i } });
    // Paid orders only, without their customer; customers without who they are, their city masked.
    expect((await grant({ scope: 'COLUMNS', table: 'orders', columns: ['id', 'status', 'ordered_at', 'shipping_country', 'total'], actions: ['READ'], rowFilter: "status = 'paid'" })).body.errors).toBeUndefined();
    expect(
      (await grant({ scope: 'COLUMNS', table: 'customers', columns: ['id', 'country', 'segment', 'city'], actions: ['READ'], columnMasks: [{ column: 'city', expression: "'hidden'" }] })).body.errors,
    ).toBeUndefined();
    const provider = await admin('mutation($i: RegisterProviderInput!) { registerProvider(input: $i) { id } }', {
      i: { name: 'scripted', baseUrl: llm.baseUrl, model: 'fake-sql-1', timeoutMs: 2_000, maxRetries: 0 },
    });
    expect(provider.body.errors).toBeUndefined();
  });

  afterAll(async () => {
    await llm?.close();
    await shop?.drop();
  });

  it('shows no table, column or sample value outside the grants, in the first prompt or in a repair prompt', async () => {
    // Values the agent may not see: other statuses (row filter), who customers are and where they live
    // (ungranted and masked columns), and anything of the tables it was not granted.
    const statuses = (await direct("select distinct status from orders where status <> 'paid'")).map((r) => String(r.status));
    const people = await direct('select email, full_name, city from customers order by id limit 200');
    const others = await direct("select name from categories union all (select name from products order by id limit 100) union all (select distinct title from reviews)");
    expect(statuses.length).toBeGreaterThan(2);
    const hiddenQuoted = [...statuses, ...others.map((r) => String(r.name))].map((v) => `'${v}'`);
    const hiddenAnywhere = [...new Set(people.flatMap((p) => [String(p.email), String(p.full_name), String(p.city)]))];

    const question = 'How many paid orders per status, and how many enterprise customers per segment and country?';
    // The first reply names a column that is not there (a repair follows), the second runs.
    llm.setScript([{ content: fenced('select segment, sum(amount) as n from customers group by segment') }, { content: fenced('select segment, count(*) as n from customers group by segment') }]);
    const mark = llm.requests.length;
    const res = await ask(question);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.askDatabase.attempts.map((a) => a.errorCode)).toEqual(['SQL_NOT_ALLOWED', null]);
    const prompts = promptsSince(mark, question);
    expect(prompts).toHaveLength(2);
    for (const prompt of prompts) {
      for (const name of UNGRANTED) expect(prompt).not.toContain(name);
      for (const value of hiddenQuoted) expect(prompt).not.toContain(value);
      for (const value of hiddenAnywhere) expect(prompt).not.toContain(value);
      // What it may see is there: both granted tables, the status it may read, the mask's value.
      expect(prompt).toContain('public.orders');
      expect(prompt).toContain('public.customers');
      expect(prompt).toContain("'paid'");
      expect(prompt).toContain("'hidden'");
    }
    expect(prompts[1]).toContain('sum(amount)');
  });

  it('gives the model only approved catalog terms whose every object the agent may read', async () => {
    const save = async (input: Record<string, unknown>, asKey = fixture.server.adminKey) => {
      const res = await fixture.server.graphql<{ saveCatalogTerm: { status: string } }>(
        'mutation($i: SaveCatalogTermInput!) { saveCatalogTerm(input: $i) { status } }',
        { i: { databaseId, ...input } },
        asKey,
      );
      expect(res.body.errors).toBeUndefined();
      return res.body.data!.saveCatalogTerm.status;
    };
    // Readable: shown. The others each need something this agent may not read, or are not approved.
    await save({ term: 'big spenders', definition: 'Customers of the enterprise segment.', synonyms: ['vip'], links: [{ table: 'customers', column: 'segment' }] });
    await save({ term: 'contact list', definition: 'SECRET-TERM-EMAIL how to reach them.', links: [{ table: 'customers', column: 'email' }] });
    await save({ term: 'top sellers', definition: 'SECRET-TERM-PRODUCTS best items.', links: [{ table: 'products' }] });
    await save({
      term: 'paid revenue',
      definition: 'SECRET-TERM-EXAMPLE money in.',
      links: [{ table: 'orders', column: 'total' }],
      examples: [{ question: 'revenue per customer name', sql: 'select c.full_name, sum(o.total) from orders o join customers c on c.id = o.customer_id group by 1' }],
    });
    expect(await save({ term: 'vip accounts', definition: 'SECRET-TERM-PENDING proposed by the agent.', links: [{ table: 'customers', column: 'segment' }] }, key)).toBe('PENDING');

    const question = 'How many vip big spenders, contact list, top sellers, vip accounts and paid revenue per country?';
    llm.setScript([{ content: fenced('select country, count(*) as n from customers group by country') }]);
    const mark = llm.requests.length;
    const res = await ask(question);
    expect(res.body.errors).toBeUndefined();
    const [prompt] = promptsSince(mark, question);
    expect(prompt).toContain('Customers of the enterprise segment.');
    for (const secret of ['SECRET-TERM-EMAIL', 'SECRET-TERM-PRODUCTS', 'SECRET-TERM-EXAMPLE', 'SECRET-TERM-PENDING', 'full_name', 'revenue per customer name']) {
      expect(prompt).not.toContain(secret);
    }
    for (const name of UNGRANTED) expect(prompt).not.toContain(name);
  });

  it('asks which tables are meant, without calling the model, when the question matches nothing it may read', async () => {
    const before = llm.requests.length;
    const res = await ask('What will the weather be like on Mars tomorrow?');
    expect(errorCode(res)).toBe('NEEDS_CLARIFICATION');
    expect(llm.requests.length).toBe(before);
    const candidates = res.body.errors![0]!.extensions.candidates as string[];
    expect(candidates.length).toBeGreaterThan(0);
    expect(res.body.errors![0]!.message).toContain(candidates[0]!);
  });

  it('never names a table the agent may not read among the candidates, even one the question names', async () => {
    const before = llm.requests.length;
    const res = await ask('Which products in which categories have the best reviews?');
    expect(errorCode(res)).toBe('NEEDS_CLARIFICATION');
    expect(llm.requests.length).toBe(before);
    const error = res.body.errors![0]!;
    expect([...(error.extensions.candidates as string[])].sort()).toEqual(['public.customers', 'public.orders']);
    for (const name of ['products', 'categories', 'reviews']) expect(JSON.stringify(error).replace(/Which products in which categories have the best reviews\?/g, '')).not.toContain(`public.${name}`);
  });

  it('returns at once, without a repair, when the model says the tables cannot answer', async () => {
    const sentence = 'The tables provided do not contain any information about salaries.';
    llm.setScript([{ content: sentence }, { content: fenced('select count(*) from customers') }]);
    const before = llm.requests.length;
    const res = await ask('What is the average salary of our customers per country?');
    expect(errorCode(res)).toBe('NEEDS_CLARIFICATION');
    expect(llm.requests.length - before).toBe(1);
    const extensions = res.body.errors![0]!.extensions;
    expect(extensions.modelAnswer).toBe(sentence);
    expect(extensions.linkedTables).toEqual(['public.customers']);
    expect(res.body.errors![0]!.message).toContain(sentence);
  });

  it('still repairs a reply without SQL that does not say the tables cannot answer', async () => {
    llm.setScript([{ content: 'Let me think about which table to use.' }, { content: fenced('select count(*) as n from customers') }]);
    const before = llm.requests.length;
    const res = await ask('How many customers are there?');
    expect(res.body.errors).toBeUndefined();
    expect(llm.requests.length - before).toBe(2);
    expect(res.body.data!.askDatabase.attempts.map((a) => a.errorCode)).toEqual(['LLM_BAD_OUTPUT', null]);
  });
});
