import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { serveMcpOverStdio } from '../../../src/mcp/stdio.js';
import { fakeServices } from './fake-services.js';

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
  const notify = (method: string) => stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method })}\n`);
  return { stdin, stdout, request, notify };
}

describe('MCP over stdio', () => {
  it('refuses to serve without a key, or with one that does not check out', async () => {
    const services = fakeServices();
    await expect(serveMcpOverStdio(services, undefined)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    services.keyValid = false;
    await expect(serveMcpOverStdio(services, 'wdn_x')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('checks the key afresh on every tool call, so a key revoked anywhere stops working at once', async () => {
    const services = fakeServices();
    const { stdin, stdout, request, notify } = peer();
    const session = await serveMcpOverStdio(services, 'wdn_key', { stdin, stdout });
    await request('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'unit', version: '1' } });
    notify('notifications/initialized');

    const ok = (await request('tools/call', { name: 'list_databases', arguments: {} })) as { result: { isError?: boolean } };
    expect(ok.result.isError).toBeUndefined();
    // Forgotten first, then verified against the store: the caches cannot keep a revoked key alive.
    expect(services.calls.map((c) => c.method)).toEqual(['verify', 'authenticator.forgetAgent', 'grants.forget', 'databases.openAll', 'verify']);

    services.keyValid = false;
    const refused = (await request('tools/call', { name: 'list_databases', arguments: {} })) as { result: { isError: boolean; content: { text: string }[] } };
    expect(refused.result.isError).toBe(true);
    expect(JSON.parse(refused.result.content[0]!.text)).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(services.audited).toEqual([
      expect.objectContaining({ action: 'authenticate', decision: 'DENIED', details: expect.objectContaining({ transport: 'stdio' }) }),
    ]);

    stdin.end();
    await session.closed;
  });
});
