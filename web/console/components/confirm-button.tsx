import { useState } from 'react';

/**
 * A button for something that cannot be undone: the first click asks, inline ("Revoke reporting-bot?
 * Yes / No"), and only "Yes" does it.
 */
export function ConfirmButton(props: { label: string; question: string; confirmLabel?: string; busy?: boolean; danger?: boolean; onConfirm(): void }) {
  const [asking, setAsking] = useState(false);
  const className = props.danger === false ? 'small' : 'small danger';
  if (!asking) {
    return (
      <button type="button" className={className} disabled={props.busy} onClick={() => setAsking(true)}>
        {props.label}
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-label={props.question}>
      <span>{props.question}</span>
      <button
        type="button"
        className={className}
        onClick={() => {
          setAsking(false);
          props.onConfirm();
        }}
      >
        {props.confirmLabel ?? `Yes, ${props.label.toLowerCase()}`}
      </button>
      <button type="button" className="small" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
