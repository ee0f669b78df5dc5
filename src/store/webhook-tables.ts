import type { ColumnType, Generated } from 'kysely';

/** Rows of the webhook tables (migration 0004), as Kysely sees them; part of StoreSchema. */
type CreatedAt = ColumnType<Date, Date | undefined, never>;
type Json<T> = ColumnType<T, string, string>;

export type WebhookDeliveryStatus = 'PENDING' | 'DELIVERED' | 'DEAD' | 'DISCARDED';

export interface WebhooksTable {
  id: string;
  url: string;
  eventTypes: Json<string[]>;
  description: string | null;
  /** AES-256-GCM ciphertext of the signing secret (bound to the row id), and the id of the key that sealed it. */
  secretCiphertext: string;
  secretKeyId: string;
  createdAt: CreatedAt;
  createdBy: string | null;
  removedAt: Date | null;
}

export interface WebhookDeliveriesTable {
  id: string;
  webhookId: string;
  eventType: string;
  eventId: string;
  /** The body sent: { id, type, createdAt, data }. */
  payload: Json<Record<string, unknown>>;
  status: ColumnType<WebhookDeliveryStatus, WebhookDeliveryStatus | undefined, WebhookDeliveryStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  nextAttemptAt: ColumnType<Date, Date | undefined, Date>;
  lockedUntil: Date | null;
  lastStatusCode: number | null;
  /** Short and free of secrets: `HTTP 500`, `ECONNREFUSED`, `timed out after 10000 ms`. */
  lastError: string | null;
  createdAt: CreatedAt;
  deliveredAt: Date | null;
}

export interface WebhookAttemptsTable {
  id: Generated<string>;
  deliveryId: string;
  attempt: number;
  attemptedAt: Date;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}
