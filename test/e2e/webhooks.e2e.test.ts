import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { generateWebhookSecret, signWebhookPayload } from '../../src/events/webhook-signature.js';
import { serviceAvailable } from '../helpers/services.js';
import { useServerWithPostgresStore } from '../helpers/server-fixture.js';
import { REPO_ROOT } from '../helpers/spawn-gateway.js';
import { deadPort } from '../helpers/tcp-proxy.js';
import { createTempPostgres } from '../helpers/temp-postgres.js';
import { errorCode, startTestServer, type TestServer } from '../helpers/test-server.js';

/** Small numbers, so retries and dead letters take milliseconds. */
const FAST_WEBHOOKS = {
  WARDEN_WEBHOOK_MAX_ATTEMPTS: '3',
  WARDEN_WEBHOOK_BACKOFF_MS: '50',
  WARDEN_WEBHOOK_TIMEOUT_MS: '2000',
  WARDEN_WEBHOOK_POLL_MS: '50',
};

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

interface Receiver {
  url: string;
  port: number;
  received: Received[];
  close(): Promise<void>;
}

/** A real HTTP receiver; `respond(n)` gives the status for the n-th request (1-based). */
async function startReceiver(respond: (n: number) => number = () => 200, port = 0): Promise<Receiver> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const status = respond(received.length + 1);
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'not now');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}/hooks/warden`,
    port: bound,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The receiver in the README's webhooks paragraph, as written. */
async function readmeReceiver(): Promise<string> {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('- **Webhooks**:');
  const blocks = [...readme.slice(start, readme.indexOf('\n- **', start + 1)).matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  expect(blocks).toHaveLength(1);
  return blocks[0] as string;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const REGISTER_WEBHOOK = 'mutation($i: RegisterWebhookInput!) { registerWebhook(input: $i) { secret webhook { id url eventTypes description createdBy } } }';
const DELIVERY_FIELDS = 'id webhookId eventType eventId status attemptCount lastStatusCode lastError deliveredAt nextAttemptAt payload attempts { attempt statusCode error durationMs attemptedAt }';
const DELIVERIES = `query($w: ID, $s: WebhookDeliveryStatus) { webhookDeliveries(webhookId: $w, status: $s, first: 50) { totalCount edges { node { ${DELIVERY_FIELDS} } } } }`;
const DEAD_LETTERS = `{ deadLetters(first: 200) { totalCount edges { cursor node { ${DELIVERY_FIELDS} } } } }`;

interface Delivery {
  id: string;
  webhookId: string;
  eventType: string;
  eventId: string;
  status: string;
  attemptCount: number;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  nextAttemptAt: string | null;
  payload: { id: string; type: string; createdAt: string; data: Record<string, unknown> };
  attempts: { attempt: number; statusCode: number | null; error: string | null; durationMs: number; attemptedAt: string }[];
}

/** What one gateway needs to drive webhooks from a test. */
function webhookClient(server: () => TestServer) {
  const admin = <T>(query: string, variables?: Record<string, unknown>) => server().graphql<T>(query, variables, server().adminKey);
  return {
    admin,
    async register(url: string, eventTypes: string[], description?: string) {
      const res = await admin<{ registerWebhook: { secret: string; webhook: { id: string; url: string; eventTypes: string[] } } }>(REGISTER_WEBHOOK, {
        i: { url, eventTypes, description },
      });
      expect(res.body.errors).toBeUndefined();
      return res.body.data!.registerWebhook;
    },
    async remove(id: string) {
      await admin('mutation($id: ID!) { removeWebhook(id: $id) { id } }', { id });
    },
    async deliveries(webhookId: string, status?: string): Promise<Delivery[]> {
      const res = await admin<{ webhookDeliveries: { edges: { node: Delivery }[] } }>(DELIVERIES, { w: webhookId, s: status });
      expect(res.body.errors).toBeUndefined();
      return res.body.data!.webhookDeliveries.edges.map((e) => e.node);
    },
    async deadLetters(): Promise<Delivery[]> {
      const res = await admin<{ deadLetters: { edges: { node: Delivery }[] } }>(DEAD_LETTERS);
      expect(res.body.errors).toBeUndefined();
      return res.body.data!.deadLetters.edges.map((e) => e.node);
    },
    async registerAgent(name: string): Promise<string> {
      const res = await admin<{ registerAgent: { key: string } }>('mutation($n: String!) { registerAgent(input: { name: $n }) { key } }', { n: name });
      expect(res.body.errors).toBeUndefined();
      return res.body.data!.registerAgent.key;
    },
    /** An agent calling an admin-only mutation: FORBIDDEN, and one DENIED audit event. */
    async causeDenial(agentKey: string) {
      const res = await server().graphql('mutation { removeWebhook(id: "whk_nothing") { id } }', undefined, agentKey);
      expect(errorCode(res)).toBe('FORBIDDEN');
    },
  };
}

/** The receiver's check, made with the standardwebhooks package as a receiver would: the parsed body, or it throws. */
function verified(secret: string, request: Received): unknown {
  return new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
}

function expectSignedBy(secret: string, request: Received) {
  expect(verified(secret, request)).toEqual(JSON.parse(request.body));
}

const pgUp = await serviceAvailable('postgres');

describe.skipIf(!pgUp)('webhooks (PostgreSQL store)', () => {
  const fixture = useServerWithPostgresStore({ env: FAST_WEBHOOKS });
  const client = webhookClient(() => fixture.server);
  const secrets: string[] = [];
  let agentKey: string;

  async function register(url: string, eventTypes: string[], description?: string) {
    const registration = await client.register(url, eventTypes, description);
    secrets.push(registration.secret);
    return registration;
  }

  beforeAll(async () => {
    agentKey = await client.registerAgent(`webhook-agent-${randomBytes(3).toString('hex')}`);
  });

  it('retries a receiver that fails twice, and it gets exactly one accepted delivery, signed', async () => {
    const receiver = await startReceiver((n) => (n <= 2 ? 500 : 200));
    const { secret, webhook } = await register(receiver.url, ['QUERY_DENIED'], 'flaky receiver');
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(webhook).toMatchObject({ url: receiver.url, eventTypes: ['QUERY_DENIED'], description: 'flaky receiver', createdBy: expect.any(String) });
    try {
      await client.causeDenial(agentKey);
      const [delivered] = await waitFor('the delivery to succeed', async () => {
        const list = await client.deliveries(webhook.id);
        return list.length === 1 && list[0]!.status === 'DELIVERED' ? list : undefined;
      });
      await sleep(300); // nothing more may arrive
      expect(receiver.received.map((r) => r.status)).toEqual([500, 500, 200]);
      const accepted = receiver.received.filter((r) => r.status === 200);
      expect(accepted).toHaveLength(1);
      for (const request of receiver.received) {
        expectSignedBy(secret, request);
        expect(request.headers['content-type']).toBe('application/json');
        expect(request.headers['warden-event']).toBe('QUERY_DENIED');
        // Standard Webhooks headers: the id is the delivery's, the same on every attempt.
        expect(request.headers['webhook-id']).toBe(delivered!.id);
        expect(request.headers['webhook-timestamp']).toMatch(/^\d{10}$/);
        expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
        expect(request.headers['warden-signature']).toBeUndefined();
      }
      // Another secret, or the same request replayed much later, does not verify.
      expect(() => verified(generateWebhookSecret(), accepted[0]!)).toThrow(WebhookVerificationError);
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 10 * 60_000 });
      try {
        expect(() => verified(secret, accepted[0]!)).toThrow('Message timestamp too old');
      } finally {
        vi.useRealTimers();
      }

      const body = JSON.parse(accepted[0]!.body) as Delivery['payload'];
      expect(body).toMatchObject({ id: delivered!.id, type: 'QUERY_DENIED', data: { decision: 'DENIED', action: 'removeWebhook' } });
      expect(new Date(body.createdAt).getTime()).not.toBeNaN();
      expect(delivered).toMatchObject({ status: 'DELIVERED', attemptCount: 3, lastStatusCode: 200, lastError: null, nextAttemptAt: null, eventType: 'QUERY_DENIED' });
      expect(delivered!.deliveredAt).not.toBeNull();
      expect(delivered!.attempts.map((a) => [a.attempt, a.statusCode, a.error])).toEqual([
        [1, 500, 'HTTP 500'],
        [2, 500, 'HTTP 500'],
        [3, 200, null],
      ]);
    } finally {
      await client.remove(webhook.id);
      await receiver.close();
    }
  });

  it('dead-letters a delivery to an unreachable receiver, and a replay delivers it once the receiver is up', async () => {
    const port = await deadPort();
    const { secret, webhook } = await register(`http://127.0.0.1:${port}/hooks`, ['QUERY_DENIED']);
    let receiver: Receiver | undefined;
    try {
      await client.causeDenial(agentKey);
      const dead = await waitFor('the dead letter', async () => (await client.deadLetters()).find((d) => d.webhookId === webhook.id));
      expect(dead).toMatchObject({ status: 'DEAD', attemptCount: 3, nextAttemptAt: null, lastStatusCode: null, lastError: 'ECONNREFUSED' });
      expect(dead.attempts.map((a) => a.error)).toEqual(['ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED']);
      expect(await client.deliveries(webhook.id, 'DEAD')).toHaveLength(1);

      receiver = await startReceiver(() => 200, port);
      const replayed = await client.admin<{ replayDeadLetter: Delivery }>(`mutation($id: ID!) { replayDeadLetter(id: $id) { ${DELIVERY_FIELDS} } }`, { id: dead.id });
      expect(replayed.body.errors).toBeUndefined();
      expect(replayed.body.data!.replayDeadLetter).toMatchObject({ id: dead.id, status: 'PENDING', attemptCount: 0 });

      const delivered = await waitFor('the replay to be delivered', async () => {
        const [d] = await client.deliveries(webhook.id);
        return d?.status === 'DELIVERED' ? d : undefined;
      });
      await sleep(300);
      expect(receiver.received).toHaveLength(1);
      expectSignedBy(secret, receiver.received[0]!);
      expect(receiver.received[0]!.headers['webhook-id']).toBe(dead.id);
      // The history keeps the failed attempts and adds the one that worked.
      expect(delivered.attempts.map((a) => [a.attempt, a.statusCode ?? a.error])).toEqual([
        [1, 'ECONNREFUSED'],
        [2, 'ECONNREFUSED'],
        [3, 'ECONNREFUSED'],
        [1, 200],
      ]);
      expect((await client.deadLetters()).some((d) => d.id === dead.id)).toBe(false);

      const again = await client.admin(`mutation($id: ID!) { replayDeadLetter(id: $id) { id } }`, { id: dead.id });
      expect(errorCode(again)).toBe('CONFLICT');
    } finally {
      await client.remove(webhook.id);
      await receiver?.close();
    }
  });

  it('discards a dead letter: out of the queue, kept in the history as DISCARDED', async () => {
    const port = await deadPort();
    const { webhook } = await register(`http://127.0.0.1:${port}/hooks`, ['QUERY_DENIED']);
    try {
      await client.causeDenial(agentKey);
      const dead = await waitFor('the dead letter', async () => (await client.deadLetters()).find((d) => d.webhookId === webhook.id));
      const discard = (id: string) => client.admin<{ discardDeadLetter: Delivery }>(`mutation($id: ID!) { discardDeadLetter(id: $id) { id status } }`, { id });
      const res = await discard(dead.id);
      expect(res.body.data!.discardDeadLetter).toEqual({ id: dead.id, status: 'DISCARDED' });
      expect((await client.deadLetters()).some((d) => d.id === dead.id)).toBe(false);
      expect((await client.deliveries(webhook.id)).map((d) => d.status)).toEqual(['DISCARDED']);
      expect(errorCode(await discard(dead.id))).toBe('CONFLICT');
      expect(errorCode(await discard('whd_nosuchdelivery'))).toBe('NOT_FOUND');
    } finally {
      await client.remove(webhook.id);
    }
  });

  it('sends QUERY_DENIED subscribers only denials, and AUDIT_EVENT subscribers every audit event', async () => {
    const denials = await startReceiver();
    const everything = await startReceiver();
    const deniedHook = await register(denials.url, ['QUERY_DENIED']);
    const auditHook = await register(everything.url, ['AUDIT_EVENT']);
    try {
      await client.registerAgent(`allowed-${randomBytes(3).toString('hex')}`); // an ALLOWED audit event
      await client.causeDenial(agentKey);
      const bodies = () => everything.received.map((r) => JSON.parse(r.body) as Delivery['payload']);
      await waitFor('the audit events', () => (bodies().some((b) => b.data.decision === 'DENIED') && bodies().some((b) => b.data.action === 'registerAgent') ? true : undefined));
      await waitFor('the denial', () => (denials.received.length >= 1 ? true : undefined));
      await sleep(300);
      expect(denials.received).toHaveLength(1);
      expectSignedBy(deniedHook.secret, denials.received[0]!);
      expect(JSON.parse(denials.received[0]!.body)).toMatchObject({ type: 'QUERY_DENIED', data: { decision: 'DENIED' } });
      for (const request of everything.received) expectSignedBy(auditHook.secret, request);
      expect(new Set(bodies().map((b) => b.type))).toEqual(new Set(['AUDIT_EVENT']));
      expect(new Set(bodies().map((b) => b.data.decision))).toEqual(new Set(['ALLOWED', 'DENIED']));
    } finally {
      await client.remove(deniedHook.webhook.id);
      await client.remove(auditHook.webhook.id);
      await denials.close();
      await everything.close();
    }
  });

  it("the README's receiver, run as written, verifies a real delivery and refuses a forged one", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'warden-receiver-'));
    await symlink(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    await writeFile(join(dir, 'receiver.mjs'), await readmeReceiver());
    const port = await freePort();
    const { secret, webhook } = await register(`http://127.0.0.1:${port}/hooks`, ['QUERY_DENIED']);
    const child = spawn(process.execPath, ['receiver.mjs'], { cwd: dir, env: { ...process.env, WARDEN_WEBHOOK_SECRET: secret, PORT: String(port) } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    try {
      await waitFor('the receiver to listen', async () => ((await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{}' }).catch(() => undefined))?.status === 401 ? true : undefined));
      // Signed with another secret: refused, and not taken.
      const forged = signWebhookPayload(generateWebhookSecret(), 'whd_forged', '{"type":"QUERY_DENIED","id":"whd_forged","data":{}}');
      const refused = await fetch(`http://127.0.0.1:${port}/hooks`, { method: 'POST', headers: forged, body: '{"type":"QUERY_DENIED","id":"whd_forged","data":{}}' });
      expect(refused.status).toBe(401);
      await client.causeDenial(agentKey);
      const [delivered] = await waitFor('the delivery', async () => {
        const list = await client.deliveries(webhook.id);
        return list[0]?.status === 'DELIVERED' ? list : undefined;
      });
      await waitFor('the receiver to print it', () => (output.includes(delivered!.id) ? true : undefined));
      expect(output.split('\n')[0]).toMatch(new RegExp(`^QUERY_DENIED ${delivered!.id} `));
      expect(output).not.toContain('whd_forged');
    } finally {
      child.kill();
      await client.remove(webhook.id);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses URLs that are not http(s), carry credentials, or have no event types', async () => {
    const bad = async (url: string, eventTypes: string[]) => errorCode(await client.admin(REGISTER_WEBHOOK, { i: { url, eventTypes } }));
    expect(await bad('ftp://example.com/hook', ['AUDIT_EVENT'])).toBe('BAD_USER_INPUT');
    expect(await bad('not a url', ['AUDIT_EVENT'])).toBe('BAD_USER_INPUT');
    expect(await bad('https://user:pass@example.com/hook', ['AUDIT_EVENT'])).toBe('BAD_USER_INPUT');
    expect(await bad('https://example.com/hook', [])).toBe('BAD_USER_INPUT');
  });

  it('lets only admins manage webhooks and read deliveries (FORBIDDEN otherwise)', async () => {
    const operations = [
      ['mutation { registerWebhook(input: { url: "https://example.com", eventTypes: [AUDIT_EVENT] }) { secret } }'],
      ['{ webhooks { id } }'],
      ['{ webhookDeliveries { totalCount } }'],
      ['{ deadLetters { totalCount } }'],
      ['mutation { replayDeadLetter(id: "whd_x") { id } }'],
      ['mutation { discardDeadLetter(id: "whd_x") { id } }'],
      ['mutation { removeWebhook(id: "whk_x") { id } }'],
    ] as const;
    for (const [query] of operations) {
      const res = await fixture.server.graphql(query, undefined, agentKey);
      expect(errorCode(res), query).toBe('FORBIDDEN');
    }
  });

  it('lists webhooks without their secrets, and never logs a secret', async () => {
    const receiver = await startReceiver();
    const { secret, webhook } = await register(receiver.url, ['SECURITY_NOTIFICATION', 'AUDIT_EVENT']);
    try {
      const res = await client.admin<{ webhooks: { id: string; eventTypes: string[] }[] }>('{ webhooks { id url eventTypes description createdAt createdBy removedAt } }');
      expect(res.body.errors).toBeUndefined();
      // Stored in canonical order, whatever order they were given in.
      expect(res.body.data!.webhooks.find((w) => w.id === webhook.id)?.eventTypes).toEqual(['AUDIT_EVENT', 'SECURITY_NOTIFICATION']);
      expect(res.text).not.toContain(secret);
      expect(res.text).not.toContain('whsec_');
      await waitFor('a delivery', () => (receiver.received.length > 0 ? true : undefined));
      const store = new pg.Client({ connectionString: fixture.store.url });
      await store.connect();
      try {
        const { rows } = await store.query<{ row: string }>('select row_to_json(w)::text as row from webhooks w');
        for (const s of secrets) expect(rows.map((r) => r.row).join('\n')).not.toContain(s.slice(6));
      } finally {
        await store.end();
      }
    } finally {
      await client.remove(webhook.id);
      await receiver.close();
    }
    const logs = fixture.server.logs.join('');
    expect(logs.length).toBeGreaterThan(0);
    for (const s of secrets) expect(logs).not.toContain(s.slice(6));
    expect(logs).not.toContain('whsec_');
    const removed = await client.admin<{ webhooks: { id: string }[] }>('{ webhooks { id } }');
    expect(removed.body.data!.webhooks.some((w) => w.id === webhook.id)).toBe(false);
  });
});

describe.skipIf(!pgUp)('webhook deliveries across a restart', () => {
  it('picks up deliveries left PENDING by the previous run, signed with the secret it sealed', async () => {
    const store = await createTempPostgres();
    const env = { ...FAST_WEBHOOKS, WARDEN_SECRET_KEY: randomBytes(32).toString('base64') };
    const adminKey = `test-admin-${randomBytes(16).toString('hex')}`;
    const receiver = await startReceiver();
    let server: TestServer | undefined;
    const client = webhookClient(() => server!);
    try {
      // First run: the queue is written but never polled (the first poll is a minute away).
      server = await startTestServer({ store: { kind: 'postgres', url: store.url }, adminKey, env: { ...env, WARDEN_WEBHOOK_POLL_MS: '60000' } });
      const { secret, webhook } = await client.register(receiver.url, ['QUERY_DENIED']);
      await client.causeDenial(await client.registerAgent('restart-agent'));
      await waitFor('the delivery to be queued', async () => ((await client.deliveries(webhook.id)).length === 1 ? true : undefined));
      await server.stop();
      server = undefined;
      expect(receiver.received).toHaveLength(0);
      const db = new pg.Client({ connectionString: store.url });
      await db.connect();
      const pending = await db.query<{ status: string; attempts: number }>('select status, attempts from webhook_deliveries');
      await db.end();
      expect(pending.rows).toEqual([{ status: 'PENDING', attempts: 0 }]);

      // Second run on the same store: delivers what the first left.
      server = await startTestServer({ store: { kind: 'postgres', url: store.url }, adminKey, env });
      await waitFor('the delivery', () => (receiver.received.length > 0 ? true : undefined));
      expectSignedBy(secret, receiver.received[0]!);
      const [delivery] = await waitFor('DELIVERED', async () => {
        const list = await client.deliveries(webhook.id);
        return list[0]?.status === 'DELIVERED' ? list : undefined;
      });
      expect(delivery).toMatchObject({ attemptCount: 1, lastStatusCode: 200 });
      await sleep(200);
      expect(receiver.received).toHaveLength(1);
    } finally {
      await server?.stop();
      await receiver.close();
      await store.drop();
    }
  });
});
