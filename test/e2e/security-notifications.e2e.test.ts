import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICES, serviceAvailable } from '../helpers/services.js';
import { createTempPostgres } from '../helpers/temp-postgres.js';
import { errorCode, postGraphQL, startTestServer, type TestServer } from '../helpers/test-server.js';
import { subscribe } from '../helpers/ws-client.js';

const pgUp = await serviceAvailable('postgres');

const LIVE = 'subscription($s: NotificationSeverity) { securityNotifications(minSeverity: $s) { id kind severity agentId message details } }';
type Live = { securityNotifications: { id: string; kind: string; severity: string; agentId: string | null; message: string; details: Record<string, unknown> } };
type Listed = { securityNotifications: { totalCount: number; edges: { node: { id: string; kind: string; severity: string; agentId: string | null; read: boolean } }[] } };
const LIST = 'query($s: NotificationSeverity, $u: Boolean) { securityNotifications(minSeverity: $s, unread: $u, first: 50) { totalCount edges { node { id kind severity agentId read } } } }';

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

/** A new agent, registered by the admin. */
async function register(server: TestServer, name: string): Promise<{ id: string; key: string }> {
  const res = await server.graphql<{ registerAgent: { key: string; agent: { id: string } } }>('mutation($n: String!) { registerAgent(input: { name: $n }) { key agent { id } } }', { n: name }, server.adminKey);
  return { id: res.body.data!.registerAgent.agent.id, key: res.body.data!.registerAgent.key };
}

/** A fresh PostgreSQL database with a five-row `items` table, connected to the gateway as `name`, dropped after `use`. */
async function withItemsDatabase(server: TestServer, name: string, use: (databaseId: string) => Promise<void>): Promise<void> {
  const target = await createTempPostgres(`warden_notify_${name.replace(/\W/g, '_')}`);
  try {
    const client = new pg.Client({ connectionString: SERVICES.postgres.url.replace(/\/postgres$/, `/${target.name}`) });
    await client.connect();
    await client.query('create table items (id int primary key); insert into items select generate_series(1, 5)');
    await client.end();
    const connected = await server.graphql<{ connectDatabase: { id: string } }>(
      'mutation($n: String!, $db: String!) { connectDatabase(input: { name: $n, engine: "postgres", host: "127.0.0.1", port: 5432, database: $db, user: "postgres" }) { id } }',
      { n: name, db: target.name },
      server.adminKey,
    );
    expect(connected.body.errors).toBeUndefined();
    await use(connected.body.data!.connectDatabase.id);
  } finally {
    await target.drop();
  }
}

describe('security notifications', () => {
  let server: TestServer;
  const admin = <T>(query: string, variables?: Record<string, unknown>) => server.graphql<T>(query, variables, server.adminKey);

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('raises one HIGH notification when a key is guessed at five times, live and in the list, and it can be marked read', async () => {
    const live = subscribe<Live>(server.url, LIVE, { connectionParams: bearer(server.adminKey), variables: { s: 'HIGH' } });
    await live.connected;
    await settle();
    const guessed = 'wdn_guessedkey23_';
    for (let i = 0; i < 7; i++) {
      const res = await postGraphQL(server.url, '{ me { id } }', {}, guessed + String(i).repeat(43));
      expect(errorCode(res)).toBe('UNAUTHENTICATED');
    }
    const [raised] = await live.waitFor(1);
    expect(raised!.securityNotifications).toMatchObject({ kind: 'AUTH_FAILURES_KEY', severity: 'HIGH', agentId: null });
    expect(raised!.securityNotifications.details.keyId).toBe('key_guessedkey23');
    await settle();
    // Seven failures, one notification: the rule does not repeat itself within its cooldown.
    expect(live.received.filter((n) => n.securityNotifications.kind === 'AUTH_FAILURES_KEY')).toHaveLength(1);
    expect(JSON.stringify(live.received)).not.toContain('0'.repeat(43));

    const unread = await admin<Listed>(LIST, { s: 'HIGH', u: true });
    const listed = unread.body.data!.securityNotifications.edges.map((e) => e.node);
    expect(listed.map((n) => n.id)).toContain(raised!.securityNotifications.id);

    const marked = await admin<{ markNotificationRead: { read: boolean; readAt: string } }>('mutation($id: ID!) { markNotificationRead(id: $id) { read readAt } }', {
      id: raised!.securityNotifications.id,
    });
    expect(marked.body.data!.markNotificationRead.read).toBe(true);
    const after = await admin<Listed>(LIST, { s: 'HIGH', u: true });
    expect(after.body.data!.securityNotifications.edges.map((e) => e.node.id)).not.toContain(raised!.securityNotifications.id);
    await live.dispose();
  });

  it('raises a denial burst about the agent, which the agent sees and other agents do not', async () => {
    const prober = await register(server, 'prober');
    const bystander = await register(server, 'bystander');
    const proberLive = subscribe<Live>(server.url, LIVE, { connectionParams: bearer(prober.key) });
    const bystanderLive = subscribe<Live>(server.url, LIVE, { connectionParams: bearer(bystander.key) });
    await Promise.all([proberLive.connected, bystanderLive.connected]);
    await settle();
    for (let i = 0; i < 10; i++) {
      // Admin-only mutations: each is FORBIDDEN and audited as a denial.
      const res = await server.graphql('mutation($n: String!) { registerAgent(input: { name: $n }) { key } }', { n: `sneaky-${i}` }, prober.key);
      expect(errorCode(res)).toBe('FORBIDDEN');
    }
    const [burst] = await proberLive.waitFor(1);
    expect(burst!.securityNotifications).toMatchObject({ kind: 'DENIAL_BURST', severity: 'MEDIUM', agentId: prober.id });
    await settle();
    expect(bystanderLive.received).toEqual([]);

    const own = await server.graphql<Listed>(LIST, {}, prober.key);
    expect(own.body.data!.securityNotifications.edges.map((e) => e.node.kind)).toEqual(['DENIAL_BURST']);
    const others = await server.graphql<Listed>(LIST, {}, bystander.key);
    expect(others.body.data!.securityNotifications.totalCount).toBe(0);
    const markByAgent = await server.graphql('mutation($id: ID!) { markNotificationRead(id: $id) { read } }', { id: burst!.securityNotifications.id }, prober.key);
    expect(errorCode(markByAgent)).toBe('FORBIDDEN');
    await Promise.all([proberLive.dispose(), bystanderLive.dispose()]);
  });

  it('raises AGENT_REVOKED when an agent is revoked, filtered out below the subscribed severity', async () => {
    const quiet = subscribe<Live>(server.url, LIVE, { connectionParams: bearer(server.adminKey), variables: { s: 'CRITICAL' } });
    const all = subscribe<Live>(server.url, LIVE, { connectionParams: bearer(server.adminKey) });
    await Promise.all([quiet.connected, all.connected]);
    await settle();
    const leaver = await register(server, 'leaver');
    await admin('mutation($id: ID!) { revokeAgent(id: $id) { id } }', { id: leaver.id });
    const seen = await all.waitFor(1);
    expect(seen.map((n) => n.securityNotifications)).toContainEqual(expect.objectContaining({ kind: 'AGENT_REVOKED', agentId: leaver.id, severity: 'MEDIUM' }));
    await settle();
    expect(quiet.received).toEqual([]);
    await Promise.all([quiet.dispose(), all.dispose()]);
  });

  it('raises one HIGH notification naming the address when many different made-up keys come from it, while no single key is flagged', async () => {
    const live = subscribe<Live>(server.url, LIVE, { connectionParams: bearer(server.adminKey) });
    await live.connected;
    await settle();
    // Ten well-formed keys, each with its own key id, each tried once: only the address repeats.
    const ids = 'abcdefghij'.split('');
    for (const c of ids) {
      const res = await postGraphQL(server.url, '{ me { id } }', {}, `wdn_sprayedkey${c}${c}_${'s'.repeat(42)}${c}`);
      expect(errorCode(res)).toBe('UNAUTHENTICATED');
    }
    const [raised] = await live.waitFor(1);
    const notification = raised!.securityNotifications;
    expect(notification).toMatchObject({ kind: 'AUTH_FAILURES_ADDRESS', severity: 'HIGH', agentId: null });
    // The server listens on loopback, so every refusal came from there.
    expect(notification.details.remoteAddress).toBe(new URL(server.url).hostname);
    expect(notification.details.failures).toBeGreaterThanOrEqual(10);
    expect(notification.message).toContain(new URL(server.url).hostname);
    await settle();
    // One notification for the address, none for any of the keys, and no secret in what was sent.
    expect(live.received.map((n) => n.securityNotifications.kind)).toEqual(['AUTH_FAILURES_ADDRESS']);
    expect(JSON.stringify(live.received)).not.toContain('s'.repeat(42));

    const listed = await admin<Listed>(LIST, { s: 'HIGH' });
    const nodes = listed.body.data!.securityNotifications.edges.map((e) => e.node);
    expect(nodes.filter((n) => n.kind === 'AUTH_FAILURES_ADDRESS')).toEqual([expect.objectContaining({ id: notification.id, severity: 'HIGH', read: false })]);
    await live.dispose();
  });

  it.skipIf(!pgUp)('raises a rate-limit hit about the agent once, which the agent sees and other agents do not', async () => {
    await withItemsDatabase(server, 'limited-stock', async (databaseId) => {
      const hasty = await register(server, 'hasty');
      const bystander = await register(server, 'patient');
      const granted = await admin('mutation($i: GrantInput!) { grant(input: $i) { id } }', {
        i: { agentId: hasty.id, databaseId, scope: 'TABLE', table: 'items', actions: ['READ'] },
      });
      expect(granted.body.errors).toBeUndefined();
      const set = await admin('mutation($a: ID!, $i: RateLimitInput!) { setRateLimit(agentId: $a, input: $i) { perMinute } }', { a: hasty.id, i: { perMinute: 2 } });
      expect(set.body.errors).toBeUndefined();

      const hastyLive = subscribe<Live>(server.url, LIVE, { connectionParams: bearer(hasty.key) });
      const bystanderLive = subscribe<Live>(server.url, LIVE, { connectionParams: bearer(bystander.key) });
      await Promise.all([hastyLive.connected, bystanderLive.connected]);
      await settle();
      const run = () => server.graphql('mutation($d: ID!) { runQuery(databaseId: $d, sql: "select count(*) as n from items") { rowCount } }', { d: databaseId }, hasty.key);
      for (let i = 0; i < 2; i++) expect((await run()).body.errors).toBeUndefined();
      await settle();
      // Within the limit: nothing to report yet.
      expect(hastyLive.received).toEqual([]);
      for (let i = 0; i < 3; i++) expect(errorCode(await run())).toBe('RATE_LIMITED');

      const [hit] = await hastyLive.waitFor(1);
      expect(hit!.securityNotifications).toMatchObject({ kind: 'RATE_LIMIT_HIT', severity: 'LOW', agentId: hasty.id });
      expect(hit!.securityNotifications.details).toMatchObject({ action: 'runQuery' });
      expect(String(hit!.securityNotifications.details.reason)).toMatch(/^This agent may run 2 queries a minute/);
      await settle();
      // Three refusals, one notification; nothing for the other agent.
      expect(hastyLive.received).toHaveLength(1);
      expect(bystanderLive.received).toEqual([]);

      const own = await server.graphql<Listed>(LIST, {}, hasty.key);
      expect(own.body.data!.securityNotifications.edges.map((e) => e.node)).toEqual([expect.objectContaining({ id: hit!.securityNotifications.id, kind: 'RATE_LIMIT_HIT' })]);
      const others = await server.graphql<Listed>(LIST, {}, bystander.key);
      expect(others.body.data!.securityNotifications.totalCount).toBe(0);
      const all = await admin<Listed>(LIST, {});
      expect(all.body.data!.securityNotifications.edges.map((e) => e.node.id)).toContain(hit!.securityNotifications.id);
      await Promise.all([hastyLive.dispose(), bystanderLive.dispose()]);
    });
  });

  it('refuses an unknown notification id with NOT_FOUND', async () => {
    const res = await admin('mutation { markNotificationRead(id: "ntf_nope") { read } }');
    expect(errorCode(res)).toBe('NOT_FOUND');
  });
});

describe('security notifications with pseudonymised audit principals', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ env: { WARDEN_AUDIT_PSEUDONYMISE: 'true' } });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('names the agent by its pseudonym, and the agent still sees what concerns it, live and listed', async () => {
    const reg = await server.graphql<{ registerAgent: { key: string; agent: { id: string; auditRef: string } } }>(
      'mutation { registerAgent(input: { name: "masked-prober" }) { key agent { id auditRef } } }',
      {},
      server.adminKey,
    );
    const { key, agent } = reg.body.data!.registerAgent;
    expect(agent.auditRef).toMatch(/^psn_/);
    const live = subscribe<Live>(server.url, LIVE, { connectionParams: bearer(key) });
    await live.connected;
    await settle();
    for (let i = 0; i < 10; i++) await server.graphql('mutation { revokeAgent(id: "agt_x") { id } }', {}, key);
    const [burst] = await live.waitFor(1);
    expect(burst!.securityNotifications).toMatchObject({ kind: 'DENIAL_BURST', agentId: agent.auditRef });
    expect(JSON.stringify(burst)).not.toContain(agent.id);
    const own = await server.graphql<Listed>(LIST, {}, key);
    expect(own.body.data!.securityNotifications.edges.map((e) => e.node.agentId)).toEqual([agent.auditRef]);
    await live.dispose();
  });
});

describe('unusual query volume, with the thresholds set by WARDEN_ALERT_*', () => {
  let server: TestServer;
  const admin = <T>(query: string, variables?: Record<string, unknown>) => server.graphql<T>(query, variables, server.adminKey);

  beforeAll(async () => {
    // No warm-up and a low floor, so a new agent's sixth query in a minute is already far above its usual none.
    server = await startTestServer({ env: { WARDEN_ALERT_VOLUME_MINIMUM: '5', WARDEN_ALERT_VOLUME_WARMUP_MINUTES: '0' } });
  });
  afterAll(async () => {
    await server.stop();
  });

  it.skipIf(!pgUp)('raises UNUSUAL_VOLUME once about the agent that ran more queries in a minute than allowed for, and not about one that stayed below', async () => {
    await withItemsDatabase(server, 'busy-stock', async (databaseId) => {
      const agents = { busy: await register(server, 'busy'), steady: await register(server, 'steady') };
      for (const agent of Object.values(agents)) {
        const granted = await admin('mutation($i: GrantInput!) { grant(input: $i) { id } }', { i: { agentId: agent.id, databaseId, scope: 'TABLE', table: 'items', actions: ['READ'] } });
        expect(granted.body.errors).toBeUndefined();
      }
      const adminLive = subscribe<Live>(server.url, LIVE, { connectionParams: bearer(server.adminKey) });
      const steadyLive = subscribe<Live>(server.url, LIVE, { connectionParams: bearer(agents.steady.key) });
      await Promise.all([adminLive.connected, steadyLive.connected]);
      await settle();
      // The rule counts per clock minute: start early in one, so the queries below all fall in it.
      const intoMinute = Date.now() % 60_000;
      if (intoMinute > 40_000) await new Promise((resolve) => setTimeout(resolve, 60_500 - intoMinute));
      const run = (who: 'busy' | 'steady') =>
        server.graphql('mutation($d: ID!) { runQuery(databaseId: $d, sql: "select id from items where id = 1") { rowCount } }', { d: databaseId }, agents[who].key);
      for (let i = 0; i < 5; i++) {
        expect((await run('busy')).body.errors).toBeUndefined();
        expect((await run('steady')).body.errors).toBeUndefined();
      }
      await settle();
      // Five each: at the threshold, not above it.
      expect(adminLive.received).toEqual([]);
      for (let i = 0; i < 3; i++) expect((await run('busy')).body.errors).toBeUndefined();

      const [raised] = await adminLive.waitFor(1);
      expect(raised!.securityNotifications).toMatchObject({ kind: 'UNUSUAL_VOLUME', severity: 'MEDIUM', agentId: agents.busy.id });
      expect(raised!.securityNotifications.details).toMatchObject({ queriesThisMinute: 6, usualPerMinute: 0, factor: 5 });
      expect(raised!.securityNotifications.message).toContain('ran 6 queries this minute');
      await settle();
      // Eight queries, one notification; the steady agent is told nothing about the busy one.
      expect(adminLive.received).toHaveLength(1);
      expect(steadyLive.received).toEqual([]);
      const listed = await server.graphql<Listed>(LIST, {}, agents.busy.key);
      expect(listed.body.data!.securityNotifications.edges.map((e) => e.node)).toEqual([expect.objectContaining({ id: raised!.securityNotifications.id, kind: 'UNUSUAL_VOLUME', read: false })]);
      await Promise.all([adminLive.dispose(), steadyLive.dispose()]);
    });
  });
});
