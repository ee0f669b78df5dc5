import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWarden, type Warden } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { serveMcpOverStdio } from '../../../src/mcp/stdio.js';
import { useServerWithPostgresStore } from '../../helpers/server-fixture.js';
import { serviceAvailable } from '../../helpers/services.js';
import { loadShop } from '../../helpers/shop-fixture.js';
import { createTempPostgres, type TempPostgres } from '../../helpers/temp-postgres.js';

const pgUp = await serviceAvailable('postgres');

/** A line-delimited JSON-RPC peer on the other end of the server's stdin/stdout. */
function peer() {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const waiting = new Map<number, (message: Record<string, unknown>) => void>();
  let buffered = '';
  stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const message = JSON.parse(buffered.slice(0, nl)) as Record<string, unknown> & { id?: number };
      buffered = buffered.slice(nl + 1);
      if (typeof message.id === 'number') waiting.get(message.id)?.(message);
    }
  });
  let next = 1;
  const request = (method: string, params: Record<string, unknown>) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const id = next++;
      waiting.set(id, resolve);
      stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    });
  /** A tools/call's isError and the JSON of its text block. */
  const callTool = async (name: string, args: Record<string, unknown>) => {
    const { result } = (await request('tools/call', { name, arguments: args })) as { result: { isError?: boolean; content: { text: string }[] } };
    return { isError: result.isError ?? false, body: JSON.parse(result.content[0]!.text) as Record<string, unknown> };
  };
  const start = async () => {
    await request('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'integration', version: '1' } });
    stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
  };
  return { stdin, stdout, start, callTool };
}

/**
 * `warden mcp` without WARDEN_URL: MCP over stdio served by a Warden of its own in this process, on the
 * gateway's PostgreSQL store. Without Redis, that Warden hears nothing of what the gateway changes: it
 * learns of revoked keys and grants only by checking the store again on every tool call.
 */
describe.skipIf(!pgUp)('MCP over stdio beside a gateway, on the same store', () => {
  const secretKey = randomBytes(32).toString('base64');
  const gateway = useServerWithPostgresStore({ env: { WARDEN_SECRET_KEY: secretKey } });
  let shop: TempPostgres;
  let databaseId: string;
  let dataDir: string;
  let local: Warden;

  const admin = async <T>(query: string, variables?: Record<string, unknown>) => {
    const res = await gateway.server.graphql<T>(query, variables, gateway.server.adminKey);
    expect(res.body.errors).toBeUndefined();
    return res.body.data!;
  };
  const registerAgent = async (name: string) => {
    const { registerAgent: agent } = await admin<{ registerAgent: { key: string; agent: { id: string } } }>('mutation($n: String!) { registerAgent(input: { name: $n }) { key agent { id } } }', { n: name });
    const grants: string[] = [];
    for (const table of ['orders', 'products']) {
      const { grant } = await admin<{ grant: { id: string } }>('mutation($i: GrantInput!) { grant(input: $i) { id } }', { i: { agentId: agent.agent.id, databaseId, scope: 'TABLE', table, actions: ['READ'] } });
      grants.push(grant.id);
    }
    return { key: agent.key, agentId: agent.agent.id, grants };
  };
  /** The `details` of the refused-key audit events in the store, oldest first, once there are `count`. */
  const refusals = async (count: number) => {
    const client = new pg.Client({ connectionString: gateway.store.url });
    await client.connect();
    try {
      for (let i = 0; i < 50; i++) {
        const { rows } = await client.query<{ details: Record<string, unknown> }>("select details from audit_events where action = 'authenticate' order by seq");
        if (rows.length >= count) return rows.map((r) => r.details);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`fewer than ${count} refused keys recorded`);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    shop = await createTempPostgres('warden_mcp_stdio');
    await loadShop('postgres', shop.name);
    ({ connectDatabase: { id: databaseId } } = await admin<{ connectDatabase: { id: string } }>('mutation($i: ConnectDatabaseInput!) { connectDatabase(input: $i) { id } }', {
      i: { name: 'shop', engine: 'postgres', host: '127.0.0.1', port: 5432, database: shop.name, user: 'postgres' },
    }));
    dataDir = await mkdtemp(join(tmpdir(), 'warden-mcp-stdio-'));
    const config = loadConfig({ NODE_ENV: 'test', WARDEN_STORE_URL: gateway.store.url, WARDEN_SECRET_KEY: secretKey, WARDEN_DEMO: 'false', WARDEN_DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    // As `warden mcp` starts it: a client of the gateway's store, no HTTP, no bootstrap.
    local = await startWarden(config, createLogger('info', new Writable({ write: (_c, _e, done) => done() })), { http: false, bootstrap: false });
  });
  afterAll(async () => {
    await local?.stop();
    await shop?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses to serve without a key, or with one that does not check out, recording the refusal as over stdio', async () => {
    await expect(serveMcpOverStdio(local.mcp, undefined)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringContaining('WARDEN_API_KEY') });
    await expect(serveMcpOverStdio(local.mcp, 'wdn_aaaaaaaaaaaa_0000000000000000000000000000000000000000000')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await refusals(1)).toEqual([expect.objectContaining({ keyId: 'key_aaaaaaaaaaaa', transport: 'stdio' })]);
  });

  it('checks grants and the key afresh on every call, so what the gateway revokes stops working here at once', async () => {
    const agent = await registerAgent('stdio-analyst');
    const client = peer();
    const session = await serveMcpOverStdio(local.mcp, agent.key, { stdin: client.stdin, stdout: client.stdout });
    expect(session.principal.agentId).toBe(agent.agentId);
    await client.start();
    const tables = async () => ((await client.callTool('list_tables', { database_id: databaseId })).body.tables as { name: string }[]).map((t) => t.name);
    expect(await tables()).toEqual(['orders', 'products']);

    await admin('mutation($id: ID!) { revokeGrant(id: $id) { id } }', { id: agent.grants[1] });
    expect(await tables()).toEqual(['orders']);
    expect(await client.callTool('run_sql', { database_id: databaseId, sql: 'select count(*) from products' })).toMatchObject({ isError: true, body: { code: 'FORBIDDEN' } });

    await admin('mutation($id: ID!) { revokeAgent(id: $id) { id } }', { id: agent.agentId });
    expect(await client.callTool('list_tables', { database_id: databaseId })).toMatchObject({ isError: true, body: { code: 'UNAUTHENTICATED' } });
    expect((await refusals(2)).at(-1)).toMatchObject({ transport: 'stdio' });

    client.stdin.end();
    await session.closed;
  });
});
