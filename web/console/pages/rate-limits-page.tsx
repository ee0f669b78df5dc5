import { useState } from 'react';
import { ErrorNotice } from '../components/error-notice.js';
import { PageHeader } from '../components/page-header.js';
import { formatTime, parseOptionalInt } from '../format.js';
import { AGENTS, SET_RATE_LIMIT, type AgentRow, type RateLimitInput } from '../operations.js';
import { useSession } from '../session.js';
import { useAction } from '../use-action.js';
import { useData } from '../use-data.js';

const FIELDS = [
  { field: 'perMinute', label: 'Per minute' },
  { field: 'perHour', label: 'Per hour' },
  { field: 'perDay', label: 'Per day' },
  { field: 'maxConcurrent', label: 'At once' },
] as const;

/** Rate limits: each active agent's queries per minute, hour and day and at once; empty is no limit. */
export function RateLimitsPage() {
  const agents = useData(AGENTS, {});
  const rows = (agents.data?.agents.edges.map((edge) => edge.node) ?? []).filter((agent) => agent.status === 'ACTIVE' && agent.role === 'AGENT');
  return (
    <>
      <PageHeader title="Rate limits" count={rows.length} onReload={agents.reload} loading={agents.loading} />
      <p className="muted lead">
        Queries (runQuery, explainQuery, rows) an agent may make per window, and at the same time. Beyond a limit it gets RATE_LIMITED with the seconds to
        wait. Empty: no limit. A change applies at once.
      </p>
      <ErrorNotice error={agents.error} />
      <table className="grid">
        <thead>
          <tr>
            <th>Agent</th>
            {FIELDS.map(({ field, label }) => (
              <th key={field} className="num">
                {label}
              </th>
            ))}
            <th>Set</th>
            <th className="actions" />
          </tr>
        </thead>
        <tbody>
          {rows.map((agent) => (
            <RateLimitRow key={agent.id} agent={agent} onSaved={agents.reload} />
          ))}
          {agents.data && rows.length === 0 && (
            <tr>
              <td colSpan={FIELDS.length + 3} className="empty">
                No active agents.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </>
  );
}

const text = (value: number | null | undefined) => (value === null || value === undefined ? '' : String(value));

function RateLimitRow(props: { agent: AgentRow; onSaved(): void }) {
  const { call } = useSession();
  const { agent } = props;
  const [draft, setDraft] = useState<Record<keyof RateLimitInput, string>>({
    perMinute: text(agent.rateLimit?.perMinute),
    perHour: text(agent.rateLimit?.perHour),
    perDay: text(agent.rateLimit?.perDay),
    maxConcurrent: text(agent.rateLimit?.maxConcurrent),
  });
  const values = {
    perMinute: parseOptionalInt(draft.perMinute),
    perHour: parseOptionalInt(draft.perHour),
    perDay: parseOptionalInt(draft.perDay),
    maxConcurrent: parseOptionalInt(draft.maxConcurrent),
  };
  const invalid = Object.values(values).some((value) => Number.isNaN(value));
  const changed = FIELDS.some(({ field }) => values[field] !== (agent.rateLimit?.[field] ?? null));
  const save = useAction(() => call(SET_RATE_LIMIT, { agentId: agent.id, input: values }));

  return (
    <tr>
      <td>
        <strong>{agent.name}</strong>
        <ErrorNotice error={save.error} onDismiss={save.clearError} />
      </td>
      {FIELDS.map(({ field, label }) => (
        <td key={field} className="num">
          <input
            className="narrow num"
            aria-label={`${label} for ${agent.name}`}
            value={draft[field]}
            onChange={(event) => setDraft((current) => ({ ...current, [field]: event.target.value }))}
            inputMode="numeric"
            placeholder="—"
            aria-invalid={Number.isNaN(values[field])}
          />
        </td>
      ))}
      <td className="muted">{agent.rateLimit ? formatTime(agent.rateLimit.updatedAt) : 'never'}</td>
      <td className="actions">
        <button type="button" className="small" disabled={save.busy || invalid || !changed} onClick={() => void save.run().then((done) => done && props.onSaved())}>
          Save
        </button>
      </td>
    </tr>
  );
}
