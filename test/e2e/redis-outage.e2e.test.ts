import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICES, serviceAvailable } from '../helpers/services.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { createTempPostgres, type TempPostgres } from '../helpers/temp-postgres.js';
import { errorCode, startTestServer, type TestServer } from '../helpers/test-server.js';

const ready = (await serviceAvailable('postgres')) && (await serviceAvailable('redis'));

const RUN = 'mutation($d: ID!) { runQuery(databaseId: $d, sql: "select count(*) as n from items") { rowCount rows } }';
const LIST = '{ securityNotifications(first: 50) { edges { node { kind severity message } } } }';
type Listed = { securityNotifications: { edges: { node: { kind: string; severity: string; message: string } }[] } };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined>, withinMs = 15_000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe.skipIf(!ready)('a rate-limited agent while Redis is away', () => {
  let proxy: TcpProxy;
  let store: TempPostgres;
  let target: TempPostgres;
  let server: TestServer;
  let databaseId: string;
  let agent: { id: string; key: string };
  const prefix = `warden-test-${randomBytes(4).toString('hex')}:`;
  const redis = new Redis(SERVICES.redis.url, { lazyConnect: true });

  const admin = <T>(query: string, variables?: Record<string, unknown>) => server.graphql<T>(query, variables, server.adminKey);
  const counted = () => redis.get(`${prefix}rate:minute:${agent.id}`);
  const health = async () => (await (await fetch(server.url.replace(/\/graphql$/, '/healthz'))).json()) as { status: string; redis?: { ok: boolean } };
  const kinds = async () => (await admin<Listed>(LIST)).body.data!.securityNotifications.edges.map((e) => e.node);
  /** runQuery, and how long it took. */
  const timedRun = async () => {
    const started = performance.now();
    const response = await server.graphql<{ runQuery: { rowCount: number; rows: { n: string }[] } }>(RUN, { d: databaseId }, agent.key);
    return { response, ms: performance.now() - started };
  };

  beforeAll(async () => {
    await redis.connect();
    proxy = await startTcpProxy(SERVICES.redis.port);
    [store, target] = await Promise.all([createTempPostgres(), createTempPostgres('warden_redis_outage')]);
    const client = new pg.Client({ connectionString: SERVICES.postgres.url.replace(/\/postgres$/, `/${target.name}`) });
    await client.connect();
    await client.query('create table items (id int primary key); insert into items select generate_series(1, 5)');
    await client.end();
    server = await startTestServer({
      store: { kind: 'postgres', url: store.url },
      env: { WARDEN_REDIS_URL: `redis://127.0.0.1:${proxy.port}`, WARDEN_REDIS_PREFIX: prefix, WARDEN_REDIS_TIMEOUT_MS: '300' },
    });
    const connected = await admin<{ connectDatabase: { id: string } }>(
      'mutation($db: String!) { connectDatabase(input: { name: "stock", engine: "postgres", host: "127.0.0.1", port: 5432, database: $db, user: "postgres" }) { id } }',
      { db: target.name },
    );
    databaseId = connected.body.data!.connectDatabase.id;
    const reg = await admin<{ registerAgent: { key: string; agent: { id: string } } }>('mutation { registerAgent(input: { name: "limited" }) { key agent { id } } }');
    agent = { id: reg.body.data!.registerAgent.agent.id, key: reg.body.data!.registerAgent.key };
    const granted = await admin('mutation($i: GrantInput!) { grant(input: $i) { id } }', { i: { agentId: agent.id, databaseId, scope: 'TABLE', table: 'items', actions: ['READ'] } });
    expect(granted.body.errors).toBeUndefined();
    const limited = await admin('mutation($a: ID!) { setRateLimit(agentId: $a, input: { perMinute: 3, maxConcurrent: 2 }) { agentId } }', { a: agent.id });
    expect(limited.body.errors).toBeUndefined();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await proxy?.kill();
    await Promise.all([store?.drop(), target?.drop()]);
    if (agent) await redis.del(`${prefix}rate:minute:${agent.id}`);
    redis.disconnect();
  });

  it('answers from in-process limits within a short timeout, raises REDIS_UNAVAILABLE once, and shares the limits again when Redis returns', async () => {
    const before = await timedRun();
    expect(before.response.body.errors).toBeUndefined();
    expect(await counted()).toBe('1');
    expect((await health()).redis).toEqual({ ok: true });

    await proxy.kill();
    // Three queries a minute, counted by this replica alone while Redis is away: three answered, the fourth refused.
    for (let i = 0; i < 3; i++) {
      const { response, ms } = await timedRun();
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data!.runQuery.rows).toEqual([{ n: '5' }]);
      expect(ms).toBeLessThan(2_000);
    }
    const refused = await timedRun();
    expect(errorCode(refused.response)).toBe('RATE_LIMITED');
    expect(refused.ms).toBeLessThan(2_000);
    // The shared count did not move.
    expect(await counted()).toBe('1');

    const raised = await until('a REDIS_UNAVAILABLE notification', async () => (await kinds()).find((n) => n.kind === 'REDIS_UNAVAILABLE'));
    expect(raised.severity).toBe('HIGH');
    expect(raised.message).not.toContain(String(proxy.port));
    expect(await health()).toMatchObject({ status: 'degraded', redis: { ok: false } });
    // Raised once for the outage, however many requests noticed it.
    expect((await kinds()).filter((n) => n.kind === 'REDIS_UNAVAILABLE')).toHaveLength(1);

    proxy = await startTcpProxy(SERVICES.redis.port, '127.0.0.1', proxy.port);
    await until('Redis to be seen again', async () => ((await health()).redis?.ok ? true : undefined));
    expect((await health()).status).toBe('ok');
    await until('a REDIS_RECOVERED notification', async () => (await kinds()).find((n) => n.kind === 'REDIS_RECOVERED'));

    // Counted in Redis again, where every replica sees it: 1 before the outage, now 2, 3, then refused.
    for (const expected of ['2', '3']) {
      const { response } = await timedRun();
      expect(response.body.errors).toBeUndefined();
      expect(await counted()).toBe(expected);
    }
    expect(errorCode((await timedRun()).response)).toBe('RATE_LIMITED');
  }, 90_000);
});
