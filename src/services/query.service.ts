import type { Catalog } from '../../plugins/drivers/catalog.js';
import type { DatabaseDriver, QueryResult, ResultColumn, RowStream, TruncatedReason } from '../../plugins/drivers/driver.js';
import { capResultBytes, RowBudget } from '../../plugins/drivers/result-bytes.js';
import type { BoolExp, OrderBy } from '../../plugins/drivers/row-query.js';
import { columnsOf, compileRowQuery } from '../../plugins/drivers/sql-row-query.js';
import { checkWhere } from '../../plugins/drivers/row-query-shape.js';
import { auditedPrincipal, type Principal } from '../auth/principal.js';
import { AppError, ErrorCode } from '../errors/app-error.js';
import type { AuditEvent, AuditWriter } from '../events/audit-writer.js';
import { authorize, type Decision } from '../policy/authorize.js';
import { relationGraph } from '../policy/relation-graph.js';
import { NO_TELEMETRY, type Telemetry } from '../telemetry/telemetry.js';
import type { GrantRule } from '../policy/grant-rules.js';
import type { GateCatalog, GateTable, SqlDialect, StatementAnalysis, TablePolicy } from '../sql/analysis.js';
import type { SqlGate } from '../sql/gate.js';
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

/** OpenTelemetry's `db.system.name` of each built-in engine; any other is named as it names itself. */
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
    return this.#governed(caller, options.action ?? 'runQuery', databaseId, {
      prepare: async (target) => ({ analysis: await this.#analyse(target, sql) }),
      admit: options.readsOnly ? readsOnly((type) => `Only reads run here; this statement is ${type}.`) : undefined,
      run: (target, { analysis }, decision) => this.#run(target, analysis, decision, sql, params, maxRows, { timeoutMs: options.timeoutMs }),
    });
  }

  async explainQuery(caller: Caller, databaseId: string, sql: string, params: readonly unknown[]): Promise<{ plan: unknown; statementType: string; tables: string[] }> {
    const outcome = await this.#governed(caller, 'explainQuery', databaseId, {
      prepare: async (target) => ({ analysis: await this.#analyse(target, sql) }),
      admit: readsOnly(() => 'explainQuery plans reads only.'),
      run: (target, { analysis }, decision) => this.#run(target, analysis, decision, sql, params, undefined, { explain: true }),
    });
    const first = outcome.rows[0] ?? {};
    const raw = Object.values(first)[0];
    return { plan: typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw, statementType: outcome.statementType, tables: outcome.tables };
  }

  /** The typed row query: compiled by Kysely, then the same gate, grants and row filters as runQuery. */
  async rows(caller: Caller, databaseId: string, input: RowsInput): Promise<QueryOutcome> {
    return this.#governed(caller, 'rows', databaseId, {
      prepare: async (target) => {
        const compiled = this.#compileRows(target, input, this.limits.hardMaxRows);
        return { compiled, analysis: await this.#gateAnalyse(target, compiled.sql) };
      },
      run: (target, { compiled, analysis }, decision) => this.#run(target, analysis, decision, compiled.sql, compiled.parameters, compiled.limit),
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
    const outcome = await this.#governed(caller, action, databaseId, this.#read(query, maxRows, async (target, prepared) => {
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
    }));
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
    return this.#governed(
      caller,
      action,
      databaseId,
      this.#read(query, maxRows, async (_target, prepared) => ({ tables: prepared.tables, statementType: prepared.statementType })),
    );
  }

  /**
   * An export's or a schedule's read through #governed: SQL or a typed row query, reads only, rewritten
   * under the grants (capped at `maxRows`) and held to the plan limits, then handed to `use`.
   */
  #read<T extends { rowCount?: number; tables: string[] }>(
    query: ReadQuery,
    maxRows: number,
    use: (target: Target, read: PreparedRead) => Promise<T>,
  ): Governed<{ analysis: StatementAnalysis; compiled: Compiled }, T> {
    return {
      prepare: async (target) => {
        const compiled =
          query.kind === 'SQL'
            ? { sql: query.sql, parameters: query.params ?? [], limit: maxRows }
            : this.#compileRows(target, { ...query, limit: query.limit ?? maxRows }, maxRows);
        return { compiled, analysis: await this.#analyse(target, compiled.sql) };
      },
      admit: readsOnly((type) => `Only reads can be exported or scheduled; this statement is ${type}.`),
      run: async (target, { compiled, analysis }, decision) => {
        const { rewritten, cap, policies } = await this.#rewrite(target, analysis, decision, compiled.sql, Math.min(compiled.limit, maxRows), maxRows);
        await withholding(policies, target.dialect)(() => this.#holdToPlanLimits(target, analysis, rewritten, compiled.parameters));
        return use(target, { rewritten, cap, policies, parameters: compiled.parameters, statementType: analysis.statementType, tables: tablesOf(analysis) });
      },
    };
  }

  #compileRows(target: Target, input: RowsInput, maxLimit: number): Compiled {
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

  /**
   * A statement the grants allow, rewritten and run. `explain`: the planner is asked for its plan instead
   * (as JSON, in the dialect's words: gate.explain), and no plan limit applies.
   */
  async #run(
    target: Target,
    analysis: StatementAnalysis,
    decision: Decision,
    sql: string,
    params: readonly unknown[],
    maxRows: number | null | undefined,
    { explain = false, timeoutMs }: { explain?: boolean; timeoutMs?: number | undefined } = {},
  ): Promise<QueryOutcome> {
    const { rewritten, cap, policies } = await this.#rewrite(target, analysis, decision, sql, maxRows ?? this.limits.defaultMaxRows, this.limits.hardMaxRows);
    const withhold = withholding(policies, target.dialect);
    if (!explain) await withhold(() => this.#holdToPlanLimits(target, analysis, rewritten, params));
    const maxBytes = tightest(this.limits.maxResultBytes, target.limits.maxResultBytes) ?? undefined;
    const started = performance.now();
    const statement = explain ? target.gate.explain(rewritten) : rewritten;
    const executed = await this.#onDatabase(target, analysis, () =>
      withhold(() => target.driver.execute(statement, params, { readOnly: analysis.kind === 'READ', maxRows: cap, maxBytes, timeoutMs })),
    );
    // Drivers that read the whole result at once (embedded engines) are cut here instead.
    const result = analysis.kind === 'READ' && !target.driver.capsResultBytes ? capResultBytes(executed, maxBytes) : executed;
    // A plan prints the row filter and mask expressions it applies: those are the admin's, not the agent's.
    if (policies.length > 0 && (explain || analysis.statementType === 'EXPLAIN')) {
      result.rows = redactPlan(result.rows, policyColumns(policies, target.gateCatalog)) as Record<string, unknown>[];
    }
    return {
      ...result,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      statementType: analysis.statementType,
      tables: tablesOf(analysis),
    };
  }

  /**
   * The statement rewritten by the gate with the grants' row filters, masks and, for a read, the row cap:
   * the least of `wanted`, the grants' cap and `hardMax`.
   */
  async #rewrite(
    target: Target,
    analysis: StatementAnalysis,
    decision: Decision,
    sql: string,
    wanted: number,
    hardMax: number,
  ): Promise<{ rewritten: string; cap: number; policies: TablePolicy[] }> {
    const cap = Math.min(wanted, decision.rowCap ?? hardMax, hardMax);
    const rewritten = await this.telemetry.span('warden.sql.rewrite', 'internal', { 'warden.database.id': target.databaseId }, () =>
      target.gate.rewrite(sql, analysis, target.gateCatalog, decision.policies, analysis.kind === 'READ' ? cap : undefined),
    );
    return { rewritten, cap, policies: decision.policies };
  }

  /**
   * The planner's estimate against the tightest limit of the database and of the grants that apply;
   * over it, QUERY_TOO_EXPENSIVE before anything runs. Without a limit, no EXPLAIN is run at all.
   */
  async #holdToPlanLimits(target: Target, analysis: StatementAnalysis, sql: string, params: readonly unknown[]): Promise<void> {
    const limits = combinePlanLimits(target.limits, planLimitsOf(target.rules, analysis, this.now()));
    if (limits.maxCost === null && limits.maxEstimatedRows === null) return;
    await enforcePlanLimits(target.driver, target.gate, sql, params, limits);
  }

  async #analyse(target: Target, sql: string): Promise<StatementAnalysis> {
    if (sql.length > 100_000) throw new AppError(ErrorCode.BAD_USER_INPUT, 'The statement is longer than 100,000 characters.', { field: 'sql' });
    return this.#gateAnalyse(target, sql);
  }

  /** The SQL gate's analysis (parse, classify, resolve), traced with the statement's type, not its text. */
  async #gateAnalyse(target: Target, sql: string): Promise<StatementAnalysis> {
    return this.telemetry.span('warden.sql.analyse', 'internal', { 'warden.database.id': target.databaseId, 'db.system.name': dbSystemOf(target.engine) }, async (span) => {
      const analysis = await target.gate.analyse(sql, target.gateCatalog);
      span.set({ 'db.operation.name': analysis.statementType, 'warden.statement.kind': analysis.kind });
      return analysis;
    });
  }

  /**
   * A statement on the target database, past the gate: timed for /metrics and traced as a client span
   * that names the database and the kind of statement, never its text or parameters.
   */
  async #onDatabase<T extends { rowCount?: number }>(target: Target, analysis: StatementAnalysis, call: () => Promise<T>): Promise<T> {
    const attributes = { 'db.system.name': dbSystemOf(target.engine), 'warden.database.id': target.databaseId, 'db.operation.name': analysis.statementType };
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

  /**
   * Resolves the database, then takes the statement `governed` prepares through the gate, the entry
   * point's own refusals and the grants, and runs it. The decision is recorded whatever happens; once
   * the grants have been asked, with what the statement touched (the analysis `prepare` returned).
   */
  async #governed<P extends { analysis: StatementAnalysis }, T extends { rowCount?: number; tables: string[] }>(
    caller: Caller,
    action: string,
    databaseId: string,
    governed: Governed<P, T>,
  ): Promise<T> {
    const started = performance.now();
    let target: Target | undefined;
    let decided: Decided | undefined;
    let release: (() => void) | undefined;
    try {
      if (caller.principal.kind !== 'agent') throw new AppError(ErrorCode.UNAUTHENTICATED, 'Send an API key.');
      // First, so a refused query costs nothing; refused, it is audited as DENIED with RATE_LIMITED.
      release = await this.rateLimits.acquire(caller.principal.agentId);
      const found = await this.sqlTarget(caller.principal, databaseId);
      target = found;
      const prepared = await governed.prepare(found);
      const { analysis } = prepared;
      governed.admit?.(analysis);
      const decision = await this.telemetry.span('warden.sql.authorize', 'internal', { 'warden.database.id': found.databaseId }, async () => {
        const made = authorize(found.rules, analysis, this.now(), relationGraph(found.catalog.tables));
        decided = { analysis, reached: made.reached };
        if (!made.allowed) {
          const names = [...new Set(made.denied.map((d) => d.resource))].join(', ');
          throw new AppError(ErrorCode.FORBIDDEN, `You may not do this: ${names}. Ask an admin for a grant (accessPreview shows what you have).`, {
            denied: made.denied,
          });
        }
        return made;
      });
      const outcome = await governed.run(found, prepared, decision);
      this.#record(caller, action, databaseId, 'ALLOWED', target, decided, started, outcome.rowCount ?? null, null);
      return outcome;
    } catch (error) {
      const app = error instanceof AppError ? error : undefined;
      if (app?.code === ErrorCode.RATE_LIMITED) this.telemetry.rateLimited(typeof app.details?.limit === 'string' ? app.details.limit : 'unknown');
      const denied = app && [ErrorCode.FORBIDDEN, ErrorCode.SQL_NOT_ALLOWED, ErrorCode.SQL_SYNTAX, ErrorCode.RATE_LIMITED, ErrorCode.QUERY_TOO_EXPENSIVE].includes(app.code);
      this.#record(caller, action, databaseId, denied ? 'DENIED' : 'FAILED', target, decided, started, null, {
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
    decided: Decided | undefined,
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
      statementFingerprint: decided?.analysis.fingerprint ?? null,
      // What views read is recorded with them: the audit names every table a statement reached.
      tables: decided ? [...new Set([...tablesOf(decided.analysis), ...decided.reached])] : null,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      rowCount,
      details: decided ? { statementType: decided.analysis.statementType, kind: decided.analysis.kind } : null,
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
    // The driver says which SQL it takes, and so which gate checks it.
    const dialect = driver.sqlDialect;
    if (!dialect) throw new AppError(ErrorCode.SQL_NOT_ALLOWED, `${driver.engine} databases are queried with rows, not SQL.`);
    const gate = this.gate.for(driver);
    const catalog = await this.catalog.get(databaseId);
    const limits = this.connectors.limitsOf(databaseId);
    return { databaseId, engine: driver.engine, dialect, gate, driver, catalog, gateCatalog: gate.catalogOf(catalog), rules, limits };
  }
}

/**
 * Runs a database call for a statement under `policies`: when any applies, a database error that could
 * quote a row's value comes back without the server's words (withholdDatabaseError).
 */
function withholding(policies: readonly TablePolicy[], dialect: SqlDialect): <T>(call: () => Promise<T>) => Promise<T> {
  return async (call) => {
    try {
      return await call();
    } catch (error) {
      throw policies.length > 0 ? withholdDatabaseError(error, dialect) : error;
    }
  };
}

/** A SQL database as one agent finds it, for one request: what every statement there is decided and run with. */
export interface Target {
  databaseId: string;
  engine: string;
  /** The SQL its driver declares; `gate` is that dialect's. */
  dialect: SqlDialect;
  gate: SqlGate;
  driver: DatabaseDriver;
  catalog: Catalog;
  /** The catalog as the gate sees it (gate.catalogOf), kept per catalog read. */
  gateCatalog: GateCatalog;
  rules: GrantRule[];
  /** The database's own limits (result and export bytes, plan cost). */
  limits: DatabaseLimits;
}

/** What the audit record of a statement names, once the gate has analysed it. */
interface Decided {
  analysis: StatementAnalysis;
  /** Relations read through the views the statement reads, once the grants are asked. */
  reached: readonly string[];
}

/** A statement as an entry point compiles it: the SQL, its parameters and the rows it asks for. */
interface Compiled {
  sql: string;
  parameters: readonly unknown[];
  limit: number;
}

/** A read for an export or a schedule, allowed and rewritten, ready to run. */
interface PreparedRead {
  rewritten: string;
  cap: number;
  policies: TablePolicy[];
  parameters: readonly unknown[];
  statementType: string;
  tables: string[];
}

/**
 * One entry point's statement through #governed: `prepare` takes it through the SQL gate (and returns
 * its analysis), `admit` refuses what this entry point does not run (before the grants are asked), and
 * `run` does what the grants allow.
 */
interface Governed<P extends { analysis: StatementAnalysis }, T> {
  prepare(target: Target): Promise<P>;
  admit?: ((analysis: StatementAnalysis) => void) | undefined;
  run(target: Target, prepared: P, decision: Decision): Promise<T>;
}

/** An `admit` that lets reads through only, refusing anything else in the words `message` gives. */
function readsOnly(message: (statementType: string) => string): (analysis: StatementAnalysis) => void {
  return (analysis) => {
    if (analysis.kind !== 'READ') throw new AppError(ErrorCode.SQL_NOT_ALLOWED, message(analysis.statementType), { construct: analysis.statementType });
  };
}

function tablesOf(analysis: StatementAnalysis): string[] {
  return analysis.tables.map((t) => `${t.schema}.${t.table}`);
}

function dbSystemOf(engine: string): string {
  return DB_SYSTEMS[engine] ?? engine;
}

function resolveTable(catalog: GateCatalog, name: string, schema: string | undefined): GateTable {
  const matches = catalog.tables.filter((t) => t.name === name && (schema ? t.schema === schema : true));
  const preferred = schema ? matches : matches.filter((t) => catalog.searchPath.includes(t.schema));
  const found = (preferred.length > 0 ? preferred : matches)[0];
  if (!found) throw new AppError(ErrorCode.NOT_FOUND, `No table "${schema ? `${schema}.` : ''}${name}" in this database.`, { field: 'table' });
  return found;
}
