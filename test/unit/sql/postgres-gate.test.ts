import { parse } from 'libpg-query';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../../src/errors/app-error.js';
import { ALLOWED, COLUMNS, DENIED, SHOP, type TableExpectation } from '../../fixtures/postgres-corpus.js';
import type { GateCatalog, StatementAnalysis, TableAction, TablePolicy } from '../../../src/sql/analysis.js';
import {
  POSTGRES_AGGREGATE_FUNCTIONS,
  POSTGRES_ALLOWED_FUNCTIONS,
  POSTGRES_WINDOW_FUNCTIONS,
} from '../../../src/sql/postgres/postgres-functions.js';
import {
  analysePostgres,
  checkColumnMaskPostgres,
  checkRowFilterPostgres,
  rewritePostgres,
} from '../../../src/sql/postgres/postgres-gate.js';


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

// ---------------------------------------------------------------------------------------------------
// Allow-list
// ---------------------------------------------------------------------------------------------------

describe('POSTGRES_ALLOWED_FUNCTIONS', () => {
  it('holds no pg_ function and none of the known dangerous ones', () => {
    for (const name of POSTGRES_ALLOWED_FUNCTIONS) expect(name.startsWith('pg_'), name).toBe(false);
    for (const name of ['set_config', 'current_setting', 'dblink', 'nextval', 'setval', 'currval', 'lo_import', 'query_to_xml', 'version', 'setseed', 'txid_current', 'current_database', 'json_populate_record']) {
      expect(POSTGRES_ALLOWED_FUNCTIONS.has(name), name).toBe(false);
    }
  });

  it('holds every aggregate and window function it names', () => {
    for (const name of [...POSTGRES_AGGREGATE_FUNCTIONS, ...POSTGRES_WINDOW_FUNCTIONS]) expect(POSTGRES_ALLOWED_FUNCTIONS.has(name)).toBe(true);
  });

  it('is lower-case', () => {
    for (const name of POSTGRES_ALLOWED_FUNCTIONS) expect(name).toBe(name.toLowerCase());
  });
});

// ---------------------------------------------------------------------------------------------------
// Rewriting
// ---------------------------------------------------------------------------------------------------

const POLICIES: TablePolicy[] = [
  { schema: 'public', table: 'customers', rowFilter: "country = 'DE' OR segment = 'enterprise'", masks: { email: "left(email, 2) || '***'" } },
  { schema: 'public', table: 'orders', rowFilter: 'customer_id < 100' },
];

async function rewrite(sql: string, policies: readonly TablePolicy[] = POLICIES, rowCap?: number): Promise<string> {
  return rewritePostgres(sql, await analysePostgres(sql, SHOP), SHOP, policies, rowCap);
}

type Tree = unknown;

/** Every `FROM public.customers` in the tree must sit inside the policy subquery. */
function collect(tree: Tree, key: string, out: unknown[] = []): unknown[] {
  if (Array.isArray(tree)) for (const item of tree) collect(item, key, out);
  else if (tree !== null && typeof tree === 'object') {
    for (const [k, v] of Object.entries(tree as Record<string, unknown>)) {
      if (k === key) out.push(v);
      collect(v, key, out);
    }
  }
  return out;
}

interface RangeVarLike {
  relname?: string;
  schemaname?: string;
}

interface SelectLike {
  fromClause?: { RangeVar?: RangeVarLike; RangeTableSample?: { relation?: { RangeVar?: RangeVarLike } } }[];
  whereClause?: unknown;
  targetList?: { ResTarget?: { name?: string } }[];
}

/** Checks that every read of a policy table in `sql` is the policy subquery, and returns how many. */
async function policySubqueries(sql: string, table: string): Promise<number> {
  const tree = await parse(sql);
  const rangeVars = collect(tree, 'RangeVar') as { relname?: string; schemaname?: string }[];
  const selects = collect(tree, 'SelectStmt') as SelectLike[];
  const wrappers = selects.filter((s) => {
    const from = s.fromClause?.length === 1 ? (s.fromClause[0]?.RangeVar ?? s.fromClause[0]?.RangeTableSample?.relation?.RangeVar) : undefined;
    return from?.relname === table && from.schemaname === 'public' && s.whereClause !== undefined;
  });
  const uses = rangeVars.filter((r) => r.relname === table);
  expect(uses.length, `every ${table} read is wrapped in ${sql}`).toBe(wrappers.length);
  return wrappers.length;
}

describe('rewritePostgres', () => {
  let customersFilter = '';
  beforeAll(async () => {
    customersFilter = await rewrite('select id from customers');
  });

  it('replaces a table read by the filtered, masked subquery under the same name', async () => {
    expect(customersFilter).toBe(
      "SELECT id FROM ( SELECT id, \"left\"(email, 2) || '***' AS email, full_name, country, city, segment, marketing_opt_in, created_at FROM public.customers WHERE country = 'DE' OR segment = 'enterprise' OFFSET 0 ) AS customers",
    );
  });

  it('fences a row-filtered table with OFFSET 0, so the planner cannot run the statement’s conditions on hidden rows', async () => {
    const tree = await parse(await rewrite('select id from customers where id::text = $1'));
    const fenced = (collect(tree, 'SelectStmt') as { fromClause?: { RangeVar?: RangeVarLike }[]; limitOffset?: unknown }[]).find(
      (s) => s.fromClause?.[0]?.RangeVar?.relname === 'customers',
    );
    expect(fenced?.limitOffset).toBeDefined();
    // A mask alone hides no rows: its subquery may be merged, and keeps the planner's freedom.
    const masksOnly = await rewrite('select id from customers', [{ schema: 'public', table: 'customers', masks: { email: "'***'" } }]);
    expect(masksOnly).not.toContain('OFFSET');
  });

  it('refuses EXPLAIN ANALYZE on a table with a row filter or mask, and allows it on others', async () => {
    for (const sql of ['explain analyze select * from customers', 'explain (analyze, format json) select count(*) from orders o join customers c on c.id = o.customer_id']) {
      await expect(rewrite(sql), sql).rejects.toMatchObject({ code: ErrorCode.SQL_NOT_ALLOWED, details: { construct: 'EXPLAIN ANALYZE' } });
    }
    await expect(rewrite('explain analyze select * from customers', [{ schema: 'public', table: 'customers', masks: { email: "'***'" } }])).rejects.toMatchObject({
      code: ErrorCode.SQL_NOT_ALLOWED,
    });
    await expect(rewrite('explain analyze select name from categories')).resolves.toBe('EXPLAIN (ANALYZE) SELECT name FROM categories');
    await expect(rewrite('explain (analyze false) select * from customers')).resolves.toContain('OFFSET 0');
    await expect(rewrite('explain analyze select * from customers', [])).resolves.toBe('EXPLAIN (ANALYZE) SELECT * FROM customers');
  });

  it('rewrites the same statement afresh each time: one agent’s filter never carries over to the next', async () => {
    const sql = 'select id, email from customers where id = $1';
    const filtered = await rewrite(sql);
    expect(filtered).toContain("WHERE country = 'DE'");
    expect(await rewrite(sql, [])).toBe('SELECT id, email FROM customers WHERE id = $1');
    expect(await rewrite(sql, [{ schema: 'public', table: 'customers', rowFilter: "country = 'FR'" }])).not.toContain("'DE'");
    expect(await rewrite(sql)).toBe(filtered);
  });

  it('leaves tables without a policy alone', async () => {
    expect(await rewrite('select name from categories')).toBe('SELECT name FROM categories');
    expect(await rewrite('select id from customers', [])).toBe('SELECT id FROM customers');
  });

  it.each([
    ['select c.email from customers c', 1],
    ['select email from public.customers', 1],
    ['select public.customers.email from public.customers', 1],
    ['select * from orders o join customers c on c.id = o.customer_id', 1],
    ['select * from customers a, customers b where a.id = b.id', 2],
    ['with x as (select * from customers) select * from x', 1],
    ['with recursive r as (select id from customers union all select r.id + 1 from r where r.id < 3) select * from r', 1],
    ['select id from orders where customer_id in (select id from customers)', 1],
    ['select (select count(*) from customers) as n', 1],
    ['select * from orders o cross join lateral (select * from customers c where c.id = o.customer_id) x', 1],
    ['select id from customers union select id from customers', 2],
    ['select * from (select * from (select * from customers) a) b', 1],
    ['select c.ident from customers as c(ident) where ident > 0', 1],
    ['select id from customers tablesample bernoulli (50)', 1],
    ["update orders set status = 'x' from customers c where c.id = orders.customer_id", 1],
    ['delete from orders using customers c where c.id = orders.customer_id', 1],
    ['insert into categories (id, name, description) select id, full_name, email from customers', 1],
    ['merge into categories t using customers s on s.id = t.id when matched then update set name = s.full_name', 1],
    ['explain select * from customers', 1],
  ])('applies the policy in every scope: %s', async (sql, expected) => {
    const out = await rewrite(sql);
    expect(await policySubqueries(out, 'customers')).toBe(expected);
  });

  it('keeps ONLY inside the policy subquery', async () => {
    expect(await rewrite('select id from only orders')).toBe('SELECT id FROM ( SELECT id, customer_id, status, ordered_at, shipped_at, shipping_country, total FROM ONLY public.orders WHERE customer_id < 100 OFFSET 0 ) AS orders');
  });

  it('masks a column wherever it is read through the table', async () => {
    const out = await rewrite('select x.email from (select c.email from customers c) x');
    expect(out).toContain("\"left\"(email, 2) || '***' AS email");
    const masked = collect(await parse(out), 'ResTarget').filter((t) => (t as { name?: string }).name === 'email');
    expect(masked).toHaveLength(1);
  });

  it('cannot be escaped with an alias that names another table', async () => {
    const out = await rewrite('select orders.email from customers as orders');
    expect(out).toContain(') AS orders');
    expect(await policySubqueries(out, 'customers')).toBe(1);
  });

  it('re-analyses to the same tables', async () => {
    for (const sql of [
      'select c.email, o.total from customers c join orders o on o.customer_id = c.id',
      'with x as (select * from customers) select * from x',
      "update customers set city = 'x' where id = 3",
    ]) {
      const before = await analysePostgres(sql, SHOP);
      const after = await analysePostgres(await rewrite(sql), SHOP);
      expect(after.tables.map((t) => [t.table, t.actions.filter((a: TableAction) => a !== 'READ')])).toEqual(
        before.tables.map((t) => [t.table, t.actions.filter((a: TableAction) => a !== 'READ')]),
      );
      expect(after.kind).toBe(before.kind);
    }
  });

  it('ANDs the row filter into the WHERE of an UPDATE or DELETE target, qualified by its name, guarding the statement’s own condition', async () => {
    expect(await rewrite("update orders set status = 'x' where id = 1 or id = 2")).toBe(
      "UPDATE orders SET status = 'x' WHERE orders.customer_id < 100 AND CASE WHEN orders.customer_id < 100 THEN (id = 1 OR id = 2) ELSE false END",
    );
    expect(await rewrite('delete from orders o')).toBe('DELETE FROM orders AS o WHERE o.customer_id < 100');
    expect(await rewrite("update customers c set city = 'x' where c.id = 1")).toBe(
      "UPDATE customers AS c SET city = 'x' WHERE (c.country = 'DE' OR c.segment = 'enterprise') AND CASE WHEN (c.country = 'DE' OR c.segment = 'enterprise') THEN c.id = 1 ELSE false END",
    );
  });

  it('keeps the target filter bound to the target when FROM has the same column names', async () => {
    const out = await rewrite("update orders set status = 'x' from order_items where order_items.order_id = orders.id");
    expect(out).toContain('WHERE orders.customer_id < 100 AND');
  });

  it('limits ON CONFLICT DO UPDATE and MERGE to visible rows', async () => {
    const insert = await rewrite("insert into orders (id, customer_id, status, ordered_at, shipping_country, total) values (1, 1, 'x', now(), 'DE', 1) on conflict (id) do update set status = excluded.status");
    expect(insert).toContain('DO UPDATE SET status = excluded.status WHERE orders.customer_id < 100');
    const merge = await rewrite("merge into orders o using (select 1 as id) s on s.id = o.id when matched then update set status = 'x' when not matched by source then delete");
    expect(merge).toContain("WHEN MATCHED AND o.customer_id < 100 THEN UPDATE");
    expect(merge).toContain('WHEN NOT MATCHED BY SOURCE AND o.customer_id < 100 THEN DELETE');
  });

  it('leaves a plain INSERT target alone', async () => {
    expect(await rewrite("insert into orders (id, customer_id, status, ordered_at, shipping_country, total) values (1, 1, 'x', now(), 'DE', 1)")).toBe(
      "INSERT INTO orders (id, customer_id, status, ordered_at, shipping_country, total) VALUES (1, 1, 'x', now(), 'DE', 1)",
    );
  });

  it('refuses to read a masked column through a write', async () => {
    for (const sql of [
      "update customers set city = 'x' where email like 'a%'",
      'update customers set full_name = email',
      "update customers set city = 'x' returning email",
      'delete from customers returning *',
      "insert into customers (id, email, full_name, country, city, segment, marketing_opt_in, created_at) values (1, 'a', 'b', 'DE', 'c', 'consumer', true, now()) on conflict (id) do update set city = customers.email",
    ]) {
      await expect(rewrite(sql), sql).rejects.toMatchObject({ code: ErrorCode.SQL_NOT_ALLOWED, details: { reason: 'masked column' } });
    }
    await expect(rewrite("update customers set city = 'x' where id = 1")).resolves.toContain('WHERE');
  });

  it('caps a read at rowCap + 1 rows, keeping ORDER BY and never raising a smaller LIMIT', async () => {
    expect(await rewrite('select name from categories order by name', [], 100)).toBe('SELECT name FROM categories ORDER BY name LIMIT 101');
    expect(await rewrite('select name from categories limit 5', [], 100)).toBe('SELECT name FROM categories LIMIT 5');
    expect(await rewrite('select name from categories limit 500', [], 100)).toBe('SELECT name FROM categories LIMIT 101');
    expect(await rewrite('select name from categories limit all', [], 100)).toBe('SELECT name FROM categories LIMIT 101');
    expect(await rewrite('select name from categories limit $1', [], 100)).toBe('SELECT name FROM categories LIMIT LEAST($1, 101)');
    expect(await rewrite('select id from orders union select id from customers order by 1', [], 10)).toBe(
      'SELECT id FROM orders UNION SELECT id FROM customers ORDER BY 1 LIMIT 11',
    );
    expect(await rewrite('values (1), (2)', [], 1)).toBe('SELECT * FROM ( VALUES (1), (2) ) AS capped LIMIT 2');
    expect(await rewrite('explain select 1', [], 1)).toBe('EXPLAIN SELECT 1');
    expect(await rewrite("update categories set name = 'x'", [], 1)).toBe("UPDATE categories SET name = 'x'");
  });

  it('refuses a row cap that is not a whole number', async () => {
    await expect(rewrite('select 1', [], -1)).rejects.toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
    await expect(rewrite('select 1', [], Number.NaN)).rejects.toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
  });

  it('refuses an analysis that belongs to another statement', async () => {
    const other = await analysePostgres('select 1', SHOP);
    await expect(rewritePostgres('select id from orders', other, SHOP, [])).rejects.toMatchObject({ code: ErrorCode.INTERNAL });
  });

  it('rewrites every allowed corpus statement to SQL that parses back to the same tree', async () => {
    const everything: TablePolicy[] = SHOP.tables.map((table) => ({
      schema: table.schema,
      table: table.name,
      rowFilter: `${table.columns[0] ?? 'id'} > 0`,
    }));
    for (const c of ALLOWED) {
      const analysis = await analysePostgres(c.sql, SHOP);
      let out: string;
      try {
        out = await rewritePostgres(c.sql, analysis, SHOP, everything, 50);
      } catch (error) {
        if (error instanceof AppError && error.details?.reason === 'masked column') continue;
        if (error instanceof AppError && error.details?.construct === 'EXPLAIN ANALYZE') continue;
        throw new Error(`rewrite failed for ${c.sql}: ${String(error)}`);
      }
      const again = await analysePostgres(out, SHOP);
      expect(again.kind, c.sql).toBe(analysis.kind);
    }
  });
});

describe('checkRowFilterPostgres', () => {
  const customers = { schema: 'public', name: 'customers', columns: COLUMNS.customers ?? [] };

  it.each([
    "country = 'DE'",
    "country in ('DE', 'FR') and not marketing_opt_in",
    "lower(city) like 'b%'",
    "created_at > now() - interval '1 year'",
    "customers.country = 'DE'",
    "public.customers.country = 'DE'",
  ])('accepts %s', async (predicate) => {
    await expect(checkRowFilterPostgres(predicate, customers)).resolves.toBeUndefined();
  });

  it.each([
    ['id in (select customer_id from orders)', 'subquer'],
    ['exists (select 1)', 'subquer'],
    ['orders.customer_id = 1', 'unknown table'],
    ['nope = 1', 'unknown column'],
    ["pg_sleep(1) is null", 'pg_sleep'],
    ['count(*) > 1', 'policy expression'],
    ['row_number() over () = 1', 'policy expression'],
    ['id = $1', 'Parameters'],
    ["true; delete from orders", 'single SQL expression'],
    ['true union select 1 from orders', 'single SQL expression'],
    ['true group by id', 'single SQL expression'],
    ['true order by 1', 'single SQL expression'],
    ["true limit 1", 'single SQL expression'],
    ['ctid is not null', 'system column'],
    ["'x'::regclass is not null", 'catalog'],
    ['customers is not null', 'whole-row'],
    ['row(customers.*) is not null', 'whole-row'],
  ])('refuses %s', async (predicate, reason) => {
    const error = await checkRowFilterPostgres(predicate, customers).then(
      () => undefined,
      (e: unknown) => e as AppError,
    );
    expect(error, predicate).toBeInstanceOf(AppError);
    expect(`${error?.message} ${JSON.stringify(error?.details)}`).toContain(reason);
  });

  it('reports a syntax error at its position in the predicate', async () => {
    await expect(checkRowFilterPostgres('country = = 1', customers)).rejects.toMatchObject({ code: ErrorCode.SQL_SYNTAX, details: { position: 11 } });
  });

  it('checks masks the same way', async () => {
    await expect(checkColumnMaskPostgres("left(email, 2) || '***'", customers)).resolves.toBeUndefined();
    await expect(checkColumnMaskPostgres('(select max(email) from customers)', customers)).rejects.toMatchObject({ code: ErrorCode.SQL_NOT_ALLOWED });
    await expect(checkColumnMaskPostgres('count(*)', customers)).rejects.toMatchObject({ code: ErrorCode.SQL_NOT_ALLOWED });
    await expect(checkColumnMaskPostgres("'x' as email", customers)).rejects.toMatchObject({ code: ErrorCode.SQL_NOT_ALLOWED });
  });
});
