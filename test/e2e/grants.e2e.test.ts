import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { SERVICES, serviceAvailable } from '../helpers/services.js';
import { useServerWithPostgresStore } from '../helpers/server-fixture.js';
import { createTempPostgres, type TempPostgres } from '../helpers/temp-postgres.js';
import { errorCode } from '../helpers/test-server.js';

const pgUp = await serviceAvailable('postgres');

describe.skipIf(!pgUp)('grants and the access preview', () => {
  const fixture = useServerWithPostgresStore();
  let target: TempPostgres;
  let databaseId: string;
  let agent: { id: string; key: string };
  let other: { id: string; key: string };

  const admin = <T>(query: string, variables?: Record<string, unknown>) => fixture.server.graphql<T>(query, variables, fixture.server.adminKey);

  async function register(name: string) {
    const res = await admin<{ registerAgent: { key: string; agent: { id: string } } }>(
      'mutation($name: String!) { registerAgent(input: { name: $name }) { key agent { id } } }',
      { name },
    );
    return { id: res.body.data!.registerAgent.agent.id, key: res.body.data!.registerAgent.key };
  }

  beforeAll(async () => {
    target = await createTempPostgres('warden_target');
    const client = new pg.Client({ connectionString: SERVICES.postgres.url.replace(/\/postgres$/, `/${target.name}`) });
    await client.connect();
    await client.query('create table customers (id int primary key, email text, country text); create table orders (id int primary key, customer_id int, total numeric)');
    await client.end();
    const connected = await admin<{ connectDatabase: { id: string } }>(
      'mutation($db: String!) { connectDatabase(input: { name: "crm", engine: "postgres", host: "127.0.0.1", port: 5432, database: $db, user: "postgres" }) { id } }',
      { db: target.name },
    );
    databaseId = connected.body.data!.connectDatabase.id;
    agent = await register('analyst');
    other = await register('other');
  });
  afterAll(async () => {
    await target?.drop();
  });

  const PREVIEW = 'query($a: ID!, $d: ID!) { accessPreview(agentId: $a, databaseId: $d) { table actions rowFilter columns { column actions } } }';

  it('denies everything to an agent with no grant, and hides the database from it', async () => {
    const preview = await admin<{ accessPreview: { table: string; actions: string[] }[] }>(PREVIEW, { a: agent.id, d: databaseId });
    expect(preview.body.data?.accessPreview.map((t) => [t.table, t.actions])).toEqual([
      ['customers', []],
      ['orders', []],
    ]);
    const visible = await fixture.server.graphql<{ databases: { totalCount: number } }>('{ databases { totalCount } }', undefined, agent.key);
    expect(visible.body.data?.databases.totalCount).toBe(0);
  });

  it('grants columns of a table, and the preview shows exactly those', async () => {
    const granted = await admin<{ grant: { id: string; scope: string; columns: string[]; actions: string[] } }>(
      'mutation($i: GrantInput!) { grant(input: $i) { id scope columns actions } }',
      { i: { agentId: agent.id, databaseId, scope: 'COLUMNS', table: 'customers', columns: ['id', 'email'], actions: ['READ'] } },
    );
    expect(granted.body.data?.grant).toMatchObject({ scope: 'COLUMNS', columns: ['id', 'email'], actions: ['READ'] });
    const preview = await fixture.server.graphql<{ accessPreview: { table: string; actions: string[]; columns: { column: string; actions: string[] }[] }[] }>(
      PREVIEW,
      { a: agent.id, d: databaseId },
      agent.key,
    );
    expect(preview.body.data?.accessPreview).toEqual([
      {
        table: 'customers',
        actions: ['READ'],
        rowFilter: null,
        columns: [
          { column: 'id', actions: ['READ'] },
          { column: 'email', actions: ['READ'] },
        ],
      },
    ]);
    const visible = await fixture.server.graphql<{ databases: { totalCount: number } }>('{ databases { totalCount } }', undefined, agent.key);
    expect(visible.body.data?.databases.totalCount).toBe(1);
  });

  it('shows an agent previewing itself only what it may use, as its tables list does; an admin sees every table and column', async () => {
    const own = await fixture.server.graphql<{ accessPreview: { table: string; columns: { column: string }[] }[] }>(PREVIEW, { a: agent.id, d: databaseId }, agent.key);
    expect(own.body.data?.accessPreview.map((t) => [t.table, t.columns.map((c) => c.column)])).toEqual([['customers', ['id', 'email']]]);
    const listed = await fixture.server.graphql<{ database: { tables: { name: string; columns: { name: string }[] }[] } }>(
      'query($d: ID!) { database(id: $d) { tables { name columns { name } } } }',
      { d: databaseId },
      agent.key,
    );
    expect(listed.body.data?.database.tables.map((t) => [t.name, t.columns.map((c) => c.name)])).toEqual([['customers', ['id', 'email']]]);
    const byAdmin = await admin<{ accessPreview: { table: string; columns: { column: string }[] }[] }>(PREVIEW, { a: agent.id, d: databaseId });
    expect(byAdmin.body.data?.accessPreview.map((t) => [t.table, t.columns.map((c) => c.column)])).toEqual([
      ['customers', ['id', 'email', 'country']],
      ['orders', ['id', 'customer_id', 'total']],
    ]);
    // Without a grant on it, the database does not exist for an agent: no table names come back.
    const stranger = await register('stranger');
    const none = await fixture.server.graphql(PREVIEW, { a: stranger.id, d: databaseId }, stranger.key);
    expect(errorCode(none)).toBe('NOT_FOUND');
    expect(JSON.stringify(none.body)).not.toContain('customers');
  });

  it('lets an agent preview only its own access', async () => {
    const res = await fixture.server.graphql(PREVIEW, { a: agent.id, d: databaseId }, other.key);
    expect(errorCode(res)).toBe('FORBIDDEN');
  });

  it('refuses grants that name what does not exist or mix scopes', async () => {
    const bad = async (i: Record<string, unknown>) =>
      errorCode(await admin('mutation($i: GrantInput!) { grant(input: $i) { id } }', { i: { agentId: agent.id, databaseId, actions: ['READ'], ...i } }));
    expect(await bad({ scope: 'TABLE', table: 'invoices' })).toBe('BAD_USER_INPUT');
    expect(await bad({ scope: 'COLUMNS', table: 'customers', columns: ['ssn'] })).toBe('BAD_USER_INPUT');
    expect(await bad({ scope: 'DATABASE', table: 'customers' })).toBe('BAD_USER_INPUT');
    expect(await bad({ scope: 'TABLE', table: 'orders', expiresAt: '2001-01-01T00:00:00Z' })).toBe('BAD_USER_INPUT');
    expect(await bad({ scope: 'TABLE', table: 'orders', actions: [] })).toBe('BAD_USER_INPUT');
    expect(errorCode(await admin('mutation($i: GrantInput!) { grant(input: $i) { id } }', { i: { agentId: 'agt_nobody', databaseId, scope: 'DATABASE', actions: ['READ'] } }))).toBe('NOT_FOUND');
    const agentTries = await fixture.server.graphql('mutation($i: GrantInput!) { grant(input: $i) { id } }', { i: { agentId: agent.id, databaseId, scope: 'DATABASE', actions: ['ALL'] } }, agent.key);
    expect(errorCode(agentTries)).toBe('FORBIDDEN');
  });

  it('lists grants and revokes one at once', async () => {
    const list = await admin<{ grants: { totalCount: number; edges: { node: { id: string } }[] } }>(
      'query($a: ID) { grants(agentId: $a) { totalCount edges { node { id } } } }',
      { a: agent.id },
    );
    expect(list.body.data?.grants.totalCount).toBe(1);
    const id = list.body.data!.grants.edges[0]!.node.id;
    await admin('mutation($id: ID!) { revokeGrant(id: $id) { id } }', { id });
    const preview = await admin<{ accessPreview: { actions: string[] }[] }>(PREVIEW, { a: agent.id, d: databaseId });
    expect(preview.body.data?.accessPreview.every((t) => t.actions.length === 0)).toBe(true);
  });

  it('audits administrative mutations, allowed and refused, without their arguments', async () => {
    await new Promise((resolve) => setTimeout(resolve, 400));
    const events = await admin<{ auditEvents: { edges: { node: { action: string; decision: string; principalId: string; reasons: { code: string }[] } }[] } }>(
      '{ auditEvents(first: 200) { edges { node { action decision principalId reasons } } } }',
    );
    const nodes = events.body.data!.auditEvents.edges.map((e) => e.node);
    expect(nodes.some((n) => n.action === 'grant' && n.decision === 'ALLOWED')).toBe(true);
    expect(nodes.some((n) => n.action === 'grant' && n.decision === 'DENIED' && n.principalId === agent.id)).toBe(true);
    expect(nodes.some((n) => n.action === 'connectDatabase' && n.decision === 'ALLOWED')).toBe(true);
    expect(nodes.some((n) => n.action === 'revokeGrant' && n.decision === 'ALLOWED')).toBe(true);
    expect(JSON.stringify(nodes)).not.toContain(agent.key);
  });

  it('ends an agent’s grants when the agent is revoked', async () => {
    await admin('mutation($i: GrantInput!) { grant(input: $i) { id } }', { i: { agentId: other.id, databaseId, scope: 'DATABASE', actions: ['READ'] } });
    await admin('mutation($id: ID!) { revokeAgent(id: $id) { id } }', { id: other.id });
    const list = await admin<{ grants: { totalCount: number } }>('query($a: ID) { grants(agentId: $a) { totalCount } }', { a: other.id });
    expect(list.body.data?.grants.totalCount).toBe(0);
  });
});
