import { request } from 'node:http';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, describe, expect, it } from 'vitest';
import { callError, httpMcpClient } from '../helpers/mcp-client.js';
import { useServerWithPostgresStore, type ServerFixture } from '../helpers/server-fixture.js';
import { serviceAvailable } from '../helpers/services.js';

const pgUp = await serviceAvailable('postgres');

const INITIALIZE = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });

async function registerAgent(fixture: ServerFixture, name: string): Promise<{ key: string; agentId: string }> {
  const res = await fixture.server.graphql<{ registerAgent: { key: string; agent: { id: string } } }>(
    'mutation($n: String!) { registerAgent(input: { name: $n }) { key agent { id } } }',
    { n: name },
    fixture.server.adminKey,
  );
  expect(res.body.errors).toBeUndefined();
  return { key: res.body.data!.registerAgent.key, agentId: res.body.data!.registerAgent.agent.id };
}

/** POST /mcp with headers fetch will not set (Host), over node:http. */
function post(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: { error?: { message: string; data?: { code: string } }; result?: unknown } }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as never }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe.skipIf(!pgUp)('MCP over HTTP against DNS rebinding', () => {
  const fixture = useServerWithPostgresStore({ env: { WARDEN_ALLOWED_ORIGINS: 'https://console.example.com' } });
  const mcpUrl = () => fixture.server.url.replace(/\/graphql$/, '/mcp');
  const own = () => new URL(fixture.server.url);

  it('refuses a page from another origin with 403, before the key is even looked at', async () => {
    const { key } = await registerAgent(fixture, 'origin-bot');
    for (const origin of ['https://evil.example', 'null', `http://evil.example:${own().port}`]) {
      const res = await post(mcpUrl(), { authorization: `Bearer ${key}`, origin }, INITIALIZE);
      expect(res.status, origin).toBe(403);
      expect(res.body.error?.data?.code, origin).toBe('FORBIDDEN');
      expect(res.body.error?.message).toMatch(/WARDEN_ALLOWED_ORIGINS/);
    }
    // Without a key too: 403, not 401.
    expect((await post(mcpUrl(), { origin: 'https://evil.example' }, INITIALIZE)).status).toBe(403);
  });

  it('refuses a Host that is not one of the gateway\'s names (a rebound name), even with its own origin', async () => {
    const { key } = await registerAgent(fixture, 'host-bot');
    const rebound = `evil.example:${own().port}`;
    const cases: Record<string, string>[] = [{ host: rebound }, { host: rebound, origin: `http://${rebound}` }];
    for (const headers of cases) {
      const res = await post(mcpUrl(), { authorization: `Bearer ${key}`, ...headers }, INITIALIZE);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.body.error?.data?.code).toBe('FORBIDDEN');
      expect(res.body.error?.message).toMatch(/WARDEN_ALLOWED_HOSTS/);
    }
  });

  it('serves clients that send no Origin, its own origin, loopback names and the allowed origins', async () => {
    const { key } = await registerAgent(fixture, 'allowed-bot');
    const port = own().port;
    const allowed: Record<string, string>[] = [
      {},
      { origin: own().origin },
      { host: `localhost:${port}`, origin: `http://localhost:${port}` },
      { origin: 'https://console.example.com' },
    ];
    for (const headers of allowed) {
      const res = await post(mcpUrl(), { authorization: `Bearer ${key}`, ...headers }, INITIALIZE);
      expect(res.status, JSON.stringify(headers)).toBe(200);
      expect(res.body.result).toMatchObject({ serverInfo: { name: 'warden' } });
    }
  });
});

describe.skipIf(!pgUp)('MCP over HTTP, a stateless transport', () => {
  const fixture = useServerWithPostgresStore();
  const base = () => fixture.server.url.replace(/\/graphql$/, '');
  const clients: Client[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
  });

  it('does not offer tool list change notifications it cannot send', async () => {
    const { key } = await registerAgent(fixture, 'capabilities-bot');
    const client = await httpMcpClient(base(), key);
    clients.push(client);
    const tools = client.getServerCapabilities()?.tools;
    expect(tools).toBeDefined();
    expect(tools?.listChanged ?? false).toBe(false);
  });

  it('answers a call with a key revoked since the session began as a tool error the client can show', async () => {
    const { key, agentId } = await registerAgent(fixture, 'revoked-mid-session-bot');
    const client = await httpMcpClient(base(), key);
    clients.push(client);
    expect((await client.callTool({ name: 'list_databases', arguments: {} })).isError).toBeFalsy();
    const revoked = await fixture.server.graphql('mutation($id: ID!) { revokeAgent(id: $id) { id } }', { id: agentId }, fixture.server.adminKey);
    expect(revoked.body.errors).toBeUndefined();
    const error = await callError(client, 'list_databases');
    expect(error.code).toBe('UNAUTHENTICATED');
    expect(error.message).toMatch(/not valid: it is unknown, revoked or expired/);
    expect(error.requestId).toEqual(expect.any(String));
    // A new session with that key is refused at the transport, as before.
    await expect(httpMcpClient(base(), key)).rejects.toThrow(/401|UNAUTHENTICATED/);
  });
});
