import { sql, type Insertable, type Selectable, type SqlBool } from 'kysely';
import type { StoreDb } from '../store-schema.js';
import type { WebhookAttemptsTable, WebhookDeliveriesTable, WebhookDeliveryStatus, WebhooksTable } from '../webhook-tables.js';
import type { KeysetPosition, Page } from './keyset.js';

export type WebhookRecord = Selectable<WebhooksTable>;
export type WebhookDeliveryRecord = Selectable<WebhookDeliveriesTable>;
export type WebhookAttemptRecord = Selectable<WebhookAttemptsTable>;
export type { WebhookDeliveryStatus };

export interface WebhookDeliveryFilter {
  webhookId?: string | undefined;
  status?: WebhookDeliveryStatus | undefined;
}

/** What one attempt came to, and what happens to the delivery next. */
export interface AttemptOutcome {
  attempt: number;
  attemptedAt: Date;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  /** DELIVERED, DEAD, or PENDING again after `retryInMs`. */
  next: { status: 'DELIVERED' } | { status: 'DEAD' } | { status: 'PENDING'; retryInMs: number };
}

/** `now() + ms`, on the store's clock, so every replica schedules and leases by one clock. */
const inMs = (ms: number) => sql<Date>`now() + (${Math.max(0, Math.round(ms))}::integer * interval '1 millisecond')`;

export class WebhookRepository {
  constructor(private readonly db: StoreDb) {}

  async insert(row: Insertable<WebhooksTable>): Promise<WebhookRecord> {
    return this.db.insertInto('webhooks').values(row).returningAll().executeTakeFirstOrThrow();
  }

  async findById(id: string): Promise<WebhookRecord | undefined> {
    return this.db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findByIds(ids: readonly string[]): Promise<WebhookRecord[]> {
    if (ids.length === 0) return [];
    return this.db.selectFrom('webhooks').selectAll().where('id', 'in', [...ids]).execute();
  }

  /** Webhooks not removed, oldest first. */
  async listActive(): Promise<WebhookRecord[]> {
    return this.db.selectFrom('webhooks').selectAll().where('removedAt', 'is', null).orderBy('createdAt').orderBy('id').execute();
  }

  /** Marks a webhook removed and discards what it still had to send. Undefined when there is no active one. */
  async remove(id: string, at: Date): Promise<WebhookRecord | undefined> {
    const removed = await this.db
      .updateTable('webhooks')
      .set({ removedAt: at })
      .where('id', '=', id)
      .where('removedAt', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (removed) {
      await this.db
        .updateTable('webhook_deliveries')
        .set({ status: 'DISCARDED', lockedUntil: null, lastError: 'webhook removed' })
        .where('webhookId', '=', id)
        .where('status', 'in', ['PENDING', 'DEAD'])
        .execute();
    }
    return removed;
  }

  /** Enqueues deliveries, due now; an event already enqueued for a webhook is skipped. */
  async enqueue(rows: readonly Omit<Insertable<WebhookDeliveriesTable>, 'nextAttemptAt' | 'status' | 'attempts'>[]): Promise<number> {
    if (rows.length === 0) return 0;
    const result = await this.db
      .insertInto('webhook_deliveries')
      .values([...rows])
      .onConflict((oc) => oc.columns(['webhookId', 'eventId']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0);
  }

  /**
   * Claims up to `limit` due deliveries for one attempt each: counts the attempt and leases the row for
   * `leaseMs`. `FOR UPDATE SKIP LOCKED` plus the lease means no two replicas send a delivery at once; a
   * replica that dies mid-attempt leaves a lease that runs out, and the delivery is claimed again.
   */
  async claimDue(limit: number, leaseMs: number): Promise<WebhookDeliveryRecord[]> {
    const due = this.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('status', '=', 'PENDING')
      .where('nextAttemptAt', '<=', sql<Date>`now()`)
      .where((eb) => eb.or([eb('lockedUntil', 'is', null), eb('lockedUntil', '<', sql<Date>`now()`)]))
      .orderBy('nextAttemptAt')
      .limit(limit)
      .forUpdate()
      .skipLocked();
    return this.db
      .updateTable('webhook_deliveries')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), lockedUntil: inMs(leaseMs) }))
      .where('id', 'in', due)
      .where('status', '=', 'PENDING')
      .returningAll()
      .execute();
  }

  /**
   * Records an attempt and moves the delivery on. Fenced by the attempt number: if the lease ran out and
   * another replica claimed the delivery since, this outcome is stale and changes nothing (returns false).
   */
  async completeAttempt(deliveryId: string, outcome: AttemptOutcome): Promise<boolean> {
    const base = { lockedUntil: null, lastStatusCode: outcome.statusCode, lastError: outcome.error };
    const next = outcome.next;
    // One transaction: the delivery's new state and its history's new attempt are seen together, or neither.
    return this.db.transaction().execute(async (trx) => {
      const update = trx
        .updateTable('webhook_deliveries')
        .where('id', '=', deliveryId)
        .where('attempts', '=', outcome.attempt)
        .where('status', '=', 'PENDING');
      const result =
        next.status === 'DELIVERED'
          ? await update.set({ ...base, status: 'DELIVERED', deliveredAt: sql<Date>`now()` }).executeTakeFirst()
          : next.status === 'DEAD'
            ? await update.set({ ...base, status: 'DEAD' }).executeTakeFirst()
            : await update.set({ ...base, nextAttemptAt: inMs(next.retryInMs) }).executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return false;
      await trx
        .insertInto('webhook_attempts')
        .values({
          deliveryId,
          attempt: outcome.attempt,
          attemptedAt: outcome.attemptedAt,
          statusCode: outcome.statusCode,
          error: outcome.error,
          durationMs: Math.round(outcome.durationMs),
        })
        .execute();
      return true;
    });
  }

  /** Gives a claimed delivery back unattempted (the gateway is stopping): due again at once elsewhere. */
  async releaseClaim(deliveryId: string, attempt: number): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      .set((eb) => ({ attempts: eb('attempts', '-', 1), lockedUntil: null }))
      .where('id', '=', deliveryId)
      .where('attempts', '=', attempt)
      .where('status', '=', 'PENDING')
      .execute();
  }

  /** Moves a delivery from one status to another; undefined when it is not (or no longer) in `from`. */
  async setStatus(id: string, from: WebhookDeliveryStatus, to: WebhookDeliveryStatus, lastError?: string): Promise<WebhookDeliveryRecord | undefined> {
    return this.db
      .updateTable('webhook_deliveries')
      .set({ status: to, lockedUntil: null, ...(lastError !== undefined ? { lastError } : {}) })
      .where('id', '=', id)
      .where('status', '=', from)
      .returningAll()
      .executeTakeFirst();
  }

  /** A DEAD delivery back in the queue: PENDING, attempts reset, due now. */
  async replay(id: string): Promise<WebhookDeliveryRecord | undefined> {
    return this.db
      .updateTable('webhook_deliveries')
      .set({
        status: 'PENDING',
        attempts: 0,
        nextAttemptAt: sql<Date>`now()`,
        lockedUntil: null,
        deliveredAt: null,
      })
      .where('id', '=', id)
      .where('status', '=', 'DEAD')
      .returningAll()
      .executeTakeFirst();
  }

  async findDelivery(id: string): Promise<WebhookDeliveryRecord | undefined> {
    return this.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Newest first, paged by (created_at, id). */
  async listDeliveries(filter: WebhookDeliveryFilter, limit: number, before?: KeysetPosition): Promise<Page<WebhookDeliveryRecord>> {
    let query = this.filteredDeliveries(filter).selectAll();
    if (before) query = query.where(sql<SqlBool>`(created_at, id) < (${before.createdAt}, ${before.id})`);
    const rows = await query.orderBy('createdAt', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
    return { rows: rows.slice(0, limit), hasMore: rows.length > limit };
  }

  async countDeliveries(filter: WebhookDeliveryFilter): Promise<number> {
    const row = await this.filteredDeliveries(filter).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Deliveries waiting (or retrying) and dead-lettered: one pass over the (status, next_attempt_at) index. */
  async countBacklog(): Promise<{ pending: number; dead: number }> {
    const rows = await this.db
      .selectFrom('webhook_deliveries')
      .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
      .where('status', 'in', ['PENDING', 'DEAD'])
      .groupBy('status')
      .execute();
    const count = (status: WebhookDeliveryStatus) => Number(rows.find((r) => r.status === status)?.n ?? 0);
    return { pending: count('PENDING'), dead: count('DEAD') };
  }

  /** Every attempt on these deliveries, in the order made (a replay numbers its attempts from 1 again). */
  async attemptsOf(deliveryIds: readonly string[]): Promise<WebhookAttemptRecord[]> {
    if (deliveryIds.length === 0) return [];
    return this.db
      .selectFrom('webhook_attempts')
      .selectAll()
      .where('deliveryId', 'in', [...deliveryIds])
      .orderBy('deliveryId')
      .orderBy('attemptedAt')
      .orderBy('id')
      .execute();
  }

  private filteredDeliveries(filter: WebhookDeliveryFilter) {
    let query = this.db.selectFrom('webhook_deliveries');
    if (filter.webhookId) query = query.where('webhookId', '=', filter.webhookId);
    if (filter.status) query = query.where('status', '=', filter.status);
    return query;
  }
}
