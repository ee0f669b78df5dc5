import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLlm, type FakeLlm } from '../helpers/fake-llm.js';
import { matching, parseExposition, total, type Sample } from '../helpers/prometheus-text.js';
import { serviceAvailable } from '../helpers/services.js';
import { useServerWithPostgresStore } from '../helpers/server-fixture.js';
import { createTempPostgres, type TempPostgres } from '../helpers/temp-postgres.js';
import { connectPostgres, errorCode, startTestServer } from '../helpers/test-server.js';

const pgUp = await serviceAvailable('postgres');

const RUN = 'mutation($d: ID!, $sql: String!) { runQuery(databaseId: $d, sql: $sql) { rowCount } }';
const ASK = 'mutation($d: ID!, $q: String!) { askDatabase(databaseId: $d, question: $q) { sql usage { promptTokens completionTokens } } }';
/** Words that only ever appear in what clients sent: none may reach the metrics. */
const CLIENT_WORDS = ['LeakyOperationName', 'payroll_salary_xyz', 'generate_series', 'How many widgets'];

async function scrape(baseUrl: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; contentType: string | null }> {
  const res = await fetch(`${baseUrl}/metrics`, { headers });
  return { status: res.status, text: await res.text(), contentType: res.headers.get('content-type') };
}

const baseOf = (graphqlUrl: string) => graphqlUrl.replace(/\/graphql$/, '');

describe.skipIf(!pgUp)('/metrics: what the gateway did, in Prometheus text', () => {
  const fixture = useServerWithPostgresStore();
  let target: TempPostgres;
  let llm: FakeLlm;
  let databaseId: string;
  let reader: { id: string; key: string };
  let limited: { id: string; key: string };
  let before: Sample[];
  let after: Sample[];
  let afterText: string;

  const admin = <T>(query: string, variables?: Record<string, unknown>) => fixture.server.graphql<T>(query, variables, fixture.server.adminKey);
  const run = (key: string, sql: string) => fixture.server.graphql<{ runQuery: { rowCount: number } }>(RUN, { d: databaseId, sql }, key);

  async function agentReadingItems(name: string): Promise<{ id: string; key: string }> {
    const reg = await admin<{ registerAgent: { key: string; agent: { id: string } } }>('mutation($n: String!) { registerAgent(input: { name: $n }) { key agent { id } } }', { n: name });
    const agent = { id: reg.body.data!.registerAgent.agent.id, key: reg.body.data!.registerAgent.key };
    const granted = await admin('mutation($i: GrantInput!) { grant(input: $i) { id } }', { i: { agentId: agent.id, databaseId, scope: 'TABLE', table: 'items', actions: ['READ'] } });
    expect(granted.body.errors).toBeUndefined();
    return agent;
  }

  const delta = (name: string, labels: Record<string, string> = {}) => total(after, name, labels) - total(before, name, labels);

  beforeAll(async () => {
    target = await createTempPostgres('warden_metrics');
    await target.seed(
      'create table items (id int primary key, name text); insert into items select g, $$item $$ || g from generate_series(1, 5) g',
      'create table payroll_salary_xyz (id int primary key, amount int)',
    );
    databaseId = await connectPostgres(fixture.server.graphql, fixture.server.adminKey, target.name);
    reader = await agentReadingItems('reader');
    limited = await agentReadingItems('limited');
    expect((await admin('mutation($a: ID!) { setRateLimit(agentId: $a, input: { perMinute: 1 }) { agentId } }', { a: limited.id })).body.errors).toBeUndefined();
    llm = await startFakeLlm();
    const provider = await admin('mutation($i: RegisterProviderInput!) { registerProvider(input: $i) { id } }', {
      i: { name: 'scripted', baseUrl: llm.baseUrl, model: 'fake-sql-1', apiKey: 'sk-test-never-in-metrics-123456', timeoutMs: 2_000, maxRetries: 0 },
    });
    expect(provider.body.errors).toBeUndefined();

    const base = baseOf(fixture.server.url);
    before = parseExposition((await scrape(base)).text);

    // One allowed read, sent with an operation name of the client's own.
    const allowed = await fetch(fixture.server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${reader.key}` },
      body: JSON.stringify({ query: `mutation LeakyOperationName($d: ID!, $sql: String!) { runQuery(databaseId: $d, sql: $sql) { rowCount } }`, operationName: 'LeakyOperationName', variables: { d: databaseId, sql: 'select id, name from items where id in (select g from generate_series(1, 3) g)' } }),
    });
    expect(((await allowed.json()) as { data: { runQuery: { rowCount: number } } }).data.runQuery.rowCount).toBe(3);
    // One the grants refuse, one the rate limit refuses, one without a key.
    expect(errorCode(await run(reader.key, 'select amount from payroll_salary_xyz'))).toBe('FORBIDDEN');
    expect((await run(limited.key, 'select count(*) from items')).body.errors).toBeUndefined();
    expect(errorCode(await run(limited.key, 'select count(*) from items'))).toBe('RATE_LIMITED');
    expect((await fetch(fixture.server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ me { id } }"}' })).status).toBe(401);
    // One question to a language model.
    llm.setScript([{ content: '```sql\nselect count(*) as n from items\n```', usage: { prompt_tokens: 321, completion_tokens: 45 } }]);
    const asked = await fixture.server.graphql(ASK, { d: databaseId, q: 'How many items are there?' }, reader.key);
    expect(asked.body.errors).toBeUndefined();

    const last = await scrape(base);
    expect(last.status).toBe(200);
    expect(last.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    afterText = last.text;
    after = parseExposition(afterText);
  });

  afterAll(async () => {
    await llm?.close();
    await target?.drop();
  });

  it('counts GraphQL requests by operation type, root field and outcome, and times them', () => {
    const runQuery = { operation_type: 'mutation', root_field: 'runQuery' };
    expect(delta('warden_graphql_requests_total', { ...runQuery, outcome: 'ok' })).toBe(2);
    expect(delta('warden_graphql_requests_total', { ...runQuery, outcome: 'FORBIDDEN' })).toBe(1);
    expect(delta('warden_graphql_requests_total', { ...runQuery, outcome: 'RATE_LIMITED' })).toBe(1);
    // Refused before its document was read: neither its type nor its field is known.
    expect(delta('warden_graphql_requests_total', { operation_type: 'unknown', root_field: 'unknown', outcome: 'UNAUTHENTICATED' })).toBe(1);
    expect(delta('warden_graphql_request_duration_seconds_count', runQuery)).toBe(4);
    expect(delta('warden_graphql_request_duration_seconds_sum', runQuery)).toBeGreaterThan(0);
    expect(delta('warden_graphql_request_duration_seconds_bucket', { ...runQuery, le: '+Inf' })).toBe(4);
  });

  it('counts the decisions on statements by action, decision, reason and database, and the rate-limit hits by limit', () => {
    const run = { action: 'runQuery', database: databaseId };
    expect(delta('warden_gate_decisions_total', { ...run, decision: 'allowed', reason: 'none' })).toBe(2);
    expect(delta('warden_gate_decisions_total', { ...run, decision: 'denied', reason: 'FORBIDDEN' })).toBe(1);
    // Refused before the database was looked up: no database label.
    expect(delta('warden_gate_decisions_total', { action: 'runQuery', database: '', decision: 'denied', reason: 'RATE_LIMITED' })).toBe(1);
    expect(delta('warden_gate_decisions_total', { action: 'askDatabase', database: databaseId, decision: 'allowed' })).toBe(1);
    expect(delta('warden_rate_limit_hits_total', { limit: 'perMinute' })).toBe(1);
    // The two allowed reads, the question's read of sample values and its answer.
    expect(delta('warden_gate_decisions_total', { action: 'askDatabase.samples', database: databaseId, decision: 'allowed' })).toBe(1);
    expect(delta('warden_database_query_duration_seconds_count', { database: databaseId, kind: 'read' })).toBe(4);
  });

  it('counts language model tokens and calls by provider and model', () => {
    const model = { provider: 'scripted', model: 'fake-sql-1' };
    expect(delta('warden_llm_tokens_total', { ...model, type: 'prompt' })).toBe(321);
    expect(delta('warden_llm_tokens_total', { ...model, type: 'completion' })).toBe(45);
    expect(delta('warden_llm_requests_total', { ...model, outcome: 'ok' })).toBe(1);
    expect(delta('warden_llm_request_duration_seconds_count', model)).toBe(1);
  });

  it('reports the pools, the webhook queue, the audit writer and the process', () => {
    expect(matching(after, 'warden_database_info', { database: databaseId, engine: 'postgres' })).toHaveLength(1);
    const used = total(after, 'warden_database_pool_connections', { database: databaseId, state: 'used' });
    const idle = total(after, 'warden_database_pool_connections', { database: databaseId, state: 'idle' });
    // The reads above opened at least one connection, now back in the pool.
    expect(used).toBe(0);
    expect(idle).toBeGreaterThanOrEqual(1);
    expect(total(after, 'warden_database_pool_max_connections', { database: databaseId })).toBe(10);
    expect(matching(after, 'warden_database_pool_pending_requests', { database: databaseId })).toHaveLength(1);
    expect(total(after, 'warden_store_pool_connections', { state: 'max' })).toBe(20);
    expect(total(after, 'warden_store_pool_connections', { state: 'idle' }) + total(after, 'warden_store_pool_connections', { state: 'used' })).toBeGreaterThanOrEqual(1);
    expect(matching(after, 'warden_webhook_deliveries', { status: 'pending' })).toHaveLength(1);
    expect(matching(after, 'warden_webhook_deliveries', { status: 'dead' })).toHaveLength(1);
    expect(matching(after, 'warden_audit_buffered_events')).toHaveLength(1);
    expect(total(after, 'warden_audit_write_failures_total')).toBe(0);
    expect(delta('warden_audit_events_total', { decision: 'denied' })).toBeGreaterThanOrEqual(2);
    expect(matching(after, 'warden_graphql_subscriptions_active')).toHaveLength(1);
    expect(total(after, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(total(after, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('never shows a key, SQL, a question or what a client named its operation', () => {
    for (const secret of [fixture.server.adminKey, reader.key, limited.key, 'sk-test-never-in-metrics-123456', ...CLIENT_WORDS]) {
      expect(afterText).not.toContain(secret);
    }
    // Agents' keys share a shape; none of any agent's is there.
    expect(afterText).not.toMatch(/wdn_[a-z2-7]{12}_/);
    // Every label value of the request metrics is from a closed set.
    for (const sample of matching(after, 'warden_graphql_requests_total')) {
      expect(['query', 'mutation', 'subscription', 'unknown']).toContain(sample.labels.operation_type);
      expect(sample.labels.outcome).toMatch(/^(ok|[A-Z_]+)$/);
    }
  });

  it('answers a caller on this machine and refuses a request a proxy forwarded', async () => {
    const base = baseOf(fixture.server.url);
    const forwarded: Record<string, string>[] = [{ 'x-forwarded-for': '203.0.113.9' }, { forwarded: 'for=203.0.113.9' }, { 'x-real-ip': '203.0.113.9' }];
    for (const header of forwarded) {
      const res = await scrape(base, header);
      expect(res.status).toBe(403);
      expect((JSON.parse(res.text) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('FORBIDDEN');
    }
  });
});

describe('/metrics with WARDEN_METRICS_KEY', () => {
  const key = 'metrics-key-0123456789abcdef';
  let server: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    server = await startTestServer({ env: { WARDEN_METRICS_KEY: key } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('asks for the key, even on this machine, and takes no other', async () => {
    const base = baseOf(server.url);
    const wrong: Record<string, string>[] = [{}, { authorization: `Bearer ${key}x` }, { authorization: `Bearer ${server.adminKey}` }, { authorization: key }, { 'x-api-key': key }];
    for (const headers of wrong) {
      const res = await scrape(base, headers);
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(JSON.parse(res.text)).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
      expect(res.text).not.toContain('warden_');
    }
    const ok = await scrape(base, { authorization: `Bearer ${key}` });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('# TYPE warden_graphql_requests_total counter');
    expect(ok.text).not.toContain(key);
  });

  it('answers with the key from any address (here through a proxy)', async () => {
    const res = await scrape(baseOf(server.url), { authorization: `Bearer ${key}`, 'x-forwarded-for': '203.0.113.9' });
    expect(res.status).toBe(200);
  });
});

/** An address of this machine that is not loopback, when it has one. */
const outside = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && !i.internal && i.family === 'IPv4')?.address;

describe('/metrics without a key', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    server = await startTestServer({ env: { HOST: '0.0.0.0' } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it.skipIf(!outside)('refuses a caller from another address with 403', async () => {
    const res = await scrape(`http://${outside}:${server.warden.port}`);
    expect(res.status).toBe(403);
    expect(res.text).toContain('WARDEN_METRICS_KEY');
    expect(res.text).not.toContain('warden_');
    expect((await scrape(`http://127.0.0.1:${server.warden.port}`)).status).toBe(200);
  });
});

describe('WARDEN_METRICS=false', () => {
  it('serves no /metrics, and GraphQL as before', async () => {
    const server = await startTestServer({ env: { WARDEN_METRICS: 'false' } });
    try {
      const res = await scrape(baseOf(server.url));
      expect(res.status).toBe(404);
      expect((await server.graphql('{ me { id } }', undefined, server.adminKey)).body.errors).toBeUndefined();
    } finally {
      await server.stop();
    }
  });
});
