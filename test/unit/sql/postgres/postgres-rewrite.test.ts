import { parse } from 'libpg-query';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../../../src/errors/app-error.js';
import type { TableAction, TablePolicy } from '../../../../src/sql/analysis.js';
import { analysePostgres } from '../../../../src/sql/postgres/postgres-analyser.js';
import { rewritePostgres } from '../../../../src/sql/postgres/postgres-rewrite.js';
import { ALLOWED, SHOP } from '../../../fixtures/postgres-corpus.js';


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
