import { randomBytes, randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import { DiscoveryService } from '../../src/services/discovery.service.js';
import type { QueryService } from '../../src/services/query.service.js';
import { useServerWithPostgresStore } from '../helpers/server-fixture.js';
import { serviceAvailable } from '../helpers/services.js';
import { loadShop } from '../helpers/shop-fixture.js';
import { createTempPostgres } from '../helpers/temp-postgres.js';

/**
 * Discovery (schemas, tableProfile, distinctValues, suggestJoins, Table.constraints) against real
 * PostgreSQL and MariaDB: every figure is of what the agent may see (row filter, mask, column grants),
 * nothing it may not see is named, profiles are bounded, cached per catalog and grants, and audited.
 */

const [pgUp, mariaUp] = [await serviceAvailable('postgres'), await serviceAvailable('mariadb')];

interface Target {
  name: string;
  engine: 'postgres' | 'mysql';
  available: boolean;
  create(): Promise<{ database: string; input: Record<string, unknown>; query<T>(sql: string): Promise<T[]>; drop(): Promise<void> }>;
}

const targets: Target[] = [
  {
    name: 'PostgreSQL',
    engine: 'postgres',
    available: pgUp,
    create: async () => {
      const db = await createTempPostgres('warden_discovery');
      const query = async <T>(sql: string) => {
        const client = new pg.Client({ connectionString: db.url });
        await client.connect();
        try {
          return (await client.query(sql)).rows as T[];
        } finally {
          await client.end();
        }
      };
      return { database: db.name, input: { engine: 'postgres', host: '127.0.0.1', port: 5432, database: db.name, user: 'postgres' }, query, drop: () => db.drop() };
    },
  },
  {
    name: 'MariaDB',
    engine: 'mysql',
    available: mariaUp,
    create: async () => {
      const name = `warden_discovery_${randomBytes(5).toString('hex')}`;
      const admin = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
      await admin.query(`create database ${name}`);
      await admin.end();
      const query = async <T>(sql: string) => {
        const conn = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', database: name, timezone: 'Z' });
        try {
          return (await conn.query(sql))[0] as T[];
        } finally {
          await conn.end();
        }
      };
      const drop = async () => {
        const d = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
        await d.query(`drop database if exists ${name}`);
        await d.end();
      };
      return { database: name, input: { engine: 'mysql', host: '127.0.0.1', port: 3306, database: name, user: 'root' }, query, drop };
    },
  },
];

const PROFILE = `query($d: ID!, $t: String!, $c: [String!]) { tableProfile(databaseId: $d, table: $t, columns: $c) {
  schema table rowCount rowCountBasis rowsSampled sampleLimit sampleComplete cached
  columns { name dataType masked nullFraction distinctEstimate distinctExact min max topValues { value count } } } }`;
const DISTINCT = 'query($d: ID!, $t: String!, $c: String!, $l: Int) { distinctValues(databaseId: $d, table: $t, column: $c, limit: $l) { column masked truncated basis values { value count } } }';
const JOINS = 'query($d: ID!, $t: [String!]!) { suggestJoins(databaseId: $d, tables: $t) { fromTable fromColumns toTable toColumns evidence reason confidence on via } }';
const SCHEMAS = 'query($d: ID!) { schemas(databaseId: $d) { name tables } }';
const CONSTRAINTS = 'query($d: ID!, $t: String!) { database(id: $d) { table(name: $t) { constraints { name kind columns definition referencedTable referencedColumns } } } }';
const AUDIT = 'query($f: AuditEventFilter) { auditEvents(filter: $f, first: 200) { edges { node { requestId action decision tables rowCount reasons } } } }';

/** The DE customers' data: the agent's row filter lets it see these only. */
const ROW_FILTER = "country = 'DE'";
const MASK = "concat('MASK-', left(email, 1))";

interface Profile {
  rowCount: number | null;
  rowCountBasis: string;
  rowsSampled: number;
  sampleComplete: boolean;
  cached: boolean;
  columns: { name: string; dataType: string; masked: boolean; nullFraction: number; distinctEstimate: number; distinctExact: boolean; min: unknown; max: unknown; topValues: { value: unknown; count: number }[] }[];
}

interface Join {
  fromTable: string;
  fromColumns: string[];
  toTable: string;
  toColumns: string[];
  evidence: string;
  reason: string;
  confidence: number;
  on: string;
  via: string | null;
}

for (const target of targets) {
  describe.skipIf(!pgUp || !target.available)(`discovery on ${target.name}`, () => {
    const fixture = useServerWithPostgresStore();
    let db: Awaited<ReturnType<Target['create']>>;
    let databaseId: string;
    let agentId: string;
    let key: string;
    let schema: string;

    /** A GraphQL request with a request id of our own, so its audit events can be found. */
    const send = async <T>(query: string, variables: Record<string, unknown>, apiKey: string, requestId: string = randomUUID()) => {
      const response = await fetch(fixture.server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, 'x-request-id': requestId },
        body: JSON.stringify({ query, variables }),
      });
      return { requestId, ...((await response.json()) as { data?: T | null; errors?: { message: string; extensions: Record<string, unknown> }[] }) };
    };
    const asAgent = async <T>(query: string, variables: Record<string, unknown>, requestId?: string) => {
      const res = await send<T>(query, { d: databaseId, ...variables }, key, requestId);
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      return { ...(res.data as T), requestId: res.requestId };
    };
    const agentError = async (query: string, variables: Record<string, unknown>) => {
      const res = await send(query, { d: databaseId, ...variables }, key);
      expect(res.errors, 'expected an error').toBeDefined();
      return { error: res.errors![0]!, response: JSON.stringify(res) };
    };
    const admin = async <T>(query: string, variables: Record<string, unknown> = {}) => {
      const res = await send<T>(query, variables, fixture.server.adminKey);
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      return res.data as T;
    };
    const grant = (input: Record<string, unknown>) => admin<{ grant: { id: string } }>('mutation($i: GrantInput!) { grant(input: $i) { id } }', { i: { agentId, databaseId, actions: ['READ'], ...input } });
    const profile = async (table: string, columns?: string[], requestId?: string) =>
      (await asAgent<{ tableProfile: Profile }>(PROFILE, { t: table, ...(columns ? { c: columns } : {}) }, requestId)).tableProfile;
    /** Audit events with this request id (they are written in batches: waits for `action` to be there). */
    /** The audit events of one request, once every one of `actions` is among them (each is written in its own time). */
    const auditOf = async (requestId: string, ...actions: string[]) => {
      for (let i = 0; i < 150; i++) {
        const { auditEvents } = await admin<{ auditEvents: { edges: { node: { requestId: string; action: string; decision: string; tables: string[]; rowCount: number | null } }[] } }>(AUDIT, {
          f: { databaseId },
        });
        const events = auditEvents.edges.map((e) => e.node).filter((n) => n.requestId === requestId);
        if (actions.every((action) => events.some((e) => e.action === action))) return events;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`no ${actions.join(' and ')} audit events with request id ${requestId}`);
    };
    const deCustomers = () => db.query<{ id: number; city: string; email: string }>("select id, city, email from customers where country = 'DE'");

    beforeAll(async () => {
      db = await target.create();
      await loadShop(target.engine, db.database);
      // No foreign key from loyalty_cards to customers: only its column's name and type say it refers there.
      await db.query(
        'create table loyalty_cards (id integer primary key, customer_id integer not null, points integer not null, tier varchar(10) not null, ' +
          "constraint points_ok check (points >= 0), constraint tier_points check (tier <> 'gold' or points > 100), constraint one_card unique (customer_id))",
      );
      await db.query("insert into loyalty_cards (id, customer_id, points, tier) select id, id, 50, 'silver' from customers");
      await db.query('create table events (id integer primary key, kind varchar(20) not null)');
      await db.query(
        target.engine === 'postgres'
          ? "insert into events select g, case when g % 3 = 0 then 'click' else 'view' end from generate_series(1, 12000) g"
          : "insert into events select seq, case when seq % 3 = 0 then 'click' else 'view' end from seq_1_to_12000",
      );
      const { connectDatabase } = await admin<{ connectDatabase: { id: string } }>('mutation($i: ConnectDatabaseInput!) { connectDatabase(input: $i) { id } }', {
        i: { name: 'shop', ...db.input },
      });
      databaseId = connectDatabase.id;
      const { registerAgent } = await admin<{ registerAgent: { key: string; agent: { id: string } } }>('mutation { registerAgent(input: { name: "explorer" }) { key agent { id } } }');
      key = registerAgent.key;
      agentId = registerAgent.agent.id;
      await grant({ scope: 'TABLE', table: 'customers', rowFilter: ROW_FILTER, columnMasks: [{ column: 'email', expression: MASK }] });
      await grant({ scope: 'TABLE', table: 'orders' });
      // products without sku, cost, stock, active, created_at; categories, reviews and order_items not at all.
      await grant({ scope: 'COLUMNS', table: 'products', columns: ['id', 'name', 'category_id', 'price'] });
      await grant({ scope: 'COLUMNS', table: 'loyalty_cards', columns: ['id', 'customer_id', 'tier'] });
      await grant({ scope: 'TABLE', table: 'events' });
      schema = target.engine === 'postgres' ? 'public' : db.database;
    });
    afterAll(async () => {
      await db?.drop();
    });

    it('lists the schemas with the tables the agent may use in each (an admin sees them all)', async () => {
      expect((await asAgent<{ schemas: unknown[] }>(SCHEMAS, {})).schemas).toEqual([{ name: schema, tables: 5 }]);
      expect((await admin<{ schemas: unknown[] }>(SCHEMAS, { d: databaseId })).schemas).toEqual([{ name: schema, tables: 8 }]);
    });

    it('profiles a table through the row filter: the count and every value are of the rows the agent may see', async () => {
      const de = await deCustomers();
      const result = await profile('customers');
      expect(result).toMatchObject({ rowCount: de.length, rowCountBasis: 'COUNT', rowsSampled: de.length, sampleComplete: true });
      const byName = new Map(result.columns.map((c) => [c.name, c]));
      expect([...byName.keys()]).toEqual(['id', 'email', 'full_name', 'country', 'city', 'segment', 'marketing_opt_in', 'created_at']);
      expect(byName.get('country')).toMatchObject({ min: 'DE', max: 'DE', distinctEstimate: 1, distinctExact: true, nullFraction: 0, topValues: [{ value: 'DE', count: de.length }] });
      // Cities are per country: a city of a filtered-out customer (Paris, London…) must not appear.
      const cities = new Set(de.map((c) => c.city));
      const city = byName.get('city')!;
      expect(city.topValues.length).toBeGreaterThan(0);
      for (const value of [...city.topValues.map((v) => v.value), city.min, city.max]) expect(cities.has(value as string), String(value)).toBe(true);
      const ids = de.map((c) => c.id);
      expect(byName.get('id')).toMatchObject({ min: Math.min(...ids), max: Math.max(...ids), distinctEstimate: ids.length });
    });

    it('profiles a masked column from its masked values only', async () => {
      const de = await deCustomers();
      const result = await profile('customers', ['email']);
      const email = result.columns[0]!;
      expect(email.masked).toBe(true);
      expect(email.topValues.length).toBeGreaterThan(0);
      for (const value of [...email.topValues.map((v) => v.value), email.min, email.max]) expect(String(value)).toMatch(/^MASK-.$/);
      // No address, not even the agent's own filtered rows' raw ones, is anywhere in the answer.
      const text = JSON.stringify(result);
      expect(text).not.toContain('@');
      for (const c of de.slice(0, 20)) expect(text).not.toContain(c.email);
    });

    it('refuses a column or table the agent may not read, as the gate does, and never shows it', async () => {
      const hidden = await agentError(PROFILE, { t: 'products', c: ['name', 'cost'] });
      expect(hidden.error.extensions.code).toBe('FORBIDDEN');
      expect(JSON.stringify(hidden.error.extensions.denied)).toContain('products.cost');
      const products = await profile('products');
      expect(products.columns.map((c) => c.name)).toEqual(['id', 'name', 'category_id', 'price']);
      expect(JSON.stringify(products)).not.toMatch(/cost|sku|stock/);
      const table = await agentError(PROFILE, { t: 'reviews' });
      expect(table.error.extensions.code).toBe('FORBIDDEN');
      expect(table.response).not.toMatch(/rating|title/);
      // The refusal is audited as the gate's is.
      const { requestId } = await send(PROFILE, { d: databaseId, t: 'reviews' }, key);
      expect((await auditOf(requestId, 'tableProfile')).find((e) => e.action === 'tableProfile')).toMatchObject({ decision: 'DENIED' });
    });

    it('reads at most its sample of a table larger than it, and says so', async () => {
      const requestId = randomUUID();
      const result = await profile('events', undefined, requestId);
      expect(result).toMatchObject({ rowCount: 12_000, rowCountBasis: 'COUNT', rowsSampled: 10_000, sampleComplete: false });
      const [id, kind] = result.columns;
      // Every sampled id is different: the estimate extends that to the whole table.
      expect(id).toMatchObject({ distinctEstimate: 12_000, distinctExact: false });
      expect(kind!.topValues.reduce((sum, v) => sum + v.count, 0)).toBe(10_000);
      const events = await auditOf(requestId, 'tableProfile.sample', 'tableProfile');
      expect(events.find((e) => e.action === 'tableProfile.sample')).toMatchObject({ decision: 'ALLOWED', rowCount: 10_000 });
      expect(events.find((e) => e.action === 'tableProfile')).toMatchObject({ decision: 'ALLOWED', tables: [`${schema}.events`] });
    });

    it('counts distinct values through the row filter and the mask', async () => {
      const de = await deCustomers();
      const country = (await asAgent<{ distinctValues: { values: unknown[]; truncated: boolean; basis: string } }>(DISTINCT, { t: 'customers', c: 'country' })).distinctValues;
      expect(country).toMatchObject({ values: [{ value: 'DE', count: de.length }], truncated: false, basis: 'ALL_ROWS' });
      const email = (await asAgent<{ distinctValues: { masked: boolean; values: { value: string; count: number }[] } }>(DISTINCT, { t: 'customers', c: 'email', l: 3 })).distinctValues;
      expect(email.masked).toBe(true);
      expect(email.values.length).toBe(3);
      for (const v of email.values) expect(v.value).toMatch(/^MASK-.$/);
      expect((await agentError(DISTINCT, { t: 'products', c: 'cost' })).error.extensions.code).toBe('FORBIDDEN');
      expect((await agentError(DISTINCT, { t: 'customers', c: 'country', l: 101 })).error.extensions.code).toBe('BAD_USER_INPUT');
    });

    it('suggests joins from foreign keys and from names and types, and names no table the agent may not see', async () => {
      const fk = (await asAgent<{ suggestJoins: Join[] }>(JOINS, { t: ['orders', 'customers'] })).suggestJoins;
      expect(fk[0]).toMatchObject({ fromTable: `${schema}.orders`, fromColumns: ['customer_id'], toTable: `${schema}.customers`, toColumns: ['id'], evidence: 'FOREIGN_KEY', confidence: 1, via: null });
      const named = (await asAgent<{ suggestJoins: Join[] }>(JOINS, { t: ['loyalty_cards', 'customers'] })).suggestJoins;
      expect(named).toHaveLength(1);
      expect(named[0]).toMatchObject({ on: 'loyalty_cards.customer_id = customers.id', evidence: 'NAME_AND_TYPE', via: null });
      expect(named[0]!.reason).toMatch(/named after customers.*no foreign key/);
      // reviews joins both (customer_id, product_id), but the agent may not see it: no bridge, no mention.
      const apart = (await asAgent<{ suggestJoins: Join[] }>(JOINS, { t: ['customers', 'products'] })).suggestJoins;
      expect(apart).toEqual([]);
      const seenByAdmin = (await admin<{ suggestJoins: Join[] }>(JOINS, { d: databaseId, t: ['customers', 'products'] })).suggestJoins;
      expect(seenByAdmin.map((j) => j.via)).toEqual([`${schema}.reviews`, `${schema}.reviews`]);
      // products.category_id refers to categories, hidden from the agent: that join is not suggested.
      const around = JSON.stringify((await asAgent<{ suggestJoins: Join[] }>(JOINS, { t: ['products'] })).suggestJoins);
      expect(around).not.toMatch(/categories|reviews|order_items|cost/);
      expect((await agentError(JOINS, { t: ['orders', 'reviews'] })).error.extensions.code).toBe('NOT_FOUND');
    });

    it("shows the constraints whose every column the agent may see, a CHECK naming a hidden column never", async () => {
      type Constraints = { database: { table: { constraints: { name: string; kind: string; columns: string[]; definition: string | null; referencedTable: string | null }[] } } };
      const forAgent = (await asAgent<Constraints>(CONSTRAINTS, { t: 'loyalty_cards' })).database.table.constraints;
      expect(forAgent.map((c) => [c.kind, c.columns])).toEqual(
        expect.arrayContaining([
          ['PRIMARY_KEY', ['id']],
          ['UNIQUE', ['customer_id']],
        ]),
      );
      expect(forAgent).toHaveLength(2);
      expect(JSON.stringify(forAgent)).not.toContain('points');
      const forAdmin = (await admin<Constraints>(CONSTRAINTS, { d: databaseId, t: 'loyalty_cards' })).database.table.constraints;
      const checks = forAdmin.filter((c) => c.kind === 'CHECK');
      expect(checks.map((c) => c.name).sort()).toEqual(['points_ok', 'tier_points']);
      expect(checks.find((c) => c.name === 'tier_points')).toMatchObject({ columns: expect.arrayContaining(['points', 'tier']) });
      expect(checks.find((c) => c.name === 'points_ok')?.definition).toMatch(/points.*>=.*0/);
      // A foreign key to a table the agent may not see is left out; one to a table it may see is shown.
      const products = (await asAgent<Constraints>(CONSTRAINTS, { t: 'products' })).database.table.constraints;
      expect(products.map((c) => c.kind)).not.toContain('FOREIGN_KEY');
      const orders = (await asAgent<Constraints>(CONSTRAINTS, { t: 'orders' })).database.table.constraints;
      expect(orders.find((c) => c.kind === 'FOREIGN_KEY')).toMatchObject({ columns: ['customer_id'], referencedTable: 'customers' });
    });

    it('serves a profile from the cache until the catalog is refreshed or the grants change, and audits every call', async () => {
      const first = await profile('customers', ['country']);
      const requestId = randomUUID();
      const again = await profile('customers', ['country'], requestId);
      expect(again).toEqual({ ...first, cached: true });
      const events = await auditOf(requestId, 'tableProfile');
      expect(events.map((e) => e.action)).toEqual(['tableProfile']);
      await admin('mutation($d: ID!) { refreshCatalog(databaseId: $d) { id } }', { d: databaseId });
      expect((await profile('customers', ['country'])).cached).toBe(false);
      expect((await profile('customers', ['country'])).cached).toBe(true);
      // A second grant shows FR customers too: the profile computed under the first grant is not served.
      const fr = await db.query<{ n: number | string }>("select count(*) as n from customers where country in ('DE', 'FR')");
      await grant({ scope: 'TABLE', table: 'customers', rowFilter: "country = 'FR'", columnMasks: [{ column: 'email', expression: MASK }] });
      const widened = await profile('customers', ['country']);
      expect(widened).toMatchObject({ cached: false, rowCount: Number(fr[0]!.n) });
      expect(widened.columns[0]!.topValues.map((v) => v.value).sort()).toEqual(['DE', 'FR']);
    });
  });
}

describe.skipIf(!pgUp)('a profile whose count runs out of time on PostgreSQL', () => {
  const fixture = useServerWithPostgresStore();
  let db: Awaited<ReturnType<Target['create']>>;
  let databaseId: string;
  let principal: Principal & { kind: 'agent' };

  beforeAll(async () => {
    db = await targets[0]!.create();
    await db.query("create table clicks (id integer primary key, region text not null, secret text not null default 'hidden')");
    await db.query("insert into clicks (id, region) select g, case when g % 4 = 0 then 'north' else 'south' end from generate_series(1, 300000) g");
    await db.query('analyze clicks');
    const admin = <T>(query: string, variables: Record<string, unknown>) => fixture.server.graphql<T>(query, variables, fixture.server.adminKey).then((r) => r.body.data as T);
    databaseId = (await admin<{ connectDatabase: { id: string } }>('mutation($i: ConnectDatabaseInput!) { connectDatabase(input: $i) { id } }', { i: { name: 'clicks', ...db.input } }))
      .connectDatabase.id;
    const { registerAgent } = await admin<{ registerAgent: { agent: { id: string; name: string } } }>('mutation { registerAgent(input: { name: "counter" }) { agent { id name } } }', {});
    await admin('mutation($i: GrantInput!) { grant(input: $i) { id } }', {
      i: { agentId: registerAgent.agent.id, databaseId, scope: 'COLUMNS', table: 'clicks', columns: ['id', 'region'], actions: ['READ'], rowFilter: "region = 'north'" },
    });
    principal = { kind: 'agent', agentId: registerAgent.agent.id, keyId: 'key_test', name: registerAgent.agent.name, role: 'AGENT' };
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("gives the planner's estimate of the rows the agent may see, and says it is one", async () => {
    const { mcp } = fixture.server.warden;
    // A 1 ms statement timeout for the count: 300,000 rows cannot be counted in it.
    const discovery = new DiscoveryService(mcp.databases, mcp.catalog, mcp.grants, mcp.queries as QueryService, mcp.audit, { countTimeoutMs: 1, sampleRows: 100 });
    const result = await discovery.tableProfile({ principal, requestId: null }, databaseId, { table: 'clicks' });
    expect(result).toMatchObject({ rowCountBasis: 'ESTIMATE', rowsSampled: 100, sampleComplete: false });
    // The estimate is of the filtered rows (a quarter), not of the whole table.
    expect(result.rowCount).toBeGreaterThan(60_000);
    expect(result.rowCount).toBeLessThan(90_000);
    expect(result.columns.map((c) => c.name)).toEqual(['id', 'region']);
    expect(result.columns[1]!.topValues).toEqual([{ value: 'north', count: 100 }]);
  });
});
