import { randomBytes } from 'node:crypto';
import { MongoClient, ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POOL_SETTINGS, type DatabaseDriver, type QueryResult } from '../../../plugins/drivers/driver.js';
import { mongodbDriverFactory } from '../../../plugins/drivers/mongodb/mongodb-driver.js';
import type { RowQuery } from '../../../plugins/drivers/row-query.js';
import { ErrorCode } from '../../../src/errors/app-error.js';

/** e.g. mongodb://root:secret@localhost:27017/admin — a user that may create and drop databases. */
const MONGO_URL = process.env['WARDEN_TEST_MONGO_URL'];

if (!MONGO_URL) {
  console.warn(
    'Skipping the live MongoDB driver tests: WARDEN_TEST_MONGO_URL is not set ' +
      '(set it to mongodb://user:password@host:27017/admin, a user allowed to create and drop databases).',
  );
}

describe.skipIf(!MONGO_URL)('mongodb driver against a live server', () => {
  const database = `warden_test_${randomBytes(6).toString('hex')}`;
  const ids = Array.from({ length: 7 }, () => new ObjectId());
  let admin: MongoClient;
  let driver: DatabaseDriver;

  const select = (query: Omit<RowQuery, 'table'> & { table?: string }, maxRows?: number): Promise<QueryResult> => {
    const selectRows = driver.selectRows?.bind(driver);
    if (!selectRows) throw new Error('the mongodb driver has no selectRows');
    return selectRows({ table: 'customers', ...query }, { readOnly: true, maxRows });
  };

  beforeAll(async () => {
    const url = MONGO_URL as string;
    admin = new MongoClient(url, { serverSelectionTimeoutMS: 5_000 });
    await admin.connect();
    const db = admin.db(database);
    await db.collection('customers').insertMany([
      { _id: ids[0], name: 'Ada', email: 'ada@example.com', age: 36, tier: 'gold', joined: new Date('2019-03-01T00:00:00Z'), address: { city: 'London' } },
      { _id: ids[1], name: 'alan', email: 'alan@example.com', age: 41, tier: 'gold', address: { city: 'Wilmslow' } },
      { _id: ids[2], name: 'a.b*c(d)', email: 'meta@example.com', age: null, tier: 'silver' },
      { _id: ids[3], name: 'Grace', email: 'grace@example.com', age: 85, tier: 'gold', address: null },
      { _id: ids[4], name: 'line one\nline two', email: 'lines@example.com', tier: null },
      { _id: ids[5], name: 'Émile', email: 'emile@example.com', age: 62 },
      { _id: ids[6], name: 'Trailing\n', email: 'trailing@example.com', age: 20, tier: 'silver' },
    ]);
    await db.collection('customers').createIndex({ email: 1 }, { unique: true, name: 'email_unique' });
    await db.createCollection('gold_customers', { viewOn: 'customers', pipeline: [{ $match: { tier: 'gold' } }] });

    // The URL's database is where the test user lives: keep authenticating there.
    const settings = mongodbDriverFactory.parseConnectionString?.(url) ?? {};
    const config = mongodbDriverFactory.configSchema.parse({
      ...settings,
      database,
      ...(settings['user'] === undefined ? {} : { authSource: settings['authSource'] ?? settings['database'] }),
    });
    driver = mongodbDriverFactory.create(config, { pool: DEFAULT_POOL_SETTINGS });
  });

  afterAll(async () => {
    await driver?.close();
    await admin?.db(database).dropDatabase();
    await admin?.close();
  });

  it('connects and reports the server version and the endpoint that answered', async () => {
    const check = await driver.testConnection();
    expect(check.serverVersion).toMatch(/^\d+\.\d+/);
    expect(check.endpoint).not.toBeNull();
    expect(driver.status().activeEndpoint).not.toBeNull();
    expect(driver.status().endpoints.some((endpoint) => endpoint.healthy)).toBe(true);
  });

  it('introspects collections and views with inferred fields, indexes and estimates', async () => {
    const catalog = await driver.introspect();
    expect(catalog.schemas).toEqual([database]);
    const customers = catalog.tables.find((table) => table.name === 'customers');
    const gold = catalog.tables.find((table) => table.name === 'gold_customers');
    expect(customers).toMatchObject({ schema: database, kind: 'COLLECTION', primaryKey: ['_id'], rowEstimate: 7 });
    expect(gold).toMatchObject({ kind: 'VIEW', primaryKey: [], indexes: [], rowEstimate: null });
    const columns = Object.fromEntries((customers?.columns ?? []).map((column) => [column.name, column]));
    expect(columns['_id']).toMatchObject({ position: 1, dataType: 'objectId', nullable: false });
    expect(columns['age']).toMatchObject({ dataType: 'int|null', nullable: true });
    expect(columns['address.city']).toMatchObject({ dataType: 'string', nullable: true });
    expect(columns['joined']?.dataType).toBe('date');
    expect(customers?.indexes).toEqual(
      expect.arrayContaining([
        { name: '_id_', columns: ['_id'], unique: true, primary: true },
        { name: 'email_unique', columns: ['email'], unique: true, primary: false },
      ]),
    );
  });

  it('selects rows with a where, an order and a cap', async () => {
    const result = await select({
      columns: ['_id', 'name', 'age', 'address.city'],
      where: { _and: [{ tier: { _eq: 'gold' } }, { name: { _ilike: 'a%' } }] },
      orderBy: [{ column: 'age', direction: 'DESC' }],
      limit: 10,
    });
    expect(result.columns).toEqual([
      { name: '_id', dataType: null },
      { name: 'name', dataType: null },
      { name: 'age', dataType: null },
      { name: 'address.city', dataType: null },
    ]);
    expect(result.rows).toEqual([
      { _id: ids[1]?.toHexString(), name: 'alan', age: 41, 'address.city': 'Wilmslow' },
      { _id: ids[0]?.toHexString(), name: 'Ada', age: 36, 'address.city': 'London' },
    ]);
    expect(result.truncated).toBe(false);

    const capped = await select({ columns: ['name'], where: { tier: { _eq: 'gold' } }, limit: 10 }, 2);
    expect(capped.rows).toHaveLength(2);
    expect(capped.rowCount).toBe(2);
    expect(capped.truncated).toBe(true);
  });

  it('matches LIKE, null and ObjectId-as-string filters the way the unit tests promise', async () => {
    const names = async (where: RowQuery['where']) => (await select({ columns: ['name'], where, limit: 50 })).rows.map((row) => row['name']).sort();
    expect(await names({ name: { _like: 'a.b*c(d)' } })).toEqual(['a.b*c(d)']);
    expect(await names({ name: { _like: 'line%two' } })).toEqual(['line one\nline two']);
    // PCRE's $ would also match before a final newline; the translation must not.
    expect(await names({ name: { _like: 'Trailing' } })).toEqual([]);
    expect(await names({ name: { _like: 'Trailing_' } })).toEqual(['Trailing\n']);
    expect(await names({ age: { _is_null: true } })).toEqual(['a.b*c(d)', 'line one\nline two']);
    expect(await names({ tier: { _neq: 'gold' } })).toEqual(['Trailing\n', 'a.b*c(d)']);
    expect(await names({ _not: { tier: { _eq: 'gold' } } })).toEqual(['Trailing\n', 'a.b*c(d)', 'line one\nline two', 'Émile'].sort());
    expect(await names({ _id: { _eq: ids[3]?.toHexString() } })).toEqual(['Grace']);
    expect(await names({ joined: { _gte: '2019-01-01' } })).toEqual(['Ada']);
    expect(await names({ name: { _eq: { $ne: null } } })).toEqual([]);
  });

  it('refuses SQL', async () => {
    await expect(driver.execute('select 1', [], { readOnly: true })).rejects.toMatchObject({ code: ErrorCode.SQL_NOT_ALLOWED });
  });
});
