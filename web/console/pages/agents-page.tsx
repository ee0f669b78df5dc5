import { useState, type FormEvent } from 'react';
import { ConfirmButton } from '../components/confirm-button.js';
import { ErrorNotice } from '../components/error-notice.js';
import { PageHeader } from '../components/page-header.js';
import { TextField } from '../components/text-field.js';
import { SecretDialog } from '../components/secret-dialog.js';
import { formatTime } from '../format.js';
import { AGENTS, REGISTER_AGENT, REVOKE_AGENT, ROTATE_AGENT_KEY, type AgentRole, type AgentRow, type OneTimeKey } from '../operations.js';
import type { Go } from '../router.js';
import { useSession } from '../session.js';
import { useAction } from '../use-action.js';
import { useData } from '../use-data.js';

/** Agents: register one (its key shown once), rotate a key, revoke. */
export function AgentsPage(props: { go: Go }) {
  const { call, me } = useSession();
  const agents = useData(AGENTS, {});
  const [showRevoked, setShowRevoked] = useState(false);
  const [revealed, setRevealed] = useState<{ title: string; key: string }>();

  const reveal = (payload: OneTimeKey | undefined, title: string) => {
    if (!payload) return;
    setRevealed({ title: `${title} “${payload.agent.name}”`, key: payload.key });
    agents.reload();
  };

  const rotate = useAction((agent: AgentRow) => call(ROTATE_AGENT_KEY, { agentId: agent.id, revokePrevious: true }));
  const revoke = useAction((agent: AgentRow) => call(REVOKE_AGENT, { id: agent.id }));

  const all = agents.data?.agents.edges.map((edge) => edge.node) ?? [];
  const shown = showRevoked ? all : all.filter((agent) => agent.status === 'ACTIVE');

  return (
    <>
      <PageHeader title="Agents" count={agents.data?.agents.totalCount} onReload={agents.reload} loading={agents.loading}>
        <label className="inline">
          <input type="checkbox" checked={showRevoked} onChange={(event) => setShowRevoked(event.target.checked)} /> Show revoked
        </label>
      </PageHeader>
      <RegisterAgentForm onRegistered={(payload) => reveal(payload, 'API key of')} />
      <ErrorNotice error={agents.error} />
      <ErrorNotice error={rotate.error ?? revoke.error} onDismiss={() => (rotate.clearError(), revoke.clearError())} />
      <table className="grid">
        <thead>
          <tr>
            <th>Name</th>
            <th>Role</th>
            <th>Status</th>
            <th>Keys</th>
            <th>Key last used</th>
            <th className="num">Grants</th>
            <th>Registered</th>
            <th className="actions">Actions</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((agent) => {
            const activeKeys = agent.keys.filter((key) => key.active);
            const lastUsed = agent.keys.map((key) => key.lastUsedAt).filter((at): at is string => at !== null).sort().at(-1);
            return (
              <tr key={agent.id} data-agent={agent.name}>
                <td>
                  <strong>{agent.name}</strong>
                  {agent.description && <div className="muted">{agent.description}</div>}
                  <div className="muted mono">{agent.id}</div>
                </td>
                <td>{agent.role === 'ADMIN' ? <span className="badge">admin</span> : 'agent'}</td>
                <td>
                  <span className={`badge ${agent.status === 'ACTIVE' ? 'ok' : 'bad'}`}>{agent.status.toLowerCase()}</span>
                  {agent.revokedAt && <div className="muted">{formatTime(agent.revokedAt)}</div>}
                </td>
                <td>
                  {activeKeys.length} active{agent.keys.length > activeKeys.length && <span className="muted"> / {agent.keys.length}</span>}
                </td>
                <td>{formatTime(lastUsed)}</td>
                <td className="num">{agent.grants.length}</td>
                <td>{formatTime(agent.createdAt)}</td>
                <td className="actions">
                  {agent.status === 'ACTIVE' && agent.role === 'AGENT' && (
                    <button type="button" className="small" onClick={() => props.go('grants', { agent: agent.id })}>
                      Grants
                    </button>
                  )}
                  {agent.status === 'ACTIVE' && (
                    <ConfirmButton
                      label="Rotate key"
                      question={`New key for ${agent.name}? Its current keys stop working.`}
                      confirmLabel="Yes, rotate"
                      danger={false}
                      busy={rotate.busy}
                      onConfirm={() => void rotate.run(agent).then((payload) => reveal(payload?.rotateAgentKey, 'New API key of'))}
                    />
                  )}
                  {agent.status === 'ACTIVE' && agent.id !== me.id && (
                    <ConfirmButton
                      label="Revoke"
                      question={`Revoke ${agent.name}? Its keys, grants and subscriptions end now.`}
                      busy={revoke.busy}
                      onConfirm={() => void revoke.run(agent).then((done) => done && agents.reload())}
                    />
                  )}
                </td>
              </tr>
            );
          })}
          {agents.data && shown.length === 0 && (
            <tr>
              <td colSpan={8} className="empty">
                No agents yet: register one above.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {revealed && <SecretDialog title={revealed.title} secret={revealed.key} what="API key" onClose={() => setRevealed(undefined)} />}
    </>
  );
}

function RegisterAgentForm(props: { onRegistered(payload: OneTimeKey): void }) {
  const { call } = useSession();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [role, setRole] = useState<AgentRole>('AGENT');
  const register = useAction(() => call(REGISTER_AGENT, { input: { name: name.trim(), description: description.trim() || null, role } }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const done = await register.run();
    if (!done) return;
    setName('');
    setDescription('');
    setRole('AGENT');
    props.onRegistered(done.registerAgent);
  };

  return (
    <form className="card form-row" onSubmit={(event) => void submit(event)} aria-label="Register an agent" autoComplete="off">
      <h2>Register an agent</h2>
      <TextField label="Name" value={name} onChange={setName} required maxLength={63} placeholder="e.g. reporting-bot" />
      <TextField label="Description" size="grow" value={description} onChange={setDescription} placeholder="What it is for (optional)" />
      <label className="field">
        Role
        <select value={role} onChange={(event) => setRole(event.target.value as AgentRole)}>
          <option value="AGENT">Agent</option>
          <option value="ADMIN">Admin</option>
        </select>
      </label>
      <button type="submit" className="primary" disabled={register.busy || !name.trim()}>
        Register
      </button>
      <ErrorNotice error={register.error} />
    </form>
  );
}
