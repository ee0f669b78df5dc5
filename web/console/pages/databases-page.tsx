import { useState, type FormEvent } from 'react';
import { ConfirmButton } from '../components/confirm-button.js';
import { ErrorNotice } from '../components/error-notice.js';
import { PageHeader } from '../components/page-header.js';
import { TextField } from '../components/text-field.js';
import { formatMs, formatTime } from '../format.js';
import {
  CONNECT_DATABASE,
  DATABASES,
  REFRESH_CATALOG,
  REMOVE_DATABASE,
  TEST_CONNECTION,
  type ConnectionFields,
  type ConnectionTest,
  type DatabaseRow,
} from '../operations.js';
import { useSession } from '../session.js';
import { useAction } from '../use-action.js';
import { useData } from '../use-data.js';

const ENGINES = ['postgres', 'mysql', 'pglite', 'mongodb'] as const;
type Engine = (typeof ENGINES)[number];
const DEFAULT_PORTS: Record<Engine, string> = { postgres: '5432', mysql: '3306', pglite: '', mongodb: '27017' };

/** Databases: their status checked now, a form to connect one (tested first), test, refresh catalog, remove. */
export function DatabasesPage() {
  const { call } = useSession();
  const databases = useData(DATABASES, {});
  const [tested, setTested] = useState<Record<string, ConnectionTest>>({});
  const test = useAction((database: DatabaseRow) => call(TEST_CONNECTION, { databaseId: database.id }));
  const refresh = useAction((database: DatabaseRow) => call(REFRESH_CATALOG, { databaseId: database.id }));
  const remove = useAction((database: DatabaseRow) => call(REMOVE_DATABASE, { id: database.id }));
  const rows = databases.data?.databases.edges.map((edge) => edge.node) ?? [];

  return (
    <>
      <PageHeader title="Databases" count={databases.data?.databases.totalCount} onReload={databases.reload} loading={databases.loading} />
      <ConnectDatabaseForm onConnected={databases.reload} />
      <ErrorNotice error={databases.error} />
      <ErrorNotice error={test.error ?? refresh.error ?? remove.error} onDismiss={() => (test.clearError(), refresh.clearError(), remove.clearError())} />
      <table className="grid">
        <thead>
          <tr>
            <th>Name</th>
            <th>Engine</th>
            <th>Connection</th>
            <th>Status</th>
            <th className="num">Tables</th>
            <th className="actions">Actions</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((database) => {
            const check = tested[database.id];
            return (
              <tr key={database.id} data-database={database.name}>
                <td>
                  <strong>{database.name}</strong>
                  {database.description && <div className="muted">{database.description}</div>}
                  <div className="muted mono">{database.id}</div>
                </td>
                <td>{database.engine}</td>
                <td className="mono wrap">{database.connection}</td>
                <td>
                  <span className={`badge ${database.status.state === 'AVAILABLE' ? 'ok' : 'bad'}`} title={`Checked ${formatTime(database.status.checkedAt)}`}>
                    {database.status.state.toLowerCase()}
                  </span>{' '}
                  <span className="muted">{formatMs(database.status.latencyMs)}</span>
                  {database.status.serverVersion && <div className="muted">{database.status.serverVersion}</div>}
                  {database.status.activeEndpoint && <div className="muted mono">via {database.status.activeEndpoint}</div>}
                  {database.status.message && <div className="bad-text">{database.status.message}</div>}
                  {check && (
                    <div className={check.ok ? 'ok-text' : 'bad-text'} role="status">
                      Test: {check.message} {check.latencyMs !== null && `(${check.latencyMs} ms)`}
                    </div>
                  )}
                </td>
                <td className="num">{database.tables.length}</td>
                <td className="actions">
                  <button
                    type="button"
                    className="small"
                    disabled={test.busy}
                    onClick={() =>
                      void test.run(database).then((done) => done && setTested((all) => ({ ...all, [database.id]: done.testConnection })))
                    }
                  >
                    Test
                  </button>
                  <button type="button" className="small" disabled={refresh.busy} onClick={() => void refresh.run(database).then((done) => done && databases.reload())}>
                    Refresh catalog
                  </button>
                  <ConfirmButton
                    label="Remove"
                    question={`Remove ${database.name}? Its grants are dropped.`}
                    busy={remove.busy}
                    onConfirm={() => void remove.run(database).then((done) => done && databases.reload())}
                  />
                </td>
              </tr>
            );
          })}
          {databases.data && rows.length === 0 && (
            <tr>
              <td colSpan={6} className="empty">
                No databases yet: connect one above.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </>
  );
}

interface Draft {
  name: string;
  description: string;
  engine: Engine;
  mode: 'url' | 'fields';
  connectionString: string;
  host: string;
  port: string;
  database: string;
  user: string;
  password: string;
  ssl: boolean;
  dataDir: string;
}

const EMPTY: Draft = {
  name: '',
  description: '',
  engine: 'postgres',
  mode: 'url',
  connectionString: '',
  host: '',
  port: DEFAULT_PORTS.postgres,
  database: '',
  user: '',
  password: '',
  ssl: false,
  dataDir: '',
};

/** What the form says, as the schema's ConnectionInput: a connection string, or fields (pglite: a folder). */
function connectionOf(draft: Draft): ConnectionFields {
  if (draft.engine === 'pglite') return { engine: 'pglite', dataDir: draft.dataDir.trim() };
  if (draft.mode === 'url') return { engine: draft.engine, connectionString: draft.connectionString.trim() };
  const port = Number(draft.port);
  return {
    engine: draft.engine,
    host: draft.host.trim() || null,
    port: draft.port.trim() && Number.isInteger(port) ? port : null,
    database: draft.database.trim() || null,
    user: draft.user.trim() || null,
    password: draft.password || null,
    ssl: draft.ssl,
  };
}

function ConnectDatabaseForm(props: { onConnected(): void }) {
  const { call } = useSession();
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [result, setResult] = useState<ConnectionTest>();
  const set = <K extends keyof Draft>(field: K, value: Draft[K]) => {
    setResult(undefined);
    setDraft((current) => ({ ...current, [field]: value }));
  };
  const test = useAction(() => call(TEST_CONNECTION, { input: connectionOf(draft) }));
  const connect = useAction(() =>
    call(CONNECT_DATABASE, { input: { ...connectionOf(draft), name: draft.name.trim(), description: draft.description.trim() || null } }),
  );

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    test.clearError();
    const done = await connect.run();
    if (!done) return;
    setDraft(EMPTY);
    setResult({ ok: true, message: `Connected ${done.connectDatabase.name}: ${done.connectDatabase.tables.length} tables in its catalog.`, serverVersion: null, endpoint: null, latencyMs: null });
    props.onConnected();
  };
  const runTest = async () => {
    connect.clearError();
    const done = await test.run();
    if (done) setResult(done.testConnection);
  };

  return (
    <form className="card" onSubmit={(event) => void submit(event)} aria-label="Connect a database" autoComplete="off">
      <h2>Connect a database</h2>
      <div className="form-row">
        <TextField label="Name" value={draft.name} onChange={(value) => set('name', value)} required maxLength={63} placeholder="crm" />
        <label className="field">
          Engine
          <select
            value={draft.engine}
            onChange={(event) => {
              const engine = event.target.value as Engine;
              setDraft((current) => ({ ...current, engine, port: DEFAULT_PORTS[engine] }));
            }}
          >
            {ENGINES.map((engine) => (
              <option key={engine}>{engine}</option>
            ))}
          </select>
        </label>
        <TextField label="Description" size="grow" value={draft.description} onChange={(value) => set('description', value)} placeholder="Optional" />
      </div>
      {draft.engine === 'pglite' ? (
        <div className="form-row">
          <TextField label="Data folder" size="grow" value={draft.dataDir} onChange={(value) => set('dataDir', value)} required placeholder="/var/lib/warden/pglite/crm" />
        </div>
      ) : (
        <>
          <div className="form-row" role="radiogroup" aria-label="How to connect">
            <label className="inline">
              <input type="radio" name="mode" checked={draft.mode === 'url'} onChange={() => set('mode', 'url')} /> By URL
            </label>
            <label className="inline">
              <input type="radio" name="mode" checked={draft.mode === 'fields'} onChange={() => set('mode', 'fields')} /> By host and credentials
            </label>
          </div>
          {draft.mode === 'url' ? (
            <div className="form-row">
              <label className="field grow">
                Connection URL
                <input
                  className="mono"
                  value={draft.connectionString}
                  onChange={(event) => set('connectionString', event.target.value)}
                  required
                  spellCheck={false}
                  placeholder={`${draft.engine}://user:password@host:${DEFAULT_PORTS[draft.engine]}/database (host1:port,host2:port for failover)`}
                />
              </label>
            </div>
          ) : (
            <div className="form-row">
              <TextField label="Host" size="grow" value={draft.host} onChange={(value) => set('host', value)} required />
              <TextField label="Port" size="narrow" value={draft.port} onChange={(value) => set('port', value)} inputMode="numeric" />
              <TextField label="Database" value={draft.database} onChange={(value) => set('database', value)} />
              <TextField label="User" value={draft.user} onChange={(value) => set('user', value)} />
              <label className="field">
                Password
                <input type="password" value={draft.password} onChange={(event) => set('password', event.target.value)} autoComplete="new-password" />
              </label>
              <label className="inline">
                <input type="checkbox" checked={draft.ssl} onChange={(event) => set('ssl', event.target.checked)} /> TLS
              </label>
            </div>
          )}
        </>
      )}
      <div className="form-row">
        <button type="button" disabled={test.busy || connect.busy} onClick={() => void runTest()}>
          {test.busy ? 'Testing…' : 'Test connection'}
        </button>
        <button type="submit" className="primary" disabled={connect.busy || !draft.name.trim()}>
          {connect.busy ? 'Connecting…' : 'Connect'}
        </button>
        <span className="muted">The gateway tests the connection first and saves nothing it cannot reach; passwords are stored encrypted.</span>
      </div>
      {result && (
        <p className={result.ok ? 'notice notice-ok' : 'notice notice-error'} role="status">
          {result.ok ? '✓' : '✗'} {result.message}
          {result.serverVersion && <span className="muted"> · {result.serverVersion}</span>}
          {result.latencyMs !== null && <span className="muted"> · {result.latencyMs} ms</span>}
        </p>
      )}
      <ErrorNotice error={test.error ?? connect.error} />
    </form>
  );
}
