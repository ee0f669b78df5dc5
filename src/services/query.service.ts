import type { Catalog } from '../../plugins/drivers/catalog.js';
import type { DatabaseDriver, QueryResult, ResultColumn, RowStream, TruncatedReason } from '../../plugins/drivers/driver.js';
import { capResultBytes, RowBudget } from '../../plugins/drivers/result-bytes.js';
import type { BoolExp, OrderBy } from '../../plugins/drivers/row-query.js';
import { columnsOf, compileRowQuery } from '../../plugins/drivers/sql-row-query.js';
import { checkWhere } from '../../plugins/drivers/row-query-shape.js';
import { auditedPrincipal, type Principal } from '../auth/principal.js';
import { AppError, ErrorCode } from '../errors/app-error.js';
import type { AuditEvent, AuditWriter } from '../events/audit-writer.js';
import { authorize } from '../policy/authorize.js';
import { relationGraph } from '../policy/relation-graph.js';
import { NO_TELEMETRY, type Telemetry } from '../telemetry/telemetry.js';
import type { GrantRule } from '../policy/grant-rules.js';
import type { GateCatalog, StatementAnalysis, TablePolicy } from '../sql/analysis.js';
import { policyColumns, redactPlan, withholdDatabaseError } from '../sql/policy-redaction.js';
import { planLimitsOf } from '../policy/plan-limits.js';
import { tightest, type DatabaseLimits } from './database-limits.js';
import { combinePlanLimits, enforcePlanLimits } from './plan-cost.js';
import type { CatalogService } from './catalog.service.js';
import type { ConnectorRegistry } from './connector-registry.js';
import type { GrantService } from './grant.service.js';
import type { SqlGateService } from './sql-gate.service.js';

export interface Caller {
  principal: Principal;
  requestId: string | null;
}

export interface QueryOutcome extends QueryResult {
  durationMs: number;
  statementType: string;
  /** Tables the statement touched, `schema.table`. */
  tables: string[];
}

export interface RowsInput {
  table: string;
  schema?: string | null | undefined;
  columns?: string[] | null | undefined;
  where?: BoolExp | null | undefined;
  orderBy?: OrderBy[] | null | undefined;
  limit?: number | null | undefined;
  offset?: number | null | undefined;
}

/** What an export or a schedule reads: one SQL read, or a typed row query. */
export type ReadQuery = ({ kind: 'SQL'; sql: string; params?: readonly unknown[] | null | undefined }) | ({ kind: 'ROWS' } & RowsInput);

/** An open read: its rows come as they are consumed; `summary()` says how many so far and whether the cap cut it. */
export interface OpenRead {
  columns: ResultColumn[];
  rows: AsyncIterable<Record<string, unknown>>;
  statementType: string;
  tables: string[];
  summary(): { rows: number; truncated: boolean; truncatedReason?: TruncatedReason | undefined };
  close(): Promise<void>;
}

export interface QueryLimits {
  /** Rows returned when neither the caller nor a grant says otherwise. */
  defaultMaxRows: number;
  /** Rows never exceeded, whatever the caller or grants say. */
  hardMaxRows: number;
  /** Bytes one answer carries at most (WARDEN_MAX_RESULT_BYTES); a database may set fewer. */
  maxResultBytes?: number | undefined;
  /** Bytes one export or scheduled run reads at most (WARDEN_EXPORT_MAX_BYTES); a database may set fewer. */
  maxExportBytes?: number | undefined;
}

const SQL_ENGINES: Record<string, 'postgres' | 'mysql'> = { postgres: 'postgres', pglite: 'postgres', mysql: 'mysql' };
/** OpenTelemetry's `db.system.name` of each engine. */
const DB_SYSTEMS: Record<string, string> = { postgres: 'postgresql', pglite: 'postgresql', mysql: 'mysql', mongodb: 'mongodb' };

/**
 * runQuery, explainQuery and rows: every statement from outside goes gate → authorize → rewrite →
 * execute, and every decision, allowed or not, becomes an audit event.
 */
export class QueryService {
  constructor(
    private readonly connectors: ConnectorRegistry,
    private readonly catalog: CatalogService,
    private readonly grants: GrantService,
    private readonly gate: SqlGateService,
    private readonly audit: AuditWriter,
    /** Per-agent rate limits (RateLimitService): a query takes its share before any work. */
    private readonly rateLimits: { acquire(agentId: string): Promise<() => void> },
    private readonly limits: QueryLimits = { defaultMaxRows: 1_000, hardMaxRows: 10_000 },
    /** Decisions, rate-limit hits and database time for /metrics; spans for the gate and the database call. */
    private readonly telemetry: Telemetry = NO_TELEMETRY,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * `readsOnly`: refuse anything but a read, whatever the grants allow (askDatabase runs the model's SQL so).
   * `action`: what the audit event calls it. `timeoutMs`: a shorter statement timeout than the database's
   * (never a longer one); over it, QUERY_TIMEOUT.
   */
  async runQuery(
    caller: Caller,
    databaseId: string,
    sql: string,
    params: readonly unknown[],
    maxRows?: number | null,
    options: { readsOnly?: boolean; action?: string; timeoutMs?: number } = {},
  ): Promise<QueryOutcome> {
    return this.#governed(caller, options.action ?? 'runQuery', databaseId, async (target) => {
      const analysis = await this.#analyse(target, sql);
      if (options.readsOnly && analysis.kind !== 'READ') {
        throw new AppError(ErrorCode.SQL_NOT_ALLOWED, `Only reads run here; this statement is ${analysis.statementType}.`, {
          construct: analysis.statementType,
        });
      }
      return this.#authorizeAndRun(target, analysis, sql, params, maxRows, '', options.timeoutMs);
    });
  }

  async explainQuery(caller: Caller, databaseId: string, sql: string, params: readonly unknown[]): Promise<{ plan: unknown; statementType: string; tables: string[] }> {
    const outcome = await this.#governed(caller, 'explainQuery', databaseId, async (target) => {
      const analysis = await this.#analyse(target, sql);
      if (analysis.kind !== 'READ') {
        throw new AppError(ErrorCode.SQL_NOT_ALLOWED, 'explainQuery plans reads only.', { construct: analysis.statementType });
      }
      const explain = target.dialect === 'postgres' ? 'explain (format json) ' : 'explain format=json ';
      return this.#authorizeAndRun(target, analysis, sql, params, undefined, explain);
    });
    const first = outcome.rows[0] ?? {};
    const raw = Object.values(first)[0];
    return { plan: typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw, statementType: outcome.statementType, tables: outcome.tables };
  }

  /** The typed row query: compiled by Kysely, then the same gate, grants and row filters as runQuery. */
  async rows(caller: Caller, databaseId: string, input: RowsInput): Promise<QueryOutcome> {
    return this.#governed(caller, 'rows', databaseId, async (target) => {
      const compiled = this.#compileRows(target, input, this.limits.hardMaxRows);
      const analysis = await this.#gateAnalyse(target, compiled.sql);
      return this.#authorizeAndRun(target, analysis, compiled.sql, compiled.parameters, compiled.limit);
    });
  }

  /**
   * A read for an export or a schedule: SQL or a typed row query, through the same gate, grants, row
   * filters, masks and caps, its rows streamed from the database where the driver can (so memory stays
   * flat), else read at once. Capped at `maxRows` (and the grants' row cap). The caller must close it.
   */
  async openRead(caller: Caller, databaseId: string, query: ReadQuery, maxRows: number, action = 'export'): Promise<OpenRead> {
    let stream: RowStream | undefined;
    let maxBytes: number | undefined;
    const outcome = await this.#governed(caller, action, databaseId, async (target) => {
      const prepared = await this.#prepareRead(target, query, maxRows);
      const withhold = withholding(prepared.policies, target.dialect);
      maxBytes = tightest(this.limits.maxExportBytes, target.limits.maxExportBytes) ?? undefined;
      // The rewrite asks for one row more than the cap, which tells whether the result was cut.
      if (target.driver.stream) {
        stream = await withhold(() => target.driver.stream!(prepared.rewritten, prepared.parameters, {}));
      } else {
        const result = await withhold(() => target.driver.execute(prepared.rewritten, prepared.parameters, { readOnly: true, maxRows: prepared.cap + 1 }));
        const rows = (async function* () {
          yield* result.rows;
        })();
        stream = { columns: result.columns, rows, close: async () => undefined };
      }
      return { rowCount: undefined, tables: prepared.tables, statementType: prepared.statementType, cap: prepared.cap, withhold };
    });
    const opened = stream as RowStream;
    // Rows and bytes are counted as the rows come; at either cap the read stops (and says which).
    const budget = new RowBudget(outcome.cap, maxBytes);
    const state = { rows: 0, truncated: false, truncatedReason: undefined as TruncatedReason | undefined };
    const source = opened.rows;
    const { withhold } = outcome;
    async function* capped(): AsyncGenerator<Record<string, unknown>> {
      const iterator = source[Symbol.asyncIterator]();
      try {
        for (;;) {
          const next = await withhold(() => iterator.next());
          if (next.done) break;
          const row = next.value;
          if (!budget.admit(row)) {
            state.truncated = true;
            state.truncatedReason = budget.truncatedReason;
            break;
          }
          state.rows += 1;
          yield row;
        }
      } finally {
        await iterator.return?.();
        await opened.close();
      }
    }
    return {
      columns: opened.columns,
      rows: capped(),
      statementType: outcome.statementType,
      tables: outcome.tables,
      summary: () => ({ ...state }),
      close: () => opened.close(),
    };
  }

  /**
   * Whether `caller` may make this read now, decided as openRead decides it (gate, grants) but without
   * running it: for an export link or a schedule, refused at once rather than at download or run time.
   * Audited under `action`.
   */
  async checkRead(caller: Caller, databaseId: string, query: ReadQuery, maxRows: number, action: string): Promise<{ statementType: string; tables: string[] }> {
    return this.#governed(caller, action, databaseId, async (target) => {
      const prepared = await this.#prepareRead(target, query, maxRows);
      return { tables: prepared.tables, statementType: prepared.statementType };
    });
  }

  async #prepareRead(target: Target, query: ReadQuery, maxRows: number) {
    const compiled =
      query.kind === 'SQL'
        ? { sql: query.sql, parameters: query.params ?? [], limit: maxRows }
        : this.#compileRows(target, { ...query, limit: query.limit ?? maxRows }, maxRows);
    const analysis = await this.#analyse(target, compiled.sql);
    if (analysis.kind !== 'READ') {
      throw new AppError(ErrorCode.SQL_NOT_ALLOWED, `Only reads can be exported or scheduled; this statement is ${analysis.statementType}.`, {
        construct: analysis.statementType,
      });
    }
    const { rewritten, cap, policies } = await this.#authorizeAndRewrite(target, analysis, compiled.sql, Math.min(compiled.limit, maxRows), maxRows);
    await withholding(policies, target.dialect)(() => this.#holdToPlanLimits(target, analysis, rewritten, compiled.parameters));
    return { rewritten, cap, policies, parameters: compiled.parameters, statementType: analysis.statementType, tables: analysis.tables.map((t) => `${t.schema}.${t.table}`) };
  }

  #compileRows(target: Target, input: RowsInput, maxLimit: number): { sql: string; parameters: readonly unknown[]; limit: number } {
    const table = resolveTable(target.gateCatalog, input.table, input.schema ?? undefined);
    const known = new Set(table.columns);
    const columns = input.columns?.length ? input.columns : table.columns;
    const where = checkWhere(input.where);
    for (const column of [...columns, ...columnsOf(where), ...(input.orderBy ?? []).map((o) => o.column)]) {
      if (!known.has(column)) {
        throw new AppError(ErrorCode.BAD_USER_INPUT, `${table.schema}.${table.name} has no column "${column}".`, { field: 'columns' });
      }
    }
    const limit = Math.min(input.limit ?? Math.min(this.limits.defaultMaxRows, maxLimit), maxLimit);
    if (limit < 1) throw new AppError(ErrorCode.BAD_USER_INPUT, 'limit must be at least 1.', { field: 'limit' });
    if (input.offset !== undefined && input.offset !== null && input.offset < 0) {
      throw new AppError(ErrorCode.BAD_USER_INPUT, 'offset cannot be negative.', { field: 'offset' });
    }
    const compiled = compileRowQuery(target.dialect, {
      schema: table.schema,
      table: table.name,
      columns,
      where,
      orderBy: input.orderBy ?? undefined,
      limit,
      offset: input.offset ?? undefined,
    });
    return { sql: compiled.sql, parameters: compiled.parameters, limit };
  }

  async #authorizeAndRun(
    target: Target,
    analysis: StatementAnalysis,
    sql: string,
    params: readonly unknown[],
    maxRows: number | null | undefined,
    prefix = '',
    timeoutMs?: number,
  ): Promise<QueryOutcome> {
    const { rewritten, cap, policies } = await this.#authorizeAndRewrite(target, analysis, sql, maxRows ?? this.limits.defaultMaxRows, this.limits.hardMaxRows);
    const withhold = withholding(policies, target.dialect);
    if (!prefix) await withhold(() => this.#holdToPlanLimits(target, analysis, rewritten, params));
    const maxBytes = tightest(this.limits.maxResultBytes, target.limits.maxResultBytes) ?? undefined;
    const started = performance.now();
    const executed = await this.#onDatabase(target, analysis, () =>
      withhold(() => target.driver.execute(`${prefix}${rewritten}`, params, { readOnly: analysis.kind === 'READ', maxRows: cap, maxBytes, timeoutMs })),
    );
    // Drivers that read the whole result at once (embedded engines) are cut here instead.
    const result = analysis.kind === 'READ' && !target.driver.capsResultBytes ? capResultBytes(executed, maxBytes) : executed;
    // A plan prints the row filter and mask expressions it applies: those are the admin's, not the agent's.
    if (policies.length > 0 && (prefix !== '' || analysis.statementType === 'EXPLAIN')) {
      result.rows = redactPlan(result.rows, policyColumns(policies, target.gateCatalog)) as Record<string, unknown>[];
    }
    return {
      ...result,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      statementType: analysis.statementType,
      tables: analysis.tables.map((t) => `${t.schema}.${t.table}`),
    };
  }

  /**
   * The grants' decision (FORBIDDEN lists what was refused and why), then the statement rewritten with
   * row filters, masks and, for a read, the row cap: the least of `wanted`, the grants' cap and `hardMax`.
   */
  async #authorizeAndRewrite(
    target: Target,
    analysis: StatementAnalysis,
    sql: string,
    wanted: number,
    hardMax: number,
  ): Promise<{ rewritten: string; cap: number; policies: TablePolicy[] }> {
    return this.telemetry.span('warden.sql.authorize', 'internal', { 'warden.database.id': target.databaseId }, () =>
      this.#authorizeAndRewriteNow(target, analysis, sql, wanted, hardMax),
    );
  }

  async #authorizeAndRewriteNow(
    target: Target,
    analysis: StatementAnalysis,
    sql: string,
    wanted: number,
    hardMax: number,
  ): Promise<{ rewritten: string; cap: number; policies: TablePolicy[] }> {
    const decision = authorize(target.rules, analysis, this.now(), relationGraph(target.catalog.tables));
    target.analysis = analysis;
    target.reached = decision.reached;
    if (!decision.allowed) {
      const names = [...new Set(decision.denied.map((d) => d.resource))].join(', ');
      throw new AppError(ErrorCode.FORBIDDEN, `You may not do this: ${names}. Ask an admin for a grant (accessPreview shows what you have).`, {
        denied: decision.denied,
      });
    }
    const cap = Math.min(wanted, decision.rowCap ?? hardMax, hardMax);
    const rewritten = await this.gate.rewrite(target.engine, sql, analysis, target.gateCatalog, decision.policies, analysis.kind === 'READ' ? cap : undefined);
    return { rewritten, cap, policies: decision.policies };
  }

  /**
   * The planner's estimate against the tightest limit of the database and of the grants that apply;
   * over it, QUERY_TOO_EXPENSIVE before anything runs. Without a limit, no EXPLAIN is run at all.
   */
  async #holdToPlanLimits(target: Target, analysis: StatementAnalysis, sql: string, params: readonly unknown[]): Promise<void> {
    const limits = combinePlanLimits(target.limits, planLimitsOf(target.rules, analysis, this.now()));
    if (limits.maxCost === null && limits.maxEstimatedRows === null) return;
    await enforcePlanLimits(target.driver, target.dialect, sql, params, limits);
  }

  async #analyse(target: Target, sql: string): Promise<StatementAnalysis> {
    if (sql.length > 100_000) throw new AppError(ErrorCode.BAD_USER_INPUT, 'The statement is longer than 100,000 characters.', { field: 'sql' });
    return this.#gateAnalyse(target, sql);
  }

  /** The SQL gate's analysis (parse, classify, resolve), traced with the statement's type, not its text. */
  async #gateAnalyse(target: Target, sql: string): Promise<StatementAnalysis> {
    return this.telemetry.span('warden.sql.analyse', 'internal', { 'warden.database.id': target.databaseId, 'db.system.name': DB_SYSTEMS[target.engine] }, async (span) => {
      const analysis = await this.gate.analyse(target.engine, sql, target.gateCatalog);
      span.set({ 'db.operation.name': analysis.statementType, 'warden.statement.kind': analysis.kind });
      return analysis;
    });
  }

  /**
   * A statement on the target database, past the gate: timed for /metrics and traced as a client span
   * that names the database and the kind of statement, never its text or parameters.
   */
  async #onDatabase<T extends { rowCount?: number }>(target: Target, analysis: StatementAnalysis, call: () => Promise<T>): Promise<T> {
    const attributes = { 'db.system.name': DB_SYSTEMS[target.engine], 'warden.database.id': target.databaseId, 'db.operation.name': analysis.statementType };
    const started = performance.now();
    try {
      return await this.telemetry.span(`${analysis.statementType} ${target.databaseId}`, 'client', attributes, async (span) => {
        const result = await call();
        if (result.rowCount !== undefined) span.set({ 'db.response.returned_rows': result.rowCount });
        return result;
      });
    } finally {
      this.telemetry.databaseQuery(target.databaseId, analysis.kind === 'READ' ? 'READ' : 'WRITE', (performance.now() - started) / 1000);
    }
  }

  /** Resolves the database, runs `work`, and records the decision whatever happens. */
  async #governed<T extends { rowCount?: number; tables: string[] }>(
    caller: Caller,
    action: string,
    databaseId: string,
    work: (target: Target) => Promise<T>,
  ): Promise<T> {
    const started = performance.now();
    let target: Target | undefined;
    let release: (() => void) | undefined;
    try {
      if (caller.principal.kind !== 'agent') throw new AppError(ErrorCode.UNAUTHENTICATED, 'Send an API key.');
      // First, so a refused query costs nothing; refused, it is audited as DENIED with RATE_LIMITED.
      release = await this.rateLimits.acquire(caller.principal.agentId);
      target = await this.sqlTarget(caller.principal, databaseId);
      const outcome = await work(target);
      this.#record(caller, action, databaseId, 'ALLOWED', target, started, outcome.rowCount ?? null, null);
      return outcome;
    } catch (error) {
      const app = error instanceof AppError ? error : undefined;
      if (app?.code === ErrorCode.RATE_LIMITED) this.telemetry.rateLimited(typeof app.details?.limit === 'string' ? app.details.limit : 'unknown');
      const denied = app && [ErrorCode.FORBIDDEN, ErrorCode.SQL_NOT_ALLOWED, ErrorCode.SQL_SYNTAX, ErrorCode.RATE_LIMITED, ErrorCode.QUERY_TOO_EXPENSIVE].includes(app.code);
      this.#record(caller, action, databaseId, denied ? 'DENIED' : 'FAILED', target, started, null, {
        code: app?.code ?? ErrorCode.INTERNAL,
        message: app?.message ?? 'unexpected error',
        ...(app?.details?.denied ? { denied: app.details.denied } : {}),
      });
      throw error;
    } finally {
      release?.();
    }
  }

  #record(
    caller: Caller,
    action: string,
    databaseId: string,
    decision: AuditEvent['decision'],
    target: Target | undefined,
    started: number,
    rowCount: number | null,
    reason: NonNullable<AuditEvent['reasons']>[number] | null,
  ): void {
    // The id is a label only once the database is known to be there: an agent may send any string.
    this.telemetry.gateDecision({ action, decision, code: reason?.code, databaseId: target?.databaseId });
    const principal = caller.principal;
    this.audit.record({
      occurredAt: this.now(),
      requestId: caller.requestId,
      ...auditedPrincipal(principal),
      action,
      databaseId,
      decision,
      reasons: reason ? [reason] : null,
      statementFingerprint: target?.analysis?.fingerprint ?? null,
      // What views read is recorded with them: the audit names every table a statement reached.
      tables: target?.analysis ? [...new Set([...target.analysis.tables.map((t) => `${t.schema}.${t.table}`), ...(target.reached ?? [])])] : null,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      rowCount,
      details: target?.analysis ? { statementType: target.analysis.statementType, kind: target.analysis.kind } : null,
    });
  }

  /**
   * A SQL database as this agent finds it: NOT_FOUND without a grant on it (admins know it exists),
   * DATABASE_UNAVAILABLE when it is registered but not open here (as catalog reads say),
   * SQL_NOT_ALLOWED for an engine queried without SQL. Its grants and catalog come from the caches.
   */
  async sqlTarget(principal: Principal & { kind: 'agent' }, databaseId: string): Promise<Target> {
    const known = this.connectors.knows(databaseId);
    const rules = known || principal.role !== 'ADMIN' ? await this.grants.rulesFor(principal.agentId, databaseId) : [];
    // Without a grant on it, a database does not exist for an agent (admins know it does).
    if (rules.length === 0 && !(principal.role === 'ADMIN' && known)) {
      throw new AppError(ErrorCode.NOT_FOUND, `No database with the id "${databaseId}" is visible to you.`);
    }
    const driver = this.connectors.require(databaseId);
    const dialect = SQL_ENGINES[driver.engine];
    if (!dialect) throw new AppError(ErrorCode.SQL_NOT_ALLOWED, `${driver.engine} databases are queried with rows, not SQL.`);
    const catalog = await this.catalog.get(databaseId);
    const limits = this.connectors.limitsOf(databaseId);
    return { databaseId, engine: driver.engine, dialect, driver, catalog, gateCatalog: toGateCatalog(dialect, catalog), rules, limits, analysis: undefined };
  }
}

/**
 * Runs a database call for a statement under `policies`: when any applies, a database error that could
 * quote a row's value comes back without the server's words (withholdDatabaseError).
 */
function withholding(policies: readonly TablePolicy[], dialect: 'postgres' | 'mysql'): <T>(call: () => Promise<T>) => Promise<T> {
  return async (call) => {
    try {
      return await call();
    } catch (error) {
      throw policies.length > 0 ? withholdDatabaseError(error, dialect) : error;
    }
  };
}

export interface Target {
  databaseId: string;
  engine: string;
  dialect: 'postgres' | 'mysql';
  driver: DatabaseDriver;
  catalog: Catalog;
  gateCatalog: GateCatalog;
  rules: GrantRule[];
  /** The database's own limits (result and export bytes, plan cost). */
  limits: DatabaseLimits;
  /** Set once the statement is analysed, for the audit record. */
  analysis: StatementAnalysis | undefined;
  /** Relations read through the views the statement reads, once decided: audited with it. */
  reached?: string[];
}

const gateCatalogs = new WeakMap<Catalog, GateCatalog>();

/** What the gate needs of a catalog; computed once per catalog read. */
export function toGateCatalog(dialect: 'postgres' | 'mysql', catalog: Catalog): GateCatalog {
  const known = gateCatalogs.get(catalog);
  if (known) return known;
  const made = makeGateCatalog(dialect, catalog);
  gateCatalogs.set(catalog, made);
  return made;
}

function makeGateCatalog(dialect: 'postgres' | 'mysql', catalog: Catalog): GateCatalog {
  // Postgres: the connection's own search_path, as introspection read it; MySQL: the connection's database.
  const searchPath =
    dialect === 'postgres'
      ? (catalog.searchPath ?? (catalog.schemas.includes('public') ? ['public'] : []))
      : catalog.schemas.slice(0, 1);
  return { searchPath, tables: catalog.tables.map((t) => ({ schema: t.schema, name: t.name, columns: t.columns.map((c) => c.name) })) };
}

function resolveTable(catalog: GateCatalog, name: string, schema: string | undefined): { schema: string; name: string; columns: string[] } {
  const matches = catalog.tables.filter((t) => t.name === name && (schema ? t.schema === schema : true));
  const preferred = schema ? matches : matches.filter((t) => catalog.searchPath.includes(t.schema));
  const found = (preferred.length > 0 ? preferred : matches)[0];
  if (!found) throw new AppError(ErrorCode.NOT_FOUND, `No table "${schema ? `${schema}.` : ''}${name}" in this database.`, { field: 'table' });
  return found;
}
