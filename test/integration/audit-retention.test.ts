import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditRetention } from '../../src/events/audit-retention.js';
import { AuditWriter, type AuditEvent, type StoredAuditEvent } from '../../src/events/audit-writer.js';
import { Pseudonymiser } from '../../src/events/pseudonymiser.js';
import { AppError } from '../../src/errors/app-error.js';
import { createLogger } from '../../src/logger.js';
import { AuditService } from '../../src/services/audit.service.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { serviceAvailable } from '../helpers/services.js';
import { createTempPostgres, type TempPostgres } from '../helpers/temp-postgres.js';

const pgUp = await serviceAvailable('postgres');
const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date('2030-06-15T12:00:00Z');

interface StoreKind {
  name: string;
  available: boolean;
  open(): Promise<{ store: Store; url: string | undefined; dispose(): Promise<void> }>;
}

const kinds: StoreKind[] = [
  {
    name: 'pglite',
    available: true,
    open: async () => {
      const store = await openStore({ kind: 'pglite', dataDir: 'memory://' });
      return { store, url: undefined, dispose: () => store.close() };
    },
  },
  {
    name: 'postgres',
    available: pgUp,
    open: async () => {
      const db: TempPostgres = await createTempPostgres();
      const store = await openStore({ kind: 'postgres', url: db.url });
      return {
        store,
        url: db.url,
        dispose: async () => {
          await store.close();
          await db.drop();
        },
      };
    },
  },
];

let counter = 0;
function event(occurredAt: Date, principalId: string | null = 'agt_someone'): AuditEvent {
  return {
    occurredAt,
    requestId: `req_${counter++}`,
    principalId,
    principalKind: 'agent',
    action: 'runQuery',
    databaseId: 'db_x',
    decision: 'ALLOWED',
    reasons: null,
    statementFingerprint: null,
    tables: null,
    durationMs: 1,
    rowCount: 0,
    details: null,
  };
}

/** Appends events straight to the store, `count` of them at each age (days before NOW). */
async function seed(store: Store, ages: Record<number, number>): Promise<void> {
  const rows = Object.entries(ages).flatMap(([days, count]) =>
    Array.from({ length: count }, (_, i) => ({
      id: `evt_seed_${counter++}_${i}`,
      occurredAt: new Date(NOW.getTime() - Number(days) * DAY - i * 1000),
      requestId: null,
      principalId: 'agt_someone',
      principalKind: 'agent',
      action: 'runQuery',
      databaseId: null,
      decision: 'ALLOWED',
      reasons: JSON.stringify(null),
      statementFingerprint: null,
      tables: JSON.stringify(null),
      durationMs: null,
      rowCount: null,
      details: JSON.stringify(null),
    })),
  );
  for (let i = 0; i < rows.length; i += 1_000) await store.repos.audit.append(rows.slice(i, i + 1_000));
}

async function ages(store: Store): Promise<number[]> {
  const rows = await store.db.selectFrom('audit_events').select('occurredAt').orderBy('occurredAt').execute();
  return rows.map((r) => Math.floor((NOW.getTime() - new Date(r.occurredAt).getTime()) / DAY));
}

function capturedLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { log: createLogger('debug', sink), lines };
}

for (const kind of kinds) {
  describe.skipIf(!kind.available)(`audit retention on ${kind.name}`, () => {
    let opened: Awaited<ReturnType<StoreKind['open']>>;
    let store: Store;

    beforeAll(async () => {
      opened = await kind.open();
      store = opened.store;
    });
    afterAll(async () => {
      await opened?.dispose();
    });

    const clear = () => store.db.deleteFrom('audit_events').execute();

    it('deletes events older than the cutoff and keeps recent ones, looping over bounded batches until done', async () => {
      await clear();
      await seed(store, { 200: 7, 40: 6, 29: 4, 0: 3 });
      const cutoff = new Date(NOW.getTime() - 30 * DAY);

      // One statement deletes at most its batch, oldest first.
      expect(await store.repos.audit.deleteBatchBefore(cutoff, 5)).toBe(5);
      expect((await ages(store)).filter((d) => d >= 200)).toHaveLength(2);

      // The loop takes batches of 3 until a short batch says nothing old is left: 8 more, in 3 statements.
      expect(await store.repos.audit.purgeBefore(cutoff, { batchSize: 3 })).toBe(8);
      expect(await ages(store)).toEqual([29, 29, 29, 29, 0, 0, 0]);
      expect(await store.repos.audit.purgeBefore(cutoff, { batchSize: 3 })).toBe(0);
    });

    it('stops between batches when its signal is aborted', async () => {
      await clear();
      await seed(store, { 100: 10 });
      const controller = new AbortController();
      controller.abort();
      expect(await store.repos.audit.purgeBefore(NOW, { batchSize: 2, signal: controller.signal })).toBe(0);
      expect(await ages(store)).toHaveLength(10);
    });

    it('purges by days through the service, refusing fewer than one day with BAD_USER_INPUT', async () => {
      await clear();
      await seed(store, { 12: 4, 9: 2, 1: 5 });
      const service = new AuditService(store, Pseudonymiser.off(), () => NOW);
      expect(await service.purgeOlderThan(10)).toBe(4);
      expect(await service.purgeOlderThan(5)).toBe(2);
      expect(await ages(store)).toHaveLength(5);
      for (const days of [0, -3, 1.5, 36_501]) {
        const error = await service.purgeOlderThan(days).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(AppError);
        expect(error).toMatchObject({ code: 'BAD_USER_INPUT', details: { field: 'olderThanDays' } });
      }
      expect(await ages(store)).toHaveLength(5);
    });

    it('purges on a schedule, first soon after start and then every interval, logging how many', async () => {
      await clear();
      await seed(store, { 100: 12, 2: 3 });
      const { log, lines } = capturedLogger();
      const retention = new AuditRetention(store.repos.audit, log, { retentionDays: 30, firstDelayMs: 20, intervalMs: 40, batchSize: 5, now: () => NOW });
      retention.start();
      try {
        await expect.poll(() => ages(store), { timeout: 5_000 }).toHaveLength(3);
        await seed(store, { 50: 2 });
        await expect.poll(() => ages(store), { timeout: 5_000 }).toHaveLength(3);
      } finally {
        await retention.stop();
      }
      const purged = lines.map((l) => JSON.parse(l) as { msg: string; purged?: number }).filter((l) => l.msg === 'purged audit events past the retention');
      expect(purged.map((l) => l.purged)).toEqual([12, 2]);
    });

    it('pseudonymises principals as events are recorded: store and listeners see psn_, filters take the id or the pseudonym', async () => {
      await clear();
      const pseudonyms = new Pseudonymiser(Buffer.alloc(32, 9));
      const { log } = capturedLogger();
      // An event from before pseudonymising was on, under the agent id itself.
      const before = new AuditWriter(store.repos.audit, log);
      before.record(event(new Date(NOW.getTime() - DAY), 'agt_alice'));
      await before.stop();

      const writer = new AuditWriter(store.repos.audit, log, { pseudonyms });
      const heard: StoredAuditEvent[] = [];
      writer.onEvent((e) => heard.push(e));
      writer.record(event(NOW, 'agt_alice'));
      writer.record(event(NOW, 'agt_bob'));
      writer.record({ ...event(NOW, null), principalKind: 'anonymous' });
      await writer.stop();

      const alice = pseudonyms.ref('agt_alice');
      expect(heard.map((e) => e.principalId)).toEqual([alice, pseudonyms.ref('agt_bob'), null]);
      const raw = await store.db.selectFrom('audit_events').select('principalId').orderBy('seq').execute();
      expect(raw.map((r) => r.principalId)).toEqual(['agt_alice', alice, pseudonyms.ref('agt_bob'), null]);

      const service = new AuditService(store, pseudonyms);
      expect(service.auditRef('agt_alice')).toBe(alice);
      const byId = await service.list({ principalId: 'agt_alice' });
      expect(byId.edges.map((e) => e.node.principalId)).toEqual([alice, 'agt_alice']);
      expect(byId.totalCount).toBe(2);
      const byPseudonym = await service.list({ principalId: alice });
      expect(byPseudonym.edges.map((e) => e.node.principalId)).toEqual([alice]);
    });

    it.skipIf(kind.name !== 'postgres')('lets several replicas purge at once, deleting each old row exactly once', async () => {
      await clear();
      await seed(store, { 60: 3_000, 1: 10 });
      const replicas = await Promise.all([1, 2, 3].map(() => openStore({ kind: 'postgres', url: opened.url! })));
      try {
        const cutoff = new Date(NOW.getTime() - 30 * DAY);
        const counts = await Promise.all(replicas.map((r) => r.repos.audit.purgeBefore(cutoff, { batchSize: 200 })));
        expect(counts.reduce((a, b) => a + b, 0)).toBe(3_000);
        const left = await sql<{ n: string }>`select count(*) as n from audit_events`.execute(store.db);
        expect(Number(left.rows[0]!.n)).toBe(10);
      } finally {
        await Promise.all(replicas.map((r) => r.close()));
      }
    });
  });
}
