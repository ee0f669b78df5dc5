import type { GraphQLRequestError } from '../../shared/graphql-client.js';

interface Denied {
  resource?: unknown;
  needed?: unknown;
  reason?: unknown;
}

/** A failure as the gateway reported it: its code and message, and for a refusal what was denied. Never a stack. */
export function ErrorNotice(props: { error: GraphQLRequestError | undefined; onDismiss?: () => void }) {
  const { error, onDismiss } = props;
  if (!error) return null;
  const denied = Array.isArray(error.extensions.denied) ? (error.extensions.denied as Denied[]) : [];
  const retry = error.extensions.retryAfterSeconds;
  const requestId = error.extensions.requestId;
  return (
    <div className="notice notice-error" role="alert">
      <code className="error-code">{error.code}</code> <span className="error-message">{error.message}</span>
      {typeof retry === 'number' && <span className="muted"> Try again in {retry} s.</span>}
      {denied.length > 0 && (
        <ul className="denied">
          {denied.map((item, index) => (
            <li key={index}>
              <code>{String(item.resource ?? '')}</code> needs {String(item.needed ?? '')}: {String(item.reason ?? '')}
            </li>
          ))}
        </ul>
      )}
      {typeof requestId === 'string' && <span className="muted request-id"> Request {requestId}</span>}
      {onDismiss && (
        <button type="button" className="link dismiss" onClick={onDismiss} aria-label="Dismiss">
          ×
        </button>
      )}
    </div>
  );
}
