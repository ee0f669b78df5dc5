import { useCallback, useEffect, useMemo, useState } from 'react';
import { savedKey, saveKey } from '../shared/api-key.js';
import { asRequestError } from '../shared/graphql-client.js';
import { liveClient } from './live-client.js';
import type { Me } from './operations.js';
import { AgentsPage } from './pages/agents-page.js';
import { CatalogPage } from './pages/catalog-page.js';
import { DatabasesPage } from './pages/databases-page.js';
import { ExportsPage } from './pages/exports-page.js';
import { GrantsPage } from './pages/grants-page.js';
import { LivePage } from './pages/live-page.js';
import { QueryPage } from './pages/query-page.js';
import { RateLimitsPage } from './pages/rate-limits-page.js';
import { SchedulesPage } from './pages/schedules-page.js';
import { WebhooksPage } from './pages/webhooks-page.js';
import { hrefOf, PAGES, useRoute, type Go, type PagePath } from './router.js';
import { SessionProvider, useSession } from './session.js';
import { checkAdminKey, SignIn } from './sign-in.js';

type State = { kind: 'checking' } | { kind: 'signed-out'; notice?: string } | { kind: 'signed-in'; key: string; me: Me };

/** The console: sign-in until an admin key is accepted, then the pages. */
export function App() {
  const [state, setState] = useState<State>(() => (savedKey() ? { kind: 'checking' } : { kind: 'signed-out' }));

  // A key kept from earlier in this tab is checked again before it is used.
  useEffect(() => {
    if (state.kind !== 'checking') return;
    const key = savedKey();
    checkAdminKey(key).then(
      (me) => setState({ kind: 'signed-in', key, me }),
      (error: unknown) => {
        saveKey('');
        setState({ kind: 'signed-out', notice: `The saved key was not accepted: ${asRequestError(error).message}` });
      },
    );
  }, [state.kind]);

  const signIn = useCallback((key: string, me: Me) => {
    saveKey(key);
    setState({ kind: 'signed-in', key, me });
  }, []);
  const signOut = useCallback((notice?: string) => {
    saveKey('');
    setState(notice ? { kind: 'signed-out', notice } : { kind: 'signed-out' });
  }, []);

  if (state.kind === 'checking') return <p className="checking">Checking the saved key…</p>;
  if (state.kind === 'signed-out') return <SignIn notice={state.notice} onSignedIn={signIn} />;
  return (
    <SessionProvider keyValue={state.key} me={state.me} onSignOut={signOut}>
      <Shell />
    </SessionProvider>
  );
}

function Shell() {
  const session = useSession();
  const [page, go] = useRoute();
  // One WebSocket for the session's subscriptions, opened when a page first subscribes, closed at sign-out.
  const live = useMemo(() => liveClient(session.key), [session.key]);
  useEffect(() => () => void live.dispose(), [live]);

  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Console">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" /> Warden
        </div>
        <ul>
          {PAGES.map((entry) => (
            <li key={entry.path}>
              <a
                href={hrefOf(entry.path)}
                aria-current={entry.path === page ? 'page' : undefined}
                onClick={(event) => {
                  if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
                  event.preventDefault();
                  go(entry.path);
                }}
              >
                {entry.title}
              </a>
            </li>
          ))}
        </ul>
        <div className="whoami">
          <div>
            Signed in as <strong>{session.me.name}</strong>
          </div>
          <button type="button" className="small" onClick={() => session.signOut()}>
            Sign out
          </button>
        </div>
      </nav>
      <main className="content">
        <CurrentPage key={page} page={page} live={live} go={go} />
      </main>
    </div>
  );
}

function CurrentPage(props: { page: PagePath; live: ReturnType<typeof liveClient>; go: Go }) {
  switch (props.page) {
    case 'agents':
      return <AgentsPage go={props.go} />;
    case 'databases':
      return <DatabasesPage />;
    case 'grants':
      return <GrantsPage />;
    case 'catalog':
      return <CatalogPage />;
    case 'live':
      return <LivePage live={props.live} />;
    case 'query':
      return <QueryPage />;
    case 'schedules':
      return <SchedulesPage />;
    case 'exports':
      return <ExportsPage />;
    case 'webhooks':
      return <WebhooksPage />;
    case 'rate-limits':
      return <RateLimitsPage />;
  }
}
