import { describe, expect, it } from 'vitest';
import type { CatalogTable } from '../../../plugins/drivers/catalog.js';
import { columnsNamedIn } from '../../../plugins/drivers/mysql/mysql-introspector.js';
import { constraintsOf, visibleConstraints } from '../../../src/policy/table-constraints.js';

const members: CatalogTable = {
  schema: 'public',
  name: 'members',
  kind: 'TABLE',
  comment: null,
  rowEstimate: null,
  columns: ['id', 'team_id', 'salary', 'bonus'].map((name, i) => ({ name, position: i + 1, dataType: 'integer', nullable: false, defaultValue: null, comment: null })),
  primaryKey: ['id'],
  foreignKeys: [{ name: 'members_team', columns: ['team_id'], referencedSchema: 'public', referencedTable: 'teams', referencedColumns: ['id'] }],
  indexes: [{ name: 'members_pkey', columns: ['id'], unique: true, primary: true }],
  constraints: [
    { name: 'members_pkey', kind: 'PRIMARY_KEY', columns: ['id'] },
    { name: 'bonus_below_salary', kind: 'CHECK', columns: ['bonus', 'salary'], definition: 'CHECK (bonus < salary)' },
    { name: 'members_team', kind: 'FOREIGN_KEY', columns: ['team_id'], referencedSchema: 'public', referencedTable: 'teams', referencedColumns: ['id'] },
  ],
};

const seeing = (tables: Record<string, string[]>) => (schema: string, table: string) => (tables[`${schema}.${table}`] ? new Set(tables[`${schema}.${table}`]) : undefined);

describe('constraints a caller may see', () => {
  it('leaves out a CHECK naming a column the caller may not see, and a foreign key to a table it may not see', () => {
    const names = (v: ReturnType<typeof seeing>) => visibleConstraints(members, v).map((c) => c.name);
    expect(names(seeing({ 'public.members': ['id', 'team_id', 'bonus'], 'public.teams': ['id'] }))).toEqual(['members_pkey', 'members_team']);
    expect(names(seeing({ 'public.members': ['id', 'team_id', 'salary', 'bonus'] }))).toEqual(['members_pkey', 'bonus_below_salary']);
    expect(names(seeing({ 'public.teams': ['id'] }))).toEqual([]);
  });

  it('works constraints out from keys and unique indexes when a driver reports none', () => {
    const { constraints: _, ...bare } = members;
    expect(constraintsOf({ ...bare, indexes: [...bare.indexes, { name: 'members_salary', columns: ['salary'], unique: true, primary: false }] }).map((c) => [c.kind, c.name])).toEqual([
      ['PRIMARY_KEY', 'members_pkey'],
      ['UNIQUE', 'members_salary'],
      ['FOREIGN_KEY', 'members_team'],
    ]);
  });

  it("finds every column a MySQL CHECK's expression names, quoted or not, in any case", () => {
    expect(columnsNamedIn("`Bonus` < salary and json_valid(`notes`) and tier <> 'x'", ['bonus', 'salary', 'notes', 'tier', 'id'])).toEqual(['bonus', 'salary', 'notes', 'tier']);
  });
});
