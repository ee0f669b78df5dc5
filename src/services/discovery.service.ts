import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Catalog, CatalogTable } from '../../plugins/drivers/catalog.js';
import { mysqlPlanEstimate } from '../../plugins/drivers/mysql/mysql-plan-estimate.js';
import { auditedPrincipal, type Principal } from '../auth/principal.js';
import { AppError, ErrorCode } from '../errors/app-error.js';
import type { AuditEvent, AuditWriter } from '../events/audit-writer.js';
import { authorize } from '../policy/authorize.js';
import { isInForce } from '../policy/grant-rules.js';
import { relationGraph } from '../policy/relation-graph.js';
import type { CatalogService } from './catalog.service.js';
import { columnStats, display, type ColumnStats, type ValueFrequency } from './column-profile.js';
import type { DatabaseService } from './database.service.js';
import type { GrantService } from './grant.service.js';
import { suggestJoins, type JoinSuggestion } from './join-suggestions.js';
import { postgresPlanEstimate } from './plan-cost.js';
import type { Caller, QueryOutcome, QueryService, Target } from './query.service.js';

export interface DiscoverySettings {
  /** Rows a profile reads at most (its sample): the first ones the database returns. */
  sampleRows: number;
  /** Statement timeout of the row count; over it, the planner's estimate is given instead. */
  countTimeoutMs: number;
  /** Statement timeout of a profile's sample and of distinctValues (which then falls back to the sample). */
  timeoutMs: number;
  /** How long a profile is served from the cache (same catalog, same grants in force). */
  cacheTtlMs: number;
  /** Most frequent values a column profile lists. */
  topValues: number;
}

export const DEFAULT_DISCOVERY_SETTINGS: DiscoverySettings = {
  sampleRows: 10_000,
  countTimeoutMs: 2_000,
  timeoutMs: 10_000,
  cacheTtlMs: 5 * 60_000,
  topValues: 5,
};

export interface SchemaSummary {
  name: string;
  /** Tables, views and collections of the schema the caller may use. */
  tables: number;
}

/** COUNT: counted just now; ESTIMATE: the planner's estimate (the count ran out of time); UNKNOWN: neither. */
export type RowCountBasis = 'COUNT' | 'ESTIMATE' | 'UNKNOWN';

export interface ColumnProfile extends ColumnStats {
  name: string;
  dataType: string;
  /** Shown through a mask: every statistic is of the masked values. */
  masked: boolean;
}

export interface TableProfile {
  schema: string;
  table: string;
  /** Rows the caller may see (through its row filter). */
  rowCount: number | null;
  rowCountBasis: RowCountBasis;
  /** Rows read for the column statistics. */
  rowsSampled: number;
  /** The most rows a profile reads. */
  sampleLimit: number;
  /** The sample held every row the caller may see, so the statistics are exact. */
  sampleComplete: boolean;
  columns: ColumnProfile[];
  computedAt: Date;
  /** Served from the cache (the same catalog and grants), not computed for this call. */
  cached: boolean;
}

type CachedProfile = Omit<TableProfile, 'cached'>;

export interface DistinctValues {
  schema: string;
  table: string;
  column: string;
  masked: boolean;
  values: ValueFrequency[];
  /** More distinct values than `limit` exist (or the grants' row cap cut the answer). */
  truncated: boolean;
  /** ALL_ROWS: counted over every row the caller may see; SAMPLE: over the first `sampleLimit` (the count ran out of time). */
  basis: 'ALL_ROWS' | 'SAMPLE';
  sampleLimit: number | null;
}

export interface ProfileInput {
  /** A table name, or `schema.table` when no schema is given. */
  table: string;
  schema?: string | null | undefined;
  /** Columns to profile; absent: every column the caller may read; empty: none (the row count only). */
  columns?: readonly string[] | null | undefined;
}

export interface DistinctInput {
  table: string;
  schema?: string | null | undefined;
  column: string;
  limit?: number | null | undefined;
}

/** Decisions that are refusals (as the query service counts them) rather than failures. */
const REFUSALS = new Set<string>([ErrorCode.FORBIDDEN, ErrorCode.SQL_NOT_ALLOWED, ErrorCode.SQL_SYNTAX, ErrorCode.RATE_LIMITED, ErrorCode.QUERY_TOO_EXPENSIVE]);
const MAX_DISTINCT = 100;
const MAX_JOIN_TABLES = 20;

/**
 * Discovery for agents exploring a database: its schemas, a table's profile, a column's most frequent
 * values, and how tables join. Every figure comes through the same gate, grants, row filters and masks
 * as runQuery (its statements are reads run by the query service, audited as such), and names only
 * what the caller may see.
 */
export class DiscoveryService {
  readonly #settings: DiscoverySettings;
  /** Profiles per catalog read (refreshCatalog makes a new one) and, within it, per set of grants in force. */
  readonly #profiles = new WeakMap<Catalog, LRUCache<string, CachedProfile>>();

  constructor(
    private readonly databases: Pick<DatabaseService, 'get'>,
    private readonly catalog: Pick<CatalogService, 'get'>,
    private readonly grants: Pick<GrantService, 'visibleTables'>,
    private readonly queries: Pick<QueryService, 'runQuery' | 'explainQuery' | 'sqlTarget'>,
    private readonly audit: Pick<AuditWriter, 'record'>,
    settings: Partial<DiscoverySettings> = {},
    private readonly now: () => Date = () => new Date(),
  ) {
    this.#settings = { ...DEFAULT_DISCOVERY_SETTINGS, ...settings };
  }

  /** The schemas holding tables the caller may use, with how many. */
  async schemas(principal: Principal, databaseId: string): Promise<SchemaSummary[]> {
    const visible = await this.#visible(principal, databaseId);
    const counts = new Map<string, number>();
    for (const table of visible) counts.set(table.schema, (counts.get(table.schema) ?? 0) + 1);
    return [...counts].sort((a, b) => compare(a[0], b[0])).map(([name, tables]) => ({ name, tables }));
  }

  /**
   * A table's row count and its columns' statistics, as the caller may see them: the count through its
   * row filter, the statistics from a bounded sample of the rows it may read, masked columns from their
   * masked values only. A column it may not read is refused by the gate, as a query naming it would be.
   * Audited as `tableProfile` (a cached answer too), its statements as `tableProfile.sample` and
   * `tableProfile.count`.
   */
  async tableProfile(caller: Caller, databaseId: string, input: ProfileInput): Promise<TableProfile> {
    return this.#audited(caller, 'tableProfile', databaseId, async (note) => {
      const target = await this.#target(caller, databaseId);
      const found = this.#resolve(target, input.table, input.schema);
      note.table = `${found.table.schema}.${found.table.name}`;
      const columns = this.#columnsToProfile(found, input.columns);
      const cache = this.#cacheOf(target.catalog);
      const key = `${rulesKey(target, this.now())}|${note.table}|${columns.join('\u0000')}`;
      const hit = cache.get(key);
      if (hit) {
        note.cached = true;
        return { ...hit, cached: true };
      }
      const profile = await this.#profile(caller, target, found, columns);
      cache.set(key, profile);
      note.cached = false;
      return { ...profile, cached: false };
    });
  }

  /**
   * The most frequent values of one column, counted over every row the caller may see (masked as it sees
   * them); past the timeout, over the first rows only, and the answer says so. Audited as `distinctValues`,
   * its statements as `distinctValues.count` (and `distinctValues.sample`).
   */
  async distinctValues(caller: Caller, databaseId: string, input: DistinctInput): Promise<DistinctValues> {
    return this.#audited(caller, 'distinctValues', databaseId, async (note) => {
      const limit = input.limit ?? 20;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_DISTINCT) throw new AppError(ErrorCode.BAD_USER_INPUT, `limit is 1 to ${MAX_DISTINCT}.`, { field: 'limit' });
      const target = await this.#target(caller, databaseId);
      const found = this.#resolve(target, input.table, input.schema);
      const { table } = found;
      note.table = `${table.schema}.${table.name}`;
      if (!table.columns.some((c) => c.name === input.column)) throw noColumn(table, input.column);
      const q = quoter(target.dialect);
      const column = q(input.column);
      const from = `${q(table.schema)}.${q(table.name)}`;
      const grouped = (source: string) => `select ${column} as value, count(*) as frequency from ${source} group by ${column} order by count(*) desc, ${column} limit ${limit + 1}`;
      const run = (sql: string, action: string) =>
        this.queries.runQuery(caller, databaseId, sql, [], limit + 1, { readsOnly: true, action, timeoutMs: this.#settings.timeoutMs });
      let outcome: QueryOutcome;
      let basis: DistinctValues['basis'] = 'ALL_ROWS';
      try {
        outcome = await run(grouped(from), 'distinctValues.count');
      } catch (error) {
        if (!(error instanceof AppError) || error.code !== ErrorCode.QUERY_TIMEOUT) throw error;
        // Too many rows to count in time: the first rows stand for them, and the answer says so.
        basis = 'SAMPLE';
        outcome = await run(grouped(`(select ${column} from ${from} limit ${this.#settings.sampleRows}) sampled`), 'distinctValues.sample');
      }
      return {
        schema: table.schema,
        table: table.name,
        column: input.column,
        masked: found.masked.has(input.column),
        values: outcome.rows.slice(0, limit).map((row) => ({ value: display(row.value), count: Number(row.frequency) })),
        truncated: outcome.rows.length > limit || outcome.truncated,
        basis,
        sampleLimit: basis === 'SAMPLE' ? this.#settings.sampleRows : null,
      };
    });
  }

  /**
   * How the given tables join (`schema.table` or a table name): declared foreign keys and what column
   * names and types suggest, each with its reason; with one table, how it joins the others. Names only
   * tables and columns the caller may see; a table it may not see is not found, as one that does not exist.
   */
  async suggestJoins(principal: Principal, databaseId: string, tables: readonly string[]): Promise<JoinSuggestion[]> {
    const names = [...new Set(tables.map((t) => t.trim()))];
    if (names.length === 0 || names.length > MAX_JOIN_TABLES) {
      throw new AppError(ErrorCode.BAD_USER_INPUT, `Name 1 to ${MAX_JOIN_TABLES} tables.`, { field: 'tables' });
    }
    const visible = await this.#visible(principal, databaseId);
    const asked = names.map((name) => {
      const dot = name.indexOf('.');
      const matches = visible.filter((t) => t.name === name || (dot > 0 && t.schema === name.slice(0, dot) && t.name === name.slice(dot + 1)));
      const exact = matches.filter((t) => `${t.schema}.${t.name}` === name);
      const chosen = exact.length === 1 ? exact : matches;
      if (chosen.length > 1) {
        throw new AppError(ErrorCode.BAD_USER_INPUT, `"${name}" is in several schemas (${chosen.map((t) => t.schema).join(', ')}); write it as schema.table.`, { field: 'tables' });
      }
      if (chosen.length === 0) throw notVisible(name);
      return chosen[0] as CatalogTable;
    });
    return suggestJoins(asked, visible);
  }

  async #visible(principal: Principal, databaseId: string): Promise<CatalogTable[]> {
    await this.databases.get(principal, databaseId);
    const catalog = await this.catalog.get(databaseId);
    return this.grants.visibleTables(principal, databaseId, catalog.tables);
  }

  async #target(caller: Caller, databaseId: string): Promise<Target> {
    const principal = caller.principal;
    if (principal.kind !== 'agent') throw new AppError(ErrorCode.UNAUTHENTICATED, 'Send an API key.');
    return this.queries.sqlTarget(principal, databaseId);
  }

  /**
   * The table meant, with what the caller may read of it: one it may read is preferred to one it may
   * not, then one on the search path. A table it may not read is still returned, so the gate refuses it
   * (and audits that) as it refuses the same read through runQuery.
   */
  #resolve(target: Target, name: string, schema: string | null | undefined): Resolved {
    const candidates = target.catalog.tables.filter((t) => t.name === name && (!schema || t.schema === schema));
    const dot = name.indexOf('.');
    // `schema.table` in the name, when no table is called that.
    if (candidates.length === 0 && !schema && dot > 0) return this.#resolve(target, name.slice(dot + 1), name.slice(0, dot));
    if (candidates.length === 0) throw notVisible(schema ? `${schema}.${name}` : name);
    const decided = candidates.map((table) => this.#readAccess(target, table));
    const onPath = (pool: Resolved[]) => pool.filter((d) => target.gateCatalog.searchPath.includes(d.table.schema));
    const readable = decided.filter((d) => d.readable.length > 0);
    // Nothing of it readable: any one of them goes to the gate, which refuses it.
    if (readable.length === 0) return (onPath(decided)[0] ?? decided[0]) as Resolved;
    const chosen = readable.length === 1 ? readable : onPath(readable);
    if (chosen.length !== 1) {
      throw new AppError(ErrorCode.BAD_USER_INPUT, `"${name}" is in several schemas (${readable.map((d) => d.table.schema).join(', ')}); give the schema.`, {
        field: 'schema',
      });
    }
    return chosen[0] as Resolved;
  }

  /** What the grants let the caller read of one table, decided as the gate decides a read of every column. */
  #readAccess(target: Target, table: CatalogTable): Resolved {
    const name = `${table.schema}.${table.name}`;
    const decision = authorize(
      target.rules,
      { tables: [{ schema: table.schema, table: table.name, actions: ['READ'], columns: table.columns.map((c) => ({ column: c.name, actions: ['READ'] })) }] },
      this.now(),
      relationGraph(target.catalog.tables),
    );
    const denied = new Set(decision.denied.map((d) => d.resource));
    const readable = denied.has(name) ? [] : table.columns.filter((c) => !denied.has(`${name}.${c.name}`)).map((c) => c.name);
    const policy = decision.policies.find((p) => p.schema === table.schema && p.table === table.name);
    return { table, readable, masked: new Set(Object.keys(policy?.masks ?? {})), filtered: policy?.rowFilter !== undefined && policy.rowFilter !== null };
  }

  #columnsToProfile(found: Resolved, requested: readonly string[] | null | undefined): string[] {
    const { table } = found;
    if (requested === null || requested === undefined) {
      // Every column it may read; a table it may read nothing of is asked for whole, and refused by the gate.
      return found.readable.length > 0 ? found.readable : table.columns.map((c) => c.name);
    }
    const unique = [...new Set(requested)];
    for (const column of unique) if (!table.columns.some((c) => c.name === column)) throw noColumn(table, column);
    return unique;
  }

  /**
   * The profiles of one catalog read: the most recently used within 1,000 and 4 million characters (as
   * JSON), each for `cacheTtlMs` by this service's clock.
   */
  #cacheOf(catalog: Catalog): LRUCache<string, CachedProfile> {
    let cache = this.#profiles.get(catalog);
    if (!cache) {
      cache = new LRUCache<string, CachedProfile>({
        max: 1_000,
        maxSize: 4_000_000,
        sizeCalculation: (profile) => Math.max(1, JSON.stringify(profile, (_, value: unknown) => (typeof value === 'bigint' ? String(value) : value)).length),
        // At least 1 ms: to lru-cache, 0 would mean "for ever".
        ttl: Math.max(1, this.#settings.cacheTtlMs),
        // The service's clock, read each time (no rounding), so a clock moved by a test is seen at once.
        perf: { now: () => this.now().getTime() },
        ttlResolution: 0,
      });
      this.#profiles.set(catalog, cache);
    }
    return cache;
  }

  async #profile(caller: Caller, target: Target, found: Resolved, columns: string[]): Promise<Omit<TableProfile, 'cached'>> {
    const { table } = found;
    const q = quoter(target.dialect);
    const from = `${q(table.schema)}.${q(table.name)}`;
    const limit = this.#settings.sampleRows;
    const sample =
      columns.length === 0
        ? undefined
        : await this.queries.runQuery(caller, target.databaseId, `select ${columns.map(q).join(', ')} from ${from} limit ${limit}`, [], limit, {
            readsOnly: true,
            action: 'tableProfile.sample',
            timeoutMs: this.#settings.timeoutMs,
          });
    const rowsSampled = sample?.rowCount ?? 0;
    // A sample that stopped short of its limit on its own read every row: that is the count.
    const whole = sample !== undefined && !sample.truncated && rowsSampled < limit;
    const { rowCount, basis } = whole ? { rowCount: rowsSampled, basis: 'COUNT' as const } : await this.#count(caller, target, found, from);
    const sampleComplete = sample !== undefined && basis === 'COUNT' && rowsSampled >= (rowCount ?? Number.POSITIVE_INFINITY);
    const typeOf = new Map(table.columns.map((c) => [c.name, c.dataType]));
    const resultType = new Map((sample?.columns ?? []).map((c) => [c.name, c.dataType]));
    return {
      schema: table.schema,
      table: table.name,
      rowCount,
      rowCountBasis: basis,
      rowsSampled,
      sampleLimit: limit,
      sampleComplete,
      columns: columns.map((name) => {
        const masked = found.masked.has(name);
        // A masked column's type is what the mask gives, as the result reports it.
        const dataType = (masked ? resultType.get(name) : undefined) ?? typeOf.get(name) ?? 'unknown';
        const values = (sample?.rows ?? []).map((row) => row[name]);
        return { name, dataType, masked, ...columnStats(values, { totalRows: basis === 'COUNT' ? rowCount : null, dataType, topValues: this.#settings.topValues }) };
      }),
      computedAt: this.now(),
    };
  }

  /** The rows the caller may see, counted within the count timeout, else the planner's estimate of them. */
  async #count(caller: Caller, target: Target, found: Resolved, from: string): Promise<{ rowCount: number | null; basis: RowCountBasis }> {
    try {
      const counted = await this.queries.runQuery(caller, target.databaseId, `select count(*) as row_count from ${from}`, [], 1, {
        readsOnly: true,
        action: 'tableProfile.count',
        timeoutMs: this.#settings.countTimeoutMs,
      });
      return { rowCount: Number(counted.rows[0]?.row_count), basis: 'COUNT' };
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== ErrorCode.QUERY_TIMEOUT) throw error;
    }
    try {
      const { plan } = await this.queries.explainQuery(caller, target.databaseId, `select 1 from ${from}`, []);
      const rows = target.dialect === 'postgres' ? postgresPlanEstimate(plan).rows : mysqlPlanEstimate(plan, null).rows;
      if (rows !== null) return { rowCount: Math.round(rows), basis: 'ESTIMATE' };
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
    }
    // The catalog's estimate is of the whole table: only when no row filter narrows what the caller sees.
    if (!found.filtered && found.table.rowEstimate !== null) return { rowCount: found.table.rowEstimate, basis: 'ESTIMATE' };
    return { rowCount: null, basis: 'UNKNOWN' };
  }

  /** Runs `work` and records one audit event for the call, whatever happens (a cached answer too). */
  async #audited<T>(caller: Caller, action: string, databaseId: string, work: (note: Note) => Promise<T>): Promise<T> {
    const started = performance.now();
    const note: Note = {};
    const record = (decision: AuditEvent['decision'], reason: NonNullable<AuditEvent['reasons']>[number] | null) => {
      const principal = caller.principal;
      this.audit.record({
        occurredAt: this.now(),
        requestId: caller.requestId,
        ...auditedPrincipal(principal),
        action,
        databaseId,
        decision,
        reasons: reason ? [reason] : null,
        statementFingerprint: null,
        tables: note.table ? [note.table] : null,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
        rowCount: null,
        details: note.cached === undefined ? null : { cached: note.cached },
      });
    };
    try {
      const result = await work(note);
      record('ALLOWED', null);
      return result;
    } catch (error) {
      const app = error instanceof AppError ? error : undefined;
      record(app && REFUSALS.has(app.code) ? 'DENIED' : 'FAILED', {
        code: app?.code ?? ErrorCode.INTERNAL,
        message: app?.message ?? 'unexpected error',
        ...(app?.details?.denied ? { denied: app.details.denied as { resource: string; needed: string; reason: string }[] } : {}),
      });
      throw error;
    }
  }
}

interface Resolved {
  table: CatalogTable;
  /** Columns the caller may read, in table order. */
  readable: string[];
  masked: ReadonlySet<string>;
  /** A row filter narrows the rows it sees. */
  filtered: boolean;
}

interface Note {
  table?: string;
  cached?: boolean;
}

/** The grants in force now, as a key: a grant given, revoked, changed or expired makes another. */
function rulesKey(target: Target, now: Date): string {
  const live = target.rules.filter((r) => isInForce(r, now));
  return createHash('sha256').update(JSON.stringify(live)).digest('base64url');
}

function quoter(dialect: 'postgres' | 'mysql'): (name: string) => string {
  return dialect === 'postgres' ? (name) => `"${name.replaceAll('"', '""')}"` : (name) => `\`${name.replaceAll('`', '``')}\``;
}

function noColumn(table: CatalogTable, column: string): AppError {
  return new AppError(ErrorCode.BAD_USER_INPUT, `${table.schema}.${table.name} has no column "${column}".`, { field: 'columns' });
}

function notVisible(name: string): AppError {
  return new AppError(ErrorCode.NOT_FOUND, `No table "${name}" that you may use is in this database; Database.tables (list_tables over MCP) shows those you may.`, {
    field: 'table',
  });
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
