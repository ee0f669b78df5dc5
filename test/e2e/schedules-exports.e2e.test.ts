import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import ExcelJS from 'exceljs';
import pg from 'pg';
import S3rver from 's3rver';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWebhookSecret } from '../../src/events/webhook-signature.js';
import { SERVICES, serviceAvailable } from '../helpers/services.js';
import { createTempPostgres, type TempPostgres } from '../helpers/temp-postgres.js';
import { errorCode, startTestServer, type TestServer } from '../helpers/test-server.js';
import { parseCsv } from '../unit/exports/export-fixtures.js';

const [pgUp, redisUp] = [await serviceAvailable('postgres'), await serviceAvailable('redis')];

/** The clock both gateways go by: tests move it on instead of waiting. */
let clockMs = Date.now();
const clock = () => new Date(clockMs);

const SALES = [
  { id: 1, region: 'north', amount: 120, note: 'plain' },
  { id: 2, region: 'south', amount: 80, note: 'a "quoted", comma' },
  { id: 3, region: 'north', amount: 45, note: 'Zürich — ünïcode' },
  { id: 4, region: 'east', amount: 300, note: 'line\nbreak' },
  { id: 5, region: 'south', amount: 15, note: 'last' },
];

describe.skipIf(!pgUp || !redisUp)('scheduled queries and exports', () => {
  let store: TempPostgres;
  let target: TempPostgres;
  let a: TestServer;
  let b: TestServer;
  let databaseId: string;
  let agentId: string;
  let key: string;
  let grantId: string;
  const secretKey = randomBytes(32).toString('base64');

  const admin = <T>(s: TestServer, q: string, v?: Record<string, unknown>) => s.graphql<T>(q, v, s.adminKey);
  const asAgent = <T>(q: string, v?: Record<string, unknown>, k = key) => a.graphql<T>(q, v, k);
  const ok = <T>(res: { body: { data?: T | null; errors?: unknown } }): T => {
    expect(res.body.errors).toBeUndefined();
    return res.body.data as T;
  };

  beforeAll(async () => {
    store = await createTempPostgres();
    target = await createTempPostgres('warden_sales');
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    await client.query('create table sales (id integer primary key, region text not null, amount integer not null, note text not null)');
    await client.query('create table payroll (id integer primary key, salary integer not null)');
    for (const row of SALES) await client.query('insert into sales values ($1, $2, $3, $4)', [row.id, row.region, row.amount, row.note]);
    await client.end();
    // Two replicas on one store, as in production; schedules run only when a test says so.
    const env = {
      WARDEN_SECRET_KEY: secretKey,
      WARDEN_SCHEDULE_POLL_MS: '3600000',
      WARDEN_REDIS_URL: SERVICES.redis.url,
      WARDEN_REDIS_PREFIX: `warden-test-${randomBytes(4).toString('hex')}:`,
    };
    a = await startTestServer({ store: { kind: 'postgres', url: store.url }, env, clock });
    b = await startTestServer({ store: { kind: 'postgres', url: store.url }, env, adminKey: a.adminKey, clock });
    const connected = ok(
      await admin<{ connectDatabase: { id: string } }>(a, 'mutation($i: ConnectDatabaseInput!) { connectDatabase(input: $i) { id } }', {
        i: { name: 'sales', engine: 'postgres', host: '127.0.0.1', port: 5432, database: target.name, user: 'postgres' },
      }),
    );
    databaseId = connected.connectDatabase.id;
    const reg = ok(await admin<{ registerAgent: { key: string; agent: { id: string } } }>(a, 'mutation { registerAgent(input: { name: "reporter" }) { key agent { id } } }'));
    agentId = reg.registerAgent.agent.id;
    key = reg.registerAgent.key;
    grantId = await grantSales();
  }, 60_000);

  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await target?.drop();
    await store?.drop();
  });

  async function grantSales(): Promise<string> {
    const res = ok(
      await admin<{ grant: { id: string } }>(a, 'mutation($i: GrantInput!) { grant(input: $i) { id } }', {
        i: { agentId, databaseId, scope: 'TABLE', schema: 'public', table: 'sales', actions: ['READ'] },
      }),
    );
    return res.grant.id;
  }

  const SCHEDULE = `mutation($i: ScheduleQueryInput!) { scheduleQuery(input: $i) { id status cron timezone nextRunAt } }`;
  const SCHEDULE_STATE = `query($id: ID!) { schedule(id: $id) { status stoppedReason nextRunAt runs { status rowCount truncated errorCode errorMessage scheduledFor deliveredTo } } }`;
  type ScheduleState = {
    schedule: {
      status: string;
      stoppedReason: string | null;
      nextRunAt: string | null;
      runs: { status: string; rowCount: number | null; truncated: boolean | null; errorCode: string | null; scheduledFor: string; deliveredTo: string | null }[];
    };
  };

  describe('schedules', () => {
    it('fires when its slot comes on the clock, records the run, and moves on to the next slot', async () => {
      const made = ok(
        await asAgent<{ scheduleQuery: { id: string; status: string; cron: string; nextRunAt: string } }>(SCHEDULE, {
          i: { databaseId, name: 'north sales hourly', every: 'HOURLY', query: { sql: "select id, amount from sales where region = $1", params: ['north'] } },
        }),
      ).scheduleQuery;
      expect(made).toMatchObject({ status: 'ACTIVE', cron: '0 * * * *' });
      const slot = new Date(made.nextRunAt);
      expect(slot.getUTCMinutes()).toBe(0);
      expect(slot.getTime()).toBeGreaterThan(clockMs);

      // Before its slot nothing runs.
      expect(await a.warden.scheduler.runDue(new Date(slot.getTime() - 1000))).toBe(0);
      expect(ok(await asAgent<ScheduleState>(SCHEDULE_STATE, { id: made.id })).schedule.runs).toEqual([]);

      expect(await a.warden.scheduler.runDue(new Date(slot.getTime() + 1000))).toBe(1);
      const state = ok(await asAgent<ScheduleState>(SCHEDULE_STATE, { id: made.id })).schedule;
      expect(state.runs).toHaveLength(1);
      expect(state.runs[0]).toMatchObject({ status: 'SUCCEEDED', rowCount: 2, truncated: false, errorCode: null });
      expect(new Date(state.runs[0]!.scheduledFor).getTime()).toBe(slot.getTime());
      expect(new Date(state.nextRunAt!).getTime()).toBe(slot.getTime() + 3_600_000);
      const deleted = ok(await asAgent<{ deleteSchedule: { id: string; status: string; nextRunAt: string | null } }>('mutation($id: ID!) { deleteSchedule(id: $id) { id status nextRunAt } }', { id: made.id })).deleteSchedule;
      // What it answers is the schedule's final state: deleted, with no next run.
      expect(deleted).toEqual({ id: made.id, status: 'DELETED', nextRunAt: null });
      expect(errorCode(await asAgent('mutation($id: ID!) { deleteSchedule(id: $id) { id } }', { id: made.id }))).toBe('NOT_FOUND');
    });

    it('runs a slot once when two replicas find it due at the same moment', async () => {
      const made = ok(
        await asAgent<{ scheduleQuery: { id: string; nextRunAt: string } }>(SCHEDULE, {
          i: { databaseId, name: 'every minute', cron: '* * * * *', query: { rows: { table: 'sales', columns: ['id'] } } },
        }),
      ).scheduleQuery;
      const at = new Date(new Date(made.nextRunAt).getTime() + 5000);
      const counts = await Promise.all([a.warden.scheduler.runDue(at), b.warden.scheduler.runDue(at), a.warden.scheduler.runDue(at), b.warden.scheduler.runDue(at)]);
      expect(counts.reduce((x, y) => x + y, 0)).toBe(1);
      const state = ok(await asAgent<ScheduleState>(SCHEDULE_STATE, { id: made.id })).schedule;
      expect(state.runs).toHaveLength(1);
      expect(state.runs[0], JSON.stringify(state.runs[0])).toMatchObject({ status: 'SUCCEEDED', rowCount: SALES.length });
      await asAgent('mutation($id: ID!) { deleteSchedule(id: $id) { id } }', { id: made.id });
    });

    it('refuses at once a schedule the agent may not run: a write, an ungranted table, a bad cron or time zone', async () => {
      const base = { databaseId, name: 'bad', every: 'DAILY' };
      expect(errorCode(await asAgent(SCHEDULE, { i: { ...base, query: { sql: 'delete from sales' } } }))).toBe('SQL_NOT_ALLOWED');
      expect(errorCode(await asAgent(SCHEDULE, { i: { ...base, query: { sql: 'select * from payroll' } } }))).toBe('FORBIDDEN');
      expect(errorCode(await asAgent(SCHEDULE, { i: { ...base, every: null, cron: '*/5 * * *', query: { sql: 'select 1' } } }))).toBe('BAD_USER_INPUT');
      expect(errorCode(await asAgent(SCHEDULE, { i: { ...base, every: null, cron: '* * * * * *', query: { sql: 'select 1' } } }))).toBe('BAD_USER_INPUT');
      expect(errorCode(await asAgent(SCHEDULE, { i: { ...base, timezone: 'Mars/Olympus', query: { sql: 'select id from sales' } } }))).toBe('BAD_USER_INPUT');
      const listed = ok(await asAgent<{ schedules: unknown[] }>('{ schedules { id } }'));
      expect(listed.schedules).toEqual([]);
    });

    it('keeps to its time zone: daily at 06:30 in Tokyo is 21:30 UTC', async () => {
      const made = ok(
        await asAgent<{ scheduleQuery: { id: string; nextRunAt: string; timezone: string } }>(SCHEDULE, {
          i: { databaseId, name: 'tokyo morning', cron: '30 6 * * *', timezone: 'Asia/Tokyo', query: { sql: 'select count(*) from sales' } },
        }),
      ).scheduleQuery;
      const next = new Date(made.nextRunAt);
      expect([next.getUTCHours(), next.getUTCMinutes()]).toEqual([21, 30]);
      await asAgent('mutation($id: ID!) { deleteSchedule(id: $id) { id } }', { id: made.id });
    });

    it('a paused schedule does not run; another agent cannot see or change it', async () => {
      const made = ok(
        await asAgent<{ scheduleQuery: { id: string; nextRunAt: string } }>(SCHEDULE, {
          i: { databaseId, name: 'paused', every: 'HOURLY', query: { sql: 'select id from sales' } },
        }),
      ).scheduleQuery;
      const other = ok(await admin<{ registerAgent: { key: string } }>(a, 'mutation { registerAgent(input: { name: "nosy" }) { key } }')).registerAgent.key;
      expect(errorCode(await asAgent('mutation($id: ID!) { pauseSchedule(id: $id) { id } }', { id: made.id }, other))).toBe('NOT_FOUND');
      expect(ok(await asAgent<{ schedules: unknown[] }>('{ schedules { id } }', {}, other)).schedules).toEqual([]);

      const paused = ok(await asAgent<{ pauseSchedule: { status: string; nextRunAt: null } }>('mutation($id: ID!) { pauseSchedule(id: $id) { status nextRunAt } }', { id: made.id }));
      expect(paused.pauseSchedule).toEqual({ status: 'PAUSED', nextRunAt: null });
      expect(await a.warden.scheduler.runDue(new Date(new Date(made.nextRunAt).getTime() + 10 * 3_600_000))).toBe(0);
      const resumed = ok(await asAgent<{ resumeSchedule: { status: string } }>('mutation($id: ID!) { resumeSchedule(id: $id) { status } }', { id: made.id }));
      expect(resumed.resumeSchedule.status).toBe('ACTIVE');
      // Admins see everyone's.
      const all = ok(await admin<{ schedules: { id: string }[] }>(a, '{ schedules { id } }'));
      expect(all.schedules.map((s) => s.id)).toContain(made.id);
      await asAgent('mutation($id: ID!) { deleteSchedule(id: $id) { id } }', { id: made.id });
    });

    it('stops, with an audit event, when the grant it runs under is revoked; resumes once access is back', async () => {
      const made = ok(
        await asAgent<{ scheduleQuery: { id: string; nextRunAt: string } }>(SCHEDULE, {
          i: { databaseId, name: 'revoked later', every: 'HOURLY', query: { sql: 'select id from sales' } },
        }),
      ).scheduleQuery;
      ok(await admin(a, 'mutation($id: ID!) { revokeGrant(id: $id) { id } }', { id: grantId }));
      expect(await a.warden.scheduler.runDue(new Date(new Date(made.nextRunAt).getTime() + 1000))).toBe(1);
      const state = ok(await asAgent<ScheduleState>(SCHEDULE_STATE, { id: made.id })).schedule;
      expect(state.status).toBe('STOPPED');
      expect(state.nextRunAt).toBeNull();
      expect(state.stoppedReason).toBeTruthy();
      expect(state.runs[0]).toMatchObject({ status: 'DENIED', rowCount: null });
      expect(['FORBIDDEN', 'NOT_FOUND']).toContain(state.runs[0]!.errorCode);
      // A stopped schedule runs no more, whatever the clock says.
      expect(await a.warden.scheduler.runDue(new Date(new Date(made.nextRunAt).getTime() + 48 * 3_600_000))).toBe(0);

      await expect
        .poll(async () => {
          const events = ok(
            await admin<{ auditEvents: { edges: { node: { decision: string; principalId: string; databaseId: string; reasons: { code: string }[] } }[] } }>(
              a,
              'query($f: AuditEventFilter) { auditEvents(filter: $f, first: 20) { edges { node { decision principalId databaseId reasons } } } }',
              { f: { action: 'scheduleStopped' } },
            ),
          );
          return events.auditEvents.edges.map((e) => ({ ...e.node, reasons: e.node.reasons.map((r) => r.code) }));
        })
        .toContainEqual({ decision: 'DENIED', principalId: agentId, databaseId, reasons: [expect.stringMatching(/^(FORBIDDEN|NOT_FOUND)$/)] });

      // Without access, it cannot be resumed; with it again, it can.
      expect(['FORBIDDEN', 'NOT_FOUND']).toContain(errorCode(await asAgent('mutation($id: ID!) { resumeSchedule(id: $id) { status } }', { id: made.id })));
      grantId = await grantSales();
      expect(ok(await asAgent<{ resumeSchedule: { status: string } }>('mutation($id: ID!) { resumeSchedule(id: $id) { status } }', { id: made.id })).resumeSchedule.status).toBe('ACTIVE');
      await asAgent('mutation($id: ID!) { deleteSchedule(id: $id) { id } }', { id: made.id });
    });
  });

  describe('export links', () => {
    const LINK = 'mutation($d: ID!, $q: ReadQueryInput!, $f: ExportFormat!, $e: Int) { exportLink(databaseId: $d, query: $q, format: $f, expiresInSeconds: $e) { id url format expiresAt } }';
    const link = async (format: string, query: Record<string, unknown> = { sql: 'select id, region, amount, note from sales order by id' }, expires?: number) =>
      ok(await asAgent<{ exportLink: { id: string; url: string; expiresAt: string } }>(LINK, { d: databaseId, q: query, f: format, e: expires })).exportLink;

    it('round-trips as CSV: the file parses back to the rows runQuery returns', async () => {
      const made = await link('CSV');
      const response = await fetch(made.url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/csv');
      expect(response.headers.get('content-disposition')).toMatch(/attachment; filename="export-\d{8}T\d{6}Z\.csv"/);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const [header, ...records] = parseCsv(await response.text());
      expect(header).toEqual(['id', 'region', 'amount', 'note']);
      expect(records).toEqual(SALES.map((r) => [String(r.id), r.region, String(r.amount), r.note]));
    });

    it('round-trips as XLSX, JSON and NDJSON', async () => {
      const xlsx = await fetch((await link('XLSX')).url);
      expect(xlsx.status).toBe(200);
      const book = new ExcelJS.Workbook();
      await book.xlsx.load(Buffer.from(await xlsx.arrayBuffer()) as unknown as ArrayBuffer);
      const sheet = book.worksheets[0]!;
      const values: unknown[][] = [];
      sheet.eachRow((row) => values.push((row.values as unknown[]).slice(1)));
      expect(values[0]).toEqual(['id', 'region', 'amount', 'note']);
      expect(values.slice(1)).toEqual(SALES.map((r) => [r.id, r.region, r.amount, r.note]));

      const json = await (await fetch((await link('JSON')).url)).json();
      expect(json).toEqual(SALES);
      const ndjson = (await (await fetch((await link('NDJSON', { rows: { table: 'sales', where: { region: { _eq: 'south' } }, orderBy: [{ column: 'id' }] } })).url)).text())
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown);
      expect(ndjson).toEqual(SALES.filter((r) => r.region === 'south'));
    });

    it('stops working when it expires, and a tampered link never works', async () => {
      const made = await link('CSV', undefined, 60);
      expect(new Date(made.expiresAt).getTime() - clockMs).toBeLessThanOrEqual(60_000);
      const tampered = made.url.replace(/signature=[^&]+/, 'signature=AAAA');
      const forged = await fetch(tampered);
      expect(forged.status).toBe(403);
      expect(((await forged.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('FORBIDDEN');
      const longer = made.url.replace(/expires=\d+/, (m) => `expires=${Number(m.slice(8)) + 3600}`);
      expect((await fetch(longer)).status).toBe(403);

      expect((await fetch(made.url)).status).toBe(200);
      clockMs += 61_000;
      const expired = await fetch(made.url);
      expect(expired.status).toBe(403);
      const body = (await expired.json()) as { errors: { message: string }[] };
      expect(body.errors[0]!.message).toContain('expired');
    });

    it('refuses at once a link for a write or an ungranted table', async () => {
      expect(errorCode(await asAgent(LINK, { d: databaseId, q: { sql: 'update sales set amount = 0' }, f: 'CSV' }))).toBe('SQL_NOT_ALLOWED');
      expect(errorCode(await asAgent(LINK, { d: databaseId, q: { sql: 'select * from payroll' }, f: 'CSV' }))).toBe('FORBIDDEN');
      expect(errorCode(await asAgent(LINK, { d: databaseId, q: { sql: 'select 1', rows: { table: 'sales' } }, f: 'CSV' }))).toBe('BAD_USER_INPUT');
      expect(errorCode(await asAgent(LINK, { d: databaseId, q: { sql: 'select id from sales' }, f: 'CSV', e: 999_999 }))).toBe('BAD_USER_INPUT');
    });

    it("reads under the maker's grants at download time: a revoked grant, then a revoked agent, end the link", async () => {
      const reg = ok(await admin<{ registerAgent: { key: string; agent: { id: string } } }>(a, 'mutation { registerAgent(input: { name: "leaver" }) { key agent { id } } }'));
      const granted = ok(
        await admin<{ grant: { id: string } }>(a, 'mutation($i: GrantInput!) { grant(input: $i) { id } }', {
          i: { agentId: reg.registerAgent.agent.id, databaseId, scope: 'TABLE', schema: 'public', table: 'sales', actions: ['READ'] },
        }),
      );
      const made = ok(await asAgent<{ exportLink: { url: string } }>(LINK, { d: databaseId, q: { sql: 'select id from sales' }, f: 'CSV' }, reg.registerAgent.key)).exportLink;
      expect((await fetch(made.url)).status).toBe(200);

      ok(await admin(a, 'mutation($id: ID!) { revokeGrant(id: $id) { id } }', { id: granted.grant.id }));
      expect([403, 404]).toContain((await fetch(made.url)).status);

      ok(await admin(a, 'mutation($i: GrantInput!) { grant(input: $i) { id } }', { i: { agentId: reg.registerAgent.agent.id, databaseId, scope: 'TABLE', schema: 'public', table: 'sales', actions: ['READ'] } }));
      expect((await fetch(made.url)).status).toBe(200);
      ok(await admin(a, 'mutation($id: ID!) { revokeAgent(id: $id) { id } }', { id: reg.registerAgent.agent.id }));
      const revoked = await fetch(made.url);
      expect(revoked.status).toBe(403);
      expect(((await revoked.json()) as { errors: { message: string }[] }).errors[0]!.message).toContain('revoked');
      // The same link works on the other replica no better.
      expect((await fetch(made.url.replace(a.url.replace('/graphql', ''), b.url.replace('/graphql', '')))).status).toBe(403);
    });
  });

  describe('delivery', () => {
    let receiver: Server;
    let received: { headers: Record<string, string | string[] | undefined>; body: Buffer }[] = [];
    let failNext = 0;
    let refusedIds: string[] = [];
    let s3: S3rver;
    let s3Dir: string;
    let s3Endpoint: string;
    const DELIVER = 'mutation($d: ID!, $q: ReadQueryInput!, $f: ExportFormat!, $t: ID!) { exportToDestination(databaseId: $d, query: $q, format: $f, destinationId: $t) { deliveredTo rows bytes truncated format } }';
    const REGISTER = 'mutation($i: RegisterExportDestinationInput!) { registerExportDestination(input: $i) { destination { id name kind agentIds } secret } }';

    beforeAll(async () => {
      receiver = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          if (failNext > 0) {
            failNext -= 1;
            refusedIds.push(String(req.headers['webhook-id']));
            res.writeHead(503).end();
            return;
          }
          received.push({ headers: req.headers, body: Buffer.concat(chunks) });
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      s3Dir = await mkdtemp(join(tmpdir(), 'warden-s3-'));
      s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3Dir, configureBuckets: [{ name: 'reports' }] });
      const { port } = await s3.run();
      s3Endpoint = `http://127.0.0.1:${port}`;
    });

    afterAll(async () => {
      await new Promise((resolve) => receiver?.close(resolve));
      await s3?.close();
      await rm(s3Dir, { recursive: true, force: true });
    });

    it('POSTs the file to a webhook, signed with the secret shown at registration, retrying a receiver that fails', async () => {
      const { port } = receiver.address() as AddressInfo;
      const reg = ok(
        await admin<{ registerExportDestination: { destination: { id: string }; secret: string } }>(a, REGISTER, {
          i: { name: 'finance hook', kind: 'WEBHOOK', url: `http://127.0.0.1:${port}/in`, agentIds: [agentId] },
        }),
      ).registerExportDestination;
      expect(reg.secret).toMatch(/^whsec_/);
      received = [];
      refusedIds = [];
      failNext = 1;
      const delivered = ok(
        await asAgent<{ exportToDestination: { deliveredTo: string; rows: number; bytes: number } }>(DELIVER, {
          d: databaseId,
          q: { sql: 'select id, note from sales order by id' },
          f: 'CSV',
          t: reg.destination.id,
        }),
      ).exportToDestination;
      expect(delivered).toMatchObject({ deliveredTo: `http://127.0.0.1:${port}/in`, rows: SALES.length });
      expect(received).toHaveLength(1);
      const got = received[0]!;
      expect(got.body.byteLength).toBe(delivered.bytes);
      // Verified as a receiver would, with the standardwebhooks package (the file is not JSON: not parsed).
      const headers = got.headers as Record<string, string>;
      expect(() => new Webhook(reg.secret).verify(got.body, headers, { jsonParse: false })).not.toThrow();
      expect(() => new Webhook(generateWebhookSecret()).verify(got.body, headers, { jsonParse: false })).toThrow(WebhookVerificationError);
      // The retry after the refused attempt carried the same message id, so a receiver can drop a repeat.
      expect(refusedIds).toEqual([headers['webhook-id']]);
      expect(headers['webhook-id']).toMatch(/^exd_/);
      expect(parseCsv(got.body.toString('utf8')).slice(1)).toEqual(SALES.map((r) => [String(r.id), r.note]));
      // The secret is never shown again.
      const listed = await admin(a, '{ exportDestinations { id name kind url } }');
      expect(listed.text).not.toContain(reg.secret);
    });

    it('puts the file in an S3-compatible bucket; the secret access key is never shown', async () => {
      const reg = ok(
        await admin<{ registerExportDestination: { destination: { id: string }; secret: string | null } }>(a, REGISTER, {
          i: { name: 'reports bucket', kind: 'S3', endpoint: s3Endpoint, bucket: 'reports', prefix: 'daily/', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', agentIds: [agentId] },
        }),
      ).registerExportDestination;
      expect(reg.secret).toBeNull();
      const delivered = ok(
        await asAgent<{ exportToDestination: { deliveredTo: string; rows: number } }>(DELIVER, {
          d: databaseId,
          q: { sql: 'select * from sales order by id' },
          f: 'NDJSON',
          t: reg.destination.id,
        }),
      ).exportToDestination;
      expect(delivered.deliveredTo).toMatch(/^s3:\/\/reports\/daily\/export-\d{8}T\d{6}Z\.ndjson$/);
      const client = new S3Client({ region: 'us-east-1', endpoint: s3Endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
      const object = await client.send(new GetObjectCommand({ Bucket: 'reports', Key: delivered.deliveredTo.slice('s3://reports/'.length) }));
      const text = await object.Body!.transformToString();
      client.destroy();
      expect(text.trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual(SALES);
      const listed = await admin(a, '{ exportDestinations { id name kind bucket endpoint } }');
      expect(listed.text).not.toContain('secretAccessKey');
    });

    it('a scheduled run delivers its result; an agent not on the destination is refused', async () => {
      const { port } = receiver.address() as AddressInfo;
      const reg = ok(
        await admin<{ registerExportDestination: { destination: { id: string }; secret: string } }>(a, REGISTER, {
          i: { name: 'scheduled hook', kind: 'WEBHOOK', url: `http://127.0.0.1:${port}/scheduled`, agentIds: [agentId] },
        }),
      ).registerExportDestination;
      const made = ok(
        await asAgent<{ scheduleQuery: { id: string; nextRunAt: string } }>(SCHEDULE, {
          i: { databaseId, name: 'Daily Sales', every: 'DAILY', query: { sql: 'select id from sales' }, export: { format: 'JSON', destinationId: reg.destination.id } },
        }),
      ).scheduleQuery;
      received = [];
      expect(await b.warden.scheduler.runDue(new Date(new Date(made.nextRunAt).getTime() + 1000))).toBe(1);
      expect(received).toHaveLength(1);
      expect(JSON.parse(received[0]!.body.toString('utf8'))).toEqual(SALES.map((r) => ({ id: r.id })));
      const state = ok(await asAgent<ScheduleState>(SCHEDULE_STATE, { id: made.id })).schedule;
      expect(state.runs[0]).toMatchObject({ status: 'SUCCEEDED', rowCount: SALES.length, deliveredTo: `http://127.0.0.1:${port}/scheduled` });

      const other = ok(await admin<{ registerAgent: { key: string } }>(a, 'mutation { registerAgent(input: { name: "outsider" }) { key } }')).registerAgent.key;
      expect(errorCode(await asAgent(DELIVER, { d: databaseId, q: { sql: 'select 1' }, f: 'CSV', t: reg.destination.id }, other))).toBe('FORBIDDEN');
      // Agents cannot register or list destinations.
      expect(errorCode(await asAgent('{ exportDestinations { id } }'))).toBe('FORBIDDEN');
    });

    it('a receiver that never answers well gives DELIVERY_FAILED naming the destination, not a secret', async () => {
      const reg = ok(
        await admin<{ registerExportDestination: { destination: { id: string }; secret: string } }>(a, REGISTER, {
          i: { name: 'dead hook', kind: 'WEBHOOK', url: 'http://127.0.0.1:9/nowhere', agentIds: [agentId] },
        }),
      ).registerExportDestination;
      const res = await asAgent(DELIVER, { d: databaseId, q: { sql: 'select id from sales' }, f: 'CSV', t: reg.destination.id });
      expect(errorCode(res)).toBe('DELIVERY_FAILED');
      expect(res.body.errors![0]!.message).toContain('127.0.0.1:9');
      expect(res.text).not.toContain(reg.secret);
    }, 20_000);
  });
});
