import type { StoredAuditEvent } from './audit-writer.js';
import { randomUUID } from 'node:crypto';
import { Topic, type PubSub } from './pubsub.js';

export type NotificationSeverity = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

export const SEVERITY_RANK: Record<NotificationSeverity, number> = { LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };

/** A security notification, as raised by a rule over the event stream. */
export interface SecurityNotificationMessage {
  id: string;
  createdAt: Date;
  kind: string;
  severity: NotificationSeverity;
  /** The agent it concerns, when it concerns one. */
  agentId: string | null;
  message: string;
  details: Record<string, unknown> | null;
}

/**
 * What another replica must forget. Sent after the store has changed, so whoever reloads reads the
 * new state.
 */
export type Invalidation =
  | { kind: 'agent'; agentId: string; keyIds: string[]; agentRevoked: boolean }
  | { kind: 'grants'; agentId: string | null }
  | { kind: 'catalog'; databaseId: string }
  | { kind: 'database'; databaseId: string }
  | { kind: 'rateLimit'; agentId: string };

/**
 * Typed topics over a PubSub: audit events and notifications from every replica, and cache
 * invalidations. A handler sees each message once, whichever replica published it (this one too).
 */
export class EventBus {
  /** This process, so a replica can tell its own invalidations from others'. */
  readonly replicaId = randomUUID();

  constructor(readonly pubsub: PubSub) {}

  publishAudit(event: StoredAuditEvent): void {
    this.pubsub.publish(Topic.AUDIT_EVENT, event);
  }

  onAudit(handler: (event: StoredAuditEvent) => void): () => void {
    return this.pubsub.subscribe(Topic.AUDIT_EVENT, (raw) => {
      // From this process the event itself (its date a Date); from another replica, parsed JSON.
      const event = raw as StoredAuditEvent | (Omit<StoredAuditEvent, 'occurredAt'> & { occurredAt: string });
      handler(event.occurredAt instanceof Date ? (event as StoredAuditEvent) : { ...event, occurredAt: new Date(event.occurredAt) });
    });
  }

  publishNotification(notification: SecurityNotificationMessage): void {
    this.pubsub.publish(Topic.SECURITY_NOTIFICATION, notification);
  }

  onNotification(handler: (notification: SecurityNotificationMessage) => void): () => void {
    return this.pubsub.subscribe(Topic.SECURITY_NOTIFICATION, (raw) => {
      const notification = raw as SecurityNotificationMessage | (Omit<SecurityNotificationMessage, 'createdAt'> & { createdAt: string });
      handler(notification.createdAt instanceof Date ? (notification as SecurityNotificationMessage) : { ...notification, createdAt: new Date(notification.createdAt) });
    });
  }

  invalidate(invalidation: Invalidation): void {
    this.pubsub.publish(Topic.INVALIDATION, { origin: this.replicaId, invalidation });
  }

  /** Invalidations sent by other replicas (this one has already acted on its own). */
  onInvalidation(handler: (invalidation: Invalidation) => void): () => void {
    return this.pubsub.subscribe(Topic.INVALIDATION, (raw) => {
      const { origin, invalidation } = raw as { origin: string; invalidation: Invalidation };
      if (origin !== this.replicaId) handler(invalidation);
    });
  }

  ready(): Promise<void> {
    return this.pubsub.ready();
  }

  close(): Promise<void> {
    return this.pubsub.close();
  }
}
