import { useState, type FormEvent } from 'react';
import { ErrorNotice } from '../components/error-notice.js';
import { TextField } from '../components/text-field.js';
import type { CatalogTable } from '../operations.js';
import { useSession } from '../session.js';
import { useAction } from '../use-action.js';
import { SAVE_CATALOG_TERM, type CatalogTermExample, type CatalogTermRow } from './catalog-operations.js';

interface LinkDraft {
  /** `schema.table`, as the table choices give it. */
  table: string;
  /** Empty for the whole table. */
  column: string;
}

const splitList = (text: string) => [...new Set(text.split(',').map((word) => word.trim()).filter(Boolean))];

/**
 * A term's form: what it means, other words for it, the tables or columns it is about (chosen from the
 * database's catalog) and example questions with their SQL. The gateway checks each example with the
 * SQL gate on save; what it refuses is shown with its code, and nothing is saved.
 */
export function TermEditor(props: { databaseId: string; tables: CatalogTable[]; term?: CatalogTermRow; onSaved(): void; onCancel?: () => void }) {
  const { call } = useSession();
  const editing = props.term;
  const [term, setTerm] = useState(editing?.term ?? '');
  const [definition, setDefinition] = useState(editing?.definition ?? '');
  const [synonyms, setSynonyms] = useState(editing?.synonyms.join(', ') ?? '');
  const [links, setLinks] = useState<LinkDraft[]>(editing?.links.map((link) => ({ table: `${link.schema}.${link.table}`, column: link.column ?? '' })) ?? []);
  const [examples, setExamples] = useState<CatalogTermExample[]>(editing?.examples.map(({ question, sql }) => ({ question, sql })) ?? []);

  const save = useAction(() =>
    call(SAVE_CATALOG_TERM, {
      input: {
        id: editing?.id ?? null,
        databaseId: props.databaseId,
        term: term.trim(),
        definition: definition.trim(),
        synonyms: splitList(synonyms),
        links: links
          .filter((link) => link.table)
          .map((link) => {
            const table = props.tables.find((t) => `${t.schema}.${t.name}` === link.table);
            return { schema: table?.schema ?? null, table: table?.name ?? link.table, column: link.column || null };
          }),
        examples: examples.filter((example) => example.question.trim() || example.sql.trim()).map((example) => ({ question: example.question.trim(), sql: example.sql.trim() })),
        expectedVersion: editing?.version ?? null,
      },
    }),
  );
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!(await save.run())) return;
    if (!editing) {
      setTerm('');
      setDefinition('');
      setSynonyms('');
      setLinks([]);
      setExamples([]);
    }
    props.onSaved();
  };
  const setLink = (index: number, change: Partial<LinkDraft>) => setLinks((current) => current.map((link, i) => (i === index ? { ...link, ...change } : link)));
  const setExample = (index: number, change: Partial<CatalogTermExample>) =>
    setExamples((current) => current.map((example, i) => (i === index ? { ...example, ...change } : example)));
  const label = editing ? `Edit ${editing.term}` : 'Add a term';

  return (
    <form className="card term-editor" onSubmit={(event) => void submit(event)} aria-label={label} autoComplete="off">
      <h2>{label}</h2>
      <div className="form-row">
        <TextField label="Term" value={term} onChange={setTerm} required maxLength={100} placeholder="revenue" />
        <TextField label="Synonyms (comma-separated)" value={synonyms} onChange={setSynonyms} size="grow" placeholder="sales, turnover" />
      </div>
      <label className="field">
        Definition
        <textarea value={definition} onChange={(event) => setDefinition(event.target.value)} required maxLength={2000} rows={2} placeholder="The sum of order totals, before refunds." />
      </label>
      <fieldset>
        <legend>About</legend>
        {links.map((link, index) => {
          const table = props.tables.find((t) => `${t.schema}.${t.name}` === link.table);
          return (
            <div className="form-row tight" key={index}>
              <select aria-label={`Table of link ${index + 1}`} value={link.table} onChange={(event) => setLink(index, { table: event.target.value, column: '' })}>
                <option value="">Choose a table…</option>
                {props.tables.map((t) => (
                  <option key={`${t.schema}.${t.name}`} value={`${t.schema}.${t.name}`}>
                    {t.schema}.{t.name}
                  </option>
                ))}
              </select>
              <select aria-label={`Column of link ${index + 1}`} value={link.column} onChange={(event) => setLink(index, { column: event.target.value })} disabled={!table}>
                <option value="">the whole table</option>
                {table?.columns.map((column) => (
                  <option key={column.name} value={column.name}>
                    {column.name}
                  </option>
                ))}
              </select>
              <button type="button" className="small" onClick={() => setLinks((current) => current.filter((_, i) => i !== index))}>
                Remove
              </button>
            </div>
          );
        })}
        <button type="button" className="small" onClick={() => setLinks((current) => [...current, { table: '', column: '' }])}>
          Add a table or column
        </button>
      </fieldset>
      <fieldset>
        <legend>Examples</legend>
        {examples.map((example, index) => (
          <div className="form-row example" key={index}>
            <TextField label={`Question ${index + 1}`} value={example.question} onChange={(question) => setExample(index, { question })} size="grow" maxLength={500} />
            <label className="field grow">
              SQL {index + 1}
              <textarea className="mono" value={example.sql} onChange={(event) => setExample(index, { sql: event.target.value })} rows={2} />
            </label>
            <button type="button" className="small" onClick={() => setExamples((current) => current.filter((_, i) => i !== index))}>
              Remove
            </button>
          </div>
        ))}
        <button type="button" className="small" onClick={() => setExamples((current) => [...current, { question: '', sql: '' }])}>
          Add an example
        </button>
      </fieldset>
      <div className="form-row">
        <button type="submit" className="primary" disabled={save.busy || !term.trim() || !definition.trim()}>
          {editing ? 'Save changes' : 'Save term'}
        </button>
        {props.onCancel && (
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        )}
      </div>
      <ErrorNotice error={save.error} onDismiss={save.clearError} />
    </form>
  );
}
