import { formatCell, formatMs } from '../format.js';
import type { QueryResult } from '../operations.js';

/** What a statement returned: a line of facts (rows, type, time, tables, whether it was cut) and the rows. */
export function ResultTable(props: { result: QueryResult }) {
  const { result } = props;
  const columns = result.columns.length > 0 ? result.columns.map((column) => column.name) : Object.keys(result.rows[0] ?? {});
  return (
    <div className="result">
      <p className="result-facts" role="status">
        <strong>{result.rowCount.toLocaleString()}</strong> {result.rowCount === 1 ? 'row' : 'rows'} · {result.statementType} · {formatMs(result.durationMs)}
        {result.tables.length > 0 && <> · {result.tables.join(', ')}</>}
        {result.truncated && (
          <span className="badge warn" title="More rows matched than the cap let through; only the first ones are here.">
            truncated{result.truncatedReason ? ` (${result.truncatedReason === 'ROW_CAP' ? 'row cap' : 'byte cap'})` : ''}
          </span>
        )}
      </p>
      <div className="result-scroll">
        <table className="grid result-rows" aria-label="Result rows">
          <thead>
            <tr>
              {result.columns.length > 0
                ? result.columns.map((column) => (
                    <th key={column.name} title={column.dataType ?? undefined}>
                      {column.name}
                    </th>
                  ))
                : columns.map((name) => <th key={name}>{name}</th>)}
            </tr>
          </thead>
          <tbody>
            {result.rows.map((row, index) => (
              <tr key={index}>
                {columns.map((name) => {
                  const value = row[name];
                  return (
                    <td key={name} className={value === null ? 'null' : typeof value === 'number' ? 'num' : undefined}>
                      {formatCell(value)}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
