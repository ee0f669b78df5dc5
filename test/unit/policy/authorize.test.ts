import { describe, expect, it } from 'vitest';
import { previewAccess } from '../../../src/policy/access-preview.js';
import { authorize, VIEW_REASONS } from '../../../src/policy/authorize.js';
import type { GrantRule } from '../../../src/policy/grant-rules.js';
import { relationGraph } from '../../../src/policy/relation-graph.js';
import type { TableUse } from '../../../src/sql/analysis.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const NO_VIEWS = relationGraph([]);

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
    const decision = authorize([], { tables: [readOrders(['id'])] }, NOW, NO_VIEWS);
    expect(decision.allowed).toBe(false);
    expect(decision.denied).toEqual([
      { resource: 'public.orders', needed: 'READ', reason: 'no grant covers this table' },
    ]);
  });

  it('allows a read covered by a table grant, and refuses a write it does not name', () => {
    const grants = [grant({})];
    expect(authorize(grants, { tables: [readOrders(['id', 'total'])] }, NOW, NO_VIEWS).allowed).toBe(true);
    const update: TableUse = { schema: 'public', table: 'orders', actions: ['UPDATE'], columns: [{ column: 'status', actions: ['UPDATE'] }] };
    const decision = authorize(grants, { tables: [update] }, NOW, NO_VIEWS);
    expect(decision.denied.map((d) => [d.resource, d.needed])).toEqual([
      ['public.orders', 'UPDATE'],
      ['public.orders.status', 'UPDATE'],
    ]);
  });

  it('limits a COLUMNS grant to its columns, naming each column refused', () => {
    const grants = [grant({ scope: 'COLUMNS', columns: ['id', 'status'] })];
    expect(authorize(grants, { tables: [readOrders(['id', 'status'])] }, NOW, NO_VIEWS).allowed).toBe(true);
    const decision = authorize(grants, { tables: [readOrders(['id', 'total'])] }, NOW, NO_VIEWS);
    expect(decision.denied).toEqual([{ resource: 'public.orders.total', needed: 'READ', reason: 'no grant allows READ on this column' }]);
  });

  it('covers a whole schema or database, and nothing beyond it', () => {
    const schemaGrant = [grant({ scope: 'SCHEMA', table: null, schema: 'public' })];
    expect(authorize(schemaGrant, { tables: [readOrders(['id'])] }, NOW, NO_VIEWS).allowed).toBe(true);
    const other: TableUse = { schema: 'billing', table: 'invoices', actions: ['READ'], columns: [{ column: 'id', actions: ['READ'] }] };
    expect(authorize(schemaGrant, { tables: [other] }, NOW, NO_VIEWS).allowed).toBe(false);
    expect(authorize([grant({ scope: 'DATABASE', schema: null, table: null })], { tables: [other] }, NOW, NO_VIEWS).allowed).toBe(true);
  });

  it('ignores an expired grant', () => {
    const grants = [grant({ expiresAt: new Date('2026-05-31T23:59:59Z') })];
    expect(authorize(grants, { tables: [readOrders(['id'])] }, NOW, NO_VIEWS).allowed).toBe(false);
  });

  it('lets ALL stand for every action', () => {
    const del: TableUse = { schema: 'public', table: 'orders', actions: ['DELETE'], columns: [] };
    expect(authorize([grant({ actions: ['ALL'] })], { tables: [del] }, NOW, NO_VIEWS).allowed).toBe(true);
  });

  it('applies the row filter, masks and cap of the grants that allow the read, most permissive winning', () => {
    const filtered = grant({ rowFilter: "status = 'paid'", masks: { total: "'***'" }, rowCap: 100 });
    const decision = authorize([filtered], { tables: [readOrders(['id', 'total'])] }, NOW, NO_VIEWS);
    expect(decision.policies).toEqual([{ schema: 'public', table: 'orders', rowFilter: "status = 'paid'", masks: { total: "'***'" } }]);
    expect(decision.rowCap).toBe(100);

    const twoFilters = authorize([filtered, grant({ rowFilter: 'customer_id = 7', rowCap: 500 })], { tables: [readOrders(['id', 'total'])] }, NOW, NO_VIEWS);
    expect(twoFilters.policies[0]?.rowFilter).toBe("(status = 'paid') OR (customer_id = 7)");
    expect(twoFilters.policies[0]?.masks).toEqual({});
    expect(twoFilters.rowCap).toBe(500);

    const unfiltered = authorize([filtered, grant({})], { tables: [readOrders(['id', 'total'])] }, NOW, NO_VIEWS);
    expect(unfiltered.policies).toEqual([]);
    expect(unfiltered.rowCap).toBeNull();
  });

  it('holds writers to their row filter too', () => {
    const writer = grant({ actions: ['UPDATE'], rowFilter: 'customer_id = 7' });
    const update: TableUse = { schema: 'public', table: 'orders', actions: ['UPDATE'], columns: [{ column: 'status', actions: ['UPDATE'] }] };
    expect(authorize([writer], { tables: [update] }, NOW, NO_VIEWS).policies).toEqual([{ schema: 'public', table: 'orders', rowFilter: 'customer_id = 7', masks: {} }]);
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
      NO_VIEWS,
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
        reads: [],
        exposes: [],
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
        reads: [],
        exposes: [],
      },
      { schema: 'public', table: 'reviews', actions: [], columns: [{ column: 'id', actions: [], mask: null }], rowFilter: null, rowCap: null, reads: [], exposes: [] },
    ]);
  });
});

describe('authorize through views', () => {
  const catalog = relationGraph([
    { schema: 'hr', name: 'salaries', kind: 'TABLE', columns: [{ name: 'id' }, { name: 'employee' }, { name: 'amount' }] },
    { schema: 'public', name: 'orders', kind: 'TABLE', columns: [{ name: 'id' }, { name: 'total' }, { name: 'status' }] },
    { schema: 'public', name: 'payroll', kind: 'VIEW', columns: [{ name: 'id' }, { name: 'amount' }], reads: [{ schema: 'hr', name: 'salaries', columns: ['id', 'amount'] }] },
    { schema: 'public', name: 'order_totals', kind: 'VIEW', columns: [{ name: 'id' }, { name: 'total' }], reads: [{ schema: 'public', name: 'orders', columns: ['id', 'total'] }] },
    { schema: 'public', name: 'payroll_ids', kind: 'MATERIALIZED_VIEW', columns: [{ name: 'id' }], reads: [{ schema: 'public', name: 'payroll', columns: ['id'] }] },
    { schema: 'public', name: 'mystery', kind: 'VIEW', columns: [{ name: 'x' }] },
  ]);
  const read = (table: string, columns: string[]): TableUse => ({ schema: 'public', table, actions: ['READ'], columns: columns.map((column) => ({ column, actions: ['READ'] })) });
  const publicSchema = grant({ scope: 'SCHEMA', schema: 'public', table: null });

  it('does not let a schema grant reach a view over a table the agent may not read, and names what the view reached', () => {
    const decision = authorize([publicSchema], { tables: [read('payroll', ['id'])] }, NOW, catalog);
    expect(decision.allowed).toBe(false);
    expect(decision.denied).toEqual([{ resource: 'public.payroll', needed: 'READ', reason: VIEW_REASONS.hidden }]);
    expect(decision.reached).toEqual(['hr.salaries']);
  });

  it('lets a schema grant reach a view whose tables the agent may read in full', () => {
    const decision = authorize([publicSchema], { tables: [read('order_totals', ['total'])] }, NOW, catalog);
    expect(decision.allowed).toBe(true);
    expect(decision.reached).toEqual(['public.orders']);
  });

  it('follows views of views to the columns they read', () => {
    const idOnly = grant({ scope: 'COLUMNS', schema: 'hr', table: 'salaries', columns: ['id'] });
    expect(authorize([publicSchema, idOnly], { tables: [read('payroll_ids', ['id'])] }, NOW, catalog).denied).toEqual([
      { resource: 'public.payroll_ids', needed: 'READ', reason: VIEW_REASONS.hidden },
    ]);
    const idAndAmount = grant({ scope: 'COLUMNS', schema: 'hr', table: 'salaries', columns: ['id', 'amount'] });
    const decision = authorize([publicSchema, idAndAmount], { tables: [read('payroll_ids', ['id'])] }, NOW, catalog);
    expect(decision.allowed).toBe(true);
    expect(decision.reached).toEqual(['public.payroll', 'hr.salaries']);
  });

  it('refuses a view over a row-filtered or masked table unless a grant names the view', () => {
    const filtered = grant({ schema: 'hr', table: 'salaries', rowFilter: "employee = 'me'" });
    expect(authorize([publicSchema, filtered], { tables: [read('payroll', ['amount'])] }, NOW, catalog).denied).toEqual([
      { resource: 'public.payroll', needed: 'READ', reason: VIEW_REASONS.filtered },
    ]);
    const masked = grant({ schema: 'hr', table: 'salaries', masks: { amount: '0' } });
    expect(authorize([publicSchema, masked], { tables: [read('payroll', ['id'])] }, NOW, catalog).denied[0]?.reason).toBe(VIEW_REASONS.filtered);
    const namingTheView = grant({ table: 'payroll' });
    const decision = authorize([publicSchema, filtered, namingTheView], { tables: [read('payroll', ['amount'])] }, NOW, catalog);
    expect(decision).toMatchObject({ allowed: true, policies: [], reached: ['hr.salaries'] });
  });

  it('keeps the row cap of the tables behind a view', () => {
    const cappedSchema = grant({ scope: 'SCHEMA', schema: 'public', table: null, rowCap: 50 });
    const capped = grant({ schema: 'hr', table: 'salaries', rowCap: 10 });
    expect(authorize([cappedSchema, capped], { tables: [read('payroll', ['id'])] }, NOW, catalog).rowCap).toBe(10);
  });

  it('refuses a view whose dependencies are unknown, unless a grant names it', () => {
    const all = grant({ scope: 'DATABASE', schema: null, table: null });
    expect(authorize([all], { tables: [read('mystery', ['x'])] }, NOW, catalog).denied[0]?.reason).toBe(VIEW_REASONS.unknown);
    expect(authorize([all, grant({ table: 'mystery' })], { tables: [read('mystery', ['x'])] }, NOW, catalog).allowed).toBe(true);
  });

  it('refuses a view that reads a relation outside the catalog, even under a database grant', () => {
    const graph = relationGraph([{ schema: 'public', name: 'shadow', kind: 'VIEW', columns: [{ name: 'x' }], reads: [{ schema: 'pg_catalog', name: 'pg_authid', columns: null }] }]);
    const all = grant({ scope: 'DATABASE', schema: null, table: null });
    expect(authorize([all], { tables: [read('shadow', ['x'])] }, NOW, graph).denied[0]?.reason).toBe(VIEW_REASONS.outside);
  });

  it('previews a view named by a grant with the tables it exposes, and hides a view the schema grant cannot reach', () => {
    const tables = [
      { schema: 'public', name: 'payroll', columns: ['id', 'amount'] },
      { schema: 'public', name: 'order_totals', columns: ['id', 'total'] },
    ];
    const schemaOnly = previewAccess([publicSchema], tables, NOW, catalog);
    expect(schemaOnly.map((t) => [t.table, t.actions, t.reads, t.exposes])).toEqual([
      ['payroll', [], ['hr.salaries'], []],
      ['order_totals', ['READ'], ['public.orders'], []],
    ]);
    const named = previewAccess([publicSchema, grant({ table: 'payroll' })], tables, NOW, catalog);
    expect(named[0]).toMatchObject({ table: 'payroll', actions: ['READ'], reads: ['hr.salaries'], exposes: ['hr.salaries'] });
  });
});
