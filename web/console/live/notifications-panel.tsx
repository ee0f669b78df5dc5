import type { Client } from 'graphql-ws';
import { useEffect, useState } from 'react';
import type { GraphQLRequestError } from '../../shared/graphql-client.js';
import { ErrorNotice } from '../components/error-notice.js';
import { formatTime } from '../format.js';
import { useSubscription } from '../live-client.js';
import { MARK_NOTIFICATION_READ, NOTIFICATION_STREAM, NOTIFICATIONS, type SecurityNotification } from '../operations.js';
import { useSession } from '../session.js';
import { useAction } from '../use-action.js';
import { useData } from '../use-data.js';
import { mergeNewest } from './merge-newest.js';

/**
 * Security notifications: the stored ones (newest first) and each new one as the `securityNotifications`
 * subscription raises it, with mark read / unread.
 */
export function NotificationsPanel(props: { live: Client; agentName(id: string | null): string }) {
  const { call } = useSession();
  const [unreadOnly, setUnreadOnly] = useState(false);
  const stored = useData(NOTIFICATIONS, { unread: unreadOnly ? true : null });
  const [items, setItems] = useState<SecurityNotification[]>([]);
  const [error, setError] = useState<GraphQLRequestError>();
  const mark = useAction((notification: SecurityNotification) => call(MARK_NOTIFICATION_READ, { id: notification.id, read: !notification.read }));

  useEffect(() => {
    if (stored.data) setItems(stored.data.securityNotifications.edges.map((edge) => edge.node));
  }, [stored.data]);

  useSubscription(
    props.live,
    NOTIFICATION_STREAM,
    ({ securityNotifications: notification }) => setItems((current) => mergeNewest(current, [notification], (n) => n.createdAt, 100)),
    setError,
  );

  const toggleRead = async (notification: SecurityNotification) => {
    const done = await mark.run(notification);
    if (!done) return;
    const { read } = done.markNotificationRead;
    setItems((current) =>
      current.filter((n) => !(unreadOnly && read && n.id === notification.id)).map((n) => (n.id === notification.id ? { ...n, read } : n)),
    );
  };

  const unread = items.filter((n) => !n.read).length;
  return (
    <section className="card notifications" aria-labelledby="notifications-title">
      <div className="card-head">
        <h2 id="notifications-title">
          Security notifications {unread > 0 && <span className="count alert">{unread} unread</span>}
        </h2>
        <label className="inline">
          <input type="checkbox" checked={unreadOnly} onChange={(event) => setUnreadOnly(event.target.checked)} /> Unread only
        </label>
      </div>
      <ErrorNotice error={error ?? stored.error ?? mark.error} />
      <ul className="notification-list">
        {items.map((notification) => (
          <li key={notification.id} className={`notification severity-${notification.severity.toLowerCase()} ${notification.read ? 'read' : ''}`}>
            <div className="notification-head">
              <span className={`badge severity ${notification.severity.toLowerCase()}`}>{notification.severity}</span>
              <span className="mono">{notification.kind}</span>
              <span className="muted">{formatTime(notification.createdAt)}</span>
            </div>
            <div>{notification.message}</div>
            <div className="notification-foot">
              {notification.agentId && <span className="muted">Agent: {props.agentName(notification.agentId)}</span>}
              <button type="button" className="link" disabled={mark.busy} onClick={() => void toggleRead(notification)}>
                {notification.read ? 'Mark unread' : 'Mark read'}
              </button>
            </div>
          </li>
        ))}
        {items.length === 0 && <li className="empty">{stored.loading ? 'Loading…' : 'Nothing to report.'}</li>}
      </ul>
    </section>
  );
}
