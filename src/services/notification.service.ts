import { randomUUID } from 'node:crypto';
import { isAdmin, type Principal } from '../auth/principal.js';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { SEVERITY_RANK, type EventBus, type NotificationSeverity, type SecurityNotificationMessage } from '../events/event-bus.js';
import type { Store } from '../store/open-store.js';
import type { NotificationRecord } from '../store/repositories/notification-repository.js';
import { decodeCursor, encodeCursor, pageSize, type Connection } from './connection.js';

export interface NotificationView extends SecurityNotificationMessage {
  read: boolean;
  readAt: Date | null;
}

export interface NotificationDraft {
  kind: string;
  severity: NotificationSeverity;
  agentId: string | null;
  message: string;
  details: Record<string, unknown> | null;
}

/**
 * Security notifications: kept in the store, pushed to every replica's subscribers, read by admins
 * (all of them) and agents (those about themselves).
 */
export class NotificationService {
  readonly #raisedListeners: ((notification: SecurityNotificationMessage) => void)[] = [];

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    /** What notifications carry for an agent: its id, or its audit pseudonym when those are on. */
    private readonly auditRef: (agentId: string) => string = (agentId) => agentId,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Keeps a notification and announces it. Called once per notification, on one replica. */
  async raise(draft: NotificationDraft): Promise<SecurityNotificationMessage> {
    const record = await this.store.repos.notifications.insert({
      id: `ntf_${randomUUID().replaceAll('-', '')}`,
      createdAt: this.now(),
      kind: draft.kind,
      severity: draft.severity,
      severityRank: SEVERITY_RANK[draft.severity],
      agentId: draft.agentId,
      message: draft.message,
      details: JSON.stringify(draft.details),
      readAt: null,
      readBy: null,
    });
    const notification = toMessage(record);
    this.bus.publishNotification(notification);
    for (const listener of this.#raisedListeners) listener(notification);
    return notification;
  }

  /** Called with each notification raised on this replica (webhooks deliver from here, once). */
  onRaised(listener: (notification: SecurityNotificationMessage) => void): void {
    this.#raisedListeners.push(listener);
  }

  async list(
    principal: Principal,
    filter: { minSeverity?: NotificationSeverity | undefined; unread?: boolean | undefined },
    first?: number | null,
    after?: string | null,
  ): Promise<Connection<NotificationView>> {
    if (principal.kind !== 'agent') throw new AppError(ErrorCode.UNAUTHENTICATED, 'Send an API key.');
    const limit = pageSize(first);
    const position = after ? decodeCursor(after) : undefined;
    const query = {
      minSeverityRank: filter.minSeverity ? SEVERITY_RANK[filter.minSeverity] : undefined,
      unread: filter.unread,
      // An agent sees what concerns itself; admins see everything.
      agentIds: isAdmin(principal) ? undefined : [...new Set([principal.agentId, this.auditRef(principal.agentId)])],
    };
    const [page, total] = await Promise.all([
      this.store.repos.notifications.list(query, limit, position),
      this.store.repos.notifications.count(query),
    ]);
    const edges = page.rows.map((r) => ({ cursor: encodeCursor({ createdAt: r.createdAt, id: r.id }), node: toView(r) }));
    return {
      edges,
      pageInfo: { hasNextPage: page.hasMore, hasPreviousPage: position !== undefined, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
      totalCount: total,
    };
  }

  async markRead(id: string, read: boolean, by: string): Promise<NotificationView> {
    const record = await this.store.transaction((repos) => repos.notifications.setRead(id, read, by, this.now()));
    if (!record) throw new AppError(ErrorCode.NOT_FOUND, `No security notification has the id "${id}".`);
    return toView(record);
  }
}

function toMessage(r: NotificationRecord): SecurityNotificationMessage {
  return { id: r.id, createdAt: r.createdAt, kind: r.kind, severity: r.severity, agentId: r.agentId, message: r.message, details: r.details };
}

function toView(r: NotificationRecord): NotificationView {
  return { ...toMessage(r), read: r.readAt !== null, readAt: r.readAt };
}
