import { createHmac, randomBytes } from 'node:crypto';

/**
 * Webhook signatures in the Standard Webhooks format (https://www.standardwebhooks.com), so a receiver
 * verifies with any of its libraries (`standardwebhooks` on npm, and others for most languages):
 *
 *   webhook-id:        the message id; the same on every retry of one delivery, so a receiver drops one it already took
 *   webhook-timestamp: when it was sent, in unix seconds; a receiver refuses one too old (a replay)
 *   webhook-signature: `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<raw body>")>`
 *
 * The key is the secret's bytes: a secret is `whsec_` and base64 of 32 random bytes. Secrets made before
 * this format were base64url; they decode to the same bytes (Node reads both alphabets), and a receiver's
 * library takes them once written in plain base64 (`-` → `+`, `_` → `/`).
 */
export const WEBHOOK_ID_HEADER = 'webhook-id';
export const WEBHOOK_TIMESTAMP_HEADER = 'webhook-timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'webhook-signature';

const SECRET_PREFIX = 'whsec_';

export type WebhookSignatureHeaders = {
  [WEBHOOK_ID_HEADER]: string;
  [WEBHOOK_TIMESTAMP_HEADER]: string;
  [WEBHOOK_SIGNATURE_HEADER]: string;
};

/** A new signing secret: `whsec_` and 32 random bytes, base64. Shown once, then only sealed. */
export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

/**
 * A signature over a body given in pieces (a file read in chunks): `update` with each, in order, then
 * `headers()`. `id` is the message id; the timestamp is `now`'s.
 */
export function webhookSigner(secret: string, id: string, now: Date = new Date()): { update(chunk: string | Buffer): void; headers(): WebhookSignatureHeaders } {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const hmac = createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.`);
  return {
    update: (chunk) => {
      hmac.update(chunk);
    },
    headers: () => ({
      [WEBHOOK_ID_HEADER]: id,
      [WEBHOOK_TIMESTAMP_HEADER]: timestamp,
      [WEBHOOK_SIGNATURE_HEADER]: `v1,${hmac.digest('base64')}`,
    }),
  };
}

/** The three headers for `rawBody` (the exact bytes sent) as message `id`, sent at `now`. */
export function signWebhookPayload(secret: string, id: string, rawBody: string | Buffer, now: Date = new Date()): WebhookSignatureHeaders {
  const signer = webhookSigner(secret, id, now);
  signer.update(rawBody);
  return signer.headers();
}

function keyOf(secret: string): Buffer {
  const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
  if (key.length === 0) throw new Error('a webhook signing secret is empty');
  return key;
}
