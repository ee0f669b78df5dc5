/**
 * What the SQL gate learns about one statement, the same for every dialect. Pure data: the policy
 * decides on it (src/policy), the rewriter acts on it, the audit log records it.
 */

import type { SqlDialect } from '../../plugins/drivers/driver.js';

/** Declared by each driver (DatabaseDriver.sqlDialect); the gate for a database is the one of its dialect. */
export type { SqlDialect };

/** What a statement does to a table. */
export type TableAction = 'READ' | 'INSERT' | 'UPDATE' | 'DELETE';

export interface ColumnUse {
  column: string;
  /** READ for a column read anywhere (select list, WHERE, JOIN, ORDER BY, RETURNING…); INSERT/UPDATE for columns written. */
  actions: TableAction[];
}

export interface TableUse {
  /** Resolved schema: for Postgres the first schema of the search path holding the table; for MySQL the database. */
  schema: string;
  table: string;
  actions: TableAction[];
  /** Every column touched, `*` expanded from the catalog. */
  columns: ColumnUse[];
}

export interface StatementAnalysis {
  dialect: SqlDialect;
  /** READ: SELECT, VALUES, TABLE, EXPLAIN of a read. WRITE: INSERT, UPDATE, DELETE, MERGE, or a read with a data-modifying CTE. */
  kind: 'READ' | 'WRITE';
  /** The top statement's type: SELECT, INSERT, UPDATE, DELETE, MERGE, EXPLAIN, VALUES. */
  statementType: string;
  tables: TableUse[];
  /** Every function called, lower-case, schema-qualified when written so (`pg_catalog.lower`). */
  functions: string[];
  /** Same for the same statement shape whatever its literals: for the audit log and rate baselines. */
  fingerprint: string;
}

/** A table (or view) as the gate knows it: where it is and its columns, in order. */
export interface GateTable {
  schema: string;
  name: string;
  columns: string[];
}

/** What the gate needs to know of the database: which tables exist and their columns, in order. */
export interface GateCatalog {
  /** Postgres: schemas searched for unqualified names, in order (e.g. ['public']). MySQL: [the database]. */
  searchPath: string[];
  tables: GateTable[];
}

/** How to narrow one table for the asking agent, applied by rewriting the statement. */
export interface TablePolicy {
  schema: string;
  table: string;
  /** A predicate over the table's own columns; rows failing it are invisible. Already checked by the gate. */
  rowFilter?: string | undefined;
  /** Column → SQL expression shown instead of its value (e.g. `'***'`, `left(email, 2) || '…'`). */
  masks?: Record<string, string> | undefined;
}
