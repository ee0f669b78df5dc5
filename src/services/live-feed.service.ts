import { AppError, ErrorCode } from '../errors/app-error.js';
import type { Principal } from '../auth/principal.js';
import type { StoredAuditEvent } from '../events/audit-writer.js';
import { SEVERITY_RANK, type EventBus, type NotificationSeverity, type SecurityNotificationMessage } from '../events/event-bus.js';

/** Who watches a live stream, re-checked before every event it is sent. */
export interface Viewer {
  principal: Principal & { kind: 'agent' };
  /** False once the viewer's key is revoked or expired: the stream then ends. */
  stillAllowed(): boolean;
  /** Told why a stream ended early (key no longer valid, fell too far behind), to tell the client. */
  ended(reason: AppError): void;
}

export interface AuditStreamFilter {
  principalId?: string | undefined;
  databaseId?: string | undefined;
  action?: string | undefined;
  decision?: string | undefined;
}

/** A subscriber that falls this far behind is ended rather than let memory grow without bound. */
const MAX_PENDING = 1_000;

/**
 * Live audit events and security notifications from every replica, fanned out to subscribers here.
 * One bus subscription per topic, whatever the number of subscribers; each event is checked against
 * each subscriber (still allowed? may it see this event? does it match the filter?) before it is queued.
 */
export class LiveFeedService {
  readonly #audit = new Set<Stream<StoredAuditEvent>>();
  readonly #notifications = new Set<Stream<SecurityNotificationMessage>>();
  readonly #unsubscribe: (() => void)[] = [];

  constructor(
    bus: EventBus,
    /** What audit events carry as the principal id of an agent (its id, or its pseudonym). */
    private readonly auditRef: (agentId: string) => string = (agentId) => agentId,
  ) {
    this.#unsubscribe.push(
      bus.onAudit((event) => this.#audit.forEach((stream) => stream.offer(event))),
      bus.onNotification((notification) => this.#notifications.forEach((stream) => stream.offer(notification))),
    );
  }

  get subscriberCount(): number {
    return this.#audit.size + this.#notifications.size;
  }

  /** Admins see every event; an agent only its own (asking for another principal's is FORBIDDEN). */
  auditEvents(viewer: Viewer, filter: AuditStreamFilter = {}): AsyncIterableIterator<StoredAuditEvent> {
    const admin = viewer.principal.role === 'ADMIN';
    const own = this.auditRef(viewer.principal.agentId);
    if (!admin && filter.principalId && filter.principalId !== own && filter.principalId !== viewer.principal.agentId) {
      throw new AppError(ErrorCode.FORBIDDEN, 'An agent may only watch its own audit events.', {
        denied: [{ resource: 'Subscription.auditEvents', needed: 'ADMIN', reason: "another principal's events are for admins" }],
      });
    }
    // A principal may be named by its agent id or by what audit events carry for it (its pseudonym).
    const wanted = filter.principalId ? new Set([filter.principalId, this.auditRef(filter.principalId)]) : undefined;
    const accepts = (event: StoredAuditEvent) =>
      (admin || event.principalId === own) &&
      (!wanted || (event.principalId !== null && wanted.has(event.principalId))) &&
      (!filter.databaseId || event.databaseId === filter.databaseId) &&
      (!filter.action || event.action === filter.action) &&
      (!filter.decision || event.decision === filter.decision);
    return new Stream(viewer, accepts, this.#audit);
  }

  /** Admins see every notification; an agent those about itself. */
  securityNotifications(viewer: Viewer, minSeverity: NotificationSeverity = 'LOW'): AsyncIterableIterator<SecurityNotificationMessage> {
    const admin = viewer.principal.role === 'ADMIN';
    const rank = SEVERITY_RANK[minSeverity];
    const own = this.auditRef(viewer.principal.agentId);
    const accepts = (n: SecurityNotificationMessage) =>
      SEVERITY_RANK[n.severity] >= rank && (admin || n.agentId === viewer.principal.agentId || n.agentId === own);
    return new Stream(viewer, accepts, this.#notifications);
  }

  close(): void {
    this.#unsubscribe.forEach((unsubscribe) => unsubscribe());
    for (const stream of [...this.#audit, ...this.#notifications]) void stream.return();
  }
}

/** A bounded queue that is also the async iterator graphql-ws reads. */
class Stream<T> implements AsyncIterableIterator<T> {
  readonly #queue: T[] = [];
  #waiting: { resolve: (result: IteratorResult<T>) => void } | undefined;
  #done = false;

  constructor(
    private readonly viewer: Viewer,
    private readonly accepts: (item: T) => boolean,
    private readonly registry: Set<Stream<T>>,
  ) {
    registry.add(this);
  }

  offer(item: T): void {
    if (this.#done) return;
    if (!this.viewer.stillAllowed()) {
      this.#fail(new AppError(ErrorCode.UNAUTHENTICATED, 'The API key of this subscription is no longer valid.'));
      return;
    }
    if (!this.accepts(item)) return;
    if (this.#waiting) {
      const waiting = this.#waiting;
      this.#waiting = undefined;
      waiting.resolve({ value: item, done: false });
      return;
    }
    if (this.#queue.length >= MAX_PENDING) {
      this.#fail(
        new AppError(ErrorCode.RATE_LIMITED, `This subscription fell ${MAX_PENDING} events behind and was ended; subscribe again, and page the query for what was missed.`, {
          retryAfterSeconds: 1,
        }),
      );
      return;
    }
    this.#queue.push(item);
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.#queue.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.#waiting = { resolve }));
  }

  return(): Promise<IteratorResult<T>> {
    this.#finish();
    this.#queue.length = 0;
    if (this.#waiting) this.#waiting.resolve({ value: undefined, done: true });
    this.#waiting = undefined;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  #fail(error: AppError): void {
    this.#finish();
    this.#queue.length = 0;
    if (this.#waiting) this.#waiting.resolve({ value: undefined, done: true });
    this.#waiting = undefined;
    this.viewer.ended(error);
  }

  #finish(): void {
    this.#done = true;
    this.registry.delete(this);
  }
}
