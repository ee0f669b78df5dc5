import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICES, serviceAvailable } from '../helpers/services.js';
import { useServerWithPostgresStore } from '../helpers/server-fixture.js';
import { createTempPostgres, type TempPostgres } from '../helpers/temp-postgres.js';
import { errorCode, type GraphQLResponse } from '../helpers/test-server.js';

const [pgUp, mariaUp] = [await serviceAvailable('postgres'), await serviceAvailable('mariadb')];

type RunResult = { runQuery: { rows: Record<string, unknown>[] } };
const RUN = 'mutation($d: ID!, $sql: String!) { runQuery(databaseId: $d, sql: $sql) { rows } }';
const PREVIEW = 'query($a: ID!, $d: ID!) { accessPreview(agentId: $a, databaseId: $d) { schema table actions reads exposes columns { column actions } } }';
type Preview = { accessPreview: { schema: string; table: string; actions: string[]; reads: string[]; exposes: string[]; columns: { column: string; actions: string[] }[] }[] };
const SECRET_PAY = 987654;

/** One gateway, one agent per test: each starts with no grant. */
function useGateway() {
  const fixture = useServerWithPostgresStore();
  const admin = <T>(q: string, v?: Record<string, unknown>) => fixture.server.graphql<T>(q, v, fixture.server.adminKey);
  return {
    fixture,
    admin,
    async connect(input: Record<string, unknown>): Promise<string> {
      const res = await admin<{ connectDatabase: { id: string } }>('mutation($i: ConnectDatabaseInput!) { connectDatabase(input: $i) { id } }', { i: { name: 'hr', ...input } });
      expect(res.body.errors).toBeUndefined();
      return res.body.data!.connectDatabase.id;
    },
    async agent(databaseId: string, grants: Record<string, unknown>[]) {
      const reg = await admin<{ registerAgent: { key: string; agent: { id: string } } }>('mutation($n: String!) { registerAgent(input: { name: $n }) { key agent { id } } }', {
        n: `analyst-${randomBytes(3).toString('hex')}`,
      });
      const { key, agent } = reg.body.data!.registerAgent;
      for (const g of grants) {
        const res = await admin('mutation($i: GrantInput!) { grant(input: $i) { id } }', { i: { agentId: agent.id, databaseId, actions: ['READ'], ...g } });
        expect(res.body.errors).toBeUndefined();
      }
      return {
        id: agent.id,
        run: (sql: string) => fixture.server.graphql<RunResult>(RUN, { d: databaseId, sql }, key),
        preview: () => fixture.server.graphql<Preview>(PREVIEW, { a: agent.id, d: databaseId }, key),
        tables: () => fixture.server.graphql<{ database: { tables: { name: string }[] } }>('query($d: ID!) { database(id: $d) { tables { name } } }', { d: databaseId }, key),
      };
    },
    /** The audit events of an agent, once the batch writer has flushed them. */
    async audit(agentId: string, count: number) {
      type Node = { action: string; decision: string; tables: string[] };
      for (let attempt = 0; ; attempt += 1) {
        const res = await admin<{ auditEvents: { edges: { node: Node }[] } }>(
          'query($a: ID) { auditEvents(first: 50, filter: { principalId: $a }) { edges { node { action decision tables } } } }',
          { a: agentId },
        );
        const nodes = res.body.data!.auditEvents.edges.map((e) => e.node).filter((n) => n.action === 'runQuery');
        if (nodes.length >= count || attempt > 40) return nodes;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
}

const amounts = (res: GraphQLResponse<RunResult>) => JSON.stringify(res.body.data ?? null) + JSON.stringify(res.body.errors ?? null);

describe.skipIf(!pgUp)('views over hidden tables on PostgreSQL', () => {
  const gateway = useGateway();
  let target: TempPostgres;
  let databaseId: string;

  beforeAll(async () => {
    target = await createTempPostgres('warden_views');
    const client = new pg.Client({ connectionString: SERVICES.postgres.url.replace(/\/postgres$/, `/${target.name}`) });
    await client.connect();
    await client.query(`
      create schema hr;
      create table hr.salaries (id int primary key, employee int not null, amount int not null);
      insert into hr.salaries values (1, 1, 50000), (2, 2, ${SECRET_PAY});
      create table public.employees (id int primary key, name text not null);
      insert into public.employees values (1, 'Ada'), (2, 'Brian');
      create view public.staff as select id, name from public.employees;
      create view public.team_directory as select e.name, s.amount from public.employees e join hr.salaries s on s.employee = e.id;
      create view public.directory_names as select name from public.team_directory;
      create materialized view public.pay_bands as select employee, amount from hr.salaries;
      create function public.pay_of(int) returns int language sql stable as 'select amount from hr.salaries where employee = $1';
      create view public.staff_pay as select name, public.pay_of(id) as pay from public.employees;`);
    await client.end();
    databaseId = await gateway.connect({ engine: 'postgres', host: '127.0.0.1', port: 5432, database: target.name, user: 'postgres' });
  });
  afterAll(async () => {
    await target?.drop();
  });

  it('refuses a view or materialized view over a table outside the schema grant (directly, through a view or a function), and audits the table behind it', async () => {
    const agent = await gateway.agent(databaseId, [{ scope: 'SCHEMA', schema: 'public' }]);
    for (const sql of ['select * from team_directory', 'select amount from pay_bands', 'select name from directory_names', 'select pay from staff_pay']) {
      const res = await agent.run(sql);
      expect([sql, errorCode(res)]).toEqual([sql, 'FORBIDDEN']);
      expect(amounts(res)).not.toContain(String(SECRET_PAY));
      expect(res.body.errors?.[0]?.extensions.denied).toEqual([
        { resource: expect.stringMatching(/^public\.(team_directory|pay_bands|directory_names|staff_pay)$/), needed: 'READ', reason: expect.stringContaining('only a grant naming the view') },
      ]);
    }
    // A view over tables the schema grant covers still works.
    const staff = await agent.run('select name from staff order by id');
    expect(staff.body.data?.runQuery.rows).toEqual([{ name: 'Ada' }, { name: 'Brian' }]);
    const events = await gateway.audit(agent.id, 5);
    expect(events.find((e) => e.decision === 'DENIED' && e.tables.includes('public.team_directory'))?.tables).toContain('hr.salaries');
    expect(events.find((e) => e.decision === 'ALLOWED')?.tables).toEqual(['public.staff', 'public.employees']);
    // Nor does the view show up among the agent's tables or in its own preview.
    const tables = await agent.tables();
    expect(tables.body.data?.database.tables.map((t) => t.name).sort()).toEqual(['employees', 'staff']);
  });

  it('refuses a view over a row-filtered table, which it would bypass', async () => {
    const agent = await gateway.agent(databaseId, [
      { scope: 'SCHEMA', schema: 'public' },
      { scope: 'TABLE', schema: 'hr', table: 'salaries', rowFilter: 'employee = 1' },
    ]);
    const own = await agent.run('select amount from hr.salaries');
    expect(own.body.data?.runQuery.rows).toEqual([{ amount: 50000 }]);
    const res = await agent.run('select amount from team_directory');
    expect(errorCode(res)).toBe('FORBIDDEN');
    expect(amounts(res)).not.toContain(String(SECRET_PAY));
    expect(res.body.errors?.[0]?.extensions.denied).toEqual([{ resource: 'public.team_directory', needed: 'READ', reason: expect.stringContaining('row filter') }]);
  });

  it('honours a grant naming the view, and the admin’s preview shows the table it exposes', async () => {
    const agent = await gateway.agent(databaseId, [{ scope: 'TABLE', schema: 'public', table: 'team_directory' }]);
    const res = await agent.run('select name, amount from team_directory order by name');
    expect(res.body.data?.runQuery.rows).toEqual([{ name: 'Ada', amount: 50000 }, { name: 'Brian', amount: SECRET_PAY }]);
    const preview = await gateway.admin<Preview>(PREVIEW, { a: agent.id, d: databaseId });
    expect(preview.body.data?.accessPreview.find((t) => t.table === 'team_directory')).toMatchObject({
      actions: ['READ'],
      reads: ['hr.salaries', 'public.employees'],
      exposes: ['hr.salaries', 'public.employees'],
    });
  });
});

describe.skipIf(!mariaUp || !pgUp)('views over hidden tables on MariaDB', () => {
  const gateway = useGateway();
  const name = `warden_views_${randomBytes(5).toString('hex')}`;
  const other = `${name}_hr`;
  let databaseId: string;
  const root = () => mysql.createConnection({ host: SERVICES.mariadb.host, port: SERVICES.mariadb.port, user: 'root', multipleStatements: true });

  beforeAll(async () => {
    const c = await root();
    await c.query(`
      create database ${name}; create database ${other};
      create table ${other}.salaries (id int primary key, employee int not null, amount int not null);
      insert into ${other}.salaries values (1, 1, 50000), (2, 2, ${SECRET_PAY});
      create table ${name}.employees (id int primary key, name varchar(40) not null, salary int not null);
      insert into ${name}.employees values (1, 'Ada', 50000), (2, 'Brian', ${SECRET_PAY});
      create view ${name}.staff as select id, name from ${name}.employees;
      create view ${name}.team_directory as select e.name, s.amount from ${name}.employees e join ${other}.salaries s on s.employee = e.id;
      create view ${name}.payroll as select name, salary from ${name}.employees;
      create function ${name}.pay_of(e int) returns int reads sql data return (select amount from ${other}.salaries where employee = e);
      create view ${name}.staff_pay as select name, ${name}.pay_of(id) as pay from ${name}.employees;`);
    await c.end();
    databaseId = await gateway.connect({ engine: 'mysql', host: '127.0.0.1', port: 3306, database: name, user: 'root' });
  });
  afterAll(async () => {
    const c = await root();
    await c.query(`drop database if exists ${name}; drop database if exists ${other}`);
    await c.end();
  });

  it('refuses a view over a table of another database, or over a stored function, under a database grant, and audits it', async () => {
    const agent = await gateway.agent(databaseId, [{ scope: 'DATABASE' }]);
    for (const [sql, view] of [
      ['select name, amount from team_directory', 'team_directory'],
      ['select pay from staff_pay', 'staff_pay'],
    ] as const) {
      const res = await agent.run(sql);
      expect(errorCode(res)).toBe('FORBIDDEN');
      expect(amounts(res)).not.toContain(String(SECRET_PAY));
      expect(res.body.errors?.[0]?.extensions.denied).toEqual([{ resource: `${name}.${view}`, needed: 'READ', reason: expect.stringContaining('only a grant naming the view') }]);
    }
    const staff = await agent.run('select name from staff order by id');
    expect(staff.body.data?.runQuery.rows).toEqual([{ name: 'Ada' }, { name: 'Brian' }]);
    const events = await gateway.audit(agent.id, 3);
    expect(events.find((e) => e.decision === 'ALLOWED')?.tables).toEqual([`${name}.staff`, `${name}.employees`]);
  });

  it('honours a grant naming a view, and the admin’s preview shows the table whose hidden column it exposes', async () => {
    const named = await gateway.agent(databaseId, [
      { scope: 'COLUMNS', table: 'employees', columns: ['id', 'name'] },
      { scope: 'TABLE', table: 'payroll' },
    ]);
    const res = await named.run('select salary from payroll order by name');
    expect(res.body.data?.runQuery.rows).toEqual([{ salary: 50000 }, { salary: SECRET_PAY }]);
    const preview = await gateway.admin<Preview>(PREVIEW, { a: named.id, d: databaseId });
    expect(preview.body.data?.accessPreview.find((t) => t.table === 'payroll')).toMatchObject({
      actions: ['READ'],
      reads: [`${name}.employees`],
      exposes: [`${name}.employees`],
    });
  });
});
