import { Fragment, useState } from 'react';
import type { GraphQLRequestError } from '../../shared/graphql-client.js';
import { ErrorNotice } from '../components/error-notice.js';
import { formatCount } from '../format.js';
import type { CatalogTable, GrantRow, TableAccess } from '../operations.js';
import { GrantEditor } from './grant-editor.js';
import { conditionsOf, expandActions, TABLE_ACTIONS, tableKey, type Conditions, type TableAction } from './table-grants.js';

export interface MatrixChange {
  table: CatalogTable;
  existing: GrantRow[];
  actions: TableAction[];
  conditions: Conditions;
}

/**
 * One agent's grants on one database as a matrix: a row per table of the catalog, a column per action.
 * A checked cell is a TABLE grant (click to take the action away or give it); a dot is an action that a
 * broader grant (database, schema, columns) already gives. Each row shows the effective row filter, masks
 * and cap, and opens an editor for its table grant's conditions.
 */
export function GrantsMatrix(props: {
  tables: CatalogTable[];
  tableGrants: Map<string, GrantRow[]>;
  preview: Map<string, TableAccess>;
  busy: boolean;
  error: GraphQLRequestError | undefined;
  onChange(change: MatrixChange): Promise<boolean>;
}) {
  const [editing, setEditing] = useState<string>();
  const schemas = new Set(props.tables.map((table) => table.schema));

  return (
    <div className="matrix-wrap">
      <ErrorNotice error={props.error} />
      <table className="grid matrix" aria-label="Grants matrix">
        <thead>
          <tr>
            <th>Table</th>
            <th className="num">Rows ≈</th>
            {TABLE_ACTIONS.map((action) => (
              <th key={action} className="cell-head">
                {action}
              </th>
            ))}
            <th>Row filter</th>
            <th>Masked columns</th>
            <th className="num">Row cap</th>
            <th className="actions" />
          </tr>
        </thead>
        <tbody>
          {props.tables.map((table) => {
            const key = tableKey(table.schema, table.name);
            const existing = props.tableGrants.get(key) ?? [];
            const direct = new Set(existing.flatMap((grant) => [...expandActions(grant.actions)]));
            const access = props.preview.get(key);
            const effective = expandActions(access?.actions ?? []);
            const masked = access?.columns.filter((column) => column.mask !== null) ?? [];
            const conditions = conditionsOf(existing);
            const toggle = (action: TableAction) => {
              const actions = TABLE_ACTIONS.filter((a) => (a === action ? !direct.has(a) : direct.has(a)));
              void props.onChange({ table, existing, actions, conditions });
            };
            return (
              <Fragment key={key}>
                <tr data-table={key} className={effective.size > 0 ? 'granted' : undefined}>
                  <td>
                    {schemas.size > 1 && <span className="muted">{table.schema}.</span>}
                    <strong>{table.name}</strong>
                    {table.kind !== 'TABLE' && <span className="badge subtle">{table.kind.toLowerCase().replace('_', ' ')}</span>}
                    {existing.length > 1 && <span className="muted"> ({existing.length} grants)</span>}
                  </td>
                  <td className="num muted">{formatCount(table.rowEstimate)}</td>
                  {TABLE_ACTIONS.map((action) => {
                    const label = `${action} on ${table.name}`;
                    if (!direct.has(action) && effective.has(action)) {
                      return (
                        <td key={action} className="cell inherited" title={`${action} comes from a database, schema or columns grant (see below)`}>
                          <span aria-label={`${label}: from a broader grant`}>●</span>
                        </td>
                      );
                    }
                    return (
                      <td key={action} className={`cell ${direct.has(action) ? 'on' : ''}`}>
                        <input type="checkbox" aria-label={label} checked={direct.has(action)} disabled={props.busy} onChange={() => toggle(action)} />
                      </td>
                    );
                  })}
                  <td className="mono condition" title={access?.rowFilter ?? undefined}>
                    {access?.rowFilter ?? <Overridden text={conditions.rowFilter} />}
                  </td>
                  <td className="condition" title={masked.map((column) => `${column.column}: ${column.mask}`).join('\n') || undefined}>
                    {masked.length > 0 ? masked.map((column) => column.column).join(', ') : <Overridden text={conditions.columnMasks.map((mask) => mask.column).join(', ')} />}
                  </td>
                  <td className="num">{access?.rowCap ?? <span className="muted">—</span>}</td>
                  <td className="actions">
                    <button type="button" className="small" aria-expanded={editing === key} aria-label={`Conditions of ${table.name}`} onClick={() => setEditing(editing === key ? undefined : key)}>
                      {editing === key ? 'Close' : 'Conditions…'}
                    </button>
                  </td>
                </tr>
                {editing === key && (
                  <tr className="editor-row">
                    <td colSpan={TABLE_ACTIONS.length + 6}>
                      <GrantEditor
                        table={table}
                        actions={TABLE_ACTIONS.filter((action) => direct.has(action))}
                        conditions={conditions}
                        busy={props.busy}
                        onCancel={() => setEditing(undefined)}
                        onSave={async (actions, conditions) => {
                          if (await props.onChange({ table, existing, actions, conditions })) setEditing(undefined);
                        }}
                      />
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
          {props.tables.length === 0 && (
            <tr>
              <td colSpan={TABLE_ACTIONS.length + 6} className="empty">
                The catalog has no tables. Refresh the catalog on the Databases page.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

/**
 * A condition of the table grant that does not hold, because a broader grant without it (a schema or
 * database grant: grants add up) already lets the agent see the rows or the column plain.
 */
function Overridden(props: { text: string | null }) {
  if (!props.text) return <span className="muted">—</span>;
  return (
    <span className="overridden" title="Not in force: a broader grant without this condition already gives the agent these rows and columns.">
      {props.text}
    </span>
  );
}
