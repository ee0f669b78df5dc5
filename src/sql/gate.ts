import type { Catalog } from '../../plugins/drivers/catalog.js';
import type { GateCatalog, GateTable, SqlDialect, StatementAnalysis, TablePolicy } from './analysis.js';

/**
 * The SQL gate of one dialect (DESIGN.md, "The SQL gate"): everything Warden does with a statement's
 * text before a database sees it. One implementation per dialect, each a small factory in its own
 * folder (src/sql/postgres/postgres-gate.ts, src/sql/mysql/mysql-gate.ts) assembling that dialect's
 * parser, analyser, rewriter and policy checks; `sqlGateFor` (gates.ts) picks one by the dialect a
 * database's driver declares. Pure: no I/O. Every method throws AppError only: SQL_SYNTAX with the
 * parser's position, SQL_NOT_ALLOWED with a reason, BAD_USER_INPUT for a bad row cap.
 */
export interface SqlGate {
  readonly dialect: SqlDialect;

  /**
   * What the gate needs of an introspected catalog: each table's columns, in order, and where an
   * unqualified name is looked up (Postgres: the connection's search_path; MySQL: its database).
   */
  catalogOf(catalog: Catalog): GateCatalog;

  /** Parses one statement, classifies it (read or write) and resolves every table, column and function it touches. */
  analyse(sql: string, catalog: GateCatalog): Promise<StatementAnalysis>;

  /**
   * The analysed statement as it runs for an agent: each read of a table with a policy narrowed to the
   * rows its row filter lets through and shown through its masks, writes kept to those rows, and a
   * read's rows capped at `rowCap + 1` (the extra row tells the driver the result was cut).
   */
  rewrite(sql: string, analysis: StatementAnalysis, catalog: GateCatalog, policies: readonly TablePolicy[], rowCap?: number): Promise<string>;

  /** The statement that asks the planner for `sql`'s plan, as JSON, without running it. */
  explain(sql: string): string;

  /** Checks a row filter before it is stored: one predicate over the table's own columns, allowed scalar functions only. */
  checkRowFilter(predicate: string, table: GateTable): Promise<void>;

  /** Checks a column mask before it is stored: one expression over the table's own columns, as a row filter is checked. */
  checkMask(expression: string, table: GateTable): Promise<void>;
}

/** The catalog's tables and views as every gate knows them: where each is and its columns, in order. */
export function gateTables(catalog: Pick<Catalog, 'tables'>): GateTable[] {
  return catalog.tables.map((t) => ({ schema: t.schema, name: t.name, columns: t.columns.map((c) => c.name) }));
}
