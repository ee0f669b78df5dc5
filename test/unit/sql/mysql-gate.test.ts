import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../../src/errors/app-error.js';
import type { GateCatalog, StatementAnalysis, TablePolicy } from '../../../src/sql/analysis.js';
import { MYSQL_ALLOWED_FUNCTIONS } from '../../../src/sql/mysql/mysql-functions.js';
import { analyseMysql, checkRowFilterMysql, rewriteMysql } from '../../../src/sql/mysql/mysql-gate.js';

/** The demo shop schema (src/demo/shop-seed.ts) as a MariaDB database named `shop`. */
const catalog: GateCatalog = {
  searchPath: ['shop'],
  tables: [
    { schema: 'shop', name: 'categories', columns: ['id', 'name', 'description'] },
    {
      schema: 'shop',
      name: 'customers',
      columns: ['id', 'email', 'full_name', 'country', 'city', 'segment', 'marketing_opt_in', 'created_at'],
    },
    {
      schema: 'shop',
      name: 'products',
      columns: ['id', 'sku', 'name', 'category_id', 'price', 'cost', 'stock', 'active', 'created_at'],
    },
    {
      schema: 'shop',
      name: 'orders',
      columns: ['id', 'customer_id', 'status', 'ordered_at', 'shipped_at', 'shipping_country', 'total'],
    },
    { schema: 'shop', name: 'order_items', columns: ['id', 'order_id', 'product_id', 'quantity', 'unit_price', 'discount'] },
    { schema: 'shop', name: 'reviews', columns: ['id', 'product_id', 'customer_id', 'rating', 'title', 'created_at'] },
  ],
};

const ALL = 'ALL';

interface Allowed {
  kind: 'READ' | 'WRITE';
  type: string;
  /** table → its actions, comma-separated; exactly these tables. */
  tables: Record<string, string>;
  /** table → "col:ACTION/ACTION col:ACTION" (any order), or ALL (every catalog column READ). */
  columns?: Record<string, string>;
  functions?: string[];
}

interface Denied {
  code: ErrorCode;
  /** A substring of the message or of details.construct (case-insensitive). */
  reason: string;
}

type Case = [sql: string, outcome: Allowed | Denied, note?: string];

const read = (tables: Record<string, string> = {}, more: Partial<Allowed> = {}): Allowed => ({ kind: 'READ', type: 'SELECT', tables, ...more });
const write = (type: string, tables: Record<string, string>, more: Partial<Allowed> = {}): Allowed => ({ kind: 'WRITE', type, tables, ...more });
const denied = (reason: string): Denied => ({ code: ErrorCode.SQL_NOT_ALLOWED, reason });
const syntax = (reason = 'syntax error'): Denied => ({ code: ErrorCode.SQL_SYNTAX, reason });
/** A legitimate construct node-sql-parser cannot parse: denied as a syntax error that says so. */
const parserGap = (): Denied => ({ code: ErrorCode.SQL_SYNTAX, reason: "gate's parser does not support" });

const PARSER_LIMIT = 'parser limitation: legitimate SQL the parser cannot read';

const corpus: Case[] = [
  // ───────────── benign reads ─────────────
  ['select * from orders', read({ orders: 'READ' }, { columns: { orders: ALL } })],
  ["select id, total from orders where status = 'paid'", read({ orders: 'READ' }, { columns: { orders: 'id:READ total:READ status:READ' } })],
  ['SELECT `id` FROM `orders`', read({ orders: 'READ' }, { columns: { orders: 'id:READ' } }), 'backticks'],
  ['select ID, Total from orders', read({ orders: 'READ' }, { columns: { orders: 'id:READ total:READ' } }), 'column names are case-insensitive, reported in catalog spelling'],
  ['select o.id from shop.orders o', read({ orders: 'READ' }, { columns: { orders: 'id:READ' } })],
  ['select shop.orders.id from shop.orders', read({ orders: 'READ' }, { columns: { orders: 'id:READ' } })],
  ['select `shop`.`orders`.`total` from `shop`.`orders`', read({ orders: 'READ' }, { columns: { orders: 'total:READ' } })],
  ['select `o`.id from orders as `o`', read({ orders: 'READ' }, { columns: { orders: 'id:READ' } })],
  [
    'select o.id, c.email from orders o join customers c on c.id = o.customer_id where o.total > 10 order by o.id limit 5',
    read({ orders: 'READ', customers: 'READ' }, { columns: { orders: 'id:READ customer_id:READ total:READ', customers: 'id:READ email:READ' } }),
  ],
  [
    'select c.full_name, o.id from customers c left join orders o on o.customer_id = c.id',
    read({ customers: 'READ', orders: 'READ' }, { columns: { customers: 'id:READ full_name:READ', orders: 'id:READ customer_id:READ' } }),
  ],
  [
    'select customer_id, count(*) from orders join reviews using (customer_id) group by customer_id',
    read({ orders: 'READ', reviews: 'READ' }, { columns: { orders: 'customer_id:READ', reviews: 'customer_id:READ' }, functions: ['count'] }),
    'JOIN … USING merges the column: not ambiguous',
  ],
  [
    'select oi.quantity, p.name, c.name from order_items oi join products p on p.id = oi.product_id join categories c on c.id = p.category_id',
    read({ order_items: 'READ', products: 'READ', categories: 'READ' }),
  ],
  ['select * from orders o1 join orders o2 on o1.id = o2.id', read({ orders: 'READ' }, { columns: { orders: ALL } }), 'self join'],
  ['select o.* from orders o', read({ orders: 'READ' }, { columns: { orders: ALL } })],
  ['select c.*, o.id from customers c join orders o on o.customer_id = c.id', read({ customers: 'READ', orders: 'READ' }, { columns: { customers: ALL, orders: 'id:READ customer_id:READ' } })],
  ['select * from order_items oi join (orders o join customers c on c.id = o.customer_id) on o.id = oi.order_id', read({ order_items: 'READ', orders: 'READ', customers: 'READ' }), 'parenthesised join'],
  ['select name from products where category_id in (select id from categories where name like \'Lap%\')', read({ products: 'READ', categories: 'READ' })],
  ['select c.email from customers c where exists (select 1 from orders o where o.customer_id = c.id)', read({ customers: 'READ', orders: 'READ' }, { columns: { customers: 'id:READ email:READ', orders: 'customer_id:READ' } }), 'correlated EXISTS'],
  ['select c.email from customers c where not exists (select 1 from orders o where o.customer_id = c.id)', read({ customers: 'READ', orders: 'READ' })],
  ['select (select email from orders) from customers', read({ customers: 'READ', orders: 'READ' }, { columns: { customers: 'email:READ', orders: '' } }), 'unqualified column resolves to the outer query'],
  ['select * from orders o where o.total > (select avg(total) from orders)', read({ orders: 'READ' }, { functions: ['avg'] })],
  ['select id, (select count(*) from order_items i where i.order_id = o.id) as lines from orders o', read({ orders: 'READ', order_items: 'READ' }, { functions: ['count'] })],
  ['select d.n from (select customer_id, count(*) as n from orders group by customer_id) as d where d.n > 3', read({ orders: 'READ' }, { columns: { orders: 'customer_id:READ' } }), 'derived table with aliases'],
  ['select d.* from (select id as order_id from orders) d', read({ orders: 'READ' }, { columns: { orders: 'id:READ' } })],
  ['with big as (select id, total from orders where total > 100) select id from big', read({ orders: 'READ' }, { columns: { orders: 'id:READ total:READ' } }), 'CTE'],
  [
    'with a as (select customer_id from orders), b as (with c as (select id from customers) select id from c) select * from a join b on a.customer_id = b.id',
    read({ orders: 'READ', customers: 'READ' }, { columns: { orders: 'customer_id:READ', customers: 'id:READ' } }),
    'nested CTEs',
  ],
  ['with recursive r(n) as (select 1 union all select n + 1 from r where n < 5) select * from r', read({}), 'recursive CTE, no tables'],
  [
    'with recursive tree as (select id, name from categories where id = 1 union all select c.id, c.name from categories c join tree t on c.id = t.id + 1) select * from tree',
    read({ categories: 'READ' }, { columns: { categories: 'id:READ name:READ' } }),
  ],
  ['with orders as (select 1 as id) select id from orders', read({}), 'a CTE shadows the table of the same name'],
  ['select id from orders union select id from customers', read({ orders: 'READ', customers: 'READ' })],
  ['select id from orders union all select customer_id from reviews order by id limit 10', read({ orders: 'READ', reviews: 'READ' })],
  ['select total as amount from orders union select price from products order by amount', read({ orders: 'READ', products: 'READ' }), 'UNION ORDER BY uses the output names'],
  ['(select id from orders) union (select id from customers)', read({ orders: 'READ', customers: 'READ' })],
  ['select id from orders intersect select customer_id from reviews', read({ orders: 'READ', reviews: 'READ' })],
  ['select id from orders except select order_id from order_items', read({ orders: 'READ', order_items: 'READ' })],
  [
    'select id, row_number() over (partition by customer_id order by ordered_at desc) as rn from orders',
    read({ orders: 'READ' }, { columns: { orders: 'id:READ customer_id:READ ordered_at:READ' }, functions: ['row_number'] }),
    'window function',
  ],
  ['select id, rank() over (order by total desc), dense_rank() over (order by total desc) from orders', read({ orders: 'READ' }, { functions: ['rank', 'dense_rank'] })],
  ['select id, lag(total, 1) over (order by ordered_at), lead(total) over (order by ordered_at) from orders', read({ orders: 'READ' }, { functions: ['lag', 'lead'] })],
  ['select id, sum(total) over (order by ordered_at rows between unbounded preceding and current row) as running from orders', read({ orders: 'READ' }, { functions: ['sum'] })],
  ['select id, avg(total) over (partition by customer_id order by ordered_at rows between 2 preceding and current row) from orders', read({ orders: 'READ' }, { functions: ['avg'] })],
  ['select sum(total) over w from orders window w as (partition by customer_id order by ordered_at)', read({ orders: 'READ' }), 'named window (MySQL grammar)'],
  ['select id, ntile(4) over (order by total), percent_rank() over (order by total), cume_dist() over (order by total) from orders', read({ orders: 'READ' })],
  ['select first_value(total) over (partition by status order by ordered_at), nth_value(total, 2) over (order by ordered_at) from orders', read({ orders: 'READ' })],
  ['select status, median(total) over (partition by status) from orders', read({ orders: 'READ' }, { functions: ['median'] }), 'MariaDB MEDIAN'],
  ['SELECT PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY total) OVER () FROM orders', read({ orders: 'READ' }, { columns: { orders: 'total:READ' }, functions: ['percentile_cont'] }), 'MariaDB WITHIN GROUP, carried past the parser'],
  ['select status, percentile_disc(0.9) within group (order by total desc) over (partition by status) as p90 from orders', read({ orders: 'READ' }, { columns: { orders: 'status:READ total:READ' } })],
  ["select customer_id, group_concat(distinct status order by status separator ', ') from orders group by customer_id", read({ orders: 'READ' }, { functions: ['group_concat'] }), 'GROUP_CONCAT (MySQL grammar)'],
  ['select group_concat(name) from categories', read({ categories: 'READ' })],
  ['select country, segment, count(*) from customers group by country, segment with rollup', read({ customers: 'READ' })],
  ['select avg(price - cost) margin, category_id from products group by category_id having margin > 10', read({ products: 'READ' }, { columns: { products: 'price:READ cost:READ category_id:READ' } })],
  ['select total * 2 as double_total from orders order by double_total', read({ orders: 'READ' }, { columns: { orders: 'total:READ' } }), 'ORDER BY a select alias'],
  ['select count(distinct customer_id), sum(total), min(total), max(total) from orders', read({ orders: 'READ' }, { functions: ['count', 'sum', 'min', 'max'] })],
  ['select stddev(total), stddev_pop(total), var_samp(total), bit_or(id) from orders', read({ orders: 'READ' })],
  ["select json_arrayagg(id), json_objectagg(id, status) from orders", read({ orders: 'READ' })],
  ["select case when total > 100 then 'big' when total > 10 then 'mid' else 'small' end as size from orders", read({ orders: 'READ' })],
  ["select case status when 'paid' then 1 else 0 end from orders", read({ orders: 'READ' })],
  ['select coalesce(shipped_at, ordered_at), ifnull(shipped_at, 0), nullif(status, \'x\'), if(total > 1, 1, 0) from orders', read({ orders: 'READ' }, { functions: ['coalesce', 'ifnull', 'nullif', 'if'] })],
  [
    "select date_format(ordered_at, '%Y-%m'), date_add(ordered_at, interval 1 day), timestampdiff(day, ordered_at, shipped_at), extract(year from ordered_at) from orders",
    read({ orders: 'READ' }, { functions: ['date_format', 'date_add', 'timestampdiff', 'extract'] }),
  ],
  ['select year(ordered_at), month(ordered_at), week(ordered_at), quarter(ordered_at), dayofweek(ordered_at), last_day(ordered_at) from orders', read({ orders: 'READ' })],
  ["select unix_timestamp(ordered_at), from_unixtime(0), str_to_date('2024-01-01', '%Y-%m-%d'), datediff(now(), ordered_at) from orders", read({ orders: 'READ' })],
  ["select now(), curdate(), current_date, current_timestamp", read({})],
  ["select json_extract(title, '$.a'), json_unquote(title), title->>'$.b' from reviews", read({ reviews: 'READ' }), 'JSON accessors (->> via MySQL grammar)'],
  ['select cast(total as decimal(10,2)), convert(total, char), convert(email using latin1) from orders o join customers c on c.id = o.customer_id', read({ orders: 'READ', customers: 'READ' })],
  ["select concat(full_name, ' <', email, '>'), lower(email), upper(city), substring_index(email, '@', -1), trim(both ' ' from city), length(full_name) from customers", read({ customers: 'READ' })],
  ["select lpad(sku, 10, '0'), replace(name, 'a', 'b'), left(name, 3), locate('a', name), round(price, 1), floor(cost), abs(stock - 5) from products", read({ products: 'READ' })],
  ['select id from orders limit 5 offset 10', read({ orders: 'READ' })],
  ['select id from orders limit 10, 5', read({ orders: 'READ' })],
  ['select id from orders where id = ? and status in (?, ?)', read({ orders: 'READ' }), 'placeholders'],
  ['select distinct country from customers', read({ customers: 'READ' })],
  ['select id from orders where shipped_at is null and total between 10 and 20 and status not in (\'cancelled\')', read({ orders: 'READ' })],
  ["select id from orders where status regexp '^pa'", read({ orders: 'READ' })],
  ['select rand(), pi(), greatest(1, 2), least(3, 4)', read({}, { functions: ['rand', 'pi', 'greatest', 'least'] })],
  ['select 1', read({})],
  ['select 1 from dual', read({})],
  ['select c.id, x.n from customers c, lateral (select count(*) n from orders o where o.customer_id = c.id) x', read({ customers: 'READ', orders: 'READ' }), 'LATERAL (MySQL 8)'],
  ['explain select * from orders where id = 1', { kind: 'READ', type: 'EXPLAIN', tables: { orders: 'READ' } }],
  ['select id from orders;', read({ orders: 'READ' }), 'one trailing semicolon'],
  ['select id from orders ;  -- done', read({ orders: 'READ' })],

  // ───────────── look-alikes that are fine ─────────────
  ["select '/*!x*/' as s", read({}), 'executable-comment text inside a string is just text'],
  ["select 'a; drop table orders' as s", read({}), 'a semicolon inside a string'],
  ["select id from orders where status = 'union select password from mysql.user'", read({ orders: 'READ' }), 'keywords inside a literal'],
  ["select 'it''s' as s", read({}), 'doubled quote'],
  ["select 'a\\\\b', 'tab\\there' as s", read({}), 'backslash escapes other than \\\' are fine'],
  ['select `order`.id from orders as `order`', read({ orders: 'READ' }), 'reserved word as a quoted alias'],
  ['select id /* plain comment */ from orders', read({ orders: 'READ' })],
  ['select id from orders -- a comment with /*! inside', read({ orders: 'READ' })],
  ['select id from orders # hash comment /*M! inside', read({ orders: 'READ' })],
  ['select id from orders # hi\nunion select email from customers', read({ orders: 'READ', customers: 'READ' }, { columns: { orders: 'id:READ', customers: 'email:READ' } }), 'a comment does not hide the next line'],
  ['select id from orders --\tx\nwhere id = 1', read({ orders: 'READ' }), '-- followed by a tab is a comment'],
  ['select 1 - -1', read({}), 'double minus written with a space'],
  ['select id from orders where not (id = 1)', read({ orders: 'READ' }, { functions: [] }), 'NOT (…) comes out of the parser as a function'],
  ['select id from orders limit 5, 18446744073709551615', read({ orders: 'READ' }), 'the classic "offset without limit" idiom'],
  ['select email as country from customers group by country', read({ customers: 'READ' }, { columns: { customers: 'email:READ country:READ' } }), 'GROUP BY a name that is both alias and column: both counted'],

  // ───────────── writes ─────────────
  ['insert into orders (id, customer_id, total) values (1, 2, 3.5)', write('INSERT', { orders: 'INSERT' }, { columns: { orders: 'id:INSERT customer_id:INSERT total:INSERT' } })],
  ["insert into orders values (1, 2, 'paid', now(), null, 'DE', 3)", write('INSERT', { orders: 'INSERT' }, { columns: { orders: 'id:INSERT customer_id:INSERT status:INSERT ordered_at:INSERT shipped_at:INSERT shipping_country:INSERT total:INSERT' } }), 'no column list: every column'],
  ['insert into shop.orders set id = 1, total = 2', write('INSERT', { orders: 'INSERT' }, { columns: { orders: 'id:INSERT total:INSERT' } })],
  ['insert into orders (id, customer_id) values (1, 2), (3, default)', write('INSERT', { orders: 'INSERT' })],
  ['insert ignore into reviews (product_id, rating) values (?, ?)', write('INSERT', { reviews: 'INSERT' })],
  [
    'insert into orders (id, customer_id) select id, id from customers where country = \'DE\'',
    write('INSERT', { orders: 'INSERT', customers: 'READ' }, { columns: { orders: 'id:INSERT customer_id:INSERT', customers: 'id:READ country:READ' } }),
    'INSERT … SELECT reads its source',
  ],
  ['insert into orders (id, total) values (1, (select max(total) from orders))', write('INSERT', { orders: 'READ,INSERT' })],
  [
    'insert into orders (id, total) values (1, 2) on duplicate key update total = values(total) + 1',
    write('INSERT', { orders: 'INSERT,UPDATE' }, { columns: { orders: 'id:INSERT total:INSERT/UPDATE' } }),
  ],
  ['insert into orders (id, total) values (1, 2) on duplicate key update total = total + 1', write('INSERT', { orders: 'READ,INSERT,UPDATE' }, { columns: { orders: 'id:INSERT total:READ/INSERT/UPDATE' } })],
  ['replace into categories (id, name, description) values (1, \'x\', \'y\')', write('REPLACE', { categories: 'INSERT,DELETE' }), 'REPLACE deletes the row it conflicts with'],
  ['update orders set total = total + 1 where id = 3', write('UPDATE', { orders: 'READ,UPDATE' }, { columns: { orders: 'total:READ/UPDATE id:READ' } })],
  ["update customers set marketing_opt_in = 0", write('UPDATE', { customers: 'UPDATE' }, { columns: { customers: 'marketing_opt_in:UPDATE' } })],
  ["update orders set status = default where id = 1", write('UPDATE', { orders: 'READ,UPDATE' })],
  ["update orders set status = 'cancelled' where customer_id in (select id from customers where country = 'FR')", write('UPDATE', { orders: 'READ,UPDATE', customers: 'READ' })],
  [
    "update orders o join customers c on o.customer_id = c.id set o.total = 0 where c.country = 'DE'",
    write('UPDATE', { orders: 'READ,UPDATE', customers: 'READ' }, { columns: { orders: 'customer_id:READ total:UPDATE', customers: 'id:READ country:READ' } }),
    'multi-table UPDATE: only SET tables are updated',
  ],
  ['update orders set total = 1 order by id limit 1', write('UPDATE', { orders: 'READ,UPDATE' }), 'ORDER BY/LIMIT (MySQL grammar)'],
  ['delete from orders where id = 1', write('DELETE', { orders: 'READ,DELETE' }, { columns: { orders: 'id:READ' } })],
  ['delete from reviews', write('DELETE', { reviews: 'DELETE' }, { columns: { reviews: '' } })],
  [
    "delete o from orders o join customers c on o.customer_id = c.id where c.country = 'DE'",
    write('DELETE', { orders: 'READ,DELETE', customers: 'READ' }, { columns: { orders: 'customer_id:READ', customers: 'id:READ country:READ' } }),
    'multi-table DELETE',
  ],
  ['delete o, i from orders o join order_items i on i.order_id = o.id where o.id = 5', write('DELETE', { orders: 'READ,DELETE', order_items: 'READ,DELETE' })],
  ['delete from orders where customer_id in (select id from customers where segment = \'consumer\')', write('DELETE', { orders: 'READ,DELETE', customers: 'READ' })],
  ['delete from orders order by ordered_at limit 10', write('DELETE', { orders: 'READ,DELETE' })],
  ['insert into orders (id) values (1) returning id, total', write('INSERT', { orders: 'READ,INSERT' }), 'MariaDB RETURNING reads'],
  ['delete from orders where id = 1 returning *', write('DELETE', { orders: 'READ,DELETE' }, { columns: { orders: ALL } })],
  ['with x as (select id from customers) update orders set total = 0 where customer_id in (select id from x)', write('UPDATE', { orders: 'READ,UPDATE', customers: 'READ' })],
  ['update orders set total = 0 where id = 1 or 1 = 1', write('UPDATE', { orders: 'READ,UPDATE' }), 'a tautology is still just an UPDATE; grants and row filters decide'],

  // ───────────── hostile: comments, separators, quoting ─────────────
  ['SELECT id FROM orders /*!50000 UNION SELECT 1 */', denied('executable comment'), 'the parser alone would drop this'],
  ['select id from orders /*M!100000 union select email from customers */', denied('executable comment')],
  ['select /*!32302 email, */ id from customers', denied('executable comment')],
  ['/*!50000 drop table orders */ select 1', denied('executable comment')],
  ['select /*+ MAX_EXECUTION_TIME(0) */ id from orders', denied('optimizer hint')],
  ['select id from orders /* a /* nested */ */', denied('nested comment')],
  ['select 1; drop table orders', denied('multiple statements')],
  ['select 1;;', denied('multiple statements')],
  ["select 1; select 'x'", denied('multiple statements')],
  ["select 1 --1\n, load_file('/etc/passwd')", denied('ambiguous double dash'), 'the server reads 1 - -1; the parser a comment'],
  ['select "email" from customers', denied('double-quoted'), 'string or identifier depending on ANSI_QUOTES'],
  ["select id from orders where status = 'x\\' or 1=1 -- '", denied('backslash-escaped quote'), 'NO_BACKSLASH_ESCAPES would end the string early'],
  ["select 'unterminated", syntax('unterminated string')],
  ['select 1 /* never closed', syntax('unterminated /* comment')],
  ['select `unterminated from orders', syntax('unterminated')],
  ['select id from orders\u0000', denied('NUL')],
  ['', syntax('empty')],
  ['   -- only a comment', syntax('empty')],

  // ───────────── hostile: functions ─────────────
  ["select load_file('/etc/passwd')", denied('LOAD_FILE')],
  ['select sleep(5)', denied('SLEEP')],
  ['select id from orders where exists (select sleep(1))', denied('SLEEP'), 'hidden in a sub-query'],
  ["select benchmark(10000000, md5('a'))", denied('BENCHMARK')],
  ["select get_lock('x', 10)", denied('GET_LOCK')],
  ["select release_lock('x')", denied('RELEASE_LOCK')],
  ["select master_pos_wait('log', 4)", denied('MASTER_POS_WAIT')],
  ["select sys_exec('id')", denied('SYS_EXEC')],
  ["select sys_eval('id')", denied('SYS_EVAL')],
  ['select user()', denied('USER')],
  ['select current_user()', denied('CURRENT_USER')],
  ['select database()', denied('DATABASE')],
  ['select version()', denied('VERSION')],
  ['select connection_id()', denied('CONNECTION_ID')],
  ['select uuid()', denied('MAC address')],
  ['select shop.total_with_tax(total) from orders', denied('schema-qualified')],
  ['select total_with_tax(total) from orders', denied('TOTAL_WITH_TAX'), 'a user-defined function'],
  ['select `sleep`(1)', denied('quoted function')],
  ["update orders set status = (select load_file('/etc/passwd')) where id = 1", denied('LOAD_FILE')],
  ['insert into orders (id) values (sleep(1))', denied('SLEEP')],

  // ───────────── hostile: clauses ─────────────
  ["select id from orders into outfile '/tmp/x'", denied('SELECT INTO')],
  ["select id into dumpfile '/tmp/x' from orders", denied('SELECT INTO')],
  ['select id into @x from orders', denied('SELECT INTO')],
  ['select id from orders limit 1 into @x', denied('SELECT INTO')],
  ["select 1 union select 2 into outfile '/tmp/x'", denied('SELECT INTO')],
  ['select * from orders for update', denied('locking read')],
  ['select * from orders lock in share mode', denied('locking read')],
  ['select * from orders where id = 1 for update skip locked', denied('locking read')],
  ['select @a := 1', denied('user variable assignment')],
  ['select id, @n := @n + 1 from orders', denied('user variable')],
  ['select @@version', denied('variable')],
  ['select @x', denied('variable')],
  ['select id from orders where id = :id', denied('named placeholder')],

  // ───────────── hostile: catalog and name resolution ─────────────
  ['select * from information_schema.tables', denied('catalog reads are not allowed')],
  ['select * from INFORMATION_SCHEMA.TABLES', denied('catalog reads are not allowed')],
  ['select user, authentication_string from mysql.user', denied('catalog reads are not allowed')],
  ['select * from `mysql`.`user`', denied('catalog reads are not allowed')],
  ['select * from performance_schema.threads', denied('catalog reads are not allowed')],
  ['select * from sys.session', denied('catalog reads are not allowed')],
  ['select id from orders where id in (select id from mysql.user)', denied('catalog reads are not allowed')],
  ['select * from (select * from information_schema.columns) t', denied('catalog reads are not allowed')],
  ['with user as (select 1 as a) select * from mysql.user', denied('catalog reads are not allowed'), 'a CTE name cannot stand for a qualified table'],
  ['select mysql.user.password from orders', denied('catalog')],
  ['select * from Orders', denied('case-sensitive'), 'MariaDB on Linux: table names are case-sensitive'],
  ['select * from `Orders`', denied('case-sensitive')],
  ['select * from SHOP.orders', denied('unknown database')],
  ['select * from other_db.orders', denied('unknown database')],
  ['select * from secrets', denied('unknown table')],
  ['select password from customers', denied('unknown column')],
  ['select o.email from orders o', denied('unknown column')],
  ['select id from orders join customers on 1 = 1', denied('ambiguous')],
  ['select x.id from orders o', denied('unknown table')],
  ['select * from orders o join customers o on 1 = 1', denied('duplicate alias')],
  ['select binary email from customers', denied('misread keyword'), 'the parser reads BINARY as a column'],
  ['select distinctrow email from customers', denied('misread keyword')],
  ["select _utf8mb4'x'", denied('unknown column'), 'parser limitation: charset introducer read as a column'],
  ['select *', denied('needs a FROM')],
  ['insert into mysql.user (user) values (1)', denied('catalog reads are not allowed')],
  ['insert into orders (id, secret) values (1, 2)', denied('unknown column')],
  ['insert into orders (id) values (total)', denied('column in values')],
  ['update orders o join customers c on o.customer_id = c.id set id = 1', denied('ambiguous')],
  ['update (select id from orders) d set d.id = 1', denied('cannot be updated')],
  ['delete x from orders o', denied('not in the FROM clause')],
  ['select warden_wg_asc(1)', denied('reserved')],
  ['with recursive orders as (select * from orders) select * from orders', denied('cannot refer to itself')],
  ['select * from customers c, (select c.email) d', denied('unknown table'), 'without LATERAL a derived table cannot see its FROM neighbours'],
  ['select 1e3', denied('misread number'), 'parser limitation: exponent numbers come out as columns'],

  // ───────────── statements that are not reads or writes ─────────────
  ['set @a = 1', denied('SET')],
  ['set names utf8mb4', denied('SET')],
  ["set session sql_mode = 'ANSI_QUOTES'", denied('SET')],
  ['use mysql', denied('USE')],
  ['call cleanup()', denied('CALL')],
  ['do sleep(1)', denied('DO')],
  ['handler orders open', denied('HANDLER')],
  ["load data infile '/etc/passwd' into table orders", denied('LOAD DATA')],
  ["load data local infile '/tmp/x.csv' into table orders", denied('LOAD DATA')],
  ["load xml infile '/tmp/x.xml' into table orders", denied('LOAD XML')],
  ['lock tables orders write', denied('LOCK TABLES')],
  ['unlock tables', denied('UNLOCK TABLES')],
  ["grant all on *.* to 'x'@'%'", denied('GRANT')],
  ['revoke all on *.* from x', denied('REVOKE')],
  ['begin', denied('transaction control')],
  ['start transaction', denied('transaction control')],
  ['commit', denied('transaction control')],
  ['rollback', denied('transaction control')],
  ['savepoint a', denied('transaction control')],
  ["prepare s from 'select 1'", denied('prepared statements')],
  ['execute s', denied('prepared statements')],
  ['deallocate prepare s', denied('prepared statements')],
  ['show tables', denied('SHOW')],
  ['show grants', denied('SHOW')],
  ['describe orders', denied('DESCRIBE')],
  ['flush privileges', denied('FLUSH')],
  ['kill 1', denied('KILL')],
  ['create table x (id int)', denied('DDL (CREATE)')],
  ['create view v as select * from orders', denied('DDL (CREATE)')],
  ['drop table orders', denied('DDL (DROP)')],
  ['alter table orders add column x int', denied('DDL (ALTER)')],
  ['truncate table orders', denied('DDL (TRUNCATE)')],
  ['rename table orders to o', denied('DDL (RENAME)')],
  ['analyze table orders', denied('ANALYZE')],
  ['analyze select * from orders', denied('ANALYZE'), 'MariaDB ANALYZE runs the statement'],
  ['optimize table orders', denied('OPTIMIZE')],
  ["install plugin x soname 'x.so'", denied('plugin')],
  ['shutdown', denied('SHUTDOWN')],
  ['explain analyze select * from orders', denied('EXPLAIN ANALYZE')],
  ['explain delete from orders', denied('EXPLAIN of a write')],
  ['explain update orders set total = 0', denied('EXPLAIN of a write')],
  ['explain orders', denied('EXPLAIN of a table')],
  ['explain format=json select * from orders', denied('EXPLAIN FORMAT')],
  ['values (1, 2)', denied('VALUES')],
  ['table orders', denied('TABLE')],
  ['(select 1) union (select load_file(\'x\'))', denied('LOAD_FILE')],
  ['select', syntax()],

  // ───────────── legitimate SQL the parser cannot read (denied, recorded) ─────────────
  ['select std(total) from orders', parserGap(), PARSER_LIMIT],
  ['select variance(total) from orders', parserGap(), PARSER_LIMIT],
  ['select avg(distinct total) from orders', parserGap(), PARSER_LIMIT],
  ['select * from orders natural join customers', parserGap(), PARSER_LIMIT],
  ['select substring(email from 1 for 3) from customers', parserGap(), PARSER_LIMIT],
  ['select .5', parserGap(), PARSER_LIMIT],
  ['select id from orders where shipped_at <=> null', parserGap(), PARSER_LIMIT],
  ['select * from orders force index (orders_customer)', parserGap(), PARSER_LIMIT],
  ["select * from orders where match(status) against ('paid')", parserGap(), PARSER_LIMIT],
  ['select sum(total) over (order by ordered_at range between interval 1 day preceding and current row) from orders', parserGap(), PARSER_LIMIT],
  ['select * from (select id from orders) d (order_id)', parserGap(), PARSER_LIMIT],
  ['with x as (select 1) insert into orders (id) select * from x', parserGap(), PARSER_LIMIT],
  ["insert into orders (id, total) values (1, 2) as new on duplicate key update total = new.total", parserGap(), PARSER_LIMIT],
  ['select * from orders for system_time all', parserGap(), PARSER_LIMIT],
  ['delete from o using orders o join customers c on o.customer_id = c.id', parserGap(), PARSER_LIMIT],
  ['insert into orders (id, status) values (1, default)', parserGap(), 'parser limitation: MariaDB grammar takes STATUS for a keyword, MySQL grammar lacks DEFAULT in VALUES; `status` works'],
  ['select id from orders where status in (1) is true', parserGap(), PARSER_LIMIT],
  ['select id from orders union (select id from customers limit 3)', denied('remove the parentheses'), 'parser limitation: a parenthesised SELECT after UNION comes out as a join'],
];

function errorOf(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected the gate to refuse the statement');
}

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
        const error = errorOf(() => analyseMysql(sql, catalog));
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
    const error = errorOf(() => analyseMysql('select id\nfrm orders', catalog));
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
    const error = errorOf(() => analyseMysql('select 1 /*!50000 , 2 */', catalog));
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
    const error = errorOf(() => analyseMysql('select * from orders', { ...catalog, searchPath: [] }));
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
    const error = errorOf(() => checkRowFilterMysql(predicate, orders));
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
    "(SELECT `id`, ('***') AS `email`, `full_name`, `country`, `city`, `segment`, `marketing_opt_in`, `created_at` FROM `shop`.`customers` WHERE (`country` = 'DE'))";
  const ORDERS =
    "(SELECT `id`, `customer_id`, `status`, `ordered_at`, `shipped_at`, `shipping_country`, `total` FROM `shop`.`orders` WHERE (`status` <> 'cancelled'))";

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

  it('ANDs the row filter into an UPDATE, qualified by the target alias', () => {
    expect(rewrite("update orders o set o.total = 0 where o.id = 3 or o.id = 4")).toBe(
      "UPDATE `orders` AS `o` SET `o`.`total` = 0 WHERE (`o`.`id` = 3 OR `o`.`id` = 4) AND (`o`.`status` <> 'cancelled')",
    );
  });

  it('adds a WHERE to an UPDATE that had none', () => {
    expect(rewrite("update customers set city = 'Berlin'")).toBe("UPDATE `customers` SET `city` = 'Berlin' WHERE (`customers`.`country` = 'DE')");
  });

  it('ANDs the row filter into a DELETE', () => {
    expect(rewrite('delete from orders where id = 1')).toBe("DELETE FROM `orders` WHERE (`id` = 1) AND (`orders`.`status` <> 'cancelled')");
  });

  it('wraps the read tables of a multi-table UPDATE and filters its target', () => {
    expect(rewrite("update orders o join customers c on o.customer_id = c.id set o.total = 0 where c.city = 'Bonn'")).toBe(
      `UPDATE \`orders\` AS \`o\` INNER JOIN ${CUSTOMERS} AS \`c\` ON \`o\`.\`customer_id\` = \`c\`.\`id\` SET \`o\`.\`total\` = 0 WHERE (\`c\`.\`city\` = 'Bonn') AND (\`o\`.\`status\` <> 'cancelled')`,
    );
  });

  it('filters the target of a multi-table DELETE and wraps the others', () => {
    const out = rewrite("delete o from orders o join customers c on o.customer_id = c.id where c.city = 'Bonn'");
    expect(out).toContain(`INNER JOIN ${CUSTOMERS} AS \`c\``);
    expect(out).toContain("AND (`o`.`status` <> 'cancelled')");
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
    const error = errorOf(() => rewrite("delete from customers where email = 'victim@example.com'"));
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
    const error = errorOf(() => rewrite('select * from order_items oi join (orders o join customers c on c.id = o.customer_id) on o.id = oi.order_id'));
    expect(error.code).toBe(ErrorCode.SQL_NOT_ALLOWED);
    expect(error.details?.construct).toBe('rewrite');
    expect(rewrite('select * from order_items oi join (products p join categories c on c.id = p.category_id) on p.id = oi.product_id')).toContain(
      'INNER JOIN (`products` AS `p` INNER JOIN `categories` AS `c`',
    );
  });

  it('refuses an analysis of another statement', () => {
    const other = analyseMysql('select id from orders where total > 1', catalog);
    const error = errorOf(() => rewriteMysql('select id from orders', other, catalog, policies));
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
