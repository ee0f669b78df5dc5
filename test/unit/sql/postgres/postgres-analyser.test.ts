import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../../../src/errors/app-error.js';
import type { GateCatalog, StatementAnalysis } from '../../../../src/sql/analysis.js';
import { analysePostgres } from '../../../../src/sql/postgres/postgres-analyser.js';
import { ALLOWED, COLUMNS, DENIED, SHOP, type TableExpectation } from '../../../fixtures/postgres-corpus.js';

async function deniedWith(sql: string, catalog: GateCatalog = SHOP): Promise<AppError> {
  try {
    await analysePostgres(sql, catalog);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error(`expected a denial for: ${sql}`);
}

function tableSummary(analysis: StatementAnalysis): TableExpectation {
  return Object.fromEntries(
    analysis.tables.map((table) => [table.schema === 'public' ? table.table : `${table.schema}.${table.table}`, table.actions.join(' ')]),
  );
}

function columnSummary(analysis: StatementAnalysis, table: string): string {
  const use = analysis.tables.find((t) => t.table === table);
  return (use?.columns ?? [])
    .map((column) => (column.actions.length === 1 && column.actions[0] === 'READ' ? column.column : `${column.column}:${column.actions.join('+')}`))
    .join(' ');
}

/** Expected column summary, order-insensitive on input, sorted like the analysis. */
function normaliseColumns(expected: string): string {
  return expected
    .split(/\s+/)
    .filter(Boolean)
    .sort((a, b) => {
      const x = a.split(':')[0] as string;
      const y = b.split(':')[0] as string;
      return x < y ? -1 : x > y ? 1 : 0;
    })
    .join(' ');
}


// ---------------------------------------------------------------------------------------------------
// The corpus: statements that must pass, with what they touch
// ---------------------------------------------------------------------------------------------------

describe('analysePostgres — corpus', () => {
  it('has at least 120 statements', () => {
    expect(ALLOWED.length + DENIED.length).toBeGreaterThanOrEqual(120);
  });

  describe('allows', () => {
    it.each(ALLOWED.map((c) => [c.sql, c] as const))('%s', async (_sql, c) => {
      const analysis = await analysePostgres(c.sql, SHOP);
      expect(analysis.dialect).toBe('postgres');
      expect(analysis.kind).toBe(c.kind);
      if (c.type !== undefined) expect(analysis.statementType).toBe(c.type);
      if (c.tables !== undefined) expect(tableSummary(analysis)).toEqual(c.tables);
      for (const [table, expected] of Object.entries(c.columns ?? {})) {
        expect(columnSummary(analysis, table), `columns of ${table}`).toBe(normaliseColumns(expected));
      }
      if (c.functions !== undefined) expect(analysis.functions).toEqual(c.functions);
      expect(analysis.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    });
  });

  describe('denies', () => {
    it.each(DENIED.map((c) => [c.sql, c] as const))('%s', async (_sql, c) => {
      const error = await deniedWith(c.sql);
      expect(error.code).toBe(c.code ?? ErrorCode.SQL_NOT_ALLOWED);
      expect(`${error.message} ${JSON.stringify(error.details ?? {})}`).toContain(c.reason);
    });
  });
});

describe('analysePostgres — details', () => {
  it('reports a syntax error with the parser’s words and a 1-based position', async () => {
    const error = await deniedWith('select * frm orders');
    expect(error.code).toBe(ErrorCode.SQL_SYNTAX);
    expect(error.message).toContain('syntax error at or near "frm"');
    expect(error.details?.position).toBe(10);
  });

  it('counts the position in characters, not bytes', async () => {
    const error = await deniedWith("select 'é' frm x");
    expect(error.details?.position).toBe(16);
  });

  it('names the construct it refuses', async () => {
    expect((await deniedWith('select * into t from orders')).details).toMatchObject({ construct: 'SELECT INTO' });
    expect((await deniedWith('set role admin')).details).toMatchObject({ construct: 'SET ROLE' });
    expect((await deniedWith('select * from orders for update')).details).toMatchObject({ construct: 'FOR UPDATE' });
  });

  it('resolves unqualified names through the search path in order', async () => {
    const catalog: GateCatalog = {
      searchPath: ['sales', 'public'],
      tables: [
        { schema: 'public', name: 'orders', columns: ['id', 'total'] },
        { schema: 'sales', name: 'orders', columns: ['id', 'amount'] },
        { schema: 'public', name: 'customers', columns: ['id'] },
      ],
    };
    const analysis = await analysePostgres('select o.amount, c.id from orders o, customers c', catalog);
    expect(analysis.tables.map((t) => `${t.schema}.${t.table}`)).toEqual(['public.customers', 'sales.orders']);
    await expect(analysePostgres('select total from orders', catalog)).rejects.toMatchObject({ code: ErrorCode.SQL_NOT_ALLOWED });
    const qualified = await analysePostgres('select total from public.orders', catalog);
    expect(qualified.tables[0]).toMatchObject({ schema: 'public', table: 'orders' });
  });

  it('keeps quoted identifiers case-sensitive', async () => {
    const catalog: GateCatalog = {
      searchPath: ['public'],
      tables: [{ schema: 'public', name: 'Orders', columns: ['Id', 'id'] }],
    };
    const analysis = await analysePostgres('select "Id", id from "Orders"', catalog);
    expect(analysis.tables).toEqual([
      { schema: 'public', table: 'Orders', actions: ['READ'], columns: [{ column: 'Id', actions: ['READ'] }, { column: 'id', actions: ['READ'] }] },
    ]);
    expect((await deniedWith('select id from orders', catalog)).details).toMatchObject({ reason: 'unknown table' });
  });

  it('never treats a catalog schema in the GateCatalog as readable', async () => {
    const catalog: GateCatalog = {
      searchPath: ['pg_catalog', 'public'],
      tables: [{ schema: 'pg_catalog', name: 'pg_authid', columns: ['rolname', 'rolpassword'] }],
    };
    expect((await deniedWith('select rolpassword from pg_catalog.pg_authid', catalog)).message).toContain('catalog reads are not allowed');
    expect((await deniedWith('select rolpassword from pg_authid', catalog)).message).toContain('catalog reads are not allowed');
  });

  it('expands * in table order and deduplicates actions', async () => {
    const analysis = await analysePostgres('select *, total, o.total from orders o where total > 0', SHOP);
    const orders = analysis.tables[0];
    expect(orders?.columns.map((c) => c.column)).toEqual([...(COLUMNS.orders ?? [])].sort());
    expect(orders?.columns.every((c) => c.actions.length === 1 && c.actions[0] === 'READ')).toBe(true);
    expect(orders?.actions).toEqual(['READ']);
  });

  it('sorts tables by schema then name and lists functions once', async () => {
    const analysis = await analysePostgres('select lower(r.title), lower(c.name), count(*) from reviews r, categories c group by 1, 2', SHOP);
    expect(analysis.tables.map((t) => t.table)).toEqual(['categories', 'reviews']);
    expect(analysis.functions).toEqual(['count', 'lower']);
  });

  it('gives the same fingerprint whatever the literals', async () => {
    const a = await analysePostgres('select id from orders where total > 10', SHOP);
    const b = await analysePostgres('select id from orders where total > 99', SHOP);
    const c = await analysePostgres('select id from orders where status = \'x\'', SHOP);
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(a.fingerprint).not.toBe(c.fingerprint);
  });

  it('classifies every data-modifying CTE as a write, however deep', async () => {
    for (const sql of [
      'with d as (delete from reviews returning id) select 1',
      'with a as (select 1), d as (update orders set total = 0 returning id) select * from a',
      'with d as (insert into categories (id, name, description) values (1, \'a\', \'b\') returning *) values (1)',
      'with d as (merge into reviews r using products p on p.id = r.product_id when matched then delete returning r.id) select * from d',
    ]) {
      expect((await analysePostgres(sql, SHOP)).kind, sql).toBe('WRITE');
    }
  });

  it('reads the columns a NATURAL or USING join compares', async () => {
    const analysis = await analysePostgres('select 1 from order_items natural join reviews', SHOP);
    expect(columnSummary(analysis, 'order_items')).toBe('id product_id');
    expect(columnSummary(analysis, 'reviews')).toBe('id product_id');
  });

  it('refuses a statement nested too deeply to check, with an AppError', async () => {
    for (const depth of [2000, 5000, 20000]) {
      for (const sql of [`select ${'(select '.repeat(depth)}1${')'.repeat(depth)}`, `select ${'('.repeat(depth)}1${')'.repeat(depth)}`]) {
        const outcome = await analysePostgres(sql, SHOP).then(
          () => 'allowed',
          (error: unknown) => (error instanceof AppError ? error.code : 'not an AppError'),
        );
        expect(['allowed', ErrorCode.SQL_NOT_ALLOWED, ErrorCode.SQL_SYNTAX], `depth ${depth}`).toContain(outcome);
      }
    }
  });

  it('decodes U& identifiers before checking them', async () => {
    expect((await deniedWith('select * from U&"pg_\\0063lass"')).message).toContain('catalog reads are not allowed');
    const analysis = await analysePostgres('select U&"t\\006Ftal" from orders', SHOP);
    expect(columnSummary(analysis, 'orders')).toBe('total');
  });

  it('does not confuse an unknown table in a sibling scope with a CTE', async () => {
    expect((await deniedWith('select * from (with x as (select 1) select * from x) a, x')).details).toMatchObject({ reason: 'unknown table' });
  });
});
