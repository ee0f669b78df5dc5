import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceAvailable } from '../helpers/services.js';
import { useServerWithPostgresStore } from '../helpers/server-fixture.js';
import { loadShop, shopDigest } from '../helpers/shop-fixture.js';
import { createTempPostgres } from '../helpers/temp-postgres.js';
import { errorCode } from '../helpers/test-server.js';

const [pgUp, mariaUp] = [await serviceAvailable('postgres'), await serviceAvailable('mariadb')];

interface Target {
  name: string;
  engine: 'postgres' | 'mysql';
  available: boolean;
  p: (n: number) => string;
  create(): Promise<{ database: string; input: Record<string, unknown>; drop(): Promise<void> }>;
}

const targets: Target[] = [
  {
    name: 'PostgreSQL',
    engine: 'postgres',
    available: pgUp,
    p: (n) => `$${n}`,
    create: async () => {
      const db = await createTempPostgres('warden_shop');
      return { database: db.name, input: { engine: 'postgres', host: '127.0.0.1', port: 5432, database: db.name, user: 'postgres' }, drop: () => db.drop() };
    },
  },
  {
    name: 'MariaDB',
    engine: 'mysql',
    available: mariaUp,
    p: () => '?',
    create: async () => {
      const name = `warden_shop_${randomBytes(5).toString('hex')}`;
      const c = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
      await c.query(`create database ${name}`);
      await c.end();
      return {
        database: name,
        input: { engine: 'mysql', host: '127.0.0.1', port: 3306, database: name, user: 'root' },
        drop: async () => {
          const d = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
          await d.query(`drop database if exists ${name}`);
          await d.end();
        },
      };
    },
  },
];

type Result = { runQuery: { rows: Record<string, unknown>[]; rowCount: number; truncated: boolean; statementType: string; tables: string[]; columns: { name: string }[] } };
const RUN = 'mutation($d: ID!, $sql: String!, $params: [JSON!]) { runQuery(databaseId: $d, sql: $sql, params: $params) { rows rowCount truncated statementType tables columns { name } } }';

for (const target of targets) {
  describe.skipIf(!pgUp || !target.available)(`runQuery, explainQuery and rows on ${target.name}`, () => {
    const fixture = useServerWithPostgresStore();
    let db: Awaited<ReturnType<Target['create']>>;
    let databaseId: string;
    let agentId: string;
    let key: string;

    const admin = <T>(q: string, v?: Record<string, unknown>) => fixture.server.graphql<T>(q, v, fixture.server.adminKey);
    const run = (sql: string, params: unknown[] = []) => fixture.server.graphql<Result>(RUN, { d: databaseId, sql, params }, key);
    const grant = async (input: Record<string, unknown>) => {
      const res = await admin<{ grant: { id: string } }>('mutation($i: GrantInput!) { grant(input: $i) { id } }', { i: { agentId, databaseId, ...input } });
      expect(res.body.errors).toBeUndefined();
      return res.body.data!.grant.id;
    };

    beforeAll(async () => {
      db = await target.create();
      await loadShop(target.engine, db.database);
      const connected = await admin<{ connectDatabase: { id: string } }>('mutation($i: ConnectDatabaseInput!) { connectDatabase(input: $i) { id } }', {
        i: { name: 'shop', ...db.input },
      });
      databaseId = connected.body.data!.connectDatabase.id;
      const reg = await admin<{ registerAgent: { key: string; agent: { id: string } } }>('mutation { registerAgent(input: { name: "analyst" }) { key agent { id } } }');
      key = reg.body.data!.registerAgent.key;
      agentId = reg.body.data!.registerAgent.agent.id;
      await grant({ scope: 'TABLE', table: 'orders', actions: ['READ'], rowFilter: "status = 'paid'", columnMasks: [{ column: 'shipping_country', expression: "'**'" }] });
      await grant({ scope: 'COLUMNS', table: 'customers', columns: ['id', 'country'], actions: ['READ'] });
      await grant({ scope: 'TABLE', table: 'products', actions: ['READ'], rowCap: 5 });
    });
    afterAll(async () => {
      await db?.drop();
    });

    it('runs a permitted read, seeing only rows the row filter lets through, masked', async () => {
      const res = await run(`select id, status, shipping_country, total from orders where total > ${target.p(1)} order by id`, [0]);
      expect(res.body.errors).toBeUndefined();
      const rows = res.body.data!.runQuery.rows;
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.status === 'paid')).toBe(true);
      expect(rows.every((r) => r.shipping_country === '**')).toBe(true);
      expect(res.body.data!.runQuery.statementType).toBe('SELECT');
      expect(res.body.data!.runQuery.tables).toEqual([expect.stringMatching(/\.orders$/)]);
    });

    it('keeps the row filter inside joins, subqueries and aggregates', async () => {
      const all = await run("select count(*) as n from orders where status <> 'paid'");
      expect(Number(all.body.data!.runQuery.rows[0]!.n)).toBe(0);
      const joined = await run('select c.country, count(*) as n from orders o join customers c on c.id = o.customer_id group by c.country');
      expect(joined.body.errors).toBeUndefined();
      const sub = await run("select count(*) as n from (select * from orders) x where x.status = 'delivered'");
      expect(Number(sub.body.data!.runQuery.rows[0]!.n)).toBe(0);
    });

    it('caps rows at the grant’s row cap and says the result is truncated', async () => {
      const res = await run('select id, name from products order by id');
      expect(res.body.data!.runQuery.rows).toHaveLength(5);
      expect(res.body.data!.runQuery.truncated).toBe(true);
    });

    it('refuses ungranted columns and tables with FORBIDDEN naming each, and runs nothing', async () => {
      const before = await shopDigest(target.engine, db.database);
      const email = await run('select id, email from customers');
      expect(errorCode(email)).toBe('FORBIDDEN');
      expect(email.body.errors?.[0]?.extensions.denied).toEqual([
        { resource: expect.stringMatching(/\.customers\.email$/), needed: 'READ', reason: 'no grant allows READ on this column' },
      ]);
      const reviews = await run('select * from reviews');
      expect(errorCode(reviews)).toBe('FORBIDDEN');
      const write = await run("update orders set status = 'refunded'");
      expect(errorCode(write)).toBe('FORBIDDEN');
      expect(await shopDigest(target.engine, db.database)).toBe(before);
    });

    it('refuses what the gate does not allow, with the construct, and changes nothing', async () => {
      const before = await shopDigest(target.engine, db.database);
      const hostile = target.engine === 'postgres'
        ? ["select pg_read_file('/etc/passwd')", 'select 1; delete from orders', 'select pg_sleep(10)', 'drop table orders', 'with d as (delete from orders returning *) select * from d']
        : ["select load_file('/etc/passwd')", 'select 1; delete from orders', 'select sleep(10)', 'drop table orders', 'select id from orders /*!50000 union select 1 */'];
      for (const sql of hostile) {
        const res = await run(sql);
        expect([`${sql} → ${errorCode(res)}`]).toEqual([expect.stringMatching(/→ (SQL_NOT_ALLOWED|FORBIDDEN)$/)]);
      }
      expect(await shopDigest(target.engine, db.database)).toBe(before);
    });

    it('reports a syntax error as SQL_SYNTAX with a position', async () => {
      const res = await run('select id fro orders');
      expect(errorCode(res)).toBe('SQL_SYNTAX');
    });

    it('serves the typed rows query under the same grants and row filter', async () => {
      const res = await fixture.server.graphql<{ rows: { rows: { id: number; status: string }[] } }>(
        'query($d: ID!, $w: JSONObject) { rows(databaseId: $d, table: "orders", columns: ["id", "status"], where: $w, orderBy: [{ column: "id", direction: DESC }], limit: 3) { rows } }',
        { d: databaseId, w: { _or: [{ status: { _eq: 'delivered' } }, { status: { _eq: 'paid' } }] } },
        key,
      );
      expect(res.body.errors).toBeUndefined();
      const rows = res.body.data!.rows.rows;
      expect(rows).toHaveLength(3);
      expect(rows.every((r) => r.status === 'paid')).toBe(true);
      expect(rows.map((r) => r.id)).toEqual([...rows.map((r) => r.id)].sort((a, b) => b - a));
      const denied = await fixture.server.graphql('query($d: ID!) { rows(databaseId: $d, table: "customers", columns: ["email"]) { rowCount } }', { d: databaseId }, key);
      expect(errorCode(denied)).toBe('FORBIDDEN');
    });

    it('explains a permitted read without running it', async () => {
      const res = await fixture.server.graphql<{ explainQuery: { plan: unknown } }>(
        'mutation($d: ID!) { explainQuery(databaseId: $d, sql: "select count(*) from orders") { plan statementType } }',
        { d: databaseId },
        key,
      );
      expect(res.body.errors).toBeUndefined();
      expect(JSON.stringify(res.body.data!.explainQuery.plan).length).toBeGreaterThan(10);
    });

    it('audits every decision, allowed and denied', async () => {
      await new Promise((resolve) => setTimeout(resolve, 400));
      const events = await admin<{ auditEvents: { edges: { node: { action: string; decision: string; principalId: string; reasons: { code: string }[] } }[] } }>(
        'query($a: ID) { auditEvents(first: 200, filter: { principalId: $a }) { edges { node { action decision principalId reasons } } } }',
        { a: agentId },
      );
      const nodes = events.body.data!.auditEvents.edges.map((e) => e.node);
      expect(nodes.some((n) => n.action === 'runQuery' && n.decision === 'ALLOWED')).toBe(true);
      expect(nodes.some((n) => n.action === 'runQuery' && n.decision === 'DENIED' && n.reasons[0]?.code === 'FORBIDDEN')).toBe(true);
      expect(nodes.some((n) => n.decision === 'DENIED' && n.reasons[0]?.code === 'SQL_NOT_ALLOWED')).toBe(true);
      expect(nodes.some((n) => n.action === 'rows' && n.decision === 'ALLOWED')).toBe(true);
    });
  });
}

