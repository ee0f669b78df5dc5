import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../../src/errors/app-error.js';
import type { GateCatalog, StatementAnalysis, TablePolicy } from '../../../src/sql/analysis.js';
import { MYSQL_ALLOWED_FUNCTIONS } from '../../../src/sql/mysql/mysql-functions.js';
import { analyseMysql, checkRowFilterMysql, rewriteMysql } from '../../../src/sql/mysql/mysql-gate.js';
import { ALL, catalog, corpus } from '../../fixtures/mysql-corpus.js';
import { refusal } from '../../helpers/app-error.js';


function columnSummary(analysis: StatementAnalysis, table: string): string[] {
  const use = analysis.tables.find((entry) => entry.table === table);
  return (use?.columns ?? []).map((column) => `${column.column}:${column.actions.join('/')}`).sort();
}

describe('analyseMysql — corpus', () => {
  it('has at least 120 statements', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(120);
  });

  it.each(corpus.map(([sql, outcome, note]) => ({ sql, outcome, note, label: JSON.stringify(sql).slice(0, 110) })))(
    '$label',
    ({ sql, outcome }) => {
      if ('code' in outcome) {
        const error = refusal(() => analyseMysql(sql, catalog));
        expect(error.code).toBe(outcome.code);
        const said = `${error.message} ${String(error.details?.construct ?? '')}`.toLowerCase();
        expect(said).toContain(outcome.reason.toLowerCase());
        return;
      }
      const analysis = analyseMysql(sql, catalog);
      expect(analysis.dialect).toBe('mysql');
      expect(analysis.kind).toBe(outcome.kind);
      expect(analysis.statementType).toBe(outcome.type);
      const tables = Object.fromEntries(analysis.tables.map((use) => [use.table, use.actions.join(',')]));
      expect(tables).toEqual(outcome.tables);
      for (const use of analysis.tables) expect(use.schema).toBe('shop');
      for (const [table, expected] of Object.entries(outcome.columns ?? {})) {
        const wanted =
          expected === ALL
            ? (catalog.tables.find((entry) => entry.name === table)?.columns ?? []).map((column) => `${column}:READ`).sort()
            : expected.split(/\s+/).filter(Boolean).sort();
        expect(columnSummary(analysis, table)).toEqual(wanted);
      }
      if (outcome.functions) expect(analysis.functions).toEqual(outcome.functions);
      for (const fn of analysis.functions) expect(MYSQL_ALLOWED_FUNCTIONS.has(fn) || fn === 'values').toBe(true);
      expect(analysis.fingerprint).toMatch(/^[0-9a-f]{40}$/);
    },
  );
});

describe('analyseMysql — details', () => {
  it('classifies every allowed corpus statement as exactly one of READ or WRITE, never both', () => {
    for (const [sql, outcome] of corpus) {
      if ('code' in outcome) continue;
      const { kind } = analyseMysql(sql, catalog);
      expect(kind === 'READ' ? outcome.kind === 'READ' : outcome.kind === 'WRITE').toBe(true);
    }
  });

  it('reports a syntax error with the position the parser stopped at and its words', () => {
    const error = refusal(() => analyseMysql('select id\nfrm orders', catalog));
    expect(error.code).toBe(ErrorCode.SQL_SYNTAX);
    expect(error.details?.position).toBe(14);
    expect(error.message).toContain('line 2, column 5 near "orders"');
    expect(error.message).toMatch(/expected .*"FROM".* but found "o"/);
  });

  it('writes DEFAULT back as the keyword, not as a quoted column', () => {
    const sql = 'insert into orders (id, `status`) values (1, default)';
    expect(rewriteMysql(sql, analyseMysql(sql, catalog), catalog, [])).toBe('INSERT INTO `orders` (`id`, `status`) VALUES (1,DEFAULT)');
    const update = 'update orders set status = default where id = 1';
    expect(rewriteMysql(update, analyseMysql(update, catalog), catalog, [])).toBe('UPDATE `orders` SET `status` = DEFAULT WHERE `id` = 1');
  });

  it('refuses DEFAULT where a column named default could be meant', () => {
    const withDefault: GateCatalog = { searchPath: ['shop'], tables: [{ schema: 'shop', name: 'settings', columns: ['id', 'default', 'value'] }] };
    expect(() => analyseMysql('update settings set value = default where id = 1', withDefault)).toThrow(/ambiguous/);
    expect(analyseMysql('update settings s set s.value = s.default', withDefault).tables[0]?.columns).toEqual([
      { column: 'value', actions: ['UPDATE'] },
      { column: 'default', actions: ['READ'] },
    ]);
  });

  it('quotes INSERT columns that are keywords when printing', () => {
    const keywords: GateCatalog = { searchPath: ['shop'], tables: [{ schema: 'shop', name: 'events', columns: ['order', 'key'] }] };
    const sql = 'insert into events (`order`, `key`) values (1, 2)';
    expect(rewriteMysql(sql, analyseMysql(sql, keywords), keywords, [])).toBe('INSERT INTO `events` (`order`, `key`) VALUES (1,2)');
  });

  it('reports the position of a lexer denial', () => {
    const error = refusal(() => analyseMysql('select 1 /*!50000 , 2 */', catalog));
    expect(error.details).toMatchObject({ construct: 'executable comment', position: 9 });
  });

  it('gives the same fingerprint whatever the literals, comments and spacing', () => {
    const a = analyseMysql("select id from orders where status = 'paid' and total > 10 and id in (1, 2, 3)", catalog);
    const b = analyseMysql("SELECT id\n  FROM orders /* x */ WHERE status = 'shipped' AND total > 99.5 AND id IN (7)", catalog);
    expect(a.fingerprint).toBe(b.fingerprint);
  });

  it('gives different fingerprints to different shapes', () => {
    const a = analyseMysql('select id from orders where total > 10', catalog);
    const b = analyseMysql('select id from orders where total < 10', catalog);
    const c = analyseMysql('select `id` from orders where total > 10', catalog);
    expect(new Set([a.fingerprint, b.fingerprint, c.fingerprint]).size).toBe(3);
  });

  it('lists functions once, lower-case', () => {
    const analysis = analyseMysql('select LOWER(email), lower(city), COUNT(*) from customers group by email, city', catalog);
    expect(analysis.functions).toEqual(['lower', 'count']);
  });

  it('needs a default database for unqualified tables', () => {
    const error = refusal(() => analyseMysql('select * from orders', { ...catalog, searchPath: [] }));
    expect(error.message).toContain('default database');
  });

  it('resolves unqualified tables in the connection database only', () => {
    const twoDatabases: GateCatalog = {
      searchPath: ['shop'],
      tables: [...catalog.tables, { schema: 'archive', name: 'old_orders', columns: ['id'] }],
    };
    expect(analyseMysql('select id from archive.old_orders', twoDatabases).tables[0]).toMatchObject({ schema: 'archive', table: 'old_orders' });
    expect(() => analyseMysql('select id from old_orders', twoDatabases)).toThrow(/Unknown table/);
  });

  it('never throws anything but AppError', () => {
    for (const sql of ['select (', ')', "'", '`', '/*', 'select 1 union', 'select * from orders where', '\\N', 'select 1 from orders o join']) {
      expect(() => analyseMysql(sql, catalog)).toThrow(AppError);
    }
  });
});

describe('checkRowFilterMysql', () => {
  const orders = catalog.tables.find((table) => table.name === 'orders') as GateCatalog['tables'][number];

  it.each([
    "status <> 'cancelled'",
    "shipping_country in ('DE', 'FR') and total < 1000",
    'customer_id = 42',
    "orders.status = 'paid'",
    'year(ordered_at) >= 2024 or shipped_at is null',
  ])('accepts %s', (predicate) => {
    expect(() => checkRowFilterMysql(predicate, orders)).not.toThrow();
  });

  it.each([
    ['email = 1', 'unknown column'],
    ['customers.id = 1', 'unknown table'],
    ['customer_id in (select id from customers)', 'sub-quer'],
    ['exists (select 1)', 'sub-quer'],
    ['sleep(1) = 0', 'SLEEP'],
    ['total > 0; drop table orders', 'one statement'],
    ["status = 'x' /*!50000 or 1=1 */", 'executable comment'],
    ['1) union (select 1', 'single expression'],
    ['@x = 1', 'variable'],
    ['status = ', 'not allowed'],
  ])('refuses %s', (predicate, reason) => {
    const error = refusal(() => checkRowFilterMysql(predicate, orders));
    expect(error.code).toBe(ErrorCode.SQL_NOT_ALLOWED);
    expect(`${error.message} ${String(error.details?.construct)}`.toLowerCase()).toContain(reason.toLowerCase());
  });
});

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
