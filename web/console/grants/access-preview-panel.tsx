import { useState } from 'react';
import type { TableAccess } from '../operations.js';

/**
 * accessPreview for the chosen agent: every table as the agent would find it, computed by the same
 * decision function the SQL gate uses — actions, the effective row filter and cap, per column what it
 * may do and how it is masked, and for a view what it reads and exposes.
 */
export function AccessPreviewPanel(props: { preview: TableAccess[]; agentName: string }) {
  const [all, setAll] = useState(false);
  const reachable = props.preview.filter((access) => access.actions.length > 0);
  const shown = all ? props.preview : reachable;
  return (
    <section className="card" aria-labelledby="preview-title">
      <div className="card-head">
        <h2 id="preview-title">Access preview: what {props.agentName} finds</h2>
        <label className="inline">
          <input type="checkbox" checked={all} onChange={(event) => setAll(event.target.checked)} /> Show tables it cannot reach
        </label>
      </div>
      <p className="muted">
        {reachable.length} of {props.preview.length} tables reachable.
      </p>
      <table className="grid preview" aria-label="Access preview">
        <thead>
          <tr>
            <th>Table</th>
            <th>Actions</th>
            <th>Columns</th>
            <th>Row filter</th>
            <th className="num">Cap</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((access) => (
            <tr key={`${access.schema}.${access.table}`} className={access.actions.length === 0 ? 'unreachable' : undefined}>
              <td>
                <strong>{access.table}</strong>
                {access.reads.length > 0 && <div className="muted">view of {access.reads.join(', ')}</div>}
                {access.exposes.length > 0 && <div className="bad-text">exposes {access.exposes.join(', ')}</div>}
              </td>
              <td>{access.actions.length > 0 ? access.actions.join(', ') : <span className="muted">none</span>}</td>
              <td className="columns">
                {access.columns.map((column) => (
                  <span
                    key={column.column}
                    className={`column-chip ${column.actions.length === 0 ? 'denied' : column.mask ? 'masked' : ''}`}
                    title={column.mask ? `masked as ${column.mask}` : column.actions.length === 0 ? 'not reachable' : column.actions.join(', ')}
                  >
                    {column.column}
                    {column.mask && <span className="mono"> → {column.mask}</span>}
                  </span>
                ))}
              </td>
              <td className="mono">{access.rowFilter ?? <span className="muted">—</span>}</td>
              <td className="num">{access.rowCap ?? <span className="muted">—</span>}</td>
            </tr>
          ))}
          {shown.length === 0 && (
            <tr>
              <td colSpan={5} className="empty">
                No table is reachable: without a grant, nothing is allowed.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}
