import { AppError, ErrorCode } from '../errors/app-error.js';
import { newWebhookId, WEBHOOK_EVENT_TYPES, webhookSecretContext, type WebhookEventType } from '../events/webhook-dispatcher.js';
import { generateWebhookSecret } from '../events/webhook-signature.js';
import { EgressGuard } from '../net/egress-guard.js';
import { DEFAULT_EGRESS_SETTINGS } from '../net/egress-policy.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { Store } from '../store/open-store.js';
import type {
  WebhookAttemptRecord,
  WebhookDeliveryFilter,
  WebhookDeliveryRecord,
  WebhookDeliveryStatus,
  WebhookRecord,
} from '../store/repositories/webhook-repository.js';
import { decodeCursor, pageSize, toConnection, type Connection } from './connection.js';

export interface RegisterWebhookInput {
  url: string;
  eventTypes: readonly string[];
  description?: string | null | undefined;
}

/** A webhook as the API shows it: never its secret. */
export interface WebhookView {
  id: string;
  url: string;
  eventTypes: WebhookEventType[];
  description: string | null;
  createdAt: Date;
  createdBy: string | null;
  removedAt: Date | null;
}

export interface WebhookAttemptView {
  attempt: number;
  attemptedAt: Date;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface WebhookDeliveryView {
  id: string;
  webhookId: string;
  eventType: WebhookEventType;
  eventId: string;
  status: WebhookDeliveryStatus;
  attemptCount: number;
  attempts: WebhookAttemptView[];
  /** When the next attempt is due; null unless PENDING. */
  nextAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
  payload: Record<string, unknown>;
}

/** A new webhook and its signing secret, shown this once. */
export interface WebhookRegistration {
  webhook: WebhookView;
  secret: string;
}

const MAX_URL_LENGTH = 2048;

/**
 * Admin use cases over webhooks: register (the secret is generated, sealed at rest and shown once),
 * list, remove, delivery history, and the dead-letter queue (replay, discard). Delivery itself is the
 * WebhookDispatcher's.
 */
export class WebhookService {
  readonly #changedListeners: (() => void | Promise<void>)[] = [];

  constructor(
    private readonly store: Store,
    private readonly secrets: SecretBox,
    /** Checked at registration; the dispatcher checks again as it connects. */
    private readonly egress: EgressGuard = new EgressGuard(DEFAULT_EGRESS_SETTINGS),
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Called after a webhook is registered or removed here; awaited, so the dispatcher has re-read its
   * list by the time the change is reported done.
   */
  onChanged(listener: () => void | Promise<void>): void {
    this.#changedListeners.push(listener);
  }

  async register(input: RegisterWebhookInput, createdBy: string | null): Promise<WebhookRegistration> {
    const url = validateUrl(input.url);
    await this.egress.checkUrl(url, 'webhook URL', 'url');
    const eventTypes = validateEventTypes(input.eventTypes);
    const description = input.description?.trim() || null;
    if (description && description.length > 500) {
      throw new AppError(ErrorCode.BAD_USER_INPUT, 'A description is at most 500 characters.', { field: 'description' });
    }
    const id = newWebhookId();
    const secret = generateWebhookSecret();
    const sealed = this.secrets.seal(secret, webhookSecretContext(id));
    const record = await this.store.transaction((repos) => repos.webhooks.insert({
      id,
      url,
      eventTypes: JSON.stringify(eventTypes),
      description,
      secretCiphertext: sealed.ciphertext,
      secretKeyId: sealed.keyId,
      createdAt: this.now(),
      createdBy,
      removedAt: null,
    }));
    await this.#changed();
    return { webhook: toWebhookView(record), secret };
  }

  /** Active webhooks, oldest first. */
  async list(): Promise<WebhookView[]> {
    return (await this.store.repos.webhooks.listActive()).map(toWebhookView);
  }

  /** Removes a webhook; what it had still to send (pending or dead) is discarded. */
  async remove(id: string): Promise<WebhookView> {
    const record = await this.store.transaction((repos) => repos.webhooks.remove(id, this.now()));
    if (!record) throw new AppError(ErrorCode.NOT_FOUND, `No webhook has the id "${id}". The webhooks query lists them.`);
    await this.#changed();
    return toWebhookView(record);
  }

  /** Delivery history, newest first, with every attempt. */
  async deliveries(
    filter: { webhookId?: string | null | undefined; status?: WebhookDeliveryStatus | null | undefined },
    first?: number | null,
    after?: string | null,
  ): Promise<Connection<WebhookDeliveryView>> {
    return this.#page({ webhookId: filter.webhookId ?? undefined, status: filter.status ?? undefined }, first, after);
  }

  /** The dead-letter queue: deliveries that failed every attempt, newest first. */
  async deadLetters(first?: number | null, after?: string | null): Promise<Connection<WebhookDeliveryView>> {
    return this.#page({ status: 'DEAD' }, first, after);
  }

  /** Puts a dead letter back in the queue: PENDING, attempts reset, due now. */
  async replayDeadLetter(id: string): Promise<WebhookDeliveryView> {
    const replayed = await this.store.repos.webhooks.replay(id);
    if (!replayed) throw await this.#notDead(id, 'replayed');
    return this.#withAttempts(replayed);
  }

  /** Drops a dead letter from the queue for good (it stays in the history as DISCARDED). */
  async discardDeadLetter(id: string): Promise<WebhookDeliveryView> {
    const discarded = await this.store.transaction((repos) => repos.webhooks.setStatus(id, 'DEAD', 'DISCARDED'));
    if (!discarded) throw await this.#notDead(id, 'discarded');
    return this.#withAttempts(discarded);
  }

  async #notDead(id: string, verb: string): Promise<AppError> {
    const existing = await this.store.repos.webhooks.findDelivery(id);
    if (!existing) return new AppError(ErrorCode.NOT_FOUND, `No webhook delivery has the id "${id}". The deadLetters query lists dead letters.`);
    return new AppError(ErrorCode.CONFLICT, `Only a dead letter can be ${verb}; this delivery is ${existing.status}.`, { status: existing.status });
  }

  async #page(filter: WebhookDeliveryFilter, first?: number | null, after?: string | null): Promise<Connection<WebhookDeliveryView>> {
    const limit = pageSize(first);
    const position = after ? decodeCursor(after) : undefined;
    const repo = this.store.repos.webhooks;
    const [page, total] = await Promise.all([repo.listDeliveries(filter, limit, position), repo.countDeliveries(filter)]);
    const attempts = groupAttempts(await repo.attemptsOf(page.rows.map((r) => r.id)));
    return toConnection(
      page,
      total,
      position !== undefined,
      (r) => ({ createdAt: r.createdAt, id: r.id }),
      (r) => toDeliveryView(r, attempts.get(r.id) ?? []),
    );
  }

  async #withAttempts(record: WebhookDeliveryRecord): Promise<WebhookDeliveryView> {
    const attempts = await this.store.repos.webhooks.attemptsOf([record.id]);
    return toDeliveryView(record, attempts);
  }

  async #changed(): Promise<void> {
    for (const listener of this.#changedListeners) await listener();
  }
}

export function validateUrl(raw: string): string {
  const text = raw.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AppError(ErrorCode.BAD_USER_INPUT, 'The webhook URL is not a valid URL. Give an absolute http:// or https:// URL.', { field: 'url' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppError(ErrorCode.BAD_USER_INPUT, 'A webhook URL must use http:// or https://.', { field: 'url' });
  }
  if (url.username || url.password) {
    // The URL is shown to admins and kept in the clear; a receiver checks the signature instead.
    throw new AppError(ErrorCode.BAD_USER_INPUT, 'A webhook URL cannot carry a user name or password. Receivers verify the webhook-signature header instead.', {
      field: 'url',
    });
  }
  if (url.hash) throw new AppError(ErrorCode.BAD_USER_INPUT, 'A webhook URL cannot have a #fragment.', { field: 'url' });
  if (text.length > MAX_URL_LENGTH) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, `A webhook URL is at most ${MAX_URL_LENGTH} characters.`, { field: 'url' });
  }
  return url.toString();
}

function validateEventTypes(types: readonly string[]): WebhookEventType[] {
  const known = new Set<string>(WEBHOOK_EVENT_TYPES);
  const unknown = types.filter((t) => !known.has(t));
  if (unknown.length > 0) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, `Unknown event types: ${unknown.join(', ')}. Use ${WEBHOOK_EVENT_TYPES.join(', ')}.`, { field: 'eventTypes' });
  }
  if (types.length === 0) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, `Name at least one event type: ${WEBHOOK_EVENT_TYPES.join(', ')}.`, { field: 'eventTypes' });
  }
  return WEBHOOK_EVENT_TYPES.filter((t) => types.includes(t));
}

function groupAttempts(rows: readonly WebhookAttemptRecord[]): Map<string, WebhookAttemptRecord[]> {
  const byDelivery = new Map<string, WebhookAttemptRecord[]>();
  for (const row of rows) {
    const list = byDelivery.get(row.deliveryId);
    if (list) list.push(row);
    else byDelivery.set(row.deliveryId, [row]);
  }
  return byDelivery;
}

function toWebhookView(r: WebhookRecord): WebhookView {
  return {
    id: r.id,
    url: r.url,
    eventTypes: r.eventTypes as WebhookEventType[],
    description: r.description,
    createdAt: r.createdAt,
    createdBy: r.createdBy,
    removedAt: r.removedAt,
  };
}

function toDeliveryView(r: WebhookDeliveryRecord, attempts: readonly WebhookAttemptRecord[]): WebhookDeliveryView {
  return {
    id: r.id,
    webhookId: r.webhookId,
    eventType: r.eventType as WebhookEventType,
    eventId: r.eventId,
    status: r.status,
    attemptCount: r.attempts,
    attempts: attempts.map((a) => ({ attempt: a.attempt, attemptedAt: a.attemptedAt, statusCode: a.statusCode, error: a.error, durationMs: a.durationMs })),
    nextAttemptAt: r.status === 'PENDING' ? r.nextAttemptAt : null,
    lastStatusCode: r.lastStatusCode,
    lastError: r.lastError,
    createdAt: r.createdAt,
    deliveredAt: r.deliveredAt,
    payload: r.payload,
  };
}
