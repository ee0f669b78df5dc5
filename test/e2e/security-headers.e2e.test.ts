import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { useServerWithPostgresStore } from '../helpers/server-fixture.js';
import { serviceAvailable } from '../helpers/services.js';
import { spawnGateway, type SpawnedGateway } from '../helpers/spawn-gateway.js';

const pgUp = await serviceAvailable('postgres');

/** The policy's directives by name: `{ 'script-src': ["'self'", 'https://…'], … }`. */
function directives(policy: string | null): Record<string, string[]> {
  return Object.fromEntries(
    (policy ?? '')
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...values]) => [name!, values]),
  );
}

function expectLockedDown(res: Response, what: string) {
  expect(res.headers.get('x-content-type-options'), what).toBe('nosniff');
  expect(res.headers.get('x-frame-options'), what).toBe('DENY');
  expect(res.headers.get('referrer-policy'), what).toBe('no-referrer');
  const csp = directives(res.headers.get('content-security-policy'));
  expect(csp['frame-ancestors'], what).toEqual(["'none'"]);
  expect(csp['default-src'], what).toEqual(["'none'"]);
}

describe.skipIf(!pgUp)('security headers', () => {
  const fixture = useServerWithPostgresStore();
  const base = () => fixture.server.url.replace(/\/graphql$/, '');

  it('are on every route: GraphQL, MCP, health, exports, unknown paths', async () => {
    const json = { 'content-type': 'application/json' };
    const responses: [string, Response][] = [
      ['POST /graphql with a key', await fetch(fixture.server.url, { method: 'POST', headers: { ...json, authorization: `Bearer ${fixture.server.adminKey}` }, body: '{"query":"{ me { id } }"}' })],
      ['POST /graphql without a key', await fetch(fixture.server.url, { method: 'POST', headers: json, body: '{"query":"{ me { id } }"}' })],
      ['GET /graphql (CSRF refusal)', await fetch(`${fixture.server.url}?query=%7B__typename%7D`)],
      ['POST /mcp', await fetch(`${base()}/mcp`, { method: 'POST', headers: json, body: '{}' })],
      ['GET /mcp', await fetch(`${base()}/mcp`)],
      ['GET /healthz', await fetch(`${base()}/healthz`)],
      ['GET /exports/…', await fetch(`${base()}/exports/exp_nothing?expires=1&signature=x`)],
      ['GET /nowhere', await fetch(`${base()}/nowhere`)],
    ];
    for (const [what, res] of responses) {
      await res.arrayBuffer();
      expectLockedDown(res, what);
      expect(res.headers.get('strict-transport-security'), what).toBeNull();
    }
  });

  it('give the explorer and console pages a policy that admits only their own origin, with no inline script or eval', async () => {
    for (const path of ['/graphql', '/graphiql', '/console']) {
      const url = new URL(path, fixture.server.url);
      const res = await fetch(url, { headers: { accept: 'text/html' } });
      const html = await res.text();
      expect(res.headers.get('content-type'), path).toMatch(/text\/html/);
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      const csp = directives(res.headers.get('content-security-policy'));
      expect(csp['default-src'], path).toEqual(["'none'"]);
      expect(csp['frame-ancestors'], path).toEqual(["'none'"]);
      expect(csp['script-src'], path).toEqual(["'self'"]);
      expect(csp['style-src'], path).toEqual(["'self'"]);
      expect(csp['connect-src'], path).toEqual(["'self'"]);
      // Every script and stylesheet the page names is on this origin, and there is no inline script.
      const scriptUrls = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => new URL(m[1]!, url));
      const scripts = scriptUrls.map((script) => script.origin);
      const styles = [...html.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"|<link[^>]*href="([^"]+)"[^>]*rel="stylesheet"/g)].map((m) => new URL((m[1] ?? m[2])!, url).origin);
      expect(scripts.length, path).toBeGreaterThan(0);
      for (const origin of [...scripts, ...styles]) expect(origin, path).toBe(url.origin);
      expect(html, path).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
      expect(Object.values(csp).flat(), path).not.toContain('*');
      expect(Object.values(csp).flat(), path).not.toContain("'unsafe-inline'");
      expect(Object.values(csp).flat(), path).not.toContain("'unsafe-eval'");
      // The scripts themselves come with the API's locked policy and are cached for good.
      const script = await fetch(scriptUrls[0]!);
      expect(script.status, path).toBe(200);
      expect(script.headers.get('content-type'), path).toMatch(/javascript/);
      expect(script.headers.get('cache-control'), path).toMatch(/immutable/);
    }
  });

  it('serve no file outside the built assets', async () => {
    for (const path of ['/assets/..%2Fpackage.json', '/assets/%2E%2E%2F%2E%2E%2Fpackage.json', '/assets/console', '/assets/.env.js', '/assets/nothing-here.js']) {
      const res = await fetch(new URL(path, fixture.server.url));
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).not.toMatch(/"dependencies"/);
    }
  });
});

describe.skipIf(!pgUp)('HSTS', () => {
  const fixture = useServerWithPostgresStore({ env: { WARDEN_PUBLIC_URL: 'https://warden.example.com' } });

  it('is sent when the gateway is reached over https (WARDEN_PUBLIC_URL), on every route', async () => {
    const base = fixture.server.url.replace(/\/graphql$/, '');
    for (const path of ['/healthz', '/graphql', '/mcp', '/nowhere']) {
      const res = await fetch(`${base}${path}`, { method: path === '/healthz' || path === '/nowhere' ? 'GET' : 'POST', headers: { 'content-type': 'application/json' }, body: path === '/healthz' || path === '/nowhere' ? null : '{}' });
      await res.arrayBuffer();
      expect(res.headers.get('strict-transport-security'), path).toBe('max-age=31536000');
    }
  });
});

describe('a WebSocket frame over 1 MiB', () => {
  let dataDir: string;
  let gateway: SpawnedGateway | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'warden-frame-'));
    gateway = await spawnGateway({ WARDEN_DATA_DIR: dataDir, WARDEN_DEMO: 'false', WARDEN_ADMIN_KEY: `frame-admin-${randomBytes(16).toString('hex')}`, LOG_LEVEL: 'info' });
  }, 90_000);
  afterAll(async () => {
    await gateway?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('closes the socket with 1009 and is logged as one JSON line, with no stack trace outside the log', async () => {
    const socket = new WebSocket(`${gateway!.baseUrl.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    socket.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(Buffer.alloc(2 * 1024 * 1024, 'a').toString('utf8'));
    expect(await closed).toBe(1009);
    // The log line is written as the socket closes; give the pipe a moment.
    const logged = async () => {
      for (let i = 0; i < 50; i++) {
        if (gateway!.stdout().includes('broke the protocol')) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    await logged();
    const out = gateway!.stdout();
    const err = gateway!.stderr();
    expect(err).not.toMatch(/\n\s+at |RangeError|Internal error/);
    expect(err.trim()).toBe('');
    const lines = out.split('\n').filter((line) => line.trim() !== '');
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    const entries = lines.map((line) => JSON.parse(line) as { msg?: string; code?: string; level?: number });
    expect(entries).toContainEqual(expect.objectContaining({ msg: 'closed a WebSocket connection that broke the protocol', code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' }));
    // The gateway carries on.
    expect((await fetch(`${gateway!.baseUrl}/healthz`)).status).toBe(200);
  });
});
