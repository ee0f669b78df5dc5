import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
import type { Catalog, CatalogColumn, CatalogForeignKey, CatalogIndex, CatalogTable } from '../catalog.js';

/**
 * The catalog of one MySQL/MariaDB database in five queries against information_schema, however many
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

  const sorted = [...tables.values()].sort((a, b) => compare(a.name, b.name));
  for (const table of sorted) {
    table.columns.sort((a, b) => a.position - b.position);
    table.indexes.sort(byIndexOrder);
    table.foreignKeys.sort((a, b) => compare(a.name, b.name));
  }
  return { schemas: [database], tables: sorted };
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
