import { describe, expect, it } from 'vitest';
import { createWardenClient, WardenError } from '../../sdk/client.js';
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
