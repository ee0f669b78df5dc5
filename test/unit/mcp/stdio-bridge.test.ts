import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { bridgeMcpOverStdio, mcpEndpoint } from '../../../src/mcp/stdio-bridge.js';

const silent = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));

/** A gateway's /mcp as fetch sees it: records each POST and answers from `answer`; GET (a stream from the server) is not offered. */
function fakeGateway(answer: (message: { id?: unknown; method?: string }, headers: Headers) => Response | Promise<Response>) {
  const posts: { url: string; headers: Headers; message: { id?: unknown; method?: string } }[] = [];
  const fetcher = (async (url: URL | string, init?: RequestInit) => {
    if (init?.method !== 'POST') return new Response(null, { status: 405 });
    const message = JSON.parse(String(init?.body)) as { id?: unknown; method?: string };
    const headers = new Headers(init?.headers);
    posts.push({ url: String(url), headers, message });
    return answer(message, headers);
  }) as typeof fetch;
  return { posts, fetcher };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const result = (id: unknown, value: unknown) => json(200, { jsonrpc: '2.0', id, result: value });

/** The client's end of the bridge's stdin/stdout: writes requests, collects what comes back. */
function clientSide() {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const received: Record<string, unknown>[] = [];
  let buffered = '';
  stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      received.push(JSON.parse(buffered.slice(0, nl)) as Record<string, unknown>);
      buffered = buffered.slice(nl + 1);
    }
  });
  const send = (message: Record<string, unknown>) => stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
  return { stdin, stdout, received, send };
}

describe('warden mcp through a running gateway (WARDEN_URL)', () => {
  it('finds the /mcp endpoint from the gateway address, its GraphQL address or the endpoint itself', () => {
    expect(String(mcpEndpoint('http://127.0.0.1:4000'))).toBe('http://127.0.0.1:4000/mcp');
    expect(String(mcpEndpoint('http://127.0.0.1:4000/'))).toBe('http://127.0.0.1:4000/mcp');
    expect(String(mcpEndpoint('http://127.0.0.1:4000/graphql'))).toBe('http://127.0.0.1:4000/mcp');
    expect(String(mcpEndpoint('https://warden.internal/base/mcp/'))).toBe('https://warden.internal/base/mcp');
  });

  it('refuses to start when the gateway refuses the key, with the gateway’s words, and when no gateway answers', async () => {
    const refusing = fakeGateway(() => json(401, { jsonrpc: '2.0', error: { code: -32001, message: 'The API key is not valid.', data: { code: 'UNAUTHENTICATED' } }, id: null }));
    await expect(bridgeMcpOverStdio('http://127.0.0.1:4000', 'wdn_revoked', silent, { fetch: refusing.fetcher })).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'The API key is not valid.',
    });
    const down = (async () => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    }) as typeof fetch;
    await expect(bridgeMcpOverStdio('http://127.0.0.1:4000', 'wdn_key', silent, { fetch: down })).rejects.toMatchObject({
      message: expect.stringMatching(/No Warden gateway answered at http:\/\/127\.0\.0\.1:4000 \(ECONNREFUSED\)/),
    });
    const elsewhere = fakeGateway(() => new Response('<h1>Not Found</h1>', { status: 404, headers: { 'content-type': 'text/html' } }));
    await expect(bridgeMcpOverStdio('http://127.0.0.1:4000', 'wdn_key', silent, { fetch: elsewhere.fetcher })).rejects.toMatchObject({
      code: 'DATABASE_UNAVAILABLE',
      message: 'http://127.0.0.1:4000/mcp answered HTTP 404; is WARDEN_URL the address of a Warden gateway?',
    });
  });

  it('carries each message to /mcp with the key, answers come back as the gateway gave them, and a refusal keeps the request id', async () => {
    let refuse = false;
    const gateway = fakeGateway((message) => {
      if (message.id === undefined) return new Response(null, { status: 202 });
      if (refuse) return json(401, { jsonrpc: '2.0', error: { code: -32001, message: 'The API key was revoked.', data: { code: 'UNAUTHENTICATED' } }, id: null });
      if (message.method === 'initialize') return result(message.id, { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'warden', version: '0.1.0' } });
      return result(message.id, { tools: [{ name: 'list_databases', inputSchema: { type: 'object' } }] });
    });
    const client = clientSide();
    const session = await bridgeMcpOverStdio('http://127.0.0.1:4000', 'wdn_key', silent, { stdin: client.stdin, stdout: client.stdout, fetch: gateway.fetcher });

    client.send({ id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'unit', version: '1' } } });
    await expect.poll(() => client.received.length).toBe(1);
    client.send({ method: 'notifications/initialized' });
    client.send({ id: 2, method: 'tools/list' });
    await expect.poll(() => client.received.length).toBe(2);
    refuse = true;
    client.send({ id: 3, method: 'tools/call', params: { name: 'list_databases', arguments: {} } });
    // Input that ends (a pipe) still gets the answers to what it sent.
    client.stdin.end();
    await session.closed;

    expect(client.received).toEqual([
      { jsonrpc: '2.0', id: 1, result: expect.objectContaining({ protocolVersion: '2025-06-18' }) },
      { jsonrpc: '2.0', id: 2, result: { tools: [{ name: 'list_databases', inputSchema: { type: 'object' } }] } },
      { jsonrpc: '2.0', id: 3, error: { code: -32001, message: 'The API key was revoked.', data: { code: 'UNAUTHENTICATED' } } },
    ]);
    expect(gateway.posts.every((p) => p.url === 'http://127.0.0.1:4000/mcp' && p.headers.get('authorization') === 'Bearer wdn_key')).toBe(true);
    // After initialize, each message says which protocol version was agreed.
    expect(gateway.posts.find((p) => p.message.id === 2)?.headers.get('mcp-protocol-version')).toBe('2025-06-18');
  });

  it('passes on no answer to a request the client cancelled, and still answers the others', async () => {
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const gateway = fakeGateway(async (message) => {
      if (message.id === undefined) return new Response(null, { status: 202 });
      if (message.id === 1) await slow;
      return result(message.id, { content: [{ type: 'text', text: `answer ${String(message.id)}` }] });
    });
    const client = clientSide();
    const session = await bridgeMcpOverStdio('http://127.0.0.1:4000', 'wdn_key', silent, { stdin: client.stdin, stdout: client.stdout, fetch: gateway.fetcher });
    client.send({ id: 1, method: 'tools/call', params: { name: 'run_sql', arguments: {} } });
    client.send({ method: 'notifications/cancelled', params: { requestId: 1, reason: 'taking too long' } });
    client.send({ id: 2, method: 'tools/call', params: { name: 'list_databases', arguments: {} } });
    await expect.poll(() => client.received.length).toBe(1);
    release();
    client.stdin.end();
    await session.closed;
    expect(client.received).toEqual([{ jsonrpc: '2.0', id: 2, result: { content: [{ type: 'text', text: 'answer 2' }] } }]);
    // The cancellation went on to the gateway too, as every message does.
    expect(gateway.posts.map((p) => p.message.method)).toContain('notifications/cancelled');
  });

  it('tells the client the tool list changed when, after a call, the gateway lists other tools; not when it lists the same', async () => {
    let tools = [{ name: 'list_databases', inputSchema: { type: 'object' } }];
    const gateway = fakeGateway((message) => {
      if (message.id === undefined) return new Response(null, { status: 202 });
      if (message.method === 'initialize') return result(message.id, { protocolVersion: '2025-06-18', capabilities: { tools: { listChanged: true } }, serverInfo: { name: 'warden', version: '0.1.0' } });
      if (message.method === 'tools/list') return result(message.id, { tools });
      return result(message.id, { content: [{ type: 'text', text: '[]' }] });
    });
    const client = clientSide();
    const session = await bridgeMcpOverStdio('http://127.0.0.1:4000', 'wdn_key', silent, { stdin: client.stdin, stdout: client.stdout, fetch: gateway.fetcher });
    client.send({ id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'unit', version: '1' } } });
    client.send({ method: 'notifications/initialized' });
    client.send({ id: 2, method: 'tools/list' });
    await expect.poll(() => client.received.length).toBe(2);

    // Same list after the call: the answer, and nothing more.
    client.send({ id: 3, method: 'tools/call', params: { name: 'list_databases', arguments: {} } });
    await expect.poll(() => gateway.posts.filter((p) => p.message.method === 'tools/list').length).toBe(2);
    // A provider was registered in the gateway meanwhile: ask_database is offered from now on.
    tools = [...tools, { name: 'ask_database', inputSchema: { type: 'object' } }];
    client.send({ id: 4, method: 'tools/call', params: { name: 'list_databases', arguments: {} } });
    await expect.poll(() => client.received.length).toBe(5);
    client.stdin.end();
    await session.closed;

    expect(client.received.slice(2)).toEqual([
      { jsonrpc: '2.0', id: 3, result: expect.objectContaining({ content: expect.any(Array) }) },
      { jsonrpc: '2.0', id: 4, result: expect.objectContaining({ content: expect.any(Array) }) },
      { jsonrpc: '2.0', method: 'notifications/tools/list_changed' },
    ]);
  });
});
