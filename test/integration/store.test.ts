import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreConfig } from '../../src/config.js';
import { AppError, ErrorCode } from '../../src/errors/app-error.js';
import { ensureAdmin } from '../../src/services/bootstrap.service.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { openStore } from '../../src/store/open-store.js';
import { serviceAvailable } from '../helpers/services.js';
import { createTempPostgres, type TempPostgres } from '../helpers/temp-postgres.js';
import { postGraphQL, startTestServer } from '../helpers/test-server.js';

const pgUp = await serviceAvailable('postgres');

interface StoreKind {
  name: string;
  available: boolean;
  /** A fresh, empty store location, and how to throw it away. */
  create(): Promise<{ config: StoreConfig; dataDir: string; dispose(): Promise<void> }>;
}

const kinds: StoreKind[] = [
  {
    name: 'pglite',
    available: true,
    create: async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'warden-store-'));
      return {
        config: { kind: 'pglite', dataDir: join(dataDir, 'store') },
        dataDir,
        dispose: () => rm(dataDir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'postgres',
    available: pgUp,
    create: async () => {
      const db: TempPostgres = await createTempPostgres();
      const dataDir = await mkdtemp(join(tmpdir(), 'warden-store-'));
      return {
        config: { kind: 'postgres', url: db.url },
        dataDir,
        dispose: async () => {
          await db.drop();
          await rm(dataDir, { recursive: true, force: true });
        },
      };
    },
  },
];

for (const kind of kinds) {
  describe.skipIf(!kind.available)(`the ${kind.name} store`, () => {
    let location: Awaited<ReturnType<StoreKind['create']>>;

    beforeAll(async () => {
      location = await kind.create();
    });
    afterAll(async () => {
      await location?.dispose();
    });

    it('migrates once, and migrating again changes nothing', async () => {
      const store = await openStore(location.config);
      try {
        // Raw SQL names columns as the database does; the rows come back camelCase, as every store row does.
        const tables = await sql<{ tableName: string }>`
          select table_name from information_schema.tables where table_schema = 'public' order by table_name
        `.execute(store.db);
        expect(tables.rows.map((r) => r.tableName)).toEqual(
          expect.arrayContaining(['agents', 'api_keys', 'audit_events', 'databases', 'grants']),
        );
        expect(await migrateToLatest(store.db.withoutPlugins())).toEqual([]);
      } finally {
        await store.close();
      }
      const reopened = await openStore(location.config);
      await reopened.close();
    });

    it('generates an admin key on first start only, and honours WARDEN_ADMIN_KEY', async () => {
      const store = await openStore(location.config);
      try {
        const first = await ensureAdmin(store, undefined);
        expect(first.generatedKey).toMatch(/^wdn_/);
        const second = await ensureAdmin(store, undefined);
        expect(second).toEqual({ adminId: first.adminId, generatedKey: undefined });
        const configured = await ensureAdmin(store, 'a-configured-admin-key-of-some-length');
        expect(configured).toEqual({ adminId: first.adminId, generatedKey: undefined });
        const stored = await store.repos.apiKeys.findById('key_configured_admin');
        expect(stored?.secretHash).toMatch(/^[0-9a-f]{64}$/);
        expect(JSON.stringify(stored)).not.toContain('a-configured-admin-key');
        await ensureAdmin(store, undefined);
        expect((await store.repos.apiKeys.findById('key_configured_admin'))?.revokedAt).toBeInstanceOf(Date);
      } finally {
        await store.close();
      }
    });

    it('appends a batch of audit events in order, nulls, JSON and times as they were', async () => {
      const store = await openStore(location.config);
      try {
        const at = new Date('2026-03-04T05:06:07.089Z');
        const rows = [
          { id: 'evt_append_1', occurredAt: at, requestId: 'req-1', principalId: 'agt_a', principalKind: 'agent', action: 'runQuery', databaseId: 'db_1', decision: 'DENIED', reasons: JSON.stringify([{ code: 'FORBIDDEN', message: "it's \"quoted\", {braced}, and ünïcode" }]), statementFingerprint: 'abc', tables: JSON.stringify(['public.orders']), durationMs: 1.25, rowCount: 7, details: JSON.stringify({ nested: { a: [1, null] } }) },
          { id: 'evt_append_2', occurredAt: new Date(at.getTime() + 1), requestId: null, principalId: null, principalKind: 'anonymous', action: 'authFailed', databaseId: null, decision: 'DENIED', reasons: JSON.stringify(null), statementFingerprint: null, tables: JSON.stringify(null), durationMs: null, rowCount: null, details: JSON.stringify(null) },
          ...Array.from({ length: 500 }, (_, i) => ({ id: `evt_append_bulk_${String(i).padStart(3, '0')}`, occurredAt: at, requestId: null, principalId: 'agt_b', principalKind: 'agent', action: 'rows', databaseId: 'db_2', decision: 'ALLOWED', reasons: 'null', statementFingerprint: null, tables: 'null', durationMs: i, rowCount: i, details: 'null' })),
        ];
        await store.repos.audit.append(rows);
        const page = await store.repos.audit.list({}, 1_000);
        const stored = page.rows.filter((r) => r.id.startsWith('evt_append_')).reverse();
        expect(stored.map((r) => r.id)).toEqual(rows.map((r) => r.id));
        expect(stored[0]).toMatchObject({ occurredAt: at, requestId: 'req-1', reasons: [{ code: 'FORBIDDEN', message: "it's \"quoted\", {braced}, and ünïcode" }], tables: ['public.orders'], durationMs: 1.25, rowCount: 7, details: { nested: { a: [1, null] } } });
        expect(stored[1]).toMatchObject({ requestId: null, principalId: null, databaseId: null, reasons: null, tables: null, durationMs: null, rowCount: null, details: null });
        expect(stored[501]).toMatchObject({ durationMs: 499, rowCount: 499 });
      } finally {
        await store.close();
      }
    });

    it('reads and writes rows in camelCase over snake_case columns, leaving the keys inside JSON columns as written', async () => {
      const store = await openStore(location.config);
      try {
        const at = new Date('2026-03-04T05:06:07.089Z');
        await store.repos.agents.insert({ id: 'agt_camel', name: 'camel', description: null, role: 'AGENT', status: 'ACTIVE', createdAt: at, revokedAt: null });
        await store.repos.databases.insert({
          id: 'db_camel',
          name: 'camel-db',
          engine: 'postgres',
          description: null,
          config: JSON.stringify({ settings: { ssl_mode: 'require' }, pool: { max_size: 3 } }),
          secretCiphertext: null,
          secretKeyId: null,
          updatedAt: at,
        });
        const grant = await store.repos.grants.insert({
          id: 'grt_camel',
          agentId: 'agt_camel',
          databaseId: 'db_camel',
          scope: 'TABLE',
          schemaName: 'public',
          tableName: 'payment_cards',
          columns: JSON.stringify(null),
          actions: JSON.stringify(['READ']),
          rowFilter: 'owner_id = 1',
          // A mask is keyed by the column it hides: were this key changed on the way back, the column would go unmasked.
          columnMasks: JSON.stringify({ card_number: "'****'" }),
          rowCap: null,
          expiresAt: null,
          createdBy: null,
          revokedAt: null,
        });
        expect(grant).toMatchObject({ agentId: 'agt_camel', tableName: 'payment_cards', rowFilter: 'owner_id = 1', columnMasks: { card_number: "'****'" } });
        expect((await store.repos.grants.listActiveForAgents(['agt_camel'], at))[0]?.columnMasks).toEqual({ card_number: "'****'" });
        expect((await store.repos.databases.findById('db_camel'))?.config).toEqual({ settings: { ssl_mode: 'require' }, pool: { max_size: 3 } });
        // The tables keep the names the migrations gave them.
        const columns = await sql<{ columnName: string }>`
          select column_name from information_schema.columns where table_name = 'grants' and table_schema = current_schema()
        `.execute(store.db);
        expect(columns.rows.map((r) => r.columnName)).toEqual(expect.arrayContaining(['agent_id', 'column_masks', 'row_filter', 'table_name']));
        expect(columns.rows.map((r) => r.columnName)).not.toContain('agentId');
      } finally {
        await store.close();
      }
    });

    it('keeps agents across a gateway restart', async () => {
      const adminKey = 'restart-admin-key-0123456789abcdef';
      const first = await startTestServer({ store: location.config, dataDir: location.dataDir, adminKey });
      const registered = await first.graphql<{ registerAgent: { key: string; agent: { id: string } } }>(
        'mutation { registerAgent(input: { name: "survivor" }) { key agent { id } } }',
        undefined,
        adminKey,
      );
      const { key, agent } = registered.body.data!.registerAgent;
      await first.stop();

      const second = await startTestServer({ store: location.config, dataDir: location.dataDir, adminKey });
      try {
        const me = await postGraphQL<{ me: { id: string; name: string } }>(second.url, '{ me { id name } }', undefined, key);
        expect(me.body.data?.me).toEqual({ id: agent.id, name: 'survivor' });
      } finally {
        await second.stop();
      }
    });
  });
}

describe.skipIf(!pgUp)('two gateways starting at once on one new PostgreSQL store', () => {
  it('migrate and bootstrap without tripping over each other', async () => {
    const db = await createTempPostgres();
    try {
      const stores = await Promise.all([openStore({ kind: 'postgres', url: db.url }), openStore({ kind: 'postgres', url: db.url })]);
      const results = await Promise.all(stores.map((s) => ensureAdmin(s, undefined)));
      expect(results.filter((r) => r.generatedKey !== undefined)).toHaveLength(1);
      expect(results[0]?.adminId).toBe(results[1]?.adminId);
      await Promise.all(stores.map((s) => s.close()));
    } finally {
      await db.drop();
    }
  });
});

describe.skipIf(!pgUp)('a PostgreSQL store whose server ends a connection mid-transaction', () => {
  it('fails that transaction with STORE_UNAVAILABLE (the connection error as its cause), and the store keeps working', async () => {
    const db = await createTempPostgres();
    const store = await openStore({ kind: 'postgres', url: db.url });
    try {
      const outcome = store.db
        .transaction()
        .execute(async (trx) => {
          const own = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
          // Killed between two statements, while the connection is checked out and idle in the transaction.
          await sql`select pg_terminate_backend(${own.rows[0]?.pid})`.execute(store.db);
          await new Promise((resolve) => setTimeout(resolve, 200));
          await sql`select 1`.execute(trx);
        })
        .then(
          () => 'committed',
          (error: unknown) => error,
        );
      const failed = await outcome;
      expect(failed).toBeInstanceOf(AppError);
      expect((failed as AppError).code).toBe(ErrorCode.STORE_UNAVAILABLE);
      expect(String(((failed as AppError).cause as Error).message)).toMatch(/terminat|connection/i);
      await expect(store.ping()).resolves.toBeUndefined();
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
