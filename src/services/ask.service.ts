import { LRUCache } from 'lru-cache';
import type { Catalog } from '../../plugins/drivers/catalog.js';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { explainResult } from '../nl/explain-result.js';
import { declinedAnswer, modelDeclined } from '../nl/declined-answer.js';
import { distinctSamples } from '../nl/link-samples.js';
import type { ChatMessage, Explanation, LinkableTable, LinkableTerm, LinkedSchema } from '../nl/nl-types.js';
import { renderPrompt } from '../nl/prompt-template.js';
import { clarificationNeeded, linkSchema } from '../nl/schema-linker.js';
import { extractSql } from '../nl/sql-extract.js';
import { authorize } from '../policy/authorize.js';
import { relationGraph } from '../policy/relation-graph.js';
import type { GrantRule } from '../policy/grant-rules.js';
import type { Caller, QueryOutcome, QueryService } from './query.service.js';

/** A language model as the pipeline uses it (ProviderService hands these out). */
export interface LanguageModel {
  providerId: string | null;
  name: string;
  model: string;
  chat(messages: ChatMessage[]): Promise<{ text: string; usage: { promptTokens: number; completionTokens: number; totalTokens: number }; latencyMs: number }>;
}

export interface LanguageModels {
  /** The given provider, else the default one; LLM_UNAVAILABLE when there is none. */
  modelFor(providerId?: string | null): Promise<LanguageModel>;
}

/**
 * A database's semantic catalog as linking uses it: the approved terms whose every linked table and
 * column (and every object their examples read) is among `readable`, the tables this caller may read.
 */
export interface LinkingTerms {
  termsForLinking(caller: Caller, databaseId: string, readable: LinkableTable[]): Promise<LinkableTerm[]>;
}

export interface PromptTemplates {
  active(name?: string): Promise<{ name: string; version: number; system: string; user: string }>;
}

export interface AskOptions {
  providerId?: string | null | undefined;
  maxRows?: number | null | undefined;
  /** Repairs after a failed attempt (0–3, default 2). */
  maxRepairs?: number | null | undefined;
}

export interface AskAttempt {
  sql: string | null;
  error: { code: string; message: string } | null;
  modelMs: number;
  totalTokens: number;
}

export interface ModelComparison {
  question: string;
  answers: {
    provider: { providerId: string | null; name: string; model: string };
    sql: string | null;
    rowCount: number | null;
    rowsEqual: boolean | null;
    latencyMs: number;
    usage: AskOutcome['usage'] | null;
    attempts: number;
    errorCode: string | null;
    errorMessage: string | null;
  }[];
  agree: boolean;
}

export interface AskOutcome {
  question: string;
  sql: string;
  result: QueryOutcome;
  explanation: Explanation;
  linkedTables: string[];
  usage: { promptTokens: number; completionTokens: number; totalTokens: number };
  attempts: AskAttempt[];
  timings: { linkMs: number; modelMs: number; queryMs: number; totalMs: number };
  provider: { id: string | null; name: string; model: string };
  template: { name: string; version: number };
}

/** Gate refusals that mean the model named something that is not there: worth a repair. */
const REPAIRABLE_REASONS = new Set(['unknown table', 'unknown column', 'ambiguous column']);

/**
 * askDatabase: a question in plain words → SQL by a language model → the same gate, grants and
 * audit as runQuery, read-only. The model only ever sees tables and columns the asking agent may read.
 * A statement that fails to parse, names something that does not exist, or that the database rejects
 * is sent back with the error for a bounded number of repairs; a statement the grants or the gate
 * refuse is not repaired: the refusal is the answer. A question that matches no table it may read, or
 * that the model says the tables cannot answer, is NEEDS_CLARIFICATION at once.
 */
export class AskService {
  /** Sample values per set of grants (a grant change hands out a new set, so masks and filters stay true). */
  readonly #samples = new WeakMap<readonly GrantRule[], LRUCache<string, Map<string, string[]>>>();

  constructor(
    private readonly models: LanguageModels,
    private readonly templates: PromptTemplates,
    private readonly queries: QueryService,
    private readonly settings: { tokenBudget: number; defaultMaxRows: number } = { tokenBudget: 3_000, defaultMaxRows: 200 },
    private readonly terms?: LinkingTerms,
  ) {}

  async ask(caller: Caller, databaseId: string, question: string, options: AskOptions = {}): Promise<AskOutcome> {
    return this.#ask(caller, databaseId, question, options, await this.models.modelFor(options.providerId));
  }

  /**
   * The same question on several providers at once (2 to 5), side by side: each one's SQL, whether its
   * rows equal the first answer's (in any order, whatever the columns are called), time and tokens.
   */
  async compare(caller: Caller, databaseId: string, question: string, providerIds: readonly string[], options: Omit<AskOptions, 'providerId'> = {}): Promise<ModelComparison> {
    const unique = [...new Set(providerIds)];
    if (unique.length < 2 || unique.length > 5) throw new AppError(ErrorCode.BAD_USER_INPUT, 'Compare 2 to 5 different providers.', { field: 'providers' });
    const models = await Promise.all(unique.map((id) => this.models.modelFor(id)));
    const answers = await Promise.all(
      models.map(async (model) => {
        const started = performance.now();
        try {
          return { model, outcome: await this.#ask(caller, databaseId, question, options, model), error: undefined, ms: performance.now() - started };
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          return { model, outcome: undefined, error, ms: performance.now() - started };
        }
      }),
    );
    const reference = answers.find((a) => a.outcome)?.outcome;
    const referenceRows = reference ? canonicalRows(reference.result.rows) : undefined;
    const rendered = answers.map(({ model, outcome, error, ms }) => ({
      provider: { providerId: model.providerId, name: model.name, model: model.model },
      sql: outcome?.sql ?? null,
      rowCount: outcome?.result.rowCount ?? null,
      rowsEqual: outcome && referenceRows !== undefined ? canonicalRows(outcome.result.rows) === referenceRows : null,
      latencyMs: round(outcome?.timings.modelMs ?? ms),
      usage: outcome?.usage ?? null,
      attempts: outcome?.attempts.length ?? 0,
      errorCode: error?.code ?? null,
      errorMessage: error?.message ?? null,
    }));
    return { question: question.trim(), answers: rendered, agree: rendered.every((a) => a.rowsEqual === true) };
  }

  async #ask(caller: Caller, databaseId: string, question: string, options: AskOptions, model: LanguageModel): Promise<AskOutcome> {
    const started = performance.now();
    const text = question.trim();
    if (text.length === 0 || text.length > 2_000) throw new AppError(ErrorCode.BAD_USER_INPUT, 'A question is 1 to 2,000 characters.', { field: 'question' });
    const maxRepairs = options.maxRepairs ?? 2;
    if (!Number.isInteger(maxRepairs) || maxRepairs < 0 || maxRepairs > 3) throw new AppError(ErrorCode.BAD_USER_INPUT, 'maxRepairs is 0 to 3.', { field: 'maxRepairs' });
    const maxRows = Math.min(options.maxRows ?? this.settings.defaultMaxRows, 10_000);
    if (maxRows < 1) throw new AppError(ErrorCode.BAD_USER_INPUT, 'maxRows must be at least 1.', { field: 'maxRows' });

    const { dialect, tables, rules } = await this.#readable(caller, databaseId);
    const terms = this.terms ? await this.terms.termsForLinking(caller, databaseId, tables) : [];
    const linkOptions = { tokenBudget: this.settings.tokenBudget, dialect, terms };
    const linkStarted = performance.now();
    let linked: LinkedSchema = linkSchema(text, tables, linkOptions);
    let linkMs = performance.now() - linkStarted;
    // Sample values help match words to data ("enterprise" → segment, "Phones" → a category). They are
    // read like any query of this agent's, so its row filters and masks shape them; then the schema is
    // linked again.
    const sampled = await this.#withSamples(caller, databaseId, dialect, rules, tables, linked.worthSampling);
    if (sampled) {
      const relinkStarted = performance.now();
      linked = linkSchema(text, sampled, linkOptions);
      linkMs += performance.now() - relinkStarted;
    }
    // Nothing matched: ask which tables are meant rather than send the model some at random.
    if (linked.tables.length === 0) throw clarificationNeeded(linked.candidates);
    const linkedTables = linked.tables.map((t) => `${t.schema}.${t.name}`);
    const template = await this.templates.active();

    const attempts: AskAttempt[] = [];
    const usage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
    const repairs: { sql: string; error: string }[] = [];
    let modelMs = 0;
    for (let attempt = 0; ; attempt++) {
      const messages = renderPrompt(template, { question: text, dialect, schemaText: linked.text, repairs, maxRows });
      const reply = await model.chat(messages);
      modelMs += reply.latencyMs;
      usage.promptTokens += reply.usage.promptTokens;
      usage.completionTokens += reply.usage.completionTokens;
      usage.totalTokens += reply.usage.totalTokens;
      const record: AskAttempt = { sql: null, error: null, modelMs: Math.round(reply.latencyMs), totalTokens: reply.usage.totalTokens };
      attempts.push(record);
      try {
        const sql = extractSql(reply.text);
        record.sql = sql;
        const queryStarted = performance.now();
        const result = await this.queries.runQuery(caller, databaseId, sql, [], maxRows, { readsOnly: true, action: 'askDatabase' });
        const queryMs = performance.now() - queryStarted;
        return {
          question: text,
          sql,
          result,
          explanation: explainResult(result.columns.map((c) => ({ name: c.name, type: c.dataType ?? '' })), result.rows, { question: text }),
          linkedTables,
          usage,
          attempts,
          timings: { linkMs: round(linkMs), modelMs: round(modelMs), queryMs: round(queryMs), totalMs: round(performance.now() - started) },
          provider: { id: model.providerId, name: model.name, model: model.model },
          template: { name: template.name, version: template.version },
        };
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        record.error = { code: error.code, message: error.message };
        // No SQL, but a sentence saying these tables cannot answer: that is the answer, not a failure.
        const declined = record.sql === null ? declinedAnswer(reply.text) : null;
        if (declined !== null) throw modelDeclined(declined, linkedTables);
        if (!repairable(error)) throw error;
        if (attempt >= maxRepairs) {
          throw new AppError(
            ErrorCode.LLM_BAD_OUTPUT,
            `The model did not produce a statement that runs after ${attempt + 1} attempt${attempt === 0 ? '' : 's'}; the last one failed with ${error.code}: ${error.message}`,
            { attempts: attempts.map((a) => ({ sql: a.sql, error: a.error })) },
          );
        }
        repairs.push({ sql: record.sql ?? reply.text.slice(0, 2_000), error: error.message });
      }
    }
  }

  /**
   * A few distinct values of the text columns of the tables worth sampling (the best-linked ones), read
   * through runQuery under the caller's grants (so filtered and masked as it would see them) and kept per
   * set of grants for a few minutes. Undefined when there is nothing to add.
   */
  async #withSamples(
    caller: Caller,
    databaseId: string,
    dialect: 'postgres' | 'mysql',
    rules: readonly GrantRule[],
    tables: LinkableTable[],
    worthSampling: readonly { schema: string; name: string }[],
  ): Promise<LinkableTable[] | undefined> {
    let byRules = this.#samples.get(rules);
    if (!byRules) this.#samples.set(rules, (byRules = new LRUCache(SAMPLE_CACHE)));
    const cache = byRules;
    const wanted = worthSampling.slice(0, SAMPLED_TABLES).flatMap((l) => {
      const table = tables.find((t) => t.schema === l.schema && t.name === l.name);
      const columns = table?.columns.filter((c) => TEXT_TYPE.test(c.dataType)).slice(0, 8) ?? [];
      return table && columns.length > 0 ? [{ table, columns }] : [];
    });
    if (wanted.length === 0) return undefined;
    const found = await Promise.all(
      wanted.map(async ({ table, columns }) => {
        const key = `${databaseId}/${table.schema}.${table.name}`;
        const known = cache.get(key);
        if (known) return [key, known] as const;
        const q = (name: string) => (dialect === 'postgres' ? `"${name.replaceAll('"', '""')}"` : `\`${name.replaceAll('`', '``')}\``);
        const sql = `select ${columns.map((c) => q(c.name)).join(', ')} from ${q(table.schema)}.${q(table.name)} limit ${SAMPLE_ROWS}`;
        try {
          const result = await this.queries.runQuery(caller, databaseId, sql, [], SAMPLE_ROWS, { readsOnly: true, action: 'askDatabase.samples' });
          const values = new Map(columns.map((c) => [c.name, distinctSamples(result.rows.map((r) => r[c.name]))]));
          cache.set(key, values);
          return [key, values] as const;
        } catch {
          // Samples are a help, not a need: a table that cannot be sampled is linked without them.
          return [key, new Map<string, string[]>()] as const;
        }
      }),
    );
    const samples = new Map(found);
    return tables.map((table) => {
      const values = samples.get(`${databaseId}/${table.schema}.${table.name}`);
      if (!values || values.size === 0) return table;
      return { ...table, columns: table.columns.map((c) => (values.get(c.name)?.length ? { ...c, samples: values.get(c.name) } : c)) };
    });
  }

  /** The tables and columns this caller may read; the model is shown nothing else. */
  async #readable(caller: Caller, databaseId: string): Promise<{ dialect: 'postgres' | 'mysql'; tables: LinkableTable[]; rules: readonly GrantRule[] }> {
    const principal = caller.principal;
    if (principal.kind !== 'agent') throw new AppError(ErrorCode.UNAUTHENTICATED, 'Send an API key.');
    const { dialect, rules, catalog } = await this.queries.sqlTarget(principal, databaseId);
    const tables = readableTablesCached(catalog, rules, new Date());
    if (tables.length === 0) {
      throw new AppError(ErrorCode.FORBIDDEN, 'You may not read any table of this database, so there is nothing to ask about. Ask an admin for a READ grant.', {
        denied: [{ resource: databaseId, needed: 'READ', reason: 'no table is readable' }],
      });
    }
    return { dialect, tables, rules };
  }
}

/**
 * readableTables, remembered per catalog and per set of rules (the grant cache hands out the same array
 * until a grant changes) until the first of those rules expires.
 */
const readableMemo = new WeakMap<Catalog, WeakMap<readonly GrantRule[], { tables: LinkableTable[]; validUntil: number }>>();

function readableTablesCached(catalog: Catalog, rules: readonly GrantRule[], now: Date): LinkableTable[] {
  let byRules = readableMemo.get(catalog);
  if (!byRules) readableMemo.set(catalog, (byRules = new WeakMap()));
  const known = byRules.get(rules);
  if (known && known.validUntil > now.getTime()) return known.tables;
  const expiries = rules.flatMap((r) => (r.expiresAt && r.expiresAt.getTime() > now.getTime() ? [r.expiresAt.getTime()] : []));
  const tables = readableTables(catalog, rules, now);
  byRules.set(rules, { tables, validUntil: expiries.length > 0 ? Math.min(...expiries) : Number.POSITIVE_INFINITY });
  return tables;
}

/**
 * The catalog cut down to what the grants let this agent read: tables, columns, and keys between them.
 * One question to the decision function the gate uses (read every column of every table?): whatever it
 * does not deny is readable.
 */
export function readableTables(catalog: Catalog, rules: readonly GrantRule[], now: Date): LinkableTable[] {
  const decision = authorize(
    rules,
    { tables: catalog.tables.map((t) => ({ schema: t.schema, table: t.name, actions: ['READ' as const], columns: t.columns.map((c) => ({ column: c.name, actions: ['READ' as const] })) })) },
    now,
    relationGraph(catalog.tables),
  );
  const denied = new Set(decision.denied.map((d) => d.resource));
  const readable = new Map<string, Set<string>>();
  for (const table of catalog.tables) {
    const name = `${table.schema}.${table.name}`;
    if (denied.has(name)) continue;
    const columns = new Set(table.columns.filter((c) => !denied.has(`${name}.${c.name}`)).map((c) => c.name));
    if (columns.size > 0) readable.set(name, columns);
  }
  return catalog.tables.flatMap((table) => {
    const columns = readable.get(`${table.schema}.${table.name}`);
    if (!columns) return [];
    return [
      {
        schema: table.schema,
        name: table.name,
        comment: table.comment,
        rowEstimate: table.rowEstimate,
        columns: table.columns.filter((c) => columns.has(c.name)).map((c) => ({ name: c.name, dataType: c.dataType, nullable: c.nullable, comment: c.comment })),
        primaryKey: table.primaryKey.every((c) => columns.has(c)) ? table.primaryKey : [],
        foreignKeys: table.foreignKeys
          .filter((fk) => fk.columns.every((c) => columns.has(c)) && fk.referencedColumns.every((c) => readable.get(`${fk.referencedSchema}.${fk.referencedTable}`)?.has(c)))
          .map((fk) => ({ columns: fk.columns, referencedSchema: fk.referencedSchema, referencedTable: fk.referencedTable, referencedColumns: fk.referencedColumns })),
      },
    ];
  });
}

/** Rows as a comparable string: values only (column names differ between models), order ignored. */
function canonicalRows(rows: readonly Record<string, unknown>[]): string {
  return JSON.stringify(rows.map((row) => JSON.stringify(Object.values(row).map((v) => (v === null || v === undefined ? null : String(v))).sort())).sort());
}

function repairable(error: AppError): boolean {
  if (error.code === ErrorCode.SQL_SYNTAX || error.code === ErrorCode.LLM_BAD_OUTPUT) return true;
  // The database rejected it (a type mismatch, a missing function…): the error says what to fix.
  if (error.code === ErrorCode.BAD_USER_INPUT && typeof error.details?.sqlState === 'string') return true;
  const reason = error.details?.reason;
  return error.code === ErrorCode.SQL_NOT_ALLOWED && typeof reason === 'string' && REPAIRABLE_REASONS.has(reason);
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/** Tables whose text columns are sampled: the best-linked ones only. */
const SAMPLED_TABLES = 6;
const SAMPLE_ROWS = 50;
const TEXT_TYPE = /char|text|enum|string|citext|uuid/i;

/**
 * Per set of grants: a table's sample values for five minutes, the most recently used kept within 1,000
 * tables and a million characters of names and values.
 */
const SAMPLE_CACHE: LRUCache.Options<string, Map<string, string[]>, unknown> = {
  max: 1_000,
  maxSize: 1_000_000,
  sizeCalculation: (values) => {
    let chars = 1;
    for (const [column, samples] of values) chars += column.length + samples.reduce((sum, value) => sum + value.length, 0);
    return chars;
  },
  ttl: 5 * 60_000,
};
