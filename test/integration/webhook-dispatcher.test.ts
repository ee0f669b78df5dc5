import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { StoredAuditEvent } from '../../src/events/audit-writer.js';
import { WebhookDispatcher, type WebhookDispatcherOptions } from '../../src/events/webhook-dispatcher.js';
import { Webhook } from 'standardwebhooks';
import { createLogger } from '../../src/logger.js';
import { EgressGuard } from '../../src/net/egress-guard.js';
import { parseEgressRules } from '../../src/net/egress-policy.js';
import { SecretBox } from '../../src/secrets/secret-box.js';
import { WebhookService } from '../../src/services/webhook.service.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { serviceAvailable } from '../helpers/services.js';
import { createTempPostgres } from '../helpers/temp-postgres.js';

const pgUp = await serviceAvailable('postgres');
const log = createLogger('silent');
/** The receivers here listen on 127.0.0.1, which the egress policy refuses unless allowed. */
const LOCAL = new EgressGuard({ allow: parseEgressRules('127.0.0.1/32'), deny: [] });
const OPTIONS: WebhookDispatcherOptions = { maxAttempts: 3, backoffMs: 20, timeoutMs: 2000, pollMs: 20, flushMs: 20, egress: LOCAL };

function auditEvent(n: number, decision: StoredAuditEvent['decision'] = 'ALLOWED'): StoredAuditEvent {
  return {
    id: `evt_test${String(n).padStart(6, '0')}`,
    occurredAt: new Date(),
    requestId: null,
    principalId: 'agt_test',
    principalKind: 'agent',
    action: 'runQuery',
    databaseId: null,
    decision,
    reasons: null,
    statementFingerprint: null,
    tables: null,
    durationMs: 1,
    rowCount: null,
    details: null,
  };
}

/** Counts requests per webhook-id (the delivery's id); `hold` keeps requests open until released. */
async function receiver(options: { hold?: boolean } = {}) {
  const byDelivery = new Map<string, number>();
  const bodies: { headers: Record<string, string>; body: string }[] = [];
  const held: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      byDelivery.set(id, (byDelivery.get(id) ?? 0) + 1);
      bodies.push({ headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8') });
      const answer = () => res.writeHead(204).end();
      if (options.hold) held.push(answer);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    byDelivery,
    bodies,
    held,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function until(probe: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function statuses(store: Store): Promise<Record<string, number>> {
  const rows = await store.db.selectFrom('webhook_deliveries').select(['status']).execute();
  const counts: Record<string, number> = {};
  for (const r of rows) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

describe('webhook dispatcher on the embedded (PGlite) store', () => {
  it('queues matching events in a batch and delivers each once, signed', async () => {
    const store = await openStore({ kind: 'pglite', dataDir: 'memory://' });
    const box = new SecretBox(randomBytes(32));
    const hook = await receiver();
    const dispatcher = new WebhookDispatcher(store.repos.webhooks, box, log, OPTIONS);
    try {
      const service = new WebhookService(store, box, LOCAL);
      service.onChanged(() => dispatcher.refresh());
      await dispatcher.start();
      const { secret } = await service.register({ url: hook.url, eventTypes: ['QUERY_DENIED'] }, null);
      for (let n = 0; n < 10; n += 1) dispatcher.onAuditEvent(auditEvent(n, n % 2 === 0 ? 'DENIED' : 'ALLOWED'));
      dispatcher.onAuditEvent(auditEvent(0, 'DENIED')); // the same event again: still one delivery
      await until(async () => (await statuses(store)).DELIVERED === 5);
      expect(await statuses(store)).toEqual({ DELIVERED: 5 });
      expect([...hook.byDelivery.values()]).toEqual([1, 1, 1, 1, 1]);
      // Each verifies as a receiver checks it, with the standardwebhooks package.
      for (const { headers, body } of hook.bodies) expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    } finally {
      await dispatcher.stop();
      await hook.close();
      await store.close();
    }
  });

  it('refuses at connect time a saved webhook whose name now resolves to loopback, and dead-letters it with the reason', async () => {
    const store = await openStore({ kind: 'pglite', dataDir: 'memory://' });
    const box = new SecretBox(randomBytes(32));
    const hook = await receiver();
    // The policy's defaults and the system resolver, as a gateway without WARDEN_EGRESS_ALLOW runs.
    const dispatcher = new WebhookDispatcher(store.repos.webhooks, box, log, { ...OPTIONS, egress: undefined, maxAttempts: 2 });
    try {
      // When it was registered, the name resolved to a public address.
      const saveTime = new EgressGuard({ allow: [], deny: [] }, { resolve: async () => [{ address: '93.184.216.34', family: 4 }] });
      const service = new WebhookService(store, box, saveTime);
      service.onChanged(() => dispatcher.refresh());
      await dispatcher.start();
      await service.register({ url: hook.url.replace('127.0.0.1', 'localhost'), eventTypes: ['AUDIT_EVENT'] }, null);
      dispatcher.onAuditEvent(auditEvent(1));
      await until(async () => (await statuses(store)).DEAD === 1);
      expect(hook.byDelivery.size).toBe(0);
      const dead = await store.db.selectFrom('webhook_deliveries').select(['lastError', 'attempts']).executeTakeFirstOrThrow();
      expect(dead.attempts).toBe(2);
      expect(dead.lastError).toBe('refused by the egress policy: the destination resolves to a loopback address, which Warden does not call unless WARDEN_EGRESS_ALLOW lists it');
    } finally {
      await dispatcher.stop();
      await hook.close();
      await store.close();
    }
  });
});

describe.skipIf(!pgUp)('webhook dispatchers sharing a PostgreSQL store (replicas)', () => {
  it('never sends one delivery twice when two replicas poll the same queue', async () => {
    const db = await createTempPostgres();
    const [storeA, storeB] = [await openStore({ kind: 'postgres', url: db.url }), await openStore({ kind: 'postgres', url: db.url })];
    const box = new SecretBox(randomBytes(32));
    const hook = await receiver();
    const [a, b] = [storeA, storeB].map((s) => new WebhookDispatcher(s.repos.webhooks, box, log, { ...OPTIONS, pollMs: 5, concurrency: 4 }));
    try {
      const service = new WebhookService(storeA, box, LOCAL);
      await service.register({ url: hook.url, eventTypes: ['AUDIT_EVENT'] }, null);
      await a!.start();
      await b!.start();
      // Events recorded on replica A only (local sources), delivered by whichever replica claims first.
      for (let n = 0; n < 60; n += 1) a!.onAuditEvent(auditEvent(n));
      await until(async () => (await statuses(storeA)).DELIVERED === 60);
      expect(hook.byDelivery.size).toBe(60);
      expect([...hook.byDelivery.values()].every((count) => count === 1)).toBe(true);
    } finally {
      await a!.stop();
      await b!.stop();
      await hook.close();
      await storeA.close();
      await storeB.close();
      await db.drop();
    }
  });

  it('on stop, hands an attempt still in flight back to the queue, uncounted', async () => {
    const db = await createTempPostgres();
    const store = await openStore({ kind: 'postgres', url: db.url });
    const box = new SecretBox(randomBytes(32));
    const hook = await receiver({ hold: true });
    const dispatcher = new WebhookDispatcher(store.repos.webhooks, box, log, { ...OPTIONS, stopGraceMs: 100 });
    try {
      await new WebhookService(store, box, LOCAL).register({ url: hook.url, eventTypes: ['AUDIT_EVENT'] }, null);
      await dispatcher.start();
      dispatcher.onAuditEvent(auditEvent(1));
      await until(() => hook.held.length === 1);
      const started = Date.now();
      await dispatcher.stop();
      expect(Date.now() - started).toBeLessThan(1500);
      const rows = await store.db.selectFrom('webhook_deliveries').select(['status', 'attempts', 'lockedUntil']).execute();
      expect(rows).toEqual([{ status: 'PENDING', attempts: 0, lockedUntil: null }]);
      expect(await store.db.selectFrom('webhook_attempts').selectAll().execute()).toEqual([]);
    } finally {
      await dispatcher.stop();
      await hook.close();
      await store.close();
      await db.drop();
    }
  });
});
