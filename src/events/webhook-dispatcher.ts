import { randomBase32 } from '../ids.js';
import type { Logger } from '../logger.js';
import { EgressGuard, egressDenialOf } from '../net/egress-guard.js';
import { DEFAULT_EGRESS_SETTINGS } from '../net/egress-policy.js';
import { BatchBuffer } from './batch-buffer.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { WebhookDeliveryRecord, WebhookRecord, WebhookRepository } from '../store/repositories/webhook-repository.js';
import type { StoredAuditEvent } from './audit-writer.js';
import { backoffDelayMs } from '../net/backoff.js';
import type { SecurityNotificationMessage } from './event-bus.js';
import { signWebhookPayload } from './webhook-signature.js';

/** What a webhook may subscribe to. QUERY_DENIED is the audit events whose decision is DENIED. */
export const WEBHOOK_EVENT_TYPES = ['AUDIT_EVENT', 'QUERY_DENIED', 'SECURITY_NOTIFICATION'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Binds a sealed signing secret to its webhook row, so a ciphertext copied onto another row does not open. */
export function webhookSecretContext(webhookId: string): string {
  return `webhook:${webhookId}`;
}

export function newWebhookId(): string {
  return `whk_${randomBase32(16)}`;
}

function newDeliveryId(): string {
  return `whd_${randomBase32(20)}`;
}

/** The longest wait between two attempts of a delivery, unless set otherwise. */
export const DEFAULT_BACKOFF_CAP_MS = 60 * 60 * 1000;

export interface WebhookDispatcherOptions {
  /** Attempts per delivery before it is dead-lettered. */
  maxAttempts: number;
  /** Base of the exponential backoff (the first retry waits up to this). */
  backoffMs: number;
  /** The longest wait between attempts (default an hour). */
  backoffCapMs?: number;
  /** Per attempt: connect, send, and the response's status line. */
  timeoutMs: number;
  /** How often the queue is checked for due deliveries. */
  pollMs: number;
  /** How often buffered events are written to the queue (default 200 ms). */
  flushMs?: number;
  /** How often the list of webhooks is re-read, to see other replicas' changes (default 5 s). */
  refreshMs?: number;
  /** Attempts in flight at once on this replica (default 16). */
  concurrency?: number;
  /** Events waiting to be queued beyond which the oldest are dropped (default 10 000). */
  maxBuffered?: number;
  /** On stop, how long attempts in flight may finish before they are cut and handed back (default 2 s). */
  stopGraceMs?: number;
  /** Where deliveries may connect (default: the egress policy's defaults, so no loopback or private receivers). */
  egress?: EgressGuard;
}

interface ActiveWebhook {
  id: string;
  eventTypes: ReadonlySet<string>;
}

/** A delivery waiting to be queued; serialised at write time, off the request that caused it. */
interface PendingDelivery {
  id: string;
  webhookId: string;
  type: WebhookEventType;
  eventId: string;
  occurredAt: Date;
  data: unknown;
  queuedAt: Date;
}

interface InFlight {
  controller: AbortController;
  done: Promise<void>;
}

/**
 * Webhooks, from event to receiver. Enqueue: audit events and security notifications raised on this
 * replica (so each is queued once, however many replicas run) are matched against the cached list of
 * webhooks and buffered; the buffer is written to the store in batches, off the request path. Deliver:
 * due deliveries are claimed (`FOR UPDATE SKIP LOCKED` and a lease, so no two replicas send one),
 * POSTed signed, and moved on — DELIVERED on a 2xx, retried with exponential backoff and full jitter
 * otherwise, and DEAD (the dead-letter queue) once the attempts run out.
 */
export class WebhookDispatcher {
  #active: ActiveWebhook[] = [];
  readonly #inFlight = new Map<string, InFlight>();
  readonly #secrets = new Map<string, { ciphertext: string; secret: string }>();
  #refreshing: Promise<void> | undefined;
  #nextRefresh: Promise<void> | undefined;
  #polling: Promise<void> | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  #refreshTimer: NodeJS.Timeout | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #started = false;
  #stopping = false;

  readonly #buffer: BatchBuffer<PendingDelivery>;
  readonly #egress: EgressGuard;

  constructor(
    private readonly repo: WebhookRepository,
    private readonly secrets: SecretBox,
    private readonly log: Logger,
    private readonly options: WebhookDispatcherOptions,
    private readonly random: () => number = Math.random,
  ) {
    this.#egress = options.egress ?? new EgressGuard(DEFAULT_EGRESS_SETTINGS);
    this.#buffer = new BatchBuffer((batch) => this.#write(batch), log, {
      what: 'webhook deliveries',
      batchSize: 500,
      maxBuffered: options.maxBuffered ?? 10_000,
    });
  }

  /** Deliveries made here and not yet written to the queue. */
  get buffered(): number {
    return this.#buffer.size;
  }

  /** Deliveries in the queue, all replicas' together: waiting (or retrying), and dead-lettered. */
  backlog(): Promise<{ pending: number; dead: number }> {
    return this.repo.countBacklog();
  }

  /** Reads the webhooks, then starts writing the queue and polling it (at once: what an earlier run left is due). */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await this.refresh();
    this.#flushTimer = setInterval(() => void this.flush(), this.options.flushMs ?? 200);
    this.#flushTimer.unref();
    this.#refreshTimer = setInterval(() => void this.refresh(), this.options.refreshMs ?? 5_000);
    this.#refreshTimer.unref();
    this.#schedulePoll(0);
  }

  /** An audit event recorded on this replica. */
  onAuditEvent(event: StoredAuditEvent): void {
    if (this.#stopping) return;
    for (const webhook of this.#active) {
      const type: WebhookEventType | undefined =
        event.decision === 'DENIED' && webhook.eventTypes.has('QUERY_DENIED')
          ? 'QUERY_DENIED'
          : webhook.eventTypes.has('AUDIT_EVENT')
            ? 'AUDIT_EVENT'
            : undefined;
      if (type) this.#queue(webhook.id, type, event.id, event.occurredAt, event);
    }
  }

  /** A security notification raised on this replica. */
  onNotification(notification: SecurityNotificationMessage): void {
    if (this.#stopping) return;
    for (const webhook of this.#active) {
      if (webhook.eventTypes.has('SECURITY_NOTIFICATION')) {
        this.#queue(webhook.id, 'SECURITY_NOTIFICATION', notification.id, notification.createdAt, notification);
      }
    }
  }

  /** Re-reads the webhooks (after a change here; periodically for changes made on other replicas). */
  refresh(): Promise<void> {
    // A read under way may have started before the change that asks for this one: queue one more after it.
    if (this.#refreshing) {
      this.#nextRefresh ??= this.#refreshing.then(() => {
        this.#nextRefresh = undefined;
        return this.refresh();
      });
      return this.#nextRefresh;
    }
    this.#refreshing = this.#readWebhooks().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #readWebhooks(): Promise<void> {
    try {
      const rows = await this.repo.listActive();
      this.#active = rows.map((r) => ({ id: r.id, eventTypes: new Set(r.eventTypes) }));
      const live = new Set(rows.map((r) => r.id));
      for (const id of this.#secrets.keys()) if (!live.has(id)) this.#secrets.delete(id);
    } catch (error) {
      this.log.warn({ err: error }, 'could not read the webhooks; keeping the previous list');
    }
  }

  /** Writes buffered deliveries to the queue. Concurrent calls share one write; a failed write is retried next time. */
  flush(): Promise<void> {
    return this.#buffer.flush();
  }

  /** Stops polling, queues what is buffered, lets attempts in flight finish briefly, and hands back the rest. */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    for (const timer of [this.#flushTimer, this.#refreshTimer, this.#pollTimer]) clearTimeout(timer);
    await this.#polling;
    await this.#buffer.drain();
    const inFlight = [...this.#inFlight.values()];
    if (inFlight.length > 0) {
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled(inFlight.map((f) => f.done)),
        new Promise<void>((resolve) => {
          grace = setTimeout(resolve, this.options.stopGraceMs ?? 2_000);
        }),
      ]);
      clearTimeout(grace);
      for (const f of this.#inFlight.values()) f.controller.abort();
      await Promise.allSettled(inFlight.map((f) => f.done));
    }
    await this.#nextRefresh;
    await this.#refreshing;
  }

  #queue(webhookId: string, type: WebhookEventType, eventId: string, occurredAt: Date, data: unknown): void {
    this.#buffer.push({ id: newDeliveryId(), webhookId, type, eventId, occurredAt, data, queuedAt: new Date() });
  }

  async #write(batch: PendingDelivery[]): Promise<void> {
    await this.repo.enqueue(
      batch.map((d) => ({
        id: d.id,
        webhookId: d.webhookId,
        eventType: d.type,
        eventId: d.eventId,
        payload: JSON.stringify({ id: d.id, type: d.type, createdAt: d.occurredAt.toISOString(), data: d.data }),
        createdAt: d.queuedAt,
      })),
    );
  }

  #schedulePoll(delayMs: number): void {
    if (this.#stopping) return;
    this.#pollTimer = setTimeout(() => {
      this.#polling = this.#poll()
        .catch((error: unknown) => this.log.error({ err: error }, 'could not poll the webhook queue; will retry'))
        .finally(() => {
          this.#polling = undefined;
          this.#schedulePoll(this.options.pollMs);
        });
    }, delayMs);
    this.#pollTimer.unref();
  }

  /** Claims as many due deliveries as there is room for, and starts an attempt on each. */
  async #poll(): Promise<void> {
    const concurrency = this.options.concurrency ?? 16;
    while (!this.#stopping) {
      const room = concurrency - this.#inFlight.size;
      if (room <= 0) return;
      const claimed = await this.repo.claimDue(room, this.options.timeoutMs + 15_000);
      if (claimed.length === 0) return;
      const webhooks = new Map((await this.repo.findByIds([...new Set(claimed.map((d) => d.webhookId))])).map((w) => [w.id, w]));
      for (const delivery of claimed) {
        const controller = new AbortController();
        const done = this.#attempt(delivery, webhooks.get(delivery.webhookId), controller.signal)
          .catch((error: unknown) => this.log.error({ err: error, deliveryId: delivery.id }, 'could not record a webhook attempt'))
          .finally(() => this.#inFlight.delete(delivery.id));
        this.#inFlight.set(delivery.id, { controller, done });
      }
      if (claimed.length < room) return;
    }
  }

  async #attempt(delivery: WebhookDeliveryRecord, webhook: WebhookRecord | undefined, stopSignal: AbortSignal): Promise<void> {
    const attempt = delivery.attempts;
    if (!webhook || webhook.removedAt) {
      await this.repo.setStatus(delivery.id, 'PENDING', 'DISCARDED', 'webhook removed');
      return;
    }
    const attemptedAt = new Date();
    const started = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const secret = this.#secretOf(webhook);
      const body = JSON.stringify(delivery.payload);
      // Through the egress guard: the address the URL's host resolves to now is checked as the socket connects.
      const response = await this.#egress.fetch(webhook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Warden-Webhooks/1',
          'warden-event': delivery.eventType,
          // webhook-id is the delivery's id: the same on every attempt.
          ...signWebhookPayload(secret, delivery.id, body, new Date()),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.any([stopSignal, AbortSignal.timeout(this.options.timeoutMs)]),
      });
      statusCode = response.status;
      await response.body?.cancel().catch(() => undefined);
      if (statusCode < 200 || statusCode > 299) error = `HTTP ${statusCode}`;
    } catch (cause) {
      if (stopSignal.aborted) {
        // Cut short by a stop: not the receiver's fault, so not counted. Due again at once, here or elsewhere.
        await this.repo.releaseClaim(delivery.id, attempt);
        return;
      }
      error = describeFailure(cause, this.options.timeoutMs);
    }
    const durationMs = performance.now() - started;
    const next =
      error === null
        ? ({ status: 'DELIVERED' } as const)
        : attempt >= this.options.maxAttempts
          ? ({ status: 'DEAD' } as const)
          : ({
              status: 'PENDING',
              retryInMs: backoffDelayMs(attempt, { baseMs: this.options.backoffMs, capMs: this.options.backoffCapMs ?? DEFAULT_BACKOFF_CAP_MS }, this.random),
            } as const);
    const recorded = await this.repo.completeAttempt(delivery.id, { attempt, attemptedAt, durationMs, statusCode, error, next });
    const fields = { deliveryId: delivery.id, webhookId: webhook.id, eventType: delivery.eventType, attempt, statusCode, error, durationMs: Math.round(durationMs) };
    if (!recorded) this.log.warn(fields, 'webhook attempt outcome discarded: the delivery was claimed again after its lease ran out');
    else if (next.status === 'DEAD') this.log.warn(fields, 'webhook delivery failed every attempt: moved to the dead-letter queue');
    else if (next.status === 'PENDING') this.log.debug({ ...fields, retryInMs: next.retryInMs }, 'webhook attempt failed; will retry');
    else this.log.debug(fields, 'webhook delivered');
  }

  /** The plaintext signing secret, opened once per sealed value and kept in memory. */
  #secretOf(webhook: WebhookRecord): string {
    const cached = this.#secrets.get(webhook.id);
    if (cached && cached.ciphertext === webhook.secretCiphertext) return cached.secret;
    let secret: string;
    try {
      secret = this.secrets.open({ keyId: webhook.secretKeyId, ciphertext: webhook.secretCiphertext }, webhookSecretContext(webhook.id));
    } catch (error) {
      this.log.error({ err: error, webhookId: webhook.id }, 'could not open a webhook signing secret');
      throw new SigningSecretUnavailable();
    }
    this.#secrets.set(webhook.id, { ciphertext: webhook.secretCiphertext, secret });
    return secret;
  }
}

class SigningSecretUnavailable extends Error {
  constructor() {
    super('signing secret unavailable');
  }
}

/** A short, secret-free reason for a failed attempt: never a URL, host or body. */
function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof SigningSecretUnavailable) return error.message;
  const denied = egressDenialOf(error);
  if (denied) return denied.message;
  if (error instanceof Error && error.name === 'TimeoutError') return `timed out after ${timeoutMs} ms`;
  const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  if (typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code)) return code;
  if (error instanceof TypeError && /invalid|url/i.test(error.message)) return 'invalid request';
  return 'request failed';
}
