import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../../src/errors/app-error.js';
import { EgressGuard, egressDenialOf, type HostResolver } from '../../../src/net/egress-guard.js';
import { DEFAULT_EGRESS_SETTINGS, parseEgressRules } from '../../../src/net/egress-policy.js';

/** A resolver answering from a table that the test may change between calls (DNS rebinding). */
function resolverFrom(table: Record<string, string[]>): HostResolver & { asked: string[] } {
  const asked: string[] = [];
  const resolve: HostResolver = async (hostname) => {
    asked.push(hostname);
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { asked });
}

let server: Server;
let port: number;
const received: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('EgressGuard at save time (checkUrl)', () => {
  it('refuses a URL at the metadata address, saying why and never the host', async () => {
    const guard = new EgressGuard(DEFAULT_EGRESS_SETTINGS, { resolve: resolverFrom({}) });
    const error = await rejection(guard.checkUrl('http://169.254.169.254/latest/meta-data/', 'webhook URL', 'url'));
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe(ErrorCode.BAD_USER_INPUT);
    expect((error as AppError).message).toBe('The webhook URL is a link-local address (where cloud metadata services live), which Warden never calls.');
    for (const url of ['http://[fd00:ec2::254]/', 'http://metadata.google.internal/computeMetadata/v1/', 'http://[::ffff:169.254.169.254]/', 'http://2852039166/']) {
      await expect(guard.checkUrl(url, 'webhook URL', 'url'), url).rejects.toThrow(/never calls/);
    }
  });

  it('refuses a name that resolves to loopback by default, and accepts it when ALLOW lists the address', async () => {
    const resolve = resolverFrom({ 'hooks.test': ['127.0.0.1'] });
    const error = await rejection(new EgressGuard(DEFAULT_EGRESS_SETTINGS, { resolve }).checkUrl('http://hooks.test:9/in', 'webhook URL', 'url'));
    expect((error as AppError).message).toContain('resolves to a loopback address');
    expect((error as AppError).message).not.toContain('hooks.test');
    const allowed = new EgressGuard({ allow: parseEgressRules('127.0.0.1/32'), deny: [] }, { resolve });
    await expect(allowed.checkUrl('http://hooks.test:9/in', 'webhook URL', 'url')).resolves.toBeUndefined();
  });

  it('refuses a name with one refused address among public ones', async () => {
    const guard = new EgressGuard(DEFAULT_EGRESS_SETTINGS, { resolve: resolverFrom({ 'mixed.test': ['93.184.216.34', '10.0.0.1'] }) });
    await expect(guard.checkUrl('https://mixed.test/', 'webhook URL', 'url')).rejects.toThrow(/private address/);
  });
});

describe('EgressGuard at connect time', () => {
  it('refuses a name that resolved to a public address when saved and to loopback when connecting (DNS rebinding)', async () => {
    const table: Record<string, string[]> = { 'rebind.test': ['93.184.216.34'] };
    const guard = new EgressGuard(DEFAULT_EGRESS_SETTINGS, { resolve: resolverFrom(table) });
    await guard.checkUrl(`http://rebind.test:${port}/hook`, 'webhook URL', 'url');
    table['rebind.test'] = ['127.0.0.1'];
    const before = received.length;
    const error = await rejection(guard.fetch(`http://rebind.test:${port}/hook`, { method: 'POST', body: 'x' }));
    expect(error).toBeInstanceOf(TypeError);
    expect(egressDenialOf(error)?.message).toBe(
      'refused by the egress policy: the destination resolves to a loopback address, which Warden does not call unless WARDEN_EGRESS_ALLOW lists it',
    );
    expect(received.length).toBe(before);
  });

  it('refuses the metadata address when connecting even when ALLOW lists everything', async () => {
    const guard = new EgressGuard(
      { allow: parseEgressRules('0.0.0.0/0, ::/0'), deny: [] },
      { resolve: resolverFrom({ 'rebind.test': ['169.254.169.254'] }) },
    );
    expect(egressDenialOf(await rejection(guard.fetch('http://rebind.test/latest/meta-data/')))?.reason).toContain('link-local');
    expect(egressDenialOf(await rejection(guard.fetch('http://169.254.169.254/latest/meta-data/')))?.reason).toContain('link-local');
  });

  it('refuses a URL that names a loopback address before connecting, and reaches it once allowed', async () => {
    const refused = new EgressGuard(DEFAULT_EGRESS_SETTINGS);
    const before = received.length;
    expect(egressDenialOf(await rejection(refused.fetch(`http://127.0.0.1:${port}/x`)))).toBeDefined();
    expect(received.length).toBe(before);
    const allowed = new EgressGuard({ allow: parseEgressRules('127.0.0.1/32'), deny: [] });
    const response = await allowed.fetch(`http://127.0.0.1:${port}/y`, { method: 'POST', body: 'hello', headers: { 'x-test': '1' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok');
    expect(received.at(-1)).toBe('POST /y');
  });

  it('refuses "localhost" by default when the system resolver is used', async () => {
    const guard = new EgressGuard(DEFAULT_EGRESS_SETTINGS);
    const error = await rejection(guard.fetch(`http://localhost:${port}/z`));
    expect(egressDenialOf(error)?.reason).toContain('loopback');
  });

  it('applies the guard to node:http agents (the S3 client uses them)', async () => {
    const guard = new EgressGuard(DEFAULT_EGRESS_SETTINGS, { resolve: resolverFrom({ 'bucket.test': ['127.0.0.1'] }) });
    const { httpAgent } = guard.newAgents();
    const http = await import('node:http');
    const error = await new Promise<unknown>((resolve) => {
      const request = http.request({ host: 'bucket.test', port, path: '/', agent: httpAgent }, () => resolve(undefined));
      request.on('error', resolve);
      request.end();
    });
    expect(egressDenialOf(error)?.reason).toContain('loopback');
  });
});
