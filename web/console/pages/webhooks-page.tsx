import { useState, type FormEvent, type ReactNode } from 'react';
import { ConfirmButton } from '../components/confirm-button.js';
import { ErrorNotice } from '../components/error-notice.js';
import { PageHeader } from '../components/page-header.js';
import { TextField } from '../components/text-field.js';
import { SecretDialog } from '../components/secret-dialog.js';
import { formatTime } from '../format.js';
import {
  DEAD_LETTERS,
  DISCARD_DEAD_LETTER,
  REGISTER_WEBHOOK,
  REMOVE_WEBHOOK,
  REPLAY_DEAD_LETTER,
  WEBHOOK_DELIVERIES,
  WEBHOOKS,
  type DeliveryStatus,
  type WebhookDelivery,
  type WebhookEventType,
} from '../operations.js';
import { useSession } from '../session.js';
import { toggled } from '../toggled.js';
import { useAction } from '../use-action.js';
import { useData } from '../use-data.js';

const EVENT_TYPES: { type: WebhookEventType; label: string }[] = [
  { type: 'AUDIT_EVENT', label: 'Every audit event' },
  { type: 'QUERY_DENIED', label: 'Denied queries' },
  { type: 'SECURITY_NOTIFICATION', label: 'Security notifications' },
];

/** Webhooks: register (the signing secret shown once), remove; deliveries; dead letters with Replay and Discard. */
export function WebhooksPage() {
  const { call } = useSession();
  const webhooks = useData(WEBHOOKS, {});
  const [status, setStatus] = useState<DeliveryStatus | ''>('');
  const deliveries = useData(WEBHOOK_DELIVERIES, { status: status || null });
  const dead = useData(DEAD_LETTERS, {});
  const [secret, setSecret] = useState<{ url: string; secret: string }>();
  const remove = useAction((id: string) => call(REMOVE_WEBHOOK, { id }));
  const letter = useAction(async (delivery: WebhookDelivery, what: 'replay' | 'discard') => {
    if (what === 'replay') await call(REPLAY_DEAD_LETTER, { id: delivery.id });
    else await call(DISCARD_DEAD_LETTER, { id: delivery.id });
    dead.reload();
    deliveries.reload();
  });
  const urls = new Map((webhooks.data?.webhooks ?? []).map((webhook) => [webhook.id, webhook.url]));
  const deadRows = dead.data?.deadLetters.edges.map((edge) => edge.node) ?? [];
  const deliveryRows = deliveries.data?.webhookDeliveries.edges.map((edge) => edge.node) ?? [];

  return (
    <>
      <PageHeader title="Webhooks" count={webhooks.data?.webhooks.length} onReload={() => (webhooks.reload(), deliveries.reload(), dead.reload())} loading={webhooks.loading} />
      <RegisterWebhookForm
        onRegistered={(url, value) => {
          setSecret({ url, secret: value });
          webhooks.reload();
        }}
      />
      <ErrorNotice error={webhooks.error ?? remove.error} onDismiss={remove.error ? remove.clearError : undefined} />
      <table className="grid">
        <thead>
          <tr>
            <th>URL</th>
            <th>Events</th>
            <th>Description</th>
            <th>Registered</th>
            <th className="actions" />
          </tr>
        </thead>
        <tbody>
          {(webhooks.data?.webhooks ?? []).map((webhook) => (
            <tr key={webhook.id}>
              <td className="mono wrap">{webhook.url}</td>
              <td>{webhook.eventTypes.join(', ')}</td>
              <td>{webhook.description ?? <span className="muted">—</span>}</td>
              <td>{formatTime(webhook.createdAt)}</td>
              <td className="actions">
                <ConfirmButton
                  label="Remove"
                  question="Remove it? Its pending and dead deliveries are discarded."
                  busy={remove.busy}
                  onConfirm={() => void remove.run(webhook.id).then((done) => done && (webhooks.reload(), dead.reload()))}
                />
              </td>
            </tr>
          ))}
          {webhooks.data?.webhooks.length === 0 && (
            <tr>
              <td colSpan={5} className="empty">
                No webhooks.
              </td>
            </tr>
          )}
        </tbody>
      </table>

      <section className="card" aria-labelledby="dead-title">
        <h2 id="dead-title">
          Dead letters <span className="count">{dead.data?.deadLetters.totalCount ?? 0}</span>
        </h2>
        <p className="muted">Deliveries that failed every attempt. Replay sends one again from the start; Discard drops it for good.</p>
        <ErrorNotice error={dead.error ?? letter.error} onDismiss={letter.error ? letter.clearError : undefined} />
        <DeliveryTable
          rows={deadRows}
          urls={urls}
          empty="No dead letters."
          actions={(delivery) => (
            <>
              <button type="button" className="small" disabled={letter.busy} onClick={() => void letter.run(delivery, 'replay')}>
                Replay
              </button>
              <ConfirmButton label="Discard" question="Drop it for good?" busy={letter.busy} onConfirm={() => void letter.run(delivery, 'discard')} />
            </>
          )}
        />
      </section>

      <section className="card" aria-labelledby="deliveries-title">
        <div className="card-head">
          <h2 id="deliveries-title">Recent deliveries</h2>
          <select aria-label="Delivery status" value={status} onChange={(event) => setStatus(event.target.value as DeliveryStatus | '')}>
            <option value="">Any status</option>
            <option value="PENDING">Pending</option>
            <option value="DELIVERED">Delivered</option>
            <option value="DEAD">Dead</option>
            <option value="DISCARDED">Discarded</option>
          </select>
        </div>
        <ErrorNotice error={deliveries.error} />
        <DeliveryTable rows={deliveryRows} urls={urls} empty="No deliveries." />
      </section>
      {secret && <SecretDialog title={`Signing secret of ${secret.url}`} secret={secret.secret} what="signing secret" onClose={() => setSecret(undefined)} />}
    </>
  );
}

function DeliveryTable(props: { rows: WebhookDelivery[]; urls: Map<string, string>; empty: string; actions?: (delivery: WebhookDelivery) => ReactNode }) {
  return (
    <table className="grid">
      <thead>
        <tr>
          <th>Created</th>
          <th>Webhook</th>
          <th>Event</th>
          <th>Status</th>
          <th className="num">Attempts</th>
          <th>Last result</th>
          {props.actions && <th className="actions" />}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((delivery) => (
          <tr key={delivery.id}>
            <td className="nowrap">{formatTime(delivery.createdAt)}</td>
            <td className="mono wrap">{props.urls.get(delivery.webhookId) ?? delivery.webhookId}</td>
            <td>
              {delivery.eventType} <span className="muted mono">{delivery.eventId}</span>
            </td>
            <td>
              <span className={`badge ${delivery.status === 'DELIVERED' ? 'ok' : delivery.status === 'DEAD' ? 'bad' : ''}`}>{delivery.status.toLowerCase()}</span>
              {delivery.nextAttemptAt && <div className="muted">next {formatTime(delivery.nextAttemptAt)}</div>}
            </td>
            <td className="num">{delivery.attemptCount}</td>
            <td>
              {delivery.lastStatusCode !== null && <code>HTTP {delivery.lastStatusCode}</code>} {delivery.lastError ?? (delivery.deliveredAt ? `delivered ${formatTime(delivery.deliveredAt)}` : '')}
            </td>
            {props.actions && <td className="actions">{props.actions(delivery)}</td>}
          </tr>
        ))}
        {props.rows.length === 0 && (
          <tr>
            <td colSpan={props.actions ? 7 : 6} className="empty">
              {props.empty}
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
}

function RegisterWebhookForm(props: { onRegistered(url: string, secret: string): void }) {
  const { call } = useSession();
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [types, setTypes] = useState<Set<WebhookEventType>>(new Set(['QUERY_DENIED', 'SECURITY_NOTIFICATION']));
  const register = useAction(() =>
    call(REGISTER_WEBHOOK, { input: { url: url.trim(), eventTypes: EVENT_TYPES.map((e) => e.type).filter((t) => types.has(t)), description: description.trim() || null } }),
  );
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const done = await register.run();
    if (!done) return;
    setUrl('');
    setDescription('');
    props.onRegistered(done.registerWebhook.webhook.url, done.registerWebhook.secret);
  };
  return (
    <form className="card form-row" onSubmit={(event) => void submit(event)} aria-label="Register a webhook" autoComplete="off">
      <h2>Register a webhook</h2>
      <label className="field grow">
        URL
        <input className="mono" value={url} onChange={(event) => setUrl(event.target.value)} required placeholder="https://hooks.example.com/warden" />
      </label>
      <TextField label="Description" value={description} onChange={setDescription} maxLength={500} />
      {EVENT_TYPES.map((entry) => (
        <label key={entry.type} className="inline">
          <input type="checkbox" checked={types.has(entry.type)} onChange={() => setTypes((current) => toggled(current, entry.type))} /> {entry.label}
        </label>
      ))}
      <button type="submit" className="primary" disabled={register.busy || !url.trim() || types.size === 0}>
        Register
      </button>
      <ErrorNotice error={register.error} />
    </form>
  );
}
