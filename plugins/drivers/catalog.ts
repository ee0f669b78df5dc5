/** What a driver reports about a database's structure. Plain data: cached, compared, sent to clients. */

export type RelationKind = 'TABLE' | 'VIEW' | 'MATERIALIZED_VIEW' | 'COLLECTION';

export interface CatalogColumn {
  name: string;
  /** 1-based position in the table. */
  position: number;
  /** The engine's own type name (`integer`, `varchar(255)`, `numeric(10,2)`; for MongoDB the BSON types seen, e.g. `string|null`). */
  dataType: string;
  nullable: boolean;
  /** The default as the engine prints it, or null. */
  defaultValue: string | null;
  comment: string | null;
}

export interface CatalogForeignKey {
  name: string;
  columns: string[];
  referencedSchema: string;
  referencedTable: string;
  referencedColumns: string[];
}

export interface CatalogIndex {
  name: string;
  columns: string[];
  unique: boolean;
  primary: boolean;
}

/** What a constraint is: the table's primary key, a unique constraint, a CHECK, or a foreign key. */
export type ConstraintKind = 'PRIMARY_KEY' | 'UNIQUE' | 'CHECK' | 'FOREIGN_KEY';

export interface CatalogConstraint {
  name: string;
  kind: ConstraintKind;
  /** The columns it involves; for a CHECK, every column its expression names (more, never fewer). */
  columns: string[];
  /** CHECK only: the expression as the engine prints it. */
  definition?: string | null;
  /** FOREIGN_KEY only: what it refers to. */
  referencedSchema?: string;
  referencedTable?: string;
  referencedColumns?: string[];
}

/** A relation a view's definition reads, and which of its columns. */
export interface CatalogRelationRead {
  schema: string;
  name: string;
  /** The columns read; null when the definition reads every column (a whole-row reference, `count(*)`). */
  columns: string[] | null;
}

export interface CatalogTable {
  /** Schema (Postgres), database (MySQL/MariaDB) or database (MongoDB). */
  schema: string;
  name: string;
  kind: RelationKind;
  comment: string | null;
  /** The engine's estimate, not a count; null when it has none. */
  rowEstimate: number | null;
  columns: CatalogColumn[];
  primaryKey: string[];
  foreignKeys: CatalogForeignKey[];
  indexes: CatalogIndex[];
  /**
   * Primary key, unique, check and foreign key constraints. Absent when the driver does not report
   * them: they are then worked out from primaryKey, the unique indexes and foreignKeys (no CHECKs).
   */
  constraints?: CatalogConstraint[];
  /**
   * Views and materialized views: the relations their definition reads directly (a view over a view
   * names the view). An empty list: it reads none. null, or absent on a view: the driver cannot tell,
   * and a grant on the view's schema or database does not reach it. Absent on tables.
   */
  reads?: CatalogRelationRead[] | null;
  /**
   * A view's definition as the engine stores it, when the driver reports that rather than `reads`: the
   * catalog service works `reads` out from it with the engine's SQL gate, then drops it.
   */
  definition?: string;
}

export interface Catalog {
  schemas: string[];
  /** Schemas an unqualified table name is looked up in, in order, as the connection sees them (SQL engines). */
  searchPath?: string[];
  tables: CatalogTable[];
}
