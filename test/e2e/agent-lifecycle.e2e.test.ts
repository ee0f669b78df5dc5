import { describe, expect, it } from 'vitest';
import { serviceAvailable } from '../helpers/services.js';
import { useServerWithPostgresStore } from '../helpers/server-fixture.js';
import { errorCode } from '../helpers/test-server.js';

const REGISTER = /* GraphQL */ `
  mutation Register($input: RegisterAgentInput!) {
    registerAgent(input: $input) { key agent { id name role status } apiKey { id active } }
  }
`;
const ME = '{ me { id name role } }';

interface Registered {
  registerAgent: { key: string; agent: { id: string; name: string; role: string; status: string }; apiKey: { id: string } };
}

const pgUp = await serviceAvailable('postgres');

describe.skipIf(!pgUp)('agents over HTTP (PostgreSQL store)', () => {
  const fixture = useServerWithPostgresStore();

  async function register(name: string, role = 'AGENT') {
    const res = await fixture.server.graphql<Registered>(REGISTER, { input: { name, role } }, fixture.server.adminKey);
    expect(res.body.errors).toBeUndefined();
    return res.body.data!.registerAgent;
  }

  it('registers an agent whose key works until the agent is revoked', async () => {
    const { key, agent } = await register('reporting-bot');
    expect(key).toMatch(/^wdn_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/);
    expect(agent).toMatchObject({ name: 'reporting-bot', role: 'AGENT', status: 'ACTIVE' });

    const me = await fixture.server.graphql<{ me: { id: string } }>(ME, undefined, key);
    expect(me.body.data?.me.id).toBe(agent.id);

    const revoked = await fixture.server.graphql<{ revokeAgent: { status: string } }>(
      'mutation($id: ID!) { revokeAgent(id: $id) { status revokedAt } }',
      { id: agent.id },
      fixture.server.adminKey,
    );
    expect(revoked.body.data?.revokeAgent.status).toBe('REVOKED');

    const after = await fixture.server.graphql(ME, undefined, key);
    expect(after.status).toBe(401);
    expect(errorCode(after)).toBe('UNAUTHENTICATED');
    expect(after.body.data).toBeUndefined();
  });

  it('accepts the key in X-API-Key as well as Authorization: Bearer', async () => {
    const { key, agent } = await register('header-bot');
    const res = await fetch(fixture.server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ query: ME }),
    });
    const body = (await res.json()) as { data: { me: { id: string } } };
    expect(body.data.me.id).toBe(agent.id);
  });

  it('rotates a key: the new key works and the old one stops at once', async () => {
    const { key: oldKey, agent } = await register('rotating-bot');
    const rotated = await fixture.server.graphql<{ rotateAgentKey: { key: string } }>(
      'mutation($id: ID!) { rotateAgentKey(agentId: $id) { key } }',
      { id: agent.id },
      fixture.server.adminKey,
    );
    const newKey = rotated.body.data!.rotateAgentKey.key;
    expect(newKey).not.toBe(oldKey);
    expect(errorCode(await fixture.server.graphql(ME, undefined, oldKey))).toBe('UNAUTHENTICATED');
    expect((await fixture.server.graphql<{ me: { id: string } }>(ME, undefined, newKey)).body.data?.me.id).toBe(agent.id);
  });

  it('lets an agent rotate its own key, keeping the old one when asked, but not another agent’s', async () => {
    const self = await register('self-rotating-bot');
    const other = await register('other-bot');
    const own = await fixture.server.graphql<{ rotateAgentKey: { key: string } }>(
      'mutation($id: ID!) { rotateAgentKey(agentId: $id, revokePrevious: false) { key } }',
      { id: self.agent.id },
      self.key,
    );
    expect(own.body.errors).toBeUndefined();
    expect(errorCode(await fixture.server.graphql(ME, undefined, self.key))).toBeUndefined();
    expect(errorCode(await fixture.server.graphql(ME, undefined, own.body.data!.rotateAgentKey.key))).toBeUndefined();

    const foreign = await fixture.server.graphql(
      'mutation($id: ID!) { rotateAgentKey(agentId: $id) { key } }',
      { id: other.agent.id },
      self.key,
    );
    expect(errorCode(foreign)).toBe('FORBIDDEN');
    expect(errorCode(await fixture.server.graphql(ME, undefined, other.key))).toBeUndefined();
  });

  it('gives a non-admin FORBIDDEN on admin fields, naming the field, and runs nothing', async () => {
    const { key } = await register('curious-bot');
    const list = await fixture.server.graphql('{ agents { totalCount } }', undefined, key);
    expect(errorCode(list)).toBe('FORBIDDEN');
    expect(list.body.errors?.[0]?.extensions.denied).toEqual([
      { resource: 'Query.agents', needed: 'ADMIN', reason: 'only admins may do this' },
    ]);
    const created = await fixture.server.graphql(REGISTER, { input: { name: 'sneaky-bot' } }, key);
    expect(errorCode(created)).toBe('FORBIDDEN');
    const check = await fixture.server.graphql<{ agents: { totalCount: number } }>(
      '{ agents(filter: { nameContains: "sneaky" }) { totalCount } }',
      undefined,
      fixture.server.adminKey,
    );
    expect(check.body.data?.agents.totalCount).toBe(0);
  });

  it('asks for a key (UNAUTHENTICATED) when none is sent', async () => {
    const res = await fixture.server.graphql(ME);
    expect(res.status).toBe(401);
    expect(errorCode(res)).toBe('UNAUTHENTICATED');
    expect(res.body.data ?? null).toBeNull();
  });

  it('refuses a second active agent with the same name, and a malformed name', async () => {
    await register('unique-bot');
    const dup = await fixture.server.graphql(REGISTER, { input: { name: 'unique-bot' } }, fixture.server.adminKey);
    expect(errorCode(dup)).toBe('CONFLICT');
    const bad = await fixture.server.graphql(REGISTER, { input: { name: '  ; drop table agents' } }, fixture.server.adminKey);
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');
    expect(bad.body.errors?.[0]?.extensions.field).toBe('name');
  });

  it('pages through agents with cursors, without gaps or repeats', async () => {
    for (let i = 0; i < 5; i++) await register(`pager-${i}`);
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Awaited<ReturnType<typeof fixture.server.graphql<{ agents: { edges: { node: { name: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null }; totalCount: number } }>>> =
        await fixture.server.graphql(
          'query($after: String) { agents(first: 2, after: $after, filter: { nameContains: "pager-" }) { totalCount edges { node { name } } pageInfo { hasNextPage endCursor } } }',
          { after },
          fixture.server.adminKey,
        );
      const agents = page.body.data!.agents;
      expect(agents.totalCount).toBe(5);
      seen.push(...agents.edges.map((e) => e.node.name));
      if (!agents.pageInfo.hasNextPage) break;
      after = agents.pageInfo.endCursor;
    }
    expect(seen).toEqual(['pager-0', 'pager-1', 'pager-2', 'pager-3', 'pager-4']);
    const broken = await fixture.server.graphql('{ agents(after: "not-a-cursor") { totalCount } }', undefined, fixture.server.adminKey);
    expect(errorCode(broken)).toBe('BAD_USER_INPUT');
  });

  it('will not revoke the last admin', async () => {
    const me = await fixture.server.graphql<{ me: { id: string } }>(ME, undefined, fixture.server.adminKey);
    const res = await fixture.server.graphql('mutation($id: ID!) { revokeAgent(id: $id) { id } }', { id: me.body.data!.me.id }, fixture.server.adminKey);
    expect(errorCode(res)).toBe('CONFLICT');
    expect(errorCode(await fixture.server.graphql(ME, undefined, fixture.server.adminKey))).toBeUndefined();
  });

  it('shows an agent only itself through node(id), and keys without their secrets', async () => {
    const a = await register('node-a');
    const b = await register('node-b');
    const own = await fixture.server.graphql<{ node: { id: string; keys: { id: string; active: boolean }[] } | null }>(
      'query($id: ID!) { node(id: $id) { id ... on Agent { keys { id active } } } }',
      { id: a.agent.id },
      a.key,
    );
    expect(own.body.data?.node).toEqual({ id: a.agent.id, keys: [{ id: a.apiKey.id, active: true }] });
    expect(own.text).not.toContain(a.key.slice('wdn_'.length + 13));
    const foreign = await fixture.server.graphql<{ node: unknown }>('query($id: ID!) { node(id: $id) { id } }', { id: b.agent.id }, a.key);
    expect(foreign.body.data?.node).toBeNull();
  });

  it('never writes a key or its secret to the log', async () => {
    const { key } = await register('quiet-bot');
    await fixture.server.graphql(ME, undefined, key);
    await fixture.server.graphql(ME, undefined, `${key}x`);
    const logText = fixture.server.logs.join('');
    expect(logText).toContain('refused an API key');
    expect(logText).not.toContain(key);
    expect(logText).not.toContain(key.slice('wdn_'.length + 13));
    expect(logText).not.toContain(fixture.server.adminKey);
  });
});
