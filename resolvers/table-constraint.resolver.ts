import { FieldResolver, Resolver, Root } from 'type-graphql';
import type { CatalogTable } from '../plugins/drivers/catalog.js';
import { constraintsOf } from '../src/policy/table-constraints.js';
import { Table } from '../schema/catalog.type.js';
import { Constraint } from '../schema/discovery.type.js';

@Resolver(() => Table)
export class TableConstraintResolver {
  /** A table reaches an agent through visibleTables, which keeps only the constraints it may see whole. */
  @FieldResolver(() => [Constraint], {
    description: 'Primary key, unique, check and foreign key constraints; for an agent, only those whose every column (and target) it may see.',
  })
  constraints(@Root() table: CatalogTable): Constraint[] {
    return constraintsOf(table).map((c) => ({
      name: c.name,
      kind: c.kind as Constraint['kind'],
      columns: c.columns,
      definition: c.definition ?? null,
      referencedSchema: c.referencedSchema ?? null,
      referencedTable: c.referencedTable ?? null,
      referencedColumns: c.referencedColumns ?? null,
    }));
  }
}
