import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICES, serviceAvailable } from '../helpers/services.js';
import { useServerWithPostgresStore } from '../helpers/server-fixture.js';
import { createTempPostgres, type TempPostgres } from '../helpers/temp-postgres.js';
import { connectPostgres, errorCode } from '../helpers/test-server.js';

const [pgUp, redisUp] = [await serviceAvailable('postgres'), await serviceAvailable('redis')];

const RUN = 'mutation($d: ID!, $sql: String!) { runQuery(databaseId: $d, sql: $sql) { rowCount rows } }';
const SET = 'mutation($a: ID!, $i: RateLimitInput!) { setRateLimit(agentId: $a, input: $i) { agentId perMinute perHour perDay maxConcurrent updatedBy updatedAt } }';
/** A read the gate allows that keeps PostgreSQL busy for a few seconds. */
const SLOW = 'select count(*) as n from generate_series(1, 10000000) as g';

interface RateLimitView {
  agentId: string;
  perMinute: number | null;
  perHour: number | null;
  perDay: number | null;
  maxConcurrent: number | null;
  updatedBy: string | null;
}

// The same behaviour with counters in the gateway's memory and, scaled out, in Redis.
const modes: { name: string; available: boolean; redis: boolean; env: Record<string, string> }[] = [
  { name: 'in memory', available: pgUp, redis: false, env: {} },
  { name: 'in Redis', available: pgUp && redisUp, redis: true, env: { WARDEN_REDIS_URL: SERVICES.redis.url } },
];

for (const mode of modes) describe.skipIf(!mode.available)(`per-agent rate limits through the gateway, counted ${mode.name}`, () => {
  const fixture = useServerWithPostgresStore({ env: mode.env });
  let target: TempPostgres;
  let databaseId: string;
  let adminId: string;

  const admin = <T>(query: string, variables?: Record<string, unknown>) => fixture.server.graphql<T>(query, variables, fixture.server.adminKey);
  const setLimit = (agentId: string, input: Record<string, unknown>, key = fixture.server.adminKey) =>
    fixture.server.graphql<{ setRateLimit: RateLimitView }>(SET, { a: agentId, i: input }, key);
  const run = (key: string, sql = 'select count(*) as n from items') => fixture.server.graphql<{ runQuery: { rowCount: number; rows: Record<string, unknown>[] } }>(RUN, { d: databaseId, sql }, key);

  /** A new agent with READ on `items`. */
  async function agentWithGrant(name: string): Promise<{ id: string; key: string }> {
    const reg = await admin<{ registerAgent: { key: string; agent: { id: string } } }>(
      'mutation($n: String!) { registerAgent(input: { name: $n }) { key agent { id } } }',
      { n: name },
    );
    const agent = { id: reg.body.data!.registerAgent.agent.id, key: reg.body.data!.registerAgent.key };
    const granted = await admin('mutation($i: GrantInput!) { grant(input: $i) { id } }', {
      i: { agentId: agent.id, databaseId, scope: 'TABLE', table: 'items', actions: ['READ'] },
    });
    expect(granted.body.errors).toBeUndefined();
    return agent;
  }

  /** Whether PostgreSQL is running a statement containing `text` on the target database now. */
  async function running(text: string): Promise<boolean> {
    const client = new pg.Client({ connectionString: SERVICES.postgres.url });
    await client.connect();
    try {
      const found = await client.query(
        "select 1 from pg_stat_activity where datname = $1 and state = 'active' and position($2 in query) > 0 and pid <> pg_backend_pid()",
        [target.name, text],
      );
      return (found.rowCount ?? 0) > 0;
    } finally {
      await client.end();
    }
  }

  async function untilRunning(text: string): Promise<void> {
    for (let attempt = 0; attempt < 200; attempt++) {
      if (await running(text)) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`no statement with "${text}" started on ${target.name}`);
  }

  beforeAll(async () => {
    target = await createTempPostgres('warden_limits');
    await target.seed('create table items (id int primary key, name text); insert into items select g, $$item $$ || g from generate_series(1, 20) g');
    databaseId = await connectPostgres(fixture.server.graphql, fixture.server.adminKey, target.name);
    const me = await admin<{ me: { id: string } }>('{ me { id } }');
    adminId = me.body.data!.me.id;
  });
  afterAll(async () => {
    await target?.drop();
  });

  it('refuses the fourth query in a minute with RATE_LIMITED and retryAfterSeconds, and audits it as DENIED', async () => {
    const agent = await agentWithGrant('limited');
    const set = await setLimit(agent.id, { perMinute: 3 });
    expect(set.body.errors).toBeUndefined();
    expect(set.body.data!.setRateLimit).toMatchObject({ agentId: agent.id, perMinute: 3, perHour: null, perDay: null, maxConcurrent: null, updatedBy: adminId });

    for (let i = 0; i < 3; i++) {
      const ok = await run(agent.key);
      expect(ok.body.errors).toBeUndefined();
      expect(ok.body.data!.runQuery.rowCount).toBe(1);
    }
    const refused = await run(agent.key);
    expect(errorCode(refused)).toBe('RATE_LIMITED');
    const retry = refused.body.errors![0]!.extensions.retryAfterSeconds as number;
    expect(Number.isInteger(retry) && retry >= 1 && retry <= 60).toBe(true);
    expect(refused.body.errors![0]!.message).toBe(`This agent may run 3 queries a minute; try again in ${retry} s.`);
    if (mode.redis) {
      // Counted where every replica sees it.
      const redis = new Redis(SERVICES.redis.url);
      try {
        expect(await redis.get(`warden:rate:minute:${agent.id}`)).toBe('3');
      } finally {
        redis.disconnect();
      }
    }
    // The typed rows query and explainQuery count against the same limits.
    const rows = await fixture.server.graphql('query($d: ID!) { rows(databaseId: $d, table: "items") { rowCount } }', { d: databaseId }, agent.key);
    expect(errorCode(rows)).toBe('RATE_LIMITED');
    const explain = await fixture.server.graphql('mutation($d: ID!) { explainQuery(databaseId: $d, sql: "select * from items") { statementType } }', { d: databaseId }, agent.key);
    expect(errorCode(explain)).toBe('RATE_LIMITED');

    // The agent sees its own limits; admins see anyone's.
    const mine = await fixture.server.graphql<{ me: { rateLimit: RateLimitView } }>('{ me { rateLimit { perMinute maxConcurrent } } }', undefined, agent.key);
    expect(mine.body.data!.me.rateLimit).toEqual({ perMinute: 3, maxConcurrent: null });
    const theirs = await admin<{ agent: { rateLimit: RateLimitView } }>('query($a: ID!) { agent(id: $a) { rateLimit { agentId perMinute } } }', { a: agent.id });
    expect(theirs.body.data!.agent.rateLimit).toEqual({ agentId: agent.id, perMinute: 3 });

    type Events = { auditEvents: { edges: { node: { action: string; decision: string; reasons: { code: string; message: string }[] | null } }[] } };
    let denied: Events['auditEvents']['edges'][number]['node'][] = [];
    for (let attempt = 0; attempt < 40 && denied.length < 3; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const events = await admin<Events>('query($a: ID) { auditEvents(first: 50, filter: { principalId: $a, decision: "DENIED" }) { edges { node { action decision reasons } } } }', {
        a: agent.id,
      });
      denied = events.body.data!.auditEvents.edges.map((e) => e.node).filter((n) => n.reasons?.[0]?.code === 'RATE_LIMITED');
    }
    expect(denied.map((n) => n.action).sort()).toEqual(['explainQuery', 'rows', 'runQuery']);
    expect(denied[0]!.reasons![0]!.message).toMatch(/^This agent may run 3 queries a minute/);
  });

  it('applies a raised or removed limit at once', async () => {
    const agent = await agentWithGrant('raised');
    await setLimit(agent.id, { perMinute: 2 });
    await run(agent.key);
    await run(agent.key);
    expect(errorCode(await run(agent.key))).toBe('RATE_LIMITED');

    // Raised to 4 after 2 queries (refusals do not count): 2 more now.
    expect((await setLimit(agent.id, { perMinute: 4 })).body.errors).toBeUndefined();
    expect((await run(agent.key)).body.errors).toBeUndefined();
    expect((await run(agent.key)).body.errors).toBeUndefined();
    expect(errorCode(await run(agent.key))).toBe('RATE_LIMITED');

    const removed = await setLimit(agent.id, { perMinute: null });
    expect(removed.body.data!.setRateLimit).toMatchObject({ agentId: agent.id, perMinute: null, perHour: null, perDay: null, maxConcurrent: null });
    for (let i = 0; i < 5; i++) expect((await run(agent.key)).body.errors).toBeUndefined();
    const none = await admin<{ agent: { rateLimit: RateLimitView | null } }>('query($a: ID!) { agent(id: $a) { rateLimit { perMinute } } }', { a: agent.id });
    expect(none.body.data!.agent.rateLimit).toBeNull();
  });

  it('lets only admins set limits, and checks what they set', async () => {
    const agent = await agentWithGrant('self-limiting');
    const own = await setLimit(agent.id, { perMinute: 1_000 }, agent.key);
    expect(errorCode(own)).toBe('FORBIDDEN');
    expect(own.body.data?.setRateLimit ?? null).toBeNull();

    for (const input of [{ perMinute: 0 }, { perHour: 1_000_001 }, { maxConcurrent: -3 }]) {
      const bad = await setLimit(agent.id, input);
      expect([JSON.stringify(input), errorCode(bad)]).toEqual([JSON.stringify(input), 'BAD_USER_INPUT']);
      expect(bad.body.errors![0]!.extensions.field).toBe(Object.keys(input)[0]);
    }
    expect(errorCode(await setLimit('agt_doesnotexist', { perMinute: 5 }))).toBe('NOT_FOUND');
    const revoked = await agentWithGrant('gone');
    await admin('mutation($a: ID!) { revokeAgent(id: $a) { id } }', { a: revoked.id });
    expect(errorCode(await setLimit(revoked.id, { perMinute: 5 }))).toBe('NOT_FOUND');
    // Nothing was set on the way.
    const still = await admin<{ agent: { rateLimit: RateLimitView | null } }>('query($a: ID!) { agent(id: $a) { rateLimit { perMinute } } }', { a: agent.id });
    expect(still.body.data!.agent.rateLimit).toBeNull();
  });

  it('refuses a second query while the one a maxConcurrent of 1 allows is still running', async () => {
    const agent = await agentWithGrant('one-at-a-time');
    await setLimit(agent.id, { maxConcurrent: 1 });
    const slow = run(agent.key, SLOW);
    await untilRunning('generate_series');
    const second = await run(agent.key);
    const stillRunning = await running('generate_series');
    const slowDone = await slow;
    expect(errorCode(second)).toBe('RATE_LIMITED');
    expect(second.body.errors![0]!.extensions.retryAfterSeconds).toBe(1);
    expect(second.body.errors![0]!.message).toBe('This agent may run 1 query at a time; try again in 1 s.');
    expect(slowDone.body.errors).toBeUndefined();
    expect(Number(slowDone.body.data!.runQuery.rows[0]!.n)).toBe(10_000_000);
    expect(stillRunning).toBe(true);
    // Finished, the slot is free again.
    expect((await run(agent.key)).body.errors).toBeUndefined();
  });
});
