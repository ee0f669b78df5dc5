import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ToolListChangedNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../../src/errors/app-error.js';
import { INTERNAL_MESSAGE } from '../../../src/errors/format-error.js';
import { askDatabaseAvailable, createMcpServer, type CallerOf, type McpServerOptions } from '../../../src/mcp/tools.js';
import { AGENT, fakeServices, type FakeServices } from './fake-services.js';

/** A client connected in-process to a server built for the fake services. */
async function connect(
  services: FakeServices,
  callerOf: CallerOf = async () => ({ principal: AGENT, requestId: 'req-1' }),
  options: McpServerOptions = { askDatabase: () => askDatabaseAvailable(services) },
) {
  const server = createMcpServer(services, callerOf, options);
  const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'unit', version: '1' });
  await client.connect(clientSide);
  const call = async (name: string, args: Record<string, unknown> = {}) => {
    const result = (await client.callTool({ name, arguments: args })) as CallToolResult & { content: { text: string }[] };
    return { isError: result.isError ?? false, body: JSON.parse(result.content[0]!.text) as Record<string, unknown> };
  };
  return { client, call };
}

describe('MCP tools', () => {
  it('lists ask_database while a language model is configured, deciding at each tools/list', async () => {
    const services = fakeServices();
    expect(await askDatabaseAvailable(services)).toBe(false);
    const { client } = await connect(services);
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('ask_database');
    // Registered since the client connected: the next list has it, and drops it once it is gone again.
    services.providerConfigured = true;
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('ask_database');
    services.providerConfigured = false;
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('ask_database');
  });

  it('answers an ask_database call without a provider with the service’s LLM_UNAVAILABLE, naming what to set', async () => {
    const services = fakeServices();
    services.ask.ask = async () => {
      throw new AppError(ErrorCode.LLM_UNAVAILABLE, 'No language model is configured. Set WARDEN_LLM_BASE_URL and WARDEN_LLM_MODEL.');
    };
    const { call } = await connect(services);
    expect(await call('ask_database', { database_id: 'db_1', question: 'How many orders?' })).toMatchObject({
      isError: true,
      body: { code: 'LLM_UNAVAILABLE', message: expect.stringContaining('WARDEN_LLM_BASE_URL') },
    });
  });

  it('tells a lasting session when ask_database comes or goes, after its next tool call', async () => {
    const services = fakeServices();
    const { client, call } = await connect(services, undefined, { askDatabase: () => askDatabaseAvailable(services), notifyToolListChanges: true });
    let changes = 0;
    let changed: () => void = () => undefined;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changes += 1;
      changed();
    });
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('ask_database');
    await call('list_databases');
    services.providerConfigured = true;
    const announced = new Promise<void>((resolve) => (changed = resolve));
    await call('list_databases');
    await announced;
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('ask_database');
    // Nothing changed since that list: no second notice.
    await call('list_databases');
    await client.listTools();
    expect(changes).toBe(1);
  });

  it('describes only the columns the caller may use, and foreign keys only to tables it may use', async () => {
    const { call } = await connect(fakeServices());
    const { isError, body } = await call('describe_table', { database_id: 'db_1', table: 'orders' });
    expect(isError).toBe(false);
    expect((body.columns as { name: string }[]).map((c) => c.name)).toEqual(['id', 'customer_id', 'product_id']);
    expect(body.foreignKeys).toEqual([{ columns: ['product_id'], references: 'public.products', referencedColumns: ['id'] }]);
    const hidden = await call('describe_table', { database_id: 'db_1', table: 'customers' });
    expect(hidden).toMatchObject({ isError: true, body: { code: 'NOT_FOUND' } });
  });

  it('samples only the columns the caller may use, 5 rows unless asked, and serialises bigints', async () => {
    const services = fakeServices();
    const { call } = await connect(services);
    const { body } = await call('sample_rows', { database_id: 'db_1', table: 'orders' });
    expect(body.rows).toEqual([{ n: '42' }]);
    expect(services.calls.find((c) => c.method === 'rows')?.args.slice(1)).toEqual([
      'db_1',
      { table: 'orders', schema: 'public', columns: ['id', 'customer_id', 'product_id'], limit: 5 },
    ]);
  });

  it('runs SQL through QueryService.runQuery with the caller, params and a row cap of 100 unless asked', async () => {
    const services = fakeServices();
    const { call } = await connect(services);
    await call('run_sql', { database_id: 'db_1', sql: 'select $1', params: [7] });
    expect(services.calls.find((c) => c.method === 'runQuery')?.args).toEqual([{ principal: AGENT, requestId: 'req-1' }, 'db_1', 'select $1', [7], 100]);
  });

  it("returns a service's AppError as an isError result with its code, message, details and the request id", async () => {
    const services = fakeServices();
    const denied = [{ resource: 'public.customers.email', needed: 'READ', reason: 'no grant allows READ on this column' }];
    services.runQuery = async () => {
      throw new AppError(ErrorCode.FORBIDDEN, 'You may not do this: public.customers.email.', { denied });
    };
    const { call } = await connect(services);
    expect(await call('run_sql', { database_id: 'db_1', sql: 'select email from customers' })).toEqual({
      isError: true,
      body: { code: 'FORBIDDEN', message: 'You may not do this: public.customers.email.', denied, requestId: 'req-1' },
    });
  });

  it('masks anything else as INTERNAL with the request id, and logs the original', async () => {
    const services = fakeServices();
    services.runQuery = async () => {
      throw new Error('connect ECONNREFUSED 10.0.0.7:5432 password=hunter2');
    };
    const { call } = await connect(services);
    const result = await call('run_sql', { database_id: 'db_1', sql: 'select 1' });
    expect(result).toEqual({ isError: true, body: { code: 'INTERNAL', message: INTERNAL_MESSAGE, requestId: 'req-1' } });
    expect(JSON.stringify(result)).not.toContain('10.0.0.7');
    expect(services.logs.join('')).toContain('ECONNREFUSED');
  });

  it('answers arguments that fail the input schema with BAD_USER_INPUT, like any other error', async () => {
    const services = fakeServices();
    const { call } = await connect(services);
    const result = await call('sample_rows', { database_id: 'db_1', table: 'orders', limit: 500 });
    expect(result).toMatchObject({ isError: true, body: { code: 'BAD_USER_INPUT', message: expect.stringContaining('limit') } });
    expect(services.calls.filter((c) => c.method === 'rows')).toEqual([]);
    expect(await call('drop_everything')).toMatchObject({ isError: true, body: { code: 'BAD_USER_INPUT' } });
  });

  it('asks for the caller on every call, and a refused caller gets UNAUTHENTICATED', async () => {
    let calls = 0;
    const { call } = await connect(fakeServices(), async () => {
      calls += 1;
      if (calls > 1) throw new AppError(ErrorCode.UNAUTHENTICATED, 'The API key is not valid.');
      return { principal: AGENT, requestId: `req-${calls}` };
    });
    expect((await call('list_databases')).isError).toBe(false);
    expect(await call('list_databases')).toEqual({ isError: true, body: { code: 'UNAUTHENTICATED', message: 'The API key is not valid.' } });
  });
});
