import { MongoNetworkError, MongoServerError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POOL_SETTINGS, type DatabaseDriver } from '../../../plugins/drivers/driver.js';
import { mongodbDriverFactory } from '../../../plugins/drivers/mongodb/mongodb-driver.js';
import { toAppError } from '../../../plugins/drivers/mongodb/mongodb-errors.js';
import type { RowQuery } from '../../../plugins/drivers/row-query.js';
import { AppError, ErrorCode } from '../../../src/errors/app-error.js';
import { deadPort } from '../../helpers/tcp-proxy.js';

const factory = mongodbDriverFactory;
const PASSWORD = 's3cr3t:p@ss/word';

const config = (overrides: Record<string, unknown> = {}) =>
  factory.configSchema.parse({
    endpoints: [{ host: 'db1.internal' }, { host: 'db2.internal', port: 27018 }],
    database: 'shop',
    user: 'reader',
    password: PASSWORD,
    ...overrides,
  });

async function rejection(work: () => Promise<unknown>): Promise<AppError> {
  try {
    await work();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected a rejection');
}

/** A local port nothing listens on. */

describe('mongodb config', () => {
  it('defaults the port to 27017 and needs no user', () => {
    const parsed = factory.configSchema.parse({ endpoints: [{ host: 'localhost' }], database: 'shop' });
    expect(parsed).toEqual({ endpoints: [{ host: 'localhost', port: 27017 }], database: 'shop' });
  });

  it('refuses hosts that could smuggle options into the seed list, and bad database names', () => {
    expect(factory.configSchema.safeParse({ endpoints: [{ host: 'db/?authSource=x' }], database: 'shop' }).success).toBe(false);
    expect(factory.configSchema.safeParse({ endpoints: [{ host: 'a@b' }], database: 'shop' }).success).toBe(false);
    expect(factory.configSchema.safeParse({ endpoints: [{ host: '::1' }], database: 'shop' }).success).toBe(true);
    expect(factory.configSchema.safeParse({ endpoints: [{ host: 'db' }], database: 'sh.op' }).success).toBe(false);
    expect(factory.configSchema.safeParse({ endpoints: [{ host: 'db' }], database: 'shop', password: 'x' }).success).toBe(false);
  });

  it('refuses a user without a password, and directConnection to several hosts, as the settings are given', () => {
    const problems = (settings: Record<string, unknown>) =>
      factory.configSchema.safeParse({ endpoints: [{ host: 'db1' }], database: 'shop', ...settings }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(problems({ user: 'reader' })).toEqual(['password: a user needs a password']);
    expect(problems({ user: 'reader', password: '' })).toBeUndefined();
    expect(problems({ endpoints: [{ host: 'db1' }, { host: 'db2' }], directConnection: true })).toEqual(['directConnection: directConnection talks to one host: list exactly one']);
    expect(problems({ directConnection: true })).toBeUndefined();
    expect(problems({ endpoints: [{ host: 'db1' }, { host: 'db2' }], directConnection: false })).toBeUndefined();
  });

  it('keeps the password secret', () => {
    expect(factory.secretFields).toEqual(['password']);
  });
});

describe('mongodb parseConnectionString', () => {
  const parse = (value: string) => factory.parseConnectionString?.(value);

  it('reads hosts, credentials and the options it understands', () => {
    expect(
      parse(`mongodb://reader:${encodeURIComponent(PASSWORD)}@db1.internal,db2.internal:27018,[::1]/shop?authSource=admin&replicaSet=rs0&tls=true&retryWrites=true`),
    ).toEqual({
      endpoints: [
        { host: 'db1.internal', port: 27017 },
        { host: 'db2.internal', port: 27018 },
        { host: '::1', port: 27017 },
      ],
      database: 'shop',
      user: 'reader',
      password: PASSWORD,
      authSource: 'admin',
      replicaSet: 'rs0',
      tls: true,
    });
    expect(parse('mongodb://localhost/shop?ssl=true&tlsAllowInvalidCertificates=true&directConnection=true')).toEqual({
      endpoints: [{ host: 'localhost', port: 27017 }],
      database: 'shop',
      tls: 'no-verify',
      directConnection: true,
    });
  });

  it('produces settings the config schema accepts', () => {
    expect(factory.configSchema.safeParse(parse('mongodb://localhost:27017/shop')).success).toBe(true);
  });

  it('refuses mongodb+srv with a reason and a way out, without echoing the string', () => {
    let thrown: unknown;
    try {
      parse(`mongodb+srv://reader:${PASSWORD}@cluster0.example.net/shop`);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect((thrown as AppError).code).toBe(ErrorCode.BAD_USER_INPUT);
    expect((thrown as AppError).message).toMatch(/SRV lookup/);
    expect((thrown as AppError).message).toMatch(/mongodb:\/\/user:password@host1/);
    expect((thrown as AppError).message).not.toContain(PASSWORD);
  });

  it('refuses a string without a database, other schemes and bad flags', () => {
    expect(() => parse('mongodb://localhost:27017/')).toThrow(/name the database/);
    expect(() => parse('postgres://localhost/shop')).toThrow(/scheme must be mongodb/);
    expect(() => parse('mongodb://localhost/shop?tls=yes')).toThrow(/tls must be true or false/);
  });
});

describe('mongodb describe', () => {
  it('masks the password and shows the options', () => {
    const shown = factory.describe(config({ authSource: 'admin', replicaSet: 'rs0', tls: 'no-verify' }));
    expect(shown).toBe('mongodb://reader:****@db1.internal:27017,db2.internal:27018/shop?authSource=admin&replicaSet=rs0&tls=true&tlsAllowInvalidCertificates=true');
    expect(shown).not.toContain(PASSWORD);
    expect(factory.describe(config({ user: undefined, password: undefined }))).toBe('mongodb://db1.internal:27017,db2.internal:27018/shop');
  });
});

describe('MongodbDriver without a server', () => {
  const query: RowQuery = { table: 'customers', columns: ['name'], limit: 10 };

  it('does not connect when created, and reports no active endpoint yet', async () => {
    const driver = factory.create(config(), { pool: DEFAULT_POOL_SETTINGS });
    expect(driver.engine).toBe('mongodb');
    expect(driver.status()).toEqual({
      activeEndpoint: null,
      endpoints: [
        { address: 'db1.internal:27017', healthy: true, lastError: null },
        { address: 'db2.internal:27018', healthy: true, lastError: null },
      ],
    });
    await driver.close();
  });

  it('can be closed before its first use, and then refuses as closed', async () => {
    const driver = factory.create(config(), { pool: DEFAULT_POOL_SETTINGS });
    await driver.close();
    await driver.close();
    const error = await rejection(() => driver.testConnection());
    expect(error.code).toBe(ErrorCode.DATABASE_UNAVAILABLE);
    expect(error.message).toBe('The database connection is closed.');
    expect(driver.status().activeEndpoint).toBeNull();
  });

  it('refuses SQL', async () => {
    const driver = factory.create(config(), { pool: DEFAULT_POOL_SETTINGS });
    const error = await rejection(() => driver.execute('select 1', [], { readOnly: true }));
    expect(error.code).toBe(ErrorCode.SQL_NOT_ALLOWED);
    expect(error.message).toBe('MongoDB databases are queried with typed row queries, not SQL.');
    await driver.close();
  });

  it.each<[string, Partial<RowQuery>, { maxRows?: number }, ErrorCode, RegExp]>([
    ['another schema', { schema: 'admin' }, {}, ErrorCode.NOT_FOUND, /one schema, "shop"/],
    ['a command collection', { table: '$cmd' }, {}, ErrorCode.BAD_USER_INPUT, /not a collection/],
    ['a system collection', { table: 'system.users' }, {}, ErrorCode.BAD_USER_INPUT, /not a collection/],
    ['a negative limit', { limit: -1 }, {}, ErrorCode.BAD_USER_INPUT, /limit must be/],
    ['a fractional offset', { offset: 1.5 }, {}, ErrorCode.BAD_USER_INPUT, /offset must be/],
    ['a bad maxRows', {}, { maxRows: -5 }, ErrorCode.BAD_USER_INPUT, /maxRows must be/],
    ['no columns', { columns: [] }, {}, ErrorCode.BAD_USER_INPUT, /at least one column/],
    ['a $ column', { columns: ['$where'] }, {}, ErrorCode.BAD_USER_INPUT, /may not start with "\$"/],
    ['$where in the filter', { where: { $where: 'sleep(1000)' } as RowQuery['where'] }, {}, ErrorCode.BAD_USER_INPUT, /may not start/],
    ['an operator injected as a comparison', { where: { name: { $ne: null } } as RowQuery['where'] }, {}, ErrorCode.BAD_USER_INPUT, /Unknown operator "\$ne"/],
  ])('refuses %s before touching the network', async (_name, change, options, code, message) => {
    const driver = factory.create(config(), { pool: DEFAULT_POOL_SETTINGS });
    const selectRows = driver.selectRows?.bind(driver);
    expect(selectRows).toBeDefined();
    const error = await rejection(() => (selectRows as NonNullable<DatabaseDriver['selectRows']>)({ ...query, ...change }, { readOnly: true, ...options }));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(driver.status().activeEndpoint).toBeNull();
    await driver.close();
  });

  it('reports a server nobody answers on as DATABASE_UNAVAILABLE, without password or host, and marks it down', async () => {
    const port = await deadPort();
    const driver = factory.create(config({ endpoints: [{ host: 'localhost', port }] }), {
      pool: { ...DEFAULT_POOL_SETTINGS, connectTimeoutMs: 400 },
    });
    const error = await rejection(() => driver.testConnection());
    expect(error.code).toBe(ErrorCode.DATABASE_UNAVAILABLE);
    expect(error.message).toMatch(/^The database is unavailable: /);
    expect(error.message).not.toContain(PASSWORD);
    expect(error.message).not.toContain('localhost');
    expect(error.message).not.toContain(String(port));
    const status = driver.status();
    expect(status.activeEndpoint).toBeNull();
    expect(status.endpoints).toEqual([{ address: `localhost:${port}`, healthy: false, lastError: expect.any(String) }]);
    expect(status.endpoints[0]?.lastError).not.toContain(PASSWORD);
    await driver.close();
    const closed = await rejection(() => driver.introspect());
    expect(closed.code).toBe(ErrorCode.DATABASE_UNAVAILABLE);
    expect(closed.message).toMatch(/closed/);
  });
});

describe('mongodb errors', () => {
  const context = { secrets: [PASSWORD], hosts: ['db1.internal'], timeoutMs: 1500 };

  it('maps MaxTimeMSExpired to QUERY_TIMEOUT', () => {
    const error = toAppError(new MongoServerError({ errmsg: 'operation exceeded time limit', code: 50, codeName: 'MaxTimeMSExpired' }), context);
    expect(error.code).toBe(ErrorCode.QUERY_TIMEOUT);
    expect(error.message).toMatch(/1500 ms/);
  });

  it('maps an authentication failure to DATABASE_UNAVAILABLE in fixed words', () => {
    const error = toAppError(
      new MongoServerError({ errmsg: `Authentication failed for reader:${PASSWORD}@db1.internal`, code: 18, codeName: 'AuthenticationFailed' }),
      context,
    );
    expect(error.code).toBe(ErrorCode.DATABASE_UNAVAILABLE);
    expect(error.message).toBe('The database is unavailable: the server refused the user name or password.');
  });

  it('finds an authentication failure behind a cause', () => {
    const auth = new MongoServerError({ errmsg: 'Authentication failed.', code: 18 });
    const error = toAppError(new MongoNetworkError('connection closed', { cause: auth }), context);
    expect(error.message).toMatch(/refused the user name or password/);
  });

  it('maps network errors to DATABASE_UNAVAILABLE with the reason in words', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:27017'), { code: 'ECONNREFUSED' });
    const error = toAppError(new MongoNetworkError('connect ECONNREFUSED 10.0.0.7:27017', { cause: refused }), context);
    expect(error.code).toBe(ErrorCode.DATABASE_UNAVAILABLE);
    expect(error.message).toMatch(/refused the connection/);
    expect(error.message).not.toContain('10.0.0.7');
  });

  it('maps a primary stepping down to DATABASE_UNAVAILABLE', () => {
    const error = toAppError(new MongoServerError({ errmsg: 'not primary', code: 10107, codeName: 'NotWritablePrimary' }), context);
    expect(error.code).toBe(ErrorCode.DATABASE_UNAVAILABLE);
  });

  it('maps a missing privilege to DATABASE_UNAVAILABLE', () => {
    const error = toAppError(new MongoServerError({ errmsg: 'not authorized on shop', code: 13, codeName: 'Unauthorized' }), context);
    expect(error.code).toBe(ErrorCode.DATABASE_UNAVAILABLE);
    expect(error.message).toMatch(/lacks the privilege/);
  });

  it('maps other server errors to BAD_USER_INPUT, scrubbed', () => {
    const error = toAppError(
      new MongoServerError({ errmsg: `Sort exceeded memory limit (seen via mongodb://reader:${PASSWORD}@db1.internal/shop on db1.internal)`, code: 292 }),
      context,
    );
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.message).toMatch(/^MongoDB rejected the query: Sort exceeded memory limit/);
    expect(error.message).not.toContain(PASSWORD);
    expect(error.message).not.toContain('db1.internal');
  });

  it('masks anything else as INTERNAL and passes AppErrors through', () => {
    expect(toAppError(new TypeError('boom'), context).code).toBe(ErrorCode.INTERNAL);
    const own = new AppError(ErrorCode.BAD_USER_INPUT, 'mine');
    expect(toAppError(own, context)).toBe(own);
  });
});
