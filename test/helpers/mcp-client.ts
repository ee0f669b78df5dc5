import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';
import type { McpServices } from '../../src/mcp/mcp-services.js';
import { askDatabaseAvailable, createMcpServer, type CallerOf, type McpServerOptions } from '../../src/mcp/tools.js';

type ToolResult = CallToolResult & { content: { type: 'text'; text: string }[] };
export type ToolErrorBody = Record<string, unknown> & { code: string; message: string };

/**
 * A tool's answer, as structured content; fails the test on isError, or when the text block (for
 * clients that read text only) says anything else.
 */
export async function call<T = unknown>(client: Client, name: string, args: Record<string, unknown> = {}): Promise<T> {
  const result = (await client.callTool({ name, arguments: args })) as ToolResult;
  expect(result.isError, result.content[0]?.text).toBeFalsy();
  expect(result.structuredContent).toBeDefined();
  expect(JSON.parse(result.content[0]!.text)).toEqual(result.structuredContent);
  return result.structuredContent as T;
}

/** A tool's error body ({ code, message, …details }); fails the test unless it is an error. */
export async function callError(client: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolErrorBody> {
  const result = (await client.callTool({ name, arguments: args })) as ToolResult;
  expect(result.isError, result.content[0]?.text).toBe(true);
  return JSON.parse(result.content[0]!.text) as ToolErrorBody;
}

/**
 * The SDK's client connected in-process (the SDK's linked in-memory transports) to Warden's MCP server
 * over `services` (a running gateway's `warden.mcp`), acting for whoever `callerOf` says.
 */
export async function inMemoryMcpClient(services: McpServices, callerOf: CallerOf, options: Partial<McpServerOptions> = {}): Promise<Client> {
  const server = await createMcpServer(services, callerOf, { askDatabase: () => askDatabaseAvailable(services), ...options });
  const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'warden-in-memory', version: '1.0.0' });
  await client.connect(clientSide);
  return client;
}

/** A caller for the agent whose key this is, as the gateway's /mcp makes one: request ids req-1, req-2 … */
export async function agentCaller(services: McpServices, key: string): Promise<CallerOf> {
  const principal = await services.authenticator.authenticate(key);
  let calls = 0;
  return async () => ({ principal, requestId: `req-${++calls}` });
}

/** The SDK's client over streamable HTTP at `<baseUrl>/mcp`, with the key as a Bearer token. */
export async function httpMcpClient(baseUrl: string, apiKey: string | undefined, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'warden-e2e', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', baseUrl), {
    requestInit: { headers: { ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}), ...headers } },
  });
  await client.connect(transport);
  return client;
}

export interface StdioMcpClient {
  client: Client;
  /** Everything the server process wrote to stderr so far. */
  stderr(): string;
}

/**
 * The SDK's client over stdio, starting `command args` as an MCP client would: in `cwd`, with only `env`
 * (and PATH and HOME). Rejects when the process ends before the MCP handshake; its stderr is in the error.
 */
export async function stdioMcpClient(command: string, args: string[], cwd: string, env: Record<string, string>): Promise<StdioMcpClient> {
  const transport = new StdioClientTransport({
    command,
    args,
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'test', LOG_LEVEL: 'info', ...env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const client = new Client({ name: 'warden-e2e-stdio', version: '1.0.0' });
  try {
    await client.connect(transport);
  } catch (error) {
    // Give stderr a moment to arrive: the process has ended, its pipe drains right after.
    await new Promise((resolve) => setImmediate(resolve));
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${stderr}`);
  }
  return { client, stderr: () => stderr };
}
