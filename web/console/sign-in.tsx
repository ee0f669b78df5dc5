import { useState, type FormEvent } from 'react';
import { asRequestError, GraphQLRequestError, request } from '../shared/graphql-client.js';
import { ErrorNotice } from './components/error-notice.js';
import { TextField } from './components/text-field.js';
import { ME, type Me } from './operations.js';

/** Checks a key with `{ me }`: resolves with who it is when it is an admin's, rejects with why not. */
export async function checkAdminKey(key: string): Promise<Me> {
  const { me } = await request(ME, {}, key);
  if (me.role !== 'ADMIN') {
    throw new GraphQLRequestError(
      'FORBIDDEN',
      `This key belongs to “${me.name}”, an agent. The console manages Warden and needs an admin key (WARDEN_ADMIN_KEY, or the key printed at first start).`,
    );
  }
  return me;
}

/** The first screen: the admin key, checked against the gateway before anything else is shown. */
export function SignIn(props: { notice: string | undefined; onSignedIn(key: string, me: Me): void }) {
  const [draft, setDraft] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<GraphQLRequestError>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const key = draft.trim();
    if (!key) return;
    setBusy(true);
    setError(undefined);
    try {
      const me = await checkAdminKey(key);
      setDraft('');
      props.onSignedIn(key, me);
    } catch (failure) {
      setError(asRequestError(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <form onSubmit={(event) => void submit(event)} autoComplete="off" aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">
          <span className="brand-mark" aria-hidden="true" /> Warden console
        </h1>
        {props.notice && (
          <p className="notice" role="status">
            {props.notice}
          </p>
        )}
        <TextField label="Admin API key" type="password" name="admin-key" value={draft} onChange={setDraft} placeholder="wdn_…" spellCheck={false} autoFocus required />
        <p className="muted small-print">Kept in this tab only (sessionStorage): closing the tab or signing out forgets it.</p>
        <ErrorNotice error={error} />
        <button type="submit" className="primary" disabled={busy || !draft.trim()}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
