import { useState, type FormEvent } from 'react';
import { asRequestError, GraphQLRequestError, request } from '../../shared/graphql-client.js';
import { ErrorNotice } from '../components/error-notice.js';
import { PageHeader } from '../components/page-header.js';
import { ResultTable } from '../components/result-table.js';
import { TextField } from '../components/text-field.js';
import { parseOptionalInt } from '../format.js';
import { AGENT_CHOICES, ASK_DATABASE, DATABASE_CHOICES, ME, RUN_QUERY, type AskResult, type DatabaseChoice, type QueryResult } from '../operations.js';
import { useData } from '../use-data.js';

/** The agent whose key was checked: who the gateway says it is and the databases it can see. */
interface ActingAs {
  key: string;
  name: string;
  databases: DatabaseChoice[];
}

type Answer = { kind: 'sql'; result: QueryResult } | { kind: 'ask'; ask: AskResult };

/**
 * Query as an agent would: with that agent's own key (kept in this page's memory only, never stored),
 * run SQL or ask in plain words. The gateway applies that agent's grants, row filters, masks and caps,
 * and audits it as the agent.
 */
export function QueryPage() {
  const agents = useData(AGENT_CHOICES, {});
  const active = (agents.data?.agents.edges.map((edge) => edge.node) ?? []).filter((agent) => agent.status === 'ACTIVE' && agent.role === 'AGENT');
  const [agentId, setAgentId] = useState('');
  const [keyDraft, setKeyDraft] = useState('');
  const [acting, setActing] = useState<ActingAs>();
  const [databaseId, setDatabaseId] = useState('');
  const [mode, setMode] = useState<'sql' | 'ask'>('sql');
  const [sql, setSql] = useState('select * from orders limit 20');
  const [question, setQuestion] = useState('');
  const [maxRows, setMaxRows] = useState('200');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<GraphQLRequestError>();
  const [answer, setAnswer] = useState<Answer>();

  const agent = active.find((a) => a.id === agentId);
  const forget = () => {
    setActing(undefined);
    setKeyDraft('');
    setAnswer(undefined);
  };

  /** Runs work with the agent's key; a refused key is forgotten (the admin's session is not touched). */
  const withAgentKey = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
    } catch (failure) {
      const refused = asRequestError(failure);
      setError(refused);
      if (refused.code === 'UNAUTHENTICATED') setActing(undefined);
    } finally {
      setBusy(false);
    }
  };

  const checkKey = (event: FormEvent) => {
    event.preventDefault();
    const key = keyDraft.trim();
    void withAgentKey(async () => {
      const { me } = await request(ME, {}, key);
      if (me.id !== agentId) {
        throw new GraphQLRequestError('BAD_USER_INPUT', `This key belongs to “${me.name}”, not to ${agent?.name ?? 'the chosen agent'}.`);
      }
      const { databases } = await request(DATABASE_CHOICES, {}, key);
      const visible = databases.edges.map((edge) => edge.node);
      setActing({ key, name: me.name, databases: visible });
      setKeyDraft('');
      setDatabaseId(visible[0]?.id ?? '');
    });
  };

  const run = (event: FormEvent) => {
    event.preventDefault();
    if (!acting || !databaseId) return;
    const rows = parseOptionalInt(maxRows);
    const limit = Number.isNaN(rows) ? null : rows;
    void withAgentKey(async () => {
      setAnswer(undefined);
      if (mode === 'sql') {
        const { runQuery } = await request(RUN_QUERY, { databaseId, sql, maxRows: limit }, acting.key);
        setAnswer({ kind: 'sql', result: runQuery });
      } else {
        const { askDatabase } = await request(ASK_DATABASE, { databaseId, question, maxRows: limit }, acting.key);
        setAnswer({ kind: 'ask', ask: askDatabase });
      }
    });
  };

  return (
    <>
      <PageHeader title="Query" />
      <p className="muted lead">Run SQL or ask in plain words exactly as an agent would: with its own key, under its grants, audited as the agent.</p>
      <ErrorNotice error={agents.error} />
      {!acting ? (
        <form className="card form-row" onSubmit={checkKey} aria-label="Act as an agent" autoComplete="off">
          <label className="field">
            Agent
            <select aria-label="Agent" value={agentId} onChange={(event) => setAgentId(event.target.value)} required>
              <option value="">Choose an agent…</option>
              {active.map((choice) => (
                <option key={choice.id} value={choice.id}>
                  {choice.name}
                </option>
              ))}
            </select>
          </label>
          <TextField
            label="Agent API key"
            size="grow"
            type="password"
            name="agent-key"
            value={keyDraft}
            onChange={setKeyDraft}
            placeholder="The agent's wdn_… key (kept in this page only)"
            spellCheck={false}
            required
          />
          <button type="submit" className="primary" disabled={busy || !agentId || !keyDraft.trim()}>
            Use key
          </button>
        </form>
      ) : (
        <form className="card" onSubmit={run} aria-label="Run as the agent" autoComplete="off">
          <div className="form-row">
            <span>
              Acting as <strong>{acting.name}</strong>
            </span>
            <button type="button" className="small" onClick={forget}>
              Forget key
            </button>
            <label className="inline">
              Database{' '}
              <select aria-label="Database" value={databaseId} onChange={(event) => setDatabaseId(event.target.value)}>
                {acting.databases.length === 0 && <option value="">No database is granted to this agent</option>}
                {acting.databases.map((database) => (
                  <option key={database.id} value={database.id}>
                    {database.name} ({database.engine})
                  </option>
                ))}
              </select>
            </label>
            <span role="radiogroup" aria-label="How to ask" className="segmented">
              <label className={mode === 'sql' ? 'on' : undefined}>
                <input type="radio" name="query-mode" checked={mode === 'sql'} onChange={() => setMode('sql')} /> SQL
              </label>
              <label className={mode === 'ask' ? 'on' : undefined}>
                <input type="radio" name="query-mode" checked={mode === 'ask'} onChange={() => setMode('ask')} /> Plain words
              </label>
            </span>
            <label className="inline">
              Max rows <input className="narrow" value={maxRows} onChange={(event) => setMaxRows(event.target.value)} inputMode="numeric" />
            </label>
          </div>
          {mode === 'sql' ? (
            <textarea aria-label="SQL statement" className="mono editor" rows={5} value={sql} onChange={(event) => setSql(event.target.value)} spellCheck={false} />
          ) : (
            <textarea
              aria-label="Question in plain words"
              className="editor"
              rows={3}
              value={question}
              onChange={(event) => setQuestion(event.target.value)}
              placeholder="e.g. Which five customers spent the most last month?"
            />
          )}
          <div className="form-row">
            <button type="submit" className="primary" disabled={busy || !databaseId || (mode === 'sql' ? !sql.trim() : !question.trim())}>
              {busy ? 'Running…' : mode === 'sql' ? 'Run' : 'Ask'}
            </button>
          </div>
        </form>
      )}
      <ErrorNotice error={error} onDismiss={() => setError(undefined)} />
      {answer?.kind === 'sql' && <ResultTable result={answer.result} />}
      {answer?.kind === 'ask' && <AskAnswer ask={answer.ask} />}
    </>
  );
}

function AskAnswer(props: { ask: AskResult }) {
  const { ask } = props;
  return (
    <section className="card" aria-label="Answer">
      <p className="answer-summary">{ask.explanation.summary}</p>
      <pre className="mono sql">{ask.sql}</pre>
      <p className="muted">
        {ask.provider.name} · {ask.provider.model} · {ask.usage.totalTokens} tokens · {Math.round(ask.timings.totalMs)} ms · {ask.attempts.length}{' '}
        {ask.attempts.length === 1 ? 'attempt' : 'attempts'} · tables shown to the model: {ask.linkedTables.join(', ') || 'none'}
      </p>
      {ask.attempts
        .filter((attempt) => attempt.errorCode)
        .map((attempt, index) => (
          <p key={index} className="muted">
            Repaired: <code>{attempt.errorCode}</code> {attempt.errorMessage}
          </p>
        ))}
      <ResultTable result={ask.result} />
    </section>
  );
}
