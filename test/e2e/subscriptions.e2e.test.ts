import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { subscribe } from '../helpers/ws-client.js';

const AUDIT = 'subscription($f: AuditEventStreamFilter) { auditEvents(filter: $f) { id action decision principalId databaseId reasons } }';
type AuditData = { auditEvents: { id: string; action: string; decision: string; principalId: string | null; databaseId: string | null } };

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

describe('live audit events over graphql-ws', () => {
  let server: TestServer;
  const agents: { id: string; key: string }[] = [];

  const register = async (name: string) => {
    const res = await server.graphql<{ registerAgent: { key: string; agent: { id: string } } }>(
      'mutation($n: String!) { registerAgent(input: { name: $n }) { key agent { id } } }',
      { n: name },
      server.adminKey,
    );
    const agent = { id: res.body.data!.registerAgent.agent.id, key: res.body.data!.registerAgent.key };
    agents.push(agent);
    return agent;
  };
  /** Something an agent does that is audited under its name: a query on a database it cannot see. */
  const act = (key: string, databaseId = 'db_nothing') =>
    server.graphql('mutation($d: ID!) { runQuery(databaseId: $d, sql: "select 1") { rowCount } }', { d: databaseId }, key);

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('closes a connection without a key with 4403', async () => {
    const live = subscribe(server.url, AUDIT);
    const closed = await live.closed;
    expect(closed.code).toBe(4403);
  });

  it('closes a connection with a wrong key with 4403 and audits the refusal with the key id, never the secret', async () => {
    const bogus = 'wdn_abcdefghijkl_' + 'A'.repeat(43);
    const live = subscribe(server.url, AUDIT, { connectionParams: bearer(bogus) });
    expect((await live.closed).code).toBe(4403);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const events = await server.graphql<{ auditEvents: { edges: { node: { action: string; decision: string; reasons: unknown[] } }[] } }>(
      '{ auditEvents(filter: { action: "authenticate" }, first: 5) { edges { node { action decision reasons } } } }',
      {},
      server.adminKey,
    );
    expect(events.body.data!.auditEvents.edges.length).toBeGreaterThan(0);
    expect(server.logs.join('')).not.toContain('A'.repeat(43));
    expect(JSON.stringify(events.body)).not.toContain('A'.repeat(43));
  });

  it('gives an agent its own events only, and an admin everyone’s', async () => {
    const alice = await register('alice-live');
    const bob = await register('bob-live');
    const aliceLive = subscribe<AuditData>(server.url, AUDIT, { connectionParams: bearer(alice.key) });
    const adminLive = subscribe<AuditData>(server.url, AUDIT, { connectionParams: bearer(server.adminKey), variables: { f: { action: 'runQuery' } } });
    await Promise.all([aliceLive.connected, adminLive.connected]);
    await settle();

    await act(bob.key, 'db_bob');
    await act(alice.key, 'db_alice');
    const [own] = await aliceLive.waitFor(1);
    const both = await adminLive.waitFor(2);
    await settle();

    expect(own!.auditEvents).toMatchObject({ action: 'runQuery', principalId: alice.id, databaseId: 'db_alice' });
    expect(aliceLive.received.map((e) => e.auditEvents.principalId)).toEqual([alice.id]);
    expect(both.map((e) => e.auditEvents.principalId).sort()).toEqual([alice.id, bob.id].sort());
    await Promise.all([aliceLive.dispose(), adminLive.dispose()]);
  });

  it('keeps two agents with the same subscription apart, though subscribers share executions', async () => {
    const hank = await register('hank-live');
    const ivy = await register('ivy-live');
    const hankLive = subscribe<AuditData>(server.url, AUDIT, { connectionParams: bearer(hank.key) });
    const ivyLive = subscribe<AuditData>(server.url, AUDIT, { connectionParams: bearer(ivy.key) });
    await Promise.all([hankLive.connected, ivyLive.connected]);
    await settle();
    await act(hank.key, 'db_hank');
    await act(ivy.key, 'db_ivy');
    await Promise.all([hankLive.waitFor(1), ivyLive.waitFor(1)]);
    await settle();
    expect(hankLive.received.map((e) => e.auditEvents.databaseId)).toEqual(['db_hank']);
    expect(ivyLive.received.map((e) => e.auditEvents.databaseId)).toEqual(['db_ivy']);
    await Promise.all([hankLive.dispose(), ivyLive.dispose()]);
  });

  it('refuses an agent that asks for another agent’s events, at subscribe time', async () => {
    const carol = await register('carol-live');
    const dave = await register('dave-live');
    const live = subscribe<AuditData>(server.url, AUDIT, { connectionParams: bearer(carol.key), variables: { f: { principalId: dave.id } } });
    await live.connected;
    await settle();
    expect(live.errors[0]?.extensions?.code).toBe('FORBIDDEN');
    await live.dispose();
  });

  it('carries subscriptions only: a query over the socket is refused with BAD_USER_INPUT', async () => {
    const live = subscribe(server.url, '{ me { id } }', { connectionParams: bearer(server.adminKey) });
    await live.connected;
    await settle();
    expect(live.errors[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(live.errors[0]?.message).toMatch(/HTTP POST/);
    await live.dispose();
  });

  it('caps the subscriptions one connection may hold at once', async () => {
    const { createClient } = await import('graphql-ws');
    const WebSocket = (await import('ws')).default;
    const client = createClient({ url: server.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: bearer(server.adminKey), retryAttempts: 0 });
    const refusals: unknown[] = [];
    const unsubscribes = Array.from({ length: 51 }, () =>
      client.subscribe({ query: AUDIT }, { next: () => undefined, error: (error) => refusals.push(error), complete: () => undefined }),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(refusals).toHaveLength(1);
    expect(JSON.stringify(refusals[0])).toContain('RATE_LIMITED');
    unsubscribes.forEach((unsubscribe) => unsubscribe());
    await client.dispose();
  });

  it('accepts the key in the upgrade request headers too', async () => {
    const erin = await register('erin-live');
    const live = subscribe<AuditData>(server.url, AUDIT, { headers: bearer(erin.key) });
    await live.connected;
    await settle();
    await act(erin.key);
    await live.waitFor(1);
    await live.dispose();
  });

  it('closes the sockets of a revoked agent within a second', async () => {
    const frank = await register('frank-live');
    const live = subscribe<AuditData>(server.url, AUDIT, { connectionParams: bearer(frank.key) });
    await live.connected;
    await settle();
    const started = Date.now();
    const revoked = await server.graphql('mutation($id: ID!) { revokeAgent(id: $id) { status } }', { id: frank.id }, server.adminKey);
    expect(revoked.body.errors).toBeUndefined();
    const closed = await live.closed;
    expect(closed.code).toBe(4403);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('closes the socket of a rotated-out key but keeps the new key’s', async () => {
    const gina = await register('gina-live');
    const old = subscribe<AuditData>(server.url, AUDIT, { connectionParams: bearer(gina.key) });
    await old.connected;
    const rotated = await server.graphql<{ rotateAgentKey: { key: string } }>(
      'mutation($id: ID!) { rotateAgentKey(agentId: $id, revokePrevious: true) { key } }',
      { id: gina.id },
      server.adminKey,
    );
    const fresh = subscribe<AuditData>(server.url, AUDIT, { connectionParams: bearer(rotated.body.data!.rotateAgentKey.key) });
    expect((await old.closed).code).toBe(4403);
    await fresh.connected;
    await settle();
    await act(rotated.body.data!.rotateAgentKey.key);
    await fresh.waitFor(1);
    await fresh.dispose();
  });
});
