import { useState, type FormEvent } from 'react';
import { TextField } from '../components/text-field.js';
import { parseOptionalInt } from '../format.js';
import type { CatalogTable, ColumnMask } from '../operations.js';
import { toggled } from '../toggled.js';
import { TABLE_ACTIONS, type Conditions, type TableAction } from './table-grants.js';

/**
 * The table grant of one row of the matrix, in full: its actions, a row filter (a SQL predicate over the
 * table's own columns), column masks (a SQL expression shown instead of the value) and a row cap. The
 * gateway checks the filter and masks when the grant is saved and says what is wrong.
 */
export function GrantEditor(props: {
  table: CatalogTable;
  actions: TableAction[];
  conditions: Conditions;
  busy: boolean;
  onSave(actions: TableAction[], conditions: Conditions): Promise<void>;
  onCancel(): void;
}) {
  const { table } = props;
  const [actions, setActions] = useState(new Set(props.actions));
  const [rowFilter, setRowFilter] = useState(props.conditions.rowFilter ?? '');
  const [masks, setMasks] = useState<ColumnMask[]>(props.conditions.columnMasks);
  const [rowCap, setRowCap] = useState(props.conditions.rowCap === null ? '' : String(props.conditions.rowCap));
  const cap = parseOptionalInt(rowCap);
  const capInvalid = Number.isNaN(cap) || cap === 0;

  const toggle = (action: TableAction) => setActions((current) => toggled(current, action));
  const setMask = (index: number, mask: ColumnMask) => setMasks((current) => current.map((m, i) => (i === index ? mask : m)));
  const unmasked = table.columns.filter((column) => !masks.some((mask) => mask.column === column.name));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (capInvalid) return;
    void props.onSave(
      TABLE_ACTIONS.filter((action) => actions.has(action)),
      { rowFilter: rowFilter.trim() || null, columnMasks: masks, rowCap: cap },
    );
  };

  return (
    <form className="grant-editor" onSubmit={submit} aria-label={`Grant on ${table.name}`} autoComplete="off">
      <fieldset className="form-row">
        <legend>Actions on {table.name}</legend>
        {TABLE_ACTIONS.map((action) => (
          <label key={action} className="inline">
            <input type="checkbox" checked={actions.has(action)} onChange={() => toggle(action)} /> {action}
          </label>
        ))}
      </fieldset>
      <label className="field">
        Row filter <span className="muted">— only rows passing this predicate are visible (and changeable)</span>
        <input
          className="mono"
          value={rowFilter}
          onChange={(event) => setRowFilter(event.target.value)}
          spellCheck={false}
          placeholder={`e.g. ${table.columns.some((c) => c.name === 'customer_id') ? 'customer_id = 42' : `${table.columns[0]?.name ?? 'id'} > 0`}`}
        />
      </label>
      <fieldset>
        <legend>Column masks</legend>
        {masks.map((mask, index) => (
          <div key={index} className="form-row mask-row">
            <select aria-label="Masked column" value={mask.column} onChange={(event) => setMask(index, { ...mask, column: event.target.value })}>
              {table.columns
                .filter((column) => column.name === mask.column || unmasked.includes(column))
                .map((column) => (
                  <option key={column.name} value={column.name}>
                    {column.name} ({column.dataType})
                  </option>
                ))}
            </select>
            <input
              className="mono grow"
              aria-label={`Mask of ${mask.column}`}
              value={mask.expression}
              onChange={(event) => setMask(index, { ...mask, expression: event.target.value })}
              placeholder="'***'  or  left(email, 2) || '…'"
              spellCheck={false}
            />
            <button type="button" className="small" onClick={() => setMasks((current) => current.filter((_, i) => i !== index))}>
              Remove
            </button>
          </div>
        ))}
        <button
          type="button"
          className="small"
          disabled={unmasked.length === 0}
          onClick={() => setMasks((current) => [...current, { column: unmasked[0]?.name ?? '', expression: "'***'" }])}
        >
          Add a mask
        </button>
      </fieldset>
      <div className="form-row">
        <TextField label="Row cap" size="narrow" value={rowCap} onChange={setRowCap} inputMode="numeric" placeholder="none" aria-invalid={capInvalid} />
        <span className="muted">Most rows one query may return; empty for no cap of its own.</span>
      </div>
      <div className="form-row">
        <button type="submit" className="primary" disabled={props.busy || capInvalid || (actions.size === 0 && props.actions.length === 0)}>
          {actions.size === 0 ? 'Remove the table grant' : 'Save grant'}
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
