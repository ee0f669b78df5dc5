import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, postGraphQL, startTestServer, type TestServer } from '../helpers/test-server.js';
import { subscribe } from '../helpers/ws-client.js';

const LIVE = 'subscription($s: NotificationSeverity) { securityNotifications(minSeverity: $s) { id kind severity agentId message details } }';
type Live = { securityNotifications: { id: string; kind: string; severity: string; agentId: string | null; message: string; details: Record<string, unknown> } };
type Listed = { securityNotifications: { totalCount: number; edges: { node: { id: string; kind: string; severity: string; agentId: string | null; read: boolean } }[] } };
const LIST = 'query($s: NotificationSeverity, $u: Boolean) { securityNotifications(minSeverity: $s, unread: $u, first: 50) { totalCount edges { node { id kind severity agentId read } } } }';

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

describe('security notifications', () => {
  let server: TestServer;
  const admin = <T>(query: string, variables?: Record<string, unknown>) => server.graphql<T>(query, variables, server.adminKey);
  const register = async (name: string) => {
    const res = await admin<{ registerAgent: { key: string; agent: { id: string } } }>('mutation($n: String!) { registerAgent(input: { name: $n }) { key agent { id } } }', { n: name });
    return { id: res.body.data!.registerAgent.agent.id, key: res.body.data!.registerAgent.key };
  };

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
    const prober = await register('prober');
    const bystander = await register('bystander');
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
    const leaver = await register('leaver');
    await admin('mutation($id: ID!) { revokeAgent(id: $id) { id } }', { id: leaver.id });
    const seen = await all.waitFor(1);
    expect(seen.map((n) => n.securityNotifications)).toContainEqual(expect.objectContaining({ kind: 'AGENT_REVOKED', agentId: leaver.id, severity: 'MEDIUM' }));
    await settle();
    expect(quiet.received).toEqual([]);
    await Promise.all([quiet.dispose(), all.dispose()]);
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
