import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnGateway, type SpawnedGateway } from '../helpers/spawn-gateway.js';
import { postGraphQL } from '../helpers/test-server.js';

/** A span as OTLP/HTTP JSON carries it. */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: { stringValue?: string; intValue?: string | number; boolValue?: boolean } }[];
  status?: { code?: number };
}
interface OtlpExport {
  resourceSpans: { resource: { attributes: OtlpSpan['attributes'] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
}

const SERVER = 2;
const CLIENT = 3;
const SQL = 'select name, price from products where price > 10';

/** A trace collector: takes OTLP/HTTP JSON at /v1/traces and keeps what it was sent, raw and parsed. */
async function startCollector(): Promise<{ server: Server; url: string; bodies: string[]; spans: () => OtlpSpan[]; resources: () => OtlpExport['resourceSpans'][number]['resource'][] }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces' && req.headers['content-type']?.startsWith('application/json')) {
        bodies.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const parsed = () => bodies.map((b) => JSON.parse(b) as OtlpExport);
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    spans: () => parsed().flatMap((e) => e.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans))),
    resources: () => parsed().flatMap((e) => e.resourceSpans.map((r) => r.resource)),
  };
}

function attribute(span: { attributes?: OtlpSpan['attributes'] } | undefined, key: string): string | number | boolean | undefined {
  const value = span?.attributes?.find((a) => a.key === key)?.value;
  return value?.stringValue ?? (value?.intValue !== undefined ? Number(value.intValue) : value?.boolValue);
}

async function until<T>(find: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('not found in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('OpenTelemetry traces (WARDEN_OTEL_ENDPOINT)', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let gateway: SpawnedGateway;
  let dataDir: string;
  const adminKey = `admin-${randomBytes(16).toString('hex')}`;
  let url: string;
  let databaseId: string;
  let agent: { id: string; key: string };

  beforeAll(async () => {
    collector = await startCollector();
    dataDir = await mkdtemp(join(tmpdir(), 'warden-traces-'));
    gateway = await spawnGateway({
      WARDEN_DATA_DIR: dataDir,
      WARDEN_ADMIN_KEY: adminKey,
      WARDEN_OTEL_ENDPOINT: collector.url,
      WARDEN_OTEL_SERVICE_NAME: 'warden-under-test',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    url = `${gateway.baseUrl}/graphql`;
    const dbs = await postGraphQL<{ databases: { edges: { node: { id: string; name: string } }[] } }>(url, '{ databases { edges { node { id name } } } }', {}, adminKey);
    databaseId = dbs.body.data!.databases.edges.find((e) => e.node.name === 'shop')!.node.id;
    const reg = await postGraphQL<{ registerAgent: { key: string; agent: { id: string } } }>(url, 'mutation { registerAgent(input: { name: "traced" }) { key agent { id } } }', {}, adminKey);
    agent = { id: reg.body.data!.registerAgent.agent.id, key: reg.body.data!.registerAgent.key };
    const granted = await postGraphQL(url, 'mutation($i: GrantInput!) { grant(input: $i) { id } }', { i: { agentId: agent.id, databaseId, scope: 'TABLE', table: 'products', actions: ['READ'] } }, adminKey);
    expect(granted.body.errors).toBeUndefined();
  }, 90_000);

  afterAll(async () => {
    await gateway?.stop();
    collector?.server.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('sends a span per operation, continuing the caller’s trace, with children for the gate and the database', async () => {
    const traceId = randomBytes(16).toString('hex');
    const parentId = randomBytes(8).toString('hex');
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${agent.key}`, traceparent: `00-${traceId}-${parentId}-01` },
      body: JSON.stringify({ query: 'mutation($d: ID!, $sql: String!) { runQuery(databaseId: $d, sql: $sql) { rowCount } }', variables: { d: databaseId, sql: SQL } }),
    });
    expect(((await res.json()) as { errors?: unknown }).errors).toBeUndefined();

    const operation = await until(() => collector.spans().find((s) => s.traceId === traceId && s.name === 'mutation runQuery'));
    expect(operation.kind).toBe(SERVER);
    expect(operation.parentSpanId).toBe(parentId);
    expect(attribute(operation, 'graphql.operation.type')).toBe('mutation');
    expect(attribute(operation, 'warden.graphql.root_field')).toBe('runQuery');
    expect(attribute(operation, 'warden.agent.id')).toBe(agent.id);
    expect(attribute(operation, 'warden.outcome')).toBe('ok');

    const children = await until(() => {
      const spans = collector.spans().filter((s) => s.traceId === traceId && s.parentSpanId === operation.spanId);
      return spans.some((s) => s.kind === CLIENT) ? spans : undefined;
    });
    const database = children.find((s) => s.kind === CLIENT)!;
    expect(database.name).toBe(`SELECT ${databaseId}`);
    expect(attribute(database, 'db.system.name')).toBe('postgresql');
    expect(attribute(database, 'warden.database.id')).toBe(databaseId);
    expect(attribute(database, 'db.operation.name')).toBe('SELECT');
    expect(children.map((s) => s.name)).toEqual(expect.arrayContaining(['warden.sql.analyse', 'warden.sql.authorize']));

    expect(collector.resources().some((r) => attribute(r, 'service.name') === 'warden-under-test')).toBe(true);
  });

  it('marks a refused operation with its code', async () => {
    const traceId = randomBytes(16).toString('hex');
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${agent.key}`, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
      body: JSON.stringify({ query: 'mutation($d: ID!) { runQuery(databaseId: $d, sql: "select email from customers") { rowCount } }', variables: { d: databaseId } }),
    });
    const body = (await res.json()) as { errors?: { extensions: { code: string } }[] };
    expect(body.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    const operation = await until(() => collector.spans().find((s) => s.traceId === traceId && s.name === 'mutation runQuery'));
    expect(attribute(operation, 'error.type')).toBe('FORBIDDEN');
    expect(attribute(operation, 'warden.outcome')).toBe('FORBIDDEN');
    const authorize = await until(() => collector.spans().find((s) => s.traceId === traceId && s.name === 'warden.sql.authorize'));
    expect(attribute(authorize, 'error.type')).toBe('FORBIDDEN');
    // Refused before the database: no database span.
    expect(collector.spans().filter((s) => s.traceId === traceId && s.kind === CLIENT)).toEqual([]);
  });

  it('never sends SQL, keys or parameters', async () => {
    await until(() => (collector.bodies.length > 0 ? true : undefined));
    const sent = collector.bodies.join('\n');
    for (const secret of [SQL, 'price > 10', 'select email', agent.key, adminKey]) expect(sent).not.toContain(secret);
    expect(sent).not.toMatch(/wdn_[a-z2-7]{12}_/);
  });
});
