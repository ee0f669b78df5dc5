import type { Client } from 'graphql-ws';
import { PageHeader } from '../components/page-header.js';
import { LiveFeed } from '../live/live-feed.js';
import { NotificationsPanel } from '../live/notifications-panel.js';
import { AGENT_CHOICES, DATABASE_CHOICES } from '../operations.js';
import { useData } from '../use-data.js';
import { useNames } from '../use-names.js';

/** Live: the audit feed and security notifications as they happen (subscriptions over WebSocket). */
export function LivePage(props: { live: Client }) {
  const agents = useData(AGENT_CHOICES, {});
  const databases = useData(DATABASE_CHOICES, {});
  const names = useNames(agents.data, databases.data);

  // Audit events name a principal by its auditRef (its id, or a pseudonym when the log pseudonymises).
  const principalName = (id: string | null, kind: string) => {
    if (!id) return kind;
    const name = names.agent(id);
    return name === id ? `${kind} ${id.slice(0, 12)}…` : name;
  };

  return (
    <>
      <PageHeader title="Live" />
      <div className="live-layout">
        <LiveFeed live={props.live} principalName={principalName} databaseName={names.database} />
        <NotificationsPanel live={props.live} agentName={names.agent} />
      </div>
    </>
  );
}
