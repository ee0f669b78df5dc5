import type { CatalogConstraint, CatalogTable } from '../../plugins/drivers/catalog.js';

/**
 * A table's constraints: as its driver reports them, else worked out from its primary key, unique
 * indexes and foreign keys (a driver that does not report constraints reports no CHECK either).
 */
export function constraintsOf(table: CatalogTable): CatalogConstraint[] {
  if (table.constraints) return table.constraints;
  const constraints: CatalogConstraint[] = table.indexes
    .filter((i) => i.unique)
    .map((i) => ({ name: i.name, kind: i.primary ? 'PRIMARY_KEY' : 'UNIQUE', columns: i.columns }));
  if (table.primaryKey.length > 0 && !constraints.some((c) => c.kind === 'PRIMARY_KEY')) {
    constraints.push({ name: `${table.name}_pkey`, kind: 'PRIMARY_KEY', columns: table.primaryKey });
  }
  for (const fk of table.foreignKeys) constraints.push({ kind: 'FOREIGN_KEY', ...fk });
  return constraints;
}

/** The columns of a table the caller may see, by `schema.table`; undefined: it may not see the table. */
export type VisibleColumns = (schema: string, table: string) => ReadonlySet<string> | undefined;

/**
 * The constraints of `table` that show nothing the caller may not see: every column a constraint
 * involves is visible (a CHECK's expression can name hidden columns; then it is left out whole), and
 * a foreign key's target table and columns are visible too.
 */
export function visibleConstraints(table: CatalogTable, visible: VisibleColumns): CatalogConstraint[] {
  const own = visible(table.schema, table.name);
  if (!own) return [];
  return constraintsOf(table).filter((c) => {
    if (!c.columns.every((column) => own.has(column))) return false;
    if (c.kind !== 'FOREIGN_KEY') return true;
    const target = visible(c.referencedSchema ?? '', c.referencedTable ?? '');
    return target !== undefined && (c.referencedColumns ?? []).every((column) => target.has(column));
  });
}
