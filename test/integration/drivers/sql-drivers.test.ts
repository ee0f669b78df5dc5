import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POOL_SETTINGS, type DatabaseDriver, type SqlDialect } from '../../../plugins/drivers/driver.js';
import { DriverRegistry } from '../../../plugins/drivers/registry.js';
import { AppError } from '../../../src/errors/app-error.js';
import { sqlGateFor } from '../../../src/sql/gates.js';
import { serviceAvailable } from '../../helpers/services.js';
import { createTempPostgres } from '../../helpers/temp-postgres.js';

/**
 * One suite, every SQL engine: the same fixture, the same questions, the same answers (up to each
 * engine's own type names). Real servers; each run makes its own database and drops it.
 */
interface Dialect {
  name: string;
  available: boolean;
  /** The SQL the driver must declare, which its SQL gate is chosen by. */
  sqlDialect: SqlDialect;
  /** Placeholder for the n-th parameter (1-based). */
  param(n: number): string;
  /** A statement that sleeps for two seconds, where the engine can stop one mid-flight. */
  sleep?: string;
  setup(): Promise<{ engine: string; settings: Record<string, unknown>; teardown(): Promise<void> }>;
}

const [pgUp, mariaUp] = [await serviceAvailable('postgres'), await serviceAvailable('mariadb')];

const dialects: Dialect[] = [
  {
    name: 'postgres',
    available: pgUp,
    sqlDialect: 'postgres',
    param: (n) => `$${n}`,
    sleep: 'select pg_sleep(2)',
    setup: async () => {
      const db = await createTempPostgres();
      return {
        engine: 'postgres',
        settings: { endpoints: [{ host: '127.0.0.1', port: 5432 }], database: db.name, user: 'postgres' },
        teardown: () => db.drop(),
      };
    },
  },
  {
    name: 'mariadb',
    available: mariaUp,
    sqlDialect: 'mysql',
    param: () => '?',
    sleep: 'select sleep(2)',
    setup: async () => {
      const name = `warden_test_${randomBytes(6).toString('hex')}`;
      const admin = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
      await admin.query(`create database ${name}`);
      await admin.end();
      return {
        engine: 'mysql',
        settings: { endpoints: [{ host: '127.0.0.1', port: 3306 }], database: name, user: 'root' },
        teardown: async () => {
          const c = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
          await c.query(`drop database if exists ${name}`);
          await c.end();
        },
      };
    },
  },
  {
    name: 'pglite',
    available: true,
    sqlDialect: 'postgres',
    param: (n) => `$${n}`,
    setup: async () => ({ engine: 'pglite', settings: { dataDir: 'memory://' }, teardown: async () => undefined }),
  },
];

const FIXTURE = [
  'create table customers (id integer primary key, email varchar(200) not null, name varchar(100), country char(2) default \'DE\')',
  'create unique index customers_email on customers (email)',
  'create table orders (id integer primary key, customer_id integer not null, total numeric(10,2) not null, constraint orders_customer_fk foreign key (customer_id) references customers (id))',
  'create view big_orders as select id, total from orders where total > 100',
  "insert into customers (id, email, name) values (1, 'ada@example.com', 'Ada'), (2, 'ben@example.com', null), (3, 'cy@example.com', 'Cy')",
  'insert into orders (id, customer_id, total) values (10, 1, 99.50), (11, 1, 250.00), (12, 3, 12.00)',
];

const registry = new DriverRegistry();

for (const dialect of dialects) {
  describe.skipIf(!dialect.available)(`the ${dialect.name} driver`, () => {
    let driver: DatabaseDriver;
    let teardown: () => Promise<void>;

    beforeAll(async () => {
      const setup = await dialect.setup();
      teardown = setup.teardown;
      const factory = registry.get(setup.engine);
      driver = factory.create(factory.configSchema.parse(setup.settings), { pool: DEFAULT_POOL_SETTINGS });
      for (const statement of FIXTURE) await driver.execute(statement, [], { readOnly: false });
    });
    afterAll(async () => {
      await driver?.close();
      await teardown?.();
    });

    it('declares its SQL dialect, whose gate’s rewrite of a parameterised read runs on it', async () => {
      expect(driver.sqlDialect).toBe(dialect.sqlDialect);
      const gate = sqlGateFor(driver.sqlDialect!);
      const catalog = gate.catalogOf(await driver.introspect());
      const sql = `select c.name, o.total from orders o join customers c on c.id = o.customer_id where o.total > ${dialect.param(1)} order by o.total`;
      const analysis = await gate.analyse(sql, catalog);
      expect(analysis.tables.map((t) => t.table).sort()).toEqual(['customers', 'orders']);
      const rewritten = await gate.rewrite(sql, analysis, catalog, [{ schema: catalog.searchPath[0]!, table: 'customers', rowFilter: "country = 'DE'", masks: { name: "'***'" } }], 1);
      const result = await driver.execute(rewritten, [50], { readOnly: true });
      expect(result.rows.map((r) => [r.name, Number(r.total)])).toEqual([['***', 99.5], ['***', 250]]);
    });

    it('answers a connection test with the server version', async () => {
      const check = await driver.testConnection();
      expect(check.serverVersion).toMatch(/\d+\.\d+/);
      expect(check.latencyMs).toBeGreaterThanOrEqual(0);
    });

    it('introspects tables, views, columns, keys and indexes', async () => {
      const catalog = await driver.introspect();
      const byName = new Map(catalog.tables.map((t) => [t.name, t]));
      expect([...byName.keys()].sort()).toEqual(['big_orders', 'customers', 'orders']);

      const customers = byName.get('customers')!;
      expect(customers.kind).toBe('TABLE');
      expect(customers.columns.map((c) => [c.name, c.position, c.nullable])).toEqual([
        ['id', 1, false],
        ['email', 2, false],
        ['name', 3, true],
        ['country', 4, true],
      ]);
      expect(customers.columns[1]?.dataType).toMatch(/varchar\(200\)|character varying\(200\)/i);
      expect(customers.columns[3]?.defaultValue).toMatch(/DE/);
      expect(customers.columns[2]?.defaultValue).toBeNull();
      expect(customers.primaryKey).toEqual(['id']);
      expect(customers.indexes).toContainEqual(expect.objectContaining({ name: 'customers_email', columns: ['email'], unique: true, primary: false }));
      expect(customers.indexes.some((i) => i.primary && i.columns.join() === 'id')).toBe(true);

      const orders = byName.get('orders')!;
      expect(orders.foreignKeys).toEqual([
        { name: 'orders_customer_fk', columns: ['customer_id'], referencedSchema: customers.schema, referencedTable: 'customers', referencedColumns: ['id'] },
      ]);
      expect(orders.columns.find((c) => c.name === 'total')?.dataType).toMatch(/numeric\(10,\s?2\)|decimal\(10,2\)/i);

      expect(byName.get('big_orders')?.kind).toBe('VIEW');
      expect(byName.get('big_orders')?.columns.map((c) => c.name)).toEqual(['id', 'total']);
      // What the view reads: from pg_depend on PostgreSQL and PGlite; MariaDB gives the definition instead.
      if (dialect.name === 'mariadb') expect(byName.get('big_orders')).toMatchObject({ reads: null, definition: expect.stringContaining('orders') });
      else expect(byName.get('big_orders')?.reads).toEqual([{ schema: orders.schema, name: 'orders', columns: ['id', 'total'] }]);
      expect(customers.reads).toBeUndefined();
      expect(catalog.schemas).toContain(customers.schema);
      if (dialect.name !== 'mariadb') expect(catalog.searchPath).toEqual(['public']);
    });

    it('runs a parameterised read and reports columns, rows and the row count', async () => {
      const result = await driver.execute(
        `select id, email from customers where id >= ${dialect.param(1)} order by id`,
        [2],
        { readOnly: true },
      );
      expect(result.columns.map((c) => c.name)).toEqual(['id', 'email']);
      expect(result.rows).toEqual([
        { id: 2, email: 'ben@example.com' },
        { id: 3, email: 'cy@example.com' },
      ]);
      expect(result.rowCount).toBe(2);
      expect(result.truncated).toBe(false);
    });

    it('cuts a result at maxRows and says so', async () => {
      const result = await driver.execute('select id from customers order by id', [], { readOnly: true, maxRows: 2 });
      expect(result.rows.map((r) => r.id)).toEqual([1, 2]);
      expect(result.truncated).toBe(true);
    });

    it('refuses a write in a read-only run and leaves the data as it was', async () => {
      const attempt = driver.execute('delete from orders', [], { readOnly: true });
      await expect(attempt).rejects.toBeInstanceOf(AppError);
      await expect(attempt).rejects.toMatchObject({ code: 'SQL_NOT_ALLOWED' });
      const count = await driver.execute('select count(*) as n from orders', [], { readOnly: true });
      expect(Number(count.rows[0]?.n)).toBe(3);
    });

    it('never runs a second statement smuggled after the first', async () => {
      await expect(driver.execute('select 1; delete from orders', [], { readOnly: false })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
      const count = await driver.execute('select count(*) as n from orders', [], { readOnly: true });
      expect(Number(count.rows[0]?.n)).toBe(3);
    });

    it('reports a statement the database rejects as BAD_USER_INPUT', async () => {
      await expect(driver.execute('select nope from customers', [], { readOnly: true })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
      // ...and the connection it used is still good.
      const result = await driver.execute('select count(*) as n from customers', [], { readOnly: true });
      expect(Number(result.rows[0]?.n)).toBe(3);
    });

    it.skipIf(!dialect.sleep)('stops a statement that runs past its timeout, and the pool keeps working', async () => {
      const started = performance.now();
      await expect(driver.execute(dialect.sleep!, [], { readOnly: true, timeoutMs: 200 })).rejects.toMatchObject({ code: 'QUERY_TIMEOUT' });
      expect(performance.now() - started).toBeLessThan(1_500);
      const result = await driver.execute('select count(*) as n from customers', [], { readOnly: true });
      expect(Number(result.rows[0]?.n)).toBe(3);
    });

    it('counts rows changed by a write', async () => {
      const result = await driver.execute(`update customers set name = ${dialect.param(1)} where id = ${dialect.param(2)}`, ['Ben', 2], { readOnly: false });
      expect(result.rowCount).toBe(1);
    });

    it('runs a row-filtered read’s own conditions only on rows the filter lets through', async () => {
      const postgres = dialect.name !== 'mariadb';
      await driver.execute('create table tenant_rows (id integer primary key, tenant integer not null, secret varchar(40) not null)', [], { readOnly: false });
      try {
        await driver.execute("insert into tenant_rows values (1, 1, 'March'), (2, 2, 'S3CRET-TENANT-2'), (3, 1, 'May'), (4, 2, 'S3CRET-TENANT-2')", [], { readOnly: false });
        await driver.execute(postgres ? 'analyze tenant_rows' : 'analyze table tenant_rows', [], { readOnly: false });
        const schema = postgres ? 'public' : String(((await driver.execute('select database() as d', [], { readOnly: true })).rows[0] as { d: string }).d);
        const catalog = { searchPath: [schema], tables: [{ schema, name: 'tenant_rows', columns: ['id', 'tenant', 'secret'] }] };
        const policies = [{ schema, table: 'tenant_rows', rowFilter: 'tenant = 1' }];
        // Each fails if it meets a tenant 2 row: a date parse of its secret, an overflow only for row 2.
        const sql = postgres
          ? "select count(*) as n from tenant_rows where to_date(secret, 'Month') is not null"
          : "select count(*) as n from tenant_rows where id = 2 and (case when left(secret, 1) = 'S' then ~0 + 1 else 0 end) = 0";
        const gate = sqlGateFor(driver.sqlDialect!);
        const rewritten = await gate.rewrite(sql, await gate.analyse(sql, catalog), catalog, policies, 10);
        const result = await driver.execute(rewritten, [], { readOnly: true });
        expect(Number(result.rows[0]?.n)).toBe(postgres ? 2 : 0);
      } finally {
        await driver.execute('drop table tenant_rows', [], { readOnly: false });
      }
    });

    it.skipIf(!dialect.sleep)('reports its pool: a connection in use while a statement runs, idle after', async () => {
      const use = () => driver.poolUse?.();
      expect(use()).toMatchObject({ used: 0, pending: 0, max: DEFAULT_POOL_SETTINGS.maxConnections });
      const running = driver.execute(dialect.sleep!, [], { readOnly: true });
      for (let i = 0; i < 100 && (use()?.used ?? 0) === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(use()?.used).toBe(1);
      await running;
      expect(use()).toMatchObject({ used: 0, pending: 0 });
      expect(use()!.idle).toBeGreaterThanOrEqual(1);
    });
  });
}
