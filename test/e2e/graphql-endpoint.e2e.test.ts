import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

/** A raw request, body written in the given chunks (no content-length when `chunked`). */
function send(url: string, options: { method?: string; headers?: Record<string, string>; chunks?: (string | Buffer)[]; chunked?: boolean } = {}): Promise<Answer> {
  const { hostname, port, pathname, search } = new URL(url);
  const chunks = options.chunks ?? [];
  const length = chunks.reduce((sum, chunk) => sum + Buffer.byteLength(chunk), 0);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: hostname,
        port,
        path: pathname + search,
        method: options.method ?? 'POST',
        // A fresh connection each: a request cut short must not leave bytes on a socket the next one reuses.
        agent: false,
        headers: { ...(options.chunked ? {} : { 'content-length': String(length) }), ...options.headers },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => parts.push(part));
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          let json: Answer['json'] = {};
          try {
            json = JSON.parse(text) as Answer['json'];
          } catch {
            // Not JSON (the explorer page): the text is there to look at.
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    // The server may answer and stop reading before the whole body is written.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    const write = (i: number) => {
      if (i >= chunks.length) return req.end();
      if (req.destroyed) return undefined;
      req.write(chunks[i]!, () => write(i + 1));
    };
    write(0);
  });
}

describe('POST and GET /graphql', () => {
  let server: TestServer;
  const auth = () => ({ authorization: `Bearer ${server.adminKey}` });
  const json = (extra: Record<string, string> = {}) => ({ 'content-type': 'application/json', ...auth(), ...extra });

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('passes every MUST of the GraphQL-over-HTTP audit (graphql-http), for a caller with a key', async () => {
    const audits = serverAudits({
      url: server.url,
      fetchFn: (input: string | URL | Request, init?: RequestInit) => {
        const headers = new Headers(init?.headers);
        headers.set('authorization', `Bearer ${server.adminKey}`);
        return fetch(input, { ...init, headers });
      },
    });
    const results = await Promise.all(audits.map(async (audit) => ({ ...(await audit.fn()), name: audit.name })));
    const failedMusts = results.filter((result) => result.name.startsWith('MUST') && result.status !== 'ok').map((result) => `${result.name}: ${'reason' in result ? result.reason : ''}`);
    expect(results.filter((result) => result.name.startsWith('MUST')).length).toBeGreaterThan(10);
    expect(failedMusts).toEqual([]);
  });

  it('answers a query with its data, a request id and the locked-down headers', async () => {
    const res = await send(server.url, { headers: json({ 'x-request-id': 'fast-1' }), chunks: [JSON.stringify({ query: '{ me { name } }' })] });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ data: { me: { name: expect.any(String) } } });
    expect(res.headers['x-request-id']).toBe('fast-1');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.text));
  });

  it('refuses a body declared larger than 1 MB with 413, before reading it', async () => {
    const res = await send(server.url, { headers: json({ 'content-length': String(2 * 1024 * 1024) }), chunks: ['{"query":"'] });
    expect(res.status).toBe(413);
    expect(res.json.errors?.[0]).toMatchObject({ message: 'The request body is larger than 1 MB.', extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('cuts a chunked body as soon as it passes 1 MB, and a gzip body that inflates past it', async () => {
    const piece = 'x'.repeat(64 * 1024);
    const streamed = await send(server.url, { headers: json({ 'transfer-encoding': 'chunked' }), chunked: true, chunks: ['{"query":"', ...Array.from({ length: 40 }, () => piece), '"}'] });
    expect(streamed.status, streamed.text).toBe(413);
    const bomb = gzipSync(Buffer.from(JSON.stringify({ query: `{ me { name } } #${' '.repeat(4 * 1024 * 1024)}` })));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const inflated = await send(server.url, { headers: json({ 'content-encoding': 'gzip' }), chunks: [bomb] });
    expect(inflated.status).toBe(413);
  });

  it('takes a gzip body within the limit', async () => {
    const res = await send(server.url, { headers: json({ 'content-encoding': 'gzip' }), chunks: [gzipSync(JSON.stringify({ query: '{ me { name } }' }))] });
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual({ me: { name: expect.any(String) } });
  });

  it('refuses other charsets and encodings with 415, and malformed JSON with 400, each typed', async () => {
    const body = [JSON.stringify({ query: '{ me { name } }' })];
    const utf16 = await send(server.url, { headers: json({ 'content-type': 'application/json; charset=utf-16' }), chunks: body });
    expect(utf16.status).toBe(415);
    expect(utf16.json.errors?.[0]?.message).toBe('The request body must be UTF-8 JSON.');
    const compress = await send(server.url, { headers: json({ 'content-encoding': 'compress' }), chunks: body });
    expect(compress.status).toBe(415);
    for (const bad of ['{"query": ', '"just a string"', '42']) {
      const res = await send(server.url, { headers: json(), chunks: [bad] });
      expect(res.status, bad).toBe(400);
      expect(res.json.errors?.[0]).toMatchObject({ message: 'The request body is not valid JSON.', extensions: { code: 'BAD_USER_INPUT' } });
    }
  });

  it('answers a body that is not declared JSON with a typed 400 naming the content type', async () => {
    const res = await send(server.url, { headers: { 'content-type': 'text/plain', ...auth() }, chunks: ['{ me { name } }'] });
    expect(res.status).toBe(400);
    expect(res.json.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.json.errors?.[0]?.message).toMatch(/content-type/i);
  });

  it('answers a GET query from a client that says it is not a simple cross-site request', async () => {
    const res = await send(`${server.url}?query=${encodeURIComponent('{ me { name } }')}`, { method: 'GET', headers: { ...auth(), 'apollo-require-preflight': 'true' } });
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual({ me: { name: expect.any(String) } });
  });

  it('refuses a subscription over HTTP with a typed error that points to the WebSocket, running nothing', async () => {
    for (const query of ['subscription { auditEvents { action } }', 'subscription Watch { securityNotifications { kind } }']) {
      const res = await send(server.url, { headers: json(), chunks: [JSON.stringify({ query })] });
      expect(res.status).toBe(400);
      expect(res.json.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.json.errors?.[0]?.message).toMatch(/WebSocket/);
      expect(res.json.data ?? null).toBeNull();
    }
  });

  it('answers a method GraphQL does not use with 405', async () => {
    const res = await send(server.url, { method: 'PUT', headers: json(), chunks: ['{}'] });
    expect(res.status).toBe(405);
  });

  it('serves the explorer page with its own policy and /graphql/ like /graphql', async () => {
    const page = await send(server.url, { method: 'GET', headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    const slash = await send(`${server.url}/`, { headers: json(), chunks: [JSON.stringify({ query: '{ me { name } }' })] });
    expect(slash.json.data).toEqual({ me: { name: expect.any(String) } });
  });
});
