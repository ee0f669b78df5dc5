import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../src/errors/app-error.js';
import type { TablePolicy } from '../../../../src/sql/analysis.js';
import { rewriteMysql } from '../../../../src/sql/mysql/mysql-rewrite.js';
import { analyseMysql } from '../../../../src/sql/mysql/mysql-statement.js';
import { catalog, corpus } from '../../../fixtures/mysql-corpus.js';
import { refusal } from '../../../helpers/app-error.js';

describe('rewriteMysql', () => {
  const policies: TablePolicy[] = [
    { schema: 'shop', table: 'customers', rowFilter: "country = 'DE'", masks: { email: "'***'" } },
    { schema: 'shop', table: 'orders', rowFilter: "status <> 'cancelled'" },
  ];
  const CUSTOMERS =
    "(SELECT `id`, ('***') AS `email`, `full_name`, `country`, `city`, `segment`, `marketing_opt_in`, `created_at` FROM `shop`.`customers` WHERE (`country` = 'DE') LIMIT 18446744073709551615)";
  const ORDERS =
    "(SELECT `id`, `customer_id`, `status`, `ordered_at`, `shipped_at`, `shipping_country`, `total` FROM `shop`.`orders` WHERE (`status` <> 'cancelled') LIMIT 18446744073709551615)";

  const rewrite = (sql: string, rowCap?: number, given: readonly TablePolicy[] = policies): string =>
    rewriteMysql(sql, analyseMysql(sql, catalog), catalog, given, rowCap);

  it('wraps a policy table as a derived table under its own name', () => {
    expect(rewrite('select email from customers')).toBe(`SELECT \`email\` FROM ${CUSTOMERS} AS \`customers\``);
  });

  it('keeps aliases, and wraps every reference in every scope', () => {
    const out = rewrite(
      'select c.email, (select count(*) from orders o where o.customer_id = c.id) as n from customers c where c.id in (select customer_id from orders)',
    );
    expect(out).toBe(
      `SELECT \`c\`.\`email\`, (SELECT COUNT(*) FROM ${ORDERS} AS \`o\` WHERE \`o\`.\`customer_id\` = \`c\`.\`id\`) AS \`n\` FROM ${CUSTOMERS} AS \`c\` WHERE \`c\`.\`id\` IN (SELECT \`customer_id\` FROM ${ORDERS} AS \`orders\`)`,
    );
  });

  it('rewrites the same statement afresh each time: one agent’s filter never carries over to the next', () => {
    const sql = 'select id, email from customers where id = ?';
    const filtered = rewrite(sql);
    expect(filtered).toContain(CUSTOMERS);
    expect(rewrite(sql, undefined, [])).not.toContain('WHERE (`country`');
    expect(rewrite(sql, undefined, [{ schema: 'shop', table: 'customers', rowFilter: "country = 'FR'" }])).not.toContain("'DE'");
    expect(rewrite(sql)).toBe(filtered);
  });

  it('leaves tables without a policy alone', () => {
    expect(rewrite('select p.name from products p join orders o on o.id = p.id')).toBe(
      `SELECT \`p\`.\`name\` FROM \`products\` AS \`p\` INNER JOIN ${ORDERS} AS \`o\` ON \`o\`.\`id\` = \`p\`.\`id\``,
    );
  });

  it('drops the database qualifier of columns of a wrapped table', () => {
    expect(rewrite('select shop.orders.id from shop.orders')).toBe(`SELECT \`orders\`.\`id\` FROM ${ORDERS} AS \`orders\``);
  });

  it('wraps inside CTEs, unions and derived tables', () => {
    const out = rewrite('with x as (select id, email from customers) select email from x union select status from (select status from orders) d');
    expect(out).toContain(`FROM ${CUSTOMERS} AS \`customers\``);
    expect(out).toContain(`FROM ${ORDERS} AS \`orders\``);
  });

  it('ANDs the row filter into an UPDATE, qualified by the target alias, guarding the statement’s own condition', () => {
    expect(rewrite("update orders o set o.total = 0 where o.id = 3 or o.id = 4")).toBe(
      "UPDATE `orders` AS `o` SET `o`.`total` = 0 WHERE (`o`.`status` <> 'cancelled') AND CASE WHEN (`o`.`status` <> 'cancelled') THEN (`o`.`id` = 3 OR `o`.`id` = 4) ELSE FALSE END",
    );
  });

  it('adds a WHERE to an UPDATE that had none', () => {
    expect(rewrite("update customers set city = 'Berlin'")).toBe("UPDATE `customers` SET `city` = 'Berlin' WHERE (`customers`.`country` = 'DE')");
  });

  it('ANDs the row filter into a DELETE', () => {
    expect(rewrite('delete from orders where id = 1')).toBe(
      "DELETE FROM `orders` WHERE (`orders`.`status` <> 'cancelled') AND CASE WHEN (`orders`.`status` <> 'cancelled') THEN (`id` = 1) ELSE FALSE END",
    );
  });

  it('wraps the read tables of a multi-table UPDATE and filters its target, guarding ON and WHERE', () => {
    const filter = "(`o`.`status` <> 'cancelled')";
    expect(rewrite("update orders o join customers c on o.customer_id = c.id set o.total = 0 where c.city = 'Bonn'")).toBe(
      `UPDATE \`orders\` AS \`o\` INNER JOIN ${CUSTOMERS} AS \`c\` ON CASE WHEN ${filter} THEN (\`o\`.\`customer_id\` = \`c\`.\`id\`) ELSE FALSE END ` +
        `SET \`o\`.\`total\` = 0 WHERE ${filter} AND CASE WHEN ${filter} THEN (\`c\`.\`city\` = 'Bonn') ELSE FALSE END`,
    );
  });

  it('filters the target of a multi-table DELETE and wraps the others', () => {
    const out = rewrite("delete o from orders o join customers c on o.customer_id = c.id where c.city = 'Bonn'");
    expect(out).toContain(`INNER JOIN ${CUSTOMERS} AS \`c\``);
    expect(out).toContain("WHERE (`o`.`status` <> 'cancelled') AND CASE WHEN (`o`.`status` <> 'cancelled') THEN (`c`.`city` = 'Bonn') ELSE FALSE END");
    expect(out).toMatch(/^DELETE `o` FROM `orders` AS `o`/);
  });

  it('leaves an INSERT target alone and wraps its SELECT source', () => {
    expect(rewrite('insert into orders (id, customer_id) select id, id from customers')).toBe(
      `INSERT INTO \`orders\` (\`id\`, \`customer_id\`) SELECT \`id\`, \`id\` FROM ${CUSTOMERS} AS \`customers\``,
    );
  });

  it('refuses ON DUPLICATE KEY UPDATE and REPLACE on a row-filtered table', () => {
    expect(() => rewrite('insert into orders (id) values (1) on duplicate key update total = 0')).toThrow(/ON DUPLICATE KEY UPDATE/);
    expect(() => rewrite("replace into customers (id, email) values (1, 'x')")).toThrow(/REPLACE/);
    expect(rewrite('insert into products (id) values (1) on duplicate key update stock = 0')).toBe(
      'INSERT INTO `products` (`id`) VALUES (1) ON DUPLICATE KEY UPDATE `stock` = 0',
    );
  });

  it('refuses a write that reads a masked column of its target', () => {
    const error = refusal(() => rewrite("delete from customers where email = 'victim@example.com'"));
    expect(error.details?.construct).toBe('masked column in write');
    expect(() => rewrite("update customers set city = email where id = 1")).toThrow(/masked column/);
    expect(() => rewrite("update customers set city = 'x' where id = 1")).not.toThrow();
  });

  it('caps a read without LIMIT at rowCap + 1', () => {
    expect(rewrite('select id from products', 100)).toBe('SELECT `id` FROM `products` LIMIT 101');
  });

  it('keeps a smaller LIMIT and lowers a larger one, OFFSET untouched', () => {
    expect(rewrite('select id from products limit 5', 100)).toBe('SELECT `id` FROM `products` LIMIT 5');
    expect(rewrite('select id from products limit 500 offset 20', 100)).toBe('SELECT `id` FROM `products` LIMIT 101 OFFSET 20');
    expect(rewrite('select id from products limit 20, 500', 100)).toBe('SELECT `id` FROM `products` LIMIT 20, 101');
  });

  it('caps a UNION as a whole', () => {
    expect(rewrite('select id from products union select id from categories', 10)).toBe(
      'SELECT `id` FROM `products` UNION SELECT `id` FROM `categories` LIMIT 11',
    );
  });

  it('wraps when the LIMIT is a placeholder or the last UNION member is parenthesised', () => {
    expect(rewrite('select id from products limit ?', 10)).toBe(
      'SELECT * FROM (SELECT `id` FROM `products` LIMIT ?) AS `warden_capped` LIMIT 11',
    );
    const out = rewrite('(select id from products) union (select id from categories limit 3)', 10);
    expect(out).toMatch(/^SELECT \* FROM \(.*\) AS `warden_capped` LIMIT 11$/);
  });

  it('caps EXPLAIN the same way and never caps a write', () => {
    expect(rewrite('explain select id from products', 10)).toBe('EXPLAIN SELECT `id` FROM `products` LIMIT 11');
    expect(rewrite('update products set stock = 0 where id = 1', 10)).toBe('UPDATE `products` SET `stock` = 0 WHERE `id` = 1');
  });

  it('keeps WITHIN GROUP through the rewrite', () => {
    expect(rewrite('select percentile_cont(0.5) within group (order by total desc) over () as m from orders')).toBe(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY \`total\` DESC) OVER () AS \`m\` FROM ${ORDERS} AS \`orders\``,
    );
  });

  it('refuses policies that are not over the table itself', () => {
    const bad = (policy: TablePolicy) => () => rewrite('select id from orders', undefined, [policy]);
    expect(bad({ schema: 'shop', table: 'orders', rowFilter: 'customer_id in (select id from customers)' })).toThrow(/sub-quer/i);
    expect(bad({ schema: 'shop', table: 'orders', rowFilter: "email = 'x'" })).toThrow(/Unknown column/);
    expect(bad({ schema: 'shop', table: 'orders', masks: { total: 'sleep(1)' } })).toThrow(/SLEEP/);
    expect(bad({ schema: 'shop', table: 'orders', masks: { nope: "'x'" } })).toThrow(/does not have/);
  });

  it('refuses, rather than guesses, when the printed rewrite does not pass the gate again', () => {
    // Valid MariaDB, but node-sql-parser cannot read a derived table at the start of a parenthesised join.
    const error = refusal(() => rewrite('select * from order_items oi join (orders o join customers c on c.id = o.customer_id) on o.id = oi.order_id'));
    expect(error.code).toBe(ErrorCode.SQL_NOT_ALLOWED);
    expect(error.details?.construct).toBe('rewrite');
    expect(rewrite('select * from order_items oi join (products p join categories c on c.id = p.category_id) on p.id = oi.product_id')).toContain(
      'INNER JOIN (`products` AS `p` INNER JOIN `categories` AS `c`',
    );
  });

  it('refuses an analysis of another statement', () => {
    const other = analyseMysql('select id from orders where total > 1', catalog);
    const error = refusal(() => rewriteMysql('select id from orders', other, catalog, policies));
    expect(error.code).toBe(ErrorCode.INTERNAL);
  });

  it('produces SQL that passes the gate again with the same tables', () => {
    for (const sql of [
      'select c.email, o.total from customers c join orders o on o.customer_id = c.id where o.total > 100',
      'with recursive r(n) as (select 1 union all select n + 1 from r where n < 3) select o.id from orders o join r on r.n = o.id',
      "update orders o join customers c on o.customer_id = c.id set o.status = 'x' where c.country = 'FR'",
      'select * from orders o1 join orders o2 on o1.id = o2.id',
    ]) {
      const before = analyseMysql(sql, catalog);
      const after = analyseMysql(rewrite(sql, 50), catalog);
      expect(after.kind).toBe(before.kind);
      expect(after.statementType).toBe(before.statementType);
      expect(after.tables.map((use) => use.table).sort()).toEqual(before.tables.map((use) => use.table).sort());
    }
  });

  it('prints every allowed corpus statement back to SQL with the same analysis (no policies, no cap)', () => {
    for (const [sql, outcome] of corpus) {
      if ('code' in outcome) continue;
      const before = analyseMysql(sql, catalog);
      const printed = rewriteMysql(sql, before, catalog, []);
      const after = analyseMysql(printed, catalog);
      expect({ sql: printed, kind: after.kind, type: after.statementType, tables: after.tables, functions: after.functions }).toEqual({
        sql: printed,
        kind: before.kind,
        type: before.statementType,
        tables: before.tables,
        functions: before.functions,
      });
    }
  });
});
