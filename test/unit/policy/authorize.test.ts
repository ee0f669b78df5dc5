import { describe, expect, it } from 'vitest';
import { previewAccess } from '../../../src/policy/access-preview.js';
import { authorize } from '../../../src/policy/authorize.js';
import type { GrantRule } from '../../../src/policy/grant-rules.js';
import type { TableUse } from '../../../src/sql/analysis.js';

const NOW = new Date('2026-06-01T00:00:00Z');

function grant(partial: Partial<GrantRule>): GrantRule {
  return { id: 'grt_x', scope: 'TABLE', schema: 'public', table: 'orders', columns: null, actions: ['READ'], rowFilter: null, masks: {}, rowCap: null, expiresAt: null, ...partial };
}

const readOrders = (columns: string[]): TableUse => ({
  schema: 'public',
  table: 'orders',
  actions: ['READ'],
  columns: columns.map((column) => ({ column, actions: ['READ'] })),
});

describe('authorize', () => {
  it('denies everything when there is no grant', () => {
    const decision = authorize([], { tables: [readOrders(['id'])] }, NOW);
    expect(decision.allowed).toBe(false);
    expect(decision.denied).toEqual([
      { resource: 'public.orders', needed: 'READ', reason: 'no grant covers this table' },
    ]);
  });

  it('allows a read covered by a table grant, and refuses a write it does not name', () => {
    const grants = [grant({})];
    expect(authorize(grants, { tables: [readOrders(['id', 'total'])] }, NOW).allowed).toBe(true);
    const update: TableUse = { schema: 'public', table: 'orders', actions: ['UPDATE'], columns: [{ column: 'status', actions: ['UPDATE'] }] };
    const decision = authorize(grants, { tables: [update] }, NOW);
    expect(decision.denied.map((d) => [d.resource, d.needed])).toEqual([
      ['public.orders', 'UPDATE'],
      ['public.orders.status', 'UPDATE'],
    ]);
  });

  it('limits a COLUMNS grant to its columns, naming each column refused', () => {
    const grants = [grant({ scope: 'COLUMNS', columns: ['id', 'status'] })];
    expect(authorize(grants, { tables: [readOrders(['id', 'status'])] }, NOW).allowed).toBe(true);
    const decision = authorize(grants, { tables: [readOrders(['id', 'total'])] }, NOW);
    expect(decision.denied).toEqual([{ resource: 'public.orders.total', needed: 'READ', reason: 'no grant allows READ on this column' }]);
  });

  it('covers a whole schema or database, and nothing beyond it', () => {
    const schemaGrant = [grant({ scope: 'SCHEMA', table: null, schema: 'public' })];
    expect(authorize(schemaGrant, { tables: [readOrders(['id'])] }, NOW).allowed).toBe(true);
    const other: TableUse = { schema: 'billing', table: 'invoices', actions: ['READ'], columns: [{ column: 'id', actions: ['READ'] }] };
    expect(authorize(schemaGrant, { tables: [other] }, NOW).allowed).toBe(false);
    expect(authorize([grant({ scope: 'DATABASE', schema: null, table: null })], { tables: [other] }, NOW).allowed).toBe(true);
  });

  it('ignores an expired grant', () => {
    const grants = [grant({ expiresAt: new Date('2026-05-31T23:59:59Z') })];
    expect(authorize(grants, { tables: [readOrders(['id'])] }, NOW).allowed).toBe(false);
  });

  it('lets ALL stand for every action', () => {
    const del: TableUse = { schema: 'public', table: 'orders', actions: ['DELETE'], columns: [] };
    expect(authorize([grant({ actions: ['ALL'] })], { tables: [del] }, NOW).allowed).toBe(true);
  });

  it('applies the row filter, masks and cap of the grants that allow the read, most permissive winning', () => {
    const filtered = grant({ rowFilter: "status = 'paid'", masks: { total: "'***'" }, rowCap: 100 });
    const decision = authorize([filtered], { tables: [readOrders(['id', 'total'])] }, NOW);
    expect(decision.policies).toEqual([{ schema: 'public', table: 'orders', rowFilter: "status = 'paid'", masks: { total: "'***'" } }]);
    expect(decision.rowCap).toBe(100);

    const twoFilters = authorize([filtered, grant({ rowFilter: 'customer_id = 7', rowCap: 500 })], { tables: [readOrders(['id', 'total'])] }, NOW);
    expect(twoFilters.policies[0]?.rowFilter).toBe("(status = 'paid') OR (customer_id = 7)");
    expect(twoFilters.policies[0]?.masks).toEqual({});
    expect(twoFilters.rowCap).toBe(500);

    const unfiltered = authorize([filtered, grant({})], { tables: [readOrders(['id', 'total'])] }, NOW);
    expect(unfiltered.policies).toEqual([]);
    expect(unfiltered.rowCap).toBeNull();
  });

  it('holds writers to their row filter too', () => {
    const writer = grant({ actions: ['UPDATE'], rowFilter: 'customer_id = 7' });
    const update: TableUse = { schema: 'public', table: 'orders', actions: ['UPDATE'], columns: [{ column: 'status', actions: ['UPDATE'] }] };
    expect(authorize([writer], { tables: [update] }, NOW).policies).toEqual([{ schema: 'public', table: 'orders', rowFilter: 'customer_id = 7', masks: {} }]);
  });
});

describe('previewAccess', () => {
  it('shows per table and column what authorize allows, with the effective filter and masks', () => {
    const grants = [
      grant({ scope: 'COLUMNS', columns: ['id', 'total'], rowFilter: "status = 'paid'", masks: { total: 'round(total)' }, rowCap: 50 }),
      grant({ table: 'customers', actions: ['READ', 'UPDATE'] }),
    ];
    const preview = previewAccess(
      grants,
      [
        { schema: 'public', name: 'orders', columns: ['id', 'total', 'status'] },
        { schema: 'public', name: 'customers', columns: ['id', 'email'] },
        { schema: 'public', name: 'reviews', columns: ['id'] },
      ],
      NOW,
    );
    expect(preview).toEqual([
      {
        schema: 'public',
        table: 'orders',
        actions: ['READ'],
        columns: [
          { column: 'id', actions: ['READ'], mask: null },
          { column: 'total', actions: ['READ'], mask: 'round(total)' },
          { column: 'status', actions: [], mask: null },
        ],
        rowFilter: "status = 'paid'",
        rowCap: 50,
      },
      {
        schema: 'public',
        table: 'customers',
        actions: ['READ', 'UPDATE'],
        columns: [
          { column: 'id', actions: ['READ', 'UPDATE'], mask: null },
          { column: 'email', actions: ['READ', 'UPDATE'], mask: null },
        ],
        rowFilter: null,
        rowCap: null,
      },
      { schema: 'public', table: 'reviews', actions: [], columns: [{ column: 'id', actions: [], mask: null }], rowFilter: null, rowCap: null },
    ]);
  });
});
