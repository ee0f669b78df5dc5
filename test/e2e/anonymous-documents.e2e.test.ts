import { describe, expect, it } from 'vitest';
import { useServerWithPostgresStore } from '../helpers/server-fixture.js';
import { serviceAvailable } from '../helpers/services.js';
import { errorCode, type TestServer } from '../helpers/test-server.js';
import { subscribe } from '../helpers/ws-client.js';

const pgUp = await serviceAvailable('postgres');

const INTROSPECT = '{ __schema { queryType { name } types { name } } }';
const TYPO = '{ me { nmae } }';

/** About 800 KB: 45,000 aliased fields, as in the report that froze /healthz for 15 s. */
const ALIAS_FLOOD = `{ ${Array.from({ length: 45_000 }, (_, i) => `a${i}: __typename`).join(' ')} }`;

async function registerAgent(server: TestServer, name: string): Promise<string> {
  const res = await server.graphql<{ registerAgent: { key: string } }>('mutation($n: String!) { registerAgent(input: { name: $n }) { key } }', { n: name }, server.adminKey);
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.registerAgent.key;
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

describe.skipIf(!pgUp)('documents from callers without a key', () => {
  const fixture = useServerWithPostgresStore();

  it('are refused with 401 before they are parsed: one that would not even parse still gets UNAUTHENTICATED', async () => {
    const res = await fixture.server.graphql('{ me { id }');
    expect(res.status).toBe(401);
    expect(errorCode(res)).toBe('UNAUTHENTICATED');
    expect(res.body.errors?.[0]?.message).toMatch(/needs an API key/);
    expect(res.body.data ?? null).toBeNull();
    // Not even the body is read: one that is not JSON gets the same answer.
    const notJson = await fetch(fixture.server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": "{ me' });
    expect(notJson.status).toBe(401);
    expect(((await notJson.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe('UNAUTHENTICATED');
  });

  it('20 concurrent 800 KB alias floods are all refused with 401 while /healthz keeps answering', async () => {
    expect(ALIAS_FLOOD.length).toBeGreaterThan(750_000);
    const health = fixture.server.url.replace('/graphql', '/healthz');
    const floods = Array.from({ length: 20 }, () => fixture.server.graphql(ALIAS_FLOOD));
    // Asked while the floods are being received and answered.
    const probes = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        new Promise((resolve) => setTimeout(resolve, i * 50)).then(() => timed(async () => (await fetch(health)).status)),
      ),
    );
    const answers = await Promise.all(floods);
    expect(answers.map((res) => [res.status, errorCode(res)])).toEqual(Array.from({ length: 20 }, () => [401, 'UNAUTHENTICATED']));
    for (const probe of probes) {
      expect(probe.value).toBe(200);
      // Generous (client and server share this process, on a busy machine): the point is that nothing reads,
      // parses or validates 20 × 45,000 fields, which took longer than this test's 30 s timeout before.
      expect(probe.ms).toBeLessThan(3_000);
    }
  });

  it('cannot introspect the schema, outside production too', async () => {
    const anonymous = await fixture.server.graphql(INTROSPECT);
    expect(anonymous.status).toBe(401);
    expect(errorCode(anonymous)).toBe('UNAUTHENTICATED');
    expect(anonymous.text).not.toMatch(/"Query"|__Schema|registerAgent/);
    const agent = await registerAgent(fixture.server, 'introspecting-bot');
    const withKey = await fixture.server.graphql<{ __schema: { queryType: { name: string } } }>(INTROSPECT, undefined, agent);
    expect(withKey.body.data?.__schema.queryType.name).toBe('Query');
  });

  it('get no "Did you mean" suggestions naming the schema', async () => {
    const res = await fixture.server.graphql(TYPO);
    expect(res.status).toBe(401);
    expect(res.text).not.toMatch(/Did you mean|"name"/);
  });

  it('over WebSocket: a socket without a key is closed before any subscribe document is read', async () => {
    const live = subscribe(fixture.server.url, 'subscription { securityNotifications { nmae } }');
    const closed = await live.closed;
    expect(closed.code).toBe(4403);
    expect(live.errors).toEqual([]);
  });
});

describe.skipIf(!pgUp)('documents from callers with a key', () => {
  const fixture = useServerWithPostgresStore();

  it('are refused with a typed error naming the token limit when they have too many tokens, before validation', async () => {
    const key = await registerAgent(fixture.server, 'flooding-bot');
    // About 50 KB (under the byte limit) and 9,000 tokens.
    const flood = `{ ${Array.from({ length: 3_000 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    const { value: res, ms } = await timed(() => fixture.server.graphql(flood, undefined, key));
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(res.body.errors?.[0]?.message).toBe('The GraphQL document has more than 2000 tokens, the limit. Ask for fewer fields in one request, with values in variables.');
    expect(ms).toBeLessThan(2_000);
    // Under the limit, the same kind of document is parsed and refused by the alias limit as before.
    const small = await fixture.server.graphql(`{ ${Array.from({ length: 31 }, (_, i) => `a${i}: __typename`).join(' ')} }`, undefined, key);
    expect(small.body.errors?.[0]?.message).toBe('The query uses 31 aliases; the limit is 30.');
  });

  it('are refused with a typed error naming the byte limit when they are larger than WARDEN_MAX_DOCUMENT_BYTES', async () => {
    const key = await registerAgent(fixture.server, 'verbose-bot');
    // Few tokens, many bytes: one long comment.
    const res = await fixture.server.graphql(`# ${'x'.repeat(200_000)}\n{ __typename }`, undefined, key);
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(res.body.errors?.[0]?.message).toMatch(/larger than 102400 bytes, the limit/);
  });

  it('over WebSocket: a subscribe document over the token limit gets the same typed error', async () => {
    const key = await registerAgent(fixture.server, 'ws-flooding-bot');
    const flood = `subscription { securityNotifications { ${Array.from({ length: 3_000 }, (_, i) => `a${i}: id`).join(' ')} } }`;
    const live = subscribe(fixture.server.url, flood, { connectionParams: { authorization: `Bearer ${key}` } });
    try {
      await live.connected;
      for (let i = 0; i < 50 && live.errors.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(live.errors[0]).toMatchObject({ message: expect.stringMatching(/more than 2000 tokens, the limit/), extensions: { code: 'BAD_USER_INPUT' } });
    } finally {
      await live.dispose();
    }
  });
});

describe.skipIf(!pgUp)('schema hints in production', () => {
  const fixture = useServerWithPostgresStore({ env: { NODE_ENV: 'production' } });

  it('an agent, which may not introspect there, gets no "Did you mean"; an admin keeps it', async () => {
    const key = await registerAgent(fixture.server, 'typo-bot');
    const agent = await fixture.server.graphql(TYPO, undefined, key);
    expect(errorCode(agent)).toBe('BAD_USER_INPUT');
    expect(agent.body.errors?.[0]?.message).toBe('Cannot query field "nmae" on type "Agent".');
    const admin = await fixture.server.graphql(TYPO, undefined, fixture.server.adminKey);
    expect(admin.body.errors?.[0]?.message).toMatch(/Did you mean "name"\?/);
  });

  it('over WebSocket too', async () => {
    const key = await registerAgent(fixture.server, 'ws-typo-bot');
    const live = subscribe(fixture.server.url, 'subscription { securityNotifications { severty } }', { connectionParams: { authorization: `Bearer ${key}` } });
    try {
      await live.connected;
      for (let i = 0; i < 50 && live.errors.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(live.errors[0]?.message).toBe('Cannot query field "severty" on type "SecurityNotification".');
    } finally {
      await live.dispose();
    }
  });
});
