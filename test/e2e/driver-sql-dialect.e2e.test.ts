import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../plugins/drivers/catalog.js';
import type { DatabaseDriver, DriverFactory, ExecuteOptions, SqlDialect, StreamOptions } from '../../plugins/drivers/driver.js';
import type { NetworkConfig } from '../../plugins/drivers/network-config.js';
import { postgresDriverFactory } from '../../plugins/drivers/postgres/postgres-driver.js';
import { serviceAvailable } from '../helpers/services.js';
import { useServerWithPostgresStore } from '../helpers/server-fixture.js';
import { loadShop, shopDigest } from '../helpers/shop-fixture.js';
import { createTempPostgres, type TempPostgres } from '../helpers/temp-postgres.js';
import { errorCode } from '../helpers/test-server.js';

/**
 * A third-party engine added through the driver SDK, as docs/drivers.md describes: a server that speaks
 * the Postgres wire protocol, under an engine name Warden has never heard of. Its driver wraps the
 * built-in pg driver and declares `sqlDialect: 'postgres'`; nothing else in Warden is told about it.
 * The SQL gate for it must be the Postgres one — chosen by that declaration — so a write the grants
 * do not allow, or the gate does not, is refused, and a row filter applies.
 */
class WireDriver implements DatabaseDriver {
  readonly capsResultBytes = true;

  constructor(
    readonly engine: string,
    readonly sqlDialect: SqlDialect | undefined,
    private readonly inner: DatabaseDriver,
  ) {}

  testConnection() {
    return this.inner.testConnection();
  }
  introspect(): Promise<Catalog> {
    return this.inner.introspect();
  }
  execute(sql: string, params: readonly unknown[], options: ExecuteOptions) {
    return this.inner.execute(sql, params, options);
  }
  stream(sql: string, params: readonly unknown[], options: StreamOptions) {
    return this.inner.stream!(sql, params, options);
  }
  status() {
    return this.inner.status();
  }
  close() {
    return this.inner.close();
  }
}

function wireFactory(engine: string, sqlDialect: SqlDialect | undefined): DriverFactory<NetworkConfig> {
  return {
    engine,
    description: 'A server speaking the Postgres wire protocol, added as a driver package.',
    configSchema: postgresDriverFactory.configSchema,
    secretFields: postgresDriverFactory.secretFields,
    defaultPort: 5432,
    describe: (config) => postgresDriverFactory.describe(config).replace(/^postgres/, engine),
    create: (config, context) => new WireDriver(engine, sqlDialect, postgresDriverFactory.create(config, context)),
  };
}

const pgUp = await serviceAvailable('postgres');

type Run = { runQuery: { rows: Record<string, unknown>[]; statementType: string; tables: string[] } };
const RUN = 'mutation($d: ID!, $sql: String!) { runQuery(databaseId: $d, sql: $sql) { rows statementType tables } }';

describe.skipIf(!pgUp)('a Postgres-wire driver added through the driver SDK', () => {
  const fixture = useServerWithPostgresStore({ drivers: [wireFactory('pgwire', 'postgres'), wireFactory('pgwire_nosql', undefined)] });
  let shop: TempPostgres;
  let databaseId: string;
  let withoutDialectId: string;
  let key: string;

  const admin = <T>(q: string, v?: Record<string, unknown>) => fixture.server.graphql<T>(q, v, fixture.server.adminKey);
  const run = (sql: string, on = databaseId) => fixture.server.graphql<Run>(RUN, { d: on, sql }, key);
  const connect = async (name: string, engine: string) => {
    const res = await admin<{ connectDatabase: { id: string; engine: string } }>('mutation($i: ConnectDatabaseInput!) { connectDatabase(input: $i) { id engine } }', {
      i: { name, engine, host: '127.0.0.1', port: 5432, database: shop.name, user: 'postgres' },
    });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.connectDatabase.engine).toBe(engine);
    return res.body.data!.connectDatabase.id;
  };
  const grant = async (agentId: string, on: string, input: Record<string, unknown>) => {
    const res = await admin('mutation($i: GrantInput!) { grant(input: $i) { id } }', { i: { agentId, databaseId: on, ...input } });
    expect(res.body.errors).toBeUndefined();
  };

  beforeAll(async () => {
    shop = await createTempPostgres('warden_wire');
    await loadShop('postgres', shop.name);
    databaseId = await connect('ledger', 'pgwire');
    withoutDialectId = await connect('ledger_nosql', 'pgwire_nosql');
    const reg = await admin<{ registerAgent: { key: string; agent: { id: string } } }>('mutation { registerAgent(input: { name: "wire" }) { key agent { id } } }');
    key = reg.body.data!.registerAgent.key;
    const agentId = reg.body.data!.registerAgent.agent.id;
    // The row filter is checked by the gate when granted: the Postgres gate, here.
    await grant(agentId, databaseId, { scope: 'TABLE', table: 'orders', actions: ['READ'], rowFilter: "status = 'paid'", columnMasks: [{ column: 'shipping_country', expression: "left(shipping_country, 1) || '*'" }] });
    await grant(agentId, withoutDialectId, { scope: 'TABLE', table: 'orders', actions: ['READ'] });
  });
  afterAll(async () => {
    await shop?.drop();
  });

  it('applies the row filter and the mask the Postgres gate rewrote in', async () => {
    const res = await run('select id, status, shipping_country from orders order by id');
    expect(res.body.errors).toBeUndefined();
    const rows = res.body.data!.runQuery.rows;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.status === 'paid')).toBe(true);
    expect(rows.every((r) => typeof r.shipping_country === 'string' && /^.\*$/.test(r.shipping_country))).toBe(true);
    const hidden = await run("select count(*) as n from orders where status <> 'paid'");
    expect(Number(hidden.body.data!.runQuery.rows[0]!.n)).toBe(0);
  });

  it('refuses writes: one the grants do not allow, and what the gate allows no one; the data stays as it was', async () => {
    const before = await shopDigest('postgres', shop.name);
    expect(errorCode(await run("update orders set status = 'refunded'"))).toBe('FORBIDDEN');
    for (const sql of ['drop table orders', 'select 1; delete from orders', "select pg_read_file('/etc/passwd')", 'with d as (delete from orders returning *) select * from d']) {
      expect([sql, errorCode(await run(sql))]).toEqual([sql, expect.stringMatching(/^(SQL_NOT_ALLOWED|FORBIDDEN)$/)]);
    }
    // Postgres's own syntax passes (dollar quoting, IS DISTINCT FROM): the MySQL gate would call it a syntax error.
    const res = await run('select id from orders where status is distinct from $$paid$$');
    expect(res.body.errors).toBeUndefined();
    expect(await shopDigest('postgres', shop.name)).toBe(before);
  });

  it('plans and runs typed row queries in the declared dialect', async () => {
    const plan = await fixture.server.graphql<{ explainQuery: { plan: unknown } }>('mutation($d: ID!) { explainQuery(databaseId: $d, sql: "select id from orders") { plan } }', { d: databaseId }, key);
    expect(plan.body.errors).toBeUndefined();
    expect(JSON.stringify(plan.body.data!.explainQuery.plan)).toContain('"Plan"');
    const rows = await fixture.server.graphql<{ rows: { rows: Record<string, unknown>[] } }>(
      'query($d: ID!) { rows(databaseId: $d, table: "orders", columns: ["id", "status"], limit: 50) { rows } }',
      { d: databaseId },
      key,
    );
    expect(rows.body.errors).toBeUndefined();
    expect(rows.body.data!.rows.rows.length).toBeGreaterThan(0);
    expect(rows.body.data!.rows.rows.every((r) => r.status === 'paid')).toBe(true);
  });

  it('takes no SQL at all from the same driver when it declares no dialect', async () => {
    const res = await run('select id from orders', withoutDialectId);
    expect(errorCode(res)).toBe('SQL_NOT_ALLOWED');
    expect(res.body.errors?.[0]?.message).toContain('pgwire_nosql');
  });
});
