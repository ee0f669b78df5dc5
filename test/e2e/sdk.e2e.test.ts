import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWardenClient, WardenError, WardenNetworkError, type AuditEventFeedSubscription, type WardenClient } from '../../sdk/client.js';
import { closedPort } from '../helpers/closed-port.js';
import { useShopThroughSdk } from '../helpers/sdk-shop-fixture.js';
import { serviceAvailable } from '../helpers/services.js';
import { useServerWithPostgresStore } from '../helpers/server-fixture.js';

const pgUp = await serviceAvailable('postgres');

describe.skipIf(!pgUp)('the generated SDK against a live gateway', () => {
  const fixture = useServerWithPostgresStore();

  it('registers, lists, rotates and revokes an agent with typed calls', async () => {
    const admin = createWardenClient({ url: fixture.server.url, apiKey: fixture.server.adminKey });
    const { registerAgent } = await admin.RegisterAgent({ input: { name: 'sdk-bot', description: 'made by the SDK' } });
    expect(registerAgent.agent).toMatchObject({ name: 'sdk-bot', role: 'AGENT', status: 'ACTIVE', description: 'made by the SDK' });

    const bot = createWardenClient({ url: fixture.server.url, apiKey: registerAgent.key });
    expect((await bot.Me()).me.id).toBe(registerAgent.agent.id);

    const { agents } = await admin.Agents({ filter: { nameContains: 'sdk' } });
    expect(agents.edges.map((e) => e.node.name)).toEqual(['sdk-bot']);

    const { agent } = await admin.Agent({ id: registerAgent.agent.id });
    expect(agent.keys).toHaveLength(1);
    expect(agent.keys[0]).toMatchObject({ id: registerAgent.apiKey.id, active: true, label: null });

    const { rotateAgentKey } = await bot.RotateAgentKey({ agentId: registerAgent.agent.id });
    const rotated = createWardenClient({ url: fixture.server.url, apiKey: rotateAgentKey.key });
    await expect(bot.Me()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect((await rotated.Me()).me.name).toBe('sdk-bot');

    await admin.RevokeAgent({ id: registerAgent.agent.id });
    const failure = await rotated.Me().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WardenError);
    expect((failure as WardenError).code).toBe('UNAUTHENTICATED');
  });

  it('surfaces FORBIDDEN with the denied resource for an agent calling an admin operation', async () => {
    const admin = createWardenClient({ url: fixture.server.url, apiKey: fixture.server.adminKey });
    const { registerAgent } = await admin.RegisterAgent({ input: { name: 'sdk-limited' } });
    const bot = createWardenClient({ url: fixture.server.url, apiKey: registerAgent.key });
    const failure = (await bot.Agents({}).catch((error: unknown) => error)) as WardenError;
    expect(failure.code).toBe('FORBIDDEN');
    expect(failure.extensions.denied).toEqual([expect.objectContaining({ resource: 'Query.agents', needed: 'ADMIN' })]);
    const { databases } = await bot.Databases({});
    expect(databases.totalCount).toBe(0);
  });
});

describe.skipIf(!pgUp)('the typed client reading data, the audit log and the live feed', () => {
  const fixture = useServerWithPostgresStore();
  const shop = useShopThroughSdk(fixture, 'warden_sdk_shop');
  let admin: WardenClient;
  let bot: WardenClient;
  let agentId: string;
  let databaseId: string;

  beforeAll(async () => {
    ({ admin, databaseId } = shop);
    const { registerAgent } = await admin.RegisterAgent({ input: { name: 'sdk-reader' } });
    agentId = registerAgent.agent.id;
    bot = createWardenClient({ url: fixture.server.url, apiKey: registerAgent.key });
  });
  afterAll(async () => {
    await bot?.dispose();
  });

  it('grants, previews, runs SQL and reads rows, narrowed by the row filter and mask', async () => {
    const { grant } = await admin.Grant({
      input: { agentId, databaseId, scope: 'TABLE', table: 'orders', actions: ['READ'], rowFilter: "status = 'paid'", columnMasks: [{ column: 'shipping_country', expression: "'**'" }] },
    });
    expect(grant).toMatchObject({ scope: 'TABLE', tableName: 'orders', rowFilter: "status = 'paid'", columnMasks: [{ column: 'shipping_country', expression: "'**'" }] });
    const { grants } = await admin.Grants({ agentId });
    expect(grants.edges.map((e) => e.node.id)).toEqual([grant.id]);

    const { accessPreview } = await bot.AccessPreview({ agentId, databaseId });
    expect(accessPreview.map((t) => t.table)).toEqual(['orders']);
    expect(accessPreview[0]?.columns.find((c) => c.column === 'shipping_country')?.mask).toBe("'**'");

    const { runQuery } = await bot.RunQuery({ databaseId, sql: 'select status, shipping_country from orders where id <= $1', params: [50] });
    expect(runQuery.rowCount).toBeGreaterThan(0);
    expect(new Set(runQuery.rows.map((r) => r.status))).toEqual(new Set(['paid']));
    expect(new Set(runQuery.rows.map((r) => r.shipping_country))).toEqual(new Set(['**']));

    const { rows } = await bot.Rows({ databaseId, table: 'orders', columns: ['id', 'status'], where: { id: { _lte: 50 } }, orderBy: [{ column: 'id', direction: 'DESC' }] });
    const ids = rows.rows.map((r) => Number(r.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(rows.rows.map((r) => r.status))).toEqual(new Set(['paid']));
    expect(rows.rowCount).toBe(runQuery.rowCount);

    const { explainQuery } = await bot.ExplainQuery({ databaseId, sql: 'select id from orders' });
    expect(explainQuery.statementType).toBe('SELECT');

    const denied = (await bot.RunQuery({ databaseId, sql: 'select email from customers' }).catch((error: unknown) => error)) as WardenError;
    expect(denied.code).toBe('FORBIDDEN');
    expect(denied.extensions.denied).toEqual([expect.objectContaining({ resource: expect.stringContaining('customers'), needed: 'READ' })]);
  });

  it("pages the audit log for the agent's queries, allowed and denied", async () => {
    // Query events are written in batches off the request path.
    await expect
      .poll(async () => (await admin.AuditEvents({ filter: { principalId: agentId, action: 'runQuery' } })).auditEvents.edges.map((e) => e.node.decision), { timeout: 5_000 })
      .toEqual(expect.arrayContaining(['ALLOWED', 'DENIED']));
    const { auditEvents } = await admin.AuditEvents({ filter: { principalId: agentId, decision: 'DENIED' }, first: 1 });
    expect(auditEvents.edges[0]?.node).toMatchObject({ action: 'runQuery', databaseId, tables: ['public.customers'] });
    expect(auditEvents.edges[0]?.node.reasons[0]).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('subscribes over graphql-ws: the typed feed yields the events as they happen, and ends when the loop does', async () => {
    const seen: AuditEventFeedSubscription['auditEvents'][] = [];
    const feed = (async () => {
      for await (const { auditEvents } of admin.AuditEventFeed({ filter: { principalId: agentId, decision: 'DENIED' } })) {
        seen.push(auditEvents);
        if (seen.length === 1) break;
      }
    })();
    // The subscription is in place once the socket is up; until then a refusal may go unseen, so ask again.
    for (let tries = 0; seen.length === 0 && tries < 50; tries++) {
      await bot.RunQuery({ databaseId, sql: 'select * from reviews' }).catch(() => undefined);
      await Promise.race([feed, new Promise((resolve) => setTimeout(resolve, 200))]);
    }
    await feed;
    expect(seen[0]).toMatchObject({ action: 'runQuery', decision: 'DENIED', principalId: agentId, databaseId, tables: ['public.reviews'] });
  });

  it('ends a subscription quietly when its signal aborts', async () => {
    const stop = new AbortController();
    const feed = (async () => {
      let count = 0;
      for await (const _event of bot.AuditEventFeed({}, { signal: stop.signal })) count++;
      return count;
    })();
    setTimeout(() => stop.abort(), 300);
    await expect(feed).resolves.toBeGreaterThanOrEqual(0);
  });

  it('fails a subscription with a refused key as UNAUTHENTICATED', async () => {
    const stranger = createWardenClient({ url: fixture.server.url, apiKey: 'wdn_aaaaaaaaaaaa_not-a-real-key-at-all-not-a-real-key-at-all-xx' });
    const failure = await (async () => {
      for await (const _event of stranger.AuditEventFeed()) return undefined;
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WardenError);
    expect((failure as WardenError).code).toBe('UNAUTHENTICATED');
    await stranger.dispose();
  });

  it('reports a gateway that does not answer as a WardenNetworkError naming only its origin', async () => {
    const port = await closedPort();
    const nowhere = createWardenClient({ url: `http://127.0.0.1:${port}/graphql`, apiKey: 'wdn_secret_key_that_must_not_show' });
    const failure = (await nowhere.Me().catch((error: unknown) => error)) as WardenNetworkError;
    expect(failure).toBeInstanceOf(WardenNetworkError);
    expect(failure.message).toBe(`Could not reach Warden at http://127.0.0.1:${port}: ECONNREFUSED.`);
    const live = await (async () => {
      for await (const _event of nowhere.AuditEventFeed()) return undefined;
    })().catch((error: unknown) => error);
    expect(live).toBeInstanceOf(WardenNetworkError);
    expect(String((live as Error).message)).not.toContain('wdn_secret');
  });
});
