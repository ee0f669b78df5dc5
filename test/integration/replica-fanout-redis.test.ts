import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events/event-bus.js';
import { RedisLeadership } from '../../src/events/leadership.js';
import { RedisPubSub } from '../../src/events/pubsub.js';
import { SecurityMonitor } from '../../src/services/security-monitor.js';
import { DEFAULT_RULE_SETTINGS } from '../../src/events/security-rule-settings.js';
import { MemoryClaims } from '../../src/events/claims.js';
import type { NotificationService } from '../../src/services/notification.service.js';
import { LiveFeedService, type Viewer } from '../../src/services/live-feed.service.js';
import { auditEvent } from '../helpers/audit-event.js';
import { SERVICES, serviceAvailable } from '../helpers/services.js';

const redisUp = await serviceAvailable('redis');
const log = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const admin: Viewer = {
  principal: { kind: 'agent', agentId: 'agt_admin', keyId: 'key_admin', name: 'admin', role: 'ADMIN' },
  stillAllowed: () => true,
  ended: () => undefined,
};

/**
 * What one replica spends on the audit events of the others must not grow with their number when
 * nobody on it watches them: it is not sent them at all. Real Redis, several "replicas" in one process.
 */
describe.skipIf(!redisUp)('audit events between replicas over Redis', () => {
  const prefix = `warden-test-${randomBytes(4).toString('hex')}:`;
  const pubsubs: RedisPubSub[] = [];
  const clients: Redis[] = [];
  const replica = async () => {
    const pubsub = await RedisPubSub.connect(SERVICES.redis.url, log, prefix);
    pubsubs.push(pubsub);
    const bus = new EventBus(pubsub);
    return { pubsub, bus, feed: new LiveFeedService(bus) };
  };

  afterAll(async () => {
    await Promise.all(pubsubs.map((p) => p.close()));
    await Promise.all(clients.map((c) => c.quit()));
  });

  it('a replica nobody watches is sent none of them; one that is watched gets each once; and none again when the watcher leaves', async () => {
    const [source, idle] = [await replica(), await replica()];
    await Promise.all([source.bus.ready(), idle.bus.ready()]);
    for (let i = 0; i < 50; i++) source.bus.publishAudit(auditEvent({ id: `evt_a${i}` }));
    await sleep(200);
    expect(idle.pubsub.received).toBe(0);

    const stream = idle.feed.auditEvents(admin);
    await idle.bus.ready();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const event of stream) {
        seen.push(event.id);
        if (seen.length === 20) break;
      }
    })();
    for (let i = 0; i < 20; i++) source.bus.publishAudit(auditEvent({ id: `evt_b${i}` }));
    await reading;
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => `evt_b${i}`));

    // The stream is over (break returned it): the replica stops listening.
    await idle.bus.ready();
    const before = idle.pubsub.received;
    for (let i = 0; i < 50; i++) source.bus.publishAudit(auditEvent({ id: `evt_c${i}` }));
    await sleep(200);
    expect(idle.pubsub.received).toBe(before);
  });

  it('one replica leads the security rules; the others are not sent the stream for them; another takes over when it stops', async () => {
    const replicas = await Promise.all([replica(), replica(), replica()]);
    const raised: string[] = [];
    const notifications = { raise: async (draft: { kind: string }) => raised.push(draft.kind) } as unknown as NotificationService;
    const leases = replicas.map(() => {
      const client = new Redis(SERVICES.redis.url);
      clients.push(client);
      return new RedisLeadership(client, `${prefix}lease:monitor`, 600, log);
    });
    const monitors = replicas.map((r, i) => new SecurityMonitor(r.bus, notifications, new MemoryClaims(), log, { cooldownMs: 60_000, rules: { ...DEFAULT_RULE_SETTINGS, denialBurst: 3 } }, leases[i]));
    await expect.poll(() => leases.filter((l) => l.leading).length, { timeout: 2_000 }).toBe(1);
    await Promise.all(replicas.map((r) => r.bus.ready()));
    const leader = leases.findIndex((l) => l.leading);

    const publisher = replicas[(leader + 1) % 3]!;
    for (let i = 0; i < 3; i++) publisher.bus.publishAudit(auditEvent({ id: `evt_d${i}`, principalId: 'agt_prober', decision: 'DENIED', action: 'runQuery' }));
    await expect.poll(() => raised, { timeout: 2_000 }).toEqual(['DENIAL_BURST']);
    replicas.forEach((r, i) => (i === leader ? expect(r.pubsub.received).toBe(3) : expect(r.pubsub.received).toBe(0)));

    // The leader stops: within the lease's life another leads, and it is the one sent the stream.
    monitors[leader]!.stop();
    await leases[leader]!.stop();
    await expect.poll(() => leases.filter((l) => l.leading).length, { timeout: 2_000 }).toBe(1);
    const next = leases.findIndex((l) => l.leading);
    expect(next).not.toBe(leader);
    await Promise.all(replicas.map((r) => r.bus.ready()));
    const before = replicas.map((r) => r.pubsub.received);
    for (let i = 0; i < 3; i++) publisher.bus.publishAudit(auditEvent({ id: `evt_e${i}`, principalId: 'agt_other', decision: 'DENIED', action: 'runQuery' }));
    await expect.poll(() => raised, { timeout: 2_000 }).toEqual(['DENIAL_BURST', 'DENIAL_BURST']);
    replicas.forEach((r, i) => expect(r.pubsub.received - before[i]!).toBe(i === next ? 3 : 0));
    monitors.forEach((m) => m.stop());
    await Promise.all(leases.map((l) => l.stop()));
  });
});
