import type { ColumnType, Generated } from 'kysely';

/** Rows of the webhook tables (migration 0004), as Kysely sees them; part of StoreSchema. */
type CreatedAt = ColumnType<Date, Date | undefined, never>;
type Json<T> = ColumnType<T, string, string>;

export type WebhookDeliveryStatus = 'PENDING' | 'DELIVERED' | 'DEAD' | 'DISCARDED';

export interface WebhooksTable {
  id: string;
  url: string;
  event_types: Json<string[]>;
  description: string | null;
  /** AES-256-GCM ciphertext of the signing secret (bound to the row id), and the id of the key that sealed it. */
  secret_ciphertext: string;
  secret_key_id: string;
  created_at: CreatedAt;
  created_by: string | null;
  removed_at: Date | null;
}

export interface WebhookDeliveriesTable {
  id: string;
  webhook_id: string;
  event_type: string;
  event_id: string;
  /** The body sent: { id, type, createdAt, data }. */
  payload: Json<Record<string, unknown>>;
  status: ColumnType<WebhookDeliveryStatus, WebhookDeliveryStatus | undefined, WebhookDeliveryStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: ColumnType<Date, Date | undefined, Date>;
  locked_until: Date | null;
  last_status_code: number | null;
  /** Short and free of secrets: `HTTP 500`, `ECONNREFUSED`, `timed out after 10000 ms`. */
  last_error: string | null;
  created_at: CreatedAt;
  delivered_at: Date | null;
}

export interface WebhookAttemptsTable {
  id: Generated<string>;
  delivery_id: string;
  attempt: number;
  attempted_at: Date;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}
