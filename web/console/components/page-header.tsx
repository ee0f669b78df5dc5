import type { ReactNode } from 'react';

/** A page's title with its item count, a reload button and the page's own controls. */
export function PageHeader(props: { title: string; count?: number | undefined; loading?: boolean; onReload?: () => void; children?: ReactNode }) {
  return (
    <header className="page-header">
      <h1>
        {props.title}
        {props.count !== undefined && <span className="count">{props.count}</span>}
      </h1>
      <div className="page-tools">
        {props.children}
        {props.onReload && (
          <button type="button" className="small" onClick={props.onReload} disabled={props.loading}>
            {props.loading ? 'Loading…' : 'Reload'}
          </button>
        )}
      </div>
    </header>
  );
}
