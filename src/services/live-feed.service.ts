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
 * Audit events come in from the bus faster than they can be sent when the subscribers are many: each event
 * is sent to each of them. They wait in an inbox and are handed out a turn of the event loop at a time,
 * at most about this many deliveries a turn, so queries, health checks and the bus itself are served
 * between turns instead of waiting behind a burst.
 */
const DELIVERIES_PER_TURN = 2_000;

export interface LiveFeedLimits {
  /**
   * When the oldest audit event waiting has waited this long, or this many wait, the gateway cannot keep
   * up with what it is asked to send: every audit subscription is ended as fallen behind (4429, with what to do)
   * and the waiting events are dropped, rather than hold them all in memory or send them minutes late.
   * No event is lost silently: each subscriber that misses some is told.
   */
  maxLagMs: number;
  maxWaiting: number;
  now: () => number;
}

const DEFAULT_LIMITS: LiveFeedLimits = { maxLagMs: 10_000, maxWaiting: 100_000, now: () => performance.now() };

interface Incoming {
  at: number;
  audit: StoredAuditEvent;
}

/**
 * Live audit events and security notifications from every replica, fanned out to subscribers here.
 * One bus subscription per topic, whatever the number of subscribers; each event is checked against
 * each subscriber (still allowed? may it see this event? does it match the filter?) before it is queued.
 */
export class LiveFeedService {
  /** Audit events are taken from the bus only while someone here watches them (see `Watchers`). */
  readonly #audit = new Watchers<Stream<StoredAuditEvent>>(
    () => this.bus.onAudit((audit) => this.#receive({ at: this.#limits.now(), audit })),
  );
  readonly #notifications = new Set<Stream<SecurityNotificationMessage>>();
  readonly #unsubscribe: (() => void)[] = [];
  readonly #inbox: Incoming[] = [];
  #turnScheduled = false;
  readonly #limits: LiveFeedLimits;
  #shed = 0;

  constructor(
    private readonly bus: EventBus,
    /** What audit events carry as the principal id of an agent (its id, or its pseudonym). */
    private readonly auditRef: (agentId: string) => string = (agentId) => agentId,
    limits: Partial<LiveFeedLimits> = {},
  ) {
    this.#limits = { ...DEFAULT_LIMITS, ...limits };
    this.#unsubscribe.push(
      // Few, and what an operator must not miss: straight out, never behind a flood of audit events.
      bus.onNotification((notification) => this.#notifications.forEach((stream) => stream.offer(notification))),
    );
  }

  /** How many times every audit subscription was ended because the gateway fell behind. */
  /** Live subscriptions on this process (audit events and notifications). */
  get subscriptions(): number {
    return this.#audit.size + this.#notifications.size;
  }

  get timesFallenBehind(): number {
    return this.#shed;
  }

  #receive(incoming: Incoming): void {
    if (this.#audit.size === 0) return;
    this.#inbox.push(incoming);
    if (this.#inbox.length > this.#limits.maxWaiting) {
      this.#fallBehind();
      return;
    }
    if (!this.#turnScheduled) {
      this.#turnScheduled = true;
      setImmediate(() => this.#turn());
    }
  }

  /** Hands out waiting events until about DELIVERIES_PER_TURN have been accepted, then yields. */
  #turn(): void {
    this.#turnScheduled = false;
    const head = this.#inbox[0];
    if (head === undefined) return;
    if (this.#limits.now() - head.at > this.#limits.maxLagMs) {
      this.#fallBehind();
      return;
    }
    let taken = 0;
    let delivered = 0;
    while (taken < this.#inbox.length && delivered < DELIVERIES_PER_TURN) {
      const { audit } = this.#inbox[taken++]!;
      for (const stream of this.#audit) delivered += stream.offer(audit) ? 1 : 0;
    }
    this.#inbox.splice(0, taken);
    if (this.#inbox.length > 0) {
      this.#turnScheduled = true;
      setImmediate(() => this.#turn());
    }
  }

  #fallBehind(): void {
    this.#shed += 1;
    const waited = this.#inbox.length;
    this.#inbox.length = 0;
    const error = new AppError(
      ErrorCode.RATE_LIMITED,
      `The gateway fell ${waited} events behind; subscribe again, and page auditEvents for what was missed.`,
      { retryAfterSeconds: 5 },
    );
    for (const stream of [...this.#audit]) stream.fallBehind(error);
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

/**
 * The audit subscribers of this replica. The bus subscription is made when the first one arrives and
 * dropped when the last one leaves: on Redis, a replica nobody watches is not sent every other
 * replica's audit events.
 */
class Watchers<T> extends Set<T> {
  #unsubscribe: (() => void) | undefined;

  constructor(private readonly subscribe: () => () => void) {
    super();
  }

  override add(value: T): this {
    super.add(value);
    this.#unsubscribe ??= this.subscribe();
    return this;
  }

  override delete(value: T): boolean {
    const deleted = super.delete(value);
    if (this.size === 0 && this.#unsubscribe) {
      this.#unsubscribe();
      this.#unsubscribe = undefined;
    }
    return deleted;
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

  /** Whether the item was taken for sending (false: not for this subscriber, or the stream ended). */
  offer(item: T): boolean {
    if (this.#done) return false;
    if (!this.viewer.stillAllowed()) {
      this.#fail(new AppError(ErrorCode.UNAUTHENTICATED, 'The API key of this subscription is no longer valid.'));
      return false;
    }
    if (!this.accepts(item)) return false;
    if (this.#waiting) {
      const waiting = this.#waiting;
      this.#waiting = undefined;
      waiting.resolve({ value: item, done: false });
      return true;
    }
    if (this.#queue.length >= MAX_PENDING) {
      this.#fail(
        new AppError(ErrorCode.RATE_LIMITED, `This subscription fell ${MAX_PENDING} events behind and was ended; subscribe again, and page the query for what was missed.`, {
          retryAfterSeconds: 1,
        }),
      );
      return false;
    }
    this.#queue.push(item);
    return true;
  }

  /** Ends the stream because the whole feed fell behind (see LiveFeedService). */
  fallBehind(error: AppError): void {
    if (!this.#done) this.#fail(error);
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
