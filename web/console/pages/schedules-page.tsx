import { ConfirmButton } from '../components/confirm-button.js';
import { ErrorNotice } from '../components/error-notice.js';
import { PageHeader } from '../components/page-header.js';
import { formatTime } from '../format.js';
import { AGENT_CHOICES, DATABASE_CHOICES, DELETE_SCHEDULE, PAUSE_SCHEDULE, RESUME_SCHEDULE, SCHEDULES, type Schedule } from '../operations.js';
import { useSession } from '../session.js';
import { useAction } from '../use-action.js';
import { useData } from '../use-data.js';
import { useNames } from '../use-names.js';

/** What a schedule reads, in one line: its SQL, or the table of a typed row query. */
function queryText(query: Record<string, unknown>): string {
  if (query.kind === 'SQL' && typeof query.sql === 'string') return query.sql;
  if (query.kind === 'ROWS' && typeof query.table === 'string') return `rows of ${query.table}`;
  return JSON.stringify(query);
}

/** Schedules: every agent's scheduled reads, their last runs, and pause / resume / delete. */
export function SchedulesPage() {
  const { call } = useSession();
  const schedules = useData(SCHEDULES, {});
  const agents = useData(AGENT_CHOICES, {});
  const databases = useData(DATABASE_CHOICES, {});
  const names = useNames(agents.data, databases.data);
  const act = useAction(async (schedule: Schedule, what: 'pause' | 'resume' | 'delete') => {
    if (what === 'pause') await call(PAUSE_SCHEDULE, { id: schedule.id });
    else if (what === 'resume') await call(RESUME_SCHEDULE, { id: schedule.id });
    else await call(DELETE_SCHEDULE, { id: schedule.id });
    schedules.reload();
  });
  const rows = schedules.data?.schedules ?? [];

  return (
    <>
      <PageHeader title="Schedules" count={schedules.data?.schedules.length} onReload={schedules.reload} loading={schedules.loading} />
      <p className="muted lead">Agents schedule their own reads (scheduleQuery); each run uses the agent’s grants as they are then.</p>
      <ErrorNotice error={schedules.error ?? act.error} onDismiss={act.error ? act.clearError : undefined} />
      <table className="grid">
        <thead>
          <tr>
            <th>Name</th>
            <th>Agent</th>
            <th>Database</th>
            <th>Reads</th>
            <th>When</th>
            <th>Export</th>
            <th>Status</th>
            <th>Last runs</th>
            <th className="actions">Actions</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((schedule) => (
            <tr key={schedule.id}>
              <td>
                <strong>{schedule.name}</strong>
              </td>
              <td>{names.agent(schedule.agentId)}</td>
              <td>{names.database(schedule.databaseId)}</td>
              <td className="mono condition" title={queryText(schedule.query)}>
                {queryText(schedule.query)}
              </td>
              <td>
                <span className="mono">{schedule.cron}</span> <span className="muted">{schedule.timezone}</span>
                {schedule.nextRunAt && <div className="muted">next {formatTime(schedule.nextRunAt)}</div>}
              </td>
              <td>{schedule.exportFormat ? `${schedule.exportFormat} → ${schedule.destinationId ?? ''}` : <span className="muted">row count only</span>}</td>
              <td>
                <span className={`badge ${schedule.status === 'ACTIVE' ? 'ok' : schedule.status === 'STOPPED' ? 'bad' : 'warn'}`}>{schedule.status.toLowerCase()}</span>
                {schedule.stoppedReason && <div className="bad-text">{schedule.stoppedReason}</div>}
              </td>
              <td>
                {schedule.runs.length === 0 && <span className="muted">none yet</span>}
                {schedule.runs.map((run) => (
                  <div key={run.id} title={run.errorMessage ?? run.deliveredTo ?? undefined}>
                    <span className={`badge ${run.status === 'SUCCEEDED' ? 'ok' : run.status === 'RUNNING' ? '' : 'bad'}`}>{run.status.toLowerCase()}</span>{' '}
                    <span className="muted">{formatTime(run.startedAt)}</span> {run.rowCount !== null && `${run.rowCount} rows`}
                    {run.errorCode && <code> {run.errorCode}</code>}
                  </div>
                ))}
              </td>
              <td className="actions">
                {schedule.status === 'ACTIVE' ? (
                  <button type="button" className="small" disabled={act.busy} onClick={() => void act.run(schedule, 'pause')}>
                    Pause
                  </button>
                ) : (
                  <button type="button" className="small" disabled={act.busy} onClick={() => void act.run(schedule, 'resume')}>
                    Resume
                  </button>
                )}
                <ConfirmButton label="Delete" question={`Delete ${schedule.name} and its history?`} busy={act.busy} onConfirm={() => void act.run(schedule, 'delete')} />
              </td>
            </tr>
          ))}
          {schedules.data && rows.length === 0 && (
            <tr>
              <td colSpan={9} className="empty">
                No schedules.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </>
  );
}
