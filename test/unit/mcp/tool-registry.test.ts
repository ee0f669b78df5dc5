import { Writable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ToolListChangedNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { INTERNAL_MESSAGE } from '../../../src/errors/format-error.js';
import { createLogger } from '../../../src/logger.js';
import { ToolRegistry } from '../../../src/mcp/tool-registry.js';
import { toolResult } from '../../../src/mcp/tool-result.js';

/** A registry on a fresh McpServer, with an `echo` tool that records what it ran with, and a client connected in-process. */
async function setUp(options: { beforeList?: () => Promise<void>; maxInputElements?: number } = {}) {
  const logs: string[] = [];
  const log = createLogger('info', new Writable({ write: (chunk: Buffer, _e, done) => done(void logs.push(chunk.toString('utf8'))) }));
  const server = new McpServer({ name: 'unit', version: '1' });
  const registry = new ToolRegistry(server, { maxInputElements: options.maxInputElements ?? 1_000, beforeList: options.beforeList, log });
  const ran: unknown[] = [];
  const echo = registry.register(
    'echo',
    {
      description: 'Says it back.',
      inputSchema: { text: z.string().min(1), times: z.number().int().max(3).optional(), items: z.array(z.unknown()).optional() },
      outputSchema: { said: z.array(z.unknown()) },
      annotations: { readOnlyHint: true },
    },
    async (args) => {
      ran.push(args);
      return toolResult({ said: Array.from({ length: args.times ?? 1 }, () => args.text) });
    },
  );
  const connect = async () => {
    const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: 'unit', version: '1' });
    await client.connect(clientSide);
    const call = async (name: string, args: Record<string, unknown>) => {
      const result = (await client.callTool({ name, arguments: args })) as CallToolResult & { content: { text: string }[] };
      return { isError: result.isError ?? false, body: JSON.parse(result.content[0]!.text) as unknown };
    };
    return { client, call };
  };
  return { server, registry, echo, ran, logs, connect };
}

describe('ToolRegistry', () => {
  it('lists each tool without the JSON Schema dialect, additionalProperties: false, empty items or the default execution', async () => {
    const { connect } = await setUp();
    const { client } = await connect();
    const { tools } = await client.listTools();
    expect(tools).toEqual([
      {
        name: 'echo',
        description: 'Says it back.',
        inputSchema: {
          type: 'object',
          // A property named like a keyword is a name, and stays.
          properties: { text: { type: 'string', minLength: 1 }, times: { type: 'integer', maximum: 3, minimum: expect.any(Number) }, items: { type: 'array' } },
          required: ['text'],
        },
        outputSchema: { type: 'object', properties: { said: { type: 'array' } }, required: ['said'] },
        annotations: { readOnlyHint: true },
      },
    ]);
  });

  it('leaves a disabled tool out of tools/list and still serves a call to it; enabling it again is announced', async () => {
    const { echo, connect } = await setUp();
    const { client, call } = await connect();
    let announced = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void (announced += 1));
    echo.disable();
    expect((await client.listTools()).tools).toEqual([]);
    expect(await call('echo', { text: 'still here' })).toEqual({ isError: false, body: { said: ['still here'] } });
    echo.enable();
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['echo']);
    expect(announced).toBe(2);
  });

  it('runs the hook before each tools/list is answered', async () => {
    const order: string[] = [];
    const { echo, connect } = await setUp({
      beforeList: async () => {
        order.push('hook');
        echo.disable();
      },
    });
    const { client } = await connect();
    expect((await client.listTools()).tools).toEqual([]);
    expect(order).toEqual(['hook']);
  });

  it('answers arguments that fail the input schema with BAD_USER_INPUT naming the field, running nothing', async () => {
    const { ran, connect } = await setUp();
    const { call } = await connect();
    expect(await call('echo', { text: 'x', times: 9 })).toEqual({
      isError: true,
      body: { code: 'BAD_USER_INPUT', field: 'times', message: expect.stringMatching(/^The arguments to echo do not fit its input schema \(tools\/list shows it\): times: /) },
    });
    expect(await call('echo', {})).toMatchObject({ isError: true, body: { code: 'BAD_USER_INPUT', field: 'text' } });
    expect(ran).toEqual([]);
  });

  it('answers an unknown tool with BAD_USER_INPUT naming it', async () => {
    const { connect } = await setUp();
    const { call } = await connect();
    expect(await call('drop_everything', {})).toEqual({
      isError: true,
      body: { code: 'BAD_USER_INPUT', field: 'name', message: 'There is no tool "drop_everything"; tools/list shows the tools there are.' },
    });
  });

  it('refuses arguments holding more values than allowed before validating them', async () => {
    const { ran, connect } = await setUp({ maxInputElements: 10 });
    const { call } = await connect();
    expect(await call('echo', { text: 'x', items: Array.from({ length: 5 }, () => ({ a: 1 })) })).toMatchObject({ isError: true, body: { code: 'BAD_USER_INPUT' } });
    expect(await call('echo', { text: 'x', items: [1, 2, 3] })).toMatchObject({ isError: false });
    expect(ran).toHaveLength(1);
  });

  it('masks an answer that does not fit its own output schema as INTERNAL, and logs it', async () => {
    const { registry, logs, connect } = await setUp();
    registry.register('broken', { description: 'Answers off its schema.', inputSchema: {}, outputSchema: { n: z.number() } }, async () => toolResult({ n: 'not a number' }));
    const { call } = await connect();
    expect(await call('broken', {})).toEqual({ isError: true, body: { code: 'INTERNAL', message: INTERNAL_MESSAGE } });
    expect(logs.join('')).toContain('the answer of broken does not fit its output schema');
  });
});
