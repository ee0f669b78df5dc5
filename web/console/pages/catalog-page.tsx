import { useState } from 'react';
import { TermEditor } from '../catalog/term-editor.js';
import {
  APPROVE_CATALOG_TERM,
  CATALOG_TERMS,
  DELETE_CATALOG_TERM,
  MERGE_CATALOG_TERMS,
  REJECT_CATALOG_TERM,
  type CatalogTermRow,
  type CatalogTermStatus,
} from '../catalog/catalog-operations.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { ErrorNotice } from '../components/error-notice.js';
import { PageHeader } from '../components/page-header.js';
import { formatTime } from '../format.js';
import { AGENT_CHOICES, DATABASE_CATALOG, DATABASE_CHOICES } from '../operations.js';
import { useSession } from '../session.js';
import { useAction } from '../use-action.js';
import { useData } from '../use-data.js';
import { useNames, type Names } from '../use-names.js';

const STATUSES: { value: CatalogTermStatus | ''; label: string }[] = [
  { value: '', label: 'All' },
  { value: 'PENDING', label: 'Proposed' },
  { value: 'APPROVED', label: 'Approved' },
  { value: 'REJECTED', label: 'Rejected' },
];

const BADGE: Record<CatalogTermStatus, string> = { APPROVED: 'ok', PENDING: 'warn', REJECTED: 'bad' };

/**
 * The semantic catalog of one database: business terms, what they mean, other words for them and what
 * they are about. Admins add and edit terms, approve or reject what agents propose, merge and delete.
 */
export function CatalogPage() {
  const databases = useData(DATABASE_CHOICES, {});
  const agents = useData(AGENT_CHOICES, {});
  const names = useNames(agents.data, databases.data);
  const databaseList = databases.data?.databases.edges.map((edge) => edge.node) ?? [];
  const [chosenDatabase, setDatabaseId] = useState('');
  const databaseId = chosenDatabase || (databaseList.length === 1 ? (databaseList[0]?.id ?? '') : '');
  const [status, setStatus] = useState<CatalogTermStatus | ''>('');
  const [search, setSearch] = useState('');
  const terms = useData(CATALOG_TERMS, { databaseId, search: search.trim() || null, status: status || null }, Boolean(databaseId));
  const catalog = useData(DATABASE_CATALOG, { id: databaseId }, Boolean(databaseId));
  const [editing, setEditing] = useState<string>();
  const rows = terms.data?.catalogTerms.edges.map((edge) => edge.node) ?? [];
  const tables = catalog.data?.database.tables ?? [];

  return (
    <>
      <PageHeader title="Catalog" count={terms.data?.catalogTerms.totalCount} onReload={terms.reload} loading={terms.loading}>
        <select aria-label="Database" value={databaseId} onChange={(event) => setDatabaseId(event.target.value)}>
          <option value="">Choose a database…</option>
          {databaseList.map((database) => (
            <option key={database.id} value={database.id}>
              {database.name}
            </option>
          ))}
        </select>
      </PageHeader>
      <p className="muted lead">
        Business words and what they mean in this database, so agents and the language model find the right tables (“revenue” is orders.total). Agents may
        propose terms; a model is given a term only once it is approved, and an agent sees only terms about tables and columns it may read.
      </p>
      <ErrorNotice error={databases.error ?? terms.error} />
      {databaseId && (
        <>
          <TermEditor databaseId={databaseId} tables={tables} onSaved={terms.reload} />
          <div className="form-row filters">
            <div className="segmented" role="radiogroup" aria-label="Status">
              {STATUSES.map((entry) => (
                <label key={entry.label} className={status === entry.value ? 'on' : undefined}>
                  <input type="radio" name="status" checked={status === entry.value} onChange={() => setStatus(entry.value)} /> {entry.label}
                </label>
              ))}
            </div>
            <input type="search" aria-label="Search terms" placeholder="Search terms, synonyms, definitions" value={search} onChange={(event) => setSearch(event.target.value)} />
          </div>
          <table className="grid" aria-label="Catalog terms">
            <thead>
              <tr>
                <th>Term</th>
                <th>Means</th>
                <th>About</th>
                <th>Examples</th>
                <th>Status</th>
                <th className="actions">Actions</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((term) =>
                editing === term.id ? (
                  <tr key={term.id}>
                    <td colSpan={6}>
                      <TermEditor
                        databaseId={databaseId}
                        tables={tables}
                        term={term}
                        onSaved={() => {
                          setEditing(undefined);
                          terms.reload();
                        }}
                        onCancel={() => setEditing(undefined)}
                      />
                    </td>
                  </tr>
                ) : (
                  <TermRow key={term.id} term={term} others={rows.filter((other) => other.id !== term.id)} names={names} onEdit={() => setEditing(term.id)} onChanged={terms.reload} />
                ),
              )}
              {terms.data && rows.length === 0 && (
                <tr>
                  <td colSpan={6} className="empty">
                    {search.trim() || status ? 'No term matches.' : 'No terms yet.'}
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}

function TermRow(props: { term: CatalogTermRow; others: CatalogTermRow[]; names: Names; onEdit(): void; onChanged(): void }) {
  const { call } = useSession();
  const { term } = props;
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const [mergeInto, setMergeInto] = useState('');
  const act = useAction(async (what: 'approve' | 'reject' | 'merge' | 'delete') => {
    if (what === 'approve') await call(APPROVE_CATALOG_TERM, { id: term.id });
    else if (what === 'reject') await call(REJECT_CATALOG_TERM, { id: term.id, reason: reason.trim() });
    else if (what === 'merge') await call(MERGE_CATALOG_TERMS, { intoId: mergeInto, fromIds: [term.id] });
    else await call(DELETE_CATALOG_TERM, { id: term.id });
    props.onChanged();
  });
  const mergeTarget = props.others.find((other) => other.id === mergeInto);

  return (
    <tr data-term={term.term}>
      <td>
        <strong>{term.term}</strong>
        {term.synonyms.length > 0 && <div className="muted">also {term.synonyms.join(', ')}</div>}
      </td>
      <td className="condition">{term.definition}</td>
      <td className="mono">
        {term.links.map((link) => (
          <div key={`${link.schema}.${link.table}.${link.column ?? ''}`}>{`${link.table}${link.column ? `.${link.column}` : ''}`}</div>
        ))}
      </td>
      <td>
        {term.examples.map((example, index) => (
          <div key={index} title={example.sql}>
            {example.question}
          </div>
        ))}
      </td>
      <td>
        <span className={`badge ${BADGE[term.status]}`}>{term.status === 'PENDING' ? 'proposed' : term.status.toLowerCase()}</span>
        <div className="muted">
          v{term.version} · {formatTime(term.updatedAt)}
        </div>
        {term.status === 'PENDING' && term.proposedBy && <div className="muted">by {props.names.agent(term.proposedBy)}</div>}
        {term.rejectedReason && <div className="bad-text">{term.rejectedReason}</div>}
        <ErrorNotice error={act.error} onDismiss={act.clearError} />
      </td>
      <td className="actions">
        {term.status === 'PENDING' && (
          <>
            <button type="button" className="small primary" disabled={act.busy} onClick={() => void act.run('approve')}>
              Approve
            </button>
            {rejecting ? (
              <span className="confirm" role="group" aria-label={`Reject ${term.term}`}>
                <input aria-label={`Why ${term.term} is rejected`} value={reason} onChange={(event) => setReason(event.target.value)} placeholder="Why" maxLength={500} />
                <button type="button" className="small danger" disabled={act.busy || !reason.trim()} onClick={() => void act.run('reject')}>
                  Reject
                </button>
                <button type="button" className="small" onClick={() => setRejecting(false)}>
                  Cancel
                </button>
              </span>
            ) : (
              <button type="button" className="small" disabled={act.busy} onClick={() => setRejecting(true)}>
                Reject…
              </button>
            )}
          </>
        )}
        <button type="button" className="small" disabled={act.busy} onClick={props.onEdit}>
          Edit
        </button>
        {props.others.length > 0 && (
          <span className="merge">
            <select aria-label={`Merge ${term.term} into`} value={mergeInto} onChange={(event) => setMergeInto(event.target.value)}>
              <option value="">Merge into…</option>
              {props.others.map((other) => (
                <option key={other.id} value={other.id}>
                  {other.term}
                </option>
              ))}
            </select>
            {mergeTarget && (
              <ConfirmButton
                label="Merge"
                question={`Merge ${term.term} into ${mergeTarget.term}?`}
                danger={false}
                busy={act.busy}
                onConfirm={() => void act.run('merge')}
              />
            )}
          </span>
        )}
        <ConfirmButton label="Delete" question={`Delete ${term.term} and its versions?`} busy={act.busy} onConfirm={() => void act.run('delete')} />
      </td>
    </tr>
  );
}
