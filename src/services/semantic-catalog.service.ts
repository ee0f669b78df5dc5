import type { Catalog, CatalogTable } from '../../plugins/drivers/catalog.js';
import { auditedPrincipal } from '../auth/principal.js';
import { AppError, ErrorCode, type DeniedResource } from '../errors/app-error.js';
import type { AuditEvent, AuditWriter, StoredAuditEvent } from '../events/audit-writer.js';
import { newId } from '../ids.js';
import type { LinkableTable, LinkableTerm } from '../nl/nl-types.js';
import { authorize } from '../policy/authorize.js';
import { readableIndex, termVisible, type ReadableIndex } from '../policy/catalog-term-visibility.js';
import type { GrantRule } from '../policy/grant-rules.js';
import { relationGraph } from '../policy/relation-graph.js';
import type { Store } from '../store/open-store.js';
import type {
  CatalogTermChange,
  CatalogTermRecord,
  CatalogTermStatus,
  CatalogTermVersionRecord,
  StoredCatalogExample,
  StoredCatalogLink,
} from '../store/repositories/catalog-term-repository.js';
import type { Repositories } from '../store/repositories/index.js';
import { readableTables } from './ask.service.js';
import type { CatalogService } from './catalog.service.js';
import type { Connection } from './connection.js';
import type { GrantService } from './grant.service.js';
import type { Caller } from './query.service.js';
import { searchPage } from './semantic-catalog-search.js';
import type { SqlGateService } from './sql-gate.service.js';

export type { CatalogTermChange, CatalogTermStatus } from '../store/repositories/catalog-term-repository.js';

export interface CatalogLink {
  schema: string;
  table: string;
  column?: string;
}

export interface CatalogExample {
  question: string;
  sql: string;
  /** What the SQL reads, as the gate resolved it when the example was saved. */
  reads: { schema: string; table: string; columns: string[] }[];
}

export interface CatalogTermView {
  id: string;
  databaseId: string;
  term: string;
  definition: string;
  synonyms: string[];
  links: CatalogLink[];
  examples: CatalogExample[];
  status: CatalogTermStatus;
  proposedBy: string | null;
  approvedBy: string | null;
  rejectedReason: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface CatalogTermVersionView {
  version: number;
  change: CatalogTermChange;
  changedBy: string | null;
  term: string;
  definition: string;
  synonyms: string[];
  links: CatalogLink[];
  examples: CatalogExample[];
  status: CatalogTermStatus;
  /** A rejection's reason, or the names a merge took in. */
  note: string | null;
  createdAt: Date;
}

export interface SaveCatalogTermInput {
  /** Given: a change to that term; absent: a new one. */
  id?: string | null | undefined;
  databaseId: string;
  term: string;
  definition: string;
  synonyms?: readonly string[] | null | undefined;
  links?: readonly { schema?: string | null | undefined; table: string; column?: string | null | undefined }[] | null | undefined;
  examples?: readonly { question: string; sql: string }[] | null | undefined;
  /** The version the change is based on: CONFLICT when the term has moved on since. */
  expectedVersion?: number | null | undefined;
}

export interface CatalogTermQuery {
  search?: string | null | undefined;
  status?: CatalogTermStatus | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}

/** Bounds on a term, so one term cannot fill a model's prompt. */
const MAX = { term: 100, definition: 2_000, synonym: 100, synonyms: 50, links: 50, examples: 20, question: 500, sql: 10_000, reason: 500, merge: 20 };
const CONTROL = /[\p{Cc}]/u;
const DENIAL_CODES = new Set<string>([ErrorCode.FORBIDDEN, ErrorCode.UNAUTHENTICATED, ErrorCode.SQL_NOT_ALLOWED, ErrorCode.SQL_SYNTAX]);

/** Who is asking about which database, and (for an agent) what it may read there. */
interface Scope {
  databaseId: string;
  engine: string;
  agentId: string;
  admin: boolean;
  /** Loaded when needed: an admin listing terms does not wait for the database to be introspected. */
  catalog: Catalog | undefined;
  rules: readonly GrantRule[];
  /** Agents only: the tables and columns it may read. */
  readable: ReadableIndex | undefined;
}

interface AuditContext {
  databaseId: string | null;
  started: number;
}

/**
 * The semantic catalog: per database, business terms (a definition, synonyms, the tables and columns
 * they are about, example questions with their SQL). Admins save terms directly (APPROVED), approve or
 * reject proposals, merge and delete; an agent with a grant on the database proposes (PENDING), linking
 * only what it may read and giving only examples it may run. Example SQL goes through the SQL gate when
 * saved. An agent is shown an approved term (or its own proposal) only when it may read every object the
 * term links and every object its examples read; a model is given approved terms only, on the same rule.
 * Every change is versioned and audited, its audit event written in the same transaction.
 */
export class SemanticCatalogService {
  constructor(
    private readonly store: Store,
    private readonly catalog: Pick<CatalogService, 'get' | 'sqlDialectOf'>,
    private readonly grants: Pick<GrantService, 'rulesFor'>,
    private readonly gate: Pick<SqlGateService, 'for'>,
    private readonly audit: Pick<AuditWriter, 'record' | 'prepare' | 'writeInTransaction' | 'announce'>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  // ───────────── reads ─────────────

  /** A database's terms the caller may see: with `search`, those it matches, best first; else all, by name. */
  async list(caller: Caller, databaseId: string, query: CatalogTermQuery = {}): Promise<Connection<CatalogTermView>> {
    const scope = await this.#scope(caller, databaseId, false);
    const records = await this.store.repos.catalogTerms.listForDatabase(databaseId, query.status ? [query.status] : undefined);
    const views = records.filter((r) => this.#canSee(scope, r)).map(toView);
    return searchPage(views, query.search, query.first, query.after);
  }

  /** One term, if the caller may see it (NOT_FOUND otherwise, whether or not it exists). */
  async get(caller: Caller, id: string): Promise<CatalogTermView> {
    return toView(await this.#visible(caller, id));
  }

  /** A term's versions, newest first; an agent sees only the versions whose every object it may read. */
  async versions(caller: Caller, id: string): Promise<CatalogTermVersionView[]> {
    const record = await this.#visible(caller, id);
    const scope = await this.#scope(caller, record.databaseId, false);
    const versions = await this.store.repos.catalogTerms.versions(id);
    return versions.filter((v) => scope.admin || termVisible(v, scope.readable!)).map(toVersionView);
  }

  /**
   * The approved terms a language model may be given for this caller: those whose every linked object,
   * and everything each example reads, is among `readable` (what the caller may read, as the linker has
   * it). Pending and rejected terms are never given to a model.
   */
  async termsForLinking(caller: Caller, databaseId: string, readable: readonly LinkableTable[]): Promise<LinkableTerm[]> {
    if (caller.principal.kind !== 'agent') throw new AppError(ErrorCode.UNAUTHENTICATED, 'Send an API key.');
    if (readable.length === 0) return [];
    const index = readableIndex(readable);
    const approved = await this.store.repos.catalogTerms.listForDatabase(databaseId, ['APPROVED']);
    return approved
      .filter((r) => termVisible(r, index))
      .map((r) => ({
        term: r.term,
        synonyms: [...r.synonyms],
        definition: r.definition,
        links: r.links.map((l) => ({ ...l })),
        examples: r.examples.map((e) => ({ question: e.question, sql: e.sql })),
      }));
  }

  // ───────────── changes ─────────────

  /**
   * Creates a term, or changes the one `input.id` names. An admin's save is APPROVED at once; an agent's
   * is a proposal (PENDING), and an agent may change only its own proposals that are not yet approved.
   */
  async save(caller: Caller, input: SaveCatalogTermInput): Promise<CatalogTermView> {
    return this.#guarded(caller, 'catalogTerm.save', input.databaseId, async (ctx) => {
      const draft = checkDraft(input);
      const scope = await this.#scope(caller, input.databaseId, true);
      const links = this.#resolveLinks(scope, draft.links);
      const examples = await this.#checkExamples(scope, draft.examples);
      // Belt and braces: what an agent proposes, it must be able to see.
      if (!scope.admin && !termVisible({ links, examples }, scope.readable!)) {
        throw new AppError(ErrorCode.FORBIDDEN, 'This term links or reads something you may not read. Link only what you may read.');
      }
      const status: CatalogTermStatus = scope.admin ? 'APPROVED' : 'PENDING';
      const content = {
        term: draft.term,
        definition: draft.definition,
        synonyms: JSON.stringify(draft.synonyms),
        links: JSON.stringify(links),
        examples: JSON.stringify(examples),
        status,
        approvedBy: scope.admin ? scope.agentId : null,
        rejectedReason: null,
      };
      return this.#commit(caller, 'catalogTerm.save', ctx, async (repos) => {
        const clash = await repos.catalogTerms.findByName(scope.databaseId, draft.term);
        const now = this.now();
        if (!input.id) {
          if (clash) throw nameTaken(draft.term, clash, scope);
          const record = await repos.catalogTerms.insert({ id: newId('CatalogTerm'), databaseId: scope.databaseId, ...content, proposedBy: scope.agentId, version: 1, createdAt: now, updatedAt: now });
          await writeVersion(repos, record, scope.admin ? 'CREATED' : 'PROPOSED', scope.agentId, null);
          return { record, change: scope.admin ? 'CREATED' : 'PROPOSED' };
        }
        const current = await repos.catalogTerms.findById(input.id);
        if (!current || current.databaseId !== scope.databaseId || !this.#canSee(scope, current)) throw termNotFound(input.id);
        if (!scope.admin && (current.proposedBy !== scope.agentId || current.status === 'APPROVED')) {
          throw new AppError(ErrorCode.FORBIDDEN, 'Only an admin changes an approved term or another agent’s proposal. Propose a term of your own, or ask an admin.');
        }
        if (input.expectedVersion !== undefined && input.expectedVersion !== null && input.expectedVersion !== current.version) {
          throw movedOn(current.version);
        }
        if (clash && clash.id !== current.id) throw nameTaken(draft.term, clash, scope);
        const record = await repos.catalogTerms.update(current.id, current.version, { ...content, version: current.version + 1, updatedAt: now });
        if (!record) throw movedOn(current.version);
        const change: CatalogTermChange = scope.admin ? 'UPDATED' : 'PROPOSED';
        await writeVersion(repos, record, change, scope.agentId, null);
        return { record, change };
      });
    });
  }

  /** Admins: a proposal (or a rejected term) becomes APPROVED, its links and examples checked again against the database as it is now. */
  async approve(caller: Caller, id: string): Promise<CatalogTermView> {
    return this.#guarded(caller, 'catalogTerm.approve', null, async (ctx) => {
      requireAdmin(caller, 'approves');
      const current = await this.#existing(id, ctx);
      if (current.status === 'APPROVED') throw new AppError(ErrorCode.CONFLICT, 'This term is approved already.');
      const scope = await this.#scope(caller, current.databaseId, true);
      const links = this.#resolveLinks(scope, current.links);
      const examples = await this.#checkExamples(scope, current.examples);
      return this.#commit(caller, 'catalogTerm.approve', ctx, async (repos) => {
        const record = await repos.catalogTerms.update(current.id, current.version, {
          status: 'APPROVED',
          approvedBy: scope.agentId,
          rejectedReason: null,
          links: JSON.stringify(links),
          examples: JSON.stringify(examples),
          version: current.version + 1,
          updatedAt: this.now(),
        });
        if (!record) throw movedOn(current.version);
        await writeVersion(repos, record, 'APPROVED', scope.agentId, null);
        return { record, change: 'APPROVED' };
      });
    });
  }

  /** Admins: a proposal becomes REJECTED, with the reason its proposer will see. */
  async reject(caller: Caller, id: string, reason: string): Promise<CatalogTermView> {
    return this.#guarded(caller, 'catalogTerm.reject', null, async (ctx) => {
      requireAdmin(caller, 'rejects');
      const why = text(reason, 'reason', MAX.reason);
      const current = await this.#existing(id, ctx);
      if (current.status !== 'PENDING') {
        throw new AppError(ErrorCode.CONFLICT, `Only a pending proposal is rejected; this term is ${current.status}.${current.status === 'APPROVED' ? ' Delete it, or save a new version.' : ''}`);
      }
      const admin = adminId(caller);
      return this.#commit(caller, 'catalogTerm.reject', ctx, async (repos) => {
        const record = await repos.catalogTerms.update(current.id, current.version, {
          status: 'REJECTED',
          approvedBy: null,
          rejectedReason: why,
          version: current.version + 1,
          updatedAt: this.now(),
        });
        if (!record) throw movedOn(current.version);
        await writeVersion(repos, record, 'REJECTED', admin, why);
        return { record, change: 'REJECTED' };
      });
    });
  }

  /**
   * Admins: the `fromIds` terms merged into `intoId`: synonyms, links and examples united, the merged
   * terms' names kept as synonyms, the merged terms removed. The result is APPROVED, one version on.
   */
  async merge(caller: Caller, intoId: string, fromIds: readonly string[]): Promise<CatalogTermView> {
    return this.#guarded(caller, 'catalogTerm.merge', null, async (ctx) => {
      requireAdmin(caller, 'merges');
      const from = [...new Set(fromIds)];
      if (from.length === 0 || from.length > MAX.merge) throw bad(`Merge 1 to ${MAX.merge} terms into one.`, 'fromIds');
      if (from.includes(intoId)) throw bad('A term cannot be merged into itself: leave intoId out of fromIds.', 'fromIds');
      const into = await this.#existing(intoId, ctx);
      const others = await this.store.repos.catalogTerms.findByIds(from);
      const missing = from.filter((id) => !others.some((o) => o.id === id));
      if (missing.length > 0) throw termNotFound(missing.join(', '));
      if (others.some((o) => o.databaseId !== into.databaseId)) throw bad('Only terms of one database are merged.', 'fromIds');
      const ordered = from.map((id) => others.find((o) => o.id === id)!);
      const merged = mergeContent(into, ordered);
      const admin = adminId(caller);
      const note = `merged ${ordered.map((o) => o.term).join(', ')}`;
      return this.#commit(caller, 'catalogTerm.merge', ctx, async (repos) => {
        const deleted = await repos.catalogTerms.delete(from);
        if (deleted !== from.length) throw new AppError(ErrorCode.CONFLICT, 'A term to merge was changed or removed meanwhile. Try again.');
        const record = await repos.catalogTerms.update(into.id, into.version, {
          synonyms: JSON.stringify(merged.synonyms),
          links: JSON.stringify(merged.links),
          examples: JSON.stringify(merged.examples),
          status: 'APPROVED',
          approvedBy: admin,
          rejectedReason: null,
          version: into.version + 1,
          updatedAt: this.now(),
        });
        if (!record) throw movedOn(into.version);
        await writeVersion(repos, record, 'MERGED', admin, note);
        return { record, change: 'MERGED', details: { mergedIds: from, mergedTerms: ordered.map((o) => o.term) } };
      });
    });
  }

  /** Admins: removes a term and its versions (the audit log keeps the record of it). */
  async delete(caller: Caller, id: string): Promise<string> {
    return this.#guarded(caller, 'catalogTerm.delete', null, async (ctx) => {
      requireAdmin(caller, 'deletes');
      const current = await this.#existing(id, ctx);
      await this.#commit(caller, 'catalogTerm.delete', ctx, async (repos) => {
        if ((await repos.catalogTerms.delete([id])) === 0) throw termNotFound(id);
        return { record: current, change: 'DELETED' };
      });
      return id;
    });
  }

  // ───────────── parts ─────────────

  /**
   * The caller on a database. An agent needs a grant there (FORBIDDEN without, the same whether or not
   * the database exists); its readable tables are worked out with the decision function the gate uses.
   */
  async #scope(caller: Caller, databaseId: string, needCatalog: boolean): Promise<Scope> {
    const principal = caller.principal;
    if (principal.kind !== 'agent') throw new AppError(ErrorCode.UNAUTHENTICATED, 'Send an API key.');
    const admin = principal.role === 'ADMIN';
    const rules = admin ? [] : await this.grants.rulesFor(principal.agentId, databaseId);
    const database = admin || rules.length > 0 ? await this.store.repos.databases.findById(databaseId) : undefined;
    if (!database) {
      if (admin) throw new AppError(ErrorCode.NOT_FOUND, `No database has the id "${databaseId}".`, { field: 'databaseId' });
      throw new AppError(ErrorCode.FORBIDDEN, `You hold no grant on a database "${databaseId}", so its catalog is closed to you. Ask an admin for a grant.`, {
        denied: [{ resource: databaseId, needed: 'READ', reason: 'no grant on this database' }],
      });
    }
    const catalog = needCatalog || !admin ? await this.catalog.get(databaseId) : undefined;
    const readable = admin ? undefined : readableIndex(readableTables(catalog!, rules, this.now()));
    return { databaseId, engine: database.engine, agentId: principal.agentId, admin, catalog, rules, readable };
  }

  #canSee(scope: Scope, record: CatalogTermRecord): boolean {
    if (scope.admin) return true;
    if (record.status !== 'APPROVED' && record.proposedBy !== scope.agentId) return false;
    return termVisible(record, scope.readable!);
  }

  /** A term the caller may see; NOT_FOUND for one it may not, as for one that does not exist. */
  async #visible(caller: Caller, id: string): Promise<CatalogTermRecord> {
    const record = await this.store.repos.catalogTerms.findById(id);
    if (!record) throw termNotFound(id);
    let scope: Scope;
    try {
      scope = await this.#scope(caller, record.databaseId, false);
    } catch (error) {
      if (error instanceof AppError && error.code === ErrorCode.FORBIDDEN) throw termNotFound(id);
      throw error;
    }
    if (!this.#canSee(scope, record)) throw termNotFound(id);
    return record;
  }

  async #existing(id: string, ctx: AuditContext): Promise<CatalogTermRecord> {
    const record = await this.store.repos.catalogTerms.findById(id);
    if (!record) throw termNotFound(id);
    ctx.databaseId = record.databaseId;
    return record;
  }

  /** Each link resolved in the catalog: for an admin, any table or column there; for an agent, only those it may read. */
  #resolveLinks(scope: Scope, links: readonly { schema?: string | null | undefined; table: string; column?: string | null | undefined }[]): StoredCatalogLink[] {
    const tables = scope.catalog!.tables.filter((t) => scope.admin || scope.readable!.has(`${t.schema}\u0000${t.name}`));
    const out: StoredCatalogLink[] = [];
    for (const link of links) {
      const name = `${link.schema ? `${link.schema}.` : ''}${link.table}`;
      const matches = tables.filter((t) => t.name === link.table && (!link.schema || t.schema === link.schema));
      if (matches.length > 1) throw bad(`"${link.table}" is in several schemas (${matches.map((t) => t.schema).join(', ')}); give the link's schema.`, 'links');
      const table = matches[0];
      if (!table) {
        if (scope.admin) throw bad(`The database has no table "${name}" (refreshCatalog if it is new).`, 'links');
        throw unreadable([{ resource: name, needed: 'READ', reason: 'not readable with your grants, or not there' }]);
      }
      const column = link.column ?? undefined;
      if (column !== undefined && !hasColumn(scope, table, column)) {
        if (scope.admin) throw bad(`${table.schema}.${table.name} has no column "${column}".`, 'links');
        throw unreadable([{ resource: `${table.schema}.${table.name}.${column}`, needed: 'READ', reason: 'not readable with your grants, or not there' }]);
      }
      const stored: StoredCatalogLink = column === undefined ? { schema: table.schema, table: table.name } : { schema: table.schema, table: table.name, column };
      if (!out.some((l) => l.schema === stored.schema && l.table === stored.table && l.column === stored.column)) out.push(stored);
    }
    return out;
  }

  /**
   * Each example's SQL through the SQL gate, as runQuery analyses it (one statement, parsed, every name
   * resolved, functions allowed), and it must be a read; an agent's is also decided on its grants. What
   * each reads is recorded with it, for the visibility rule.
   */
  async #checkExamples(scope: Scope, examples: readonly { question: string; sql: string }[]): Promise<StoredCatalogExample[]> {
    if (examples.length === 0) return [];
    const sqlDialect = this.catalog.sqlDialectOf(scope.databaseId);
    if (!sqlDialect) throw new AppError(ErrorCode.SQL_NOT_ALLOWED, `Examples are SQL, and ${scope.engine} databases take none: save the term without examples.`, { field: 'examples' });
    const gate = this.gate.for({ engine: scope.engine, sqlDialect });
    const catalog = scope.catalog!;
    const gateCatalog = gate.catalogOf(catalog);
    const out: StoredCatalogExample[] = [];
    for (const [i, example] of examples.entries()) {
      const label = `Example ${i + 1}`;
      let analysis;
      try {
        analysis = await gate.analyse(example.sql, gateCatalog);
      } catch (error) {
        if (error instanceof AppError) throw new AppError(error.code, `${label}: ${error.message}`, { ...error.details, field: 'examples', example: i }, { cause: error });
        throw error;
      }
      if (analysis.kind !== 'READ') {
        throw new AppError(ErrorCode.SQL_NOT_ALLOWED, `${label}: an example is a read; this statement is ${analysis.statementType}.`, { construct: analysis.statementType, field: 'examples', example: i });
      }
      if (!scope.admin) {
        const decision = authorize(scope.rules, analysis, this.now(), relationGraph(catalog.tables));
        if (!decision.allowed) throw unreadable(decision.denied, `${label} reads what you may not: ${[...new Set(decision.denied.map((d) => d.resource))].join(', ')}.`);
      }
      const reads = analysis.tables.map((t) => ({ schema: t.schema, table: t.table, columns: [...new Set(t.columns.map((c) => c.column))] }));
      out.push({ question: example.question, sql: example.sql, reads });
    }
    return out;
  }

  /** Runs one change; a refusal or failure is audited (DENIED or FAILED) with its code, then thrown on. */
  async #guarded<T>(caller: Caller, action: string, databaseId: string | null, work: (ctx: AuditContext) => Promise<T>): Promise<T> {
    const ctx: AuditContext = { databaseId, started: performance.now() };
    try {
      return await work(ctx);
    } catch (error) {
      const app = error instanceof AppError ? error : undefined;
      const reason = { code: app?.code ?? ErrorCode.INTERNAL, message: app?.message ?? 'unexpected error', ...(app?.details?.denied ? { denied: app.details.denied } : {}) };
      this.audit.record(this.#event(caller, action, ctx, app && DENIAL_CODES.has(app.code) ? 'DENIED' : 'FAILED', [reason], null, null));
      throw error;
    }
  }

  /** The change and its ALLOWED audit event in one store transaction (queued per database); the event announced once committed. */
  async #commit(
    caller: Caller,
    action: string,
    ctx: AuditContext,
    work: (repos: Repositories) => Promise<{ record: CatalogTermRecord; change: CatalogTermChange | 'DELETED'; details?: Record<string, unknown> }>,
  ): Promise<CatalogTermView> {
    let event: StoredAuditEvent | undefined;
    const record = await this.store.transaction(
      async (repos) => {
        const done = await work(repos);
        const { record: r } = done;
        const tables = [...new Set([...r.links.map((l) => `${l.schema}.${l.table}`), ...r.examples.flatMap((e) => e.reads.map((t) => `${t.schema}.${t.table}`))])];
        event = this.audit.prepare(
          this.#event(caller, action, ctx, 'ALLOWED', null, tables, { termId: r.id, term: r.term, change: done.change, status: r.status, version: r.version, ...done.details }),
        );
        await this.audit.writeInTransaction(repos.audit, event);
        return r;
      },
      { lock: `warden:catalog-terms:${ctx.databaseId ?? ''}` },
    );
    if (event) this.audit.announce(event);
    return toView(record);
  }

  #event(
    caller: Caller,
    action: string,
    ctx: AuditContext,
    decision: AuditEvent['decision'],
    reasons: AuditEvent['reasons'],
    tables: string[] | null,
    details: Record<string, unknown> | null,
  ): AuditEvent {
    const principal = caller.principal;
    return {
      occurredAt: this.now(),
      requestId: caller.requestId,
      ...auditedPrincipal(principal),
      action,
      databaseId: ctx.databaseId,
      decision,
      reasons,
      statementFingerprint: null,
      tables,
      durationMs: Math.round((performance.now() - ctx.started) * 100) / 100,
      rowCount: null,
      details,
    };
  }
}

// ───────────── pure helpers ─────────────

interface Draft {
  term: string;
  definition: string;
  synonyms: string[];
  links: { schema?: string | null | undefined; table: string; column?: string | null | undefined }[];
  examples: { question: string; sql: string }[];
}

/** The input's text trimmed and bounded, synonyms without repeats (or the term itself). */
function checkDraft(input: SaveCatalogTermInput): Draft {
  const term = text(input.term, 'term', MAX.term);
  const definition = text(input.definition, 'definition', MAX.definition, true);
  const synonyms = uniqueWords((input.synonyms ?? []).map((s) => text(s, 'synonyms', MAX.synonym)), term);
  if (synonyms.length > MAX.synonyms) throw bad(`A term has at most ${MAX.synonyms} synonyms.`, 'synonyms');
  const links = [...(input.links ?? [])].map((l) => ({
    schema: l.schema?.trim() || null,
    table: text(l.table, 'links', 200),
    column: l.column?.trim() || null,
  }));
  if (links.length > MAX.links) throw bad(`A term links at most ${MAX.links} tables or columns.`, 'links');
  const examples = [...(input.examples ?? [])].map((e) => ({ question: text(e.question, 'examples', MAX.question), sql: text(e.sql, 'examples', MAX.sql, true) }));
  if (examples.length > MAX.examples) throw bad(`A term has at most ${MAX.examples} examples.`, 'examples');
  return { term, definition, synonyms, links, examples };
}

/** Trimmed, 1 to `max` characters; control characters only where `multiline` (line breaks and tabs). */
function text(value: string, field: string, max: number, multiline = false): string {
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > max) throw bad(`${field}: 1 to ${max} characters.`, field);
  const control = multiline ? trimmed.replace(/[\n\r\t]/g, '') : trimmed;
  if (CONTROL.test(control)) throw bad(`${field}: no control characters.`, field);
  return trimmed;
}

function uniqueWords(words: readonly string[], except: string): string[] {
  const seen = new Set([except.toLowerCase()]);
  return words.filter((w) => {
    const key = w.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function hasColumn(scope: Scope, table: CatalogTable, column: string): boolean {
  if (!table.columns.some((c) => c.name === column)) return false;
  return scope.admin || Boolean(scope.readable!.get(`${table.schema}\u0000${table.name}`)?.has(column));
}

/** The union a merge makes: names and synonyms (the target's name excepted), links and examples without repeats. */
function mergeContent(into: CatalogTermRecord, from: readonly CatalogTermRecord[]): { synonyms: string[]; links: StoredCatalogLink[]; examples: StoredCatalogExample[] } {
  const synonyms = uniqueWords([...into.synonyms, ...from.flatMap((f) => [f.term, ...f.synonyms])], into.term);
  const links: StoredCatalogLink[] = [];
  for (const link of [...into.links, ...from.flatMap((f) => f.links)]) {
    if (!links.some((l) => l.schema === link.schema && l.table === link.table && l.column === link.column)) links.push(link);
  }
  const examples: StoredCatalogExample[] = [];
  for (const example of [...into.examples, ...from.flatMap((f) => f.examples)]) {
    if (!examples.some((e) => e.question === example.question && e.sql === example.sql)) examples.push(example);
  }
  if (synonyms.length > MAX.synonyms || links.length > MAX.links || examples.length > MAX.examples) {
    throw bad(`The merged term would have more than ${MAX.synonyms} synonyms, ${MAX.links} links or ${MAX.examples} examples. Trim the terms first.`, 'fromIds');
  }
  return { synonyms, links, examples };
}

async function writeVersion(repos: Repositories, record: CatalogTermRecord, change: CatalogTermChange, by: string, note: string | null): Promise<void> {
  await repos.catalogTerms.insertVersion({
    termId: record.id,
    version: record.version,
    change,
    changedBy: by,
    term: record.term,
    definition: record.definition,
    synonyms: JSON.stringify(record.synonyms),
    links: JSON.stringify(record.links),
    examples: JSON.stringify(record.examples),
    status: record.status,
    note,
    createdAt: record.updatedAt,
  });
}

function requireAdmin(caller: Caller, verb: string): void {
  if (caller.principal.kind !== 'agent') throw new AppError(ErrorCode.UNAUTHENTICATED, 'Send an API key.');
  if (caller.principal.role !== 'ADMIN') throw new AppError(ErrorCode.FORBIDDEN, `Only an admin ${verb} catalog terms.`);
}

function adminId(caller: Caller): string {
  return caller.principal.kind === 'agent' ? caller.principal.agentId : 'unknown';
}

function toView(r: CatalogTermRecord): CatalogTermView {
  return {
    id: r.id,
    databaseId: r.databaseId,
    term: r.term,
    definition: r.definition,
    synonyms: r.synonyms,
    links: r.links,
    examples: r.examples,
    status: r.status,
    proposedBy: r.proposedBy,
    approvedBy: r.approvedBy,
    rejectedReason: r.rejectedReason,
    version: r.version,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

function toVersionView(v: CatalogTermVersionRecord): CatalogTermVersionView {
  return {
    version: v.version,
    change: v.change,
    changedBy: v.changedBy,
    term: v.term,
    definition: v.definition,
    synonyms: v.synonyms,
    links: v.links,
    examples: v.examples,
    status: v.status,
    note: v.note,
    createdAt: v.createdAt,
  };
}

function bad(message: string, field: string): AppError {
  return new AppError(ErrorCode.BAD_USER_INPUT, message, { field });
}

function unreadable(denied: DeniedResource[], message?: string): AppError {
  const names = [...new Set(denied.map((d) => d.resource))].join(', ');
  return new AppError(ErrorCode.FORBIDDEN, message ?? `You may not read ${names}, so a term you propose may not link it. Link only what you may read.`, { denied });
}

function termNotFound(id: string): AppError {
  return new AppError(ErrorCode.NOT_FOUND, `No catalog term with the id "${id}" is visible to you.`);
}

function nameTaken(term: string, clash: CatalogTermRecord, scope: Scope): AppError {
  // An agent is told of the clash, not of what the other term says or links.
  return new AppError(ErrorCode.CONFLICT, `This database's catalog has a term "${term}" already (names are compared without case). Choose another name${scope.admin ? `, or change term ${clash.id}` : ''}.`, {
    field: 'term',
  });
}

function movedOn(version: number): AppError {
  return new AppError(ErrorCode.CONFLICT, `The term has changed since version ${version} was read. Read it again and redo the change.`, { field: 'expectedVersion' });
}
