import { createGraphiQLFetcher, type Fetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import { parse, type DocumentNode } from 'graphql';
import { createClient } from 'graphql-ws';
import { StrictMode, useMemo, useState, type FormEvent } from 'react';
import { createRoot } from 'react-dom/client';
import { savedKey, saveKey, socketUrl } from '../shared/api-key.js';
import './explorer.css';

const DEFAULT_QUERY = `# Put your API key in the field above, then run this with the ▶ button (or Ctrl-Enter).
{
  me {
    name
    role
  }
}
`;

/** The document GraphiQL runs, parsed now: its own parse lags the editor, and a subscription must go over the socket. */
function documentOf(query: string): DocumentNode | undefined {
  try {
    return parse(query);
  } catch {
    return undefined;
  }
}

/** GraphiQL against this gateway: queries and mutations over HTTP, subscriptions over graphql-ws, the key in both. */
function fetcherFor(key: string): Fetcher {
  const authorization = key ? `Bearer ${key}` : undefined;
  const fetcher = createGraphiQLFetcher({
    url: '/graphql',
    headers: authorization ? { authorization } : {},
    enableIncrementalDelivery: false,
    wsClient: createClient({ url: socketUrl(), lazy: true, connectionParams: authorization ? { authorization } : {} }),
  });
  return (params, options) => fetcher(params, { ...options, documentAST: documentOf(params.query) ?? options?.documentAST });
}

function Explorer() {
  const [key, setKey] = useState(savedKey);
  const [draft, setDraft] = useState(key);
  const fetcher = useMemo(() => fetcherFor(key), [key]);

  const use = (event: FormEvent) => {
    event.preventDefault();
    const next = draft.trim();
    saveKey(next);
    setKey(next);
  };
  const forget = () => {
    saveKey('');
    setDraft('');
    setKey('');
  };

  return (
    <div className="explorer">
      <form className="key-bar" onSubmit={use} autoComplete="off">
        <strong>Warden explorer</strong>
        <label>
          API key
          <input
            type="password"
            name="api-key"
            value={draft}
            onChange={(event) => setDraft(event.target.value)}
            placeholder="wk_…"
            spellCheck={false}
          />
        </label>
        <button type="submit">Use key</button>
        <button type="button" onClick={forget} disabled={!key && !draft}>
          Forget
        </button>
        <span className="key-state" role="status">
          {key ? 'Key set for this tab only.' : 'No key: every request is refused until you set one.'}
        </span>
        <a href="/console">Console</a>
      </form>
      {/* A new key is a new fetcher: GraphiQL is mounted again so it reads the schema with it. */}
      <GraphiQL key={key} fetcher={fetcher} defaultQuery={DEFAULT_QUERY} shouldPersistHeaders={false} />
    </div>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Explorer />
  </StrictMode>,
);
