import { useMemo, useState } from 'react';
import { asRequestError, type GraphQLRequestError } from '../../shared/graphql-client.js';
import { ErrorNotice } from '../components/error-notice.js';
import { PageHeader } from '../components/page-header.js';
import { AccessPreviewPanel } from '../grants/access-preview-panel.js';
import { BroadGrants } from '../grants/broad-grants.js';
import { GrantsMatrix, type MatrixChange } from '../grants/grants-matrix.js';
import { replaceTableGrant, tableGrantsByTable, tableKey, type TableAction } from '../grants/table-grants.js';
import { ACCESS_PREVIEW, AGENT_CHOICES, DATABASE_CATALOG, DATABASE_CHOICES, GRANT, GRANTS, REVOKE_GRANT, type GrantRow } from '../operations.js';
import { routeParam } from '../router.js';
import { useSession } from '../session.js';
import { useData } from '../use-data.js';

/** Grants: pick an agent and a database, then grant tables in a matrix, with conditions, and see the access preview. */
export function GrantsPage() {
  const { call } = useSession();
  const agents = useData(AGENT_CHOICES, {});
  const databases = useData(DATABASE_CHOICES, {});
  const [agentId, setAgentId] = useState(routeParam('agent') ?? '');
  const [chosenDatabase, setDatabaseId] = useState('');
  const agentList = (agents.data?.agents.edges.map((edge) => edge.node) ?? []).filter((a) => a.status === 'ACTIVE').sort((a, b) => (a.role === b.role ? a.name.localeCompare(b.name) : a.role === 'AGENT' ? -1 : 1));
  const databaseList = databases.data?.databases.edges.map((edge) => edge.node) ?? [];
  // The only database is chosen for you.
  const databaseId = chosenDatabase || (databaseList.length === 1 ? (databaseList[0]?.id ?? '') : '');
  const agent = agentList.find((a) => a.id === agentId);
  const ready = Boolean(agent && databaseId);

  const catalog = useData(DATABASE_CATALOG, { id: databaseId }, ready);
  const grants = useData(GRANTS, { agentId, databaseId }, ready);
  const preview = useData(ACCESS_PREVIEW, { agentId, databaseId }, ready);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<GraphQLRequestError>();

  const grantRows = useMemo(() => grants.data?.grants.edges.map((edge) => edge.node) ?? [], [grants.data]);
  const tableGrants = useMemo(() => tableGrantsByTable(grantRows), [grantRows]);
  const previewByTable = useMemo(() => new Map((preview.data?.accessPreview ?? []).map((access) => [tableKey(access.schema, access.table), access])), [preview.data]);
  const tables = catalog.data?.database.tables ?? [];
  const schemas = [...new Set(tables.map((table) => table.schema))];

  /** Runs a change, then reads the grants and the preview again; false (and the error shown) when the gateway refused it. */
  const change = async (work: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
      return true;
    } catch (failure) {
      setError(asRequestError(failure));
      return false;
    } finally {
      grants.reload();
      preview.reload();
      setBusy(false);
    }
  };

  const onMatrixChange = (matrix: MatrixChange) =>
    change(() =>
      replaceTableGrant(call, { agentId, databaseId, schema: matrix.table.schema, table: matrix.table.name, existing: matrix.existing, actions: matrix.actions, conditions: matrix.conditions }),
    );
  const onBroadGrant = (scope: 'DATABASE' | 'SCHEMA', schema: string | null, actions: TableAction[]) =>
    change(() => call(GRANT, { input: { agentId, databaseId, scope, schema, actions } }));
  const onRevoke = (grant: GrantRow) => void change(() => call(REVOKE_GRANT, { id: grant.id }));

  return (
    <>
      <PageHeader title="Grants">
        <label className="inline">
          Agent{' '}
          <select aria-label="Agent" value={agentId} onChange={(event) => setAgentId(event.target.value)}>
            <option value="">Choose an agent…</option>
            {agentList.map((choice) => (
              <option key={choice.id} value={choice.id}>
                {choice.name}
                {choice.role === 'ADMIN' ? ' (admin)' : ''}
              </option>
            ))}
          </select>
        </label>
        <label className="inline">
          Database{' '}
          <select aria-label="Database" value={databaseId} onChange={(event) => setDatabaseId(event.target.value)}>
            <option value="">Choose a database…</option>
            {databaseList.map((choice) => (
              <option key={choice.id} value={choice.id}>
                {choice.name} ({choice.engine})
              </option>
            ))}
          </select>
        </label>
      </PageHeader>
      <ErrorNotice error={agents.error ?? databases.error ?? catalog.error ?? grants.error ?? preview.error} />
      {!ready && (
        <p className="empty-state">
          {agents.data && agentList.length === 0
            ? 'Register an agent first (Agents page).'
            : databases.data && databaseList.length === 0
              ? 'Connect a database first (Databases page).'
              : 'Choose an agent and a database to see and change what the agent may do there. Without a grant, nothing is allowed.'}
        </p>
      )}
      {ready && agent && catalog.data && (
        <>
          <p className="muted lead">
            <strong>{agent.name}</strong> on <strong>{catalog.data.database.name}</strong>: tick a cell to grant that action on the table; “Conditions…” sets a row
            filter, masks and a row cap. ● marks an action a broader grant already gives.
          </p>
          <GrantsMatrix tables={tables} tableGrants={tableGrants} preview={previewByTable} busy={busy} error={error} onChange={onMatrixChange} />
          <BroadGrants grants={grantRows.filter((grant) => grant.scope !== 'TABLE')} schemas={schemas} busy={busy} onGrant={onBroadGrant} onRevoke={onRevoke} />
          {preview.data && <AccessPreviewPanel preview={preview.data.accessPreview} agentName={agent.name} />}
        </>
      )}
    </>
  );
}
