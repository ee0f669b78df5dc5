import { useEffect, useRef, useState } from 'react';

/**
 * Shows a secret the gateway returns once (an agent's API key, a webhook's signing secret) in a modal
 * dialog with a copy button and a warning. Closing it drops the secret: the caller forgets it too, so
 * after "Done" it is nowhere in the page.
 */
export function SecretDialog(props: { title: string; secret: string; what: string; onClose(): void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [copied, setCopied] = useState<'yes' | 'failed' | undefined>();

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.secret);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };

  return (
    // Escape closes a modal dialog too: the same as Done.
    <dialog ref={ref} className="secret-dialog" aria-labelledby="secret-dialog-title" onClose={props.onClose}>
      <h2 id="secret-dialog-title">{props.title}</h2>
      <p className="warning">
        This is the only time the {props.what} is shown. Warden keeps only its hash: copy it now and store it somewhere safe.
      </p>
      <div className="secret-row">
        <input className="secret" readOnly value={props.secret} aria-label={props.what} onFocus={(event) => event.currentTarget.select()} />
        <button type="button" onClick={() => void copy()}>
          Copy
        </button>
      </div>
      <p className="muted" role="status">
        {copied === 'yes' ? 'Copied to the clipboard.' : copied === 'failed' ? 'The browser refused the clipboard: select the text and copy it by hand.' : ' '}
      </p>
      <div className="dialog-actions">
        <button type="button" className="primary" onClick={() => ref.current?.close()}>
          Done, I have stored it
        </button>
      </div>
    </dialog>
  );
}
