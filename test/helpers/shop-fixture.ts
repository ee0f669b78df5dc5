import mysql from 'mysql2/promise';
import pg from 'pg';
import { generateShopData, type ShopData } from '../../src/demo/shop-seed.js';
import { SERVICES } from './services.js';

/**
 * The demo shop's tables, loaded into a real PostgreSQL or MariaDB database (a slice of the rows, so
 * it loads in a blink). The same columns as src/demo/shop-seed.ts; types spelt per engine.
 */
const TABLES: { name: keyof ShopData; ddl: (engine: 'postgres' | 'mysql') => string }[] = [
  { name: 'categories', ddl: () => 'create table categories (id integer primary key, name varchar(100) not null unique, description varchar(200) not null)' },
  {
    name: 'customers',
    ddl: (e) =>
      `create table customers (id integer primary key, email varchar(200) not null unique, full_name varchar(100) not null, country char(2) not null, city varchar(100) not null, segment varchar(20) not null, marketing_opt_in boolean not null, created_at ${ts(e)} not null)`,
  },
  {
    name: 'products',
    ddl: (e) =>
      `create table products (id integer primary key, sku varchar(40) not null unique, name varchar(200) not null, category_id integer not null references categories(id), price numeric(10,2) not null, cost numeric(10,2) not null, stock integer not null, active boolean not null, created_at ${ts(e)} not null)`,
  },
  {
    name: 'orders',
    ddl: (e) =>
      `create table orders (id integer primary key, customer_id integer not null references customers(id), status varchar(20) not null, ordered_at ${ts(e)} not null, shipped_at ${ts(e)} null, shipping_country char(2) not null, total numeric(12,2) not null)`,
  },
  {
    name: 'order_items',
    ddl: () =>
      'create table order_items (id integer primary key, order_id integer not null references orders(id), product_id integer not null references products(id), quantity integer not null, unit_price numeric(10,2) not null, discount numeric(4,2) not null default 0)',
  },
  {
    name: 'reviews',
    ddl: (e) =>
      `create table reviews (id integer primary key, product_id integer not null references products(id), customer_id integer not null references customers(id), rating smallint not null, title varchar(200) not null, created_at ${ts(e)} not null)`,
  },
];

const ts = (engine: 'postgres' | 'mysql') => (engine === 'postgres' ? 'timestamptz' : 'datetime(3)');

/** Rows kept per table: enough for joins and aggregates to mean something. */
const SLICE = 300;

function sliceOf(data: ShopData) {
  const orders = data.orders.slice(0, SLICE);
  const orderIds = new Set(orders.map((o) => o.id));
  const customerIds = new Set(orders.map((o) => o.customer_id));
  return {
    categories: data.categories,
    products: data.products,
    customers: data.customers.filter((c) => customerIds.has(c.id)),
    orders,
    order_items: data.order_items.filter((i) => orderIds.has(i.order_id)),
    reviews: data.reviews.filter((r) => customerIds.has(r.customer_id)).slice(0, SLICE),
  } as ShopData;
}

export async function loadShop(engine: 'postgres' | 'mysql', database: string): Promise<void> {
  const data = sliceOf(generateShopData());
  const run =
    engine === 'postgres'
      ? await (async () => {
          const client = new pg.Client({ connectionString: SERVICES.postgres.url.replace(/\/postgres$/, `/${database}`) });
          await client.connect();
          return { query: (sql: string, params: unknown[]) => client.query(sql, params), end: () => client.end() };
        })()
      : await (async () => {
          const conn = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', database, timezone: 'Z' });
          return { query: (sql: string, params: unknown[]) => conn.query(sql, params), end: () => conn.end() };
        })();
  try {
    for (const table of TABLES) {
      await run.query(table.ddl(engine), []);
      const rows = data[table.name];
      const columns = Object.keys(rows[0] ?? {});
      for (let start = 0; start < rows.length; start += 200) {
        const batch = rows.slice(start, start + 200);
        const params: unknown[] = [];
        const tuples = batch.map((row) => {
          const marks = columns.map((c) => {
            const value = row[c];
            params.push(engine === 'mysql' && typeof value === 'string' && /^\d{4}-\d\d-\d\dT/.test(value) ? new Date(value) : value);
            return engine === 'postgres' ? `$${params.length}` : '?';
          });
          return `(${marks.join(', ')})`;
        });
        await run.query(`insert into ${table.name} (${columns.join(', ')}) values ${tuples.join(', ')}`, params);
      }
    }
  } finally {
    await run.end();
  }
}

/** A digest of every row of every table, to prove a denied statement changed nothing. */
export async function shopDigest(engine: 'postgres' | 'mysql', database: string): Promise<string> {
  const parts: string[] = [];
  if (engine === 'postgres') {
    const client = new pg.Client({ connectionString: SERVICES.postgres.url.replace(/\/postgres$/, `/${database}`) });
    await client.connect();
    try {
      for (const t of TABLES) parts.push(JSON.stringify((await client.query(`select md5(string_agg(t::text, ',' order by id)) as d, count(*) as n from ${t.name} t`)).rows[0]));
      parts.push(JSON.stringify((await client.query("select string_agg(tablename, ',' order by tablename) as t from pg_tables where schemaname = 'public'")).rows[0]));
    } finally {
      await client.end();
    }
  } else {
    const conn = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', database });
    try {
      for (const t of TABLES) parts.push(JSON.stringify((await conn.query(`checksum table ${t.name}`))[0]));
      parts.push(JSON.stringify((await conn.query('show tables'))[0]));
    } finally {
      await conn.end();
    }
  }
  return parts.join('\n');
}
