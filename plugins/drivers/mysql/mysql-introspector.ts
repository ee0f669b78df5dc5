import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
import type { Catalog, CatalogColumn, CatalogConstraint, CatalogForeignKey, CatalogIndex, CatalogTable } from '../catalog.js';

/**
 * The catalog of one MySQL/MariaDB database in six queries against information_schema, however many
 * tables it has. A view comes with its definition as the server stores it (every name qualified),
 * from which the catalog service works out what it reads: MariaDB has no VIEW_TABLE_USAGE. Every selected column is aliased in lower case: MySQL 8 returns information_schema
 * column names in upper case whatever the query says, MariaDB as written.
 */

const TABLES_SQL = `
SELECT TABLE_NAME AS table_name, TABLE_TYPE AS table_type, TABLE_ROWS AS table_rows, TABLE_COMMENT AS table_comment
FROM information_schema.TABLES
WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED', 'VIEW')`;

const COLUMNS_SQL = `
SELECT TABLE_NAME AS table_name, COLUMN_NAME AS column_name, ORDINAL_POSITION AS ordinal_position,
       COLUMN_TYPE AS column_type, IS_NULLABLE AS is_nullable, COLUMN_DEFAULT AS column_default,
       COLUMN_COMMENT AS column_comment
FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = ?`;

const INDEXES_SQL = `
SELECT TABLE_NAME AS table_name, INDEX_NAME AS index_name, NON_UNIQUE AS non_unique,
       SEQ_IN_INDEX AS seq_in_index, COLUMN_NAME AS column_name
FROM information_schema.STATISTICS
WHERE TABLE_SCHEMA = ?`;

const FOREIGN_KEYS_SQL = `
SELECT k.TABLE_NAME AS table_name, k.CONSTRAINT_NAME AS constraint_name, k.ORDINAL_POSITION AS ordinal_position,
       k.COLUMN_NAME AS column_name, k.REFERENCED_TABLE_SCHEMA AS referenced_schema,
       k.REFERENCED_TABLE_NAME AS referenced_table, k.REFERENCED_COLUMN_NAME AS referenced_column
FROM information_schema.KEY_COLUMN_USAGE k
JOIN information_schema.REFERENTIAL_CONSTRAINTS r
  ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME
WHERE k.TABLE_SCHEMA = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL`;

/** Empty for a view the connecting user may not SHOW VIEW. */
const VIEWS_SQL = `
SELECT TABLE_NAME AS table_name, VIEW_DEFINITION AS view_definition
FROM information_schema.VIEWS
WHERE TABLE_SCHEMA = ?`;

/**
 * CHECK constraints. MariaDB names a column's own CHECK after the column, so its names are unique per
 * table only and CHECK_CONSTRAINTS says the table; MySQL 8 (names unique per database) says it through
 * TABLE_CONSTRAINTS. A server older than CHECK_CONSTRAINTS (MySQL 5.7) has none to report.
 */
const MARIADB_CHECKS_SQL = `
SELECT TABLE_NAME AS table_name, CONSTRAINT_NAME AS constraint_name, CHECK_CLAUSE AS check_clause
FROM information_schema.CHECK_CONSTRAINTS
WHERE CONSTRAINT_SCHEMA = ?`;

const MYSQL_CHECKS_SQL = `
SELECT t.TABLE_NAME AS table_name, c.CONSTRAINT_NAME AS constraint_name, c.CHECK_CLAUSE AS check_clause
FROM information_schema.CHECK_CONSTRAINTS c
JOIN information_schema.TABLE_CONSTRAINTS t
  ON t.CONSTRAINT_SCHEMA = c.CONSTRAINT_SCHEMA AND t.CONSTRAINT_NAME = c.CONSTRAINT_NAME AND t.CONSTRAINT_TYPE = 'CHECK'
WHERE c.CONSTRAINT_SCHEMA = ?`;

/** ER_UNKNOWN_TABLE: information_schema has no such table on this server. */
const UNKNOWN_TABLE = 1109;

interface CheckRow extends RowDataPacket {
  table_name: string;
  constraint_name: string;
  check_clause: string;
}

interface ViewRow extends RowDataPacket {
  table_name: string;
  view_definition: string | null;
}

interface TableRow extends RowDataPacket {
  table_name: string;
  table_type: string;
  table_rows: number | string | null;
  table_comment: string | null;
}

interface ColumnRow extends RowDataPacket {
  table_name: string;
  column_name: string;
  ordinal_position: number | string;
  column_type: string;
  is_nullable: string;
  column_default: string | null;
  column_comment: string | null;
}

interface IndexRow extends RowDataPacket {
  table_name: string;
  index_name: string;
  non_unique: number | string;
  seq_in_index: number | string;
  column_name: string | null;
}

interface ForeignKeyRow extends RowDataPacket {
  table_name: string;
  constraint_name: string;
  ordinal_position: number | string;
  column_name: string;
  referenced_schema: string;
  referenced_table: string;
  referenced_column: string;
}

export interface IntrospectOptions {
  database: string;
  /**
   * MariaDB (10.2.7+) reports COLUMN_DEFAULT as an SQL expression: a string default quoted ('abc'), no
   * default on a nullable column as the word NULL. MySQL reports the bare value, and SQL NULL as null.
   */
  mariaDb: boolean;
}

export async function introspectDatabase(connection: PoolConnection, options: IntrospectOptions): Promise<Catalog> {
  const { database } = options;
  const [tableRows] = await connection.query<TableRow[]>(TABLES_SQL, [database]);
  const [columnRows] = await connection.query<ColumnRow[]>(COLUMNS_SQL, [database]);
  const [indexRows] = await connection.query<IndexRow[]>(INDEXES_SQL, [database]);
  const [foreignKeyRows] = await connection.query<ForeignKeyRow[]>(FOREIGN_KEYS_SQL, [database]);
  const [viewRows] = await connection.query<ViewRow[]>(VIEWS_SQL, [database]);
  const checkRows = await connection.query<CheckRow[]>(options.mariaDb ? MARIADB_CHECKS_SQL : MYSQL_CHECKS_SQL, [database]).then(
    ([rows]) => rows,
    (error: unknown) => {
      if ((error as { errno?: unknown }).errno === UNKNOWN_TABLE) return [] as CheckRow[];
      throw error;
    },
  );
  const definitions = new Map(viewRows.map((row) => [row.table_name, row.view_definition ?? '']));

  const tables = new Map<string, CatalogTable>();
  for (const row of tableRows) {
    const kind = row.table_type === 'VIEW' ? 'VIEW' : 'TABLE';
    tables.set(row.table_name, {
      schema: database,
      name: row.table_name,
      kind,
      // Both engines put the word VIEW in a view's comment.
      comment: kind === 'VIEW' && row.table_comment === 'VIEW' ? null : emptyToNull(row.table_comment),
      rowEstimate: kind === 'VIEW' || row.table_rows === null ? null : Number(row.table_rows),
      columns: [],
      primaryKey: [],
      foreignKeys: [],
      indexes: [],
      // What a view reads is unknown (null) until its definition is resolved; without one it stays so.
      ...(kind === 'VIEW' ? { reads: null, ...(definitions.get(row.table_name) ? { definition: definitions.get(row.table_name) as string } : {}) } : {}),
    });
  }

  for (const row of columnRows) {
    tables.get(row.table_name)?.columns.push(toColumn(row, options.mariaDb));
  }

  for (const [tableName, indexes] of groupBy(indexRows, (r) => r.table_name)) {
    const table = tables.get(tableName);
    if (table === undefined) continue;
    for (const [indexName, parts] of groupBy(indexes, (r) => r.index_name)) {
      const columns = sortBy(parts, (p) => Number(p.seq_in_index)).map((p) => p.column_name ?? '(expression)');
      const primary = indexName === 'PRIMARY';
      table.indexes.push({ name: indexName, columns, unique: Number(parts[0]?.non_unique) === 0, primary });
      if (primary) table.primaryKey = columns;
    }
  }

  for (const [tableName, keys] of groupBy(foreignKeyRows, (r) => r.table_name)) {
    const table = tables.get(tableName);
    if (table === undefined) continue;
    for (const [name, parts] of groupBy(keys, (r) => r.constraint_name)) {
      const ordered = sortBy(parts, (p) => Number(p.ordinal_position));
      const first = ordered[0];
      if (first === undefined) continue;
      table.foreignKeys.push({
        name,
        columns: ordered.map((p) => p.column_name),
        referencedSchema: first.referenced_schema,
        referencedTable: first.referenced_table,
        referencedColumns: ordered.map((p) => p.referenced_column),
      } satisfies CatalogForeignKey);
    }
  }

  const checks = groupBy(checkRows, (r) => r.table_name);
  const sorted = [...tables.values()].sort((a, b) => compare(a.name, b.name));
  for (const table of sorted) {
    table.columns.sort((a, b) => a.position - b.position);
    table.indexes.sort(byIndexOrder);
    table.foreignKeys.sort((a, b) => compare(a.name, b.name));
    table.constraints = constraintsOf(table, checks.get(table.name) ?? []);
  }
  return { schemas: [database], tables: sorted };
}

/**
 * A MySQL table's constraints: its primary key and unique keys are its unique indexes, its foreign keys
 * as read, and its CHECKs with the columns their expression names.
 */
function constraintsOf(table: CatalogTable, checks: readonly CheckRow[]): CatalogConstraint[] {
  const constraints: CatalogConstraint[] = [
    ...table.indexes.filter((i) => i.unique).map((i): CatalogConstraint => ({ name: i.name, kind: i.primary ? 'PRIMARY_KEY' : 'UNIQUE', columns: i.columns })),
    ...table.foreignKeys.map((fk): CatalogConstraint => ({ kind: 'FOREIGN_KEY', ...fk })),
    ...checks.map((c): CatalogConstraint => ({
      name: c.constraint_name,
      kind: 'CHECK',
      columns: columnsNamedIn(c.check_clause, table.columns.map((col) => col.name)),
      definition: c.check_clause,
    })),
  ];
  return constraints.sort((a, b) => compare(a.name, b.name));
}

/**
 * The columns of `columns` an expression names: each `quoted` identifier and each bare word, compared
 * without case as MySQL compares column names. A word that is also a function name counts too: more
 * columns, never fewer, so a CHECK over a column the caller may not see is never shown as if it were not.
 */
export function columnsNamedIn(expression: string, columns: readonly string[]): string[] {
  const words = new Set<string>();
  for (const match of expression.matchAll(/`((?:[^`]|``)+)`|([\p{L}_$][\p{L}\p{N}_$]*)/gu)) {
    words.add((match[1]?.replaceAll('``', '`') ?? match[2] ?? '').toLowerCase());
  }
  return columns.filter((c) => words.has(c.toLowerCase()));
}

function toColumn(row: ColumnRow, mariaDb: boolean): CatalogColumn {
  const nullable = row.is_nullable === 'YES';
  const noDefault = row.column_default === null || (mariaDb && row.column_default === 'NULL');
  return {
    name: row.column_name,
    position: Number(row.ordinal_position),
    dataType: row.column_type,
    nullable,
    defaultValue: noDefault ? null : row.column_default,
    comment: emptyToNull(row.column_comment),
  };
}

const emptyToNull = (value: string | null): string | null => (value === null || value === '' ? null : value);

/** Code-unit order: the same on every engine and collation. */
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The primary key first, then the rest by name. */
const byIndexOrder = (a: CatalogIndex, b: CatalogIndex): number => Number(b.primary) - Number(a.primary) || compare(a.name, b.name);

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

const sortBy = <T>(items: readonly T[], key: (item: T) => number): T[] => [...items].sort((a, b) => key(a) - key(b));
