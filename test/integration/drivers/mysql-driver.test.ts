import { randomBytes } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POOL_SETTINGS, type DatabaseDriver, type PoolSettings } from '../../../plugins/drivers/driver.js';
import { mysqlDriverFactory, type MysqlConfig } from '../../../plugins/drivers/mysql/mysql-driver.js';
import { AppError, ErrorCode } from '../../../src/errors/app-error.js';
import { SERVICES, serviceAvailable } from '../../helpers/services.js';
import { deadPort } from '../../helpers/tcp-proxy.js';

const up = await serviceAvailable('mariadb');

const { host, port } = SERVICES.mariadb;
const LIVE = `${host}:${port}`;
const hex = () => randomBytes(6).toString('hex');

/** A port on this machine that nothing listens on (it was free a moment ago). */

/**
 * A TCP proxy to the real server that can go silent: once a client sends bytes containing the stall
 * marker, the server's answers on that connection are no longer passed on (one connection only), as when
 * a network path stalls without closing.
 */
async function startStallingProxy(): Promise<{ port: number; stallOn(marker: string): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let marker: string | undefined;
  const server = createServer((client) => {
    const upstream = connect({ host: SERVICES.mariadb.host, port: SERVICES.mariadb.port });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.on('data', (chunk) => {
      if (marker !== undefined && chunk.includes(marker)) {
        marker = undefined;
        upstream.pause();
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    stallOn: (m) => {
      marker = m;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Awaits `promise`, expecting an AppError, and returns it. */
async function appErrorOf(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!up)('the MySQL/MariaDB driver', () => {
  const database = `warden_test_${hex()}`;
  const user = `warden_u_${hex()}`;
  const password = `pw-${hex()}-Secret`;
  let admin: Connection;
  const drivers: DatabaseDriver[] = [];

  /** A driver on the test database; root (no password) unless the config says otherwise. */
  function open(config: Partial<MysqlConfig> = {}, pool: Partial<PoolSettings> = {}): DatabaseDriver {
    const full = mysqlDriverFactory.configSchema.parse({ endpoints: [{ host, port }], database, user: 'root', ...config });
    const driver = mysqlDriverFactory.create(full, { pool: { ...DEFAULT_POOL_SETTINGS, ...pool } });
    drivers.push(driver);
    return driver;
  }

  const adminRows = async (sql: string, params: unknown[] = []) => (await admin.query<RowDataPacket[]>(sql, params))[0];

  beforeAll(async () => {
    admin = await createConnection({ host, port, user: 'root' });
    await admin.query(`CREATE DATABASE \`${database}\``);
    await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
    await admin.query(`GRANT ALL PRIVILEGES ON \`${database}\`.* TO '${user}'@'%'`);
    await admin.query(`USE \`${database}\``);
    await admin.query(`
      CREATE TABLE customers (
        id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
        email VARCHAR(120) NOT NULL COMMENT 'Where receipts go',
        tier VARCHAR(20) NULL DEFAULT 'basic',
        UNIQUE KEY customers_email_key (email)
      ) COMMENT = 'People who buy things'`);
    await admin.query(`
      CREATE TABLE orders (
        id INT NOT NULL AUTO_INCREMENT,
        customer_id INT NOT NULL,
        placed_on DATE NOT NULL,
        total DECIMAL(10,2) NOT NULL,
        note TEXT NULL,
        PRIMARY KEY (id),
        UNIQUE KEY orders_customer_day_key (customer_id, placed_on),
        CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id)
      )`);
    await admin.query('CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100');
    await admin.query(`INSERT INTO customers (email, tier) VALUES
      ('ada@example.com', 'gold'), ('bob@example.com', 'basic'), ('cy@example.com', 'gold'), ('di@example.com', 'gold')`);
    await admin.query(`INSERT INTO orders (customer_id, placed_on, total) VALUES
      (1, '2024-01-02', 120.50), (1, '2024-01-03', 9.99), (2, '2024-01-02', 250.00)`);
  });

  afterEach(async () => {
    await Promise.all(drivers.splice(0).map((d) => d.close()));
  });

  afterAll(async () => {
    if (!admin) return;
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await admin.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await admin.end();
  });

  describe('settings', () => {
    it('reads mysql:// and mariadb:// connection strings, with failover hosts and the default port', () => {
      expect(mysqlDriverFactory.parseConnectionString?.('mariadb://app:s3cr%40t@db1:3307,db2/shop?ssl=true')).toEqual({
        endpoints: [
          { host: 'db1', port: 3307 },
          { host: 'db2', port: 3306 },
        ],
        database: 'shop',
        user: 'app',
        password: 's3cr@t',
        ssl: true,
      });
      expect(mysqlDriverFactory.parseConnectionString?.('mysql://app@db/shop')).toEqual({
        endpoints: [{ host: 'db', port: 3306 }],
        database: 'shop',
        user: 'app',
      });
    });

    it('refuses another scheme without echoing the string', () => {
      let error: unknown;
      try {
        mysqlDriverFactory.parseConnectionString?.('postgres://app:hunter2@db/shop');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe(ErrorCode.BAD_USER_INPUT);
      expect((error as AppError).message).not.toContain('hunter2');
    });

    it('describes a database with the password masked', () => {
      const config = mysqlDriverFactory.configSchema.parse(
        mysqlDriverFactory.parseConnectionString?.('mariadb://app:s3cr%40t@db1:3307,db2/shop?ssl=no-verify'),
      );
      const described = mysqlDriverFactory.describe(config);
      expect(described).toBe('mysql://app:****@db1:3307,db2:3306/shop?ssl=no-verify');
      expect(described).not.toContain('s3cr');
      expect(mysqlDriverFactory.secretFields).toEqual(['password']);
    });
  });

  it('answers a connection test with the server version and the endpoint', async () => {
    const check = await open().testConnection();
    expect(check.serverVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(check.endpoint).toBe(LIVE);
    expect(check.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('introspects tables, a view, columns, keys and indexes', async () => {
    const catalog = await open().introspect();
    expect(catalog.schemas).toEqual([database]);
    expect(catalog.tables.map((t) => [t.name, t.kind])).toEqual([
      ['big_orders', 'VIEW'],
      ['customers', 'TABLE'],
      ['orders', 'TABLE'],
    ]);
    const [view, customers, orders] = catalog.tables;
    expect(view).toEqual({
      schema: database,
      name: 'big_orders',
      kind: 'VIEW',
      comment: null,
      rowEstimate: null,
      columns: [
        { name: 'id', position: 1, dataType: 'int(11)', nullable: false, defaultValue: '0', comment: null },
        { name: 'total', position: 2, dataType: 'decimal(10,2)', nullable: false, defaultValue: null, comment: null },
      ],
      primaryKey: [],
      foreignKeys: [],
      indexes: [],
      constraints: [],
      // What it reads is worked out from its definition by the catalog service (the SQL gate), not here.
      reads: null,
      definition: expect.stringMatching(/from `[^`]+`\.`orders` where/),
    });
    expect(customers).toEqual({
      schema: database,
      name: 'customers',
      kind: 'TABLE',
      comment: 'People who buy things',
      rowEstimate: expect.any(Number),
      columns: [
        { name: 'id', position: 1, dataType: 'int(11)', nullable: false, defaultValue: null, comment: null },
        { name: 'email', position: 2, dataType: 'varchar(120)', nullable: false, defaultValue: null, comment: 'Where receipts go' },
        // MariaDB prints a string default as an SQL literal, quotes included.
        { name: 'tier', position: 3, dataType: 'varchar(20)', nullable: true, defaultValue: "'basic'", comment: null },
      ],
      primaryKey: ['id'],
      foreignKeys: [],
      indexes: [
        { name: 'PRIMARY', columns: ['id'], unique: true, primary: true },
        { name: 'customers_email_key', columns: ['email'], unique: true, primary: false },
      ],
      constraints: [
        { name: 'PRIMARY', kind: 'PRIMARY_KEY', columns: ['id'] },
        { name: 'customers_email_key', kind: 'UNIQUE', columns: ['email'] },
      ],
    });
    expect(orders).toEqual({
      schema: database,
      name: 'orders',
      kind: 'TABLE',
      comment: null,
      rowEstimate: expect.any(Number),
      columns: [
        { name: 'id', position: 1, dataType: 'int(11)', nullable: false, defaultValue: null, comment: null },
        { name: 'customer_id', position: 2, dataType: 'int(11)', nullable: false, defaultValue: null, comment: null },
        { name: 'placed_on', position: 3, dataType: 'date', nullable: false, defaultValue: null, comment: null },
        { name: 'total', position: 4, dataType: 'decimal(10,2)', nullable: false, defaultValue: null, comment: null },
        // A nullable column without a default: MariaDB says 'NULL', the catalog says null.
        { name: 'note', position: 5, dataType: 'text', nullable: true, defaultValue: null, comment: null },
      ],
      primaryKey: ['id'],
      foreignKeys: [
        {
          name: 'orders_customer_fk',
          columns: ['customer_id'],
          referencedSchema: database,
          referencedTable: 'customers',
          referencedColumns: ['id'],
        },
      ],
      indexes: [
        { name: 'PRIMARY', columns: ['id'], unique: true, primary: true },
        { name: 'orders_customer_day_key', columns: ['customer_id', 'placed_on'], unique: true, primary: false },
      ],
      constraints: expect.arrayContaining([
        { name: 'PRIMARY', kind: 'PRIMARY_KEY', columns: ['id'] },
        { name: 'orders_customer_day_key', kind: 'UNIQUE', columns: ['customer_id', 'placed_on'] },
        expect.objectContaining({ name: 'orders_customer_fk', kind: 'FOREIGN_KEY', columns: ['customer_id'], referencedTable: 'customers', referencedColumns: ['id'] }),
      ]),
    });
  });

  describe('execute', () => {
    it('runs a parameterised SELECT and names and types its columns', async () => {
      const result = await open().execute(
        'SELECT id, email, tier FROM customers WHERE tier = ? ORDER BY id',
        ['gold'],
        { readOnly: true },
      );
      expect(result).toEqual({
        columns: [
          { name: 'id', dataType: 'INT' },
          { name: 'email', dataType: 'VARCHAR' },
          { name: 'tier', dataType: 'VARCHAR' },
        ],
        rows: [
          { id: 1, email: 'ada@example.com', tier: 'gold' },
          { id: 3, email: 'cy@example.com', tier: 'gold' },
          { id: 4, email: 'di@example.com', tier: 'gold' },
        ],
        rowCount: 3,
        truncated: false,
      });
      expect(Object.getPrototypeOf(result.rows[0])).toBe(Object.prototype);
    });

    it('returns at most maxRows rows and says there were more', async () => {
      const result = await open().execute('SELECT id FROM customers ORDER BY id', [], { readOnly: true, maxRows: 2 });
      expect(result.rows).toEqual([{ id: 1 }, { id: 2 }]);
      expect(result.rowCount).toBe(2);
      expect(result.truncated).toBe(true);
      const exact = await open().execute('SELECT id FROM customers ORDER BY id', [], { readOnly: true, maxRows: 4 });
      expect(exact.truncated).toBe(false);
    });

    it('returns decimals and big integers as exact strings, and dates as UTC instants', async () => {
      const result = await open().execute(
        'SELECT total, COUNT(*) OVER () AS n, placed_on, CAST(? AS DATETIME) AS at FROM orders WHERE id = ?',
        ['2024-05-06 07:08:09', 1],
        { readOnly: true },
      );
      expect(result.rows).toEqual([
        { total: '120.50', n: '1', placed_on: new Date('2024-01-02T00:00:00Z'), at: new Date('2024-05-06T07:08:09Z') },
      ]);
      expect(result.columns.map((c) => c.dataType)).toEqual(['DECIMAL', 'BIGINT', 'DATE', 'DATETIME']);
    });

    it('runs a write and reports the rows it changed', async () => {
      const driver = open();
      const result = await driver.execute('UPDATE orders SET note = ? WHERE customer_id = ?', ['checked', 1], { readOnly: false });
      expect(result).toEqual({ columns: [], rows: [], rowCount: 2, truncated: false });
      expect(await adminRows('SELECT COUNT(*) AS n FROM orders WHERE note = ?', ['checked'])).toEqual([{ n: 2 }]);
      await admin.query('UPDATE orders SET note = NULL');
    });

    it('refuses a write in read-only mode and leaves the data as it was', async () => {
      const error = await appErrorOf(open().execute("UPDATE customers SET tier = 'none'", [], { readOnly: true }));
      expect(error.code).toBe(ErrorCode.SQL_NOT_ALLOWED);
      expect(await adminRows("SELECT COUNT(*) AS n FROM customers WHERE tier = 'none'")).toEqual([{ n: 0 }]);
    });

    it('stops a statement at its time limit, and the connection serves the next query normally', async () => {
      const driver = open({}, { maxConnections: 1 });
      const started = performance.now();
      const error = await appErrorOf(driver.execute('SELECT SLEEP(2)', [], { readOnly: true, timeoutMs: 200 }));
      const elapsed = performance.now() - started;
      expect(error.code).toBe(ErrorCode.QUERY_TIMEOUT);
      expect(error.message).toBe('The query ran longer than 200 ms and was stopped.');
      expect(elapsed).toBeLessThan(1_500);
      // The one pooled connection is reused: it must not still be held to 200 ms.
      const slow = await driver.execute('SELECT SLEEP(0.5) AS slept', [], { readOnly: true });
      expect(slow.rows).toEqual([{ slept: 0 }]);
      const limit = await driver.execute('SELECT @@SESSION.max_statement_time AS s', [], { readOnly: true, timeoutMs: 5_000 });
      expect(Number(limit.rows[0]?.s)).toBe(5);
    });

    it('never raises the time limit above the pool setting', async () => {
      const driver = open({}, { statementTimeoutMs: 300 });
      const error = await appErrorOf(driver.execute('SELECT SLEEP(2)', [], { readOnly: true, timeoutMs: 60_000 }));
      expect(error.code).toBe(ErrorCode.QUERY_TIMEOUT);
      expect(error.message).toContain('300 ms');
    });

    it('reports a syntax error as bad input, without the password', async () => {
      const driver = open({ user, password });
      const error = await appErrorOf(driver.execute(`SELEC '${password}' FROM customers`, [], { readOnly: true }));
      expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
      expect(error.message).toMatch(/^The database rejected the statement: You have an error in your SQL syntax/);
      expect(error.message).not.toContain(password);
      expect(error.cause).toBeDefined();
    });

    it('reports a missing table as bad input', async () => {
      const error = await appErrorOf(open().execute('SELECT * FROM nowhere', [], { readOnly: true }));
      expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
      expect(error.message).toContain("doesn't exist");
    });
  });

  describe('connections', () => {
    it('fails fast with DATABASE_UNAVAILABLE when nothing listens at the endpoint', async () => {
      const dead = await deadPort();
      const driver = open({ endpoints: [{ host: '127.0.0.1', port: dead }] });
      const started = performance.now();
      const error = await appErrorOf(driver.execute('SELECT 1', [], { readOnly: true }));
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(error.code).toBe(ErrorCode.DATABASE_UNAVAILABLE);
      expect(error.message).toBe('The database is unavailable: the server refused the connection (is it running, and on that port?).');
      expect(driver.status()).toEqual({
        activeEndpoint: null,
        endpoints: [{ address: `127.0.0.1:${dead}`, healthy: false, lastError: expect.stringContaining('refused') }],
      });
    });

    it('fails over to the next endpoint and reports which one serves', async () => {
      const dead = await deadPort();
      const driver = open({ endpoints: [{ host: '127.0.0.1', port: dead }, { host, port }] });
      const result = await driver.execute('SELECT 1 AS one', [], { readOnly: true });
      expect(result.rows).toEqual([{ one: 1 }]);
      expect(driver.status()).toEqual({
        activeEndpoint: LIVE,
        endpoints: [
          { address: `127.0.0.1:${dead}`, healthy: false, lastError: expect.stringContaining('refused') },
          { address: LIVE, healthy: true, lastError: null },
        ],
      });
      expect((await driver.testConnection()).endpoint).toBe(LIVE);
    });

    it('fails over from an endpoint that accepts connections but never answers, after connectTimeoutMs', async () => {
      const silent = createServer(() => undefined);
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const silentPort = (silent.address() as { port: number }).port;
      try {
        // The acquire timeout is shorter on purpose: opening a connection is bounded by the connect timeout.
        const driver = open({ endpoints: [{ host: '127.0.0.1', port: silentPort }, { host, port }] }, { connectTimeoutMs: 300, acquireTimeoutMs: 100 });
        const started = performance.now();
        const result = await driver.execute('SELECT 1 AS one', [], { readOnly: true });
        expect(performance.now() - started).toBeGreaterThan(250);
        expect(result.rows).toEqual([{ one: 1 }]);
        expect(driver.status()).toEqual({
          activeEndpoint: LIVE,
          endpoints: [
            { address: `127.0.0.1:${silentPort}`, healthy: false, lastError: 'connecting timed out' },
            { address: LIVE, healthy: true, lastError: null },
          ],
        });
      } finally {
        silent.close();
      }
    });

    it('reports a wrong password as DATABASE_UNAVAILABLE without the password, and does not fail over', async () => {
      const wrong = `wrong-${hex()}`;
      const driver = open({ user, password: wrong });
      const error = await appErrorOf(driver.testConnection());
      expect(error.code).toBe(ErrorCode.DATABASE_UNAVAILABLE);
      expect(error.message).toBe('The database is unavailable: the server refused the user name or password.');
      expect(error.message).not.toContain(wrong);
      expect(driver.status().endpoints).toEqual([{ address: LIVE, healthy: true, lastError: null }]);
    });

    it('connects a password-protected user with the right password', async () => {
      const result = await open({ user, password }).execute('SELECT CURRENT_USER() AS me', [], { readOnly: true });
      expect(String(result.rows[0]?.me)).toMatch(new RegExp(`^${user}@`));
    });

    it('gives up waiting for a free connection after acquireTimeoutMs, and leaks nothing', async () => {
      const driver = open({}, { maxConnections: 1, acquireTimeoutMs: 200 });
      const busy = driver.execute('SELECT SLEEP(0.8) AS slept', [], { readOnly: true });
      await sleep(100);
      const started = performance.now();
      const error = await appErrorOf(driver.execute('SELECT 1', [], { readOnly: true }));
      expect(performance.now() - started).toBeLessThan(600);
      expect(error.code).toBe(ErrorCode.DATABASE_UNAVAILABLE);
      expect(error.message).toBe('The database is unavailable: no free connection within 200 ms.');
      expect((await busy).rows).toEqual([{ slept: 0 }]);
      // The single connection came back: queries keep being served one after another.
      for (let i = 0; i < 3; i++) expect((await driver.execute('SELECT ? AS i', [i], { readOnly: true })).rows).toEqual([{ i }]);
    });

    it('retries a read once when the server kills its connection mid-query', async () => {
      const driver = open({}, { maxConnections: 2 });
      const marker = `marker_${hex()}`;
      const running = driver.execute(`SELECT SLEEP(0.6) AS slept, CONNECTION_ID() AS session, '${marker}' AS m`, [], {
        readOnly: true,
      });
      const killed = await killSessionRunning(marker);
      const result = await running;
      expect(result.rows).toEqual([{ slept: 0, session: expect.anything(), m: marker }]);
      expect(Number(result.rows[0]?.session)).not.toBe(killed);
    });

    it('does not retry a write whose connection was killed mid-statement, and says it may have taken effect', async () => {
      const driver = open();
      const marker = `marker_${hex()}`;
      const failure = appErrorOf(
        driver.execute(`UPDATE customers SET tier = IF(SLEEP(0.6) = 0, tier, tier) WHERE id = 1 AND '${marker}' <> ''`, [], {
          readOnly: false,
        }),
      );
      await killSessionRunning(marker);
      const error = await failure;
      expect(error.code).toBe(ErrorCode.DATABASE_UNAVAILABLE);
      expect(error.message).toContain('may or may not have taken effect');
      // The next statement gets a new connection.
      expect((await driver.execute('SELECT 1 AS one', [], { readOnly: true })).rows).toEqual([{ one: 1 }]);
    });

    /** Waits until a session is running a statement containing `marker`, then kills that session; returns its id. */
    async function killSessionRunning(marker: string): Promise<number> {
      for (let i = 0; i < 50; i++) {
        const rows = await adminRows('SELECT ID AS id FROM information_schema.PROCESSLIST WHERE INFO LIKE ? AND ID <> CONNECTION_ID()', [
          `%${marker}%`,
        ]);
        const id = rows[0]?.id;
        if (id !== undefined) {
          await admin.query(`KILL ${Number(id)}`);
          return Number(id);
        }
        await sleep(20);
      }
      throw new Error(`no session ran ${marker}`);
    }

    it('gives up on a statement whose answer never arrives, at the time limit plus a grace second', async () => {
      const proxy = await startStallingProxy();
      try {
        const driver = open({ endpoints: [{ host: '127.0.0.1', port: proxy.port }] }, { maxConnections: 1 });
        await driver.execute('SELECT 1', [], { readOnly: true });
        const marker = `marker_${hex()}`;
        proxy.stallOn(marker);
        const started = performance.now();
        const error = await appErrorOf(driver.execute(`SELECT '${marker}' AS m`, [], { readOnly: true, timeoutMs: 200 }));
        const elapsed = performance.now() - started;
        expect(error.code).toBe(ErrorCode.QUERY_TIMEOUT);
        expect(elapsed).toBeGreaterThan(1_000);
        expect(elapsed).toBeLessThan(2_500);
        // The stalled connection was dropped, so the only pool slot is free again.
        expect((await driver.execute('SELECT 2 AS two', [], { readOnly: true })).rows).toEqual([{ two: 2 }]);
      } finally {
        await proxy.close();
      }
    });

    it('moves a read to a new connection when its connection stops answering before the statement', async () => {
      const proxy = await startStallingProxy();
      try {
        const driver = open({ endpoints: [{ host: '127.0.0.1', port: proxy.port }] });
        await driver.execute('SELECT 1', [], { readOnly: true });
        proxy.stallOn('max_statement_time = 0.300');
        const started = performance.now();
        const result = await driver.execute('SELECT 3 AS three', [], { readOnly: true, timeoutMs: 300 });
        expect(result.rows).toEqual([{ three: 3 }]);
        expect(performance.now() - started).toBeGreaterThan(1_000);
      } finally {
        await proxy.close();
      }
    });

    it('is unusable once closed', async () => {
      const driver = open();
      await driver.execute('SELECT 1', [], { readOnly: true });
      await driver.close();
      const error = await appErrorOf(driver.execute('SELECT 1', [], { readOnly: true }));
      expect(error.code).toBe(ErrorCode.DATABASE_UNAVAILABLE);
    });
  });
});
