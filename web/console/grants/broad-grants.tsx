import { useState, type FormEvent } from 'react';
import { ConfirmButton } from '../components/confirm-button.js';
import { formatTime } from '../format.js';
import type { GrantRow, GrantScope } from '../operations.js';
import { toggled } from '../toggled.js';
import { TABLE_ACTIONS, type TableAction } from './table-grants.js';

const describe = (grant: GrantRow): string => {
  switch (grant.scope) {
    case 'DATABASE':
      return 'the whole database';
    case 'SCHEMA':
      return `schema ${grant.schemaName ?? ''}`;
    case 'COLUMNS':
      return `${grant.tableName ?? ''} (${(grant.columns ?? []).join(', ')})`;
    case 'TABLE':
      return grant.tableName ?? '';
  }
};

/**
 * The grants the matrix does not edit cell by cell — the whole database, a schema, some columns of a
 * table — each with Revoke, and a form to grant a whole database or schema.
 */
export function BroadGrants(props: {
  grants: GrantRow[];
  schemas: string[];
  busy: boolean;
  onGrant(scope: Extract<GrantScope, 'DATABASE' | 'SCHEMA'>, schema: string | null, actions: TableAction[]): Promise<boolean>;
  onRevoke(grant: GrantRow): void;
}) {
  const [scope, setScope] = useState<'DATABASE' | 'SCHEMA'>('DATABASE');
  const [schema, setSchema] = useState(props.schemas[0] ?? '');
  const [actions, setActions] = useState<Set<TableAction>>(new Set(['READ']));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const chosen = TABLE_ACTIONS.filter((action) => actions.has(action));
    if (await props.onGrant(scope, scope === 'SCHEMA' ? schema : null, chosen)) setActions(new Set(['READ']));
  };

  return (
    <section className="card" aria-labelledby="broad-title">
      <h2 id="broad-title">Database, schema and column grants</h2>
      {props.grants.length > 0 ? (
        <table className="grid">
          <thead>
            <tr>
              <th>Scope</th>
              <th>Covers</th>
              <th>Actions</th>
              <th>Conditions</th>
              <th>Expires</th>
              <th className="actions" />
            </tr>
          </thead>
          <tbody>
            {props.grants.map((grant) => (
              <tr key={grant.id}>
                <td>{grant.scope}</td>
                <td>{describe(grant)}</td>
                <td>{grant.actions.join(', ')}</td>
                <td className="mono">
                  {[grant.rowFilter && `where ${grant.rowFilter}`, grant.rowCap !== null && `cap ${grant.rowCap}`, grant.maxCost !== null && `cost ≤ ${grant.maxCost}`]
                    .filter(Boolean)
                    .join(' · ') || <span className="muted">—</span>}
                </td>
                <td>{formatTime(grant.expiresAt)}</td>
                <td className="actions">
                  <ConfirmButton label="Revoke" question="Revoke this grant?" busy={props.busy} onConfirm={() => props.onRevoke(grant)} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">None: the agent has only the table grants above.</p>
      )}
      <form className="form-row" onSubmit={(event) => void submit(event)} aria-label="Grant a database or schema">
        <label className="field">
          Grant
          <select value={scope} onChange={(event) => setScope(event.target.value as 'DATABASE' | 'SCHEMA')}>
            <option value="DATABASE">the whole database</option>
            <option value="SCHEMA">a schema</option>
          </select>
        </label>
        {scope === 'SCHEMA' && (
          <label className="field">
            Schema
            <select value={schema} onChange={(event) => setSchema(event.target.value)}>
              {props.schemas.map((name) => (
                <option key={name}>{name}</option>
              ))}
            </select>
          </label>
        )}
        {TABLE_ACTIONS.map((action) => (
          <label key={action} className="inline">
            <input
              type="checkbox"
              checked={actions.has(action)}
              onChange={() => setActions((current) => toggled(current, action))}
            />{' '}
            {action}
          </label>
        ))}
        <button type="submit" disabled={props.busy || actions.size === 0 || (scope === 'SCHEMA' && !schema)}>
          Grant
        </button>
      </form>
    </section>
  );
}
