import { useState, type FormEvent } from 'react';
import { ConfirmButton } from '../components/confirm-button.js';
import { ErrorNotice } from '../components/error-notice.js';
import { PageHeader } from '../components/page-header.js';
import { TextField } from '../components/text-field.js';
import { SecretDialog } from '../components/secret-dialog.js';
import { formatTime } from '../format.js';
import { AGENT_CHOICES, EXPORT_DESTINATIONS, REGISTER_EXPORT_DESTINATION, REMOVE_EXPORT_DESTINATION, type AgentChoice, type ExportDestinationInput } from '../operations.js';
import { useSession } from '../session.js';
import { toggled } from '../toggled.js';
import { useAction } from '../use-action.js';
import { useData } from '../use-data.js';
import { useNames } from '../use-names.js';

/** Exports: where agents may send results (a webhook receiver or an S3 bucket), and which agents may. */
export function ExportsPage() {
  const { call } = useSession();
  const destinations = useData(EXPORT_DESTINATIONS, {});
  const agents = useData(AGENT_CHOICES, {});
  const names = useNames(agents.data, undefined);
  const [secret, setSecret] = useState<{ name: string; secret: string }>();
  const remove = useAction((id: string) => call(REMOVE_EXPORT_DESTINATION, { id }));
  const rows = destinations.data?.exportDestinations ?? [];
  const active = (agents.data?.agents.edges.map((edge) => edge.node) ?? []).filter((agent) => agent.status === 'ACTIVE');

  return (
    <>
      <PageHeader title="Exports" count={rows.length} onReload={destinations.reload} loading={destinations.loading} />
      <p className="muted lead">
        Destinations agents may send results to (exportToDestination, scheduled exports). Download links are made by agents and expire on their own.
      </p>
      <RegisterDestinationForm
        agents={active}
        onRegistered={(name, value) => {
          if (value) setSecret({ name, secret: value });
          destinations.reload();
        }}
      />
      <ErrorNotice error={destinations.error ?? agents.error ?? remove.error} onDismiss={remove.error ? remove.clearError : undefined} />
      <table className="grid">
        <thead>
          <tr>
            <th>Name</th>
            <th>Kind</th>
            <th>Where</th>
            <th>Agents allowed</th>
            <th>Registered</th>
            <th className="actions" />
          </tr>
        </thead>
        <tbody>
          {rows.map((destination) => (
            <tr key={destination.id}>
              <td>
                <strong>{destination.name}</strong>
              </td>
              <td>{destination.kind}</td>
              <td className="mono wrap">
                {destination.kind === 'WEBHOOK'
                  ? destination.url
                  : `s3://${destination.bucket ?? ''}/${destination.prefix ?? ''}${destination.endpoint ? ` at ${destination.endpoint}` : ''}${destination.region ? ` (${destination.region})` : ''}`}
              </td>
              <td>{destination.agentIds.map((id) => names.agent(id)).join(', ') || <span className="muted">none</span>}</td>
              <td>{formatTime(destination.createdAt)}</td>
              <td className="actions">
                <ConfirmButton
                  label="Remove"
                  question={`Remove ${destination.name}? Schedules that deliver there stop at their next run.`}
                  busy={remove.busy}
                  onConfirm={() => void remove.run(destination.id).then((done) => done && destinations.reload())}
                />
              </td>
            </tr>
          ))}
          {destinations.data && rows.length === 0 && (
            <tr>
              <td colSpan={6} className="empty">
                No export destinations.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {secret && <SecretDialog title={`Signing secret of ${secret.name}`} secret={secret.secret} what="signing secret" onClose={() => setSecret(undefined)} />}
    </>
  );
}

const EMPTY = { name: '', kind: 'WEBHOOK' as 'WEBHOOK' | 'S3', url: '', endpoint: '', region: '', bucket: '', prefix: '', accessKeyId: '', secretAccessKey: '' };

function RegisterDestinationForm(props: { agents: AgentChoice[]; onRegistered(name: string, secret: string | null): void }) {
  const { call } = useSession();
  const [draft, setDraft] = useState(EMPTY);
  const [agentIds, setAgentIds] = useState<Set<string>>(new Set());
  const set = (field: keyof typeof EMPTY, value: string) => setDraft((current) => ({ ...current, [field]: value }));
  const input = (): ExportDestinationInput => {
    const text = (value: string) => value.trim() || null;
    const base = { name: draft.name.trim(), kind: draft.kind, agentIds: [...agentIds] };
    if (draft.kind === 'WEBHOOK') return { ...base, url: text(draft.url) };
    return {
      ...base,
      endpoint: text(draft.endpoint),
      region: text(draft.region),
      bucket: text(draft.bucket),
      prefix: text(draft.prefix),
      accessKeyId: text(draft.accessKeyId),
      secretAccessKey: draft.secretAccessKey || null,
    };
  };
  const register = useAction(() => call(REGISTER_EXPORT_DESTINATION, { input: input() }));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const done = await register.run();
    if (!done) return;
    setDraft(EMPTY);
    setAgentIds(new Set());
    props.onRegistered(done.registerExportDestination.destination.name, done.registerExportDestination.secret);
  };

  return (
    <form className="card" onSubmit={(event) => void submit(event)} aria-label="Register an export destination" autoComplete="off">
      <h2>Register a destination</h2>
      <div className="form-row">
        <TextField label="Name" value={draft.name} onChange={(value) => set('name', value)} required maxLength={100} />
        <label className="field">
          Kind
          <select value={draft.kind} onChange={(event) => set('kind', event.target.value)}>
            <option value="WEBHOOK">Webhook</option>
            <option value="S3">S3 bucket</option>
          </select>
        </label>
        {draft.kind === 'WEBHOOK' ? (
          <label className="field grow">
            URL
            <input className="mono" value={draft.url} onChange={(event) => set('url', event.target.value)} required placeholder="https://receiver.example.com/exports" />
          </label>
        ) : (
          <>
            <TextField label="Bucket" value={draft.bucket} onChange={(value) => set('bucket', value)} required />
            <TextField label="Prefix" value={draft.prefix} onChange={(value) => set('prefix', value)} placeholder="exports/" />
            <TextField label="Endpoint" value={draft.endpoint} onChange={(value) => set('endpoint', value)} placeholder="AWS when empty" />
            <TextField label="Region" size="narrow" value={draft.region} onChange={(value) => set('region', value)} placeholder="us-east-1" />
            <TextField label="Access key id" value={draft.accessKeyId} onChange={(value) => set('accessKeyId', value)} />
            <label className="field">
              Secret access key
              <input type="password" value={draft.secretAccessKey} onChange={(event) => set('secretAccessKey', event.target.value)} autoComplete="new-password" />
            </label>
          </>
        )}
      </div>
      <fieldset className="form-row">
        <legend>Agents that may send here</legend>
        {props.agents.map((agent) => (
          <label key={agent.id} className="inline">
            <input type="checkbox" checked={agentIds.has(agent.id)} onChange={() => setAgentIds((current) => toggled(current, agent.id))} /> {agent.name}
          </label>
        ))}
        {props.agents.length === 0 && <span className="muted">No active agents.</span>}
      </fieldset>
      <div className="form-row">
        <button type="submit" className="primary" disabled={register.busy || !draft.name.trim()}>
          Register
        </button>
      </div>
      <ErrorNotice error={register.error} />
    </form>
  );
}
