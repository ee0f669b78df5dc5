import { describe, expect, it } from 'vitest';
import type { AppError } from '../../../src/errors/app-error.js';
import { EventBus, type SecurityNotificationMessage } from '../../../src/events/event-bus.js';
import { InProcessPubSub } from '../../../src/events/pubsub.js';
import { auditEvent } from '../../helpers/audit-event.js';
import { LiveFeedService, type LiveFeedLimits, type Viewer } from '../../../src/services/live-feed.service.js';

const event = (n: number) => auditEvent({ id: `evt_${n}` });

const notification: SecurityNotificationMessage = {
  id: 'ntf_1',
  createdAt: new Date(),
  kind: 'AGENT_REVOKED',
  severity: 'HIGH',
  agentId: 'agt_a',
  message: 'revoked',
  details: null,
};

/** An admin watching, with what it received and why its stream ended, if it did. */
function watcher() {
  const endings: AppError[] = [];
  const viewer: Viewer = {
    principal: { kind: 'agent', agentId: 'agt_admin', keyId: 'key_admin', name: 'admin', role: 'ADMIN' },
    stillAllowed: () => true,
    ended: (reason) => endings.push(reason),
  };
  return { viewer, endings };
}

/** Reads a stream into an array until it ends. */
function drain<T>(stream: AsyncIterableIterator<T>): { items: T[]; done: Promise<void> } {
  const items: T[] = [];
  const done = (async () => {
    for await (const item of stream) items.push(item);
  })();
  return { items, done };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));
/** After the in-process pubsub has handed over what was published (it does so on a microtask). */
const handedOver = () => new Promise<void>((resolve) => queueMicrotask(resolve));

function feedWith(limits: Partial<LiveFeedLimits> = {}) {
  const bus = new EventBus(new InProcessPubSub());
  return { bus, feed: new LiveFeedService(bus, (id) => id, limits) };
}

describe('the live feed', () => {
  it('sends every event to every subscriber in order, a share at a time, so other work runs between', async () => {
    const { bus, feed } = feedWith();
    const readers = Array.from({ length: 50 }, () => drain(feed.auditEvents(watcher().viewer)));
    for (let n = 0; n < 200; n++) bus.publishAudit(event(n));
    // 10,000 deliveries are owed; work queued now runs before they are all made.
    let madeBeforeOtherWork = -1;
    setImmediate(() => setImmediate(() => (madeBeforeOtherWork = readers.reduce((sum, r) => sum + r.items.length, 0))));
    await expect.poll(() => readers.every((r) => r.items.length === 200)).toBe(true);
    expect(madeBeforeOtherWork).toBeGreaterThan(0);
    expect(madeBeforeOtherWork).toBeLessThan(10_000);
    for (const reader of readers) expect(reader.items.map((e) => e.id)).toEqual(Array.from({ length: 200 }, (_, n) => `evt_${n}`));
    feed.close();
    await Promise.all(readers.map((r) => r.done));
  });

  it('ends every audit subscription as fallen behind (RATE_LIMITED) when events wait too long, and keeps notifications flowing', async () => {
    let now = 0;
    const { bus, feed } = feedWith({ maxLagMs: 10_000, now: () => now });
    const first = watcher();
    const second = watcher();
    const alerts = watcher();
    const readers = [drain(feed.auditEvents(first.viewer)), drain(feed.auditEvents(second.viewer))];
    const notices = drain(feed.securityNotifications(alerts.viewer));

    bus.publishAudit(event(1));
    await handedOver();
    now += 11_000; // the gateway was busy elsewhere for 11 s before it could send
    await Promise.all(readers.map((r) => r.done));

    for (const { endings } of [first, second]) {
      expect(endings).toHaveLength(1);
      expect(endings[0]).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringMatching(/fell 1 events behind; subscribe again, and page auditEvents/) });
    }
    expect(readers.map((r) => r.items.length)).toEqual([0, 0]);
    expect(feed.timesFallenBehind).toBe(1);

    bus.publishNotification(notification);
    await expect.poll(() => notices.items.map((n) => n.id)).toEqual(['ntf_1']);
    expect(alerts.endings).toEqual([]);

    // Who subscribes afterwards gets what comes afterwards.
    const later = drain(feed.auditEvents(watcher().viewer));
    bus.publishAudit(event(2));
    await expect.poll(() => later.items.map((e) => e.id)).toEqual(['evt_2']);
    feed.close();
  });

  it('ends audit subscriptions when more events wait than it may hold, without sending any of them', async () => {
    const { bus, feed } = feedWith({ maxWaiting: 5 });
    const one = watcher();
    const reader = drain(feed.auditEvents(one.viewer));
    for (let n = 0; n < 6; n++) bus.publishAudit(event(n));
    await reader.done;
    await turn();
    expect(reader.items).toEqual([]);
    expect(one.endings.map((e) => e.code)).toEqual(['RATE_LIMITED']);
    feed.close();
  });
});
