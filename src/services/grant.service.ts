import { LRUCache } from 'lru-cache';
import type { CatalogTable } from '../../plugins/drivers/catalog.js';
import { isAdmin, type Principal } from '../auth/principal.js';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { newId } from '../ids.js';
import { previewAccess, type TableAccess } from '../policy/access-preview.js';
import type { GrantRule } from '../policy/grant-rules.js';
import { relationGraph } from '../policy/relation-graph.js';
import { visibleConstraints, type VisibleColumns } from '../policy/table-constraints.js';
import type { Store } from '../store/open-store.js';
import type { GrantRecord } from '../store/repositories/index.js';
import type { GrantAction, GrantScope } from '../store/store-schema.js';
import type { GateTable } from '../sql/analysis.js';
import type { SqlGate } from '../sql/gate.js';
import type { CatalogService } from './catalog.service.js';
import { decodeCursor, pageSize, toConnection, type Connection } from './connection.js';
import { toGrant, type Grant } from './models.js';
import type { SqlSpeaker } from './sql-gate.service.js';

export interface GrantInput {
  agentId: string;
  databaseId: string;
  scope: GrantScope;
  schema?: string | null | undefined;
  table?: string | null | undefined;
  columns?: string[] | null | undefined;
  actions: GrantAction[];
  rowFilter?: string | null | undefined;
  columnMasks?: { column: string; expression: string }[] | null | undefined;
  rowCap?: number | null | undefined;
  maxCost?: number | null | undefined;
  maxEstimatedRows?: number | null | undefined;
  expiresAt?: Date | null | undefined;
}

/** Checks the SQL an admin writes into a grant (row filters, masks) with the SQL gate of the database's dialect. */
export interface ConditionChecker {
  for(driver: SqlSpeaker): Pick<SqlGate, 'checkRowFilter' | 'checkMask'>;
}

export class GrantService {
  /**
   * Rules by `agentId/databaseId`, the 10,000 most recently used, for 10 s; dropped whenever a grant of
   * that agent changes (the time bounds how long a change on another replica can go unseen).
   */
  readonly #rules = new LRUCache<string, GrantRule[]>({ max: 10_000, ttl: 10_000 });
  readonly #changeListeners: ((agentId: string) => void)[] = [];

  constructor(
    private readonly store: Store,
    private readonly catalog: CatalogService,
    private readonly conditions: ConditionChecker,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async grant(input: GrantInput, grantedBy: string): Promise<Grant> {
    const agent = await this.store.repos.agents.findById(input.agentId);
    if (!agent) throw new AppError(ErrorCode.NOT_FOUND, `No agent has the id "${input.agentId}".`, { field: 'agentId' });
    if (agent.status !== 'ACTIVE') throw new AppError(ErrorCode.CONFLICT, 'This agent is revoked; it cannot be granted anything.', { field: 'agentId' });
    const database = await this.store.repos.databases.findById(input.databaseId);
    if (!database) throw new AppError(ErrorCode.NOT_FOUND, `No database has the id "${input.databaseId}".`, { field: 'databaseId' });

    const actions = [...new Set(input.actions)];
    if (actions.length === 0) throw bad('Name at least one action (READ, INSERT, UPDATE, DELETE or ALL).', 'actions');
    if (input.rowCap !== undefined && input.rowCap !== null && (!Number.isInteger(input.rowCap) || input.rowCap < 1)) {
      throw bad('rowCap must be a whole number of rows, 1 or more.', 'rowCap');
    }
    if (input.maxCost !== undefined && input.maxCost !== null && !(Number.isFinite(input.maxCost) && input.maxCost > 0)) {
      throw bad('maxCost must be a number above 0.', 'maxCost');
    }
    if (input.maxEstimatedRows !== undefined && input.maxEstimatedRows !== null && (!Number.isSafeInteger(input.maxEstimatedRows) || input.maxEstimatedRows < 1)) {
      throw bad('maxEstimatedRows must be a whole number of rows, 1 or more.', 'maxEstimatedRows');
    }
    if (input.expiresAt && input.expiresAt <= this.now()) throw bad('expiresAt must be in the future.', 'expiresAt');

    const target = await this.#target(input);
    const masks = input.columnMasks ?? [];
    const needsTable = Boolean(input.rowFilter) || masks.length > 0;
    if (needsTable && !target.table) throw bad('Row filters and column masks belong to one table: use scope TABLE or COLUMNS.', 'scope');
    if (target.table && needsTable) {
      const table: GateTable = { schema: target.table.schema, name: target.table.name, columns: target.table.columns.map((c) => c.name) };
      const gate = this.conditions.for({ engine: database.engine, sqlDialect: this.catalog.sqlDialectOf(database.id) });
      if (input.rowFilter) await gate.checkRowFilter(input.rowFilter, table);
      for (const mask of masks) {
        if (!table.columns.includes(mask.column)) throw bad(`The table has no column "${mask.column}" to mask.`, 'columnMasks');
        await gate.checkMask(mask.expression, table);
      }
    }
    const record = await this.store.transaction((repos) => repos.grants.insert({
      id: newId('Grant'),
      agentId: agent.id,
      databaseId: database.id,
      scope: input.scope,
      schemaName: target.schema,
      tableName: target.table?.name ?? null,
      columns: JSON.stringify(input.scope === 'COLUMNS' ? target.columns : null),
      actions: JSON.stringify(actions),
      rowFilter: input.rowFilter?.trim() || null,
      columnMasks: JSON.stringify(masks.length > 0 ? Object.fromEntries(masks.map((m) => [m.column, m.expression.trim()])) : null),
      rowCap: input.rowCap ?? null,
      maxCost: input.maxCost ?? null,
      maxEstimatedRows: input.maxEstimatedRows ?? null,
      expiresAt: input.expiresAt ?? null,
      createdBy: grantedBy,
      revokedAt: null,
    }));
    this.#changed(record.agentId);
    return toGrant(record);
  }

  async revoke(id: string): Promise<Grant> {
    const revoked = await this.store.transaction((repos) => repos.grants.revoke(id, this.now()));
    if (revoked) {
      this.#changed(revoked.agentId);
      return toGrant(revoked);
    }
    const existing = await this.store.repos.grants.findById(id);
    if (!existing) throw new AppError(ErrorCode.NOT_FOUND, `No grant has the id "${id}".`);
    return toGrant(existing);
  }

  async list(filter: { agentId?: string | undefined; databaseId?: string | undefined }, first?: number | null, after?: string | null): Promise<Connection<Grant>> {
    const limit = pageSize(first);
    const position = after ? decodeCursor(after) : undefined;
    const [page, total] = await Promise.all([
      this.store.repos.grants.list(filter, this.now(), limit, position),
      this.store.repos.grants.count(filter, this.now()),
    ]);
    return toConnection(page, total, position !== undefined, (r) => ({ createdAt: r.createdAt, id: r.id }), toGrant);
  }

  /** The grants of one agent on one database, as the decision function takes them (expiry is checked there). */
  async rulesFor(agentId: string, databaseId: string): Promise<GrantRule[]> {
    const cacheKey = `${agentId}/${databaseId}`;
    const cached = this.#rules.get(cacheKey);
    if (cached) return cached;
    const rows = await this.store.repos.grants.listActiveForAgents([agentId], this.now());
    const rules = rows.filter((r) => r.databaseId === databaseId).map(toRule);
    this.#rules.set(cacheKey, rules);
    return rules;
  }

  /** Forgets cached rules of an agent (all agents without one): after any change to its grants. */
  forget(agentId?: string): void {
    if (!agentId) {
      this.#rules.clear();
      return;
    }
    // Collected first: the cache is not changed while it is walked.
    const doomed = [...this.#rules.keys()].filter((key) => key.startsWith(`${agentId}/`));
    for (const key of doomed) this.#rules.delete(key);
  }

  /** Called after an agent's grants change here, so other replicas can forget them too. */
  onChanged(listener: (agentId: string) => void): void {
    this.#changeListeners.push(listener);
  }

  #changed(agentId: string): void {
    this.forget(agentId);
    for (const listener of this.#changeListeners) listener(agentId);
  }

  /**
   * Every table of the database as this agent would find it (the same decision function as the gate).
   * An admin sees the whole matrix, tables out of reach included; an agent previewing itself sees only
   * what it may use (tables and columns with some action, and of what views read only those), as
   * Database.tables and list_tables show it, and a database it has no grant on does not exist for it.
   */
  async preview(principal: Principal, agentId: string, databaseId: string): Promise<TableAccess[]> {
    const admin = isAdmin(principal);
    if (!admin && !(principal.kind === 'agent' && principal.agentId === agentId)) {
      throw new AppError(ErrorCode.FORBIDDEN, 'You may preview only your own access.');
    }
    if (!(await this.store.repos.agents.findById(agentId))) throw new AppError(ErrorCode.NOT_FOUND, `No agent has the id "${agentId}".`);
    const rules = await this.rulesFor(agentId, databaseId);
    if (!admin && rules.length === 0) throw new AppError(ErrorCode.NOT_FOUND, `No database with the id "${databaseId}" is visible to you.`);
    if (!(await this.store.repos.databases.findById(databaseId))) throw new AppError(ErrorCode.NOT_FOUND, `No database has the id "${databaseId}".`);
    const catalog = await this.catalog.get(databaseId);
    const access = this.#access(rules, catalog.tables, catalog.tables);
    if (admin) return access;
    const usable = access.filter((t) => t.actions.length > 0);
    const visible = new Set(usable.map((t) => `${t.schema}.${t.table}`));
    return usable.map((t) => ({
      ...t,
      columns: t.columns.filter((c) => c.actions.length > 0),
      reads: t.reads.filter((name) => visible.has(name)),
      exposes: t.exposes.filter((name) => visible.has(name)),
    }));
  }

  /**
   * The catalog as this agent may see it: tables it can reach at all, and in each only the columns
   * it can touch. Admins see everything. `tables` may be part of the database's catalog; views are
   * followed through the whole of it.
   */
  async visibleTables(principal: Principal, databaseId: string, tables: readonly CatalogTable[]): Promise<CatalogTable[]> {
    if (isAdmin(principal)) return [...tables];
    if (principal.kind !== 'agent') return [];
    const [rules, catalog] = await Promise.all([this.rulesFor(principal.agentId, databaseId), this.catalog.get(databaseId)]);
    // The tables foreign keys point to are decided too: a constraint is shown only when its target is visible.
    const targets = referencedTables(tables, catalog.tables);
    const access = this.#access(rules, [...tables, ...targets], catalog.tables);
    const visible = new Map<string, Set<string>>();
    access.forEach((seen) => {
      if (seen.actions.length > 0) visible.set(`${seen.schema}.${seen.table}`, new Set(seen.columns.filter((c) => c.actions.length > 0).map((c) => c.column)));
    });
    const columnsOf: VisibleColumns = (schema, table) => visible.get(`${schema}.${table}`);
    return tables.flatMap((table) => {
      const columns = columnsOf(table.schema, table.name);
      if (!columns) return [];
      // Keys and indexes name their columns (an index often in its name too): each is shown only when
      // every column it is made of, and for a foreign key the table and columns it points to, is visible.
      const seen = (names: readonly string[]) => names.length > 0 && names.every((name) => columns.has(name));
      return [
        {
          ...table,
          columns: table.columns.filter((c) => columns.has(c.name)),
          primaryKey: seen(table.primaryKey) ? table.primaryKey : [],
          foreignKeys: table.foreignKeys.filter((fk) => {
            const target = columnsOf(fk.referencedSchema, fk.referencedTable);
            return seen(fk.columns) && target !== undefined && fk.referencedColumns.every((name) => target.has(name));
          }),
          indexes: table.indexes.filter((index) => seen(index.columns)),
          constraints: visibleConstraints(table, columnsOf),
        },
      ];
    });
  }

  /** The decision on each of `tables`, following views through the whole catalog (`all`). */
  #access(rules: GrantRule[], tables: readonly CatalogTable[], all: readonly CatalogTable[]): TableAccess[] {
    const shapes = tables.map((t) => ({ schema: t.schema, name: t.name, columns: t.columns.map((c) => c.name) }));
    return previewAccess(rules, shapes, this.now(), relationGraph(all));
  }

  async #target(input: GrantInput): Promise<{ schema: string | null; table: CatalogTable | null; columns: string[] }> {
    if (input.scope === 'DATABASE') {
      if (input.schema || input.table || input.columns?.length) throw bad('A DATABASE grant names no schema, table or columns.', 'scope');
      return { schema: null, table: null, columns: [] };
    }
    const catalog = await this.catalog.get(input.databaseId);
    if (input.scope === 'SCHEMA') {
      if (!input.schema) throw bad('A SCHEMA grant needs schema.', 'schema');
      if (!catalog.schemas.includes(input.schema)) throw bad(`The database has no schema "${input.schema}".`, 'schema');
      if (input.table || input.columns?.length) throw bad('A SCHEMA grant names no table or columns.', 'scope');
      return { schema: input.schema, table: null, columns: [] };
    }
    if (!input.table) throw bad(`A ${input.scope} grant needs table.`, 'table');
    const matches = catalog.tables.filter((t) => t.name === input.table && (!input.schema || t.schema === input.schema));
    if (matches.length === 0) throw bad(`The database has no table "${input.schema ? `${input.schema}.` : ''}${input.table}" (refreshCatalog if it is new).`, 'table');
    if (matches.length > 1) throw bad(`"${input.table}" is in several schemas (${matches.map((t) => t.schema).join(', ')}); give schema.`, 'schema');
    const table = matches[0] as CatalogTable;
    const columns = [...new Set(input.columns ?? [])];
    if (input.scope === 'COLUMNS') {
      if (columns.length === 0) throw bad('A COLUMNS grant needs columns.', 'columns');
      const unknown = columns.filter((c) => !table.columns.some((col) => col.name === c));
      if (unknown.length > 0) throw bad(`The table has no column ${unknown.map((c) => `"${c}"`).join(', ')}.`, 'columns');
    } else if (columns.length > 0) {
      throw bad('A TABLE grant covers every column; use scope COLUMNS to name some.', 'columns');
    }
    return { schema: table.schema, table, columns };
  }
}

/** The tables of `all` that foreign keys of `tables` refer to, and that are not among `tables`. */
function referencedTables(tables: readonly CatalogTable[], all: readonly CatalogTable[]): CatalogTable[] {
  const named = new Set(tables.map((t) => `${t.schema}.${t.name}`));
  const wanted = new Set(tables.flatMap((t) => t.foreignKeys.map((fk) => `${fk.referencedSchema}.${fk.referencedTable}`)).filter((name) => !named.has(name)));
  return wanted.size === 0 ? [] : all.filter((t) => wanted.has(`${t.schema}.${t.name}`));
}

export function toRule(r: GrantRecord): GrantRule {
  return {
    id: r.id,
    scope: r.scope,
    schema: r.schemaName,
    table: r.tableName,
    columns: r.columns,
    actions: r.actions,
    rowFilter: r.rowFilter,
    masks: r.columnMasks ?? {},
    rowCap: r.rowCap,
    maxCost: r.maxCost,
    maxEstimatedRows: r.maxEstimatedRows,
    expiresAt: r.expiresAt,
  };
}

function bad(message: string, field: string): AppError {
  return new AppError(ErrorCode.BAD_USER_INPUT, message, { field });
}
