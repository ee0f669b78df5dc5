import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceAvailable } from '../helpers/services.js';
import { createTempPostgres, type TempPostgres } from '../helpers/temp-postgres.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const pgUp = await serviceAvailable('postgres');

const TABLES = `query($d: ID!) { database(id: $d) { tables {
  name columns { name } primaryKey foreignKeys { columns referencedTable referencedColumns } indexes { name columns } constraints { kind columns }
} } }`;
const ONE_TABLE = `query($d: ID!, $n: String!) { database(id: $d) { table(name: $n) { primaryKey foreignKeys { columns referencedTable } indexes { name columns } } } }`;

interface TableView {
  name: string;
  columns: { name: string }[];
  primaryKey: string[];
  foreignKeys: { columns: string[]; referencedTable: string; referencedColumns: string[] }[];
  indexes: { name: string; columns: string[] }[];
  constraints: { kind: string; columns: string[] }[];
}

/**
 * What an agent granted some columns learns of a table's keys and indexes: only those made of columns it
 * may see, pointing at tables and columns it may see. A key or an index names its columns (and an index
 * its name, often after them): shown whole, it would tell the agent what it was not granted.
 */
describe.skipIf(!pgUp)('Database.tables for an agent granted some columns', () => {
  let db: TempPostgres;
  let server: TestServer;
  let databaseId: string;
  let agentKey: string;

  beforeAll(async () => {
    db = await createTempPostgres('warden_narrowing');
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query(`
      create table accounts (id integer primary key, owner_email text not null unique, tier text not null);
      create index accounts_tier_owner_email on accounts (tier, owner_email);
      create table payments (id integer primary key, account_id integer not null references accounts(id), amount numeric not null);
      create index payments_account_id on payments (account_id);
      create table ledger (entry integer, secret_part integer, amount numeric, primary key (entry, secret_part));
    `);
    await client.end();
    server = await startTestServer();
    const admin = <T>(query: string, variables?: Record<string, unknown>) => server.graphql<T>(query, variables, server.adminKey);
    const connected = await admin<{ connectDatabase: { id: string } }>('mutation($i: ConnectDatabaseInput!) { connectDatabase(input: $i) { id } }', {
      i: { name: 'money', engine: 'postgres', connectionString: db.url },
    });
    expect(connected.body.errors).toBeUndefined();
    databaseId = connected.body.data!.connectDatabase.id;
    const agent = await admin<{ registerAgent: { key: string; agent: { id: string } } }>('mutation { registerAgent(input: { name: "narrow" }) { key agent { id } } }');
    agentKey = agent.body.data!.registerAgent.key;
    const grant = async (table: string, columns: string[]) =>
      expect(
        (
          await admin('mutation($i: GrantInput!) { grant(input: $i) { id } }', {
            i: { agentId: agent.body.data!.registerAgent.agent.id, databaseId, scope: 'COLUMNS', table, columns, actions: ['READ'] },
          })
        ).body.errors,
      ).toBeUndefined();
    await grant('accounts', ['id', 'tier']);
    await grant('payments', ['id', 'amount']);
    await grant('ledger', ['entry', 'amount']);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  const tablesAs = async (key: string) => {
    const answer = await server.graphql<{ database: { tables: TableView[] } }>(TABLES, { d: databaseId }, key);
    expect(answer.body.errors).toBeUndefined();
    return new Map(answer.body.data!.database.tables.map((t) => [t.name, t]));
  };

  it('shows no key, index or constraint naming a column or table the agent may not see', async () => {
    const tables = await tablesAs(agentKey);
    const text = JSON.stringify([...tables.values()]);
    for (const hidden of ['owner_email', 'account_id', 'secret_part', 'accounts_tier_owner_email', 'payments_account_id']) expect(text).not.toContain(hidden);

    const payments = tables.get('payments')!;
    expect(payments.primaryKey).toEqual(['id']);
    // Its foreign key is made of account_id, which it may not see.
    expect(payments.foreignKeys).toEqual([]);
    expect(payments.indexes.map((i) => i.columns)).toEqual([['id']]);
    const accounts = tables.get('accounts')!;
    expect(accounts.indexes.map((i) => i.columns)).toEqual([['id']]);
    // A primary key partly hidden is not shown at all: its visible half is not a key.
    expect(tables.get('ledger')!.primaryKey).toEqual([]);
    expect(tables.get('ledger')!.constraints).toEqual([]);

    const one = await server.graphql<{ database: { table: { primaryKey: string[]; foreignKeys: unknown[]; indexes: { columns: string[] }[] } } }>(
      ONE_TABLE,
      { d: databaseId, n: 'payments' },
      agentKey,
    );
    expect(one.body.data!.database.table).toEqual({ primaryKey: ['id'], foreignKeys: [], indexes: [{ name: 'payments_pkey', columns: ['id'] }] });
  });

  it('shows an admin every key and index', async () => {
    const tables = await tablesAs(server.adminKey);
    expect(tables.get('payments')!.foreignKeys).toEqual([{ columns: ['account_id'], referencedTable: 'accounts', referencedColumns: ['id'] }]);
    expect(tables.get('accounts')!.indexes.map((i) => i.name).sort()).toEqual(['accounts_owner_email_key', 'accounts_pkey', 'accounts_tier_owner_email']);
    expect(tables.get('ledger')!.primaryKey).toEqual(['entry', 'secret_part']);
  });
});
