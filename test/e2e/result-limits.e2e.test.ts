import { randomBytes } from 'node:crypto';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFakeLlm, type FakeLlm } from '../helpers/fake-llm.js';
import { call, callError, httpMcpClient } from '../helpers/mcp-client.js';
import { useServerWithPostgresStore } from '../helpers/server-fixture.js';
import { serviceAvailable } from '../helpers/services.js';
import { createTempPostgres } from '../helpers/temp-postgres.js';
import { errorCode, type GraphQLResponse } from '../helpers/test-server.js';

/**
 * What one query may cost the gateway: answers are cut at a byte cap as their rows arrive (a 40 MB value
 * is never sent on), statements the planner expects to be expensive are refused before they run, and
 * `rows` where expressions of the wrong shape or size are refused as BAD_USER_INPUT naming the field.
 */

const [pgUp, mariaUp] = [await serviceAvailable('postgres'), await serviceAvailable('mariadb')];

const CAP = 1_000_000;
/** Room for everything in an answer besides the rows (columns, field names, the JSON around them). */
const SLACK = 64 * 1024;
/** Each blob row carries this many characters: three rows fit under CAP, four do not. */
const BLOB = 300_000;
const ITEMS = 20_000;

interface Target {
  name: string;
  engine: 'postgres' | 'mysql';
  available: boolean;
  /** A single value far over the cap, as the engine can make one (MariaDB: max_allowed_packet is 16 MiB). */
  hugeValue: string;
  create(): Promise<{ input: Record<string, unknown>; drop(): Promise<void> }>;
}

const targets: Target[] = [
  {
    name: 'PostgreSQL',
    engine: 'postgres',
    available: pgUp,
    hugeValue: "select repeat('x', 40000000) as big",
    create: async () => {
      const db = await createTempPostgres('warden_limits');
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      await c.query(`create table blobs (id int primary key, body text);
        insert into blobs select g, repeat(chr(96 + g), ${BLOB}) from generate_series(1, 10) g;
        create table items (id int primary key, v int);
        insert into items select g, g % 97 from generate_series(1, ${ITEMS}) g;
        analyze blobs; analyze items;`);
      await c.end();
      return { input: { engine: 'postgres', host: '127.0.0.1', port: 5432, database: db.name, user: 'postgres' }, drop: () => db.drop() };
    },
  },
  {
    name: 'MariaDB',
    engine: 'mysql',
    available: mariaUp,
    hugeValue: "select repeat('x', 12000000) as big",
    create: async () => {
      const name = `warden_limits_${randomBytes(5).toString('hex')}`;
      const c = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', multipleStatements: true });
      await c.query(`create database ${name}; use ${name};
        create table blobs (id int primary key, body longtext);
        insert into blobs select seq, repeat(char(96 + seq), ${BLOB}) from seq_1_to_10;
        create table items (id int primary key, v int);
        insert into items select seq, seq % 97 from seq_1_to_${ITEMS};
        analyze table blobs; analyze table items;`);
      await c.end();
      return {
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

type Row = Record<string, unknown>;
interface Answer {
  rows: Row[];
  rowCount: number;
  truncated: boolean;
  truncatedReason: string | null;
}
const ANSWER = 'rows rowCount truncated truncatedReason';
const RUN = `mutation($d: ID!, $sql: String!, $max: Int) { runQuery(databaseId: $d, sql: $sql, maxRows: $max) { ${ANSWER} } }`;
const ROWS = `query($d: ID!, $t: String!, $w: JSONObject, $l: Int) { rows(databaseId: $d, table: $t, where: $w, limit: $l, orderBy: [{ column: "id" }]) { ${ANSWER} } }`;
const ASK = `mutation($d: ID!, $q: String!) { askDatabase(databaseId: $d, question: $q) { sql result { ${ANSWER} } } }`;
const fenced = (sql: string) => `Here it is:\n\`\`\`sql\n${sql}\n\`\`\``;

for (const target of targets) {
  describe.skipIf(!pgUp || !target.available)(`result and cost limits on ${target.name}`, () => {
    const fixture = useServerWithPostgresStore();
    let db: Awaited<ReturnType<Target['create']>>;
    let databaseId: string;
    let reader: { id: string; key: string };
    let llm: FakeLlm;
    let mcp: Client;
    let receiver: Server;
    let received: Buffer[] = [];

    const admin = <T>(q: string, v?: Record<string, unknown>) => fixture.server.graphql<T>(q, v, fixture.server.adminKey);
    const as = <T>(key: string, q: string, v?: Record<string, unknown>) => fixture.server.graphql<T>(q, v, key);
    const ok = <T>(res: GraphQLResponse<T>): T => {
      expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
      return res.body.data as T;
    };
    const run = (sql: string, key = reader.key, max?: number) => as<{ runQuery: Answer }>(key, RUN, { d: databaseId, sql, max });
    const setLimits = async (limits: Record<string, unknown>) =>
      ok(await admin('mutation($id: ID!, $i: UpdateDatabaseInput!) { updateDatabase(id: $id, input: $i) { id } }', { id: databaseId, i: { limits } }));
    const newAgent = async (name: string, grant: Record<string, unknown>) => {
      const reg = ok(await admin<{ registerAgent: { key: string; agent: { id: string } } }>('mutation($n: String!) { registerAgent(input: { name: $n }) { key agent { id } } }', { n: name }));
      const agent = { id: reg.registerAgent.agent.id, key: reg.registerAgent.key };
      ok(await admin('mutation($i: GrantInput!) { grant(input: $i) { id } }', { i: { agentId: agent.id, databaseId, ...grant } }));
      return agent;
    };
    /** The blob rows an answer cut at CAP holds: the first three, whole. */
    const expectCutAtBytes = (answer: Answer, text: string) => {
      expect(answer.truncated).toBe(true);
      expect(answer.truncatedReason).toBe('BYTE_CAP');
      expect(answer.rows.map((r) => Number(r.id))).toEqual([1, 2, 3]);
      expect(answer.rows.every((r) => typeof r.body === 'string' && r.body.length === BLOB)).toBe(true);
      expect(text.length).toBeLessThan(CAP + SLACK);
    };

    beforeAll(async () => {
      db = await target.create();
      llm = await startFakeLlm();
      const connected = ok(
        await admin<{ connectDatabase: { id: string; limits: Record<string, unknown> } }>(
          'mutation($i: ConnectDatabaseInput!) { connectDatabase(input: $i) { id limits { maxResultBytes maxExportBytes maxCost maxEstimatedRows } } }',
          { i: { name: 'limits', ...db.input, limits: { maxResultBytes: CAP, maxExportBytes: CAP } } },
        ),
      );
      expect(connected.connectDatabase.limits).toEqual({ maxResultBytes: CAP, maxExportBytes: CAP, maxCost: null, maxEstimatedRows: null });
      databaseId = connected.connectDatabase.id;
      reader = await newAgent('reader', { scope: 'DATABASE', actions: ['READ'] });
      ok(
        await admin('mutation($i: RegisterProviderInput!) { registerProvider(input: $i) { id } }', {
          i: { name: 'scripted', baseUrl: llm.baseUrl, model: 'fake-sql-1', apiKey: 'sk-test-not-a-real-key-123456', timeoutMs: 5_000, maxRetries: 0 },
        }),
      );
      mcp = await httpMcpClient(fixture.server.url.replace(/\/graphql$/, ''), reader.key);
      receiver = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          received.push(Buffer.concat(chunks));
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    });

    afterAll(async () => {
      await mcp?.close();
      await new Promise((resolve) => receiver?.close(resolve));
      await llm?.close();
      await db?.drop();
    });

    describe('the byte cap', () => {
      it('cuts a single value far over the cap without sending it, and says BYTE_CAP', async () => {
        const res = await run(target.hugeValue);
        const answer = ok(res).runQuery;
        expect(answer).toMatchObject({ rows: [], rowCount: 0, truncated: true, truncatedReason: 'BYTE_CAP' });
        expect(res.text.length).toBeLessThan(CAP + SLACK);
        // The connection the read was stopped on is gone; the next query runs as usual.
        expect(ok(await run('select id from items where id = 7')).runQuery.rows).toEqual([{ id: 7 }]);
      });

      it('keeps whole rows while they fit under the cap: runQuery and rows', async () => {
        const res = await run('select id, body from blobs order by id');
        expectCutAtBytes(ok(res).runQuery, res.text);
        expect(ok(res).runQuery.rowCount).toBe(3);
        const typed = await as<{ rows: Answer }>(reader.key, ROWS, { d: databaseId, t: 'blobs' });
        expectCutAtBytes(ok(typed).rows, typed.text);
      });

      it('still says ROW_CAP when the row cap cuts first', async () => {
        const answer = ok(await run('select id from items order by id', reader.key, 5)).runQuery;
        expect(answer).toMatchObject({ rowCount: 5, truncated: true, truncatedReason: 'ROW_CAP' });
        const whole = ok(await run('select id from items where id < 4 order by id')).runQuery;
        expect(whole).toMatchObject({ rowCount: 3, truncated: false, truncatedReason: null });
      });

      it('cuts MCP run_sql and sample_rows alike', async () => {
        const viaSql = await call<Answer>(mcp, 'run_sql', { database_id: databaseId, sql: 'select id, body from blobs order by id' });
        expect(viaSql).toMatchObject({ truncated: true, truncatedReason: 'BYTE_CAP', rowCount: 3 });
        const sample = await call<Answer>(mcp, 'sample_rows', { database_id: databaseId, table: 'blobs', limit: 10 });
        expect(sample).toMatchObject({ truncated: true, truncatedReason: 'BYTE_CAP' });
        expect(sample.rows.length).toBeLessThan(4);
      });

      it('cuts the rows of an askDatabase answer', async () => {
        llm.setScript(() => ({ content: fenced('select id, body from blobs order by id') }));
        const res = await as<{ askDatabase: { result: Answer } }>(reader.key, ASK, { d: databaseId, q: 'Show every blob with its body.' });
        expectCutAtBytes(ok(res).askDatabase.result, res.text);
      });

      it('stops an export at the export byte cap and says why', async () => {
        const { port } = receiver.address() as AddressInfo;
        const destination = ok(
          await admin<{ registerExportDestination: { destination: { id: string } } }>(
            'mutation($i: RegisterExportDestinationInput!) { registerExportDestination(input: $i) { destination { id } } }',
            { i: { name: `hook-${target.engine}`, kind: 'WEBHOOK', url: `http://127.0.0.1:${port}/in`, agentIds: [reader.id] } },
          ),
        ).registerExportDestination.destination.id;
        received = [];
        const delivered = ok(
          await as<{ exportToDestination: { rows: number; bytes: number; truncated: boolean; truncatedReason: string | null } }>(
            reader.key,
            'mutation($d: ID!, $q: ReadQueryInput!, $t: ID!) { exportToDestination(databaseId: $d, query: $q, format: NDJSON, destinationId: $t) { rows bytes truncated truncatedReason } }',
            { d: databaseId, q: { sql: 'select id, body from blobs order by id' }, t: destination },
          ),
        ).exportToDestination;
        expect(delivered).toMatchObject({ rows: 3, truncated: true, truncatedReason: 'BYTE_CAP' });
        expect(received).toHaveLength(1);
        expect(received[0]!.length).toBeLessThan(CAP + SLACK);

        const link = ok(
          await as<{ exportLink: { url: string } }>(reader.key, 'mutation($d: ID!, $q: ReadQueryInput!) { exportLink(databaseId: $d, query: $q, format: NDJSON) { url } }', {
            d: databaseId,
            q: { sql: 'select id, body from blobs order by id' },
          }),
        ).exportLink;
        // The download stops at the cap too, and its trailer says why.
        const download = await new Promise<{ status: number; body: string; trailers: Record<string, string | undefined> }>((resolve, reject) => {
          get(link.url, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), trailers: res.trailers }));
            res.on('error', reject);
          }).on('error', reject);
        });
        expect(download.status).toBe(200);
        expect(download.body.length).toBeLessThan(CAP + SLACK);
        expect(download.trailers['warden-truncated']).toBe('BYTE_CAP');
        const lines = download.body.trim().split('\n');
        expect(lines.map((l) => (JSON.parse(l) as Row).id).map(Number)).toEqual([1, 2, 3]);
        // Whole, it has no such trailer.
        const small = ok(
          await as<{ exportLink: { url: string } }>(reader.key, 'mutation($d: ID!, $q: ReadQueryInput!) { exportLink(databaseId: $d, query: $q, format: NDJSON) { url } }', {
            d: databaseId,
            q: { sql: 'select id from blobs order by id' },
          }),
        ).exportLink;
        const whole = await new Promise<Record<string, string | undefined>>((resolve, reject) => {
          get(small.url, (res) => {
            res.resume();
            res.on('end', () => resolve(res.trailers));
          }).on('error', reject);
        });
        expect(whole['warden-truncated']).toBeUndefined();
      });

      it('refuses a byte limit that is not a number of bytes', async () => {
        const res = await admin('mutation($id: ID!, $i: UpdateDatabaseInput!) { updateDatabase(id: $id, input: $i) { id } }', { id: databaseId, i: { limits: { maxResultBytes: 10 } } });
        expect(errorCode(res)).toBe('BAD_USER_INPUT');
        expect(res.body.errors![0]!.extensions.field).toBe('limits');
      });
    });

    describe('plan cost limits', () => {
      const CROSS = 'select count(*) as n from items a cross join items b cross join items c';

      afterAll(async () => {
        await setLimits({ maxCost: null, maxEstimatedRows: null });
      });

      it('refuses a read the planner expects to be expensive before running it, with the estimate and the limit', async () => {
        await setLimits({ maxCost: 100_000 });
        const started = performance.now();
        const res = await run(CROSS);
        // Run, this would take far longer than the statement timeout; refused, it takes one EXPLAIN.
        expect(performance.now() - started).toBeLessThan(5_000);
        expect(errorCode(res)).toBe('QUERY_TOO_EXPENSIVE');
        const details = res.body.errors![0]!.extensions as { estimatedCost: number; maxCost: number; limitedBy: string[] };
        expect(details.maxCost).toBe(100_000);
        expect(details.estimatedCost).toBeGreaterThan(100_000);
        expect(details.limitedBy).toEqual(['database.maxCost']);
        expect(res.body.errors![0]!.message).toMatch(/estimate/);
        // A cheap read under the same limit runs.
        expect(ok(await run('select v from items where id = 7')).runQuery.rows).toEqual([{ v: 7 }]);
        // The refusal is audited as DENIED with its code.
        await vi.waitFor(
          async () => {
            const audit = ok(
              await admin<{ auditEvents: { edges: { node: { reasons: { code: string }[] } }[] } }>(
                'query($f: AuditEventFilter) { auditEvents(filter: $f, first: 50) { edges { node { reasons } } } }',
                { f: { databaseId, decision: 'DENIED' } },
              ),
            );
            expect(audit.auditEvents.edges.some((e) => e.node.reasons[0]?.code === 'QUERY_TOO_EXPENSIVE')).toBe(true);
          },
          { timeout: 10_000, interval: 200 },
        );
      });

      it('holds MCP run_sql, askDatabase and exports to the same limit', async () => {
        await setLimits({ maxCost: 100_000 });
        const viaMcp = await callError(mcp, 'run_sql', { database_id: databaseId, sql: CROSS });
        expect(viaMcp.code).toBe('QUERY_TOO_EXPENSIVE');
        llm.setScript(() => ({ content: fenced(CROSS) }));
        expect(errorCode(await as(reader.key, ASK, { d: databaseId, q: 'How many triples of items are there?' }))).toBe('QUERY_TOO_EXPENSIVE');
        const link = await as(reader.key, 'mutation($d: ID!, $q: ReadQueryInput!) { exportLink(databaseId: $d, query: $q, format: CSV) { url } }', { d: databaseId, q: { sql: CROSS } });
        expect(errorCode(link)).toBe('QUERY_TOO_EXPENSIVE');
      });

      it('applies a grant’s limits, the tightest of grant and database winning', async () => {
        await setLimits({ maxCost: 1e12, maxEstimatedRows: null });
        const narrow = await newAgent(`narrow-${target.engine}`, { scope: 'TABLE', table: 'items', actions: ['READ'], maxEstimatedRows: 500, maxCost: 100_000 });
        const whole = await run('select id from items', narrow.key);
        expect(errorCode(whole)).toBe('QUERY_TOO_EXPENSIVE');
        expect((whole.body.errors![0]!.extensions as { limitedBy: string[] }).limitedBy).toContain('grant.maxEstimatedRows');
        expect((whole.body.errors![0]!.extensions as { estimatedRows: number }).estimatedRows).toBeGreaterThan(500);
        expect(ok(await run('select id from items where id < 50 order by id', narrow.key)).runQuery.rowCount).toBe(49);
        const cross = await run(CROSS, narrow.key);
        expect(errorCode(cross)).toBe('QUERY_TOO_EXPENSIVE');
        expect((cross.body.errors![0]!.extensions as { limitedBy: string[] }).limitedBy).toContain('grant.maxCost');
        // The typed rows query too (its default limit of 1000 rows is over the grant's 500 on any planner).
        expect(errorCode(await as(narrow.key, ROWS, { d: databaseId, t: 'items' }))).toBe('QUERY_TOO_EXPENSIVE');
        expect(ok(await as<{ rows: Answer }>(narrow.key, ROWS, { d: databaseId, t: 'items', w: { id: { _lt: 10 } } })).rows.rowCount).toBe(9);
        // The grant shows its limits.
        const grants = ok(
          await admin<{ grants: { edges: { node: { maxCost: number | null; maxEstimatedRows: number | null } }[] } }>(
            'query($a: ID) { grants(agentId: $a) { edges { node { maxCost maxEstimatedRows } } } }',
            { a: narrow.id },
          ),
        );
        expect(grants.grants.edges.map((e) => e.node)).toEqual([{ maxCost: 100_000, maxEstimatedRows: 500 }]);
      });
    });

    describe('rows where expressions', () => {
      const rows = (where: unknown) => as<{ rows: Answer }>(reader.key, ROWS, { d: databaseId, t: 'items', w: where });
      const refused = async (where: unknown, field: string) => {
        const res = await rows(where);
        expect(errorCode(res), JSON.stringify(res.body.errors)).toBe('BAD_USER_INPUT');
        expect(res.body.errors![0]!.extensions.field).toBe(field);
        return res.body.errors![0]!.message;
      };

      it('refuses _and given an object instead of a list, naming it', async () => {
        expect(await refused({ _and: { id: { _eq: 1 } } }, 'where._and')).toMatch(/list/);
        await refused({ _or: [{ id: { _eq: 1 } }, 'id'] }, 'where._or[1]');
        await refused({ _not: [{ id: { _eq: 1 } }] }, 'where._not');
      });

      it('refuses an _in list of 70,000 values before it reaches the database', async () => {
        const values = Array.from({ length: 70_000 }, (_, i) => i);
        expect(await refused({ id: { _in: values } }, 'where.id._in')).toMatch(/1000/);
        await refused({ id: { _nin: values.slice(0, 1_001) } }, 'where.id._nin');
        // A thousand is fine.
        expect(ok(await rows({ id: { _in: values.slice(0, 1_000) } })).rows.rowCount).toBe(999);
      });

      it('refuses too many values in all, too deep nesting and comparisons of the wrong shape', async () => {
        const many = { _or: Array.from({ length: 11 }, () => ({ id: { _in: Array.from({ length: 1_000 }, (_, i) => i) } })) };
        await refused(many, 'where');
        let deep: Record<string, unknown> = { id: { _eq: 1 } };
        for (let i = 0; i < 40; i++) deep = { _not: deep };
        await refused(deep, 'where');
        await refused({ id: 5 }, 'where.id');
        await refused({ id: { _eq: { nested: true } } }, 'where.id._eq');
        await refused({ id: { _between: [1, 2] } }, 'where.id');
        await refused({ _xor: [] }, 'where._xor');
        expect(ok(await rows({ _and: [{ id: { _gte: 10 } }, { _not: { v: { _is_null: true } } }], id: { _lt: 13 } })).rows.rowCount).toBe(3);
      });
    });
  });
}
