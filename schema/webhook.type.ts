import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType } from './connection.js';
import { DateTimeScalar, JSONScalar } from './scalars.js';

export enum WebhookEventType {
  AUDIT_EVENT = 'AUDIT_EVENT',
  QUERY_DENIED = 'QUERY_DENIED',
  SECURITY_NOTIFICATION = 'SECURITY_NOTIFICATION',
}
registerEnumType(WebhookEventType, {
  name: 'WebhookEventType',
  description: 'What a webhook is sent. An audit event goes to a webhook once: as QUERY_DENIED when it is a denial the webhook asked for, else as AUDIT_EVENT.',
  valuesConfig: {
    AUDIT_EVENT: { description: 'Every audit event.' },
    QUERY_DENIED: { description: 'Audit events whose decision is DENIED.' },
    SECURITY_NOTIFICATION: { description: 'Every security notification.' },
  },
});

export enum WebhookDeliveryStatus {
  PENDING = 'PENDING',
  DELIVERED = 'DELIVERED',
  DEAD = 'DEAD',
  DISCARDED = 'DISCARDED',
}
registerEnumType(WebhookDeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  description: 'PENDING until a 2xx; DEAD (a dead letter) when every attempt failed; DISCARDED when dropped by an admin or with its webhook.',
});

@ObjectType({ description: 'A URL that Warden POSTs signed events to. Its secret is shown only at registration.' })
export class Webhook {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  url!: string;

  @Field(() => [WebhookEventType])
  eventTypes!: WebhookEventType[];

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => ID, { nullable: true, description: 'The admin who registered it.' })
  createdBy!: string | null;

  @Field(() => DateTimeScalar, { nullable: true })
  removedAt!: Date | null;
}

@ObjectType({ description: 'A new webhook and its signing secret. The secret is shown this once: keep it.' })
export class WebhookRegistration {
  @Field(() => Webhook)
  webhook!: Webhook;

  @Field(() => String, {
    description:
      'Verify each request with a Standard Webhooks library (e.g. the standardwebhooks npm package): webhook-signature is `v1,<base64 HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<raw body>")>`, the key being the secret after `whsec_`, base64-decoded.',
  })
  secret!: string;
}

@ObjectType({ description: 'One try at sending a delivery.' })
export class WebhookAttempt {
  @Field(() => Int, { description: '1 for the first try.' })
  attempt!: number;

  @Field(() => DateTimeScalar)
  attemptedAt!: Date;

  @Field(() => Int, { nullable: true, description: "The receiver's HTTP status; null when none came back." })
  statusCode!: number | null;

  @Field(() => String, { nullable: true, description: 'Why it failed: HTTP 500, ECONNREFUSED, timed out after … ms.' })
  error!: string | null;

  @Field(() => Int)
  durationMs!: number;
}

@ObjectType({ description: 'One event on its way to one webhook, with every attempt made.' })
export class WebhookDelivery {
  @Field(() => ID, { description: 'Also the `id` in the body and the webhook-id header: receivers dedupe on it.' })
  id!: string;

  @Field(() => ID)
  webhookId!: string;

  @Field(() => WebhookEventType)
  eventType!: WebhookEventType;

  @Field(() => ID, { description: 'The audit event or security notification delivered.' })
  eventId!: string;

  @Field(() => WebhookDeliveryStatus)
  status!: WebhookDeliveryStatus;

  @Field(() => Int, { description: 'Attempts made since it was queued (or last replayed).' })
  attemptCount!: number;

  @Field(() => [WebhookAttempt], { description: 'Every attempt, oldest first (a replay keeps the earlier ones).' })
  attempts!: WebhookAttempt[];

  @Field(() => DateTimeScalar, { nullable: true, description: 'When the next attempt is due; null unless PENDING.' })
  nextAttemptAt!: Date | null;

  @Field(() => Int, { nullable: true })
  lastStatusCode!: number | null;

  @Field(() => String, { nullable: true })
  lastError!: string | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  deliveredAt!: Date | null;

  @Field(() => JSONScalar, { description: 'The body sent: { id, type, createdAt, data }.' })
  payload!: Record<string, unknown>;
}

@ObjectType()
export class WebhookDeliveryConnection extends ConnectionType('WebhookDelivery', WebhookDelivery) {}
