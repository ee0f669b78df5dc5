import type { Client } from 'graphql-ws';
import { useEffect, useState } from 'react';
import type { GraphQLRequestError } from '../../shared/graphql-client.js';
import { ErrorNotice } from '../components/error-notice.js';
import { formatClock, formatMs, formatTime } from '../format.js';
import { liveClientStatusText, useSubscription, type LiveStatus } from '../live-client.js';
import { AUDIT_EVENT_STREAM, RECENT_AUDIT_EVENTS, type AuditEvent } from '../operations.js';
import { useData } from '../use-data.js';
import { mergeNewest } from './merge-newest.js';

const KEEP = 300;

interface Reason {
  code?: unknown;
  message?: unknown;
}

/** The first reason of a denial or failure, as "CODE: message". */
function reasonText(event: AuditEvent): string | undefined {
  const reason = event.reasons[0] as Reason | undefined;
  if (!reason || typeof reason !== 'object') return undefined;
  return [reason.code, reason.message].filter((part) => typeof part === 'string' && part).join(': ') || undefined;
}

/**
 * The audit log as it happens: the last events, then each new one pushed over the `auditEvents`
 * subscription, newest first, coloured by decision. Filters act on what is shown; pausing holds new
 * events back until resumed.
 */
export function LiveFeed(props: { live: Client; principalName(principalId: string | null, kind: string): string; databaseName(id: string | null): string }) {
  const recent = useData(RECENT_AUDIT_EVENTS, { first: 50 });
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [held, setHeld] = useState<AuditEvent[]>([]);
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());
  const [paused, setPaused] = useState(false);
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const [error, setError] = useState<GraphQLRequestError>();
  const [decision, setDecision] = useState('');
  const [principal, setPrincipal] = useState('');

  useEffect(() => {
    const loaded = recent.data?.auditEvents.edges.map((edge) => edge.node);
    if (loaded) setEvents((current) => mergeNewest(current, loaded, (e) => e.occurredAt, KEEP));
  }, [recent.data]);

  // Once live, the log is read again, now and a second later (it is written in batches, within a fraction
  // of a second): an event announced before the socket was open is not missed.
  const [catchUp, setCatchUp] = useState(0);
  const { reload } = recent;
  useEffect(() => {
    if (catchUp === 0) return;
    reload();
    const later = setTimeout(reload, 1_000);
    return () => clearTimeout(later);
  }, [catchUp, reload]);

  useSubscription(
    props.live,
    AUDIT_EVENT_STREAM,
    ({ auditEvents: event }) => {
      setError(undefined);
      if (paused) setHeld((current) => [event, ...current]);
      else {
        setEvents((current) => mergeNewest(current, [event], (e) => e.occurredAt, KEEP));
        setFresh((current) => new Set(current).add(event.id));
      }
    },
    setError,
    (next) => {
      setStatus(next);
      if (next === 'live') setCatchUp((n) => n + 1);
    },
  );

  const resume = () => {
    setEvents((current) => mergeNewest(current, held, (e) => e.occurredAt, KEEP));
    setHeld([]);
    setPaused(false);
  };

  const principals = [...new Set(events.map((event) => event.principalId ?? ''))];
  const shown = events.filter((event) => (!decision || event.decision === decision) && (!principal || (event.principalId ?? '') === principal));

  return (
    <section className="card live-feed" aria-labelledby="feed-title">
      <div className="card-head">
        <h2 id="feed-title">
          Audit events <span className={`live-dot ${status}`} aria-hidden="true" />
          <span className="muted live-status" role="status">
            {liveClientStatusText(status)}
          </span>
        </h2>
        <div className="form-row tight">
          <select aria-label="Decision" value={decision} onChange={(event) => setDecision(event.target.value)}>
            <option value="">All decisions</option>
            <option value="ALLOWED">Allowed</option>
            <option value="DENIED">Denied</option>
            <option value="FAILED">Failed</option>
          </select>
          <select aria-label="Principal" value={principal} onChange={(event) => setPrincipal(event.target.value)}>
            <option value="">Everyone</option>
            {principals.map((id) => (
              <option key={id} value={id}>
                {props.principalName(id || null, 'anonymous')}
              </option>
            ))}
          </select>
          {paused ? (
            <button type="button" className="small" onClick={resume}>
              Resume{held.length > 0 && ` (${held.length} new)`}
            </button>
          ) : (
            <button type="button" className="small" onClick={() => setPaused(true)}>
              Pause
            </button>
          )}
        </div>
      </div>
      <ErrorNotice error={error ?? recent.error} />
      <table className="grid feed" aria-label="Live audit feed">
        <thead>
          <tr>
            <th>Time</th>
            <th>Who</th>
            <th>Action</th>
            <th>Where</th>
            <th>Decision</th>
            <th className="num">Rows</th>
            <th className="num">Took</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((event) => {
            const reason = reasonText(event);
            return (
              <tr key={event.id} className={`decision-${(event.decision ?? 'none').toLowerCase()} ${fresh.has(event.id) ? 'fresh' : ''}`} data-event={event.id}>
                <td className="nowrap" title={formatTime(event.occurredAt)}>
                  {formatClock(event.occurredAt)}
                </td>
                <td className="nowrap">{props.principalName(event.principalId, event.principalKind)}</td>
                <td className="mono">{event.action}</td>
                <td>
                  {event.databaseId ? props.databaseName(event.databaseId) : <span className="muted">—</span>}
                  {event.tables.length > 0 && <div className="mono muted">{event.tables.join(', ')}</div>}
                </td>
                <td className="decision-cell">
                  {event.decision ? <span className={`badge decision ${event.decision.toLowerCase()}`}>{event.decision}</span> : <span className="muted">—</span>}
                  {reason && <div className="reason">{reason}</div>}
                </td>
                <td className="num">{event.rowCount ?? <span className="muted">—</span>}</td>
                <td className="num nowrap">{formatMs(event.durationMs)}</td>
              </tr>
            );
          })}
          {shown.length === 0 && (
            <tr>
              <td colSpan={7} className="empty">
                {recent.loading ? 'Loading…' : 'No events yet. They appear here as agents query.'}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}
