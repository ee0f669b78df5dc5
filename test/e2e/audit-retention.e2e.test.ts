import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { Pseudonymiser } from '../../src/events/pseudonymiser.js';
import { derivePseudonymKey } from '../../src/secrets/pseudonym-key.js';
import { serviceAvailable } from '../helpers/services.js';
import { useServerWithPostgresStore, type ServerFixture } from '../helpers/server-fixture.js';
import { errorCode, startTestServer } from '../helpers/test-server.js';

const pgUp = await serviceAvailable('postgres');

const REGISTER = 'mutation($n: String!) { registerAgent(input: { name: $n }) { key agent { id } } }';
const AUDIT_REF = 'query($id: ID!) { agent(id: $id) { auditRef } }';
const EVENTS = 'query($p: ID) { auditEvents(first: 100, filter: { principalId: $p }) { totalCount edges { node { id action decision principalId principalKind } } } }';
const PURGE = 'mutation($d: Int!) { purgeAuditEvents(olderThanDays: $d) }';

interface EventNode {
  id: string;
  action: string;
  decision: string;
  principalId: string | null;
  principalKind: string;
}
interface Events {
  auditEvents: { totalCount: number; edges: { node: EventNode }[] };
}

/** Runs SQL against the store's own PostgreSQL database, beside the gateway. */
async function storeSql<T extends pg.QueryResultRow>(fixture: ServerFixture, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: fixture.store.url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

function helpers(fixture: ServerFixture) {
  const admin = <T>(query: string, variables?: Record<string, unknown>) => fixture.server.graphql<T>(query, variables, fixture.server.adminKey);
  return {
    admin,
    async register(name: string) {
      const res = await admin<{ registerAgent: { key: string; agent: { id: string } } }>(REGISTER, { n: name });
      expect(res.body.errors).toBeUndefined();
      return { key: res.body.data!.registerAgent.key, id: res.body.data!.registerAgent.agent.id };
    },
    async auditRef(agentId: string) {
      const res = await admin<{ agent: { auditRef: string } }>(AUDIT_REF, { id: agentId });
      expect(res.body.errors).toBeUndefined();
      return res.body.data!.agent.auditRef;
    },
    /** The events filed under `principalId`, once at least `atLeast` of them are written (writes are batched). */
    async eventsOf(principalId: string, atLeast: number) {
      let nodes: EventNode[] = [];
      await expect
        .poll(async () => {
          const res = await admin<Events>(EVENTS, { p: principalId });
          expect(res.body.errors).toBeUndefined();
          nodes = res.body.data!.auditEvents.edges.map((e) => e.node);
          return nodes.length;
        }, { timeout: 5_000 })
        .toBeGreaterThanOrEqual(atLeast);
      return nodes;
    },
  };
}

describe.skipIf(!pgUp)('pseudonymised audit principals over HTTP (PostgreSQL store)', () => {
  const key = randomBytes(32);
  const fixture = useServerWithPostgresStore({ env: { WARDEN_AUDIT_PSEUDONYMISE: 'true', WARDEN_AUDIT_PSEUDONYM_KEY: key.toString('base64') } });
  const h = helpers(fixture);

  it('records a psn_ pseudonym and never the agent id, and finds the agent’s events by its id or by its pseudonym', async () => {
    const agent = await h.register('pseudonymous-bot');
    const rotated = await fixture.server.graphql('mutation($id: ID!) { rotateAgentKey(agentId: $id, revokePrevious: false) { key } }', { id: agent.id }, agent.key);
    expect(rotated.body.errors).toBeUndefined();
    expect(errorCode(await fixture.server.graphql(PURGE, { d: 1 }, agent.key))).toBe('FORBIDDEN');

    const expected = new Pseudonymiser(key).ref(agent.id);
    expect(expected).toMatch(/^psn_[0-9a-f]{24}$/);
    expect(await h.auditRef(agent.id)).toBe(expected);

    const byId = await h.eventsOf(agent.id, 2);
    expect(byId.every((n) => n.principalId === expected && n.principalKind === 'agent')).toBe(true);
    expect(byId).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'rotateAgentKey', decision: 'ALLOWED' }),
        expect.objectContaining({ action: 'purgeAuditEvents', decision: 'DENIED' }),
      ]),
    );
    const byPseudonym = await h.eventsOf(expected, 2);
    expect(byPseudonym.map((n) => n.id).sort()).toEqual(byId.map((n) => n.id).sort());

    // The store itself: the pseudonym under principal_id, and the agent id nowhere in any event.
    const mentions = await storeSql<{ n: string }>(fixture, 'select count(*) as n from audit_events e where position($1 in e::text) > 0', [agent.id]);
    expect(Number(mentions[0]!.n)).toBe(0);
    const filed = await storeSql<{ n: string }>(fixture, 'select count(*) as n from audit_events where principal_id = $1', [expected]);
    expect(Number(filed[0]!.n)).toBeGreaterThanOrEqual(2);
    const plain = await storeSql<{ n: string }>(fixture, "select count(*) as n from audit_events where principal_id like 'agt\\_%'");
    expect(Number(plain[0]!.n)).toBe(0);
  });

  it('gives the admin a pseudonym too, and different agents different pseudonyms', async () => {
    const me = await h.admin<{ me: { id: string; auditRef: string } }>('{ me { id auditRef } }');
    const adminRef = me.body.data!.me.auditRef;
    expect(adminRef).toBe(new Pseudonymiser(key).ref(me.body.data!.me.id));
    const events = await h.eventsOf(me.body.data!.me.id, 1);
    expect(events.every((n) => n.principalId === adminRef && n.principalKind === 'admin')).toBe(true);
    const a = await h.register('bot-a');
    const b = await h.register('bot-b');
    expect(await h.auditRef(a.id)).not.toBe(await h.auditRef(b.id));
  });

  it('purgeAuditEvents deletes events older than the given days, keeps the rest, and refuses less than a day', async () => {
    await h.eventsOf(new Pseudonymiser(key).ref((await h.admin<{ me: { id: string } }>('{ me { id } }')).body.data!.me.id), 1);
    await storeSql(
      fixture,
      `insert into audit_events (id, occurred_at, principal_id, principal_kind, action, decision)
       select 'evt_old_' || i, now() - interval '40 days' - i * interval '1 minute', 'psn_old', 'agent', 'runQuery', 'ALLOWED' from generate_series(1, 7) i`,
    );
    const [{ n: recentBefore }] = (await storeSql<{ n: string }>(fixture, "select count(*) as n from audit_events where occurred_at > now() - interval '1 day'")) as [{ n: string }];
    expect(Number(recentBefore)).toBeGreaterThan(0);

    const purged = await h.admin<{ purgeAuditEvents: number }>(PURGE, { d: 30 });
    expect(purged.body.errors).toBeUndefined();
    expect(purged.body.data!.purgeAuditEvents).toBe(7);
    const left = await storeSql<{ old: string; recent: string }>(
      fixture,
      "select count(*) filter (where occurred_at < now() - interval '30 days') as old, count(*) filter (where occurred_at > now() - interval '1 day') as recent from audit_events",
    );
    expect(Number(left[0]!.old)).toBe(0);
    expect(Number(left[0]!.recent)).toBeGreaterThanOrEqual(Number(recentBefore));

    const zero = await h.admin(PURGE, { d: 0 });
    expect(errorCode(zero)).toBe('BAD_USER_INPUT');
    expect(zero.body.errors?.[0]?.extensions.field).toBe('olderThanDays');
  });

  it('lets only admins purge: an agent gets FORBIDDEN and nothing is deleted', async () => {
    const agent = await h.register('would-be-purger');
    await storeSql(fixture, "insert into audit_events (id, occurred_at, principal_id, principal_kind, action, decision) values ('evt_keep_me', now() - interval '400 days', null, 'anonymous', 'authenticate', 'DENIED')");
    const res = await fixture.server.graphql<{ purgeAuditEvents: number }>(PURGE, { d: 1 }, agent.key);
    expect(errorCode(res)).toBe('FORBIDDEN');
    expect(res.body.data?.purgeAuditEvents ?? null).toBeNull();
    expect(await storeSql(fixture, "select id from audit_events where id = 'evt_keep_me'")).toHaveLength(1);
    const anonymous = await fixture.server.graphql(PURGE, { d: 1 });
    expect(errorCode(anonymous)).toBe('UNAUTHENTICATED');
  });
});

describe.skipIf(!pgUp)('pseudonyms from the secret key, shared by replicas (PostgreSQL store)', () => {
  const secret = randomBytes(32);
  const env = { WARDEN_AUDIT_PSEUDONYMISE: 'true', WARDEN_SECRET_KEY: secret.toString('base64') };
  const fixture = useServerWithPostgresStore({ env });
  const h = helpers(fixture);

  it('derives the pseudonym key with HKDF from WARDEN_SECRET_KEY, so another replica gives the same pseudonym', async () => {
    const agent = await h.register('replicated-bot');
    const expected = new Pseudonymiser(derivePseudonymKey(secret)).ref(agent.id);
    expect(await h.auditRef(agent.id)).toBe(expected);

    const replica = await startTestServer({ store: { kind: 'postgres', url: fixture.store.url }, adminKey: fixture.server.adminKey, env });
    try {
      const res = await replica.graphql<{ agent: { auditRef: string } }>(AUDIT_REF, { id: agent.id }, replica.adminKey);
      expect(res.body.data?.agent.auditRef).toBe(expected);
      await replica.graphql('mutation($id: ID!) { rotateAgentKey(agentId: $id, revokePrevious: false) { key } }', { id: agent.id }, agent.key);
    } finally {
      await replica.stop();
    }
    const events = await h.eventsOf(agent.id, 1);
    expect(events.map((n) => n.principalId)).toEqual(events.map(() => expected));
  });
});

describe.skipIf(!pgUp)('audit principals without pseudonymising (the default)', () => {
  const fixture = useServerWithPostgresStore();
  const h = helpers(fixture);

  it('records the agent id itself, and auditRef is that id', async () => {
    const agent = await h.register('plain-bot');
    expect(await h.auditRef(agent.id)).toBe(agent.id);
    await fixture.server.graphql('mutation($id: ID!) { rotateAgentKey(agentId: $id, revokePrevious: false) { key } }', { id: agent.id }, agent.key);
    const events = await h.eventsOf(agent.id, 1);
    expect(events.every((n) => n.principalId === agent.id)).toBe(true);
  });
});
