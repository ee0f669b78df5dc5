import { describe, expect, it } from 'vitest';
import { serviceAvailable } from '../helpers/services.js';
import { useServerWithPostgresStore } from '../helpers/server-fixture.js';
import { createTempPostgres } from '../helpers/temp-postgres.js';
import { errorCode, startTestServer } from '../helpers/test-server.js';

/** Nothing a client receives may look like a stack trace or carry one. */
function expectNoStack(text: string) {
  expect(text).not.toMatch(/stacktrace/i);
  expect(text).not.toMatch(/\n\s+at /);
  expect(text).not.toMatch(/node_modules|\.ts:\d+/);
}

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) as { errors?: { message: string; extensions: Record<string, unknown> }[] } };
}

const pgUp = await serviceAvailable('postgres');

describe.skipIf(!pgUp)('the HTTP surface', () => {
  const fixture = useServerWithPostgresStore();

  it('answers malformed JSON with a typed 400, no stack', async () => {
    const res = await post(fixture.server.url, '{"query": "{ me { id } }"', { authorization: `Bearer ${fixture.server.adminKey}` });
    expect(res.status).toBe(400);
    expect(res.json.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect(res.json.errors?.[0]?.message).toMatch(/not valid JSON/);
    expectNoStack(res.text);
  });

  it('answers GraphQL that does not parse with a typed error and the position', async () => {
    const res = await fixture.server.graphql('{ me { id }', undefined, fixture.server.adminKey);
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(res.body.errors?.[0]?.extensions.reason).toBe('GRAPHQL_PARSE_FAILED');
    expectNoStack(res.text);
  });

  it('answers an unknown field with a typed error that suggests the right one', async () => {
    const res = await fixture.server.graphql('{ me { nmae } }', undefined, fixture.server.adminKey);
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(res.body.errors?.[0]?.message).toMatch(/Did you mean "name"/);
    expectNoStack(res.text);
  });

  it('answers a wrong key with 401 UNAUTHENTICATED, the same for unknown and malformed keys', async () => {
    const unknown = await fixture.server.graphql('{ me { id } }', undefined, 'wdn_aaaaaaaaaaaa_' + 'A'.repeat(43));
    const malformed = await fixture.server.graphql('{ me { id } }', undefined, 'hunter2');
    for (const res of [unknown, malformed]) {
      expect(res.status).toBe(401);
      expect(errorCode(res)).toBe('UNAUTHENTICATED');
      expectNoStack(res.text);
    }
    expect(unknown.body.errors?.[0]?.message).toBe(malformed.body.errors?.[0]?.message);
  });

  it('refuses batched requests', async () => {
    const res = await post(fixture.server.url, JSON.stringify([{ query: '{ me { id } }' }, { query: '{ me { id } }' }]), {
      authorization: `Bearer ${fixture.server.adminKey}`,
    });
    expect(res.status).toBe(400);
    expect(res.json.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
  });

  it('blocks a simple cross-site GET (CSRF prevention)', async () => {
    const res = await fetch(`${fixture.server.url}?query=${encodeURIComponent('{ me { id } }')}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { message: string }[] }).errors[0]?.message).toMatch(/Cross-Site Request Forgery/);
  });

  it('serves the GraphQL explorer to a browser', async () => {
    const res = await fetch(fixture.server.url, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toMatch(/<!DOCTYPE html>/i);
  });

  it('allows introspection outside production, to a caller with a key', async () => {
    const res = await fixture.server.graphql<{ __schema: { queryType: { name: string } } }>('{ __schema { queryType { name } } }', undefined, fixture.server.adminKey);
    expect(res.body.data?.__schema.queryType.name).toBe('Query');
    expect(errorCode(await fixture.server.graphql('{ __schema { queryType { name } } }'))).toBe('UNAUTHENTICATED');
  });

  it('refuses queries nested too deep or with too many aliases, before running them', async () => {
    let nested = 'id';
    for (let i = 0; i < 14; i++) nested = `me { ${nested} }`;
    const tooDeep = await fixture.server.graphql(`{ ${nested} }`, undefined, fixture.server.adminKey);
    expect(tooDeep.status).toBe(400);
    expect(tooDeep.body.errors?.map((e) => e.message)).toContain('The query is 15 levels deep; the limit is 12.');
    const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: me { id }`).join(' ');
    const tooMany = await fixture.server.graphql(`{ ${aliases} }`, undefined, fixture.server.adminKey);
    expect(errorCode(tooMany)).toBe('BAD_USER_INPUT');
    expect(tooMany.body.errors?.[0]?.message).toBe('The query uses 31 aliases; the limit is 30.');
    const fine = Array.from({ length: 30 }, (_, i) => `a${i}: me { id }`).join(' ');
    expect(errorCode(await fixture.server.graphql(`{ ${fine} }`, undefined, fixture.server.adminKey))).toBeUndefined();
  });

  it('stamps a request id on responses and errors, honouring a sane one from the client', async () => {
    const res = await fetch(fixture.server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'trace-123' },
      body: JSON.stringify({ query: '{ agents { totalCount } }' }),
    });
    expect(res.headers.get('x-request-id')).toBe('trace-123');
    const body = (await res.json()) as { errors: { extensions: { requestId: string } }[] };
    expect(body.errors[0]?.extensions.requestId).toBe('trace-123');
    const hostile = await fetch(fixture.server.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'a b;c' }, body: '{}' });
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reports health with a store round trip', async () => {
    const res = await fetch(fixture.server.url.replace('/graphql', '/healthz'));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', store: { ok: true } });
  });

  it('answers unknown paths with a typed 404', async () => {
    const res = await fetch(fixture.server.url.replace('/graphql', '/admin'));
    expect(res.status).toBe(404);
    expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe('NOT_FOUND');
  });
});

describe.skipIf(!pgUp)('when the store goes away', () => {
  it('masks the failure as INTERNAL with a request id, logs the cause, and health says 503', async () => {
    const db = await createTempPostgres();
    const server = await startTestServer({ store: { kind: 'postgres', url: db.url } });
    try {
      await db.drop();
      const res = await server.graphql('{ agents { totalCount } }', undefined, server.adminKey);
      expect(errorCode(res)).toBe('INTERNAL');
      const error = res.body.errors?.[0];
      expect(error?.message).toMatch(/^Unexpected error/);
      expect(error?.extensions.requestId ?? res.headers.get('x-request-id')).toBeTruthy();
      expect(res.text).not.toContain(db.name);
      expect(res.text).not.toContain('127.0.0.1');
      expectNoStack(res.text);
      const logged = server.logs.map((line) => JSON.parse(line) as { msg: string; requestId?: string; err?: unknown });
      const failure = logged.find((line) => line.msg === 'request failed' && line.requestId === error?.extensions.requestId);
      expect(failure?.err).toBeDefined();
      const health = await fetch(server.url.replace('/graphql', '/healthz'));
      expect(health.status).toBe(503);
      expect(await health.text()).not.toContain(db.name);
    } finally {
      await server.stop();
      await db.drop();
    }
  });
});

describe.skipIf(!pgUp)('in production', () => {
  const fixture = useServerWithPostgresStore({ env: { NODE_ENV: 'production' } });

  it('turns introspection off', async () => {
    const res = await fixture.server.graphql('{ __schema { queryType { name } } }', undefined, fixture.server.adminKey);
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(res.body.errors?.[0]?.message).toMatch(/introspection is not allowed/i);
  });

  it('serves no explorer page', async () => {
    const res = await fetch(fixture.server.url, { headers: { accept: 'text/html' } });
    expect(res.headers.get('content-type')).not.toMatch(/text\/html/);
    expect(await res.text()).not.toMatch(/sandbox|<html/i);
  });
});
