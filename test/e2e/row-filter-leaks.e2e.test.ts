import { randomBytes } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLlm, type FakeLlm } from '../helpers/fake-llm.js';
import { httpMcpClient } from '../helpers/mcp-client.js';
import { useServerWithPostgresStore } from '../helpers/server-fixture.js';
import { serviceAvailable } from '../helpers/services.js';
import { createTempPostgres } from '../helpers/temp-postgres.js';

/**
 * An agent whose grant filters `accounts` to tenant 1 must never see anything of tenant 2's rows:
 * not in data, not in a database error its own expressions provoke, not in a plan. Every way in
 * (runQuery, rows, explainQuery, askDatabase, MCP, export links) is tried against the real servers.
 */

const [pgUp, mariaUp] = [await serviceAvailable('postgres'), await serviceAvailable('mariadb')];

/** Tenant 2's secret: it must appear in no response, whatever the agent sends. */
const HIDDEN = 'S3CRET-TENANT-2';
/** The row filter and mask the admin sets; plans must not show them either. */
const ROW_FILTER = 'tenant = 1';
const MASK = "concat('MASK-', left(code, 1))";

interface Target {
  name: string;
  engine: 'postgres' | 'mysql';
  available: boolean;
  create(): Promise<{ input: Record<string, unknown>; run(sql: string): Promise<void>; drop(): Promise<void> }>;
}

const targets: Target[] = [
  {
    name: 'PostgreSQL',
    engine: 'postgres',
    available: pgUp,
    create: async () => {
      const db = await createTempPostgres('warden_leak');
      const run = async (sql: string) => {
        const client = new pg.Client({ connectionString: db.url });
        await client.connect();
        try {
          await client.query(sql);
        } finally {
          await client.end();
        }
      };
      return { input: { engine: 'postgres', host: '127.0.0.1', port: 5432, database: db.name, user: 'postgres' }, run, drop: () => db.drop() };
    },
  },
  {
    name: 'MariaDB',
    engine: 'mysql',
    available: mariaUp,
    create: async () => {
      const name = `warden_leak_${randomBytes(5).toString('hex')}`;
      const admin = () => mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', multipleStatements: true });
      const c = await admin();
      await c.query(`create database ${name}`);
      await c.end();
      const run = async (sql: string) => {
        const conn = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', database: name, multipleStatements: true });
        try {
          await conn.query(sql);
        } finally {
          await conn.end();
        }
      };
      const drop = async () => {
        const d = await admin();
        await d.query(`drop database if exists ${name}`);
        await d.end();
      };
      return { input: { engine: 'mysql', host: '127.0.0.1', port: 3306, database: name, user: 'root' }, run, drop };
    },
  },
];

const RUN = 'mutation($d: ID!, $sql: String!) { runQuery(databaseId: $d, sql: $sql) { rows rowCount } }';
const EXPLAIN = 'mutation($d: ID!, $sql: String!) { explainQuery(databaseId: $d, sql: $sql) { plan } }';
const ROWS = 'query($d: ID!, $t: String!, $w: JSONObject) { rows(databaseId: $d, table: $t, where: $w) { rows rowCount } }';
const LINK = 'mutation($d: ID!, $q: ReadQueryInput!) { exportLink(databaseId: $d, query: $q, format: CSV) { url } }';
const PROFILE = 'query($d: ID!, $t: String!) { tableProfile(databaseId: $d, table: $t) { rowCount columns { name min max topValues { value count } } } }';
const DISTINCT = 'query($d: ID!, $t: String!, $c: String!) { distinctValues(databaseId: $d, table: $t, column: $c) { values { value count } } }';
const ASK = 'mutation($d: ID!, $q: String!) { askDatabase(databaseId: $d, question: $q) { sql result { rows } attempts { sql errorCode errorMessage } } }';

for (const target of targets) {
  describe.skipIf(!pgUp || !target.available)(`row filters leak nothing on ${target.name}`, () => {
    const fixture = useServerWithPostgresStore();
    let db: Awaited<ReturnType<Target['create']>>;
    let databaseId: string;
    let key: string;
    let llm: FakeLlm;
    let mcp: Client;
    const admin = <T>(q: string, v?: Record<string, unknown>) => fixture.server.graphql<T>(q, v, fixture.server.adminKey);
    const agent = <T>(q: string, v?: Record<string, unknown>) => fixture.server.graphql<T>(q, v, key);
    const run = (sql: string) => agent<{ runQuery: { rows: Record<string, unknown>[]; rowCount: number } }>(RUN, { d: databaseId, sql });
    /** The whole response, as the agent receives it. */
    const seen = (response: unknown) => JSON.stringify(response);

    beforeAll(async () => {
      db = await target.create();
      // Tenant 1's secrets are month names (to_date reads them); tenant 2's is not.
      await db.run(
        'create table accounts (id integer primary key, tenant integer not null, code varchar(40) not null, secret varchar(40) not null); ' +
          'create index accounts_tenant on accounts (tenant); ' +
          'create table notes (id integer primary key, n integer); ' +
          "insert into accounts values (1, 1, 'A-1', 'March'), (2, 2, 'B-2', 'S3CRET-TENANT-2'), (3, 1, 'A-3', 'May'), (4, 2, 'B-4', 'S3CRET-TENANT-2'); " +
          'insert into notes values (1, 1);',
      );
      // Statistics, as autovacuum would gather them: with them PostgreSQL scans this small table and
      // orders the conditions of one scan by cost, the statement's date parse first.
      await db.run(target.engine === 'postgres' ? 'analyze accounts' : 'analyze table accounts');
      const connected = await admin<{ connectDatabase: { id: string } }>('mutation($i: ConnectDatabaseInput!) { connectDatabase(input: $i) { id } }', {
        i: { name: 'tenants', ...db.input },
      });
      expect(connected.body.errors).toBeUndefined();
      databaseId = connected.body.data!.connectDatabase.id;
      const reg = await admin<{ registerAgent: { key: string; agent: { id: string } } }>('mutation { registerAgent(input: { name: "tenant-one" }) { key agent { id } } }');
      key = reg.body.data!.registerAgent.key;
      const agentId = reg.body.data!.registerAgent.agent.id;
      for (const grant of [
        { scope: 'TABLE', table: 'accounts', actions: ['READ'], rowFilter: ROW_FILTER, columnMasks: [{ column: 'code', expression: MASK }] },
        { scope: 'TABLE', table: 'accounts', actions: ['UPDATE', 'DELETE'], rowFilter: ROW_FILTER },
        { scope: 'TABLE', table: 'notes', actions: ['READ', 'INSERT'] },
      ]) {
        const res = await admin('mutation($i: GrantInput!) { grant(input: $i) { id } }', { i: { agentId, databaseId, ...grant } });
        expect(res.body.errors).toBeUndefined();
      }
      llm = await startFakeLlm();
      const provider = await admin('mutation($i: RegisterProviderInput!) { registerProvider(input: $i) { id } }', {
        i: { name: 'scripted', baseUrl: llm.baseUrl, model: 'fake-sql-1', apiKey: 'sk-test-not-a-real-key-123456', timeoutMs: 2_000, maxRetries: 0 },
      });
      expect(provider.body.errors).toBeUndefined();
      mcp = await httpMcpClient(fixture.server.url.replace(/\/graphql$/, ''), key);
    }, 60_000);

    afterAll(async () => {
      await mcp?.close();
      await llm?.close();
      await db?.drop();
    });

    /** Statements whose own expressions would meet tenant 2's secret if the planner let them see its rows. */
    const hostile =
      target.engine === 'postgres'
        ? [
            "select id from accounts where to_date(secret, 'Month') is not null",
            "select a.id from accounts a join notes n on n.n = a.id where to_date(a.secret, 'Month') is not null",
            'select id from accounts where secret::int = 1',
            'select count(*) as n from accounts where id = 2 and secret::int = 1',
          ]
        : [
            'insert into notes (id, n) select 100 + id, 1 from accounts where id = 2 and secret + 0 = 1',
            'insert into notes (id, n) select 200 + id, secret + 0 from accounts where id = 4',
            "select id from accounts where id = 2 and cast(secret as date) = 'a'",
          ];

    it('runQuery: the statement’s own expressions never meet a hidden row, and errors quote no row', async () => {
      for (const sql of hostile) {
        const res = await run(sql);
        expect(seen(res.body), sql).not.toContain(HIDDEN);
        expect(seen(res.body), sql).not.toContain('TENANT-2');
      }
      // Evaluated only on tenant 1's rows, the date parse succeeds.
      if (target.engine === 'postgres') {
        const ok = await run("select id from accounts where to_date(secret, 'Month') is not null order by id");
        expect(ok.body.errors).toBeUndefined();
        expect(ok.body.data!.runQuery.rows.map((r) => Number(r.id))).toEqual([1, 3]);
      }
    });

    it('runQuery: a database error on a filtered table keeps its class but not the server’s words', async () => {
      const sql = target.engine === 'postgres' ? 'select id from accounts where secret::int = 1' : 'insert into notes (id, n) select 300 + id, 1 from accounts where secret + 0 = 1';
      const res = await run(sql);
      const error = res.body.errors?.[0];
      expect(error?.extensions.code).toBe('BAD_USER_INPUT');
      expect(error?.message).toMatch(/withheld/);
      // Tenant 1's own value is not echoed either: the message is the same whatever the data.
      expect(error?.message).not.toMatch(/March|May/);
      expect(error?.extensions).toMatchObject(target.engine === 'postgres' ? { sqlState: '22P02' } : { errno: 1292 });
      // A mistake in the statement itself still says what it is.
      const typo = await run('select nope from accounts');
      expect(typo.body.errors?.[0]?.extensions.code).toMatch(/FORBIDDEN|SQL_NOT_ALLOWED|BAD_USER_INPUT/);
    });

    it('runQuery: whether a statement fails tells nothing about a hidden row (no error oracle)', async () => {
      // PostgreSQL: the date parse fails on any row whose secret is not a month name (only tenant 2's).
      // MariaDB: row 2 is tenant 2's; the condition overflows only when its secret starts with 'S'.
      for (const letter of ['S', 'X']) {
        const sql =
          target.engine === 'postgres'
            ? `select count(*) as n from accounts where to_date(secret, 'Month') is not null and '${letter}' <> ''`
            : `select count(*) as n from accounts where id = 2 and (case when left(secret, 1) = '${letter}' then ~0 + 1 else 0 end) = 0`;
        const res = await run(sql);
        expect(res.body.errors, sql).toBeUndefined();
        expect(Number(res.body.data!.runQuery.rows[0]!.n)).toBe(target.engine === 'postgres' ? 2 : 0);
      }
    });

    it('runQuery: an UPDATE or DELETE evaluates its own condition only on rows the filter lets through', async () => {
      const statements =
        target.engine === 'postgres'
          ? [
              "update accounts set tenant = tenant where id = 2 and to_date(secret, 'Month') is not null",
              "delete from accounts where id = 4 and to_date(secret, 'Month') is null",
            ]
          : [
              "update accounts a join notes n on n.id = 1 set a.tenant = a.tenant where a.id = 2 and (case when left(a.secret, 1) = 'S' then ~0 + 1 else 0 end) = 0",
              "update accounts a join notes n on n.id = 1 + (case when a.id = 2 and left(a.secret, 1) = 'S' then ~0 + 1 else 0 end) set a.tenant = a.tenant",
              "delete from accounts where id = 4 and (case when left(secret, 1) = 'S' then ~0 + 1 else 0 end) = 0",
            ];
      for (const sql of statements) {
        const res = await run(sql);
        expect(seen(res.body), sql).not.toContain(HIDDEN);
        expect(res.body.errors, sql).toBeUndefined();
      }
    });

    it('rows: only tenant 1, masked', async () => {
      const res = await agent<{ rows: { rows: Record<string, unknown>[] } }>(ROWS, { d: databaseId, t: 'accounts', w: { secret: { _like: '%' } } });
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data!.rows.rows.map((r) => Number(r.id)).sort()).toEqual([1, 3]);
      expect(res.body.data!.rows.rows.every((r) => String(r.code).startsWith('MASK-'))).toBe(true);
      expect(seen(res.body)).not.toContain(HIDDEN);
    });

    it('MCP run_sql: the same hostile statements leak nothing', async () => {
      for (const sql of hostile) {
        const result = await mcp.callTool({ name: 'run_sql', arguments: { database_id: databaseId, sql } });
        expect(seen(result), sql).not.toContain(HIDDEN);
      }
    });

    it('export links: the file holds tenant 1 only, and a failing read quotes no row', async () => {
      const reads = [
        'select id, secret from accounts order by id',
        ...(target.engine === 'postgres' ? ["select id from accounts where to_date(secret, 'Month') is not null", 'select id from accounts where secret::int = 1'] : []),
      ];
      for (const sql of reads) {
        const made = await agent<{ exportLink: { url: string } }>(LINK, { d: databaseId, q: { sql } });
        expect(made.body.errors, sql).toBeUndefined();
        const response = await fetch(made.body.data!.exportLink.url);
        const body = await response.text();
        expect(body, sql).not.toContain(HIDDEN);
      }
    });

    it.skipIf(target.engine !== 'postgres')('askDatabase: hostile SQL from the model leaks nothing, to the agent or back to the model', async () => {
      llm.setScript(() => ({ content: "```sql\nselect id from accounts where to_date(secret, 'Month') is not null\n```" }));
      const before = llm.requests.length;
      const res = await agent(ASK, { d: databaseId, q: 'Which accounts have a secret that is a month?' });
      expect(seen(res.body)).not.toContain(HIDDEN);
      const prompts = llm.requests.slice(before).flatMap((r) => r.messages.map((m) => m.content)).join('\n');
      expect(prompts).not.toContain(HIDDEN);
    });

    it('EXPLAIN: no ANALYZE on a filtered table, and plans show neither the row filter nor the mask', async () => {
      if (target.engine === 'postgres') {
        const analyze = await run('explain analyze select * from accounts');
        expect(analyze.body.errors?.[0]?.extensions.code).toBe('SQL_NOT_ALLOWED');
        expect(seen(analyze.body)).not.toMatch(/Rows Removed by Filter: \d/);
        // Unfiltered tables keep ANALYZE.
        const own = await run('explain analyze select * from notes');
        expect(own.body.errors).toBeUndefined();
        const text = await run('explain verbose select id, code from accounts where id > 0');
        expect(text.body.errors).toBeUndefined();
        const lines = text.body.data!.runQuery.rows.map((r) => String(Object.values(r)[0]));
        expect(lines.join('\n')).not.toMatch(/tenant = 1|MASK-/);
        expect(lines.join('\n')).toMatch(/id > 0/); // the agent's own condition stays
        const json = await run('explain (format json, verbose) select code from accounts');
        expect(seen(json.body)).not.toMatch(/tenant = 1|MASK-/);
        const mcpPlan = await mcp.callTool({ name: 'explain_sql', arguments: { database_id: databaseId, sql: 'select id, code from accounts' } });
        expect(seen(mcpPlan)).not.toMatch(/tenant = 1|MASK-/);
      } else {
        const analyze = await run('explain analyze select * from accounts');
        expect(analyze.body.errors?.[0]?.extensions.code).toBe('SQL_NOT_ALLOWED');
      }
      const plan = await agent<{ explainQuery: { plan: unknown } }>(EXPLAIN, { d: databaseId, sql: 'select id, code from accounts where id > 0' });
      expect(plan.body.errors).toBeUndefined();
      expect(seen(plan.body)).not.toMatch(/tenant`? = 1|MASK-/);
      expect(seen(plan.body)).toContain('accounts');
    });

    it('discovery: profiles and frequent values count tenant 1 only, and the code masked', async () => {
      const profile = await agent<{ tableProfile: { rowCount: number; columns: { name: string; min: unknown; max: unknown }[] } }>(PROFILE, { d: databaseId, t: 'accounts' });
      expect(profile.body.errors).toBeUndefined();
      expect(profile.body.data!.tableProfile.rowCount).toBe(2);
      const secret = profile.body.data!.tableProfile.columns.find((c) => c.name === 'secret');
      expect([secret?.min, secret?.max]).toEqual(['March', 'May']);
      expect(seen(profile.body)).not.toContain(HIDDEN);
      expect(seen(profile.body)).not.toMatch(/B-2|B-4|A-1|A-3/);
      for (const column of ['secret', 'code', 'tenant']) {
        const values = await agent(DISTINCT, { d: databaseId, t: 'accounts', c: column });
        expect(values.body.errors, column).toBeUndefined();
        expect(seen(values.body), column).not.toContain(HIDDEN);
        expect(seen(values.body), column).not.toMatch(/B-2|B-4|A-1|A-3/);
      }
      const viaMcp = [
        await mcp.callTool({ name: 'table_profile', arguments: { database_id: databaseId, table: 'accounts', columns: ['secret', 'code'] } }),
        await mcp.callTool({ name: 'sample_distinct', arguments: { database_id: databaseId, table: 'accounts', column: 'secret' } }),
      ];
      for (const result of viaMcp) {
        expect(result.isError).toBeFalsy();
        expect(seen(result)).not.toContain(HIDDEN);
      }
    });
  });
}
